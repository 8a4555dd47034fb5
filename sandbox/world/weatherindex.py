"""A simulated city temperature index (Kalshi's minute-resolution series behind the hourly
temperature markets): pure functions of (seed, city, minute), like the CF Benchmarks indices.

Each member station reports the true temperature plus its own bias (`offset_c`) and noise; the
index is the weighted mean of the accepted readings with each station's published offset
removed, in Fahrenheit rounded to 0.01. A few minutes are `degraded` (a member missing) and a
few fail quorum (no point at all: a real gap). Offsets are re-estimated weekly after each
complete UTC week (the calibration timeline, which only appends); weights never change.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

MINUTE = 60_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY
LAUNCH = 1_793_577_600_000  # 2026-11-02T00:00:00Z, a Monday: the launch configuration
RECEIPT_DEADLINE = 2 * MINUTE  # trailing minutes still `incomplete` (detailed=true)
C_TO_F = 1.8


@dataclass(frozen=True)
class City:
    id: str
    name: str
    utc_offset_h: int
    mean_f: float  # typical daily mean at this time of year
    stations: tuple[tuple[str, float, float], ...]  # (station id, weight, launch offset °C)


CITIES = {
    "nyc": City(
        "nyc",
        "New York City",
        -5,
        47.0,
        (("KJFK1M", 0.25, -0.30), ("KLGA1M", 0.30, 0.40), ("KNYC1M", 0.45, 0.00)),
    )
}


@dataclass(frozen=True)
class Calibration:
    version: str
    effective_at: int
    published_at: int
    window: tuple[int, int] | None
    offsets: tuple[float, ...]  # °C, station order
    reason: str


def _u(*parts: object) -> float:
    """A uniform number in [0, 1) from a hash of the parts (stateless randomness)."""
    h = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64


def calibrations(seed: int, city: str, now: int) -> list[Calibration]:
    """The timeline up to `now`: launch, then one record per complete UTC week."""
    c = CITIES[city]
    offsets = tuple(o for _, _, o in c.stations)
    out = [Calibration(f"{city}-temperature-v1.0", LAUNCH, LAUNCH - DAY, None, offsets, "launch")]
    week = LAUNCH + WEEK
    while week + 6 * HOUR <= now:  # published six hours after the week closes
        offsets = tuple(
            round(o + (_u(seed, city, week, i) - 0.5) * 0.1, 3) for i, o in enumerate(offsets)
        )
        stamp = f"{week // 1000}"
        out.append(
            Calibration(
                f"{city}-temperature-v1.0-cal-{stamp}",
                week + 12 * HOUR,
                week + 6 * HOUR,
                (week - WEEK, week),
                offsets,
                "weekly offset calibration",
            )
        )
        week += WEEK
    return out


def _config(seed: int, city: str, t: int) -> Calibration:
    return _config_of_hour(seed, city, t - t % HOUR)


@lru_cache(maxsize=1024)
def _config_of_hour(seed: int, city: str, hour: int) -> Calibration:
    # The record in force during the hour (records take effect on the hour: launch at
    # midnight, calibrations at noon), computed once per hour instead of once per minute.
    # Before the launch (an exchange whose clock is set earlier) the launch offsets apply.
    records = calibrations(seed, city, hour + WEEK)
    in_force = [k for k in records if k.effective_at <= hour]
    return in_force[-1] if in_force else records[0]


def true_temp_f(seed: int, city: str, t: int) -> float:
    c = CITIES[city]
    local_h = ((t / HOUR) + c.utc_offset_h) % 24
    day = (t + c.utc_offset_h * HOUR) // DAY
    mean = c.mean_f + (_draw(seed, city, "day", day) - 0.5) * 14
    diurnal = 6.5 * math.cos(2 * math.pi * (local_h - 15) / 24)
    wobble = 0.6 * math.sin(2 * math.pi * t / (47 * MINUTE) + _draw(seed, city, "ph") * 6.28)
    return mean + diurnal + wobble


@lru_cache(maxsize=1024)
def _draw(*parts: object) -> float:
    """`_u` of the slowly changing parts (a day's mean, the wobble's phase), computed once."""
    return _u(*parts)


@dataclass(frozen=True)
class Point:
    t: int
    status: str  # normal | degraded
    value: Decimal  # °F, 0.01
    contributors: int
    version: str
    stations: tuple[dict, ...]


@lru_cache(maxsize=8192)
def point(seed: int, city: str, t: int) -> Point | None:
    """The published point of minute `t` (a multiple of 60 000), None if quorum failed."""
    c = CITIES[city]
    r = _u(seed, city, "q", t)
    if r < 0.003:
        return None
    cfg = _config(seed, city, t)
    missing = int(_u(seed, city, "m", t) * len(c.stations)) if r < 0.02 else -1
    truth = true_temp_f(seed, city, t)
    readings: list[dict[str, object]] = []
    num, den = 0.0, 0.0
    for i, (sid, weight, bias) in enumerate(c.stations):
        if i == missing:
            readings.append({"station_id": sid, "code": "missing"})
            continue
        raw = truth + bias * C_TO_F + (_u(seed, city, sid, t) - 0.5) * 0.4
        readings.append({"station_id": sid, "code": "ok", "source": "hf_asos", "temp_f": raw})
        num += weight * (raw - cfg.offsets[i] * C_TO_F)
        den += weight
    value = Decimal(f"{num / den:.2f}")
    status = "degraded" if missing >= 0 else "normal"
    return Point(t, status, value, len(c.stations) - (missing >= 0), cfg.version, tuple(readings))


def value_at(seed: int, city: str, t: int) -> Decimal:
    """The last published value at or before `t` (walks back over quorum gaps)."""
    m = t - t % MINUTE
    while (p := point(seed, city, m)) is None:
        m -= MINUTE
    return p.value
