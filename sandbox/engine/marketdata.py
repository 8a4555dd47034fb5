"""Market data: the aggregated book, market statistics, public trades and candle bars."""

from __future__ import annotations

from copy import copy
from decimal import Decimal

from . import events as ev
from .common import (
    DAY_MS,
    within,
)
from .errors import not_found
from .models import (
    Candlestick,
    Market,
    MinuteCandle,
    Trade,
)
from .money import ONE, ZERO


class MarketDataMixin:
    """Part of `Exchange` (state and plumbing live there)."""

    # ------------------------------------------------------------------ market data

    def book(self, ticker: str, depth: int = 0):
        """(yes, no) aggregated (price, count) levels, ascending; depth>0 keeps the best N."""
        self._expire_reads()
        m = self.markets.get(ticker)
        if m is None or self.is_historical_market(m):
            raise not_found("market")
        yes, no = self.books[ticker].levels()
        if depth and depth > 0:
            yes, no = yes[-depth:], no[-depth:]
        return yes, no

    def _refresh_stats(self, ticker: str) -> None:
        """Best bid/ask and sizes after an operation; tell the ticker channel if they moved."""
        m = self.markets[ticker]
        book = self.books[ticker]
        bid = book.best_bid()
        ask = book.best_ask()
        bid_p = bid if bid is not None else ZERO
        ask_p = ask if ask is not None else ONE
        bid_s = book.qty["bid"][bid] if bid is not None else ZERO
        ask_s = book.qty["ask"][ask] if ask is not None else ZERO
        now = self._now
        day = now // DAY_MS
        if m.previous_day != day:
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
            m.yes_bid, m.yes_ask, m.yes_bid_size, m.yes_ask_size = bid_p, ask_p, bid_s, ask_s
            self._mark("market", ticker, m)
            if quote_moved:
                self._candle_quote(m, now)
        if self._events is not None and (changed or ticker in self._traded):
            self._emit(ev.TickerUpdate(copy(m), now))

    def _roll_volume(self, m: Market) -> None:
        """Bring the time-based statistics (24 h volume, previous-day prices) up to now."""
        day = self.now() // DAY_MS
        if m.previous_day != day:
            m.previous_day = day
            m.previous_yes_bid, m.previous_yes_ask = m.yes_bid, m.yes_ask
            m.previous_price = m.last_price
        q = self._vol24.get(m.ticker)
        if not q:
            return
        floor = self.now() - DAY_MS
        while q and q[0][0] <= floor:
            m.volume_24h -= q.popleft()[1]

    def last_trade(self, ticker: str) -> Trade | None:
        """The market's most recent trade, if any."""
        trades = self._trades_by_ticker.get(ticker)
        return trades[-1] if trades else None

    def list_trades(
        self,
        ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        historical: bool = False,
    ) -> list[Trade]:
        """Public trades, newest first; live ones are those at or after the trades cutoff."""
        cut = self.cutoff.trades_created_ts
        src = self._trades_by_ticker.get(ticker, []) if ticker else self.trades
        out = []
        for t in reversed(src):
            if (t.created_time < cut) != historical:
                continue
            if within(t.created_time, min_ts, max_ts):
                out.append(t)
        return out

    # ------------------------------------------------------------------ candles

    def _candle(self, m: Market, now: int) -> MinuteCandle:
        minute = now // 60_000 * 60
        bars = self.candles.setdefault(m.ticker, {})
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
        if self._track:
            self.dirty_candles[(m.ticker, minute)] = c
        return c

    def _candle_trade(self, m: Market, price: Decimal, q: Decimal, now: int) -> None:
        c = self._candle(m, now)
        if c.open is None:
            c.open = c.high = c.low = price
        else:
            c.high = max(c.high, price)
            c.low = min(c.low, price)
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
        m = self.markets.get(ticker)
        if m is None or self.is_historical_market(m) != historical:
            raise not_found("market")
        from .candles import build_candles

        return build_candles(
            self, m, start_ts, end_ts, period_interval, include_latest_before_start
        )

    def event_candlesticks(
        self, event_ticker: str, start_ts: int, end_ts: int, period_interval: int
    ) -> tuple[list[str], list[list[Candlestick]]]:
        """Per-market candles of an event's live markets."""
        from .candles import build_candles

        ms = self.event_markets(event_ticker)
        return (
            [m.ticker for m in ms],
            [build_candles(self, m, start_ts, end_ts, period_interval, False) for m in ms],
        )
