"""The national interface's transactions: each ``infno`` read from its input node, run as a gongji use case, and
answered with the national output node.

Every write is idempotent by the message: its key is the institution's code and the ``msgid``, and the whole input
is bound to that key (:func:`gongji.service.context.message_identity`), so the same message replayed gets the stored
answer and the same ``msgid`` with another body is refused. An institution acts only on its own visits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from gongji.api.fsi import fields as f
from gongji.api.fsi.envelope import Envelope
from gongji.api.fsi.fields import FsiInputError
from gongji.api.fsi.outputs import person_output
from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.domain.identity import ResidentId
from gongji.service import account_query, credentials, people
from gongji.service.context import Context, message_identity
from gongji.service.institution_access import SignIn, check_sign_no, sign_in
from gongji.service.refusal_log import Channel, on_channel

__all__ = [
    "TRANSACTIONS",
    "TRUSTED_SIGN_INS",
    "Call",
    "SignIns",
    "Transaction",
    "check_sign_in",
    "message_digest",
    "message_key",
    "run_transaction",
]


@dataclass(frozen=True)
class Call:
    """One message from an authenticated institution."""

    ctx: Context
    envelope: Envelope
    institution: str
    received_at: datetime

    @property
    def key(self) -> str:
        """The idempotency key of a write: the institution's code and the message id."""
        return message_key(self.institution, self.envelope.msgid)

    @property
    def day(self) -> date:
        """The day the message was received (Asia/Shanghai)."""
        return self.received_at.date()


@dataclass(frozen=True)
class Transaction:
    """An ``infno``: its name, its handler, and whether it needs a sign-in first."""

    infno: str
    name_zh: str
    #: The ``output`` node: an object, or a list for the few transactions whose output is rows (5204).
    handler: Callable[[Call], dict[str, Any] | list[dict[str, Any]] | None]
    needs_sign_in: bool = True


def _flat(call: Call) -> dict[str, Any] | None:
    """The input itself when it holds the fields flat, with no node: hsa-his sends 9001, 2303/2304 and 2001 so
    (fengzaiqishi11/hsa-his@1fcd55794, e.g. hsa-insure/.../unifiedpay/util/inptregister/*ReqUtil.java)."""
    given = call.envelope.input
    if given and all(not isinstance(value, dict | list) for value in given.values()):
        return dict(given)
    return None


def _data(call: Call) -> dict[str, Any]:
    """``input.data``, or the input itself when a client sends the fields flat."""
    if "data" not in call.envelope.input:
        flat = _flat(call)
        if flat is not None:
            return flat
    return call.envelope.node("data")


def _node(call: Call, *names: str) -> dict[str, Any]:
    """The first of the named nodes the input has (the specification's name first; then names real clients use),
    else the input itself when flat; refused naming the specification's node when none is there."""
    for name in names:
        if isinstance(call.envelope.input.get(name), dict | list):
            return call.envelope.node(name)
    return _flat(call) or call.envelope.node(names[0])


def _refused_field(field: str, zh: str, en: str) -> FsiInputError:
    return FsiInputError(field, zh, en)


# 9001 签到 ------------------------------------------------------------------------------------------------------


def _sign_in(call: Call) -> dict[str, Any]:
    node = _node(call, "signIn")
    opter_no = f.code(node, "opter_no", path="signIn")
    view = sign_in(
        call.ctx,
        SignIn(call.institution, opter_no, f.text(node, "mac", required=False), f.text(node, "ip", required=False)),
        key=call.key,
    )
    return {"signinoutb": {"sign_time": view.sign_time.strftime("%Y-%m-%d %H:%M:%S"), "sign_no": view.sign_no}}


# 1101 人员信息获取 ------------------------------------------------------------------------------------------------


#: Longest ``mdtrt_cert_no`` read: a whole card record from the national card-reading library runs to some 200.
_CERT_NO_MAX_LEN = 400


def _credential_ref(node: dict[str, Any], ctx: Context, number: str) -> str:
    """The person number of whoever the credential names (:func:`gongji.service.credentials.resolve_credential`:
    01 voucher token, 02 ID number, 03 card number with ``card_sn``, each refused specifically when it names nobody).
    A ``certno`` sent beside it as an ID number (``psn_cert_type`` 01 or none) must be that person's: some clients
    send the decoded voucher's ID number there (fengzaiqishi11/hsa-his@1fcd557940391a10c84c139f1e65846eef69a664
    hsa-insure/hsa-insure-biz/src/main/java/cn/hsa/insure/unifiedpay/util/psninfo/PsnInfoReqUtil.java), others the
    card number with ``psn_cert_type`` 03 (newtouch-cloud/openhis@b4fe7065ca75723f38d5f09ca6e2a55681c6e87a, the
    ``CardecInfo_1161`` action of the local YiBao controller), which names no ID and is not compared."""
    holder = credentials.resolve_credential(
        ctx,
        f.code(node, "mdtrt_cert_type", required=False, path="data"),
        number,
        f.code(node, "card_sn", required=False, path="data"),
    )
    certno = f.code(node, "certno", required=False, path="data")
    as_id = f.code(node, "psn_cert_type", required=False, path="data") in (None, "01", "1")
    if certno and as_id and ResidentId.parse(certno).number != holder.certno:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID,
            field="certno",
            reason_zh="证件号码与就诊凭证不是同一人",
            reason_en="the ID number and the credential name different people",
        )
    return holder.psn_no


def _person_ref(node: dict[str, Any], ctx: Context) -> str:
    """The person a message names: the credential (``mdtrt_cert_type`` + ``mdtrt_cert_no``, see
    :func:`_credential_ref`) when it carries one, else ``certno``, else ``psn_no``. An ID number is validated before
    it is looked up, so a malformed one is ``ID_NUMBER_INVALID``, never "not found"."""
    number = f.code(node, "mdtrt_cert_no", required=False, max_len=_CERT_NO_MAX_LEN, path="data")
    if number:
        return _credential_ref(node, ctx, number)
    certno = f.code(node, "certno", required=False, path="data")
    if certno:
        return ResidentId.parse(certno).number
    psn_no = f.code(node, "psn_no", required=False, path="data")
    if psn_no:
        return psn_no
    raise _refused_field(
        "data.certno",
        "须提供就诊凭证（mdtrt_cert_type 01 医保电子凭证、02 居民身份证或 03 社会保障卡，与 mdtrt_cert_no）、"
        "证件号码（certno）或人员编号（psn_no）",
        "give a credential (mdtrt_cert_type 01 e-voucher, 02 ID card or 03 social-security card, with "
        "mdtrt_cert_no), certno or psn_no",
    )


def _person_info(call: Call) -> dict[str, Any]:
    node = _data(call)
    ref = _person_ref(node, call.ctx)
    person = people.show_person(call.ctx, ref)
    name = f.text(node, "psn_name", required=False, path="data")
    if name and name.strip() != person.name:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID, field="psn_name", reason_zh="姓名与证件不符", reason_en="name does not match"
        )
    on = f.timestamp(node, "begntime", required=False, path="data")
    balances = account_query.balances(call.ctx, person.psn_no)
    return person_output(person, balances, on.date() if on else call.day)


TRANSACTIONS: dict[str, Transaction] = {
    t.infno: t
    for t in (
        Transaction("9001", "签到", _sign_in, needs_sign_in=False),
        Transaction("1101", "人员信息获取", _person_info),
    )
}


class SignIns:
    """The sign-in check of every message: the number must be one the institution signed in with and has not signed
    out (``check_sign_no``).

    It asks the database every time. An earlier version remembered accepted numbers in the process, which kept
    accepting a number signed out (9002) through another worker, or before a restart; a cache bounded in time would
    still accept it for that time. The cost is one read transaction and one query per message on the unique index of
    ``sign_ins.sign_no`` joined to the institution by primary key — small beside the transaction's own statements, and
    not measured here.
    """

    def check(self, ctx: Context, institution: str, sign_no: str) -> None:
        """Refuse an unknown sign-in number, another institution's, or one signed out."""
        check_sign_no(ctx, institution, sign_no)


class _Trusted(SignIns):
    """No check: the message was forwarded by another node of the federation, which checked its sign-in."""

    def check(self, ctx: Context, institution: str, sign_no: str) -> None:
        """Accept (the forwarding node checked)."""


_SIGN_INS = SignIns()
#: The sign-in check of a message another node forwarded (:mod:`gongji.federation.fsi_route`): done there.
TRUSTED_SIGN_INS: SignIns = _Trusted()


def _transaction(call: Call) -> Transaction:
    transaction = TRANSACTIONS.get(call.envelope.infno)
    if transaction is None:
        raise _refused_field(
            "infno", f"不支持的交易编号 {call.envelope.infno}", f"transaction {call.envelope.infno} is not supported"
        )
    return transaction


def message_key(institution: str, msgid: str) -> str:
    """The idempotency key of an institution's message: its code and the ``msgid``."""
    return f"fsi:{institution}:{msgid}"


def message_digest(envelope: Envelope) -> str:
    """The digest a message's key is bound to: its transaction and whole input, canonically serialised."""
    canonical = json.dumps(
        {"infno": envelope.infno, "input": envelope.input}, sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_sign_in(call: Call, sign_ins: SignIns = _SIGN_INS) -> None:
    """Refuse a message of a transaction that needs a sign-in unless its ``sign_no`` is a live one of the
    institution's (an unknown transaction is refused too)."""
    if _transaction(call).needs_sign_in:
        sign_ins.check(call.ctx, call.institution, call.envelope.sign_no or "")


def run_transaction(call: Call, sign_ins: SignIns = _SIGN_INS) -> dict[str, Any] | list[dict[str, Any]] | None:
    """Check the sign-in, then run the message's transaction with its whole input bound to its ``msgid``."""
    transaction = _transaction(call)
    check_sign_in(call, sign_ins)
    with on_channel(Channel.FSI), message_identity(message_digest(call.envelope)):
        return transaction.handler(call)


# Last: these modules add 2601 and 3201/3202 to TRANSACTIONS (see the note of reconciliation).
from gongji.api.fsi import (  # noqa: E402, F401
    reconciliation,
    tx_catalogue,
    tx_clearing,
    tx_credentials,
    tx_files,
    tx_filings,
    tx_queries,
    tx_settle,
    tx_visits,
    undo,
)
