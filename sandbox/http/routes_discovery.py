"""Discovery: search (tags by category, filters by sport), event metadata, incentive programs,
and the event forecast percentile history.

All public as in the spec, except the forecast history (signed, per its `security`).
"""

from __future__ import annotations

from aiohttp import web

from sandbox.engine import discovery, forecast, incentives
from sandbox.http.errors import bad_request
from sandbox.http.params import paginate, q_choice, q_int, q_str, q_ts
from sandbox.http.routing import EXCHANGE, Routes, json_response
from sandbox.http.serialize import count, iso_ms

ROUTES = Routes()


@ROUTES.get("/search/tags_by_categories")
async def tags_by_categories(request: web.Request) -> web.Response:
    return json_response(
        {"tags_by_categories": discovery.tags_by_categories(request.app[EXCHANGE])}
    )


@ROUTES.get("/search/filters_by_sport")
async def filters_by_sport(request: web.Request) -> web.Response:
    filters, ordering = discovery.filters_by_sport(request.app[EXCHANGE])
    return json_response({"filters_by_sports": filters, "sport_ordering": ordering})


@ROUTES.get("/events/{event_ticker}/metadata")
async def event_metadata(request: web.Request) -> web.Response:
    ticker = request.match_info["event_ticker"].upper()
    return json_response(discovery.event_metadata(request.app[EXCHANGE], ticker))


def program_json(p: incentives.Program, now: int) -> dict:
    return {
        "id": p.id,
        "market_id": p.market_id,
        "market_ticker": p.market_ticker,
        "incentive_type": p.incentive_type,
        "incentive_description": p.incentive_description,
        "start_date": iso_ms(p.start),
        "end_date": iso_ms(p.end),
        "period_reward": p.period_reward,
        "paid_out": p.paid_out(now),
        "discount_factor_bps": p.discount_factor_bps,
        "target_size_fp": count(p.target_size),
        "max_reward_per_account": p.max_reward_per_account,
    }


@ROUTES.get("/incentive_programs")
async def incentive_programs(request: web.Request) -> web.Response:
    """`closed` lists every ended program, paid out or not; `paid_out` only the paid ones."""
    ex = request.app[EXCHANGE]
    now = ex.now()
    found = incentives.list_programs(
        ex,
        now,
        q_choice(request, "status", incentives.STATUSES) or "all",
        q_choice(request, "type", ("all", *incentives.TYPES)) or "all",
        q_str(request, "incentive_description"),
    )
    page, cursor = paginate(
        request, found, 100, 10_000, lambda p: (p.start, p.market_ticker, p.id)
    )  # keyset cursor (issue 12), in the list's own order
    body: dict = {"incentive_programs": [program_json(p, now) for p in page]}
    if cursor:
        body["next_cursor"] = cursor
    return json_response(body)


@ROUTES.get("/series/{series_ticker}/events/{ticker}/forecast_percentile_history", private=True)
async def forecast_percentile_history(request: web.Request) -> web.Response:
    raw = request.query.getall("percentiles", [])
    try:
        percentiles = [int(v) for r in raw for v in r.split(",") if v.strip()]
    except ValueError:
        raise bad_request("percentiles must be integers", "percentiles") from None
    if not percentiles:
        raise bad_request("percentiles is required", "percentiles")
    if len(percentiles) > 10 or not all(0 <= p <= 9999 for p in percentiles):
        raise bad_request("up to 10 percentiles, each 0-9999", "percentiles")
    start = q_ts(request, "start_ts", required=True)
    end = q_ts(request, "end_ts", required=True)
    period = q_int(request, "period_interval", required=True)
    if period not in (0, 1, 60, 1440):
        raise bad_request("period_interval must be one of 0, 1, 60, 1440", "period_interval")
    history = forecast.percentile_history(
        request.app[EXCHANGE],
        request.match_info["series_ticker"].upper(),
        request.match_info["ticker"].upper(),
        percentiles,
        start,  # type: ignore[arg-type]
        end,  # type: ignore[arg-type]
        period,
    )
    return json_response({"forecast_history": history})
