"""清算申请 (clearing application, 3203): the figures an institution declares for a period, and their names.

An application declares, for one clearing type and period, the number of settlements (``psntime``) and four sums;
each is checked against the institution's own settlements in the period, counted as reconciliation counts them
(:mod:`gongji.service.reconciliation`). ``med_sumfee`` (医保认可费用总额) is recorded as declared: gongji's
statement has no such total to hold it against.
"""

from __future__ import annotations

from gongji.domain.phrases import Phrase
from gongji.domain.wording import Term, Text

__all__ = ["CHECKED_FIGURES", "FIGURE_NAMES"]

#: The declared figures gongji checks, in the order a refusal names the first that differs: (national field, the
#: reconciliation total it must equal, whether it is a count).
CHECKED_FIGURES: tuple[tuple[str, str, bool], ...] = (
    ("psntime", "setl_cnt", True),
    ("medfee_sumamt", "medfee_sumamt_fen", False),
    ("fund_appy_sum", "fund_pay_sumamt_fen", False),
    ("acct_pay", "acct_pay_fen", False),
    ("cash_payamt", "psn_cash_pay_fen", False),
)

#: What each checked figure is called.
FIGURE_NAMES: dict[str, Term] = {
    "psntime": Text("清算人次", "number of settlements"),
    "medfee_sumamt": Phrase.FIGURE_MEDFEE_SUMAMT,
    "fund_appy_sum": Text("基金申报总额", "fund payments declared"),
    "acct_pay": Phrase.FIGURE_ACCT_PAY,
    "cash_payamt": Text("现金支付金额", "cash payments"),
}
