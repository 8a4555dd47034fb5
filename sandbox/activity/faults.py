"""Fault injection for client-resilience testing; every fault is off unless its flag is given.

- HTTP: a middleware answers a random share of REST requests with 429 (Kalshi's documented
  `{"error": "too many requests"}`) or with 500/503 (the nested error body), before the
  request reaches auth or the engine, so a rejected write never executes.
- WebSocket: every N seconds all connections are cut without a close frame.
(Sequence gaps on orderbook deltas are injected by the hub; `--latency-ms` delays WS frames in
each connection's writer.)
"""

from __future__ import annotations

import asyncio
import random

from aiohttp import web

from sandbox.http.errors import error_response, too_many_requests


def http_fault_middleware(rate_429: float, rate_5xx: float, rng: random.Random):
    @web.middleware
    async def faults(request: web.Request, handler):
        if request.path.startswith("/trade-api/v2"):
            roll = rng.random()
            if roll < rate_429:
                return too_many_requests()
            if roll < rate_429 + rate_5xx:
                if rng.random() < 0.5:
                    return error_response(500, "internal_server_error", "injected fault")
                return error_response(503, "service_unavailable", "injected fault")
        return await handler(request)

    return faults


async def drop_connections_every(seconds: float, server) -> None:
    while True:
        await asyncio.sleep(seconds)
        server.drop_all()
