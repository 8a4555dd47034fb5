"""Fees by fee type (rounding, accumulator, multiplier) and settlement payouts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_engine_helpers import D, bal, make_exchange, order, pos

from sandbox.engine import EngineError
from sandbox.engine.fees import fee_increment
from sandbox.engine.money import cents_up


@pytest.mark.parametrize(
    ("count", "price", "fee"),
    [
        ("1", "0.50", "0.02"),
        ("100", "0.50", "1.75"),
        ("10", "0.50", "0.18"),
        ("1", "0.05", "0.01"),
        ("100", "0.10", "0.63"),
        ("100", "0.90", "0.63"),
    ],
)
def test_quadratic_taker_fee_rounds_up_to_the_cent(count, price, fee):
    # Values from Kalshi's fee table: ceil(0.07 * C * P * (1 - P)).
    assert cents_up(fee_increment("quadratic", D(1), True, D(count), D(price))) == D(fee)
    ex, _ = make_exchange()
    order(ex, "alice", "ask", price, count)
    r = order(ex, "bob", "bid", price, count)
    assert r.fills[0].fee_cost == D(fee) and r.order.taker_fees == D(fee)
    assert ex.fees_collected == D(fee)


def test_maker_fees_only_on_series_that_have_them():
    ex, _ = make_exchange(fee_type="quadratic_with_maker_fees")
    order(ex, "alice", "ask", "0.50", "100")
    # The maker's cash for its future fee is held with the order.
    assert ex.get_account("alice").reserved == D("50") + D("0.44")
    r = order(ex, "bob", "bid", "0.50", "100")
    maker = ex.list_fills("alice")[0]
    assert maker.fee_cost == D("0.44") and r.fills[0].fee_cost == D("1.75")
    assert bal(ex, "alice") == D("1000") - D("50") - D("0.44")
    ex2, _ = make_exchange(fee_type="quadratic")
    order(ex2, "alice", "ask", "0.50", "100")
    order(ex2, "bob", "bid", "0.50", "100")
    assert ex2.list_fills("alice")[0].fee_cost == 0


def test_fee_multiplier_and_flat_fees():
    ex, _ = make_exchange(multiplier="0.5")
    order(ex, "alice", "ask", "0.50", "100")
    assert order(ex, "bob", "bid", "0.50", "100").fills[0].fee_cost == D("0.88")  # 0.875 up
    ex, _ = make_exchange(fee_type="flat", multiplier="2")
    order(ex, "alice", "ask", "0.30", "7")
    assert order(ex, "bob", "bid", "0.30", "7").fills[0].fee_cost == D("0.14")


def test_fee_accumulator_charges_one_rounding_per_order():
    ex, _ = make_exchange(users=("alice", "bob", "carol"))
    for _ in range(10):
        order(ex, "alice", "ask", "0.50", "1")
    r = order(ex, "bob", "bid", "0.50", "10")
    assert len(r.fills) == 10
    # 10 separate 1-lots would pay 10 x 0.02; one order pays ceil(0.07 * 10 * 0.25) = 0.18.
    assert sum(f.fee_cost for f in r.fills) == D("0.18")


def test_settlement_pays_winners_and_records_settlements():
    ex, _ = make_exchange()
    order(ex, "alice", "ask", "0.30", "10")
    order(ex, "bob", "bid", "0.30", "10")  # bob YES 10 @0.30, alice NO 10 @0.70
    resting = order(ex, "carol", "bid", "0.20", "5").order
    total = ex.total_money()
    ex.determine_market("TEST-1", "yes")
    assert resting.status == "canceled" and bal(ex, "carol") == D("1000")
    bob_before, alice_before = bal(ex, "bob"), bal(ex, "alice")
    sts = {s.user_id: s for s in ex.settle_market("TEST-1")}
    assert bal(ex, "bob") == bob_before + 10 and bal(ex, "alice") == alice_before
    s = sts["bob"]
    assert (s.market_result, s.yes_count, s.no_count, s.revenue, s.value) == (
        "yes",
        10,
        0,
        1000,
        100,
    )
    assert s.yes_total_cost == D("3") and s.fee_cost == D("0.15")
    a = sts["alice"]
    assert (a.no_count, a.no_total_cost, a.revenue) == (10, D("7"), 0)
    assert ex.markets["TEST-1"].status == "finalized" and ex.markets["TEST-1"].settlement_ts
    assert ex.total_money() == total
    assert pos(ex, "bob") == 0 and ex.list_positions("bob")[0] == []
    assert ex.list_positions("bob", settlement_status="settled")[0][0].realized_pnl == D("7")
    assert ex.list_settlements("bob")[0] is s
    with pytest.raises(EngineError):
        ex.settle_market("TEST-1")


def test_no_result_pays_no_holders():
    ex, _ = make_exchange()
    order(ex, "alice", "ask", "0.30", "10")
    order(ex, "bob", "bid", "0.30", "10")
    before = bal(ex, "alice")
    ex.determine_market("TEST-1", "no")
    ex.settle_market("TEST-1")
    assert bal(ex, "alice") == before + 10


def test_scalar_settlement_pays_value_per_yes_and_rest_per_no():
    ex, _ = make_exchange()
    order(ex, "alice", "ask", "0.30", "10")
    order(ex, "bob", "bid", "0.30", "10")
    total = ex.total_money()
    b0, a0 = bal(ex, "bob"), bal(ex, "alice")
    ex.determine_market("TEST-1", "scalar", Decimal("0.2345"))
    sts = {s.user_id: s for s in ex.settle_market("TEST-1")}
    # 10 x 0.2345 = 2.345 and 10 x 0.7655 = 7.655: balances stay on whole cents (fee rounding
    # page), the half cents are rounding fees.
    assert bal(ex, "bob") == b0 + D("2.34") and bal(ex, "alice") == a0 + D("7.65")
    assert sts["bob"].revenue == 234 and sts["bob"].value == 23
    assert sts["bob"].fee_cost == D("0.005") + ex.list_fills("bob")[0].fee_cost
    assert ex.total_money() == total


def test_scalar_settlement_of_a_direct_member_keeps_the_centicents():
    ex, _ = make_exchange()
    ex.add_user("dan", D("1000"), member_type="direct")
    order(ex, "alice", "ask", "0.30", "10")
    order(ex, "dan", "bid", "0.30", "10")
    d0 = bal(ex, "dan")
    ex.determine_market("TEST-1", "scalar", Decimal("0.2345"))
    ex.settle_market("TEST-1")
    assert bal(ex, "dan") == d0 + D("2.345")


def test_determine_validates_result():
    ex, _ = make_exchange()
    for args in (("maybe",), ("scalar",), ("scalar", "1.5")):
        with pytest.raises(EngineError):
            ex.determine_market("TEST-1", *args)
