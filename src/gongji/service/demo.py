"""The demo family: six people in Shijiazhuang and Beijing with their enrollments and balances.

Loading is idempotent: every write uses a fixed idempotency key, so running the demo again replays the first
outcomes and changes nothing. Later capabilities extend the demo; these people and codes stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gongji.domain.codes import Insutype, PsnType, RelationType
from gongji.domain.errors import GongjiError
from gongji.service.accounts import CreditAccount, CreditKind, Part, balances, credit_account
from gongji.service.context import Context
from gongji.service.enrollment import Enroll, enroll
from gongji.service.people import RegisterPerson, register_person, show_person
from gongji.service.relations import (
    AddProxyLink,
    ConfirmBinding,
    RequestBinding,
    add_proxy_link,
    confirm_binding,
    family,
    request_binding,
    why,
)
from gongji.service.views import BalancesView, FamilyView, PersonView, WhyView

__all__ = ["DEMO_FAMILY", "DemoMember", "DemoResult", "load_demo"]


@dataclass(frozen=True)
class DemoMember:
    """One person of the demo family and what they start with."""

    certno: str
    name: str
    role_zh: str
    role_en: str
    insutype: Insutype
    psn_type: PsnType
    region: str
    enrolled_on: date
    employer: str | None = None
    phone: str | None = None
    address: str | None = None
    prior_years_fen: int = 0
    current_year_fen: int = 0


DEMO_FAMILY: tuple[DemoMember, ...] = (
    DemoMember(
        "130102197503150019",
        "张建国",
        "户主，在职职工",
        "head of family, employee in service",
        Insutype.EMPLOYEE_BASIC,
        PsnType.EMPLOYEE_IN_SERVICE,
        "130100",
        date(1997, 7, 1),
        employer="石家庄示例机械有限公司",
        phone="13803110019",
        address="河北省石家庄市长安区示例路 1 号",
        prior_years_fen=300_000,
        current_year_fen=80_000,
    ),
    DemoMember(
        "130102197708220025",
        "李秀英",
        "张建国的妻子，城乡居民",
        "张建国's wife, resident",
        Insutype.RESIDENT_BASIC,
        PsnType.ADULT_RESIDENT,
        "130100",
        date(2019, 1, 1),
        phone="13803110025",
        address="河北省石家庄市长安区示例路 1 号",
    ),
    DemoMember(
        "130102201206050037",
        "张小明",
        "张建国的儿子，中小学生",
        "张建国's son, pupil",
        Insutype.RESIDENT_BASIC,
        PsnType.PUPIL,
        "130100",
        date(2019, 1, 1),
        address="河北省石家庄市长安区示例路 1 号",
    ),
    DemoMember(
        "130102194801100016",
        "张德福",
        "张建国的父亲，退休职工",
        "张建国's father, retired employee",
        Insutype.EMPLOYEE_BASIC,
        PsnType.EMPLOYEE_RETIRED,
        "130100",
        date(1970, 3, 1),
        employer="石家庄示例纺织厂",
        phone="13803110016",
        address="河北省石家庄市长安区示例街 8 号",
        prior_years_fen=500_000,
    ),
    DemoMember(
        "130102195002180026",
        "赵桂兰",
        "张建国的母亲，城乡居民",
        "张建国's mother, resident",
        Insutype.RESIDENT_BASIC,
        PsnType.ADULT_RESIDENT,
        "130100",
        date(2019, 1, 1),
        address="河北省石家庄市长安区示例街 8 号",
    ),
    DemoMember(
        "110105198007040021",
        "张丽",
        "张建国的妹妹，北京在职职工",
        "张建国's sister, employee in Beijing",
        Insutype.EMPLOYEE_BASIC,
        PsnType.EMPLOYEE_IN_SERVICE,
        "110000",
        date(2003, 7, 1),
        employer="北京示例科技有限公司",
        phone="13901010021",
        address="北京市朝阳区示例大街 6 号",
        prior_years_fen=200_000,
    ),
)


@dataclass(frozen=True)
class DemoResult:
    """Who is who, balances, the family's relations, and what the demo shows being refused."""

    people: list[tuple[DemoMember, PersonView]]
    balances: list[BalancesView]
    families: list[FamilyView]
    sister_refusal: GongjiError
    proxy_only: WhyView


def load_demo(ctx: Context) -> DemoResult:
    """Register, enroll and credit the demo family (idempotent: fixed keys replay on a second run)."""
    loaded: list[tuple[DemoMember, PersonView]] = []
    for member in DEMO_FAMILY:
        tag = f"demo:{member.certno}"
        register_person(
            ctx,
            RegisterPerson(member.certno, member.name, phone=member.phone, address=member.address),
            key=f"{tag}:register",
        )
        enroll(
            ctx,
            Enroll(
                member.certno,
                member.insutype,
                member.psn_type,
                member.region,
                member.enrolled_on,
                member.employer,
            ),
            key=f"{tag}:enroll",
        )
        if member.prior_years_fen:
            credit_account(
                ctx,
                CreditAccount(
                    member.certno,
                    member.prior_years_fen,
                    "演示期初余额（历年） demo opening balance",
                    Part.PRIOR_YEARS,
                    CreditKind.OPENING_BALANCE,
                ),
                key=f"{tag}:opening-prior",
            )
        if member.current_year_fen:
            credit_account(
                ctx,
                CreditAccount(member.certno, member.current_year_fen, "演示当年划入 demo contribution"),
                key=f"{tag}:contribution",
            )
        loaded.append((member, show_person(ctx, member.certno)))
    sister_refusal = _bind_the_family(ctx)
    return DemoResult(
        people=loaded,
        balances=[balances(ctx, m.certno) for m in DEMO_FAMILY],
        families=[family(ctx, JIANGUO), family(ctx, DEFU), family(ctx, XIAOMING)],
        sister_refusal=sister_refusal,
        proxy_only=why(ctx, JIANGUO, GUILAN),
    )


JIANGUO, XIUYING, XIAOMING, DEFU, GUILAN, ZHANGLI = (m.certno for m in DEMO_FAMILY)


def _bind_the_family(ctx: Context) -> GongjiError:
    """张建国 → 李秀英 (spouse) and → 张小明 (child); 张德福 → 张小明 (grandchild, second in his order); a 亲情账户
    from 张建国 to his mother; and 张建国's attempt to bind his sister in Beijing, which Shijiazhuang's rules refuse.
    Hebei binds by commitment (承诺制); 李秀英 confirms with face verification, and for 张小明 (14) as his guardian."""
    spouse = request_binding(
        ctx, RequestBinding(JIANGUO, XIUYING, RelationType.SPOUSE, commitment=True), key="demo:bind:spouse"
    )
    confirm_binding(ctx, ConfirmBinding(spouse.id, XIUYING, "demo-face-xiuying"), key="demo:confirm:spouse")
    son = request_binding(
        ctx, RequestBinding(JIANGUO, XIAOMING, RelationType.CHILD, commitment=True), key="demo:bind:son"
    )
    confirm_binding(ctx, ConfirmBinding(son.id, XIUYING, "demo-face-xiuying"), key="demo:confirm:son")
    grandson = request_binding(
        ctx, RequestBinding(DEFU, XIAOMING, RelationType.PATERNAL_GRANDCHILD, commitment=True), key="demo:bind:grandson"
    )
    confirm_binding(ctx, ConfirmBinding(grandson.id, JIANGUO, "demo-face-jianguo"), key="demo:confirm:grandson")
    add_proxy_link(ctx, AddProxyLink(JIANGUO, GUILAN), key="demo:proxy:mother")
    try:
        request_binding(
            ctx, RequestBinding(JIANGUO, ZHANGLI, RelationType.SIBLING, commitment=True), key="demo:bind:sister"
        )
    except GongjiError as refused:
        return refused
    raise AssertionError("the demo expects Shijiazhuang's rules to refuse the sister in Beijing")
