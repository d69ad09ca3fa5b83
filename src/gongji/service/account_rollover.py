"""The year rollover of personal accounts (个人账户).

The current-year part (当年账户) belongs to one year; on 1 January its balance moves to the prior-years part
(历年账户). That move happens in the batch ``rollover`` and, so that no credit of a new year lands in last
year's part, also just before any credit booked in a later year than the part belongs to.
"""

from __future__ import annotations

from datetime import date, datetime

from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.ledger import AccountKind, JournalEntry, JournalKind, TransferSpec
from gongji.service.context import Context
from gongji.service.ports import AccountRow, UnitOfWork
from gongji.service.views import RolloverResult

__all__ = ["ROLLOVER_BATCH", "roll_over_account", "rollover"]

#: Accounts rolled over per transaction in the batch rollover.
ROLLOVER_BATCH = 500


def roll_over_account(uow: UnitOfWork, current: AccountRow, year: int, now: datetime) -> int:
    """Move the current-year part's balance to the prior-years part and mark it as belonging to ``year``.

    Returns the amount moved. Does nothing if the part already belongs to ``year``.
    """
    if current.period_year is not None and current.period_year >= year:
        return 0
    owner = current.state.owner_person_id
    assert owner is not None
    prior = uow.ledger.open_account(AccountKind.PERSONAL_PRIOR, current.region, owner, now)
    locked = uow.ledger.lock([current.state.id, prior.id])
    # Read the year again under the lock: a concurrent credit may have rolled this account over (and
    # credited the new year) since ``current`` was read; moving that money would put new-year money in 历年.
    (fresh,) = uow.ledger.accounts_by_id([current.state.id])
    if fresh.period_year is not None and fresh.period_year >= year:
        return 0
    amount = locked[current.state.id].balance_fen
    if amount > 0:
        transfer = TransferSpec(current.state.id, prior.id, amount)
        reference = f"{year} {JournalKind.ROLLOVER.zh}"
        uow.ledger.post(JournalEntry(JournalKind.ROLLOVER, now, [transfer], reference=reference, person_id=owner))
    uow.ledger.set_period_year(current.state.id, year)
    return amount


def rollover(ctx: Context, year: int) -> RolloverResult:
    """Year rollover into ``year``: every current-year part that belongs to an earlier year moves its balance
    to the prior-years part, one journal per account, in batches of :data:`ROLLOVER_BATCH` accounts per
    transaction. Running it again finds nothing left to do."""
    today = ctx.clock.today()
    if today < date(year, 1, 1) or year < 2000:
        raise Refused(ErrorCode.ROLLOVER_YEAR_INVALID, year=year, today=today.isoformat())
    examined = written = moved = 0
    after_id = 0
    while True:

        def batch(uow: UnitOfWork, after: int = after_id) -> tuple[int, int, int, int]:
            rows = uow.ledger.current_parts_before(year, after_id=after, limit=ROLLOVER_BATCH)
            journals = amount = 0
            for row in rows:
                moved_fen = roll_over_account(uow, row, year, ctx.clock.now())
                journals += moved_fen > 0
                amount += moved_fen
            uow.commit()
            return len(rows), journals, amount, rows[-1].state.id if rows else after

        count, journals, amount, after_id = ctx.transaction(batch)
        examined += count
        written += journals
        moved += amount
        if count < ROLLOVER_BATCH:
            return RolloverResult(
                year=year, accounts_examined=examined, journals_written=written, amount_moved_fen=moved
            )
