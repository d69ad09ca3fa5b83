"""为什么用不了 — "why can't X pay for Y?": a dry run of one payer, asked of the settlement's own function
(:func:`gongji.service.settlement.ask.ask_payer`), so that it cannot disagree with what a settlement does."""

from __future__ import annotations

from datetime import date, datetime, time

from gongji.domain.codes import MedType
from gongji.domain.errors import ErrorCode
from gongji.domain.people import Person
from gongji.domain.wallet import WalletStatus
from gongji.domain.wording import texts
from gongji.rules import parameters as params
from gongji.rules.schema import Contribution
from gongji.service.checks import Finding, RuleReader, rule_trace_views
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.eligibility import PaymentKind
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.settlement.ask import ask_payer
from gongji.service.views import CheckView, WhyView

__all__ = ["payment_kind", "why"]


def payment_kind(value: str) -> PaymentKind:
    """Read a payment kind: a national med_type code (``11``, ``21``, ``41`` …), or a contribution
    (``resident_basic``, ``long_term_care``), or the words outpatient / inpatient / pharmacy."""
    words = {"outpatient": "11", "inpatient": "21", "pharmacy": "41"}
    text = words.get(value.strip().lower(), value.strip())
    if text in {c.value for c in Contribution}:
        return PaymentKind(contribution=Contribution(text))
    return PaymentKind(med_type=MedType.parse(text))


def _check_views(findings: list[Finding]) -> list[CheckView]:
    views = []
    for finding in findings:
        refusal = finding.refusal()
        views.append(
            CheckView(
                code=finding.code.name,
                message_zh=refusal.message_zh,
                message_en=refusal.message_en,
                rules=rule_trace_views(finding.traces),
            )
        )
    return views


def _wallet_route(uow: UnitOfWork, reader: RuleReader, payer: Person, patient: Person) -> tuple[list[Finding], int]:
    """What the wallet's route from ``payer`` to ``patient`` lacks, and what her wallet holds from him now."""
    missing: list[Finding] = []
    regions: dict[int, str] = {}
    for person in (payer, patient):
        wallet = uow.wallets.wallet(person.id)
        if wallet is None or wallet.status is not WalletStatus.OPEN:
            missing.append(Finding(ErrorCode.WALLET_NOT_OPEN, {"name": person.name}))
        else:
            regions[person.id] = wallet.region
    for region in sorted(set(regions.values())):
        if not reader.get(params.WALLET_ENABLED, region):
            missing.append(
                Finding(ErrorCode.WALLET_NOT_ENABLED, {"region": region, "on": reader.on.isoformat()}, reader.last())
            )
    held = sum(t.remaining_fen for t in uow.wallets.spendable(patient.id) if t.sender_id == payer.id)
    if not missing and held == 0:
        missing.append(Finding(ErrorCode.WALLET_NOTHING_ACCEPTED, {"payer": payer.name, "patient": patient.name}))
    return missing, held


def why(
    ctx: Context,
    payer_ref: str,
    patient_ref: str,
    *,
    on: date | None = None,
    kind: str = "11",
    admitted_at: datetime | None = None,
) -> WhyView:
    """为什么用不了: whether the payer's account can pay this kind of cost for the patient on a day, listing every
    check that fails (not only the first), each with the rule values it read. Changes nothing."""
    payment = payment_kind(kind)
    moment = ctx.clock.now() if on is None else datetime.combine(on, time(12), tzinfo=SHANGHAI)

    def handler(uow: UnitOfWork) -> WhyView:
        payer = resolve_person(uow, payer_ref)
        patient = resolve_person(uow, patient_ref)
        answer = ask_payer(ctx, uow, payer, patient, moment, payment, admitted_at=admitted_at)
        findings = list(answer.verdict.findings)
        route, held = None, None
        if any(f.code is ErrorCode.GEOGRAPHY_NOT_OPEN for f in findings):
            route, held = _wallet_route(uow, RuleReader(ctx.rules, moment.date()), payer, patient)
        zh, en = texts(payment.term)
        return WhyView(
            payer=payer.name,
            patient=patient.name,
            on=moment.date(),
            kind_zh=zh,
            kind_en=en,
            can_pay=not findings,
            failed=_check_views(findings),
            rules_read=rule_trace_views(answer.reader.traces),
            wallet_route=_check_views(route or []),
            wallet_fen=held,
        )

    return ctx.read(handler)
