"""Install the activity the configuration asks for on an app (see the package docstring).

Kept out of the package's __init__ so that importing `sandbox.activity.options` (the HTTP
config does) never pulls in the HTTP app: no import cycle, nothing deferred."""

from __future__ import annotations

import asyncio
import contextlib
import random

from aiohttp import web

from sandbox.activity.faults import drop_connections_every, http_fault_middleware
from sandbox.activity.feeclock import run_fee_clock
from sandbox.activity.indexfeed import IndexFeed
from sandbox.activity.market_clock import LifecycleClock
from sandbox.activity.options import LiveOptions
from sandbox.activity.referee import Referee
from sandbox.activity.rolling import RollingDesk
from sandbox.activity.simulator import Simulator
from sandbox.http.config import Config
from sandbox.http.routing import EXCHANGE
from sandbox.ws.endpoint import WsServer


def setup(app: web.Application, config: Config, opts: LiveOptions, ws_server: WsServer) -> None:
    exchange = app[EXCHANGE]
    seed = config.seed or 0
    activity = config.activity
    if opts.fault_http_429_rate or opts.fault_http_5xx_rate:
        mw = http_fault_middleware(
            opts.fault_http_429_rate, opts.fault_http_5xx_rate, random.Random(seed + 1)
        )
        app.middlewares.insert(0, mw)

    jobs: list = []
    sim = Simulator(exchange, random.Random(seed + 2), opts.activity_rate, ws_server.hub.watched)
    if activity and opts.activity_rate > 0:
        jobs.append(sim.run)
    if activity or opts.fast_lifecycle:
        clock = LifecycleClock(
            exchange, random.Random(seed + 3), fast=opts.fast_lifecycle, on_gone=sim.forget
        )
        jobs.append(clock.run)
    # Settlement from games and indexes, scheduled fee changes and the index feeds belong to the
    # exchange itself: they run even with --no-activity (quoting the markets does not).
    quote = activity and opts.activity_rate > 0
    jobs.append(Referee(exchange, quote=quote).run)
    jobs.append(lambda: run_fee_clock(exchange))
    jobs.append(IndexFeed(exchange.seed, ws_server.hub).run)
    jobs.append(RollingDesk(exchange, quote=quote).run)
    if opts.fault_ws_drop_every > 0:
        jobs.append(lambda: drop_connections_every(opts.fault_ws_drop_every, ws_server))
    if jobs:
        app.cleanup_ctx.append(_background(jobs))


def _background(jobs):
    async def ctx(_app: web.Application):
        tasks = [asyncio.create_task(job()) for job in jobs]
        yield
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t

    return ctx
