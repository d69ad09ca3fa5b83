"""What every answer of the suite must satisfy: the national identities and the fields real answers carry.

The identities are FSI.md's ("Identities that real settlement messages satisfy"); the field lists
(:mod:`tests.fsi.national`) are the national ``setlinfo`` (FSI.md) and, for a reversal, the fields of the real
Chongqing 2305 answer the issue lists.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gongji.api.fsi.his_sim import check_identities
from gongji.domain.money import fen_to_decimal
from gongji.service.account_query import balances
from tests.fsi.conftest import FsiServer
from tests.fsi.national import SETLINFO_FIELDS

__all__ = [
    "amount",
    "check_refmsgid",
    "check_settlement",
    "own_balance",
]

_SIGNED = [
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "fund_pay_sumamt",
    "psn_part_amt",
    "acct_pay",
    "psn_cash_pay",
    "hosp_part_amt",
    "acct_mulaid_pay",
]


def own_balance(server: FsiServer, certno: str) -> Decimal:
    """The person's own personal account now, in yuan (gongji's own view, not the interface's)."""
    return fen_to_decimal(balances(server.ctx, certno).personal_account_fen)


def amount(node: dict[str, Any], name: str) -> Decimal:
    """An amount of an answer, as a JSON number (text or a missing value fail)."""
    value = node.get(name)
    assert isinstance(value, Decimal | int), f"{name} = {value!r} is not a number"
    return Decimal(value)


def check_settlement(
    output: dict[str, Any], *, balance_after: Decimal, reversal: bool = False, extra: tuple[str, ...] = ()
) -> dict[str, Decimal]:
    """A settlement answer (2206/2207/2208/2303/2304/2305): every national field present, the identities hold,
    ``setldetail`` has at least one row, ``balc`` is the patient's own balance after, amounts carry the sign of a
    settlement (or of a reversal); returns the amounts."""
    info, detail = output["setlinfo"], output["setldetail"]
    missing = [name for name in (*SETLINFO_FIELDS, *extra) if name not in info]
    assert missing == [], f"setlinfo lacks {missing}"
    assert check_identities(info, detail) == []
    assert len(detail) >= 1, "setldetail is empty: every real answer has at least one row"
    amounts = {name: amount(info, name) for name in (*_SIGNED, "balc")}
    sign = -1 if reversal else 1
    for name in _SIGNED:
        assert sign * amounts[name] >= 0, f"{name} = {amounts[name]} has the wrong sign"
    assert amounts["balc"] == balance_after
    return amounts


def check_refmsgid(body: dict[str, Any], province: str = "13") -> None:
    """``inf_refmsgid``: 30 characters beginning with the serving region (Hebei's province code here), never the
    national ``000000``/``100000``."""
    refmsgid = str(body.get("inf_refmsgid") or "")
    assert len(refmsgid) == 30, refmsgid
    assert refmsgid[:2] == province, f"inf_refmsgid {refmsgid} does not begin with the serving region"
