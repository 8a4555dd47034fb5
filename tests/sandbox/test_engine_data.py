"""Market data, listener events, lifecycle, the historical cutoff and candlesticks."""

from __future__ import annotations

import pytest
from test_engine_helpers import D, make_exchange, order

from sandbox.engine import (
    BookDelta,
    EngineError,
    Exchange,
    FillEvent,
    Market,
    MarketLifecycle,
    OrderEvent,
    OrderGroupUpdate,
    TickerUpdate,
    TradeEvent,
)


def test_listeners_get_events_after_each_operation():
    ex, _ = make_exchange()
    seen = []
    ex.listeners.append(seen.append)
    order(ex, "alice", "ask", "0.40", "10")
    kinds = [type(e).__name__ for e in seen]
    assert kinds == ["OrderEvent", "BookDelta", "TickerUpdate"]
    assert seen[1] == BookDelta("TEST-1", "no", D("0.60"), D("10"), seen[1].ts, "alice", None, 0)
    seen.clear()
    order(ex, "bob", "bid", "0.40", "4")
    fills = [e for e in seen if isinstance(e, FillEvent)]
    assert sorted(f.fill.is_taker for f in fills) == [False, True]
    assert {f.fill.user_id: f.fill.post_position for f in fills} == {"alice": -4, "bob": 4}
    [trade] = [e for e in seen if isinstance(e, TradeEvent)]
    assert trade.trade.count == 4
    delta = [e for e in seen if isinstance(e, BookDelta)]
    assert [(d.side, d.price, d.delta) for d in delta] == [("no", D("0.60"), D("-4"))]
    ticker = [e for e in seen if isinstance(e, TickerUpdate)][-1]
    assert ticker.market.last_price == D("0.40") and ticker.market.volume == 4
    executed = [e for e in seen if isinstance(e, OrderEvent) and e.kind == "executed"]
    assert executed and executed[0].order.user_id == "bob"
    seen.clear()
    g = ex.create_order_group("alice", D("5"))
    ex.trigger_order_group("alice", g.order_group_id)
    assert [e.kind for e in seen if isinstance(e, OrderGroupUpdate)] == ["created", "triggered"]
    seen.clear()
    ex.close_market("TEST-1")
    assert "deactivated" in [e.kind for e in seen if isinstance(e, MarketLifecycle)]


def test_early_close_updates_the_close_date_before_the_status():
    """Kalshi's lifecycle page: an early close is a `close_date_updated` (the close time moves
    to now); like a reopen (close_date_updated, then activated), the date comes first."""
    ex, _ = make_exchange()
    seen = []
    ex.listeners.append(seen.append)
    before = ex.get_market("TEST-1").close_time
    ex.close_market("TEST-1")
    kinds = [(e.kind, e.market.close_time) for e in seen if isinstance(e, MarketLifecycle)]
    now = kinds[0][1]
    assert now < before
    assert kinds == [("close_date_updated", now), ("deactivated", now)]


def test_failed_operations_emit_nothing_and_events_are_snapshots():
    ex, _ = make_exchange()
    seen = []
    ex.listeners.append(seen.append)
    with pytest.raises(EngineError):
        order(ex, "alice", "bid", "0.405", "1")
    assert seen == []
    r = order(ex, "alice", "bid", "0.40", "5")
    created = seen[0]
    ex.cancel_order("alice", r.order.order_id)
    assert created.order.status == "resting" and r.order.status == "canceled"


def test_book_depth_and_no_side_prices():
    ex, _ = make_exchange()
    for p in ("0.30", "0.31", "0.32"):
        order(ex, "alice", "bid", p, "1")
    order(ex, "bob", "ask", "0.35", "2")
    order(ex, "bob", "ask", "0.36", "3")
    yes, no = ex.book("TEST-1", depth=2)
    assert yes == [(D("0.31"), D("1")), (D("0.32"), D("1"))]
    assert no == [(D("0.64"), D("3")), (D("0.65"), D("2"))]  # best NO bid = 1 - best ask, last
    m = ex.get_market("TEST-1")
    assert (m.yes_bid, m.yes_ask, m.no_bid, m.no_ask) == (
        D("0.32"),
        D("0.35"),
        D("0.65"),
        D("0.68"),
    )


def test_lifecycle_and_new_markets():
    ex, clock = make_exchange()
    m = ex.create_market(
        Market(
            ticker="TEST-NEW",
            event_ticker="TEST-EV",
            series_ticker="",
            title="t",
            subtitle="",
            yes_sub_title="y",
            no_sub_title="n",
            open_time=clock.t,
            close_time=clock.t + 1000,
            latest_expiration_time=clock.t + 2000,
            rules_primary="",
            rules_secondary="",
            price_level_structure="linear_cent",
            price_ranges=ex.markets["TEST-1"].price_ranges,
            status="initialized",
        )
    )
    with pytest.raises(EngineError) as e:
        order(ex, "alice", "bid", "0.40", "1", ticker="TEST-NEW")
    assert e.value.code == "market_not_open"
    ex.open_market("TEST-NEW")
    order(ex, "alice", "bid", "0.40", "1", ticker="TEST-NEW")
    ex.pause_market("TEST-NEW")
    assert m.status == "inactive"
    ex.open_market("TEST-NEW")
    ex.close_market("TEST-NEW")
    assert m.status == "closed" and ex.book("TEST-NEW") == ([], [])
    assert ex.list_markets(status="closed") == [m]
    assert ex.event_status("TEST-EV") == "open"
    with pytest.raises(EngineError):
        ex.create_market(m)


def test_historical_cutoff_moves_settled_markets_trades_and_fills():
    ex, clock = make_exchange(tickers=("TEST-1", "TEST-2"))
    order(ex, "alice", "ask", "0.40", "2", ticker="TEST-2")
    order(ex, "bob", "bid", "0.40", "2", ticker="TEST-2")
    ex.determine_market("TEST-2", "yes")
    ex.settle_market("TEST-2")
    clock.advance(1000)
    order(ex, "alice", "ask", "0.40", "2")
    order(ex, "bob", "bid", "0.40", "2")
    assert len(ex.list_trades()) == 2 and ex.list_trades(historical=True) == []
    ex.set_historical_cutoff(clock.t - 500)
    assert [t.ticker for t in ex.list_trades()] == ["TEST-1"]
    assert [t.ticker for t in ex.list_trades(historical=True)] == ["TEST-2"]
    assert [f.ticker for f in ex.list_fills("bob", historical=True)] == ["TEST-2"]
    assert [m.ticker for m in ex.list_markets()] == ["TEST-1"]
    assert ex.get_historical_market("TEST-2").ticker == "TEST-2"
    with pytest.raises(EngineError):
        ex.get_market("TEST-2")
    with pytest.raises(EngineError):
        ex.get_historical_market("TEST-1")
    assert [o.ticker for o in ex.list_orders("bob", historical=True)] == ["TEST-2"]
    assert [o.ticker for o in ex.list_orders("bob")] == ["TEST-1"]
    live, _ = ex.list_positions("bob", settlement_status="all")
    hist, _ = ex.list_positions("bob", settlement_status="all", historical=True)
    assert [p.ticker for p in live] == ["TEST-1"] and [p.ticker for p in hist] == ["TEST-2"]


def test_candles_from_trades_and_quotes():
    ex, clock = make_exchange()
    clock.t = (clock.t // 3_600_000 + 1) * 3_600_000  # top of the next hour
    start = clock.t // 1000
    order(ex, "alice", "ask", "0.40", "10")
    order(ex, "bob", "bid", "0.40", "2")
    clock.advance(30_000)
    order(ex, "bob", "bid", "0.40", "3")
    clock.advance(60_000)  # next minute
    order(ex, "carol", "bid", "0.30", "1")
    order(ex, "bob", "bid", "0.40", "1")
    clock.advance(3 * 60_000)
    cs = ex.market_candlesticks("TEST-1", start + 1, start + 180, 1)
    assert [c.end_period_ts for c in cs] == [start + 60, start + 120, start + 180]
    first, second, quiet = cs
    assert (first.price.open, first.price.close, first.volume) == (D("0.40"), D("0.40"), D(5))
    assert first.price.mean == D("0.40") and first.open_interest == 5
    assert second.yes_bid.close == D("0.30") and second.volume == 1
    assert quiet.price.close is None and quiet.price.previous == D("0.40")
    assert quiet.yes_bid.close == D("0.30") and quiet.yes_ask.close == D("0.40")
    [hour] = ex.market_candlesticks("TEST-1", start + 1, start + 3600, 60)
    assert hour.volume == 6 and hour.price.high == D("0.40") and hour.end_period_ts == start + 3600
    with pytest.raises(EngineError):
        ex.market_candlesticks("TEST-1", start, start + 60, 5)
    tickers, per = ex.event_candlesticks("TEST-EV", start + 1, start + 180, 1)
    assert tickers == ["TEST-1"] and len(per[0]) == 3


def test_seeded_universe_is_realistic_and_deterministic():
    a = Exchange.in_memory(seed=7, clock=lambda: 1_795_500_000_000)
    b = Exchange.in_memory(seed=7, clock=lambda: 1_795_500_000_000)
    assert list(a.markets) == list(b.markets)
    assert [o.order_id for o in a.orders.values()] == [o.order_id for o in b.orders.values()]
    a.check_invariants()
    fee_types = {s.fee_type for s in a.series.values()}
    assert {"quadratic", "quadratic_with_maker_fees", "flat"} <= fee_types
    statuses = {m.status for m in a.markets.values()}
    assert {"active", "closed", "determined", "finalized", "initialized"} <= statuses
    assert a.list_markets(historical=True), "markets settled before the cutoff"
    assert a.list_trades(historical=True)
    structures = {m.price_level_structure for m in a.markets.values()}
    assert {"linear_cent", "tapered_deci_cent"} <= structures
    for m in a.list_markets(status="open"):
        yes, no = a.book(m.ticker)
        assert yes and no and m.yes_bid < m.yes_ask
    positions, _ = a.list_positions("demo")
    assert sorted(p.position > 0 for p in positions) == [False, True]
    assert a.list_settlements("demo") and a.list_fills("demo")
    assert a.get_account("demo").balance < D("1000")
    c = Exchange.in_memory(seed=8, clock=lambda: 1_795_500_000_000)
    assert [o.price for o in c.orders.values()] != [o.price for o in a.orders.values()]


def test_ticker_updates_only_when_stats_move():
    ex, _ = make_exchange()
    order(ex, "alice", "bid", "0.40", "1")
    seen = []
    ex.listeners.append(seen.append)
    order(ex, "bob", "bid", "0.30", "1")  # below the best bid: no ticker change
    assert not [e for e in seen if isinstance(e, TickerUpdate)]
    order(ex, "bob", "bid", "0.40", "1")  # best-bid size changes
    assert [e.market.yes_bid_size for e in seen if isinstance(e, TickerUpdate)] == [D("2")]


def test_previous_day_values_roll_at_utc_midnight():
    ex, clock = make_exchange()
    order(ex, "alice", "ask", "0.45", "5")
    order(ex, "bob", "bid", "0.45", "1")
    m = ex.get_market("TEST-1")
    clock.advance(86_400_000)
    m = ex.get_market("TEST-1")
    assert (m.previous_price, m.previous_yes_ask) == (D("0.45"), D("0.45"))
    assert m.volume_24h == 0 and m.volume == 1 and m.dollar_volume == D("0.45")


# Oct 15 2026 is before the weather index's launch (Nov 2): it broke there once (IndexError).
@pytest.mark.parametrize("now", [1_792_065_600_000, 1_795_500_000_000, 1_798_761_599_000])
@pytest.mark.parametrize("seed", range(1, 7))
def test_seeding_works_for_any_seed_and_date(seed, now):
    ex = Exchange.in_memory(seed=seed, clock=lambda: now)
    ex.check_invariants()
    for m in ex.list_markets(status="open"):
        yes, no = ex.book(m.ticker)
        assert yes and no and m.yes_bid < m.yes_ask
    positions, _ = ex.list_positions("demo")
    assert sorted(p.position > 0 for p in positions) == [False, True]


def test_a_failing_listener_does_not_break_the_operation(caplog):
    ex, _ = make_exchange()
    seen = []

    def boom(event):
        raise RuntimeError("listener bug")

    ex.listeners.extend([boom, seen.append])
    r = order(ex, "alice", "bid", "0.40", "1")
    assert r.order.status == "resting" and seen and "listener failed" in caplog.text
