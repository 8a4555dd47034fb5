"""Market data: public trades, market statistics (best bid/ask, volume), 1-minute candle bars.

State: `trades` (append-only) and its per-ticker index, the rolling 24 h volume window, minute
candles per market. `Trading` reports each trade (`record_trade`) and each book change
(`touched`); at the end of an operation `refresh` brings the touched markets' statistics and
candles up to date (before the journal commit, so they are part of the same change set).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from copy import copy
from decimal import Decimal

from . import events as ev
from .book import Book
from .candles import build_candles
from .catalog import Catalog
from .common import DAY_MS, within
from .errors import not_found
from .models import Candlestick, Market, MinuteCandle, Trade
from .money import ONE, ZERO
from .operation import Operation


class MarketData:
    def __init__(self, op: Operation, catalog: Catalog, books: Callable[[str], Book]):
        self.op = op
        self.catalog = catalog
        self.books = books
        self.trades: list[Trade] = []
        self.trades_by_ticker: dict[str, list[Trade]] = {}
        self.vol24: dict[str, deque[tuple[int, Decimal]]] = {}
        self.candles: dict[str, dict[int, MinuteCandle]] = {}
        # Per-operation: markets whose book changed / that traded.
        self.touched: set[str] = set()
        self.traded: set[str] = set()
        op.end_hooks.append(self.refresh)
        op.repairs.append(self.forget)

    # ------------------------------------------------------------------ writes

    def record_trade(self, m: Market, trade: Trade) -> None:
        """A trade happened: history, market statistics, candle (the caller has touched `m`)."""
        op = self.op
        op.record("trade", trade, self.trades)
        by_ticker = self.trades_by_ticker.setdefault(m.ticker, [])
        by_ticker.append(trade)
        op.undo(by_ticker.pop)
        q = self.vol24.setdefault(m.ticker, deque())
        q.append((trade.created_time, trade.count))
        op.undo(q.pop)
        m.last_price = trade.price  # (the caller, Trading._execute, has touched m)
        m.volume += trade.count
        m.dollar_volume += trade.price * trade.count
        m.volume_24h += trade.count
        self._candle_trade(m, trade.price, trade.count, op.now)
        self.touched.add(m.ticker)
        self.traded.add(m.ticker)

    def refresh(self) -> None:
        """End of an operation: statistics of the markets whose book changed."""
        if self.touched:
            for t in self.touched:
                self._refresh_stats(t)
            self.touched.clear()
            self.traded.clear()

    def forget(self, _cs) -> None:
        self.touched.clear()
        self.traded.clear()

    def _refresh_stats(self, ticker: str) -> None:
        """Best bid/ask and sizes after an operation; tell the ticker channel if they moved."""
        op = self.op
        m = self.catalog.markets[ticker]
        book = self.books(ticker)
        bids, asks = book.bids[0], book.asks[0]  # (sorted prices: Book.best_bid / best_ask)
        if bids:
            bid_p = bids[-1]
            bid_s = book.qty["bid"][bid_p]
        else:
            bid_p = bid_s = ZERO
        if asks:
            ask_p = asks[0]
            ask_s = book.qty["ask"][ask_p]
        else:
            ask_p, ask_s = ONE, ZERO
        now = op.now
        day = now // DAY_MS
        if m.previous_day != day:
            self.catalog.touch_stats(m)
            m.previous_day = day
            m.previous_yes_bid, m.previous_yes_ask = m.yes_bid, m.yes_ask
            m.previous_price = m.last_price
        changed = (
            bid_p != m.yes_bid
            or ask_p != m.yes_ask
            or bid_s != m.yes_bid_size
            or ask_s != m.yes_ask_size
        )
        if changed:
            quote_moved = bid_p != m.yes_bid or ask_p != m.yes_ask
            self.catalog.touch_stats(m)
            m.yes_bid, m.yes_ask, m.yes_bid_size, m.yes_ask_size = bid_p, ask_p, bid_s, ask_s
            if quote_moved:
                self._candle_quote(m, now)
        if op.events is not None and (changed or ticker in self.traded):
            op.emit(ev.TickerUpdate(copy(m), now))

    def roll_volume(self, m: Market) -> None:
        """Bring the time-based statistics (24 h volume, previous-day prices) up to now.

        A read-time refresh of derived figures (not journaled: restore recomputes them)."""
        now = self.op.time()
        day = now // DAY_MS
        if m.previous_day != day:
            m.previous_day = day
            m.previous_yes_bid, m.previous_yes_ask = m.yes_bid, m.yes_ask
            m.previous_price = m.last_price
        q = self.vol24.get(m.ticker)
        if not q:
            return
        floor = now - DAY_MS
        while q and q[0][0] <= floor:
            m.volume_24h -= q.popleft()[1]

    # ------------------------------------------------------------------ candles

    def _candle(self, m: Market, now: int) -> MinuteCandle:
        minute = now // 60_000 * 60
        bars = self.candles.get(m.ticker)
        if bars is None:
            bars = self.candles[m.ticker] = {}
            self.op.undo(self.candles.pop, m.ticker)
        c = bars.get(minute)
        if c is None:
            c = MinuteCandle(
                m.ticker,
                minute,
                open_interest=m.open_interest,
                bid_open=m.yes_bid,
                bid_high=m.yes_bid,
                bid_low=m.yes_bid,
                bid_close=m.yes_bid,
                ask_open=m.yes_ask,
                ask_high=m.yes_ask,
                ask_low=m.yes_ask,
                ask_close=m.yes_ask,
            )
            bars[minute] = c
            self.op.added("candle", c, bars)
        else:
            self.op.touch("candle", c, bars)
        return c

    def _candle_trade(self, m: Market, price: Decimal, q: Decimal, now: int) -> None:
        c = self._candle(m, now)
        if c.open is None:
            c.open = c.high = c.low = price
        else:
            c.high = max(c.high, price)  # type: ignore[type-var]
            c.low = min(c.low, price)  # type: ignore[type-var]
        c.close = price
        c.volume += q
        c.notional += price * q
        c.open_interest = m.open_interest

    def _candle_quote(self, m: Market, now: int) -> None:
        c = self._candle(m, now)
        c.bid_close, c.ask_close = m.yes_bid, m.yes_ask
        c.bid_high, c.bid_low = max(c.bid_high, m.yes_bid), min(c.bid_low, m.yes_bid)
        c.ask_high, c.ask_low = max(c.ask_high, m.yes_ask), min(c.ask_low, m.yes_ask)
        c.open_interest = m.open_interest

    # ------------------------------------------------------------------ reads

    def last_trade(self, ticker: str) -> Trade | None:
        """The market's most recent trade, if any."""
        trades = self.trades_by_ticker.get(ticker)
        return trades[-1] if trades else None

    def list_trades(
        self,
        ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        historical: bool = False,
    ) -> list[Trade]:
        """Public trades, newest first; live ones are those at or after the trades cutoff."""
        cut = self.op.meta.trades_created_ts
        src = self.trades_by_ticker.get(ticker, []) if ticker else self.trades
        out = []
        for t in reversed(src):
            if (t.created_time < cut) != historical:
                continue
            if within(t.created_time, min_ts, max_ts):
                out.append(t)
        return out

    def market_candlesticks(
        self,
        ticker: str,
        start_ts: int,
        end_ts: int,
        period_interval: int,
        include_latest_before_start: bool = False,
        historical: bool = False,
    ) -> list[Candlestick]:
        """Candles (epoch seconds) whose inclusive end lies in [start_ts, end_ts]."""
        m = self.catalog.markets.get(ticker)
        if m is None or self.catalog.is_historical_market(m) != historical:
            raise not_found("market")
        return build_candles(
            self.candles.get(m.ticker, {}),
            self.op.time(),
            m,
            start_ts,
            end_ts,
            period_interval,
            include_latest_before_start,
        )

    # ------------------------------------------------------------------ restore

    def restore(self, trades: list[Trade], candles: list[MinuteCandle]) -> None:
        for c in sorted(candles, key=lambda c: c.minute):
            self.candles.setdefault(c.ticker, {})[c.minute] = c
        floor = self.op.time() - DAY_MS
        for t in trades:
            self.trades.append(t)
            self.trades_by_ticker.setdefault(t.ticker, []).append(t)
            if t.created_time > floor:
                self.vol24.setdefault(t.ticker, deque()).append((t.created_time, t.count))
        for m in self.catalog.markets.values():
            m.volume_24h = sum((c for _, c in self.vol24.get(m.ticker, ())), ZERO)
