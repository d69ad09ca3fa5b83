"""The journal of a settlement, by account keys: the fund, each paying account (a relative's, or the wallet's reserved
money), cash, and the memo accounts of the year — found or opened at once."""

from __future__ import annotations

from functools import lru_cache

from gongji.domain.ledger import (
    DEDUCTIBLE,
    FUND,
    QUOTA,
    AccountKind,
    AccountOpening,
    TransferSpec,
    accumulator_code,
    institution_code,
    quota_used_code,
    shard_of,
)
from gongji.service.context import Context
from gongji.service.ledger_door import across_regions, memo_source, system_account
from gongji.service.ports import UnitOfWork
from gongji.service.settlement.split import SettlementPlan
from gongji.service.wallet_moves import spending_moves, wallet_source

__all__ = ["Move", "settlement_moves", "settlement_transfers"]


Move = tuple[AccountOpening, AccountOpening, int]


def settlement_transfers(
    ctx: Context, uow: UnitOfWork, plan: SettlementPlan, *, payout: bool = False
) -> tuple[list[TransferSpec], list[int]]:
    """The journal of a settlement (:func:`settlement_moves`), its accounts found or opened."""
    now = ctx.clock.now()
    moves = settlement_moves(plan, now.year, payout=payout)
    # The family's own accounts were read with the plan; only the others are looked up.
    known = {code: row.state for code, row in plan.family.by_code.items()}
    wanted = [opening for move in moves for opening in move[:2] if opening.code not in known]
    accounts = {**known, **uow.ledger.open_accounts(wanted, now)} if wanted else known
    specs = [TransferSpec(accounts[debit.code].id, accounts[credit.code].id, amount) for debit, credit, amount in moves]
    ids = sorted({s.debit_account_id for s in specs} | {s.credit_account_id for s in specs})
    return specs, ids


@lru_cache(maxsize=4096)
def _share(account: AccountOpening, shard: int) -> AccountOpening:
    """``account``'s share in ``shard``, remembered: every settlement (and both books of every what-if replay) names
    the same few, and the openings are values."""
    return account.in_shard(shard)


def settlement_moves(plan: SettlementPlan, year: int, *, payout: bool = False) -> list[Move]:
    """The journal of a settlement by account keys, in ``year`` (the clock's): money into the institution's clearing
    account from the fund, each paying account and cash; and the memo accounts (deductible and fund paid this year,
    quota used) in the same journal. Pure: what-if replays (:mod:`gongji.service.whatif`) read it too.

    For a manual reimbursement (``payout``) the person has already paid the institution in full: the fund's and
    the accounts' shares go to the claims payable account (paid out to the person), and no cash moves.
    """
    visit, region, amounts = plan.visit, plan.visit.region, plan.amounts
    # The transfers by account code first, then every account they name found (or opened) at once.
    moves: list[Move] = []
    # The region's hot accounts in the patient's shard: settlements of other patients post to other rows.
    shard = shard_of(visit.person_id)

    def system(kind: AccountKind, in_region: str) -> AccountOpening:
        return _share(system_account(kind, in_region, year), shard)

    if payout:
        inst = system(AccountKind.CLAIMS_PAYABLE, region)
    else:
        clearing = institution_code(plan.institution.fixmedins_code, region)
        inst = _share(AccountOpening(clearing, AccountKind.INSTITUTION_CLEARING, region), shard)
    if amounts.hifp_pay_fen:
        moves.append((system(AccountKind.FUND_POOL, region), inst, amounts.hifp_pay_fen))

    def to_institution(account: AccountOpening, from_region: str, amount: int) -> None:
        moves.extend(across_regions(account, from_region, inst, region, amount, year))

    for payment in plan.payments:
        purse = payment.purse
        if purse.wallet_transfer_id is not None:
            wallet_region = _wallet_region(plan)
            to_institution(*wallet_source(purse, wallet_region, year), payment.amount_fen)
            moves.extend(spending_moves(payment, visit.person_id, wallet_region, year))
            continue
        parts = {
            AccountKind.PERSONAL_PRIOR: payment.from_prior_fen,
            AccountKind.PERSONAL_CURRENT: payment.from_current_fen,
        }
        for kind, amount in parts.items():
            if amount == 0:
                continue
            to_institution(AccountOpening.of(kind, purse.region, purse.payer_id, year), purse.region, amount)
        if purse.relation_id is not None:
            used = AccountOpening(
                quota_used_code(purse.relation_id, plan.year),
                AccountKind.QUOTA_USED,
                purse.region,
                QUOTA,
                purse.payer_id,
            )
            moves.append((_share(memo_source(purse.region, QUOTA), shard), used, payment.amount_fen))
    if amounts.psn_cash_pay_fen and not payout:
        moves.append((system(AccountKind.CASH_CLEARING, region), inst, amounts.psn_cash_pay_fen))
    memo = (
        (amounts.act_pay_dedc_fen, AccountKind.DEDUCTIBLE_PAID, DEDUCTIBLE, plan.deductible_group),
        (amounts.hifp_pay_fen, AccountKind.FUND_PAID, FUND, plan.fund_group),
    )
    for amount, kind, asset, group in memo:
        if amount and group:
            accumulator = AccountOpening(
                accumulator_code(kind, visit.person_id, plan.year, group), kind, region, asset, visit.person_id
            )
            moves.append((_share(memo_source(region, asset), shard), accumulator, amount))
    return moves


def _wallet_region(plan: SettlementPlan) -> str:
    """Where the patient's wallet was opened (a settlement pays from her wallet only if she has one)."""
    rows = plan.family.accounts.get(plan.visit.person_id, ())
    return next(row.region for row in rows if row.state.kind is AccountKind.WALLET)
