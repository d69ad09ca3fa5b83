"""The catalogue queries 1304, 1312 and 1316-1319: pages of gongji's catalogue in the message.

Input ``data{…, updt_time, page_num, page_size}`` and output ``{firstPage, lastPage, size, startRow, pageSize,
pageNum, recordCounts, pages, data[]}`` with the row fields of each query, as newtouch-cloud/openhis reads them
(commit 68c8c6235b027eac2c493701c6edfcea9a1e6405, ``WinServiceAPI/YiBaoInterface/Models/Input/Input_1312.cs`` …
``Input_1319.cs`` and ``Models/Output/Output_1312.cs`` … ``Output_1319.cs``); fengzaiqishi11/hsa-his reads
``output.data`` and ``recordCounts`` (commit 1fcd557940391a10c84c139f1e65846eef69a664,
``InsureUnifiedPayRestBOImpl.java``). Which items each lists is :mod:`gongji.service.catalogue_query`'s. Fields gongji
has no value for (限价类型, 超限处理方式, 自付比例人员类别 …) are answered empty, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from gongji.api.fsi import fields as f
from gongji.api.fsi.reply import yuan
from gongji.api.fsi.transactions import TRANSACTIONS, Call, Transaction
from gongji.domain.catalogue import ItemKind
from gongji.service.catalogue_query import MAX_PAGE_SIZE, QUERIES, CatalogueQuery, query_catalogue
from gongji.service.clock import SHANGHAI
from gongji.service.fsi_ports import StoredCatalogueRow

__all__ = ["CATALOGUE_QUERIES"]

_WHOLE = re.compile(r"^[0-9]{1,6}$")
_CHRGITM_LV = {"A": "01", "B": "02", "C": "03"}
#: 目录类别 (list_type): 101 西药, 102 中成药, 201 医疗服务项目, 301 医用耗材 (hsa-his ``Constant.java`` names 103-301).
_LIST_TYPE = {ItemKind.SERVICE: "201", ItemKind.TEST: "201", ItemKind.CONSUMABLE: "301"}


def _list_type(row: StoredCatalogueRow) -> str:
    item = row.item
    if item.kind is ItemKind.DRUG:
        return "102" if item.code.startswith("Z") else "101"  # national drug codes: X… 西药, Z… 中成药
    return _LIST_TYPE[item.kind]


def _time(row: StoredCatalogueRow) -> str:
    return f"{row.updated_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"


def _common(row: StoredCatalogueRow, insu_admdvs: str | None) -> dict[str, Any]:
    return {
        "hilist_code": row.item.code,
        "insu_admdvs": insu_admdvs,
        "begndate": f"{row.updated_at.astimezone(SHANGHAI):%Y-%m-%d}",
        "enddate": None,
        "vali_flag": "1",
        "rid": f"{row.item.code}-{row.updated_at.astimezone(SHANGHAI):%Y%m%d%H%M%S%f}",
        "updt_time": _time(row),
        "crte_time": _time(row),
    }


def _row_1312(row: StoredCatalogueRow, admdvs: str | None) -> dict[str, Any]:
    return _common(row, admdvs) | {
        "hilist_name": row.item.name,
        "chrgitm_lv": _CHRGITM_LV[row.item.category.value],
        "list_type": _list_type(row),
        "lmt_used_flag": "0",
    }


def _row_1316(row: StoredCatalogueRow, admdvs: str | None) -> dict[str, Any]:
    return _common(row, admdvs) | {"med_list_codg": row.item.code, "list_type": _list_type(row)}


def _row_1318(row: StoredCatalogueRow, admdvs: str | None) -> dict[str, Any]:
    cap = row.item.price_cap_fen
    return _common(row, admdvs) | {
        "hilist_lmtpric_type": None,
        "overlmt_dspo_way": None,
        "hilist_pric_uplmt_amt": yuan(cap) if cap is not None else None,
    }


def _row_1319(row: StoredCatalogueRow, admdvs: str | None) -> dict[str, Any]:
    share = row.item.self_pay_bp
    return _common(row, admdvs) | {
        "selfpay_prop_psn_type": None,
        "selfpay_prop_type": None,
        "selfpay_prop": (Decimal(share) / 10_000).quantize(Decimal("0.0001")) if share is not None else None,
    }


_ROWS: dict[str, Callable[[StoredCatalogueRow, str | None], dict[str, Any]]] = {
    "1312": _row_1312,
    "1316": _row_1316,
    "1318": _row_1318,
    "1319": _row_1319,
}


def _page_number(node: dict[str, Any], name: str, upper: int) -> int:
    value = f.code(node, name, path="data")
    if not _WHOLE.match(value) or not 1 <= int(value) <= upper:
        raise f.refusal(
            f"data.{name}",
            f"应为 1 到 {upper} 的整数，收到“{f.shown(value)}”",
            f"must be a whole number from 1 to {upper}",
        )
    return int(value)


def _query(call: Call) -> dict[str, Any]:
    node = call.envelope.node("data")
    infno = call.envelope.infno
    updated = f.timestamp(node, "updt_time", required=False, path="data")
    query = CatalogueQuery(
        infno=infno,
        page_num=_page_number(node, "page_num", 10**6),
        page_size=_page_number(node, "page_size", MAX_PAGE_SIZE),
        hilist_code=f.code(node, "hilist_code", required=False, path="data")
        or f.code(node, "med_list_codg", required=False, path="data"),
        hilist_name=f.text(node, "hilist_name", required=False, path="data"),
        updated_since=updated,
    )
    page = query_catalogue(call.ctx, query)
    admdvs = f.code(node, "insu_admdvs", required=False, max_len=6, path="data")
    build = _ROWS.get(infno)
    rows = [build(row, admdvs) for row in page.rows] if build else []
    start = (page.page_num - 1) * page.page_size
    return {
        "firstPage": 1,
        "lastPage": max(page.pages, 1),
        "size": len(rows),
        "startRow": start + 1 if rows else 0,
        "pageSize": page.page_size,
        "pageNum": page.page_num,
        "recordCounts": page.record_counts,
        "pages": page.pages,
        "data": rows,
    }


_NAMES = {
    "1304": "民族药品目录查询",
    "1312": "医保目录信息查询",
    "1316": "医疗目录与医保目录匹配信息查询",
    "1317": "医药机构目录匹配信息查询",
    "1318": "医保目录限价信息查询",
    "1319": "医保目录先自付比例信息查询",
}
assert set(_NAMES) == set(QUERIES), "every query has its name"

CATALOGUE_QUERIES: tuple[Transaction, ...] = tuple(Transaction(infno, name, _query) for infno, name in _NAMES.items())

TRANSACTIONS.update({t.infno: t for t in CATALOGUE_QUERIES})
