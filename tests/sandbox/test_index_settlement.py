"""The seeded KXBTC (hourly ranges) and KXHIGHNY (daily high) series settle from the simulated
indexes: every decided market of the seed agrees with the index (checked here from the index's
own points, the whole day), and played forward at high speed the open events close, are
determined at their expected expiration and pay every position to the cent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from sandbox.activity.rolling import RollingDesk
from sandbox.engine.exchange import Exchange
from sandbox.engine.models import ASK, BID, IOC, STP_TAKER
from sandbox.seed import index_settled
from sandbox.world import cfindex
from sandbox.world import weatherindex as wx

D = Decimal
T0 = 1_796_061_600_000 + 7 * 60_000  # 2026-11-30T18:07:00Z
SERIES = (index_settled.BTC, index_settled.HIGH)


class Clock:
    def __init__(self, t: int = T0):
        self.t = t

    def __call__(self) -> int:
        return self.t


def _expected(seed: int, m) -> str:
    """The result recomputed from the index without index_settled's shortcuts."""
    if m.series_ticker == index_settled.BTC:
        value = cfindex.average(seed, "BRTI", range(m.close_time - 59_000, m.close_time + 1, 1000))
    else:
        end = m.close_time + wx.MINUTE
        start = end - wx.DAY
        peak = max(index_settled._reading(seed, t) for t in range(start, end, wx.MINUTE))
        value = peak.quantize(D(1), rounding=ROUND_HALF_UP)
    lo, hi = m.floor_strike, m.cap_strike
    win = {
        "between": lambda: lo <= value <= hi,
        "less": lambda: value < hi,
        "greater": lambda: value > lo,
    }[m.strike_type]()
    return "yes" if win else "no"


@pytest.mark.parametrize("seed", [3, 11])
def test_every_decided_seeded_market_agrees_with_the_index(seed):
    clock = Clock()
    ex = Exchange.in_memory(seed=seed, clock=clock)
    markets = [m for m in ex.markets.values() if m.series_ticker in SERIES]
    # The hour just ended is closed, awaiting its expected expiration; then the desk decides it.
    closed = [m for m in markets if m.status == "closed"]
    assert closed and {m.series_ticker for m in closed} == {index_settled.BTC}
    clock.t = max(m.expected_expiration_time for m in closed)
    RollingDesk(ex, series=index_settled.SPECS).step(clock.t)
    decided = [m for m in markets if m.result]
    assert {m.series_ticker for m in decided} == set(SERIES)
    assert all(m.status == "determined" for m in closed)
    for m in decided:
        assert m.result == _expected(seed, m), m.ticker
    for e in {m.event_ticker for m in decided if m.series_ticker == index_settled.HIGH}:
        # the brackets of a day partition the whole degrees: exactly one wins
        assert sum(ex.markets[t].result == "yes" for t in ex.events[e].markets) == 1, e
    again = Exchange.in_memory(seed=seed, clock=Clock())
    RollingDesk(again, series=index_settled.SPECS).step(clock.t)
    assert [(m.ticker, m.result) for m in markets] == [
        (m.ticker, m.result) for m in again.markets.values() if m.series_ticker in SERIES
    ]


def test_open_events_settle_from_the_index_and_pay_to_the_cent():
    clock = Clock()
    ex = Exchange.in_memory(seed=5, clock=clock)
    desk = RollingDesk(ex, series=index_settled.SPECS)
    open_markets = [
        m for m in ex.markets.values() if m.series_ticker in SERIES and m.status == "active"
    ]
    assert {m.series_ticker for m in open_markets} == set(SERIES)
    for u in ("ann", "bob"):
        ex.add_user(u, D(5000))
    held: dict[tuple[str, str], Decimal] = {}
    for m in open_markets:  # ann buys YES, bob buys NO, each from the seeded maker's ladder
        for user, side in (("ann", BID), ("bob", ASK)):
            price = m.yes_ask if side == BID else m.yes_bid
            if not price or price in (D(0), D(1)):
                continue
            r = ex.create_order(
                user,
                ticker=m.ticker,
                side=side,
                price=price,
                count=D(3),
                time_in_force=IOC,
                self_trade_prevention_type=STP_TAKER,
            )
            if r.fill_count:
                held[user, m.ticker] = r.fill_count
    assert held, "the seeded ladders fill"
    before = {u: ex.get_account(u).balance for u in ("ann", "bob")}
    for m in sorted(open_markets, key=lambda m: m.close_time):  # high speed, market by market
        if m.status == "active":
            clock.t = m.close_time
            desk.step(clock.t)
            assert m.status == "closed" and not m.result  # decided at the expected expiration
        if m.status == "closed":
            clock.t = m.expected_expiration_time
            desk.step(clock.t)
            assert m.status == "determined"
            clock.t += m.settlement_timer_seconds * 1000
            desk.step(clock.t)
        assert m.status == "finalized", m.ticker
    for m in open_markets:
        assert m.result == _expected(5, m), m.ticker
    for user, wins_on in (("ann", "yes"), ("bob", "no")):
        paid = sum(
            (n for (u, t), n in held.items() if u == user and ex.markets[t].result == wins_on),
            D(0),
        )
        assert ex.get_account(user).balance - before[user] == paid, user
    ex.check_invariants()
