"""Netting: the same trades with netting on and off give different positions and collateral,
the same money in the end, and conserve money throughout."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_engine_helpers import make_exchange, order

D = Decimal


def _trades(netting: bool):
    """alice buys 10 YES at 0.40, then buys 10 NO at 0.45 (sells YES at 0.55)."""
    ex, _ = make_exchange()
    ex.set_netting("alice", 0, netting)
    total = ex.total_money()
    order(ex, "bob", "ask", "0.40", "10")
    order(ex, "alice", "bid", "0.40", "10", tif="immediate_or_cancel")
    order(ex, "carol", "bid", "0.55", "10")
    order(ex, "alice", "ask", "0.55", "10", tif="immediate_or_cancel")
    ex.check_invariants()
    assert ex.total_money() == total
    return ex, total


def test_netting_on_closes_and_off_holds_both_sides():
    on, _ = _trades(True)
    off, _ = _trades(False)
    p_on, p_off = (ex.positions[("alice", 0, "TEST-1")] for ex in (on, off))
    # On: the NO bought closes the YES held: flat, $1.50 realized, nothing at risk.
    assert (p_on.position, p_on.paired, p_on.exposure) == (0, 0, 0)
    assert p_on.realized_pnl == D("1.50")
    # Off: 10 YES and 10 NO side by side, their full cost locked until settlement.
    assert (p_off.position, p_off.paired, p_off.exposure) == (0, 10, D("8.50"))
    assert p_off.realized_pnl == 0
    # The collateral difference is exactly the $1 per pair the exchange holds.
    a_on, a_off = on.get_account("alice"), off.get_account("alice")
    assert a_on.balance - a_off.balance == D("10")
    assert off.markets["TEST-1"].open_interest == on.markets["TEST-1"].open_interest + 10
    # A pair is worth $1 whatever the result.
    assert off.portfolio_value("alice") == on.portfolio_value("alice") + 10


@pytest.mark.parametrize(("result", "value"), [("yes", None), ("no", None), ("scalar", "0.37")])
def test_settlement_pays_each_pair_one_dollar(result, value):
    ends = []
    for netting in (True, False):
        ex, total = _trades(netting)
        ex.determine_market("TEST-1", result, None if value is None else D(value))
        (st,) = [s for s in ex.settle_market("TEST-1") if s.user_id == "alice"]
        assert ex.total_money() == total and ex.escrow() == 0
        ex.check_invariants()
        p = ex.positions[("alice", 0, "TEST-1")]
        assert p.paired == 0 and p.settled
        ends.append((ex.get_account("alice").balance, p.realized_pnl, st))
    (bal_on, pnl_on, st_on), (bal_off, pnl_off, st_off) = ends
    assert (bal_on, pnl_on) == (bal_off, pnl_off)  # the same money in the end
    assert (st_on.yes_count, st_on.no_count, st_on.revenue) == (0, 0, 0)
    assert (st_off.yes_count, st_off.no_count, st_off.revenue) == (10, 10, 1000)
    assert st_off.yes_total_cost + st_off.no_total_cost == D("8.50")


def test_netting_off_orders_need_full_collateral():
    """With netting on, an ask against held YES rests without cash (it would close them);
    with netting off it buys NO and holds the NO price in cash."""
    for netting, held in ((True, D("0")), (False, D("6.00"))):
        ex, _ = make_exchange()
        order(ex, "bob", "ask", "0.40", "10")
        order(ex, "alice", "bid", "0.40", "10", tif="immediate_or_cancel")
        ex.set_netting("alice", 0, netting)
        o = order(ex, "alice", "ask", "0.40", "10").order
        assert (o.covered, ex.get_account("alice").reserved) == ((10 if netting else 0), held)
        ex.check_invariants()


def test_orders_covered_before_netting_was_turned_off_still_close():
    """A resting order promised a holding while netting was on; it closes that much."""
    ex, _ = make_exchange()
    total = ex.total_money()
    order(ex, "bob", "ask", "0.40", "10")
    order(ex, "alice", "bid", "0.40", "10", tif="immediate_or_cancel")
    ask = order(ex, "alice", "ask", "0.60", "4").order  # covered by the YES, no cash held
    assert ask.covered == 4
    ex.set_netting("alice", 0, False)
    order(ex, "carol", "bid", "0.60", "4", tif="immediate_or_cancel")
    p = ex.positions[("alice", 0, "TEST-1")]
    assert (p.position, p.paired) == (6, 0)  # closed 4, paired none
    order(ex, "alice", "ask", "0.45", "2")  # not covered now: buys NO
    order(ex, "carol", "bid", "0.45", "2", tif="immediate_or_cancel")
    assert (p.position, p.paired) == (4, 2)
    ex.check_invariants()
    assert ex.total_money() == total


def test_netting_is_per_subaccount_and_survives_a_restart(tmp_path):
    from engine_snapshot import diff, memory

    from sandbox.store import open_exchange

    ex, clock = make_exchange(data_dir=tmp_path)
    ex.create_subaccount("alice")
    ex.transfer_between_subaccounts("alice", "t", 0, 1, 10_000)
    ex.set_netting("alice", 1, False)
    order(ex, "bob", "ask", "0.40", "5")
    order(ex, "alice", "bid", "0.40", "5", tif="immediate_or_cancel", subaccount=1)
    order(ex, "carol", "bid", "0.55", "5")
    order(ex, "alice", "ask", "0.55", "5", tif="immediate_or_cancel", subaccount=1)
    assert ex.positions[("alice", 1, "TEST-1")].paired == 5
    assert not ex.netting_enabled("alice", 1) and ex.netting_enabled("alice", 0)
    before = memory(ex, ordered=False)
    ex.close()
    again = open_exchange(tmp_path, clock=clock)
    assert not diff(before, memory(again, ordered=False))
    assert again.cash.unnetted == {("alice", 1)}
    again.check_invariants()
    again.close()


def test_pairing_takes_back_covers_the_holding_no_longer_backs():
    """Found by the atomic test: +6 YES with an ask covering 4, netting off, 3 NO bought pair
    with the YES; the net holding (3) can no longer back 4 promised, so the ask holds cash."""
    ex, _ = make_exchange()
    total = ex.total_money()
    order(ex, "bob", "ask", "0.40", "6")
    order(ex, "alice", "bid", "0.40", "6", tif="immediate_or_cancel")
    covered = order(ex, "alice", "ask", "0.60", "4").order
    ex.set_netting("alice", 0, False)
    order(ex, "carol", "bid", "0.43", "3")
    order(ex, "alice", "ask", "0.43", "3", tif="immediate_or_cancel")
    p = ex.positions[("alice", 0, "TEST-1")]
    assert (p.position, p.paired, p.covered_ask) == (3, 3, 3)
    assert covered.covered == 3 and covered.reserved == D("0.40")  # 1 NO at 0.40 in cash
    ex.check_invariants()
    assert ex.total_money() == total
