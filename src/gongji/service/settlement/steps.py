"""The steps of a settlement's explanation as data: a code and its parameters (amounts in fen, rates in basis points).

No words here: :func:`gongji.domain.explanation.render` turns a step into Chinese or English where it is shown.
"""

from __future__ import annotations

from gongji.domain.settlement import FundShare, FundTerms, Payment, Purse
from gongji.domain.wording import encode
from gongji.service.settlement.views import PurseStepView, StepView

__all__ = ["FundSteps", "fund_steps", "purse_step"]

FundSteps = list[StepView]


def fund_steps(
    inscp_fen: int, terms: FundTerms, share: FundShare, *, has_deductible: bool, per_visit: bool
) -> FundSteps:
    """How the fund's part was reached: the deductible, the ratio, the annual cap — each with the values used."""
    steps: FundSteps = []
    if has_deductible:
        steps.append(
            StepView(
                "DEDUCTIBLE",
                {
                    "deductible_fen": terms.deductible_fen,
                    "per": "visit" if per_visit else "year",
                    "paid_fen": terms.deductible_paid_fen,
                    "applied_fen": share.act_pay_dedc_fen,
                },
            )
        )
    else:
        steps.append(StepView("NO_DEDUCTIBLE", {}))
    steps.append(
        StepView(
            "RATIO",
            {
                "inscp_fen": inscp_fen,
                "applied_fen": share.act_pay_dedc_fen,
                "above_fen": inscp_fen - share.act_pay_dedc_fen,
                "ratio_bp": terms.ratio_bp,
                "before_cap_fen": share.before_cap_fen,
            },
        )
    )
    if terms.cap_fen is None:
        steps.append(StepView("NO_CAP", {}))
    else:
        steps.append(
            StepView(
                "CAP",
                {"cap_fen": terms.cap_fen, "paid_fen": terms.fund_paid_fen, "fund_fen": share.hifp_pay_fen},
            )
        )
    return steps


def purse_step(order: int, purse: Purse, payment: Payment | None, available: int, room: int) -> PurseStepView:
    """One account tried: what it paid and which limit stopped it, or the refusal it was skipped with."""
    before = purse.prior_years_fen + purse.current_year_fen
    paid = payment.amount_fen if payment else 0
    prior = payment.from_prior_fen if payment else 0
    current = payment.from_current_fen if payment else 0
    limit = None
    skipped = None
    if purse.skip is not None:
        skipped, skip_params = purse.skip
        reason = StepView(skipped, {name: encode(value) for name, value in skip_params.items()})
    elif paid and purse.wallet_transfer_id is not None:
        shown = {"paid_fen": paid, "payer": purse.name, "transfer": purse.wallet_transfer_id, "region": purse.region}
        if paid < room:
            limit = purse.binding_limit()
        reason = StepView("WALLET_PAID", {**shown, "left_fen": before - paid})
    elif paid:
        amounts = {"paid_fen": paid, "prior_fen": prior, "current_fen": current}
        if paid < room:
            limit = purse.binding_limit()
            reason = StepView("PAID_LIMITED", {**amounts, "limit": limit, "available_fen": available})
        else:
            reason = StepView("PAID", amounts)
    elif room == 0:
        reason = StepView("NOTHING_LEFT", {})
    else:
        limit = purse.binding_limit()
        skipped = "NOTHING_AVAILABLE"
        reason = StepView("NOTHING_AVAILABLE", {"limit": limit})
    return PurseStepView(
        order=order,
        payer=purse.name,
        relation=str(purse.relation_id) if purse.relation_id else None,
        region=purse.region,
        balance_before_fen=before,
        available_fen=available,
        paid_fen=paid,
        from_prior_fen=prior,
        from_current_fen=current,
        balance_after_fen=before - paid,
        skipped_code=skipped,
        reason=reason,
        limited_by=limit,
        wallet_transfer=purse.wallet_transfer_id,
    )
