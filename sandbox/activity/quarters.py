"""The quarter desk: keeps the 15-minute crypto series going. For the quarter under way (and,
at the first start, the two before it) it creates, opens and quotes the market; when a quarter
closes it determines the market from the CF Benchmarks final-minute average and settles it
after the settlement timer. `step(now)` is the whole job, synchronous and clock-driven (tests
call it with a fake clock); `run()` calls it every second on the server.
"""

from __future__ import annotations

import asyncio
import logging
import math
from decimal import Decimal

from sandbox.activity import cfindex
from sandbox.engine.errors import EngineError
from sandbox.engine.models import ACTIVE, ASK, BID, CLOSED, DETERMINED, GTC, INITIALIZED, STP_TAKER
from sandbox.seed import crypto

log = logging.getLogger("sandbox.quarters")

MAKER = "kalshi-mm"
CENT = Decimal("0.01")
SIZE = Decimal(50)
BACKFILL = 2  # settled quarters created at the first start, for history


class QuarterDesk:
    def __init__(self, exchange, *, quote: bool = True, interval: float = 1.0):
        self.ex = exchange
        self.quote = quote
        self.interval = interval
        self._quoted: dict[str, Decimal] = {}

    def ensure_series(self) -> None:
        if crypto.SERIES not in self.ex.series:
            self.ex.add_series(crypto.series())

    def step(self, now: int) -> None:
        ex = self.ex
        self.ensure_series()
        current_close = now - now % cfindex.QUARTER + cfindex.QUARTER
        first_start = not any(e.series_ticker == crypto.SERIES for e in ex.events.values())
        closes = [current_close - k * cfindex.QUARTER for k in range(BACKFILL, -1, -1)]
        for close in closes if first_start else closes[-1:]:
            _, ticker = crypto.tickers(close)
            if ticker not in ex.markets:
                crypto.create_quarter(ex, close)
        for m in [m for m in ex.markets.values() if m.series_ticker == crypto.SERIES]:
            if m.status == INITIALIZED and m.open_time <= now < m.close_time:
                ex.open_market(m.ticker)
            if m.status in (INITIALIZED, ACTIVE) and now >= m.close_time:
                ex.close_market(m.ticker)
            if m.status == CLOSED and now >= m.close_time:
                outcome, _ = crypto.result(ex.seed, m.close_time, m.floor_strike)
                ex.determine_market(m.ticker, outcome)
                self._quoted.pop(m.ticker, None)
            if (
                m.status == DETERMINED
                and now >= (m.determined_time or 0) + m.settlement_timer_seconds * 1000
            ):
                ex.settle_market(m.ticker)
            if m.status == ACTIVE and self.quote and ex.has_user(MAKER):
                self._requote(m, now)

    def fair(self, m, now: int) -> Decimal:
        """Chance the final average ends above the strike: the distance now against the
        remaining time (a normal approximation with the index's short-term volatility)."""
        v = float(cfindex.value(self.ex.seed, crypto.INDEX, now))
        left = max(m.close_time - now, 1_000) / cfindex.QUARTER
        sigma = v * 0.0012 * math.sqrt(left)
        z = (v - float(m.floor_strike)) / sigma
        p = 0.5 * (1 + math.erf(z / math.sqrt(2)))
        return min(max(Decimal(str(round(p, 2))), Decimal("0.02")), Decimal("0.98"))

    def _requote(self, m, now: int) -> None:
        fair = self.fair(m, now)
        if self._quoted.get(m.ticker) == fair:
            return
        self._quoted[m.ticker] = fair
        self.ex.cancel_all_orders(MAKER, ticker=m.ticker)
        for side, price in ((BID, fair - CENT), (ASK, fair + CENT)):
            self.ex.create_order(
                MAKER,
                ticker=m.ticker,
                side=side,
                price=price,
                count=SIZE,
                time_in_force=GTC,
                self_trade_prevention_type=STP_TAKER,
            )

    async def run(self) -> None:
        while True:
            try:
                self.step(self.ex.now())
            except EngineError as exc:
                log.warning("quarter desk: %s", exc)
            await asyncio.sleep(self.interval)
