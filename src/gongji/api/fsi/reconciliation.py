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
:mod:`gongji.service.reconciliation`'s to say. Both transactions only read: nothing is written, so they need no
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
from gongji.service.reconciliation import (
    MAX_STATEMENT_LINES,
    ClaimedLine,
    ClaimedTotals,
    LineComparison,
    ReconcileTotals,
    reconcile_settlements,
    reconcile_totals,
)

__all__ = ["RECONCILIATION"]

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
        "stmt_rslt_dscr": compared.description_zh,
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
            "stmt_rslt_dscr": compared.description_zh,
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
            "stmt_rslt_dscr": compared.description_zh,
        },
        "detail": [_detail_row(line) for line in compared.lines],
    }


RECONCILIATION: tuple[Transaction, ...] = (
    Transaction("3201", "医药机构费用结算对总账", _reconcile_totals),
    Transaction("3202", "医药机构费用结算对明细账", _reconcile_detail),
)

TRANSACTIONS.update({t.infno: t for t in RECONCILIATION})
