"""The live web view of the local exchange: `http://127.0.0.1:PORT/` in a browser.

Markets by series and event; for the chosen market its ladder, depth chart, trades, candles and
lifecycle; for the chosen user balance, positions, resting orders, fills and order groups. The
page updates from server-sent events fed by the engine's listeners; it is read-only (the
"controls" switch is the control plane's place). Plain HTML, one script, one style sheet, SVG
charts: no build step, no CDN.

    setup_web(app)          after create_app(); needs app[EXCHANGE]

Modules: guard (loopback-only middleware for `/` and `/_sandbox/`, shared with the control
plane), views (the parts as JSON), feed (engine events -> stale parts per open page), routes.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.http.routing import EXCHANGE
from sandbox.web.feed import Feed
from sandbox.web.guard import loopback_only
from sandbox.web.routes import FEED, add_routes

__all__ = ["FEED", "setup_web"]


def setup_web(app: web.Application) -> Feed:
    feed = Feed()
    exchange: Any = app[EXCHANGE]
    exchange.listeners.append(feed)
    app[FEED] = feed
    app.middlewares.append(loopback_only)
    add_routes(app)

    async def close(_app: web.Application) -> None:
        feed.close()

    app.on_shutdown.append(close)
    return feed
