"""An event's forecast percentile history: the outcome distribution its markets' prices imply,
read at the end of every period.

The spec describes the operation only as "the historical raw and formatted forecast numbers for
an event at specific percentiles"; here the forecast is market-implied, from each market's last
traded YES price at the period's end:
- mutually exclusive brackets (`less` / `between` / `greater` strikes): the prices, normalized,
  are the probability of each bracket; a percentile is interpolated linearly inside its bracket
  (an open-ended bracket is given the width of its neighbour);
- a ladder of `greater` strikes (not mutually exclusive): price = P(outcome > strike), so the
  CDF at each strike is 1 - price, made monotone, interpolated between strikes.
Events whose markets have no numeric strike (games, decisions) have no forecast: an empty list.
A read over the trade history: no state of its own.
"""

from __future__ import annotations

import bisect
from decimal import Decimal
from functools import partial
from itertools import pairwise

from .errors import EngineError, not_found

MAX_POINTS = 5000


def _price_at(trades: list, t_ms: int) -> float | None:
    i = bisect.bisect_right(trades, t_ms, key=lambda tr: tr.created_time)
    return float(trades[i - 1].price) if i else None


def _brackets(markets, prices) -> list[tuple[float, float, float]]:
    """(low, high, probability) of each priced bracket, ascending, open ends closed."""
    rows = []
    for m, p in zip(markets, prices, strict=True):
        if p is None:
            continue
        lo = float(m.floor_strike) if m.floor_strike is not None else None
        hi = float(m.cap_strike) if m.cap_strike is not None else None
        rows.append((lo, hi, p))
    rows.sort(key=lambda r: (r[0] if r[0] is not None else float("-inf")))
    width = next((h - lo for lo, h, _ in rows if lo is not None and h is not None), 1.0)
    total = sum(p for _, _, p in rows) or 1.0
    out = []
    for lo, hi, p in rows:
        lo = hi - width if lo is None else lo
        hi = lo + width if hi is None else hi
        out.append((lo, hi, p / total))
    return out


def _from_brackets(rows, q: float) -> float:
    acc = 0.0
    for lo, hi, p in rows:
        if acc + p >= q and p > 0:
            return lo + (hi - lo) * (q - acc) / p
        acc += p
    return rows[-1][1]


def _from_ladder(points: list[tuple[float, float]], q: float) -> float:
    """points: (strike, CDF) ascending in strike, monotone."""
    if q <= points[0][1]:
        return points[0][0]
    for (k0, c0), (k1, c1) in pairwise(points):
        if q <= c1:
            return k0 if c1 == c0 else k0 + (k1 - k0) * (q - c0) / (c1 - c0)
    return points[-1][0]


def percentile_history(
    ex,
    series_ticker: str,
    event_ticker: str,
    percentiles: list[int],
    start_ts: int,
    end_ts: int,
    period_minutes: int,
) -> list[dict]:
    e = ex.events.get(event_ticker)
    if e is None or e.series_ticker != series_ticker:
        raise not_found("event")
    step = 5 if period_minutes == 0 else period_minutes * 60
    first = start_ts + (-start_ts) % step
    if end_ts < start_ts:
        raise EngineError(400, "invalid_parameters", "end_ts must not be before start_ts")
    if (end_ts - first) // step + 1 > MAX_POINTS:
        raise EngineError(400, "invalid_parameters", f"at most {MAX_POINTS} periods per request")
    markets = [
        m for t in e.markets if (m := ex.markets[t]).strike_type in ("less", "between", "greater")
    ]
    if not markets:
        return []
    trades = [ex.data.trades_by_ticker.get(m.ticker, []) for m in markets]
    ladder = not e.mutually_exclusive
    out = []
    for end in range(first, end_ts + 1, step):
        prices = [_price_at(tr, end * 1000) for tr in trades]
        if all(p is None for p in prices):
            continue
        if ladder:
            pts = sorted(
                (float(m.floor_strike), 1 - p)
                for m, p in zip(markets, prices, strict=True)
                if p is not None and m.floor_strike is not None
            )
            mono, best = [], 0.0
            for k, c in pts:
                best = max(best, c)
                mono.append((k, best))
            value = partial(_from_ladder, mono)
        else:
            value = partial(_from_brackets, _brackets(markets, prices))
        points = []
        for pct in percentiles:
            raw = value(pct / 10_000)
            num = float(Decimal(str(raw)).quantize(Decimal("0.01")))
            points.append(
                {
                    "percentile": pct,
                    "raw_numerical_forecast": raw,
                    "numerical_forecast": num,
                    "formatted_forecast": f"{num:,.2f}",
                }
            )
        out.append(
            {
                "event_ticker": event_ticker,
                "end_period_ts": end,
                "period_interval": period_minutes,
                "percentile_points": points,
            }
        )
    return out
