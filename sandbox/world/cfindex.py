"""Simulated CF Benchmarks real-time indices (BRTI and friends): a pure function of (seed, index,
time), so every tick, average and settlement value can be recomputed at any time, after a
restart too, and tests can ask for any instant.

The path is a sum of slow and fast oscillations (minutes to a day) plus per-tick noise from a
hash: it wanders like a price without any state. Ticks fall on a 200 ms grid (the 5 Hz feed);
the per-second feed takes the tick at each whole second. Averages follow the AsyncAPI's
`cfbenchmarks_value` semantics (trailing 60 s of prior per-second ticks; the quarter-hour
final-minute window `(close - 60 s, close]`).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache

TICK_5HZ = 200
SECOND = 1000
MINUTE = 60 * SECOND
QUARTER = 15 * MINUTE
EIGHT = Decimal("0.00000001")

# index id -> (typical level, decimals CF publishes). The 5 Hz feed carries the first five.
INDICES: dict[str, tuple[float, int]] = {
    "BRTI": (95_000.0, 2),
    "ETHUSD_RTI": (3_400.0, 2),
    "SOLUSD_RTI": (180.0, 4),
    "XRPUSD_RTI": (2.4, 6),
    "DOGEUSD_RTI": (0.32, 6),
    "LTCUSD_RTI": (95.0, 4),
    "LINKUSD_RTI": (18.0, 4),
    "ADAUSD_RTI": (0.9, 6),
}
FIVE_HZ = ("BRTI", "ETHUSD_RTI", "SOLUSD_RTI", "XRPUSD_RTI", "DOGEUSD_RTI")
# (period ms, relative amplitude) of the oscillations.
WAVES = (
    (7 * MINUTE, 0.0006),
    (41 * MINUTE, 0.0018),
    (187 * MINUTE, 0.004),
    (19 * 60 * MINUTE, 0.01),
)
NOISE = 0.00004


@dataclass(frozen=True, slots=True)
class _Shape:
    level: float
    decimals: int
    phases: tuple[float, ...]
    key: bytes


@cache
def _shape(seed: int, index_id: str) -> _Shape:
    level, decimals = INDICES[index_id]
    rng = random.Random(f"{seed}:cf:{index_id}")
    return _Shape(
        level * rng.uniform(0.97, 1.03),
        decimals,
        tuple(rng.uniform(0, 2 * math.pi) for _ in WAVES),
        f"{seed}:{index_id}".encode(),
    )


def value(seed: int, index_id: str, t_ms: int) -> Decimal:
    """The index at the tick on or before `t_ms` (200 ms grid), at CF's precision."""
    return _tick(seed, index_id, t_ms - t_ms % TICK_5HZ)


@lru_cache(maxsize=4096)  # the per-second averages re-read the last minute's ticks
def _tick(seed: int, index_id: str, t: int) -> Decimal:
    s = _shape(seed, index_id)
    x = sum(
        a * math.sin(2 * math.pi * t / p + ph) for (p, a), ph in zip(WAVES, s.phases, strict=True)
    )
    h = hashlib.blake2b(s.key + t.to_bytes(8, "big", signed=True), digest_size=8).digest()
    x += NOISE * (int.from_bytes(h, "big") / 2**64 - 0.5) * 2
    return Decimal(f"{s.level * (1 + x):.{s.decimals}f}")


def average(seed: int, index_id: str, times: range) -> Decimal:
    """Mean of the ticks at `times`, 8 decimals."""
    vals = [value(seed, index_id, t) for t in times]
    return (sum(vals, Decimal(0)) / len(vals)).quantize(EIGHT)


def quarter_close_average(seed: int, index_id: str, close_ms: int) -> Decimal:
    """The 60 per-second ticks of `(close - 60 s, close]`: what a 15-minute market settles on."""
    return average(seed, index_id, range(close_ms - MINUTE + SECOND, close_ms + 1, SECOND))


def frame(index_id: str, t_ms: int, v: Decimal) -> str:
    """The raw upstream frame, as CF sends it (a JSON string inside the message)."""
    return json.dumps(
        {"type": "value", "id": index_id, "time": t_ms, "value": str(v)}, separators=(",", ":")
    )


def avg_block(seed: int, index_id: str, start: int, end_excl: int, current: Decimal) -> dict:
    ticks = range(start + (-start) % SECOND, end_excl, SECOND)
    vals = [value(seed, index_id, t) for t in ticks]
    avg = (sum(vals, Decimal(0)) / len(vals)).quantize(EIGHT) if vals else current.quantize(EIGHT)
    return {
        "value": str(avg),
        "window_size": len(vals),
        "window_start_ts_ms": start,
        "window_end_ts_exclusive": end_excl,
    }


def per_second_msg(seed: int, index_id: str, t_ms: int, received_at: int) -> dict:
    """`cfbenchmarks_value` body of the tick at whole second `t_ms`."""
    v = value(seed, index_id, t_ms)
    msg = {
        "index_id": index_id,
        "received_at": received_at,
        "data": frame(index_id, t_ms, v),
        "avg_60s_data": avg_block(seed, index_id, t_ms - MINUTE, t_ms, v),
    }
    close = t_ms - t_ms % QUARTER + (QUARTER if t_ms % QUARTER else 0)
    if close - t_ms < MINUTE:  # the final minute before :00/:15/:30/:45 (the close included)
        msg["last_60s_windowed_average_15min"] = avg_block(
            seed, index_id, close - MINUTE + 1, t_ms + 1, v
        )
    return msg


def five_hz_msg(seed: int, index_id: str, t_ms: int, received_at: int) -> dict:
    v = value(seed, index_id, t_ms)
    return {
        "index_id": index_id,
        "value_usd": str(v.quantize(EIGHT)),
        "source_ts_ms": t_ms,
        "received_at": received_at,
        "data": frame(index_id, t_ms, v),
    }
