"""对账 (statement reconciliation): a designated institution's settlements in a period, as gongji's ledger has them,
and the comparison with the figures the institution reports (对总账 3201, 对明细账 3202).

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

Comparison: the totals agree when the count and the three sums the institution reports (医疗费总额, 基金支付总额,
个人账户支付总额) all equal gongji's. Lines are matched by 结算ID and by whether the line is the reversal
(``refd_setl_flag``); a matched line agrees when its three amounts agree, and its message id too when both sides
know it (gongji knows the ``msgid`` of a settlement made through the national interface, not of a reversal).

The comparison is data: which figures differ with both values (:class:`Discrepancy`, its name a term), how each
line compares (:class:`LineResult`), and why gongji has no line the institution lists (a term). The result texts
(``stmt_rslt_dscr``) are worded where they are answered, by :mod:`gongji.api.fsi.reconciliation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from gongji.domain.errors import ErrorCode, InvalidInput, NotFound
from gongji.domain.phrases import Phrase
from gongji.domain.reconciliation import (
    NOT_CLEARED_WITH_INSTITUTION,
    ClrType,
    SettlementSummary,
    StatementScope,
    clr_type_of,
)
from gongji.domain.wording import Said, Term
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork

__all__ = [
    "MAX_EXPLAINED_UNKNOWN",
    "MAX_PERIOD_DAYS",
    "MAX_STATEMENT_LINES",
    "ClaimedLine",
    "ClaimedTotals",
    "DetailComparison",
    "Discrepancy",
    "LineComparison",
    "LineResult",
    "ReconcileTotals",
    "SettlementLineView",
    "TotalsComparison",
    "TotalsView",
    "compare_lines",
    "compare_totals",
    "institution_settlements",
    "institution_totals",
    "msgid_of",
    "reconcile_settlements",
    "reconcile_totals",
]

#: The longest period of one statement, in days (both ends included): a leap year.
MAX_PERIOD_DAYS = 366
#: The most lines one statement lists (and the most lines an institution may send to be compared).
MAX_STATEMENT_LINES = 10_000
#: Lines only the institution lists are looked up to say why gongji has none in the period: at most this many.
MAX_EXPLAINED_UNKNOWN = 100

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


@dataclass(frozen=True)
class ClaimedTotals:
    """对总账, the institution's side: the count and sums (fen) it reports for the same period."""

    setl_cnt: int
    medfee_sumamt_fen: int
    fund_pay_sumamt_fen: int
    acct_pay_fen: int


@dataclass(frozen=True)
class ClaimedLine:
    """对明细账, the institution's side: one settlement (or, ``reversal``, one reversal) as it lists it (fen)."""

    setl_id: str
    reversal: bool
    medfee_sumamt_fen: int
    fund_pay_sumamt_fen: int
    acct_pay_fen: int
    msgid: str | None = None
    psn_no: str | None = None
    mdtrt_id: str | None = None


@dataclass(frozen=True)
class Discrepancy:
    """One figure the institution and gongji give differently: its national field, its name (a term), both values.

    ``unit`` is ``"fen"`` (money, shown in yuan), ``"count"`` or ``"text"``; a value is ``None`` where a side has none.
    """

    field: str
    name: Phrase
    unit: str
    institution: int | str | None
    gongji: int | str | None


@dataclass(frozen=True)
class TotalsComparison:
    """对总账: gongji's totals and every figure on which the institution's differ (none: 平, balanced)."""

    totals: TotalsView
    discrepancies: list[Discrepancy]

    @property
    def balanced(self) -> bool:
        """平 (``stmt_rslt`` 0) when no figure differs; else 不平 (1)."""
        return not self.discrepancies


class LineResult(StrEnum):
    """How a line of the statement compares."""

    #: Both list it with the same amounts (``stmt_rslt`` 0).
    MATCHED = "matched"
    #: Both list it; some amount (or the message id) differs.
    DIFFERS = "differs"
    #: gongji has it in the period; the institution did not list it.
    NOT_LISTED = "not_listed"
    #: The institution listed it; gongji has no such line in the period (and filters).
    UNKNOWN = "unknown"
    #: The institution listed the same line more than once (the first is compared, the others reported).
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class LineComparison:
    """One line of 对明细账: gongji's line and the institution's, whichever exist, and how they compare."""

    result: LineResult
    line: SettlementLineView | None
    claimed: ClaimedLine | None
    discrepancies: list[Discrepancy]
    #: Why gongji has no such line, when it can tell (a settlement of another day, or outside the filters): a term.
    note: Term | None = None

    @property
    def balanced(self) -> bool:
        """``stmt_rslt`` 0 only when both sides list the line with the same figures."""
        return self.result is LineResult.MATCHED

    @property
    def setl_id(self) -> str:
        """The settlement's 结算ID."""
        if self.line is not None:
            return self.line.setl_id
        assert self.claimed is not None
        return self.claimed.setl_id

    @property
    def reversal(self) -> bool:
        """Whether the line is a reversal's negative record."""
        if self.line is not None:
            return self.line.reversal
        assert self.claimed is not None
        return self.claimed.reversal


@dataclass(frozen=True)
class DetailComparison:
    """对明细账: the totals compared, and every line of either side compared (gongji's lines first, in the order
    they were booked, then the lines only the institution listed, in its order)."""

    totals: TotalsComparison
    lines: list[LineComparison]

    @property
    def balanced(self) -> bool:
        """平 when the totals agree and every line matches."""
        return self.totals.balanced and all(line.balanced for line in self.lines)

    def counts(self) -> dict[LineResult, int]:
        """How many lines compare each way (every result, zero where none)."""
        counts = dict.fromkeys(LineResult, 0)
        for line in self.lines:
            counts[line.result] += 1
        return counts


# --- pure comparison -------------------------------------------------------------------------------------------


def msgid_of(request_key: str | None) -> str | None:
    """The national ``msgid`` in an idempotency key of the national interface (``fsi:<fixmedins_code>:<msgid>``);
    ``None`` for any other key (the portal's, the REST API's, the demo's)."""
    if request_key is None or not request_key.startswith(_FSI_KEY_PREFIX):
        return None
    parts = request_key.split(":", 2)
    return parts[2] if len(parts) == 3 and parts[2] else None


def _money(field: str, name: Phrase, theirs: int, ours: int) -> list[Discrepancy]:
    return [] if theirs == ours else [Discrepancy(field, name, "fen", theirs, ours)]


def compare_totals(totals: TotalsView, claimed: ClaimedTotals) -> TotalsComparison:
    """对总账: each of the four figures the institution reports against gongji's."""
    found: list[Discrepancy] = []
    if claimed.setl_cnt != totals.setl_cnt:
        found.append(
            Discrepancy("fixmedins_setl_cnt", Phrase.FIGURE_SETL_CNT, "count", claimed.setl_cnt, totals.setl_cnt)
        )
    found += _money("medfee_sumamt", Phrase.FIGURE_MEDFEE_SUMAMT, claimed.medfee_sumamt_fen, totals.medfee_sumamt_fen)
    found += _money(
        "fund_pay_sumamt", Phrase.FIGURE_FUND_PAY_SUMAMT, claimed.fund_pay_sumamt_fen, totals.fund_pay_sumamt_fen
    )
    found += _money("acct_pay", Phrase.FIGURE_ACCT_PAY_SUMAMT, claimed.acct_pay_fen, totals.acct_pay_fen)
    return TotalsComparison(totals, found)


def _line_discrepancies(line: SettlementLineView, claimed: ClaimedLine) -> list[Discrepancy]:
    found = _money("medfee_sumamt", Phrase.FIGURE_MEDFEE_SUMAMT, claimed.medfee_sumamt_fen, line.medfee_sumamt_fen)
    found += _money(
        "fund_pay_sumamt", Phrase.FIGURE_FUND_PAY_SUMAMT, claimed.fund_pay_sumamt_fen, line.fund_pay_sumamt_fen
    )
    found += _money("acct_pay", Phrase.FIGURE_ACCT_PAY, claimed.acct_pay_fen, line.acct_pay_fen)
    if claimed.msgid and line.msgid and claimed.msgid != line.msgid:
        found.append(Discrepancy("msgid", Phrase.FIGURE_MSGID, "text", claimed.msgid, line.msgid))
    return found


def compare_lines(lines: Sequence[SettlementLineView], claimed: Sequence[ClaimedLine]) -> list[LineComparison]:
    """对明细账: the institution's lines matched to gongji's by (结算ID, reversal), each pair compared.

    gongji's lines come first, in their order, each matched, differing, or not listed by the institution; then the
    institution's lines gongji does not have, and its repeated lines, in the order it sent them.
    """
    ours = {(line.setl_id, line.reversal): line for line in lines}
    theirs: dict[tuple[str, bool], ClaimedLine] = {}
    extra: list[LineComparison] = []
    for row in claimed:
        key = (row.setl_id, row.reversal)
        if key in theirs:
            extra.append(LineComparison(LineResult.DUPLICATE, ours.get(key), row, []))
        else:
            theirs[key] = row
            if key not in ours:
                extra.append(LineComparison(LineResult.UNKNOWN, None, row, []))
    compared = []
    for line in lines:
        listed = theirs.get((line.setl_id, line.reversal))
        if listed is None:
            compared.append(LineComparison(LineResult.NOT_LISTED, line, None, []))
            continue
        found = _line_discrepancies(line, listed)
        compared.append(LineComparison(LineResult.DIFFERS if found else LineResult.MATCHED, line, listed, found))
    return compared + extra


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


def _scope(uow: UnitOfWork, cmd: ReconcileTotals) -> StatementScope:
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


def _totals(uow: UnitOfWork, cmd: ReconcileTotals, scope: StatementScope) -> TotalsView:
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


def _within(moment: datetime | None, scope: StatementScope) -> bool:
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


def _lines(uow: UnitOfWork, cmd: ReconcileTotals, scope: StatementScope) -> list[SettlementLineView]:
    summaries = uow.settlements.statement_settlements(scope, limit=MAX_STATEMENT_LINES + 1)
    if len(summaries) > MAX_STATEMENT_LINES:
        raise _too_many(cmd)
    lines = []
    for summary in summaries:
        if _within(summary.settled_at, scope):
            lines.append(_line(summary, reversal=False))
        if _within(summary.reversed_at, scope):
            lines.append(_line(summary, reversal=True))
    if len(lines) > MAX_STATEMENT_LINES:
        raise _too_many(cmd)
    lines.sort(key=lambda line: (line.booked_at, line.reversal, line.setl_id))
    return lines


def institution_totals(ctx: Context, cmd: ReconcileTotals) -> TotalsView:
    """对总账, gongji's side: the institution's settlements in the period, counted and summed net of the reversals
    made in it (see the module's note). Reads only."""
    return ctx.read(lambda uow: _totals(uow, cmd, _scope(uow, cmd)))


def institution_settlements(ctx: Context, cmd: ReconcileTotals) -> list[SettlementLineView]:
    """对明细账, gongji's side: one line per settlement made in the period and one negative line per reversal made
    in it, in the order they were booked. Reads only."""
    return ctx.read(lambda uow: _lines(uow, cmd, _scope(uow, cmd)))


def reconcile_totals(ctx: Context, cmd: ReconcileTotals, claimed: ClaimedTotals) -> TotalsComparison:
    """对总账: the institution's totals for the period compared with gongji's. Reads only."""
    return compare_totals(institution_totals(ctx, cmd), claimed)


def _unknown_note(uow: UnitOfWork, scope: StatementScope, row: ClaimedLine) -> Term | None:
    """Why gongji has no line for a settlement the institution lists, when the settlement is the institution's own
    (another institution's settlements are never described)."""
    record = uow.settlements.find(row.setl_id)
    if record is None or record.institution_id != scope.institution_id or record.kind in NOT_CLEARED_WITH_INSTITUTION:
        return None
    if row.reversal and record.reversed_at is None:
        return Phrase.LINE_NOT_REVERSED
    moment = record.reversed_at if row.reversal and record.reversed_at else record.settled_at
    if not _within(moment, scope):
        return Said(Phrase.LINE_BOOKED_OUTSIDE_PERIOD, {"at": f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"})
    return Said(
        Phrase.LINE_OUTSIDE_FILTERS,
        {"insutype": record.insutype, "clr_type": clr_type_of(record.med_type).value, "region": record.region},
    )


def reconcile_settlements(
    ctx: Context, cmd: ReconcileTotals, claimed: ClaimedTotals, claimed_lines: Sequence[ClaimedLine]
) -> DetailComparison:
    """对明细账: the institution's totals and lines for the period compared with gongji's, in one read.

    Lines only the institution lists are looked up (at most :data:`MAX_EXPLAINED_UNKNOWN`) to say why gongji has
    none in the period: a settlement of another day, a reversal that did not happen, or one outside the filters.
    """
    if len(claimed_lines) > MAX_STATEMENT_LINES:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="detail",
            reason=Said(Phrase.STATEMENT_TOO_MANY_LINES, {"max": MAX_STATEMENT_LINES}),
        )

    def handler(uow: UnitOfWork) -> DetailComparison:
        scope = _scope(uow, cmd)
        totals = compare_totals(_totals(uow, cmd, scope), claimed)
        compared = compare_lines(_lines(uow, cmd, scope), claimed_lines)
        explained = 0
        for index, line in enumerate(compared):
            if line.result is not LineResult.UNKNOWN or line.claimed is None:
                continue
            if explained == MAX_EXPLAINED_UNKNOWN:
                break
            explained += 1
            note = _unknown_note(uow, scope, line.claimed)
            if note is not None:
                compared[index] = replace(line, note=note)
        return DetailComparison(totals, compared)

    return ctx.read(handler)
