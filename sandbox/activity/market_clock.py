"""The lifecycle clock: short-lived markets are created, opened, closed, determined and settled
on a schedule, so `market_lifecycle_v2` streams every event type, holders receive settlements,
and the historical cutoff moves forward.

Default pace: a new market every 3 minutes, open for 5 minutes, determined 20 s after closing
and settled 30 s later; the cutoff follows to 7 days before now. `fast=True` (--fast-lifecycle)
compresses this to a new market every 4 s, open 6 s, determined 1 s and settled 1 s later, with
the cutoff 60 s behind, so tests see a whole life in about 10 s.

Each market lives in its own event of the series KXQUICK ("Quick coin flip"), gets a small
ladder of maker quotes when it opens (so it can be traded even with --no-activity), and settles
on a seeded coin flip. Markets of this series left unfinished by a previous run are wound up
at startup.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sandbox.activity.simulator import BOT_ALLOCATION, BOT_BALANCE, MAKER
from sandbox.engine.errors import EngineError
from sandbox.engine.models import Event, Market, PriceRange, Series

log = logging.getLogger("sandbox.lifecycle")

SERIES = "KXQUICK"
LINEAR_CENT = (PriceRange(Decimal("0.00"), Decimal("1.00"), Decimal("0.01")),)


@dataclass(frozen=True)
class Pace:
    every: float  # seconds between new markets
    open_delay: float  # created -> activated
    lifetime: float  # activated -> closed (deactivated)
    determine_delay: float  # closed -> determined
    settle_delay: float  # determined -> settled
    retention_ms: int  # historical cutoff lag behind now


DEFAULT = Pace(180, 5, 300, 20, 30, 7 * 86_400_000)
FAST = Pace(4, 0.5, 6, 1, 1, 60_000)


class LifecycleClock:
    def __init__(self, exchange, rng: random.Random, fast: bool = False, on_gone=None):
        self.ex = exchange
        self.rng = rng
        self.pace = FAST if fast else DEFAULT
        self.on_gone = on_gone or (lambda ticker: None)
        self._tasks: set[asyncio.Task] = set()
        self.midlives = 0

    def ensure_series(self) -> None:
        if SERIES not in self.ex.series:
            self.ex.add_series(
                Series(
                    SERIES,
                    "Quick coin flip",
                    "Sandbox",
                    "custom",
                    tags=["Sandbox"],
                    categories=["Sandbox"],
                    settlement_sources=[{"name": "Local exchange coin flip", "url": ""}],
                )
            )
        if not self.ex.has_user(MAKER):
            self.ex.add_user(MAKER, BOT_BALANCE)
            self.ex.set_target_allocation(MAKER, BOT_ALLOCATION)

    def create(self) -> str:
        """A new event with one market, in status initialized (created, not yet open)."""
        now = self.ex.now()
        stamp = datetime.fromtimestamp(now / 1000, UTC)
        code = stamp.strftime("%y%b%d%H%M%S").upper() + f"{now % 1000:03d}"
        event_ticker = f"{SERIES}-{code}"
        n = 1
        while event_ticker in self.ex.events:  # two in the same millisecond
            n += 1
            event_ticker = f"{SERIES}-{code}{n}"
        open_ms = now + int(self.pace.open_delay * 1000)
        close_ms = open_ms + int(self.pace.lifetime * 1000)
        when = stamp.strftime("%b %d at %H:%M:%S UTC")
        self.ex.create_event(
            Event(
                event_ticker,
                SERIES,
                f"Quick coin flip {when}",
                when,
                True,
                "MECNET",
                close_ms,
                None,
                [{"name": "Local exchange coin flip", "url": ""}],
            )
        )
        ticker = f"{event_ticker}-HEADS"
        self.ex.create_market(
            Market(
                ticker=ticker,
                event_ticker=event_ticker,
                series_ticker=SERIES,
                title=f"Will the coin flip {when} land heads?",
                subtitle="Heads",
                yes_sub_title="Heads",
                no_sub_title="Tails",
                open_time=open_ms,
                close_time=close_ms,
                latest_expiration_time=close_ms + 86_400_000,
                expected_expiration_time=close_ms,
                rules_primary="If the local exchange's seeded coin lands heads, the market "
                "resolves to Yes.",
                rules_secondary="A sandbox market: it exists to exercise the market lifecycle.",
                price_level_structure="linear_cent",
                price_ranges=LINEAR_CENT,
                status="initialized",
                settlement_timer_seconds=int(self.pace.settle_delay),
            )
        )
        return ticker

    def open(self, ticker: str) -> None:
        self.ex.open_market(ticker)
        for k in range(1, 4):  # a small ladder so the market can be traded at once
            size = Decimal(self.rng.choice((10, 20, 50)))
            for side, price in (("bid", 50 - 2 * k), ("ask", 50 + 2 * k)):
                self.ex.create_order(
                    MAKER,
                    ticker=ticker,
                    side=side,
                    price=Decimal(price) / 100,
                    count=size,
                    time_in_force="good_till_canceled",
                    self_trade_prevention_type="maker",
                )

    def midlife(self, ticker: str) -> None:
        """Every other market, halfway through its life: a new YES subtitle and finer ticks at
        the tails, so market_lifecycle_v2 streams `metadata_updated` and
        `price_level_structure_updated` (live Kalshi changes these now and then)."""
        self.midlives += 1
        if self.midlives % 2 == 0:
            return
        m = self.ex.markets[ticker]
        try:
            self.ex.update_market_metadata(ticker, yes_sub_title=f"{m.yes_sub_title} (updated)")
            self.ex.update_price_level_structure(ticker, "tapered_deci_cent")
        except EngineError as exc:  # e.g. closed early by the control plane
            log.warning("cannot update %s: %s", ticker, exc)

    def finish(self, ticker: str) -> None:
        """Determine (coin flip) and settle; move the historical cutoff forward."""
        m = self.ex.markets[ticker]
        if m.status in ("initialized", "inactive", "active"):
            self.ex.close_market(ticker)
        if m.status == "closed":
            self.ex.determine_market(ticker, self.rng.choice(("yes", "no")))
        if m.status == "determined":
            self.ex.settle_market(ticker)
        self.on_gone(ticker)
        self.advance_cutoff()

    def advance_cutoff(self) -> None:
        target = self.ex.now() - self.pace.retention_ms
        if target > self.ex.historical_cutoff().market_settled_ts:
            self.ex.set_historical_cutoff(target)

    async def live(self, ticker: str) -> None:
        p = self.pace
        await asyncio.sleep(p.open_delay)
        self.open(ticker)
        await asyncio.sleep(p.lifetime / 2)
        self.midlife(ticker)
        await asyncio.sleep(p.lifetime / 2)
        self.ex.close_market(ticker)
        self.on_gone(ticker)
        await asyncio.sleep(p.determine_delay)
        self.ex.determine_market(ticker, self.rng.choice(("yes", "no")))
        await asyncio.sleep(p.settle_delay)
        self.ex.settle_market(ticker)
        self.advance_cutoff()

    def wind_up_leftovers(self) -> None:
        for m in list(self.ex.markets.values()):
            if m.series_ticker == SERIES and m.status not in ("finalized", "amended"):
                try:
                    self.finish(m.ticker)
                except EngineError as exc:
                    log.warning("cannot wind up %s: %s", m.ticker, exc)

    async def run(self) -> None:
        self.ensure_series()
        self.wind_up_leftovers()
        try:
            while True:
                try:
                    ticker = self.create()
                    task = asyncio.create_task(self._guarded(ticker))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                except EngineError as exc:
                    log.warning("lifecycle: %s", exc)
                await asyncio.sleep(self.pace.every)
        finally:  # markets in flight are wound up at the next start
            await self.stop()

    async def _guarded(self, ticker: str) -> None:
        try:
            await self.live(ticker)
        except EngineError as exc:
            log.warning("lifecycle of %s: %s", ticker, exc)

    async def stop(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
