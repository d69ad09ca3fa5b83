"""The catalogue queries (1304, 1312, 1316-1319): gongji's own catalogue, a page at a time, as JSON.

Unlike 1301-1315 these answer rows in the message (``data[]`` with the page's numbers), filtered by the national
query fields gongji can honour: the item's code (``hilist_code``), a part of its name (``hilist_name``), and when
it last changed (``updt_time``: items changed at or after it). Which items each query lists:

- 1312 医保目录信息: every item;
- 1316 医疗目录与医保目录匹配信息: every item, matched to itself (gongji gives an item one code in both catalogues);
- 1318 医保目录限价信息: the items with a price cap;
- 1319 医保目录先自付比例信息: the category-B items with their own self-pay share;
- 1304 民族药品目录 and 1317 医药机构目录匹配信息: none (gongji keeps no ethnic-medicine catalogue and no
  institution's own catalogue), an empty page.

Reads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gongji.domain.catalogue import ItemCategory, ItemKind
from gongji.service.context import Context
from gongji.service.fsi_ports import StoredCatalogueRow
from gongji.service.ports import UnitOfWork

__all__ = ["MAX_PAGE_SIZE", "QUERIES", "CataloguePage", "CatalogueQuery", "query_catalogue"]

#: The largest page a query answers.
MAX_PAGE_SIZE = 1000
#: The queries and whether they list gongji's items (an empty page otherwise).
QUERIES = {"1304": False, "1312": True, "1316": True, "1317": False, "1318": True, "1319": True}
_ALL_KINDS = [kind.value for kind in ItemKind]


@dataclass(frozen=True)
class CatalogueQuery:
    """One page of a query: its transaction code, the filters, the page's number (from 1) and size."""

    infno: str
    page_num: int
    page_size: int
    hilist_code: str | None = None
    hilist_name: str | None = None
    updated_since: datetime | None = None


@dataclass(frozen=True)
class CataloguePage:
    """A page: the rows on it and how many match in all."""

    page_num: int
    page_size: int
    record_counts: int
    rows: list[StoredCatalogueRow]

    @property
    def pages(self) -> int:
        """How many pages the matches fill."""
        return -(-self.record_counts // self.page_size)


def _listed(infno: str, row: StoredCatalogueRow) -> bool:
    item = row.item
    if infno == "1318":
        return item.price_cap_fen is not None
    if infno == "1319":
        return item.category is ItemCategory.B and item.self_pay_bp is not None
    return True


def query_catalogue(ctx: Context, query: CatalogueQuery) -> CataloguePage:
    """One page of ``query``, in code order. The edge checks the page's number and size (a programming error
    otherwise)."""
    if query.page_num < 1 or not 1 <= query.page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page {query.page_num} of size {query.page_size} is not a page")
    if not QUERIES.get(query.infno, False):
        return CataloguePage(query.page_num, query.page_size, 0, [])

    def handler(uow: UnitOfWork) -> CataloguePage:
        rows = [
            row
            for row in uow.fsi_files.catalogue_rows(_ALL_KINDS, None)
            if _listed(query.infno, row)
            and (query.hilist_code is None or row.item.code == query.hilist_code)
            and (query.hilist_name is None or query.hilist_name in row.item.name)
            and (query.updated_since is None or row.updated_at >= query.updated_since)
        ]
        rows.sort(key=lambda row: row.item.code)
        start = (query.page_num - 1) * query.page_size
        return CataloguePage(query.page_num, query.page_size, len(rows), rows[start : start + query.page_size])

    return ctx.read(handler)
