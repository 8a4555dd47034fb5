"""Engine rules of FCM members: subtraders, daily caps (with New York's day boundary), blocked
categories, position transfers (bounds, money and positions conserved), only the FCM's own
subtraders, and a restart."""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_snapshot import diff, memory
from test_engine_helpers import T0, bal, make_exchange, order, pos

from sandbox.engine import EngineError
from sandbox.engine.fcm import day_start_ms
from sandbox.store import open_exchange

D = Decimal
DAY_MS = 86_400_000


def _err(fn, *args, **kw) -> EngineError:
    with pytest.raises(EngineError) as e:
        fn(*args, **kw)
    return e.value


def _fcm_exchange(**kw):
    """No fees (clean cap arithmetic); FCM `f` with subtrader f_A holding $100."""
    ex, clock = make_exchange(multiplier="0", **kw)
    ex.add_user("f", D("1000"), "fcm")
    ex.create_subtrader("f", "A")
    ex.deposit("f_A", D("100"))
    return ex, clock


def test_subtraders_are_users_named_after_their_fcm():
    ex, _ = _fcm_exchange()
    assert ex.has_user("f_A") and ex.member_type("f_A") == "regular"
    ex.create_subtrader("f", "B2")
    assert [s.subtrader_id for s in ex.fcm.of_fcm("f")] == ["f_A", "f_B2"]
    assert _err(ex.create_subtrader, "f", "A").status == 409  # re-creating is 409 (spec)
    for bad in ("", "a_b", "x" * 17, "é", 5, None):
        assert _err(ex.create_subtrader, "f", bad).status == 400
    e = _err(ex.create_subtrader, "alice", "A")  # a regular member
    assert (e.status, e.code) == (403, "forbidden")
    ex.check_invariants()


def test_a_subtrader_without_a_cap_cannot_trade():
    ex, _ = _fcm_exchange()
    e = _err(order, ex, "f_A", "bid", "0.40", "1")
    assert (e.status, e.code) == (403, "daily_cap_not_set")
    assert order(ex, "alice", "bid", "0.40", "1").order.status == "resting"  # others can
    ex.set_daily_cap("f", "f_A", "10")
    assert order(ex, "f_A", "bid", "0.40", "1").order.status == "resting"
    ex.remove_daily_cap("f", "f_A")
    assert _err(order, ex, "f_A", "bid", "0.40", "1").code == "daily_cap_not_set"
    assert _err(ex.remove_daily_cap, "f", "f_A").status == 404  # no cap left to remove
    assert _err(ex.fcm.cap, "f", "f_A").status == 404


def test_resting_orders_count_against_the_cap_at_their_worst_case_cost():
    ex, _ = _fcm_exchange()
    ex.set_daily_cap("f", "f_A", "10")
    first = order(ex, "f_A", "bid", "0.40", "20").order  # $8.00 held
    cap, executed, resting, _ = ex.fcm.cap("f", "f_A")
    assert (cap.limit, executed, resting) == (D("10"), 0, D("8"))
    e = _err(order, ex, "f_A", "bid", "0.40", "6")  # $2.40 more: over $10
    assert (e.status, e.code) == (400, "daily_cap_exceeded")
    order(ex, "f_A", "bid", "0.40", "5")  # exactly $10.00
    ex.set_daily_cap("f", "f_A", "5")  # a lower cap cancels nothing (spec)
    assert ex.orders[first.order_id].status == "resting"
    assert _err(order, ex, "f_A", "bid", "0.01", "1").code == "daily_cap_exceeded"
    # An amend that grows an order counts what it adds; one that shrinks it always passes.
    e = _err(ex.amend_order, "f_A", first.order_id, ticker="TEST-1", side="bid", price="0.40",
             count="21")  # fmt: skip
    assert e.code == "daily_cap_exceeded"
    ex.amend_order("f_A", first.order_id, ticker="TEST-1", side="bid", price="0.40", count="15")
    assert ex.fcm.cap("f", "f_A")[2] == D("8")
    ex.cancel_order("f_A", first.order_id)
    assert ex.fcm.cap("f", "f_A")[2] == D("2")
    order(ex, "f_A", "bid", "0.30", "10")  # $3.00: $5.00 in all
    ex.check_invariants()


def test_executed_utilization_nets_sells_and_resets_at_new_york_midnight():
    ex, clock = _fcm_exchange()
    ex.set_daily_cap("f", "f_A", "5")
    order(ex, "bob", "ask", "0.40", "10")
    order(ex, "f_A", "bid", "0.40", "10")  # bought: $4.00 deployed
    _, executed, resting, day = ex.fcm.cap("f", "f_A")
    assert (executed, resting) == (D("4"), 0)
    assert _err(order, ex, "f_A", "bid", "0.40", "3").code == "daily_cap_exceeded"
    order(ex, "alice", "bid", "0.50", "5")
    order(ex, "f_A", "ask", "0.50", "5")  # sold 5 at $0.50: $2.50 credited back
    assert ex.fcm.cap("f", "f_A")[1] == D("1.5")
    held = order(ex, "f_A", "bid", "0.35", "10").order  # $3.50 resting: $5.00 in all
    assert _err(order, ex, "f_A", "bid", "0.01", "1").code == "daily_cap_exceeded"
    # Midnight in New York: executed utilization starts again, the resting hold persists.
    start, _ = day_start_ms(T0)
    clock.t = start + DAY_MS - 1
    assert ex.fcm.cap("f", "f_A")[3] == day
    clock.t = start + DAY_MS
    _, executed, resting, next_day = ex.fcm.cap("f", "f_A")
    assert (executed, resting) == (0, D("3.5")) and next_day > day
    order(ex, "f_A", "bid", "0.30", "5")  # $1.50: fits again
    assert ex.orders[held.order_id].status == "resting"
    ex.check_invariants()


def test_day_start_is_new_york_midnight_across_daylight_saving():
    summer = 1_790_000_000_000  # 2026-09-21 (EDT, UTC-4)
    winter = 1_800_000_000_000  # 2027-01-15 (EST, UTC-5)
    for ms, hours in ((summer, 4), (winter, 5)):
        start, day = day_start_ms(ms)
        assert start % DAY_MS == hours * 3_600_000 and start <= ms < start + DAY_MS
        assert day_start_ms(start)[1] == day and day_start_ms(start - 1)[1] < day


def test_blocked_categories_stop_new_orders_only():
    ex, _ = _fcm_exchange()
    ex.set_daily_cap("f", "f_A", "50")
    resting = order(ex, "f_A", "bid", "0.40", "1").order
    assert ex.set_blocked_category("f", "f_A", "Testing", True) == ["Testing"]
    assert ex.set_blocked_category("f", "f_A", "Politics", True) == ["Politics", "Testing"]
    assert ex.set_blocked_category("f", "f_A", "Politics", True) == ["Politics", "Testing"]
    e = _err(order, ex, "f_A", "bid", "0.40", "1")  # TEST's series category is "Testing"
    assert (e.status, e.code) == (403, "category_blocked")
    assert ex.orders[resting.order_id].status == "resting"  # not cancelled (spec)
    assert order(ex, "alice", "bid", "0.40", "1")  # another user is not affected
    assert ex.set_blocked_category("f", "f_A", "Testing", False) == ["Politics"]
    assert ex.set_blocked_category("f", "f_A", "Sports", False) == ["Politics"]  # no-op
    order(ex, "f_A", "bid", "0.40", "1")
    assert ex.fcm.categories("f", "f_A") == ["Politics"]
    for bad in ("", "x" * 101, None):
        assert _err(ex.set_blocked_category, "f", "f_A", bad, True).status == 400
    assert _err(ex.set_blocked_category, "f", "f_A", "Politics", "yes").status == 400


def test_an_fcm_manages_only_its_own_subtraders():
    ex, _ = _fcm_exchange()
    ex.add_user("g", D("1000"), "fcm")
    ex.create_subtrader("g", "A")
    for call in (
        lambda: ex.set_daily_cap("g", "f_A", "10"),
        lambda: ex.remove_daily_cap("g", "f_A"),
        lambda: ex.set_blocked_category("g", "f_A", "Sports", True),
        lambda: ex.fcm.cap("g", "f_A"),
        lambda: ex.fcm.categories("g", "f_A"),
        lambda: ex.transfer_fcm_position("g", "f_A", "g_ERR", "TEST-1", 100, 0),
        lambda: ex.set_daily_cap("f", "alice", "10"),  # a user, not a subtrader
    ):
        assert _err(call).status == 404
    assert _err(ex.set_daily_cap, "f", None, "10").status == 400
    for limit in ("-1", "abc", "0.00001"):
        assert _err(ex.set_daily_cap, "f", "f_A", limit).status == 400
    assert [s.subtrader_id for s in ex.fcm.of_fcm("g")] == ["g_A"]
    assert _err(ex.fcm.of_fcm, "alice").status == 403


def test_position_transfer_moves_yes_like_a_trade_and_conserves_money():
    ex, _ = _fcm_exchange()
    ex.set_daily_cap("f", "f_A", "50")
    ex.create_subtrader("f", "ERR")
    ex.deposit("f_ERR", D("20"))
    order(ex, "bob", "ask", "0.40", "10")
    order(ex, "f_A", "bid", "0.40", "10")
    total, a, err = ex.total_money(), bal(ex, "f_A"), bal(ex, "f_ERR")
    oi = ex.markets["TEST-1"].open_interest
    heard: list = []
    ex.listeners.append(heard.append)
    t = ex.transfer_fcm_position("f", "f_A", "f_ERR", "TEST-1", 1000, 4500)
    # Both positions are announced (market_positions on the WebSocket), and nothing else.
    assert [(type(e).__name__, e.position.user_id, e.position.position) for e in heard] == [
        ("PositionUpdate", "f_ERR", 10),
        ("PositionUpdate", "f_A", 0),
    ]
    assert (t.count, t.yes_price) == (D(10), D("0.45"))
    assert (pos(ex, "f_A"), pos(ex, "f_ERR")) == (0, 10)
    assert (bal(ex, "f_A"), bal(ex, "f_ERR")) == (a + D("4.50"), err - D("4.50"))
    assert ex.markets["TEST-1"].open_interest == oi
    assert ex.total_money() == total
    assert not ex.list_fills("f_ERR")  # "no fill is created"
    ex.check_invariants()


def test_position_transfer_moves_no_and_creates_the_target():
    ex, _ = _fcm_exchange()
    ex.set_daily_cap("f", "f_A", "50")
    order(ex, "bob", "bid", "0.70", "5")
    order(ex, "f_A", "ask", "0.70", "5")  # f_A holds 5 NO
    total, a = ex.total_money(), bal(ex, "f_A")
    # 10000 for NO moves no cash (spec), so a new, empty error subtrader can take it.
    ex.transfer_fcm_position("f", "f_A", "f_ERR1", "TEST-1", -500, 10_000)
    assert ex.fcm.subtraders["f_ERR1"].fcm_id == "f"
    assert (pos(ex, "f_A"), pos(ex, "f_ERR1"), bal(ex, "f_A")) == (0, -5, a)
    assert ex.total_money() == total
    ex.check_invariants()


def test_position_transfer_bounds():
    ex, _ = _fcm_exchange()
    ex.set_daily_cap("f", "f_A", "50")
    order(ex, "bob", "ask", "0.40", "10")
    order(ex, "f_A", "bid", "0.40", "10")
    before = memory(ex)
    for args, status in (
        (("f_A", "f_E", "TEST-1", 150, 4500), 400),  # not whole contracts
        (("f_A", "f_E", "TEST-1", 0, 4500), 400),
        (("f_A", "f_E", "TEST-1", True, 4500), 400),
        (("f_A", "f_E", "TEST-1", 100, 4550), 400),  # not whole cents
        (("f_A", "f_E", "TEST-1", 100, 10_100), 400),
        (("f_A", "g_E", "TEST-1", 100, 0), 400),  # not under this FCM's error account
        (("f_A", "f_A", "TEST-1", 100, 0), 400),
        (("f_A", "f_E", "NOPE-1", 100, 0), 404),
        (("f_A", "f_E", "TEST-1", 100, 4500), 409),  # a new target has no cash
        (("f_Z", "f_E", "TEST-1", 100, 0), 404),
    ):
        assert _err(ex.transfer_fcm_position, "f", *args).status == status, args
    assert not diff(before, memory(ex))  # nothing half-applied
    # The source's position is not checked: moving more than it holds makes it short.
    ex.transfer_fcm_position("f", "f_A", "f_E", "TEST-1", 1500, 0)
    assert (pos(ex, "f_A"), pos(ex, "f_E")) == (-5, 15)
    ex.check_invariants()


def test_fcm_state_survives_a_restart(tmp_path):
    ex, clock = make_exchange(multiplier="0", data_dir=tmp_path)
    ex.add_user("f", D("1000"), "fcm")
    ex.create_subtrader("f", "A")
    ex.deposit("f_A", D("100"))
    ex.set_daily_cap("f", "f_A", "5")
    ex.set_blocked_category("f", "f_A", "Politics", True)
    order(ex, "bob", "ask", "0.40", "10")
    order(ex, "f_A", "bid", "0.40", "10")
    ex.transfer_fcm_position("f", "f_A", "f_E", "TEST-1", 500, 0)
    before = memory(ex)
    ex.close()
    again = open_exchange(tmp_path, clock=clock)
    assert not diff(before, memory(again))
    assert [s.subtrader_id for s in again.fcm.of_fcm("f")] == ["f_A", "f_E"]
    assert again.fcm.categories("f", "f_A") == ["Politics"]
    assert again.fcm.cap("f", "f_A")[1] == D("4")
    assert _err(order, again, "f_A", "bid", "0.40", "3").code == "daily_cap_exceeded"
    assert len(again.fcm.transfers) == 1
    again.check_invariants()
