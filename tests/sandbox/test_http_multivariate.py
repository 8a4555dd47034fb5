"""Collections and combo markets over real HTTP (--strict-spec): collections listed and read,
a combo created from legs and looked up again, `mve_filter`, `/events` without and
`/events/multivariate` with combo events, an RFQ on a combo carrying its legs; every response
against the OpenAPI schema and the official SDK's strict models."""

from __future__ import annotations

import pytest

from tests.api import API, Api
from tests.sandbox.test_http_rfq import strict, users  # noqa: F401 (shared server fixtures)
from tests.sandbox.test_http_sdk import _openapi_validator

COLL = "KXMVESPORTSPARLAY"


def _legs(api: Api, n: int = 2) -> list[dict]:
    c = api.get(f"/multivariate_event_collections/{COLL}")["multivariate_contract"]
    out = []
    for ticker in c["associated_event_tickers"][:n]:
        markets = api.get("/markets", event_ticker=ticker, status="open")["markets"]
        out.append({"market_ticker": markets[0]["ticker"], "event_ticker": ticker, "side": "yes"})
    return out


def test_collections_and_combo_markets(users):  # noqa: F811
    api = users[0]
    validate = _openapi_validator()
    listed = api.get("/multivariate_event_collections", status="open")
    validate("GET", "/multivariate_event_collections", 200, listed)
    tickers = {c["collection_ticker"] for c in listed["multivariate_contracts"]}
    assert {COLL, "KXMVECROSSCATEGORY"} <= tickers
    one = api.get(f"/multivariate_event_collections/{COLL}")
    validate("GET", "/multivariate_event_collections/{collection_ticker}", 200, one)
    legs = _legs(api)
    body = {"selected_markets": legs, "with_market_payload": True}
    created = api.call("POST", f"/multivariate_event_collections/{COLL}", body)
    validate("POST", "/multivariate_event_collections/{collection_ticker}", 200, created)
    market = created["market"]
    assert market["ticker"].startswith(COLL + "-S") and market["mve_collection_ticker"] == COLL
    assert {x["market_ticker"] for x in market["mve_selected_legs"]} == {
        x["market_ticker"] for x in legs
    }
    again = api.call(
        "POST", f"/multivariate_event_collections/{COLL}", {"selected_markets": legs[::-1]}
    )
    assert again["market_ticker"] == market["ticker"]  # looked up, not created twice
    only = api.get("/markets", mve_filter="only", limit=1000)["markets"]
    assert market["ticker"] in {m["ticker"] for m in only}
    assert all(m["ticker"].startswith("KXMVE") for m in only)
    excluded = api.get("/markets", mve_filter="exclude", limit=1000)["markets"]
    assert market["ticker"] not in {m["ticker"] for m in excluded}
    events = api.get("/events", limit=200)["events"]
    assert created["event_ticker"] not in {e["event_ticker"] for e in events}
    mv = api.get("/events/multivariate", collection_ticker=COLL, with_nested_markets="true")
    validate("GET", "/events/multivariate", 200, mv)
    assert created["event_ticker"] in {e["event_ticker"] for e in mv["events"]}
    bad = api.request(
        "POST", f"/multivariate_event_collections/{COLL}", {"selected_markets": legs[:1]}
    )
    assert bad.status_code == 400
    # An RFQ on the combo carries its collection and legs.
    rfq_id = api.call(
        "POST",
        "/communications/rfqs",
        {"market_ticker": market["ticker"], "contracts_fp": "5.00", "rest_remainder": False},
    )["id"]
    rfq = api.get(f"/communications/rfqs/{rfq_id}")
    validate("GET", "/communications/rfqs/{rfq_id}", 200, rfq)
    assert rfq["rfq"]["mve_collection_ticker"] == COLL and len(rfq["rfq"]["mve_selected_legs"]) == 2
    api.request("DELETE", f"/communications/rfqs/{rfq_id}")


def test_sdk_strict_models_parse_collections_and_combos(strict, users):  # noqa: F811
    k = pytest.importorskip("kalshi_python_sync")
    from kalshi_python_sync.api.events_api import EventsApi
    from kalshi_python_sync.api.multivariate_api import MultivariateApi

    client = k.KalshiClient(k.Configuration(host=strict.url + API))
    client.kalshi_auth = users[1].signer
    mv, events = MultivariateApi(client), EventsApi(client)
    assert mv.get_multivariate_event_collections().multivariate_contracts
    c = mv.get_multivariate_event_collection(collection_ticker=COLL).multivariate_contract
    assert c.size_max == 3 and c.price_ranges
    legs = _legs(users[1])
    r = mv.create_market_in_multivariate_event_collection(
        collection_ticker=COLL, selected_markets=legs, with_market_payload=True
    )
    assert r.market.mve_collection_ticker == COLL and len(r.market.mve_selected_legs) == 2
    assert any(e.event_ticker == r.event_ticker for e in events.get_multivariate_events().events)
    assert client.get_market(ticker=r.market_ticker).market.ticker == r.market_ticker
