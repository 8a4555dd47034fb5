"""Write path: only changed rows are written, the row encoding is stable, listeners that want no
events get none built, and users created by another process can be loaded."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal

import engine_snapshot
import pytest
from test_engine_helpers import FakeClock

from sandbox.store import open_exchange
from sandbox.store.codec import CODECS, FILL, TRADE, legacy_encode

NOW = 1_795_500_000_000


def _ticker(ex) -> str:
    return next(
        m.ticker
        for m in ex.markets.values()
        if m.status == "active" and m.price_level_structure == "linear_cent"
    )


def _order(ex, user, ticker):
    return ex.create_order(
        user,
        ticker=ticker,
        side="bid",
        price="0.0100",
        count="1",
        time_in_force="good_till_canceled",
        self_trade_prevention_type="maker",
    ).order


def test_rows_are_the_plain_json_of_every_field(tmp_path):
    ex = open_exchange(tmp_path, seed=7, clock=FakeClock(NOW))
    reference = {
        "market": ex.markets,
        "series": ex.series,
        "event": ex.events,
        "account": ex.accounts,
        "order": ex.orders,
    }
    for kind, objs in reference.items():
        codec = CODECS[kind]
        for obj in objs.values():
            plain = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
            row = json.loads(codec.encode(obj))
            assert list(row) == list(plain)  # every field, in order
            for name, value in plain.items():
                if name == "price_ranges":
                    assert row[name] == [
                        {"start": str(r.start), "end": str(r.end), "step": str(r.step)}
                        for r in value
                    ]
                elif isinstance(value, Decimal):
                    assert row[name] == str(value)  # exact, never a float
                elif value is not None and not isinstance(value, list):
                    assert row[name] == value
            assert codec.decode(codec.encode(obj)) == obj
    for codec, objs in ((FILL, ex.fills[:50]), (TRADE, ex.trades[:50])):
        for obj in objs:
            assert codec.decode(codec.encode(obj)) == obj
    ex.close()


@pytest.mark.parametrize("kind", ["market", "series", "event", "account", "order"])
def test_rows_in_the_legacy_encoding_still_decode_exactly(tmp_path, kind):
    """Journals written before msgspec (stdlib json, PriceRanges as arrays) open unchanged."""
    ex = open_exchange(tmp_path, seed=7, clock=FakeClock(NOW))
    table = {"market": ex.markets, "series": ex.series, "event": ex.events}.get(kind)
    objs = list((table or {"account": ex.accounts, "order": ex.orders}[kind]).values())
    assert objs
    for obj in objs:
        assert CODECS[kind].decode(legacy_encode(obj)) == obj
    if kind == "market":
        assert '"price_ranges":[["' in legacy_encode(objs[0])  # the old array form is covered
    ex.close()


def test_a_journal_in_the_legacy_encoding_restores_exactly(tmp_path):
    """Every stored row rewritten in the legacy encoding: the restored exchange is the same,
    in memory and (once re-encoded) on disk."""
    ex = open_exchange(tmp_path, seed=7, clock=FakeClock(NOW))
    ex.add_user("w", 100)
    _order(ex, "w", _ticker(ex))
    ex.close()
    ex = open_exchange(tmp_path, clock=FakeClock(NOW))
    before = engine_snapshot.memory(ex)
    conn = ex.conn
    for table, codec in (("engine_fills", FILL), ("engine_trades", TRADE)):
        for rowid, data in conn.execute(f"SELECT id, data FROM {table}").fetchall():
            old = legacy_encode(codec.decode(data))
            conn.execute(f"UPDATE {table} SET data = ? WHERE id = ?", (old, rowid))
    for kind, key, data in conn.execute("SELECT kind, key, data FROM engine_kv").fetchall():
        old = legacy_encode(CODECS[kind].decode(data))
        conn.execute("UPDATE engine_kv SET data = ? WHERE kind = ? AND key = ?", (old, kind, key))
    ex.close()
    again = open_exchange(tmp_path, clock=FakeClock(NOW))
    assert engine_snapshot.diff(before, engine_snapshot.memory(again)) == []
    again.close()


def test_a_resting_bid_and_its_cancel_write_only_what_changed(tmp_path):
    ex = open_exchange(tmp_path, seed=7, clock=FakeClock(NOW))
    ex.add_user("w", 100)
    ticker = _ticker(ex)
    _order(ex, "w", ticker)  # first order: creates the position row
    written: list[list[str]] = []
    commit = ex.journal.commit

    def spy(changes):
        written.append(sorted(kind for kind, _, _ in changes.rows()))
        commit(changes)

    ex.journal.commit = spy
    o = _order(ex, "w", ticker)
    ex.cancel_order("w", o.order_id)
    assert written == [["account", "meta", "order"], ["account", "order"]]
    ex.close()
    again = open_exchange(tmp_path, clock=FakeClock(NOW))
    assert again.orders[o.order_id].status == "canceled"
    assert ("w", 0, ticker) in again.positions
    again.close()


class Quiet:
    def __init__(self):
        self.active = False
        self.seen = []

    def wants_events(self) -> bool:
        return self.active

    def __call__(self, event) -> None:
        self.seen.append(event)


def test_listeners_that_want_no_events_get_none(tmp_path):
    ex = open_exchange(tmp_path, seed=7, clock=FakeClock(NOW))
    ex.add_user("q", 100)
    quiet = Quiet()
    ex.listeners.append(quiet)
    ticker = _ticker(ex)
    _order(ex, "q", ticker)
    assert quiet.seen == [] and ex.operation().events is None
    quiet.active = True
    _order(ex, "q", ticker)
    assert any(type(e).__name__ == "OrderEvent" for e in quiet.seen)
    quiet.active = False
    plain = []
    ex.listeners.append(plain.append)  # a listener without the hook always gets events
    _order(ex, "q", ticker)
    assert plain and len(quiet.seen) > 0
    ex.close()


def test_load_user_picks_up_a_user_added_by_another_process(tmp_path):
    server = open_exchange(tmp_path, seed=7, clock=FakeClock(NOW))
    other = open_exchange(tmp_path, clock=FakeClock(NOW))  # e.g. `python -m sandbox add-user`
    other.add_user("late", 25)
    other.create_subaccount("late")
    other.create_subaccount("late")
    other.transfer_between_subaccounts("late", "fund-2", 0, 2, 500)
    other.close()
    assert not server.has_user("late")
    assert server.load_user("late")
    assert server.get_account("late").balance == 20
    assert server.accounts[("late", 2)].balance == 5
    assert not server.load_user("nobody")
    assert server.load_user("late")  # known: memory wins, nothing re-read
    server.close()


def test_one_series_has_no_primary_category(tmp_path):
    ex = open_exchange(tmp_path, seed=7, clock=FakeClock(NOW))
    s = ex.get_series("KXGASD")
    assert s.category == "" and s.categories == ["Economics"]
    assert s in ex.list_series(category="Economics")
    ex.close()


def test_a_lone_surrogate_from_a_client_is_journaled_and_restored(tmp_path):
    """JSON input may carry "\\ud800" (not encodable as UTF-8): the order is accepted, stored
    and restored exactly."""
    ex = open_exchange(tmp_path, seed=7, clock=FakeClock(NOW))
    ex.add_user("w", 100)
    o = ex.create_order(
        "w",
        ticker=_ticker(ex),
        side="bid",
        price="0.0100",
        count="1",
        time_in_force="good_till_canceled",
        self_trade_prevention_type="maker",
        client_order_id="odd-\ud800",
    ).order
    assert CODECS["order"].decode(CODECS["order"].encode(o)) == o
    ex.close()
    again = open_exchange(tmp_path, clock=FakeClock(NOW))
    assert again.orders[o.order_id] == o
    again.close()
