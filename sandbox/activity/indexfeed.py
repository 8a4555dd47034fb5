"""The index feed: publishes the simulated CF Benchmarks indices on `cfbenchmarks_value_5hz`
(every 200 ms) and `cfbenchmarks_value` (every whole second), and the simulated Pyth values on
`pyth_value` (every whole second), only to ids somebody follows. Each message is built and
serialized once per tick, whatever the number of subscribers."""

from __future__ import annotations

import asyncio
import time

from sandbox.world import cfindex, pyth

PER_SECOND, FIVE_HZ, PYTH = "cfbenchmarks_value", "cfbenchmarks_value_5hz", "pyth_value"


class IndexFeed:
    def __init__(self, seed: int, hub):
        self.seed = seed
        self.hub = hub

    def tick(self, t_ms: int, received_at: int) -> int:
        """Publish the tick at `t_ms` (a multiple of 200 ms); returns messages published."""
        n = 0
        for index_id in cfindex.FIVE_HZ:
            if self.hub.subscribers(FIVE_HZ, index_id):
                msg = cfindex.five_hz_msg(self.seed, index_id, t_ms, received_at)
                self.hub.publish(FIVE_HZ, FIVE_HZ, msg, index_id)
                n += 1
        if t_ms % cfindex.SECOND == 0:
            for index_id in cfindex.INDICES:
                if self.hub.subscribers(PER_SECOND, index_id):
                    msg = cfindex.per_second_msg(self.seed, index_id, t_ms, received_at)
                    self.hub.publish(PER_SECOND, PER_SECOND, msg, index_id)
                    n += 1
            for symbol in pyth.SYMBOLS:
                if self.hub.subscribers(PYTH, symbol):
                    body = pyth.msg(self.seed, symbol, t_ms, received_at)
                    self.hub.publish(PYTH, PYTH, body, symbol)
                    n += 1
        return n

    async def run(self) -> None:
        step = cfindex.TICK_5HZ
        while True:
            now = time.time_ns() // 1_000_000
            t = now - now % step + step
            await asyncio.sleep((t - now) / 1000)
            self.tick(t, time.time_ns() // 1_000_000)
