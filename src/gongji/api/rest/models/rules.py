"""The regional rules as the API shows them."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from gongji.api.rest.models.common import ResponseModel

__all__ = ["RegionOut", "RegionRulesOut", "RuleSourceOut", "RuleValueOut"]


class RegionOut(BaseModel):
    """A region code with its names, and whether gongji has a rules file for it."""

    code: str
    zh: str
    en: str
    has_rules: bool


class RuleSourceOut(ResponseModel):
    """Where a value in effect comes from (read from the rule's trace): the region whose file set it, since when,
    and its reference."""

    region: str
    region_zh: str
    since: date
    end: date | None
    confidence: str
    reference_title: str
    reference_address: str


class RuleValueOut(BaseModel):
    """One parameter's value in effect (``null`` when neither the region nor its parents set it)."""

    parameter: str
    parameter_zh: str
    parameter_en: str
    value: Any
    value_text: str
    source: RuleSourceOut | None


class RegionRulesOut(BaseModel):
    """The values in effect for a region on a day, and the regions asked in turn."""

    region: str
    region_zh: str
    on: date
    chain: list[str]
    parameters: list[RuleValueOut]
