"""Markets on exchange index 1 (Kalshi's combo shard): the index comes from the series, money for
orders, fills, RFQ and batch execution, block trades and settlement moves on that index only,
requests are routed by `exchange_index`, and a batch stays on one index. Money to the cent,
computed independently, on both indexes of both sides."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

import pytest
from rfq_batch_world import COLLECTION, LEGS, batch_exchange, children
from test_engine_helpers import T0, make_exchange, to_index

from sandbox.engine import EngineError, Series
from sandbox.engine.models import Collection

D = Decimal
GTC = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker"}


def fee(rate: str, count: str, p: str) -> D:
    """An independent fee: round up rate x C x P x (1-P) to the cent."""
    raw = D(rate) * D(count) * D(p) * (1 - D(p))
    return raw.quantize(D("0.01"), rounding=ROUND_CEILING)


def cash(ex, user: str, index: int, sub: int = 0) -> tuple[D, D]:
    """(available, held for resting orders) of the user on one index."""
    if index == 0:
        a = ex.get_account(user, sub)
        return a.balance, a.reserved
    h = ex.indexes.cash.get((user, sub, index))
    return (h.balance, h.reserved) if h is not None else (D(0), D(0))


def code(fn, *a, **kw) -> tuple[int, str]:
    with pytest.raises(EngineError) as e:
        fn(*a, **kw)
    return e.value.status, e.value.code


@pytest.fixture
def shard1():
    """TEST-1 on exchange index 1; alice and bob each move $100 there."""
    ex, clock = make_exchange(fee_type="quadratic_with_maker_fees", exchange_index=1)
    for u in ("alice", "bob"):
        to_index(ex, u, "100")
    return ex, clock


def test_the_index_comes_from_the_series(shard1):
    ex, _ = shard1
    assert ex.series["TEST"].exchange_index == 1
    assert ex.events["TEST-EV"].exchange_index == 1
    assert ex.markets["TEST-1"].exchange_index == 1
    bad = Series("BAD", "t", "c", "daily", exchange_index=2)
    assert code(ex.add_series, bad) == (400, "invalid_parameters")


def test_seeded_combos_live_on_index_1_and_the_rest_on_0():
    from sandbox.engine import Exchange

    ex = Exchange.in_memory(seed=7)
    combo_series = {c.series_ticker for c in ex.list_collections()}
    assert combo_series and all(ex.series[s].exchange_index == 1 for s in combo_series)
    assert all(s.exchange_index == 0 for t, s in ex.series.items() if t not in combo_series)
    assert all(m.exchange_index == 0 for m in ex.markets.values())  # no combo created yet
    # The market maker quotes combos too: its target allocation put 10% of its $10M there.
    assert ex.indexes.allocation("kalshi-mm").allocations == [[0, 90], [1, 10]]
    assert cash(ex, "kalshi-mm", 1) == (D("1000000"), D(0))


def test_orders_hold_and_fills_move_cash_on_the_markets_index(shard1):
    ex, _ = shard1
    total = ex.total_money()
    a0, b0 = cash(ex, "alice", 0)[0], cash(ex, "bob", 0)[0]
    rest = ex.create_order("alice", ticker="TEST-1", side="bid", price="0.40", count="10", **GTC)
    o = rest.order
    assert o.exchange_index == 1 and o.reserved > 0
    # The hold is on index 1: price x count + the maker fee bound.
    assert cash(ex, "alice", 1) == (D(100) - o.reserved, o.reserved)
    assert cash(ex, "alice", 0) == (a0, D(0))
    taken = ex.create_order("bob", ticker="TEST-1", side="ask", price="0.40", count="10", **GTC)
    assert [f.exchange_index for f in taken.fills] == [1]
    # alice (maker, 0.0175) bought 10 YES at 0.40, bob (taker, 0.07) sold them.
    assert cash(ex, "alice", 1) == (D(100) - D("4.00") - fee("0.0175", "10", "0.40"), D(0))
    assert cash(ex, "bob", 1) == (D(100) - D("6.00") - fee("0.07", "10", "0.40"), D(0))
    assert cash(ex, "alice", 0) == (a0, D(0)) and cash(ex, "bob", 0) == (b0, D(0))
    assert ex.total_money() == total
    ex.check_invariants()


def test_cancel_and_amend_release_and_hold_on_index_1(shard1):
    ex, _ = shard1
    o = ex.create_order("alice", ticker="TEST-1", side="bid", price="0.30", count="10", **GTC)
    oid = o.order.order_id
    ex.amend_order("alice", oid, ticker="TEST-1", side="bid", price="0.50", count="10")
    assert cash(ex, "alice", 1)[1] == ex.orders[oid].reserved > D("5")
    ex.decrease_order("alice", oid, reduce_to="4")
    assert cash(ex, "alice", 1)[1] == ex.orders[oid].reserved < D("3")
    ex.cancel_order("alice", oid)
    assert cash(ex, "alice", 1) == (D(100), D(0))
    ex.check_invariants()


def test_index_1_cash_is_required_whatever_index_0_holds(shard1):
    ex, _ = shard1
    ex.add_user("carol2", D("5000"))  # $5,000 on index 0, nothing on index 1
    refused = code(
        ex.create_order, "carol2", ticker="TEST-1", side="bid", price="0.50", count="1", **GTC
    )
    assert refused == (400, "available_balance_too_low")  # the same answer as on index 0
    assert ("carol2", 0, 1) not in ex.indexes.cash  # nothing half-made
    # A taker's worst case: 0.49 + a 2-cent taker fee; resting, it holds 0.49 + a 1-cent maker fee.
    to_index(ex, "carol2", "0.50")
    short = {"ticker": "TEST-1", "side": "bid", "price": "0.49", "count": "1", **GTC}
    assert code(ex.create_order, "carol2", **short) == (400, "available_balance_too_low")
    to_index(ex, "carol2", "0.01")
    ok = ex.create_order("carol2", **short)
    assert (
        cash(ex, "carol2", 1)
        == (D("0.01"), D("0.50"))
        == (D("0.51") - ok.order.reserved, ok.order.reserved)
    )
    ex.check_invariants()


def test_settlement_pays_on_the_markets_index(shard1):
    ex, _ = shard1
    ex.create_order("alice", ticker="TEST-1", side="bid", price="0.40", count="10", **GTC)
    ex.create_order("bob", ticker="TEST-1", side="ask", price="0.40", count="10", **GTC)
    a1, a0 = cash(ex, "alice", 1)[0], cash(ex, "alice", 0)[0]
    total = ex.total_money()
    ex.determine_market("TEST-1", "yes")
    ex.settle_market("TEST-1")
    assert cash(ex, "alice", 1)[0] == a1 + D(10)
    assert cash(ex, "alice", 0)[0] == a0
    assert [s.exchange_index for s in ex.list_settlements("alice")] == [1]
    assert ex.total_money() == total
    ex.check_invariants()


def test_routing_by_exchange_index(shard1):
    ex, _ = shard1
    place = ex.create_order
    kw = {"ticker": "TEST-1", "side": "bid", "price": "0.10", "count": "1", **GTC}
    assert code(place, "alice", exchange_index=0, **kw) == (400, "invalid_parameters")
    assert cash(ex, "alice", 1) == (D(100), D(0))  # refused before anything changed
    for index in (None, -1, 1):  # omitted and -1 auto-route by ticker
        place("alice", exchange_index=index, **kw)
    oid = ex.list_orders("alice", status="resting")[0].order_id
    assert code(ex.cancel_order, "alice", oid, 0, 0) == (404, "not_found")
    assert code(ex.decrease_order, "alice", oid, reduce_by="1", exchange_index=0)[0] == 404
    amend = {"ticker": "TEST-1", "side": "bid", "price": "0.20", "count": "1"}
    assert code(ex.amend_order, "alice", oid, exchange_index=0, **amend)[0] == 404
    assert ex.cancel_order("alice", oid, 0, 1).reduced_by == 1
    ex.check_invariants()


def test_rfq_execution_uses_index_1_cash(shard1):
    ex, clock = shard1
    total = ex.total_money()
    ex.add_user("dave", D("1000"))  # index 0 only
    r = ex.create_rfq("dave", ticker="TEST-1", contracts="10", rest_remainder=False)
    q = ex.create_quote("bob", rfq_id=r.rfq_id, yes_bid="0.40", no_bid="0.55", rest_remainder=False)
    assert code(ex.accept_quote, "dave", q.quote_id, "yes", r.rfq_id) == (
        400,
        "available_balance_too_low",
    )
    r = ex.create_rfq("alice", ticker="TEST-1", contracts="10", rest_remainder=False)
    q = ex.create_quote("bob", rfq_id=r.rfq_id, yes_bid="0.40", no_bid="0.55", rest_remainder=False)
    a0, b0 = cash(ex, "alice", 0)[0], cash(ex, "bob", 0)[0]
    ex.accept_quote("alice", q.quote_id, "yes", r.rfq_id)
    ex.confirm_quote("bob", q.quote_id, r.rfq_id)
    clock.advance(60_000)
    ex.run_timers()
    assert q.status == "executed"
    assert cash(ex, "alice", 1) == (D(100) - D("4.00") - fee("0.07", "10", "0.40"), D(0))
    assert cash(ex, "bob", 1) == (D(100) - D("6.00") - fee("0.0175", "10", "0.40"), D(0))
    assert (cash(ex, "alice", 0)[0], cash(ex, "bob", 0)[0]) == (a0, b0)
    assert ex.total_money() == total + D(1000)  # dave's deposit
    ex.check_invariants()


def test_block_trade_uses_index_1_cash(shard1):
    ex, clock = shard1
    total = ex.total_money()
    b = ex.propose_block_trade(
        "carol",
        buyer="alice",
        seller="bob",
        ticker="TEST-1",
        price="0.30",
        count="20",
        maker_side="no",
        expiration_ts=clock.t + 60_000,
    )
    ex.accept_block_trade("alice", b.proposal_id)
    ex.accept_block_trade("bob", b.proposal_id)
    assert b.status == "executed"
    assert cash(ex, "alice", 1)[0] == D(100) - D("6.00") - fee("0.07", "20", "0.30")
    assert cash(ex, "bob", 1)[0] == D(100) - D("14.00") - fee("0.0175", "20", "0.30")
    assert ex.total_money() == total
    ex.check_invariants()


def test_portfolio_reads_per_index(shard1):
    ex, _ = shard1
    ex.create_order("alice", ticker="TEST-1", side="bid", price="0.40", count="10", **GTC)
    held = cash(ex, "alice", 1)[1]
    assert ex.total_resting_order_value("alice", None, 1) == held
    assert ex.total_resting_order_value("alice", None, 0) == 0
    assert ex.total_resting_order_value("alice") == held
    ex.create_order("bob", ticker="TEST-1", side="ask", price="0.40", count="10", **GTC)
    ex.create_order("bob", ticker="TEST-1", side="bid", price="0.30", count="1", **GTC)
    assert ex.portfolio_value("alice", 0, 0) == 0
    assert ex.portfolio_value("alice", 0, 1) == ex.portfolio_value("alice", 0) == D("3.00")


def test_a_batch_stays_on_one_exchange_index():
    """CreateRfqBatch: "all combos on one exchange index"."""
    ex, _ = batch_exchange()
    ex.add_series(Series("KXMVE1", "Combos on 1", "Testing", "custom", exchange_index=1))
    events = [{"ticker": e, "is_yes_only": False, "size_max": 1} for e, _ in LEGS]
    grid = ex.get_collection(COLLECTION).price_ranges
    ex.add_collection(
        Collection("KXMVE1", "KXMVE1", "Combo 1", "d", T0 - 1000, T0 + 10**9, events, 2, 2, grid)
    )
    on_0 = children()[:2]
    on_1, _ = ex.create_combo_market("alice", "KXMVE1", children()[2]["selected_markets"])
    assert on_1.exchange_index == 1
    mixed = [*on_0, {"market_ticker": on_1.ticker}]
    with pytest.raises(EngineError) as e:
        ex.create_rfq_batch(
            "alice", children=mixed, mve_collection_ticker=COLLECTION, contracts="1"
        )
    assert (e.value.status, e.value.code) == (400, "invalid_parameters")
    assert on_1.ticker in (e.value.details or "")
    assert not ex.batches.batches  # nothing made
    ex.create_rfq_batch("alice", children=on_0, mve_collection_ticker=COLLECTION, contracts="1")
    ex.check_invariants()


def test_an_order_group_lives_on_one_index(shard1):
    ex, _ = shard1
    g0 = ex.create_order_group("alice", "5")
    g1 = ex.create_order_group("alice", "5", 0, 1)
    assert (g0.exchange_index, g1.exchange_index) == (0, 1)
    assert code(ex.create_order_group, "alice", "5", 0, 2) == (400, "invalid_parameters")
    kw = {"ticker": "TEST-1", "side": "bid", "price": "0.10", "count": "1", **GTC}
    refused = code(ex.create_order, "alice", order_group_id=g0.order_group_id, **kw)
    assert refused == (400, "invalid_parameters")
    ok = ex.create_order("alice", order_group_id=g1.order_group_id, **kw)
    assert ok.order.order_group_id == g1.order_group_id
