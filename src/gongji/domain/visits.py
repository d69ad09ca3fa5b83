"""Visits (就诊) and their fee lines (费用明细), as a hospital or pharmacy system reports them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from gongji.domain.catalogue import Classified
from gongji.domain.codes import Insutype, MedType, PsnType

__all__ = ["INPATIENT_MED_TYPES", "Diagnosis", "FeeLine", "Visit", "VisitStatus"]

#: Medical types of a hospital stay (a binding made after admission may be barred from paying it).
INPATIENT_MED_TYPES = frozenset(
    {
        MedType.GENERAL_INPATIENT,
        MedType.INJURY_INPATIENT,
        MedType.REFERRAL_INPATIENT,
        MedType.EMERGENCY_TO_INPATIENT,
        MedType.DAY_SURGERY,
        MedType.MATERNITY_INPATIENT,
    }
)


class VisitStatus(StrEnum):
    """Open (fees may be added), settled, or cancelled (撤销挂号/入院)."""

    OPEN = "open"
    SETTLED = "settled"
    CANCELLED = "cancelled"

    @property
    def zh(self) -> str:
        """The status in Chinese."""
        return {"open": "就诊中", "settled": "已结算", "cancelled": "已撤销"}[self.value]

    @property
    def en(self) -> str:
        """The status in English (its code)."""
        return self.value


@dataclass(frozen=True)
class Diagnosis:
    """诊断 (diseinfo): a diagnosis the hospital gives at admission or at discharge."""

    seq: int
    diag_type: str
    diag_code: str
    diag_name: str
    main: bool = False


@dataclass(frozen=True)
class Visit:
    """就诊: one person's visit or stay at one institution, under one insurance and medical type."""

    id: int
    mdtrt_id: str
    person_id: int
    institution_id: int
    insutype: Insutype
    psn_type: PsnType
    med_type: MedType
    region: str
    begin_at: datetime
    status: VisitStatus
    ipt_otp_no: str | None = None
    end_at: datetime | None = None
    buyer_name: str | None = None
    buyer_certno: str | None = None
    #: 出院办理: when a stay ended and how (出院方式); a stay is settled after its discharge.
    discharged_at: datetime | None = None
    discharge_way: str | None = None

    @property
    def inpatient(self) -> bool:
        """A hospital stay rather than an outpatient visit or a purchase."""
        return self.med_type in INPATIENT_MED_TYPES


@dataclass(frozen=True)
class FeeLine:
    """费用明细: an item, quantity (thousandths) and unit price, classified into the four national parts."""

    id: int
    visit_id: int
    feedetl_sn: str
    item_code: str
    item_name: str
    quantity_milli: int
    #: Millionths of a yuan (``pric`` has six decimals).
    unit_price_microyuan: int
    parts: Classified
    category: str | None
    fee_at: datetime
    returns_line_id: int | None = None
    cancelled: bool = False
    #: 收费批次 (``chrg_bchno``): the charge the line came in; ``None`` for a line sent without one.
    chrg_bchno: str | None = None
    #: The settlement that took the line (``None`` while it waits to be settled).
    settlement_id: int | None = None

    @property
    def waiting(self) -> bool:
        """Live and not yet settled: what the next settlement of its batch takes."""
        return not self.cancelled and self.settlement_id is None
