"""Every number a client sends is bounded: huge exponents, more digits than the grid, non-finite
values, non-ASCII digits and absurd timestamps are 400s with Kalshi's codes, and change nothing
(they were decimal.InvalidOperation 500s, or silently rounded, before)."""

from __future__ import annotations

import pytest
from engine_snapshot import diff, memory
from test_engine_helpers import D, make_exchange, order

from sandbox.engine import EngineError

HUGE_COUNTS = ["1e26", "1e30", "1E+30", "9" * 40, "1e999999999"]
OFF_GRID_COUNTS = ["0.001", "1e-30", "0.50000000000000000000000000001"]
NOT_NUMBERS = ["NaN", "Infinity", "-Infinity", "sNaN", "١٢", "１２", "1" * 5000, "", "0x10"]
BAD_PRICES = ["1e26", "1e30", "-1e30", "0.50000000000000000000000000001", "0.5000001"]


@pytest.fixture
def ex():
    ex, _ = make_exchange(users=("alice", "bob"))
    order(ex, "alice", "bid", "0.40", "10")
    order(ex, "bob", "ask", "0.60", "10")
    return ex


def _rejects(ex, fn, status: int, codes: set[str]) -> EngineError:
    before = memory(ex)
    with pytest.raises(EngineError) as e:
        fn()
    assert e.value.status == status and e.value.code in codes, (e.value.status, e.value.code)
    assert diff(before, memory(ex)) == []
    ex.check_invariants()
    return e.value


@pytest.mark.parametrize("count", HUGE_COUNTS + OFF_GRID_COUNTS + ["0", "-5"])
def test_create_rejects_counts_off_the_grid_or_out_of_range(ex, count):
    _rejects(ex, lambda: order(ex, "alice", "bid", "0.45", count), 400, {"invalid_order_size"})


@pytest.mark.parametrize("value", NOT_NUMBERS)
def test_create_rejects_counts_and_prices_that_are_not_ascii_numbers(ex, value):
    _rejects(ex, lambda: order(ex, "alice", "bid", "0.45", value), 400, {"invalid_parameters"})
    _rejects(ex, lambda: order(ex, "alice", "bid", value, "1"), 400, {"invalid_parameters"})


@pytest.mark.parametrize("price", BAD_PRICES)
def test_create_rejects_prices_off_the_grid_or_out_of_range(ex, price):
    _rejects(
        ex, lambda: order(ex, "alice", "bid", price, "1"), 400, {"invalid_order", "invalid_price"}
    )  # off the grid: invalid_price (issue 12)


@pytest.mark.parametrize("value", ["1e30", "0.50000000000000000000000000001", "١"])
def test_amend_rejects_unbounded_prices_and_counts(ex, value):
    oid = ex.list_orders("alice")[0].order_id
    amend = dict(ticker="TEST-1", side="bid")
    codes = {"invalid_order", "invalid_price", "invalid_order_size", "invalid_parameters"}
    _rejects(ex, lambda: ex.amend_order("alice", oid, price=value, count="10", **amend), 400, codes)
    _rejects(
        ex, lambda: ex.amend_order("alice", oid, price="0.40", count=value, **amend), 400, codes
    )


@pytest.mark.parametrize("value", HUGE_COUNTS + OFF_GRID_COUNTS)
def test_decrease_rejects_unbounded_amounts(ex, value):
    oid = ex.list_orders("alice")[0].order_id
    codes = {"invalid_order_size"}
    _rejects(ex, lambda: ex.decrease_order("alice", oid, reduce_by=value), 400, codes)
    _rejects(ex, lambda: ex.decrease_order("alice", oid, reduce_to=value), 400, codes)


@pytest.mark.parametrize("value", HUGE_COUNTS + OFF_GRID_COUNTS + ["١"])
def test_group_limits_are_bounded(ex, value):
    codes = {"invalid_order_size", "invalid_parameters"}
    _rejects(ex, lambda: ex.create_order_group("alice", value), 400, codes)
    g = ex.create_order_group("alice", "5")
    _rejects(ex, lambda: ex.update_order_group_limit("alice", g.order_group_id, value), 400, codes)


def test_batch_items_are_judged_one_by_one(ex):
    good = dict(
        ticker="TEST-1",
        side="bid",
        price="0.41",
        count="2",
        time_in_force="good_till_canceled",
        self_trade_prevention_type="maker",
    )
    results = ex.batch_create_orders(
        "alice", [good, {**good, "count": "1e30"}, {**good, "price": "0.5000000000001"}, good]
    )
    assert [type(r).__name__ for r in results] == [
        "OrderResult",
        "EngineError",
        "EngineError",
        "OrderResult",
    ]
    assert (results[1].status, results[1].code) == (400, "invalid_order_size")
    assert (results[2].status, results[2].code) == (400, "invalid_price")
    assert len(ex.list_orders("alice", status="resting")) == 3
    ex.check_invariants()


@pytest.mark.parametrize(
    "ts",
    [10**5000, 10**20, -1, True, "1795500000000"],
    ids=["5000 digits", "1e20", "-1", "bool", "str"],
)
def test_expiration_times_are_bounded(ex, ts):
    _rejects(
        ex,
        lambda: order(ex, "alice", "bid", "0.45", "1", expiration_time=ts),
        400,
        {"invalid_order"},
    )
    oid = ex.list_orders("alice")[0].order_id
    _rejects(
        ex,
        lambda: ex.amend_order(
            "alice", oid, ticker="TEST-1", side="bid", price="0.40", count="10", expiration_time=ts
        ),
        400,
        {"invalid_order"},
    )


def test_client_order_ids_are_bounded(ex):
    _rejects(
        ex,
        lambda: order(ex, "alice", "bid", "0.45", "1", client_order_id="x" * 65),
        400,
        {"invalid_order"},
    )
    assert order(ex, "alice", "bid", "0.45", "1", client_order_id="x" * 64).order.client_order_id


@pytest.mark.parametrize(
    "amount",
    ["1e400", "1e30", "NaN", "١٠", 10**5000],
    ids=["1e400", "1e30", "NaN", "arabic", "int 5000 digits"],
)
def test_balances_and_deposits_are_bounded(ex, amount):
    _rejects(ex, lambda: ex.add_user("carol", amount), 400, {"invalid_parameters"})
    _rejects(ex, lambda: ex.deposit("alice", amount), 400, {"invalid_parameters"})


def test_the_largest_bounded_values_still_work_exactly(ex):
    ex.add_user("whale", D("9" * 15))
    r = order(ex, "whale", "bid", "0.0100", "1000000000")  # MAX_COUNT contracts
    assert r.order.remaining_count == D("1000000000.00")
    assert ex.get_account("whale").reserved == D("10000000")
    ex.check_invariants()
