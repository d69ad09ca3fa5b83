"""对账 (statement reconciliation), gongji's side: a designated institution's settlements in a period as gongji's
ledger has them — the totals (对总账 3201) and the lines (对明细账 3202) of its statement.

What counts in a period ``begin`` … ``end`` (both days included, Asia/Shanghai):

- a settlement counts on the day it was settled, with its amounts;
- a reversal (结算撤销 2208/2305, or 冲正 2601 of a settlement) counts on the day it was reversed, as a negative
  record of the same amounts: the national ledger records a 2208 as its own negative settlement. A settlement
  reversed in the period it was made in therefore nets out of the totals; one made in an earlier period and reversed
  in this one brings only its negative record into this period (and stays, positive, in its own);
- the count follows the same rule: settlements made in the period less reversals made in it (``setl_cnt``); the two
  parts are given too (``settled_cnt``, ``reversed_cnt``);
- only settlements cleared with the institution count: a manual reimbursement (手工报销) pays the person, not the
  institution, and is on no institution's statement;
- ``insutype`` keeps one insurance type; ``clr_type`` one clearing type (11 门诊, 21 住院, 41 药店购药, from the medical
  type: :func:`gongji.domain.reconciliation.clr_type_of`); ``setl_optins`` one clearing region (the ``clr_optins`` of
  the settlement answers).

A period is at most :data:`MAX_PERIOD_DAYS` days, and a statement at most :data:`MAX_STATEMENT_LINES` lines (a
settlement made and reversed in the period gives two); beyond either the request is refused
(``STATEMENT_PERIOD_INVALID``) and should be split into shorter periods.

The comparison with the figures the institution reports is :mod:`gongji.service.reconciliation.comparison`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from gongji.domain.errors import ErrorCode, InvalidInput, NotFound
from gongji.domain.phrases import Phrase
from gongji.domain.reconciliation import ClrType, SettlementSummary, StatementScope, clr_type_of
from gongji.domain.wording import Said, Term
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork

__all__ = [
    "MAX_PERIOD_DAYS",
    "MAX_STATEMENT_LINES",
    "ReconcileTotals",
    "SettlementLineView",
    "TotalsView",
    "booked_within",
    "institution_settlements",
    "institution_totals",
    "lines_in",
    "msgid_of",
    "statement_scope",
    "totals_in",
]

#: The longest period of one statement, in days (both ends included): a leap year.
MAX_PERIOD_DAYS = 366
#: The most lines one statement lists (and the most lines an institution may send to be compared).
MAX_STATEMENT_LINES = 10_000

_FSI_KEY_PREFIX = "fsi:"


# --- commands and views ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReconcileTotals:
    """Which statement: an institution's settlements from ``begin`` to ``end`` (both days included), optionally
    of one insurance type (``insutype``), one clearing type (``clr_type``: 11, 21 or 41) and one clearing region
    (``setl_optins``, 清算经办机构)."""

    fixmedins_code: str
    begin: date
    end: date
    insutype: str | None = None
    clr_type: str | None = None
    setl_optins: str | None = None


@dataclass(frozen=True)
class TotalsView:
    """对总账, gongji's side: the net count and sums (fen) of the institution's settlements in the period."""

    fixmedins_code: str
    begin: date
    end: date
    insutype: str | None
    clr_type: str | None
    setl_optins: str | None
    #: Settlements made in the period less reversals made in it.
    setl_cnt: int
    settled_cnt: int
    reversed_cnt: int
    medfee_sumamt_fen: int
    fund_pay_sumamt_fen: int
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int


@dataclass(frozen=True)
class SettlementLineView:
    """A line of the statement: a settlement made in the period, or (``reversal``) the negative record of one
    reversed in it, with its amounts negated. ``booked_at`` is when the line counts."""

    setl_id: str
    mdtrt_id: str | None
    psn_no: str
    #: The national message that made the settlement, when it came through the national interface (never known
    #: for a reversal line).
    msgid: str | None
    reversal: bool
    booked_at: datetime
    settled_at: datetime
    reversed_at: datetime | None
    status: str
    insutype: str
    med_type: str | None
    clr_type: str
    medfee_sumamt_fen: int
    fund_pay_sumamt_fen: int
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int


# --- message ids -----------------------------------------------------------------------------------------------


def msgid_of(request_key: str | None) -> str | None:
    """The national ``msgid`` in an idempotency key of the national interface (``fsi:<fixmedins_code>:<msgid>``);
    ``None`` for any other key (the portal's, the REST API's, the demo's)."""
    if request_key is None or not request_key.startswith(_FSI_KEY_PREFIX):
        return None
    parts = request_key.split(":", 2)
    return parts[2] if len(parts) == 3 and parts[2] else None


# --- use cases -------------------------------------------------------------------------------------------------


def _period_refused(cmd: ReconcileTotals, reason: Term) -> InvalidInput:
    return InvalidInput(
        ErrorCode.STATEMENT_PERIOD_INVALID, begin=cmd.begin.isoformat(), end=cmd.end.isoformat(), reason=reason
    )


def _checked_clr_type(value: str | None) -> ClrType | None:
    if value is None or not value.strip():
        return None
    try:
        return ClrType(value.strip())
    except ValueError:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="clr_type",
            reason=Said(Phrase.CLR_TYPE_UNSUPPORTED, {"value": value.strip()}),
        ) from None


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def statement_scope(uow: UnitOfWork, cmd: ReconcileTotals) -> StatementScope:
    """The statement's scope, the command checked: a real period of at most a year, a known clearing type, and an
    institution gongji knows."""
    if cmd.begin > cmd.end:
        raise _period_refused(cmd, Phrase.STATEMENT_BEGINS_AFTER_END)
    days = (cmd.end - cmd.begin).days + 1
    if days > MAX_PERIOD_DAYS:
        raise _period_refused(cmd, Said(Phrase.STATEMENT_PERIOD_TOO_LONG, {"days": days, "max": MAX_PERIOD_DAYS}))
    clr_type = _checked_clr_type(cmd.clr_type)
    code = cmd.fixmedins_code.strip().upper()
    institution = uow.institutions.find_by_code(code)
    if institution is None:
        raise NotFound(ErrorCode.INSTITUTION_NOT_FOUND, fixmedins_code=code)
    return StatementScope(
        institution_id=institution.id,
        start=datetime.combine(cmd.begin, time(0), tzinfo=SHANGHAI),
        end=datetime.combine(cmd.end + timedelta(days=1), time(0), tzinfo=SHANGHAI),
        insutype=_blank_to_none(cmd.insutype),
        clr_type=clr_type,
        region=_blank_to_none(cmd.setl_optins),
    )


def totals_in(uow: UnitOfWork, cmd: ReconcileTotals, scope: StatementScope) -> TotalsView:
    """The statement's totals in ``scope`` (:func:`statement_scope`), read in the caller's unit of work."""
    found = uow.settlements.statement_totals(scope)
    return TotalsView(
        fixmedins_code=cmd.fixmedins_code.strip().upper(),
        begin=cmd.begin,
        end=cmd.end,
        insutype=scope.insutype,
        clr_type=scope.clr_type.value if scope.clr_type else None,
        setl_optins=scope.region,
        setl_cnt=found.settled_cnt - found.reversed_cnt,
        settled_cnt=found.settled_cnt,
        reversed_cnt=found.reversed_cnt,
        medfee_sumamt_fen=found.medfee_sumamt_fen,
        fund_pay_sumamt_fen=found.fund_pay_sumamt_fen,
        acct_pay_fen=found.acct_pay_fen,
        acct_mulaid_pay_fen=found.acct_mulaid_pay_fen,
        psn_cash_pay_fen=found.psn_cash_pay_fen,
    )


def booked_within(moment: datetime | None, scope: StatementScope) -> bool:
    """Whether ``moment`` (a settlement's or a reversal's) falls in the statement's period."""
    return moment is not None and scope.start <= moment < scope.end


def _line(summary: SettlementSummary, reversal: bool) -> SettlementLineView:
    sign = -1 if reversal else 1
    booked_at = summary.reversed_at if reversal and summary.reversed_at else summary.settled_at
    return SettlementLineView(
        setl_id=summary.setl_id,
        mdtrt_id=summary.mdtrt_id,
        psn_no=summary.psn_no,
        msgid=None if reversal else msgid_of(summary.request_key),
        reversal=reversal,
        booked_at=booked_at,
        settled_at=summary.settled_at,
        reversed_at=summary.reversed_at,
        status=summary.status,
        insutype=summary.insutype,
        med_type=summary.med_type,
        clr_type=clr_type_of(summary.med_type).value,
        medfee_sumamt_fen=sign * summary.medfee_sumamt_fen,
        fund_pay_sumamt_fen=sign * summary.fund_pay_sumamt_fen,
        acct_pay_fen=sign * summary.acct_pay_fen,
        acct_mulaid_pay_fen=sign * summary.acct_mulaid_pay_fen,
        psn_cash_pay_fen=sign * summary.psn_cash_pay_fen,
    )


def _too_many(cmd: ReconcileTotals) -> InvalidInput:
    return _period_refused(cmd, Said(Phrase.STATEMENT_TOO_MANY_SETTLEMENTS, {"max": MAX_STATEMENT_LINES}))


def lines_in(uow: UnitOfWork, cmd: ReconcileTotals, scope: StatementScope) -> list[SettlementLineView]:
    """The statement's lines in ``scope`` (a settlement and its reversal each a line of the period it falls in),
    read in the caller's unit of work; refused beyond :data:`MAX_STATEMENT_LINES`."""
    summaries = uow.settlements.statement_settlements(scope, limit=MAX_STATEMENT_LINES + 1)
    if len(summaries) > MAX_STATEMENT_LINES:
        raise _too_many(cmd)
    lines = []
    for summary in summaries:
        if booked_within(summary.settled_at, scope):
            lines.append(_line(summary, reversal=False))
        if booked_within(summary.reversed_at, scope):
            lines.append(_line(summary, reversal=True))
    if len(lines) > MAX_STATEMENT_LINES:
        raise _too_many(cmd)
    lines.sort(key=lambda line: (line.booked_at, line.reversal, line.setl_id))
    return lines


def institution_totals(ctx: Context, cmd: ReconcileTotals) -> TotalsView:
    """对总账, gongji's side: the institution's settlements in the period, counted and summed net of the reversals
    made in it (see the module's note). Reads only."""
    return ctx.read(lambda uow: totals_in(uow, cmd, statement_scope(uow, cmd)))


def institution_settlements(ctx: Context, cmd: ReconcileTotals) -> list[SettlementLineView]:
    """对明细账, gongji's side: one line per settlement made in the period and one negative line per reversal made
    in it, in the order they were booked. Reads only."""
    return ctx.read(lambda uow: lines_in(uow, cmd, statement_scope(uow, cmd)))
