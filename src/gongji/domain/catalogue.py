"""Designated institutions (定点医药机构) and the medical catalogue (医保目录), and how a fee line is classified.

Every fee line is split at upload, as the national platform does, into four parts that add up to its total:

* ``fulamt_ownpay`` (全自费): items outside the catalogue or of category 丙 (C);
* ``overlmt`` (超限价): the part of the unit price above the item's price cap;
* ``preselfpay`` (先行自付): the category 乙 (B) self-pay share of what is left;
* ``inscp`` (符合政策范围): the rest, which the pooling fund considers.

Rounding happens in one place (:func:`gongji.domain.money.round_half_up`), once per part.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from gongji.domain.money import round_half_up

__all__ = [
    "MILLI",
    "CatalogueItem",
    "Classified",
    "Institution",
    "InstitutionKind",
    "ItemCategory",
    "ItemKind",
    "classify",
    "line_total_fen",
]

#: Quantities are kept in thousandths (0.5 box = 500).
MILLI = 1000


class InstitutionKind(StrEnum):
    """医疗机构 or 零售药店."""

    HOSPITAL = "hospital"
    PHARMACY = "pharmacy"


class ItemCategory(StrEnum):
    """甲 (A, fully in the policy range), 乙 (B, with a self-pay share first), 丙 (C, outside: paid in full)."""

    A = "A"
    B = "B"
    C = "C"

    @property
    def zh(self) -> str:
        """甲 / 乙 / 丙."""
        return {"A": "甲类", "B": "乙类", "C": "丙类"}[self.value]


class ItemKind(StrEnum):
    """What an item is."""

    DRUG = "drug"
    TEST = "test"
    SERVICE = "service"
    CONSUMABLE = "consumable"


@dataclass(frozen=True)
class Institution:
    """定点医药机构: its national code, name, kind, level (hospitals) and pooling region."""

    id: int
    fixmedins_code: str
    name: str
    kind: InstitutionKind
    level: str | None
    region: str


@dataclass(frozen=True)
class CatalogueItem:
    """医保目录 item: category, self-pay share for category B, price cap, and whether the account may pay it."""

    code: str
    name: str
    category: ItemCategory
    kind: ItemKind
    unit: str | None = None
    self_pay_bp: int | None = None
    price_cap_fen: int | None = None
    account_payable: bool = True
    sample: bool = False


@dataclass(frozen=True)
class Classified:
    """A fee line's four parts (they add up to its total)."""

    total_fen: int
    fulamt_ownpay_fen: int
    overlmt_fen: int
    preselfpay_fen: int
    inscp_fen: int


def line_total_fen(quantity_milli: int, unit_price_fen: int) -> int:
    """Quantity × unit price, rounded half up to the fen (negative for a return)."""
    return round_half_up(Fraction(quantity_milli * unit_price_fen, MILLI))


def classify(
    item: CatalogueItem | None, quantity_milli: int, unit_price_fen: int, default_self_pay_bp: int | None
) -> Classified:
    """Split a fee line into 全自费 / 超限价 / 先行自付 / 政策范围内, the way the national platform does at upload.

    ``item`` is ``None`` for a code the catalogue does not know (paid in full by the person). A category-B item
    without its own share uses ``default_self_pay_bp`` (the region's default); without either, the share is zero.
    A return (negative quantity) is classified like the line it returns, with every part negative.
    """
    total = line_total_fen(quantity_milli, unit_price_fen)
    if item is None or item.category is ItemCategory.C:
        return Classified(total, total, 0, 0, 0)
    over = 0
    if item.price_cap_fen is not None and unit_price_fen > item.price_cap_fen:
        over = line_total_fen(quantity_milli, unit_price_fen - item.price_cap_fen)
    base = total - over
    pre = 0
    if item.category is ItemCategory.B:
        share = item.self_pay_bp if item.self_pay_bp is not None else (default_self_pay_bp or 0)
        pre = round_half_up(Fraction(base * share, 10_000))
    return Classified(total, 0, over, pre, base - pre)
