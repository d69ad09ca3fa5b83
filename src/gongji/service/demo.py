"""The demo family: six people in Shijiazhuang and Beijing with their enrollments and balances.

Loading is idempotent: every write uses a fixed idempotency key, so running the demo again replays the first
outcomes and changes nothing. Later capabilities extend the demo; these people and codes stay as they are.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from gongji.domain.codes import Insutype, MedType, PsnType, RelationType
from gongji.domain.errors import GongjiError
from gongji.service.account_query import balances
from gongji.service.accounts import CreditAccount, CreditKind, Part, credit_account
from gongji.service.api_tokens import IssuedToken, IssueToken, Role, issue_token, list_tokens, revoke_token
from gongji.service.catalogue import DEMO_INSTITUTIONS, load_demo_catalogue, load_demo_institutions
from gongji.service.context import Context
from gongji.service.credentials import IssueCard, issue_card
from gongji.service.demo_wallet import DemoWallet, run_wallet_demo
from gongji.service.enrollment import Enroll, enroll
from gongji.service.institutions import ensure_institution
from gongji.service.people import RegisterPerson, register_person, show_person
from gongji.service.relations.can_pay import why
from gongji.service.relations.lifecycle import ConfirmBinding, RequestBinding, confirm_binding, request_binding
from gongji.service.relations.payers import SetQuota, set_quota
from gongji.service.relations.proxies import AddProxyLink, add_proxy_link
from gongji.service.relations.queries import family
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    ReverseSettlement,
    Settle,
    SettlementView,
    UploadFees,
    commit_settlement,
    open_visit,
    reverse_settlement,
    upload_fees,
)
from gongji.service.views import BalancesView, FamilyView, PersonView, WhyView
from gongji.service.wallet import OpenWallet, open_wallet

__all__ = [
    "DEMO_COUNTER_LABEL",
    "DEMO_COUNTER_REGIONS",
    "DEMO_FAMILY",
    "DemoMember",
    "DemoResult",
    "demo_counter_token",
    "load_demo",
    "load_demo_member",
    "load_demo_part",
]


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
    #: 民族 (national code): the family is Han (``01``).
    naty: str = "01"


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
    """Who is who, balances, the family's relations, what is refused, and the family's bills."""

    people: list[tuple[DemoMember, PersonView]]
    balances: list[BalancesView]
    families: list[FamilyView]
    sister_refusal: GongjiError
    proxy_only: WhyView
    settlements: list[tuple[str, SettlementView]]
    wallet: DemoWallet


def load_demo_member(ctx: Context, member: DemoMember) -> PersonView:
    """Register, enroll, issue the card of and credit one member of the demo family (idempotent by fixed keys); a
    node of a federation loads the members of its own provinces so (``gongji cluster up``)."""
    tag = f"demo:{member.certno}"
    register_person(
        ctx,
        RegisterPerson(member.certno, member.name, phone=member.phone, address=member.address, naty=member.naty),
        key=f"{tag}:register",
    )
    enroll(
        ctx,
        Enroll(member.certno, member.insutype, member.psn_type, member.region, member.enrolled_on, member.employer),
        key=f"{tag}:enroll",
    )
    issue_card(ctx, IssueCard(member.certno), key=f"{tag}:card")  # 社会保障卡, for 1161 and mdtrt_cert_type 03
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
    return show_person(ctx, member.certno)


#: Who of the demo family has a wallet (the sister who sends, the mother and the nephew she sends to).
_WALLET_HOLDERS = ("110105198007040021", "130102195002180026", "130102201206050037")


def load_demo_part(ctx: Context, provinces: Collection[str]) -> list[PersonView]:
    """The part of the demo a node of a federation serving ``provinces`` holds (``gongji cluster up``): the members
    insured there with their wallets open, the demo institutions there, and the national catalogue."""
    load_demo_catalogue(ctx)
    for cmd in DEMO_INSTITUTIONS:
        if cmd.region[:2] in provinces:
            ensure_institution(ctx, cmd, key=f"demo:institution:{cmd.fixmedins_code}")
    loaded = []
    for member in DEMO_FAMILY:
        if member.region[:2] in provinces:
            loaded.append(load_demo_member(ctx, member))
            if member.certno in _WALLET_HOLDERS:
                open_wallet(ctx, OpenWallet(member.certno), key=f"demo:wallet:open:{member.certno}")
    return loaded


def load_demo(ctx: Context) -> DemoResult:
    """Register, enroll and credit the demo family (idempotent: fixed keys replay on a second run)."""
    loaded = [(member, load_demo_member(ctx, member)) for member in DEMO_FAMILY]
    sister_refusal = _bind_the_family(ctx)
    settlements = _the_familys_bills(ctx)
    wallet = run_wallet_demo(ctx, ZHANGLI, GUILAN, XIAOMING)
    settlements.append(("赵桂兰 药店购药（医保钱包支付）Pharmacy purchase, paid through the wallet", wallet.purchase))
    return DemoResult(
        people=loaded,
        balances=[balances(ctx, m.certno) for m in DEMO_FAMILY],
        families=[family(ctx, JIANGUO), family(ctx, DEFU), family(ctx, XIAOMING)],
        sister_refusal=sister_refusal,
        proxy_only=why(ctx, JIANGUO, GUILAN),
        settlements=settlements,
        wallet=wallet,
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


HOSPITAL = "H13010200001"  # 石家庄市示例第一医院, 市属三级 (Shijiazhuang pays by provincial or municipal level 3)
PHARMACY = "P13010200001"  # 示例大药房


def _the_familys_bills(ctx: Context) -> list[tuple[str, SettlementView]]:
    """The family's bills, settled through the engine (sample catalogue items, demo institutions):

    * 李秀英's outpatient visit at the 三级 hospital: her own insurance decides the fund's share (Shijiazhuang's
      residents' outpatient pooling: no deductible, 50 % at levels 2 and 3, 200.00 a year — ``gongji rules show
      130100``); the rest is paid from 张建国's account, her first payer;
    * 张德福's outpatient visit: the fund pays 70 % (retired), his own account the rest; then reversed;
    * 张小明's pharmacy purchase, bought by 李秀英 (代买药): 张建国 pays until the 50.00 quota he set is used up,
      then 张德福, second in 张小明's order.
    """
    load_demo_institutions(ctx)
    load_demo_catalogue(ctx)
    son = next(r for r in family(ctx, XIAOMING).pay_for_me if r.relation.authoriser == "张建国")
    set_quota(ctx, SetQuota(JIANGUO, 5_000, son.relation.id), key="demo:quota:son")
    shown: list[tuple[str, SettlementView]] = []

    def bill(
        tag: str,
        title: str,
        person: str,
        where: str,
        med_type: MedType,
        lines: tuple[FeeInput, ...],
        buyer: str | None = None,
    ) -> SettlementView:
        buyer_certno = next((m.certno for m in DEMO_FAMILY if m.name == buyer), None)
        command = OpenVisit(person, where, med_type, buyer_name=buyer, buyer_certno=buyer_certno)
        visit = open_visit(ctx, command, key=f"demo:visit:{tag}")
        upload_fees(ctx, UploadFees(visit.mdtrt_id, lines), key=f"demo:fees:{tag}")
        settled = commit_settlement(ctx, Settle(visit.mdtrt_id), key=f"demo:settle:{tag}")
        shown.append((title, settled))
        return settled

    bill(
        "xiuying",
        "李秀英 门诊（三级医院）Outpatient visit, level-3 hospital",
        XIUYING,
        HOSPITAL,
        MedType.GENERAL_OUTPATIENT,
        (
            FeeInput("1", "001102000010000", "1", 1_000),
            FeeInput("2", "002501010150000", "1", 2_500),
            FeeInput("3", "XC10AAA129A001010100004", "2", 3_580),
        ),
    )
    defu = bill(
        "defu",
        "张德福 门诊（三级医院）Outpatient visit, level-3 hospital",
        DEFU,
        HOSPITAL,
        MedType.GENERAL_OUTPATIENT,
        (FeeInput("1", "001102000010000", "1", 1_000), FeeInput("2", "XC08CAA001A001010100003", "3", 2_150)),
    )
    assert defu.setl_id is not None
    reversed_ = reverse_settlement(
        ctx, ReverseSettlement(defu.setl_id, "演示：撤销结算 demo reversal"), key="demo:reverse:defu"
    )
    shown.append(("张德福 门诊结算撤销 The same settlement reversed", reversed_))
    bill(
        "xiaoming",
        "张小明 药店购药（李秀英代买）Pharmacy purchase, bought by 李秀英",
        XIAOMING,
        PHARMACY,
        MedType.PHARMACY_PURCHASE,
        (FeeInput("1", "XR06AXL001A001010100009", "2", 2_380), FeeInput("2", "XR05CBA001X001010100017", "1", 3_260)),
        buyer="李秀英",
    )
    return shown


DEMO_COUNTER_LABEL = "演示柜台 demo counter"
DEMO_COUNTER_REGIONS = ("130100", "110000")  # the family's Shijiazhuang and the sister's Beijing


def demo_counter_token(ctx: Context, *, key: str) -> IssuedToken:
    """Issue the demo counter operator's token (granted the demo's two regions), revoking the earlier demo one.

    Tokens are kept only as hashes, so a token cannot be shown again: each start of the demo server issues a fresh
    one to print and revokes the one printed before, leaving a single live demo operator token. ``key`` is the
    issue's idempotency key (fresh per start).
    """
    for token in list_tokens(ctx):
        if token.label == DEMO_COUNTER_LABEL and token.revoked_at is None:
            revoke_token(ctx, token.id, key=f"demo:counter:revoke:{token.id}")
    return issue_token(ctx, IssueToken(Role.OPERATOR, DEMO_COUNTER_REGIONS, label=DEMO_COUNTER_LABEL), key=key)
