"""The WebSocket side of the local exchange: `/trade-api/ws/v2` on the REST port.

`setup(app, config, opts)` (called by `sandbox.build`) registers the route and hooks the hub into
the engine's listeners. Modules, one job each:

  wire        error codes, fixed-point strings, frame envelopes
  messages    `msg` bodies of every data message, per the AsyncAPI
  channels    which channels exist and what they accept
  hub         routing of messages to subscriptions (sid, per-sid seq), serialize-once fan-out
  session     one connection's commands and replies
  connection  bounded outbound queue, writer, ping/pong keep-alive
  bridge      engine events -> hub; the read view used for snapshots
  throttle    at most one message per key per interval, the latest one (RFQ batch best quotes)
  endpoint    the signed handshake and per-client tasks
"""

from __future__ import annotations

import random

from aiohttp import web

from sandbox.activity.options import LiveOptions
from sandbox.http.config import Config
from sandbox.http.routing import EXCHANGE, KEYS, RECORDER
from sandbox.ws.bridge import Bridge
from sandbox.ws.endpoint import WS_PATH, WsServer
from sandbox.ws.hub import Hub

WS_SERVER = web.AppKey("ws_server", WsServer)

__all__ = ["WS_PATH", "WS_SERVER", "setup"]


def setup(app: web.Application, config: Config, opts: LiveOptions) -> WsServer:
    exchange = app[EXCHANGE]
    seed = config.seed or 0
    hub = Hub(seq_gap_rate=opts.fault_seq_gap_rate, rng=random.Random(seed))
    bridge = Bridge(hub, exchange)
    exchange.listeners.append(bridge)
    server = WsServer(
        hub,
        bridge,
        app[KEYS],
        latency_ms=config.latency_ms,
        ping_interval=opts.ws_ping_interval,
        pong_timeout=opts.ws_pong_timeout,
        record=app[RECORDER].ws_frame if RECORDER in app else None,
    )
    app[WS_SERVER] = server
    app.router.add_get(WS_PATH, server.handle)
    app.on_shutdown.append(server.shutdown)
    return server
