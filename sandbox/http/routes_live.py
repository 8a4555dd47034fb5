"""Milestones, structured targets and live data (the seeded games), read from the LiveData part.

All public, as in the spec (no `security` on these operations). Times in the JSON are RFC 3339.
"""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from sandbox.activity.games import MILESTONE_LAG
from sandbox.engine.livedata import LiveData, Milestone, Target
from sandbox.http.app import EXCHANGE, Routes, json_response
from sandbox.http.errors import ApiError, bad_request
from sandbox.http.params import (
    decode_cursor,
    encode_cursor,
    q_bool,
    q_int,
    q_list,
    q_str,
)
from sandbox.http.serialize import iso_ms

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


def _page(request: web.Request, items: list, size_param: str, default: int, maximum: int):
    start = decode_cursor(q_str(request, "cursor"))
    size = q_int(request, size_param, default, lo=1, hi=maximum) or default
    page = items[start : start + size]
    return page, encode_cursor(start + size) if start + size < len(items) else ""


def _rfc3339_ms(request: web.Request, name: str) -> int | None:
    raw = q_str(request, name)
    if raw is None:
        return None
    try:
        return int(datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        raise bad_request(f"{name} must be an RFC 3339 timestamp", name) from None


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
    page, cursor = _page(request, found, "limit", 100, 500)
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
    page, cursor = _page(request, found, "page_size", 100, 2000)
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
