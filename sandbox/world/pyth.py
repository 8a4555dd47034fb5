"""Simulated Pyth values for the `pyth_value` channel's underlyings (the AsyncAPI's reference
table: metals, commodity indices, an equity index, FX pairs, Treasury yields): a pure function of
(seed, symbol, time), like the CF Benchmarks indices, so any instant can be recomputed.

Only users the control plane granted the feed receive them (`python -m sandbox ctl feed USER
pyth_value on`); live Kalshi sells the feed for $1,000/month.
"""

from __future__ import annotations

import hashlib
import math
import random
from decimal import Decimal
from functools import cache

SECOND = 1000
EIGHT = Decimal("0.00000001")

# symbol -> typical level in its quoted units (Treasury yields in percent).
SYMBOLS: dict[str, float] = {
    "Metal.XAG/USD": 31.0,
    "Metal.XAU/USD": 2650.0,
    "Metal.XPD/USD": 980.0,
    "Metal.XPT/USD": 940.0,
    "Metal.Index.GOLD/USD": 2650.0,
    "Metal.Index.1OZGOLD/USD": 2655.0,
    "Metal.Index.SILVER/USD": 31.0,
    "Commodities.Index.PYTHOIL/USD": 72.0,
    "Commodities.Index.WTI1M/USD": 70.0,
    "Commodities.Index.BRENT/USD": 74.0,
    "Commodities.Index.NATGAS/USD": 3.2,
    "Commodities.Index.CU/USD": 4.3,
    "Commodities.Index.COPPER/USD": 4.3,
    "Equity.Index.US30/USD": 44_000.0,
    "InterestRate.US2Y": 4.15,
    "InterestRate.US5Y": 4.10,
    "InterestRate.US10Y": 4.30,
    "InterestRate.US30Y": 4.50,
    "FX.EUR/USD": 1.05,
    "FX.GBP/USD": 1.27,
    "FX.AUD/USD": 0.65,
    "FX.NZD/USD": 0.59,
    "FX.USD/JPY": 152.0,
    "FX.USD/CAD": 1.40,
    "FX.USD/CHF": 0.88,
    "FX.USD/NOK": 11.0,
    "FX.USD/SEK": 10.9,
    "FX.USD/MXN": 20.3,
    "FX.USD/INR": 84.4,
    "FX.USD/BRL": 5.9,
}
WAVES = ((11 * 60_000, 0.0004), (97 * 60_000, 0.0015), (23 * 3_600_000, 0.006))
NOISE = 0.00003


@cache
def _shape(seed: int, symbol: str) -> tuple[float, tuple[float, ...], bytes]:
    rng = random.Random(f"{seed}:pyth:{symbol}")
    phases = tuple(rng.uniform(0, 2 * math.pi) for _ in WAVES)
    return SYMBOLS[symbol] * rng.uniform(0.98, 1.02), phases, f"{seed}:{symbol}".encode()


def value(seed: int, symbol: str, t_ms: int) -> Decimal:
    """The symbol's value at the whole second on or before `t_ms`, 8 decimals."""
    t = t_ms - t_ms % SECOND
    level, phases, key = _shape(seed, symbol)
    x = sum(
        a * math.sin(2 * math.pi * t / p + ph) for (p, a), ph in zip(WAVES, phases, strict=True)
    )
    h = hashlib.blake2b(key + t.to_bytes(8, "big", signed=True), digest_size=8).digest()
    x += NOISE * (int.from_bytes(h, "big") / 2**64 - 0.5) * 2
    return Decimal(f"{level * (1 + x):.8f}")


def msg(seed: int, symbol: str, t_ms: int, received_at: int) -> dict:
    """The `pyth_value` body of the update at whole second `t_ms`."""
    return {
        "underlying_ticker": symbol,
        "value_usd": str(value(seed, symbol, t_ms)),
        "source_ts_ms": t_ms,
        "received_at": received_at,
    }
