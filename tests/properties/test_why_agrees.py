""" "Why can't X pay for Y?" agrees with what a settlement does — over random families, rules and bills.

For every employee X of the family and the patient 张小明 (a pupil, 14, resident: no account of his own): ``why``
(the service's 为什么用不了, with ``--admitted-at`` for a stay) lists no failing check exactly when a settlement of a
bill too large for everyone's accounts, of that kind, on that day, takes money from X. The settlement is previewed
through the service (the same path as the national interface and REST), so every read, rule and limit between the
two is exercised, and when the settlement itself is refused (a suspension, missing fund rules) every answer of
``why`` names that refusal.

Drawn per example: Shijiazhuang's rules varied over what limits a relative (quota model, shareable part, kept
minimum, per-visit cap, bindings made during a stay); which relatives are bound, which confirmed and when (before
or after the admission of a stay); their balances, quotas and a shared quota; a suspension; an outpatient visit or a
stay. Each example runs on a fresh database (SQLite file or truncated PostgreSQL).
"""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from gongji.bootstrap import build_context
from gongji.domain.codes import MedType, PsnType, RelationType
from gongji.domain.errors import GongjiError
from gongji.rules.book import RuleBook
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.relations.can_pay import why
from gongji.service.relations.lifecycle import ConfirmBinding, RequestBinding, confirm_binding, request_binding
from gongji.service.relations.payers import SetQuota, set_quota
from gongji.service.settlement import (
    Discharge,
    FeeInput,
    OpenVisit,
    Settle,
    UploadFees,
    discharge,
    open_visit,
    preview_settlement,
    upload_fees,
)
from gongji.service.suspension import SuspendPerson, suspend_person
from tests.helpers import DEFU, GUILAN, JIANGUO, XIAOMING, XIUYING, EngineFactory, employee, resident

HOSPITAL = "H13010200001"  # 市属三级, Shijiazhuang
NURSING = "001104000010000"  # Ⅰ级护理, category A, no price cap: all of it policy range
START = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)

#: The patient's possible payers: who they are to him, whether they are retired, and their names.
PAYERS = {
    JIANGUO: (RelationType.CHILD, False),
    XIUYING: (RelationType.CHILD, False),
    DEFU: (RelationType.PATERNAL_GRANDCHILD, True),
    GUILAN: (RelationType.PATERNAL_GRANDCHILD, True),
}
NAMES = {JIANGUO: "张建国", XIUYING: "李秀英", DEFU: "张德福", GUILAN: "赵桂兰"}

RULES = """
region: "130100"
name: 石家庄市
parameters:
  quota_model: [{since: 2020-01-01, value: QUOTA_MODEL, reference: REF, confidence: unverified}]
  quota_annual_share_bp: [{since: 2020-01-01, value: 6000, reference: REF, confidence: unverified}]
  shareable_part: [{since: 2020-01-01, value: SHAREABLE, reference: REF, confidence: unverified}]
  authoriser_min_balance_fen: [{since: 2020-01-01, value: KEEP, reference: REF, confidence: unverified}]
  per_visit_cap_fen: [{since: 2020-01-01, value: CAP, reference: REF, confidence: unverified}]
  binding_after_admission_pays_stay: [{since: 2020-01-01, value: AFTER, reference: REF, confidence: unverified}]
"""

rules = st.fixed_dictionaries(
    {
        "QUOTA_MODEL": st.sampled_from(["per_relation", "shared", "annual_share"]),
        "SHAREABLE": st.sampled_from(["whole", "prior_years_only"]),
        "KEEP": st.sampled_from(["0", "30000"]),
        "CAP": st.sampled_from(["{}", '{"11": 5000, "21": 8000}']),
        "AFTER": st.sampled_from(["true", "false"]),
    }
)

payer = st.fixed_dictionaries(
    {
        "prior": st.one_of(st.just(0), st.integers(1, 150_000), st.integers(1, 150_000)),
        "current": st.one_of(st.just(0), st.integers(1, 150_000)),
        "bound": st.sampled_from(["confirmed", "confirmed", "confirmed", "requested", "none"]),
        "confirm_after_admission": st.booleans(),
        "quota": st.one_of(st.none(), st.integers(1, 100_000)),
    }
)


def _rules(directory: Path, values: dict[str, str]) -> RuleBook:
    text = RULES
    for name, value in values.items():
        text = text.replace(name, value)
    text = text.replace("REF", '{title: "property-test rules", address: "https://example.test/why"}')
    (directory / "130100.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return RuleBook.load([directory])


def _bind(ctx: Context, authoriser: str, quota: int | None) -> int:
    """The authoriser asks by commitment (with a quota of his own where the region lets him set one)."""
    relation_type, _ = PAYERS[authoriser]
    request = RequestBinding(authoriser, XIAOMING, relation_type, commitment=True, proof_reference="户口簿")
    requested = request_binding(ctx, request, key=f"bind:{authoriser}")
    if quota is not None:
        set_quota(ctx, SetQuota(authoriser, quota, requested.id), key=f"quota:{authoriser}")
    return requested.id


def _confirm(ctx: Context, relation_id: int) -> None:
    # A minor of 14: his father confirms for him (the parent binding his own child, and his guardian after that).
    confirm_binding(ctx, ConfirmBinding(relation_id, JIANGUO, "face-ok"), key=f"confirm:{relation_id}")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    rule_values=rules,
    payers=st.fixed_dictionaries(dict.fromkeys(PAYERS, payer)),
    stay=st.booleans(),
    shared_quota=st.one_of(st.none(), st.integers(1, 200_000)),
    suspended=st.integers(0, 9).map(lambda draw: draw == 0),
)
def test_why_lists_no_failing_check_exactly_when_a_large_bill_takes_money_from_that_payer(
    backend: str,
    engine_factory: EngineFactory,
    tmp_path_factory: Any,
    rule_values: dict[str, str],
    payers: dict[str, dict[str, Any]],
    stay: bool,
    shared_quota: int | None,
    suspended: bool,
) -> None:
    engine = engine_factory()
    try:
        _check_example(engine, tmp_path_factory.mktemp("rules"), rule_values, payers, stay, shared_quota, suspended)
    finally:
        engine.dispose()


def _check_example(
    engine: Engine,
    rules_dir: Path,
    rule_values: dict[str, str],
    payers: dict[str, dict[str, Any]],
    stay: bool,
    shared_quota: int | None,
    suspended: bool,
) -> None:
    """One example: build the family and the bill, then compare every payer's why with the settlement."""
    clock = FixedClock(START)
    ctx = build_context(engine=engine, clock=clock)
    ctx = Context(ctx.uow, clock, _rules(rules_dir, rule_values), ctx.face)
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    resident(ctx, XIAOMING, "张小明", psn_type=PsnType.PUPIL)
    for certno, (_, retired) in PAYERS.items():
        drawn = payers[certno]
        kind = PsnType.EMPLOYEE_RETIRED if retired else PsnType.EMPLOYEE_IN_SERVICE
        prior, current = drawn["prior"], drawn["current"]
        employee(ctx, certno, NAMES[certno], psn_type=kind, prior_fen=prior, current_fen=current)
    # The father is bound first (he is the guardian who confirms for the boy); the others only if he is.
    father_bound = payers[JIANGUO]["bound"] != "none"
    bound = [c for c in (JIANGUO, XIUYING, DEFU, GUILAN) if payers[c]["bound"] != "none" and father_bound]
    own_quotas = rule_values["QUOTA_MODEL"] == "per_relation"
    relations = {c: _bind(ctx, c, payers[c]["quota"] if own_quotas else None) for c in bound}
    if shared_quota is not None and rule_values["QUOTA_MODEL"] == "shared":
        for certno in bound:
            set_quota(ctx, SetQuota(certno, shared_quota), key=f"shared:{certno}")
    confirmed = [c for c in bound if payers[c]["bound"] == "confirmed"]
    # An outpatient visit is judged on its day, so its relations are confirmed before it; a stay's may be confirmed
    # during it (the father's always first: he confirms for the others).
    during = [c for c in confirmed if stay and payers[c]["confirm_after_admission"] and c != JIANGUO]
    for certno in confirmed:
        if certno not in during:
            _confirm(ctx, relations[certno])

    clock.advance(timedelta(days=1))
    admitted = clock.now()
    med_type = MedType.GENERAL_INPATIENT if stay else MedType.GENERAL_OUTPATIENT
    visit = open_visit(ctx, OpenVisit(XIAOMING, HOSPITAL, med_type), key="visit")
    # 8,000 × 25.00 = 200,000.00 of policy-range cost: more than the fund, the caps and every account together.
    upload_fees(ctx, UploadFees(visit.mdtrt_id, (FeeInput("1", NURSING, "8000", 2_500),)), key="fees")
    if stay:
        clock.advance(timedelta(days=3))
        for certno in during:
            _confirm(ctx, relations[certno])
        discharge(ctx, Discharge(visit.mdtrt_id), key="discharge")
    if suspended:
        suspend_person(ctx, SuspendPerson(XIAOMING, "出借医保卡", "窗口01", since=START.date()), key="suspend")

    try:
        preview = preview_settlement(ctx, Settle(visit.mdtrt_id))
        paid = {p.payer for p in preview.payers if p.amount_fen > 0}
        refusal = None
    except GongjiError as error:
        paid, refusal = set(), error.code.name
    for certno in PAYERS:
        answer = why(ctx, certno, XIAOMING, kind=med_type.value, admitted_at=admitted if stay else None)
        assert answer.can_pay == (NAMES[certno] in paid), (certno, answer.failed, paid, refusal)
        if refusal is not None:
            assert refusal in {check.code for check in answer.failed}, (refusal, answer.failed)
        event(f"{'stay' if stay else 'visit'} {certno[-4:]}: {'pays' if answer.can_pay else answer.failed[0].code}")
