"""Visits, fee lines and settlements: preview (writes nothing), commit (one journal), reverse, explain.

The split follows ``gongji.domain.settlement``; this module gathers its inputs — the rules of the patient's region on
the visit's date, the year's accumulators, the locked balances of every account that may pay, the patient's payer
order — writes the result as one journal (money and memo accounts together), and keeps an explanation of every value
read and every account tried.

Where the rules data has no pooling row for a bill (no ratio, deductible or cap for that medical type, hospital level
and category), the missing value is treated as "the fund pays nothing" / "no deductible" / "no cap" and the
explanation says so: the data, not the code, is what to complete.

The package: ``views`` (commands and answers), ``visits`` (visits and fee lines), ``split`` (computing a settlement),
``journal`` (writing, reversing and explaining one), ``record_view`` (how a computed or stored settlement is shown).
"""

from __future__ import annotations

from gongji.service.settlement.fees import cancel_fees, upload_fees, upload_fees_in
from gongji.service.settlement.journal import (
    commit_settlement,
    commit_settlement_in,
    explain,
    preview_settlement,
    reverse_settlement,
    show_settlement,
)
from gongji.service.settlement.moves import settlement_transfers
from gongji.service.settlement.record_view import explanation_of, payer_rows, settlement_view, trace_views
from gongji.service.settlement.split import SettlementPlan, plan_settlement
from gongji.service.settlement.stays import cancel_discharge, change_visit, discharge, discharge_in
from gongji.service.settlement.stored import read_explanation, stored_explanation
from gongji.service.settlement.views import (
    EXPLANATION,
    MAX_LINES_PER_UPLOAD,
    BalanceAfterView,
    CancelDischarge,
    CancelFees,
    CancelVisit,
    ChangeVisit,
    DiagnosisView,
    Discharge,
    ExplanationView,
    FeeInput,
    FeeLineView,
    FundLineView,
    OpenVisit,
    PayerLineView,
    PurseStepView,
    ReverseSettlement,
    Settle,
    SettlementView,
    UploadFees,
    VisitView,
)
from gongji.service.settlement.visits import cancel_visit, open_visit, open_visit_in, visit_view

__all__ = [
    "EXPLANATION",
    "MAX_LINES_PER_UPLOAD",
    "BalanceAfterView",
    "CancelDischarge",
    "CancelFees",
    "CancelVisit",
    "ChangeVisit",
    "DiagnosisView",
    "Discharge",
    "ExplanationView",
    "FeeInput",
    "FeeLineView",
    "FundLineView",
    "OpenVisit",
    "PayerLineView",
    "PurseStepView",
    "ReverseSettlement",
    "Settle",
    "SettlementPlan",
    "SettlementView",
    "UploadFees",
    "VisitView",
    "cancel_discharge",
    "cancel_fees",
    "cancel_visit",
    "change_visit",
    "commit_settlement",
    "commit_settlement_in",
    "discharge",
    "discharge_in",
    "explain",
    "explanation_of",
    "open_visit",
    "open_visit_in",
    "payer_rows",
    "plan_settlement",
    "preview_settlement",
    "read_explanation",
    "reverse_settlement",
    "settlement_transfers",
    "settlement_view",
    "show_settlement",
    "stored_explanation",
    "trace_views",
    "upload_fees",
    "upload_fees_in",
    "visit_view",
]
