"""Request and response models of the REST API (/api/v1): the third shape of data, kept apart from the service's
views and the store's rows.

Requests are strict: unknown fields are refused, texts have bounds and no control characters, dates are plausible,
amounts are integer fen within gongji's limits, codes are the national code lists. Responses carry what the service's
views say (they are built from them field by field); money is an integer of fen in every ``*_fen`` field, and where a
person reads the amount a ``*_yuan`` text beside it (``"1234.56"``).

The models are in one module per area (``people``, ``accounts``, ``relations``, ``settlements``, ``rules``,
``totals``) over ``common``; this package names them all.
"""

from __future__ import annotations

from gongji.api.rest.models.accounts import (
    AccountBalanceOut,
    BalancesOut,
    CreditIn,
    JournalOut,
    ReverseJournalIn,
    StatementLineOut,
    StatementOut,
    TransferOut,
)
from gongji.api.rest.models.common import MAX_ID, Day, Moment, PersonRef, yuan
from gongji.api.rest.models.people import (
    ContactIn,
    EnrollIn,
    EnrollmentEventOut,
    EnrollmentOut,
    MoveIn,
    PauseIn,
    PersonOut,
    RegisterIn,
    ResumeIn,
    TerminateIn,
)
from gongji.api.rest.models.relations import (
    CheckOut,
    ConfirmIn,
    DeclineIn,
    EndRelationIn,
    FamilyOut,
    OrderIn,
    PayerOut,
    ProxyLinkIn,
    ProxyLinkOut,
    QuotaIn,
    RelationEventOut,
    RelationOut,
    RelationRequestIn,
    RuleTraceOut,
    WhyOut,
)
from gongji.api.rest.models.rules import RegionOut, RegionRulesOut, RuleSourceOut, RuleValueOut
from gongji.api.rest.models.settlements import (
    CancelFeesIn,
    ExplanationOut,
    FeeLineIn,
    FeeLineOut,
    FeesIn,
    FundLineOut,
    OpenVisitIn,
    PayerLineOut,
    PurseStepOut,
    ReverseSettlementIn,
    SettleIn,
    SettlementOut,
    StepOut,
    VisitOut,
)
from gongji.api.rest.models.totals import PrincipalOut, RelationTotalsOut, SettlementMonthOut

__all__ = [
    "MAX_ID",
    "AccountBalanceOut",
    "BalancesOut",
    "CancelFeesIn",
    "CheckOut",
    "ConfirmIn",
    "ContactIn",
    "CreditIn",
    "Day",
    "DeclineIn",
    "EndRelationIn",
    "EnrollIn",
    "EnrollmentEventOut",
    "EnrollmentOut",
    "ExplanationOut",
    "FamilyOut",
    "FeeLineIn",
    "FeeLineOut",
    "FeesIn",
    "FundLineOut",
    "JournalOut",
    "Moment",
    "MoveIn",
    "OpenVisitIn",
    "OrderIn",
    "PauseIn",
    "PayerLineOut",
    "PayerOut",
    "PersonOut",
    "PersonRef",
    "PrincipalOut",
    "ProxyLinkIn",
    "ProxyLinkOut",
    "PurseStepOut",
    "QuotaIn",
    "RegionOut",
    "RegionRulesOut",
    "RegisterIn",
    "RelationEventOut",
    "RelationOut",
    "RelationRequestIn",
    "RelationTotalsOut",
    "ResumeIn",
    "ReverseJournalIn",
    "ReverseSettlementIn",
    "RuleSourceOut",
    "RuleTraceOut",
    "RuleValueOut",
    "SettleIn",
    "SettlementMonthOut",
    "SettlementOut",
    "StatementLineOut",
    "StatementOut",
    "StepOut",
    "TerminateIn",
    "TransferOut",
    "VisitOut",
    "WhyOut",
    "yuan",
]
