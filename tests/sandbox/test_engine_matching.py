"""Matching rules: price-time priority, partial fills, time in force, post-only, reduce-only,
self-trade prevention, price grids, count granularity, balance checks, netting."""

from __future__ import annotations

import pytest
from test_engine_helpers import TAPERED, D, bal, make_exchange, order, pos

from sandbox.engine import EngineError


def test_bid_rests_and_holds_its_cost():
    ex, _ = make_exchange()
    r = order(ex, "alice", "bid", "0.40", "10")
    assert r.order.status == "resting" and not r.fills
    assert bal(ex, "alice") == D("996") and ex.get_account("alice").reserved == D("4")
    assert ex.book("TEST-1") == ([(D("0.40"), D("10"))], [])
    m = ex.get_market("TEST-1")
    assert (m.yes_bid, m.yes_ask, m.yes_bid_size) == (D("0.40"), D("1"), D("10"))


def test_ask_holds_no_side_cost_and_shows_as_no_bid():
    ex, _ = make_exchange()
    order(ex, "alice", "ask", "0.70", "5")
    assert ex.get_account("alice").reserved == D("1.5")  # (1 - 0.70) * 5
    assert ex.book("TEST-1") == ([], [(D("0.30"), D("5"))])


def test_trade_executes_at_resting_price_and_charges_taker_fee():
    ex, _ = make_exchange()
    order(ex, "alice", "ask", "0.40", "10")
    r = order(ex, "bob", "bid", "0.45", "10")
    assert r.order.status == "executed" and r.fill_count == D("10")
    [f] = r.fills
    assert f.price == D("0.40") and f.is_taker and f.count == D("10")
    assert f.fee_cost == D("0.17")  # ceil(0.07 * 10 * 0.4 * 0.6 = 0.168)
    assert bal(ex, "bob") == D("1000") - D("4") - D("0.17")
    assert bal(ex, "alice") == D("994") and ex.get_account("alice").reserved == 0
    assert pos(ex, "bob") == 10 and pos(ex, "alice") == -10
    m = ex.get_market("TEST-1")
    assert m.last_price == D("0.40") and m.volume == 10 and m.open_interest == 10
    [t] = ex.list_trades("TEST-1")
    assert t.taker_side == "bid" and t.taker_outcome_side == "yes" and t.count == 10
    maker_fill = ex.list_fills("alice")[0]
    assert (
        not maker_fill.is_taker and maker_fill.fee_cost == 0 and maker_fill.trade_id == t.trade_id
    )


def test_price_then_time_priority_and_partial_fills():
    ex, _ = make_exchange()
    a1 = order(ex, "alice", "ask", "0.50", "5").order
    c1 = order(ex, "carol", "ask", "0.50", "5").order
    a2 = order(ex, "alice", "ask", "0.48", "3").order
    r = order(ex, "bob", "bid", "0.50", "10")
    assert [(f.price, f.count) for f in r.fills] == [(D("0.48"), 3), (D("0.50"), 5), (D("0.50"), 2)]
    assert a2.status == "executed" and a1.status == "executed"
    assert c1.status == "resting" and c1.remaining_count == 3 and c1.fill_count == 2
    assert ex.book("TEST-1")[1] == [(D("0.50"), D("3"))]


def test_ioc_cancels_the_rest_and_gtc_rests_it():
    ex, _ = make_exchange()
    order(ex, "alice", "ask", "0.50", "4")
    r = order(ex, "bob", "bid", "0.50", "10", tif="immediate_or_cancel")
    assert r.order.status == "canceled" and r.fill_count == 4 and r.order.remaining_count == 0
    assert ex.book("TEST-1") == ([], [])
    assert ex.get_account("bob").reserved == 0
    order(ex, "alice", "ask", "0.50", "4")
    r = order(ex, "bob", "bid", "0.50", "10")
    assert r.order.status == "resting" and r.order.remaining_count == 6
    assert ex.book("TEST-1") == ([(D("0.50"), D("6"))], [])


def test_fill_or_kill_is_all_or_nothing():
    ex, _ = make_exchange()
    order(ex, "alice", "ask", "0.50", "4")
    before = (bal(ex, "bob"), bal(ex, "alice"), ex.book("TEST-1"))
    r = order(ex, "bob", "bid", "0.50", "5", tif="fill_or_kill")
    assert r.order.status == "canceled" and not r.fills and r.fill_count == 0
    assert (bal(ex, "bob"), bal(ex, "alice"), ex.book("TEST-1")) == before
    r = order(ex, "bob", "bid", "0.50", "4", tif="fill_or_kill")
    assert r.order.status == "executed" and r.fill_count == 4


def test_expired_orders_leave_the_book():
    ex, clock = make_exchange()
    r = order(ex, "alice", "bid", "0.40", "10", expiration_time=clock.t + 5000)
    assert ex.book("TEST-1")[0] == [(D("0.40"), D("10"))]
    clock.advance(5000)
    assert ex.book("TEST-1") == ([], [])  # reads see it gone
    o = ex.get_order("alice", r.order.order_id)
    assert o.status == "canceled" and o.last_update_reason == "ExpiryCancel"
    assert bal(ex, "alice") == D("1000")
    order(ex, "alice", "bid", "0.40", "1", expiration_time=clock.t + 10)
    clock.advance(10)
    assert ex.expire_orders() == 1


def test_expiration_rules():
    ex, clock = make_exchange()
    with pytest.raises(EngineError) as e:
        order(ex, "alice", "bid", "0.40", "1", expiration_time=clock.t - 1)
    assert e.value.code == "invalid_order"
    with pytest.raises(EngineError):
        order(
            ex,
            "alice",
            "bid",
            "0.40",
            "1",
            tif="immediate_or_cancel",
            expiration_time=clock.t + 100,
        )


def test_post_only_that_would_cross_is_rejected():
    ex, _ = make_exchange()
    order(ex, "alice", "ask", "0.50", "5")
    with pytest.raises(EngineError) as e:
        order(ex, "bob", "bid", "0.50", "5", post_only=True)
    assert (e.value.status, e.value.code, e.value.details) == (
        400,
        "invalid_order",
        "post only cross",
    )
    assert bal(ex, "bob") == D("1000")
    r = order(ex, "bob", "bid", "0.49", "5", post_only=True)
    assert r.order.status == "resting"


def test_reduce_only_rules():
    ex, _ = make_exchange()
    with pytest.raises(EngineError) as e:
        order(ex, "bob", "ask", "0.40", "5", reduce_only=True)  # GTC
    assert e.value.code == "invalid_order"
    with pytest.raises(EngineError):  # no position to reduce
        order(ex, "bob", "ask", "0.40", "5", tif="immediate_or_cancel", reduce_only=True)
    order(ex, "alice", "ask", "0.40", "3")
    order(ex, "bob", "bid", "0.40", "3")  # bob long 3 YES
    order(ex, "carol", "bid", "0.45", "10")
    r = order(ex, "bob", "ask", "0.45", "10", tif="immediate_or_cancel", reduce_only=True)
    assert r.fill_count == 3 and pos(ex, "bob") == 0
    with pytest.raises(EngineError):  # would open a NO position now
        order(ex, "bob", "ask", "0.45", "1", tif="immediate_or_cancel", reduce_only=True)


def test_self_trade_taker_at_cross_cancels_the_taker_keeps_earlier_fills():
    ex, _ = make_exchange()
    order(ex, "bob", "ask", "0.45", "2")
    mine = order(ex, "alice", "ask", "0.50", "5").order
    r = order(ex, "alice", "bid", "0.55", "10", stp="taker_at_cross")
    assert r.fill_count == 2 and r.order.status == "canceled"
    assert r.order.last_update_reason == "SelfTradeCancel"
    assert mine.status == "resting" and mine.remaining_count == 5
    ex.check_invariants()


def test_self_trade_maker_cancels_the_resting_order_and_continues():
    ex, _ = make_exchange()
    mine = order(ex, "alice", "ask", "0.45", "5").order
    order(ex, "bob", "ask", "0.50", "5")
    r = order(ex, "alice", "bid", "0.55", "10", stp="maker")
    assert mine.status == "canceled" and mine.last_update_reason == "SelfTradeCancel"
    assert r.fill_count == 5 and r.fills[0].price == D("0.50")
    assert r.order.status == "resting" and r.order.remaining_count == 5
    ex.check_invariants()


@pytest.mark.parametrize("price", ["0.555", "0", "1", "1.2", "-0.1", "abc"])
def test_off_grid_prices_are_rejected(price):
    ex, _ = make_exchange()
    with pytest.raises(EngineError) as e:
        order(ex, "alice", "bid", price, "1")
    assert e.value.status == 400


@pytest.mark.parametrize("price", ["0.555", "0.40001"])
def test_off_grid_prices_answer_invalid_price(price):
    # live Kalshi's code for a price between ticks (issue 12)
    ex, _ = make_exchange()
    with pytest.raises(EngineError) as e:
        order(ex, "alice", "bid", price, "1")
    assert (e.value.status, e.value.code) == (400, "invalid_price")


def test_tapered_grid_allows_sub_penny_only_at_the_edges():
    ex, _ = make_exchange(grid=TAPERED)
    assert order(ex, "alice", "bid", "0.005", "1").order.price == D("0.005")
    assert order(ex, "alice", "ask", "0.995", "1").order.price == D("0.995")
    assert order(ex, "alice", "bid", "0.37", "1").order.status == "resting"
    with pytest.raises(EngineError):
        order(ex, "alice", "bid", "0.155", "1")


@pytest.mark.parametrize("count", ["0", "-1", "0.001", "1.234"])
def test_count_granularity(count):
    ex, _ = make_exchange()
    with pytest.raises(EngineError) as e:
        order(ex, "alice", "bid", "0.40", count)
    assert e.value.code == "invalid_order_size"


def test_fractional_counts_trade():
    ex, _ = make_exchange()
    order(ex, "alice", "ask", "0.40", "1.5")
    r = order(ex, "bob", "bid", "0.40", "0.25")
    assert r.fill_count == D("0.25") and pos(ex, "bob") == D("0.25")


def test_balance_check_uses_collateral_and_changes_nothing_on_failure():
    ex, _ = make_exchange(users=("alice", "bob", "poor"), balance="1000")
    ex.deposit("poor", D("-995"))  # $5 left
    with pytest.raises(EngineError) as e:
        order(ex, "poor", "bid", "0.60", "10")
    assert (e.value.status, e.value.code) == (400, "available_balance_too_low")
    assert bal(ex, "poor") == D("5") and ex.book("TEST-1") == ([], [])
    # An ask holds (1 - p): 10 @ 0.70 needs $3 plus the fee bound.
    assert order(ex, "poor", "ask", "0.70", "10").order.status == "resting"
    assert ex.get_account("poor").reserved == D("3")


def test_cancel_releases_exactly_what_was_held():
    ex, _ = make_exchange()
    r = order(ex, "alice", "bid", "0.37", "13")
    c = ex.cancel_order("alice", r.order.order_id)
    assert c.reduced_by == 13 and c.order.status == "canceled"
    assert bal(ex, "alice") == D("1000") and ex.get_account("alice").reserved == 0
    with pytest.raises(EngineError) as e:
        ex.cancel_order("bob", r.order.order_id)
    assert e.value.status == 404


def test_buying_yes_while_short_closes_no_and_needs_no_cash():
    ex, _ = make_exchange(users=("alice", "bob", "carol"))
    order(ex, "bob", "bid", "0.40", "10")
    order(ex, "alice", "ask", "0.40", "10", tif="immediate_or_cancel")  # alice buys NO @0.60
    assert pos(ex, "alice") == -10 and bal(ex, "alice") == D("1000") - D("6") - D("0.17")
    ex.deposit("alice", -bal(ex, "alice"))  # alice has no cash left at all
    # A covered bid needs no collateral...
    r = order(ex, "alice", "bid", "0.50", "10")
    assert r.order.status == "resting" and r.order.reserved == 0 and r.order.covered == 10
    # ...and closes the NO position when it trades: NO bought at 0.60 sold at 0.50.
    order(ex, "carol", "ask", "0.50", "10", tif="immediate_or_cancel")
    assert pos(ex, "alice") == 0 and bal(ex, "alice") == D("5")
    p = ex.positions[("alice", 0, "TEST-1")]
    assert p.realized_pnl == D("-1") and p.exposure == 0
    m = ex.get_market("TEST-1")
    assert m.open_interest == 10  # bob long 10, carol short 10
    ex.check_invariants()


def test_uncovered_part_needs_cash():
    ex, _ = make_exchange()
    order(ex, "bob", "bid", "0.40", "4")
    order(ex, "alice", "ask", "0.40", "4", tif="immediate_or_cancel")  # alice short 4 (NO)
    r = order(ex, "alice", "bid", "0.30", "10")
    assert r.order.covered == 4 and r.order.reserved == D("0.30") * 6


def test_closing_trade_takes_cover_back_from_other_orders():
    ex, _ = make_exchange()
    order(ex, "bob", "bid", "0.40", "10")
    order(ex, "alice", "ask", "0.40", "10", tif="immediate_or_cancel")  # alice NO 10
    covered = order(ex, "alice", "bid", "0.30", "10").order  # promised the NO position
    assert covered.covered == 10
    order(ex, "carol", "ask", "0.45", "10")
    order(ex, "alice", "bid", "0.45", "10", tif="immediate_or_cancel")  # closes NO anyway
    assert pos(ex, "alice") == 0
    assert covered.covered == 0 and covered.reserved == D("3")
    ex.check_invariants()


def test_unknown_things_are_404_and_duplicates_409():
    ex, _ = make_exchange()
    with pytest.raises(EngineError) as e:
        order(ex, "alice", "bid", "0.40", "1", ticker="NOPE")
    assert (e.value.status, e.value.code) == (404, "not_found")
    with pytest.raises(EngineError) as e:
        ex.get_order("alice", "no-such-order")
    assert e.value.status == 404
    order(ex, "alice", "bid", "0.40", "1", client_order_id="abc")
    with pytest.raises(EngineError) as e:
        order(ex, "alice", "bid", "0.41", "1", client_order_id="abc")
    assert (e.value.status, e.value.code) == (409, "order_already_exists")
    order(ex, "bob", "bid", "0.40", "1", client_order_id="abc")  # per user
    for bad in ({"side": "buy"}, {"tif": "GTT"}, {"stp": "none"}):
        kw = {"side": "bid", **bad}
        with pytest.raises(EngineError) as e:
            order(ex, "alice", kw.pop("side"), "0.40", "1", **kw)
        assert e.value.status == 400


def test_closed_market_rejects_orders_and_cancels_resting():
    ex, _ = make_exchange()
    r = order(ex, "alice", "bid", "0.40", "10")
    ex.close_market("TEST-1")
    assert r.order.status == "canceled" and r.order.last_update_reason == "CloseCancel"
    assert bal(ex, "alice") == D("1000")
    with pytest.raises(EngineError) as e:
        order(ex, "alice", "bid", "0.40", "10")
    assert e.value.code == "market_closed"


def test_pause_cancels_flagged_orders_only():
    ex, _ = make_exchange()
    keep = order(ex, "alice", "bid", "0.40", "1").order
    drop = order(ex, "alice", "bid", "0.41", "1", cancel_order_on_pause=True).order
    ex.pause_trading()
    assert keep.status == "resting" and drop.status == "canceled"
    with pytest.raises(EngineError) as e:
        order(ex, "alice", "bid", "0.40", "1")
    assert e.value.code == "trading_is_paused"
    ex.resume_trading()
    order(ex, "alice", "bid", "0.40", "1")


def test_subaccounts_have_their_own_cash_and_positions():
    ex, _ = make_exchange()
    with pytest.raises(EngineError) as e:  # subaccount 1 does not exist yet
        order(ex, "alice", "bid", "0.40", "1", subaccount=1)
    assert e.value.status == 404
    ex.create_subaccount("alice")
    with pytest.raises(EngineError) as e:  # subaccount 1 starts empty
        order(ex, "alice", "bid", "0.40", "1", subaccount=1)
    assert e.value.code == "available_balance_too_low"
    ex.transfer_between_subaccounts("alice", "fund-1", 0, 1, 1000)
    order(ex, "alice", "bid", "0.40", "5", subaccount=1)
    order(ex, "bob", "ask", "0.40", "5")
    assert ex.positions[("alice", 1, "TEST-1")].position == 5 and pos(ex, "alice") == 0
    assert ex.get_account("alice", 1).balance == D("8") and bal(ex, "alice") == D("990")
    with pytest.raises(EngineError):
        ex.get_account("alice", 64)
    with pytest.raises(EngineError):
        ex.get_account("nobody")
