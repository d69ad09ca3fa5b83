"""Designated institutions (定点医药机构) and the medical catalogue (医保目录), and how a fee line is classified.

Every fee line is split at upload, as the national platform does, into four parts that add up to its total:

* ``fulamt_ownpay`` (全自费): items outside the catalogue or of category 丙 (C);
* ``overlmt`` (超限价): the part of the unit price above the item's price cap;
* ``preselfpay`` (先行自付): the category 乙 (B) self-pay share of what is left;
* ``inscp`` (符合政策范围): the rest, which the pooling fund considers.

Rounding happens in one place (:func:`gongji.domain.money.divide_half_up`, the rule of ``round_half_up``), once per
part.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from gongji.domain.money import divide_half_up

__all__ = [
    "MICRO_PER_FEN",
    "MILLI",
    "PERCENT_SIGNS",
    "CatalogueItem",
    "Classified",
    "Institution",
    "InstitutionKind",
    "ItemCategory",
    "ItemKind",
    "classify",
    "line_total_fen",
    "parse_flag",
]

#: Quantities are kept in thousandths (0.5 box = 500).
MILLI = 1000
#: A unit price is kept in millionths of a yuan (the specification's ``pric`` has six decimals): 10,000 to the fen.
MICRO_PER_FEN = 10_000


class InstitutionKind(StrEnum):
    """医疗机构 or 零售药店."""

    HOSPITAL = "hospital"
    PHARMACY = "pharmacy"

    @property
    def zh(self) -> str:
        """医疗机构 / 零售药店."""
        return _INSTITUTION_KIND_NAMES[self][0]

    @property
    def en(self) -> str:
        """hospital / pharmacy."""
        return _INSTITUTION_KIND_NAMES[self][1]

    @classmethod
    def parse(cls, text: str) -> InstitutionKind | None:
        """The kind a registration names (its code, its Chinese name, or 医院 / 药店); ``None`` for anything else."""
        return _INSTITUTION_KIND_WORDS.get(text.strip().lower())


class ItemCategory(StrEnum):
    """甲 (A, fully in the policy range), 乙 (B, with a self-pay share first), 丙 (C, outside: paid in full)."""

    A = "A"
    B = "B"
    C = "C"

    @property
    def zh(self) -> str:
        """甲类 / 乙类 / 丙类."""
        return {"A": "甲类", "B": "乙类", "C": "丙类"}[self.value]

    @property
    def en(self) -> str:
        """category A / B / C."""
        return f"category {self.value}"

    @classmethod
    def parse(cls, text: str) -> ItemCategory | None:
        """The category a catalogue file gives: A/B/C, 甲/乙/丙 or 甲类/乙类/丙类; ``None`` for anything else."""
        return _CATEGORY_WORDS.get(text.strip().upper())


class ItemKind(StrEnum):
    """What an item is."""

    DRUG = "drug"
    TEST = "test"
    SERVICE = "service"
    CONSUMABLE = "consumable"

    @property
    def zh(self) -> str:
        """药品 / 检查检验 / 医疗服务 / 医用耗材."""
        return _ITEM_KIND_NAMES[self][0]

    @property
    def en(self) -> str:
        """The kind in English words."""
        return _ITEM_KIND_NAMES[self][1]

    @classmethod
    def parse(cls, text: str) -> ItemKind | None:
        """The kind a catalogue file gives, by its code or its Chinese name; ``None`` for anything else."""
        return _ITEM_KIND_WORDS.get(text.strip().lower())


_INSTITUTION_KIND_NAMES = {
    InstitutionKind.HOSPITAL: ("医疗机构", "hospital"),
    InstitutionKind.PHARMACY: ("零售药店", "pharmacy"),
}
#: Words a registration may use for a kind: the code, the Chinese name, and the everyday short names.
_INSTITUTION_KIND_WORDS = (
    {kind.value: kind for kind in InstitutionKind}
    | {kind.zh: kind for kind in InstitutionKind}
    | {"医院": InstitutionKind.HOSPITAL, "药店": InstitutionKind.PHARMACY}
)
#: A/B/C, 甲类/乙类/丙类, and the first character alone (甲/乙/丙).
_CATEGORY_WORDS = {
    word: category for category in ItemCategory for word in (category.value, category.zh, category.zh[0])
}
_ITEM_KIND_NAMES = {
    ItemKind.DRUG: ("药品", "drug"),
    ItemKind.TEST: ("检查检验", "test or examination"),
    ItemKind.SERVICE: ("医疗服务", "medical service"),
    ItemKind.CONSUMABLE: ("医用耗材", "medical consumable"),
}
_ITEM_KIND_WORDS = {kind.value: kind for kind in ItemKind} | {kind.zh: kind for kind in ItemKind}
#: Yes and no as a catalogue file writes them.
_FLAG_WORDS = {"true": True, "1": True, "是": True, "false": False, "0": False, "否": False}
#: The percent signs a self-pay share may end with (ASCII, and the full-width one a Chinese keyboard types).
PERCENT_SIGNS = ("%", "％")


def parse_flag(text: str) -> bool | None:
    """Yes or no as a catalogue file writes it: true/false, 1/0 or 是/否; ``None`` for anything else."""
    return _FLAG_WORDS.get(text.strip().lower())


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


def line_total_fen(quantity_milli: int, unit_price_microyuan: int) -> int:
    """Quantity × unit price, rounded half up to the fen (negative for a return)."""
    return divide_half_up(quantity_milli * unit_price_microyuan, MILLI * MICRO_PER_FEN)


def price_fen(unit_price_microyuan: int) -> int:
    """A unit price rounded half up to the fen (for showing; totals are computed from the exact price)."""
    return divide_half_up(unit_price_microyuan, MICRO_PER_FEN)


def classify(
    item: CatalogueItem | None,
    quantity_milli: int,
    unit_price_microyuan: int,
    default_self_pay_bp: int | None,
    total_fen: int | None = None,
) -> Classified:
    """Split a fee line into 全自费 / 超限价 / 先行自付 / 政策范围内, the way the national platform does at upload.

    ``item`` is ``None`` for a code the catalogue does not know (paid in full by the person). A category-B item
    without its own share uses ``default_self_pay_bp`` (the region's default); without either, the share is zero.
    A return (negative quantity) is classified like the line it returns, with every part negative. ``total_fen`` is
    the line's amount as the hospital system rounded quantity × price (within a fen of gongji's rounding).
    """
    total = line_total_fen(quantity_milli, unit_price_microyuan) if total_fen is None else total_fen
    if item is None or item.category is ItemCategory.C:
        return Classified(total, total, 0, 0, 0)
    over = 0
    cap = None if item.price_cap_fen is None else item.price_cap_fen * MICRO_PER_FEN
    if cap is not None and unit_price_microyuan > cap:
        over = line_total_fen(quantity_milli, unit_price_microyuan - cap)
        over = over if abs(over) <= abs(total) else total
    base = total - over
    pre = 0
    if item.category is ItemCategory.B:
        share = item.self_pay_bp if item.self_pay_bp is not None else (default_self_pay_bp or 0)
        pre = divide_half_up(base * share, 10_000)
    return Classified(total, 0, over, pre, base - pre)
