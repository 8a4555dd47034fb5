"""Seeded background trading: a market maker quotes both sides, takers cross the spread, and
each market's fair value wanders within bounds, all through the engine's public API (the same
calls the REST handlers make), so every book delta, trade, ticker and candle is genuine.

Pace: about `BASE_ACTIONS_PER_S` actions a second, times `rate`. Half of the actions go to
markets someone watches on the WebSocket (orderbook, ticker or trade subscriptions), and a market
that was just subscribed is served on the next tick, so its streams are alive within a second;
the rest go to random open markets.

Memory stays flat: the simulator keeps one fair value and at most two quote ids per market.
The maker only re-quotes when the fair value moves by a cent or more, and fills are what
writes history, so the SQLite file grows with trades, not with every tick.
"""

from __future__ import annotations

import asyncio
import logging
import random
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from sandbox.engine.errors import EngineError

log = logging.getLogger("sandbox.activity")

MAKER = "kalshi-mm"  # the seeded universe's market maker
TAKER = "retail-flow"  # the seeded universe's order flow
# Both also trade combos, which live on exchange index 1 and trade on that index's cash only
# (docs.kalshi.com/getting_started/exchange_sharding): a target balance allocation keeps a
# share there, and the periodic rebalance (rebalancer.py) tops it up after trades drain it.
BOT_ALLOCATION = [[0, 90], [1, 10]]  # percent of cash per exchange index
BOT_BALANCE = Decimal("1000000")
BASE_ACTIONS_PER_S = 8.0
CENT = Decimal("0.01")
LOW, HIGH = Decimal("0.02"), Decimal("0.98")


def cents_floor(p: Decimal) -> Decimal:
    return p.quantize(CENT, rounding=ROUND_FLOOR)


def cents_ceil(p: Decimal) -> Decimal:
    return p.quantize(CENT, rounding=ROUND_CEILING)


class Simulator:
    def __init__(self, exchange, rng: random.Random, rate: float = 1.0, watched=None):
        self.ex = exchange
        self.rng = rng
        self.rate = rate
        self.watched = watched or (lambda: ())
        self.fair: dict[str, Decimal] = {}
        self.quotes: dict[str, dict[str, str]] = {}  # ticker -> side -> order id
        self.makers = True  # the control plane turns quoting and taking on and off
        self.takers = True

    def forget_all(self) -> None:
        """The exchange was reset: no fair values, no quotes of ours rest anywhere."""
        self.fair.clear()
        self.quotes.clear()

    def ensure_users(self) -> None:
        for user in (MAKER, TAKER):
            if not self.ex.has_user(user):
                self.ex.add_user(user, BOT_BALANCE)
                self.ex.set_target_allocation(user, BOT_ALLOCATION)

    def pick_market(self) -> str | None:
        markets = self.ex.markets
        watched = [t for t in self.watched() if _open(markets.get(t))]
        fresh = [t for t in watched if t not in self.fair]
        if fresh:  # someone just subscribed: make it move now
            return fresh[0]
        if watched and self.rng.random() < 0.5:
            return self.rng.choice(watched)
        for _ in range(8):  # a random open market, without listing them all every tick
            t = self.rng.choice(list(markets)) if markets else None
            if t is not None and _open(markets[t]):
                return t
        return None

    def step(self) -> None:
        """One action in one market: move its fair value, re-quote, maybe cross."""
        ticker = self.pick_market()
        if ticker is None:
            return
        fair = self._wander(ticker)
        try:
            if self.makers:
                self._quote(ticker, fair)
            if self.takers and self.rng.random() < 0.5:
                self._take(ticker)
        except EngineError as exc:  # e.g. the market closed between ticks
            log.debug("activity in %s: %s", ticker, exc)
            self.quotes.pop(ticker, None)

    def forget(self, ticker: str) -> None:
        self.fair.pop(ticker, None)
        self.quotes.pop(ticker, None)

    def _wander(self, ticker: str) -> Decimal:
        """A random walk in cents, pulled a quarter of the way back to the book's mid each
        step, so prices drift plausibly and never leave [LOW, HIGH]."""
        m = self.ex.markets[ticker]
        has_book = m.yes_bid > 0 and m.yes_ask < 1
        mid = (m.yes_bid + m.yes_ask) / 2 if has_book else None
        fair = self.fair.get(ticker, mid if mid is not None else m.last_price or Decimal("0.5"))
        fair += Decimal(self.rng.choice((-1, 0, 0, 0, 0, 0, 0, 1))) * CENT
        if mid is not None:
            fair += (mid - fair) / 4
        fair = min(max(fair, LOW), HIGH)
        self.fair[ticker] = fair
        return fair

    def _quote(self, ticker: str, fair: Decimal) -> None:
        """Keep one bid and one ask around the fair value; a quote within a cent of where it
        should be stays put (fewer orders, less history written)."""
        m = self.ex.markets[ticker]
        # Join the book rather than cross it: quotes stay inside (0, 1) and post-only safe.
        bid = min(cents_floor(fair - CENT), cents_ceil(m.yes_ask) - CENT)
        ask = max(cents_ceil(fair + CENT), cents_floor(m.yes_bid) + CENT)
        wanted = {"bid": max(bid, CENT), "ask": min(ask, 1 - CENT)}
        quotes = self.quotes.setdefault(ticker, {})
        for side, price in wanted.items():
            oid = quotes.get(side)
            order = self.ex.orders.get(oid) if oid else None
            if order is not None and order.status == "resting":
                if abs(order.price - price) <= CENT:
                    continue
                self.ex.cancel_order(MAKER, oid)
            size = Decimal(self.rng.choice((5, 10, 20, 25, 50)))
            result = self.ex.create_order(
                MAKER,
                ticker=ticker,
                side=side,
                price=price,
                count=size,
                time_in_force="good_till_canceled",
                self_trade_prevention_type="maker",
                post_only=True,
            )
            if result.order.status == "resting":
                quotes[side] = result.order.order_id
            else:
                quotes.pop(side, None)

    def _take(self, ticker: str) -> None:
        m = self.ex.markets[ticker]
        buy = self.rng.random() < 0.5
        if buy and m.yes_ask_size > 0 and m.yes_ask < 1:
            side, price = "bid", m.yes_ask
        elif not buy and m.yes_bid_size > 0 and m.yes_bid > 0:
            side, price = "ask", m.yes_bid
        else:
            return
        self.ex.create_order(
            TAKER,
            ticker=ticker,
            side=side,
            price=price,
            count=Decimal(self.rng.choice((1, 1, 2, 3, 5, 10, 25))),
            time_in_force="immediate_or_cancel",
            self_trade_prevention_type="taker_at_cross",
        )

    async def run(self) -> None:
        if self.rate <= 0:
            return
        self.ensure_users()
        pause = 1.0 / (BASE_ACTIONS_PER_S * self.rate)
        while True:
            await asyncio.sleep(pause * self.rng.uniform(0.5, 1.5))
            try:
                self.step()
            except Exception:  # never let one bad tick end the simulation
                log.exception("activity step failed")


def _open(m) -> bool:
    return m is not None and m.status == "active"
