"""清算申请 (3203) and its cancellation (3204): an institution applies for the clearing of a period.

The application declares the count and sums of the institution's settlements of one clearing type (``clr_type``)
in a period; gongji checks each figure of :data:`gongji.domain.clearing.CHECKED_FIGURES` against the totals of
:mod:`gongji.service.reconciliation` (the same totals 3201 对总账 compares, read in the application's own
transaction) and refuses an application whose figures differ, naming the first that does
(``CLEARING_FIGURE_DIFFERS``). One application stands per institution, clearing type and period: another is refused
(``CLEARING_ALREADY_APPLIED``) until the first is cancelled. Both writes are idempotent by their message.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import date, datetime

from gongji.domain.clearing import CHECKED_FIGURES, FIGURE_NAMES
from gongji.domain.errors import ErrorCode, NotFound, Refused
from gongji.domain.money import format_yuan
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.fsi_ports import StoredClearing
from gongji.service.institutions import resolve_institution
from gongji.service.ports import UnitOfWork
from gongji.service.reconciliation.statement import ReconcileTotals, TotalsView, statement_scope, totals_in

__all__ = ["ApplyClearing", "CancelClearing", "ClearingView", "apply_clearing", "cancel_clearing"]


@dataclass(frozen=True)
class ApplyClearing:
    """3203: the figures an institution declares for a period (amounts in fen)."""

    institution: str
    clr_type: str
    clr_way: str | None
    setlym: str
    begin: date
    end: date
    psntime: int
    medfee_sumamt_fen: int
    med_sumfee_fen: int
    fund_appy_sum_fen: int
    cash_payamt_fen: int
    acct_pay_fen: int
    clr_optins: str | None = None


@dataclass(frozen=True)
class CancelClearing:
    """3204: which application to cancel, for which institution."""

    institution: str
    clr_appy_evt_id: str


@dataclass(frozen=True)
class ClearingView:
    """An application as recorded: its event id (``clr_appy_evt_id``), period and status."""

    clr_appy_evt_id: str
    clr_type: str
    begndate: str
    enddate: str
    status: str
    applied_at: datetime
    cancelled_at: datetime | None


def _view(row: StoredClearing) -> ClearingView:
    return ClearingView(
        row.clr_appy_evt_id, row.clr_type, row.begndate, row.enddate, row.status, row.applied_at, row.cancelled_at
    )


def _event_id(at: datetime) -> str:
    """A new ``clr_appy_evt_id``: ``C`` + ``yyyyMMddHHmmss`` + 8 random digits."""
    return f"C{at.astimezone(SHANGHAI):%Y%m%d%H%M%S}{secrets.randbelow(10**8):08d}"


def _shown(value: int, count: bool) -> str:
    return str(value) if count else format_yuan(value, grouping=False)


def _check_figures(cmd: ApplyClearing, totals: TotalsView) -> None:
    declared = {
        "psntime": cmd.psntime,
        "medfee_sumamt": cmd.medfee_sumamt_fen,
        "fund_appy_sum": cmd.fund_appy_sum_fen,
        "acct_pay": cmd.acct_pay_fen,
        "cash_payamt": cmd.cash_payamt_fen,
    }
    for field, total, count in CHECKED_FIGURES:
        ours = int(getattr(totals, total))
        if declared[field] != ours:
            raise Refused(
                ErrorCode.CLEARING_FIGURE_DIFFERS,
                figure=FIGURE_NAMES[field],
                field=field,
                theirs=_shown(declared[field], count),
                ours=_shown(ours, count),
                begin=cmd.begin.isoformat(),
                end=cmd.end.isoformat(),
            )


def apply_clearing(ctx: Context, cmd: ApplyClearing, *, key: str) -> ClearingView:
    """3203 清算申请: check the declared figures against the period's settlements and record the application."""
    statement = ReconcileTotals(cmd.institution, cmd.begin, cmd.end, clr_type=cmd.clr_type)

    def handler(uow: UnitOfWork) -> ClearingView:
        institution = resolve_institution(uow, cmd.institution)
        scope = statement_scope(uow, statement)
        live_key = f"{institution.id}:{scope.clr_type}:{cmd.begin.isoformat()}:{cmd.end.isoformat()}"
        standing = uow.fsi_files.live_clearing(live_key)
        if standing is not None:
            raise Refused(
                ErrorCode.CLEARING_ALREADY_APPLIED,
                begin=cmd.begin.isoformat(),
                end=cmd.end.isoformat(),
                clr_type=standing.clr_type,
                clr_appy_evt_id=standing.clr_appy_evt_id,
            )
        _check_figures(cmd, totals_in(uow, statement, scope))
        now = ctx.clock.now()
        row = StoredClearing(
            id=0,
            clr_appy_evt_id=_event_id(now),
            institution_id=institution.id,
            live_key=live_key,
            clr_type=str(scope.clr_type),
            clr_way=cmd.clr_way,
            clr_optins=cmd.clr_optins,
            setlym=cmd.setlym,
            begndate=cmd.begin.isoformat(),
            enddate=cmd.end.isoformat(),
            psntime=cmd.psntime,
            medfee_sumamt_fen=cmd.medfee_sumamt_fen,
            med_sumfee_fen=cmd.med_sumfee_fen,
            fund_appy_sum_fen=cmd.fund_appy_sum_fen,
            cash_payamt_fen=cmd.cash_payamt_fen,
            acct_pay_fen=cmd.acct_pay_fen,
            status="applied",
            applied_at=now,
        )
        return _view(uow.fsi_files.add_clearing(row))

    return ctx.write(
        key=key, operation="fsi.clearing.apply", request=asdict(cmd), result_type=ClearingView, handler=handler
    )


def cancel_clearing(ctx: Context, cmd: CancelClearing, *, key: str) -> ClearingView:
    """3204 清算撤销: cancel the institution's own standing application."""
    number = cmd.clr_appy_evt_id.strip()

    def handler(uow: UnitOfWork) -> ClearingView:
        institution = resolve_institution(uow, cmd.institution)
        found = uow.fsi_files.clearing(number, lock=True)
        if found is None or found.institution_id != institution.id:
            raise NotFound(ErrorCode.CLEARING_NOT_FOUND, clr_appy_evt_id=number)
        if found.cancelled_at is not None:
            at = f"{found.cancelled_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S}"
            raise Refused(ErrorCode.CLEARING_ALREADY_CANCELLED, clr_appy_evt_id=number, at=at)
        now = ctx.clock.now()
        uow.fsi_files.cancel_clearing(found.id, now)
        return ClearingView(
            found.clr_appy_evt_id, found.clr_type, found.begndate, found.enddate, "cancelled", found.applied_at, now
        )

    return ctx.write(
        key=key, operation="fsi.clearing.cancel", request=asdict(cmd), result_type=ClearingView, handler=handler
    )
