"""Engine rules of the accounts side: subaccounts (numbering, isolation, transfers, netting
settings), funding history and usage-level grants, all conserving money and surviving a
restart."""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_snapshot import diff, memory
from test_engine_helpers import make_exchange, order

from sandbox.engine import EngineError
from sandbox.store import open_exchange

D = Decimal


def _err(fn, *args, **kw) -> EngineError:
    with pytest.raises(EngineError) as e:
        fn(*args, **kw)
    return e.value


def test_subaccounts_are_numbered_in_sequence_up_to_63():
    ex, _ = make_exchange()
    assert [ex.create_subaccount("alice").subaccount for _ in range(63)] == list(range(1, 64))
    e = _err(ex.create_subaccount, "alice")
    assert (e.status, e.code) == (400, "subaccount_limit_reached")
    assert ex.create_subaccount("bob").subaccount == 1  # numbering is per user
    assert _err(ex.create_subaccount, "nobody").status == 404
    ex.check_invariants()


def test_a_subaccount_exists_only_once_created():
    ex, _ = make_exchange()
    for call in (
        lambda: ex.get_account("alice", 1),
        lambda: order(ex, "alice", "bid", "0.40", "1", subaccount=1),
        lambda: ex.create_order_group("alice", "5", 1),
        lambda: ex.set_netting("alice", 1, False),
        lambda: ex.require_subaccount("alice", 1),
    ):
        e = _err(call)
        assert (e.status, e.message) == (404, "subaccount not found")
    assert _err(ex.get_account, "alice", 64).status == 400
    assert ex.accounts.get(("alice", 1)) is None  # nothing was opened on the way
    ex.create_subaccount("alice")
    assert ex.get_account("alice", 1).balance == 0


def test_transfers_move_whole_cents_and_conserve_money():
    ex, _ = make_exchange()
    ex.create_subaccount("alice")
    ex.create_subaccount("alice")
    total = ex.total_money()
    ex.transfer_between_subaccounts("alice", "a", 0, 1, 12_345)
    ex.transfer_between_subaccounts("alice", "b", 1, 2, 1)
    assert [ex.get_account("alice", s).balance for s in (0, 1, 2)] == [
        D("876.55"),
        D("123.44"),
        D("0.01"),
    ]
    assert ex.total_money() == total
    assert [
        (t.from_subaccount, t.to_subaccount, t.amount)
        for t in ex.list_subaccount_transfers("alice")
    ] == [(1, 2, D("0.01")), (0, 1, D("123.45"))]
    ex.check_invariants()


@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("c1", 0, 1, 0), 400),
        (("c1", 0, 1, -1), 400),
        (("c1", 0, 1, True), 400),
        (("c1", 0, 1, "5"), 400),
        (("c1", 1, 1, 5), 400),
        (("c1", 0, 5, 5), 404),
        (("c1", 0, 64, 5), 400),
        (("", 0, 1, 5), 400),
        (("c1", 1, 0, 2), 400),  # subaccount 1 holds $0.01
        (("c1", 0, 1, 100_001), 400),  # more than the $1,000 available
        (("used", 0, 1, 5), 409),
    ],
)
def test_transfer_bounds(args, status):
    ex, _ = make_exchange()
    ex.create_subaccount("alice")
    ex.transfer_between_subaccounts("alice", "used", 0, 1, 1)
    before = memory(ex)
    assert _err(ex.transfer_between_subaccounts, "alice", *args).status == status
    assert diff(before, memory(ex)) == []


def test_held_cash_cannot_be_transferred():
    ex, _ = make_exchange()
    ex.create_subaccount("alice")
    order(ex, "alice", "bid", "0.50", "1900")  # holds $950
    free = ex.get_account("alice").balance
    assert free == D(50)
    assert _err(ex.transfer_between_subaccounts, "alice", "x", 0, 1, 5_001).code == (
        "available_balance_too_low"
    )
    ex.transfer_between_subaccounts("alice", "y", 0, 1, 4_000)
    assert ex.get_account("alice").balance == free - 40


def test_orders_positions_and_cash_are_isolated_per_subaccount():
    ex, _ = make_exchange()
    ex.create_subaccount("alice")
    ex.transfer_between_subaccounts("alice", "f", 0, 1, 5_000)
    primary = ex.get_account("alice", 0).balance
    order(ex, "alice", "bid", "0.40", "10", subaccount=1)
    order(ex, "bob", "ask", "0.40", "10")
    assert ex.positions[("alice", 1, "TEST-1")].position == 10
    assert ("alice", 0, "TEST-1") not in ex.positions
    assert ex.get_account("alice", 0).balance == primary
    assert ex.list_orders("alice", subaccount=0) == []
    assert len(ex.list_orders("alice", subaccount=1)) == 1
    assert [f.subaccount for f in ex.list_fills("alice")] == [1]
    # Selling from the primary account cannot close subaccount 1's position.
    e = _err(order, ex, "alice", "ask", "0.40", "10", tif="immediate_or_cancel", reduce_only=True)
    assert e.status == 400  # subaccount 0 holds nothing to reduce
    ex.check_invariants()


def test_netting_settings_default_on_and_persist(tmp_path):
    ex, clock = make_exchange(data_dir=tmp_path)
    order(ex, "bob", "bid", "0.01", "1")  # (a journal without the meta row counts as empty)
    ex.create_subaccount("alice")
    assert ex.netting_enabled("alice", 0) and ex.netting_enabled("alice", 1)
    ex.set_netting("alice", 1, False)
    ex.set_netting("alice", 1, False)  # idempotent
    assert _err(ex.set_netting, "alice", 1, "no").status == 400
    live = memory(ex, ordered=False)
    ex.close()
    again = open_exchange(tmp_path, clock=clock)
    assert not again.netting_enabled("alice", 1) and again.netting_enabled("alice", 0)
    assert diff(live, memory(again, ordered=False)) == []
    again.close()


def test_transfers_funding_and_grants_survive_a_restart(tmp_path):
    ex, clock = make_exchange(data_dir=tmp_path)
    ex.create_subaccount("alice")
    for i in range(5):  # same millisecond: the history keeps their order
        ex.transfer_between_subaccounts("alice", f"t{i}", i % 2, 1 - i % 2, 100 - i)
    ex.record_funding("alice", "deposit", 999, method="wire", fee_cents=9)
    ex.record_funding("alice", "withdrawal", 500, status="pending")
    order(ex, "alice", "bid", "0.01", "1")
    ex.upgrade_usage_level("alice")
    live = memory(ex, ordered=False)
    transfers = [t.transfer_id for t in ex.list_subaccount_transfers("alice")]
    ex.close()
    again = open_exchange(tmp_path, clock=clock)
    assert diff(live, memory(again, ordered=False)) == []
    assert [t.transfer_id for t in again.list_subaccount_transfers("alice")] == transfers
    assert [e.status for e in again.list_funding("alice", "withdrawal")] == ["pending"]
    assert again.usage_grant("alice").level == "advanced"
    assert _err(again.transfer_between_subaccounts, "alice", "t3", 0, 1, 1).status == 409
    again.check_invariants()
    again.close()


def test_funding_moves_cash_only_when_applied():
    ex, _ = make_exchange()
    total = ex.total_money()
    ex.record_funding("alice", "deposit", 10_000, method="debit", fee_cents=250)
    ex.record_funding("alice", "deposit", 5_000, status="failed")
    ex.record_funding("alice", "deposit", 5_000, status="pending")
    ex.record_funding("alice", "withdrawal", 2_000, fee_cents=100)
    assert ex.get_account("alice").balance == D("1000") + D("97.50") - D("21.00")
    assert ex.total_money() == total + D("76.50")
    assert ex.funding.net_applied("alice") == D("76.50")
    assert [e.status for e in ex.list_funding("alice", "deposit")] == [
        "pending",
        "failed",
        "applied",
    ]
    assert ex.list_funding("alice", "deposit")[0].finalized_ts is None
    for kw, status in (
        ({"kind": "gift", "amount_cents": 1}, 400),
        ({"kind": "deposit", "amount_cents": 0}, 400),
        ({"kind": "deposit", "amount_cents": 5, "fee_cents": 6}, 400),
        ({"kind": "deposit", "amount_cents": 5, "method": "cash"}, 400),
        ({"kind": "withdrawal", "amount_cents": 10**7}, 400),
        ({"kind": "deposit", "amount_cents": 5, "created_ts": ex.now() + 1}, 400),
    ):
        assert _err(ex.record_funding, "alice", **kw).status == status
    assert _err(ex.record_funding, "nobody", "deposit", 5).status == 404


def test_usage_upgrade_needs_an_order_and_counts_fills():
    ex, clock = make_exchange()
    assert _err(ex.upgrade_usage_level, "alice").status == 403
    assert ex.usage_grant("alice") is None
    order(ex, "alice", "bid", "0.40", "3")
    order(ex, "bob", "ask", "0.40", "3")
    g = ex.upgrade_usage_level("alice")
    assert (g.level, g.source, g.expires_ts) == ("advanced", "manual", None)
    assert ex.trailing_volume("alice") == ex.trailing_volume("bob") == 3
    assert ex.trailing_volume("carol") == 0
    goals = dict((lv, (earn, keep)) for lv, earn, keep in ex.volume_goals())
    assert list(goals) == ["expert", "premier", "paragon", "prime", "prestige"]
    assert goals["premier"] == (D("0.00"), D("0.00"))  # 0.125% of 3 contracts, to the 0.01
    clock.advance(31 * 86_400_000)
    assert ex.trailing_volume("alice") == 0  # older than 30 days
