"""The control plane over HTTP: `/_sandbox/ctl/...`, loopback only (sandbox.web.guard), JSON in
and out, errors in Kalshi's shape. Numbers may be JSON numbers or fixed-point strings.

    GET  /_sandbox/ctl                              clock, faults and activity now
    POST /_sandbox/ctl/users                        {name, balance, tier, read_only, key_type,
                                                     member_type}
    PUT  /_sandbox/ctl/users/{name}/feeds           {"pyth_value": true}: grant/revoke a paid
                                                    data feed (Kalshi sells Pyth at $1,000/month)
    POST /_sandbox/ctl/series | events | markets    reference data (see `catalog.py`)
    POST /_sandbox/ctl/collections                  a multivariate event collection
    PUT  /_sandbox/ctl/markets/{ticker}/book        {"yes": [[p, n], ...], "no": [[p, n], ...]}
    POST /_sandbox/ctl/markets/{ticker}/price       {"price": "0.63"}
    POST /_sandbox/ctl/markets/{ticker}/{action}    pause | open | close | determine | settle
                                                    ({"result": "yes", "settlement_value": ...})
    POST /_sandbox/ctl/clock                        {"advance_seconds": 3600}: fee changes,
                                                    expiries and closes now due happen
    PUT  /_sandbox/ctl/faults                       any of http_429_rate, http_5xx_rate,
                                                    latency_ms, ws_drop_every, seq_gap_rate
    POST /_sandbox/ctl/faults/ws-drop               cut every WebSocket connection now
    PUT  /_sandbox/ctl/activity                     any of makers, traders, lifecycle (bools)
    POST /_sandbox/ctl/reset                        {"seed": N} (optional): start over from a
                                                    freshly seeded universe (see `reset.py`)
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from aiohttp import web

from sandbox.control import actions, catalog, reset
from sandbox.control.state import CONTROL, Control
from sandbox.engine.accounts import MEMBER_TYPES
from sandbox.engine.errors import EngineError
from sandbox.engine.grants import FEEDS
from sandbox.http import routes_multivariate, serialize
from sandbox.http.config import TIERS as CONFIG_TIERS
from sandbox.http.params import json_body
from sandbox.http.routing import json_response

BASE = "/_sandbox/ctl"
STATUS_ACTIONS = ("pause", "open", "close", "determine", "settle")
FAULT_RATES = ("http_429_rate", "http_5xx_rate", "seq_gap_rate")


def _control(request: web.Request) -> Control:
    return request.app[CONTROL]


def _strict(request: web.Request) -> bool:
    return _control(request).config.strict_spec


def _number(body: dict, name: str, low: float, high: float) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise actions.bad(f"{name} must be a number")
    try:
        number = float(value)
    except ValueError:
        raise actions.bad(f"{name} must be a number") from None
    if not (math.isfinite(number) and low <= number <= high):
        raise actions.bad(f"{name} must be between {low:g} and {high:g}")
    return number


def _decimal(value: Any) -> Any:
    """JSON numbers arrive as float; their shortest repr is the decimal the caller wrote."""
    return Decimal(repr(value)) if isinstance(value, float) else value


async def state(request: web.Request) -> web.Response:
    return json_response(_control(request).state())


async def add_user(request: web.Request) -> web.Response:
    body = await json_body(request)
    name = body.get("name")
    if not isinstance(name, str):
        raise actions.bad("name: the new user's name")
    tier = body.get("tier")
    if tier is not None and tier not in CONFIG_TIERS:
        raise actions.bad(f"tier: one of {', '.join(CONFIG_TIERS)}")
    key_type = body.get("key_type", "rsa")
    if key_type not in ("rsa", "ed25519"):
        raise actions.bad("key_type: rsa or ed25519")
    member_type = body.get("member_type", "regular")
    if member_type not in MEMBER_TYPES:
        raise actions.bad(f"member_type: one of {', '.join(MEMBER_TYPES)}")
    balance = actions.dec(_decimal(body.get("balance", "1000")), "balance")
    user = _control(request).add_user(
        name,
        balance,
        tier=tier,
        key_type=key_type,
        read_only=body.get("read_only") is True,
        member_type=member_type,
    )
    return json_response(user, 201)


async def set_feeds(request: web.Request) -> web.Response:
    body = await json_body(request)
    name = request.match_info["name"]
    unknown = set(body) - set(FEEDS)
    if unknown or not body:
        raise actions.bad(f"feeds: any of {', '.join(FEEDS)} with true or false")
    if not all(isinstance(v, bool) for v in body.values()):
        raise actions.bad("feeds: true or false")
    ctl = _control(request)
    ex = ctl.exchange
    with ex.operation():  # all the switches, or none
        for feed, granted in body.items():
            ex.set_feed(name, feed, granted)
    for feed, granted in body.items():
        if not granted:  # open streams stop now, not at the next subscribe
            ctl.ws.lose_feed(name, feed)
    return json_response(
        {"user_id": name, "feeds": [f for f in FEEDS if ex.grants.has_feed(name, f)]}
    )


async def create_series(request: web.Request) -> web.Response:
    body = await json_body(request)
    ex = _control(request).exchange
    s = ex.add_series(catalog.series(body))
    return json_response({"series": serialize.series(s, _strict(request))}, 201)


async def create_event(request: web.Request) -> web.Response:
    body = await json_body(request)
    ex = _control(request).exchange
    e = ex.create_event(catalog.event(ex, body))
    return json_response({"event": serialize.event(e, _strict(request))}, 201)


async def create_market(request: web.Request) -> web.Response:
    body = {k: _decimal(v) for k, v in (await json_body(request)).items()}
    ex = _control(request).exchange
    m = ex.create_market(catalog.market(ex, body))
    return json_response({"market": serialize.market(m, _strict(request))}, 201)


async def create_collection(request: web.Request) -> web.Response:
    body = await json_body(request)
    ex = _control(request).exchange
    c = ex.add_collection(catalog.collection(ex, body))
    index = ex.get_series(c.series_ticker).exchange_index
    body = {"multivariate_contract": routes_multivariate.collection_json(c, index)}
    return json_response(body, 201)


def _market_json(request: web.Request, ticker: str) -> web.Response:
    m = _control(request).exchange.get_market(ticker)
    return json_response({"market": serialize.market(m, _strict(request))})


async def set_book(request: web.Request) -> web.Response:
    ticker = request.match_info["ticker"]
    body = await json_body(request)
    yes = actions.levels(_pairs(body.get("yes")), "yes")
    no = actions.levels(_pairs(body.get("no")), "no")
    actions.set_book(_control(request).exchange, ticker, yes, no)
    return _market_json(request, ticker)


def _pairs(raw: Any) -> Any:
    if isinstance(raw, list):
        return [[_decimal(x) for x in pair] if isinstance(pair, list) else pair for pair in raw]
    return raw


async def move_price(request: web.Request) -> web.Response:
    ticker = request.match_info["ticker"]
    body = await json_body(request)
    price = actions.dec(_decimal(body.get("price")), "price")
    ctl = _control(request)
    actions.move_price(ctl.exchange, ticker, price)
    ctl.simulator.fair[ticker] = price  # the simulated traders carry on from there
    ctl.simulator.quotes.pop(ticker, None)
    return _market_json(request, ticker)


async def market_action(request: web.Request) -> web.Response:
    ticker, action = request.match_info["ticker"], request.match_info["action"]
    if action not in STATUS_ACTIONS:
        raise EngineError(404, "not_found", f"no such control action: {action}")
    body = await json_body(request, required=False)
    result = body.get("result")
    if result is not None and not isinstance(result, str):
        raise actions.bad("result: yes, no or scalar")
    value = _decimal(body.get("settlement_value"))
    actions.set_status(_control(request).exchange, ticker, action, result, value)
    if action in ("close", "determine", "settle"):
        _control(request).simulator.forget(ticker)
    m = _control(request).exchange.markets[ticker]
    return json_response({"market": serialize.market(m, _strict(request))})


async def advance_clock(request: web.Request) -> web.Response:
    body = await json_body(request)
    seconds = _number(body, "advance_seconds", 0, 10 * 366 * 86_400)
    if seconds is None:
        raise actions.bad("advance_seconds: how far to move the clock forward")
    ctl = _control(request)
    done = ctl.clock.advance(round(seconds * 1000))
    return json_response({"now": serialize.iso_ms(ctl.clock.now()), **done})


async def set_faults(request: web.Request) -> web.Response:
    body = await json_body(request)
    changes: dict[str, float] = {}
    for name in FAULT_RATES:
        if (v := _number(body, name, 0, 1)) is not None:
            changes[name] = v
    if (v := _number(body, "latency_ms", 0, 60_000)) is not None:
        changes["latency_ms"] = v
    if (v := _number(body, "ws_drop_every", 0, 86_400)) is not None:
        changes["ws_drop_every"] = v
    unknown = set(body) - set(FAULT_RATES) - {"latency_ms", "ws_drop_every"}
    if unknown:
        raise actions.bad(f"unknown fault: {sorted(unknown)[0]}")
    ctl = _control(request)
    ctl.set_faults(changes)
    return json_response(ctl.state())


async def drop_ws(request: web.Request) -> web.Response:
    return json_response({"dropped": _control(request).ws.drop_all()})


async def set_activity(request: web.Request) -> web.Response:
    body = await json_body(request)
    switches = {}
    for name in ("makers", "traders", "lifecycle"):
        value = body.get(name)
        if value is not None:
            if not isinstance(value, bool):
                raise actions.bad(f"{name}: true or false")
            switches[name] = value
    unknown = set(body) - {"makers", "traders", "lifecycle"}
    if unknown:
        raise actions.bad(f"unknown activity: {sorted(unknown)[0]}")
    ctl = _control(request)
    ctl.set_activity(**switches)
    return json_response(ctl.state())


async def reset_exchange(request: web.Request) -> web.Response:
    body = await json_body(request, required=False)
    seed = body.get("seed")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31
    ):
        raise actions.bad("seed: a whole number from 0 to 2147483647")
    unknown = set(body) - {"seed"}
    if unknown:
        raise actions.bad(f"unknown reset option: {sorted(unknown)[0]}")
    return json_response(await reset.reset(_control(request), seed))


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get(BASE, state)
    r.add_post(BASE + "/users", add_user)
    r.add_put(BASE + "/users/{name}/feeds", set_feeds)
    r.add_post(BASE + "/series", create_series)
    r.add_post(BASE + "/events", create_event)
    r.add_post(BASE + "/markets", create_market)
    r.add_post(BASE + "/collections", create_collection)
    r.add_put(BASE + "/markets/{ticker}/book", set_book)
    r.add_post(BASE + "/markets/{ticker}/price", move_price)
    r.add_post(BASE + "/markets/{ticker}/{action}", market_action)
    r.add_post(BASE + "/clock", advance_clock)
    r.add_put(BASE + "/faults", set_faults)
    r.add_post(BASE + "/faults/ws-drop", drop_ws)
    r.add_put(BASE + "/activity", set_activity)
    r.add_post(BASE + "/reset", reset_exchange)
