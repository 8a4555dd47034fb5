"""Rolling series: a desk keeps a short-period series going (the 15-minute crypto series, the
hourly temperature series). For the window under way (and, at the first start, the two before
it) it creates, opens and quotes the market; when a window closes it determines the market from
the series' index (CF Benchmarks BRTI, the city temperature index) and settles it after the
settlement timer. `step(now)` is the whole job, synchronous and clock-driven (tests call it
with a fake clock); `run()` calls it every second on the server.

A series plugs in as a `Rolling` spec: its period, how to create the market of a window, how
the index decides it, and the fair YES price while it runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sandbox.engine.errors import EngineError
from sandbox.engine.models import (
    ACTIVE,
    ASK,
    BID,
    CLOSED,
    DETERMINED,
    FINALIZED,
    GTC,
    INITIALIZED,
    STP_TAKER,
)

log = logging.getLogger("sandbox.rolling")

MAKER = "kalshi-mm"
CENT = Decimal("0.01")
SIZE = Decimal(50)
BACKFILL = 2  # settled windows created at the first start, for history


@dataclass(frozen=True)
class Rolling:
    series_ticker: str
    period_ms: int
    series: Callable[[], object] | None  # -> Series
    tickers: Callable[[int], tuple[str, str]] | None  # close ms -> (event, market)
    create: Callable[[object, int], str] | None  # (exchange, close ms) -> market ticker
    result: Callable[[int, object], str]  # (seed, market) -> yes | no
    fair: Callable[[int, object, int], float] | None  # (seed, market, now) -> P(yes)
    at_expiration: bool = False  # determined at expected_expiration_time, not at the close

    @classmethod
    def settle_only(cls, series_ticker: str, result: Callable[[int, object], str]) -> Rolling:
        """A seeded series whose markets the desk only closes, determines (at their expected
        expiration) and settles: no new windows, no quotes (the seed made markets and books)."""
        return cls(series_ticker, 0, None, None, None, result, None, at_expiration=True)


def specs() -> tuple[Rolling, ...]:
    from sandbox.seed import crypto, index_settled, weather

    return (crypto.ROLLING, weather.ROLLING, *index_settled.SPECS)


class RollingDesk:
    def __init__(self, exchange, *, quote: bool = True, interval: float = 1.0, series=None):
        self.ex = exchange
        self.quote = quote
        self.interval = interval
        self.specs = tuple(series) if series is not None else specs()
        self._quoted: dict[str, Decimal] = {}
        self._pending: dict[str, set[str]] | None = None  # unsettled tickers per series

    def step(self, now: int) -> None:
        for spec in self.specs:
            self._step(spec, now)

    def _step(self, spec: Rolling, now: int) -> None:
        ex = self.ex
        if self._pending is None:  # one scan at the first step; then only the unsettled ones
            self._pending = {s.series_ticker: set() for s in self.specs}
            for m in ex.markets.values():
                if m.series_ticker in self._pending and m.status != FINALIZED:
                    self._pending[m.series_ticker].add(m.ticker)
        pending = self._pending[spec.series_ticker]
        if spec.create is not None:
            self._create(spec, pending, now)
        for m in [ex.markets[t] for t in sorted(pending)]:
            if m.status == INITIALIZED and m.open_time <= now < m.close_time:
                ex.open_market(m.ticker)
            if m.status in (INITIALIZED, ACTIVE) and now >= m.close_time:
                ex.close_market(m.ticker)
            decide_at = m.expected_expiration_time if spec.at_expiration else m.close_time
            if m.status == CLOSED and now >= decide_at:
                ex.determine_market(m.ticker, spec.result(ex.seed, m))
                self._quoted.pop(m.ticker, None)
            settle_at = (m.determined_time or 0) + m.settlement_timer_seconds * 1000
            if m.status == DETERMINED and now >= settle_at:
                ex.settle_market(m.ticker)
            if m.status == FINALIZED:
                pending.discard(m.ticker)
            if m.status == ACTIVE and self.quote and spec.fair and ex.has_user(MAKER):
                self._requote(spec.fair, m, now)

    def _create(self, spec: Rolling, pending: set[str], now: int) -> None:
        """The window under way (at the first start also the ones before it), once."""
        assert spec.series and spec.tickers and spec.create
        ex = self.ex
        first_start = spec.series_ticker not in ex.series
        if first_start:
            ex.add_series(spec.series())
        current_close = now - now % spec.period_ms + spec.period_ms
        closes = [current_close - k * spec.period_ms for k in range(BACKFILL, -1, -1)]
        for close in closes if first_start else closes[-1:]:
            if spec.tickers(close)[1] not in ex.markets:
                pending.add(spec.create(ex, close))

    def _requote(self, fair_of: Callable[[int, object, int], float], m, now: int) -> None:
        p = Decimal(str(round(fair_of(self.ex.seed, m, now), 2)))
        fair = min(max(p, Decimal("0.02")), Decimal("0.98"))
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
                log.warning("rolling desk: %s", exc)
            await asyncio.sleep(self.interval)


def seed(ex) -> None:
    """Seeding: every rolling series, its window under way and the two before it."""
    RollingDesk(ex).step(ex.now())
