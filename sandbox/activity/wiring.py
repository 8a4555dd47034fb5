"""Install the activity the configuration asks for on an app (see the package docstring).

Kept out of the package's __init__ so that importing `sandbox.activity.options` (the HTTP
config does) never pulls in the HTTP app: no import cycle, nothing deferred.

The parts stay reachable in app state so the control plane can switch them at run time:
`app[FAULTS]` (faults in force), `app[SIMULATOR]`, `app[BACKGROUND]` (named jobs on/off)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web

from sandbox.activity.faults import Faults, drop_connections_every, http_fault_middleware
from sandbox.activity.feeclock import run_fee_clock
from sandbox.activity.indexfeed import IndexFeed
from sandbox.activity.market_clock import LifecycleClock
from sandbox.activity.options import LiveOptions
from sandbox.activity.rebalancer import run_rebalancer
from sandbox.activity.referee import Referee
from sandbox.activity.rfq_makers import RfqMakers, run_rfq_clock
from sandbox.activity.rolling import RollingDesk
from sandbox.activity.simulator import Simulator
from sandbox.http.config import Config
from sandbox.http.routing import EXCHANGE
from sandbox.ws.endpoint import WsServer

Job = Callable[[], Coroutine[Any, Any, None]]


class Background:
    """Named background jobs (simulator, lifecycle, ws_drops), each on or off. Jobs switched
    on before the app starts begin with it; all of them stop with it."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.wanted: set[str] = set()
        self.started = False
        self.make: Callable[[], None] | None = None  # (re)makes the jobs: `restart`

    def add(self, name: str, job: Job, on: bool) -> None:
        self.jobs[name] = job
        if on:
            self.wanted.add(name)

    def running(self, name: str) -> bool:
        task = self.tasks.get(name)
        return task is not None and not task.done()

    def switch(self, name: str, on: bool) -> None:
        """Start or stop one job now (or when the app starts)."""
        if on:
            self.wanted.add(name)
            if self.started and not self.running(name):
                self.tasks[name] = asyncio.create_task(self.jobs[name]())
        else:
            self.wanted.discard(name)
            task = self.tasks.pop(name, None)
            if task is not None:
                task.cancel()

    def restart(self) -> None:
        """After a reset: stop every job, make them again over the exchange's new state and
        start the ones that were on (the switches survive a reset)."""
        assert self.make is not None
        for task in self.tasks.values():
            task.cancel()  # each stops at its next await: none runs while this handler does
        self.tasks.clear()
        wanted = set(self.wanted)
        self.make()
        self.wanted = wanted
        for name in wanted:
            self.switch(name, True)

    async def run(self, _app: web.Application):
        self.started = True
        for name in list(self.wanted):
            self.switch(name, True)
        yield
        self.started = False
        tasks = list(self.tasks.values())
        self.tasks.clear()
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t


FAULTS = web.AppKey("faults", Faults)
SIMULATOR = web.AppKey("simulator", Simulator)
BACKGROUND = web.AppKey("background", Background)


def setup(app: web.Application, config: Config, opts: LiveOptions, ws_server: WsServer) -> None:
    exchange = app[EXCHANGE]
    seed = config.seed or 0
    activity = config.activity
    faults = Faults(
        opts.fault_http_429_rate,
        opts.fault_http_5xx_rate,
        ws_drop_every=opts.fault_ws_drop_every,
        rng=random.Random(seed + 1),
    )
    app.middlewares.insert(0, http_fault_middleware(faults))

    background = Background()
    sim = Simulator(exchange, random.Random(seed + 2), opts.activity_rate, ws_server.hub.watched)
    quote = activity and opts.activity_rate > 0

    def make() -> None:
        """Every job over the exchange as it is now: at start-up, and again after a reset (the
        simulator stays, with its switches; it forgets its quotes)."""
        # The RFQ market's timers (confirm and execution windows) are the exchange's own.
        if opts.rfq_timers is not None:
            confirm, execute = opts.rfq_timers
            exchange.set_rfq_windows(int(confirm * 1000), int(execute * 1000))
        sim.forget_all()
        background.add("rfq_clock", lambda: run_rfq_clock(exchange), True)
        background.add("rfq_makers", RfqMakers(exchange).run, activity and opts.rfq_makers)
        background.add("simulator", sim.run, activity and opts.activity_rate > 0)
        clock = LifecycleClock(
            exchange, random.Random(seed + 3), fast=opts.fast_lifecycle, on_gone=sim.forget
        )
        background.add("lifecycle", clock.run, activity or opts.fast_lifecycle)
        # Settlement from games and indexes, scheduled fee changes and the index feeds belong
        # to the exchange itself: they run even with --no-activity (quoting does not).
        background.add("referee", Referee(exchange, quote=quote).run, True)
        background.add("fee_clock", lambda: run_fee_clock(exchange), True)
        background.add("rebalancer", lambda: run_rebalancer(exchange), True)
        background.add("index_feed", IndexFeed(exchange.seed, ws_server.hub).run, True)
        background.add("rolling_desk", RollingDesk(exchange, quote=quote).run, True)
        background.add(
            "ws_drops", lambda: drop_connections_every(faults, ws_server), faults.ws_drop_every > 0
        )

    make()
    background.make = make
    app[FAULTS], app[SIMULATOR], app[BACKGROUND] = faults, sim, background
    app.cleanup_ctx.append(background.run)
