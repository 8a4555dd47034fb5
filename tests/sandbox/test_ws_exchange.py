"""The WebSocket endpoint of a real `python -m sandbox` process, driven through REST: the local
book equals GET /orderbook after every change, private channels stay private across two users,
order groups, the fast lifecycle clock with a REST-visible settlement, and the fault flags."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest
import websockets

from sandbox.engine.common import user_uuid
from tests.api import Api
from tests.conftest import start_exchange
from tests.sandbox.ws_helpers import LocalBook, connect

D = Decimal
pytestmark = pytest.mark.timeout(180)


def run(coro, timeout: float = 90):
    return asyncio.run(asyncio.wait_for(coro, timeout))


@pytest.fixture(scope="module")
def quiet(tmp_path_factory):
    """An exchange without activity, a demo user and a second user `bob`."""
    data = tmp_path_factory.mktemp("ws-quiet")
    ex = start_exchange(data, "--seed", "7", "--no-activity")
    yield ex, Api.for_demo(ex), Api.for_new_user(ex, "bob")
    ex.stop()


def open_market(rest: Api) -> tuple[str, dict]:
    r = rest.request("GET", "/markets", status="open", limit=200)
    assert r.status_code == 200
    m = next(m for m in r.json()["markets"] if m["ticker"].startswith("KXHIGHNY"))
    return m["ticker"], m


def test_local_book_equals_rest_orderbook_after_every_change(quiet):
    ex, rd, rb = quiet
    ticker, m = open_market(rd)

    async def go():
        async with connect(ex.url, rd.signer) as c:
            await c.cmd("subscribe", channels=["orderbook_delta"], market_ticker=ticker)
            book = LocalBook()
            book.apply(await c.until(lambda x: x["type"] == "orderbook_snapshot"))

            async def same_as_rest():
                rest = rd.book(ticker)
                for _ in range(100):
                    if (book.levels("yes"), book.levels("no")) == (
                        sorted(rest["yes_dollars"], key=lambda lv: D(lv[0])),
                        sorted(rest["no_dollars"], key=lambda lv: D(lv[0])),
                    ):
                        return
                    book.apply(await c.until(lambda x: x["type"] == "orderbook_delta"))
                raise AssertionError("local book never matched REST")

            await same_as_rest()
            bid, ask = D(m["yes_bid_dollars"]), D(m["yes_ask_dollars"])
            a = rd.place_order(ticker, "bid", f"{bid:.4f}", "4", client_order_id="ws-a")
            await same_as_rest()
            rb.place_order(ticker, "ask", f"{ask:.4f}", "3")
            await same_as_rest()
            rb.place_order(ticker, "ask", f"{bid:.4f}", "2", time_in_force="immediate_or_cancel")
            await same_as_rest()
            rd.place_order(ticker, "bid", f"{ask:.4f}", "1.5", time_in_force="immediate_or_cancel")
            await same_as_rest()
            r = rd.request("DELETE", f"/portfolio/events/orders/{a['order_id']}")
            assert r.status_code == 200
            await same_as_rest()
            rd.request("DELETE", "/portfolio/events/orders")
            rb.request("DELETE", "/portfolio/events/orders")
            await same_as_rest()
            assert book.seq is not None and book.seq > 5

    run(go())


def test_private_channels_between_two_users(quiet):
    ex, rd, rb = quiet
    ticker, m = open_market(rd)
    chans = ["user_orders", "fill", "market_positions"]

    async def go():
        async with connect(ex.url, rd.signer) as cd, connect(ex.url, rb.signer) as cb:
            await cd.cmd("subscribe", channels=chans)
            await cb.cmd("subscribe", channels=chans)
            await cd.drain(0.3), await cb.drain(0.3)
            rb.place_order(
                ticker,
                "bid",
                m["yes_ask_dollars"],
                "1",
                time_in_force="immediate_or_cancel",
                client_order_id="bob-ioc",
            )
            got = await cb.drain(0.5)
            kinds = [x["type"] for x in got]
            assert {"user_order", "fill", "market_position"} <= set(kinds), kinds
            for x in got:
                if "user_id" in x["msg"]:
                    assert x["msg"]["user_id"] == user_uuid("bob")
            assert await cd.drain(0.5) == []
            rd.place_order(ticker, "bid", "0.0100", "1", client_order_id="demo-rest")
            mine = await cd.until(lambda x: x["type"] == "user_order")
            assert mine["msg"]["client_order_id"] == "demo-rest"
            assert await cb.drain(0.5) == []
            rd.request("DELETE", "/portfolio/events/orders")

    run(go())


def test_order_group_limit_over_rest(quiet):
    ex, rd, _ = quiet
    ticker, m = open_market(rd)

    async def go():
        async with connect(ex.url, rd.signer) as c:
            await c.cmd("subscribe", channels=["order_group_updates", "user_orders"])
            await c.drain(0.3)
            r = rd.request("POST", "/portfolio/order_groups/create", {"contracts_limit": 2})
            assert r.status_code == 201, r.text
            gid = r.json()["order_group_id"]
            rest = rd.place_order(ticker, "bid", "0.0100", "5", order_group_id=gid)
            rd.place_order(
                ticker,
                "bid",
                m["yes_ask_dollars"],
                "2",
                time_in_force="immediate_or_cancel",
                order_group_id=gid,
            )
            got = await c.drain(0.5)
            updates = [x["msg"]["event_type"] for x in got if x["type"] == "order_group_updates"]
            assert updates == ["created", "triggered"]
            canceled = [
                x
                for x in got
                if x["type"] == "user_order"
                and x["msg"]["order_id"] == rest["order_id"]
                and x["msg"]["status"] == "canceled"
            ]
            assert canceled
            rd.request("DELETE", f"/portfolio/order_groups/{gid}")
            deleted = await c.until(lambda x: x["type"] == "order_group_updates")
            assert deleted["msg"]["event_type"] == "deleted"

    run(go())


def test_unsigned_handshake_is_refused(quiet):
    ex, _, _ = quiet

    async def go():
        with pytest.raises(websockets.InvalidStatus) as err:
            async with connect(ex.url, None):
                pass
        assert err.value.response.status_code == 401

    run(go())


def test_fast_lifecycle_settles_a_holder(tmp_path):
    ex = start_exchange(tmp_path, "--seed", "3", "--no-activity", "--fast-lifecycle")
    try:
        rd = Api.for_demo(ex)

        async def go():
            async with connect(ex.url, rd.signer) as c:
                await c.cmd("subscribe", channels=["market_lifecycle_v2"])
                seen, held = set(), None
                deadline = time.monotonic() + 45
                while time.monotonic() < deadline and not (
                    {"created", "activated", "deactivated", "determined", "settled", "event"}
                    <= seen
                ):
                    x = await c.recv(15)
                    if x["type"] == "event_lifecycle":
                        seen.add("event")
                    if x["type"] != "market_lifecycle_v2":
                        continue
                    kind, t = x["msg"]["event_type"], x["msg"]["market_ticker"]
                    if kind == "activated" and held is None:
                        body = rd.request("GET", f"/markets/{t}").json()
                        rd.place_order(
                            t,
                            "bid",
                            body["market"]["yes_ask_dollars"],
                            "1",
                            time_in_force="immediate_or_cancel",
                        )
                        held = t
                    if t == held or kind == "created":
                        seen.add(kind)
                return held, seen

        held, seen = run(go(), 60)
        assert {"created", "activated", "deactivated", "determined", "settled", "event"} <= seen
        r = rd.request("GET", "/portfolio/settlements", ticker=held)
        status, body = r.status_code, r.json()
        assert status == 200 and body["settlements"], body
        assert body["settlements"][0]["yes_count_fp"] == "1.00"

        async def stop_with_client_open():
            async with connect(ex.url, rd.signer) as c:
                code = await asyncio.to_thread(ex.stop)
                with pytest.raises(websockets.ConnectionClosed) as err:
                    while True:
                        await c.recv(5)
                return code, err.value.rcvd

        code, close = run(stop_with_client_open(), 30)
        assert code == 0 and close is not None and close.code == 1001
    finally:
        ex.stop()


def test_http_fault_flags(tmp_path):
    ex = start_exchange(
        tmp_path,
        "--seed",
        "1",
        "--no-activity",
        "--fault-http-429-rate",
        "0.5",
        "--fault-http-5xx-rate",
        "0.5",
    )
    try:
        rd = Api.for_demo(ex)
        codes = {rd.request("GET", "/exchange/status", raw_429=True).status_code for _ in range(40)}
        assert codes <= {429, 500, 503} and 429 in codes and codes & {500, 503}
        r = rd.request("GET", "/exchange/status", raw_429=True)
        status, body = r.status_code, r.json()
        assert body == {"error": "too many requests"} if status == 429 else "error" in body
    finally:
        ex.stop()


def test_ws_fault_flags(tmp_path):
    ex = start_exchange(
        tmp_path,
        "--seed",
        "1",
        "--no-activity",
        "--fault-ws-drop-every",
        "1",
        "--fault-seq-gap-rate",
        "1",
        "--latency-ms",
        "100",
    )
    try:
        rd = Api.for_demo(ex)
        ticker, _ = open_market(rd)

        async def go():
            async with connect(ex.url, rd.signer) as c:
                t0 = time.monotonic()
                await c.cmd("subscribe", channels=["orderbook_delta"], market_ticker=ticker)
                sub = await c.recv()
                assert sub["type"] == "subscribed" and time.monotonic() - t0 >= 0.09
                snap = await c.recv()
                await asyncio.to_thread(rd.place_order, ticker, "bid", "0.0100", "1")
                delta = await c.until(lambda x: x["type"] == "orderbook_delta")
                assert delta["seq"] == snap["seq"] + 2  # one seq skipped
                with pytest.raises(websockets.ConnectionClosedError):
                    await c.recv(3)

        run(go())
    finally:
        ex.stop()
