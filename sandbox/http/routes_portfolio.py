"""Private portfolio reads: balance, positions, fills, settlements, resting order value."""

from __future__ import annotations

from aiohttp import web

from sandbox.engine.common import INDEXES
from sandbox.engine.money import ZERO
from sandbox.http import serialize as ser
from sandbox.http.errors import bad_request
from sandbox.http.params import (
    event_key,
    fill_key,
    paginate,
    position_key,
    q_choice,
    q_int,
    q_list,
    q_str,
    q_ts,
    settlement_key,
)
from sandbox.http.routing import CONFIG, EXCHANGE, Routes, json_response, user_id
from sandbox.http.scope import locked_subaccount, require_fcm, subaccount_query

ROUTES = Routes()

MAX_INT32 = 2**31 - 1
COUNT_FILTERS = ("position", "total_traded")  # also Position attribute names


def subaccount(request: web.Request, default: int | None) -> int | None:
    """`subaccount` query parameter: 0-63; when absent, `default` (None = all subaccounts).
    Checked against the caller's key and the subaccounts that exist (sandbox.http.scope)."""
    return subaccount_query(request, default)


def ts_ms(request: web.Request, name: str) -> int | None:
    value = q_ts(request, name)
    return None if value is None else value * 1000


@ROUTES.get("/portfolio/balance", private=True)
async def get_balance(request: web.Request) -> web.Response:
    """Balance and portfolio value "include all exchange indexes unless `exchange_index` is
    provided" (GetBalance): cash on each index, and positions in markets on that index."""
    ex = request.app[EXCHANGE]
    user = user_id(request)
    sub = subaccount(request, 0) or 0
    index = q_int(request, "exchange_index", lo=0, hi=MAX_INT32)
    breakdown = ex.indexes.breakdown(user, sub)
    if index is not None:
        balance = ex.index_balance(user, sub, index)
        updated = ex.indexes.updated_ts(user, sub, index)
    else:
        balance = sum((b for _, b in breakdown), ZERO)
        updated = max(ex.indexes.updated_ts(user, sub, i) for i, _ in breakdown)
    value = ex.portfolio_value(user, sub, index)
    body = {
        "balance": ser.cents(balance),
        "balance_dollars": ser.dollars(balance),
        "portfolio_value": ser.cents(value),
        "updated_ts": updated // 1000,
    }
    if locked_subaccount(request) is None:  # "omitted only when using a subaccount-restricted
        body["balance_breakdown"] = [  # API key" (GetBalanceResponse)
            {"exchange_index": i, "balance": ser.dollars(b)} for i, b in breakdown
        ]
    return json_response(body)


@ROUTES.get("/portfolio/positions", private=True)
async def get_positions(request: web.Request) -> web.Response:
    return json_response(positions_body(request, historical=False))


def positions_body(request: web.Request, historical: bool, owner: str | None = None) -> dict:
    """Positions of the caller (or of `owner`, an FCM's subtrader: its primary account)."""
    ex = request.app[EXCHANGE]
    filters = q_list(request, "count_filter")
    if any(f not in COUNT_FILTERS for f in filters):
        raise bad_request("count_filter takes position and/or total_traded", "count_filter")
    markets, events = ex.list_positions(
        owner or user_id(request),
        ticker=q_str(request, "ticker"),
        event_ticker=q_str(request, "event_ticker"),
        settlement_status=q_choice(request, "settlement_status", ("unsettled", "settled", "all"))
        or "unsettled",
        subaccount=0 if owner else subaccount(request, 0) or 0,
        historical=historical,
    )
    if filters:  # keep positions where any named count is non-zero
        markets = [p for p in markets if any(getattr(p, f) for f in filters)]
    event_of = {p.ticker: ex.markets[p.ticker].event_ticker for p in markets}
    kept = set(event_of.values())
    events = [e for e in events if e.event_ticker in kept]
    if (q_str(request, "settlement_status") or "unsettled") == "unsettled":
        # Unsettled positions page by market; a page carries the events of its markets.
        page, cursor = paginate(request, markets, 100, 1000, position_key)
        on_page = {event_of[p.ticker] for p in page}
        events = sorted((e for e in events if e.event_ticker in on_page), key=event_key)
    else:
        # Spec (GetPositions): "Settled and all-state positions are paginated by event
        # ticker": `limit` counts events, and a page carries all their market positions.
        events, cursor = paginate(request, events, 100, 1000, event_key)
        on_page = {e.event_ticker for e in events}
        page = sorted((p for p in markets if event_of[p.ticker] in on_page), key=position_key)
    return {
        "market_positions": [
            ser.market_position(p, ex.catalog.markets[p.ticker].exchange_index) for p in page
        ],
        "event_positions": [ser.event_position(e) for e in events],
        "cursor": cursor,
    }


@ROUTES.get("/portfolio/fills", private=True)
async def get_fills(request: web.Request) -> web.Response:
    return json_response(fills_body(request, historical=False))


def fills_body(request: web.Request, historical: bool) -> dict:
    ex = request.app[EXCHANGE]
    fills = ex.list_fills(
        user_id(request),
        ticker=q_list(request, "ticker") or None,
        order_id=q_str(request, "order_id"),
        min_ts=ts_ms(request, "min_ts"),
        max_ts=ts_ms(request, "max_ts"),
        subaccount=subaccount(request, None),
        historical=historical,
    )
    page, cursor = paginate(request, fills, 100, 1000, fill_key, descending=True, presorted=True)
    strict = request.app[CONFIG].strict_spec
    return {"fills": [ser.fill(f, strict) for f in page], "cursor": cursor}


@ROUTES.get("/portfolio/settlements", private=True)
async def get_settlements(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    items = ex.list_settlements(
        user_id(request),
        ticker=q_str(request, "ticker"),
        event_ticker=q_str(request, "event_ticker"),
        min_ts=ts_ms(request, "min_ts"),
        max_ts=ts_ms(request, "max_ts"),
        subaccount=subaccount(request, None),
    )
    page, cursor = paginate(request, items, 100, 1000, settlement_key, descending=True)
    strict = request.app[CONFIG].strict_spec
    return json_response(
        {"settlements": [ser.settlement(s, strict) for s in page], "cursor": cursor}
    )


@ROUTES.get("/portfolio/summary/total_resting_order_value", private=True)
async def total_resting_order_value(request: web.Request) -> web.Response:
    """ "Only intended for use by FCM members" (spec): others get the 403 live sends."""
    require_fcm(request)
    ex, user = request.app[EXCHANGE], user_id(request)
    value = ex.total_resting_order_value(user)
    return json_response(
        {
            "total_resting_order_value": ser.cents(value),
            "resting_order_value_breakdown": [
                {
                    "exchange_index": i,
                    "balance": ser.dollars(ex.total_resting_order_value(user, None, i)),
                }
                for i in INDEXES
            ],
        }
    )
