"""The hourly temperature series KXTEMPNYCH: "NYC temperature above X°F at HH:00 UTC?", one
event per hour, settled from the simulated city temperature index (`activity.weatherindex`):
the strike is the index at the hour's start rounded to a whole degree; YES if the index's
value for the closing minute is above it (the last published value when that minute failed
quorum).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

from sandbox.activity.rolling import Rolling
from sandbox.engine.models import Event, Market, PriceRange, Series
from sandbox.world import weatherindex as wx

SERIES = "KXTEMPNYCH"
CITY = "nyc"
LINEAR_CENT = (PriceRange(Decimal("0.00"), Decimal("1.00"), Decimal("0.01")),)
SOURCE = {"name": "Kalshi NYC temperature index", "url": "/trade-api/v2/live_data/weather/nyc"}


def series() -> Series:
    return Series(
        SERIES,
        "NYC temperature at the top of the hour",
        "Climate and Weather",
        "hourly",
        tags=["Weather", "Temperature"],
        categories=["Climate and Weather"],
        settlement_sources=[SOURCE],
        contract_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/TEMPH.pdf",
        contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/TEMPH.pdf",
        fee_type="quadratic",
        fee_multiplier=Decimal(1),
    )


def tickers(close_ms: int) -> tuple[str, str]:
    close = datetime.fromtimestamp(close_ms / 1000, UTC)
    event = f"{SERIES}-{close:%y%b%d%H}".upper()
    return event, f"{event}-ABOVE"


def create(ex, close_ms: int) -> str:
    open_ms = close_ms - wx.HOUR
    event_ticker, ticker = tickers(close_ms)
    strike = wx.value_at(ex.seed, CITY, open_ms).quantize(Decimal(1)) + Decimal("0.5")
    when = datetime.fromtimestamp(close_ms / 1000, UTC).strftime("%b %d, %H:00 UTC")
    ex.create_event(
        Event(
            event_ticker,
            SERIES,
            f"NYC temperature at {when}?",
            when,
            True,
            "MECNET",
            close_ms,
            None,  # a date strike, so no strike_period (spec: mutually exclusive)
            [SOURCE],
        )
    )
    ex.create_market(
        Market(
            ticker=ticker,
            event_ticker=event_ticker,
            series_ticker=SERIES,
            title=f"Will NYC's temperature be above {strike}°F at {when}?",
            subtitle=f"Above {strike}°F",
            yes_sub_title=f"Above {strike}°F",
            no_sub_title=f"{strike}°F or below",
            open_time=open_ms,
            close_time=close_ms,
            latest_expiration_time=close_ms + 7 * wx.DAY,
            expected_expiration_time=close_ms + 60_000,
            rules_primary=(
                f"If the Kalshi NYC temperature index for the minute of {when} is above "
                f"{strike}°F, then the market resolves to Yes."
            ),
            rules_secondary="The published index value settles; a minute without quorum "
            "falls back to the last published minute.",
            price_level_structure="linear_cent",
            price_ranges=LINEAR_CENT,
            status="initialized",
            strike_type="greater",
            floor_strike=strike,
            settlement_timer_seconds=60,
            created_time=open_ms,
            updated_time=open_ms,
        )
    )
    return ticker


def result(seed: int, m) -> str:
    return "yes" if wx.value_at(seed, CITY, m.close_time) > m.floor_strike else "no"


def fair(seed: int, m, now: int) -> float:
    v = float(wx.value_at(seed, CITY, now))
    left = max(m.close_time - now, 60_000) / wx.HOUR
    z = (v - float(m.floor_strike)) / (1.2 * math.sqrt(left))
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


ROLLING = Rolling(SERIES, wx.HOUR, series, tickers, create, result, fair)
