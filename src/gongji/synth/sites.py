"""The designated institutions of a synthetic province: hospitals of each level and retail pharmacies in each region,
and what a visit of each kind is billed for there.

How many of each a region has is an assumption (no count per Hebei prefecture was used): a few top-level hospitals,
more at level 2, many level-1 community and township centres, many pharmacies. A region whose fund rules rate its
top hospitals as provincial or municipal (石家庄: ``3-provincial``, ``3-municipal``) gets both; another gets plain
level 3. The bills use the items of the sample catalogue shipped with gongji (``gongji catalogue load-demo``): a
category-A item for the policy-range part, a category-B item (10 % 先行自付) for the category-B part, a category-C item
(全自费, which no personal account pays) for the own-pay part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gongji.domain.codes import MedType
from gongji.domain.regions import region_name
from gongji.domain.settlement import BillParts
from gongji.rules import parameters as params
from gongji.rules.book import RuleBook
from gongji.service.institutions import AddInstitution
from gongji.service.settlement.views import FeeInput

__all__ = ["Site", "bill_lines", "by_level", "sites"]

#: Institutions a region has, by level: (level, how many).
_COUNTS = (("3", 6), ("2", 12), ("1", 30), ("pharmacy", 40))
_NAMES = {"3": "第{n}人民医院", "2": "第{n}医院", "1": "第{n}社区卫生服务中心", "pharmacy": "第{n}大药房"}

#: The sample catalogue's items a kind of visit is billed for: (category A, category B at 10 %, category C).
_ITEMS: dict[MedType, tuple[str, str, str]] = {
    MedType.GENERAL_OUTPATIENT: ("002502010010000", "002201030010000", "001401000010000"),
    MedType.CHRONIC_SPECIAL_OUTPATIENT: ("XA10BAE009A001010100002", "XC10AAA129A001010100004", "ZZ99XXE0001010100026"),
    MedType.GENERAL_INPATIENT: ("001104000010000", "002201030010000", "ZZ99XXE0001010100026"),
    MedType.PHARMACY_PURCHASE: ("XJ01CAA040A001010100001", "XR06AXL001A001010100009", "ZZ99XXE0001010100026"),
}
#: The category-B items' self-pay share, in basis points (the catalogue's 10 %).
_B_SHARE_BP = 1_000


@dataclass(frozen=True)
class Site:
    """A synthetic designated institution: its code and name, kind, region, and level (``"pharmacy"`` for one)."""

    code: str
    name: str
    region: str
    level: str

    @property
    def base(self) -> str:
        """The level a visit asks for: ``"1"``, ``"2"``, ``"3"`` or ``"pharmacy"``."""
        return self.level if self.level == "pharmacy" else self.level[0]

    def command(self) -> AddInstitution:
        """The registration of the institution (``add_institution``)."""
        if self.level == "pharmacy":
            return AddInstitution(self.code, self.name, "pharmacy", self.region)
        return AddInstitution(self.code, self.name, "hospital", self.region, self.level)


def _top_levels(book: RuleBook, region: str, on: date) -> tuple[str, ...]:
    """How the region's fund rules rate its top hospitals: provincial and municipal, or plain level 3."""
    rows = book.find(params.POOLING_RATIO_BP, region, on)
    named = {level for row in (rows.value if rows else []) for level in (row.hospital_levels or ())}
    split = ("3-provincial", "3-municipal")
    return split if any(level in named for level in split) else ("3",)


def sites(regions: tuple[str, ...], book: RuleBook, on: date) -> list[Site]:
    """Every institution of the regions, numbered within each region and level."""
    found = []
    for region in regions:
        city = region_name(region)
        for level, count in _COUNTS:
            rated = _top_levels(book, region, on) if level == "3" else (level,)
            for n in range(1, count + 1):
                code = f"P{region}0{n:04d}" if level == "pharmacy" else f"H{region}{level}{n:04d}"
                name = f"{city}{_NAMES[level].format(n=n)}（合成）"
                found.append(Site(code, name, region, rated[n % len(rated)]))
    return found


def by_level(found: list[Site]) -> dict[tuple[str, str], list[Site]]:
    """The institutions by region and the level a visit asks for."""
    grouped: dict[tuple[str, str], list[Site]] = {}
    for site in found:
        grouped.setdefault((site.region, site.base), []).append(site)
    return grouped


def bill_lines(med_type: MedType, parts: BillParts) -> tuple[FeeInput, ...]:
    """Fee lines whose classification comes to about ``parts``: the category-B line's amount is what makes its 10 %
    the category-B part, and the category-A line takes the rest of the policy range."""
    a_item, b_item, c_item = _ITEMS[med_type]
    b_total = parts.preselfpay_fen * 10_000 // _B_SHARE_BP
    a_total = parts.inscp_fen + parts.overlmt_fen - (b_total - parts.preselfpay_fen)
    if a_total <= 0:
        a_total, b_total = parts.inscp_fen + parts.overlmt_fen + parts.preselfpay_fen, 0
    lines = [(a_item, a_total), (b_item, b_total), (c_item, parts.fulamt_ownpay_fen)]
    return tuple(FeeInput(str(n), item, "1", amount) for n, (item, amount) in enumerate(lines, start=1) if amount > 0)
