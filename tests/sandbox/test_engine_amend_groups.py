"""Amend / decrease queue rules, queue positions, order groups (rolling 15 s window)."""

from __future__ import annotations

import pytest
from test_engine_helpers import D, bal, make_exchange, order

from sandbox.engine import EngineError


def _three_bids(ex):
    a = order(ex, "alice", "bid", "0.40", "5").order
    b = order(ex, "bob", "bid", "0.40", "7").order
    c = order(ex, "carol", "bid", "0.40", "2").order
    return a, b, c


def test_queue_position_counts_contracts_ahead():
    ex, _ = make_exchange()
    a, b, c = _three_bids(ex)
    assert ex.queue_position("alice", a.order_id) == 0
    assert ex.queue_position("bob", b.order_id) == 5
    assert ex.queue_position("carol", c.order_id) == 12
    qs = ex.queue_positions("carol")
    assert [(q.order_id, q.market_ticker, q.queue_position) for q in qs] == [
        (c.order_id, "TEST-1", D("12"))
    ]


def test_decrease_keeps_priority():
    ex, _ = make_exchange()
    a, b, c = _three_bids(ex)
    ex.decrease_order("alice", a.order_id, reduce_by=D("2"))
    assert a.remaining_count == 3 and ex.queue_position("alice", a.order_id) == 0
    assert ex.queue_position("bob", b.order_id) == 3
    ex.decrease_order("bob", b.order_id, reduce_to=D("1"))
    assert b.remaining_count == 1 and ex.queue_position("carol", c.order_id) == 4
    assert bal(ex, "bob") == D("1000") - D("0.40")
    ex.decrease_order("carol", c.order_id, reduce_to=D("0"))
    assert c.status == "canceled"
    with pytest.raises(EngineError):
        ex.decrease_order("alice", a.order_id, reduce_by=D("5"))
    with pytest.raises(EngineError):
        ex.decrease_order("alice", a.order_id, reduce_by=D("1"), reduce_to=D("1"))


def test_amend_size_decrease_and_expiry_keep_priority():
    ex, clock = make_exchange()
    a, _, _ = _three_bids(ex)
    old, new = ex.amend_order(
        "alice", a.order_id, ticker="TEST-1", side="bid", price="0.40", count="4"
    )
    assert old.remaining_count == 5 and new.remaining_count == 4
    assert ex.queue_position("alice", a.order_id) == 0
    ex.amend_order(
        "alice",
        a.order_id,
        ticker="TEST-1",
        side="bid",
        price="0.40",
        count="4",
        expiration_time=clock.t + 60_000,
    )
    assert ex.queue_position("alice", a.order_id) == 0 and a.expiration_time == clock.t + 60_000
    assert ex.get_account("alice").reserved == D("1.6")


def test_amend_price_change_or_increase_goes_to_the_back():
    ex, _ = make_exchange()
    a, b, _ = _three_bids(ex)
    ex.amend_order("alice", a.order_id, ticker="TEST-1", side="bid", price="0.40", count="6")
    assert ex.queue_position("alice", a.order_id) == 9 and a.remaining_count == 6
    assert ex.queue_position("bob", b.order_id) == 0
    ex.amend_order("bob", b.order_id, ticker="TEST-1", side="bid", price="0.41", count="7")
    assert ex.book("TEST-1")[0][-1] == (D("0.41"), D("7"))
    assert ex.get_account("bob").reserved == D("0.41") * 7
    ex.check_invariants()


def test_amend_across_the_spread_trades_and_keeps_the_id():
    ex, _ = make_exchange()
    a = order(ex, "alice", "bid", "0.40", "5").order
    order(ex, "bob", "ask", "0.45", "3")
    old, new = ex.amend_order(
        "alice", a.order_id, ticker="TEST-1", side="bid", price="0.45", count="5"
    )
    assert new.order_id == old.order_id and new.fill_count == 3 and new.remaining_count == 2
    assert len(ex.order_fills(a.order_id)) == 1
    # count is the new total including what already filled
    _, n2 = ex.amend_order(
        "alice", a.order_id, ticker="TEST-1", side="bid", price="0.45", count="4"
    )
    assert n2.remaining_count == 1
    with pytest.raises(EngineError) as e:
        ex.amend_order("alice", a.order_id, ticker="TEST-1", side="bid", price="0.45", count="3")
    assert e.value.code == "invalid_order_size"
    ex.check_invariants()


def test_amend_validation():
    ex, _ = make_exchange()
    a = order(ex, "alice", "bid", "0.40", "5", client_order_id="x1").order
    order(ex, "alice", "bid", "0.30", "1", client_order_id="x2")
    cases = [
        ({"ticker": "OTHER"}, "order_ticker_mismatch"),
        ({"side": "ask"}, "order_side_mismatch"),
        ({"client_order_id": "zz"}, "order_id_and_client_order_id_mismatch"),
        ({"updated_client_order_id": "x2"}, "order_already_exists"),
        ({"price": "0.405"}, "invalid_price"),
        ({"count": "100000"}, "available_balance_too_low"),
    ]
    for change, code in cases:
        kw = {"ticker": "TEST-1", "side": "bid", "price": "0.40", "count": "5", **change}
        with pytest.raises(EngineError) as e:
            ex.amend_order("alice", a.order_id, **kw)
        assert e.value.code == code, change
    assert a.price == D("0.40") and a.remaining_count == 5 and bal(ex, "alice") == D("997.70")
    ex.amend_order(
        "alice",
        a.order_id,
        ticker="TEST-1",
        side="bid",
        price="0.40",
        count="5",
        client_order_id="x1",
        updated_client_order_id="x3",
    )
    assert ex.get_order("alice", a.order_id).client_order_id == "x3"


def test_order_group_limit_cancels_and_blocks_until_reset():
    ex, clock = make_exchange()
    g = ex.create_order_group("alice", D("10"))
    o1 = order(ex, "alice", "bid", "0.40", "6", order_group_id=g.order_group_id).order
    o2 = order(ex, "alice", "bid", "0.30", "50", order_group_id=g.order_group_id).order
    assert set(ex.order_group_orders("alice", g.order_group_id)) == {o1.order_id, o2.order_id}
    order(ex, "bob", "ask", "0.40", "6")
    assert not g.triggered and ex.group_matched(g.order_group_id) == 6
    clock.advance(5_000)
    order(ex, "bob", "ask", "0.30", "4")  # 10 within 15 s: limit hit
    assert g.triggered and o2.status == "canceled"
    assert ex.order_group_orders("alice", g.order_group_id) == []
    with pytest.raises(EngineError) as e:
        order(ex, "alice", "bid", "0.30", "1", order_group_id=g.order_group_id)
    assert e.value.code == "order_group_limit_reached"
    ex.reset_order_group("alice", g.order_group_id)
    assert not g.triggered
    order(ex, "alice", "bid", "0.30", "1", order_group_id=g.order_group_id)
    ex.check_invariants()


def test_order_group_window_rolls_after_15_seconds():
    ex, clock = make_exchange()
    g = ex.create_order_group("alice", D("10"))
    order(ex, "alice", "bid", "0.40", "100", order_group_id=g.order_group_id)
    order(ex, "bob", "ask", "0.40", "6", tif="immediate_or_cancel")
    clock.advance(15_001)
    order(ex, "bob", "ask", "0.40", "6", tif="immediate_or_cancel")
    assert not g.triggered and ex.group_matched(g.order_group_id) == 6
    clock.advance(1_000)
    order(ex, "bob", "ask", "0.40", "4", tif="immediate_or_cancel")
    assert g.triggered


def test_taker_in_group_stops_when_limit_hit():
    ex, _ = make_exchange()
    g = ex.create_order_group("alice", D("5"))
    order(ex, "bob", "ask", "0.40", "3")
    order(ex, "carol", "ask", "0.41", "3")
    order(ex, "bob", "ask", "0.42", "3")
    r = order(ex, "alice", "bid", "0.45", "9", order_group_id=g.order_group_id)
    assert r.fill_count == 6 and r.order.status == "canceled" and g.triggered


def test_order_group_trigger_update_limit_and_delete():
    ex, _ = make_exchange()
    g = ex.create_order_group("alice", D("100"))
    o = order(ex, "alice", "bid", "0.40", "10", order_group_id=g.order_group_id).order
    ex.trigger_order_group("alice", g.order_group_id)
    assert g.triggered and o.status == "canceled"
    ex.reset_order_group("alice", g.order_group_id)
    order(ex, "alice", "bid", "0.40", "10", order_group_id=g.order_group_id)
    order(ex, "bob", "ask", "0.40", "4", tif="immediate_or_cancel")
    ex.update_order_group_limit("alice", g.order_group_id, D("4"))  # already reached
    assert g.triggered and g.contracts_limit == 4
    ex.reset_order_group("alice", g.order_group_id)
    o3 = order(ex, "alice", "bid", "0.30", "10", order_group_id=g.order_group_id).order
    ex.delete_order_group("alice", g.order_group_id)
    assert o3.status == "canceled" and ex.list_order_groups("alice") == []
    with pytest.raises(EngineError) as e:
        ex.get_order_group("alice", g.order_group_id)
    assert e.value.status == 404
    with pytest.raises(EngineError):
        ex.get_order_group("bob", ex.create_order_group("alice", D("1")).order_group_id)
    assert bal(ex, "alice") == D("1000") - D("1.6")  # maker: no fee on quadratic


def test_cancel_all_orders():
    ex, _ = make_exchange(tickers=("TEST-1", "TEST-2"))
    order(ex, "alice", "bid", "0.40", "1")
    order(ex, "alice", "bid", "0.40", "1", ticker="TEST-2")
    order(ex, "bob", "bid", "0.40", "1")
    assert len(ex.cancel_all_orders("alice", ticker="TEST-2")) == 1
    assert len(ex.cancel_all_orders("alice")) == 1
    assert ex.list_orders("alice", status="resting") == []
    assert len(ex.list_orders("bob", status="resting")) == 1
