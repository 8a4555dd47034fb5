"""Candlesticks aggregated from the stored 1-minute bars (periods of 1, 60 or 1440 minutes)."""

from __future__ import annotations

from bisect import bisect_left

from .errors import EngineError
from .models import OHLC, Candlestick, Market, MinuteCandle, PriceStats
from .money import ONE, ZERO

MAX_CANDLES = 5000


def build_candles(
    bars: dict[int, MinuteCandle],
    now: int,
    m: Market,
    start_ts: int,
    end_ts: int,
    period_interval: int,
    include_latest_before_start: bool,
) -> list[Candlestick]:
    """One candle per period whose inclusive end (epoch s, on the period grid) is in
    [start_ts, end_ts] and within the market's life; quiet periods carry bid/ask forward and
    have null trade prices."""
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start_ts, end_ts)):
        raise EngineError(400, "invalid_parameters", "start_ts and end_ts must be integers")
    if period_interval not in (1, 60, 1440):
        raise EngineError(400, "invalid_parameters", "period_interval must be 1, 60 or 1440")
    if start_ts > end_ts:
        raise EngineError(400, "invalid_parameters", "start_ts must not be after end_ts")
    span = period_interval * 60
    life_start = min(m.open_time, m.created_time or m.open_time) // 1000
    life_end = now // 1000
    if m.settlement_ts is not None:
        life_end = min(life_end, m.settlement_ts // 1000)
    first = max(-(-start_ts // span) * span, (life_start // span + 1) * span)
    last = min(end_ts // span * span, (life_end // span + 1) * span)
    if last < first:
        return []
    if (last - first) // span + 1 > MAX_CANDLES:
        raise EngineError(400, "invalid_parameters", f"more than {MAX_CANDLES} candlesticks")
    minutes = sorted(bars)
    i = bisect_left(minutes, first - span)
    # State carried in from before the first period.
    bid = ZERO
    ask = ONE
    oi = ZERO
    prev = None
    for k in range(i - 1, -1, -1):
        b = bars[minutes[k]]
        if k == i - 1:
            bid, ask, oi = b.bid_close, b.ask_close, b.open_interest
        if b.close is not None:
            prev = b.close
            break
    out: list[Candlestick] = []
    if include_latest_before_start and i > 0:
        out.append(
            Candlestick(
                first - span,
                OHLC(bid, bid, bid, bid),
                OHLC(ask, ask, ask, ask),
                PriceStats(None, None, None, None, None, prev),
                ZERO,
                oi,
            )
        )
    end = first
    n = len(minutes)
    while end <= last:
        group = []
        while i < n and minutes[i] < end:
            if minutes[i] >= end - span:
                group.append(bars[minutes[i]])
            i += 1
        if group:
            traded = [b for b in group if b.close is not None]
            volume = sum((b.volume for b in group), ZERO)
            if traded:
                notional = sum((b.notional for b in traded), ZERO)
                price = PriceStats(
                    traded[0].open,
                    min(b.low for b in traded if b.low is not None),  # set with close
                    max(b.high for b in traded if b.high is not None),
                    traded[-1].close,
                    (notional / volume).quantize(ONE / 10000) if volume else None,
                    prev,
                )
                prev = traded[-1].close
            else:
                price = PriceStats(None, None, None, None, None, prev)
            yes_bid = OHLC(
                group[0].bid_open,
                min(b.bid_low for b in group),
                max(b.bid_high for b in group),
                group[-1].bid_close,
            )
            yes_ask = OHLC(
                group[0].ask_open,
                min(b.ask_low for b in group),
                max(b.ask_high for b in group),
                group[-1].ask_close,
            )
            bid, ask, oi = group[-1].bid_close, group[-1].ask_close, group[-1].open_interest
            out.append(Candlestick(end, yes_bid, yes_ask, price, volume, oi))
        else:
            out.append(
                Candlestick(
                    end,
                    OHLC(bid, bid, bid, bid),
                    OHLC(ask, ask, ask, ask),
                    PriceStats(None, None, None, None, None, prev),
                    ZERO,
                    oi,
                )
            )
        end += span
    return out
