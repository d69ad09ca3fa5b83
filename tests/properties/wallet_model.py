"""A pure model of the 医保钱包 (wallet) for the settlement machine, written from the rules as the domain states them.

Nothing here reads the implementation: the limits come from the rule book's values (3 transfers a day per sender,
at most 2,000.00 each, none from 22:00 to 06:00, none while one to the same person is pending, only the shareable
part of the sender's account), an unaccepted transfer returns at 06:00 the next day, an accepted one is spent by
the receiver's settlements oldest acceptance first, after her own account and before her local relatives, and only
when she chooses to pay with it. Amounts are in fen.

The model of a settlement's accounts needs what personal accounts may pay of a bill: the bill parts the payer's
region allows, less what the person bears of items no account may pay (their total less the fund's share of their
policy-range amount, the fund's payment attributed to lines in proportion to their policy-range amounts). The fee
lines are split here from the demo catalogue the way the national platform splits them at upload (全自费 for
category C, 超限价 above the price cap, 先行自付 the category-B share of the rest, the remainder 政策范围内).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from importlib import resources
from typing import Any, Protocol

from gongji.domain.codes import MedType, RelationType
from gongji.domain.errors import ErrorCode
from gongji.domain.money import round_half_up
from gongji.rules import parameters as params
from gongji.rules.schema import BillPart, ShareablePart, WalletPosition

#: The national rules' region (the list of 近亲属 a transfer may reach is the nation's).
NATIONAL = "100000"

#: Reads a rule's value for a region on a day (``None``: no value).
RuleFinder = Callable[[Any, str, date], Any]


# --------------------------------------------------------------------------------------------------------
# The catalogue and the bill
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A demo catalogue row: category, category-B self-pay share in percent, price cap, account payable."""

    code: str
    category: str
    self_pay_pct: int | None
    price_cap_fen: int | None
    account_payable: bool


def _fen(yuan: str) -> int | None:
    if not yuan:
        return None
    whole, _, cents = yuan.partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


def demo_items() -> dict[str, Item]:
    """The demo catalogue shipped in the package, read from its CSV."""
    text = resources.files("gongji.service").joinpath("data").joinpath("demo_catalogue.csv").read_text("utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    items = {}
    for row in rows:
        pct = int(row["self_pay_pct"]) if row["self_pay_pct"] else None
        assert row["category"] != "B" or pct is not None, f"a category-B item without its share: {row['code']}"
        items[row["code"]] = Item(
            row["code"], row["category"], pct, _fen(row["price_cap_yuan"]), row["account_payable"] == "true"
        )
    return items


@dataclass(frozen=True)
class LineParts:
    """A fee line split into its four parts (they add up to its total)."""

    total: int
    fulamt_ownpay: int
    overlmt: int
    preselfpay: int
    inscp: int
    account_payable: bool


def split_line(item: Item, quantity: int, unit_price: int) -> LineParts:
    """全自费 / 超限价 / 先行自付 / 政策范围内 of a line of whole units."""
    total = quantity * unit_price
    if item.category == "C":
        return LineParts(total, total, 0, 0, 0, item.account_payable)
    over = quantity * (unit_price - item.price_cap_fen) if item.price_cap_fen and unit_price > item.price_cap_fen else 0
    base = total - over
    pre = round_half_up(Fraction(base * (item.self_pay_pct or 0), 100)) if item.category == "B" else 0
    return LineParts(total, 0, over, pre, base - pre, item.account_payable)


def account_ceiling(lines: Iterable[LineParts], fund_fen: int, allowed: Collection[BillPart]) -> int:
    """What personal accounts of a region that allows ``allowed`` may pay of a bill the fund paid ``fund_fen`` of."""
    lines = list(lines)
    inscp = sum(line.inscp for line in lines)
    ceiling = 0
    if BillPart.POLICY_SELF_PAY in allowed:
        ceiling += inscp - fund_fen
    if BillPart.CATEGORY_B_SELF_PAY in allowed:
        ceiling += sum(line.preselfpay for line in lines)
    if BillPart.FULL_OWN_PAY in allowed:
        ceiling += sum(line.fulamt_ownpay for line in lines)
    if BillPart.OVER_LIMIT in allowed:
        ceiling += sum(line.overlmt for line in lines)
    borne = sum(
        line.total - (round_half_up(Fraction(line.inscp * fund_fen, inscp)) if inscp else 0)
        for line in lines
        if not line.account_payable
    )
    return max(ceiling - borne, 0)


# --------------------------------------------------------------------------------------------------------
# The wallet's rules
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WalletRules:
    """The wallet's rules in a region on a day."""

    enabled: bool
    per_day: int | None
    max_fen: int
    quiet_start: time
    quiet_end: time
    return_at: time
    prior_only: bool
    take_back_allowed: bool
    patient_chooses: bool
    before_relatives: bool
    close_relatives: frozenset[RelationType]
    payable_med_types: frozenset[MedType]
    payable_parts: frozenset[BillPart]
    own_first: bool

    @classmethod
    def read(cls, find: RuleFinder, region: str, on: date) -> WalletRules:
        per_day = find(params.WALLET_TRANSFERS_PER_DAY_COUNT, region, on)
        quiet = find(params.WALLET_QUIET_HOURS, region, on)
        return cls(
            enabled=bool(find(params.WALLET_ENABLED, region, on)),
            per_day=None if per_day == "unlimited" else int(per_day),
            max_fen=find(params.WALLET_TRANSFER_MAX_FEN, region, on),
            quiet_start=quiet.start,
            quiet_end=quiet.end,
            return_at=find(params.WALLET_AUTO_RETURN_AT, region, on),
            prior_only=find(params.SHAREABLE_PART, region, on) is ShareablePart.PRIOR_YEARS_ONLY,
            take_back_allowed=bool(find(params.WALLET_TAKE_BACK_ALLOWED, region, on)),
            patient_chooses=bool(find(params.WALLET_PATIENT_CHOOSES, region, on)),
            before_relatives=find(params.WALLET_PAYER_POSITION, region, on) is WalletPosition.BEFORE_RELATIVES,
            close_relatives=frozenset(find(params.ALLOWED_RELATIONS, NATIONAL, on)),
            payable_med_types=frozenset(find(params.ACCOUNT_PAYABLE_MED_TYPES, region, on)),
            payable_parts=frozenset(find(params.ACCOUNT_PAYABLE_BILL_PARTS, region, on)),
            own_first=bool(find(params.OWN_ACCOUNT_PAYS_FIRST, region, on)),
        )

    def quiet(self, at: datetime) -> bool:
        """In the daily window from ``quiet_start`` (included) to ``quiet_end`` (excluded), across midnight."""
        moment = at.time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= moment < self.quiet_end
        return moment >= self.quiet_start or moment < self.quiet_end


# --------------------------------------------------------------------------------------------------------
# Transfers
# --------------------------------------------------------------------------------------------------------


@dataclass
class TransferModel:
    """A transfer: what it reserved in the sender's account and from which part, where it stands, what is left."""

    #: The id the service gave it (a name, not a predicted value).
    id: int
    sender: str
    receiver: str
    sender_region: str
    amount: int
    from_prior: int
    from_current: int
    #: The year the 当年 money it reserved belongs to.
    current_year: int
    requested_at: datetime
    due_at: datetime
    status: str = "pending"
    remaining: int = 0
    accepted_at: datetime | None = None

    @property
    def reserved(self) -> int:
        """What it still holds reserved in the sender's account."""
        if self.status == "pending":
            return self.amount
        return self.remaining if self.status in ("accepted", "spent") else 0


class Parts(Protocol):
    """A sender's personal account as the model holds it: 历年, 当年 and the year the 当年 part belongs to."""

    prior_fen: int
    current_fen: int
    period_year: int


@dataclass
class WalletBook:
    """Every wallet opened and every transfer sent, in the model."""

    #: Open wallets: person → region.
    wallets: dict[str, str] = field(default_factory=dict)
    transfers: list[TransferModel] = field(default_factory=list)

    # --- sending --------------------------------------------------------------------------------------

    def refusals(
        self,
        rules: WalletRules,
        *,
        sender: str,
        receiver: str,
        relation: RelationType,
        sender_is_employee: bool,
        enabled: bool,
        verified: bool | None,
        amount: int,
        shareable: int,
        now: datetime,
    ) -> set[ErrorCode]:
        """Every rule a transfer breaks (empty: it goes through), under the sender's region's ``rules``.
        ``enabled``: both regions have the wallet switched on; ``verified``: ``None`` when no verification was
        given, else whether it passed."""
        codes: set[ErrorCode] = set()
        if sender == receiver:
            codes.add(ErrorCode.WALLET_SELF_TRANSFER)
        if relation not in rules.close_relatives:
            codes.add(ErrorCode.WALLET_RELATION_NOT_CLOSE)
        if not sender_is_employee:
            codes.add(ErrorCode.NOT_AN_EMPLOYEE)
        if sender not in self.wallets or receiver not in self.wallets:
            codes.add(ErrorCode.WALLET_NOT_OPEN)
        if not enabled:
            codes.add(ErrorCode.WALLET_NOT_ENABLED)
        if verified is None:
            codes.add(ErrorCode.WALLET_VERIFICATION_REQUIRED)
        elif not verified:
            codes.add(ErrorCode.WALLET_VERIFICATION_FAILED)
        if sender_is_employee and amount > shareable:
            codes.add(ErrorCode.WALLET_SHAREABLE_TOO_LOW)
        if rules.quiet(now):
            codes.add(ErrorCode.WALLET_QUIET_HOURS)
        if amount > rules.max_fen:
            codes.add(ErrorCode.WALLET_AMOUNT_OVER_LIMIT)
        if rules.per_day is not None and len(self.sent_on(sender, now.date())) >= rules.per_day:
            codes.add(ErrorCode.WALLET_DAILY_COUNT_REACHED)
        if self.pending_between(sender, receiver) is not None:
            codes.add(ErrorCode.WALLET_TRANSFER_PENDING)
        return codes

    @staticmethod
    def shareable(rules: WalletRules, parts: Parts, year: int) -> int:
        """What of the sender's account may be sent: 历年, and 当年 too unless only 历年 is shareable (当年 money of
        an earlier year counts as 历年)."""
        old_current = parts.period_year < year
        return parts.prior_fen + (parts.current_fen if old_current or not rules.prior_only else 0)

    def send(
        self, transfer_id: int, rules: WalletRules, sender: str, receiver: str, parts: Parts, amount: int, now: datetime
    ) -> TransferModel:
        """Reserve ``amount`` in the sender's account, 历年 first (a relative's account spends 历年 first)."""
        from_prior = min(parts.prior_fen, amount)
        from_current = amount - from_prior
        parts.prior_fen -= from_prior
        parts.current_fen -= from_current
        due = datetime.combine(now.date() + timedelta(days=1), rules.return_at, tzinfo=now.tzinfo)
        transfer = TransferModel(
            transfer_id,
            sender,
            receiver,
            self.wallets[sender],
            amount,
            from_prior,
            from_current,
            parts.period_year,
            now,
            due,
        )
        self.transfers.append(transfer)
        return transfer

    # --- deciding -------------------------------------------------------------------------------------

    @staticmethod
    def accept_refusals(transfer: TransferModel, by: str, now: datetime) -> set[ErrorCode]:
        codes = set()
        if by != transfer.receiver:
            codes.add(ErrorCode.WALLET_NOT_YOURS)
        if transfer.status != "pending":
            codes.add(ErrorCode.WALLET_TRANSFER_STATE_WRONG)
        elif now >= transfer.due_at:
            codes.add(ErrorCode.WALLET_TRANSFER_EXPIRED)
        return codes

    @staticmethod
    def decline_refusals(transfer: TransferModel, by: str) -> set[ErrorCode]:
        codes = set()
        if by != transfer.receiver:
            codes.add(ErrorCode.WALLET_NOT_YOURS)
        if transfer.status != "pending":
            codes.add(ErrorCode.WALLET_TRANSFER_STATE_WRONG)
        return codes

    @staticmethod
    def take_back_refusals(rules: WalletRules, transfer: TransferModel, by: str) -> set[ErrorCode]:
        codes = set()
        if by != transfer.sender:
            codes.add(ErrorCode.WALLET_NOT_YOURS)
        if not rules.take_back_allowed:
            codes.add(ErrorCode.WALLET_TAKE_BACK_NOT_ALLOWED)
        if transfer.status != "accepted":
            codes.add(ErrorCode.WALLET_TRANSFER_STATE_WRONG)
        return codes

    @staticmethod
    def accept(transfer: TransferModel, now: datetime) -> None:
        transfer.status, transfer.remaining, transfer.accepted_at = "accepted", transfer.amount, now

    @staticmethod
    def give_back(transfer: TransferModel, parts: Parts, status: str, year: int) -> int:
        """A pending transfer ends (declined, returned): what it reserved goes back to the part it came from — 当年
        money to 当年 while that year lasts, else to 历年."""
        assert transfer.status == "pending"
        to_current = transfer.from_current if transfer.current_year == year else 0
        parts.current_fen += to_current
        parts.prior_fen += transfer.amount - to_current
        transfer.status = status
        return transfer.amount

    def due(self, now: datetime) -> list[TransferModel]:
        """Pending transfers whose 06:00 has come."""
        return [t for t in self.transfers if t.status == "pending" and t.due_at <= now]

    # --- reading --------------------------------------------------------------------------------------

    def sent_on(self, sender: str, day: date) -> list[TransferModel]:
        return [t for t in self.transfers if t.sender == sender and t.requested_at.date() == day]

    def pending_between(self, sender: str, receiver: str) -> TransferModel | None:
        return next(
            (t for t in self.transfers if t.status == "pending" and (t.sender, t.receiver) == (sender, receiver)),
            None,
        )

    def grants(self, receiver: str) -> list[TransferModel]:
        """What the receiver's wallet may spend: accepted transfers with money left, oldest acceptance first."""
        spendable = [t for t in self.transfers if t.receiver == receiver and t.status == "accepted" and t.remaining]
        return sorted(spendable, key=lambda t: t.accepted_at or t.requested_at)

    def reserved(self, sender: str) -> int:
        return sum(t.reserved for t in self.transfers if t.sender == sender)

    def balance(self, receiver: str) -> int:
        return sum(t.remaining for t in self.transfers if t.receiver == receiver and t.status in ("accepted", "spent"))

    def pending_in(self, receiver: str) -> int:
        return sum(t.amount for t in self.transfers if t.receiver == receiver and t.status == "pending")

    def accepted_total(self, receiver: str) -> int:
        """Everything the receiver ever accepted."""
        return sum(t.amount for t in self.transfers if t.receiver == receiver and t.accepted_at is not None)

    def involved(self) -> set[str]:
        return {t.sender for t in self.transfers} | {t.receiver for t in self.transfers}

    def by_id(self, transfer_id: int) -> TransferModel:
        (found,) = [t for t in self.transfers if t.id == transfer_id]
        return found

    # --- spending -------------------------------------------------------------------------------------

    @staticmethod
    def spend(transfer: TransferModel, amount: int) -> None:
        assert transfer.status == "accepted"
        assert 0 < amount <= transfer.remaining
        transfer.remaining -= amount
        transfer.status = "accepted" if transfer.remaining else "spent"

    @staticmethod
    def unspend(transfer: TransferModel, amount: int) -> None:
        """A settlement that spent it is reversed: the amount is back in the wallet and the reservation."""
        assert transfer.status in ("accepted", "spent")
        transfer.remaining += amount
        transfer.status = "accepted"
