"""The 15-minute crypto series: "Bitcoin up or down in 15 minutes?", one event per quarter hour,
settled from the simulated CF Benchmarks BRTI (`sandbox.world.cfindex`).

Kalshi's 15-minute crypto markets settle on the average of the index over the final 60 seconds
of the window, against the same average at the window's start (the "price to beat"); the
AsyncAPI's `last_60s_windowed_average_15min` is exactly that final-minute average.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

from sandbox.activity.rolling import Rolling
from sandbox.engine.models import Event, Market, PriceRange, Series
from sandbox.world import cfindex

SERIES = "KXBTC15M"
INDEX = "BRTI"
LINEAR_CENT = (PriceRange(Decimal("0.00"), Decimal("1.00"), Decimal("0.01")),)
SETTLEMENT_SECONDS = 60


def series() -> Series:
    return Series(
        SERIES,
        "Bitcoin price up or down in 15 minutes",
        "Crypto",
        "fifteen_min",
        tags=["BTC", "Crypto prices"],
        categories=["Crypto"],
        settlement_sources=[
            {"name": "CF Benchmarks", "url": "https://www.cfbenchmarks.com/data/indices/BRTI"}
        ],
        contract_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/BTC15M.pdf",
        contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/BTC15M.pdf",
        fee_type="quadratic",
        fee_multiplier=Decimal(1),
    )


def tickers(close_ms: int) -> tuple[str, str]:
    """(event ticker, market ticker) of the quarter closing at `close_ms`."""
    close = datetime.fromtimestamp(close_ms / 1000, UTC)
    event = f"{SERIES}-{close:%y%b%d%H%M}".upper()
    return event, f"{event}-UP"


def create_quarter(ex, close_ms: int) -> str:
    """The event and market of one quarter (status initialized); its market ticker."""
    open_ms = close_ms - cfindex.QUARTER
    event_ticker, ticker = tickers(close_ms)
    strike = cfindex.quarter_close_average(ex.seed, INDEX, open_ms).quantize(Decimal("0.01"))
    when = datetime.fromtimestamp(close_ms / 1000, UTC).strftime("%b %d, %H:%M UTC")
    ex.create_event(
        Event(
            event_ticker,
            SERIES,
            f"Bitcoin price up or down by {when}?",
            f"15 minutes to {when}",
            True,
            "MECNET",
            close_ms,
            None,  # a date strike, so no strike_period (spec: mutually exclusive)
            list(series().settlement_sources),
        )
    )
    ex.create_market(
        Market(
            ticker=ticker,
            event_ticker=event_ticker,
            series_ticker=SERIES,
            title=f"BTC price up in the 15 minutes to {when}?",
            subtitle=f"Price to beat: ${strike:,}",
            yes_sub_title=f"Above ${strike:,}",
            no_sub_title=f"${strike:,} or below",
            open_time=open_ms,
            close_time=close_ms,
            latest_expiration_time=close_ms + 7 * 86_400_000,
            expected_expiration_time=close_ms + SETTLEMENT_SECONDS * 1000,
            rules_primary=(
                f"If the simple average of the sixty seconds of CF Benchmarks' Bitcoin Real-Time "
                f"Index (BRTI) before {when} is above ${strike:,} (the same average before the "
                "window opened), then the market resolves to Yes."
            ),
            rules_secondary="Outcome verified from CF Benchmarks.",
            price_level_structure="linear_cent",
            price_ranges=LINEAR_CENT,
            status="initialized",
            strike_type="greater",
            floor_strike=strike,
            settlement_timer_seconds=SETTLEMENT_SECONDS,
            created_time=open_ms,
            updated_time=open_ms,
        )
    )
    return ticker


def result(seed: int, m) -> str:
    """yes if the final-minute average of the quarter beats the price to beat."""
    final = cfindex.quarter_close_average(seed, INDEX, m.close_time)
    return "yes" if final > m.floor_strike else "no"


def fair(seed: int, m, now: int) -> float:
    """Chance the final average ends above the strike: the distance now against the remaining
    time (a normal approximation with the index's short-term volatility)."""
    v = float(cfindex.value(seed, INDEX, now))
    left = max(m.close_time - now, 1_000) / cfindex.QUARTER
    z = (v - float(m.floor_strike)) / (v * 0.0012 * math.sqrt(left))
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


ROLLING = Rolling(SERIES, cfindex.QUARTER, series, tickers, create_quarter, result, fair)
