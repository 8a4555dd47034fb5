"""Scheduled fee changes: GET /series/fee_changes and GET /events/fee_changes (public).

Registered before the ticker routes (/series/{series_ticker}, /events/{event_ticker}), which
would otherwise take `fee_changes` for a ticker and answer "not found".
"""

from __future__ import annotations

from decimal import Decimal

from aiohttp import web

from sandbox.engine.feechanges import EventFeeChange, FeeChanges, SeriesFeeChange
from sandbox.http.params import paginate, q_bool, q_str
from sandbox.http.routing import EXCHANGE, Routes, json_response
from sandbox.http.serialize import iso_ms

ROUTES = Routes()


def multiplier(d: Decimal | None) -> int | float | None:
    """The spec types multipliers as JSON numbers (not money; 0.5, 0.75, 1 are exact)."""
    if d is None:
        return None
    return int(d) if d == d.to_integral_value() else float(d)


def series_change_json(c: SeriesFeeChange) -> dict:
    return {
        "id": c.id,
        "series_ticker": c.series_ticker,
        "fee_type": c.fee_type,
        "fee_multiplier": multiplier(c.fee_multiplier),
        "scheduled_ts": iso_ms(c.scheduled_ts),
    }


def event_change_json(c: EventFeeChange) -> dict:
    return {
        "id": c.id,
        "event_ticker": c.event_ticker,
        "series_ticker": c.series_ticker,
        "fee_type_override": c.fee_type_override,
        "fee_multiplier_override": multiplier(c.fee_multiplier_override),
        "scheduled_ts": iso_ms(c.scheduled_ts),
    }


def _fees(request: web.Request) -> tuple[FeeChanges, int]:
    ex = request.app[EXCHANGE]
    ex.fee_changes.refresh()
    return ex.fee_changes, ex.now()


@ROUTES.get("/series/fee_changes")
async def series_fee_changes(request: web.Request) -> web.Response:
    fees, now = _fees(request)
    found = fees.list_series(
        now, q_str(request, "series_ticker"), q_bool(request, "show_historical")
    )
    return json_response({"series_fee_change_arr": [series_change_json(c) for c in found]})


@ROUTES.get("/events/fee_changes")
async def event_fee_changes(request: web.Request) -> web.Response:
    fees, _ = _fees(request)
    ticker = q_str(request, "event_ticker")
    found = fees.list_events(ticker.upper() if ticker else None)
    page, cursor = paginate(
        request, found, 100, 1000, lambda c: (c.scheduled_ts, c.id), presorted=True
    )  # keyset cursor (issue 12); the list comes in this order
    return json_response(
        {"event_fee_changes": [event_change_json(c) for c in page], "cursor": cursor}
    )
