"""The ledger's arithmetic: posting transfers step by step, person-owned accounts never negative, reversals."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

from gongji.domain.errors import ErrorCode, Refused
from gongji.domain.ledger import (
    HOT_SHARDS,
    MAX_TRANSFERS_PER_JOURNAL,
    AccountKind,
    AccountOpening,
    AccountState,
    JournalKind,
    PostedTransfer,
    TransferSpec,
    ledger_code,
    mirror,
    post_transfers,
    shard_of,
)
from gongji.domain.money import MAX_AMOUNT_FEN

SJZ = ledger_code("130100")
BJ = ledger_code("110000")

# Account ids of the examples.
PRIOR, CURRENT, WALLET, POOL, CLEARING, OPENING, CASH, BJ_POOL = 1, 2, 3, 4, 5, 6, 7, 8


def account(
    account_id: int, kind: AccountKind, balance_fen: int, *, ledger: str = SJZ, owner: int | None = None
) -> AccountState:
    if owner is None and kind.person_owned:
        owner = 100
    return AccountState(account_id, kind, ledger, owner, balance_fen, version=1)


def accounts(*states: AccountState) -> dict[int, AccountState]:
    return {state.id: state for state in states}


def book() -> dict[int, AccountState]:
    """Zhang's personal account in Shijiazhuang, the region's system accounts, and Beijing's pooling fund."""
    return accounts(
        account(PRIOR, AccountKind.PERSONAL_PRIOR, 10_000),
        account(CURRENT, AccountKind.PERSONAL_CURRENT, 0),
        account(WALLET, AccountKind.WALLET, 500, owner=200),
        account(POOL, AccountKind.FUND_POOL, 0),
        account(CLEARING, AccountKind.CONTRIBUTION_CLEARING, 0),
        account(OPENING, AccountKind.OPENING_BALANCE, -10_000),
        account(CASH, AccountKind.CASH_CLEARING, 0),
        account(BJ_POOL, AccountKind.FUND_POOL, 0, ledger=BJ),
    )


def with_balances(states: Mapping[int, AccountState], balances: Mapping[int, int]) -> dict[int, AccountState]:
    return {
        account_id: AccountState(
            s.id, s.kind, s.ledger, s.owner_person_id, balances.get(account_id, s.balance_fen), s.version + 1
        )
        for account_id, s in states.items()
    }


# --- account kinds --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "person_owned"),
    [
        (AccountKind.PERSONAL_PRIOR, True),
        (AccountKind.PERSONAL_CURRENT, True),
        (AccountKind.WALLET, True),
        (AccountKind.FUND_POOL, False),
        (AccountKind.CONTRIBUTION_CLEARING, False),
        (AccountKind.OPENING_BALANCE, False),
        (AccountKind.CASH_CLEARING, False),
        (AccountKind.REGION_TRANSFER, False),
    ],
)
def test_only_a_persons_accounts_must_not_go_negative(kind: AccountKind, person_owned: bool) -> None:
    assert kind.person_owned is person_owned
    assert account(1, kind, 0).must_not_go_negative is person_owned


def test_every_account_and_journal_kind_has_names() -> None:
    for kind in AccountKind:
        assert kind.zh.strip()
        assert kind.en.strip()
    for journal_kind in JournalKind:
        assert journal_kind.zh.strip()
        assert journal_kind.en.strip()


def test_only_contributions_and_opening_balances_are_reversible_by_hand() -> None:
    assert {kind for kind in JournalKind if kind.reversible} == {JournalKind.CONTRIBUTION, JournalKind.OPENING_BALANCE}


def test_a_ledger_is_one_pooling_region_and_asset() -> None:
    assert ledger_code("130100") == "130100:CNY"
    assert ledger_code("130100", "QUOTA") == "130100:QUOTA"


# --- posting --------------------------------------------------------------------------------------------


def test_a_contribution_moves_money_from_clearing_into_the_current_year() -> None:
    posted, balances = post_transfers(book(), [TransferSpec(CLEARING, CURRENT, 25_000)])
    assert posted == [
        PostedTransfer(
            seq=1,
            debit_account_id=CLEARING,
            credit_account_id=CURRENT,
            amount_fen=25_000,
            ledger=SJZ,
            debit_balance_after_fen=-25_000,
            credit_balance_after_fen=25_000,
        )
    ]
    assert balances == {CLEARING: -25_000, CURRENT: 25_000}


def test_balances_after_each_transfer_are_recorded_in_order() -> None:
    transfers = [
        TransferSpec(CLEARING, CURRENT, 3_000),
        TransferSpec(PRIOR, CASH, 4_000),
        TransferSpec(CURRENT, CASH, 1_000),
        TransferSpec(PRIOR, WALLET, 6_000),
    ]
    posted, balances = post_transfers(book(), transfers)

    assert [p.seq for p in posted] == [1, 2, 3, 4]
    assert [(p.debit_account_id, p.credit_account_id, p.amount_fen) for p in posted] == [
        (t.debit_account_id, t.credit_account_id, t.amount_fen) for t in transfers
    ]
    assert [(p.debit_balance_after_fen, p.credit_balance_after_fen) for p in posted] == [
        (-3_000, 3_000),
        (6_000, 4_000),
        (2_000, 5_000),
        (0, 6_500),
    ]
    assert all(p.ledger == SJZ for p in posted)
    assert balances == {CLEARING: -3_000, CURRENT: 2_000, PRIOR: 0, CASH: 5_000, WALLET: 6_500}


def test_only_touched_accounts_are_returned_and_the_input_is_not_changed() -> None:
    states = book()
    _, balances = post_transfers(states, [TransferSpec(PRIOR, CASH, 100)])
    assert set(balances) == {PRIOR, CASH}
    assert states[PRIOR].balance_fen == 10_000
    assert states[CASH].balance_fen == 0


def test_each_ledger_still_sums_to_what_it_did() -> None:
    states = book()
    before = sum(s.balance_fen for s in states.values() if s.ledger == SJZ)
    _, balances = post_transfers(
        states, [TransferSpec(OPENING, PRIOR, 700), TransferSpec(PRIOR, POOL, 300), TransferSpec(POOL, CASH, 50)]
    )
    after = sum(balances.get(i, s.balance_fen) for i, s in states.items() if s.ledger == SJZ)
    assert after == before


def test_a_person_may_spend_down_to_exactly_zero() -> None:
    _, balances = post_transfers(book(), [TransferSpec(PRIOR, CASH, 10_000)])
    assert balances[PRIOR] == 0


@pytest.mark.parametrize(
    ("debit", "kind_en"),
    [
        (PRIOR, "personal account (prior years)"),
        (CURRENT, "personal account (current year)"),
        (WALLET, "medical insurance wallet"),
    ],
)
def test_a_persons_account_that_would_go_negative_is_refused(debit: int, kind_en: str) -> None:
    states = book()
    balance = states[debit].balance_fen
    with pytest.raises(Refused) as caught:
        post_transfers(states, [TransferSpec(debit, CASH, balance + 1)])
    error = caught.value
    assert error.code is ErrorCode.INSUFFICIENT_BALANCE
    assert error.params["account"].en == kind_en
    assert error.params["balance"] == f"{balance // 100}.{balance % 100:02d}"


def test_the_refusal_names_the_balance_and_the_need_in_yuan() -> None:
    states = book()
    with pytest.raises(Refused) as caught:
        post_transfers(states, [TransferSpec(PRIOR, CASH, 1_234_567)])
    assert caught.value.params["balance"] == "100.00"
    assert caught.value.params["needed"] == "12,345.67"
    assert caught.value.params["account"].zh == "个人账户（历年）"


def test_the_balance_check_is_made_at_each_step_not_on_the_journal_as_a_whole() -> None:
    # Spending 150 yuan of 100 and then refilling 100 would end at 50 yuan, but the first step goes negative.
    with pytest.raises(Refused) as caught:
        post_transfers(book(), [TransferSpec(PRIOR, CASH, 15_000), TransferSpec(CLEARING, PRIOR, 10_000)])
    assert caught.value.code is ErrorCode.INSUFFICIENT_BALANCE
    assert caught.value.params["balance"] == "100.00"
    assert caught.value.params["needed"] == "150.00"


def test_the_same_transfers_refilled_first_are_accepted() -> None:
    _, balances = post_transfers(book(), [TransferSpec(CLEARING, PRIOR, 10_000), TransferSpec(PRIOR, CASH, 15_000)])
    assert balances[PRIOR] == 5_000


def test_a_later_step_that_overspends_after_earlier_ones_is_refused() -> None:
    with pytest.raises(Refused):
        post_transfers(book(), [TransferSpec(PRIOR, CASH, 6_000), TransferSpec(PRIOR, CASH, 4_001)])


@pytest.mark.parametrize("system_account", [POOL, CLEARING, OPENING, CASH])
def test_a_system_account_may_go_negative(system_account: int) -> None:
    states = book()
    other = PRIOR
    _, balances = post_transfers(states, [TransferSpec(system_account, other, 123_456)])
    assert balances[system_account] == states[system_account].balance_fen - 123_456
    assert balances[system_account] < 0


def test_a_person_account_already_below_zero_may_still_receive_money() -> None:
    states = accounts(account(PRIOR, AccountKind.PERSONAL_PRIOR, -50), account(POOL, AccountKind.FUND_POOL, 0))
    _, balances = post_transfers(states, [TransferSpec(POOL, PRIOR, 20)])
    assert balances[PRIOR] == -30


# --- shapes that are bugs -------------------------------------------------------------------------------


def test_a_transfer_across_ledgers_is_a_bug() -> None:
    with pytest.raises(AssertionError, match="across ledgers"):
        post_transfers(book(), [TransferSpec(POOL, BJ_POOL, 100)])


def test_a_transfer_from_an_account_to_itself_is_a_bug() -> None:
    with pytest.raises(AssertionError, match="two accounts"):
        post_transfers(book(), [TransferSpec(POOL, POOL, 100)])


@pytest.mark.parametrize("amount", [0, -1, MAX_AMOUNT_FEN + 1])
def test_a_zero_negative_or_oversized_amount_is_a_bug(amount: int) -> None:
    with pytest.raises(AssertionError, match="amount"):
        post_transfers(book(), [TransferSpec(POOL, CASH, amount)])


def test_the_largest_amount_is_allowed() -> None:
    _, balances = post_transfers(book(), [TransferSpec(POOL, CASH, MAX_AMOUNT_FEN)])
    assert balances[CASH] == MAX_AMOUNT_FEN


def test_an_empty_or_oversized_journal_is_a_bug() -> None:
    with pytest.raises(AssertionError):
        post_transfers(book(), [])
    with pytest.raises(AssertionError):
        post_transfers(book(), [TransferSpec(POOL, CASH, 1)] * (MAX_TRANSFERS_PER_JOURNAL + 1))
    posted, _ = post_transfers(book(), [TransferSpec(POOL, CASH, 1)] * MAX_TRANSFERS_PER_JOURNAL)
    assert len(posted) == MAX_TRANSFERS_PER_JOURNAL


def test_a_bad_transfer_later_in_the_journal_stops_it_all() -> None:
    with pytest.raises(AssertionError):
        post_transfers(book(), [TransferSpec(POOL, CASH, 100), TransferSpec(POOL, POOL, 100)])


# --- reversal -------------------------------------------------------------------------------------------


def test_mirror_swaps_each_transfer_and_reverses_the_order() -> None:
    posted, _ = post_transfers(
        book(),
        [TransferSpec(CLEARING, CURRENT, 3_000), TransferSpec(PRIOR, CASH, 4_000), TransferSpec(CURRENT, WALLET, 500)],
    )
    assert mirror(posted) == [
        TransferSpec(WALLET, CURRENT, 500),
        TransferSpec(CASH, PRIOR, 4_000),
        TransferSpec(CURRENT, CLEARING, 3_000),
    ]


def test_mirror_orders_by_sequence_not_by_list_position() -> None:
    posted, _ = post_transfers(book(), [TransferSpec(POOL, CASH, 1), TransferSpec(POOL, CLEARING, 2)])
    assert (
        mirror(list(reversed(posted)))
        == mirror(posted)
        == [
            TransferSpec(CLEARING, POOL, 2),
            TransferSpec(CASH, POOL, 1),
        ]
    )


def test_reversing_a_contribution_restores_every_balance() -> None:
    states = book()
    posted, after = post_transfers(states, [TransferSpec(CLEARING, CURRENT, 3_000), TransferSpec(CURRENT, CASH, 500)])
    _, restored = post_transfers(with_balances(states, after), mirror(posted))
    assert restored == {account_id: states[account_id].balance_fen for account_id in after}


def test_a_reversal_is_refused_when_the_money_has_been_spent_since() -> None:
    states = book()
    posted, after = post_transfers(states, [TransferSpec(CLEARING, CURRENT, 3_000)])
    spent = with_balances(states, {**after, CURRENT: 1_000})
    with pytest.raises(Refused) as caught:
        post_transfers(spent, mirror(posted))
    assert caught.value.params["account"].en == "personal account (current year)"


SYSTEM_IDS = [POOL, CLEARING, OPENING, CASH]
PERSON_IDS = [PRIOR, CURRENT, WALLET]
SJZ_IDS = SYSTEM_IDS + PERSON_IDS


def transfer_lists(ids: list[int]) -> st.SearchStrategy[list[TransferSpec]]:
    pair = st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1])
    transfer = st.builds(
        lambda p, amount: TransferSpec(p[0], p[1], amount), pair, st.integers(min_value=1, max_value=20_000)
    )
    return st.lists(transfer, min_size=1, max_size=12)


@given(
    st.lists(st.integers(min_value=-50_000, max_value=50_000), min_size=4, max_size=4),
    transfer_lists(SYSTEM_IDS),
)
def test_transfers_between_system_accounts_then_their_mirror_restore_every_balance(
    opening: list[int], transfers: list[TransferSpec]
) -> None:
    states = accounts(
        *(account(i, kind, b) for i, kind, b in zip(SYSTEM_IDS, [AccountKind.FUND_POOL] * 4, opening, strict=True))
    )
    posted, after = post_transfers(states, transfers)
    assert sum(after.values()) == sum(states[i].balance_fen for i in after)
    reversal, restored = post_transfers(with_balances(states, after), mirror(posted))
    assert restored == {i: states[i].balance_fen for i in after}
    assert len(reversal) == len(posted)
    assert [r.amount_fen for r in reversal] == [p.amount_fen for p in reversed(posted)]


@given(st.lists(st.integers(min_value=0, max_value=30_000), min_size=3, max_size=3), transfer_lists(SJZ_IDS))
def test_a_journal_a_person_could_afford_can_always_be_reversed_straight_away(
    person_balances: list[int], transfers: list[TransferSpec]
) -> None:
    # The reversal walks back through the very balances the journal went through, so it never overdraws.
    states = book()
    states = with_balances(states, dict(zip(PERSON_IDS, person_balances, strict=True)))
    try:
        posted, after = post_transfers(states, transfers)
    except Refused:
        reject()
    _, restored = post_transfers(with_balances(states, after), mirror(posted))
    assert restored == {i: states[i].balance_fen for i in after}


def test_a_hot_system_account_is_spread_over_shards_and_a_persons_is_not() -> None:
    fund = AccountOpening.of(AccountKind.FUND_POOL, "130100", None, 2026)
    assert fund.in_shard(3).code == f"{fund.code}#03"
    assert fund.in_shard(3).kind is fund.kind
    assert len({fund.in_shard(shard_of(person)).code for person in range(1, 100)}) == HOT_SHARDS
    assert shard_of(17) == shard_of(17 + HOT_SHARDS)
    with pytest.raises(ValueError, match="no shard"):
        AccountOpening.of(AccountKind.PERSONAL_PRIOR, "130100", 7, 2026).in_shard(1)
    with pytest.raises(ValueError, match="no shard"):
        fund.in_shard(HOT_SHARDS)
