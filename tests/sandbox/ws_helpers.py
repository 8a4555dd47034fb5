"""Helpers for WebSocket tests: a signed `websockets` client, an in-process server (engine + WS
only, for fast protocol tests) and a local order book that applies snapshots and deltas.
Signed REST calls and `add_user` are in `tests.api`."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import websockets
from aiohttp import web

from auth.signing import Signer

WS_PATH = "/trade-api/ws/v2"


class Client:
    """A signed WebSocket client with command ids and message filtering."""

    def __init__(self, ws):
        self.ws = ws
        self._id = 0
        self.seen: list[dict] = []

    async def cmd(self, cmd: str, **params: Any) -> int:
        self._id += 1
        body: dict[str, Any] = {"id": self._id, "cmd": cmd}
        if params:
            body["params"] = params
        await self.ws.send(json.dumps(body))
        return self._id

    async def recv(self, timeout: float = 5) -> dict:
        msg = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        self.seen.append(msg)
        return msg

    async def until(self, pred, timeout: float = 5) -> dict:
        """The next message satisfying `pred` (others are kept in `seen`)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError("no matching message")
            msg = await self.recv(left)
            if pred(msg):
                return msg

    async def drain(self, quiet: float = 0.3) -> list[dict]:
        out = []
        with contextlib.suppress(TimeoutError):
            while True:
                out.append(await self.recv(quiet))
        return out


@contextlib.asynccontextmanager
async def connect(base_url: str, signer: Signer | None, **kw) -> AsyncIterator[Client]:
    url = base_url.replace("http://", "ws://") + WS_PATH
    headers = signer.headers("GET", WS_PATH) if signer else {}
    async with websockets.connect(url, additional_headers=headers, **kw) as ws:
        yield Client(ws)


class LocalBook:
    """Applies orderbook_snapshot / orderbook_delta like a client would (Decimal)."""

    def __init__(self):
        self.sides: dict[str, dict[Decimal, Decimal]] = {"yes": {}, "no": {}}
        self.seq: int | None = None

    def apply(self, msg: dict) -> None:
        seq = msg["seq"]
        assert self.seq is None or seq == self.seq + 1, f"seq gap {self.seq} -> {seq}"
        self.seq = seq
        body = msg["msg"]
        if msg["type"] == "orderbook_snapshot":
            self.sides = {
                side: {Decimal(p): Decimal(c) for p, c in body.get(f"{side}_dollars_fp", [])}
                for side in ("yes", "no")
            }
            return
        level = self.sides[body["side"]]
        price = Decimal(body["price_dollars"])
        size = level.get(price, Decimal(0)) + Decimal(body["delta_fp"])
        assert size >= 0, f"negative level {price}: {size}"
        if size:
            level[price] = size
        else:
            level.pop(price, None)

    def levels(self, side: str) -> list[list[str]]:
        return [[f"{p:.4f}", f"{c:.2f}"] for p, c in sorted(self.sides[side].items())]


async def in_process_server(*, seed: int = 7, users=("demo", "alice"), live=None):
    """The whole exchange (sandbox.build) in memory, served in this event loop.
    Returns (runner, base_url, exchange, {user: Signer})."""
    from sandbox.activity.options import LiveOptions
    from sandbox.build import build
    from sandbox.http.config import Config
    from sandbox.http.protocol import Runner

    config = Config(data_dir=None, seed=seed, activity=False, live=live or LiveOptions())
    built = build(config)
    ex, keys = built.exchange, built.keys
    signers = {}
    for user in users:
        if not ex.has_user(user):
            ex.add_user(user, Decimal("1000"))
        key, pem = keys.generate(user, user, "ed25519", ("read", "write"))
        from cryptography.hazmat.primitives import serialization

        signers[user] = Signer(
            key.api_key_id, serialization.load_pem_private_key(pem.encode(), None)
        )
    runner = Runner(built.app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}", ex, signers
