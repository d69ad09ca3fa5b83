"""How values read on both the person's pages and the counter's: a relation's quota, a settlement's amounts."""

from __future__ import annotations

from dataclasses import dataclass

from gongji.api.portal.i18n import Translator
from gongji.api.portal.render import percent
from gongji.domain.money import format_yuan
from gongji.service.household_views import RegionRulesView
from gongji.service.views import RelationView

__all__ = ["SETTLEMENT_AMOUNTS", "QuotaShown", "quota_shown"]

#: A settlement's national amounts in the order its explanation lists them.
SETTLEMENT_AMOUNTS = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "hifp_pay",
    "fund_pay_sumamt",
    "psn_part_amt",
    "acct_pay",
    "acct_mulaid_pay",
    "psn_cash_pay",
)


@dataclass(frozen=True)
class QuotaShown:
    """How a relation's quota reads on the page."""

    text: str
    used_fen: int
    left_fen: int | None


def quota_shown(t: Translator, relation: RelationView, rules: RegionRulesView | None) -> QuotaShown:
    """The quota of ``relation`` as its region's quota model has it: a share of the balance, one shared quota, the
    whole account, or an amount; with what is used and left this year."""
    if rules is not None and rules.quota_model == "annual_share":
        text = t("family.quota_share", percent=percent(rules.quota_share_bp))
    elif rules is not None and rules.quota_model == "shared":
        text = t("family.quota_shared")
    elif relation.quota_fen is None:
        text = t("family.quota_whole")
    else:
        text = t("common.yuan", amount=format_yuan(relation.quota_fen))
    return QuotaShown(text, relation.quota_used_fen, relation.quota_left_fen)
