"""Block trades in the engine: propose, accept by both parties, execution through the book with
money moved like ordinary fills, and every error answer."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

import pytest
from test_engine_helpers import make_exchange, order

from sandbox.engine import EngineError

D = Decimal


def fee(rate: str, count: str, p: str) -> D:
    raw = D(rate) * D(count) * D(p) * (1 - D(p))
    return raw.quantize(D("0.01"), rounding=ROUND_CEILING)


@pytest.fixture
def ex_clock():
    return make_exchange(fee_type="quadratic_with_maker_fees")


def propose(ex, clock, by="carol", **kw):
    args = dict(
        buyer="alice",
        seller="bob",
        ticker="TEST-1",
        price="0.30",
        count="20",
        maker_side="no",
        expiration_ts=clock.t + 60_000,
    )
    args.update(kw)
    return ex.propose_block_trade(by, **args)


def code(fn, *a, **kw) -> tuple[int, str]:
    with pytest.raises(EngineError) as e:
        fn(*a, **kw)
    return e.value.status, e.value.code


def test_both_accept_and_it_executes(ex_clock):
    ex, clock = ex_clock
    total = ex.total_money()
    b = propose(ex, clock)  # a broker (carol) proposes; buyer alice, seller bob
    ex.accept_block_trade("alice", b.proposal_id)
    assert b.status == "pending" and b.buyer_accepted_ts is not None
    ex.accept_block_trade("bob", b.proposal_id)
    assert b.status == "executed"
    # maker_side no: bob (the seller, NO side) rests first and pays the maker fee.
    assert ex.get_account("alice").balance == D(1000) - D("6.00") - fee("0.07", "20", "0.30")
    assert ex.get_account("bob").balance == D(1000) - D("14.00") - fee("0.0175", "20", "0.30")
    assert ex.positions[("alice", 0, "TEST-1")].position == 20
    assert ex.positions[("bob", 0, "TEST-1")].position == -20
    assert ex.orders[b.buyer_order_id].user_id == "alice"
    assert ex.total_money() == total
    ex.check_invariants()


def test_proposer_party_counts_as_accepted(ex_clock):
    ex, clock = ex_clock
    b = propose(ex, clock, by="alice", maker_side="yes")
    assert b.buyer_accepted_ts is not None
    ex.accept_block_trade("bob", b.proposal_id, subaccount=0)
    assert b.status == "executed"


def test_errors(ex_clock):
    ex, clock = ex_clock
    assert code(propose, ex, clock, seller="alice") == (400, "invalid_parameters")
    assert code(propose, ex, clock, buyer="nobody") == (404, "not_found")
    # off the grid: invalid_price, the code live Kalshi answers
    assert code(propose, ex, clock, price="0.305") == (
        400,
        "invalid_price",
    )  # off the grid (issue 12: the code live answers)
    assert code(propose, ex, clock, maker_side="maybe") == (400, "invalid_parameters")
    assert code(propose, ex, clock, expiration_ts=clock.t - 1) == (400, "invalid_parameters")
    b = propose(ex, clock)
    assert code(ex.accept_block_trade, "carol", b.proposal_id) == (403, "forbidden")
    assert code(ex.accept_block_trade, "dave", b.proposal_id)[0] == 404
    assert ex.list_block_trades("carol") == [b] and not ex.list_block_trades("dave")
    clock.advance(60_001)
    assert ex.list_block_trades("alice", status="expired") == [b]
    assert code(ex.accept_block_trade, "alice", b.proposal_id) == (400, "proposal_expired")


def test_a_failed_execution_changes_nothing(ex_clock):
    ex, clock = ex_clock
    b = propose(ex, clock, count="5000")  # alice cannot pay for 5,000 YES
    ex.accept_block_trade("bob", b.proposal_id)
    assert code(ex.accept_block_trade, "alice", b.proposal_id)[1] == "available_balance_too_low"
    assert b.status == "pending" and b.buyer_accepted_ts is None
    assert not ex.list_fills("bob")
    ex.check_invariants()


def test_a_third_party_in_the_way_makes_it_fail_whole(ex_clock):
    ex, clock = ex_clock
    order(ex, "carol", "ask", "0.30", "5")  # would meet the buyer's order before bob's
    b = propose(ex, clock, maker_side="no")
    ex.accept_block_trade("alice", b.proposal_id)
    assert code(ex.accept_block_trade, "bob", b.proposal_id) == (409, "block_trade_not_filled")
    assert b.status == "pending" and not ex.list_fills("alice")
    crossing = propose(ex, clock, maker_side="yes")  # alice's bid would take carol's ask
    ex.accept_block_trade("alice", crossing.proposal_id)
    assert code(ex.accept_block_trade, "bob", crossing.proposal_id)[1] == "block_trade_not_filled"
    ex.check_invariants()
