"""The seeded bracket series that settle from the simulated indexes, like the rolling ones:
KXBTC (hourly bitcoin price ranges, CF Benchmarks BRTI) and KXHIGHNY (NYC's daily high, the
city temperature index). The seed centres their brackets on the index and decides its past
events from it; the rolling desk (`Rolling.settle_only`) determines and settles the open ones
from the same functions when they close, so no market of these series settles at random.

Kalshi's rules: KXBTC resolves on the BRTI average of the sixty seconds before the hour (as the
15-minute series); KXHIGHNY on the day's highest temperature, a whole °F, over the local
standard-time day (NWS Climatological Report).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sandbox.activity.rolling import Rolling
from sandbox.world import cfindex
from sandbox.world import weatherindex as wx

BTC, HIGH = "KXBTC", "KXHIGHNY"
BTC_INDEX, CITY = "BRTI", "nyc"


def strike_result(m, value: Decimal) -> str:
    """yes | no for a market's strike (Kalshi's strike types) against the settlement value."""
    kind, floor, cap = m.strike_type, m.floor_strike, m.cap_strike
    if kind == "greater":
        win = value > floor
    elif kind == "greater_or_equal":
        win = value >= floor
    elif kind == "less":
        win = value < cap
    elif kind == "less_or_equal":
        win = value <= cap
    elif kind == "between":
        win = floor <= value <= cap
    else:
        raise ValueError(f"{m.ticker}: no index settlement for strike type {kind}")
    return "yes" if win else "no"


def btc_value(seed: int, close_ms: int) -> Decimal:
    """The BRTI average of the sixty seconds before `close_ms`."""
    return cfindex.quarter_close_average(seed, BTC_INDEX, close_ms)


def btc_result(seed: int, m) -> str:
    return strike_result(m, btc_value(seed, m.close_time))


def day_start(day_utc_ms: int) -> int:
    """Local midnight (standard time) of the calendar day starting at `day_utc_ms` (UTC 00:00)."""
    return day_utc_ms - wx.CITIES[CITY].utc_offset_h * wx.HOUR


def _reading(seed: int, t: int) -> Decimal:
    """The index's value of minute `t`; before the index launched (older seeded days), the
    true temperature it measures."""
    if t >= wx.LAUNCH:
        return wx.value_at(seed, CITY, t)
    return Decimal(f"{wx.true_temp_f(seed, CITY, t):.2f}")


# The index is the true temperature plus station noise (±0.2 °F) and calibration drift: its
# highest minute is among those where the truth is within this margin of the truth's peak, so
# only those minutes are read (about 10x fewer index points than the whole day). The truth's
# daily cycle peaks at 15:00 local and is below its mean outside 09:00-21:00, more than the
# margin plus the ±0.6 °F wobble under the peak: the search starts at 09:00.
MARGIN_F = 2.0
PEAK_WINDOW = (9 * wx.HOUR, 21 * wx.HOUR)


def daily_high(seed: int, start_ms: int) -> Decimal:
    """The day's high from the minute index, rounded to a whole degree (half up)."""
    minutes = range(start_ms + PEAK_WINDOW[0], start_ms + PEAK_WINDOW[1], wx.MINUTE)
    truth = [wx.true_temp_f(seed, CITY, t) for t in minutes]
    top = max(truth) - MARGIN_F
    peak = max(_reading(seed, t) for t, v in zip(minutes, truth, strict=True) if v >= top)
    return peak.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def high_result(seed: int, m) -> str:
    """The market closes at 23:59 local on its day (universe._weather)."""
    end = m.close_time + wx.MINUTE
    return strike_result(m, daily_high(seed, end - end % wx.MINUTE - wx.DAY))


SPECS = (Rolling.settle_only(BTC, btc_result), Rolling.settle_only(HIGH, high_result))
