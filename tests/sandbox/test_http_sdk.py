"""With --strict-spec every response parses with the official SDK's strict models
(kalshi_python_sync 3.34.0) and validates against the OpenAPI 3.34.0 response schemas
(specs/kalshi-openapi.yaml, vendored)."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest

from tests.api import API, ORDER, Api
from tests.conftest import start_exchange
from tests.spec_check import OPENAPI

D = Decimal


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    ex = start_exchange(
        tmp_path_factory.mktemp("strict"),
        "--seed",
        "7",
        "--no-activity",
        "--strict-spec",
        "--tier",
        "prestige",
    )
    yield ex
    ex.stop()


@pytest.fixture(scope="module")
def demo(strict) -> Api:
    return Api.for_demo(strict)


@pytest.fixture(scope="module")
def state(strict, demo) -> dict:
    """Something in every list: a resting order, a fresh trade, an order group."""
    other = Api.for_new_user(strict, f"o{uuid.uuid4().hex[:8]}")
    m = next(
        m
        for m in demo.get("/markets", status="open", limit=200)["markets"]
        if m["price_level_structure"] == "linear_cent"
        and D(m["yes_ask_dollars"]) - D(m["yes_bid_dollars"]) >= D("0.02")
    )
    price = str(D(m["yes_bid_dollars"]) + D("0.01"))
    group = demo.call("POST", "/portfolio/order_groups/create", {"contracts_limit": 100})
    resting = demo.place_order(
        m["ticker"],
        "bid",
        price,
        "5",
        client_order_id="strict-1",
        order_group_id=group["order_group_id"],
    )
    other.place_order(m["ticker"], "ask", price, "2", time_in_force="immediate_or_cancel")
    event = demo.get(f"/events/{m['event_ticker']}")["event"]
    hist = demo.get("/historical/markets", limit=1)["markets"]
    return {
        "ticker": m["ticker"],
        "event": m["event_ticker"],
        "series": event["series_ticker"],
        "order_id": resting["order_id"],
        "group": group["order_group_id"],
        "hist": hist[0]["ticker"] if hist else None,
        "now": int(time.time()),
    }


# ---------------------------------------------------------------- OpenAPI schemas


def _openapi_validator():
    import jsonschema
    import yaml

    spec = yaml.safe_load(OPENAPI.read_text())

    def convert(node):
        """OpenAPI 3.0 `nullable` -> JSON Schema null types (a $ref ignores siblings)."""
        if isinstance(node, list):
            return [convert(n) for n in node]
        if not isinstance(node, dict):
            return node
        out = {k: convert(v) for k, v in node.items() if k != "nullable"}
        if node.get("nullable"):
            if "type" in out:
                out["type"] = [out["type"], "null"]
                if "enum" in out:
                    out["enum"] = [*out["enum"], None]
            else:
                out = {"anyOf": [out, {"type": "null"}]}
        return out

    components = convert(spec["components"])

    def validate(method: str, template: str, status: int, body) -> None:
        responses = spec["paths"][template][method.lower()]["responses"]
        entry = responses[str(status)]
        if "$ref" in entry:
            entry = spec["components"]["responses"][entry["$ref"].rsplit("/", 1)[1]]
        schema = entry.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            assert body is None, f"{method} {template}: body where the spec has none"
            return
        root = {**convert(schema), "components": components}
        jsonschema.validate(body, root)

    return validate


def _calls(s: dict) -> list[tuple[str, str, dict, object, int]]:
    """(method, spec path template, params incl. path values, body, expected status)."""
    t, oid, gid = s["ticker"], s["order_id"], s["group"]
    window = {"start_ts": s["now"] - 86400, "end_ts": s["now"] + 60, "period_interval": 60}
    order = {"ticker": t, "side": "bid", "price": "0.0100", "count": "1", **ORDER}
    calls = [
        ("GET", "/exchange/status", {}, None, 200),
        ("GET", "/exchange/schedule", {}, None, 200),
        ("GET", "/exchange/user_data_timestamp", {}, None, 200),
        ("GET", "/series", {"include_volume": "true"}, None, 200),
        ("GET", "/series/{series_ticker}", {"series_ticker": s["series"]}, None, 200),
        ("GET", "/events", {"with_nested_markets": "true", "limit": 5}, None, 200),
        ("GET", "/events/{event_ticker}", {"event_ticker": s["event"]}, None, 200),
        ("GET", "/markets", {"limit": 1000}, None, 200),
        ("GET", "/markets/{ticker}", {"ticker": t}, None, 200),
        ("GET", "/markets/{ticker}/orderbook", {"ticker": t}, None, 200),
        ("GET", "/markets/orderbooks", {"tickers": [t]}, None, 200),
        ("GET", "/markets/trades", {"limit": 100}, None, 200),
        (
            "GET",
            "/series/{series_ticker}/markets/{ticker}/candlesticks",
            {"series_ticker": s["series"], "ticker": t, **window},
            None,
            200,
        ),
        ("GET", "/markets/candlesticks", {"market_tickers": t, **window}, None, 200),
        (
            "GET",
            "/series/{series_ticker}/events/{ticker}/candlesticks",
            {"series_ticker": s["series"], "ticker": s["event"], **window},
            None,
            200,
        ),
        ("GET", "/portfolio/balance", {}, None, 200),
        ("GET", "/portfolio/positions", {"settlement_status": "all"}, None, 200),
        ("GET", "/portfolio/fills", {}, None, 200),
        ("GET", "/portfolio/settlements", {}, None, 200),
        ("GET", "/portfolio/summary/total_resting_order_value", {}, None, 200),
        ("GET", "/portfolio/orders", {}, None, 200),
        ("GET", "/portfolio/orders/{order_id}", {"order_id": oid}, None, 200),
        ("GET", "/portfolio/orders/{order_id}/queue_position", {"order_id": oid}, None, 200),
        ("GET", "/portfolio/orders/queue_positions", {}, None, 200),
        ("GET", "/portfolio/order_groups", {}, None, 200),
        ("GET", "/portfolio/order_groups/{order_group_id}", {"order_group_id": gid}, None, 200),
        ("PUT", "/portfolio/order_groups/{order_group_id}/reset", {"order_group_id": gid}, {}, 200),
        (
            "PUT",
            "/portfolio/order_groups/{order_group_id}/limit",
            {"order_group_id": gid},
            {"contracts_limit_fp": "50.00"},
            200,
        ),
        ("POST", "/portfolio/events/orders", {}, order, 201),
        ("POST", "/portfolio/events/orders/batched", {}, {"orders": [order, order]}, 201),
        (
            "POST",
            "/portfolio/events/orders/{order_id}/amend",
            {"order_id": oid},
            {**{k: order[k] for k in ("ticker", "side")}, "price": "0.0200", "count": "6"},
            200,
        ),
        ("GET", "/historical/cutoff", {}, None, 200),
        ("GET", "/historical/markets", {"limit": 10}, None, 200),
        ("GET", "/historical/trades", {"limit": 10}, None, 200),
        ("GET", "/historical/fills", {}, None, 200),
        ("GET", "/historical/orders", {}, None, 200),
        ("GET", "/historical/positions", {}, None, 200),
        ("GET", "/api_keys", {}, None, 200),
        ("GET", "/account/limits", {}, None, 200),
        ("GET", "/account/endpoint_costs", {}, None, 200),
        ("DELETE", "/portfolio/events/orders", {}, None, 204),
        ("DELETE", "/portfolio/order_groups/{order_group_id}", {"order_group_id": gid}, None, 200),
    ]
    if s["hist"]:
        calls += [
            ("GET", "/historical/markets/{ticker}", {"ticker": s["hist"]}, None, 200),
            (
                "GET",
                "/historical/markets/{ticker}/candlesticks",
                {"ticker": s["hist"], **window, "start_ts": s["now"] - 90 * 86400},
                None,
                200,
            ),
        ]
    return calls


def test_every_response_matches_the_openapi_schema(demo, state):
    validate = _openapi_validator()
    for method, template, params, body, status in _calls(state):
        path, query = template, dict(params)
        for name in list(query):
            if "{" + name + "}" in path:
                path = path.replace("{" + name + "}", str(query.pop(name)))
        r = demo.request(method, path, body, **query)
        assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text[:300]}"
        validate(method, template, status, r.json() if r.content else None)
    # What amend/cancel/decrease answer, on a fresh order.
    o = demo.place_order(state["ticker"], "bid", "0.0100", "3")
    r = demo.request(
        "POST", f"/portfolio/events/orders/{o['order_id']}/decrease", {"reduce_by": "1"}
    )
    validate("POST", "/portfolio/events/orders/{order_id}/decrease", 200, r.json())
    r = demo.request("DELETE", f"/portfolio/events/orders/{o['order_id']}")
    validate("DELETE", "/portfolio/events/orders/{order_id}", 200, r.json())
    o = demo.place_order(state["ticker"], "bid", "0.0100", "1")
    r = demo.request(
        "DELETE", "/portfolio/events/orders/batched", {"orders": [{"order_id": o["order_id"]}]}
    )
    validate("DELETE", "/portfolio/events/orders/batched", 200, r.json())


# ---------------------------------------------------------------- the official SDK


@pytest.fixture(scope="module")
def sdk(strict, demo):
    k = pytest.importorskip("kalshi_python_sync")
    client = k.KalshiClient(k.Configuration(host=strict.url + API))
    client.kalshi_auth = demo.signer  # the SDK's KalshiAuth interface
    return client


def test_sdk_strict_models_parse_every_endpoint_the_scripts_use(sdk, demo, state):
    t, s, e = state["ticker"], state["series"], state["event"]
    resting = demo.place_order(t, "bid", "0.0100", "1")["order_id"]
    window = {"start_ts": state["now"] - 86400, "end_ts": state["now"] + 60, "period_interval": 60}
    assert sdk.get_exchange_status().trading_active is True
    sdk.get_exchange_schedule()
    sdk.get_user_data_timestamp()
    assert sdk.get_series_list().series
    sdk.get_series(series_ticker=s, include_volume=True)
    assert sdk.get_events(limit=5, with_nested_markets=True).cursor is not None
    assert sdk.get_event(event_ticker=e, with_nested_markets=True).event.markets
    markets = sdk.get_markets(limit=1000)
    assert markets.markets and markets.cursor == ""
    for status in ("open", "closed", "settled", "unopened", "paused"):
        sdk.get_markets(status=status, limit=10)
    sdk.get_market(ticker=t)
    book = sdk.get_market_orderbook(ticker=t)
    assert book.orderbook_fp.yes_dollars
    sdk.get_market_orderbooks(tickers=[t])
    sdk.get_market_candlesticks(series_ticker=s, ticker=t, **window)
    sdk.batch_get_market_candlesticks(market_tickers=t, **window)
    sdk.get_market_candlesticks_by_event(series_ticker=s, ticker=e, **window)
    assert sdk.get_trades(ticker=t).trades
    bal = sdk.get_balance()
    assert bal.balance >= 0 and bal.balance_dollars
    pos = sdk.get_positions(settlement_status="all")
    assert pos.market_positions and pos.event_positions
    assert sdk.get_fills().fills
    sdk.get_settlements()
    sdk.get_portfolio_resting_order_total_value()
    orders = sdk.get_orders(status="resting")
    assert orders.orders and orders.cursor == ""
    assert sdk.get_order(order_id=resting).order.status == "resting"
    raw = demo.get(f"/portfolio/orders/{resting}")["order"]
    assert "expiration_time" not in raw and "order_group_id" not in raw  # strict: omitted
    assert sdk.get_order_queue_position(order_id=resting).queue_position_fp.endswith(".00")
    sdk.get_order_queue_positions(market_tickers=t)

    created = sdk.create_order_v2(
        ticker=t,
        side="bid",
        count="2",
        price="0.0100",
        client_order_id=f"sdk-{uuid.uuid4().hex[:8]}",
        **ORDER,
    )
    assert created.remaining_count == "2.00"
    sdk.amend_order_v2(order_id=created.order_id, ticker=t, side="bid", price="0.0100", count="3")
    sdk.decrease_order_v2(order_id=created.order_id, reduce_by="1")
    assert sdk.cancel_order_v2(order_id=created.order_id).reduced_by == "2.00"
    batch = sdk.batch_create_orders_v2(
        orders=[
            {"ticker": t, "side": "bid", "count": "1", "price": "0.0100", **ORDER},
            {"ticker": t, "side": "bid", "count": "1", "price": "0.0100", **ORDER},
        ]
    )
    ids = [o.order_id for o in batch.orders]
    sdk.batch_cancel_orders_v2(orders=[{"order_id": ids[0]}])
    sdk.cancel_all_orders()

    g = sdk.create_order_group(contracts_limit=10)
    assert g.order_group_id
    assert sdk.get_order_groups().order_groups
    sdk.get_order_group(order_group_id=g.order_group_id)
    sdk.reset_order_group(order_group_id=g.order_group_id)
    sdk.trigger_order_group(order_group_id=g.order_group_id)
    sdk.update_order_group_limit(order_group_id=g.order_group_id, contracts_limit=20)
    sdk.delete_order_group(order_group_id=g.order_group_id)

    sdk.get_historical_cutoff()
    hist = sdk.get_historical_markets(limit=5)
    sdk.get_trades_historical(limit=5)
    sdk.get_fills_historical()
    sdk.get_historical_orders()
    sdk.get_historical_positions()
    if hist.markets:
        h = hist.markets[0].ticker
        sdk.get_historical_market(ticker=h)
        sdk.get_market_candlesticks_historical(
            ticker=h, start_ts=state["now"] - 90 * 86400, end_ts=state["now"], period_interval=1440
        )
    assert sdk.get_api_keys().api_keys
    limits = sdk.get_account_api_limits()
    assert limits.usage_tier == "prestige"
    assert sdk.get_account_endpoint_costs().default_cost == 10
    gen = sdk.generate_api_key(name="sdk-made")
    sdk.delete_api_key(api_key=gen.api_key_id)
