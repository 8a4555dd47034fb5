"""Persistence: reopening the same data dir restores the exact state; failures change nothing."""

from __future__ import annotations

import pytest
from test_engine_helpers import D, FakeClock

from sandbox.engine import EngineError
from sandbox.store import open_exchange

NOW = 1_795_500_000_000


def snapshot(ex):
    """Everything that must survive a restart, in comparable form."""
    books = {
        t: ([(o.order_id, o.remaining_count) for o in b.all_orders()]) for t, b in ex.books.items()
    }
    return {
        "accounts": {k: (a.balance, a.reserved) for k, a in ex.accounts.items()},
        "orders": [
            (
                o.order_id,
                o.status,
                o.price,
                o.remaining_count,
                o.fill_count,
                o.seq,
                o.covered,
                o.reserved,
                o.client_order_id,
                o.expiration_time,
            )
            for o in ex.orders.values()
        ],
        "books": books,
        "levels": {t: ex.books[t].levels() for t in ex.books},
        "positions": {
            k: (p.position, p.exposure, p.realized_pnl, p.fees_paid, p.settled)
            for k, p in ex.positions.items()
        },
        "fills": [(f.fill_id, f.count, f.price, f.fee_cost) for f in ex.fills],
        "trades": [(t.trade_id, t.count, t.price) for t in ex.trades],
        "settlements": [(s.ticker, s.user_id, s.revenue) for s in ex.settlements],
        "markets": {
            t: (
                m.status,
                m.yes_bid,
                m.yes_ask,
                m.last_price,
                m.volume,
                m.open_interest,
                m.settlement_ts,
            )
            for t, m in ex.markets.items()
        },
        "groups": {g: (x.contracts_limit, x.triggered, x.window) for g, x in ex.groups.items()},
        "counters": dict(ex.counters),
        "fees": ex.fees_collected,
        "cutoff": ex.cutoff,
        "candles": {t: sorted(c) for t, c in ex.candles.items()},
    }


def test_fresh_open_seeds_and_restore_is_exact(tmp_path):
    clock = FakeClock(NOW)
    # (How fast: bench/bench_engine.py; tests assert no timings.)
    ex = open_exchange(tmp_path, seed=7, clock=clock)
    ex.check_invariants()
    ticker = ex.list_markets(status="open")[0].ticker
    yes, no = ex.book(ticker)
    best_bid = yes[-1][0]
    # Activity after seeding: orders, a fill, a group, an amend, an expiry in the future.
    r = ex.create_order(
        "demo",
        ticker=ticker,
        side="bid",
        price=best_bid,
        count=D("3"),
        time_in_force="good_till_canceled",
        self_trade_prevention_type="taker_at_cross",
        client_order_id="c-1",
        expiration_time=NOW + 60_000,
    )
    g = ex.create_order_group("demo", D("50"))
    ex.create_order(
        "demo",
        ticker=ticker,
        side="ask",
        price=1 - no[-1][0],
        count=D("2"),
        time_in_force="immediate_or_cancel",
        self_trade_prevention_type="taker_at_cross",
        order_group_id=g.order_group_id,
    )
    ex.amend_order(
        "demo", r.order.order_id, ticker=ticker, side="bid", price=best_bid, count=D("2")
    )
    ex.add_user("zed", D("12.34"))
    before = snapshot(ex)
    ex.conn.close()

    again = open_exchange(tmp_path, seed=999, clock=clock)  # the stored seed wins
    assert snapshot(again) == before
    again.check_invariants()
    assert again.seed == 7
    assert again.queue_position("demo", r.order.order_id) == ex.queue_position(
        "demo", r.order.order_id
    )
    # Ids continue from the stored counters, and client ids stay unique.
    with pytest.raises(EngineError):
        again.create_order(
            "demo",
            ticker=ticker,
            side="bid",
            price=best_bid,
            count=D("1"),
            time_in_force="good_till_canceled",
            self_trade_prevention_type="taker_at_cross",
            client_order_id="c-1",
        )
    r2 = again.create_order(
        "demo",
        ticker=ticker,
        side="bid",
        price=best_bid,
        count=D("1"),
        time_in_force="good_till_canceled",
        self_trade_prevention_type="taker_at_cross",
    )
    assert r2.order.order_id not in ex.orders
    # Expiry still works after a restart.
    clock.advance(61_000)
    assert again.get_order("demo", r.order.order_id).status == "canceled"


def test_every_operation_commits_and_failures_write_nothing(tmp_path):
    clock = FakeClock(NOW)
    ex = open_exchange(tmp_path, seed=3, clock=clock)
    ticker = ex.list_markets(status="open")[0].ticker
    changes = ex.conn.total_changes
    with pytest.raises(EngineError):
        ex.create_order(
            "demo",
            ticker=ticker,
            side="bid",
            price="0.505",
            count="1",
            time_in_force="good_till_canceled",
            self_trade_prevention_type="taker_at_cross",
        )
    with pytest.raises(EngineError):
        ex.cancel_order("demo", "nope")
    assert ex.conn.total_changes == changes
    assert not ex.conn.in_transaction
    ex.create_order(
        "demo",
        ticker=ticker,
        side="bid",
        price="0.01",
        count="1",
        time_in_force="good_till_canceled",
        self_trade_prevention_type="taker_at_cross",
    )
    assert ex.conn.total_changes > changes and not ex.conn.in_transaction
    # The HTTP layer shares the connection for its own table.
    ex.conn.execute("CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY)")
    ex.conn.execute("INSERT INTO api_keys VALUES ('k1')")
    ex.conn.close()
    again = open_exchange(tmp_path, clock=clock)
    assert again.conn.execute("SELECT id FROM api_keys").fetchall() == [("k1",)]
    assert len(again.list_orders("demo", status="resting")) == 1


def test_settlement_and_lifecycle_survive_restart(tmp_path):
    clock = FakeClock(NOW)
    ex = open_exchange(tmp_path, seed=5, clock=clock)
    [fed] = [m.ticker for m in ex.list_markets(status="open") if m.ticker.endswith("-H0")]
    ex.determine_market(fed, "yes")
    ex.settle_market(fed)
    before = snapshot(ex)
    ex.conn.close()
    again = open_exchange(tmp_path, clock=clock)
    assert snapshot(again) == before
    assert again.list_settlements("demo")[0].ticker == fed
    assert again.total_money() == ex.total_money()


def test_expiry_done_by_a_rejected_request_is_still_stored(tmp_path):
    clock = FakeClock(NOW)
    ex = open_exchange(tmp_path, seed=3, clock=clock)
    ticker = ex.list_markets(status="open")[0].ticker
    r = ex.create_order(
        "demo",
        ticker=ticker,
        side="bid",
        price="0.01",
        count="1",
        time_in_force="good_till_canceled",
        self_trade_prevention_type="taker_at_cross",
        expiration_time=NOW + 1000,
    )
    clock.advance(2000)
    with pytest.raises(EngineError):  # expires the order first, then rejects the bad price
        ex.create_order(
            "demo",
            ticker=ticker,
            side="bid",
            price="0.015",
            count="1",
            time_in_force="good_till_canceled",
            self_trade_prevention_type="taker_at_cross",
        )
    assert ex.orders[r.order.order_id].status == "canceled"
    ex.conn.close()
    again = open_exchange(tmp_path, clock=clock)
    assert again.orders[r.order.order_id].status == "canceled"
    assert again.get_account("demo").reserved == ex.get_account("demo").reserved


def test_group_deletion_and_subaccounts_persist(tmp_path):
    clock = FakeClock(NOW)
    ex = open_exchange(tmp_path, seed=4, clock=clock)
    keep = ex.create_order_group("demo", D("10"))
    gone = ex.create_order_group("demo", D("10"))
    ex.delete_order_group("demo", gone.order_group_id)
    ex.create_subaccount("demo")
    ex.create_subaccount("demo")
    ex.transfer_between_subaccounts("demo", "fund-2", 0, 2, 2500)
    ticker = ex.list_markets(status="open")[0].ticker
    ex.create_order(
        "demo",
        ticker=ticker,
        side="bid",
        price="0.01",
        count="100",
        time_in_force="good_till_canceled",
        self_trade_prevention_type="taker_at_cross",
        subaccount=2,
    )
    ex.conn.close()
    again = open_exchange(tmp_path, clock=clock)
    assert [g.order_group_id for g in again.list_order_groups("demo")] == [keep.order_group_id]
    sub = again.get_account("demo", 2)
    assert (sub.balance, sub.reserved) == (D("24"), D("1"))
    assert [o.subaccount for o in again.list_orders("demo", status="resting")] == [2]
    assert again.list_orders("demo", subaccount=0, status="resting") == []


def test_a_journal_without_a_meta_row_restores(tmp_path):
    """Operations that never create an id (adding a user) never write the meta row: such a
    journal is not empty, and reopening it restores instead of seeding over it."""
    from sandbox.engine import Exchange
    from sandbox.store import Journal

    ex = Exchange(seed=3, journal=Journal(tmp_path / "exchange.db"))
    ex.add_user("solo", D("12.34"))
    meta_rows = "SELECT count(*) FROM engine_kv WHERE kind = 'meta'"
    assert ex.journal.conn.execute(meta_rows).fetchone() == (0,)
    ex.close()
    assert not Journal(tmp_path / "exchange.db").is_empty()
    again = open_exchange(tmp_path, seed=3)
    assert again.markets == {}  # not re-seeded
    assert again.accounts[("solo", 0)].balance == D("12.34")
    again.close()
    assert Journal(tmp_path / "empty.db").is_empty()
