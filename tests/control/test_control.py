"""The control plane (`/_sandbox/ctl`, sandbox.control): every action through the
LocalExchange API, asserting what a client sees over REST and over the WebSocket. Written with
the project's own pytest plugin (kalshi_exchange, kalshi_user), in-process for speed."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest
import requests
import websockets

from sandbox.control.client import ControlError
from tests.sandbox.ws_helpers import connect

D = Decimal
pytestmark = pytest.mark.kalshi_exchange("--no-activity", "--seed", "3", in_process=True)
T = "KXCTL-26-A"
ORDER = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def later(fn, *args, **kwargs):
    """A blocking control or REST call from inside the test's event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


@pytest.fixture
def market(kalshi_exchange):
    kalshi_exchange.create_series("KXCTL", title="Control plane tests")
    kalshi_exchange.create_event("KXCTL-26", "KXCTL", title="Control event")
    kalshi_exchange.create_market(T, "KXCTL-26", title="Will the control plane work?")
    return T


def book(user, ticker=T):
    ob = user.get(f"/markets/{ticker}/orderbook")["orderbook_fp"]
    return {
        side: {D(p): D(c) for p, c in ob.get(f"{side}_dollars") or []} for side in ("yes", "no")
    }


def test_add_user_with_balance_and_tier(kalshi_exchange, kalshi_new_user):
    user = kalshi_new_user("trader-1", balance="250.50", tier="premier")
    assert user.get("/portfolio/balance")["balance"] == 25050
    assert user.get("/account/limits")["usage_tier"] == "premier"
    other = kalshi_new_user(balance="5")
    assert other.get("/account/limits")["usage_tier"] == "basic"  # the server's tier

    async def ws():  # the new key signs a WebSocket handshake too
        async with connect(kalshi_exchange.url, user.signer) as c:
            await c.cmd("subscribe", channels=["fill"])
            assert (await c.recv())["type"] == "subscribed"

    run(ws())
    with pytest.raises(ControlError) as err:
        kalshi_exchange.add_user("trader-1", "1")
    assert err.value.status == 409
    with pytest.raises(ControlError) as err:
        kalshi_exchange.add_user("trader-2", "-1")
    assert err.value.status == 400


def test_create_series_event_market_is_announced(kalshi_exchange, kalshi_user):
    async def go():
        async with connect(kalshi_exchange.url, kalshi_user.signer) as c:
            await c.cmd("subscribe", channels=["market_lifecycle_v2"])
            await c.until(lambda m: m["type"] == "subscribed")
            await later(kalshi_exchange.create_series, "KXNEW", title="New series")
            await later(kalshi_exchange.create_event, "KXNEW-1", "KXNEW")
            await later(kalshi_exchange.create_market, "KXNEW-1-X", "KXNEW-1", close_in_seconds=60)
            msg = await c.until(
                lambda m: m["type"] == "market_lifecycle_v2"
                and m["msg"].get("market_ticker") == "KXNEW-1-X"
            )
            assert msg["msg"]["event_type"] == "created"

    run(go())
    m = kalshi_user.get("/markets/KXNEW-1-X")["market"]
    assert (m["status"], m["event_ticker"]) == ("active", "KXNEW-1")
    assert kalshi_user.get("/events/KXNEW-1")["event"]["series_ticker"] == "KXNEW"
    assert kalshi_user.get("/series/KXNEW")["series"]["title"] == "New series"
    with pytest.raises(ControlError) as err:
        kalshi_exchange.create_event("KXNEW-2", "NOSUCHSERIES")
    assert err.value.status == 404


def test_set_book_replaces_the_house_levels(kalshi_exchange, kalshi_user, market):
    async def go():
        async with connect(kalshi_exchange.url, kalshi_user.signer) as c:
            await c.cmd("subscribe", channels=["orderbook_delta"], market_tickers=[T])
            await c.until(lambda m: m["type"] == "orderbook_snapshot")
            await later(
                kalshi_exchange.set_book, T, yes=[("0.40", 10), ("0.38", 5)], no=[("0.55", 7)]
            )
            deltas = []
            while len(deltas) < 3:
                deltas.append((await c.until(lambda m: m["type"] == "orderbook_delta"))["msg"])
            return {(d["side"], D(d["price_dollars"]), D(d["delta_fp"])) for d in deltas}

    assert run(go()) == {
        ("yes", D("0.40"), D(10)),
        ("yes", D("0.38"), D(5)),
        ("no", D("0.55"), D(7)),
    }
    assert book(kalshi_user) == {"yes": {D("0.40"): 10, D("0.38"): 5}, "no": {D("0.55"): 7}}
    kalshi_exchange.set_book(T, yes=[("0.41", 2)])  # replaces, does not add
    assert book(kalshi_user) == {"yes": {D("0.41"): 2}, "no": {}}
    m = kalshi_user.get(f"/markets/{T}")["market"]
    assert D(m["yes_bid_dollars"]) == D("0.41")


def test_a_crossing_level_is_refused_and_nothing_changes(kalshi_exchange, kalshi_user, market):
    kalshi_exchange.set_book(T, yes=[("0.40", 10)])
    kalshi_user.post(
        "/portfolio/events/orders",
        {"ticker": T, "side": "bid", "price": "0.45", "count": "3", **ORDER},
    )
    before = book(kalshi_user)
    with pytest.raises(ControlError) as err:  # a NO bid at 0.60 = YES ask 0.40 crosses 0.45
        kalshi_exchange.set_book(T, yes=[("0.30", 1)], no=[("0.60", 4)])
    assert err.value.status == 400
    assert book(kalshi_user) == before  # the house's 0.40 level is still there
    with pytest.raises(ControlError) as err:
        kalshi_exchange.set_book(T, yes=[("abc", 1)])
    assert err.value.status == 400
    with pytest.raises(ControlError) as err:
        kalshi_exchange.set_book("NOPE-1", yes=[("0.30", 1)])
    assert err.value.status == 404


def test_move_price_trades_through_the_book(kalshi_exchange, kalshi_user, market):
    """The simulated taker sweeps what rests up to the price (a user's ask fills at its own
    price) and the last trade prints at the price; the house's own quotes step aside."""
    kalshi_exchange.set_book(T, yes=[("0.40", 10)], no=[("0.55", 10)])
    kalshi_user.post(
        "/portfolio/events/orders",
        {"ticker": T, "side": "ask", "price": "0.50", "count": "4", **ORDER},
    )  # sells YES it does not hold: a NO position

    async def go():
        async with connect(kalshi_exchange.url, kalshi_user.signer) as c:
            await c.cmd("subscribe", channels=["trade", "fill"], market_tickers=[T])
            await c.until(lambda m: m["type"] == "subscribed")
            await c.until(lambda m: m["type"] == "subscribed")
            await later(kalshi_exchange.move_price, T, "0.63")
            await c.until(
                lambda m: m["type"] == "trade" and D(m["msg"]["yes_price_dollars"]) == D("0.63")
            )
            await c.drain(0.3)
            fills = [m["msg"] for m in c.seen if m["type"] == "fill"]
            trades = [D(m["msg"]["yes_price_dollars"]) for m in c.seen if m["type"] == "trade"]
            return fills, trades

    fills, prices = run(go())
    assert [(D(f["yes_price_dollars"]), D(f["count_fp"])) for f in fills] == [(D("0.50"), D(4))]
    assert prices == [D("0.50"), D("0.63")]
    m = kalshi_user.get(f"/markets/{T}")["market"]
    assert D(m["last_price_dollars"]) == D("0.63")
    trades = kalshi_user.get("/markets/trades", ticker=T)["trades"]
    assert D(trades[0]["yes_price_dollars"]) == D("0.63")
    pos = kalshi_user.get("/portfolio/positions", ticker=T)["market_positions"]
    assert D(pos[0]["position_fp"]) == -4
    # down again: a user's bid at or above the price is hit
    kalshi_user.post(
        "/portfolio/events/orders",
        {"ticker": T, "side": "bid", "price": "0.35", "count": "4", **ORDER},
    )
    kalshi_exchange.move_price(T, "0.30")
    assert D(kalshi_user.get(f"/markets/{T}")["market"]["last_price_dollars"]) == D("0.30")
    pos = kalshi_user.get("/portfolio/positions", ticker=T)["market_positions"]
    assert D(pos[0]["position_fp"]) == 0  # bought back the 4 it was short
    assert D("0.35") not in book(kalshi_user)["yes"]


def test_pause_open_close_determine_settle(kalshi_exchange, kalshi_new_user, market):
    kalshi_user = kalshi_new_user(tier="premier")  # reads its balance more than once a second
    kalshi_exchange.set_book(T, no=[("0.40", 10)])  # YES ask 0.60
    kalshi_user.post(
        "/portfolio/events/orders",
        {"ticker": T, "side": "bid", "price": "0.60", "count": "5", **ORDER},
    )  # buys 5 YES at 0.60
    paid = kalshi_user.get("/portfolio/balance")["balance"]
    assert paid < 100_000 - 300  # $3.00 and the taker fee

    async def go():
        async with connect(kalshi_exchange.url, kalshi_user.signer) as c:
            await c.cmd("subscribe", channels=["market_lifecycle_v2"])
            await c.until(lambda m: m["type"] == "subscribed")
            for action in ("pause_market", "open_market", "close_market"):
                await later(getattr(kalshi_exchange, action), T)
            await later(kalshi_exchange.settle_market, T, "yes")
            await c.until(lambda m: m["msg"].get("event_type") == "settled")
            kinds = [m["msg"]["event_type"] for m in c.seen if m["type"] == "market_lifecycle_v2"]
            return kinds

    assert run(go()) == [
        "deactivated",  # paused
        "activated",
        "close_date_updated",  # closed early, as Kalshi announces it
        "deactivated",
        "determined",
        "settled",
    ]
    m = kalshi_user.get(f"/markets/{T}")["market"]
    assert (m["status"], m["result"]) == ("finalized", "yes")
    settlements = kalshi_user.get("/portfolio/settlements")["settlements"]
    assert [s["ticker"] for s in settlements] == [T]
    assert settlements[0]["market_result"] == "yes"
    assert kalshi_user.get("/portfolio/balance")["balance"] == paid + 500  # 5 YES pay $1 each
    with pytest.raises(ControlError) as err:
        kalshi_exchange.pause_market(T)
    assert err.value.status == 409
    with pytest.raises(ControlError) as err:
        kalshi_exchange.control.market_action(T, "explode")
    assert err.value.status == 404


def test_advance_clock_expires_orders_and_closes_markets(kalshi_exchange, kalshi_user, market):
    kalshi_exchange.create_market("KXCTL-26-B", "KXCTL-26", close_in_seconds=3600)
    expires = int(time.time()) + 600  # ten minutes from now
    order = kalshi_user.post(
        "/portfolio/events/orders",
        {"ticker": T, "side": "bid", "price": "0.20", "count": "2", **ORDER}
        | {"expiration_time": expires},
    )

    async def go():
        async with connect(kalshi_exchange.url, kalshi_user.signer) as c:
            await c.cmd("subscribe", channels=["user_orders"])
            await c.cmd("subscribe", channels=["market_lifecycle_v2"])
            await c.until(lambda m: m["type"] == "subscribed")
            await c.until(lambda m: m["type"] == "subscribed")
            out = await later(kalshi_exchange.advance_clock, 2 * 3600)
            await c.until(lambda m: m["type"] == "user_order" and m["msg"]["status"] == "canceled")
            await c.until(
                lambda m: m["type"] == "market_lifecycle_v2"
                and m["msg"]["market_ticker"] == "KXCTL-26-B"
                and m["msg"]["event_type"] == "deactivated"
            )
            return out

    out = run(go())
    assert "KXCTL-26-B" in out["closed_markets"] and T not in out["closed_markets"]
    assert (
        kalshi_user.get(f"/portfolio/orders/{order['order_id']}")["order"]["status"] == "canceled"
    )
    assert kalshi_user.get("/markets/KXCTL-26-B")["market"]["status"] == "closed"
    assert kalshi_exchange.control.state()["clock_offset_ms"] == 2 * 3600 * 1000
    with pytest.raises(ControlError) as err:
        kalshi_exchange.advance_clock(-5)
    assert err.value.status == 400


def test_faults_switch_on_and_off_at_run_time(kalshi_exchange, kalshi_user, market):
    kalshi_exchange.set_faults(http_429_rate=1)
    r = kalshi_user.request("GET", f"/markets/{T}")
    assert r.status_code == 429 and r.json() == {"error": "too many requests"}
    kalshi_exchange.set_faults(http_429_rate=0, http_5xx_rate=1)
    assert kalshi_user.request("GET", f"/markets/{T}").status_code in (500, 503)
    kalshi_exchange.set_faults(http_5xx_rate=0)
    assert kalshi_user.request("GET", f"/markets/{T}").status_code == 200
    state = kalshi_exchange.set_faults(latency_ms=5, seq_gap_rate=1)["faults"]
    assert (state["latency_ms"], state["seq_gap_rate"]) == (5, 1)

    async def go():
        async with connect(kalshi_exchange.url, kalshi_user.signer) as c:
            await c.cmd("subscribe", channels=["orderbook_delta"], market_tickers=[T])
            snap = await c.until(lambda m: m["type"] == "orderbook_snapshot")
            await later(kalshi_exchange.set_book, T, yes=[("0.30", 1)])
            delta = await c.until(lambda m: m["type"] == "orderbook_delta")
            assert delta["seq"] > snap["seq"] + 1  # a sequence gap, as a client must detect
            await later(kalshi_exchange.set_faults, seq_gap_rate=0, latency_ms=0)
            assert await later(kalshi_exchange.drop_ws) == 1
            with pytest.raises(websockets.ConnectionClosed):
                await c.recv(5)

    run(go())
    with pytest.raises(ControlError) as err:
        kalshi_exchange.set_faults(http_429_rate=2)
    assert err.value.status == 400
    with pytest.raises(ControlError) as err:
        kalshi_exchange.set_faults(meteor_strike=1)
    assert err.value.status == 400


def test_simulated_traders_switch_on_and_off(kalshi_exchange, kalshi_user, market):
    assert kalshi_exchange.control.state()["activity"] == {
        "makers": False,
        "traders": False,
        "lifecycle": False,
    }
    kalshi_exchange.move_price(T, "0.50")  # gives the simulator a fair value

    async def go():
        async with connect(kalshi_exchange.url, kalshi_user.signer) as c:
            await c.cmd("subscribe", channels=["trade"], market_tickers=[T])
            await c.until(lambda m: m["type"] == "subscribed")
            await later(kalshi_exchange.set_activity, makers=True, traders=True)
            await c.until(lambda m: m["type"] == "trade", timeout=30)  # a watched market trades

    run(go())
    state = kalshi_exchange.set_activity(makers=False, traders=False)["activity"]
    assert state == {"makers": False, "traders": False, "lifecycle": False}
    with pytest.raises(ControlError) as err:
        kalshi_exchange.set_activity(makers="yes")
    assert err.value.status == 400


def test_control_answers_loopback_only(kalshi_exchange):
    r = requests.get(kalshi_exchange.url + "/_sandbox/ctl", headers={"Host": "evil.example"})
    assert r.status_code == 403
    r = requests.put(
        kalshi_exchange.url + "/_sandbox/ctl/faults",
        json={"http_429_rate": 1},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403
    assert kalshi_exchange.control.state()["faults"]["http_429_rate"] == 0
    r = requests.post(kalshi_exchange.url + "/_sandbox/ctl/clock", data="{not json")
    assert r.status_code == 400 and "error" in r.json()


def test_reset_starts_over_on_the_same_url(kalshi_exchange, kalshi_user, market):
    url = kalshi_exchange.url
    kalshi_exchange.reset(seed=5)
    assert kalshi_exchange.url == url
    assert requests.get(url + f"/trade-api/v2/markets/{T}").status_code == 404
    r = kalshi_user.request("GET", "/portfolio/balance")
    assert r.status_code == 401  # every user and key is gone
