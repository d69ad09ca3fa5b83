"""Path and query parameters shared by the routers: what each names, with bounds that keep nonsense out."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from gongji.api.rest.models import MAX_ID, Day

__all__ = ["DayQuery", "JournalIdPath", "MdtrtPath", "PersonPath", "RegionPath", "RelationIdPath", "SetlPath"]

_CODE = r"^[0-9A-Za-z]{1,30}$"

#: A person by resident ID number (18 characters) or person number (人员编号).
PersonPath = Annotated[
    str,
    Path(
        pattern=_CODE,
        description="身份证号或人员编号 ID number or person number",
        examples=["130102197503150019", "13010200000000000001"],
    ),
]
#: A visit (就诊ID).
MdtrtPath = Annotated[str, Path(pattern=_CODE, description="就诊ID mdtrt_id", examples=["130100000000000001"])]
#: A settlement (结算ID).
SetlPath = Annotated[str, Path(pattern=_CODE, description="结算ID setl_id")]
#: A mutual-aid relation.
RelationIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="共济关系编号 Relation number", examples=[1])]
#: A journal (记账凭证).
JournalIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="记账凭证号 Journal id", examples=[1])]
#: A region code.
RegionPath = Annotated[
    str, Path(pattern=r"^[0-9]{6}$", description="医保区划 Region code, e.g. 130100", examples=["130100"])
]
#: A day (``?on=2026-11-22``), from 1900 to 2199.
DayQuery = Annotated[Day | None, Query(description="日期 On this day YYYY-MM-DD (default today)")]
