"""Helpers for WebSocket tests: a signed `websockets` client, an in-process server (engine + WS
only, for fast protocol tests) and a local order book that applies snapshots and deltas."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import websockets
from aiohttp import web

from auth.signing import Signer, load_private_key

WS_PATH = "/trade-api/ws/v2"


def signer_from_env_file(path: Path) -> Signer:
    env = dict(
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if "=" in line and line[0] != "#"
    )
    return Signer(env["KALSHI_API_KEY_ID"], load_private_key(Path(env["KALSHI_PRIVATE_KEY_PATH"])))


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
    """An aiohttp app with only the engine, the key registry and the WS endpoint.
    Returns (runner, base_url, exchange, {user: Signer})."""
    from types import SimpleNamespace

    from sandbox.engine import Exchange
    from sandbox.http.app import EXCHANGE, KEYS
    from sandbox.http.keys import KeyRegistry
    from sandbox.ws import setup

    ex = Exchange.in_memory(seed=seed)
    keys = KeyRegistry(sqlite3.connect(":memory:"))
    signers = {}
    for user in users:
        if not ex.has_user(user):
            ex.add_user(user, Decimal("1000"))
        key, pem = keys.generate(user, user, "ed25519", ("read", "write"))
        from cryptography.hazmat.primitives import serialization

        signers[user] = Signer(
            key.api_key_id, serialization.load_pem_private_key(pem.encode(), None)
        )
    app = web.Application()
    app[EXCHANGE] = ex
    app[KEYS] = keys
    config = SimpleNamespace(seed=seed, activity=False, latency_ms=0, live=live)
    setup(app, config)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}", ex, signers


class Rest:
    """Signed REST calls for tests (requests, JSON in and out; returns (status, body))."""

    def __init__(self, base_url: str, signer: Signer):
        import requests

        self.base = base_url + "/trade-api/v2"
        self.signer = signer
        self.http = requests.Session()

    def call(self, method: str, path: str, body: dict | None = None, **params):
        headers = self.signer.headers(method, "/trade-api/v2" + path)
        r = self.http.request(
            method, self.base + path, json=body, params=params, headers=headers, timeout=10
        )
        try:
            return r.status_code, r.json()
        except ValueError:
            return r.status_code, None

    def order(
        self,
        ticker: str,
        side: str,
        price: str,
        count: str,
        tif: str = "good_till_canceled",
        **extra,
    ) -> dict:
        status, body = self.call(
            "POST",
            "/portfolio/events/orders",
            {
                "ticker": ticker,
                "side": side,
                "price": price,
                "count": count,
                "time_in_force": tif,
                "self_trade_prevention_type": "taker_at_cross",
                **extra,
            },
        )
        assert status in (200, 201), (status, body)
        return body

    def book(self, ticker: str) -> dict:
        status, body = self.call("GET", f"/markets/{ticker}/orderbook")
        assert status == 200, body
        return body["orderbook_fp"]


def add_user(data_dir: Path, name: str) -> Signer:
    """`python -m sandbox add-user NAME` (as a user would), then a Signer for it."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "sandbox", "add-user", name, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    env = dict(line.split("=", 1) for line in out.splitlines() if line.startswith("KALSHI_"))
    return Signer(env["KALSHI_API_KEY_ID"], load_private_key(Path(env["KALSHI_PRIVATE_KEY_PATH"])))
