"""Install the control plane on an app: its state (`CONTROL`) and its routes."""

from __future__ import annotations

from aiohttp import web

from sandbox.activity.wiring import BACKGROUND, FAULTS, SIMULATOR
from sandbox.control.actions import Clock
from sandbox.control.routes import add_routes
from sandbox.control.state import CONTROL, Control
from sandbox.http.config import Config
from sandbox.http.routing import EXCHANGE, KEYS, LIMITER
from sandbox.web import FEED
from sandbox.ws.endpoint import WsServer

__all__ = ["CONTROL", "Control", "setup_control"]


def setup_control(app: web.Application, config: Config, ws_server: WsServer) -> Control:
    exchange = app[EXCHANGE]
    control = Control(
        config,
        exchange,
        app[KEYS],
        app[LIMITER],
        app[FAULTS],
        app[SIMULATOR],
        app[BACKGROUND],
        ws_server,
        Clock(exchange),
        app.get(FEED),
    )
    for t in exchange.grants.tiers.values():  # tiers set before a restart (journaled)
        control.limiter.set_tier(t.user_id, t.tier)
    app[CONTROL] = control
    add_routes(app)
    return control
