"""Automatic rebalancing across exchange indexes (POST /portfolio/target_balance_allocation).

The spec says only that an allocation is a target and that an empty one "disables automatic
rebalancing"; Kalshi does not document how often it rebalances. Here every few seconds, which a
script or test sees as "soon after the cash moved".
"""

from __future__ import annotations

import asyncio
import logging

from sandbox.engine import EngineError

log = logging.getLogger(__name__)

INTERVAL = 5.0  # seconds between sweeps


async def run_rebalancer(exchange, interval: float = INTERVAL) -> None:
    while True:
        try:
            exchange.rebalance_allocations()
        except EngineError as exc:  # a user without the cash for a move: try again next sweep
            log.warning("rebalancer: %s", exc)
        await asyncio.sleep(interval)
