"""对账 (statement reconciliation): the figures an institution and gongji compare for a period.

An institution's statement lists the settlements it made through gongji in a period, each counted once when it
was settled and once more, negatively, when it was reversed (结算撤销): the national ledger records a 2208 as its
own negative settlement, so a settlement reversed in the same period nets out, and one reversed in a later period
stays in its own period and takes its negative record into the later one.

The statement is split by 清算类别 (``clr_type``), which follows from the settlement's medical type. The rule is a
short ordered list, :data:`CLEARING_RULES`, so that SQL (the store) and Python (:func:`clr_type_of`) classify from
one source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = [
    "CLEARING_RULES",
    "DEFAULT_CLR_TYPE",
    "NOT_CLEARED_WITH_INSTITUTION",
    "ClearingRule",
    "ClrType",
    "PeriodTotals",
    "SettlementSummary",
    "StatementScope",
    "clr_type_of",
]


class ClrType(StrEnum):
    """清算类别 (clr_type): how a settlement is cleared with the institution."""

    OUTPATIENT = "11"
    INPATIENT = "21"
    PHARMACY = "41"

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return _NAMES[self][0]

    @property
    def en(self) -> str:
        """The English name."""
        return _NAMES[self][1]


_NAMES = {
    ClrType.OUTPATIENT: ("门诊", "outpatient"),
    ClrType.INPATIENT: ("住院", "inpatient"),
    ClrType.PHARMACY: ("药店购药", "pharmacy purchase"),
}


@dataclass(frozen=True)
class ClearingRule:
    """A medical type (the code itself, or every code that starts with it) and the clearing type it falls under."""

    med_type: str
    clr_type: ClrType
    prefix: bool = False

    def matches(self, med_type: str) -> bool:
        """Whether a settlement of ``med_type`` falls under this rule."""
        return med_type.startswith(self.med_type) if self.prefix else med_type == self.med_type


#: The first rule that matches a settlement's medical type gives its clearing type: 41 定点药店购药 is cleared as a
#: pharmacy purchase, every 2x (住院, local 2xxx codes too) as inpatient; everything else as outpatient.
CLEARING_RULES: tuple[ClearingRule, ...] = (
    ClearingRule("41", ClrType.PHARMACY),
    ClearingRule("2", ClrType.INPATIENT, prefix=True),
)
#: The clearing type of a medical type no rule matches (and of a settlement without one).
DEFAULT_CLR_TYPE = ClrType.OUTPATIENT

#: Settlement kinds paid out to the person, not to the institution (手工报销, contributions paid from an account):
#: they are not on any institution's statement.
NOT_CLEARED_WITH_INSTITUTION = frozenset({"claim", "contribution"})


def clr_type_of(med_type: str | None) -> ClrType:
    """The clearing type of a settlement of ``med_type`` (by :data:`CLEARING_RULES`)."""
    if med_type:
        for rule in CLEARING_RULES:
            if rule.matches(med_type):
                return rule.clr_type
    return DEFAULT_CLR_TYPE


@dataclass(frozen=True)
class PeriodTotals:
    """An institution's settlements in a period: how many were made and reversed in it, and the net sums (fen).

    Each sum is what was settled in the period less what was reversed in it, whenever each was first settled.
    """

    settled_cnt: int
    reversed_cnt: int
    medfee_sumamt_fen: int
    fund_pay_sumamt_fen: int
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int


@dataclass(frozen=True)
class SettlementSummary:
    """A settlement as a statement reads it: who, which visit, the request that made it, when, and the sums (fen)."""

    setl_id: str
    mdtrt_id: str | None
    psn_no: str
    request_key: str | None
    insutype: str
    med_type: str | None
    status: str
    settled_at: datetime
    reversed_at: datetime | None
    medfee_sumamt_fen: int
    fund_pay_sumamt_fen: int
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int


@dataclass(frozen=True)
class StatementScope:
    """Which settlements a statement reads: one institution's, settled or reversed in ``[start, end)``, optionally
    only of one insurance type, one clearing type, or one clearing region (清算经办机构, the settlement's region)."""

    institution_id: int
    start: datetime
    end: datetime
    insutype: str | None = None
    clr_type: ClrType | None = None
    region: str | None = None
