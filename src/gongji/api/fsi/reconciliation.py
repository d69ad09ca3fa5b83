"""3201 医药机构费用结算对总账 and 3202 医药机构费用结算对明细账: an institution compares its figures with gongji's.

3201 reads ``data{insutype, clr_type, setl_optins, stmt_begndate, stmt_enddate, medfee_sumamt, fund_pay_sumamt,
acct_pay, fixmedins_setl_cnt}`` and answers ``stmtinfo{setl_optins, stmt_rslt, stmt_rslt_dscr}``: ``stmt_rslt`` "0"
(平) when the count and the three sums equal gongji's, "1" (不平) otherwise, and ``stmt_rslt_dscr`` names every
figure that differs with both values, in Chinese.

3202 reads the same, and the institution's own lines as ``input.detail`` (or ``input.data.detail``): rows
``{setl_id, msgid, medfee_sumamt, fund_pay_sumamt, acct_pay}``, optionally with ``refd_setl_flag`` (1: the line is a
reversal's negative record; without the flag, a negative ``medfee_sumamt`` says so), ``psn_no`` and ``mdtrt_id``.
It answers ``stmtinfo`` (平 only when the totals agree and every line matches) and ``detail[]``, one row per line
of gongji's statement — ``stmt_rslt`` "0" when the institution lists it with the same amounts, "1" when they differ
or the institution does not list it — then one row per line only the institution lists (or lists twice), "1".

What counts in the period (a reversal as a negative record on the day it was made, net counts, clearing types) is
:mod:`gongji.service.reconciliation`'s to say; it answers the comparison as data, and this module words it
(:func:`describe_totals`, :func:`describe_line`, :func:`describe_detail`, in either language, from the phrases of
:mod:`gongji.domain.phrases`). Both transactions only read: nothing is written, so they need no
idempotency; a replayed message reads again.

Registration: this module builds on :class:`~gongji.api.fsi.transactions.Call` and
:class:`~gongji.api.fsi.transactions.Transaction` and adds :data:`RECONCILIATION` to ``TRANSACTIONS`` itself, as
its last statement; ``transactions`` imports it on its own last line. Either module may then be imported first: a
module imported back while it is still running is found half-built, and only the registration, which runs after
everything both modules define, needs the other whole.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gongji.api.fsi import fields as f
from gongji.api.fsi.reply import yuan
from gongji.api.fsi.transactions import TRANSACTIONS, Call, Transaction
from gongji.domain.money import format_yuan
from gongji.domain.phrases import Phrase
from gongji.domain.wording import Lang, Said, Term, localise
from gongji.service.reconciliation.comparison import (
    ClaimedLine,
    ClaimedTotals,
    DetailComparison,
    Discrepancy,
    LineComparison,
    LineResult,
    TotalsComparison,
    reconcile_settlements,
    reconcile_totals,
)
from gongji.service.reconciliation.statement import MAX_STATEMENT_LINES, ReconcileTotals

__all__ = ["RECONCILIATION", "describe_detail", "describe_line", "describe_totals"]

_COUNT = re.compile(r"^-?[0-9]{1,9}$")


def _count(node: Mapping[str, Any], name: str, *, path: str) -> int:
    """A whole count (``fixmedins_setl_cnt``) as a number or text; negative when reversals outnumber settlements."""
    value = f.code(node, name, path=path)
    if not _COUNT.match(value):
        raise f.refusal(
            f.field_name(name, path),
            f"应为整数笔数，收到“{f.shown(value)}”",
            f"must be a whole count; got '{f.shown(value)}'",
        )
    return int(value)


def _statement(call: Call, node: Mapping[str, Any]) -> ReconcileTotals:
    """The period and filters of a statement, for the calling institution."""
    return ReconcileTotals(
        fixmedins_code=call.institution,
        begin=f.timestamp(node, "stmt_begndate", path="data").date(),
        end=f.timestamp(node, "stmt_enddate", path="data").date(),
        insutype=f.code(node, "insutype", required=False, path="data"),
        clr_type=f.code(node, "clr_type", required=False, path="data"),
        setl_optins=f.code(node, "setl_optins", required=False, path="data"),
    )


def _claimed_totals(node: Mapping[str, Any]) -> ClaimedTotals:
    """The institution's totals; sums net of reversals may be negative."""
    return ClaimedTotals(
        setl_cnt=_count(node, "fixmedins_setl_cnt", path="data"),
        medfee_sumamt_fen=f.amount_fen(node, "medfee_sumamt", allow_negative=True, path="data"),
        fund_pay_sumamt_fen=f.amount_fen(node, "fund_pay_sumamt", allow_negative=True, path="data"),
        acct_pay_fen=f.amount_fen(node, "acct_pay", allow_negative=True, path="data"),
    )


def _claimed_line(row: Mapping[str, Any], path: str) -> ClaimedLine:
    medfee_fen = f.amount_fen(row, "medfee_sumamt", allow_negative=True, path=path)
    given = row.get("refd_setl_flag")
    flagged = given is not None and not (isinstance(given, str) and not given.strip())
    return ClaimedLine(
        setl_id=f.code(row, "setl_id", path=path),
        reversal=f.flag(row, "refd_setl_flag", path=path) if flagged else medfee_fen < 0,
        medfee_sumamt_fen=medfee_fen,
        fund_pay_sumamt_fen=f.amount_fen(row, "fund_pay_sumamt", allow_negative=True, path=path),
        acct_pay_fen=f.amount_fen(row, "acct_pay", allow_negative=True, path=path),
        msgid=f.code(row, "msgid", required=False, path=path),
        psn_no=f.code(row, "psn_no", required=False, path=path),
        mdtrt_id=f.code(row, "mdtrt_id", required=False, path=path),
    )


def _claimed_lines(call: Call, node: Mapping[str, Any]) -> list[ClaimedLine]:
    """The institution's lines: ``input.detail``, else ``input.data.detail``; none is an empty list."""
    rows = call.envelope.rows("detail", fallback=None, required=False, max_rows=MAX_STATEMENT_LINES)
    path = "input.detail"
    if not rows:
        rows = f.rows(node, "detail", max_rows=MAX_STATEMENT_LINES, path="input.data")
        path = "input.data.detail"
    return [_claimed_line(row, f"{path}[{index}]") for index, row in enumerate(rows)]


def _stmt_rslt(balanced: bool) -> str:
    """``stmt_rslt``: "0" 平, "1" 不平."""
    return "0" if balanced else "1"


# --- the result texts (stmt_rslt_dscr) ---------------------------------------------------------------------------

#: How each language separates the items of a list of differences, and the kinds of differing lines.
_SEMICOLON = {"zh": "；", "en": "; "}
_COMMA = {"zh": "，", "en": ", "}
#: The phrase that counts the lines of each result that is not a match, in the order a description lists them.
_WRONG_LINES = (
    (LineResult.DIFFERS, Phrase.STMT_LINES_DIFFERING),
    (LineResult.NOT_LISTED, Phrase.STMT_LINES_NOT_LISTED),
    (LineResult.UNKNOWN, Phrase.STMT_LINES_UNKNOWN),
    (LineResult.DUPLICATE, Phrase.STMT_LINES_DUPLICATE),
)


def _say(phrase: Phrase, lang: Lang, **args: Any) -> str:
    """``phrase`` in ``lang``, its fields filled in (terms among them in ``lang`` too)."""
    return str(localise(Said(phrase, args), lang))


def _value(value: int | str | None, unit: str) -> Term | str:
    """One side's value of a figure: yuan, a count of settlements, a text, or none."""
    if value is None:
        return Phrase.STMT_NONE
    if unit == "fen" and isinstance(value, int):
        return Said(Phrase.STMT_YUAN, {"yuan": format_yuan(value, grouping=False)})
    if unit == "count":
        return Said(Phrase.STMT_COUNT, {"count": value})
    return str(value)


def _difference(found: Discrepancy, lang: Lang) -> str:
    """``医疗费总额不符：机构 123.40 元，医保 120.00 元``."""
    theirs, ours = _value(found.institution, found.unit), _value(found.gongji, found.unit)
    return _say(Phrase.STMT_FIGURE_DIFFERS, lang, figure=found.name, theirs=theirs, ours=ours)


def _not_balanced(parts: list[str], lang: Lang) -> str:
    return _say(Phrase.STMT_NOT_BALANCED, lang, details=_SEMICOLON[lang].join(parts))


def describe_totals(compared: TotalsComparison, lang: Lang) -> str:
    """对总账's ``stmt_rslt_dscr``: the figures agreed on, or each figure that differs with both values."""
    if compared.balanced:
        t = compared.totals
        figures = {"medfee": t.medfee_sumamt_fen, "fund": t.fund_pay_sumamt_fen, "acct": t.acct_pay_fen}
        yuan_texts = {name: format_yuan(fen, grouping=False) for name, fen in figures.items()}
        return _say(Phrase.STMT_TOTALS_BALANCED, lang, count=t.setl_cnt, **yuan_texts)
    return _not_balanced([_difference(found, lang) for found in compared.discrepancies], lang)


def describe_line(compared: LineComparison, lang: Lang) -> str:
    """The ``stmt_rslt_dscr`` of one line of 对明细账: a match, the figures that differ, or which side lacks it."""
    what = Phrase.STMT_REVERSAL if compared.reversal else Phrase.STMT_SETTLEMENT
    if compared.result is LineResult.MATCHED:
        return _say(Phrase.STMT_LINE_MATCHES, lang)
    if compared.result is LineResult.DIFFERS:
        return _SEMICOLON[lang].join(_difference(found, lang) for found in compared.discrepancies)
    if compared.result is LineResult.NOT_LISTED:
        return _say(Phrase.STMT_LINE_NOT_LISTED, lang, what=what)
    if compared.result is LineResult.DUPLICATE:
        return _say(Phrase.STMT_LINE_DUPLICATE, lang, what=what)
    if compared.note is None:
        return _say(Phrase.STMT_LINE_UNKNOWN, lang, what=what)
    return _say(Phrase.STMT_LINE_UNKNOWN_BECAUSE, lang, what=what, why=compared.note)


def describe_detail(compared: DetailComparison, lang: Lang) -> str:
    """对明细账's ``stmt_rslt_dscr``: all agreed, or the totals' differences and how many lines differ and how."""
    counts = compared.counts()
    if compared.balanced:
        return _say(Phrase.STMT_DETAIL_BALANCED, lang, count=counts[LineResult.MATCHED])
    parts = [_difference(found, lang) for found in compared.totals.discrepancies]
    kinds = [_say(phrase, lang, count=counts[result]) for result, phrase in _WRONG_LINES if counts[result]]
    if kinds:
        wrong = sum(counts[result] for result, _ in _WRONG_LINES)
        parts.append(_say(Phrase.STMT_LINES_WRONG, lang, count=wrong, kinds=_COMMA[lang].join(kinds)))
    return _not_balanced(parts, lang)


def _detail_row(compared: LineComparison) -> dict[str, Any]:
    """A ``detail`` row: gongji's line with its result, or the institution's line gongji does not have."""
    ours, theirs = compared.line, compared.claimed
    psn_no: str | None
    mdtrt_id: str | None
    msgid: str | None
    if ours is not None:
        psn_no, mdtrt_id = ours.psn_no, ours.mdtrt_id
        msgid = ours.msgid or (theirs.msgid if theirs else None)
        amounts = (ours.medfee_sumamt_fen, ours.fund_pay_sumamt_fen, ours.acct_pay_fen)
    else:
        assert theirs is not None
        psn_no, mdtrt_id, msgid = theirs.psn_no, theirs.mdtrt_id, theirs.msgid
        amounts = (theirs.medfee_sumamt_fen, theirs.fund_pay_sumamt_fen, theirs.acct_pay_fen)
    return {
        "psn_no": psn_no,
        "mdtrt_id": mdtrt_id,
        "setl_id": compared.setl_id,
        "msgid": msgid,
        "refd_setl_flag": "1" if compared.reversal else "0",
        "stmt_rslt": _stmt_rslt(compared.balanced),
        "medfee_sumamt": yuan(amounts[0]),
        "fund_pay_sumamt": yuan(amounts[1]),
        "acct_pay": yuan(amounts[2]),
        "stmt_rslt_dscr": describe_line(compared, "zh"),
    }


def _reconcile_totals(call: Call) -> dict[str, Any]:
    """3201 对总账."""
    node = call.envelope.node("data")
    statement = _statement(call, node)
    compared = reconcile_totals(call.ctx, statement, _claimed_totals(node))
    return {
        "stmtinfo": {
            "setl_optins": statement.setl_optins,
            "stmt_rslt": _stmt_rslt(compared.balanced),
            "stmt_rslt_dscr": describe_totals(compared, "zh"),
        }
    }


def _reconcile_detail(call: Call) -> dict[str, Any]:
    """3202 对明细账."""
    node = call.envelope.node("data")
    statement = _statement(call, node)
    compared = reconcile_settlements(call.ctx, statement, _claimed_totals(node), _claimed_lines(call, node))
    return {
        "stmtinfo": {
            "setl_optins": statement.setl_optins,
            "stmt_rslt": _stmt_rslt(compared.balanced),
            "stmt_rslt_dscr": describe_detail(compared, "zh"),
        },
        "detail": [_detail_row(line) for line in compared.lines],
    }


RECONCILIATION: tuple[Transaction, ...] = (
    Transaction("3201", "医药机构费用结算对总账", _reconcile_totals),
    Transaction("3202", "医药机构费用结算对明细账", _reconcile_detail),
)

TRANSACTIONS.update({t.infno: t for t in RECONCILIATION})
