"""The demo family: six people in Shijiazhuang and Beijing with their enrollments and balances.

Loading is idempotent: every write uses a fixed idempotency key, so running the demo again replays the first
outcomes and changes nothing. Later capabilities extend the demo; these people and codes stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gongji.domain.codes import Insutype, PsnType
from gongji.service.accounts import CreditAccount, CreditKind, Part, balances, credit_account
from gongji.service.context import Context
from gongji.service.enrollment import Enroll, enroll
from gongji.service.people import RegisterPerson, register_person, show_person
from gongji.service.views import BalancesView, PersonView

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
    """Who is who and each person's balances after loading."""

    people: list[tuple[DemoMember, PersonView]]
    balances: list[BalancesView]


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
    return DemoResult(people=loaded, balances=[balances(ctx, m.certno) for m in DEMO_FAMILY])
