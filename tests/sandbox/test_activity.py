"""The activity simulator and the lifecycle clock, in memory and in a running exchange."""

from __future__ import annotations

import asyncio
import random
import time
from decimal import Decimal

from sandbox.activity.market_clock import SERIES, LifecycleClock
from sandbox.activity.simulator import HIGH, LOW, MAKER, Simulator
from sandbox.engine import Exchange
from tests.api import Api
from tests.conftest import start_exchange
from tests.sandbox.ws_helpers import connect

D = Decimal


def test_simulator_trades_within_bounds_and_keeps_state_small():
    ex = Exchange.in_memory(seed=7)
    kinds: dict[str, int] = {}
    ex.listeners.append(
        lambda e: kinds.__setitem__(type(e).__name__, kinds.get(type(e).__name__, 0) + 1)
    )
    sim = Simulator(ex, random.Random(1))
    sim.ensure_users()
    for _ in range(600):
        sim.step()
    assert kinds.get("TradeEvent", 0) > 50 and kinds.get("BookDelta", 0) > 50
    assert all(LOW <= f <= HIGH for f in sim.fair.values())
    for quotes in sim.quotes.values():
        assert set(quotes) <= {"bid", "ask"}
        for oid in quotes.values():
            o = ex.orders[oid]
            assert o.user_id == MAKER and o.price % D("0.01") == 0
    open_markets = [t for t, m in ex.markets.items() if m.status == "active"]
    assert len(sim.quotes) <= len(open_markets)
    ex.check_invariants()


def test_simulator_favours_watched_markets():
    ex = Exchange.in_memory(seed=7)
    t = next(t for t, m in sorted(ex.markets.items()) if m.status == "active")
    sim = Simulator(ex, random.Random(2), watched=lambda: [t])
    picks = [sim.pick_market() for _ in range(200)]
    assert picks.count(t) > 80


def test_lifecycle_clock_runs_a_market_through_every_state_and_moves_the_cutoff():
    ex = Exchange.in_memory(seed=7)
    events: list[tuple[str, str]] = []
    ex.listeners.append(
        lambda e: events.append((type(e).__name__, getattr(e, "kind", "")))
        if type(e).__name__ in ("MarketLifecycle", "EventLifecycle")
        else None
    )
    clock = LifecycleClock(ex, random.Random(3), fast=True)
    clock.ensure_series()
    before = ex.historical_cutoff().market_settled_ts
    ticker = clock.create()
    assert ex.markets[ticker].status == "initialized" and ex.markets[ticker].series_ticker == SERIES
    clock.open(ticker)
    ex.add_user("holder", D("100"))
    ex.create_order(
        "holder", ticker=ticker, side="bid", price=ex.markets[ticker].yes_ask, count=D("1"),
        time_in_force="immediate_or_cancel", self_trade_prevention_type="taker_at_cross",
    )  # fmt: skip
    clock.finish(ticker)
    assert ex.markets[ticker].status == "finalized"
    kinds = [k for _, k in events]
    for kind in ("created", "activated", "deactivated", "determined", "settled"):
        assert kind in kinds
    assert ("EventLifecycle", "created") in events
    assert [s.ticker for s in ex.list_settlements("holder")] == [ticker]
    assert ex.historical_cutoff().market_settled_ts > before
    ex.check_invariants()


def test_leftover_quick_markets_are_wound_up_at_start():
    ex = Exchange.in_memory(seed=7)
    clock = LifecycleClock(ex, random.Random(4), fast=True)
    clock.ensure_series()
    a = clock.create()
    b = clock.create()
    clock.open(b)
    clock.wind_up_leftovers()
    assert ex.markets[a].status == ex.markets[b].status == "finalized"


def test_default_activity_streams_are_alive_within_a_second(tmp_path):
    ex = start_exchange(tmp_path, "--seed", "7")
    try:
        demo = Api.for_demo(ex).signer

        async def go():
            async with connect(ex.url, demo) as c:
                await c.cmd("subscribe", channels=["ticker", "trade"])
                await c.cmd(
                    "subscribe", channels=["orderbook_delta"], market_ticker=await pick(c, ex.url)
                )
                start = time.monotonic()
                first: dict[str, float] = {}
                while time.monotonic() - start < 3 and len(first) < 3:
                    try:
                        m = await c.recv(0.5)
                    except TimeoutError:
                        continue
                    if m["type"] in ("ticker", "trade", "orderbook_delta"):
                        first.setdefault(m["type"], time.monotonic() - start)
                return first

        first = asyncio.run(asyncio.wait_for(go(), 30))
        assert set(first) == {"ticker", "trade", "orderbook_delta"}, first
        assert max(first.values()) < 2.0, first
    finally:
        ex.stop()


async def pick(client, url: str) -> str:
    """An open market's ticker, from REST."""
    import requests

    body = await asyncio.to_thread(
        lambda: requests.get(url + "/trade-api/v2/markets?status=open&limit=1", timeout=10).json()
    )
    return body["markets"][0]["ticker"]
