"""Choosing a market to demonstrate on, reading its price grid, and its top of book.

`pick_ticker` honours --ticker, then $KALSHI_EXAMPLE_TICKER, else picks an open market whose
book has both sides (two public requests: one market list, one batch of order books).
`PriceGrid` turns a market's `price_ranges` into the set of prices an order may use.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from auth.client import raw_get
from auth.errors import Conflict, KalshiError
from auth.fmt import dec, usd


def pick_ticker(explicit: str | None = None, *, need_book: bool = True) -> str:
    """The market a script should use. Raises KalshiError if no open market qualifies."""
    chosen = explicit or (os.environ.get("KALSHI_EXAMPLE_TICKER") or "").strip()
    if chosen:
        return chosen.upper()
    found = pick_tickers(1, need_book=need_book)
    return found[0]


def pick_tickers(n: int, *, need_book: bool = True) -> list[str]:
    """Up to n open markets, busiest first; with need_book, only those with bids on both sides."""
    markets = raw_get("/markets", status="open", limit=200, mve_filter="exclude")["markets"]
    markets.sort(key=lambda m: dec(m.get("volume_24h_fp")) or Decimal(0), reverse=True)
    tickers = [m["ticker"] for m in markets]
    if need_book and tickers:
        books = raw_get("/markets/orderbooks", tickers=tickers[:100])["orderbooks"]
        two_sided = {
            b["ticker"]
            for b in books
            if (b.get("orderbook_fp") or {}).get("yes_dollars")
            and (b.get("orderbook_fp") or {}).get("no_dollars")
        }
        tickers = [t for t in tickers if t in two_sided]
    if not tickers:
        raise KalshiError(
            404,
            "no_market",
            "no open market" + (" with a two-sided order book" if need_book else "") + " found",
            hint="pass --ticker or set KALSHI_EXAMPLE_TICKER",
        )
    return tickers[:n]


@dataclass(frozen=True)
class PriceRange:
    start: Decimal
    end: Decimal
    step: Decimal


@dataclass(frozen=True)
class PriceGrid:
    """The legal YES prices of one market, from its `price_ranges` ([{start, end, step}] in
    dollars). Whole-cent markets have one range 0.01..0.99 step 0.01; others add sub-penny
    steps near the edges (e.g. 0.001 below $0.10)."""

    ranges: tuple[PriceRange, ...]

    @classmethod
    def from_market(cls, market: dict[str, Any]) -> PriceGrid:
        ranges = tuple(
            PriceRange(Decimal(r["start"]), Decimal(r["end"]), Decimal(r["step"]))
            for r in market.get("price_ranges") or []
        )
        if not ranges:  # every market has price_ranges today; whole cents is the old default
            ranges = (PriceRange(Decimal("0.01"), Decimal("0.99"), Decimal("0.01")),)
        return cls(tuple(sorted(ranges, key=lambda r: r.start)))

    @property
    def lowest(self) -> Decimal:
        """The lowest price with an order: a bid here will (almost) never fill."""
        first = self.ranges[0]
        return first.start if first.start > 0 else first.start + first.step

    @property
    def highest(self) -> Decimal:
        last = self.ranges[-1]
        return last.end if last.end < 1 else last.end - last.step

    def contains(self, price: Decimal) -> bool:
        return any(
            r.start <= price <= r.end and (price - r.start) % r.step == 0 for r in self.ranges
        ) and Decimal(0) < price < Decimal(1)

    def step_at(self, price: Decimal) -> Decimal:
        for r in self.ranges:
            if r.start <= price <= r.end:
                return r.step
        return self.ranges[-1].step

    def floor(self, price: Decimal) -> Decimal:
        """The highest legal price at or below `price` (clamped into the grid)."""
        price = max(self.lowest, min(self.highest, price))
        for r in reversed(self.ranges):
            if r.start <= price:
                snapped = r.start + ((min(price, r.end) - r.start) // r.step) * r.step
                return max(snapped, self.lowest)
        return self.lowest

    def describe(self) -> str:
        return ", ".join(f"${r.start}-${r.end} step ${r.step}" for r in self.ranges)


@dataclass(frozen=True)
class Market:
    """One market's price grid and top of book (best YES bid, best YES ask), read once."""

    ticker: str
    title: str
    grid: PriceGrid
    best_bid: Decimal | None  # highest YES bid
    best_ask: Decimal | None  # lowest YES ask = 1 - highest NO bid
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def load(cls, ticker: str) -> Market:
        market = raw_get(f"/markets/{ticker}")["market"]
        book = raw_get(f"/markets/{ticker}/orderbook")["orderbook_fp"]
        # Levels are [price, count] string pairs; sort-independent: take the best by value.
        yes_bids = [d for p, _ in book.get("yes_dollars") or [] if (d := dec(p)) is not None]
        no_bids = [d for p, _ in book.get("no_dollars") or [] if (d := dec(p)) is not None]
        return cls(
            ticker=market["ticker"],
            title=market.get("title") or market.get("yes_sub_title") or "",
            grid=PriceGrid.from_market(market),
            best_bid=max(yes_bids) if yes_bids else None,
            best_ask=1 - max(no_bids) if no_bids else None,
            raw=market,
        )

    def resting_price(self, side: str, ticks_in: int = 0) -> Decimal:
        """A YES price where an order on `side` ("bid"/"ask") rests without filling: the
        lowest tick for a bid, the highest for an ask (or `ticks_in` ticks further inside),
        refused if the book reaches it."""
        grid = self.grid
        if side == "bid":
            price = grid.lowest
            for _ in range(ticks_in):
                price += grid.step_at(price)
            crosses = self.best_ask is not None and self.best_ask <= price
        else:
            price = grid.highest
            for _ in range(ticks_in):
                price -= grid.step_at(price)
            crosses = self.best_bid is not None and self.best_bid >= price
        if crosses:
            raise Conflict(
                409,
                "book_at_edge",
                f"the book of {self.ticker} reaches ${price}, so a {side} there could fill",
                hint="pass --ticker with another market",
            )
        return price

    def describe_book(self) -> str:
        bid = usd(self.best_bid) if self.best_bid is not None else "none"
        ask = usd(self.best_ask) if self.best_ask is not None else "none"
        return f"best YES bid {bid}, best YES ask {ask}; grid {self.grid.describe()}"
