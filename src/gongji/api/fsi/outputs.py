"""The ``output`` nodes of the national interface, shaped from gongji's views.

Field names and value types follow what the national platform answers (see ``tests/fsi/samples``): codes as
strings, amounts as numbers with two decimals, dates ``yyyy-MM-dd``, times ``yyyy-MM-dd HH:mm:ss``, ``age`` a number.
Values gongji does not keep are ``null`` rather than invented (``naty``, ethnicity, of a person enrolled without
one; an amount of a fund gongji never pays is ``0``, as real answers write it). ``setldetail`` is never empty: a
bill no fund and no account paid still has its basic fund's row, paying 0. Mutual aid is
told in ``setldetail``: beside the national fund rows, one row per account that paid, with the payer's person
number, name and relation in gongji's own fields (``mulaid_*``), which clients that do not know them ignore.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from gongji.api.fsi.reply import yuan
from gongji.domain.codes import EnrollmentStatus, FundPayType, Insutype
from gongji.domain.identity import ResidentId
from gongji.domain.reconciliation import clr_type_of
from gongji.service.settlement import FeeLineView, PayerLineView, SettlementView, VisitView
from gongji.service.views import BalancesView, PersonView

__all__ = [
    "SettlementContext",
    "clr_type",
    "fee_rows",
    "person_output",
    "settlement_output",
    "visit_output",
]

_DAY = "%Y-%m-%d"
_TIME = "%Y-%m-%d %H:%M:%S"

#: gongji's item kinds → national 医疗收费项目类别 (med_chrgitm_type): 09 西药费, 08 卫生材料费, 03 检查费, 14 其他费.
_CHRGITM_TYPE = {"drug": "09", "consumable": "08", "test": "03", "service": "14"}
#: Catalogue category → 收费项目等级 (chrgitm_lv): 01 甲类, 02 乙类, 03 丙类 (自费).
_CHRGITM_LV = {"A": "01", "B": "02", "C": "03"}
#: The national "no price cap" value seen in real answers.
_NO_PRICE_CAP = 999999


def _age(birth: date, on: date) -> Decimal:
    """Age in years with one decimal, as real answers give it (``35.0``, ``37.5``)."""
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    anniversary = birth.replace(year=birth.year + years) if not (birth.month == 2 and birth.day == 29) else None
    months = 0
    if anniversary is not None:
        months = (on.year - anniversary.year) * 12 + on.month - anniversary.month - (on.day < anniversary.day)
    return Decimal(years) + (Decimal(months) / 12).quantize(Decimal("0.1"))


def _identity(certno: str, on: date) -> dict[str, Any]:
    """``gend``, ``brdy`` and ``age`` from the ID number (the only source gongji has of them)."""
    resident = ResidentId(certno)
    birth = resident.birth_date
    return {
        "gend": "1" if resident.sex.value == "1" else "2",
        "brdy": birth.strftime(_DAY),
        "age": _age(birth, on),
    }


def person_output(person: PersonView, balances: BalancesView, on: date) -> dict[str, Any]:
    """1101 人员信息获取: ``baseinfo``, ``insuinfo`` (an array, one row per insurance) and ``idetinfo``."""
    rows = []
    for enrollment in person.enrollments:
        employee = enrollment.insutype == Insutype.EMPLOYEE_BASIC
        balance = sum(a.balance_fen for a in balances.accounts if a.region == enrollment.pooling_region)
        normal = enrollment.status == EnrollmentStatus.NORMAL.name.lower()
        rows.append(
            {
                "insutype": enrollment.insutype,
                "psn_type": enrollment.psn_type,
                "psn_insu_stas": EnrollmentStatus[enrollment.status.upper()].value,
                "psn_insu_date": enrollment.began_on.strftime(_DAY),
                "paus_insu_date": None if normal else enrollment.status_since.strftime(_DAY),
                "cvlserv_flag": "0",
                "balc": yuan(balance if employee else 0),
                "insuplc_admdvs": enrollment.pooling_region,
                "emp_name": enrollment.employer,
            }
        )
    base = {
        "psn_no": person.psn_no,
        "psn_cert_type": "01",
        "certno": person.certno,
        "psn_name": person.name,
        "naty": person.naty,
        **_identity(person.certno, on),
        "exp_content": None,
    }
    return {"baseinfo": base, "insuinfo": rows, "idetinfo": []}


def visit_output(view: VisitView) -> dict[str, Any]:
    """2201 门诊挂号 (and 2401 入院办理's ``result``): the visit's 就诊ID."""
    return {"mdtrt_id": view.mdtrt_id, "psn_no": view.psn_no, "ipt_otp_no": view.ipt_otp_no, "exp_content": None}


def _fee_row(line: FeeLineView) -> dict[str, Any]:
    quantity = Decimal(line.quantity)
    return {
        "feedetl_sn": line.feedetl_sn,
        "det_item_fee_sumamt": yuan(line.total_fen),
        "cnt": quantity,
        "pric": _price(line.unit_price_microyuan),
        "pric_uplmt_amt": yuan(line.price_cap_fen) if line.price_cap_fen is not None else Decimal(_NO_PRICE_CAP),
        "selfpay_prop": (Decimal(line.self_pay_bp or 0) / 10_000).quantize(Decimal("0.0001")),
        "fulamt_ownpay_amt": yuan(line.fulamt_ownpay_fen),
        "overlmt_amt": yuan(line.overlmt_fen),
        "preselfpay_amt": yuan(line.preselfpay_fen),
        "inscp_scp_amt": yuan(line.inscp_fen),
        "chrgitm_lv": _CHRGITM_LV.get(line.category or "", "03"),
        "med_chrgitm_type": _CHRGITM_TYPE.get(line.item_kind or "", "14"),
        "bas_medn_flag": "0",
        "hi_nego_drug_flag": "0",
        "drt_reim_flag": "0",
        "lmt_used_flag": "0",
        "list_sp_item_flag": None,
        "chld_medc_flag": None,
        "memo": None,
        "exp_content": None,
    }


def _price(microyuan: int) -> Decimal:
    """A unit price as exact as it was sent (``pric`` has six decimals), with at least the fen's two."""
    exact = Decimal(microyuan).scaleb(-6).normalize()
    exponent = exact.as_tuple().exponent
    return exact if isinstance(exponent, int) and exponent < -2 else exact.quantize(Decimal("0.01"))


def fee_rows(view: VisitView, feedetl_sns: list[str]) -> list[dict[str, Any]]:
    """2204 / 2301 ``result``: each uploaded line with its classification, in the order uploaded."""
    by_sn = {line.feedetl_sn: line for line in view.lines}
    return [_fee_row(by_sn[sn]) for sn in feedetl_sns if sn in by_sn]


def clr_type(med_type: str | None) -> str:
    """清算类别 as the answer writes it, by the domain's :data:`~gongji.domain.reconciliation.CLEARING_RULES`."""
    return clr_type_of(med_type).value


@dataclass(frozen=True)
class SettlementContext:
    """What a settlement answer needs beside the settlement: the message it answers and how the card was read."""

    msgid: str
    mdtrt_cert_type: str
    on: date
    mdtrt_cert_no: str | None = None
    negate: bool = False


def _balance_after(
    view: SettlementView, negate: bool, psn_no: str, region: str | None, recorded_fen: int
) -> Decimal | None:
    """The balance to answer: as recorded for a settlement; for a reversal, as the reversal left it (the service
    reports it with the reversal: the record's balance may be stale after later movements) — unknown (null) for a
    wallet sender on another node, whose node holds his account (he has no person number here)."""
    if not negate:
        return yuan(recorded_fen)
    if not psn_no:
        return None
    after = {(b.psn_no, b.region): b.balance_fen for b in view.balances_after_reversal or ()}
    return yuan(after[(psn_no, region or "")])


def _money(value: int, negate: bool) -> Decimal:
    return yuan(-value if negate else value)


def _provincial_extension(view: SettlementView, context: SettlementContext) -> dict[str, Any]:
    """Fields some provinces add to a pre-settlement and a reversal answer (seen in Chongqing's 2303 and 2305):
    clients written for them read these; each is derived from the national fields (amounts negated on a reversal,
    as the national ones), or ``0`` for a fund gongji never pays, as the real answers write it."""
    a, negate = view.amounts, context.negate
    # The ID card is the credential of a message that names none (a reversal's input carries no card).
    card = context.mdtrt_cert_no or (view.certno if context.mdtrt_cert_type == "02" else None)
    return {
        "psn_pay": _money(a["psn_part_amt"], negate),  # 个人支付
        "cashPayamt": _money(a["psn_cash_pay"], negate),  # 现金支付
        "inscp_amt": _money(a["inscp_scp_amt"], negate),  # 符合范围金额
        "crt_dedc": _money(a["act_pay_dedc"], negate),  # 本次起付线
        # 起付标准: a term of the bill, not money moved, so never negated; 0 where not known (a stored settlement).
        "dedc_std": yuan(view.deductible_standard_fen or 0),
        "hifdm_pay": yuan(0),  # 伤残人员医疗保障基金 (not paid by gongji)
        "othfund_pay": yuan(0),  # 其他基金
        "ownpay_hosp_part": yuan(0),  # 自费中医院负担部分
        "insu_admdvs": view.region,  # 参保地区划
        "mdtrt_cert_no": card,
        # 人员参保关系ID: gongji keys an insurance by person and insutype, and Chongqing's id is exactly that
        # (``ZG1004000000`` + ``310`` in its 2303).
        "psn_insu_rlts_id": f"{view.psn_no}{view.insutype}",
    }


def _reversal_extension(view: SettlementView) -> dict[str, Any]:
    """The rest of Chongqing's reversal: the visit's first and last day, the settlement's kind, the invoice number
    and the extension content. gongji keeps no invoice number nor any extension (``null``); 结算类别 ``setl_type``
    is not a code gongji records either."""
    return {
        "begndate": view.visit_began_at.strftime(_DAY) if view.visit_began_at else None,
        "enddate": (view.visit_ended_at or view.settled_at).strftime(_DAY),
        "setl_type": None,
        "invono": None,
        "exp_content": None,
    }


def settlement_output(view: SettlementView, context: SettlementContext) -> dict[str, Any]:
    """2206/2207/2208 (and 2303/2304/2305): ``setlinfo`` and ``setldetail``; a reversal negates the amounts and
    gives the balance restored."""
    a, negate = view.amounts, context.negate
    money = {name: _money(a[name], negate) for name in a if name != "balc"}
    settled_at: datetime = view.reversed_at if negate and view.reversed_at else view.settled_at
    setlinfo: dict[str, Any] = {
        "mdtrt_id": view.mdtrt_id,
        "setl_id": view.setl_id,
        "psn_no": view.psn_no,
        "psn_name": view.name,
        "psn_cert_type": "01",
        "certno": view.certno,
        "naty": view.naty,
        **_identity(view.certno, context.on),
        "insutype": view.insutype,
        "psn_type": view.psn_type,
        "cvlserv_flag": "0",
        "setl_time": None if view.previewed else settled_at.strftime(_TIME),
        "mdtrt_cert_type": context.mdtrt_cert_type,
        "med_type": view.med_type,
        "medfee_sumamt": money["medfee_sumamt"],
        "fulamt_ownpay_amt": money["fulamt_ownpay_amt"],
        "overlmt_selfpay": money["overlmt_selfpay"],
        "preselfpay_amt": money["preselfpay_amt"],
        "inscp_scp_amt": money["inscp_scp_amt"],
        "act_pay_dedc": money["act_pay_dedc"],
        "hifp_pay": money["hifp_pay"],
        "pool_prop_selfpay": money["pool_prop_selfpay"],
        "cvlserv_pay": yuan(0),
        "hifes_pay": yuan(0),
        "hifmi_pay": yuan(0),
        "hifob_pay": yuan(0),
        "maf_pay": yuan(0),
        "oth_pay": yuan(0),
        "fund_pay_sumamt": money["fund_pay_sumamt"],
        "psn_part_amt": money["psn_part_amt"],
        "acct_pay": money["acct_pay"],
        "psn_cash_pay": money["psn_cash_pay"],
        "hosp_part_amt": money["hosp_part_amt"],
        "balc": _balance_after(view, negate, view.psn_no, view.region, a["balc"]),
        "acct_mulaid_pay": money["acct_mulaid_pay"],
        "medins_setl_id": context.msgid,
        "clr_optins": None if view.previewed else view.region,
        "clr_way": None if view.previewed else "1",
        "clr_type": clr_type(view.med_type),
    }
    details: list[dict[str, Any]] = [
        {
            "fund_pay_type": fund.fund_pay_type,
            "fund_pay_type_name": fund.fund_pay_type_name,
            "inscp_scp_amt": _money(fund.inscp_scp_amt_fen, negate),
            "crt_payb_lmt_amt": None,
            "fund_payamt": _money(fund.fund_payamt_fen, negate),
            "setl_proc_info": None,
        }
        for fund in view.funds
        # The account's row is told per paying account below (same type, amounts adding up to acct_pay).
        if not (view.payers and fund.fund_pay_type == FundPayType.EMPLOYEE_PERSONAL_ACCOUNT)
    ]
    for payer in view.payers:
        # gongji's extension: whose account paid (the national record only says how much was mutual aid).
        details.append(
            {
                "fund_pay_type": FundPayType.EMPLOYEE_PERSONAL_ACCOUNT.value,
                "fund_pay_type_name": "职工基本医疗保险个人账户基金" + _whose(payer),
                "inscp_scp_amt": _money(a["inscp_scp_amt"], negate),
                "crt_payb_lmt_amt": None,
                "fund_payamt": _money(payer.amount_fen, negate),
                "setl_proc_info": f"{payer.payer}（{payer.relation_zh}）支付 {yuan(payer.amount_fen)} 元",
                "mulaid_flag": "1" if payer.relation else "0",
                "mulaid_psn_no": payer.payer_psn_no,
                "mulaid_psn_name": payer.payer,
                "mulaid_relation": payer.relation,
                "mulaid_insuplc_admdvs": payer.region,
                "mulaid_balc": _balance_after(view, negate, payer.payer_psn_no, payer.region, payer.balance_after_fen),
            }
        )
    if not details:
        details.append(_nothing_paid_row(view, negate))
    if view.previewed or negate:
        setlinfo.update(_provincial_extension(view, context))
    if negate:
        setlinfo.update(_reversal_extension(view))
    # ``expContent`` (extension content) is a node of its own in real answers, null when there is none.
    return {"setlinfo": setlinfo, "setldetail": details, "expContent": None}


#: The basic fund of each insurance, whose row a bill no fund paid still has.
_BASIC_FUND = {
    Insutype.EMPLOYEE_BASIC.value: FundPayType.EMPLOYEE_POOLING_FUND,
    "380": FundPayType.RESIDENT_BASIC_FUND,
    "390": FundPayType.RESIDENT_BASIC_FUND,
    "391": FundPayType.RESIDENT_BASIC_FUND,
    "510": FundPayType.MATERNITY_FUND,
}


def _nothing_paid_row(view: SettlementView, negate: bool) -> dict[str, Any]:
    """The ``setldetail`` row of a bill no fund and no account paid (all in cash, or all outside the catalogue).

    Every real answer has at least one row, and clients index ``setldetail[0]``; the national list has no fund
    type for cash (``psn_cash_pay`` is in ``setlinfo``), so the row is the insurance's basic fund, which paid 0
    of the bill's in-scope amount: a true statement, in the national codes.
    """
    fund = _BASIC_FUND.get(view.insutype, FundPayType.EMPLOYEE_POOLING_FUND)
    return {
        "fund_pay_type": fund.value,
        "fund_pay_type_name": fund.zh,
        "inscp_scp_amt": _money(view.amounts["inscp_scp_amt"], negate),
        "crt_payb_lmt_amt": None,
        "fund_payamt": yuan(0),
        "setl_proc_info": None,
    }


def _whose(payer: PayerLineView) -> str:
    """Whose account paid, as the row's name says it: the patient's own, a binding's, or through the wallet."""
    if payer.wallet_transfer_id is not None:
        return "（医保钱包共济）"
    return "（家庭共济）" if payer.relation else "（本人）"
