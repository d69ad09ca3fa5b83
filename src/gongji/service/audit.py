"""The auditor: checks every ledger invariant of ``DESIGN.md`` against what is stored.

* every account's stored balance equals the sum of its transfers (credits minus debits);
* every account's version equals the number of journals that touched it;
* every transfer's stored balances-after continue the account's running balance exactly;
* every ledger (pooling region and asset) sums to zero, and the inter-region transfer accounts net to zero;
* person-owned accounts are never negative, at rest or after any transfer;
* every transfer is positive and within one ledger; every journal has at least one transfer;
* the wallet's reservations and balances equal what its transfers have not spent;
* every reversal mirrors the journal it reverses exactly, a journal is reversed at most once, and no reversal
  is itself reversed.

It reads through the same unit of work as everything else and writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from gongji.domain.ledger import AccountKind, JournalKind, PostedTransfer
from gongji.domain.money import format_yuan
from gongji.domain.wallet import TransferStatus
from gongji.service.context import Context
from gongji.service.ports import AccountRow, UnitOfWork

__all__ = ["AuditFinding", "AuditReport", "audit"]


@dataclass(frozen=True)
class AuditFinding:
    """One broken invariant, precisely: which rule, which object, what was expected and what was found."""

    rule: str
    subject: str
    expected: str
    found: str


@dataclass(frozen=True)
class AuditReport:
    """The auditor's result: counts of what was checked and every finding."""

    accounts: int
    journals: int
    transfers: int
    findings: list[AuditFinding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """No invariant is broken."""
        return not self.findings


def audit(ctx: Context) -> AuditReport:
    """Check every invariant (see the module docstring) and report each violation."""
    return ctx.read(_audit)


def _audit(uow: UnitOfWork) -> AuditReport:
    findings: list[AuditFinding] = []

    def found(rule: str, subject: str, expected: object, actual: object) -> None:
        findings.append(AuditFinding(rule, subject, str(expected), str(actual)))

    accounts = {row.state.id: row for row in uow.ledger.all_accounts()}
    journals = {j.id: j for j in uow.ledger.all_journals()}
    reversed_by = {j.reverses_journal_id: j.id for j in journals.values() if j.reverses_journal_id is not None}
    keep = set(reversed_by) | set(reversed_by.values())

    running: dict[int, int] = defaultdict(int)
    journals_touching: dict[int, set[int]] = defaultdict(set)
    transfer_count: dict[int, int] = defaultdict(int)
    kept: dict[int, list[PostedTransfer]] = defaultdict(list)
    transfers = 0
    for row in uow.ledger.iter_transfers():
        transfers += 1
        posted = row.transfer
        transfer_count[row.journal_id] += 1
        if row.journal_id in keep:
            kept[row.journal_id].append(posted)
        subject = f"transfer {row.id} (journal {row.journal_id})"
        if posted.amount_fen <= 0:
            found("transfer amount is positive", subject, "> 0", posted.amount_fen)
        for side, account_id, delta, after in (
            ("debit", posted.debit_account_id, -posted.amount_fen, posted.debit_balance_after_fen),
            ("credit", posted.credit_account_id, posted.amount_fen, posted.credit_balance_after_fen),
        ):
            account = accounts.get(account_id)
            if account is None:
                found("transfer names an existing account", subject, "an account", f"no account {account_id}")
                continue
            if account.state.ledger != posted.ledger:
                found("transfer stays within one ledger", subject, posted.ledger, account.state.ledger)
            running[account_id] += delta
            journals_touching[account_id].add(row.journal_id)
            if after != running[account_id]:
                found(
                    "balance after each transfer continues the running balance",
                    f"{subject}, {side} account {account_id}",
                    running[account_id],
                    after,
                )
            if account.state.kind.person_owned and running[account_id] < 0:
                found(
                    "person-owned account never negative",
                    f"{subject}, account {account_id}",
                    ">= 0",
                    running[account_id],
                )

    ledger_sums: dict[str, int] = defaultdict(int)
    transfer_clearing_total = 0
    for account_id, account in accounts.items():
        subject = f"account {account_id} ({account.state.kind.value} {account.region})"
        balance = account.state.balance_fen
        ledger_sums[account.state.ledger] += balance
        if account.state.kind is AccountKind.REGION_TRANSFER:
            transfer_clearing_total += balance
        if balance != running.get(account_id, 0):
            found(
                "stored balance equals the sum of transfers",
                subject,
                format_yuan(running.get(account_id, 0)),
                format_yuan(balance),
            )
        if account.state.version != len(journals_touching.get(account_id, ())):
            found(
                "version counts the journals that touched the account",
                subject,
                len(journals_touching.get(account_id, ())),
                account.state.version,
            )
        if account.state.kind.person_owned and balance < 0:
            found("person-owned account never negative", subject, ">= 0", format_yuan(balance))
    for ledger, total in sorted(ledger_sums.items()):
        if total != 0:
            found("every ledger sums to zero", f"ledger {ledger}", format_yuan(0), format_yuan(total))
    if transfer_clearing_total != 0:
        found(
            "inter-region transfer accounts net to zero",
            "all region_transfer accounts",
            format_yuan(0),
            format_yuan(transfer_clearing_total),
        )

    for journal in journals.values():
        if transfer_count.get(journal.id, 0) == 0:
            found("journal has transfers", f"journal {journal.id}", ">= 1", 0)
        if journal.reverses_journal_id is None:
            continue
        subject = f"reversal {journal.id} of journal {journal.reverses_journal_id}"
        if journal.kind is not JournalKind.REVERSAL:
            found("only reversals reverse", subject, JournalKind.REVERSAL.value, journal.kind.value)
        original = journals.get(journal.reverses_journal_id)
        if original is not None and original.kind is JournalKind.REVERSAL:
            found("a reversal is never reversed", subject, "an original journal", "a reversal")
        expected = sorted(
            (t.credit_account_id, t.debit_account_id, t.amount_fen) for t in kept.get(journal.reverses_journal_id, [])
        )
        actual = sorted((t.debit_account_id, t.credit_account_id, t.amount_fen) for t in kept.get(journal.id, []))
        if expected != actual:
            found("a reversal mirrors its journal exactly", subject, expected, actual)

    _audit_wallets(uow, accounts.values(), found)
    return AuditReport(accounts=len(accounts), journals=len(journals), transfers=transfers, findings=findings)


def _audit_wallets(
    uow: UnitOfWork, accounts: Iterable[AccountRow], found: Callable[[str, str, object, object], None]
) -> None:
    """The wallet's bookkeeping agrees with its transfers: each sender's reservation holds exactly what his pending
    and accepted transfers have not spent (so it never exceeds the balance it reserves: it *is* that balance, and a
    person's account is never negative), and each wallet holds exactly what its accepted transfers have left."""
    reserved: dict[tuple[int, str], int] = defaultdict(int)
    held: dict[tuple[int, str], int] = defaultdict(int)
    for transfer in uow.wallets.reserving():  # a transfer across nodes: only its half here
        if transfer.sender_id is not None:
            reserved[(transfer.sender_id, transfer.sender_region)] += transfer.remaining_fen
        if transfer.status is TransferStatus.ACCEPTED and transfer.receiver_id is not None:
            held[(transfer.receiver_id, transfer.receiver_region)] += transfer.remaining_fen
    booked: dict[AccountKind, dict[tuple[int, str], int]] = {AccountKind.WALLET_RESERVED: {}, AccountKind.WALLET: {}}
    for row in accounts:
        if row.state.kind in booked and row.state.owner_person_id is not None:
            booked[row.state.kind][(row.state.owner_person_id, row.region)] = row.state.balance_fen
    checks = (
        ("wallet reservations equal the unspent transfers", AccountKind.WALLET_RESERVED, reserved),
        ("wallet balances equal the accepted, unspent transfers", AccountKind.WALLET, held),
    )
    for rule, kind, expected in checks:
        for key in sorted(set(expected) | set(booked[kind])):
            if booked[kind].get(key, 0) != expected.get(key, 0):
                subject = f"{kind.value} of person {key[0]} in {key[1]}"
                found(rule, subject, format_yuan(expected.get(key, 0)), format_yuan(booked[kind].get(key, 0)))
