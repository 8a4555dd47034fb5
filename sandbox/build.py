"""The one place that wires the local exchange: engine, journal, key registry, HTTP app,
WebSocket endpoint and live activity, from one `Config`.

`python -m sandbox` (sandbox.server), `sandbox.testing.LocalExchange`, the tests and the benchmarks
all call `build(config)`. With a data dir, the returned exchange owns it (sandbox.datadir) until
the app's cleanup runs; `config.data_dir=None` keeps everything in memory.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox import ws
from sandbox.activity.wiring import setup as setup_activity
from sandbox.datadir import DataDirLock, wipe
from sandbox.engine import Exchange
from sandbox.http.app import create_app
from sandbox.http.config import Config
from sandbox.http.keys import KeyRegistry
from sandbox.http.provision import ensure_demo
from sandbox.store import open_exchange
from sandbox.web import setup_web
from sandbox.ws.endpoint import WsServer


@dataclass
class Built:
    """An assembled exchange, ready to be served (aiohttp `AppRunner(built.app)`)."""

    config: Config
    app: web.Application
    exchange: Any
    keys: KeyRegistry
    ws: WsServer
    credentials: Path | None  # DATA_DIR/credentials.env of the demo user (None in memory)


def open_engine(config: Config) -> Any:
    """The engine (with its journal) for `config`: stored in the data dir, or in memory."""
    seed = 1 if config.seed is None else config.seed  # the engine's default seed
    if config.data_dir is None:
        return Exchange.in_memory(seed=seed)
    return open_exchange(Path(config.data_dir), seed=seed)


def open_keys(exchange: Any) -> KeyRegistry:
    """API keys live in the exchange's SQLite file (a private table when in memory)."""
    conn = exchange.conn if exchange.conn is not None else sqlite3.connect(":memory:")
    return KeyRegistry(conn)


def build(config: Config) -> Built:
    """Assemble everything `config` asks for. Raises `DataDirError` (sandbox.datadir) when the
    data dir is unusable or another live process owns it (`DataDirBusy`); nothing is opened or
    changed then."""
    lock = None
    if config.data_dir is not None:
        lock = DataDirLock(Path(config.data_dir)).acquire()
    try:
        if lock is not None and config.reset:
            wipe(lock.data_dir)
        exchange = open_engine(config)
        keys = open_keys(exchange)
        creds = None if lock is None else ensure_demo(exchange, keys, lock.data_dir)
        app = create_app(config, exchange, keys)
        ws_server = ws.setup(app, config, config.live)
        setup_activity(app, config, config.live, ws_server)
        setup_web(app)  # the live web view at / (loopback only)
    except BaseException:
        if lock is not None:
            lock.release()
        raise

    async def close(_app: web.Application) -> None:
        exchange.close()  # everything is already committed
        if lock is not None:
            lock.release()

    app.on_cleanup.append(close)
    return Built(config, app, exchange, keys, ws_server, creds)
