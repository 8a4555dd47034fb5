"""Public market data: series, events, markets, order books, candlesticks, trades."""

from __future__ import annotations

from aiohttp import web

from sandbox.engine import models as m
from sandbox.http import serialize as ser
from sandbox.http.errors import bad_request, not_found
from sandbox.http.params import (
    event_key,
    market_key,
    paginate,
    q_bool,
    q_choice,
    q_int,
    q_list,
    q_str,
    q_ts,
    trade_key,
)
from sandbox.http.routes_live import milestones_of
from sandbox.http.routing import CONFIG, EXCHANGE, Routes, json_response

ROUTES = Routes()

MARKET_STATUSES = ("unopened", "open", "paused", "closed", "settled")
EVENT_STATUSES = ("unopened", "open", "closed", "settled")
PERIODS = (1, 60, 1440)
MAX_CANDLES = 10_000

# GET /markets timestamp filters: one family at a time, each only with some statuses.
TS_FAMILIES: dict[str, set[str | None]] = {
    "created": {None, "unopened", "open"},
    "close": {None, "closed"},
    "settled": {None, "settled"},
    "updated": {None},
}


def _strict(request: web.Request) -> bool:
    return request.app[CONFIG].strict_spec


def _ms(seconds: int | None) -> int | None:
    return None if seconds is None else seconds * 1000


# ---------------------------------------------------------------- series


@ROUTES.get("/series")
async def list_series(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    include_volume = q_bool(request, "include_volume")
    include_meta = q_bool(request, "include_product_metadata")
    min_updated = _ms(q_ts(request, "min_updated_ts"))
    out = []
    for s in ex.list_series(q_str(request, "category"), q_list(request, "tags") or None):
        if min_updated is not None and s.last_updated_ts < min_updated:
            continue
        body = ser.series(
            s, _strict(request), ex.series_volume(s.ticker) if include_volume else None
        )
        if not include_meta:
            body.pop("product_metadata", None)
        out.append(body)
    return json_response({"series": out})


@ROUTES.get("/series/{series_ticker}")
async def get_series(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    s = ex.get_series(request.match_info["series_ticker"])
    volume = ex.series_volume(s.ticker) if q_bool(request, "include_volume") else None
    return json_response({"series": ser.series(s, _strict(request), volume)})


# ---------------------------------------------------------------- events


@ROUTES.get("/events")
async def list_events(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    strict = _strict(request)
    nested = q_bool(request, "with_nested_markets")
    events = ex.list_events(
        series_ticker=q_str(request, "series_ticker"),
        status=q_choice(request, "status", EVENT_STATUSES),
        event_tickers=q_list(request, "event_tickers") or q_list(request, "tickers") or None,
        min_close_ts=_ms(q_ts(request, "min_close_ts")),
    )
    min_updated = _ms(q_ts(request, "min_updated_ts"))
    if min_updated is not None:
        events = [e for e in events if e.last_updated_ts >= min_updated]
    # "This endpoint excludes multivariate events" (spec): those are at /events/multivariate.
    events = [e for e in events if not ex.collections.is_combo_event(e.event_ticker)]
    page, cursor = paginate(request, events, 200, 200, event_key)
    out = []
    for e in page:
        markets = (
            [ser.market(mk, strict) for mk in ex.event_markets(e.event_ticker)] if nested else None
        )
        out.append(ser.event(e, strict, markets))
    body = {"events": out, "cursor": cursor}
    if q_bool(request, "with_milestones"):  # the milestones of this page's events
        body["milestones"] = milestones_of(ex, [e.event_ticker for e in page])
    return json_response(body)


@ROUTES.get("/events/{event_ticker}")
async def get_event(request: web.Request) -> web.Response:
    """`markets` stays at the top level (deprecated but required by the spec); with
    `with_nested_markets=true` the markets are also inside the event."""
    ex = request.app[EXCHANGE]
    strict = _strict(request)
    e = ex.get_event(request.match_info["event_ticker"])
    markets = [ser.market(mk, strict) for mk in ex.event_markets(e.event_ticker)]
    nested = markets if q_bool(request, "with_nested_markets") else None
    return json_response({"event": ser.event(e, strict, nested), "markets": markets})


# ---------------------------------------------------------------- markets


def _market_filters(request: web.Request) -> dict:
    status = q_choice(request, "status", MARKET_STATUSES)
    filters: dict = {"status": status}
    used = []
    for family in TS_FAMILIES:
        lo = q_ts(request, f"min_{family}_ts")
        hi = q_ts(request, f"max_{family}_ts")
        if lo is not None or hi is not None:
            used.append(family)
            filters[f"min_{family}_ts"], filters[f"max_{family}_ts"] = _ms(lo), _ms(hi)
    if len(used) > 1:
        raise bad_request("timestamp filters of different kinds cannot be combined", ",".join(used))
    if used and status not in TS_FAMILIES[used[0]]:
        raise bad_request(f"{used[0]} timestamp filters cannot be combined with status={status}")
    return filters


@ROUTES.get("/markets")
async def list_markets(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    strict = _strict(request)
    mve = q_choice(request, "mve_filter", ("only", "exclude"))
    markets = ex.list_markets(
        event_ticker=q_str(request, "event_ticker"),
        series_ticker=q_str(request, "series_ticker"),
        tickers=q_list(request, "tickers") or None,
        **_market_filters(request),
    )
    if mve is not None:  # combo (multivariate) markets: only them, or none of them
        markets = [mk for mk in markets if bool(mk.mve_collection_ticker) == (mve == "only")]
    page, cursor = paginate(request, markets, 100, 1000, market_key, minimum=0)
    return json_response({"markets": [ser.market(mk, strict) for mk in page], "cursor": cursor})


def _levels(levels) -> list[list[str | None]]:
    return [[ser.price(p), ser.count(c)] for p, c in levels]


def _orderbook(ex, ticker: str, depth: int) -> dict:
    yes, no = ex.book(ticker, depth)
    return {"yes_dollars": _levels(yes), "no_dollars": _levels(no)}


@ROUTES.get("/markets/orderbooks")
async def get_orderbooks(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    tickers = q_list(request, "tickers")
    if not 1 <= len(tickers) <= 100:
        raise bad_request("tickers: give 1 to 100 market tickers", "tickers")
    books = [{"ticker": t, "orderbook_fp": _orderbook(ex, t, 0)} for t in tickers]
    return json_response({"orderbooks": books})


@ROUTES.get("/markets/trades")
async def list_trades(request: web.Request) -> web.Response:
    return json_response(trades_body(request, historical=False))


def trades_body(request: web.Request, historical: bool) -> dict:
    ex = request.app[EXCHANGE]
    trades = ex.list_trades(
        ticker=q_str(request, "ticker"),
        min_ts=_ms(q_ts(request, "min_ts")),
        max_ts=_ms(q_ts(request, "max_ts")),
        historical=historical,
    )
    block = q_str(request, "is_block_trade")
    if block is not None:
        wanted = q_bool(request, "is_block_trade")
        trades = [t for t in trades if t.is_block_trade == wanted]
    page, cursor = paginate(
        request, trades, 100, 1000, trade_key, descending=True, minimum=0, presorted=True
    )
    return {"trades": [ser.trade(t) for t in page], "cursor": cursor}


def candle_params(request: web.Request) -> tuple[int, int, int]:
    start = q_ts(request, "start_ts", required=True)
    end = q_ts(request, "end_ts", required=True)
    period = q_int(request, "period_interval", required=True)
    if period not in PERIODS:
        raise bad_request("period_interval must be 1, 60 or 1440 (minutes)", "period_interval")
    assert start is not None and end is not None
    if end < start:
        raise bad_request("end_ts must not be before start_ts", "end_ts")
    if (end - start) // (period * 60) > MAX_CANDLES:
        raise bad_request(f"at most {MAX_CANDLES} candlesticks per request", "start_ts")
    return start, end, period


@ROUTES.get("/markets/candlesticks")
async def batch_candlesticks(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    tickers = q_list(request, "market_tickers")
    if not 1 <= len(tickers) <= 100:
        raise bad_request("market_tickers: give 1 to 100 market tickers", "market_tickers")
    start, end, period = candle_params(request)
    latest = q_bool(request, "include_latest_before_start")
    out, total = [], 0
    for t in tickers:
        candles = ex.market_candlesticks(t, start, end, period, latest)
        total += len(candles)
        if total > MAX_CANDLES:
            raise bad_request(f"at most {MAX_CANDLES} candlesticks per request", "market_tickers")
        out.append({"market_ticker": t, "candlesticks": [ser.candlestick(c) for c in candles]})
    return json_response({"markets": out})


@ROUTES.get("/markets/{ticker}")
async def get_market(request: web.Request) -> web.Response:
    mk = request.app[EXCHANGE].get_market(request.match_info["ticker"])
    return json_response({"market": ser.market(mk, _strict(request))})


@ROUTES.get("/markets/{ticker}/orderbook")
async def get_orderbook(request: web.Request) -> web.Response:
    """Levels ascending by price, best bid last (as Kalshi's docs describe); `depth=N` keeps the
    N best levels of each side, 0 or absent = all."""
    depth = q_int(request, "depth", 0, hi=100) or 0
    book = _orderbook(request.app[EXCHANGE], request.match_info["ticker"], max(depth, 0))
    return json_response({"orderbook_fp": book})


@ROUTES.get("/series/{series_ticker}/markets/{ticker}/candlesticks")
async def market_candlesticks(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    ticker = request.match_info["ticker"]
    mk = ex.get_market(ticker)
    if mk.series_ticker != request.match_info["series_ticker"]:
        raise not_found("market", "the market is not in this series")
    start, end, period = candle_params(request)
    latest = q_bool(request, "include_latest_before_start")
    candles = ex.market_candlesticks(ticker, start, end, period, latest)
    return json_response({"ticker": ticker, "candlesticks": [ser.candlestick(c) for c in candles]})


@ROUTES.get("/series/{series_ticker}/events/{ticker}/candlesticks")
async def event_candlesticks(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    event: m.Event = ex.get_event(request.match_info["ticker"])
    if event.series_ticker != request.match_info["series_ticker"]:
        raise not_found("event", "the event is not in this series")
    start, end, period = candle_params(request)
    tickers, per_market = ex.event_candlesticks(event.event_ticker, start, end, period)
    return json_response(
        {
            "market_tickers": tickers,
            "market_candlesticks": [[ser.candlestick(c) for c in cs] for cs in per_market],
            "adjusted_end_ts": end,
        }
    )
