"""REST face of the local exchange over real HTTP: auth, scopes, legacy paths, bad input,
rate limits, two users trading, persistence across a hard kill."""

from __future__ import annotations

import base64
import signal
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from tests.api import API, ORDER, Api, add_user, read_env
from tests.conftest import start_exchange

D = Decimal


@pytest.fixture(scope="module")
def demo(exchange) -> Api:
    return Api.for_demo(exchange)


@pytest.fixture
def fresh(exchange, request) -> Api:
    """A new user (own rate-limit buckets, $1,000) on the shared exchange."""
    name = f"u{uuid.uuid4().hex[:10]}"
    return Api.for_new_user(exchange, name)


def market_with_spread(api: Api) -> tuple[str, D, D]:
    """An open whole-cent market with a free tick inside the spread (for a new best bid)."""
    for m in api.get("/markets", status="open", limit=200)["markets"]:
        if m["price_level_structure"] != "linear_cent":
            continue
        bid, ask = D(m["yes_bid_dollars"]), D(m["yes_ask_dollars"])
        if ask - bid >= D("0.02") and bid >= D("0.05"):
            return m["ticker"], bid, ask
    pytest.skip("no open market with a free tick inside the spread")


# ---------------------------------------------------------------- auth


def test_public_endpoints_need_no_signature(demo):
    for path in ("/exchange/status", "/markets", "/series", "/account/endpoint_costs"):
        assert demo.request("GET", path, sign=False).status_code == 200, path


def test_each_auth_failure_has_its_own_401_body(demo):
    path = "/portfolio/balance"
    now = int(time.time() * 1000)

    def with_headers(**override) -> dict:
        h = demo.signer.headers("GET", API + path)
        h.update(override)
        r = demo.session.get(demo.base + API + path, headers=h)
        assert r.status_code == 401, r.text
        return r.json()["error"]

    missing = demo.request("GET", path, sign=False)
    assert missing.status_code == 401
    missing = missing.json()["error"]
    unknown = with_headers(**{"KALSHI-ACCESS-KEY": str(uuid.uuid4())})
    wrong_path = demo.signer.headers("GET", API + "/portfolio/fills")["KALSHI-ACCESS-SIGNATURE"]
    bad_sig = with_headers(**{"KALSHI-ACCESS-SIGNATURE": wrong_path})
    old = demo.signer.headers("GET", API + path, timestamp_ms=now - 60_000)
    expired = with_headers(**old)
    future = with_headers(**demo.signer.headers("GET", API + path, timestamp_ms=now + 120_000))
    garbage = with_headers(**{"KALSHI-ACCESS-SIGNATURE": "not base64!"})

    assert missing["code"] == "authentication_error"
    assert missing["details"] == "MISSING_AUTH_HEADERS"
    assert unknown == {
        "code": "authentication_error",
        "message": "API key not found",
        "details": "NOT_FOUND",
    }
    assert bad_sig["code"] == "authentication_error"
    assert bad_sig["details"] == "INCORRECT_API_KEY_SIGNATURE"
    assert garbage["details"] == "INCORRECT_API_KEY_SIGNATURE"
    assert expired["code"] == future["code"] == "header_timestamp_expired"
    bodies = [missing, unknown, bad_sig, expired]
    assert len({repr(b) for b in bodies}) == 4


def test_signature_covers_the_path_without_query(demo):
    ok = demo.request("GET", "/portfolio/orders", limit=1)
    assert ok.status_code == 200
    h = demo.signer.headers("GET", API + "/portfolio/orders?limit=1".replace("?", "%3F"))
    r = demo.session.get(demo.base + API + "/portfolio/orders", params={"limit": 1}, headers=h)
    assert r.status_code == 401
    # A timestamp a few seconds off is fine (clock skew inside the window).
    skewed = demo.signer.headers(
        "GET", API + "/portfolio/balance", timestamp_ms=int(time.time() * 1000) - 5_000
    )
    assert demo.session.get(demo.base + API + "/portfolio/balance", headers=skewed).ok


def test_rsa_pss_with_max_salt_is_accepted(demo):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    ts = str(int(time.time() * 1000))
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH)
    raw = demo.signer._key.sign(f"{ts}GET{API}/portfolio/balance".encode(), pss, hashes.SHA256())
    h = {
        "KALSHI-ACCESS-KEY": demo.signer.key_id,
        "KALSHI-ACCESS-TIMESTAMP": ts,
        "KALSHI-ACCESS-SIGNATURE": base64.b64encode(raw).decode(),
    }
    assert demo.session.get(demo.base + API + "/portfolio/orders", headers=h).status_code == 401
    h2 = dict(h)
    h2["KALSHI-ACCESS-SIGNATURE"] = base64.b64encode(
        demo.signer._key.sign(f"{ts}GET{API}/portfolio/orders".encode(), pss, hashes.SHA256())
    ).decode()
    assert demo.session.get(demo.base + API + "/portfolio/orders", headers=h2).status_code == 200


def test_ed25519_keys_work(exchange):
    api = Api.for_new_user(
        exchange,
        f"ed{uuid.uuid4().hex[:8]}",
        "--key-type",
        "ed25519",
        "--balance",
        "12.34",
    )
    assert api.signer.key_type == "ed25519"
    bal = api.get("/portfolio/balance")
    assert (bal["balance"], bal["balance_dollars"]) == (1234, "12.3400")


def test_read_only_key_reads_but_cannot_write(exchange):
    api = Api.for_new_user(exchange, f"ro{uuid.uuid4().hex[:8]}", "--read-only")
    assert api.request("GET", "/portfolio/orders").status_code == 200
    r = api.request("POST", "/portfolio/order_groups/create", {"contracts_limit": 5})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "insufficient_scope"
    r = api.request("DELETE", "/portfolio/events/orders")
    assert r.status_code == 403


def test_add_user_writes_a_private_pem(exchange):
    env = add_user(exchange.data_dir, f"pem{uuid.uuid4().hex[:8]}")
    pem = Path(env["KALSHI_PRIVATE_KEY_PATH"])
    assert pem.is_absolute() and pem.parent == (exchange.data_dir / "keys").resolve()
    assert pem.stat().st_mode & 0o777 == 0o600
    creds = read_env(exchange.data_dir / "credentials.env")
    assert Path(creds["KALSHI_PRIVATE_KEY_PATH"]).is_absolute()


def test_api_keys_generate_use_and_delete(fresh):
    r = fresh.request("POST", "/api_keys/generate", {"name": "bot", "key_type": "ed25519"})
    assert r.status_code == 201
    body = r.json()
    assert body["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    ids = {k["api_key_id"] for k in fresh.get("/api_keys")["api_keys"]}
    assert body["api_key_id"] in ids
    r = fresh.request("DELETE", f"/api_keys/{body['api_key_id']}")
    assert r.status_code == 204
    assert fresh.request("DELETE", f"/api_keys/{body['api_key_id']}").status_code == 404


# ---------------------------------------------------------------- retired and unknown paths


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/portfolio/orders"),
        ("DELETE", "/portfolio/orders/abc"),
        ("POST", "/portfolio/orders/abc/amend"),
        ("POST", "/portfolio/orders/abc/decrease"),
        ("POST", "/portfolio/orders/batched"),
        ("DELETE", "/portfolio/orders/batched"),
    ],
)
def test_legacy_order_writes_answer_410(demo, method, path):
    r = demo.request(method, path, {"ticker": "X"})
    assert r.status_code == 410
    assert r.json()["error"]["code"] == "deprecated_v1_order_endpoint"


def test_announcements_are_gone_and_unknown_paths_404(demo):
    r = demo.request("GET", "/exchange/announcements")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert demo.request("GET", "/no/such/thing").status_code == 404
    r = demo.request("PATCH", "/markets")
    assert r.status_code == 405 and "error" in r.json()
    r = demo.request("GET", "/markets/NOPE-1")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


# ---------------------------------------------------------------- bad input


def _bad_inputs(ticker: str, closed: str) -> list[tuple[str, object, int]]:
    good = {"ticker": ticker, "side": "bid", "price": "0.0100", "count": "1", **ORDER}
    return [
        ("malformed json", b'{"ticker": ', 400),
        ("not an object", [good], 400),
        ("empty body", b"", 400),
        ("missing price", {k: v for k, v in good.items() if k != "price"}, 400),
        ("price as float", {**good, "price": 0.5}, 400),
        ("count as bool", {**good, "count": True}, 400),
        ("off-grid price", {**good, "price": "0.0150"}, 400),
        ("price zero", {**good, "price": "0"}, 400),
        ("price one", {**good, "price": "1.00"}, 400),
        ("price text", {**good, "price": "abc"}, 400),
        ("zero count", {**good, "count": "0"}, 400),
        ("negative count", {**good, "count": "-3"}, 400),
        ("sub-cent count", {**good, "count": "1.005"}, 400),
        ("bad side", {**good, "side": "yes"}, 400),
        ("bad tif", {**good, "time_in_force": "gtc"}, 400),
        ("bad stp", {**good, "self_trade_prevention_type": "none"}, 400),
        ("v1 shape", {k: v for k, v in good.items() if k != "price"} | {"yes_price": 1}, 400),
        ("unknown ticker", {**good, "ticker": "NOPE-99"}, 404),
        ("closed market", {**good, "ticker": closed}, 409),
        ("huge count", {**good, "count": "100000000"}, 400),
        ("absurd expiry", {**good, "expiration_time": 10**30}, 400),
        (
            "expiration with ioc",
            {
                **good,
                "time_in_force": "immediate_or_cancel",
                "expiration_time": int(time.time()) + 60,
            },
            400,
        ),
    ]


def test_bad_input_is_a_4xx_in_kalshi_shape_and_changes_nothing(fresh):
    markets = fresh.get("/markets", status="open", limit=200)["markets"]
    ticker = next(m["ticker"] for m in markets if m["price_level_structure"] == "linear_cent")
    closed = fresh.get("/markets", status="closed", limit=1)["markets"]
    closed_ticker = closed[0]["ticker"] if closed else "NOPE-CLOSED"
    before = fresh.balance()
    for name, body, status in _bad_inputs(ticker, closed_ticker):
        if name == "closed market" and not closed:
            continue
        url = fresh.base + API + "/portfolio/events/orders"
        h = fresh.signer.headers("POST", API + "/portfolio/events/orders")
        if isinstance(body, bytes):
            r = fresh.session.post(url, data=body, headers=h)
        else:
            r = fresh.session.post(url, json=body, headers=h)
        assert 400 <= r.status_code < 500, (name, r.status_code, r.text)
        if name != "closed market":
            assert r.status_code == status, (name, r.text)
        err = r.json()["error"]
        assert isinstance(err["code"], str) and isinstance(err["message"], str), name
        time.sleep(0.11)  # stay inside the Basic write budget
    assert fresh.balance() == before
    assert fresh.get("/portfolio/orders")["orders"] == []


def test_more_bad_input(fresh):
    oid = str(uuid.uuid4())
    assert fresh.request("GET", f"/portfolio/orders/{oid}").status_code == 404
    assert fresh.request("DELETE", f"/portfolio/events/orders/{oid}").status_code == 404
    r = fresh.request("POST", f"/portfolio/events/orders/{oid}/decrease", {"reduce_by": "1"})
    assert r.status_code == 404
    big = {"orders": [{"ticker": "X" * 1000}] * 1200}
    r = fresh.request("POST", "/portfolio/events/orders/batched", big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "request_entity_too_large"
    r = fresh.request("GET", "/markets", limit=5000)
    assert r.status_code == 400
    r = fresh.request("GET", "/markets", status="active")
    assert r.status_code == 400
    r = fresh.request("GET", "/markets", cursor="garbage!")
    assert r.status_code == 400
    r = fresh.request("GET", "/markets", min_created_ts=1, min_close_ts=1)
    assert r.status_code == 400
    m = fresh.get("/markets", status="open", limit=1)["markets"][0]
    series = fresh.get(f"/events/{m['event_ticker']}")["event"]["series_ticker"]
    path = f"/series/{series}/markets/{m['ticker']}/candlesticks"
    now = int(time.time())
    assert (
        fresh.request("GET", path, start_ts=now - 60, end_ts=now, period_interval=5).status_code
        == 400
    )
    assert fresh.request("GET", path, end_ts=now, period_interval=1).status_code == 400
    assert fresh.request("GET", path, start_ts=now - 60, end_ts=now, period_interval=1).ok
    r = fresh.request("POST", "/portfolio/order_groups/create", {"contracts_limit": "x"})
    assert r.status_code == 400


# ---------------------------------------------------------------- market data shapes


def test_pagination_walks_every_market_once(demo):
    everything = demo.get("/markets", limit=1000)
    assert everything["cursor"] == ""
    seen, cursor = [], None
    while True:
        page = demo.get("/markets", limit=7, **({"cursor": cursor} if cursor else {}))
        seen += [m["ticker"] for m in page["markets"]]
        cursor = page["cursor"]
        if not cursor:
            break
    assert seen == [m["ticker"] for m in everything["markets"]]


def test_orderbook_levels_ascend_with_best_last(demo):
    m = next(
        m
        for m in demo.get("/markets", status="open", limit=200)["markets"]
        if D(m["yes_bid_dollars"]) > 0
    )
    book = demo.get(f"/markets/{m['ticker']}/orderbook")["orderbook_fp"]
    yes = [D(p) for p, _ in book["yes_dollars"]]
    assert yes == sorted(yes) and yes[-1] == D(m["yes_bid_dollars"])
    top = demo.get(f"/markets/{m['ticker']}/orderbook", depth=1)["orderbook_fp"]
    assert top["yes_dollars"] == book["yes_dollars"][-1:]
    multi = demo.call("GET", "/markets/orderbooks", tickers=[m["ticker"], m["ticker"]])
    assert [b["ticker"] for b in multi["orderbooks"]] == [m["ticker"]] * 2


# ---------------------------------------------------------------- trading


def test_two_users_trade_and_the_books_balance(exchange):
    alice = Api.for_new_user(exchange, f"alice{uuid.uuid4().hex[:6]}")
    bob = Api.for_new_user(exchange, f"bob{uuid.uuid4().hex[:6]}")
    ticker, bid, _ = market_with_spread(alice)
    price = bid + D("0.01")
    a0, b0 = alice.balance(), bob.balance()

    made = alice.place_order(ticker, "bid", str(price), "5", client_order_id="a-1")
    assert made["fill_count"] == "0.00" and made["remaining_count"] == "5.00"
    qp = alice.get(f"/portfolio/orders/{made['order_id']}/queue_position")
    assert qp == {"queue_position_fp": "0.00"}
    took = bob.place_order(ticker, "ask", str(price), "3", time_in_force="immediate_or_cancel")
    assert took["fill_count"] == "3.00" and took["average_fill_price"] == str(price)

    a_order = alice.get(f"/portfolio/orders/{made['order_id']}")["order"]
    # Live face (no --strict-spec): unset optional fields are sent as null, as the API does.
    assert a_order["expiration_time"] is None and a_order["order_group_id"] is None
    assert a_order["status"] == "resting" and a_order["fill_count_fp"] == "3.00"
    assert (a_order["outcome_side"], a_order["book_side"], a_order["side"]) == ("yes", "bid", "yes")
    a_fills = alice.get("/portfolio/fills", ticker=ticker)["fills"]
    b_fills = bob.get("/portfolio/fills", ticker=ticker)["fills"]
    assert [f["is_taker"] for f in a_fills] == [False] and [f["is_taker"] for f in b_fills] == [
        True
    ]
    assert a_fills[0]["trade_id"] == b_fills[0]["trade_id"]
    assert b_fills[0]["book_side"] == "ask" and b_fills[0]["outcome_side"] == "no"
    trade = next(
        t
        for t in alice.get("/markets/trades", ticker=ticker)["trades"]
        if t["trade_id"] == a_fills[0]["trade_id"]
    )
    assert (trade["count_fp"], trade["taker_book_side"], trade["taker_side"]) == (
        "3.00",
        "ask",
        "no",
    )

    a_pos = alice.get("/portfolio/positions", ticker=ticker)["market_positions"]
    b_pos = bob.get("/portfolio/positions", ticker=ticker)["market_positions"]
    assert a_pos[0]["position_fp"] == "3.00" and b_pos[0]["position_fp"] == "-3.00"

    a1, b1 = alice.balance(), bob.balance()
    a_fee, b_fee = D(a_fills[0]["fee_cost"]), D(b_fills[0]["fee_cost"])
    assert a0 - a1 > 3 * price + a_fee  # the rest is held for alice's resting order
    assert b0 - b1 == 3 * (1 - price) + b_fee

    r = alice.request("DELETE", f"/portfolio/events/orders/{made['order_id']}")
    assert r.status_code == 200 and r.json()["reduced_by"] == "2.00"
    assert r.json()["client_order_id"] == "a-1"
    assert alice.balance() == a0 - 3 * price - a_fee


def test_amend_decrease_batch_and_cancel_all(fresh):
    ticker, bid, _ = market_with_spread(fresh)
    low = str(max(bid - D("0.02"), D("0.01")))
    o = fresh.place_order(ticker, "bid", low, "4")
    r = fresh.request(
        "POST",
        f"/portfolio/events/orders/{o['order_id']}/amend",
        {"ticker": ticker, "side": "bid", "price": low, "count": "6"},
    )
    assert r.status_code == 200, r.text
    oid = r.json()["order_id"]
    assert r.json()["remaining_count"] == "6.00"
    r = fresh.request("POST", f"/portfolio/events/orders/{oid}/decrease", {"reduce_to": "2"})
    assert r.status_code == 200 and r.json()["remaining_count"] == "2.00"
    time.sleep(0.3)
    batch = {
        "orders": [
            {"ticker": ticker, "side": "bid", "price": low, "count": "1", **ORDER},
            {"ticker": ticker, "side": "bid", "price": "0.015", "count": "1", **ORDER},
        ]
    }
    r = fresh.request("POST", "/portfolio/events/orders/batched", batch)
    assert r.status_code == 201
    first, second = r.json()["orders"]
    assert "order_id" in first and "error" not in first
    assert second["error"]["code"] and "order_id" not in second
    time.sleep(0.3)
    r = fresh.request(
        "DELETE",
        "/portfolio/events/orders/batched",
        {"orders": [{"order_id": first["order_id"]}, {"order_id": "nope"}]},
    )
    assert r.status_code == 200
    ok, bad = r.json()["orders"]
    assert ok["reduced_by"] == "1.00" and bad["error"]["code"] == "not_found"
    assert len(fresh.get("/portfolio/orders", status="resting")["orders"]) == 1
    r = fresh.request("DELETE", "/portfolio/events/orders")
    assert r.status_code == 204 and r.content == b""
    assert fresh.get("/portfolio/orders", status="resting")["orders"] == []


def test_order_groups(fresh):
    r = fresh.request("POST", "/portfolio/order_groups/create", {"contracts_limit_fp": "10.00"})
    assert r.status_code == 201
    gid = r.json()["order_group_id"]
    ticker, bid, _ = market_with_spread(fresh)
    o = fresh.place_order(
        ticker, "bid", str(max(bid - D("0.02"), D("0.01"))), "2", order_group_id=gid
    )
    g = fresh.get(f"/portfolio/order_groups/{gid}")
    assert g["orders"] == [o["order_id"]] and g["contracts_limit_fp"] == "10.00"
    time.sleep(0.3)
    assert fresh.call("PUT", f"/portfolio/order_groups/{gid}/trigger", {}) == {}
    assert fresh.get(f"/portfolio/order_groups/{gid}")["orders"] == []
    assert fresh.call("POST", f"/portfolio/order_groups/{gid}/reset", {}) == {}
    assert fresh.call("PUT", f"/portfolio/order_groups/{gid}/limit", {"contracts_limit": 3}) == {}
    time.sleep(0.3)
    assert fresh.call("DELETE", f"/portfolio/order_groups/{gid}") == {}
    assert fresh.request("GET", f"/portfolio/order_groups/{gid}").status_code == 404


# ---------------------------------------------------------------- rate limits


def test_limits_report_what_is_enforced(fresh):
    limits = fresh.get("/account/limits")
    assert limits["usage_tier"] == "basic" and limits["grants"] == []
    assert limits["write"] == {"refill_rate": 100, "bucket_capacity": 100}
    costs = fresh.get("/account/endpoint_costs")
    assert costs["default_cost"] == 10
    table = {(c["method"], c["path"]): c["cost"] for c in costs["endpoint_costs"]}
    assert table[("DELETE", API + "/portfolio/events/orders/{order_id}")] == 2
    assert table[("GET", API + "/portfolio/orders/{order_id}")] == 2


def test_429_and_recovery(fresh):
    ticker, bid, _ = market_with_spread(fresh)
    low = str(max(bid - D("0.02"), D("0.01")))
    body = {"ticker": ticker, "side": "bid", "price": low, "count": "1", **ORDER}
    statuses = [fresh.request("POST", "/portfolio/events/orders", body) for _ in range(14)]
    codes = [r.status_code for r in statuses]
    assert codes[:9] == [201] * 9 and 429 in codes
    limited = statuses[codes.index(429)]
    assert limited.json() == {"error": "too many requests"}
    assert "Retry-After" not in limited.headers
    time.sleep(0.25)
    assert fresh.request("POST", "/portfolio/events/orders", body).status_code == 201
    # Reads have their own bucket.
    assert fresh.request("GET", "/portfolio/orders").status_code == 200

    time.sleep(1.1)  # full write bucket (100 tokens): 11 orders = 110 tokens do not fit
    before = len(fresh.get("/portfolio/orders", status="resting")["orders"])
    r = fresh.request("POST", "/portfolio/events/orders/batched", {"orders": [body] * 11})
    assert r.status_code == 429
    assert len(fresh.get("/portfolio/orders", status="resting")["orders"]) == before
    r = fresh.request("POST", "/portfolio/events/orders/batched", {"orders": [body] * 10})
    assert r.status_code == 201 and len(r.json()["orders"]) == 10

    time.sleep(1.05)
    assert fresh.request("GET", "/portfolio/balance", raw_429=True).status_code == 200
    assert fresh.request("GET", "/portfolio/balance", raw_429=True).status_code == 429
    time.sleep(1.05)
    assert fresh.request("GET", "/portfolio/balance", raw_429=True).status_code == 200
    # Without raw_429 the test client waits the bucket out instead (tests/api.py).
    assert fresh.request("GET", "/portfolio/balance").status_code == 200
    assert fresh.request("GET", "/portfolio/balance").status_code == 200


# ---------------------------------------------------------------- persistence


def test_state_survives_kill_9(tmp_path):
    ex = start_exchange(tmp_path / "sb", "--seed", "3", "--no-activity", "--tier", "prestige")
    try:
        demo = Api.for_demo(ex)
        ticker, bid, _ = market_with_spread(demo)
        demo.place_order(ticker, "bid", str(bid + D("0.01")), "4", client_order_id="keep-me")
        demo.place_order(ticker, "bid", str(bid - D("0.01")), "1.5")
        demo.place_order(ticker, "ask", str(bid), "2", time_in_force="immediate_or_cancel")

        def snapshot(api: Api) -> dict:
            return {
                "orders": api.get("/portfolio/orders"),
                "fills": api.get("/portfolio/fills"),
                "positions": api.get("/portfolio/positions"),
                "balance": api.balance(),
                "book": api.get(f"/markets/{ticker}/orderbook"),
            }

        before = snapshot(demo)
        key_before = demo.signer.key_id
    finally:
        assert ex.stop(signal.SIGKILL) == -signal.SIGKILL
    ex = start_exchange(tmp_path / "sb", "--no-activity", "--tier", "prestige")
    try:
        env = read_env(ex.data_dir / "credentials.env")
        assert env["KALSHI_API_KEY_ID"] == key_before
        demo = Api.for_demo(ex)
        assert snapshot(demo) == before
        dup = demo.request(
            "POST",
            "/portfolio/events/orders",
            {
                "ticker": ticker,
                "side": "bid",
                "price": "0.01",
                "count": "1",
                "client_order_id": "keep-me",
                **ORDER,
            },
        )
        assert dup.status_code == 409 and dup.json()["error"]["code"] == "order_already_exists"
    finally:
        assert ex.stop() == 0


def test_reset_and_clean_shutdown(tmp_path):
    ex = start_exchange(tmp_path / "sb", "--no-activity")
    first = read_env(ex.data_dir / "credentials.env")["KALSHI_API_KEY_ID"]
    assert ex.stop(signal.SIGINT) == 0
    ex = start_exchange(tmp_path / "sb", "--no-activity", "--reset")
    try:
        assert read_env(ex.data_dir / "credentials.env")["KALSHI_API_KEY_ID"] != first
    finally:
        assert ex.stop() == 0


def test_latency_and_legacy_announcements(tmp_path):
    ex = start_exchange(
        tmp_path / "sb", "--no-activity", "--latency-ms", "150", "--legacy-announcements"
    )
    try:
        api = Api.for_demo(ex)
        t0 = time.perf_counter()
        body = api.get("/exchange/announcements")
        assert time.perf_counter() - t0 >= 0.15
        assert body["cursor"] == "" and body["announcements"][0]["status"] == "active"
    finally:
        ex.stop()


def test_add_user_before_the_server_ever_ran(tmp_path):
    env = add_user(tmp_path / "sb", "early", "--balance", "5")
    ex = start_exchange(tmp_path / "sb", "--no-activity")
    try:
        api = Api.from_env(ex.url, env)
        assert api.balance() == D("5")
        demo = Api.for_demo(ex)
        assert demo.balance() > 0  # the seeded demo account (with some seeded history)
    finally:
        assert ex.stop() == 0


def test_garbage_query_parameters_never_cause_a_5xx(fresh):
    m = fresh.get("/markets", status="open", limit=1)["markets"][0]
    t, e = m["ticker"], m["event_ticker"]
    s = fresh.get(f"/events/{e}")["event"]["series_ticker"]
    paths = [
        "/series",
        f"/series/{s}",
        "/events",
        f"/events/{e}",
        "/markets",
        f"/markets/{t}",
        f"/markets/{t}/orderbook",
        "/markets/orderbooks",
        "/markets/trades",
        f"/series/{s}/markets/{t}/candlesticks",
        "/markets/candlesticks",
        f"/series/{s}/events/{e}/candlesticks",
        "/portfolio/positions",
        "/portfolio/fills",
        "/portfolio/settlements",
        "/portfolio/orders",
        "/portfolio/orders/queue_positions",
        "/portfolio/order_groups",
        "/historical/markets",
        f"/historical/markets/{t}/candlesticks",
        "/historical/trades",
        "/historical/fills",
        "/historical/orders",
        "/historical/positions",
    ]
    junk = [
        {"limit": "abc", "cursor": "%%%"},
        {"limit": "-1", "depth": "x", "status": "zz", "subaccount": "99"},
        {"start_ts": "99999999999999999999", "end_ts": "1", "period_interval": "60"},
        {"start_ts": "1", "end_ts": "99999999999", "period_interval": "1"},
        {"min_ts": "-5", "max_ts": "1e9", "tickers": ",,,", "market_tickers": ""},
        {"with_nested_markets": "maybe", "count_filter": "nope", "settlement_status": "x"},
    ]
    for path in paths:
        for params in junk:
            r = fresh.request("GET", path, **params)
            assert r.status_code < 500, (path, params, r.status_code, r.text)
            assert "error" in r.json() or r.status_code == 200, (path, params)
            time.sleep(0.05)  # Basic read budget: 20 requests/s
