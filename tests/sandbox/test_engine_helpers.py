"""Shared builders for the engine tests: a tiny exchange with one or two hand-made markets."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sandbox.engine import Event, Exchange, Market, PriceRange, Series
from sandbox.store import Journal

D = Decimal
T0 = 1_790_000_000_000  # a fixed epoch-ms start for the fake clock
LINEAR = (PriceRange(D("0"), D("1"), D("0.01")),)
TAPERED = (
    PriceRange(D("0"), D("0.1"), D("0.001")),
    PriceRange(D("0.1"), D("0.9"), D("0.01")),
    PriceRange(D("0.9"), D("1"), D("0.001")),
)


class FakeClock:
    def __init__(self, t: int = T0):
        self.t = t

    def __call__(self) -> int:
        return self.t

    def advance(self, ms: int) -> None:
        self.t += ms


def make_exchange(
    fee_type: str = "quadratic",
    multiplier: str = "1",
    grid=LINEAR,
    users=("alice", "bob", "carol"),
    balance: str = "1000",
    tickers=("TEST-1",),
    clock: FakeClock | None = None,
    data_dir: Path | None = None,
    exchange_index: int = 0,
) -> tuple[Exchange, FakeClock]:
    """A tiny exchange; journaled in `data_dir` if given, else in memory. `exchange_index`:
    the shard of the TEST series (so of its markets)."""
    clock = clock or FakeClock()
    if data_dir is not None:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
    journal = None if data_dir is None else Journal(Path(data_dir) / "exchange.db")
    ex = Exchange(seed=1, clock=clock, journal=journal)
    ex.add_series(
        Series(
            "TEST",
            "Test series",
            "Testing",
            "daily",
            fee_type=fee_type,
            fee_multiplier=D(multiplier),
            exchange_index=exchange_index,
        )
    )
    ex.create_event(Event("TEST-EV", "TEST", "Test event", "sub"))
    for t in tickers:
        ex.create_market(
            Market(
                ticker=t,
                event_ticker="TEST-EV",
                series_ticker="TEST",
                title=t,
                subtitle="",
                yes_sub_title="y",
                no_sub_title="n",
                open_time=T0 - 1000,
                close_time=T0 + 10**9,
                latest_expiration_time=T0 + 10**9,
                rules_primary="r",
                rules_secondary="r",
                price_level_structure="linear_cent",
                price_ranges=grid,
            )
        )
    for u in users:
        ex.add_user(u, D(balance))
    return ex, clock


def order(
    ex: Exchange,
    user: str,
    side: str,
    price: str,
    count: str,
    tif="good_till_canceled",
    stp="taker_at_cross",
    ticker="TEST-1",
    **kw,
):
    return ex.create_order(
        user,
        ticker=ticker,
        side=side,
        price=price,
        count=count,
        time_in_force=tif,
        self_trade_prevention_type=stp,
        **kw,
    )


def bal(ex: Exchange, user: str) -> Decimal:
    return ex.get_account(user).balance


def pos(ex: Exchange, user: str, ticker="TEST-1") -> Decimal:
    p = ex.positions.get((user, 0, ticker))
    return p.position if p else D(0)


def to_index(ex: Exchange, user: str, dollars: str, src: int = 0, dst: int = 1, sub: int = 0):
    """Move a user's cash between exchange indexes (combos trade on index 1's cash)."""
    ex.transfer_between_indexes(
        user,
        source="event_contract",
        destination="event_contract",
        amount=int(Decimal(dollars) * 10_000),
        source_index=src,
        destination_index=dst,
        source_subaccount=sub,
        destination_subaccount=sub,
    )
