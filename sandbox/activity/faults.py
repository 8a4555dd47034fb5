"""Fault injection for client-resilience testing; every fault is off unless switched on, by its
start-up flag or at run time through the control plane (`Faults` is read on every use).

- HTTP: a middleware answers a random share of REST requests with 429 (Kalshi's documented
  `{"error": "too many requests"}`) or with 500/503 (the nested error body), before the
  request reaches auth or the engine, so a rejected write never executes; it also adds the
  run-time latency.
- WebSocket: every N seconds all connections are cut without a close frame.
(Sequence gaps on orderbook deltas are injected by the hub; `--latency-ms` delays WS frames in
each connection's writer.)
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

from aiohttp import web

from sandbox.http.errors import error_response, too_many_requests


@dataclass
class Faults:
    """The faults in force now (the control plane changes them while the server runs)."""

    http_429_rate: float = 0.0
    http_5xx_rate: float = 0.0
    latency_ms: int = 0  # added to REST answers on top of --latency-ms
    ws_drop_every: float = 0.0  # seconds; 0 = off
    rng: random.Random = field(default_factory=random.Random, repr=False)


def http_fault_middleware(faults: Faults):
    @web.middleware
    async def inject(request: web.Request, handler):
        if request.path.startswith("/trade-api/v2"):
            if faults.latency_ms:
                await asyncio.sleep(faults.latency_ms / 1000)
            rate_429, rate_5xx = faults.http_429_rate, faults.http_5xx_rate
            if rate_429 or rate_5xx:
                roll = faults.rng.random()
                if roll < rate_429:
                    return too_many_requests()
                if roll < rate_429 + rate_5xx:
                    if faults.rng.random() < 0.5:
                        return error_response(500, "internal_server_error", "injected fault")
                    return error_response(503, "service_unavailable", "injected fault")
        return await handler(request)

    return inject


async def drop_connections_every(faults: Faults, server) -> None:
    """Cut every connection each `faults.ws_drop_every` seconds (the job runs only while > 0)."""
    while faults.ws_drop_every > 0:
        await asyncio.sleep(faults.ws_drop_every)
        server.drop_all()
