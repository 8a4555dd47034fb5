"""Run the local exchange: open the data dir, make sure the demo user exists, serve until signalled.

One asyncio process on 127.0.0.1. When the socket is listening it prints one line with the base
URL (`http://127.0.0.1:PORT`) and the credentials file; SIGINT and SIGTERM stop it cleanly.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
from pathlib import Path

from aiohttp import web

from sandbox.http.app import create_app
from sandbox.http.config import Config
from sandbox.http.keys import KeyRegistry
from sandbox.http.provision import ensure_demo
from sandbox.store import open_exchange
from sandbox.ws import setup as setup_ws


def open_data_dir(config: Config, *, reset: bool = False):
    """The exchange and key registry stored in `config.data_dir` (created if missing)."""
    data_dir = Path(config.data_dir)
    if reset and data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    kwargs = {} if config.seed is None else {"seed": config.seed}
    exchange = open_exchange(data_dir, **kwargs)
    return exchange, KeyRegistry(exchange.conn)


def close_exchange(exchange) -> None:
    """Close the exchange's SQLite store (everything is already committed)."""
    exchange.close()


async def serve(config: Config, *, reset: bool = False) -> None:
    exchange, keys = open_data_dir(config, reset=reset)
    creds_file = ensure_demo(exchange, keys, Path(config.data_dir))
    app = create_app(config, exchange, keys)
    setup_ws(app, config)  # WebSocket endpoint, live activity and lifecycle clock
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", config.port, reuse_address=True)
    await site.start()
    port = runner.addresses[0][1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(
        f"Local Kalshi exchange at http://127.0.0.1:{port} (REST /trade-api/v2, "
        f"WebSocket /trade-api/ws/v2); demo credentials: {creds_file}",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        close_exchange(exchange)


def run(config: Config, *, reset: bool = False) -> int:
    try:
        asyncio.run(serve(config, reset=reset))
    except OSError as exc:
        print(f"cannot listen on 127.0.0.1:{config.port}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0
