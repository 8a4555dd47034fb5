"""Engine rules of exchange indexes: cash per index, intra-exchange transfers (bounds, unknown
index, insufficient funds, client-id idempotency, same index = subaccount transfer), target
balance allocation, all conserving money and surviving a restart."""

from __future__ import annotations

from decimal import Decimal

import pytest
from engine_snapshot import diff, memory
from test_engine_helpers import make_exchange, order

from sandbox.engine import EngineError
from sandbox.store import open_exchange

D = Decimal
EC = "event_contract"


def _err(fn, *args, **kw) -> EngineError:
    with pytest.raises(EngineError) as e:
        fn(*args, **kw)
    return e.value


def _move(ex, amount, src=0, dst=1, **kw):
    return ex.transfer_between_indexes(
        "alice",
        source=kw.pop("source", EC),
        destination=kw.pop("destination", EC),
        amount=amount,
        source_index=src,
        destination_index=dst,
        **kw,
    )


def test_transfer_moves_cash_between_indexes_and_conserves_money():
    ex, _ = make_exchange()
    total = ex.total_money()
    tid = _move(ex, 1_234_500)  # centicents: $123.45
    assert ex.get_account("alice").balance == D("876.55")
    assert ex.index_balance("alice", 0, 1) == D("123.45")
    assert ex.index_balance("alice", 0, None) == D("1000")  # all indexes
    t = ex.indexes.get_transfer("alice", tid)
    assert (t.source_index, t.destination_index, t.amount) == (0, 1, D("123.45"))
    _move(ex, 300, src=1, dst=0)
    assert ex.index_balance("alice", 0, 1) == D("123.42")
    assert [x.transfer_id for x in ex.indexes.list_transfers("alice")][1] == tid  # newest first
    assert ex.total_money() == total
    assert _err(ex.indexes.get_transfer, "bob", tid).status == 404  # another user's
    ex.check_invariants()


def test_orders_draw_on_index_0_only():
    """Every local market is on index 0: cash parked on index 1 cannot back an order."""
    ex, _ = make_exchange(balance="10")
    _move(ex, 100_000)  # all $10 to index 1
    e = _err(order, ex, "alice", "bid", "0.40", "1")
    assert e.status == 400 and "balance" in e.code
    _move(ex, 4200, src=1, dst=0)  # $0.42 back: the price and the taker-fee bound
    assert order(ex, "alice", "bid", "0.40", "1").order.status == "resting"
    assert ex.get_account("alice").balance == D("0.02")
    assert ex.index_balance("alice", 0, 1) == D("9.58")
    ex.check_invariants()


@pytest.mark.parametrize(
    ("kw", "status"),
    [
        ({"amount": 0}, 400),
        ({"amount": -100}, 400),
        ({"amount": True}, 400),
        ({"amount": 150}, 400),  # $0.015: off a regular member's cent precision
        ({"amount": 10**18}, 400),
        ({"amount": 100, "dst": 2}, 400),  # not an index the exchange runs
        ({"amount": 100, "dst": 101}, 400),  # past the spec's 0-100
        ({"amount": 100, "src": -1}, 400),
        ({"amount": 100, "destination": "margined"}, 400),  # no perpetuals exchange here
        ({"amount": 100, "source": "spot"}, 400),
        ({"amount": 100, "dst": 0}, 400),  # same account, same index
        ({"amount": 100_000_100}, 400),  # $10,000.01 > $1,000
        ({"amount": 100, "source_subaccount": 1}, 404),  # never created
        ({"amount": 100, "destination_subaccount": 64}, 400),
        ({"amount": 100, "client_transfer_id": ""}, 400),
    ],
)
def test_transfer_bounds(kw, status):
    ex, _ = make_exchange()
    before = memory(ex)
    assert _err(_move, ex, **kw).status == status
    assert not diff(before, memory(ex))  # nothing half-applied


def test_client_transfer_id_is_idempotent_and_only_for_primary_accounts():
    ex, _ = make_exchange()
    ex.create_subaccount("alice")
    _move(ex, 100, client_transfer_id="c-1")
    e = _err(_move, ex, 100, client_transfer_id="c-1")
    assert (e.status, e.code) == (409, "conflict")
    _move(ex, 100, src=1, dst=0, client_transfer_id="c-1")  # another source index: a new one
    e = _err(_move, ex, 100, destination_subaccount=1, client_transfer_id="c-2")
    assert e.status == 400 and "primary" in e.message
    assert len(ex.indexes.list_transfers("alice")) == 2


def test_same_index_is_a_subaccount_transfer():
    """ "When source_exchange_shard and destination_exchange_shard are the same, Kalshi treats
    the request as a subaccount transfer" (its id is in the subaccount transfer history)."""
    ex, _ = make_exchange()
    ex.create_subaccount("alice")
    tid = _move(ex, 25_000, src=0, dst=0, destination_subaccount=1)
    assert ex.get_account("alice", 1).balance == D("2.50")
    assert [t.transfer_id for t in ex.list_subaccount_transfers("alice")] == [tid]
    assert ex.indexes.list_transfers("alice") == []
    assert _err(_move, ex, 25, src=0, dst=0, destination_subaccount=1).status == 400  # $0.0025


def test_cross_index_subaccount_transfer_and_subaccount_transfer_on_index_1():
    ex, _ = make_exchange()
    ex.create_subaccount("alice")
    total = ex.total_money()
    _move(ex, 50_000, destination_subaccount=1)  # sub 0 idx 0 -> sub 1 idx 1
    assert ex.index_balance("alice", 1, 1) == D("5")
    ex.transfer_between_subaccounts("alice", "s", 1, 0, 200, exchange_index=1)
    assert ex.index_balance("alice", 0, 1) == D("2")
    assert ex.index_balance("alice", 1, 1) == D("3")
    e = _err(ex.transfer_between_subaccounts, "alice", "s2", 1, 0, 301, exchange_index=1)
    assert e.code == "available_balance_too_low"
    assert _err(ex.transfer_between_subaccounts, "alice", "s3", 1, 0, 1, exchange_index=2).status
    assert ex.total_money() == total
    ex.check_invariants()


def test_target_allocation_rebalances_the_primary_account():
    ex, _ = make_exchange()
    order(ex, "alice", "bid", "0.40", "10")  # $4 held for a resting order stays put
    total = ex.total_money()
    a = ex.set_target_allocation("alice", [(1, 25), (0, 75)], "max")
    assert (a.allocations, a.resting_margin_reservation) == ([[0, 75], [1, 25]], "max")
    assert ex.get_account("alice").balance == D("747")  # 75% of the $996 available
    assert ex.index_balance("alice", 0, 1) == D("249")
    assert ex.get_account("alice").reserved == D("4")
    ex.set_target_allocation("alice", [(0, 33), (1, 67)])
    assert ex.get_account("alice").balance == D("328.68")  # rounded down to the cent
    assert ex.index_balance("alice", 0, 1) == D("667.32")  # the rest: the larger share
    assert ex.indexes.allocation("alice").resting_margin_reservation == "sum"  # the default
    ex.set_target_allocation("alice", [])  # disables rebalancing: nothing moves
    assert ex.index_balance("alice", 0, 1) == D("667.32")
    assert ex.total_money() == total
    ex.check_invariants()


def test_automatic_rebalancing_brings_a_drifted_split_back_to_target():
    ex, _ = make_exchange()
    ex.set_target_allocation("alice", [(0, 50), (1, 50)])
    assert ex.rebalance_allocations() == 0  # on target: no operation at all
    order(ex, "alice", "bid", "0.40", "10")  # $4 of index 0's cash now held for the order
    total = ex.total_money()
    assert ex.indexes.drift("alice")
    assert ex.rebalance_allocations() == 1
    assert ex.get_account("alice").balance == ex.index_balance("alice", 0, 1) == D("498")
    assert not ex.indexes.drift("alice") and ex.rebalance_allocations() == 0
    ex.set_target_allocation("alice", [])  # disabled: a drift stays
    order(ex, "alice", "bid", "0.40", "10")
    assert ex.rebalance_allocations() == 0
    assert ex.get_account("alice").balance == D("494")
    assert ex.total_money() == total
    ex.check_invariants()


@pytest.mark.parametrize(
    "allocations",
    [
        [(0, 60), (1, 30)],  # 90
        [(0, 50), (0, 50)],  # repeated index
        [(0, 50), (2, 50)],  # unknown index
        [(0, 101)],
        [(0, -1), (1, 101)],
        [(0, True)],
        [(0,)],
        "0:100",
        [(0, 1)] * 102,
    ],
)
def test_target_allocation_bounds(allocations):
    ex, _ = make_exchange()
    before = memory(ex)
    assert _err(ex.set_target_allocation, "alice", allocations).status == 400
    assert _err(ex.set_target_allocation, "alice", [(0, 100)], "all").status == 400
    assert not diff(before, memory(ex))


def test_index_cash_transfers_and_allocation_survive_a_restart(tmp_path):
    ex, clock = make_exchange(data_dir=tmp_path)
    ex.create_subaccount("alice")
    _move(ex, 10_000, client_transfer_id="k")
    _move(ex, 20_000, destination_subaccount=1)
    ex.set_target_allocation("alice", [(0, 90), (1, 10)], "none")
    before = memory(ex, ordered=False)
    ex.close()
    again = open_exchange(tmp_path, clock=clock)
    assert not diff(before, memory(again, ordered=False))
    assert _err(_move, again, 100, client_transfer_id="k").status == 409
    again.check_invariants()
    again.close()
