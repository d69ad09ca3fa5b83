"""The ledger's pure core: accounts, transfers, journals and the arithmetic of posting them.

Sign convention (the one TigerBeetle uses for accounts that hold someone's money): a transfer moves
``amount_fen`` *from* its debit account *to* its credit account, so an account's balance is the sum of the
amounts credited to it minus the sum debited from it. Every transfer adds as much to one account as it takes
from another, so the balances of each ledger (one per pooling region and asset) always sum to zero.

Person-owned accounts (a personal account's two parts, a wallet) must never go negative; system accounts
(the pooling fund, clearing accounts) may, because they stand for money that came from or went outside.
A journal is a list of transfers written whole or not at all; it is never changed afterwards, and a
correction is a reversal journal that mirrors it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.money import MAX_AMOUNT_FEN, format_yuan

__all__ = [
    "DEDUCTIBLE",
    "FUND",
    "HOT_SHARDS",
    "MAX_TRANSFERS_PER_JOURNAL",
    "MONEY",
    "QUOTA",
    "WALLET_QUOTA",
    "AccountKind",
    "AccountOpening",
    "AccountState",
    "Journal",
    "JournalEntry",
    "JournalKind",
    "PostedJournal",
    "PostedTransfer",
    "TransferSpec",
    "account_code",
    "accumulator_code",
    "asset_of",
    "institution_code",
    "ledger_code",
    "mirror",
    "post_transfers",
    "quota_used_code",
    "shard_of",
]

#: No journal gongji writes needs more; a larger one is a bug.
MAX_TRANSFERS_PER_JOURNAL = 64
#: The asset of the money ledgers; memo ledgers (quotas, accumulators) get their own assets later.
MONEY = "CNY"


#: The assets of memo ledgers: limits kept as balances (never money).
QUOTA = "QUOTA"
DEDUCTIBLE = "DEDC"
FUND = "FUND"
#: The asset of wallets (医保钱包): virtual quota a relative may spend; the money stays reserved in the sender's region.
WALLET_QUOTA = "WLT"


def asset_of(kind: AccountKind) -> str:
    """The asset an account of ``kind`` holds when opened by kind (a wallet holds quota, the others money)."""
    return WALLET_QUOTA if kind is AccountKind.WALLET else MONEY


def account_code(kind: AccountKind, region: str, owner_person_id: int | None) -> str:
    """The natural key of an account: one account per kind, region and owner."""
    if owner_person_id is None:
        return f"SYS:{region}:{kind.value}"
    return f"PSN:{owner_person_id}:{kind.value}:{region}"


def quota_used_code(relation_id: int, year: int) -> str:
    """The account code of what a relation's quota has paid in a year (a memo account, posted with the money)."""
    return f"REL:{relation_id}:quota_used:{year}"


def accumulator_code(kind: AccountKind, person_id: int, year: int, group: str) -> str:
    """The account code of a person's yearly accumulator (deductible paid, fund paid) for a group of medical types."""
    return f"PSN:{person_id}:{kind.value}:{year}:{group}"


def institution_code(fixmedins_code: str, region: str) -> str:
    """The account code of what the ledger owes an institution in a region."""
    return f"INST:{fixmedins_code}:{region}"


#: A system account every settlement of a region posts to (the fund, the cash and institution clearing accounts, the
#: memo sources) is spread over this many accounts, one per shard, so that concurrent settlements of different
#: patients do not queue for one row's lock; the region's figure is the sum of its shards.
HOT_SHARDS = 16


def shard_of(person_id: int) -> int:
    """The shard of the hot system accounts a settlement of this patient posts to (always the same one)."""
    return person_id % HOT_SHARDS


def ledger_code(region: str, asset: str = MONEY) -> str:
    """The ledger an account belongs to: one per pooling region and asset (``"130100:CNY"``)."""
    return f"{region}:{asset}"


class AccountKind(StrEnum):
    """What an account holds. Person-owned kinds must never go negative."""

    PERSONAL_PRIOR = "personal_prior"
    PERSONAL_CURRENT = "personal_current"
    WALLET = "wallet"
    #: Money of a sender's personal account reserved for his wallet transfers (pending or accepted, not yet spent).
    WALLET_RESERVED = "wallet_reserved"
    FUND_POOL = "fund_pool"
    CONTRIBUTION_CLEARING = "contribution_clearing"
    OPENING_BALANCE = "opening_balance"
    CASH_CLEARING = "cash_clearing"
    REGION_TRANSFER = "region_transfer"
    INSTITUTION_CLEARING = "institution_clearing"
    CONTRIBUTIONS_COLLECTED = "contributions_collected"
    CLAIMS_PAYABLE = "claims_payable"
    #: What another node of a federation owes this region for wallet money spent there (or is owed: the sign says),
    #: one per node (gongji.service.wallet_remote).
    NODE_CLEARING = "node_clearing"
    # Memo accounts (limits kept as balances, posted in the same journal as the money; never money themselves):
    DEDUCTIBLE_PAID = "deductible_paid"
    FUND_PAID = "fund_paid"
    QUOTA_USED = "quota_used"
    MEMO_SOURCE = "memo_source"

    @property
    def person_owned(self) -> bool:
        """Belongs to one person (and so must never go negative)."""
        return self in _PERSON_OWNED

    @property
    def is_memo(self) -> bool:
        """A memo account (a limit kept as a balance), not money."""
        return self in _MEMO

    @property
    def zh(self) -> str:
        """Chinese name."""
        return _ACCOUNT_NAMES[self][0]

    @property
    def en(self) -> str:
        """English name."""
        return _ACCOUNT_NAMES[self][1]


_PERSON_OWNED = frozenset(
    {
        AccountKind.PERSONAL_PRIOR,
        AccountKind.PERSONAL_CURRENT,
        AccountKind.WALLET,
        AccountKind.WALLET_RESERVED,
        AccountKind.DEDUCTIBLE_PAID,
        AccountKind.FUND_PAID,
        AccountKind.QUOTA_USED,
    }
)

_MEMO = frozenset({AccountKind.DEDUCTIBLE_PAID, AccountKind.FUND_PAID, AccountKind.QUOTA_USED, AccountKind.MEMO_SOURCE})

_ACCOUNT_NAMES: dict[AccountKind, tuple[str, str]] = {
    AccountKind.PERSONAL_PRIOR: ("个人账户（历年）", "personal account (prior years)"),
    AccountKind.PERSONAL_CURRENT: ("个人账户（当年）", "personal account (current year)"),
    AccountKind.WALLET: ("医保钱包", "medical insurance wallet"),
    AccountKind.WALLET_RESERVED: ("医保钱包转出预留", "reserved for wallet transfers"),
    AccountKind.FUND_POOL: ("统筹基金", "pooling fund"),
    AccountKind.CONTRIBUTION_CLEARING: ("个人账户划入过渡户", "contribution clearing"),
    AccountKind.OPENING_BALANCE: ("期初余额迁移户", "opening balance migration"),
    AccountKind.CASH_CLEARING: ("现金支付过渡户", "cash clearing"),
    AccountKind.REGION_TRANSFER: ("跨统筹区转移过渡户", "inter-region transfer clearing"),
    AccountKind.INSTITUTION_CLEARING: ("应付定点机构", "payable to the institution"),
    AccountKind.CONTRIBUTIONS_COLLECTED: ("代缴保费归集户", "contributions collected"),
    AccountKind.CLAIMS_PAYABLE: ("手工报销应付参保人", "reimbursements payable to insured people"),
    AccountKind.NODE_CLEARING: ("跨节点清算", "clearing with another node"),
    AccountKind.DEDUCTIBLE_PAID: ("本年已付起付线（备查）", "deductible paid this year (memo)"),
    AccountKind.FUND_PAID: ("本年统筹基金已支付（备查）", "pooling fund paid this year (memo)"),
    AccountKind.QUOTA_USED: ("本年共济额度已用（备查）", "quota used this year (memo)"),
    AccountKind.MEMO_SOURCE: ("备查账来源", "memo source"),
}


class JournalKind(StrEnum):
    """Why a journal was written."""

    CONTRIBUTION = "contribution"
    OPENING_BALANCE = "opening_balance"
    ROLLOVER = "rollover"
    REGION_TRANSFER = "region_transfer"
    REVERSAL = "reversal"
    SETTLEMENT = "settlement"
    WALLET_TRANSFER = "wallet_transfer"
    WALLET_ACCEPT = "wallet_accept"
    WALLET_RETURN = "wallet_return"
    #: Wallet money spent (or given back by a reversal) on another node: reserved money into what that node is owed.
    NODE_SETTLEMENT = "node_settlement"

    @property
    def zh(self) -> str:
        """Chinese name."""
        return _JOURNAL_NAMES[self][0]

    @property
    def en(self) -> str:
        """English name."""
        return _JOURNAL_NAMES[self][1]

    @property
    def reversible(self) -> bool:
        """Whether an operator may reverse a journal of this kind by hand.

        A rollover or a region transfer is undone by the next one, not reversed; a reversal is never reversed.
        """
        return self in {JournalKind.CONTRIBUTION, JournalKind.OPENING_BALANCE}


_JOURNAL_NAMES: dict[JournalKind, tuple[str, str]] = {
    JournalKind.CONTRIBUTION: ("缴费划入", "contribution"),
    JournalKind.OPENING_BALANCE: ("期初余额", "opening balance"),
    JournalKind.ROLLOVER: ("年度结转", "year rollover"),
    JournalKind.REGION_TRANSFER: ("转移接续", "transfer between pooling regions"),
    JournalKind.REVERSAL: ("冲销", "reversal"),
    JournalKind.SETTLEMENT: ("医疗费用结算", "settlement"),
    JournalKind.WALLET_TRANSFER: ("医保钱包转账", "wallet transfer"),
    JournalKind.WALLET_ACCEPT: ("医保钱包接收", "wallet transfer accepted"),
    JournalKind.WALLET_RETURN: ("医保钱包退回", "wallet transfer returned"),
    JournalKind.NODE_SETTLEMENT: ("医保钱包跨节点支付", "wallet money spent on another node"),
}


@dataclass(frozen=True)
class AccountState:
    """An account as read (and locked) before posting."""

    id: int
    kind: AccountKind
    ledger: str
    owner_person_id: int | None
    balance_fen: int
    version: int

    def with_balance(self, balance_fen: int) -> AccountState:
        """The same account holding ``balance_fen`` (every field but the balance kept)."""
        return AccountState(self.id, self.kind, self.ledger, self.owner_person_id, balance_fen, self.version)

    @property
    def must_not_go_negative(self) -> bool:
        """Person-owned accounts are held to a balance of at least zero."""
        return self.kind.person_owned


@dataclass(frozen=True)
class AccountOpening:
    """An account a journal needs, by its natural key: found if it exists, opened with a zero balance if not."""

    code: str
    kind: AccountKind
    region: str
    asset: str = MONEY
    owner_person_id: int | None = None
    period_year: int | None = None

    @classmethod
    def of(cls, kind: AccountKind, region: str, owner_person_id: int | None, year: int) -> AccountOpening:
        """The account of a kind, region and owner (a 当年 part is opened for ``year``)."""
        period_year = year if kind is AccountKind.PERSONAL_CURRENT else None
        code = account_code(kind, region, owner_person_id)
        return cls(code, kind, region, asset_of(kind), owner_person_id, period_year)

    def in_shard(self, shard: int) -> AccountOpening:
        """The same system account's share in ``shard`` (see :data:`HOT_SHARDS`): the code with ``#NN`` after it."""
        if self.owner_person_id is not None or not 0 <= shard < HOT_SHARDS:
            raise ValueError(f"no shard {shard} of account {self.code}")
        return replace(self, code=f"{self.code}#{shard:02d}")


@dataclass(frozen=True)
class TransferSpec:
    """A transfer to post: ``amount_fen`` from the debit account to the credit account."""

    debit_account_id: int
    credit_account_id: int
    amount_fen: int


@dataclass(frozen=True)
class PostedTransfer:
    """A transfer with both accounts' balances after it, as stored."""

    seq: int
    debit_account_id: int
    credit_account_id: int
    amount_fen: int
    ledger: str
    debit_balance_after_fen: int
    credit_balance_after_fen: int


@dataclass(frozen=True)
class Journal:
    """A journal as stored: its transfers, and the journal it reverses if it is a reversal."""

    id: int
    kind: JournalKind
    booked_at: datetime
    reference: str | None
    reverses_journal_id: int | None
    transfers: tuple[PostedTransfer, ...]


@dataclass(frozen=True)
class JournalEntry:
    """A journal to post through the ledger's one door (``uow.ledger.post``): its kind, when, what it refers to, who
    it is about, the journal it reverses (a reversal), and its transfers in order."""

    kind: JournalKind
    booked_at: datetime
    transfers: Sequence[TransferSpec]
    reference: str | None = None
    note: str | None = None
    person_id: int | None = None
    reverses_journal_id: int | None = None

    @property
    def account_ids(self) -> set[int]:
        """Every account the journal touches."""
        return {t.debit_account_id for t in self.transfers} | {t.credit_account_id for t in self.transfers}


@dataclass(frozen=True)
class PostedJournal:
    """A journal as the door wrote it: its id, its transfers with the balances after each, the accounts as they were
    read under lock before it, and every touched account's balance after it."""

    journal_id: int
    transfers: list[PostedTransfer]
    before: Mapping[int, AccountState]
    balances: Mapping[int, int]


def post_transfers(
    accounts: Mapping[int, AccountState], transfers: Sequence[TransferSpec]
) -> tuple[list[PostedTransfer], dict[int, int]]:
    """Apply ``transfers`` in order to the balances in ``accounts``.

    Returns the posted transfers (with balances after each) and the final balance of every touched account.
    Raises ``INSUFFICIENT_BALANCE`` if a person-owned account would go below zero at any step; asserts the
    shape of every transfer (positive bounded amount, two distinct accounts of the same ledger), since a bad
    shape is a bug in gongji, never the client's fault.
    """
    assert 0 < len(transfers) <= MAX_TRANSFERS_PER_JOURNAL, f"journal of {len(transfers)} transfers"
    balances = {account_id: state.balance_fen for account_id, state in accounts.items()}
    posted: list[PostedTransfer] = []
    for seq, transfer in enumerate(transfers, start=1):
        debit = accounts[transfer.debit_account_id]
        credit = accounts[transfer.credit_account_id]
        assert 0 < transfer.amount_fen <= MAX_AMOUNT_FEN, f"transfer amount {transfer.amount_fen}"
        assert debit.id != credit.id, "a transfer needs two accounts"
        assert debit.ledger == credit.ledger, f"transfer across ledgers {debit.ledger} -> {credit.ledger}"
        new_debit = balances[debit.id] - transfer.amount_fen
        if debit.must_not_go_negative and new_debit < 0:
            raise Refused(
                ErrorCode.INSUFFICIENT_BALANCE,
                account=debit.kind,
                balance=format_yuan(balances[debit.id]),
                needed=format_yuan(transfer.amount_fen),
            )
        balances[debit.id] = new_debit
        balances[credit.id] += transfer.amount_fen
        posted.append(
            PostedTransfer(
                seq=seq,
                debit_account_id=debit.id,
                credit_account_id=credit.id,
                amount_fen=transfer.amount_fen,
                ledger=debit.ledger,
                debit_balance_after_fen=balances[debit.id],
                credit_balance_after_fen=balances[credit.id],
            )
        )
    touched = {t.debit_account_id for t in transfers} | {t.credit_account_id for t in transfers}
    return posted, {account_id: balances[account_id] for account_id in touched}


def mirror(transfers: Sequence[PostedTransfer]) -> list[TransferSpec]:
    """The transfers that undo ``transfers``: each one swapped, in reverse order."""
    return [
        TransferSpec(t.credit_account_id, t.debit_account_id, t.amount_fen)
        for t in sorted(transfers, key=lambda t: t.seq, reverse=True)
    ]
