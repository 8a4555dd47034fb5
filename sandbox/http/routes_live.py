"""Live data: milestones, structured targets and games (the LiveData part), the city weather
index and its calibrations, and event-keyed live data (crypto charts, weather observations).

All public, as in the spec (no `security` on these operations). Times in the JSON are RFC 3339.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from sandbox.engine.livedata import LiveData, Milestone, Target
from sandbox.http.errors import ApiError, bad_request
from sandbox.http.params import (
    paginate,
    q_bool,
    q_int,
    q_list,
    q_str,
)
from sandbox.http.routing import EXCHANGE, Routes, json_response
from sandbox.http.serialize import iso_ms
from sandbox.seed import crypto, weather
from sandbox.world import cfindex
from sandbox.world import weatherindex as wx
from sandbox.world.games import MILESTONE_LAG

ROUTES = Routes()


def _live(request: web.Request) -> tuple[LiveData, int]:
    ex = request.app[EXCHANGE]
    return ex.live, ex.now()


def milestone_json(live: LiveData, m: Milestone, now: int) -> dict:
    return {
        "id": m.id,
        "category": m.category,
        "type": m.type,
        "start_date": iso_ms(m.start),
        "end_date": iso_ms(m.end) if now >= m.end else None,
        "related_event_tickers": [m.event_ticker],
        "title": m.title,
        "notification_message": f"{m.title} is starting",
        "source_id": m.source_id,
        "source_ids": {"sportradar": m.source_id},
        "details": live.milestone_details(m, now),
        "primary_event_tickers": [m.event_ticker],
        # When the milestone's lagging background job last ran (see activity/games.py).
        "last_updated_ts": iso_ms(now // MILESTONE_LAG * MILESTONE_LAG),
    }


def target_json(t: Target) -> dict:
    return {
        "id": t.id,
        "name": t.name,
        "type": t.type,
        "details": t.details,
        "source_id": t.source_id,
        "source_ids": {"sportradar": t.source_id},
        "last_updated_ts": "2026-01-01T00:00:00Z",
    }


def _rfc3339_ms(request: web.Request, name: str) -> int | None:
    raw = q_str(request, name)
    if raw is None:
        return None
    try:
        return int(datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        raise bad_request(f"{name} must be an RFC 3339 timestamp", name) from None


def milestones_of(ex, event_tickers: list[str]) -> list[dict]:
    """Milestones related to these events (GET /events?with_milestones=true)."""
    live, now = ex.live, ex.now()
    return [
        milestone_json(live, m, now)
        for t in event_tickers
        for m in live.list_milestones(related_event_ticker=t)
    ]


@ROUTES.get("/milestones")
async def list_milestones(request: web.Request) -> web.Response:
    live, now = _live(request)
    q_int(request, "limit", lo=1, hi=500, required=True)  # required by the spec
    found = live.list_milestones(
        minimum_start=_rfc3339_ms(request, "minimum_start_date"),
        category=q_str(request, "category"),
        competition=q_str(request, "competition"),
        source_id=q_str(request, "source_id"),
        type=q_str(request, "type"),
        related_event_ticker=q_str(request, "related_event_ticker"),
    )
    # keyset cursor (issue 12): the list comes ordered by (start, id)
    page, cursor = paginate(request, found, 100, 500, lambda m: (m.start, m.id), presorted=True)
    return json_response(
        {"milestones": [milestone_json(live, m, now) for m in page], "cursor": cursor}
    )


@ROUTES.get("/milestones/{milestone_id}")
async def get_milestone(request: web.Request) -> web.Response:
    live, now = _live(request)
    m = live.milestone(request.match_info["milestone_id"])
    return json_response({"milestone": milestone_json(live, m, now)})


@ROUTES.get("/structured_targets")
async def list_structured_targets(request: web.Request) -> web.Response:
    live, _ = _live(request)
    ids = q_list(request, "ids")
    if len(ids) > 2000:
        raise bad_request("at most 2000 ids", "ids")
    found = live.list_targets(
        ids=ids, type=q_str(request, "type"), competition=q_str(request, "competition")
    )
    # keyset cursor (issue 12): the list comes ordered by (type, name); id breaks ties
    page, cursor = paginate(
        request, found, 100, 2000, lambda t: (t.type, t.name, t.id), size_param="page_size"
    )
    return json_response({"structured_targets": [target_json(t) for t in page], "cursor": cursor})


@ROUTES.get("/structured_targets/{structured_target_id}")
async def get_structured_target(request: web.Request) -> web.Response:
    live, _ = _live(request)
    t = live.target(request.match_info["structured_target_id"])
    return json_response({"structured_target": target_json(t)})


def _live_data(live: LiveData, mid: str, now: int) -> dict:
    # include_player_stats is accepted and has no effect: the spec says so for "milestones
    # without player mappings", and the simulated games have none.
    return {"type": live.milestone(mid).type, "details": live.live(mid, now), "milestone_id": mid}


def _not_found(mid: str) -> ApiError:
    return ApiError(404, "not_found", "live data not found", mid)


@ROUTES.get("/live_data/milestone/{milestone_id}")
async def live_data(request: web.Request) -> web.Response:
    live, now = _live(request)
    q_bool(request, "include_player_stats")
    mid = request.match_info["milestone_id"]
    if mid not in live.milestones:
        raise _not_found(mid)
    return json_response({"live_data": _live_data(live, mid, now)})


@ROUTES.get("/live_data/{type}/milestone/{milestone_id}")
async def live_data_typed(request: web.Request) -> web.Response:
    """The legacy path: the type must be the milestone's (else there is no such live data)."""
    live, now = _live(request)
    q_bool(request, "include_player_stats")
    mid = request.match_info["milestone_id"]
    m = live.milestones.get(mid)
    if m is None or m.type != request.match_info["type"]:
        raise _not_found(mid)
    return json_response({"live_data": _live_data(live, mid, now)})


@ROUTES.get("/live_data/batch")
async def live_data_batch(request: web.Request) -> web.Response:
    """Unknown ids are left out (the operation has no 404); at most 100 ids (spec maxItems)."""
    live, now = _live(request)
    q_bool(request, "include_player_stats")
    ids = q_list(request, "milestone_ids")
    if not ids:
        raise bad_request("milestone_ids is required", "milestone_ids")
    if len(ids) > 100:
        raise bad_request("at most 100 milestone_ids", "milestone_ids")
    found = [_live_data(live, mid, now) for mid in dict.fromkeys(ids) if mid in live.milestones]
    return json_response({"live_datas": found})


@ROUTES.get("/live_data/milestone/{milestone_id}/game_stats")
async def game_stats(request: web.Request) -> web.Response:
    live, now = _live(request)
    mid = request.match_info["milestone_id"]
    if mid not in live.milestones:
        raise ApiError(404, "not_found", "game stats not found", mid)
    return json_response({"pbp": live.game_stats(mid, now)})


# ---------------------------------------------------------------- weather index


def _city(request: web.Request) -> str:
    city = request.match_info["city"].lower()
    if city not in wx.CITIES:
        raise bad_request(f"unknown city {city!r}; known: {', '.join(wx.CITIES)}", "city")
    return city


MAX_WINDOW_MS = 7 * wx.DAY  # a week of minutes per call (10,080 points)


@ROUTES.get("/live_data/weather/{city}")
async def weather_index(request: web.Request) -> web.Response:
    """Minute points of the window; quorum gaps are absent. `detailed=true` adds each member
    station's reading and marks the trailing minutes inside the receipt deadline
    `incomplete` (no value yet, readings `pending`)."""
    ex = request.app[EXCHANGE]
    city, now, seed = _city(request), ex.now(), ex.seed
    frm, to, last = q_int(request, "from"), q_int(request, "to"), q_int(request, "last_sec")
    detailed = q_bool(request, "detailed")
    if last is not None:
        if frm is not None or to is not None:
            raise bad_request("last_sec cannot be combined with from/to", "last_sec")
        if last <= 0:
            raise bad_request("last_sec must be positive", "last_sec")
        frm, to = now - last * 1000, now
    elif frm is not None and to is None:
        raise bad_request("from must be paired with to", "from")
    to = now if to is None else to
    frm = to - wx.DAY if frm is None else frm
    if frm > to:
        raise bad_request("from must not be after to", "from")
    if to - frm > MAX_WINDOW_MS:
        raise bad_request("the window is limited to 7 days", "from")
    settled_until = now - wx.RECEIPT_DEADLINE
    points, version = [], ""
    first = max(frm + (-frm) % wx.MINUTE, wx.LAUNCH)
    for t in range(first, min(to, now) + 1, wx.MINUTE):
        if t > settled_until:
            if detailed:
                stations = [
                    {"station_id": sid, "code": "pending"} for sid, _, _ in wx.CITIES[city].stations
                ]
                points.append({"t": t, "status": "incomplete", "stations": stations})
            continue
        p = wx.point(seed, city, t)
        if p is None:
            continue
        out: dict = {
            "t": t,
            "v": float(p.value),
            "status": p.status,
            "contributors": p.contributors,
        }
        if detailed:
            out["stations"] = [
                {**s, "temp_f": round(s["temp_f"], 3)} if "temp_f" in s else dict(s)
                for s in p.stations
            ]
        points.append(out)
        version = p.version
    body = {"city": city, "config_version": version, "units": "fahrenheit", "timeseries": points}
    return json_response(body)


@ROUTES.get("/live_data/weather/{city}/calibrations")
async def weather_calibrations(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    city = _city(request)
    records = []
    for k in wx.calibrations(ex.seed, city, ex.now()):
        rec: dict = {
            "config_version": k.version,
            "published_at_ms": k.published_at,
            "effective_at_ms": k.effective_at,
            "change_reason": k.reason,
            "city_reference_c": round(
                sum(
                    w * o for (_, w, _), o in zip(wx.CITIES[city].stations, k.offsets, strict=True)
                ),
                4,
            ),
            "stations": [
                {"station_id": sid, "weight": w, "offset_c": o}
                for (sid, w, _), o in zip(wx.CITIES[city].stations, k.offsets, strict=True)
            ],
        }
        if k.window is not None:
            rec["calibration_window_start_ms"], rec["calibration_window_end_ms"] = k.window
            for s in rec["stations"]:
                s["update_note"] = "updated from the week's residuals"
        records.append(rec)
    return json_response({"city": city, "units": "celsius", "calibrations": records})


# ---------------------------------------------------------------- event live data

RANGES = {"15min": 15 * wx.MINUTE, "1h": wx.HOUR, "1d": wx.DAY}


@ROUTES.get("/live_data/events/{event_ticker}")
async def event_live_data(request: web.Request) -> web.Response:
    """Event-keyed live data: the BRTI chart of a 15-minute crypto event (per-second ticks,
    downsampled to at most 300 points), the temperature observations of an hourly weather
    event. Other events have none (404)."""
    ex = request.app[EXCHANGE]
    ticker = request.match_info["event_ticker"].upper()
    e = ex.events.get(ticker)
    kind = {crypto.SERIES: "crypto_price", weather.SERIES: "weather_observations"}.get(
        e.series_ticker if e is not None else ""
    )
    if e is None or kind is None:
        raise ApiError(404, "not_found", "live data not found", ticker)
    rng = q_str(request, "range") or "15min"
    if rng not in RANGES:
        raise bad_request(f"range must be one of: {', '.join(RANGES)}", "range")
    m = ex.markets[e.markets[0]]
    now = ex.now()
    end = min(now, m.close_time)
    start = end - RANGES[rng]
    step = max(1000, RANGES[rng] // 300 // 1000 * 1000)
    if kind == "crypto_price":
        times = range(start - start % step + step, end + 1, step)
        points = [{"ts": t, "value": str(cfindex.value(ex.seed, crypto.INDEX, t))} for t in times]
        details = {"index_id": crypto.INDEX, "price_to_beat": str(m.floor_strike), "points": points}
    else:
        step = max(step, wx.MINUTE)
        times = range(start - start % step + step, end + 1, step)
        points = [
            {"ts": t, "temp_f": float(p.value)}
            for t in times
            if (p := wx.point(ex.seed, weather.CITY, t)) is not None
        ]
        details = {"city": weather.CITY, "units": "fahrenheit", "points": points}
    body = {
        "type": kind,
        "details": details,
        "is_historical": now >= m.close_time,
        "default_range": "15min" if kind == "crypto_price" else "1h",
        "range_options": list(RANGES),
    }
    return json_response({"live_data": body})
