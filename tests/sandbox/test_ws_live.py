"""WebSocket end to end against an in-process server (engine + WS endpoint, no REST app):
handshake, book consistency, private channels, order groups, keep-alive, slow consumers,
faults and the fast lifecycle clock. REST-driven versions run in test_ws_exchange.py."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import aiohttp
import pytest
import websockets

from sandbox.activity.options import LiveOptions
from sandbox.engine.common import user_uuid
from tests.sandbox.ws_helpers import WS_PATH, LocalBook, connect, in_process_server

D = Decimal
GTC, IOC = "good_till_canceled", "immediate_or_cancel"


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def active_market(ex) -> str:
    return next(t for t, m in sorted(ex.markets.items()) if m.status == "active")


def order(ex, user, ticker, side, price, count, tif=GTC, **kw):
    return ex.create_order(
        user,
        ticker=ticker,
        side=side,
        price=D(price),
        count=D(count),
        time_in_force=tif,
        self_trade_prevention_type="taker_at_cross",
        **kw,
    )


async def server(**live):
    return await in_process_server(live=LiveOptions(**live) if live else None)


def test_unsigned_and_badly_signed_handshakes_are_refused():
    async def go():
        runner, url, _, signers = await server()
        try:
            with pytest.raises(websockets.InvalidStatus) as err:
                async with connect(url, None):
                    pass
            assert err.value.response.status_code == 401
            headers = signers["demo"].headers("GET", "/trade-api/v2/markets")  # wrong path
            ws_url = url.replace("http", "ws") + WS_PATH
            with pytest.raises(websockets.InvalidStatus) as err:
                async with websockets.connect(ws_url, additional_headers=headers):
                    pass
            assert err.value.response.status_code == 401
            assert b"INCORRECT_API_KEY_SIGNATURE" in err.value.response.body
        finally:
            await runner.cleanup()

    run(go())


def test_local_book_follows_every_change_with_continuous_seq():
    async def go():
        runner, url, ex, signers = await server()
        t = active_market(ex)
        try:
            async with connect(url, signers["demo"]) as c:
                await c.cmd("subscribe", channels=["orderbook_delta"], market_ticker=t)
                book = LocalBook()
                book.apply(await c.until(lambda m: m["type"] == "orderbook_snapshot"))

                async def check():
                    yes, no = ex.book(t)
                    for _ in range(50):
                        if book.levels("yes") == _fmt(yes) and book.levels("no") == _fmt(no):
                            return
                        book.apply(await c.until(lambda m: m["type"] == "orderbook_delta"))
                    raise AssertionError("book never matched")

                m = ex.markets[t]
                inside = m.yes_bid + D("0.01")
                r = order(ex, "demo", t, "bid", inside if inside < m.yes_ask else m.yes_bid, 7)
                await check()
                order(ex, "alice", t, "ask", ex.markets[t].yes_bid, 3, IOC)  # takes from bids
                await check()
                order(ex, "alice", t, "bid", D("0.01"), "2.5")
                await check()
                if ex.orders[r.order.order_id].status == "resting":
                    ex.cancel_order("demo", r.order.order_id)
                await check()
                order(ex, "alice", t, "ask", ex.markets[t].yes_bid, 40, IOC)  # sweeps levels
                await check()
                assert await c.drain(0.2) == []
        finally:
            await runner.cleanup()

    run(go())


def _fmt(levels):
    return [[f"{p:.4f}", f"{c:.2f}"] for p, c in levels]


def test_private_channels_carry_only_own_data():
    async def go():
        runner, url, ex, signers = await server()
        t = active_market(ex)
        chans = ["user_orders", "fill", "market_positions"]
        try:
            async with connect(url, signers["demo"]) as demo, connect(url, signers["alice"]) as al:
                await demo.cmd("subscribe", channels=chans)
                await al.cmd("subscribe", channels=chans)
                await demo.drain(0.2), await al.drain(0.2)
                ask = ex.markets[t].yes_ask
                order(ex, "alice", t, "bid", ask, 2, IOC, client_order_id="alice-1")
                got = await al.drain(0.3)
                kinds = {m["type"] for m in got}
                assert {"user_order", "fill", "market_position"} <= kinds
                alice = user_uuid("alice")
                assert all(m["msg"].get("user_id", alice) == alice for m in got)
                fill = next(m for m in got if m["type"] == "fill")
                assert fill["msg"]["client_order_id"] == "alice-1" and "seq" not in fill
                assert await demo.drain(0.3) == []
        finally:
            await runner.cleanup()

    run(go())


def test_order_group_limit_triggers_update_and_cancels_orders():
    async def go():
        runner, url, ex, signers = await server()
        t = active_market(ex)
        try:
            async with connect(url, signers["demo"]) as c:
                await c.cmd("subscribe", channels=["order_group_updates", "user_orders"])
                await c.drain(0.2)
                g = ex.create_order_group("demo", D("5"))
                gid = g.order_group_id
                created = await c.until(lambda m: m["type"] == "order_group_updates")
                assert created["msg"]["event_type"] == "created"
                assert created["msg"]["contracts_limit_fp"] == "5.00" and created["seq"] == 1
                low = order(ex, "demo", t, "bid", "0.01", 3, order_group_id=gid)
                ask = ex.markets[t].yes_ask
                order(ex, "demo", t, "bid", ask, 5, IOC, order_group_id=gid)  # fills the limit
                got = await c.drain(0.3)
                trig = next(m for m in got if m["type"] == "order_group_updates")
                assert trig["msg"]["event_type"] == "triggered" and trig["seq"] == 2
                assert trig["msg"]["order_group_id"] == gid
                assert "contracts_limit_fp" not in trig["msg"]
                cancel = next(
                    m
                    for m in got
                    if m["type"] == "user_order"
                    and m["msg"]["order_id"] == low.order.order_id
                    and m["msg"]["status"] == "canceled"
                )
                assert cancel["msg"]["order_group_id"] == gid
        finally:
            await runner.cleanup()

    run(go())


def test_silent_client_is_dropped_and_pings_carry_heartbeat():
    async def go():
        runner, url, _, signers = await server(ws_ping_interval=0.2, ws_pong_timeout=0.5)
        try:
            headers = signers["demo"].headers("GET", WS_PATH)
            async with (
                aiohttp.ClientSession() as http,
                http.ws_connect(url + WS_PATH, headers=headers, autoping=False) as ws,
            ):
                first = await ws.receive(2)
                assert first.type == aiohttp.WSMsgType.PING and first.data == b"heartbeat"
                while True:  # never answer
                    msg = await ws.receive(3)
                    if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                        break
                assert ws.close_code == 1011
            async with connect(url, signers["demo"]) as c:  # websockets answers pings
                await asyncio.sleep(1.2)
                await c.cmd("list_subscriptions")
                assert (await c.recv())["type"] == "ok"
        finally:
            await runner.cleanup()

    run(go())


def test_slow_consumer_is_disconnected_not_buffered():
    async def go():
        runner, url, ex, signers = await server()
        from sandbox.ws import WS_SERVER

        runner.app[WS_SERVER].max_queue = 50
        t = active_market(ex)
        try:
            async with connect(url, signers["demo"]) as c:
                await c.cmd("subscribe", channels=["trade"])
                await c.recv()
                hub = runner.app[WS_SERVER].hub
                for i in range(500):  # published faster than any socket drains
                    hub.publish("trade", "trade", {"market_ticker": t, "n": i}, t)
                with pytest.raises(websockets.ConnectionClosed) as err:
                    while True:
                        await c.recv(3)
                assert err.value.rcvd.code == 1008
                assert "overflow" in err.value.rcvd.reason
        finally:
            await runner.cleanup()

    run(go())


def test_faults_seq_gap_ws_drop_and_latency():
    async def go():
        runner, url, ex, signers = await server(fault_seq_gap_rate=1.0, fault_ws_drop_every=0.5)
        t = active_market(ex)
        try:
            async with connect(url, signers["demo"]) as c:
                await c.cmd("subscribe", channels=["orderbook_delta"], market_ticker=t)
                snap = await c.until(lambda m: m["type"] == "orderbook_snapshot")
                order(ex, "demo", t, "bid", "0.01", 1)
                delta = await c.until(lambda m: m["type"] == "orderbook_delta")
                assert delta["seq"] == snap["seq"] + 2
                with pytest.raises(websockets.ConnectionClosedError):
                    await c.recv(3)
        finally:
            await runner.cleanup()

    run(go())


def test_latency_delays_ws_frames():
    async def go():
        runner, url, _ex, signers = await server()
        from sandbox.ws import WS_SERVER

        runner.app[WS_SERVER].latency_ms = 150
        try:
            async with connect(url, signers["demo"]) as c:
                loop = asyncio.get_running_loop()
                start = loop.time()
                await c.cmd("list_subscriptions")
                await c.recv()
                assert loop.time() - start >= 0.14
        finally:
            await runner.cleanup()

    run(go())


def test_fast_lifecycle_emits_every_event_type_and_settles_holders():
    async def go():
        runner, url, ex, signers = await server(fast_lifecycle=True)
        try:
            async with connect(url, signers["demo"]) as c:
                await c.cmd("subscribe", channels=["market_lifecycle_v2"])
                seen: dict[str, dict] = {}
                held = None
                loop = asyncio.get_running_loop()
                deadline = loop.time() + 40
                base = {"created", "activated", "deactivated", "determined", "settled"}
                want = base | {"metadata_updated", "price_level_structure_updated"}  # issue 12
                while loop.time() < deadline:
                    m = await c.recv(10)
                    if m["type"] == "event_lifecycle":
                        seen["event_lifecycle"] = m
                    if m["type"] != "market_lifecycle_v2":
                        continue
                    kind, ticker = m["msg"]["event_type"], m["msg"]["market_ticker"]
                    if kind == "activated" and held is None:
                        ask = ex.markets[ticker].yes_ask
                        order(ex, "demo", ticker, "bid", ask, 1, IOC)
                        held = ticker
                    if ticker == held or kind in (
                        "created",
                        "metadata_updated",
                        "price_level_structure_updated",
                    ):
                        seen[kind] = m
                    if want | {"event_lifecycle"} <= seen.keys() and "settled" in seen:
                        break
                assert want | {"event_lifecycle"} <= seen.keys()
                created = seen["created"]["msg"]
                assert {
                    "open_ts",
                    "close_ts",
                    "additional_metadata",
                    "price_ranges",
                } <= created.keys()
                assert seen["determined"]["msg"]["result"] in ("yes", "no")
                meta = seen["metadata_updated"]["msg"]
                assert meta.keys() == {"market_ticker", "event_type", "yes_sub_title"}
                assert meta["yes_sub_title"].endswith("(updated)")
                plsu = seen["price_level_structure_updated"]["msg"]
                assert plsu["price_level_structure"] == "tapered_deci_cent"
                assert plsu["price_ranges"][0] == {
                    "start": "0.0000",
                    "end": "0.1000",
                    "step": "0.0010",
                }
                seqs = [m["seq"] for m in c.seen if m.get("sid") == 1]
                assert seqs == list(range(1, len(seqs) + 1))
                settlements = [s for s in ex.list_settlements("demo") if s.ticker == held]
                assert settlements and settlements[0].yes_count == 1
        finally:
            await runner.cleanup()

    run(go())
