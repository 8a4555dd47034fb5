"""Serve the local exchange: build it, listen on 127.0.0.1, announce readiness, run until stopped.

Readiness is machine-readable: with `ready_file`, a JSON object (url, ws_url, pid, data_dir,
credentials) is written there atomically once the socket listens. The human line on stdout says
the same. SIGINT and SIGTERM stop the process cleanly (or the `stop` event, when in-process).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.build import Built, build
from sandbox.datadir import DataDirError
from sandbox.http.config import Config
from sandbox.http.protocol import Runner


def write_ready(path: Path, info: dict[str, Any]) -> None:
    """Write `info` to `path` atomically: readers see no file or the whole JSON object."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(info))
    os.replace(tmp, path)


async def serve(
    config: Config,
    *,
    ready_file: Path | None = None,
    on_ready: Callable[[dict[str, Any], Built], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    built = build(config)
    runner = Runner(built.app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", config.port, reuse_address=True)
        await site.start()
        port = runner.addresses[0][1]
        if stop is None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
        info = {
            "url": f"http://127.0.0.1:{port}",
            "ws_url": f"ws://127.0.0.1:{port}/trade-api/ws/v2",
            "pid": os.getpid(),
            "data_dir": str(Path(config.data_dir).resolve()) if config.data_dir else None,
            "credentials": str(built.credentials) if built.credentials else None,
        }
        print(
            f"Local Kalshi exchange at {info['url']} (REST /trade-api/v2, "
            f"WebSocket /trade-api/ws/v2); demo credentials: {built.credentials}",
            flush=True,
        )
        if ready_file is not None:
            write_ready(ready_file, info)
        if on_ready is not None:
            on_ready(info, built)
        await stop.wait()
    finally:
        await runner.cleanup()  # closes the engine and releases the data dir


def run(config: Config, *, ready_file: Path | None = None) -> int:
    try:
        asyncio.run(serve(config, ready_file=ready_file))
    except DataDirError as exc:  # owned by another process, or not usable
        print(f"python -m sandbox: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"cannot listen on 127.0.0.1:{config.port}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0
