"""The fee clock: applies scheduled fee changes when their time comes (about once a second)."""

from __future__ import annotations

import asyncio
import logging

from sandbox.engine.errors import EngineError

log = logging.getLogger("sandbox.fees")


async def run_fee_clock(exchange, interval: float = 1.0) -> None:
    while True:
        try:
            exchange.apply_fee_changes()
        except EngineError as exc:
            log.warning("fee clock: %s", exc)
        await asyncio.sleep(interval)
