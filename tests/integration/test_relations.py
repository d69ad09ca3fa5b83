"""Mutual-aid relations (共济关系): every refusal of the binding use cases (each leaving the database untouched), the
"why can't X pay for Y?" dry run, the life of a relation, its automatic end, and regions answering differently."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, or_, select

from gongji.domain.codes import EndReason, EnrollmentStatus, Insutype, PsnType, RelationType
from gongji.domain.errors import ErrorCode, GongjiError
from gongji.domain.identity import check_character
from gongji.domain.phrases import Phrase
from gongji.domain.regions import region_name
from gongji.domain.relations import Channel, RelationState
from gongji.domain.relations import EndReason as RelationEndReason
from gongji.domain.wording import Said
from gongji.rules.book import RuleBook
from gongji.rules.schema import QuotaModel
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.context import Context
from gongji.service.enrollment import (
    Enroll,
    MoveRegion,
    PauseEnrollment,
    TerminateEnrollment,
    enroll,
    move_region,
    pause_enrollment,
    terminate_enrollment,
)
from gongji.service.people import RegisterPerson, register_person
from gongji.service.relations.can_pay import why
from gongji.service.relations.lifecycle import (
    ConfirmBinding,
    DeclineBinding,
    EndRelation,
    RequestBinding,
    confirm_binding,
    decline_binding,
    end_relation,
    request_binding,
)
from gongji.service.relations.payers import SetOrder, SetQuota, set_order, set_quota
from gongji.service.relations.proxies import AddProxyLink, EndProxyLink, add_proxy_link, end_proxy_link
from gongji.service.relations.queries import family
from gongji.service.views import RelationView, WhyView
from gongji.store import tables
from tests.helpers import DEFU, GUILAN, JIANGUO, XIAOMING, XIUYING, ZHANGLI, employee, refused, resident, snapshot
from tests.helpers import random_key as _key

SPOUSE = RelationType.SPOUSE
PARENT = RelationType.PARENT
CHILD = RelationType.CHILD
SIBLING = RelationType.SIBLING

SJZ = "130100"  # 石家庄: national rules + Hebei (承诺制 commitment, 8 at once)
BEIJING = "110000"  # spouse/parent/child only, 4 at once, 3 changes a year, documents
HUNAN = "430000"  # 近亲属, 10 at once, 20 over a lifetime
SHANGHAI_REGION = "310000"  # one authoriser per beneficiary, only 历年 money is shareable
TAIAN = "370900"  # shared quota; an authoriser may not be a beneficiary
HENGSHUI = "131100"  # authoriser keeps more than 1,000 yuan
GUIZHOU = "520000"  # a binding states its end date

OPERATOR = "窗口王芳"
PROOF = "户口簿 1301-0001"
FACE = "face-ok"
TODAY = date(2026, 11, 22)

_STEMS = "甲乙丙丁戊己庚辛壬癸"


class Folk:
    """Makes the people of one test: valid ID numbers from a birth date and sex, registered and enrolled."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.count = 0

    def _new(self, born: date, male: bool, name: str | None) -> tuple[str, str]:
        self.count += 1
        seq = 2 * self.count + (1 if male else 2)  # odd for men, even for women
        first17 = f"130102{born:%Y%m%d}{seq:03d}"
        return first17 + check_character(
            first17
        ), name or f"亲属{_STEMS[self.count // 10 % 10]}{_STEMS[self.count % 10]}"

    def registered(self, born: date, *, male: bool = True, name: str | None = None) -> str:
        """Registered only: not insured."""
        certno, name = self._new(born, male, name)
        register_person(self.ctx, RegisterPerson(certno, name), key=_key())
        return certno

    def employee(
        self,
        born: date,
        *,
        male: bool = True,
        region: str = SJZ,
        prior_fen: int = 0,
        current_fen: int = 0,
        name: str | None = None,
    ) -> str:
        """An employee (310) in ``region``, with opening balances."""
        certno, name = self._new(born, male, name)
        return employee(self.ctx, certno, name, region=region, prior_fen=prior_fen, current_fen=current_fen)

    def resident(self, born: date, *, male: bool = True, region: str = SJZ, name: str | None = None) -> str:
        """A resident (390) in ``region``."""
        certno, name = self._new(born, male, name)
        return insure_resident(self.ctx, certno, name, region)


def insure_resident(ctx: Context, certno: str, name: str, region: str) -> str:
    """Register a known ID number and enroll it in resident insurance (390) in any pooling region."""
    register_person(ctx, RegisterPerson(certno, name), key=_key())
    enroll(ctx, Enroll(certno, Insutype.RESIDENT_BASIC, PsnType.ADULT_RESIDENT, region, date(2019, 1, 1)), key=_key())
    return certno


@pytest.fixture
def folk(ctx: Context) -> Folk:
    """People generator for the test."""
    return Folk(ctx)


def ask(ctx: Context, authoriser: str, beneficiary: str, relation_type: RelationType, **kw: Any) -> RelationView:
    """An online request, with a proof reference (which satisfies both documents and commitment regions)."""
    kw.setdefault("proof_reference", PROOF)
    return request_binding(ctx, RequestBinding(authoriser, beneficiary, relation_type, **kw), key=_key())


def confirm(ctx: Context, relation_id: int, confirmer: str, face: str | None = FACE) -> RelationView:
    return confirm_binding(ctx, ConfirmBinding(relation_id, confirmer, face), key=_key())


def bind(
    ctx: Context,
    authoriser: str,
    beneficiary: str,
    relation_type: RelationType,
    *,
    confirmer: str | None = None,
    **kw: Any,
) -> RelationView:
    """Online request confirmed (with face verification) by the beneficiary or the given guardian."""
    requested = ask(ctx, authoriser, beneficiary, relation_type, **kw)
    return confirm(ctx, requested.id, confirmer or beneficiary)


def counter(ctx: Context, authoriser: str, beneficiary: str, relation_type: RelationType) -> RelationView:
    """A counter binding on checked documents: effective at once."""
    return request_binding(
        ctx,
        RequestBinding(
            authoriser, beneficiary, relation_type, channel=Channel.COUNTER, operator=OPERATOR, proof_reference=PROOF
        ),
        key=_key(),
    )


def end(ctx: Context, relation_id: int, by: str) -> RelationView:
    return end_relation(ctx, EndRelation(relation_id, by), key=_key())


def dry_run(ctx: Context, engine: Engine, payer: str, patient: str, **kw: Any) -> WhyView:
    """why(), checking that it changes nothing."""
    before = snapshot(engine)
    view = why(ctx, payer, patient, **kw)
    assert snapshot(engine) == before
    return view


def codes(view: WhyView) -> list[str]:
    return [check.code for check in view.failed]


def with_rules(ctx: Context, tmp_path: Path, region: str, **parameters: object) -> Context:
    """The context with a rule book that overrides ``parameters`` for ``region`` from 2021-04-13 on."""
    directory = tmp_path / f"rules-{uuid.uuid4().hex[:8]}"
    directory.mkdir()
    document = {
        "region": region,
        "name": region_name(region),
        "parameters": {
            name: [
                {
                    "since": date(2021, 4, 13),
                    "value": value,
                    "reference": {"title": "test override", "address": "tests/integration/test_relations.py"},
                    "confidence": "unverified",
                }
            ]
            for name, value in parameters.items()
        },
    }
    (directory / f"{region}.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return dataclasses.replace(ctx, rules=RuleBook.load([directory]))


def family_positions(ctx: Context, beneficiary: str) -> list[tuple[int, str]]:
    return [(payer.position, payer.relation.authoriser) for payer in family(ctx, beneficiary).pay_for_me]


# --- refusals: one test per code, the database untouched ---------------------------------------------------------


def test_self_relation(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    refused(engine, ErrorCode.SELF_RELATION, lambda: ask(ctx, JIANGUO, JIANGUO, SPOUSE))


def test_a_resident_cannot_authorise(ctx: Context, engine: Engine) -> None:
    resident(ctx, XIUYING, "李秀英")
    employee(ctx)
    error = refused(engine, ErrorCode.AUTHORISER_NOT_ELIGIBLE, lambda: ask(ctx, XIUYING, JIANGUO, SPOUSE))
    assert error.params["found"].args["insutype"] is Insutype.RESIDENT_BASIC
    assert f"当前：{Insutype.RESIDENT_BASIC.zh}" in error.message_zh


def test_a_paused_employee_cannot_authorise(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    pause_enrollment(ctx, PauseEnrollment(JIANGUO, Insutype.EMPLOYEE_BASIC, TODAY), key=_key())
    error = refused(engine, ErrorCode.AUTHORISER_NOT_ELIGIBLE, lambda: ask(ctx, JIANGUO, XIUYING, SPOUSE))
    assert error.params["found"].args["status"] is EnrollmentStatus.PAUSED
    assert EnrollmentStatus.PAUSED.zh in error.message_zh


def test_beneficiary_registered_but_not_insured(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    register_person(ctx, RegisterPerson(XIUYING, "李秀英"), key=_key())
    refused(engine, ErrorCode.BENEFICIARY_NOT_INSURED, lambda: ask(ctx, JIANGUO, XIUYING, SPOUSE))


def test_beneficiary_with_a_paused_enrollment(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    pause_enrollment(ctx, PauseEnrollment(XIUYING, Insutype.RESIDENT_BASIC, TODAY), key=_key())
    refused(engine, ErrorCode.BENEFICIARY_STATUS_NOT_NORMAL, lambda: ask(ctx, JIANGUO, XIUYING, SPOUSE))


def test_sibling_not_allowed_in_beijing(ctx: Context, engine: Engine, folk: Folk) -> None:
    authoriser = folk.employee(date(1975, 3, 1), region=BEIJING)
    sister = folk.resident(date(1978, 5, 1), male=False, region=BEIJING)
    error = refused(engine, ErrorCode.RELATION_TYPE_NOT_ALLOWED, lambda: ask(ctx, authoriser, sister, SIBLING))
    assert error.params["region"] == BEIJING
    assert error.params["on"] == "2026-11-22"
    assert error.params["allowed"] == [SPOUSE, PARENT, CHILD]
    assert "(allowed: spouse, parent, child)" in error.message_en


def test_a_parent_younger_than_the_child_is_inconsistent(ctx: Context, engine: Engine) -> None:
    employee(ctx)  # born 1975
    resident(ctx, XIUYING, "李秀英")  # born 1977
    refused(engine, ErrorCode.RELATION_INCONSISTENT, lambda: ask(ctx, JIANGUO, XIUYING, PARENT))
    resident(ctx, DEFU, "张德福")  # born 1948: cannot be his child either
    refused(engine, ErrorCode.RELATION_INCONSISTENT, lambda: ask(ctx, JIANGUO, DEFU, CHILD))


def test_a_second_spouse_is_inconsistent(ctx: Context, engine: Engine, folk: Folk) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    ask(ctx, JIANGUO, XIUYING, SPOUSE)  # pending: what it states already counts
    other_woman = folk.resident(date(1979, 1, 1), male=False)
    error = refused(engine, ErrorCode.RELATION_INCONSISTENT, lambda: ask(ctx, JIANGUO, other_woman, SPOUSE))
    assert error.params["reason"] == Said(Phrase.KIN_HAS_A_SPOUSE, {"name": "张建国"})
    assert "张建国 已登记配偶" in error.message_zh
    other_man = folk.employee(date(1976, 1, 1))
    error = refused(engine, ErrorCode.RELATION_INCONSISTENT, lambda: ask(ctx, other_man, XIUYING, SPOUSE))
    assert error.params["reason"] == Said(Phrase.KIN_HAS_A_SPOUSE, {"name": "李秀英"})
    assert "李秀英" in error.message_zh


def test_a_third_parent_is_inconsistent(ctx: Context, engine: Engine, folk: Folk) -> None:
    employee(ctx)
    employee(ctx, XIUYING, "李秀英")
    resident(ctx, XIAOMING, "张小明")
    ask(ctx, JIANGUO, XIAOMING, CHILD)
    ask(ctx, XIUYING, XIAOMING, CHILD)
    third = folk.employee(date(1970, 1, 1), male=False)
    error = refused(engine, ErrorCode.RELATION_INCONSISTENT, lambda: ask(ctx, third, XIAOMING, CHILD))
    assert error.params["reason"].phrase is Phrase.KIN_TWO_PARENTS
    assert "two parents" in error.message_en


def test_a_second_father_is_inconsistent(ctx: Context, engine: Engine, folk: Folk) -> None:
    employee(ctx)
    resident(ctx, XIAOMING, "张小明")
    ask(ctx, JIANGUO, XIAOMING, CHILD)
    other_father = folk.employee(date(1972, 1, 1))
    error = refused(engine, ErrorCode.RELATION_INCONSISTENT, lambda: ask(ctx, other_father, XIAOMING, CHILD))
    assert error.params["reason"].args["role"] is Phrase.KIN_FATHER
    assert "already has a father on record" in error.message_en
    # The same check from the child's side: he names a second father as his parent.
    employee(ctx, ZHANGLI, "张丽")  # an adult woman stands in for the child as authoriser
    ask(ctx, JIANGUO, ZHANGLI, CHILD)
    refused(engine, ErrorCode.RELATION_INCONSISTENT, lambda: ask(ctx, ZHANGLI, other_father, PARENT))


def test_a_same_sex_spouse_is_inconsistent(ctx: Context, engine: Engine, folk: Folk) -> None:
    employee(ctx)
    man = folk.resident(date(1976, 1, 1))
    error = refused(engine, ErrorCode.RELATION_INCONSISTENT, lambda: ask(ctx, JIANGUO, man, SPOUSE))
    assert error.params["reason"].phrase is Phrase.KIN_SPOUSE_OF_SAME_SEX
    assert "other sex" in error.message_en


def test_geography_not_open_between_shijiazhuang_and_beijing(ctx: Context, engine: Engine) -> None:
    employee(ctx)  # 130100
    insure_resident(ctx, ZHANGLI, "张丽", BEIJING)
    error = refused(engine, ErrorCode.GEOGRAPHY_NOT_OPEN, lambda: ask(ctx, JIANGUO, ZHANGLI, SPOUSE))
    assert error.params["rule_region"] == SJZ
    # The English text names the scope in words, not as the rules data's code.
    assert "within one pooling region" in error.message_en
    assert "same_pooling_region" not in error.message_en


def _beijing_family(folk: Folk) -> dict[str, str]:
    return {
        "me": folk.employee(date(1975, 3, 1), region=BEIJING),
        "wife": folk.resident(date(1977, 1, 1), male=False, region=BEIJING),
        "father": folk.resident(date(1948, 1, 1), region=BEIJING),
        "mother": folk.resident(date(1950, 1, 1), male=False, region=BEIJING),
        "son": folk.resident(date(2003, 1, 1), region=BEIJING),
        "daughter": folk.resident(date(2006, 1, 1), male=False, region=BEIJING),
    }


def test_a_fifth_relative_is_over_a_limit_of_four(
    ctx: Context, engine: Engine, clock: FixedClock, folk: Folk, tmp_path: Path
) -> None:
    # Beijing with a limit of 4 relatives at once (an override: the shipped value is 7, the research's).
    ctx = with_rules(ctx, tmp_path, BEIJING, max_beneficiaries_at_once_count=4)
    f = _beijing_family(folk)
    clock.set(datetime(2025, 6, 1, 10, tzinfo=SHANGHAI))  # spread over two years: 3 changes a year is Beijing's rule
    counter(ctx, f["me"], f["wife"], SPOUSE)
    counter(ctx, f["me"], f["father"], PARENT)
    clock.set(datetime(2026, 11, 22, 10, tzinfo=SHANGHAI))
    counter(ctx, f["me"], f["mother"], PARENT)
    counter(ctx, f["me"], f["son"], CHILD)
    error = refused(engine, ErrorCode.BENEFICIARY_LIMIT_REACHED, lambda: ask(ctx, f["me"], f["daughter"], CHILD))
    assert (error.params["limit"], error.params["count"]) == (4, 4)


def test_hunan_lifetime_limit_of_twenty(ctx: Context, engine: Engine, folk: Folk) -> None:
    me = folk.employee(date(1975, 3, 1), region=HUNAN)
    relatives = [folk.resident(date(1960 + n, 1, 1), region=HUNAN) for n in range(21)]
    for relative in relatives[:20]:
        bound = bind(ctx, me, relative, SIBLING)
        assert bound.state == "effective"
        assert end(ctx, bound.id, me).state == "ended"
    error = refused(engine, ErrorCode.LIFETIME_LIMIT_REACHED, lambda: ask(ctx, me, relatives[20], SIBLING))
    assert error.params["limit"] == 20
    # Binding one of the twenty again counts once: it is allowed.
    assert bind(ctx, me, relatives[0], SIBLING).state == "effective"


def test_shanghai_one_authoriser_per_beneficiary(ctx: Context, engine: Engine, folk: Folk) -> None:
    father = folk.employee(date(1975, 1, 1), region=SHANGHAI_REGION, name="沪父")
    mother = folk.employee(date(1977, 1, 1), male=False, region=SHANGHAI_REGION)
    child = folk.resident(date(2005, 1, 1), region=SHANGHAI_REGION)
    ask(ctx, father, child, CHILD)
    error = refused(engine, ErrorCode.BENEFICIARY_ALREADY_BOUND, lambda: ask(ctx, mother, child, CHILD))
    assert (error.params["other"], error.params["region"], error.params["limit"]) == ("沪父", SHANGHAI_REGION, 1)


def test_taian_authoriser_may_not_be_beneficiary_both_ways(ctx: Context, engine: Engine, folk: Folk) -> None:
    a = folk.employee(date(1975, 1, 1), region=TAIAN, name="泰甲")
    b = folk.employee(date(1978, 1, 1), region=TAIAN, name="泰乙")
    c = folk.resident(date(1980, 1, 1), region=TAIAN)
    d = folk.employee(date(1982, 1, 1), region=TAIAN)
    ask(ctx, a, b, SIBLING)
    # b is a's beneficiary, so b cannot authorise …
    error = refused(engine, ErrorCode.AUTHORISER_ALSO_BENEFICIARY, lambda: ask(ctx, b, c, SIBLING))
    assert error.params["name"] == "泰乙"
    assert error.params["role"] is Phrase.ALREADY_A_BENEFICIARY
    assert error.message_en.endswith("泰乙 already is someone's beneficiary")
    # … and a is an authoriser, so a cannot be bound by anyone.
    error = refused(engine, ErrorCode.AUTHORISER_ALSO_BENEFICIARY, lambda: ask(ctx, d, a, SIBLING))
    assert error.params["name"] == "泰甲"
    assert error.params["role"] is Phrase.ALREADY_AN_AUTHORISER


def test_beijing_three_changes_a_year(ctx: Context, engine: Engine, clock: FixedClock, folk: Folk) -> None:
    """A change alters a set already bound: ending a relation in force, or binding again someone he had ended."""
    f = _beijing_family(folk)
    bound = {who: counter(ctx, f["me"], f[who], t) for who, t in (("father", PARENT), ("mother", PARENT))}
    son = counter(ctx, f["me"], f["son"], CHILD)
    end(ctx, bound["father"].id, f["me"])  # 1
    end(ctx, bound["mother"].id, f["me"])  # 2
    end(ctx, son.id, f["son"])  # the relative's own end is not the authoriser's change
    counter(ctx, f["me"], f["father"], PARENT)  # 3: binding again someone he had ended
    assert family(ctx, f["me"]).changes_used == 3
    error = refused(engine, ErrorCode.CHANGES_LIMIT_REACHED, lambda: ask(ctx, f["me"], f["mother"], PARENT))
    assert (error.params["count"], error.params["limit"]) == (3, 3)
    father_again = family(ctx, f["me"]).i_pay_for[0]
    refused(engine, ErrorCode.CHANGES_LIMIT_REACHED, lambda: end(ctx, father_again.id, f["me"]))
    # A relative never bound before is not a change; nor is the relative ending it himself.
    assert ask(ctx, f["me"], f["wife"], SPOUSE).state == "requested"
    assert end(ctx, father_again.id, f["father"]).state == "ended"
    assert family(ctx, f["me"]).changes_used == 3
    # A new year, new changes.
    clock.set(datetime(2027, 1, 5, 10, tzinfo=SHANGHAI))
    assert ask(ctx, f["me"], f["mother"], PARENT).state == "requested"
    assert family(ctx, f["me"]).changes_used == 1


def test_duplicate_relation(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    first = ask(ctx, JIANGUO, XIUYING, SPOUSE)
    error = refused(engine, ErrorCode.DUPLICATE_RELATION, lambda: ask(ctx, JIANGUO, XIUYING, SPOUSE))
    assert error.params["relation_id"] == first.id


def test_proof_missing_in_a_documents_region(ctx: Context, engine: Engine, folk: Folk) -> None:
    f = _beijing_family(folk)
    # Beijing keeps the national rule (documents): a signed commitment is not enough.
    error = refused(
        engine,
        ErrorCode.PROOF_MISSING,
        lambda: request_binding(ctx, RequestBinding(f["me"], f["wife"], SPOUSE, commitment=True), key=_key()),
    )
    assert error.params["proof"] is Phrase.PROOF_DOCUMENTS
    assert "proof of the relation" in error.message_en


def test_proof_missing_in_a_commitment_region(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    error = refused(
        engine,
        ErrorCode.PROOF_MISSING,
        lambda: request_binding(ctx, RequestBinding(JIANGUO, XIUYING, SPOUSE), key=_key()),
    )
    assert error.params["proof"] is Phrase.PROOF_SIGNED_COMMITMENT
    assert "commitment" in error.message_en
    signed = request_binding(ctx, RequestBinding(JIANGUO, XIUYING, SPOUSE, commitment=True), key=_key())
    assert signed.proof_kind == "commitment"


def test_guizhou_requires_an_end_date(ctx: Context, engine: Engine, folk: Folk) -> None:
    me = folk.employee(date(1975, 1, 1), region=GUIZHOU)
    wife = folk.resident(date(1977, 1, 1), male=False, region=GUIZHOU)
    refused(engine, ErrorCode.END_DATE_REQUIRED, lambda: ask(ctx, me, wife, SPOUSE))
    dated = ask(ctx, me, wife, SPOUSE, valid_until=date(2027, 12, 31))
    assert dated.valid_until == date(2027, 12, 31)


def test_request_expires_after_seven_days(ctx: Context, engine: Engine, clock: FixedClock) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    requested = ask(ctx, JIANGUO, XIUYING, SPOUSE)
    assert requested.expires_at == requested.requested_at + timedelta(days=7)
    clock.advance(timedelta(days=7))
    error = refused(engine, ErrorCode.REQUEST_EXPIRED, lambda: confirm(ctx, requested.id, XIUYING))
    assert error.params["expired_at"] == "2026-11-29"
    refused(engine, ErrorCode.REQUEST_EXPIRED, lambda: end(ctx, requested.id, JIANGUO))
    refused(
        engine,
        ErrorCode.REQUEST_EXPIRED,
        lambda: decline_binding(ctx, DeclineBinding(requested.id, XIUYING), key=_key()),
    )


def test_confirming_twice_is_refused(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    relation = bind(ctx, JIANGUO, XIUYING, SPOUSE)
    error = refused(engine, ErrorCode.RELATION_NOT_PENDING, lambda: confirm(ctx, relation.id, XIUYING))
    assert error.params["state"] is RelationState.EFFECTIVE
    assert error.params["action"] is Phrase.ACT_CONFIRM_BINDING
    assert "生效中" in error.message_zh


def test_a_stranger_is_not_a_party(ctx: Context, engine: Engine, folk: Folk) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    stranger = folk.employee(date(1980, 1, 1))
    requested = ask(ctx, JIANGUO, XIUYING, SPOUSE)
    refused(engine, ErrorCode.NOT_A_PARTY, lambda: confirm(ctx, requested.id, stranger))
    refused(
        engine, ErrorCode.NOT_A_PARTY, lambda: decline_binding(ctx, DeclineBinding(requested.id, stranger), key=_key())
    )
    active = confirm(ctx, requested.id, XIUYING)
    refused(engine, ErrorCode.NOT_A_PARTY, lambda: end(ctx, active.id, stranger))
    refused(
        engine,
        ErrorCode.NOT_A_PARTY,
        lambda: set_quota(ctx, SetQuota(stranger, 100, relation_id=active.id), key=_key()),
    )


def test_a_fourteen_year_old_needs_a_guardian(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIAOMING, "张小明")  # born 2012-06-05: 14
    requested = ask(ctx, JIANGUO, XIAOMING, CHILD)
    error = refused(engine, ErrorCode.GUARDIAN_REQUIRED, lambda: confirm(ctx, requested.id, XIAOMING))
    assert error.params["age"] == 16


def test_the_guardian_must_be_an_adult(ctx: Context, engine: Engine, folk: Folk) -> None:
    employee(ctx)
    resident(ctx, XIAOMING, "张小明")
    brother = folk.registered(date(2009, 5, 1))  # 17
    requested = ask(ctx, JIANGUO, XIAOMING, CHILD)
    refused(engine, ErrorCode.GUARDIAN_NOT_ADULT, lambda: confirm(ctx, requested.id, brother))


def test_an_adult_must_confirm_with_face_verification(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    requested = ask(ctx, JIANGUO, XIUYING, SPOUSE)
    refused(engine, ErrorCode.FACE_VERIFICATION_REQUIRED, lambda: confirm(ctx, requested.id, XIUYING, None))
    refused(engine, ErrorCode.FACE_VERIFICATION_REQUIRED, lambda: confirm(ctx, requested.id, XIUYING, ""))


def test_failed_face_verification(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    requested = ask(ctx, JIANGUO, XIUYING, SPOUSE)
    error = refused(
        engine, ErrorCode.FACE_VERIFICATION_FAILED, lambda: confirm(ctx, requested.id, XIUYING, "fail-no-match")
    )
    assert error.params["name"] == "李秀英"


def test_order_must_name_every_current_authoriser_once(ctx: Context, engine: Engine, folk: Folk) -> None:
    employee(ctx)
    employee(ctx, DEFU, "张德福")
    employee(ctx, GUILAN, "赵桂兰")
    bind(ctx, DEFU, JIANGUO, CHILD)
    bind(ctx, GUILAN, JIANGUO, CHILD)
    outsider = folk.employee(date(1980, 1, 1))
    for authorisers in ((DEFU,), (DEFU, GUILAN, outsider), (DEFU, DEFU), (DEFU, outsider), ()):
        error = refused(
            engine,
            ErrorCode.ORDER_INVALID,
            lambda a=authorisers: set_order(ctx, SetOrder(JIANGUO, a), key=_key()),
        )
        assert error.message_zh.endswith("的全部有效共济人：张德福、赵桂兰")
        assert error.message_en.endswith("current authorisers: 张德福, 赵桂兰")


def test_taian_quota_is_not_per_relation(ctx: Context, engine: Engine, folk: Folk) -> None:
    a = folk.employee(date(1975, 1, 1), region=TAIAN)
    b = folk.resident(date(1978, 1, 1), region=TAIAN)
    relation = ask(ctx, a, b, SIBLING)
    error = refused(
        engine,
        ErrorCode.QUOTA_NOT_PER_RELATION,
        lambda: set_quota(ctx, SetQuota(a, 50_000, relation_id=relation.id), key=_key()),
    )
    assert error.params["model"] is QuotaModel.SHARED
    assert "'shared' quotas" in error.message_en
    c = folk.resident(date(1979, 1, 1), region=TAIAN)
    refused(engine, ErrorCode.QUOTA_NOT_PER_RELATION, lambda: ask(ctx, a, c, SIBLING, quota_fen=50_000))
    # The one shared quota is what Tai'an sets.
    set_quota(ctx, SetQuota(a, 50_000), key=_key())


def test_a_proxy_link_exists_already(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, GUILAN, "赵桂兰")
    add_proxy_link(ctx, AddProxyLink(JIANGUO, GUILAN), key=_key())
    refused(engine, ErrorCode.PROXY_LINK_EXISTS, lambda: add_proxy_link(ctx, AddProxyLink(JIANGUO, GUILAN), key=_key()))


def test_relation_not_found(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    refused(engine, ErrorCode.RELATION_NOT_FOUND, lambda: confirm(ctx, 9999, JIANGUO))
    refused(engine, ErrorCode.RELATION_NOT_FOUND, lambda: end(ctx, 9999, JIANGUO))
    refused(
        engine,
        ErrorCode.RELATION_NOT_FOUND,
        lambda: decline_binding(ctx, DeclineBinding(9999, JIANGUO), key=_key()),
    )
    refused(
        engine,
        ErrorCode.RELATION_NOT_FOUND,
        lambda: set_quota(ctx, SetQuota(JIANGUO, 100, relation_id=9999), key=_key()),
    )


def test_proxy_link_not_found(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, GUILAN, "赵桂兰")
    refused(
        engine, ErrorCode.PROXY_LINK_NOT_FOUND, lambda: end_proxy_link(ctx, EndProxyLink(JIANGUO, GUILAN), key=_key())
    )
    add_proxy_link(ctx, AddProxyLink(JIANGUO, GUILAN), key=_key())
    # A link has a direction: the relative does not own it.
    refused(
        engine, ErrorCode.PROXY_LINK_NOT_FOUND, lambda: end_proxy_link(ctx, EndProxyLink(GUILAN, JIANGUO), key=_key())
    )
    end_proxy_link(ctx, EndProxyLink(JIANGUO, GUILAN), key=_key())
    refused(
        engine, ErrorCode.PROXY_LINK_NOT_FOUND, lambda: end_proxy_link(ctx, EndProxyLink(JIANGUO, GUILAN), key=_key())
    )


def test_mutual_aid_not_available_before_2021_04_13(ctx: Context, engine: Engine, clock: FixedClock) -> None:
    clock.set(datetime(2021, 1, 10, 10, tzinfo=SHANGHAI))
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    refused(engine, ErrorCode.MUTUAL_AID_NOT_AVAILABLE, lambda: ask(ctx, JIANGUO, XIUYING, SPOUSE))


def test_mutual_aid_not_available_where_a_region_switches_it_off(ctx: Context, engine: Engine, tmp_path: Path) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    off = with_rules(ctx, tmp_path, SJZ, mutual_aid_enabled=False)
    error = refused(engine, ErrorCode.MUTUAL_AID_NOT_AVAILABLE, lambda: ask(off, JIANGUO, XIUYING, SPOUSE))
    assert error.params == {"region": SJZ, "on": "2026-11-22"}


# --- why can't X pay for Y? -----------------------------------------------------------------------------------------


def test_why_a_healthy_relation_can_pay(ctx: Context, engine: Engine) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    bind(ctx, JIANGUO, XIUYING, SPOUSE)
    view = dry_run(ctx, engine, JIANGUO, XIUYING)
    assert view.can_pay is True
    assert view.failed == []
    assert {r.parameter for r in view.rules_read} >= {"allowed_relations", "geography", "quota_model"}
    assert dry_run(ctx, engine, JIANGUO, XIUYING, kind="inpatient").can_pay is True


def test_why_no_relation(ctx: Context, engine: Engine) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    view = dry_run(ctx, engine, JIANGUO, XIUYING)
    assert view.can_pay is False
    assert codes(view) == ["NO_RELATION"]


def test_why_a_proxy_link_is_not_mutual_aid(ctx: Context, engine: Engine) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, GUILAN, "赵桂兰")
    add_proxy_link(ctx, AddProxyLink(JIANGUO, GUILAN), key=_key())
    view = dry_run(ctx, engine, JIANGUO, GUILAN)
    assert codes(view) == ["PROXY_LINK_IS_NOT_MUTUAL_AID"]
    assert "亲情账户" in view.failed[0].message_zh


def test_why_a_request_not_yet_confirmed(ctx: Context, engine: Engine) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    ask(ctx, JIANGUO, XIUYING, SPOUSE)
    assert codes(dry_run(ctx, engine, JIANGUO, XIUYING)) == ["RELATION_NOT_CONFIRMED"]


def test_why_a_relation_in_its_waiting_period(ctx: Context, engine: Engine, tmp_path: Path) -> None:
    waiting = with_rules(ctx, tmp_path, SJZ, waiting_period_days=30)
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    relation = bind(waiting, JIANGUO, XIUYING, SPOUSE)
    assert relation.state == "waiting"
    view = dry_run(waiting, engine, JIANGUO, XIUYING)
    assert codes(view) == ["RELATION_NOT_YET_EFFECTIVE"]
    assert "2026-12-22" in view.failed[0].message_en
    assert dry_run(waiting, engine, JIANGUO, XIUYING, on=date(2026, 12, 23)).can_pay is True


def test_why_after_the_relation_was_ended(ctx: Context, engine: Engine) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    relation = bind(ctx, JIANGUO, XIUYING, SPOUSE)
    end(ctx, relation.id, JIANGUO)
    view = dry_run(ctx, engine, JIANGUO, XIUYING)
    assert codes(view) == ["RELATION_ENDED"]
    assert RelationEndReason.BY_AUTHORISER.zh in view.failed[0].message_zh
    assert "ended by the authoriser" in view.failed[0].message_en


def test_why_after_the_authorisers_death(ctx: Context, engine: Engine) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    bind(ctx, JIANGUO, XIUYING, SPOUSE)
    terminate_enrollment(ctx, TerminateEnrollment(JIANGUO, TODAY, EndReason.DEATH), key=_key())
    view = dry_run(ctx, engine, JIANGUO, XIUYING)
    # Every failing check, not the first: the relation ended, and he is no longer insured to authorise.
    assert codes(view) == ["RELATION_ENDED", "AUTHORISER_NOT_ELIGIBLE"]
    assert RelationEndReason.ENROLLMENT_TERMINATED.zh in view.failed[0].message_zh


def test_why_a_mirror_binding_is_missing(ctx: Context, engine: Engine, tmp_path: Path) -> None:
    mirrored = with_rules(ctx, tmp_path, SJZ, mirror_binding_required=True)
    employee(ctx, prior_fen=500_000)
    employee(ctx, XIUYING, "李秀英", prior_fen=300_000)
    bind(mirrored, JIANGUO, XIUYING, SPOUSE)
    view = dry_run(mirrored, engine, JIANGUO, XIUYING)
    assert codes(view) == ["MIRROR_BINDING_MISSING"]
    assert [t.parameter for t in view.failed[0].rules] == ["mirror_binding_required"]
    bind(mirrored, XIUYING, JIANGUO, SPOUSE)
    assert dry_run(mirrored, engine, JIANGUO, XIUYING).can_pay is True


def test_why_the_authorisers_balance_is_zero(ctx: Context, engine: Engine) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    bind(ctx, JIANGUO, XIUYING, SPOUSE)
    view = dry_run(ctx, engine, JIANGUO, XIUYING)
    assert codes(view) == ["AUTHORISER_BALANCE_ZERO"]
    assert "both parts" in view.failed[0].message_en


def test_why_shanghai_shares_only_prior_years_money(ctx: Context, engine: Engine, folk: Folk) -> None:
    payer = folk.employee(date(1975, 1, 1), region=SHANGHAI_REGION, current_fen=500_000)
    wife = folk.resident(date(1977, 1, 1), male=False, region=SHANGHAI_REGION)
    bind(ctx, payer, wife, SPOUSE)
    view = dry_run(ctx, engine, payer, wife)
    assert view.can_pay is False
    check = next(c for c in view.failed if c.code == "AUTHORISER_BALANCE_ZERO")
    assert "仅历年账户可共济" in check.message_zh
    assert "only the prior-years part may be shared" in check.message_en
    assert [t.parameter for t in check.rules] == ["shareable_part"]
    assert check.rules[0].region == SHANGHAI_REGION


def test_why_shanghai_pays_from_prior_years_money(ctx: Context, engine: Engine, clock: FixedClock, folk: Folk) -> None:
    clock.set(datetime(2025, 6, 1, 10, tzinfo=SHANGHAI))
    payer = folk.employee(date(1975, 1, 1), region=SHANGHAI_REGION, prior_fen=500_000)
    wife = folk.resident(date(1977, 1, 1), male=False, region=SHANGHAI_REGION)
    clock.set(datetime(2026, 11, 22, 10, tzinfo=SHANGHAI))
    bind(ctx, payer, wife, SPOUSE)
    assert dry_run(ctx, engine, payer, wife).can_pay is True


def test_why_hengshui_balance_below_the_kept_minimum(ctx: Context, engine: Engine, folk: Folk) -> None:
    payer = folk.employee(date(1975, 1, 1), region=HENGSHUI, prior_fen=100_000)  # exactly 1,000 yuan
    wife = folk.resident(date(1977, 1, 1), male=False, region=HENGSHUI)
    bind(ctx, payer, wife, SPOUSE)
    view = dry_run(ctx, engine, payer, wife)
    assert codes(view) == ["BALANCE_BELOW_MINIMUM"]
    assert view.failed[0].rules[0].region == HENGSHUI
    assert view.failed[0].rules[0].parameter == "authoriser_min_balance_fen"


def test_why_the_quota_is_used_up(ctx: Context, engine: Engine) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    relation = bind(ctx, JIANGUO, XIUYING, SPOUSE)
    set_quota(ctx, SetQuota(JIANGUO, 0, relation_id=relation.id), key=_key())
    assert codes(dry_run(ctx, engine, JIANGUO, XIUYING)) == ["QUOTA_EXHAUSTED"]


def test_why_outside_the_account_scope(ctx: Context, engine: Engine, tmp_path: Path) -> None:
    narrow = with_rules(ctx, tmp_path, SJZ, account_payable_med_types=["21"])
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    bind(narrow, JIANGUO, XIUYING, SPOUSE)
    view = dry_run(narrow, engine, JIANGUO, XIUYING, kind="11")
    assert codes(view) == ["OUTSIDE_ACCOUNT_SCOPE"]
    assert dry_run(narrow, engine, JIANGUO, XIUYING, kind="21").can_pay is True


def test_why_lists_every_failure_at_once(ctx: Context, engine: Engine) -> None:
    employee(ctx)  # no money
    resident(ctx, XIUYING, "李秀英")
    relation = bind(ctx, JIANGUO, XIUYING, SPOUSE)
    set_quota(ctx, SetQuota(JIANGUO, 0, relation_id=relation.id), key=_key())
    pause_enrollment(ctx, PauseEnrollment(JIANGUO, Insutype.EMPLOYEE_BASIC, TODAY), key=_key())
    pause_enrollment(ctx, PauseEnrollment(XIUYING, Insutype.RESIDENT_BASIC, TODAY), key=_key())
    view = dry_run(ctx, engine, JIANGUO, XIUYING)
    assert view.can_pay is False
    assert codes(view) == [
        "AUTHORISER_NOT_ELIGIBLE",
        "BENEFICIARY_STATUS_NOT_NORMAL",
        "AUTHORISER_BALANCE_ZERO",
        "QUOTA_EXHAUSTED",
    ]
    assert all(c.message_zh and c.message_en for c in view.failed)


# --- lifecycle -----------------------------------------------------------------------------------------------------


def test_online_request_confirmed_by_the_adult_beneficiary(ctx: Context, engine: Engine) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    requested = ask(ctx, JIANGUO, XIUYING, SPOUSE)
    assert (requested.state, requested.channel, requested.order_position) == ("requested", "online", None)
    confirmed = confirm(ctx, requested.id, XIUYING)
    assert confirmed.state == "effective"
    assert confirmed.confirmed_by == "李秀英"
    assert confirmed.order_position == 1
    assert confirmed.effective_from == confirmed.confirmed_at
    assert family_positions(ctx, XIUYING) == [(2, "张建国")]
    assert [(e.kind, e.actor, e.channel) for e in confirmed.events] == [
        ("requested", "张建国", "online"),
        ("confirmed", "李秀英", "online"),
    ]
    assert confirmed.events[1].note.args["who"] is Phrase.CONFIRMED_BY_SELF
    assert "人脸识别" in confirmed.events[1].note.zh


def test_a_minor_is_confirmed_by_a_guardian(ctx: Context, engine: Engine) -> None:
    employee(ctx, prior_fen=500_000)
    employee(ctx, XIUYING, "李秀英")
    resident(ctx, XIAOMING, "张小明")
    bind(ctx, JIANGUO, XIUYING, SPOUSE)  # she is the father's wife: a guardian when he binds his child
    requested = ask(ctx, JIANGUO, XIAOMING, CHILD)
    confirmed = confirm(ctx, requested.id, XIUYING)
    assert (confirmed.state, confirmed.order_position) == ("effective", 1)
    assert "监护人确认" in confirmed.events[-1].note.zh
    assert "人脸识别" in confirmed.events[-1].note.zh  # the adult guardian verifies her face
    assert confirmed.events[-1].note.en.startswith("confirmed by a guardian; face verified")
    stored = _stored(engine, XIAOMING)[requested.id]
    guardian_id = _person_id(engine, XIUYING)
    assert stored["confirmed_by_id"] == guardian_id
    assert stored["events"][-1]["actor_person_id"] == guardian_id
    assert dry_run(ctx, engine, JIANGUO, XIAOMING).can_pay is True


def test_only_a_guardian_confirms_or_declines_for_a_minor(ctx: Context, engine: Engine, folk: Folk) -> None:
    """A minor's guardians are those the family's relations make his parents (and, when a parent binds his own
    child, that parent and his spouse): an unrelated adult is refused, and so is the grandfather for his grandson;
    the father, a parent by the relation that binds him to his son, confirms."""
    employee(ctx, prior_fen=500_000)
    employee(ctx, DEFU, "张德福")
    resident(ctx, XIAOMING, "张小明")
    neighbour = folk.registered(date(1970, 3, 1))
    grandson = ask(ctx, DEFU, XIAOMING, RelationType.PATERNAL_GRANDCHILD)
    for outsider in (neighbour, DEFU):
        error = refused(engine, ErrorCode.NOT_A_GUARDIAN, lambda who=outsider: confirm(ctx, grandson.id, who))
        assert error.params["minor"] == "张小明"
        refused(
            engine,
            ErrorCode.NOT_A_GUARDIAN,
            lambda who=outsider: decline_binding(ctx, DeclineBinding(grandson.id, who), key=_key()),
        )
    # Nothing yet says who his father is; once 张建国 binds his son (confirming as the parent), he is.
    refused(engine, ErrorCode.NOT_A_GUARDIAN, lambda: confirm(ctx, grandson.id, JIANGUO))
    bind(ctx, JIANGUO, XIAOMING, CHILD, confirmer=JIANGUO)
    assert confirm(ctx, grandson.id, JIANGUO).confirmed_by == "张建国"


def test_the_guardian_is_named_in_the_confirmed_relation(ctx: Context) -> None:
    employee(ctx, prior_fen=500_000)
    employee(ctx, XIUYING, "李秀英")
    resident(ctx, XIAOMING, "张小明")
    bind(ctx, JIANGUO, XIUYING, SPOUSE)
    requested = ask(ctx, JIANGUO, XIAOMING, CHILD)
    confirmed = confirm(ctx, requested.id, XIUYING)
    assert confirmed.confirmed_by == "李秀英"
    assert confirmed.events[-1].actor == "李秀英"


def test_a_counter_binding_is_effective_at_once(ctx: Context, engine: Engine) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    bound = counter(ctx, JIANGUO, XIUYING, SPOUSE)
    assert (bound.state, bound.channel, bound.order_position) == ("effective", "counter", 1)
    assert bound.expires_at is None
    assert bound.proof_reference == PROOF
    assert [(e.kind, e.operator, e.channel) for e in bound.events] == [
        ("requested", OPERATOR, "counter"),
        ("confirmed", OPERATOR, "counter"),
    ]
    refused(engine, ErrorCode.RELATION_NOT_PENDING, lambda: confirm(ctx, bound.id, XIUYING))
    assert dry_run(ctx, engine, JIANGUO, XIUYING).can_pay is True
    # The counter names its operator and the documents it checked.
    resident(ctx, GUILAN, "赵桂兰")
    before = snapshot(engine)
    for missing in ({"operator": None, "proof_reference": PROOF}, {"operator": OPERATOR, "proof_reference": None}):
        with pytest.raises(GongjiError) as caught:
            request_binding(
                ctx, RequestBinding(JIANGUO, GUILAN, PARENT, channel=Channel.COUNTER, **missing), key=_key()
            )
        assert caught.value.code is ErrorCode.FIELD_INVALID
    assert snapshot(engine) == before


def test_the_beneficiary_declines(ctx: Context, engine: Engine) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    requested = ask(ctx, JIANGUO, XIUYING, SPOUSE)
    declined = decline_binding(ctx, DeclineBinding(requested.id, XIUYING), key=_key())
    assert declined.state == "declined"
    assert [(e.kind, e.actor) for e in declined.events][-1] == ("declined", "李秀英")
    refused(engine, ErrorCode.RELATION_NOT_PENDING, lambda: confirm(ctx, requested.id, XIUYING))
    assert not dry_run(ctx, engine, JIANGUO, XIUYING).can_pay
    # Declined is closed: the pair may be requested again.
    assert ask(ctx, JIANGUO, XIUYING, SPOUSE).state == "requested"


def test_one_side_ends_where_the_region_does_not_need_both(ctx: Context, engine: Engine) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    relation = bind(ctx, JIANGUO, XIUYING, SPOUSE)
    ended = end(ctx, relation.id, XIUYING)
    assert (ended.state, ended.end_reason, ended.order_position) == ("ended", "by_beneficiary", None)
    assert [(e.kind, e.actor, e.channel) for e in ended.events][-1] == ("ended", "李秀英", "online")
    refused(engine, ErrorCode.RELATION_NOT_PENDING, lambda: end(ctx, relation.id, JIANGUO))
    assert family(ctx, XIUYING).pay_for_me == []


def test_ending_needs_both_sides_where_the_region_says_so(ctx: Context, engine: Engine, tmp_path: Path) -> None:
    both = with_rules(ctx, tmp_path, SJZ, unbinding_needs_both_sides=True)
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    relation = bind(both, JIANGUO, XIUYING, SPOUSE)
    ending = end(both, relation.id, JIANGUO)
    assert ending.state == "ending"
    assert ending.end_requested_by == "张建国"
    assert dry_run(both, engine, JIANGUO, XIUYING).can_pay is True  # still pays until the other side agrees
    refused(engine, ErrorCode.RELATION_NOT_PENDING, lambda: end(both, relation.id, JIANGUO))
    ended = end(both, relation.id, XIUYING)
    assert (ended.state, ended.end_reason) == ("ended", "by_both")
    assert [(e.kind, e.actor) for e in ended.events] == [
        ("requested", "张建国"),
        ("confirmed", "李秀英"),
        ("end_requested", "张建国"),
        ("ended", "李秀英"),
    ]
    assert codes(dry_run(both, engine, JIANGUO, XIUYING)) == ["RELATION_ENDED"]


def test_order_of_payers_and_renumbering_after_an_end(ctx: Context) -> None:
    employee(ctx)
    employee(ctx, DEFU, "张德福")
    employee(ctx, GUILAN, "赵桂兰")
    employee(ctx, XIUYING, "李秀英")
    from_father = bind(ctx, DEFU, JIANGUO, CHILD)
    bind(ctx, GUILAN, JIANGUO, CHILD)
    bind(ctx, XIUYING, JIANGUO, SPOUSE)
    view = family(ctx, JIANGUO)
    assert view.own_account_first is True
    assert family_positions(ctx, JIANGUO) == [(2, "张德福"), (3, "赵桂兰"), (4, "李秀英")]
    reordered = set_order(ctx, SetOrder(JIANGUO, (XIUYING, DEFU, GUILAN)), key=_key())
    assert [(r.authoriser, r.order_position) for r in reordered] == [("李秀英", 1), ("张德福", 2), ("赵桂兰", 3)]
    assert family_positions(ctx, JIANGUO) == [(2, "李秀英"), (3, "张德福"), (4, "赵桂兰")]
    assert [(e.kind, e.actor) for e in reordered[1].events][-1] == ("reordered", "张建国")
    end(ctx, from_father.id, DEFU)
    assert family_positions(ctx, JIANGUO) == [(2, "李秀英"), (3, "赵桂兰")]


def test_quota_per_relation_shown_in_family(ctx: Context) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    resident(ctx, XIAOMING, "张小明")
    wife = bind(ctx, JIANGUO, XIUYING, SPOUSE)
    son = bind(ctx, JIANGUO, XIAOMING, CHILD, confirmer=XIUYING)
    view = set_quota(ctx, SetQuota(JIANGUO, 80_000, relation_id=wife.id), key=_key())
    shown = {r.beneficiary: (r.quota_fen, r.quota_used_fen, r.quota_left_fen) for r in view.i_pay_for}
    assert shown == {"李秀英": (80_000, 0, 80_000), "张小明": (None, 0, None)}
    view = set_quota(ctx, SetQuota(JIANGUO, 30_000, relation_id=son.id), key=_key())
    shown = {r.beneficiary: (r.quota_fen, r.quota_left_fen) for r in family(ctx, JIANGUO).i_pay_for}
    assert shown == {"李秀英": (80_000, 80_000), "张小明": (30_000, 30_000)}
    wife_view = next(r for r in view.i_pay_for if r.beneficiary == "李秀英")
    assert [(e.kind, e.actor, e.channel) for e in wife_view.events][-1] == ("quota_set", "张建国", "online")
    # The beneficiary sees the same quota on her side.
    assert family(ctx, XIUYING).pay_for_me[0].relation.quota_left_fen == 80_000


def test_every_transition_is_an_event_with_actor_and_channel(ctx: Context) -> None:
    employee(ctx, prior_fen=500_000)
    employee(ctx, XIUYING, "李秀英")
    relation = bind(ctx, JIANGUO, XIUYING, SPOUSE)
    set_quota(ctx, SetQuota(JIANGUO, 10_000, relation_id=relation.id), key=_key())
    set_order(ctx, SetOrder(XIUYING, (JIANGUO,)), key=_key())  # already first: nothing to record
    ended = end_relation(
        ctx, EndRelation(relation.id, channel=Channel.COUNTER, operator=OPERATOR, note="当事人书面申请"), key=_key()
    )
    assert ended.end_reason == "at_counter"
    assert [(e.kind, e.actor, e.operator, e.channel) for e in ended.events] == [
        ("requested", "张建国", None, "online"),
        ("confirmed", "李秀英", None, "online"),
        ("quota_set", "张建国", None, "online"),
        ("ended", None, OPERATOR, "counter"),
    ]
    assert ended.events[-1].note == "当事人书面申请"
    assert all(e.at == ended.ended_at for e in ended.events)  # the clock stood still


# --- automatic end -------------------------------------------------------------------------------------------------


def _web(ctx: Context) -> dict[str, RelationView]:
    """张建国 pays for his wife and son, is paid for by his father, has asked his mother (pending); his wife also
    pays for their son. Everyone is in Shijiazhuang."""
    employee(ctx, prior_fen=500_000)
    employee(ctx, XIUYING, "李秀英", prior_fen=300_000)
    resident(ctx, XIAOMING, "张小明")
    employee(ctx, DEFU, "张德福", prior_fen=200_000)
    resident(ctx, GUILAN, "赵桂兰")
    return {
        "wife": bind(ctx, JIANGUO, XIUYING, SPOUSE),
        "son": bind(ctx, JIANGUO, XIAOMING, CHILD, confirmer=XIUYING),
        "from_father": bind(ctx, DEFU, JIANGUO, CHILD),
        "mother_pending": ask(ctx, JIANGUO, GUILAN, PARENT),
        "wife_son": bind(ctx, XIUYING, XIAOMING, CHILD, confirmer=XIUYING),
    }


def _states(ctx: Context) -> dict[tuple[str, str], tuple[str, str | None]]:
    seen = {}
    for person in (JIANGUO, XIUYING, DEFU):
        for r in family(ctx, person).i_pay_for:
            seen[(r.authoriser, r.beneficiary)] = (r.state, r.end_reason)
    return seen


def _person_id(engine: Engine, certno: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(tables.people.c.id).where(tables.people.c.certno == certno)).scalar_one())


def _stored(engine: Engine, person: str) -> dict[int, dict[str, Any]]:
    """Every stored relation of ``person`` (open or not) by id, with its events, read straight from the tables."""
    person_id = _person_id(engine, person)
    with engine.connect() as conn:
        rows = conn.execute(
            select(tables.relations)
            .where(or_(tables.relations.c.authoriser_id == person_id, tables.relations.c.beneficiary_id == person_id))
            .order_by(tables.relations.c.id)
        ).mappings()
        found = {row["id"]: dict(row) for row in rows}
        for relation_id, row in found.items():
            row["events"] = [
                dict(e)
                for e in conn.execute(
                    select(tables.relation_events)
                    .where(tables.relation_events.c.relation_id == relation_id)
                    .order_by(tables.relation_events.c.id)
                ).mappings()
            ]
        return found


def _assert_all_ended(stored: dict[int, dict[str, Any]], ids: set[int], reason: str, at: datetime) -> None:
    assert set(stored) == ids
    for row in stored.values():
        assert (row["status"], row["end_reason"], row["order_position"]) == ("ended", reason, None), row["id"]
        assert row["ended_at"] == at  # all in the one transaction, at the same moment
        last = row["events"][-1]
        assert (last["kind"], last["actor_person_id"], last["channel"]) == ("ended", None, "counter")


def test_the_authorisers_death_ends_all_his_relations(ctx: Context, engine: Engine) -> None:
    web = _web(ctx)
    terminate_enrollment(ctx, TerminateEnrollment(JIANGUO, TODAY, EndReason.DEATH), key=_key())
    mine = {web[n].id for n in ("wife", "son", "from_father", "mother_pending")}
    _assert_all_ended(_stored(engine, JIANGUO), mine, "enrollment_terminated", ctx.clock.now())
    assert _states(ctx)[("李秀英", "张小明")] == ("effective", None)  # not his relation
    for payer, patient, also in (
        (JIANGUO, XIUYING, "AUTHORISER_NOT_ELIGIBLE"),
        (JIANGUO, XIAOMING, "AUTHORISER_NOT_ELIGIBLE"),
        (DEFU, JIANGUO, "BENEFICIARY_NOT_INSURED"),
    ):
        view = dry_run(ctx, engine, payer, patient)
        assert codes(view) == ["RELATION_ENDED", also]
        assert RelationEndReason.ENROLLMENT_TERMINATED.zh in view.failed[0].message_zh


def test_the_beneficiarys_emigration_ends_his_relations(ctx: Context, engine: Engine) -> None:
    web = _web(ctx)
    terminate_enrollment(ctx, TerminateEnrollment(XIAOMING, TODAY, EndReason.EMIGRATION), key=_key())
    ids = {web["son"].id, web["wife_son"].id}
    _assert_all_ended(_stored(engine, XIAOMING), ids, "enrollment_terminated", ctx.clock.now())
    assert _states(ctx)[("张建国", "李秀英")] == ("effective", None)
    assert codes(dry_run(ctx, engine, JIANGUO, XIAOMING)) == ["RELATION_ENDED", "BENEFICIARY_NOT_INSURED"]
    assert codes(dry_run(ctx, engine, XIUYING, XIAOMING)) == ["RELATION_ENDED", "BENEFICIARY_NOT_INSURED"]


def test_terminating_a_duplicate_enrollment_ends_the_relations(ctx: Context, engine: Engine) -> None:
    web = _web(ctx)
    # A refused termination (a date before the last change) ends nothing: it is one transaction.
    refused(
        engine,
        ErrorCode.ENROLLMENT_DATE_INVALID,
        lambda: terminate_enrollment(
            ctx,
            TerminateEnrollment(XIUYING, date(1999, 1, 1), EndReason.DUPLICATE, Insutype.EMPLOYEE_BASIC),
            key=_key(),
        ),
    )
    terminate_enrollment(
        ctx, TerminateEnrollment(XIUYING, TODAY, EndReason.DUPLICATE, Insutype.EMPLOYEE_BASIC), key=_key()
    )
    ids = {web["wife"].id, web["wife_son"].id}
    _assert_all_ended(_stored(engine, XIUYING), ids, "enrollment_terminated", ctx.clock.now())
    # Her only basic enrollment is gone: she can neither be paid for nor pay.
    assert codes(dry_run(ctx, engine, JIANGUO, XIUYING)) == ["RELATION_ENDED", "BENEFICIARY_NOT_INSURED"]
    assert codes(dry_run(ctx, engine, XIUYING, XIAOMING)) == ["RELATION_ENDED", "AUTHORISER_NOT_ELIGIBLE"]
    assert dry_run(ctx, engine, JIANGUO, XIAOMING).can_pay is True


def test_moving_region_ends_every_relation(ctx: Context, engine: Engine) -> None:
    web = _web(ctx)
    move_region(ctx, MoveRegion(JIANGUO, Insutype.EMPLOYEE_BASIC, HENGSHUI, TODAY), key=_key())
    mine = {web[n].id for n in ("wife", "son", "from_father", "mother_pending")}
    _assert_all_ended(_stored(engine, JIANGUO), mine, "moved_region", ctx.clock.now())
    view = dry_run(ctx, engine, JIANGUO, XIUYING)
    # The relation ended, and Hengshui and Shijiazhuang are two pooling regions.
    assert codes(view) == ["RELATION_ENDED", "GEOGRAPHY_NOT_OPEN"]
    assert RelationEndReason.MOVED_REGION.zh in view.failed[0].message_zh
    assert codes(dry_run(ctx, engine, DEFU, JIANGUO)) == ["RELATION_ENDED", "GEOGRAPHY_NOT_OPEN"]
    assert _states(ctx)[("李秀英", "张小明")] == ("effective", None)


def test_an_automatic_end_renumbers_the_remaining_payers(ctx: Context) -> None:
    employee(ctx)
    employee(ctx, DEFU, "张德福")
    employee(ctx, GUILAN, "赵桂兰")
    employee(ctx, XIUYING, "李秀英")
    bind(ctx, DEFU, JIANGUO, CHILD)
    bind(ctx, GUILAN, JIANGUO, CHILD)
    bind(ctx, XIUYING, JIANGUO, SPOUSE)
    terminate_enrollment(ctx, TerminateEnrollment(DEFU, TODAY, EndReason.DEATH), key=_key())
    assert family_positions(ctx, JIANGUO) == [(2, "赵桂兰"), (3, "李秀英")]


# --- expired requests ----------------------------------------------------------------------------------------------


def test_a_pair_can_be_requested_again_after_its_request_expired(
    ctx: Context, engine: Engine, clock: FixedClock
) -> None:
    employee(ctx, prior_fen=500_000)
    resident(ctx, XIUYING, "李秀英")
    ask(ctx, JIANGUO, XIUYING, SPOUSE)
    clock.advance(timedelta(days=8))
    assert codes(dry_run(ctx, engine, JIANGUO, XIUYING)) == ["REQUEST_EXPIRED"]
    again = ask(ctx, JIANGUO, XIUYING, SPOUSE)
    assert confirm(ctx, again.id, XIUYING).state == "effective"
    assert dry_run(ctx, engine, JIANGUO, XIUYING).can_pay is True


def test_guizhou_relation_ends_on_its_end_date(ctx: Context, engine: Engine, folk: Folk) -> None:
    me = folk.employee(date(1975, 1, 1), region=GUIZHOU, prior_fen=500_000)
    wife = folk.resident(date(1977, 1, 1), male=False, region=GUIZHOU)
    bind(ctx, me, wife, SPOUSE, valid_until=date(2026, 12, 31))
    # A pharmacy purchase: Guizhou's own pooling-fund tables are not researched yet, so an outpatient bill would be
    # refused (FUND_RULES_MISSING) whatever the relation; the national rule on pharmacy purchases applies.
    assert dry_run(ctx, engine, me, wife, on=date(2026, 12, 31), kind="41").can_pay is True
    assert codes(dry_run(ctx, engine, me, wife, on=date(2026, 12, 31))) == ["FUND_RULES_MISSING"]
    view = dry_run(ctx, engine, me, wife, on=date(2027, 1, 1), kind="41")
    assert codes(view) == ["RELATION_ENDED"]
    assert "end date has passed" in view.failed[0].message_en


def test_guizhou_pair_can_bind_again_after_the_end_date(ctx: Context, clock: FixedClock, folk: Folk) -> None:
    me = folk.employee(date(1975, 1, 1), region=GUIZHOU, prior_fen=500_000)
    wife = folk.resident(date(1977, 1, 1), male=False, region=GUIZHOU)
    bind(ctx, me, wife, SPOUSE, valid_until=date(2026, 12, 31))
    clock.set(datetime(2027, 1, 5, 10, tzinfo=SHANGHAI))
    assert ask(ctx, me, wife, SPOUSE, valid_until=date(2027, 12, 31)).state == "requested"


def test_a_pending_request_does_not_take_the_own_accounts_position(ctx: Context) -> None:
    employee(ctx)
    employee(ctx, XIUYING, "李秀英")
    resident(ctx, XIAOMING, "张小明")
    bind(ctx, JIANGUO, XIAOMING, CHILD, confirmer=JIANGUO)  # the father confirms for his own child
    ask(ctx, XIUYING, XIAOMING, CHILD)
    view = family(ctx, XIAOMING)
    assert view.own_account_first is True
    assert all(payer.position != 1 for payer in view.pay_for_me)


def test_an_expired_request_states_no_kinship(ctx: Context, clock: FixedClock, folk: Folk) -> None:
    employee(ctx)
    resident(ctx, XIUYING, "李秀英")
    ask(ctx, JIANGUO, XIUYING, SPOUSE)
    clock.advance(timedelta(days=8))
    other = folk.resident(date(1979, 1, 1), male=False)
    assert ask(ctx, JIANGUO, other, SPOUSE).state == "requested"


# --- the same attempt, two regions ---------------------------------------------------------------------------------


def test_a_sibling_binding_is_allowed_in_hunan_and_refused_in_beijing(ctx: Context, engine: Engine, folk: Folk) -> None:
    hunan_me = folk.employee(date(1975, 1, 1), region=HUNAN)
    hunan_sister = folk.resident(date(1978, 1, 1), male=False, region=HUNAN)
    beijing_me = folk.employee(date(1975, 1, 1), region=BEIJING)
    beijing_sister = folk.resident(date(1978, 1, 1), male=False, region=BEIJING)
    assert bind(ctx, hunan_me, hunan_sister, SIBLING).state == "effective"
    error = refused(engine, ErrorCode.RELATION_TYPE_NOT_ALLOWED, lambda: ask(ctx, beijing_me, beijing_sister, SIBLING))
    assert error.params["region"] == BEIJING


def test_a_second_authoriser_is_allowed_nationally_and_refused_in_shanghai(
    ctx: Context, engine: Engine, folk: Folk
) -> None:
    results: dict[str, str] = {}
    children: dict[str, str] = {}
    for region in (SJZ, SHANGHAI_REGION):
        father = folk.employee(date(1975, 1, 1), region=region)
        mother = folk.employee(date(1977, 1, 1), male=False, region=region)
        children[region] = child = folk.resident(date(2005, 1, 1), region=region)
        bind(ctx, father, child, CHILD)
        before = snapshot(engine)
        try:
            results[region] = ask(ctx, mother, child, CHILD).state
        except GongjiError as error:
            results[region] = error.code.name
            assert snapshot(engine) == before
    assert results == {SJZ: "requested", SHANGHAI_REGION: "BENEFICIARY_ALREADY_BOUND"}
    assert len(family(ctx, children[SJZ]).pay_for_me) == 2  # the father's, and the mother's pending request
    assert len(family(ctx, children[SHANGHAI_REGION]).pay_for_me) == 1


def test_the_family_page_says_how_the_region_limits_what_relatives_use(
    ctx: Context, folk: Folk, tmp_path: Path
) -> None:
    # A region whose quota is a yearly share (60 %) of the authoriser's balance for all his relatives together says
    # so, not "the whole balance" (Beijing with such a rule, by override); Shijiazhuang: each relation's own quota,
    # or all of it.
    ctx = with_rules(ctx, tmp_path, BEIJING, quota_model="annual_share", quota_annual_share_bp=6000)
    from gongji.cli.relations_cmd import quota_text

    f = _beijing_family(folk)
    counter(ctx, f["me"], f["wife"], SPOUSE)
    beijing = family(ctx, f["me"])
    assert (beijing.quota_model, beijing.quota_share_bp) == ("annual_share", 6000)
    assert quota_text(beijing, None) == "年初余额的 60%（全部亲属合计）"
    employee(ctx, prior_fen=10_000)
    shijiazhuang = family(ctx, JIANGUO)
    assert (shijiazhuang.quota_model, shijiazhuang.quota_share_bp) == ("per_relation", None)
    assert quota_text(shijiazhuang, None) == "全部余额"
