"""Issue 12 over real HTTP: keyset cursors stable under inserts, malformed cursors, the spec's
`limit` bounds, settled positions paged by event, direct members' precision."""

from __future__ import annotations

import asyncio
import base64
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from tests.api import Api
from tests.conftest import sandbox_cli, start_exchange

D = Decimal


@pytest.fixture
def fresh(exchange) -> Api:
    return Api.for_new_user(exchange, f"m{uuid.uuid4().hex[:10]}")


def post(api: Api, path: str, body: dict, expect: int = 201) -> dict:
    """A write, waiting out the Write bucket (10 orders/s on the Basic tier)."""
    for _ in range(20):
        r = api.request("POST", path, body)
        if r.status_code != 429:
            break
        time.sleep(0.3)
    assert r.status_code == expect, r.text
    return r.json()


def order(api: Api, ticker: str, side: str, price: D, count: str, **extra) -> dict:
    body = {
        "ticker": ticker,
        "side": side,
        "price": str(price),
        "count": count,
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        **extra,
    }
    return post(api, "/portfolio/events/orders", body)


def quiet_market(api: Api) -> tuple[str, D]:
    """An open whole-cent market with a free tick inside the spread."""
    for m in api.get("/markets", status="open", limit=1000)["markets"]:
        if m["price_level_structure"] != "linear_cent":
            continue
        bid, ask = D(m["yes_bid_dollars"]), D(m["yes_ask_dollars"])
        if ask - bid >= D("0.02") and bid >= D("0.05"):
            return m["ticker"], bid + D("0.01")
    pytest.skip("no market with a wide spread")


def trades(maker: Api, taker: Api, ticker: str, p: D, n: int) -> None:
    """`n` one-contract trades at `p` (the maker's ask rests, the taker's IOC bids lift it)."""
    for _ in range(n):
        order(taker, ticker, "bid", p, "1", time_in_force="immediate_or_cancel")


def walk(api: Api, path: str, key: str, limit: int, between=None, **params) -> list[str]:
    seen: list[str] = []
    cursor = ""
    while True:
        body = api.get(path, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
        seen += [item[key] for item in body[path.rsplit("/", 1)[-1]]]
        cursor = body["cursor"]
        if not cursor:
            return seen
        if between is not None:
            between()


def test_trade_pages_never_repeat_or_skip_while_trades_arrive(exchange, fresh):
    taker = Api.for_new_user(exchange, f"t{uuid.uuid4().hex[:10]}")
    ticker, p = quiet_market(fresh)
    order(fresh, ticker, "ask", p, "200")
    trades(fresh, taker, ticker, p, 30)
    before = [t["trade_id"] for t in fresh.get("/markets/trades", ticker=ticker)["trades"]]
    assert len(before) >= 30
    # Between every two pages, five new trades land at the top of the newest-first list: an
    # offset cursor would hand out 5 of the last page's ids again.
    seen = walk(
        fresh,
        "/markets/trades",
        "trade_id",
        5,
        between=lambda: trades(fresh, taker, ticker, p, 5),
        ticker=ticker,
    )
    assert len(seen) == len(set(seen)), "a trade repeated across pages"
    assert seen == before, "pages skipped or reordered a trade"


def test_fill_and_order_pages_hold_while_another_task_trades(exchange, fresh):
    taker = Api.for_new_user(exchange, f"t{uuid.uuid4().hex[:10]}")
    ticker, p = quiet_market(fresh)
    order(fresh, ticker, "ask", p, "200")
    trades(fresh, taker, ticker, p, 12)
    fills0 = [f["fill_id"] for f in taker.get("/portfolio/fills", limit=1000)["fills"]]
    orders0 = [o["order_id"] for o in taker.get("/portfolio/orders", limit=1000)["orders"]]
    busy = threading.Thread(target=trades, args=(fresh, taker, ticker, p, 12))
    busy.start()
    try:
        fills = walk(taker, "/portfolio/fills", "fill_id", 2)
        orders = walk(taker, "/portfolio/orders", "order_id", 2)
    finally:
        busy.join()
    for got, first in ((fills, fills0), (orders, orders0)):
        assert len(got) == len(set(got))
        assert got[: len(got)] == sorted(got, reverse=True)  # newest first, in key order
        assert set(first) <= set(got)  # nothing that existed before was skipped


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "%%%",
        base64.urlsafe_b64encode(b"o:5").decode(),  # the old offset cursors are gone
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        base64.urlsafe_b64encode(b"[1.5]").decode(),
        base64.urlsafe_b64encode(b'["a", "b", "c", "d"]').decode(),  # another list's shape
    ],
)
def test_malformed_cursors_are_400(fresh, cursor):
    r = fresh.request("GET", "/markets", cursor=cursor)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_parameters", r.text


@pytest.mark.parametrize(
    ("path", "lo", "hi"),
    [
        ("/markets", 0, 1000),
        ("/markets/trades", 0, 1000),
        ("/historical/markets", 0, 1000),
        ("/historical/trades", 0, 1000),
        ("/events", 1, 200),
        ("/portfolio/fills", 1, 1000),
        ("/portfolio/orders", 1, 1000),
        ("/portfolio/positions", 1, 1000),
        ("/portfolio/settlements", 1, 1000),
    ],
)
def test_limit_bounds_are_the_specs(fresh, path, lo, hi):
    assert fresh.request("GET", path, limit=lo).status_code == 200
    assert fresh.request("GET", path, limit=hi).status_code == 200
    assert fresh.request("GET", path, limit=lo - 1).status_code == 400
    assert fresh.request("GET", path, limit=hi + 1).status_code == 400


def test_limit_zero_is_an_empty_page_with_a_cursor_to_the_same_place(fresh):
    body = fresh.get("/markets", limit=0)
    assert body["markets"] == [] and body["cursor"]
    first = fresh.get("/markets", limit=3)["markets"]
    again = fresh.get("/markets", limit=3, cursor=body["cursor"])["markets"]
    assert [m["ticker"] for m in again] == [m["ticker"] for m in first]


def test_direct_member_balance_keeps_centicents(exchange):
    name = f"d{uuid.uuid4().hex[:10]}"
    api = Api.for_new_user(exchange, name, "--direct", "--balance", "5.0001")
    body = api.get("/portfolio/balance")
    assert body["balance_dollars"] == "5.0001" and body["balance"] == 500
    # A regular (non-direct) member's balance is whole cents.
    argv = ["add-user", f"r{name}", "--balance", "5.0001", "--data-dir", str(exchange.data_dir)]
    r = sandbox_cli(*argv)
    assert r.returncode == 2 and "multiple of 0.01" in r.stderr and "Traceback" not in r.stderr


def test_signed_public_reads_are_verified_and_charged(fresh):
    # Basic Read bucket: 400 tokens, 10 per request: a burst of signed reads hits 429 ...
    codes = [fresh.request("GET", "/exchange/status", raw_429=True).status_code for _ in range(80)]
    assert 429 in codes and set(codes) == {200, 429}
    # ... while unsigned ones are free (the same user's bucket is empty now).
    assert all(
        fresh.request("GET", "/exchange/status", sign=False).status_code == 200 for _ in range(80)
    )
    time.sleep(2.1)  # refill
    headers = fresh.signer.headers("GET", "/trade-api/v2/markets")
    headers["KALSHI-ACCESS-SIGNATURE"] = base64.b64encode(b"x" * 256).decode()
    r = fresh.session.get(fresh.base + "/trade-api/v2/markets", headers=headers, timeout=10)
    assert r.status_code == 401 and r.json()["error"]["details"] == "INCORRECT_API_KEY_SIGNATURE"


def test_schedule_carries_kalshis_thursday_maintenance(fresh):
    from datetime import UTC, datetime

    from sandbox.http.routes_exchange import maintenance_windows

    # 3:00-5:00 AM ET on Thursdays: 08:00-10:00 UTC in winter, 07:00-09:00 UTC in summer.
    during = maintenance_windows(datetime(2026, 12, 3, 8, 30, tzinfo=UTC), weeks=2)
    assert during == [
        {"start_datetime": "2026-12-03T08:00:00Z", "end_datetime": "2026-12-03T10:00:00Z"},
        {"start_datetime": "2026-12-10T08:00:00Z", "end_datetime": "2026-12-10T10:00:00Z"},
    ]
    after = maintenance_windows(datetime(2026, 7, 2, 9, 0, tzinfo=UTC), weeks=1)
    assert after == [
        {"start_datetime": "2026-07-09T07:00:00Z", "end_datetime": "2026-07-09T09:00:00Z"}
    ]
    windows = fresh.get("/exchange/schedule")["schedule"]["maintenance_windows"]
    assert len(windows) == 4
    ends = [datetime.fromisoformat(w["end_datetime"]) for w in windows]
    assert ends[0] > datetime.now(UTC) and all(e.weekday() == 3 for e in ends)


def test_user_ids_are_uuids_stable_across_restarts(tmp_path):
    ex = start_exchange(tmp_path / "sb", "--seed", "7", "--no-activity")
    try:
        api = Api.for_demo(ex)
        ticker, p = quiet_market(api)
        oid = order(api, ticker, "bid", p - D("0.01"), "1")["order_id"]
        first = api.get(f"/portfolio/orders/{oid}")["order"]["user_id"]
    finally:
        ex.stop()
    assert str(uuid.UUID(first)) == first
    ex = start_exchange(tmp_path / "sb", "--no-activity")
    try:
        api = Api.for_demo(ex)
        assert api.get(f"/portfolio/orders/{oid}")["order"]["user_id"] == first
        other = Api.for_new_user(ex, "other")
        mine = order(other, ticker, "bid", p - D("0.01"), "1")["order_id"]
        assert other.get(f"/portfolio/orders/{mine}")["order"]["user_id"] not in (first, "other")
    finally:
        ex.stop()


def test_events_carry_strike_date_or_strike_period_never_both(fresh):
    from test_engine_helpers import make_exchange

    from sandbox.engine import EngineError, Event

    events = fresh.get("/events", limit=200)["events"]
    assert events and not any(e.get("strike_date") and e.get("strike_period") for e in events)
    assert any(e.get("strike_period") for e in events) and any(e.get("strike_date") for e in events)
    ex, _ = make_exchange()
    with pytest.raises(EngineError) as err:
        ex.create_event(Event("BOTH-1", "TEST", "t", "s", strike_date=1, strike_period="week"))
    assert err.value.status == 400


# ---------------------------------------------------------------- in-process (engine set-up)


def in_process(tmp_path, prepare, script) -> None:
    """Build a seeded exchange in `tmp_path`, let `prepare(exchange)` change the engine, then
    run `await script(get)` where `get(path, **params)` is a GET as the demo user through the
    real app (the JSON body)."""
    from aiohttp.test_utils import TestClient, TestServer

    from auth.signing import Signer, load_private_key
    from sandbox.build import build
    from sandbox.http.config import Config
    from tests.api import API, read_env

    built = build(Config(data_dir=tmp_path, seed=7, activity=False))
    assert built.credentials is not None
    env = read_env(built.credentials)
    signer = Signer(
        env["KALSHI_API_KEY_ID"], load_private_key(Path(env["KALSHI_PRIVATE_KEY_PATH"]))
    )
    prepare(built.exchange)

    async def run() -> None:
        async with TestClient(TestServer(built.app)) as client:

            async def get(path: str, **params: str) -> dict:
                headers = signer.headers("GET", API + path)
                r = await client.get(API + path, params=params, headers=headers)
                assert r.status == 200, await r.text()
                return await r.json()

            await script(get)

    asyncio.run(run())


def _settle_four_events(ex) -> None:
    """demo buys one YES in a market of four different events; those markets settle."""
    ex.add_user("mm", D("10000"))
    done: set[str] = set()
    kw = {"self_trade_prevention_type": "maker"}
    for m in ex.list_markets(status="open"):
        if m.event_ticker in done or m.price_level_structure != "linear_cent":
            continue
        gtc, ioc = "good_till_canceled", "immediate_or_cancel"
        ex.create_order("mm", ticker=m.ticker, side="ask", price="0.5", count="3",
                        time_in_force=gtc, **kw)  # fmt: skip
        r = ex.create_order("demo", ticker=m.ticker, side="bid", price="0.99", count="1",
                            time_in_force=ioc, **kw)  # fmt: skip
        assert r.fills
        ex.close_market(m.ticker)
        ex.determine_market(m.ticker, "yes")
        ex.settle_market(m.ticker)
        done.add(m.event_ticker)
        if len(done) == 4:
            return
    raise AssertionError("fewer than four events")


def test_settled_positions_page_by_event(tmp_path):
    async def script(get):
        q = {"settlement_status": "settled"}
        everything = await get("/portfolio/positions", **q, limit="1000")
        events = [e["event_ticker"] for e in everything["event_positions"]]
        assert len(events) >= 4 and events == sorted(events)
        seen, tickers, cursor = [], [], ""
        while True:
            more = {"cursor": cursor} if cursor else {}
            page = await get("/portfolio/positions", **q, limit="1", **more)
            # limit counts events: one event and its market positions per page (today every
            # page repeated every event)
            assert len(page["event_positions"]) == 1 and page["market_positions"]
            seen.append(page["event_positions"][0]["event_ticker"])
            tickers += [p["ticker"] for p in page["market_positions"]]
            cursor = page["cursor"]
            if not cursor:
                break
        assert seen == events
        assert sorted(tickers) == sorted(p["ticker"] for p in everything["market_positions"])

    in_process(tmp_path, _settle_four_events, script)
