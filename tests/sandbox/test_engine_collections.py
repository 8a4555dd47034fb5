"""Multivariate collections in the engine: combo markets created from legs (deterministic
KXMVE tickers, lookup of an existing combo), every leg rule, the weekly creation limit, and
resolution from the legs with money paid exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_engine_helpers import to_index

from sandbox.engine import EngineError, Exchange
from sandbox.engine import collections as coll

D = Decimal


@pytest.fixture
def ex() -> Exchange:
    return Exchange.in_memory(seed=7)


def legs(ex: Exchange, collection: str, n: int = 2, side: str = "yes") -> list[dict]:
    c = ex.get_collection(collection)
    out = []
    for a in c.associated_events[:n]:
        t = next(t for t in ex.events[a["ticker"]].markets if ex.markets[t].status == "active")
        out.append({"event_ticker": a["ticker"], "market_ticker": t, "side": side})
    return out


def err(fn, *a) -> tuple[int, str]:
    with pytest.raises(EngineError) as e:
        fn(*a)
    return e.value.status, e.value.code


def test_seeded_collections(ex):
    names = {c.collection_ticker for c in ex.list_collections()}
    assert names == {"KXMVESPORTSPARLAY", "KXMVECROSSCATEGORY"}
    sports = ex.get_collection("KXMVESPORTSPARLAY")
    assert len(sports.associated_events) >= 3
    assert ex.series[sports.series_ticker].fee_type == "quadratic_with_combo_maker_fees"
    assert {c.collection_ticker for c in ex.list_collections(status="open")} == names
    assert not ex.list_collections(status="closed")
    assert ex.list_collections(series_ticker="KXMVECROSSCATEGORY")[0].size_max == 4


def test_create_then_look_up_the_same_combo(ex):
    chosen = legs(ex, "KXMVESPORTSPARLAY")
    m, created = ex.create_combo_market("demo", "KXMVESPORTSPARLAY", chosen)
    assert created and m.ticker.startswith("KXMVESPORTSPARLAY-S")
    assert m.event_ticker == m.ticker.rsplit("-", 1)[0]
    assert m.mve_collection_ticker == "KXMVESPORTSPARLAY"
    assert {x["market_ticker"] for x in m.mve_selected_legs} == {x["market_ticker"] for x in chosen}
    again, created = ex.create_combo_market("demo", "KXMVESPORTSPARLAY", chosen[::-1])
    assert again is m and not created  # unordered collection: the order of legs is irrelevant
    other, _ = ex.create_combo_market(
        "demo", "KXMVESPORTSPARLAY", legs(ex, "KXMVESPORTSPARLAY", side="no")
    )
    assert other.ticker != m.ticker
    assert ex.get_market(m.ticker).close_time == min(
        ex.markets[x["market_ticker"]].close_time for x in chosen
    )
    assert ex.collections.quota_used("demo") == 2


def test_leg_rules(ex):
    c = "KXMVESPORTSPARLAY"
    one = legs(ex, c, 1)
    assert err(ex.create_combo_market, "demo", c, one) == (400, "invalid_parameters")  # size
    cross = "KXMVECROSSCATEGORY"  # 5 events, at most 4 legs
    assert err(ex.create_combo_market, "demo", cross, legs(ex, cross, 5)) == (
        400,
        "invalid_parameters",
    )
    dup = one + one
    assert err(ex.create_combo_market, "demo", c, dup) == (400, "duplicated_legs")
    e = one[0]["event_ticker"]
    sibling = next(t for t in ex.events[e].markets if t != one[0]["market_ticker"])
    same_event = [*one, {"event_ticker": e, "market_ticker": sibling, "side": "yes"}]
    assert err(ex.create_combo_market, "demo", c, same_event) == (400, "conflicting_leg_outcomes")
    btc = legs(ex, "KXMVECROSSCATEGORY", 2)[1]
    assert err(ex.create_combo_market, "demo", c, [*one, btc]) == (
        400,
        "invalid_market_combination",
    )
    bad_side = [{**one[0], "side": "maybe"}, legs(ex, c, 2)[1]]
    assert err(ex.create_combo_market, "demo", c, bad_side)[0] == 400
    assert err(ex.create_combo_market, "demo", "KXMVENOPE", legs(ex, c)) == (404, "not_found")
    ex.close_market(one[0]["market_ticker"])
    closed_leg = [one[0], legs(ex, c, 2)[1]]
    assert err(ex.create_combo_market, "demo", c, closed_leg) == (409, "market_closed")


def test_weekly_creation_limit(ex, monkeypatch):
    monkeypatch.setattr(coll, "MAX_CREATIONS_PER_WEEK", 1)
    c = "KXMVECROSSCATEGORY"
    ex.create_combo_market("demo", c, legs(ex, c, 2))
    ex.create_combo_market("demo", c, legs(ex, c, 2))  # a lookup is not a creation
    assert err(ex.create_combo_market, "demo", c, legs(ex, c, 3)) == (429, "too_many_requests")
    ex.create_combo_market("kalshi-mm", c, legs(ex, c, 3))  # per user


@pytest.mark.parametrize("outcome", ["yes", "no"])
def test_combo_resolves_from_its_legs_and_pays(ex, outcome):
    chosen = legs(ex, "KXMVESPORTSPARLAY")
    m, _ = ex.create_combo_market("demo", "KXMVESPORTSPARLAY", chosen)
    assert m.exchange_index == 1  # combos live on index 1
    total = ex.total_money()
    to_index(ex, "demo", "10")
    on_1 = ex.indexes.cash[("demo", 0, 1)]
    kw = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker"}
    ex.create_order("kalshi-mm", ticker=m.ticker, side="ask", price="0.250", count="10", **kw)
    ex.create_order("demo", ticker=m.ticker, side="bid", price="0.250", count="10", **kw)
    demo_cash, demo_0 = on_1.balance, ex.get_account("demo").balance
    first, second = (x["market_ticker"] for x in chosen)
    ex.determine_market(first, "yes")
    assert ex.markets[m.ticker].result == ""  # still open: the other leg decides
    ex.determine_market(second, outcome)
    combo = ex.markets[m.ticker]
    assert combo.result == outcome and combo.status == "finalized"
    paid = D(10) if outcome == "yes" else D(0)
    assert on_1.balance == demo_cash + paid  # the payout goes to index 1, where the market is
    assert ex.get_account("demo").balance == demo_0
    assert ex.list_settlements("demo")[0].exchange_index == 1
    assert ex.total_money() == total
    ex.check_invariants()


def test_a_closing_leg_closes_its_combos_which_still_settle_from_their_legs(ex):
    """Regression (issue 13): trading in a combo stops when any leg closes, with the lifecycle
    messages of any close; the combo then settles from its legs as before."""
    from sandbox.engine.events import MarketLifecycle

    chosen = legs(ex, "KXMVESPORTSPARLAY")
    m, _ = ex.create_combo_market("demo", "KXMVESPORTSPARLAY", chosen)
    other, _ = ex.create_combo_market(
        "demo", "KXMVESPORTSPARLAY", [chosen[1], legs(ex, "KXMVESPORTSPARLAY", 3)[2]]
    )
    total = ex.total_money()
    to_index(ex, "demo", "10")
    acct = ex.indexes.cash[("demo", 0, 1)]
    kw = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker"}
    ex.create_order("kalshi-mm", ticker=m.ticker, side="ask", price="0.250", count="10", **kw)
    ex.create_order("demo", ticker=m.ticker, side="bid", price="0.250", count="6", **kw)
    resting = ex.create_order("demo", ticker=m.ticker, side="bid", price="0.200", count="5", **kw)
    assert acct.reserved > 0
    demo_cash = acct.balance + acct.reserved  # the resting bid's hold comes back at the close
    seen: list = []
    ex.listeners.append(seen.append)
    first, second = (x["market_ticker"] for x in chosen)
    ex.close_market(first)
    combo = ex.markets[m.ticker]
    assert combo.status == "closed" and ex.markets[other.ticker].status == "active"
    assert ex.get_order("demo", resting.order.order_id).status == "canceled"
    closed = [e for e in seen if isinstance(e, MarketLifecycle) and e.market.ticker == m.ticker]
    assert [e.kind for e in closed][-1] == "deactivated"
    with pytest.raises(EngineError) as refused:
        ex.create_order("demo", ticker=m.ticker, side="bid", price="0.30", count="1", **kw)
    assert refused.value.status == 409
    ex.determine_market(first, "yes")
    ex.determine_market(second, "yes")
    assert combo.result == "yes" and combo.status == "finalized"
    assert acct.reserved == 0 and acct.balance == demo_cash + D(6)  # 6 YES paid $1 each
    assert ex.total_money() == total
    ex.check_invariants()


def test_one_losing_leg_decides_at_once(ex):
    chosen = legs(ex, "KXMVECROSSCATEGORY", 3)
    m, _ = ex.create_combo_market("demo", "KXMVECROSSCATEGORY", chosen)
    ex.determine_market(chosen[1]["market_ticker"], "no")
    assert ex.markets[m.ticker].result == "no"


def test_restore_rebuilds_the_combo_indexes(tmp_path):
    from sandbox.store import open_exchange

    ex = open_exchange(tmp_path, seed=7)
    chosen = legs(ex, "KXMVESPORTSPARLAY")
    m, _ = ex.create_combo_market("demo", "KXMVESPORTSPARLAY", chosen)
    ex.close()
    again = open_exchange(tmp_path)
    found, created = again.create_combo_market("demo", "KXMVESPORTSPARLAY", chosen)
    assert found.ticker == m.ticker and not created
    assert again.collections.is_combo_event(m.event_ticker)
    assert again.collections.quota_used("demo") == 1
    again.close()
