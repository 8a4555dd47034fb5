"""The WebSocket command protocol without a network: sids, seq, replies, error codes, routing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from sandbox.ws import messages, wire
from sandbox.ws.hub import Hub
from sandbox.ws.session import Session
from tests.spec_check import ASYNCAPI

D = Decimal


class FakeSink:
    def __init__(self, user_id: str = "u1", subaccount: int | None = None):
        self.user_id = user_id
        self.subaccount = subaccount
        self.out: list[dict] = []

    def send(self, text: str) -> None:
        self.out.append(json.loads(text))

    def take(self) -> list[dict]:
        out, self.out = self.out, []
        return out


class FakeView:
    def __init__(self):
        self.books = {"MKT-A": ([(D("0.40"), D("10")), (D("0.42"), D("5"))], [(D("0.55"), D("3"))])}

    def book(self, ticker):
        return self.books.get(ticker, ([], []))

    def ticker_msg(self, ticker):
        return {"market_ticker": ticker, "price_dollars": "0.4100"}

    def ticker_for_id(self, market_id):
        return {messages.market_id(t): t for t in self.books}.get(market_id)

    def has_feed(self, user_id, channel):
        return False


@pytest.fixture
def setup():
    hub = Hub()
    sink = FakeSink()
    return hub, sink, Session(hub, sink, FakeView())


def cmd(session: Session, **fields) -> None:
    session.handle(json.dumps(fields))


def test_subscribe_orderbook_sends_subscribed_then_snapshot(setup):
    hub, sink, s = setup
    cmd(
        s, id=1, cmd="subscribe", params={"channels": ["orderbook_delta"], "market_ticker": "MKT-A"}
    )
    sub, snap = sink.take()
    assert sub["type"] == "subscribed" and sub["id"] == 1
    assert sub["msg"] == {"channel": "orderbook_delta", "sid": 1}
    assert snap["type"] == "orderbook_snapshot" and snap["sid"] == 1 and snap["seq"] == 1
    assert snap["msg"]["yes_dollars_fp"] == [["0.4000", "10.00"], ["0.4200", "5.00"]]
    assert snap["msg"]["no_dollars_fp"] == [["0.5500", "3.00"]]
    assert snap["msg"]["clock"] == 0
    hub.publish_book_delta("MKT-A", "yes", D("0.42"), D("-5"), 1000)
    (delta,) = sink.take()
    assert delta["type"] == "orderbook_delta" and delta["seq"] == 2
    assert delta["msg"]["price_dollars"] == "0.4200" and delta["msg"]["delta_fp"] == "-5.00"
    assert delta["msg"]["clock"] == 1 and delta["msg"]["ts_ms"] == 1000


def test_use_yes_price_and_owner_fields(setup):
    hub, sink, s = setup
    other = FakeSink("u2")
    s2 = Session(hub, other, FakeView())
    cmd(
        s,
        id=1,
        cmd="subscribe",
        params={
            "channels": ["orderbook_delta"],
            "market_tickers": ["MKT-A"],
            "use_yes_price": True,
        },
    )
    cmd(
        s2,
        id=1,
        cmd="subscribe",
        params={"channels": ["orderbook_delta"], "market_ticker": "MKT-A"},
    )
    snap = sink.take()[1]
    assert snap["msg"]["no_dollars_fp"] == [["0.4500", "3.00"]]
    other.take()
    hub.publish_book_delta("MKT-A", "no", D("0.55"), D("2"), 5, owner="u1", client_order_id="c1")
    (mine,), (theirs,) = sink.take(), other.take()
    assert mine["msg"]["price_dollars"] == "0.4500" and mine["msg"]["client_order_id"] == "c1"
    assert theirs["msg"]["price_dollars"] == "0.5500" and "client_order_id" not in theirs["msg"]


def test_errors(setup):
    _, sink, s = setup
    s.handle("not json")
    cmd(s, id=2, cmd="nope")
    cmd(s, id=3, cmd="subscribe")
    cmd(s, id=4, cmd="subscribe", params={})
    cmd(s, id=5, cmd="subscribe", params={"channels": ["bogus"]})
    cmd(s, id=6, cmd="subscribe", params={"channels": ["orderbook_delta"]})
    cmd(s, id=7, cmd="unsubscribe", params={})
    cmd(s, id=8, cmd="unsubscribe", params={"sids": [99]})
    cmd(s, id=9, cmd="update_subscription", params={"sid": 1})
    cmd(s, id=10, cmd="update_subscription", params={"action": "add_markets"})
    cmd(s, id=11, cmd="update_subscription", params={"sid": 5, "action": "add_markets"})
    cmd(s, id=12, cmd="subscribe", params={"channels": ["communications"], "shard_key": 1})
    cmd(s, id=13, cmd="subscribe", params={"channels": ["communications"], "shard_factor": 0})
    cmd(s, id=14, cmd="subscribe", params={"channels": ["communications"], "shard_factor": 101})
    cmd(
        s,
        id=15,
        cmd="subscribe",
        params={"channels": ["communications"], "shard_factor": 2, "shard_key": 2},
    )
    codes = [(m.get("id"), m["msg"]["code"]) for m in sink.take()]
    assert codes == [
        (None, 1),
        (2, 5),
        (3, 2),
        (4, 3),
        (5, 8),
        (6, 14),
        (7, 4),
        (8, 7),
        (9, 15),
        (10, 12),
        (11, 7),
        (12, 20),
        (13, 19),
        (14, 22),
        (15, 21),
    ]


def test_update_subscription_and_unsubscribe(setup):
    hub, sink, s = setup
    cmd(s, id=1, cmd="subscribe", params={"channels": ["trade", "ticker"], "market_ticker": "X"})
    sink.take()
    cmd(
        s,
        id=2,
        cmd="update_subscription",
        params={"sids": [1], "market_tickers": ["Y"], "action": "add_markets"},
    )
    (ok,) = sink.take()
    assert ok == {
        "type": "ok",
        "id": 2,
        "sid": 1,
        "seq": 1,
        "msg": {"market_tickers": ["X", "Y"]},
        "sending_ts_ms": ok["sending_ts_ms"],
    }
    hub.publish("trade", "trade", {"market_ticker": "Y"}, ticker="Y")
    hub.publish("trade", "trade", {"market_ticker": "Z"}, ticker="Z")
    (tr,) = sink.take()
    assert tr["sid"] == 1 and tr["seq"] == 1 and tr["msg"]["market_ticker"] == "Y"
    cmd(
        s,
        id=3,
        cmd="update_subscription",
        params={"sid": 1, "market_ticker": "Y", "action": "delete_markets"},
    )
    assert sink.take()[0]["msg"] == {"market_tickers": ["X"]}
    cmd(
        s,
        id=4,
        cmd="update_subscription",
        params={"sid": 1, "market_ticker": "X", "action": "get_snapshot"},
    )
    assert sink.take()[0]["msg"]["code"] == 13
    cmd(
        s, id=5, cmd="update_subscription", params={"sid": 2, "action": "wat", "market_ticker": "X"}
    )
    assert sink.take()[0]["msg"]["code"] == 13
    cmd(s, id=6, cmd="list_subscriptions")
    assert sink.take()[0]["msg"] == [
        {"channel": "trade", "sid": 1},
        {"channel": "ticker", "sid": 2},
    ]
    cmd(s, id=7, cmd="unsubscribe", params={"sids": [1, 2]})
    replies = sink.take()
    assert [(r["type"], r["sid"], r["seq"]) for r in replies] == [
        ("unsubscribed", 1, 2),
        ("unsubscribed", 2, 1),
    ]
    hub.publish("trade", "trade", {"market_ticker": "X"}, ticker="X")
    assert sink.take() == []
    assert hub.counts() == {"trade": 0, "ticker": 0} or not any(hub.counts().values())


def test_get_snapshot_carries_id_and_resubscribe_is_idempotent(setup):
    _, sink, s = setup
    cmd(
        s, id=1, cmd="subscribe", params={"channels": ["orderbook_delta"], "market_ticker": "MKT-A"}
    )
    sink.take()
    cmd(
        s,
        id=2,
        cmd="update_subscription",
        params={"sid": 1, "market_tickers": ["MKT-A"], "action": "get_snapshot"},
    )
    (snap,) = sink.take()
    assert snap["id"] == 2 and snap["seq"] == 2 and snap["type"] == "orderbook_snapshot"
    cmd(s, id=3, cmd="subscribe", params={"channels": ["orderbook_delta"], "market_ticker": "B"})
    sub, snap = sink.take()
    assert sub["msg"]["sid"] == 1 and snap["msg"]["market_ticker"] == "B" and snap["seq"] == 3
    assert "yes_dollars_fp" not in snap["msg"]


def test_private_channels_only_reach_their_user():
    hub = Hub()
    a, b = FakeSink("alice"), FakeSink("bob")
    sa, sb = Session(hub, a, FakeView()), Session(hub, b, FakeView())
    for s in (sa, sb):
        cmd(s, id=1, cmd="subscribe", params={"channels": ["fill", "user_orders"]})
    a.take(), b.take()
    hub.publish_private("fill", "fill", {"x": 1}, "alice", "MKT")
    assert [m["type"] for m in a.take()] == ["fill"] and b.take() == []
    assert "seq" not in hub.private_subscribers("fill", "alice", None)[0].channel.name


def test_ticker_initial_snapshot_by_market_id(setup):
    _, sink, s = setup
    cmd(
        s,
        id=1,
        cmd="subscribe",
        params={
            "channels": ["ticker"],
            "send_initial_snapshot": True,
            "market_id": messages.market_id("MKT-A"),
        },
    )
    _sub, tick = sink.take()
    assert (
        tick["type"] == "ticker" and "seq" not in tick and tick["msg"]["market_ticker"] == "MKT-A"
    )


def test_seq_gap_fault(setup):
    hub, sink, s = setup
    hub.seq_gap_rate = 1.0
    cmd(
        s, id=1, cmd="subscribe", params={"channels": ["orderbook_delta"], "market_ticker": "MKT-A"}
    )
    sink.take()
    hub.publish_book_delta("MKT-A", "yes", D("0.40"), D("1"), 1)
    assert sink.take()[0]["seq"] == 3


def test_error_codes_match_spec():
    import yaml

    spec = yaml.safe_load(ASYNCAPI.read_text())
    codes = {c["code"]: c["name"] for c in spec["x-error-codes"]["codes"]}
    assert codes == wire.ERRORS


def test_wire_formats():
    assert wire.price(D("0.5")) == "0.5000"
    assert wire.value(D("0.01")) == "0.010000"
    assert wire.count(D("-3.5")) == "-3.50"
    assert json.loads(wire.frame("trade", 3, None, '{"a":1}', 7)) == {
        "type": "trade",
        "sid": 3,
        "msg": {"a": 1},
        "sending_ts_ms": 7,
    }


def test_a_filter_naming_no_known_market_matches_nothing(setup):
    hub, sink, s = setup
    cmd(s, id=1, cmd="subscribe", params={"channels": ["ticker"], "market_id": "no-such-id"})
    sink.take()
    hub.publish("ticker", "ticker", {"market_ticker": "MKT-A"}, ticker="MKT-A")
    assert sink.take() == []


def test_hub_listens_only_where_a_subscription_reads(setup):
    hub, _, s = setup
    assert not hub.listens("trade", "MKT-A") and not hub.listens_private("fill", "u1")
    cmd(s, id=1, cmd="subscribe", params={"channels": ["trade"], "market_tickers": ["MKT-A"]})
    cmd(s, id=2, cmd="subscribe", params={"channels": ["fill"]})
    assert hub.listens("trade", "MKT-A") and not hub.listens("trade", "MKT-B")
    assert not hub.listens("trade", None) and not hub.listens("ticker", "MKT-A")
    assert hub.listens_private("fill", "u1") and not hub.listens_private("fill", "u2")
    assert not hub.listens_private("user_orders", "u1")
    cmd(s, id=3, cmd="subscribe", params={"channels": ["ticker"]})
    assert hub.listens("ticker", "MKT-B") and hub.listens("ticker", None)


def test_the_bridge_builds_only_the_messages_someone_reads(monkeypatch):
    """A connection subscribed to `fill` gets its fill; the order, trade, ticker and position
    messages of the same trade (nobody reads them) are never built."""
    from sandbox.engine import Exchange
    from sandbox.ws.bridge import Bridge

    ex = Exchange.in_memory(seed=7)
    hub = Hub()
    ex.listeners.append(Bridge(hub, ex))
    sink = FakeSink("taker")
    cmd(Session(hub, sink, FakeView()), id=1, cmd="subscribe", params={"channels": ["fill"]})
    sink.take()

    built: list[str] = []  # (the engine logs and drops a listener's exceptions)
    for name in ("user_order", "trade", "ticker", "market_position"):
        real = getattr(messages, name)

        def spy(*a, name=name, real=real, **k):
            built.append(name)
            return real(*a, **k)

        monkeypatch.setattr(messages, name, spy)
    ticker = next(
        m.ticker
        for m in ex.markets.values()
        if m.status == "active" and m.price_level_structure == "linear_cent"
    )
    ex.add_user("maker", 1000)
    ex.add_user("taker", 1000)
    order = {
        "ticker": ticker,
        "count": "1",
        "price": "0.9900",
        "self_trade_prevention_type": "maker",
    }
    ex.create_order("maker", side="ask", time_in_force="good_till_canceled", **order)
    ex.create_order("taker", side="bid", time_in_force="immediate_or_cancel", **order)
    fills = sink.take()
    assert [m["type"] for m in fills] == ["fill"] and fills[0]["msg"]["market_ticker"] == ticker
    assert built == []
