"""Use cases of mutual-aid relations: request, confirm, decline, end, order, quota, proxy links, "my family" and
"why can't X pay for Y?".

Every write locks both people's rows first (in id order), so that the counts the checks rely on — relatives bound
at once, authorisers per beneficiary, changes this year — cannot be raced past.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta

from gongji.domain.codes import MedType, RelationType
from gongji.domain.errors import ErrorCode, InvalidInput, NotFound, Refused
from gongji.domain.identity import mask_id_number
from gongji.domain.ledger import AccountKind
from gongji.domain.money import format_yuan
from gongji.domain.people import Person
from gongji.domain.regions import region_name
from gongji.domain.relations import (
    Channel,
    EndReason,
    Kinship,
    ProxyLink,
    Relation,
    RelationEvent,
    RelationState,
    RelationStatus,
)
from gongji.rules import parameters as params
from gongji.rules.schema import Contribution, QuotaModel
from gongji.service.accounts import quota_used
from gongji.service.binding_checks import binding_findings, changes_this_year
from gongji.service.checks import Finding, Party, rule_trace_views
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.eligibility import PaymentKind, ShareableBalance, payment_findings
from gongji.service.ending import renumber_payers, settle_stale
from gongji.service.people import resolve_person
from gongji.service.ports import UnitOfWork
from gongji.service.views import (
    CheckView,
    FamilyView,
    PayerView,
    ProxyLinkView,
    RelationEventView,
    RelationView,
    WhyView,
)

__all__ = [
    "AddProxyLink",
    "ConfirmBinding",
    "DeclineBinding",
    "EndProxyLink",
    "EndRelation",
    "RequestBinding",
    "SetOrder",
    "SetQuota",
    "add_proxy_link",
    "confirm_binding",
    "decline_binding",
    "end_proxy_link",
    "end_relation",
    "family",
    "payment_kind",
    "relation",
    "request_binding",
    "set_order",
    "set_quota",
    "why",
]

ADULT_AGE = 18
MAX_NOTE_CHARS = 200


@dataclass(frozen=True)
class RequestBinding:
    """共济人申请绑定亲属. ``relation_type`` is who the beneficiary is to the authoriser. At the counter, with the
    documents checked by ``operator``, the binding takes effect at once; online it waits for the relative."""

    authoriser: str
    beneficiary: str
    relation_type: RelationType
    channel: Channel = Channel.ONLINE
    operator: str | None = None
    proof_reference: str | None = None
    commitment: bool = False
    valid_until: date | None = None
    quota_fen: int | None = None


@dataclass(frozen=True)
class ConfirmBinding:
    """The beneficiary (or a guardian, for a minor) confirms; face verification at or above the region's age."""

    relation_id: int
    confirmer: str
    face_token: str | None = None


@dataclass(frozen=True)
class DeclineBinding:
    """The beneficiary (or guardian) says no to a request."""

    relation_id: int
    by: str


@dataclass(frozen=True)
class EndRelation:
    """Either side asks to end a relation; at the counter an operator ends it at once."""

    relation_id: int
    by: str | None = None
    channel: Channel = Channel.ONLINE
    operator: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class SetOrder:
    """The beneficiary (or guardian) orders the authorisers who pay after the beneficiary's own account."""

    beneficiary: str
    authorisers: tuple[str, ...]
    by: str | None = None


@dataclass(frozen=True)
class SetQuota:
    """The authoriser sets a yearly quota for one relation (``None``: the whole shareable balance), or his one
    shared quota where the region's model is shared (``relation_id`` None)."""

    authoriser: str
    quota_fen: int | None
    relation_id: int | None = None


@dataclass(frozen=True)
class AddProxyLink:
    """亲情账户: ``owner`` may show ``relative``'s e-voucher and see records. Shares no money."""

    owner: str
    relative: str
    channel: Channel = Channel.ONLINE
    operator: str | None = None


@dataclass(frozen=True)
class EndProxyLink:
    """End a 亲情账户."""

    owner: str
    relative: str


def payment_kind(value: str) -> PaymentKind:
    """Read a payment kind: a national med_type code (``11``, ``21``, ``41`` …), or a contribution
    (``resident_basic``, ``long_term_care``), or the words outpatient / inpatient / pharmacy."""
    words = {"outpatient": "11", "inpatient": "21", "pharmacy": "41"}
    text = words.get(value.strip().lower(), value.strip())
    if text in {c.value for c in Contribution}:
        return PaymentKind(contribution=Contribution(text))
    return PaymentKind(med_type=MedType.parse(text))


# --- reading -----------------------------------------------------------------------------------------------------


def _party(uow: UnitOfWork, person: Person) -> Party:
    return Party(person, uow.enrollments.for_person(person.id), uow.relations.of_person(person.id))


def _family_people(uow: UnitOfWork, *parties: Party) -> dict[int, Person]:
    ids = {p.person.id for p in parties}
    for party in parties:
        for r in party.relations:
            ids |= {r.authoriser_id, r.beneficiary_id}
    found: dict[int, Person] = {}
    for person_id in ids:
        person = uow.people.get(person_id)
        if person is not None:
            found[person_id] = person
    return found


def _relation(uow: UnitOfWork, relation_id: int) -> Relation:
    relation = uow.relations.get(relation_id)
    if relation is None:
        raise NotFound(ErrorCode.RELATION_NOT_FOUND, relation_id=relation_id)
    return relation


def _year_start(year: int) -> datetime:
    return datetime.combine(date(year, 1, 1), time.min, tzinfo=SHANGHAI)


def _relation_view(uow: UnitOfWork, relation: Relation, moment: datetime, names: dict[int, Person]) -> RelationView:
    state = relation.state_at(moment)
    used = quota_used(uow, relation.id, moment.year)

    def name(person_id: int | None) -> str | None:
        return names[person_id].name if person_id in names else None

    return RelationView(
        id=relation.id,
        authoriser_id=relation.authoriser_id,
        authoriser=name(relation.authoriser_id) or str(relation.authoriser_id),
        beneficiary_id=relation.beneficiary_id,
        beneficiary=name(relation.beneficiary_id) or str(relation.beneficiary_id),
        relation_type=relation.relation_type.value,
        relation_zh=relation.relation_type.zh,
        state=state.value,
        state_zh=state.zh,
        channel=relation.channel.value,
        region=relation.region,
        requested_at=relation.requested_at,
        expires_at=relation.expires_at,
        confirmed_at=relation.confirmed_at,
        confirmed_by=name(relation.confirmed_by_id),
        effective_from=relation.effective_from,
        valid_until=relation.valid_until,
        ended_at=relation.ended_at,
        end_reason=relation.end_reason.value if relation.end_reason else None,
        end_reason_zh=relation.end_reason.zh if relation.end_reason else None,
        end_requested_by=name(relation.end_requested_by_id),
        order_position=relation.order_position,
        quota_fen=relation.quota_fen,
        quota_used_fen=used,
        quota_left_fen=None if relation.quota_fen is None else max(relation.quota_fen - used, 0),
        proof_kind=relation.proof_kind,
        proof_reference=relation.proof_reference,
        events=[
            RelationEventView(
                kind=e.kind,
                at=e.at,
                actor=name(e.actor_person_id),
                operator=e.operator,
                channel=e.channel.value,
                note=e.note,
            )
            for e in uow.relations.events(relation.id)
        ],
    )


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


# --- writing -----------------------------------------------------------------------------------------------------


def _event(
    kind: str, at: datetime, actor: Person | None, channel: Channel, operator: str | None, note: str | None
) -> RelationEvent:
    return RelationEvent(kind, at, actor.id if actor else None, operator, channel, note)


def _counter_operator(channel: Channel, operator: str | None) -> str | None:
    if channel is Channel.COUNTER:
        if not operator or not operator.strip() or len(operator) > 64:
            raise InvalidInput(
                ErrorCode.FIELD_INVALID,
                field="operator",
                reason_zh="窗口办理须填写经办人（1 到 64 个字符）",
                reason_en="a counter action names its operator (1 to 64 characters)",
            )
        return operator.strip()
    return None


def _commitment_text(authoriser: Person, beneficiary: Person, relation_type: RelationType, at: datetime) -> str:
    return (
        f"本人{authoriser.name}（证件号码{mask_id_number(authoriser.certno)}）承诺：{beneficiary.name}"
        f"（证件号码{mask_id_number(beneficiary.certno)}）是本人的{relation_type.zh}，所填信息真实有效，"
        f"如有虚假愿承担相应法律责任。签署时间：{at:%Y-%m-%d %H:%M:%S}"
    )


def _next_position(relations: Sequence[Relation], beneficiary_id: int) -> int:
    positions = [
        r.order_position
        for r in relations
        if r.beneficiary_id == beneficiary_id and r.status is RelationStatus.ACTIVE and r.order_position
    ]
    return max(positions, default=0) + 1


def request_binding(ctx: Context, cmd: RequestBinding, *, key: str) -> RelationView:
    """共济人申请绑定: every check of :func:`gongji.service.binding_checks.binding_findings`; refused with the first
    that fails. Online the request waits for the relative (and expires); at the counter it is effective at once."""
    operator = _counter_operator(cmd.channel, cmd.operator)
    if cmd.quota_fen is not None and cmd.quota_fen < 0:
        raise InvalidInput(
            ErrorCode.AMOUNT_INVALID, value=str(cmd.quota_fen), reason_zh="不能为负数", reason_en="must not be negative"
        )
    proof_reference = (cmd.proof_reference or "").strip() or None
    if proof_reference and len(proof_reference) > MAX_NOTE_CHARS:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="proof_reference",
            reason_zh="最多 200 个字符",
            reason_en="at most 200 characters",
        )
    if cmd.channel is Channel.COUNTER and not proof_reference:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="proof_reference",
            reason_zh="窗口办理须登记所核验的证明材料编号",
            reason_en="a counter binding records the documents checked",
        )

    def handler(uow: UnitOfWork) -> RelationView:
        authoriser = resolve_person(uow, cmd.authoriser)
        beneficiary = resolve_person(uow, cmd.beneficiary)
        uow.people.lock([authoriser.id, beneficiary.id])
        now = ctx.clock.now()
        settle_stale(uow, [authoriser.id, beneficiary.id], now)
        a, b = _party(uow, authoriser), _party(uow, beneficiary)
        names = _family_people(uow, a, b)
        findings, reader = binding_findings(
            ctx.rules,
            a,
            b,
            cmd.relation_type,
            now,
            family=names,
            proof_reference=proof_reference,
            commitment=cmd.commitment,
            valid_until=cmd.valid_until,
        )
        if findings:
            raise findings[0].refusal()
        region = a.region
        assert region is not None
        assert b.region is not None
        if cmd.quota_fen is not None:
            _require_per_relation_quota(ctx, region, now.date())
        commitment_text = None
        proof_kind = "documents" if proof_reference else "commitment"
        if proof_kind == "commitment":
            commitment_text = _commitment_text(authoriser, beneficiary, cmd.relation_type, now)
        counter = cmd.channel is Channel.COUNTER
        valid_days = reader.get(params.BINDING_REQUEST_VALID_DAYS, region)
        relation = Relation(
            id=0,
            authoriser_id=authoriser.id,
            beneficiary_id=beneficiary.id,
            relation_type=cmd.relation_type,
            status=RelationStatus.ACTIVE if counter else RelationStatus.REQUESTED,
            channel=cmd.channel,
            region=region,
            beneficiary_region=b.region,
            requested_at=now,
            expires_at=None if counter else now + timedelta(days=valid_days),
            proof_kind=proof_kind,
            proof_reference=proof_reference,
            commitment_text=commitment_text,
            operator=operator,
            confirmed_at=now if counter else None,
            confirmed_by_id=None,
            effective_from=now if counter else None,
            valid_until=cmd.valid_until,
            order_position=_next_position(b.relations, beneficiary.id) if counter else None,
            quota_fen=cmd.quota_fen,
        )
        stored = uow.relations.add(relation)
        note = commitment_text or f"证明材料 {proof_reference}"
        uow.relations.add_event(stored.id, _event("requested", now, authoriser, cmd.channel, operator, note))
        if counter:
            uow.relations.add_event(
                stored.id, _event("confirmed", now, None, cmd.channel, operator, "窗口核验证明材料，即时生效")
            )
        return _relation_view(uow, stored, now, names)

    request = asdict(cmd) | {
        "authoriser": cmd.authoriser.strip().upper(),
        "beneficiary": cmd.beneficiary.strip().upper(),
    }
    return ctx.write(key=key, operation="relation.request", request=request, result_type=RelationView, handler=handler)


def _require_per_relation_quota(ctx: Context, region: str, on: date) -> None:
    model = ctx.rules.resolve(params.QUOTA_MODEL, region, on).value
    if model is not QuotaModel.PER_RELATION:
        raise Refused(
            ErrorCode.QUOTA_NOT_PER_RELATION,
            region=region,
            model_zh={"shared": "所有亲属共用一个额度", "annual_share": "按余额年度比例"}[model.value],
            model_en=model.value,
        )


def _refuse_state(relation: Relation, state: RelationState, action_zh: str, action_en: str) -> Refused:
    if state is RelationState.EXPIRED:
        assert relation.expires_at is not None
        return Refused(
            ErrorCode.REQUEST_EXPIRED, relation_id=relation.id, expired_at=relation.expires_at.date().isoformat()
        )
    return Refused(
        ErrorCode.RELATION_NOT_PENDING,
        relation_id=relation.id,
        state_zh=state.zh,
        state_en=state.value,
        action_zh=action_zh,
        action_en=action_en,
    )


def _check_guardian(relation: Relation, beneficiary: Person, by: Person, kinship: Kinship, now: datetime) -> None:
    """Someone other than the beneficiary acts on a request: only for a minor, and only as his adult guardian."""
    if beneficiary.age_on(now.date()) >= ADULT_AGE:
        raise Refused(
            ErrorCode.NOT_A_PARTY, name=by.name, relation_id=relation.id, role_zh="被共济人", role_en="beneficiary"
        )
    if by.age_on(now.date()) < ADULT_AGE:
        raise Refused(ErrorCode.GUARDIAN_NOT_ADULT, name=by.name)
    if by.id not in kinship.guardians_of(relation):
        raise Refused(ErrorCode.NOT_A_GUARDIAN, name=by.name, minor=beneficiary.name)


def _check_confirmer(
    ctx: Context,
    relation: Relation,
    beneficiary: Person,
    confirmer: Person,
    kinship: Kinship,
    face_token: str | None,
    now: datetime,
) -> str | None:
    """Who may confirm, and the face check: returns the verification reference (``None`` when none was needed)."""
    age = beneficiary.age_on(now.date())
    threshold = ctx.rules.resolve(params.FACE_VERIFICATION_MIN_AGE_YEARS, relation.beneficiary_region, now.date()).value
    if confirmer.id == beneficiary.id:
        if age < threshold:
            raise Refused(ErrorCode.GUARDIAN_REQUIRED, name=beneficiary.name, age=threshold)
    else:
        _check_guardian(relation, beneficiary, confirmer, kinship, now)
    if confirmer.age_on(now.date()) < threshold:
        return None
    if not face_token:
        raise Refused(ErrorCode.FACE_VERIFICATION_REQUIRED, name=confirmer.name, age=threshold)
    result = ctx.face.verify(confirmer, face_token)
    if not result.passed:
        raise Refused(ErrorCode.FACE_VERIFICATION_FAILED, name=confirmer.name, reason=result.reason)
    return result.reference


def confirm_binding(ctx: Context, cmd: ConfirmBinding, *, key: str) -> RelationView:
    """被共济人确认: the request must still be open; every binding check runs again (things may have changed);
    the relation becomes active, effective after the region's waiting period, last in the beneficiary's order."""

    def handler(uow: UnitOfWork) -> RelationView:
        relation = _relation(uow, cmd.relation_id)
        confirmer = resolve_person(uow, cmd.confirmer)
        uow.people.lock([relation.authoriser_id, relation.beneficiary_id])
        now = ctx.clock.now()
        state = relation.state_at(now)
        if state is not RelationState.REQUESTED:
            raise _refuse_state(relation, state, "确认", "confirm it")
        authoriser = uow.people.get(relation.authoriser_id)
        beneficiary = uow.people.get(relation.beneficiary_id)
        assert authoriser is not None
        assert beneficiary is not None
        a, b = _party(uow, authoriser), _party(uow, beneficiary)
        kinship = Kinship.of([*a.relations, *b.relations], now)
        face_reference = _check_confirmer(ctx, relation, beneficiary, confirmer, kinship, cmd.face_token, now)
        others = [r for r in a.relations if r.id != relation.id]
        names = _family_people(uow, a, b) | {confirmer.id: confirmer}
        findings, reader = binding_findings(
            ctx.rules,
            replace(a, relations=others),
            replace(b, relations=[r for r in b.relations if r.id != relation.id]),
            relation.relation_type,
            now,
            family=names,
            proof_reference=relation.proof_reference,
            commitment=relation.commitment_text is not None,
            valid_until=relation.valid_until,
        )
        findings = [f for f in findings if f.code is not ErrorCode.CHANGES_LIMIT_REACHED]
        if findings:
            raise findings[0].refusal()
        waiting = reader.get(params.WAITING_PERIOD_DAYS, relation.region)
        confirmed = replace(
            relation,
            status=RelationStatus.ACTIVE,
            confirmed_at=now,
            confirmed_by_id=confirmer.id,
            effective_from=now + timedelta(days=waiting),
            order_position=_next_position(b.relations, beneficiary.id),
        )
        uow.relations.save(confirmed)
        role = "本人" if confirmer.id == beneficiary.id else "监护人"
        note = f"{role}确认" + (f"；人脸识别 {face_reference}" if face_reference else "；未满人脸识别年龄")
        if waiting:
            note += f"；等待期 {waiting} 天"
        uow.relations.add_event(relation.id, _event("confirmed", now, confirmer, Channel.ONLINE, None, note))
        return _relation_view(uow, confirmed, now, names)

    request = asdict(cmd) | {"confirmer": cmd.confirmer.strip().upper()}
    return ctx.write(key=key, operation="relation.confirm", request=request, result_type=RelationView, handler=handler)


def decline_binding(ctx: Context, cmd: DeclineBinding, *, key: str) -> RelationView:
    """被共济人拒绝 a request (the beneficiary, or a guardian for a minor)."""

    def handler(uow: UnitOfWork) -> RelationView:
        relation = _relation(uow, cmd.relation_id)
        by = resolve_person(uow, cmd.by)
        now = ctx.clock.now()
        state = relation.state_at(now)
        if state is not RelationState.REQUESTED:
            raise _refuse_state(relation, state, "拒绝", "decline it")
        beneficiary = uow.people.get(relation.beneficiary_id)
        assert beneficiary is not None
        if by.id != beneficiary.id:
            family = uow.relations.of_people([relation.authoriser_id, relation.beneficiary_id])
            _check_guardian(relation, beneficiary, by, Kinship.of(family, now), now)
        declined = replace(relation, status=RelationStatus.DECLINED, ended_at=now)
        uow.relations.save(declined)
        uow.relations.add_event(relation.id, _event("declined", now, by, Channel.ONLINE, None, None))
        return _relation_view(uow, declined, now, _family_people(uow, _party(uow, beneficiary)))

    request = asdict(cmd) | {"by": cmd.by.strip().upper()}
    return ctx.write(key=key, operation="relation.decline", request=request, result_type=RelationView, handler=handler)


def end_relation(ctx: Context, cmd: EndRelation, *, key: str) -> RelationView:
    """解除共济关系. Either side may ask; where the region requires both sides (解除绑定需双方确认) the relation ends
    when the other side asks too. An operator at the counter ends it at once."""
    operator = _counter_operator(cmd.channel, cmd.operator)
    if cmd.channel is Channel.ONLINE and not cmd.by:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="by",
            reason_zh="须说明由哪一方解除",
            reason_en="say which side asks to end it",
        )
    note = (cmd.note or "").strip()[:MAX_NOTE_CHARS] or None

    def handler(uow: UnitOfWork) -> RelationView:
        relation = _relation(uow, cmd.relation_id)
        by = resolve_person(uow, cmd.by) if cmd.by else None
        uow.people.lock([relation.authoriser_id, relation.beneficiary_id])
        now = ctx.clock.now()
        state = relation.state_at(now)
        if not relation.is_open or state in (RelationState.EXPIRED, RelationState.ENDED):
            raise _refuse_state(relation, state, "解除", "end it")
        if by is not None and not relation.involves(by.id):
            raise Refused(
                ErrorCode.NOT_A_PARTY, name=by.name, relation_id=relation.id, role_zh="当事人", role_en="party"
            )
        both = ctx.rules.resolve(params.UNBINDING_NEEDS_BOTH_SIDES, relation.region, now.date()).value
        if operator is not None:
            reason: EndReason | None = EndReason.AT_COUNTER
        elif relation.status is RelationStatus.REQUESTED or not both:
            assert by is not None
            reason = EndReason.BY_AUTHORISER if by.id == relation.authoriser_id else EndReason.BY_BENEFICIARY
        elif relation.end_requested_by_id is None:
            reason = None
        elif by is not None and relation.end_requested_by_id != by.id:
            reason = EndReason.BY_BOTH
        else:
            raise _refuse_state(relation, state, "再次申请解除", "ask again to end it")
        if reason is None:
            assert by is not None
            changed = replace(relation, end_requested_by_id=by.id)
            uow.relations.save(changed)
            uow.relations.add_event(
                relation.id, _event("end_requested", now, by, cmd.channel, operator, note or "待对方确认解除")
            )
        else:
            changed = replace(
                relation, status=RelationStatus.ENDED, ended_at=now, end_reason=reason, order_position=None
            )
            uow.relations.save(changed)
            uow.relations.add_event(relation.id, _event("ended", now, by, cmd.channel, operator, note or reason.zh))
            renumber_payers(uow, relation.beneficiary_id)
        return _relation_view(
            uow, changed, now, _family_people(uow, _party(uow, by or _person(uow, relation.authoriser_id)))
        )

    request = asdict(cmd) | {"by": cmd.by.strip().upper() if cmd.by else None}
    return ctx.write(key=key, operation="relation.end", request=request, result_type=RelationView, handler=handler)


def _person(uow: UnitOfWork, person_id: int) -> Person:
    person = uow.people.get(person_id)
    assert person is not None
    return person


def set_order(ctx: Context, cmd: SetOrder, *, key: str) -> list[RelationView]:
    """调整扣款顺序: the beneficiary's own account stays first; the authorisers follow in the order given, which must
    name every active authoriser exactly once."""

    def handler(uow: UnitOfWork) -> list[RelationView]:
        beneficiary = resolve_person(uow, cmd.beneficiary)
        by = resolve_person(uow, cmd.by) if cmd.by else beneficiary
        now = ctx.clock.now()
        if by.id != beneficiary.id and (
            beneficiary.age_on(now.date()) >= ADULT_AGE or by.age_on(now.date()) < ADULT_AGE
        ):
            raise Refused(
                ErrorCode.NOT_A_PARTY,
                name=by.name,
                relation_id="*",
                role_zh="被共济人或其监护人",
                role_en="beneficiary or guardian",
            )
        uow.people.lock([beneficiary.id])
        active = [
            r
            for r in uow.relations.of_person(beneficiary.id)
            if r.beneficiary_id == beneficiary.id and r.status is RelationStatus.ACTIVE
        ]
        wanted = [resolve_person(uow, ref).id for ref in cmd.authorisers]
        by_authoriser = {r.authoriser_id: r for r in active}
        if sorted(wanted) != sorted(by_authoriser) or len(set(wanted)) != len(wanted):
            names = _family_people(uow, _party(uow, beneficiary))
            expected = "、".join(names[i].name for i in by_authoriser if i in names) or "（无 none）"
            raise InvalidInput(ErrorCode.ORDER_INVALID, name=beneficiary.name, expected=expected)
        for position, authoriser_id in enumerate(wanted, start=1):
            relation = by_authoriser[authoriser_id]
            if relation.order_position != position:
                uow.relations.save(replace(relation, order_position=position))
                uow.relations.add_event(
                    relation.id,
                    _event(
                        "reordered", now, by, Channel.ONLINE, None, f"扣款顺序第 {position + 1} 位（本人账户第 1 位）"
                    ),
                )
        names = _family_people(uow, _party(uow, beneficiary))
        refreshed = [_relation(uow, by_authoriser[i].id) for i in wanted]
        return [_relation_view(uow, r, now, names) for r in refreshed]

    request = {
        "beneficiary": cmd.beneficiary.strip().upper(),
        "authorisers": [a.strip().upper() for a in cmd.authorisers],
        "by": cmd.by,
    }
    return ctx.write(
        key=key, operation="relation.order", request=request, result_type=list[RelationView], handler=handler
    )


def set_quota(ctx: Context, cmd: SetQuota, *, key: str) -> FamilyView:
    """设定共济额度: per relation where the region's model is per relation; one shared quota where it is shared."""
    if cmd.quota_fen is not None and cmd.quota_fen < 0:
        raise InvalidInput(
            ErrorCode.AMOUNT_INVALID, value=str(cmd.quota_fen), reason_zh="不能为负数", reason_en="must not be negative"
        )

    def handler(uow: UnitOfWork) -> FamilyView:
        authoriser = resolve_person(uow, cmd.authoriser)
        uow.people.lock([authoriser.id])
        now = ctx.clock.now()
        party = _party(uow, authoriser)
        region = party.region
        if region is None:
            raise Refused(ErrorCode.NOT_AN_EMPLOYEE, ref=authoriser.name)
        model = ctx.rules.resolve(params.QUOTA_MODEL, region, now.date()).value
        if cmd.relation_id is None:
            if model is not QuotaModel.SHARED:
                raise InvalidInput(
                    ErrorCode.FIELD_INVALID,
                    field="relation_id",
                    reason_zh="本统筹区按每位亲属设定额度，请指明共济关系",
                    reason_en="quotas are set per relation in this region: name the relation",
                )
            uow.relations.set_shared_quota(authoriser.id, cmd.quota_fen, now)
        else:
            relation = _relation(uow, cmd.relation_id)
            if relation.authoriser_id != authoriser.id:
                raise Refused(
                    ErrorCode.NOT_A_PARTY,
                    name=authoriser.name,
                    relation_id=relation.id,
                    role_zh="共济人",
                    role_en="authoriser",
                )
            if not relation.is_open:
                raise _refuse_state(relation, relation.state_at(now), "设定额度", "set its quota")
            _require_per_relation_quota(ctx, region, now.date())
            uow.relations.save(replace(relation, quota_fen=cmd.quota_fen))
            shown = "全部余额" if cmd.quota_fen is None else f"{format_yuan(cmd.quota_fen)} 元/年"
            uow.relations.add_event(
                relation.id, _event("quota_set", now, authoriser, Channel.ONLINE, None, f"共济额度 {shown}")
            )
        return _family(ctx, uow, authoriser, now)

    request = asdict(cmd) | {"authoriser": cmd.authoriser.strip().upper()}
    return ctx.write(key=key, operation="relation.quota", request=request, result_type=FamilyView, handler=handler)


def add_proxy_link(ctx: Context, cmd: AddProxyLink, *, key: str) -> FamilyView:
    """添加亲情账户 (no money is shared through it)."""
    operator = _counter_operator(cmd.channel, cmd.operator)

    def handler(uow: UnitOfWork) -> FamilyView:
        owner = resolve_person(uow, cmd.owner)
        relative = resolve_person(uow, cmd.relative)
        if owner.id == relative.id:
            raise Refused(ErrorCode.SELF_RELATION)
        uow.people.lock([owner.id, relative.id])
        existing = [
            p
            for p in uow.relations.proxies_of(owner.id)
            if p.is_active and p.owner_id == owner.id and p.relative_id == relative.id
        ]
        if existing:
            raise Refused(ErrorCode.PROXY_LINK_EXISTS, owner=owner.name, relative=relative.name)
        now = ctx.clock.now()
        uow.relations.add_proxy(ProxyLink(0, owner.id, relative.id, now, cmd.channel, operator))
        return _family(ctx, uow, owner, now)

    request = asdict(cmd) | {"owner": cmd.owner.strip().upper(), "relative": cmd.relative.strip().upper()}
    return ctx.write(key=key, operation="proxy.add", request=request, result_type=FamilyView, handler=handler)


def end_proxy_link(ctx: Context, cmd: EndProxyLink, *, key: str) -> FamilyView:
    """解除亲情账户."""

    def handler(uow: UnitOfWork) -> FamilyView:
        owner = resolve_person(uow, cmd.owner)
        relative = resolve_person(uow, cmd.relative)
        links = [
            p
            for p in uow.relations.proxies_of(owner.id)
            if p.is_active and p.owner_id == owner.id and p.relative_id == relative.id
        ]
        if not links:
            raise NotFound(ErrorCode.PROXY_LINK_NOT_FOUND, owner=owner.name, relative=relative.name)
        now = ctx.clock.now()
        uow.relations.end_proxy(links[0].id, now)
        return _family(ctx, uow, owner, now)

    request = {"owner": cmd.owner.strip().upper(), "relative": cmd.relative.strip().upper()}
    return ctx.write(key=key, operation="proxy.end", request=request, result_type=FamilyView, handler=handler)


# --- queries -----------------------------------------------------------------------------------------------------


def _family(ctx: Context, uow: UnitOfWork, person: Person, moment: datetime) -> FamilyView:
    party = _party(uow, person)
    names = _family_people(uow, party)
    proxies = uow.relations.proxies_of(person.id)
    for link in proxies:
        for person_id in (link.owner_id, link.relative_id):
            if person_id not in names:
                names[person_id] = _person(uow, person_id)
    i_pay_for = [
        _relation_view(uow, r, moment, names) for r in party.relations if r.authoriser_id == person.id and r.is_open
    ]
    paying = sorted(
        (r for r in party.relations if r.beneficiary_id == person.id and r.is_open),
        key=lambda r: (r.status is not RelationStatus.ACTIVE, r.order_position or 10_000, r.id),
    )
    region = party.region
    own_first = ctx.rules.resolve(params.OWN_ACCOUNT_PAYS_FIRST, region, moment.date()).value if region else True
    prior = current = 0
    for row in uow.ledger.accounts_of_person(person.id):
        if row.state.kind is AccountKind.PERSONAL_PRIOR:
            prior += row.state.balance_fen
        elif row.state.kind is AccountKind.PERSONAL_CURRENT:
            current += row.state.balance_fen
    changes_allowed = (
        ctx.rules.resolve(params.CHANGES_PER_YEAR_COUNT, region, moment.date()).value if region else "unlimited"
    )
    return FamilyView(
        person_id=person.id,
        name=person.name,
        psn_no=person.psn_no,
        region=region,
        region_zh=region_name(region) if region else None,
        on=moment,
        prior_years_fen=prior,
        current_year_fen=current,
        own_account_first=own_first,
        i_pay_for=i_pay_for,
        pay_for_me=[
            PayerView(
                position=None if r.order_position is None else r.order_position + (1 if own_first else 0),
                relation=_relation_view(uow, r, moment, names),
            )
            for r in paying
        ],
        proxy_links=[
            ProxyLinkView(
                id=p.id,
                owner=names[p.owner_id].name,
                relative=names[p.relative_id].name,
                created_at=p.created_at,
                ended_at=p.ended_at,
                channel=p.channel.value,
            )
            for p in proxies
        ],
        proxy_note_zh="亲情账户只能代为展码、查看就医记录，不共享个人账户资金。",
        proxy_note_en="A proxy link (亲情账户) shows a relative's e-voucher and records; it shares no money.",
        changes_used=changes_this_year(party.relations, person.id, moment.year),
        changes_allowed=changes_allowed,
    )


def relation(ctx: Context, relation_id: int) -> RelationView:
    """One relation with its whole history."""

    def handler(uow: UnitOfWork) -> RelationView:
        found = _relation(uow, relation_id)
        authoriser = _person(uow, found.authoriser_id)
        return _relation_view(uow, found, ctx.clock.now(), _family_people(uow, _party(uow, authoriser)))

    return ctx.read(handler)


def family(ctx: Context, person_ref: str, *, on: date | None = None) -> FamilyView:
    """我的家庭: whom I pay for, who pays for me and in which order, each relation's state and quota, my balances,
    my proxy links (shown apart: they share no money), and my changes this year."""
    moment = ctx.clock.now() if on is None else datetime.combine(on, time(12), tzinfo=SHANGHAI)
    return ctx.read(lambda uow: _family(ctx, uow, resolve_person(uow, person_ref), moment))


def why(ctx: Context, payer_ref: str, patient_ref: str, *, on: date | None = None, kind: str = "11") -> WhyView:
    """为什么用不了: a dry run of whether the payer's account can pay this kind of cost for the patient on a day,
    listing every check that fails (not only the first), each with the rule values it read. Changes nothing."""
    payment = payment_kind(kind)
    moment = ctx.clock.now() if on is None else datetime.combine(on, time(12), tzinfo=SHANGHAI)

    def handler(uow: UnitOfWork) -> WhyView:
        payer = resolve_person(uow, payer_ref)
        patient = resolve_person(uow, patient_ref)
        a, b = _party(uow, payer), _party(uow, patient)
        prior = current = 0
        for row in uow.ledger.accounts_of_person(payer.id):
            if row.state.kind is AccountKind.PERSONAL_PRIOR:
                prior += uow.ledger.balance_as_of(row.state.id, moment)
            elif row.state.kind is AccountKind.PERSONAL_CURRENT:
                current += uow.ledger.balance_as_of(row.state.id, moment)
        start = _year_start(moment.year)
        at_start = sum(
            uow.ledger.balance_as_of(row.state.id, start - timedelta(microseconds=1))
            for row in uow.ledger.accounts_of_person(payer.id)
            if row.state.kind in (AccountKind.PERSONAL_PRIOR, AccountKind.PERSONAL_CURRENT)
        )
        relation = next(
            (r for r in a.relations if r.authoriser_id == payer.id and r.beneficiary_id == patient.id and r.is_open),
            None,
        )
        used = quota_used(uow, relation.id, moment.year) if relation else 0
        findings, reader = payment_findings(
            ctx.rules,
            a,
            b,
            moment,
            payment,
            ShareableBalance(prior, current, used, at_start),
            shared_quota=uow.relations.shared_quota(payer.id),
            proxy_links=uow.relations.proxies_of(payer.id),
        )
        zh, en = payment.label
        return WhyView(
            payer=payer.name,
            patient=patient.name,
            on=moment.date(),
            kind_zh=zh,
            kind_en=en,
            can_pay=not findings,
            failed=_check_views(findings),
            rules_read=rule_trace_views(reader.traces),
        )

    return ctx.read(handler)
