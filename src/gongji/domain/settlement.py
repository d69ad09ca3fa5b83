"""The split of a bill, to the fen: what the pooling fund pays, then who pays the individually-borne part.

1. **The fund** (统筹基金) considers only the policy-range amount (``inscp``). The deductible still owed this year is
   the person's (``act_pay_dedc``); above it the fund pays its ratio (in bands where the region has them, within
   this bill), up to what the annual cap leaves (``hifp_pay``); the rest of the policy range is
   ``pool_prop_selfpay``.
2. **The person's part** (``psn_part_amt`` = total − fund − hospital) is paid, within what the personal account may
   pay (bill parts and medical types of the region's scope), by the patient's own account first, then each
   authoriser in the patient's order — each within his shareable part, the balance he must keep, his quota left
   and the per-visit cap — and the rest in cash (``psn_cash_pay``).

Everything here is pure arithmetic on integers of fen; the service gathers the inputs from the rules, the ledger
and the relations, and records why each payer paid what it paid or was skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gongji.domain.money import apply_rate_bp

__all__ = [
    "Band",
    "BillParts",
    "FundShare",
    "FundTerms",
    "PayerRow",
    "Payment",
    "Purse",
    "SetlInfo",
    "SettlementRecord",
    "fund_share",
    "take",
]


@dataclass(frozen=True)
class BillParts:
    """The four national parts of a bill; they add up to ``medfee_sumamt``."""

    fulamt_ownpay_fen: int
    overlmt_fen: int
    preselfpay_fen: int
    inscp_fen: int

    @property
    def medfee_sumamt_fen(self) -> int:
        """医疗费总额."""
        return self.fulamt_ownpay_fen + self.overlmt_fen + self.preselfpay_fen + self.inscp_fen


@dataclass(frozen=True)
class Band:
    """Above ``from_fen`` of the amount above the deductible (within this bill), the fund pays ``ratio_bp``."""

    from_fen: int
    ratio_bp: int


@dataclass(frozen=True)
class FundTerms:
    """What the rules and the person's year so far say about this bill."""

    deductible_fen: int
    deductible_paid_fen: int
    ratio_bp: int
    bands: tuple[Band, ...]
    cap_fen: int | None
    fund_paid_fen: int


@dataclass(frozen=True)
class FundShare:
    """起付线 applied, what the fund pays, and the policy-range part the person bears above the deductible."""

    act_pay_dedc_fen: int
    hifp_pay_fen: int
    pool_prop_selfpay_fen: int
    before_cap_fen: int


def _banded(amount_fen: int, ratio_bp: int, bands: Sequence[Band]) -> int:
    """The fund's share of ``amount_fen``: ``ratio_bp`` below the first band, each band's ratio above its start."""
    steps = [Band(0, ratio_bp), *sorted(bands, key=lambda b: b.from_fen)]
    total = 0
    for index, step in enumerate(steps):
        upper = steps[index + 1].from_fen if index + 1 < len(steps) else None
        if amount_fen <= step.from_fen:
            break
        portion = (min(amount_fen, upper) if upper is not None else amount_fen) - step.from_fen
        total += apply_rate_bp(portion, step.ratio_bp)
    return total


def fund_share(inscp_fen: int, terms: FundTerms) -> FundShare:
    """Split the policy-range amount between the deductible, the fund and the person (see the module docstring)."""
    assert inscp_fen >= 0
    owed = max(terms.deductible_fen - terms.deductible_paid_fen, 0)
    deductible = min(inscp_fen, owed)
    above = inscp_fen - deductible
    before_cap = _banded(above, terms.ratio_bp, terms.bands)
    room = None if terms.cap_fen is None else max(terms.cap_fen - terms.fund_paid_fen, 0)
    fund = before_cap if room is None else min(before_cap, room)
    return FundShare(deductible, fund, above - fund, before_cap)


@dataclass(frozen=True)
class Purse:
    """One account that may pay, with everything that limits it. ``skip`` is why it may not pay at all."""

    #: The paying person here; ``None`` for a wallet transfer whose sender is on another node (``peer_node``).
    payer_id: int | None
    relation_id: int | None
    name: str
    region: str
    prior_years_fen: int
    current_year_fen: int
    prior_only: bool = False
    keep_fen: int = 0
    quota_left_fen: int | None = None
    visit_cap_left_fen: int | None = None
    skip: tuple[str, dict[str, Any]] | None = None
    #: The patient's wallet: an accepted transfer whose money, reserved in the sender's account, may pay.
    wallet_transfer_id: int | None = None
    #: The node of that transfer's sender when it is another (the money is then owed by that node).
    peer_node: str | None = None

    @property
    def own(self) -> bool:
        """The patient's own account (no relation, no wallet)."""
        return self.relation_id is None and self.wallet_transfer_id is None

    def limits(self) -> dict[str, int]:
        """Each limit on what this account may pay now, by name: its shareable part (``balance``), the balance it
        must keep (``keep``), the quota left (``quota``) and the per-visit cap (``visit_cap``)."""
        total = self.prior_years_fen + self.current_year_fen
        limits = {
            "balance": self.prior_years_fen + (0 if self.prior_only else self.current_year_fen),
            "keep": total - self.keep_fen,
        }
        if self.quota_left_fen is not None:
            limits["quota"] = self.quota_left_fen
        if self.visit_cap_left_fen is not None:
            limits["visit_cap"] = self.visit_cap_left_fen
        return limits

    def binding_limit(self) -> str:
        """The name of the limit that decides :meth:`available_fen` (the first of the smallest)."""
        limits = self.limits()
        return min(limits, key=lambda name: limits[name])

    def available_fen(self) -> int:
        """The most this account may pay now: its shareable part, less the balance it must keep, within its quota
        and the per-visit cap (each relative's cap on one visit)."""
        if self.skip is not None:
            return 0
        return max(min(self.limits().values()), 0)


@dataclass(frozen=True)
class Payment:
    """What one account paid, by part. The patient's own account spends 当年 first; a relative's, 历年 first."""

    purse: Purse
    from_prior_fen: int
    from_current_fen: int

    @property
    def amount_fen(self) -> int:
        """Both parts together."""
        return self.from_prior_fen + self.from_current_fen

    @property
    def balance_after_fen(self) -> int:
        """The payer's whole personal-account balance after this payment."""
        return self.purse.prior_years_fen + self.purse.current_year_fen - self.amount_fen


def take(purse: Purse, amount_fen: int) -> Payment:
    """Take ``amount_fen`` from a purse: 当年 first from the patient's own account, 历年 first from a relative's."""
    if purse.own:
        current = min(amount_fen, purse.current_year_fen)
        return Payment(purse, amount_fen - current, current)
    prior = min(amount_fen, purse.prior_years_fen)
    return Payment(purse, prior, amount_fen - prior)


@dataclass(frozen=True)
class SetlInfo:
    """The national settlement record's amounts (``setlinfo``), in fen, with the identities the platform keeps."""

    medfee_sumamt_fen: int
    fulamt_ownpay_amt_fen: int
    overlmt_selfpay_fen: int
    preselfpay_amt_fen: int
    inscp_scp_amt_fen: int
    act_pay_dedc_fen: int
    hifp_pay_fen: int
    pool_prop_selfpay_fen: int
    fund_pay_sumamt_fen: int
    psn_part_amt_fen: int
    acct_pay_fen: int
    acct_mulaid_pay_fen: int
    psn_cash_pay_fen: int
    hosp_part_amt_fen: int
    balc_fen: int

    def __post_init__(self) -> None:
        parts = self.fulamt_ownpay_amt_fen + self.overlmt_selfpay_fen + self.preselfpay_amt_fen + self.inscp_scp_amt_fen
        assert self.medfee_sumamt_fen == parts, "medfee_sumamt = the four bill parts"
        payers = self.fund_pay_sumamt_fen + self.psn_part_amt_fen + self.hosp_part_amt_fen
        assert self.medfee_sumamt_fen == payers, "medfee_sumamt = fund + person + hospital"
        assert self.psn_part_amt_fen == self.acct_pay_fen + self.psn_cash_pay_fen, "psn_part = account + cash"
        assert 0 <= self.acct_mulaid_pay_fen <= self.acct_pay_fen, "mutual aid is part of the account payment"


@dataclass(frozen=True)
class PayerRow:
    """Who paid from a personal account in a settlement: the patient (no relation) or an authoriser."""

    seq: int
    #: ``None`` for a wallet payment whose sender is on another node (named by the transfer's peer).
    payer_person_id: int | None
    relation_id: int | None
    region: str
    prior_years_fen: int
    current_year_fen: int
    balance_after_fen: int
    #: A payment from the patient's wallet: the transfer whose reserved money paid (the payer is its sender).
    wallet_transfer_id: int | None = None


@dataclass(frozen=True)
class SettlementRecord:
    """A committed settlement: its national amounts, who paid, its journal, and its explanation (JSON)."""

    id: int
    setl_id: str
    visit_id: int | None
    person_id: int
    institution_id: int | None
    journal_id: int
    kind: str
    status: str
    region: str
    insutype: str
    psn_type: str
    med_type: str | None
    acct_used_flag: bool
    amounts: SetlInfo
    payers: tuple[PayerRow, ...]
    settled_at: datetime
    explanation: str
    reversal_journal_id: int | None = None
    reversed_at: datetime | None = None
    #: The idempotency key of the write that made it (national interface: ``fsi:<institution>:<msgid>``).
    request_key: str | None = None
    #: 收费批次: the charge batch it settled (``None``: every line of the visit then waiting).
    chrg_bchno: str | None = None
    #: 中途结算: a stay's lines so far, settled before its discharge.
    mid_stay: bool = False
