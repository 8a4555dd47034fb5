"""Exchange-wide reads: status, schedule, user-data timestamp, and the retired announcements."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from aiohttp import web

from sandbox.engine.indexes import INDEXES
from sandbox.http.errors import ApiError
from sandbox.http.params import paginate
from sandbox.http.routing import CONFIG, EXCHANGE, Routes, json_response
from sandbox.http.serialize import iso

ROUTES = Routes()

INDEX_DESCRIPTIONS = {0: "default: every market", 1: "shard 1: no local market yet"}
ALL_DAY = [{"open_time": "00:00", "close_time": "23:59"}]
ET = ZoneInfo("America/New_York")
MAINTENANCE = (clock(3, 0), clock(5, 0))  # Thursdays, ET
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@ROUTES.get("/exchange/status")
async def exchange_status(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    active = bool(ex.exchange_active)
    trading = active and bool(ex.trading_active)
    return json_response(
        {
            "exchange_active": active,
            "trading_active": trading,
            "intra_exchange_transfers_active": True,
            "exchange_estimated_resume_time": None,
            # One entry per exchange index the local exchange runs (sandbox/engine/indexes.py);
            # the flags are exchange-wide here, so every index reports the same.
            "exchange_index_statuses": [
                {
                    "exchange_index": i,
                    "description": INDEX_DESCRIPTIONS[i],
                    "exchange_active": active,
                    "trading_active": trading,
                    "intra_exchange_transfers_active": True,
                }
                for i in INDEXES
            ],
        }
    )


def maintenance_windows(now: datetime, weeks: int = 4) -> list[dict]:
    """Kalshi's weekly maintenance, "Every Thursday from 3:00 AM to 5:00 AM ET"
    (docs.kalshi.com/getting_started/maintenance_and_pauses, read 2026-11-30): the window in
    progress or next, and the ones after it, as UTC timestamps (ET moves with daylight saving).
    The local exchange reports them; it does not pause trading in them."""
    local = now.astimezone(ET)
    thursday = (local - timedelta(days=(local.weekday() - 3) % 7)).date()
    out: list[dict] = []
    for week in range(weeks + 1):
        day = thursday + timedelta(weeks=week)
        start = datetime.combine(day, MAINTENANCE[0], ET)
        end = datetime.combine(day, MAINTENANCE[1], ET)
        if end > now and len(out) < weeks:
            out.append({"start_datetime": iso(start), "end_datetime": iso(end)})
    return out


@ROUTES.get("/exchange/schedule")
async def exchange_schedule(request: web.Request) -> web.Response:
    """Trading hours around the clock, and Kalshi's weekly Thursday maintenance windows."""
    week = {day: ALL_DAY for day in DAYS}
    return json_response(
        {
            "schedule": {
                "standard_hours": [
                    {
                        "start_time": "2026-01-01T00:00:00Z",
                        "end_time": "2099-12-31T23:59:59Z",
                        **week,
                    }
                ],
                "maintenance_windows": maintenance_windows(datetime.now(UTC)),
            }
        }
    )


@ROUTES.get("/exchange/user_data_timestamp")
async def user_data_timestamp(request: web.Request) -> web.Response:
    """Portfolio data here is written through synchronously, so it is current as of now."""
    return json_response({"as_of_time": iso(time.time())})


@ROUTES.get("/exchange/announcements")
async def announcements(request: web.Request) -> web.Response:
    """Removed from the live API on July 4, 2026 (it answers 404); `--legacy-announcements`
    serves the retired shape for old clients."""
    if not request.app[CONFIG].legacy_announcements:
        raise ApiError(404, "not_found", "no such endpoint")
    items = [
        {
            "type": "info",
            "message": "Welcome to the local Kalshi exchange.",
            "delivery_time": "2026-01-01T00:00:00Z",
            "status": "active",
        }
    ]
    page, cursor = paginate(request, items, 100, 1000, lambda a: (a["delivery_time"], a["message"]))
    return json_response({"announcements": page, "cursor": cursor})
