"""The RFQ market in the engine: every rule of the accept -> confirm -> execution sequence, each
error answer, visibility, timers, and money moved exactly like order-book fills."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

import pytest
from test_engine_helpers import make_exchange, order

from sandbox.engine import EngineError
from sandbox.engine.communications import HIDDEN_ID, MAX_OPEN_RFQS
from sandbox.engine.events import FillEvent, QuoteEvent, RfqEvent

D = Decimal


def fee(rate: str, count: str, p: str) -> D:
    """An independent fee: round up rate x C x P x (1-P) to the cent."""
    raw = D(rate) * D(count) * D(p) * (1 - D(p))
    return raw.quantize(D("0.01"), rounding=ROUND_CEILING)


@pytest.fixture
def ex_clock():
    return make_exchange(fee_type="quadratic_with_maker_fees")


def rfq(ex, user="alice", **kw):
    kw.setdefault("ticker", "TEST-1")
    kw.setdefault("rest_remainder", False)
    if "target_cost" not in kw:
        kw.setdefault("contracts", "10")
    return ex.create_rfq(user, **kw)


def quote(ex, r, user="bob", yes="0.40", no="0.55", **kw):
    kw.setdefault("rest_remainder", False)
    return ex.create_quote(user, rfq_id=r.rfq_id, yes_bid=yes, no_bid=no, **kw)


def code(fn, *a, **kw) -> tuple[int, str]:
    with pytest.raises(EngineError) as e:
        fn(*a, **kw)
    return e.value.status, e.value.code


def test_full_flow_moves_money_like_two_fills(ex_clock):
    ex, clock = ex_clock
    total = ex.total_money()
    seen: list = []
    ex.listeners.append(seen.append)
    r = rfq(ex)
    q = quote(ex, r)
    ex.accept_quote("alice", q.quote_id, "yes", r.rfq_id)
    assert q.status == "accepted" and q.deadline == clock.t + 30_000
    ex.confirm_quote("bob", q.quote_id, r.rfq_id)
    assert q.status == "confirmed" and q.deadline == clock.t + 15_000
    clock.advance(14_999)
    assert ex.run_timers() == 0
    clock.advance(1)
    assert ex.run_timers() == 1
    assert q.status == "executed" and ex.get_rfq(r.rfq_id).status == "closed"
    # Requester bought 10 YES at 0.40 (taker), maker sold them (NO at 0.60, maker fee).
    alice, bob = ex.get_account("alice"), ex.get_account("bob")
    assert alice.balance == D("1000") - D("4.00") - fee("0.07", "10", "0.40")
    assert bob.balance == D("1000") - D("6.00") - fee("0.0175", "10", "0.40")
    assert ex.positions[("alice", 0, "TEST-1")].position == 10
    assert ex.positions[("bob", 0, "TEST-1")].position == -10
    fills = {f.user_id: f for f in ex.list_fills("alice") + ex.list_fills("bob")}
    assert fills["alice"].is_taker and not fills["bob"].is_taker
    assert fills["alice"].order_id == q.rfq_creator_order_id
    assert fills["bob"].order_id == q.creator_order_id
    assert ex.total_money() == total
    ex.check_invariants()
    kinds = [(type(e).__name__, getattr(e, "kind", "")) for e in seen]
    executed = kinds.index(("QuoteEvent", "executed"))
    assert executed < kinds.index(("FillEvent", ""))  # correlate the fills that follow
    assert ("RfqEvent", "deleted") in kinds
    assert sum(isinstance(e, FillEvent) for e in seen) == 2


def test_accepting_no_buys_no_at_no_bid(ex_clock):
    ex, clock = ex_clock
    r = rfq(ex)
    q = quote(ex, r, yes="0.40", no="0.55")
    ex.accept_quote("alice", q.quote_id, "no")
    ex.confirm_quote("bob", q.quote_id)
    clock.advance(15_000)
    ex.run_timers()
    assert ex.positions[("alice", 0, "TEST-1")].position == -10  # 10 NO
    assert ex.get_account("alice").balance == D("1000") - D("5.50") - fee("0.07", "10", "0.45")
    assert ex.get_account("bob").balance == D("1000") - D("4.50") - fee("0.0175", "10", "0.45")


def test_rfq_limit_is_100_open(ex_clock):
    ex, _ = ex_clock
    for _ in range(MAX_OPEN_RFQS):
        rfq(ex, contracts="1")
    assert code(rfq, ex, contracts="1") == (409, "rfq_limit_reached")
    ex.delete_rfq("alice", ex.list_rfqs(user_id="alice", status="open")[0].rfq_id)
    rfq(ex, contracts="1")  # room again
    r = rfq(ex, contracts="2", replace_existing=True)  # closes the other 100
    assert [x.rfq_id for x in ex.list_rfqs(user_id="alice", status="open")] == [r.rfq_id]


def test_rfq_input_errors(ex_clock):
    ex, _ = ex_clock
    assert code(rfq, ex, ticker="NOPE") == (404, "not_found")
    assert code(ex.create_rfq, "alice", ticker="TEST-1", rest_remainder=False) == (
        400,
        "invalid_parameters",
    )
    both = dict(contracts="1", target_cost="5")
    assert code(rfq, ex, **both)[0] == 400
    assert code(rfq, ex, contracts="0")[1] == "invalid_order_size"
    assert code(rfq, ex, target_cost="-1")[0] == 400
    ex.close_market("TEST-1")
    assert code(rfq, ex) == (409, "market_closed")


def test_quote_rules(ex_clock):
    ex, _ = ex_clock
    r = rfq(ex)
    assert code(quote, ex, r, user="alice") == (400, "self_quote")
    assert code(quote, ex, r, yes="0", no="0") == (400, "invalid_parameters")
    assert code(quote, ex, r, yes="0.405")[0] == 400  # off the grid
    assert code(quote, ex, r, yes="1.2")[0] == 400
    q1 = quote(ex, r)
    q2 = quote(ex, r, yes="0.41")  # a new quote replaces the maker's previous one
    assert q1.status == "cancelled" and q1.cancellation_reason == "replaced"
    assert q2.status == "open"
    ex.delete_rfq("alice", r.rfq_id)
    assert q2.status == "cancelled"
    assert code(quote, ex, r) == (400, "rfq_closed")  # quote on a closed RFQ


def test_accept_and_confirm_permissions(ex_clock):
    ex, _ = ex_clock
    r = rfq(ex)
    q = quote(ex, r)
    assert code(ex.accept_quote, "bob", q.quote_id, "yes") == (403, "forbidden")  # not requester
    assert code(ex.accept_quote, "carol", q.quote_id, "yes") == (404, "not_found")  # a stranger
    assert code(ex.accept_quote, "alice", q.quote_id, "maybe")[0] == 400
    assert (
        code(ex.accept_quote, "alice", q.quote_id, "yes", "00000000-0000-0000-0000-000000000000")[0]
        == 404
    )
    assert code(ex.confirm_quote, "bob", q.quote_id) == (400, "quote_not_accepted")
    ex.accept_quote("alice", q.quote_id, "yes")
    assert code(ex.confirm_quote, "alice", q.quote_id) == (403, "forbidden")  # not quoter
    assert code(ex.confirm_quote, "carol", q.quote_id) == (404, "not_found")
    q2 = quote(ex, r, user="carol")
    assert code(ex.accept_quote, "alice", q2.quote_id, "yes") == (400, "rfq_quote_pending")
    ex.confirm_quote("bob", q.quote_id)
    assert code(ex.delete_quote, "bob", q.quote_id) == (400, "quote_confirmed")
    assert code(ex.delete_rfq, "alice", r.rfq_id) == (400, "quote_confirmed")


def test_declined_side_and_balance(ex_clock):
    ex, _ = ex_clock
    r = rfq(ex, contracts="5000")
    q = quote(ex, r, yes="0", no="0.55")
    assert code(ex.accept_quote, "alice", q.quote_id, "yes") == (400, "invalid_parameters")
    assert code(ex.accept_quote, "alice", q.quote_id, "no") == (400, "available_balance_too_low")


def test_missed_confirmation_window_cancels_the_quote_not_the_rfq(ex_clock):
    ex, clock = ex_clock
    r = rfq(ex)
    q = quote(ex, r)
    ex.accept_quote("alice", q.quote_id, "yes")
    clock.advance(30_001)
    assert code(ex.confirm_quote, "bob", q.quote_id) == (400, "quote_not_accepted")
    assert q.status == "cancelled" and q.cancellation_reason == "confirmation_timeout"
    assert ex.get_rfq(r.rfq_id).status == "open"
    q2 = quote(ex, r, user="carol")
    ex.accept_quote("alice", q2.quote_id, "yes")  # the RFQ takes another acceptance


def test_timers_fire_in_deadline_order_and_the_bound_follows(ex_clock):
    """`comms.earliest` bounds every pending deadline from below, so the check before each
    operation needs no scan; a due timer still fires, and the bound moves to the next one."""
    ex, clock = ex_clock
    r1, r2 = rfq(ex), rfq(ex)
    q1, q2 = quote(ex, r1), quote(ex, r2)
    assert ex.comms.earliest is None  # nothing accepted: no timer
    ex.accept_quote("alice", q1.quote_id, "yes")
    clock.advance(10_000)
    ex.accept_quote("alice", q2.quote_id, "yes")
    assert ex.comms.earliest == q1.deadline < q2.deadline
    clock.advance(20_001)  # q1's 30 s window has passed, q2's has not
    ex.get_rfq(r1.rfq_id)  # any call runs the due timers first
    assert (q1.status, q2.status) == ("cancelled", "accepted")
    assert ex.comms.earliest == q2.deadline
    clock.advance(10_000)
    ex.get_rfq(r2.rfq_id)
    assert q2.status == "cancelled" and ex.comms.earliest is None


def test_combo_markets_use_the_short_windows():
    ex, clock = make_exchange(tickers=("KXMVE-TEST-1",))
    r = rfq(ex, ticker="KXMVE-TEST-1")
    q = quote(ex, r)
    ex.accept_quote("alice", q.quote_id, "yes")
    assert q.deadline == clock.t + 1_000


def test_failed_execution_ends_the_quote_and_keeps_the_money(ex_clock):
    ex, clock = ex_clock
    total = ex.total_money()
    r = rfq(ex, contracts="100")
    q = quote(ex, r)
    ex.accept_quote("alice", q.quote_id, "yes")
    ex.confirm_quote("bob", q.quote_id)
    ex.deposit("alice", D("-990"))  # alice can no longer pay 100 x 0.40
    clock.advance(15_000)
    ex.run_timers()
    assert q.status == "cancelled"
    assert q.cancellation_reason == "execution_failed: available_balance_too_low"
    assert not ex.list_fills("bob") and not [o for o in ex.orders.values() if o.user_id == "bob"]
    assert ex.total_money() == total - D("990")
    ex.check_invariants()


def test_target_cost_sizes_quotes(ex_clock):
    ex, _ = ex_clock
    r = rfq(ex, target_cost="10", target_cost_excludes_fees=True)
    assert ex.comms.contracts_for(r, "yes", D("0.40")) == D("25")
    r2 = rfq(ex, target_cost="10")
    n = ex.comms.contracts_for(r2, "yes", D("0.40"))
    assert n * D("0.40") + fee("0.07", str(n), "0.40") <= 10
    more = n + D("0.01")
    assert more * D("0.40") + fee("0.07", str(more), "0.40") > 10


def test_visibility_and_obscured_creator(ex_clock):
    ex, clock = ex_clock
    r = rfq(ex, obscure_creator=True)
    comms = ex.comms
    assert comms.creator_id_for(r, "bob") == HIDDEN_ID
    assert comms.creator_id_for(r, "alice") == ex.communications_id("alice") != HIDDEN_ID
    q_bob, q_carol = quote(ex, r), quote(ex, r, user="carol")
    assert {q.quote_id for q in ex.list_quotes("alice")} == {q_bob.quote_id, q_carol.quote_id}
    assert [q.quote_id for q in ex.list_quotes("bob")] == [q_bob.quote_id]  # not carol's
    assert code(ex.get_quote, "bob", q_carol.quote_id) == (404, "not_found")
    ex.accept_quote("alice", q_bob.quote_id, "yes")
    ex.confirm_quote("bob", q_bob.quote_id)
    clock.advance(15_000)
    ex.run_timers()
    assert comms.creator_id_for(ex.get_rfq(r.rfq_id), "bob") == ex.communications_id("alice")


def test_rest_remainder_rests_the_makers_order(ex_clock):
    ex, clock = ex_clock
    order(ex, "carol", "ask", "0.40", "4")  # an earlier ask at the same price fills first
    r = rfq(ex)
    q = quote(ex, r, rest_remainder=True)
    ex.accept_quote("alice", q.quote_id, "yes")
    ex.confirm_quote("bob", q.quote_id)
    clock.advance(15_000)
    ex.run_timers()
    maker = ex.orders[q.creator_order_id]
    assert maker.status == "resting" and maker.remaining_count == 4
    assert ex.positions[("alice", 0, "TEST-1")].position == 10
    ex.check_invariants()


def test_restore_rebuilds_rfqs_and_timers(tmp_path):
    from sandbox.store import open_exchange

    ex, clock = make_exchange(data_dir=tmp_path)
    r = rfq(ex)
    q = quote(ex, r)
    ex.accept_quote("alice", q.quote_id, "yes")
    ex.close()
    again = open_exchange(tmp_path, clock=clock)
    assert again.get_rfq(r.rfq_id).status == "open"
    assert again.next_rfq_deadline() == q.deadline
    again.confirm_quote("bob", q.quote_id)
    clock.advance(15_000)
    assert again.run_timers() == 1
    assert again.get_quote("alice", q.quote_id).status == "executed"
    again.close()


def test_events_carry_snapshots(ex_clock):
    ex, _ = ex_clock
    seen: list = []
    ex.listeners.append(seen.append)
    r = rfq(ex)
    q = quote(ex, r)
    ex.accept_quote("alice", q.quote_id, "yes")
    kinds = [(type(e).__name__, e.kind) for e in seen if isinstance(e, (RfqEvent, QuoteEvent))]
    assert kinds == [("RfqEvent", "created"), ("QuoteEvent", "created"), ("QuoteEvent", "accepted")]
