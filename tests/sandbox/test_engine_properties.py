"""Property tests: random create/cancel/amend/decrease/netting sequences across three users keep the
books uncrossed, money conserved, fills paired, and positions equal to the sum of fills."""

from __future__ import annotations

import random
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine_helpers import D, make_exchange

from sandbox.engine import EngineError

USERS = ("alice", "bob", "carol")
TICKERS = ("TEST-1", "TEST-2")
PRICES = [f"0.{n}" for n in range(30, 71, 5)]
COUNTS = ["0.5", "1", "2", "3", "5", "10", "25"]

TIFS = ("good_till_canceled",) * 3 + ("immediate_or_cancel", "fill_or_kill")


def random_ops(rng: random.Random, n: int) -> list[tuple]:
    """A chaotic op sequence (hypothesis picks the seed; its own lists repeat values a lot)."""
    out = []
    for _ in range(n):
        kind = rng.choice(("create",) * 5 + ("cancel", "amend", "decrease", "tick", "netting"))
        if kind == "netting":  # netting off: opposite fills pair up instead of closing
            out.append(("netting", rng.choice(USERS), rng.random() < 0.4))
        elif kind == "create":
            out.append(
                (
                    "create",
                    rng.choice(USERS),
                    rng.choice(TICKERS),
                    rng.choice(("bid", "ask")),
                    rng.choice(PRICES),
                    rng.choice(COUNTS),
                    rng.choice(TIFS),
                    rng.choice(("taker_at_cross", "maker")),
                    rng.random() < 0.2,
                    rng.random() < 0.3,
                )
            )
        elif kind == "tick":
            out.append(("tick", rng.randint(1, 20_000)))
        else:
            out.append((kind, rng.randrange(10_000), rng.choice(PRICES), rng.choice(COUNTS)))
    return out


def check(ex, total):
    ex.check_invariants()
    assert ex.total_money() == total
    by_trade = defaultdict(list)
    for f in ex.fills:
        by_trade[f.trade_id].append(f)
    assert set(by_trade) == {t.trade_id for t in ex.trades}
    for fills in by_trade.values():
        taker, maker = sorted(fills, key=lambda f: not f.is_taker)
        assert len(fills) == 2 and taker.is_taker and not maker.is_taker
        assert taker.count == maker.count and taker.price == maker.price
        assert taker.side != maker.side and taker.user_id != maker.user_id
    net = defaultdict(lambda: D(0))
    for f in ex.fills:
        net[(f.user_id, f.ticker)] += f.count if f.side == "bid" else -f.count
    for (u, _s, t), p in ex.positions.items():
        if not p.settled:
            assert p.position == net[(u, t)], (u, t)
    for t in TICKERS:
        m = ex.markets[t]
        longs = sum(
            (max(p.position, D(0)) + p.paired for (u, s, tt), p in ex.positions.items() if tt == t),
            D(0),
        )
        if m.settlement_ts is None:
            assert m.open_interest == longs


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 2**32),
    st.integers(1, 120),
    st.sampled_from(
        ("quadratic", "quadratic_with_maker_fees", "quadratic_with_combo_maker_fees", "flat")
    ),
    st.sampled_from(("yes", "no", "scalar")),
)
def test_random_sequences_keep_the_invariants(seed, n, fee_type, result):
    seq = random_ops(random.Random(seed), n)
    ex, clock = make_exchange(fee_type=fee_type, tickers=TICKERS, balance="60")
    total = ex.total_money()
    for op in seq:
        try:
            if op[0] == "create":
                _, u, t, side, p, c, tif, stp, post, reduce = op
                ex.create_order(
                    u,
                    ticker=t,
                    side=side,
                    price=p,
                    count=c,
                    time_in_force=tif,
                    self_trade_prevention_type=stp,
                    post_only=post and tif == "good_till_canceled",
                    reduce_only=reduce and tif == "immediate_or_cancel",
                )
            elif op[0] == "netting":
                ex.set_netting(op[1], 0, op[2])
            elif op[0] == "tick":
                clock.advance(op[1])
            else:
                resting = [o for o in ex.orders.values() if o.status == "resting"]
                if not resting:
                    continue
                o = resting[op[1] % len(resting)]
                if op[0] == "cancel":
                    ex.cancel_order(o.user_id, o.order_id)
                elif op[0] == "amend":
                    total_count = o.fill_count + D(op[3])
                    ex.amend_order(
                        o.user_id,
                        o.order_id,
                        ticker=o.ticker,
                        side=o.side,
                        price=op[2],
                        count=total_count,
                    )
                else:
                    by = min(D(op[3]), o.remaining_count)
                    ex.decrease_order(o.user_id, o.order_id, reduce_by=by)
        except EngineError as e:
            assert e.status in (400, 404, 409)
        check(ex, total)
    for t in TICKERS:
        ex.determine_market(t, result, D("0.37") if result == "scalar" else None)
        ex.settle_market(t)
        check(ex, total)
    assert ex.escrow() == 0
    assert all(a.reserved == 0 for a in ex.accounts.values())


junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True),
    st.text(max_size=6),
    st.sampled_from(["0.5", "1e9", "NaN", "-0.01", "0.01", "Infinity"]),
)


@settings(max_examples=150, deadline=None)
@given(junk, junk, junk, junk, junk, junk, junk)
def test_bad_input_only_ever_raises_engine_errors(ticker, side, price, count, tif, stp, exp):
    ex, _ = make_exchange()
    calls = [
        lambda: ex.create_order(
            "alice",
            ticker=ticker if ticker else "TEST-1",
            side=side or "bid",
            price=price,
            count=count,
            time_in_force=tif or "good_till_canceled",
            self_trade_prevention_type=stp or "maker",
            expiration_time=exp,
        ),
        lambda: ex.create_order(
            "alice",
            ticker="TEST-1",
            side="bid",
            price="0.5",
            count="1",
            time_in_force="good_till_canceled",
            self_trade_prevention_type="maker",
            subaccount=exp,
            order_group_id=tif,
        ),
        lambda: ex.decrease_order("alice", "x", reduce_by=count),
        lambda: ex.create_order_group("alice", count),
        lambda: ex.market_candlesticks("TEST-1", price, count, exp),
        lambda: ex.list_markets(status=tif),
        lambda: ex.determine_market("TEST-1", side, price),
    ]
    for call in calls:
        try:
            call()
        except EngineError as e:
            assert 400 <= e.status < 500
    ex.check_invariants()
