"""Seeded multivariate collections: a sports parlay collection (NFL and NBA games) and a
cross-category one (weather, bitcoin, the Fed, football, gas). Combo markets themselves are
created on demand (`POST /multivariate_event_collections/{ticker}`), as on Kalshi."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sandbox.engine.models import Collection, PriceRange, Series

if TYPE_CHECKING:
    from sandbox.seed.universe import _Builder

D = Decimal
DAY = 86_400_000
# center_deci_edge_centi_cent: every combo's grid (Kalshi price levels, Aug 27, 2026).
COMBO_GRID = (
    PriceRange(D("0.0000"), D("0.0100"), D("0.0001")),
    PriceRange(D("0.0100"), D("0.9900"), D("0.0010")),
    PriceRange(D("0.9900"), D("1.0000"), D("0.0001")),
)
SPORTS, CROSS = "KXMVESPORTSPARLAY", "KXMVECROSSCATEGORY"


def _combo_series(ticker: str, title: str, category: str) -> Series:
    return Series(
        ticker,
        title,
        category,
        "custom",
        categories=[category],
        fee_type="quadratic_with_combo_maker_fees",
        fee_multiplier=D(1),
        # Combos live on exchange index 1, where Kalshi moved them in August 2026
        # (docs.kalshi.com/getting_started/exchange_sharding).
        exchange_index=1,
    )


def seed_collections(b: _Builder) -> None:
    """The two collections, over the events that are open now."""
    ex = b.ex
    now = b.now

    def open_events(series: str) -> list[str]:
        return [
            e.event_ticker
            for e in ex.list_events(series_ticker=series)
            if any(ex.markets[t].status == "active" for t in e.markets)
        ]

    ex.add_series(_combo_series(SPORTS, "Sports parlays", "Sports"))
    ex.add_series(_combo_series(CROSS, "Cross-category combos", "Multivariate"))
    sports = open_events("KXNFLGAME") + open_events("KXNBAGAME")
    cross = [
        *open_events("KXHIGHNY")[-1:],
        *open_events("KXBTC")[-1:],
        *open_events("KXFEDDECISION"),
        *open_events("KXNFLGAME"),
        *open_events("KXGASD"),
    ]
    for ticker, series, title, events, size_max, what in (
        (SPORTS, SPORTS, "Sports parlay", sports, 3, "every selected team wins"),
        (CROSS, CROSS, "Cross-category combo", cross, 4, "every selected outcome happens"),
    ):
        ex.add_collection(
            Collection(
                collection_ticker=ticker,
                series_ticker=series,
                title=title,
                description=f"Combine one market from each of up to {size_max} events.",
                open_date=now - DAY,
                close_date=now + 30 * DAY,
                associated_events=[
                    {"ticker": e, "is_yes_only": False, "size_min": None, "size_max": 1}
                    for e in events
                ],
                size_min=2,
                size_max=size_max,
                price_ranges=COMBO_GRID,
                functional_description=f"Resolves Yes if {what}; one market per event; the "
                "order of the legs does not matter.",
            )
        )
