"""The referee: markets of a game follow the game. While it is played the market maker quotes
the in-play win probability; when it ends its markets are determined from the final score and,
after the market's settlement timer, settled (paying every holder).

`step(now)` is the whole job, synchronous and clock-driven (tests call it with a fake clock);
`run()` calls it every few seconds on the server.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

from sandbox.engine.errors import EngineError
from sandbox.engine.models import ACTIVE, ASK, BID, DETERMINED, GTC, STP_TAKER
from sandbox.world.games import win_probability

log = logging.getLogger("sandbox.referee")

MAKER = "kalshi-mm"  # the seeded market maker (universe.MM)
CENT = Decimal("0.01")
QUOTE_SIZE = Decimal(100)


class Referee:
    def __init__(self, exchange, *, quote: bool = True, interval: float = 5.0):
        self.ex = exchange
        self.live = exchange.live
        self.quote = quote  # off with --no-activity: books then change only by users' orders
        self.interval = interval
        self._quoted: dict[str, Decimal] = {}

    def step(self, now: int) -> None:
        for ticker, result in self.live.results_due(now):
            m = self.ex.markets[ticker]
            if m.status != DETERMINED:
                self.ex.determine_market(ticker, result)
                self._quoted.pop(ticker, None)
        for m in self.ex.markets.values():
            if (
                m.status == DETERMINED
                and m.event_ticker in self.live.by_event
                and now >= (m.determined_time or 0) + m.settlement_timer_seconds * 1000
            ):
                self.ex.settle_market(m.ticker)
        if self.quote and self.ex.has_user(MAKER):
            for ms in self.live.in_play(now):
                self._quote(ms, now)

    def _quote(self, ms, now: int) -> None:
        """Re-quote both markets around the in-play probability when it moved a cent."""
        p_away = Decimal(str(round(win_probability(ms.game, now), 2)))
        p_away = min(max(p_away, Decimal("0.03")), Decimal("0.97"))
        away, home = self.ex.events[ms.event_ticker].markets
        for ticker, fair in ((away, p_away), (home, 1 - p_away)):
            if self.ex.markets[ticker].status != ACTIVE or self._quoted.get(ticker) == fair:
                continue
            self._quoted[ticker] = fair
            self.ex.cancel_all_orders(MAKER, ticker=ticker)
            for side, price in ((BID, fair - CENT), (ASK, fair + CENT)):
                self.ex.create_order(
                    MAKER,
                    ticker=ticker,
                    side=side,
                    price=price,
                    count=QUOTE_SIZE,
                    time_in_force=GTC,
                    self_trade_prevention_type=STP_TAKER,
                )

    async def run(self) -> None:
        while True:
            try:
                self.step(self.ex.now())
            except EngineError as exc:  # e.g. the maker is out of funds: try again later
                log.warning("referee: %s", exc)
            await asyncio.sleep(self.interval)
