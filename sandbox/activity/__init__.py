"""Life in the local exchange: the trading simulator, the market lifecycle clock and fault
injection. `setup(app, config, opts, ws_server)` (called from `sandbox.ws.setup`) installs
what the configuration asks for:

- simulator: on unless --no-activity (pace --activity-rate);
- lifecycle clock: on with the simulator, or alone with --fast-lifecycle;
- RFQ clock (always) and RFQ makers (with activity, unless --no-rfq-makers);
- faults: --fault-http-429-rate / --fault-http-5xx-rate (REST middleware) and
  --fault-ws-drop-every (connection cuts); --fault-seq-gap-rate lives in the WebSocket hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any

from aiohttp import web

from sandbox.activity.faults import drop_connections_every, http_fault_middleware
from sandbox.activity.lifecycle import LifecycleClock
from sandbox.activity.options import LiveOptions
from sandbox.activity.rfq_makers import RfqMakers, run_rfq_clock
from sandbox.activity.simulator import Simulator


def setup(app: web.Application, config: Any, opts: LiveOptions, ws_server) -> None:
    from sandbox.http.app import EXCHANGE

    exchange = app[EXCHANGE]
    seed = getattr(config, "seed", None) or 0
    activity = bool(getattr(config, "activity", True))
    if opts.fault_http_429_rate or opts.fault_http_5xx_rate:
        mw = http_fault_middleware(
            opts.fault_http_429_rate, opts.fault_http_5xx_rate, random.Random(seed + 1)
        )
        app.middlewares.insert(0, mw)

    if opts.rfq_timers is not None:
        confirm, execute = opts.rfq_timers
        exchange.set_rfq_windows(int(confirm * 1000), int(execute * 1000))
    jobs: list = [lambda: run_rfq_clock(exchange)]
    if activity and opts.rfq_makers:
        jobs.append(RfqMakers(exchange).run)
    sim = Simulator(exchange, random.Random(seed + 2), opts.activity_rate, ws_server.hub.watched)
    if activity and opts.activity_rate > 0:
        jobs.append(sim.run)
    if activity or opts.fast_lifecycle:
        clock = LifecycleClock(
            exchange, random.Random(seed + 3), fast=opts.fast_lifecycle, on_gone=sim.forget
        )
        jobs.append(clock.run)
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
