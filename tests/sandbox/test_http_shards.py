"""Combos on exchange index 1 over HTTP (--strict-spec): the real `exchange_index` on series,
events, markets, collections, orders, fills and positions (validated against the vendored
OpenAPI); order routing by `exchange_index` / `market_ticker`; balance per index; the RFQ
batch one-index rule."""

from __future__ import annotations

import time
import uuid

import pytest
from test_http_sdk import _openapi_validator

from sandbox.control.client import ControlClient
from tests.api import Api
from tests.conftest import start_exchange

EC = "event_contract"
ORDERS = "/portfolio/events/orders"
GTC = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ex = start_exchange(
        tmp_path_factory.mktemp("shards"),
        *("--seed", "7", "--no-activity", "--strict-spec", "--tier", "prestige"),
    )
    yield ex
    ex.stop()


@pytest.fixture(scope="module")
def validate():
    return _openapi_validator()


def _user(server, dollars_on_1: int = 0) -> Api:
    api = Api.for_new_user(server, f"s{uuid.uuid4().hex[:8]}")
    if dollars_on_1:
        api.to_index(dollars_on_1)
    return api


def _combo(api: Api, collection: str = "KXMVESPORTSPARLAY", n: int = 2) -> str:
    c = api.get(f"/multivariate_event_collections/{collection}")["multivariate_contract"]
    legs = []
    for e in c["associated_events"]:
        markets = api.get("/markets", event_ticker=e["ticker"], status="open")["markets"]
        if markets:
            legs.append({"event_ticker": e["ticker"], "market_ticker": markets[0]["ticker"]})
            legs[-1]["side"] = "yes"
        if len(legs) == n:
            path = f"/multivariate_event_collections/{collection}"
            return api.call("POST", path, {"selected_markets": legs})["market_ticker"]
    raise AssertionError("no open legs")


def _balance(api: Api, **query) -> dict:
    while True:  # the balance bucket allows a few calls a second: wait instead of a 429
        r = api.request("GET", "/portfolio/balance", **query)
        if r.status_code != 429:
            assert r.status_code == 200, r.text
            return r.json()
        time.sleep(0.25)


def test_catalog_carries_the_real_index(server, validate):
    api = _user(server)
    ticker = _combo(api)
    market = api.get(f"/markets/{ticker}")
    validate("GET", "/markets/{ticker}", 200, market)
    assert market["market"]["exchange_index"] == 1
    event = api.get(f"/events/{market['market']['event_ticker']}")
    validate("GET", "/events/{event_ticker}", 200, event)
    assert event["event"]["exchange_index"] == 1
    series = api.get("/series/KXMVESPORTSPARLAY")
    validate("GET", "/series/{series_ticker}", 200, series)
    assert series["series"]["exchange_index"] == 1
    colls = api.get("/multivariate_event_collections")
    validate("GET", "/multivariate_event_collections", 200, colls)
    assert {c["exchange_index"] for c in colls["multivariate_contracts"]} == {1}
    plain = api.get("/markets", series_ticker="KXNFLGAME", limit=5)["markets"]
    assert plain and {m["exchange_index"] for m in plain} == {0}


def test_a_combo_order_is_routed_and_paid_on_index_1(server, validate):
    api = _user(server, dollars_on_1=20)
    ticker = _combo(api)
    order = {"ticker": ticker, "side": "bid", "price": "0.100", "count": "10", **GTC}
    wrong = api.request("POST", ORDERS, {**order, "exchange_index": 0})
    assert wrong.status_code == 400 and "exchange index 1" in wrong.json()["error"]["message"]
    before = _balance(api)
    r = api.call("POST", ORDERS, {**order, "exchange_index": -1}, expect=201)
    oid = r["order_id"]
    got = api.get(f"/portfolio/orders/{oid}")
    validate("GET", "/portfolio/orders/{order_id}", 200, got)
    assert got["order"]["exchange_index"] == 1
    # The hold (10 x $0.10 + the maker fee reserve) comes out of index 1 only.
    on_1 = _balance(api, exchange_index=1)
    validate("GET", "/portfolio/balance", 200, on_1)
    assert on_1["balance"] < 2000 - 100  # at least $1.00 held for 10 x $0.10
    by_index = {b["exchange_index"]: b["balance"] for b in _balance(api)["balance_breakdown"]}
    old = {b["exchange_index"]: b["balance"] for b in before["balance_breakdown"]}
    assert by_index[0] == old[0] and by_index[1] != old[1]
    # Cancel: defaults to index 0 without market_ticker, so the order is not found there.
    assert api.request("DELETE", f"{ORDERS}/{oid}").status_code == 404
    assert api.request("DELETE", f"{ORDERS}/{oid}", exchange_index=-1).status_code == 400
    done = api.call("DELETE", f"{ORDERS}/{oid}", market_ticker=ticker)
    assert done["reduced_by"] == "10.00"
    assert _balance(api, exchange_index=1)["balance"] == 2000  # the hold came back


def test_index_1_cash_is_required(server):
    api = _user(server)  # $ on index 0 only
    ticker = _combo(api)
    order = {"ticker": ticker, "side": "bid", "price": "0.100", "count": "10", **GTC}
    r = api.request("POST", ORDERS, order)
    assert r.status_code == 400 and r.json()["error"]["code"] == "available_balance_too_low"


def test_fills_and_positions_carry_index_1(server, validate):
    buyer, seller = _user(server, dollars_on_1=20), _user(server, dollars_on_1=20)
    ticker = _combo(buyer)
    seller.call(
        "POST", ORDERS, {"ticker": ticker, "side": "ask", "price": "0.200", "count": "5", **GTC}
    )
    buyer.call(
        "POST", ORDERS, {"ticker": ticker, "side": "bid", "price": "0.200", "count": "5", **GTC}
    )
    fills = buyer.get("/portfolio/fills", ticker=ticker)
    validate("GET", "/portfolio/fills", 200, fills)
    assert [f["exchange_index"] for f in fills["fills"]] == [1]
    positions = buyer.get("/portfolio/positions", ticker=ticker)
    validate("GET", "/portfolio/positions", 200, positions)
    assert [p["exchange_index"] for p in positions["market_positions"]] == [1]
    value_1 = _balance(buyer, exchange_index=1)["portfolio_value"]
    assert value_1 == _balance(buyer)["portfolio_value"]
    assert _balance(buyer, exchange_index=0)["portfolio_value"] == 0


def test_an_rfq_batch_stays_on_one_index(server):
    api = _user(server, dollars_on_1=20)
    on_1 = _combo(api)
    # A collection over a series on index 0 (the control plane accepts `exchange_index`).
    ctl = ControlClient(server.url)
    ctl.create_series("KXMVEZERO", exchange_index=0, fee_type="quadratic_with_combo_maker_fees")
    legs = api.get(f"/markets/{on_1}")["market"]["mve_selected_legs"]
    events = [leg["event_ticker"] for leg in legs]  # legs with open markets
    ctl.create_collection("KXMVEZERO", series_ticker="KXMVEZERO", events=events)
    on_0 = _combo(api, "KXMVEZERO")
    assert api.get(f"/markets/{on_0}")["market"]["exchange_index"] == 0
    body = {"children": [{"market_ticker": on_0}, {"market_ticker": on_1}], "contracts_fp": "1"}
    r = api.request("POST", "/communications/rfq_batches", body)
    assert r.status_code == 400, r.text
    assert "one exchange index" in r.json()["error"]["message"]


def test_an_order_group_on_index_1_takes_combo_orders(server, validate):
    api = _user(server, dollars_on_1=5)
    ticker = _combo(api)
    made = api.call(
        "POST",
        "/portfolio/order_groups/create",
        {"contracts_limit": 5, "exchange_index": 1},
        expect=201,
    )
    validate("POST", "/portfolio/order_groups/create", 201, made)
    assert made["exchange_index"] == 1
    listed = api.get("/portfolio/order_groups")
    validate("GET", "/portfolio/order_groups", 200, listed)
    assert [g["exchange_index"] for g in listed["order_groups"]] == [1]
    order = {"ticker": ticker, "side": "bid", "price": "0.100", "count": "1", **GTC}
    api.call("POST", ORDERS, {**order, "order_group_id": made["order_group_id"]}, expect=201)
    plain = api.get("/markets", series_ticker="KXNFLGAME", status="open", limit=1)["markets"][0]
    other = {**order, "ticker": plain["ticker"], "order_group_id": made["order_group_id"]}
    assert api.request("POST", ORDERS, other).status_code == 400
