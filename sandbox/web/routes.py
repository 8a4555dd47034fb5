"""The web view's HTTP side: the page, its static files, a JSON snapshot and the live stream.

    GET /                              the page (static/index.html)
    GET /_sandbox/web/static/{file}    its script and style sheet
    GET /_sandbox/web/state            {"directory", "market", "user"} once (?market=&user=)
    GET /_sandbox/web/stream           the same parts as server-sent events, re-sent on change

Each SSE message is `event: <part>` with the part's JSON as data; a comment line every
`HEARTBEAT` seconds keeps proxies quiet and finds closed tabs.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.engine.errors import EngineError
from sandbox.http.errors import dumps
from sandbox.http.routing import EXCHANGE
from sandbox.web import views
from sandbox.web.feed import Feed, Watcher

STATIC = Path(__file__).parent / "static"
BASE = "/_sandbox/web"
HEARTBEAT = 15.0
COALESCE = 0.2  # seconds between two sends of one stream: bounds its cost on a busy exchange

FEED = web.AppKey("web_feed", Feed)


def _exchange(request: web.Request) -> Any:
    return request.app[EXCHANGE]


def _selection(request: web.Request) -> tuple[str | None, str | None]:
    """?market=&user=, checked now so that a bad link gets a clear 404 instead of a dead page."""
    ex = _exchange(request)
    market = request.query.get("market") or None
    user = request.query.get("user") or None
    if market is not None:
        ex.get_market(market)
    if user is not None and not ex.has_user(user):
        raise EngineError(404, "not_found", "user not found")
    return market, user


def build(exchange: Any, part: str, w: Watcher) -> Any:
    if part == "directory":
        return views.directory(exchange)
    if part == "market":
        return views.market(exchange, w.market) if w.market else None
    return views.user(exchange, w.user) if w.user else None


async def index(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def state(request: web.Request) -> web.Response:
    market, user = _selection(request)
    w = Watcher(market, user)
    body = {part: build(_exchange(request), part, w) for part in w.take()}
    return web.json_response(body, dumps=dumps)


async def stream(request: web.Request) -> web.StreamResponse:
    market, user = _selection(request)
    ex = _exchange(request)
    feed = request.app[FEED]
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    )
    await response.prepare(request)
    w = feed.watch(market, user)
    try:
        while not feed.closing:
            try:
                await asyncio.wait_for(w.wake.wait(), HEARTBEAT)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if feed.closing:
                break
            for part in w.take():
                data = build(ex, part, w)
                if part == "directory":
                    feed.known_users.update(data["users"])
                await response.write(f"event: {part}\ndata: {dumps(data)}\n\n".encode())
            await asyncio.sleep(COALESCE)
    except (ConnectionResetError, EngineError):  # tab closed; market or user gone
        pass
    finally:
        feed.unwatch(w)
    with contextlib.suppress(ConnectionResetError):
        await response.write_eof()
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get(f"{BASE}/state", state)
    app.router.add_get(f"{BASE}/stream", stream)
    app.router.add_static(f"{BASE}/static", STATIC)
