"""Multivariate event collections (spec tag `multivariate`) and `GET /events/multivariate`:
list and read collections, look up or create a combo market from its legs."""

from __future__ import annotations

from aiohttp import web

from sandbox.engine.models import Collection
from sandbox.http import serialize as ser
from sandbox.http.errors import bad_request
from sandbox.http.params import field, json_body, paginate, q_bool, q_choice, q_list, q_str
from sandbox.http.routing import CONFIG, EXCHANGE, Routes, json_response, user_id

ROUTES = Routes()


def collection_json(c: Collection, index: int) -> dict:
    """`index`: "Exchange index inherited from the collection's series" (the spec)."""
    events = [
        {
            "ticker": a["ticker"],
            "is_yes_only": bool(a.get("is_yes_only")),
            "size_min": a.get("size_min"),
            "size_max": a.get("size_max"),
            "active_quoters": [],
        }
        for a in c.associated_events
    ]
    return {
        "collection_ticker": c.collection_ticker,
        "series_ticker": c.series_ticker,
        "exchange_index": index,
        "title": c.title,
        "description": c.description,
        "open_date": ser.iso_ms(c.open_date),
        "close_date": ser.iso_ms(c.close_date),
        "associated_events": events,
        "associated_event_tickers": [a["ticker"] for a in c.associated_events],
        "is_ordered": c.is_ordered,
        "is_single_market_per_event": all(a.get("size_max") == 1 for a in c.associated_events),
        "is_all_yes": all(a.get("is_yes_only") for a in c.associated_events),
        "size_min": c.size_min,
        "size_max": c.size_max,
        "functional_description": c.functional_description,
        "price_level_structure": c.price_level_structure,
        "price_ranges": [ser.price_range(r) for r in c.price_ranges],
    }


@ROUTES.get("/multivariate_event_collections")
async def list_collections(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    found = ex.list_collections(
        status=q_choice(request, "status", ("unopened", "open", "closed")),
        associated_event_ticker=q_str(request, "associated_event_ticker"),
        series_ticker=q_str(request, "series_ticker"),
    )
    page, cursor = paginate(request, found, 200, 200, lambda c: (c.collection_ticker,))
    return json_response(
        {
            "multivariate_contracts": [
                collection_json(c, ex.get_series(c.series_ticker).exchange_index) for c in page
            ],
            "cursor": cursor,
        }
    )


@ROUTES.get("/multivariate_event_collections/{collection_ticker}")
async def get_collection(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    c = ex.get_collection(request.match_info["collection_ticker"])
    index = ex.get_series(c.series_ticker).exchange_index
    return json_response({"multivariate_contract": collection_json(c, index)})


@ROUTES.post("/multivariate_event_collections/{collection_ticker}")
async def create_market(request: web.Request) -> web.Response:
    """Look up or create the combo of `selected_markets` (200 either way, as the spec says)."""
    ex = request.app[EXCHANGE]
    body = await json_body(request)
    selected = field(body, "selected_markets", list, required=True)
    m, _ = ex.create_combo_market(
        user_id(request), request.match_info["collection_ticker"], selected
    )
    out = {"event_ticker": m.event_ticker, "market_ticker": m.ticker}
    if field(body, "with_market_payload", bool):
        out["market"] = ser.market(ex.get_market(m.ticker), request.app[CONFIG].strict_spec)
    return json_response(out)


@ROUTES.get("/events/multivariate")
async def list_multivariate_events(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    strict = request.app[CONFIG].strict_spec
    series, collection = q_str(request, "series_ticker"), q_str(request, "collection_ticker")
    if series and collection:
        raise bad_request("series_ticker and collection_ticker cannot be combined")
    wanted = set(q_list(request, "tickers")) or None
    tickers = ex.collections.combo_events(collection)
    events = [
        ex.events[t]
        for t in tickers
        if (series is None or ex.events[t].series_ticker == series)
        and (wanted is None or t in wanted)
    ]
    page, cursor = paginate(
        request, events, 100, 200, lambda e: (e.last_updated_ts, e.event_ticker), descending=True
    )
    nested = q_bool(request, "with_nested_markets")
    out = []
    for e in page:
        markets = (
            [ser.market(mk, strict) for mk in ex.event_markets(e.event_ticker)] if nested else None
        )
        out.append(ser.event(e, strict, markets))
    return json_response({"events": out, "cursor": cursor})
