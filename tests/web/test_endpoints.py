"""The web view's HTTP side without a browser: the page and its files, the JSON snapshot, the
loopback guard, the SSE stream's content, and the feed's engine hook."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import islice
from typing import Any
from unittest import mock

import pytest
import requests
from aiohttp.test_utils import make_mocked_request

from sandbox.engine import Exchange
from sandbox.web.feed import Feed
from sandbox.web.guard import is_local
from tests.api import Api
from tests.conftest import start_exchange
from tests.web.pages import state, wide_market

USED: set[str] = set()


class Sse:
    """The events of one /_sandbox/web/stream response, as (name, data) pairs."""

    def __init__(self, url: str, **query: str):
        self.response = requests.get(
            f"{url}/_sandbox/web/stream", params=query, stream=True, timeout=(5, 10)
        )
        assert self.response.status_code == 200, self.response.text
        assert self.response.headers["Content-Type"].startswith("text/event-stream")
        self.lines = self.response.iter_lines(decode_unicode=True)

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        name = ""
        for raw in self.lines:
            line = raw.decode() if isinstance(raw, bytes) else raw
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                yield name, json.loads(line[6:])

    def until(self, part: str, check: Callable[[Any], bool]) -> Any:
        """The first `part` event whose data passes `check` (a read timeout fails the test)."""
        for name, data in self:
            if name == part and check(data):
                return data
        raise AssertionError(f"stream ended before a matching {part}")

    def close(self) -> None:
        self.response.close()


def test_page_and_static_files(web_exchange):
    page = requests.get(web_exchange.url + "/", timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    for asset in ("app.js", "style.css"):
        assert f"/_sandbox/web/static/{asset}" in page.text
        r = requests.get(f"{web_exchange.url}/_sandbox/web/static/{asset}", timeout=10)
        assert r.status_code == 200 and len(r.content) > 500
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from a CDN


def test_state_lists_markets_by_series_and_event_and_users(web_exchange):
    d = state(web_exchange.url)
    assert d["market"] is None and d["user"] is None
    markets = [m for s in d["directory"]["series"] for e in s["events"] for m in e["markets"]]
    assert len(markets) > 20
    assert {m["status"] for m in markets} >= {"active", "finalized"}
    for s in d["directory"]["series"]:
        for e in s["events"]:
            assert all(m["ticker"].startswith(e["ticker"]) for m in e["markets"])
    assert "demo" in d["directory"]["users"]


def test_state_of_a_market_and_user_matches_rest(web_exchange, demo):
    ticker, _price = wide_market(web_exchange.url, USED)
    d = state(web_exchange.url, market=ticker, user="demo")
    book = demo.book(ticker)
    assert d["market"]["bids"] == [[p, q] for p, q in reversed(book["yes_dollars"])]
    assert d["market"]["asks"] == [
        [f"{1 - Decimal(p):.4f}", q] for p, q in reversed(book["no_dollars"])
    ]
    assert d["market"]["market"]["ticker"] == ticker
    assert [s["kind"] for s in d["market"]["lifecycle"]][:2] == ["created", "open"]
    assert Decimal(d["user"]["balance_dollars"]) == demo.balance()


def test_user_cash_is_shown_per_exchange_index_and_totals_like_rest(web_exchange):
    """Combos trade on index 1's cash: the panel's total matches GET /portfolio/balance and
    the breakdown shows where the cash is."""
    api = Api.for_new_user(web_exchange, "webshard")
    api.to_index(25)
    user = state(web_exchange.url, user="webshard")["user"]
    assert Decimal(user["balance_dollars"]) == api.balance()
    on_0, on_1 = api.balances()
    assert on_1 == Decimal(25)
    assert user["balance_by_index"] == [
        {"exchange_index": 0, "balance_dollars": f"{on_0:.4f}"},
        {"exchange_index": 1, "balance_dollars": f"{on_1:.4f}"},
    ]


@pytest.mark.parametrize(
    ("query", "message"), [({"market": "NOPE-1"}, "market not found"), ({"user": "nobody"}, "user")]
)
def test_unknown_market_or_user_is_404_in_kalshi_shape(web_exchange, query, message):
    for endpoint in ("state", "stream"):
        r = requests.get(f"{web_exchange.url}/_sandbox/web/{endpoint}", params=query, timeout=10)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"
        assert message in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "headers", [{"Host": "evil.example"}, {"Origin": "http://evil.example"}], ids=["host", "origin"]
)
def test_foreign_host_or_origin_is_refused(web_exchange, headers):
    for path in ("/", "/_sandbox/web/state", "/_sandbox/web/static/app.js", "/_sandbox/x"):
        r = requests.get(web_exchange.url + path, headers=headers, timeout=10)
        assert r.status_code == 403, path
        assert r.json()["error"]["code"] == "forbidden"
    # Kalshi's own paths are not the guard's business.
    r = requests.get(web_exchange.url + "/trade-api/v2/exchange/status", headers=headers)
    assert r.status_code == 200


def _request(peer: str, **headers: str):
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (peer, 50000) if name == "peername" else default
    )
    return make_mocked_request("GET", "/_sandbox/web/state", headers=headers, transport=transport)


def test_guard_accepts_loopback_only():
    assert is_local(_request("127.0.0.1", Host="127.0.0.1:8765"))
    assert is_local(_request("::1", Host="[::1]:8765", Origin="http://localhost:8765"))
    assert not is_local(_request("192.168.1.20", Host="127.0.0.1:8765"))
    assert not is_local(_request("127.0.0.1", Host="rebound.example:8765"))
    assert not is_local(_request("127.0.0.1", Host="127.0.0.1", Origin="https://evil.example"))
    assert not is_local(_request("127.0.0.1"))  # no Host header at all


def test_stream_sends_snapshot_then_order_fill_and_balance(web_exchange, demo, taker):
    ticker, price = wide_market(web_exchange.url, USED)
    sse = Sse(web_exchange.url, market=ticker, user="demo")
    try:
        first = [name for name, _data in islice(sse, 3)]
        assert first == ["directory", "market", "user"]
        before = demo.balance()

        order = demo.place_order(ticker, "bid", price, "3")
        sse.until("market", lambda m: m["bids"][0] == [price, "3.00"])
        u = sse.until(
            "user", lambda u: any(o["order_id"] == order["order_id"] for o in u["resting_orders"])
        )
        assert Decimal(u["balance_dollars"]) == before - Decimal(price) * 3

        taker.place_order(ticker, "ask", price, "3")
        trade = demo.get("/markets/trades", ticker=ticker, limit=1)["trades"][0]
        m = sse.until(
            "market", lambda m: m["trades"] and m["trades"][0]["trade_id"] == trade["trade_id"]
        )
        assert m["trades"][0]["yes_price_dollars"] == price
        assert m["trades"][0]["count_fp"] == "3.00"
        assert [price, "3.00"] not in m["bids"]
        u = sse.until(
            "user", lambda u: u["fills"] and u["fills"][0]["order_id"] == order["order_id"]
        )
        assert u["resting_orders"] == [] or all(
            o["order_id"] != order["order_id"] for o in u["resting_orders"]
        )
        assert Decimal(u["balance_dollars"]) == demo.balance()
        assert any(p["ticker"] == ticker for p in u["positions"])
    finally:
        sse.close()


def test_feed_wants_events_only_while_watched():
    ex = Exchange.in_memory(seed=7)
    ex.add_user("alice", Decimal(100))
    feed = Feed()
    ex.listeners.append(feed)
    assert not ex._listening()  # the engine builds no events for an unwatched view
    ticker = next(t for t, m in ex.markets.items() if m.status == "active")
    w = feed.watch(ticker, "alice")
    other = feed.watch("ELSEWHERE", "bob")
    assert ex._listening()
    w.take(), other.take()
    ex.create_order(
        "alice",
        ticker=ticker,
        side="bid",
        price=Decimal("0.01"),
        count=Decimal(1),
        time_in_force="good_till_canceled",
        self_trade_prevention_type="taker_at_cross",
    )
    assert w.take() == ["directory", "market", "user"]  # alice was new to the feed
    assert other.take() == ["directory"]
    feed.known_users.add("alice")
    ex.create_order(
        "alice",
        ticker=ticker,
        side="bid",
        price=Decimal("0.01"),
        count=Decimal(1),
        time_in_force="good_till_canceled",
        self_trade_prevention_type="taker_at_cross",
    )
    assert w.take() == ["market", "user"]
    assert other.take() == []
    feed.unwatch(w), feed.unwatch(other)
    assert not ex._listening()


def test_shutdown_ends_open_streams(tmp_path):
    ex = start_exchange(tmp_path, "--seed", "7", "--no-activity")
    try:
        sse = Sse(ex.url, user="demo")
        assert [name for name, _data in islice(sse, 3)] == ["directory", "market", "user"]
        assert ex.stop() == 0  # SIGTERM: the stream ends, the server exits cleanly
        assert list(sse) == []
    finally:
        ex.stop()
