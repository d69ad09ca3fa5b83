"""The storage port of the national interface's queries (5201–5206, 5261): read-only rows joined for answering.

Rows carry what a query answer shows and nothing it does not; money is fen, quantities thousandths, prices
millionths of a yuan, as stored. Every list read takes a ``limit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["AccumulatorRow", "QueryFeeRow", "QueryRepository", "QueryVisitRow"]


@dataclass(frozen=True)
class QueryVisitRow:
    """A visit (就诊) with its person and institution, as 5201 answers it."""

    id: int
    mdtrt_id: str
    person_id: int
    psn_no: str
    name: str
    certno: str
    institution_id: int
    fixmedins_code: str
    fixmedins_name: str
    insutype: str
    psn_type: str
    med_type: str
    region: str
    ipt_otp_no: str | None
    begin_at: datetime
    end_at: datetime | None
    discharged_at: datetime | None
    discharge_way: str | None
    status: str


@dataclass(frozen=True)
class QueryFeeRow:
    """A fee line (费用明细) with its visit, settlement, institution and catalogue facts, as 5204/5205 answer it."""

    feedetl_sn: str
    mdtrt_id: str
    setl_id: str | None
    med_type: str
    fixmedins_code: str
    fixmedins_name: str
    fee_at: datetime
    item_code: str
    item_name: str
    quantity_milli: int
    unit_price_microyuan: int
    total_fen: int
    fulamt_ownpay_fen: int
    overlmt_fen: int
    preselfpay_fen: int
    inscp_fen: int
    category: str | None
    cancelled: bool
    returns_feedetl_sn: str | None
    item_kind: str | None
    self_pay_bp: int | None
    price_cap_fen: int | None


@dataclass(frozen=True)
class AccumulatorRow:
    """A yearly accumulator of a person (a memo account): its kind, the group of medical types, its balance."""

    kind: str
    year: int
    group: str
    region: str
    balance_fen: int


class QueryRepository(Protocol):
    """The reads behind the national interface's queries."""

    def visits(
        self,
        person_id: int,
        *,
        institution_id: int,
        begin: datetime | None,
        end: datetime | None,
        med_type: str | None,
        mdtrt_id: str | None,
        limit: int,
    ) -> list[QueryVisitRow]: ...
    def has_visit(self, person_id: int, institution_id: int) -> bool: ...
    def fee_rows(self, visit_id: int, *, settlement_id: int | None, limit: int) -> list[QueryFeeRow]: ...
    def fee_rows_of_person(
        self, person_id: int, *, med_type_prefix: str, begin: datetime, end: datetime, limit: int
    ) -> list[QueryFeeRow]: ...
    def settlement_ids(
        self, person_id: int, *, institution_id: int, begin: datetime | None, end: datetime | None, limit: int
    ) -> list[str]: ...
    def accumulators(self, person_id: int, year: int) -> list[AccumulatorRow]: ...
