"""A tiny exchange for RFQ batch tests: three legs on three events, a 2-leg collection, and the
round robin of its three parlays (AB, AC, BC) as combo markets."""

from __future__ import annotations

from test_engine_helpers import LINEAR, T0, FakeClock, make_exchange

from sandbox.engine import Event, Exchange, Market, Series
from sandbox.engine.models import Collection

LEGS = (("TEST-EV", "TEST-1"), ("TEST-EV2", "TEST-3"), ("TEST-EV3", "TEST-4"))
COLLECTION = "KXMVET"


def leg(i: int, side: str = "yes") -> dict:
    event, market = LEGS[i]
    return {"event_ticker": event, "market_ticker": market, "side": side}


def round_robin() -> list[list[dict]]:
    """Every 2-leg parlay of the three legs."""
    return [[leg(0), leg(1)], [leg(0), leg(2)], [leg(1), leg(2)]]


def add_collection(ex: Exchange) -> None:
    for event, market in LEGS[1:]:
        ex.create_event(Event(event, "TEST", event, "sub"))
        ex.create_market(
            Market(
                ticker=market, event_ticker=event, series_ticker="TEST", title=market,
                subtitle="", yes_sub_title="y", no_sub_title="n", open_time=T0 - 1000,
                close_time=T0 + 10**9, latest_expiration_time=T0 + 10**9, rules_primary="r",
                rules_secondary="r", price_level_structure="linear_cent", price_ranges=LINEAR,
            )
        )  # fmt: skip
    ex.add_series(
        Series(
            COLLECTION, "Combos", "Testing", "custom", fee_type="quadratic_with_combo_maker_fees"
        )
    )
    events = [{"ticker": e, "is_yes_only": False, "size_max": 1} for e, _ in LEGS]
    ex.add_collection(
        Collection(
            COLLECTION, COLLECTION, "Combo", "d", T0 - 1000, T0 + 10**9, events, 2, 2, LINEAR
        )
    )


def batch_exchange(
    data_dir=None, users=("alice", "bob", "carol", "dave")
) -> tuple[Exchange, FakeClock]:
    ex, clock = make_exchange(
        fee_type="quadratic_with_maker_fees", tickers=("TEST-1", "TEST-2"), users=users,
        data_dir=data_dir,
    )  # fmt: skip
    add_collection(ex)
    return ex, clock


def children() -> list[dict]:
    return [{"selected_markets": legs} for legs in round_robin()]
