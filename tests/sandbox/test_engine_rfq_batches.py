"""RFQ batches in the engine: every rule of the spec (best maker per child on the requester's
side, ties to the earliest bid, all or none on accept, the last confirmation starts the timer, a
missed deadline closes the batch, visibility, limits) and money moved to the cent."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

import pytest
from rfq_batch_world import COLLECTION, batch_exchange, children, leg

from sandbox.engine import EngineError
from sandbox.engine.events import FillEvent, QuoteEvent, RfqEvent
from sandbox.engine.rfqbatches import MAX_OPEN_BATCHES, QUOTE_LIFE_MS, BatchEvent

D = Decimal


def fee(rate: str, count: str, p: str) -> D:
    """An independent fee: round up rate x C x P x (1-P) to the cent."""
    raw = D(rate) * D(count) * D(p) * (1 - D(p))
    return raw.quantize(D("0.01"), rounding=ROUND_CEILING)


@pytest.fixture
def world():
    return batch_exchange()


def batch(ex, user="alice", **kw):
    kw.setdefault("children", children())
    kw.setdefault("mve_collection_ticker", COLLECTION)
    if "target_cost" not in kw:
        kw.setdefault("contracts", "10")
    return ex.create_rfq_batch(user, **kw)


def bquote(ex, b, user, yes, no, **kw):
    yes = yes if isinstance(yes, list) else [yes] * len(b.rfq_ids)
    no = no if isinstance(no, list) else [no] * len(b.rfq_ids)
    entries = [
        {"rfq_id": r, "yes_bid": y, "no_bid": n} for r, y, n in zip(b.rfq_ids, yes, no, strict=True)
    ]
    kw.setdefault("rest_remainder", False)
    return ex.create_batch_quote(user, b.batch_id, quotes=entries, **kw)


def floors(b, bid="0.01"):
    return [{"rfq_id": r, "bid_dollars": bid} for r in b.rfq_ids]


def code(fn, *a, **kw) -> tuple[int, str]:
    with pytest.raises(EngineError) as e:
        fn(*a, **kw)
    return e.value.status, e.value.code


def test_round_robin_fills_each_child_from_its_best_maker(world):
    ex, clock = world
    total = ex.total_money()
    seen: list = []
    ex.listeners.append(seen.append)
    b = batch(ex)
    assert len(b.rfq_ids) == 3 and all(ex.comms.rfqs[r].rfq_batch_id for r in b.rfq_ids)
    bob = bquote(ex, b, "bob", ["0.30", "0.30", "0.30"], "0.65")
    clock.advance(10)
    carol = bquote(ex, b, "carol", ["0.30", "0.25", "0.35"], "0.60")
    best = ex.batch_best_quotes("alice", b.batch_id)
    # child 0: tie at 0.30 -> bob (earlier); child 1: bob; child 2: carol (0.35)
    assert [(y.price, y.batch_quote.user_id) for _, y, _ in best] == [
        (D("0.30"), "bob"),
        (D("0.30"), "bob"),
        (D("0.35"), "carol"),
    ]
    won = ex.accept_rfq_batch("alice", b.batch_id, "yes", floors(b, "0.25"))
    assert [q.user_id for q in won] == ["bob", "bob", "carol"]
    assert b.status == "accepted" and not b.confirmed
    ex.confirm_batch_quote("bob", b.batch_id, bob.batch_quote_id)
    assert not b.confirmed and b.status == "accepted"  # carol has not confirmed yet
    ex.confirm_batch_quote("carol", b.batch_id, carol.batch_quote_id)
    assert b.confirmed and b.deadline == clock.t + 1_000  # combos: 1 s execution timer
    clock.advance(999)
    assert ex.run_timers() == 0
    clock.advance(1)
    assert ex.run_timers() == 1
    assert b.status == "closed" and b.close_reason == "executed" and b.executed
    assert bob.status == carol.status == "executed"
    # Alice bought 10 YES on each child (taker, 0.07); makers sold (combo maker fee: 0.035).
    rate_taker, rate_maker = "0.07", "0.035"
    spent = sum(D(p) * 10 + fee(rate_taker, "10", p) for p in ("0.30", "0.30", "0.35"))
    assert ex.get_account("alice").balance == D("1000") - spent
    bob_cost = sum(D("0.70") * 10 + fee(rate_maker, "10", "0.30") for _ in range(2))
    assert ex.get_account("bob").balance == D("1000") - bob_cost
    carol_cost = D("0.65") * 10 + fee(rate_maker, "10", "0.35")
    assert ex.get_account("carol").balance == D("1000") - carol_cost
    for r in b.rfq_ids:
        assert ex.positions[("alice", 0, ex.comms.rfqs[r].ticker)].position == 10
    assert ex.total_money() == total
    ex.check_invariants()
    kinds = [(type(e).__name__, getattr(e, "kind", "")) for e in seen]
    assert kinds.count(("QuoteEvent", "executed")) == 3
    assert sum(isinstance(e, FillEvent) for e in seen) == 6
    assert not [e for e in seen if isinstance(e, RfqEvent) and e.kind == "created"]
    last = [k for k in kinds if k[0] == "BatchEvent"][-3:]
    assert last == [("BatchEvent", "executed")] * 3  # bob's, carol's, then the creator's
    assert kinds.index(("QuoteEvent", "executed")) < kinds.index(("BatchEvent", "executed"))


def test_the_maker_is_reimbursed_fees_the_combo_way(world):
    """The combo series' fee type governs (quadratic_with_combo_maker_fees)."""
    ex, _ = world
    b = batch(ex)
    m = ex.markets[ex.comms.rfqs[b.rfq_ids[0]].ticker]
    assert ex.catalog.fees_of(m)[0] == "quadratic_with_combo_maker_fees"


def test_all_or_none_a_failing_child_leaves_nothing(world):
    ex, clock = world
    b = batch(ex)
    bob = bquote(ex, b, "bob", "0.30", "0.65")
    ex.accept_rfq_batch("alice", b.batch_id, "yes", floors(b))
    ex.confirm_batch_quote("bob", b.batch_id, bob.batch_quote_id)
    before = {k: (a.balance, a.reserved) for k, a in ex.accounts.items()}
    fills = len(ex.fills)
    ex.close_market(ex.comms.rfqs[b.rfq_ids[2]].ticker)  # the last child cannot trade
    seen: list = []
    ex.listeners.append(seen.append)
    clock.advance(1_000)
    ex.run_timers()
    assert b.status == "closed" and b.close_reason == "execution failed" and not b.executed
    assert bob.status == "cancelled" and bob.failed_ids == b.rfq_ids
    assert {k: (a.balance, a.reserved) for k, a in ex.accounts.items()} == before
    assert len(ex.fills) == fills
    assert all(ex.comms.rfqs[r].status == "closed" for r in b.rfq_ids)
    assert not [e for e in seen if isinstance(e, FillEvent)]
    assert {e.kind for e in seen if isinstance(e, QuoteEvent)} == {"cancelled"}
    assert [e.kind for e in seen if isinstance(e, BatchEvent)] == ["executed", "executed"]
    ex.check_invariants()


def test_missed_confirmation_closes_the_whole_batch(world):
    ex, clock = world
    b = batch(ex)
    bob = bquote(ex, b, "bob", ["0.30", "0.30", "0.20"], "0.65")
    carol = bquote(ex, b, "carol", ["0.20", "0.20", "0.35"], "0.60")
    ex.accept_rfq_batch("alice", b.batch_id, "yes", floors(b))
    assert b.deadline == clock.t + 1_000
    ex.confirm_batch_quote("bob", b.batch_id, bob.batch_quote_id)
    clock.advance(1_001)
    assert code(ex.confirm_batch_quote, "carol", b.batch_id, carol.batch_quote_id) == (
        400,
        "quote_not_accepted",
    )  # the timer ran first: the batch is closed
    assert b.status == "closed" and b.close_reason == "confirmation timeout"
    assert bob.status == carol.status == "cancelled"
    assert not ex.fills and ex.get_account("alice").balance == D("1000")
    ex.check_invariants()


def test_accept_rules(world):
    ex, _ = world
    b = batch(ex)
    assert code(ex.accept_rfq_batch, "alice", b.batch_id, "yes", floors(b)) == (
        409,
        "rfq_batch_incomplete",
    )
    bquote(ex, b, "bob", ["0.30", "0.30", "0"], "0.65")
    assert code(ex.accept_rfq_batch, "alice", b.batch_id, "yes", floors(b)) == (
        409,
        "rfq_batch_incomplete",
    )  # no yes bid on the last child
    assert code(ex.accept_rfq_batch, "bob", b.batch_id, "no", floors(b)) == (403, "forbidden")
    assert code(ex.accept_rfq_batch, "alice", b.batch_id, "no", floors(b)[:2]) == (
        400,
        "invalid_parameters",
    )
    with pytest.raises(EngineError) as e:
        ex.accept_rfq_batch("alice", b.batch_id, "no", floors(b, "0.66"))
    assert e.value.code == "rfq_batch_quotes_changed" and b.rfq_ids[0] in (e.value.details or "")
    poor = ex.accept_rfq_batch  # balance must cover every child together
    ex.deposit("alice", D("-985"))
    assert code(poor, "alice", b.batch_id, "no", floors(b)) == (400, "available_balance_too_low")
    ex.deposit("alice", D("985"))
    won = ex.accept_rfq_batch("alice", b.batch_id, "no", floors(b, "0.65"), "k-1")
    assert [q.no_bid for q in won] == [D("0.65")] * 3
    again = ex.accept_rfq_batch("alice", b.batch_id, "no", floors(b, "0.65"), "k-1")
    assert [q.quote_id for q in again] == [q.quote_id for q in won]  # idempotent retry
    assert code(ex.accept_rfq_batch, "alice", b.batch_id, "no", floors(b)) == (
        409,
        "rfq_batch_closed",
    )
    assert code(ex.delete_rfq_batch, "alice", b.batch_id) == (409, "rfq_batch_accepted")


def test_confirm_only_by_the_winning_maker(world):
    ex, _ = world
    b = batch(ex)
    bob = bquote(ex, b, "bob", "0.30", "0.65")
    carol = bquote(ex, b, "carol", "0.20", "0.60")
    assert code(ex.confirm_batch_quote, "bob", b.batch_id, bob.batch_quote_id) == (
        400,
        "quote_not_accepted",
    )
    ex.accept_rfq_batch("alice", b.batch_id, "yes", floors(b))
    assert carol.status == "cancelled"  # lost every child
    assert code(ex.confirm_batch_quote, "alice", b.batch_id, bob.batch_quote_id) == (
        403,
        "forbidden",
    )
    assert code(ex.confirm_batch_quote, "dave", b.batch_id, bob.batch_quote_id) == (
        404,
        "not_found",
    )
    assert code(ex.confirm_batch_quote, "carol", b.batch_id, carol.batch_quote_id) == (
        400,
        "quote_not_accepted",
    )


def test_batch_quote_rules_and_time_priority(world):
    ex, clock = world
    b = batch(ex)
    assert code(bquote, ex, b, "alice", "0.30", "0.65") == (400, "self_quote")
    short = [{"rfq_id": b.rfq_ids[0], "yes_bid": "0.3", "no_bid": "0.6"}] * 3
    assert code(ex.create_batch_quote, "bob", b.batch_id, quotes=short, rest_remainder=False) == (
        400,
        "invalid_parameters",
    )  # every child exactly once
    assert code(bquote, ex, b, "bob", "0", "0") == (400, "invalid_parameters")
    bob = bquote(ex, b, "bob", "0.30", "0.65")
    clock.advance(100)
    carol = bquote(ex, b, "carol", "0.30", "0.65")
    clock.advance(100)
    bob2 = bquote(ex, b, "bob", "0.30", ["0.64", "0.65", "0.65"])  # resend, one bid changed
    assert bob.status == "cancelled" and bob2.status == "open"
    best = ex.batch_best_quotes("alice", b.batch_id)
    assert {y.batch_quote.user_id for _, y, _ in best} == {"bob"}  # unchanged: kept priority
    assert best[0][2].batch_quote.user_id == "carol"  # bob lowered child 0's no bid
    assert best[1][2].batch_quote.user_id == "bob"
    clock.advance(QUOTE_LIFE_MS)  # bob2 sent 30 s ago: still counts; carol's 30.1 s: not
    best = ex.batch_best_quotes("alice", b.batch_id)
    assert best[0][2].batch_quote.user_id == "bob"
    clock.advance(1)
    assert all(y is None for _, y, _ in ex.batch_best_quotes("alice", b.batch_id))
    assert code(ex.batch_best_quotes, "bob", b.batch_id) == (403, "forbidden")
    assert code(ex.delete_batch_quote, "carol", b.batch_id, bob2.batch_quote_id) == (
        404,
        "not_found",
    )
    ex.delete_batch_quote("carol", b.batch_id, carol.batch_quote_id)
    assert carol.status == "cancelled"
    assert all(ex.comms.quotes[q].status == "cancelled" for q in carol.quote_ids)


def test_visibility_of_batch_quotes(world):
    ex, _ = world
    b = batch(ex)
    bob = bquote(ex, b, "bob", ["0.30", "0.30", "0.20"], "0.65")
    carol = bquote(ex, b, "carol", ["0.20", "0.20", "0.35"], "0.60")
    assert ex.batch_quotes_visible("alice", b.batch_id) == []  # best quotes instead
    (mine,) = ex.batch_quotes_visible("bob", b.batch_id)
    assert mine[0] is bob and len(mine[1]) == 3
    # Single-quote paths never reach a batch's children or their quotes.
    child = ex.comms.quotes[bob.quote_ids[0]]
    assert code(ex.get_quote, "alice", child.quote_id) == (404, "not_found")
    assert code(ex.accept_quote, "alice", child.quote_id, "yes") == (404, "not_found")
    assert code(
        ex.create_quote, "dave", rfq_id=b.rfq_ids[0], yes_bid="0.3", no_bid="0.6",
        rest_remainder=False,
    ) == (400, "invalid_parameters")  # fmt: skip
    assert code(ex.delete_rfq, "alice", b.rfq_ids[0]) == (400, "invalid_parameters")
    assert not ex.list_quotes("alice") and not ex.list_rfqs()
    ex.accept_rfq_batch("alice", b.batch_id, "yes", floors(b))
    visible = ex.batch_quotes_visible("alice", b.batch_id)
    seen = {bq.user_id: [q.rfq_id for q in qs] for bq, qs in visible}
    assert seen == {"bob": b.rfq_ids[:2], "carol": b.rfq_ids[2:]}
    (c,) = ex.batch_quotes_visible("carol", b.batch_id)
    assert c[0] is carol and [q.rfq_id for q in c[1]] == b.rfq_ids[2:]  # only what it won


def test_create_rules_and_limits(world):
    ex, _ = world
    assert code(batch, ex, children=children()[:1]) == (400, "invalid_parameters")
    assert code(batch, ex, rest_remainder=True) == (400, "invalid_parameters")
    assert code(batch, ex, contracts=None) == (400, "invalid_parameters")  # no size at all
    mixed = [{**children()[0], "target_cost_dollars": "5"}, *children()[1:]]
    assert code(batch, ex, children=mixed) == (400, "invalid_parameters")
    dup = [children()[0], children()[0]]
    assert code(batch, ex, children=dup) == (400, "invalid_parameters")
    both = [{**children()[0], "market_ticker": "TEST-1"}, *children()[1:]]
    assert code(batch, ex, children=both) == (400, "invalid_parameters")
    plain = [{"market_ticker": "TEST-1"}, {"market_ticker": "TEST-2"}]
    assert code(batch, ex, children=plain) == (400, "invalid_parameters")  # not combos
    assert code(batch, ex, mve_collection_ticker=None) == (400, "invalid_parameters")
    ex.cash.accounts[("dave", 0)].member_type = "fcm"
    assert code(batch, ex, user="dave") == (403, "rfq_batch_unavailable")
    first = batch(ex, client_batch_id="rr-1")
    assert code(batch, ex, client_batch_id="rr-1") == (409, "rfq_batch_already_exists")
    second = batch(ex, target_cost="5.00")
    assert second.rfq_ids != first.rfq_ids
    assert code(batch, ex) == (409, "rfq_batch_limit_reached")
    third = batch(ex, replace_existing=True)
    assert first.status == "closed" and first.close_reason == "replaced"
    assert len(ex.batches.open_by_user["alice"]) == MAX_OPEN_BATCHES
    assert {b.batch_id for b in ex.list_rfq_batches(status="open")} == {
        second.batch_id,
        third.batch_id,
    }
    # Single RFQs and batches do not count against each other's limits.
    ex.create_rfq("alice", ticker="TEST-1", contracts="1", rest_remainder=False)
    assert len(ex.comms.open_by_user["alice"]) == 1
    # The same combos by ticker: looked up, no new combo created.
    by_ticker = [{"market_ticker": ex.comms.rfqs[r].ticker} for r in third.rfq_ids]
    ex.delete_rfq_batch("alice", third.batch_id)
    again = batch(ex, children=by_ticker, mve_collection_ticker=None)
    assert [ex.comms.rfqs[r].ticker for r in again.rfq_ids] == [
        t["market_ticker"] for t in by_ticker
    ]


def test_target_cost_children_and_seven_legs_refused(world):
    ex, _ = world
    b = batch(ex, target_cost="5.00", target_cost_excludes_fees=True)
    bquote(ex, b, "bob", "0.25", "0.70")
    won = ex.accept_rfq_batch("alice", b.batch_id, "yes", floors(b))
    assert [q.contracts_accepted for q in won] == [D("20.00")] * 3  # 5.00 / 0.25
    assert leg(0) != leg(0, "no")


def test_delete_closes_children_and_quotes(world):
    ex, _ = world
    seen: list = []
    ex.listeners.append(seen.append)
    b = batch(ex)
    bob = bquote(ex, b, "bob", "0.30", "0.65")
    assert code(ex.delete_rfq_batch, "bob", b.batch_id) == (404, "not_found")
    ex.delete_rfq_batch("alice", b.batch_id)
    assert b.status == "closed" and b.close_reason == "cancelled"
    assert bob.status == "cancelled"
    assert all(ex.comms.rfqs[r].status == "closed" for r in b.rfq_ids)
    assert code(ex.delete_rfq_batch, "alice", b.batch_id) == (409, "rfq_batch_closed")
    assert code(bquote, ex, b, "carol", "0.3", "0.6") == (409, "rfq_batch_closed")
    kinds = [e.kind for e in seen if isinstance(e, BatchEvent)]
    assert kinds == ["created", "quoted", "best", "deleted"]


def test_restore_rebuilds_batches(tmp_path):
    from sandbox.store import open_exchange

    ex, clock = batch_exchange(data_dir=tmp_path)
    b = batch(ex, client_batch_id="rr")
    bob = bquote(ex, b, "bob", "0.30", "0.65")
    ex.accept_rfq_batch("alice", b.batch_id, "yes", floors(b))
    ex.close()
    again = open_exchange(tmp_path, clock=clock)
    rb = again.batches.batches[b.batch_id]
    assert rb.status == "accepted" and b.batch_id in again.batches.pending
    assert again.batches.client_ids[("alice", "rr")] is rb
    assert again.batches.by_batch[b.batch_id][bob.batch_quote_id].won == bob.won
    again.confirm_batch_quote("bob", b.batch_id, bob.batch_quote_id)
    clock.advance(1_000)
    again.run_timers()
    assert rb.status == "closed" and rb.executed
    again.check_invariants()
    again.close()


# ---------------------------------------------------------------- best-quotes snapshots, lapses


def _snapshots(seen: list) -> list[tuple[int, list[str]]]:
    return [(e.batch.version, e.batch.best_bids) for e in seen if getattr(e, "kind", "") == "best"]


def test_a_snapshot_only_when_a_best_bid_moves(world):
    """AsyncAPI: sent "when the best bid on either side of any child changes"; the same bids from
    another maker are the same snapshot (makers are not named)."""
    ex, _ = world
    seen: list = []
    ex.listeners.append(seen.append)
    b = batch(ex)
    bquote(ex, b, "bob", "0.30", "0.60")
    bquote(ex, b, "carol", "0.30", "0.60")  # ties every bid: nothing moves
    bquote(ex, b, "carol", "0.25", "0.65")  # better no bids only
    assert _snapshots(seen) == [
        (1, ["0.3000", "0.6000"] * 3),
        (2, ["0.3000", "0.6500"] * 3),
    ]
    assert b.version == 2 and ex.batches.shown(b)[0][1:] == (D("0.30"), D("0.65"))


def test_a_lapse_that_moves_a_best_bid_makes_a_snapshot(world):
    ex, clock = world
    seen: list = []
    ex.listeners.append(seen.append)
    b = batch(ex)
    t0 = clock.t
    bquote(ex, b, "bob", "0.30", "0.60")  # counts through t0 + 30 s
    clock.advance(10)
    bquote(ex, b, "carol", "0.25", "0.65")  # through t0 + 30.01 s
    assert b.version == 2
    assert ex.next_rfq_deadline() == t0 + QUOTE_LIFE_MS + 1  # the index of lapse times
    clock.t = t0 + QUOTE_LIFE_MS
    assert ex.run_timers() == 0 and b.version == 2  # bob's still counts
    clock.advance(1)
    assert ex.run_timers() == 1  # bob's stops counting: carol's 0.25 is the best yes now
    assert _snapshots(seen)[2:] == [(3, ["0.2500", "0.6500"] * 3)]
    assert b.best_ts == clock.t
    clock.advance(10)  # carol's lapses on the next request, before it is served
    best = ex.batch_best_quotes("alice", b.batch_id)
    assert all(yes is None and no is None for _, yes, no in best)
    assert _snapshots(seen)[3:] == [(4, [""] * 6)]
    assert not ex.batches.lapses  # both entries popped
    ex.check_invariants()


def test_a_lapse_that_moves_nothing_or_a_resent_quote_makes_no_snapshot(world):
    ex, clock = world
    seen: list = []
    ex.listeners.append(seen.append)
    b = batch(ex)
    t0 = clock.t
    bquote(ex, b, "bob", "0.30", "0.60")
    clock.advance(10_000)
    bquote(ex, b, "bob", "0.30", "0.60")  # resent unchanged: counts through t0 + 40 s
    bquote(ex, b, "carol", "0.30", "0.60")  # the same bids again
    clock.t = t0 + QUOTE_LIFE_MS + 1  # the first entry's time: a replaced quote, ignored
    ex.run_timers()
    clock.t = t0 + 10_000 + QUOTE_LIFE_MS + 1  # both lapse together: every bid goes
    ex.run_timers()
    assert [v for v, _ in _snapshots(seen)] == [1, 2]
    assert b.best_bids == [""] * 6


def test_advancing_the_clock_lapses_quotes(world):
    """The control plane's advance-clock runs what time does, batch quote lapses included."""
    from sandbox.control import actions

    ex, _ = world
    seen: list = []
    ex.listeners.append(seen.append)
    b = batch(ex)
    bquote(ex, b, "bob", "0.30", "0.60")
    actions.Clock(ex).advance(QUOTE_LIFE_MS + 1)
    assert _snapshots(seen) == [(1, ["0.3000", "0.6000"] * 3), (2, [""] * 6)]


def test_lapses_and_snapshots_survive_a_restart(tmp_path):
    from sandbox.store import open_exchange

    ex, clock = batch_exchange(data_dir=tmp_path)
    b = batch(ex)
    bquote(ex, b, "bob", "0.30", "0.60")
    clock.advance(5)
    bquote(ex, b, "carol", "0.25", "0.65")
    ex.close()
    clock.advance(QUOTE_LIFE_MS - 2)  # bob's lapsed while the exchange was down
    again = open_exchange(tmp_path, clock=clock)
    rb = again.batches.batches[b.batch_id]
    assert (rb.version, rb.best_bids) == (2, ["0.3000", "0.6500"] * 3)  # journaled
    assert again.run_timers() == 1
    assert (rb.version, rb.best_bids) == (3, ["0.2500", "0.6500"] * 3)
    again.close()
    third = open_exchange(tmp_path, clock=clock)  # the lapse rerun refreshes nothing
    rb = third.batches.batches[b.batch_id]
    assert third.run_timers() == 1 and (rb.version, rb.best_bids) == (3, ["0.2500", "0.6500"] * 3)
    third.close()
