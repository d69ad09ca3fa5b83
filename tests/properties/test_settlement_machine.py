"""A stateful property test of settlements and their reversals over a small family in Shijiazhuang (130100).

The family: 张建国 (employee in service) and his father 张德福 (retired employee), both with personal accounts, and
李秀英 (resident, his wife) and sometimes 张小明 (pupil, their son). Hypothesis runs random sequences of credits,
bindings (by commitment, confirmed with a face token; by a guardian for a minor) and their ends, quotas, visits
(general outpatient 11 and chronic 14 at a level-3 hospital, pharmacy purchases 41) with fee lines from the demo
catalogue, settlements with or without the account (each previewed first: the preview writes nothing and foretells
the commit), replays of a settlement by its key, reversals (once, twice), and moves of the clock, into a new year
with or without the batch rollover.

A model keeps what each personal account part should hold, what each relation's quota has paid this year, and
every settlement. After every step: the auditor finds nothing; every ledger sums to zero; no person-owned account is
negative; every settlement keeps the national identities; the balances match the model, and the money paid out of
personal accounts by live settlements is exactly the money credited less what the accounts hold now. The key
property: reversing the latest settlement, when no other ledger write happened since it was committed, puts every
account in the database (money and memo: quota used, deductible and fund paid) back to its balance from just before
the commit, and leaves every account that settlement opened at zero. Writes that touch no account (visits, fee
lines, bindings, quotas) may happen in between: they must not change that. The first commit in a new year rolls the
当年 part of everyone who may pay into 历年 (a journal of its own, not part of the settlement): the snapshot is taken
as of after that rollover.

The 医保钱包 (wallet): 张建国's sister 张丽, an employee in Beijing (110000), is in every example too. Wallets are
opened (some at the start, more later); transfers go from an employee's personal account to a relative's wallet —
across provinces (张丽 to her father and brother in Shijiazhuang, they to her) and within Shijiazhuang — with face
or password verification or none, at amounts around the 2,000.00 limit, at any time of day; the receiver accepts or
declines (a stranger to the transfer cannot, nor can the sender take an accepted one back where the rules say no);
the clock jumps to the quiet hours' and the 06:00 return's edges and the return job runs. A separate model
(``wallet_model``, from the rules as the domain states them) says which transfers go through and which are refused
with which code, what each reserves from which part of the sender's account, and what each settlement pays from
the patient's wallet: her accepted transfers, oldest acceptance first, after her own account and before her local
relatives, within what accounts may pay of the bill, only where she chooses (``use_wallet``). Reversal puts it back.
After every step also: each person's personal account and reservation hold what was credited less what every
live settlement paid from them (as the relative who bound himself, or through the wallet); each receiver's wallet
holds what she accepted less what live settlements spent of it. After every step that may touch a wallet (the
wallet's rules, settlements, reversals), each wallet as shown — balance, pending, reserved for others, every
transfer's status and what is left of it — is what the model says.

Each Hypothesis example runs on a fresh database: a copy of the migrated SQLite template in its own file, or the
session's PostgreSQL database truncated at the start of the example.
"""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from gongji.bootstrap import build_context
from gongji.domain.codes import MedType, PsnType, RelationType
from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.identity import ResidentId
from gongji.domain.ledger import AccountKind
from gongji.rules.coverage import fund_ratio
from gongji.rules.schema import HospitalLevel, InsuredCategory
from gongji.service.account_query import balances
from gongji.service.account_rollover import rollover
from gongji.service.accounts import CreditAccount, CreditKind, Part, credit_account
from gongji.service.audit import audit
from gongji.service.catalogue import load_demo_catalogue, load_demo_institutions
from gongji.service.clock import SHANGHAI, FixedClock
from gongji.service.relations.lifecycle import (
    ConfirmBinding,
    EndRelation,
    RequestBinding,
    confirm_binding,
    end_relation,
    request_binding,
)
from gongji.service.relations.payers import SetQuota, set_quota
from gongji.service.relations.queries import relation
from gongji.service.settlement import (
    FeeInput,
    OpenVisit,
    ReverseSettlement,
    Settle,
    SettlementView,
    UploadFees,
    VisitView,
    commit_settlement,
    open_visit,
    preview_settlement,
    reverse_settlement,
    show_settlement,
    upload_fees,
)
from gongji.service.views import BalancesView
from gongji.service.wallet import (
    DecideTransfer,
    OpenWallet,
    SendToWallet,
    accept_transfer,
    decline_transfer,
    open_wallet,
    return_due,
    send_to_wallet,
    take_back,
)
from gongji.service.wallet_query import show_wallet
from gongji.store import tables
from tests.helpers import DEFU, JIANGUO, XIAOMING, XIUYING, ZHANGLI, EngineFactory, employee, resident
from tests.properties.wallet_model import (
    TransferModel,
    WalletBook,
    WalletRules,
    account_ceiling,
    demo_items,
    split_line,
)

START = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
HOSPITAL = "H13010200001"  # level 3, Shijiazhuang
PHARMACY = "P13010200001"
SHIJIAZHUANG = "130100"
BEIJING = "110000"
NAMES = {JIANGUO: "张建国", DEFU: "张德福", XIUYING: "李秀英", XIAOMING: "张小明", ZHANGLI: "张丽"}

#: (authoriser, beneficiary, who the beneficiary is to the authoriser)
PAIRS = (
    (JIANGUO, XIUYING, RelationType.SPOUSE),
    (JIANGUO, XIAOMING, RelationType.CHILD),
    (DEFU, XIAOMING, RelationType.PATERNAL_GRANDCHILD),
    (DEFU, JIANGUO, RelationType.CHILD),
    (JIANGUO, DEFU, RelationType.PARENT),
)

#: The pairs of PAIRS in which the authoriser is the beneficiary's parent.
_PARENT_PAIRS = {(a, b) for a, b, t in PAIRS if t is RelationType.CHILD}

#: What a visit may be: the medical type and where.
#: The demo institutions' levels (Shijiazhuang splits level 3 into provincial and municipal hospitals).
LEVELS = {HOSPITAL: HospitalLevel.LEVEL_3_MUNICIPAL, PHARMACY: None}

#: From this age a relative confirms a binding himself (face_verification_min_age_years, national 16).
SELF_CONFIRMATION_AGE = 16

VISIT_KINDS = (
    (MedType.GENERAL_OUTPATIENT, HOSPITAL),
    (MedType.CHRONIC_SPECIAL_OUTPATIENT, HOSPITAL),
    (MedType.PHARMACY_PURCHASE, PHARMACY),
)


def _demo_item_codes() -> list[str]:
    """Every item code of the demo catalogue shipped in the package (categories A, B and C; capped and not)."""
    text_ = resources.files("gongji.service").joinpath("data").joinpath("demo_catalogue.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text_.splitlines() if not line.startswith("#"))
    return [row["code"] for row in rows]


ITEMS = _demo_item_codes()

amounts = st.integers(min_value=1, max_value=300_000)
#: (item code, quantity, unit price in fen)
fee_line = st.tuples(
    st.sampled_from(ITEMS), st.integers(min_value=1, max_value=3), st.integers(min_value=1, max_value=30_000)
)
fee_lines = st.lists(
    fee_line,
    min_size=1,
    max_size=4,
)
quotas = st.sampled_from([None, 0, 500, 5_000, 50_000])
#: ``acct_used_flag``: mostly pay from the accounts.
account_flags = st.integers(min_value=0, max_value=3).map(lambda n: n > 0)
#: ``use_wallet``: mostly pay with the wallet.
wallet_flags = st.integers(min_value=0, max_value=3).map(lambda n: n > 0)

#: The demo catalogue's items, for the model's split of a fee line.
CATALOGUE = demo_items()

#: (sender, receiver, who the receiver is to the sender as the sender states it). Across provinces and within
#: Shijiazhuang; a nephew and a sister-in-law are no 近亲属, a resident has no personal account to send from.
CLOSE_PAIRS = (
    (ZHANGLI, DEFU, RelationType.PARENT),
    (ZHANGLI, JIANGUO, RelationType.SIBLING),
    (JIANGUO, ZHANGLI, RelationType.SIBLING),
    (DEFU, ZHANGLI, RelationType.CHILD),
    (JIANGUO, XIUYING, RelationType.SPOUSE),
    (JIANGUO, XIAOMING, RelationType.CHILD),
    (JIANGUO, DEFU, RelationType.PARENT),
    (DEFU, JIANGUO, RelationType.CHILD),
    (DEFU, XIAOMING, RelationType.PATERNAL_GRANDCHILD),
)
OTHER_PAIRS = (
    (ZHANGLI, XIAOMING, RelationType.OTHER_RELATIVE),
    (ZHANGLI, XIUYING, RelationType.OTHER_RELATIVE),
    (XIUYING, DEFU, RelationType.PARENT_IN_LAW),
    (XIUYING, JIANGUO, RelationType.SPOUSE),
)
#: Mostly to a close relative.
transfer_pairs = st.sampled_from(CLOSE_PAIRS * 3 + OTHER_PAIRS)
#: Who may open a wallet.
WALLET_PEOPLE = (JIANGUO, DEFU, XIUYING, XIAOMING, ZHANGLI)
#: Mostly within the limit; its edges; sometimes beyond.
transfer_amounts = st.one_of(
    st.sampled_from([1, 199_999, 200_000, 200_001]),
    st.integers(min_value=1, max_value=100_000),
    st.integers(min_value=1, max_value=260_000),
)
#: (face token, password) and whether they pass: mostly a face.
VERIFICATIONS = {
    ("ok", None): True,
    (None, "123456"): True,
    (None, None): None,
    ("fail-face", None): False,
    (None, "fail-pwd"): False,
}
verifications = st.sampled_from([("ok", None)] * 5 + list(VERIFICATIONS))
#: The times of day the clock may jump to: the 06:00 return and the quiet hours' edges.
CLOCK_EDGES = (time(5, 59, 59), time(6, 0), time(6, 0, 1), time(9, 30), time(15, 0), time(21, 59, 59), time(22, 0))

#: Makes a fresh, migrated, empty database for one example; returns its engine.


def _age(certno: str, on: date) -> int:
    born = date(int(certno[6:10]), int(certno[10:12]), int(certno[12:14]))
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def check_identities(amounts_: dict[str, int]) -> None:
    """The national identities every settlement record keeps (FSI.md, ``setlinfo``)."""
    a = amounts_
    parts = a["fulamt_ownpay_amt"] + a["overlmt_selfpay"] + a["preselfpay_amt"] + a["inscp_scp_amt"]
    assert a["medfee_sumamt"] == parts, a
    assert a["medfee_sumamt"] == a["fund_pay_sumamt"] + a["psn_part_amt"] + a["hosp_part_amt"], a
    assert a["psn_part_amt"] == a["acct_pay"] + a["psn_cash_pay"], a
    assert 0 <= a["acct_mulaid_pay"] <= a["acct_pay"], a
    assert all(value >= 0 for value in a.values()), a


# --------------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------------


@dataclass
class PersonModel:
    """One member of the family; employees have a personal account in two parts."""

    certno: str
    name: str
    employee: bool
    prior_fen: int = 0
    current_fen: int = 0
    #: The year the current-year part belongs to.
    period_year: int = START.year
    credited_fen: int = 0
    region: str = SHIJIAZHUANG

    @property
    def total_fen(self) -> int:
        return self.prior_fen + self.current_fen

    def roll_over(self, year: int) -> int:
        """The model of the year rollover: the current-year part moves to the prior-years part."""
        if not self.employee or self.period_year >= year:
            return 0
        moved = self.current_fen
        self.prior_fen += moved
        self.current_fen = 0
        self.period_year = year
        return moved


@dataclass
class RelationModel:
    """A confirmed relation: open until ended; its yearly quota (``None``: no quota)."""

    relation_id: int
    authoriser: PersonModel
    beneficiary: PersonModel
    open: bool = True
    quota_fen: int | None = None


@dataclass
class VisitModel:
    """An open or settled visit and the totals of its fee lines."""

    mdtrt_id: str
    patient: PersonModel
    med_type: MedType
    year: int
    line_totals_fen: list[int] = field(default_factory=list)
    settled: bool = False
    institution: str = HOSPITAL
    #: Every fee line uploaded: (item code, quantity, unit price).
    fee_lines: list[tuple[str, int, int]] = field(default_factory=list)
    #: The day the visit began (the rules of that day apply).
    begin: date = date(2026, 11, 22)

    @property
    def next_sn(self) -> str:
        return str(len(self.line_totals_fen) + 1)


@dataclass
class PaymentModel:
    """What one personal account paid in a settlement, by part; through the patient's wallet, the transfer whose
    reserved money paid (the payer is its sender, his parts untouched)."""

    payer: PersonModel
    relation_id: int | None
    prior_fen: int
    current_fen: int
    transfer: TransferModel | None = None

    @property
    def amount_fen(self) -> int:
        return self.prior_fen + self.current_fen

    @property
    def mutual_aid(self) -> bool:
        return self.relation_id is not None or self.transfer is not None


@dataclass
class SettlementModel:
    """A committed settlement: how to send it again, what it answered, who paid, and its reversal."""

    key: str
    command: Settle
    view: SettlementView
    visit: VisitModel
    payments: list[PaymentModel]
    reversal_key: str | None = None
    reversal_view: SettlementView | None = None

    @property
    def setl_id(self) -> str:
        assert self.view.setl_id is not None
        return self.view.setl_id

    @property
    def live(self) -> bool:
        return self.reversal_view is None


@dataclass
class Pending:
    """The latest settlement, with every account's balance from just before it was committed; dropped by any
    later write to the ledger."""

    settlement: SettlementModel
    balances_before: dict[int, int]


# --------------------------------------------------------------------------------------------------------
# The machine
# --------------------------------------------------------------------------------------------------------


class SettlementMachine(RuleBasedStateMachine):
    """Credits, bindings, visits, settlements, replays, reversals and new years against the model. The test binds
    it to a backend by subclassing it with ``new_database`` set."""

    new_database: EngineFactory

    def __init__(self) -> None:
        super().__init__()
        self.engine = type(self).new_database()
        self.clock = FixedClock(START)
        self.ctx = build_context(engine=self.engine, clock=self.clock)
        self.people: dict[str, PersonModel] = {}
        self.relations: list[RelationModel] = []
        self.visits: list[VisitModel] = []
        self.settlements: list[SettlementModel] = []
        #: Quota used per (relation, year of the visit).
        self.quota_used: dict[tuple[int, int], int] = defaultdict(int)
        self.pending: Pending | None = None
        self.wallet = WalletBook()
        #: A step may have changed a wallet or a transfer (set by the wallet's rules, settlements and reversals).
        self.wallet_touched = False
        self._keys = itertools.count(1)

    def teardown(self) -> None:
        self.engine.dispose()

    # --- helpers -----------------------------------------------------------------------------------------

    def _key(self, what: str) -> str:
        return f"{what}-{next(self._keys)}"

    def _by_name(self, name: str) -> PersonModel:
        (person,) = [p for p in self.people.values() if p.name == name]
        return person

    def _employees(self) -> list[PersonModel]:
        return [p for p in self.people.values() if p.employee]

    def _find(self, param: Any, region: str, on: date) -> Any:
        found = self.ctx.rules.find(param, region, on)
        return found.value if found else None

    def _wallet_rules(self, region: str, on: date | None = None) -> WalletRules:
        return WalletRules.read(self._find, region, on or self.clock.today())

    def _account_balances(self) -> dict[int, int]:
        """Every account in the database, by id."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(tables.accounts.c.id, tables.accounts.c.balance_fen))
            return {row.id: row.balance_fen for row in rows}

    def _ledger_written(self) -> None:
        """Money moved other than by the pending settlement: its snapshot no longer tells what a reversal restores."""
        self.pending = None

    def _credit(self, person: PersonModel, amount: int, part: Part, kind: CreditKind) -> None:
        command = CreditAccount(person.certno, amount, "凭证", part, kind)
        view = credit_account(self.ctx, command, key=self._key("credit"))
        person.roll_over(self.clock.now().year)  # a credit first rolls the account into the clock's year
        if part is Part.PRIOR_YEARS:
            person.prior_fen += amount
        else:
            person.current_fen += amount
        person.credited_fen += amount
        assert view.transfers[-1].credit_balance_after_fen == (
            person.prior_fen if part is Part.PRIOR_YEARS else person.current_fen
        )

    # --- setup -------------------------------------------------------------------------------------------

    @initialize(
        jianguo=st.tuples(st.integers(0, 200_000), st.integers(0, 100_000)),
        defu=st.tuples(st.integers(0, 300_000), st.integers(0, 50_000)),
        zhangli=st.tuples(st.integers(0, 400_000), st.integers(0, 100_000)),
        with_son=st.booleans(),
        bind=st.lists(st.integers(0, len(PAIRS) - 1), min_size=1, max_size=4, unique=True),
        unopened=st.lists(st.sampled_from(WALLET_PEOPLE), max_size=2, unique=True),
        grants=st.lists(st.tuples(st.sampled_from(CLOSE_PAIRS), st.integers(1, 200_000)), max_size=3),
    )
    def family(
        self,
        jianguo: tuple[int, int],
        defu: tuple[int, int],
        zhangli: tuple[int, int],
        with_son: bool,
        bind: list[int],
        unopened: list[str],
        grants: list[tuple[tuple[str, str, RelationType], int]],
    ) -> None:
        load_demo_institutions(self.ctx)
        load_demo_catalogue(self.ctx)
        employee(self.ctx, JIANGUO, NAMES[JIANGUO])
        employee(self.ctx, DEFU, NAMES[DEFU], psn_type=PsnType.EMPLOYEE_RETIRED)
        employee(self.ctx, ZHANGLI, NAMES[ZHANGLI], region=BEIJING)
        resident(self.ctx, XIUYING, NAMES[XIUYING])
        residents = [XIUYING]
        if with_son:
            resident(self.ctx, XIAOMING, NAMES[XIAOMING], psn_type=PsnType.PUPIL)
            residents.append(XIAOMING)
        for certno in (JIANGUO, DEFU):
            self.people[certno] = PersonModel(certno, NAMES[certno], employee=True)
        self.people[ZHANGLI] = PersonModel(ZHANGLI, NAMES[ZHANGLI], employee=True, region=BEIJING)
        for certno in residents:
            self.people[certno] = PersonModel(certno, NAMES[certno], employee=False)
        for certno, (prior, current) in ((JIANGUO, jianguo), (DEFU, defu), (ZHANGLI, zhangli)):
            if prior:
                self._credit(self.people[certno], prior, Part.PRIOR_YEARS, CreditKind.OPENING_BALANCE)
            if current:
                self._credit(self.people[certno], current, Part.CURRENT_YEAR, CreditKind.CONTRIBUTION)
        for index in bind:
            self.bind(index)
        for who in WALLET_PEOPLE:  # most have a wallet from the start
            if who not in unopened:
                self.open_a_wallet(who)
        for pair, amount in grants:  # and some money in it
            self.send(pair, amount, ("ok", None), "accept")

    # --- credits and time --------------------------------------------------------------------------------

    @rule(
        who=st.sampled_from([JIANGUO, DEFU]),
        amount=amounts,
        how=st.sampled_from(["contribution", "opening prior", "opening current"]),
    )
    def credit(self, who: str, amount: int, how: str) -> None:
        """A contribution into the current-year part, or an opening balance into either part."""
        kind = CreditKind.CONTRIBUTION if how == "contribution" else CreditKind.OPENING_BALANCE
        part = Part.PRIOR_YEARS if how == "opening prior" else Part.CURRENT_YEAR
        self._credit(self.people[who], amount, part, kind)
        self._ledger_written()

    @rule(days=st.integers(min_value=0, max_value=60), hours=st.integers(min_value=0, max_value=23))
    def later(self, days: int, hours: int) -> None:
        """Time passes (perhaps into the next year, without the batch)."""
        self.clock.set(self.clock.now() + timedelta(days=days, hours=hours))

    @rule(minutes=st.integers(min_value=0, max_value=60 * 24 * 40), batch=st.booleans())
    def new_year(self, minutes: int, batch: bool) -> None:
        """Into the next year, then maybe the batch rollover."""
        year = self.clock.now().year + 1
        self.clock.set(datetime(year, 1, 1, tzinfo=SHANGHAI) + timedelta(minutes=minutes))
        if batch:
            result = rollover(self.ctx, year)
            moved = [p.roll_over(year) for p in self._employees()]
            assert result.amount_moved_fen == sum(moved)
            assert result.journals_written == sum(1 for m in moved if m > 0)
            self._ledger_written()
        event(f"new year, batch: {batch}")

    # --- relations ---------------------------------------------------------------------------------------

    def _open_relation(self, authoriser: str, beneficiary: str) -> RelationModel | None:
        return next(
            (
                r
                for r in self.relations
                if r.open and r.authoriser.certno == authoriser and r.beneficiary.certno == beneficiary
            ),
            None,
        )

    def _confirmer(self, authoriser: str, beneficiary: str, relation_type: RelationType) -> str | None:
        """Who confirms: anyone of 16 or over himself, with his own face verification (Shijiazhuang's rule, the
        national one); below that a guardian — the parent binding his own child, or a parent the family's open
        relations state (a father's open relation to his child)."""
        if _age(beneficiary, self.clock.today()) >= SELF_CONFIRMATION_AGE:
            return beneficiary
        if relation_type is RelationType.CHILD:
            return authoriser
        parents = [
            r.authoriser.certno
            for r in self.relations
            if r.open and r.beneficiary.certno == beneficiary and (r.authoriser.certno, beneficiary) in _PARENT_PAIRS
        ]
        return parents[0] if parents else None

    @rule(index=st.integers(min_value=0, max_value=len(PAIRS) - 1))
    def bind(self, index: int) -> None:
        """The authoriser asks by commitment; the beneficiary confirms with a face token (a guardian for a minor).
        A pair already bound is refused."""
        authoriser, beneficiary, relation_type = PAIRS[index]
        if beneficiary not in self.people:
            return
        command = RequestBinding(authoriser, beneficiary, relation_type, commitment=True)
        if self._open_relation(authoriser, beneficiary) is not None:
            with pytest.raises(Refused) as refused:
                request_binding(self.ctx, command, key=self._key("bind"))
            assert refused.value.code is ErrorCode.DUPLICATE_RELATION
            return
        confirmer = self._confirmer(authoriser, beneficiary, relation_type)
        if confirmer is None:  # a minor whom no relation yet gives a parent: nobody could confirm the request
            return
        requested = request_binding(self.ctx, command, key=self._key("bind"))
        confirmed = confirm_binding(self.ctx, ConfirmBinding(requested.id, confirmer, "ok"), key=self._key("confirm"))
        assert confirmed.state == "effective", confirmed
        self.relations.append(RelationModel(requested.id, self.people[authoriser], self.people[beneficiary]))
        event(f"bound {relation_type.value}")

    @precondition(lambda self: bool(self.relations))
    @rule(data=st.data(), by_beneficiary=st.booleans())
    def end(self, data: st.DataObject, by_beneficiary: bool) -> None:
        """Either side ends a relation (at once in Hebei); an ended one cannot be ended again."""
        chosen = data.draw(st.sampled_from(self.relations), label="relation")
        by = chosen.beneficiary if by_beneficiary else chosen.authoriser
        command = EndRelation(chosen.relation_id, by=by.certno)
        if not chosen.open:
            with pytest.raises(Refused) as refused:
                end_relation(self.ctx, command, key=self._key("end"))
            assert refused.value.code is ErrorCode.RELATION_NOT_PENDING
            return
        view = end_relation(self.ctx, command, key=self._key("end"))
        assert view.state == "ended", view
        chosen.open = False

    @precondition(lambda self: bool(self.relations))
    @rule(data=st.data(), quota=quotas)
    def quota(self, data: st.DataObject, quota: int | None) -> None:
        """The authoriser sets a relation's yearly quota (per relation in Shijiazhuang)."""
        chosen = data.draw(st.sampled_from(self.relations), label="relation")
        command = SetQuota(chosen.authoriser.certno, quota, chosen.relation_id)
        if not chosen.open:
            with pytest.raises(Refused) as refused:
                set_quota(self.ctx, command, key=self._key("quota"))
            assert refused.value.code is ErrorCode.RELATION_NOT_PENDING
            return
        set_quota(self.ctx, command, key=self._key("quota"))
        chosen.quota_fen = quota

    # --- the wallet --------------------------------------------------------------------------------------

    @rule(who=st.sampled_from(WALLET_PEOPLE))
    def open_a_wallet(self, who: str) -> None:
        """开通医保钱包 in the person's region where it is switched on; opening an open wallet changes nothing."""
        if who not in self.people:
            return
        self.wallet_touched = True
        person = self.people[who]
        command = OpenWallet(who)
        if not self._wallet_rules(person.region).enabled:
            with pytest.raises(Refused) as refused:
                open_wallet(self.ctx, command, key=self._key("wallet"))
            assert refused.value.code is ErrorCode.WALLET_NOT_ENABLED
            return
        view = open_wallet(self.ctx, command, key=self._key("wallet"))
        assert (view.status, view.region) == ("open", person.region), view
        event(f"opened a wallet, again: {who in self.wallet.wallets}")
        self.wallet.wallets[who] = person.region

    @rule(
        pair=transfer_pairs,
        amount=transfer_amounts,
        verification=verifications,
        then=st.sampled_from(["accept", "accept", None, None, "decline"]),
    )
    def send(
        self,
        pair: tuple[str, str, RelationType],
        amount: int,
        verification: tuple[str | None, str | None],
        then: str | None,
    ) -> None:
        """A transfer to a relative's wallet, within the limits or not; perhaps accepted or declined at once. The
        model names every rule it breaks: the service refuses it with one of their codes, or sends it when none."""
        sender_no, receiver_no, relation = pair
        if receiver_no not in self.people:
            return
        self.wallet_touched = True
        sender, receiver = self.people[sender_no], self.people[receiver_no]
        now = self.clock.now()
        rules = self._wallet_rules(sender.region)
        face, password = verification
        codes = self.wallet.refusals(
            rules,
            sender=sender_no,
            receiver=receiver_no,
            relation=relation,
            sender_is_employee=sender.employee,
            enabled=rules.enabled and self._wallet_rules(receiver.region).enabled,
            verified=VERIFICATIONS[verification],
            amount=amount,
            shareable=self.wallet.shareable(rules, sender, now.year) if sender.employee else 0,
            now=now,
        )
        command = SendToWallet(sender_no, receiver_no, amount, relation, face_token=face, password=password)
        if codes:
            with pytest.raises(Refused) as refused:
                send_to_wallet(self.ctx, command, key=self._key("transfer"))
            assert refused.value.code in codes, (refused.value.code, codes)
            event(f"transfer refused: {refused.value.code.name}")
            return
        view = send_to_wallet(self.ctx, command, key=self._key("transfer"))
        transfer = self.wallet.send(view.id, rules, sender_no, receiver_no, sender, amount, now)
        assert (view.status, view.amount_fen, view.sender, view.receiver) == (
            "pending",
            amount,
            sender.name,
            receiver.name,
        ), view
        assert (view.sender_region, view.receiver_region) == (sender.region, receiver.region), view
        assert view.return_due_at == transfer.due_at, (view, transfer)
        self._ledger_written()
        event(f"transfer sent, across provinces: {sender.region != receiver.region}")
        if then == "accept":
            self._accept(transfer, receiver_no)
        elif then == "decline":
            self._decline(transfer, receiver_no)

    def _accept(self, transfer: TransferModel, by: str) -> None:
        """Accept a minute later (so that no two acceptances share an instant: the wallet spends the oldest
        acceptance first)."""
        self.clock.set(self.clock.now() + timedelta(minutes=1))
        now = self.clock.now()
        codes = self.wallet.accept_refusals(transfer, by, now)
        command = DecideTransfer(transfer.id, by)
        if codes:
            with pytest.raises(Refused) as refused:
                accept_transfer(self.ctx, command, key=self._key("accept"))
            assert refused.value.code in codes, (refused.value.code, codes)
            event(f"acceptance refused: {refused.value.code.name}")
            return
        view = accept_transfer(self.ctx, command, key=self._key("accept"))
        self.wallet.accept(transfer, now)
        assert (view.status, view.remaining_fen, view.spent_fen) == ("accepted", transfer.amount, 0), view
        self._ledger_written()
        event("transfer accepted")

    def _decline(self, transfer: TransferModel, by: str) -> None:
        codes = self.wallet.decline_refusals(transfer, by)
        command = DecideTransfer(transfer.id, by)
        if codes:
            with pytest.raises(Refused) as refused:
                decline_transfer(self.ctx, command, key=self._key("decline"))
            assert refused.value.code in codes, (refused.value.code, codes)
            event(f"declining refused: {refused.value.code.name}")
            return
        view = decline_transfer(self.ctx, command, key=self._key("decline"))
        self._give_back(transfer, "declined")
        assert view.status == "declined", view
        self._ledger_written()
        event("transfer declined")

    def _give_back(self, transfer: TransferModel, status: str) -> None:
        year = self.clock.now().year
        if transfer.from_current and transfer.current_year != year:
            event("当年 money reserved in an earlier year given back into 历年")
        self.wallet.give_back(transfer, self.people[transfer.sender], status, year)

    def _take_back(self, transfer: TransferModel, by: str) -> None:
        rules = self._wallet_rules(transfer.sender_region)
        codes = self.wallet.take_back_refusals(rules, transfer, by)
        assert codes, "the rules let the sender take back an accepted balance: the model does not say what returns"
        with pytest.raises(Refused) as refused:
            take_back(self.ctx, DecideTransfer(transfer.id, by), key=self._key("take-back"))
        assert refused.value.code in codes, (refused.value.code, codes)
        event(f"taking back refused: {refused.value.code.name}")

    @precondition(lambda self: bool(self.wallet.transfers))
    @rule(
        data=st.data(),
        action=st.sampled_from(["accept", "accept", "decline", "take back"]),
        by_party=st.integers(min_value=0, max_value=3).map(lambda n: n > 0),
    )
    def decide(self, data: st.DataObject, action: str, by_party: bool) -> None:
        """The receiver (or, wrongly, the sender) accepts or declines a transfer; the sender (or, wrongly, the
        receiver) tries to take one back. Mostly a pending transfer."""
        pending = [t for t in self.wallet.transfers if t.status == "pending"]
        pick_pending: bool = data.draw(st.booleans(), label="pending")
        pool = pending if pending and pick_pending else self.wallet.transfers
        chosen = data.draw(st.sampled_from(pool), label="transfer")
        by = chosen.sender if (action == "take back") == by_party else chosen.receiver
        self.wallet_touched = True
        if action == "accept":
            self._accept(chosen, by)
        elif action == "decline":
            self._decline(chosen, by)
        else:
            self._take_back(chosen, by)

    @rule(edge=st.sampled_from(CLOCK_EDGES), days=st.integers(min_value=0, max_value=1))
    def to_the_edge(self, edge: time, days: int) -> None:
        """The clock jumps forward to the next ``edge`` of a day (perhaps a day later) — a second before, at or after
        06:00, or at the quiet hours' start — and the return job runs (twice: the second finds nothing)."""
        now = self.clock.now()
        target = datetime.combine(now.date(), edge, tzinfo=SHANGHAI)
        if target <= now:
            target += timedelta(days=1)
        self.clock.set(target + timedelta(days=days))
        now = self.clock.now()
        self.wallet_touched = True
        due = self.wallet.due(now)
        result = return_due(self.ctx)
        assert (result.returned, result.amount_fen) == (len(due), sum(t.amount for t in due)), (result, due)
        for transfer in due:
            self._give_back(transfer, "returned")
        if due:
            self._ledger_written()
        again = return_due(self.ctx)
        assert (again.returned, again.amount_fen) == (0, 0), again
        event(f"the return job at {edge:%H:%M:%S} returned: {bool(due)}")

    # --- visits and fees ---------------------------------------------------------------------------------

    def _upload(self, visit: VisitModel, lines: list[tuple[str, int, int]]) -> VisitView:
        inputs = []
        for code, quantity, price in lines:
            inputs.append(FeeInput(visit.next_sn, code, str(quantity), price))
            visit.line_totals_fen.append(quantity * price)
            visit.fee_lines.append((code, quantity, price))
        view = upload_fees(self.ctx, UploadFees(visit.mdtrt_id, tuple(inputs)), key=self._key("fees"))
        assert [line.total_fen for line in view.lines] == visit.line_totals_fen
        for line, (code, quantity, price) in zip(view.lines, visit.fee_lines, strict=True):
            parts = line.fulamt_ownpay_fen + line.overlmt_fen + line.preselfpay_fen + line.inscp_fen
            assert parts == line.total_fen, line
            assert min(line.fulamt_ownpay_fen, line.overlmt_fen, line.preselfpay_fen, line.inscp_fen) >= 0, line
            split = split_line(CATALOGUE[code], quantity, price)
            got = (line.fulamt_ownpay_fen, line.overlmt_fen, line.preselfpay_fen, line.inscp_fen)
            assert got == (split.fulamt_ownpay, split.overlmt, split.preselfpay, split.inscp), (line, split)
        return view

    @rule(
        who=st.sampled_from([JIANGUO, DEFU, XIUYING, XIAOMING]),
        kind=st.sampled_from(VISIT_KINDS),
        lines=fee_lines,
        settle_now=st.one_of(st.none(), st.tuples(account_flags, wallet_flags)),
    )
    def visit(
        self,
        who: str,
        kind: tuple[MedType, str],
        lines: list[tuple[str, int, int]],
        settle_now: tuple[bool, bool] | None,
    ) -> None:
        """A visit of one of the family, with 1–4 fee lines of the demo catalogue; usually settled at once (with
        ``acct_used_flag`` and ``use_wallet`` = ``settle_now``)."""
        patient = self.people.get(who) or self.people.get(XIAOMING) or self.people[XIUYING]
        model = self._open_visit(patient, *kind, lines)
        if settle_now is not None:
            self._settle(model, *settle_now)

    def _open_visit(
        self, patient: PersonModel, med_type: MedType, institution: str, lines: list[tuple[str, int, int]]
    ) -> VisitModel:
        view = open_visit(self.ctx, OpenVisit(patient.certno, institution, med_type), key=self._key("visit"))
        assert view.status == "open"
        assert view.region == "130100"
        model = VisitModel(
            view.mdtrt_id, patient, med_type, view.begin_at.year, institution=institution, begin=view.begin_at.date()
        )
        self.visits.append(model)
        self._upload(model, lines)
        return model

    @precondition(lambda self: any(t.status == "accepted" and t.receiver != ZHANGLI for t in self.wallet.transfers))
    @rule(data=st.data())
    def wallet_purchase(self, data: st.DataObject) -> None:
        """One of the family with money in her wallet buys at the pharmacy (41) and settles at once, with the
        account, paying with the wallet or not."""
        receivers = sorted({t.receiver for t in self.wallet.transfers if t.status == "accepted"} - {ZHANGLI})
        patient = self.people[data.draw(st.sampled_from(receivers), label="patient")]
        lines = data.draw(fee_lines, label="lines")
        use_wallet = data.draw(wallet_flags, label="use_wallet")
        self._settle(self._open_visit(patient, MedType.PHARMACY_PURCHASE, PHARMACY, lines), True, use_wallet)

    @precondition(lambda self: any(not v.settled for v in self.visits))
    @rule(data=st.data(), lines=fee_lines.map(lambda ls: ls[:2]))
    def more_fees(self, data: st.DataObject, lines: list[tuple[str, int, int]]) -> None:
        """More fee lines on an open visit (also one reopened by a reversal)."""
        chosen = data.draw(st.sampled_from([v for v in self.visits if not v.settled]), label="visit")
        self._upload(chosen, lines)

    # --- settlements -------------------------------------------------------------------------------------

    @precondition(lambda self: any(not v.settled for v in self.visits))
    @rule(data=st.data(), acct_used_flag=account_flags)
    def settle(self, data: st.DataObject, acct_used_flag: bool) -> None:
        """Settle an open visit (perhaps one reopened by a reversal, perhaps in a later year), paying with the
        patient's wallet or not."""
        chosen = data.draw(st.sampled_from([v for v in self.visits if not v.settled]), label="visit")
        self._settle(chosen, acct_used_flag, data.draw(wallet_flags, label="use_wallet"))

    def _fund_covers(self, chosen: VisitModel) -> bool:
        """Whether Shijiazhuang's fund rules cover the visit (category, medical type, level); if not, it is refused."""
        day = self.clock.now().date()

        def find(param: Any) -> Any:
            found = self.ctx.rules.find(param, "130100", day)
            return found.value if found else None

        person = chosen.patient
        category = (
            InsuredCategory.RESIDENT
            if not person.employee
            else InsuredCategory.RETIRED
            if person.certno == DEFU
            else InsuredCategory.IN_SERVICE
        )
        age = ResidentId.parse(person.certno).age_on(day)
        return fund_ratio(find, chosen.med_type, LEVELS[chosen.institution], category, age) is not None

    def _settle(self, chosen: VisitModel, acct_used_flag: bool, use_wallet: bool = True) -> None:
        """Settle with a fresh key; check the split against the model, then apply it. A visit the region's fund
        rules do not cover is refused (preview and commit alike) and changes nothing."""
        before = self._account_balances()
        self.wallet_touched = True
        key = self._key("settle")
        command = Settle(chosen.mdtrt_id, acct_used_flag, use_wallet=use_wallet)
        if not self._fund_covers(chosen):
            for call in (
                lambda: preview_settlement(self.ctx, command),
                lambda: commit_settlement(self.ctx, command, key=key),
            ):
                with pytest.raises(Refused) as refused:
                    call()
                assert refused.value.code is ErrorCode.FUND_RULES_MISSING
            assert self._account_balances() == before
            event(f"refused {chosen.med_type.value}: FUND_RULES_MISSING")
            return
        preview = preview_settlement(self.ctx, command)
        assert self._account_balances() == before, "a preview writes nothing"
        view = commit_settlement(self.ctx, command, key=key)
        self._roll_over_who_may_pay(chosen.patient, before)
        assert preview.amounts == view.amounts, (preview.amounts, view.amounts)
        assert preview.payers == view.payers, (preview.payers, view.payers)

        amounts_ = view.amounts
        check_identities(amounts_)
        assert view.status == "settled"
        assert view.mdtrt_id == chosen.mdtrt_id
        assert view.acct_used_flag is acct_used_flag
        assert view.settled_at == self.clock.now()
        assert amounts_["medfee_sumamt"] == sum(chosen.line_totals_fen)
        wallet_there = bool(self.wallet.grants(chosen.patient.certno))
        payments = self._check_payments(chosen, view, use_wallet)
        if not acct_used_flag:
            assert amounts_["acct_pay"] == 0
            assert payments == []
        assert amounts_["acct_pay"] == sum(p.amount_fen for p in payments)
        assert amounts_["acct_mulaid_pay"] == sum(p.amount_fen for p in payments if p.mutual_aid)

        for payment in payments:
            if payment.transfer is not None:  # the sender's reserved money paid: his parts are as they were
                self.wallet.spend(payment.transfer, payment.amount_fen)
                continue
            payment.payer.prior_fen -= payment.prior_fen
            payment.payer.current_fen -= payment.current_fen
            if payment.relation_id is not None:
                self.quota_used[(payment.relation_id, chosen.year)] += payment.prior_fen + payment.current_fen
        assert amounts_["balc"] == chosen.patient.total_fen  # 0 for a resident, who has no account
        chosen.settled = True
        settlement = SettlementModel(key, command, view, chosen, payments)
        self.settlements.append(settlement)
        self.pending = Pending(settlement, before)
        mutual_aid = amounts_["acct_mulaid_pay"] > 0
        event(f"settled {chosen.med_type.value}: account {acct_used_flag}, mutual aid {mutual_aid}")
        wallet_paid = sum(p.amount_fen for p in payments if p.transfer is not None)
        if wallet_there:
            event(f"settled with wallet money there, use_wallet {use_wallet}: paid from it {wallet_paid > 0}")

    def _roll_over_who_may_pay(self, patient: PersonModel, before: dict[int, int]) -> None:
        """In a new year a commit first rolls over the 当年 part of the patient and of every active authoriser (a
        journal of its own, which a reversal of the settlement rightly leaves in place): the model does the same,
        and so does the snapshot the reversal is checked against."""
        year = self.clock.now().year
        who = [patient, *(r.authoriser for r in self.relations if r.open and r.beneficiary is patient)]
        for person in who:
            if person.employee and person.period_year < year:
                prior_id, current_id = self._part_ids(person)
                before[prior_id] += before[current_id]
                before[current_id] = 0
                person.roll_over(year)
                event("a settlement rolled an account over")

    def _part_ids(self, person: PersonModel) -> tuple[int, int]:
        """The ids of the person's prior-years and current-year accounts."""
        accounts = balances(self.ctx, person.certno).accounts
        (prior,) = [a.account_id for a in accounts if a.kind == AccountKind.PERSONAL_PRIOR.value]
        (current,) = [a.account_id for a in accounts if a.kind == AccountKind.PERSONAL_CURRENT.value]
        return prior, current

    def _predict_accounts(
        self, visit: VisitModel, view: SettlementView, use_wallet: bool
    ) -> tuple[int, list[tuple[TransferModel, int]]]:
        """What the patient's own account pays, and each of her wallet's accepted transfers (oldest acceptance
        first): in turn, each as much as it holds within what personal accounts of its region may pay of the bill
        and what the accounts before it left — the wallet only if she pays with it (where she may choose) and its
        sender's region lets accounts pay this kind of cost. The fund's part is the settlement's (the model does
        not keep the fund's accumulators)."""
        bill = self._wallet_rules(SHIJIAZHUANG, visit.begin)
        assert bill.own_first, "the model knows the order own account, wallet, relatives"
        assert bill.before_relatives, "the model knows the order own account, wallet, relatives"
        person_part = view.amounts["psn_part_amt"]
        lines = [split_line(CATALOGUE[code], quantity, price) for code, quantity, price in visit.fee_lines]

        def room(region: str, paid: int) -> int:
            parts = self._wallet_rules(region, visit.begin).payable_parts
            return max(min(account_ceiling(lines, view.amounts["fund_pay_sumamt"], parts), person_part) - paid, 0)

        patient = visit.patient
        own = 0
        if patient.employee and visit.med_type in bill.payable_med_types:
            own = min(room(SHIJIAZHUANG, 0), patient.total_fen)
        paid = own
        chosen = use_wallet or not bill.patient_chooses
        wallet = []
        for grant in self.wallet.grants(patient.certno):
            may = chosen and visit.med_type in self._wallet_rules(grant.sender_region, visit.begin).payable_med_types
            amount = min(room(grant.sender_region, paid), grant.remaining) if may else 0
            wallet.append((grant, amount))
            paid += amount
        return own, wallet

    def _check_payments(self, visit: VisitModel, view: SettlementView, use_wallet: bool) -> list[PaymentModel]:
        """Who paid, from the explanation's purses: only the patient, authorisers of open relations to the patient,
        each within the quota left, and the senders of her wallet's accepted transfers; the patient's own account
        spending 当年 first and a relative's 历年 first; the national payer lines say the same. The own account and
        the wallet pay what the model says, in its order (own account, wallet, relatives)."""
        steps = view.explanation.purses
        own_paid, wallet_paid = self._predict_accounts(visit, view, use_wallet) if view.acct_used_flag else (0, [])
        order = ["own" if s.relation is None and s.wallet_transfer is None else "wallet" for s in steps]
        order = [kind if s.relation is None else "relative" for kind, s in zip(order, steps, strict=True)]
        assert order == sorted(order, key=["own", "wallet", "relative"].index), order
        assert sum(s.paid_fen for s in steps if s.relation is None and s.wallet_transfer is None) == own_paid, steps
        wallet_steps = [(s.wallet_transfer, s.paid_fen) for s in steps if s.wallet_transfer is not None]
        assert wallet_steps == [(t.id, amount) for t, amount in wallet_paid], (wallet_steps, wallet_paid)
        payments = []
        for step in steps:
            if step.paid_fen == 0:
                continue
            payer = self._by_name(step.payer)
            assert payer.employee, step
            if step.wallet_transfer is not None:
                transfer = self.wallet.by_id(step.wallet_transfer)
                assert (payer.certno, step.relation) == (transfer.sender, None), (step, transfer)
                assert step.balance_before_fen == transfer.remaining, (step, transfer)
                assert step.from_prior_fen + step.from_current_fen == step.paid_fen, step
                payments.append(PaymentModel(payer, None, step.from_prior_fen, step.from_current_fen, transfer))
                continue
            assert step.balance_before_fen == payer.total_fen, (step, payer)
            assert step.from_prior_fen + step.from_current_fen == step.paid_fen, step
            if step.relation is None:
                assert payer is visit.patient, step
                assert step.from_current_fen == min(step.paid_fen, payer.current_fen), (step, payer)
                relation_id = None
            else:
                relation_id = int(step.relation)
                (chosen,) = [r for r in self.relations if r.relation_id == relation_id]
                assert chosen.open, (step, chosen)
                assert chosen.beneficiary is visit.patient, (step, chosen)
                assert chosen.authoriser is payer, (step, chosen)
                if chosen.quota_fen is not None:
                    left = max(chosen.quota_fen - self.quota_used[(relation_id, visit.year)], 0)
                    assert step.paid_fen <= left, (step, chosen, left)
                assert step.from_prior_fen == min(step.paid_fen, payer.prior_fen), (step, payer)
            payments.append(PaymentModel(payer, relation_id, step.from_prior_fen, step.from_current_fen))
        lines = [
            (p.payer, p.amount_fen, p.prior_years_fen, p.current_year_fen, p.wallet_transfer_id) for p in view.payers
        ]
        expected = [
            (p.payer.name, p.amount_fen, p.prior_fen, p.current_fen, p.transfer.id if p.transfer else None)
            for p in payments
        ]
        assert lines == expected, (lines, expected)
        return payments

    @precondition(lambda self: any(v.settled for v in self.visits))
    @rule(data=st.data())
    def settle_a_settled_visit_is_refused(self, data: st.DataObject) -> None:
        chosen = data.draw(st.sampled_from([v for v in self.visits if v.settled]), label="visit")
        with pytest.raises(Refused) as refused:
            commit_settlement(self.ctx, Settle(chosen.mdtrt_id), key=self._key("settle"))
        assert refused.value.code is ErrorCode.VISIT_NOT_OPEN

    @precondition(lambda self: bool(self.settlements))
    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """The same key with the same request answers as the first time (even after a reversal), and changes
        nothing; so does a reversal's key."""
        chosen = data.draw(st.sampled_from(self.settlements), label="settlement")
        again = commit_settlement(self.ctx, chosen.command, key=chosen.key)
        assert again == chosen.view
        if chosen.reversal_key is not None:
            command = ReverseSettlement(chosen.setl_id, "重复撤销")
            assert reverse_settlement(self.ctx, command, key=chosen.reversal_key) == chosen.reversal_view
        event(f"replay, reversed: {not chosen.live}")

    # --- reversals ---------------------------------------------------------------------------------------

    def _reverse(self, settlement: SettlementModel, twice: bool) -> None:
        self.wallet_touched = True
        command = ReverseSettlement(settlement.setl_id, "重复撤销")
        key = self._key("reverse")
        view = reverse_settlement(self.ctx, command, key=key)
        assert view.status == "reversed"
        assert view.setl_id == settlement.setl_id
        assert view.reversed_at == self.clock.now()
        assert view.amounts == settlement.view.amounts
        settlement.reversal_key, settlement.reversal_view = key, view
        for payment in settlement.payments:
            if payment.transfer is not None:  # back in her wallet and in the sender's reservation
                self.wallet.unspend(payment.transfer, payment.amount_fen)
                continue
            payment.payer.prior_fen += payment.prior_fen
            payment.payer.current_fen += payment.current_fen
            if payment.relation_id is not None:
                self.quota_used[(payment.relation_id, settlement.visit.year)] -= payment.prior_fen + payment.current_fen
        settlement.visit.settled = False  # the visit is open again
        if twice:
            with pytest.raises(Refused) as refused:
                reverse_settlement(self.ctx, command, key=self._key("reverse"))
            assert refused.value.code is ErrorCode.SETTLEMENT_ALREADY_REVERSED

    @precondition(lambda self: self.pending is not None)
    @rule(twice=st.booleans())
    def reverse_latest(self, twice: bool) -> None:
        """Reverse the latest settlement, no other ledger write since: every account is back to its balance from
        just before the commit, and every account the settlement opened holds nothing."""
        assert self.pending is not None
        pending, self.pending = self.pending, None
        self._reverse(pending.settlement, twice)
        after = self._account_balances()
        changed = {i: (b, after.get(i)) for i, b in pending.balances_before.items() if after.get(i) != b}
        assert not changed, f"accounts not restored (before, after): {changed}"
        opened = {i: b for i, b in after.items() if i not in pending.balances_before and b != 0}
        assert not opened, f"accounts opened by the settlement still hold money: {opened}"
        event(f"reversed the latest: mutual aid {pending.settlement.view.amounts['acct_mulaid_pay'] > 0}")
        if any(p.transfer for p in pending.settlement.payments):
            event("reversed the latest: the wallet paid")

    @precondition(lambda self: bool(self.settlements))
    @rule(data=st.data(), twice=st.booleans())
    def reverse_any(self, data: st.DataObject, twice: bool) -> None:
        """Reverse any settlement, perhaps long after; one already reversed is refused."""
        chosen = data.draw(st.sampled_from(self.settlements), label="settlement")
        if not chosen.live:
            with pytest.raises(Refused) as refused:
                reverse_settlement(self.ctx, ReverseSettlement(chosen.setl_id, "再次"), key=self._key("reverse"))
            assert refused.value.code is ErrorCode.SETTLEMENT_ALREADY_REVERSED
            return
        self._reverse(chosen, twice)
        self._ledger_written()

    # --- invariants --------------------------------------------------------------------------------------

    @invariant()
    def audit_is_clean(self) -> None:
        report = audit(self.ctx)
        if not report.clean:
            for finding in report.findings:
                print(f"audit finding: {finding}")
        assert report.clean, report.findings

    @invariant()
    def every_ledger_sums_to_zero(self) -> None:
        accounts = tables.accounts
        with self.engine.connect() as conn:
            sums = conn.execute(
                select(accounts.c.ledger, func.sum(accounts.c.balance_fen)).group_by(accounts.c.ledger)
            ).all()
        assert all(total == 0 for _, total in sums), sums

    @invariant()
    def balances_match_the_model(self) -> None:
        """Every person's parts (and wallet) as the model says; then, from the same balances, the money is
        conserved (read once: the invariants run after every step)."""
        if not self.people:
            return
        views = {}
        for person in self.people.values():
            view = views[person.certno] = balances(self.ctx, person.certno)
            for account in view.accounts:
                assert account.balance_fen >= 0, (person.name, account)
            assert (view.prior_years_fen, view.current_year_fen) == (person.prior_fen, person.current_fen), (
                person,
                view,
            )
            assert view.wallet_fen == self.wallet.balance(person.certno), (person, view)
            spent = self.wallet.accepted_total(person.certno) - self._wallet_spent(person.certno)
            assert view.wallet_fen == spent, (person, view)
        self._money_is_conserved(views)

    def _paid_from(self, person: PersonModel) -> int:
        """What live settlements paid from the person's account: his own bills, his relatives' through a binding,
        and through the wallet from what he had reserved."""
        return sum(p.amount_fen for s in self.settlements if s.live for p in s.payments if p.payer is person)

    def _wallet_spent(self, receiver: str) -> int:
        """What live settlements of the receiver's bills paid from her wallet."""
        return sum(
            p.amount_fen
            for s in self.settlements
            if s.live and s.visit.patient.certno == receiver
            for p in s.payments
            if p.transfer is not None
        )

    def _money_is_conserved(self, views: dict[str, BalancesView]) -> None:
        """What live settlements paid from personal accounts is what was credited less what the accounts hold and
        what they hold reserved for wallet transfers — for each person, and for all of them."""
        held = reserved = 0
        for person in self._employees():
            view = views[person.certno]
            his = sum(a.balance_fen for a in view.accounts if a.kind == AccountKind.WALLET_RESERVED.value)
            assert his == self.wallet.reserved(person.certno), (person, view)
            assert view.personal_account_fen + his == person.credited_fen - self._paid_from(person), (person, view)
            held += view.personal_account_fen
            reserved += his
        credited = sum(p.credited_fen for p in self._employees())
        paid = sum(s.view.amounts["acct_pay"] for s in self.settlements if s.live)
        assert paid == credited - held - reserved, (paid, credited, held, reserved)

    @invariant()
    def wallets_match_the_model(self) -> None:
        """After a step that may touch a wallet (the money is checked after every step, from the balances), everyone
        a transfer involves: the wallet open, its balance what she accepted less what live settlements spent of it
        (and, transfer by transfer, what the model says is left), what waits for her, and what his own account
        holds reserved for what he sent; every transfer to her where the model says it stands."""
        if not self.wallet_touched:
            return
        self.wallet_touched = False
        for certno in sorted(self.wallet.involved()):
            view = show_wallet(self.ctx, certno)
            assert view.status == "open", view
            assert view.balance_fen == self.wallet.accepted_total(certno) - self._wallet_spent(certno), view
            assert view.balance_fen == self.wallet.balance(certno), view
            assert view.pending_in_fen == self.wallet.pending_in(certno), view
            assert view.reserved_out_fen == self.wallet.reserved(certno), view
            for shown in view.incoming:
                transfer = self.wallet.by_id(shown.id)
                assert (shown.status, shown.amount_fen) == (transfer.status, transfer.amount), (shown, transfer)
                if transfer.status in ("accepted", "spent"):
                    assert shown.remaining_fen == transfer.remaining, (shown, transfer)

    @invariant()
    def settlements_keep_their_record(self) -> None:
        """Every committed settlement, as stored now: the identities, its amounts, and whether it is reversed."""
        for settlement in self.settlements:
            stored = show_settlement(self.ctx, settlement.setl_id)
            check_identities(stored.amounts)
            assert stored.amounts == settlement.view.amounts
            assert stored.status == ("settled" if settlement.live else "reversed")

    @invariant()
    def quota_used_matches_the_model(self) -> None:
        year = self.clock.now().year
        for chosen in self.relations:
            view = relation(self.ctx, chosen.relation_id)
            assert view.quota_used_fen == self.quota_used[(chosen.relation_id, year)], (chosen, view)
            assert view.quota_fen == chosen.quota_fen


# --------------------------------------------------------------------------------------------------------
# Running it on both backends
# --------------------------------------------------------------------------------------------------------


SETTINGS = {
    "sqlite": settings(
        max_examples=60,
        stateful_step_count=30,
        deadline=None,
        print_blob=True,
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    ),
    "postgresql": settings(
        max_examples=30,
        stateful_step_count=25,
        deadline=None,
        print_blob=True,
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    ),
}


def test_settlements_and_reversals_match_the_model(backend: str, engine_factory: EngineFactory) -> None:
    machine = type(f"SettlementMachine_{backend}", (SettlementMachine,), {"new_database": staticmethod(engine_factory)})
    run_state_machine_as_test(machine, settings=SETTINGS[backend])
