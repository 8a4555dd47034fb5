"""Historical data: what lies before the cutoff (settled markets, old trades, fills, orders).

Historical candlesticks use their own field names (`open`, `volume`, ...), not `*_dollars`/`*_fp`.
"""

from __future__ import annotations

from aiohttp import web

from sandbox.http import serialize as ser
from sandbox.http.errors import bad_request
from sandbox.http.params import market_key, paginate, q_bool, q_choice, q_list, q_str
from sandbox.http.routes_market import candle_params, trades_body
from sandbox.http.routes_orders import orders_body
from sandbox.http.routes_portfolio import fills_body, positions_body
from sandbox.http.routing import CONFIG, EXCHANGE, Routes, json_response

ROUTES = Routes()


@ROUTES.get("/historical/cutoff")
async def cutoff(request: web.Request) -> web.Response:
    c = request.app[EXCHANGE].historical_cutoff()
    return json_response(
        {
            "market_settled_ts": ser.iso_ms(c.market_settled_ts),
            "trades_created_ts": ser.iso_ms(c.trades_created_ts),
            "orders_updated_ts": ser.iso_ms(c.orders_updated_ts),
            "market_positions_last_updated_ts": ser.iso_ms(c.market_positions_last_updated_ts),
        }
    )


@ROUTES.get("/historical/markets")
async def historical_markets(request: web.Request) -> web.Response:
    """`tickers`, `event_ticker`, `series_ticker` and `mve_filter` are mutually exclusive."""
    ex = request.app[EXCHANGE]
    tickers = q_list(request, "tickers")
    event_ticker = q_str(request, "event_ticker")
    series_ticker = q_str(request, "series_ticker")
    mve = q_choice(request, "mve_filter", ("only", "exclude"))
    given = [
        n
        for n, v in (
            ("tickers", tickers),
            ("event_ticker", event_ticker),
            ("series_ticker", series_ticker),
            ("mve_filter", mve),
        )
        if v
    ]
    if len(given) > 1:
        raise bad_request(f"{' and '.join(given)} cannot be combined", given[1])
    markets = (
        []
        if mve == "only"
        else ex.list_markets(
            event_ticker=event_ticker,
            series_ticker=series_ticker,
            tickers=tickers or None,
            historical=True,
        )
    )
    page, cursor = paginate(request, markets, 100, 1000, market_key, minimum=0)
    strict = request.app[CONFIG].strict_spec
    return json_response({"markets": [ser.market(m, strict) for m in page], "cursor": cursor})


@ROUTES.get("/historical/markets/{ticker}")
async def historical_market(request: web.Request) -> web.Response:
    m = request.app[EXCHANGE].get_historical_market(request.match_info["ticker"])
    return json_response({"market": ser.market(m, request.app[CONFIG].strict_spec)})


@ROUTES.get("/historical/markets/{ticker}/candlesticks")
async def historical_candlesticks(request: web.Request) -> web.Response:
    ticker = request.match_info["ticker"]
    start, end, period = candle_params(request)
    candles = request.app[EXCHANGE].market_candlesticks(
        ticker,
        start,
        end,
        period,
        q_bool(request, "include_latest_before_start"),
        historical=True,
    )
    return json_response(
        {"ticker": ticker, "candlesticks": [ser.candlestick_historical(c) for c in candles]}
    )


@ROUTES.get("/historical/trades")
async def historical_trades(request: web.Request) -> web.Response:
    return json_response(trades_body(request, historical=True))


@ROUTES.get("/historical/fills", private=True)
async def historical_fills(request: web.Request) -> web.Response:
    return json_response(fills_body(request, historical=True))


@ROUTES.get("/historical/orders", private=True)
async def historical_orders(request: web.Request) -> web.Response:
    return json_response(orders_body(request, historical=True))


@ROUTES.get("/historical/positions", private=True)
async def historical_positions(request: web.Request) -> web.Response:
    return json_response(positions_body(request, historical=True))
