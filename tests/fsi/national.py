"""The national field lists the interface's tests check answers against: the ``setlinfo`` record (FSI.md) and the
fields of the real Chongqing 2305 reversal answer (issue 16, "Answers")."""

from __future__ import annotations

__all__ = ["CHONGQING_REVERSAL_FIELDS", "SETLINFO_AMOUNTS", "SETLINFO_FIELDS"]

#: The amount fields of a ``setlinfo`` record (all national amounts gongji answers; the national list in FSI.md).
SETLINFO_AMOUNTS = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "hifp_pay",
    "pool_prop_selfpay",
    "cvlserv_pay",
    "hifes_pay",
    "hifmi_pay",
    "hifob_pay",
    "maf_pay",
    "oth_pay",
    "fund_pay_sumamt",
    "psn_part_amt",
    "acct_pay",
    "psn_cash_pay",
    "hosp_part_amt",
    "balc",
    "acct_mulaid_pay",
)

#: The national ``setlinfo`` record (FSI.md): who and what was settled, its amounts, and how it is cleared.
SETLINFO_FIELDS = [
    "mdtrt_id",
    "setl_id",
    "psn_no",
    "psn_name",
    "psn_cert_type",
    "certno",
    "gend",
    "naty",
    "brdy",
    "age",
    "insutype",
    "psn_type",
    "cvlserv_flag",
    "setl_time",
    "mdtrt_cert_type",
    "med_type",
    *SETLINFO_AMOUNTS,
    "medins_setl_id",
    "clr_optins",
    "clr_way",
    "clr_type",
]

#: The 16 fields of Chongqing's real 2305 reversal answer that gongji's reversal answers carry too (issue 16,
#: "Answers").
CHONGQING_REVERSAL_FIELDS = [
    "othfund_pay",
    "hifdm_pay",
    "insu_admdvs",
    "psn_pay",
    "mdtrt_cert_no",
    "exp_content",
    "begndate",
    "ownpay_hosp_part",
    "inscp_amt",
    "cashPayamt",
    "dedc_std",
    "setl_type",
    "crt_dedc",
    "invono",
    "psn_insu_rlts_id",
    "enddate",
]
