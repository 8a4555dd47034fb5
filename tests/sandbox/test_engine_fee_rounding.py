"""Kalshi's fee rounding (docs.kalshi.com/getting_started/fee_rounding): trade fee up to $0.0001,
a rounding fee back to the member's balance precision, whole-cent rebates per order; the maker
multipliers of the fee types; direct members at $0.0001."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import ROUND_CEILING, ROUND_FLOOR

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine_helpers import TAPERED, D, bal, make_exchange, order

from sandbox.engine import EngineError, fees
from sandbox.engine.models import Order

CENT, CENTICENT = D("0.01"), D("0.0001")


def up(x, q=CENTICENT):
    return x.quantize(q, rounding=ROUND_CEILING)


def floor(x, q):
    return x.quantize(q, rounding=ROUND_FLOOR)


def test_one_subpenny_fill_leaves_a_whole_cent_balance():
    # The case: 1 YES at $0.028 on a tapered market left $996.2020 and fee_cost 0.0100.
    ex, _ = make_exchange(grid=TAPERED)
    order(ex, "alice", "ask", "0.028", "1")
    r = order(ex, "bob", "bid", "0.028", "1")
    f = r.fills[0]
    # trade fee: 0.07 x 0.028 x 0.972 = 0.00190512 -> 0.0020; -0.028 - 0.0020 = -0.0300
    assert (f.trade_fee, f.rounding_fee, f.rebate, f.fee_cost) == (
        D("0.0020"),
        D("0"),
        D("0"),
        D("0.0020"),
    )
    assert bal(ex, "bob") == D("999.97")
    # The seller bought NO at 0.972 (a maker, no fee): -0.972 floors to -0.98.
    s = ex.list_fills("alice")[0]
    assert (s.trade_fee, s.rounding_fee) == (D("0"), D("0.008"))
    assert bal(ex, "alice") == D("999.02")


def test_three_one_lot_fills_match_the_docs_worked_example():
    # "buy 3 contracts at $0.055 (three 1-lot matches)": each fill pays a trade fee of
    # the running total's trade fee (0.07 x 0.055 x 0.945 = 0.00363825 per contract, up to
    # $0.0001) minus what the order paid so far, and a rounding fee.
    ex, _ = make_exchange(grid=TAPERED)
    for _ in range(3):
        order(ex, "alice", "ask", "0.055", "1")
    r = order(ex, "bob", "bid", "0.055", "3")
    assert [f.trade_fee for f in r.fills] == [D("0.0037"), D("0.0036"), D("0.0037")]
    assert all(f.trade_fee + f.rounding_fee - f.rebate == f.fee_cost for f in r.fills)
    assert bal(ex, "bob") == D("1000") - D("0.18")  # 3 x -0.06: cent-aligned every time
    # One 3-lot fill would pay -0.165 - 0.0110 -> -0.18 as well.
    assert sum(f.fee_cost for f in r.fills) == D("0.015")


def test_rebates_return_overpaid_rounding_in_whole_cents():
    ex, _ = make_exchange(grid=TAPERED)  # quadratic: makers pay no trade fee
    for _ in range(4):
        order(ex, "alice", "bid", "0.051", "1")
    r = order(ex, "bob", "ask", "0.051", "4")  # bob sells: alice's resting bid is the maker
    assert len(r.fills) == 4
    maker = [f for f in ex.list_fills("alice")]
    # Four separate orders each pay a 0.009 rounding fee (0.051 -> 0.06) and no rebate.
    assert all(f.rounding_fee == D("0.009") and f.rebate == 0 for f in maker)
    # One order resting 4 x 1 accumulates: 0.009, 0.018 -> rebate 0.01, ...
    ex, _ = make_exchange(grid=TAPERED)
    order(ex, "alice", "bid", "0.051", "4")
    for _ in range(4):
        order(ex, "bob", "ask", "0.051", "1")
    fills = [f for f in ex.fills if f.user_id == "alice"]
    assert sum(f.rebate for f in fills) == D("0.03")
    assert sum(f.fee_cost for f in fills) == D("0.006")  # 4 x 0.051 = 0.204 -> pays 0.21
    acct = ex.get_account("alice")
    assert acct.balance == D("1000") - D("0.21") and acct.reserved == 0


def test_direct_members_keep_centicents():
    ex, _ = make_exchange(grid=TAPERED)
    ex.add_user("dan", D("1000.0001"), member_type="direct")
    order(ex, "alice", "ask", "0.028", "1")
    order(ex, "dan", "bid", "0.028", "1")
    assert bal(ex, "dan") == D("1000.0001") - D("0.028") - D("0.0020")
    with pytest.raises(EngineError):  # a regular member's balance is whole cents
        ex.add_user("erin", D("10.001"))
    with pytest.raises(EngineError):
        ex.add_user("fay", D("10"), member_type="gold")


@pytest.mark.parametrize(
    ("fee_type", "maker_fee"),
    [
        ("quadratic", "0"),
        ("quadratic_with_maker_fees", "0.4375"),  # 0.07 x 0.25 x 100 x 0.25
        ("quadratic_with_combo_maker_fees", "0.875"),  # the spec's 0.5 maker multiplier
    ],
)
def test_maker_multiplier_by_fee_type(fee_type, maker_fee):
    ex, _ = make_exchange(fee_type=fee_type)
    order(ex, "alice", "ask", "0.50", "100")
    order(ex, "bob", "bid", "0.50", "100")
    maker = ex.list_fills("alice")[0]
    assert maker.trade_fee == D(maker_fee)
    assert maker.fee_cost == up(D(maker_fee), CENT)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(0, 2**32),
    st.sampled_from(("quadratic", "quadratic_with_maker_fees", "quadratic_with_combo_maker_fees")),
    st.sampled_from(("regular", "direct")),
)
def test_random_fill_sequences_round_like_one_fill(seed, fee_type, member):
    """Random fills of one order: balances stay on the precision, net fees are never
    negative, and the order's total fee is the single equivalent fill's within $0.01."""
    rng = random.Random(seed)
    ex, _ = make_exchange(fee_type=fee_type, grid=TAPERED, users=("alice",))
    ex.add_user("bob", D("1000"), member_type=member)
    prec = CENTICENT if member == "direct" else CENT
    price = rng.choice(["0.003", "0.028", "0.055", "0.42", "0.5", "0.917", "0.999"])
    side = rng.choice(("bid", "ask"))
    other = "ask" if side == "bid" else "bid"
    sizes = [D(rng.choice(["0.01", "0.07", "0.33", "1", "1.5", "2"])) for _ in range(8)]
    total = sum(sizes)
    taker = rng.random() < 0.5
    money = ex.total_money()
    if taker:
        for c in sizes:
            order(ex, "alice", other, price, str(c))
        o = order(ex, "bob", side, price, str(total)).order
    else:
        o = order(ex, "bob", side, price, str(total)).order
        for c in sizes:
            order(ex, "alice", other, price, str(c))
            ex.check_invariants()
    ex.check_invariants()
    assert ex.total_money() == money
    fills = [f for f in ex.fills if f.order_id == o.order_id]  # in time order
    assert sum(f.count for f in fills) == total and o.status == "executed"
    net = D(0)
    for f in fills:
        assert f.fee_cost == f.trade_fee + f.rounding_fee - f.rebate
        assert f.rebate % CENT == 0 and 0 <= f.rounding_fee < prec
        net += f.fee_cost
        assert net >= 0  # the order's net fee so far
    acct = ex.get_account("bob")
    assert acct.balance % prec == 0 and acct.reserved == 0
    # The single equivalent fill, computed independently.
    p = D(price)
    rate = {"quadratic": D("0.07"), "quadratic_with_maker_fees": D("0.0175")}.get(
        fee_type, D("0.035")
    )
    if taker:
        rate = D("0.07")
    elif fee_type == "quadratic":
        rate = D(0)
    one_fee = up(rate * total * p * (1 - p))
    assert sum(f.trade_fee for f in fills) == one_fee
    revenue = -(p if side == "bid" else 1 - p) * total
    change = revenue - one_fee
    one_net = one_fee + change - floor(change, prec)
    assert abs(net - one_net) < CENT
    assert acct.balance == D("1000") + revenue - net


def test_fees_by_user_add_up_to_the_fees_collected():
    ex, _ = make_exchange(grid=TAPERED, fee_type="quadratic_with_maker_fees")
    rng = random.Random(3)
    for _ in range(60):
        u = rng.choice(("alice", "bob", "carol"))
        order(ex, u, rng.choice(("bid", "ask")), rng.choice(["0.028", "0.5", "0.055"]), "0.37")
    paid = defaultdict(lambda: D(0))
    for f in ex.fills:
        paid[f.user_id] += f.fee_cost
    assert sum(paid.values()) == ex.fees_collected
    ex.check_invariants()


# The hot path's forms of `hold`, `charge` and the balance check against the formulas they
# replace (the same values on every input of a grid of amounts, accumulators and members).

D4 = D("0.0001")


def _hold_reference(amount, acc, precision):
    if amount <= 0:
        return fees.ZERO
    return max(fees.ZERO, fees.up(amount + fees.CENT - acc, precision) - precision)


def test_hold_equals_its_reference_formula_on_a_grid():
    accs = [D(0), D("0.0001"), D("0.0049"), D("0.005"), D("0.0099")]
    amounts = [D(n) / 10**6 for n in range(-20, 20000, 7)]
    amounts += [p * c for p in (D("0.01"), D("0.4700"), D("0.9999")) for c in (D("0.01"), D(3))]
    for precision in (fees.CENT, D("0.0001"), D("0.01")):  # (an equal CENT, not the object)
        for acc in accs:
            for amount in amounts:
                got, want = (
                    fees.hold(amount, acc, precision),
                    _hold_reference(amount, acc, precision),
                )
                assert got == want and str(got) == str(want), (amount, acc, precision)


def _charge_reference(order, increment, revenue, precision):
    base = order.fee_base
    paid = fees.up(base) if base else fees.ZERO
    order.fee_base = base + increment
    trade_fee = fees.up(order.fee_base) - paid
    change = revenue - trade_fee
    rounding = change - fees.down(change, precision)
    acc = order.rounding_acc + rounding
    rebate = fees.down(acc, fees.CENT)
    order.rounding_acc = acc - rebate
    return trade_fee, rounding, rebate, trade_fee + rounding - rebate


def test_charge_equals_its_reference_formula_over_fill_sequences():
    """Random fill sequences of one order (taker and maker, with and without maker fees, both
    member precisions): the same components, net and accumulators as the reference."""
    rng = random.Random(11)
    prices = [D(n) / 100 for n in range(1, 100)] + [D("0.0150"), D("0.9850")]
    for _ in range(3000):
        fee_type = rng.choice(["quadratic", "quadratic_with_maker_fees", "flat"])
        mult = rng.choice([fees.ONE, D("0.5"), D("1"), D("2.5")])
        is_taker = rng.random() < 0.5
        precision = rng.choice([fees.CENT, D4])
        o1 = Order("o", "u", "T", "E", "bid", D("0.5"), D(100), D(100), "gtc", "maker")
        o2 = Order("o", "u", "T", "E", "bid", D("0.5"), D(100), D(100), "gtc", "maker")
        for _ in range(rng.randint(1, 6)):
            q = D(rng.randint(1, 500)) / rng.choice([1, 100])
            e = rng.choice(prices)
            revenue = -(e * q) if rng.random() < 0.5 else (fees.ONE - e) * q
            inc = fees.fee_increment(fee_type, mult, is_taker, q, e)
            got = fees.charge(o1, inc, revenue, precision)
            want = _charge_reference(o2, inc, revenue, precision)
            assert (got.trade_fee, got.rounding_fee, got.rebate, got.net) == want
            assert (o1.fee_base, o1.rounding_acc) == (o2.fee_base, o2.rounding_acc)


def test_the_balance_check_bound_is_never_below_the_exact_hold():
    """`hold_bound` may settle an order's balance check only because it is an upper bound."""
    for fee_type in ("quadratic", "quadratic_with_maker_fees", "flat"):
        for mult in (fees.ONE, D("0.5"), D("3"), D("-1")):
            for p in [D(n) / 100 for n in range(1, 100)]:
                for c in (D("0.01"), D("0.37"), D(1), D(7), D(250)):
                    for side in ("bid", "ask"):
                        side_px = p if side == "bid" else fees.ONE - p
                        bound = fees.taker_fee_bound(fee_type, mult, side, c, p, fees.ZERO)
                        for precision in (fees.CENT, D4):
                            need = fees.hold(side_px * c + bound, fees.ZERO, precision)
                            assert fees.hold_bound(side_px * c, c, mult) >= need
