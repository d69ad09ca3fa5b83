"""1161 and 1162: reading the social-security card (读社保卡) and decoding the electronic voucher (医保电子凭证解码),
each answered with the person's information as 1101 answers it, plus the credential read.

Fields, as the public hospital code uses them:

- **1161** input ``data``: ``mdtrt_cert_type`` (03), ``mdtrt_cert_no`` (the card number, or the whole record the
  national card-reading library returns), ``card_sn`` (卡识别码), ``begntime``, ``psn_cert_type``, ``certno``,
  ``psn_name`` — the 1101 node that newtouch-cloud/openhis@b4fe7065ca75723f38d5f09ca6e2a55681c6e87a builds after
  reading a card (``CardecInfo_1161`` of its local YiBao controller; ``Input_1101``); a card credential without
  ``card_sn`` is refused, as fengzaiqishi11/hsa-his@1fcd557940391a10c84c139f1e65846eef69a664 refuses it itself
  (hsa-insure/hsa-insure-biz/src/main/java/cn/hsa/insure/unifiedpay/util/psninfo/PsnInfoReqUtil.java).
- **1162** input ``data``: ``ecQrCode`` (what the scanner read), ``orgId``, ``businessType`` (用码业务类型, 01101 …),
  ``operatorId``, ``operatorName``, ``officeId``, ``officeName``, ``deviceType``, ``termId``, ``termIp``
  (openhis ``WinServiceAPI/NeiMengGuYiBaoApp/Models/Input/YiBao/Input_1162.cs``); ``ecToken`` or ``mdtrt_cert_no``
  are read too, for clients that send the token they already hold. The operator and office fields are the
  terminal's, recorded nowhere here.
- **Output** of both: ``baseinfo``, ``insuinfo[]`` and ``idetinfo[]`` as 1101, then ``cardno`` (社保卡卡号, on a card
  read), ``card_sn`` (卡识别码, on a card read) and ``ecToken`` (on a voucher read) — openhis
  ``Models/Output/YiBao/Output_1161.cs`` and ``Output_1162.cs`` — and ``cardecinfo{certno, psn_cert_type, cardno,
  psn_name, ecToken, card_sn, mdtrt_cert_type, mdtrt_cert_no}``, the node the openhis clients read the card number
  and token from (``Newtouch.HIS.Sett/Newtouch.Web/Areas/HospitalizationManage/Views/DischargeSettle/
  Index2021.cshtml``, ``GetReadCardInfo``). The HIS then names the person in later messages with
  ``mdtrt_cert_type`` 03 and ``cardno``, or 01 and ``ecToken``.
"""

from __future__ import annotations

from typing import Any

from gongji.api.fsi import fields as f
from gongji.api.fsi.outputs import person_output
from gongji.api.fsi.transactions import TRANSACTIONS, Call, Transaction
from gongji.domain.errors import ErrorCode, InvalidInput
from gongji.service import account_query, credentials, people
from gongji.service.credentials import CertType, CredentialHolder

__all__ = ["CREDENTIAL_TRANSACTIONS"]

#: A whole card record read by the national library runs to some 200 characters.
_CERT_NO_MAX_LEN = 400
_TOKEN_MAX_LEN = 200
_PATH = "data"


def _check_name(node: dict[str, Any], holder: CredentialHolder) -> None:
    name = f.text(node, "psn_name", required=False, path=_PATH)
    if name and name.strip() != holder.name:
        raise InvalidInput(
            ErrorCode.FIELD_INVALID, field="psn_name", reason_zh="姓名与凭证不符", reason_en="name does not match"
        )


def _answer(
    call: Call, node: dict[str, Any], holder: CredentialHolder, cert_no: str, token: str | None
) -> dict[str, Any]:
    """1101's answer for the credential's holder, with the credential read (``cardno``, ``card_sn``, ``ecToken``
    and ``cardecinfo``)."""
    person = people.show_person(call.ctx, holder.psn_no)
    on = f.timestamp(node, "begntime", required=False, path=_PATH)
    output = person_output(person, account_query.balances(call.ctx, person.psn_no), on.date() if on else call.day)
    read = {"cardno": holder.card_no, "card_sn": holder.card_sn, "ecToken": token}
    cardecinfo = {
        "certno": person.certno,
        "psn_cert_type": "01",
        "cardno": holder.card_no,
        "psn_name": person.name,
        "ecToken": token,
        "card_sn": holder.card_sn,
        "mdtrt_cert_type": holder.cert_type,
        "mdtrt_cert_no": holder.card_no if holder.cert_type == CertType.SOCIAL_SECURITY_CARD else cert_no,
    }
    return {**output, **read, "cardecinfo": cardecinfo}


def _read_card(call: Call) -> dict[str, Any]:
    """1161: the card named by its number (or the card-reading library's whole record) and ``card_sn``."""
    node = call.envelope.node(_PATH)
    cert_type = f.code(node, "mdtrt_cert_type", required=False, path=_PATH)
    if cert_type not in (None, "03", "3"):
        raise f.refusal(
            "data.mdtrt_cert_type",
            f"读社保卡（1161）的就诊凭证类型应为 03（社会保障卡），收到“{f.shown(cert_type)}”",
            f"1161 reads a social-security card: the credential type is 03, not '{f.shown(cert_type)}'",
        )
    number = f.code(node, "mdtrt_cert_no", max_len=_CERT_NO_MAX_LEN, path=_PATH)
    card_sn = f.code(node, "card_sn", required=False, path=_PATH)
    if card_sn is None and "|" not in number:
        raise f.refusal("data.card_sn", "使用社会保障卡时卡识别码不能为空", "a social-security card needs its card_sn")
    holder = credentials.resolve_credential(call.ctx, CertType.SOCIAL_SECURITY_CARD, number, card_sn)
    _check_name(node, holder)
    return _answer(call, node, holder, number, None)


def _decode_voucher(call: Call) -> dict[str, Any]:
    """1162: the voucher named by the scanned code (``ecQrCode``), or by the token the client already holds."""
    node = call.envelope.node(_PATH)
    token = next(
        (
            value
            for name in ("ecQrCode", "ecToken", "mdtrt_cert_no")
            if (value := f.code(node, name, required=False, max_len=_TOKEN_MAX_LEN, path=_PATH))
        ),
        None,
    )
    if token is None:
        raise f.refusal(
            "data.ecQrCode", "缺失：须提供扫码所得的医保码（ecQrCode）", "missing: give the scanned ecQrCode"
        )
    holder = credentials.resolve_voucher(call.ctx, token)
    _check_name(node, holder)
    return _answer(call, node, holder, token, token.strip().lower())


CREDENTIAL_TRANSACTIONS: tuple[Transaction, ...] = (
    Transaction("1161", "读社保卡（人员信息获取）", _read_card),
    Transaction("1162", "医保电子凭证解码（人员信息获取）", _decode_voucher),
)

TRANSACTIONS.update({t.infno: t for t in CREDENTIAL_TRANSACTIONS})
