"""对账 (statement reconciliation), the comparison: the figures a designated institution reports for a period (对总账
3201, 对明细账 3202) against gongji's own, as :mod:`gongji.service.reconciliation.statement` reads them.

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
from enum import StrEnum

from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.phrases import Phrase
from gongji.domain.reconciliation import NOT_CLEARED_WITH_INSTITUTION, StatementScope, clr_type_of
from gongji.domain.wording import Said, Term
from gongji.service.clock import SHANGHAI
from gongji.service.context import Context
from gongji.service.ports import UnitOfWork
from gongji.service.reconciliation.statement import (
    MAX_STATEMENT_LINES,
    ReconcileTotals,
    SettlementLineView,
    TotalsView,
    booked_within,
    institution_totals,
    lines_in,
    statement_scope,
    totals_in,
)

__all__ = [
    "MAX_EXPLAINED_UNKNOWN",
    "ClaimedLine",
    "ClaimedTotals",
    "DetailComparison",
    "Discrepancy",
    "LineComparison",
    "LineResult",
    "TotalsComparison",
    "compare_lines",
    "compare_totals",
    "reconcile_settlements",
    "reconcile_totals",
]

#: Lines only the institution lists are looked up to say why gongji has none in the period: at most this many.
MAX_EXPLAINED_UNKNOWN = 100


# --- the institution's figures and the comparison --------------------------------------------------------------


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
    if not booked_within(moment, scope):
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
        scope = statement_scope(uow, cmd)
        totals = compare_totals(totals_in(uow, cmd, scope), claimed)
        compared = compare_lines(lines_in(uow, cmd, scope), claimed_lines)
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
