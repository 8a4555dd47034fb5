"""Atomicity: an exception at any step of any write operation leaves memory and journal exactly
as before; afterwards the same operation succeeds as if nothing had happened.

The steps are found, not listed: each scenario runs once with a recording fault hook
(`Exchange.set_fault`, called at every `op.step(...)` of the parts and inside the journal's
transaction), and the test is parametrised over every step hit of every scenario.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from engine_snapshot import diff, full, memory
from test_engine_helpers import FakeClock, make_exchange, order, to_index

from sandbox.control import actions, reset
from sandbox.engine import EngineError, Exchange
from sandbox.store import open_exchange

D = Decimal


SEEDABLE_T = 1_796_000_000_000  # 2026-11-30: a time a universe can be seeded at


class Boom(Exception):
    """The injected failure (not an EngineError: a bug anywhere in an operation)."""


def setup(data_dir: Path) -> tuple[Exchange, FakeClock, dict]:
    """Books on two markets with fees, positions with covered orders, an order group, an
    expiring order, a client order id, a subaccount."""
    ex, clock = make_exchange(
        fee_type="quadratic_with_maker_fees", tickers=("TEST-1", "TEST-2"), data_dir=data_dir
    )
    ids: dict = {}
    order(ex, "bob", "ask", "0.50", "6")
    order(ex, "alice", "bid", "0.50", "6", tif="immediate_or_cancel")  # alice +6 YES, bob -6
    ids["a_bid"] = order(ex, "alice", "bid", "0.40", "10").order.order_id
    ids["a_coid"] = order(ex, "alice", "bid", "0.41", "5", client_order_id="a-41").order.order_id
    ids["a_cov"] = order(ex, "alice", "ask", "0.60", "4").order.order_id  # covered by YES
    order(ex, "carol", "bid", "0.43", "5")
    ids["b_ask"] = order(ex, "bob", "ask", "0.45", "10", cancel_order_on_pause=True).order.order_id
    order(ex, "carol", "ask", "0.47", "5")
    exp = clock.t + 1000
    ids["c_exp"] = order(ex, "carol", "ask", "0.46", "3", expiration_time=exp).order.order_id
    g = ex.create_order_group("bob", "3")
    ids["group"] = g.order_group_id
    order(ex, "bob", "ask", "0.48", "4", order_group_id=g.order_group_id)
    ex.create_subaccount("alice")
    ex.create_subaccount("alice")
    ex.transfer_between_subaccounts("alice", "t-1", 0, 2, 500)
    # The RFQ market: an open RFQ with two quotes, one of them accepted, and a confirmed one.
    ids["rfq"] = ex.create_rfq("alice", ticker="TEST-1", contracts="5", rest_remainder=False).rfq_id
    ids["q_open"] = ex.create_quote(
        "carol", rfq_id=ids["rfq"], yes_bid="0.44", no_bid="0.53", rest_remainder=False
    ).quote_id
    ids["q_acc"] = ex.create_quote(
        "bob", rfq_id=ids["rfq"], yes_bid="0.44", no_bid="0.55", rest_remainder=True
    ).quote_id
    ex.accept_quote("alice", ids["q_acc"], "yes")
    ids["rfq2"] = ex.create_rfq("carol", ticker="TEST-2", contracts="3", rest_remainder=True).rfq_id
    ids["q_conf"] = ex.create_quote(
        "bob", rfq_id=ids["rfq2"], yes_bid="0.35", no_bid="0.60", rest_remainder=False
    ).quote_id
    ex.accept_quote("carol", ids["q_conf"], "no")
    ex.confirm_quote("bob", ids["q_conf"])
    order(ex, "carol", "bid", "0.30", "2", ticker="TEST-2")
    order(ex, "bob", "ask", "0.70", "2", ticker="TEST-2")
    _combos(ex, ids)
    _batches(ex, ids)
    ids["block"] = ex.propose_block_trade(
        "alice", buyer="alice", seller="bob", ticker="TEST-2", price="0.50", count="4",
        maker_side="yes", expiration_ts=clock.t + 60_000,
    ).proposal_id  # fmt: skip
    ex.check_invariants()
    return ex, clock, ids


def _combos(ex: Exchange, ids: dict) -> None:
    """A collection over TEST-EV and a second event, and one combo market with positions."""
    from test_engine_helpers import LINEAR, T0

    from sandbox.engine import Event, Market, Series
    from sandbox.engine.models import Collection

    ex.create_event(Event("TEST-EV2", "TEST", "Second event", "sub"))
    ex.create_market(
        Market(
            ticker="TEST-3", event_ticker="TEST-EV2", series_ticker="TEST", title="TEST-3",
            subtitle="", yes_sub_title="y", no_sub_title="n", open_time=T0 - 1000,
            close_time=T0 + 10**9, latest_expiration_time=T0 + 10**9, rules_primary="r",
            rules_secondary="r", price_level_structure="linear_cent", price_ranges=LINEAR,
        )
    )  # fmt: skip
    ex.add_series(
        Series("KXMVET", "Combos", "Testing", "custom", fee_type="quadratic_with_combo_maker_fees")
    )
    events = [{"ticker": e, "is_yes_only": False, "size_max": 1} for e in ("TEST-EV", "TEST-EV2")]
    ex.add_collection(
        Collection("KXMVET", "KXMVET", "Combo", "d", T0 - 1000, T0 + 10**9, events, 2, 2, LINEAR)
    )
    legs = [
        {"event_ticker": "TEST-EV", "market_ticker": "TEST-2", "side": "yes"},
        {"event_ticker": "TEST-EV2", "market_ticker": "TEST-3", "side": "yes"},
    ]
    ids["combo"] = ex.create_combo_market("carol", "KXMVET", legs)[0].ticker
    order(ex, "bob", "ask", "0.20", "5", ticker=ids["combo"])
    order(ex, "carol", "bid", "0.20", "3", ticker=ids["combo"])
    ids["new_legs"] = [
        {"event_ticker": "TEST-EV", "market_ticker": "TEST-1", "side": "no"},
        {"event_ticker": "TEST-EV2", "market_ticker": "TEST-3", "side": "yes"},
    ]


def _batches(ex: Exchange, ids: dict) -> None:
    """RFQ batches: alice's open one with two makers' batch quotes, carol's with bob's (left
    open: an accepted combo batch's 1 s window would run out in scenarios that move the clock)."""
    t1y, t3y = ("TEST-EV", "TEST-1", "yes"), ("TEST-EV2", "TEST-3", "yes")
    t3n, t2n = ("TEST-EV2", "TEST-3", "no"), ("TEST-EV", "TEST-2", "no")
    legs = lambda *xs: {  # noqa: E731
        "selected_markets": [{"event_ticker": e, "market_ticker": m, "side": s} for e, m, s in xs]
    }
    b1 = ex.create_rfq_batch(
        "alice", children=[legs(t1y, t3y), legs(t1y, t3n)], mve_collection_ticker="KXMVET",
        contracts="2", client_batch_id="b-1",
    )  # fmt: skip
    b2 = ex.create_rfq_batch(
        "carol", children=[legs(t2n, t3y), legs(t1y, t3y)], mve_collection_ticker="KXMVET",
        target_cost="1.00",
    )  # fmt: skip
    ids["batch"], ids["batch2"], ids["batch_rfqs"] = b1.batch_id, b2.batch_id, b1.rfq_ids

    def bq(user, b, yes, no):
        entries = [{"rfq_id": r, "yes_bid": yes, "no_bid": no} for r in b.rfq_ids]
        return ex.create_batch_quote(user, b.batch_id, quotes=entries, rest_remainder=False)

    ids["bq_bob"] = bq("bob", b1, "0.30", "0.60").batch_quote_id
    ids["bq_carol"] = bq("carol", b1, "0.31", "0.55").batch_quote_id
    ids["bq_won"] = bq("bob", b2, "0.25", "0.70").batch_quote_id
    ids["batch2_floors"] = [{"rfq_id": r, "bid_dollars": "0.20"} for r in b2.rfq_ids]


def _batch2_accepted(ex: Exchange, clock: FakeClock, ids: dict) -> None:
    ex.accept_rfq_batch("carol", ids["batch2"], "yes", ids["batch2_floors"])


@dataclass(frozen=True)
class Scenario:
    """`act` is the operation under test; `prepare` runs before it (not under test);
    `stands(ex, n)` redoes what legitimately stays when the failure comes after `n` commits
    (Kalshi semantics: expiry happens on the exchange's clock, batch items are independent)."""

    act: Callable[[Exchange, dict], object]
    prepare: Callable[[Exchange, FakeClock, dict], None] = lambda ex, clock, ids: None
    stands: Callable[[Exchange, int], object] = lambda ex, n: None


def _later(ex, clock, ids):
    clock.advance(2000)


def _fcm(ex, clock, ids):
    """An FCM with a funded, capped subtrader holding 3 YES in TEST-1, and an error subtrader."""
    ex.add_user("fcm", D("100"), "fcm")
    ex.create_subtrader("fcm", "A")
    ex.deposit("fcm_A", D("50"))
    ex.set_daily_cap("fcm", "fcm_A", "20")
    ex.set_blocked_category("fcm", "fcm_A", "Politics", True)
    order(ex, "fcm_A", "bid", "0.45", "3", tif="immediate_or_cancel")
    ex.create_subtrader("fcm", "ERR")
    ex.deposit("fcm_ERR", D("10"))


def _determined(ex, clock, ids):
    ex.determine_market("TEST-1", "no")


def _shard1(ex, clock, ids):
    """A market on exchange index 1 (as combos are): bob and carol hold cash there, bob rests
    an ask on it (a hold on index 1)."""
    from test_engine_helpers import LINEAR, T0

    from sandbox.engine import Event, Market, Series

    ex.add_series(Series("SHARD", "On index 1", "Testing", "daily", exchange_index=1))
    ex.create_event(Event("SHARD-EV", "SHARD", "Shard event", "sub"))
    ex.create_market(
        Market(
            ticker="S1-1", event_ticker="SHARD-EV", series_ticker="SHARD", title="S1-1",
            subtitle="", yes_sub_title="y", no_sub_title="n", open_time=T0 - 1000,
            close_time=T0 + 10**9, latest_expiration_time=T0 + 10**9, rules_primary="r",
            rules_secondary="r", price_level_structure="linear_cent", price_ranges=LINEAR,
        )
    )  # fmt: skip
    for u in ("bob", "carol"):
        to_index(ex, u, "20")
    ids["s1_ask"] = order(ex, "bob", "ask", "0.40", "8", ticker="S1-1").order.order_id


def _shard1_determined(ex, clock, ids):
    _shard1(ex, clock, ids)
    order(ex, "carol", "bid", "0.40", "5", ticker="S1-1")
    ex.determine_market("S1-1", "yes")


BATCH = [
    dict(
        ticker="TEST-1",
        side="bid",
        price="0.35",
        count="2",
        time_in_force="good_till_canceled",
        self_trade_prevention_type="maker",
    ),
    dict(
        ticker="TEST-1",
        side="bid",
        price="0.46",
        count="12",
        time_in_force="good_till_canceled",
        self_trade_prevention_type="maker",
    ),
    dict(
        ticker="TEST-2",
        side="ask",
        price="0.30",
        count="1",
        time_in_force="immediate_or_cancel",
        self_trade_prevention_type="maker",
    ),
]

SCENARIOS: dict[str, Scenario] = {
    "create_rest": Scenario(lambda ex, ids: order(ex, "carol", "bid", "0.42", "3")),
    "create_sweep_and_group": Scenario(
        lambda ex, ids: order(ex, "alice", "bid", "0.48", "25", client_order_id="sweep")
    ),
    "create_closing_fix_cover": Scenario(
        lambda ex, ids: order(
            ex, "alice", "ask", "0.43", "8", stp="maker", tif="immediate_or_cancel"
        )
    ),
    "create_fok_short": Scenario(
        lambda ex, ids: order(ex, "alice", "bid", "0.45", "50", tif="fill_or_kill")
    ),
    "create_reduce_only": Scenario(
        lambda ex, ids: order(
            ex, "alice", "ask", "0.43", "10", tif="immediate_or_cancel", reduce_only=True
        )
    ),
    "create_subaccount": Scenario(
        lambda ex, ids: order(ex, "alice", "bid", "0.46", "2", subaccount=2)
    ),
    "create_after_expiry": Scenario(
        lambda ex, ids: order(ex, "alice", "bid", "0.46", "2"),
        prepare=_later,
        stands=lambda ex, n: ex.expire_orders() if n else None,
    ),
    "batch_create": Scenario(
        lambda ex, ids: ex.batch_create_orders("carol", BATCH),
        stands=lambda ex, n: ex.batch_create_orders("carol", BATCH[:n]),
    ),
    "amend_requeue": Scenario(
        lambda ex, ids: ex.amend_order(
            "alice", ids["a_bid"], ticker="TEST-1", side="bid", price="0.46", count="12"
        )
    ),
    "amend_shrink": Scenario(
        lambda ex, ids: ex.amend_order(
            "alice", ids["a_bid"], ticker="TEST-1", side="bid", price="0.40", count="4"
        )
    ),
    "amend_client_id": Scenario(
        lambda ex, ids: ex.amend_order(
            "alice",
            ids["a_coid"],
            ticker="TEST-1",
            side="bid",
            price="0.42",
            count="5",
            updated_client_order_id="a-42",
            expiration_time=ex.now() + 5000,
        )
    ),
    "decrease": Scenario(lambda ex, ids: ex.decrease_order("bob", ids["b_ask"], reduce_by="3")),
    "decrease_to_zero": Scenario(
        lambda ex, ids: ex.decrease_order("bob", ids["b_ask"], reduce_to="0")
    ),
    "cancel": Scenario(lambda ex, ids: ex.cancel_order("alice", ids["a_cov"])),
    "cancel_all": Scenario(lambda ex, ids: ex.cancel_all_orders("alice")),
    "group_create": Scenario(lambda ex, ids: ex.create_order_group("carol", "5")),
    "group_reset": Scenario(lambda ex, ids: ex.reset_order_group("bob", ids["group"])),
    "group_trigger": Scenario(lambda ex, ids: ex.trigger_order_group("bob", ids["group"])),
    "group_limit": Scenario(
        lambda ex, ids: ex.update_order_group_limit("bob", ids["group"], "1"),
        prepare=lambda ex, clock, ids: order(ex, "alice", "bid", "0.48", "20", stp="maker"),
    ),
    "group_delete": Scenario(lambda ex, ids: ex.delete_order_group("bob", ids["group"])),
    "expiry": Scenario(lambda ex, ids: ex.expire_orders(), prepare=_later),
    "pause_trading": Scenario(lambda ex, ids: ex.pause_trading()),
    "close": Scenario(lambda ex, ids: ex.close_market("TEST-1")),
    "determine": Scenario(lambda ex, ids: ex.determine_market("TEST-1", "yes")),
    "settle": Scenario(lambda ex, ids: ex.settle_market("TEST-1"), prepare=_determined),
    "rfq_create": Scenario(
        lambda ex, ids: ex.create_rfq(
            "bob", ticker="TEST-1", target_cost="3", rest_remainder=True, obscure_creator=True
        )
    ),
    "rfq_replace": Scenario(
        lambda ex, ids: ex.create_rfq(
            "alice", ticker="TEST-2", contracts="1", rest_remainder=False, replace_existing=True
        )
    ),
    "rfq_delete": Scenario(lambda ex, ids: ex.delete_rfq("alice", ids["rfq"])),
    "quote_create_replacing": Scenario(
        lambda ex, ids: ex.create_quote(
            "carol", rfq_id=ids["rfq"], yes_bid="0.45", no_bid="0", rest_remainder=False
        )
    ),
    "quote_delete": Scenario(lambda ex, ids: ex.delete_quote("carol", ids["q_open"])),
    "quote_accept": Scenario(
        lambda ex, ids: ex.accept_quote("alice", ids["q_open"], "no"),
        prepare=lambda ex, clock, ids: ex.delete_quote("bob", ids["q_acc"]),
    ),
    "quote_confirm": Scenario(lambda ex, ids: ex.confirm_quote("bob", ids["q_acc"])),
    "rfq_timers_execute_and_expire": Scenario(
        lambda ex, ids: ex.run_timers(),
        prepare=lambda ex, clock, ids: clock.advance(31_000),
        stands=lambda ex, n: ex.run_timers(limit=n),
    ),
    "combo_create": Scenario(
        lambda ex, ids: ex.create_combo_market("alice", "KXMVET", ids["new_legs"])
    ),
    "leg_determines_and_settles_combo": Scenario(
        lambda ex, ids: ex.determine_market("TEST-3", "no")
    ),
    "block_propose": Scenario(
        lambda ex, ids: ex.propose_block_trade(
            "carol",
            buyer="bob",
            seller="alice",
            ticker="TEST-2",
            price="0.45",
            count="2",
            maker_side="no",
            expiration_ts=ex.now() + 1000,
        )
    ),
    "block_accept_executes": Scenario(
        lambda ex, ids: ex.accept_block_trade("bob", ids["block"], subaccount=0)
    ),
    "rfq_batch_create": Scenario(
        lambda ex, ids: ex.create_rfq_batch(
            "alice",
            children=[
                {"market_ticker": ids["combo"]},
                {
                    "selected_markets": [
                        {"event_ticker": "TEST-EV", "market_ticker": "TEST-2", "side": "yes"},
                        {"event_ticker": "TEST-EV2", "market_ticker": "TEST-3", "side": "no"},
                    ]
                },
            ],
            mve_collection_ticker="KXMVET",
            contracts="1",
        )
    ),
    "rfq_batch_delete": Scenario(lambda ex, ids: ex.delete_rfq_batch("alice", ids["batch"])),
    "rfq_batch_quote_replacing": Scenario(
        lambda ex, ids: ex.create_batch_quote(
            "bob",
            ids["batch"],
            quotes=[{"rfq_id": r, "yes_bid": "0.30", "no_bid": "0.58"} for r in ids["batch_rfqs"]],
            rest_remainder=False,
        )
    ),
    "rfq_batch_quote_delete": Scenario(
        lambda ex, ids: ex.delete_batch_quote("carol", ids["batch"], ids["bq_carol"])
    ),
    "rfq_batch_accept": Scenario(
        lambda ex, ids: ex.accept_rfq_batch(
            "alice",
            ids["batch"],
            "no",
            [{"rfq_id": r, "bid_dollars": "0.5"} for r in ids["batch_rfqs"]],
        )
    ),
    "rfq_batch_confirm": Scenario(
        lambda ex, ids: ex.confirm_batch_quote("bob", ids["batch2"], ids["bq_won"]),
        prepare=_batch2_accepted,
    ),
    "rfq_batch_executes": Scenario(
        lambda ex, ids: ex.run_timers(),
        prepare=lambda ex, clock, ids: (
            _batch2_accepted(ex, clock, ids),
            ex.confirm_batch_quote("bob", ids["batch2"], ids["bq_won"]),
            clock.advance(1_000),
        ),
        stands=lambda ex, n: ex.run_timers(limit=n),
    ),
    "rfq_batch_quotes_lapse": Scenario(  # after the quotes' 30 s: a new best-quotes snapshot
        lambda ex, ids: ex.run_timers(),
        prepare=lambda ex, clock, ids: clock.advance(30_001),
        stands=lambda ex, n: ex.run_timers(limit=n),
    ),
    "add_user": Scenario(lambda ex, ids: ex.add_user("dave", D("10"))),
    "subaccount_create": Scenario(lambda ex, ids: ex.create_subaccount("bob")),
    "subaccount_transfer": Scenario(
        lambda ex, ids: ex.transfer_between_subaccounts("alice", "t-2", 2, 1, 125)
    ),
    "netting": Scenario(lambda ex, ids: ex.set_netting("alice", 2, False)),
    "index_transfer": Scenario(
        lambda ex, ids: ex.transfer_between_indexes(
            "alice",
            source="event_contract",
            destination="event_contract",
            amount=1_250_000,
            destination_index=1,
            client_transfer_id="x-1",
        )
    ),
    "index_transfer_cross_subaccount": Scenario(
        lambda ex, ids: ex.transfer_between_indexes(
            "alice",
            source="event_contract",
            destination="event_contract",
            amount=30_000,
            source_subaccount=2,
            destination_index=1,
            destination_subaccount=1,
        )
    ),
    "index_transfer_same_index": Scenario(
        lambda ex, ids: ex.transfer_between_indexes(
            "alice",
            source="event_contract",
            destination="event_contract",
            amount=10_000,
            source_subaccount=2,
            destination_subaccount=1,
        )
    ),
    "subaccount_transfer_index_1": Scenario(
        lambda ex, ids: ex.transfer_between_subaccounts("alice", "t-3", 0, 1, 100, 1),
        prepare=lambda ex, clock, ids: ex.transfer_between_indexes(
            "alice",
            source="event_contract",
            destination="event_contract",
            amount=20_000,
            destination_index=1,
        ),
    ),
    "netting_off_fill_pairs": Scenario(
        lambda ex, ids: order(ex, "alice", "ask", "0.43", "3", tif="immediate_or_cancel"),
        prepare=lambda ex, clock, ids: ex.set_netting("alice", 0, False),
    ),
    "netting_on_again": Scenario(
        lambda ex, ids: ex.set_netting("alice", 0, True),
        prepare=lambda ex, clock, ids: ex.set_netting("alice", 0, False),
    ),
    "target_allocation": Scenario(
        lambda ex, ids: ex.set_target_allocation("alice", [(0, 70), (1, 30)], "max")
    ),
    "automatic_rebalance": Scenario(
        lambda ex, ids: ex.rebalance_allocations(),
        # alice's split drifts: a resting order takes cash from index 0 after the allocation
        prepare=lambda ex, clock, ids: (
            ex.set_target_allocation("alice", [(0, 50), (1, 50)]),
            order(ex, "alice", "bid", "0.40", "10"),
        ),
    ),
    "usage_upgrade": Scenario(lambda ex, ids: ex.upgrade_usage_level("carol")),
    "funding_deposit": Scenario(lambda ex, ids: ex.record_funding("bob", "deposit", 2500)),
    "funding_withdrawal": Scenario(
        lambda ex, ids: ex.record_funding("bob", "withdrawal", 100, fee_cents=2)
    ),
    "add_direct_user": Scenario(lambda ex, ids: ex.add_user("erin", D("10.0001"), "direct")),
    "metadata_update": Scenario(
        lambda ex, ids: ex.update_market_metadata("TEST-1", yes_sub_title="y2", floor_strike=D(3))
    ),
    "price_levels_cancel_off_grid": Scenario(
        lambda ex, ids: ex.update_price_level_structure("TEST-1", "linear_cent"),
        prepare=lambda ex, clock, ids: (
            ex.update_price_level_structure("TEST-1", "deci_cent"),
            order(ex, "carol", "bid", "0.425", "2"),
        ),
    ),
    "deposit": Scenario(lambda ex, ids: ex.deposit("bob", D("-3"))),
    # The control plane's reset (sandbox.control.reset): one journal transaction, memory rebuilt.
    "ctl_reset": Scenario(
        lambda ex, ids: reset.reset_engine(ex, 5),
        # the seeded universe has weeks of index history after its launch (2026-11-02)
        prepare=lambda ex, clock, ids: setattr(clock, "t", SEEDABLE_T),
    ),
    # The control plane's composite actions (sandbox.control.actions): one operation each.
    "ctl_set_book": Scenario(
        lambda ex, ids: actions.set_book(
            ex, "TEST-1", [(D("0.20"), D("5")), (D("0.25"), D("3"))], [(D("0.40"), D("2"))]
        )
    ),
    "ctl_move_price": Scenario(lambda ex, ids: actions.move_price(ex, "TEST-1", D("0.47"))),
    "ctl_settle_now": Scenario(
        lambda ex, ids: actions.set_status(ex, "TEST-2", "settle", "yes", None)
    ),
    "ctl_advance_clock": Scenario(lambda ex, ids: actions.Clock(ex).advance(2000)),
    # FCM members (sandbox/engine/fcm.py).
    "fcm_create_subtrader": Scenario(lambda ex, ids: ex.create_subtrader("fcm", "B"), _fcm),
    "fcm_set_cap": Scenario(lambda ex, ids: ex.set_daily_cap("fcm", "fcm_A", "25.5"), _fcm),
    "fcm_new_cap": Scenario(lambda ex, ids: ex.set_daily_cap("fcm", "fcm_ERR", "1"), _fcm),
    "fcm_remove_cap": Scenario(lambda ex, ids: ex.remove_daily_cap("fcm", "fcm_A"), _fcm),
    "fcm_block": Scenario(
        lambda ex, ids: ex.set_blocked_category("fcm", "fcm_A", "Sports", True), _fcm
    ),
    "fcm_unblock": Scenario(
        lambda ex, ids: ex.set_blocked_category("fcm", "fcm_A", "Politics", False), _fcm
    ),
    "fcm_new_block": Scenario(
        lambda ex, ids: ex.set_blocked_category("fcm", "fcm_ERR", "Sports", True), _fcm
    ),
    "fcm_subtrader_order": Scenario(lambda ex, ids: order(ex, "fcm_A", "bid", "0.47", "4"), _fcm),
    "fcm_transfer_yes": Scenario(
        lambda ex, ids: ex.transfer_fcm_position("fcm", "fcm_A", "fcm_ERR", "TEST-1", 300, 4500),
        _fcm,
    ),
    "fcm_transfer_new_target": Scenario(
        lambda ex, ids: ex.transfer_fcm_position("fcm", "fcm_A", "fcm_E2", "TEST-1", 200, 0),
        _fcm,
    ),
    # Markets on exchange index 1: collateral, fills, fees, cancel and payouts on index-1 cash.
    "shard1_fill_and_rest": Scenario(
        lambda ex, ids: order(ex, "carol", "bid", "0.41", "10", ticker="S1-1"), prepare=_shard1
    ),
    "shard1_cancel": Scenario(
        lambda ex, ids: ex.cancel_order("bob", ids["s1_ask"], 0, 1), prepare=_shard1
    ),
    "shard1_amend": Scenario(
        lambda ex, ids: ex.amend_order(
            "bob", ids["s1_ask"], ticker="S1-1", side="ask", price="0.35", count="9"
        ),
        prepare=_shard1,
    ),
    "shard1_settle": Scenario(lambda ex, ids: ex.settle_market("S1-1"), prepare=_shard1_determined),
    "ctl_set_tier": Scenario(lambda ex, ids: ex.set_tier("alice", "prime")),
    "ctl_set_feed": Scenario(lambda ex, ids: ex.set_feed("alice", "pyth_value")),
}


def _steps(name: str) -> list[str]:
    """The step hits of one scenario, in order (a discovery run with a recording hook)."""
    sc = SCENARIOS[name]
    with tempfile.TemporaryDirectory() as d:
        ex, clock, ids = setup(Path(d))
        sc.prepare(ex, clock, ids)
        hits: list[str] = []
        ex.set_fault(hits.append)
        sc.act(ex, ids)
        ex.close()
    return hits


PARAMS = [
    pytest.param(name, k, step, id=f"{name}-{k}-{step}")
    for name in SCENARIOS
    for k, step in enumerate(_steps(name))
]


def test_every_write_operation_has_named_steps_and_a_journal_commit():
    by_scenario: dict[str, list[str]] = {}
    for p in PARAMS:
        name, _, step = p.values
        by_scenario.setdefault(name, []).append(step)
    assert set(by_scenario) == set(SCENARIOS)
    for name, steps in by_scenario.items():
        if name == "ctl_reset":  # not an operation: the journal replaced in one transaction
            assert steps == ["reset.restore", "reset.store", "journal.replace"], steps
            continue
        assert "journal.commit" in steps and "journal.write" in steps, name
    assert {"create.reserve", "create.match", "create.record"} <= set(
        by_scenario["create_sweep_and_group"]
    )
    assert "amend.match" in by_scenario["amend_requeue"]
    assert by_scenario["settle"].count("settle.pay") >= 3


@pytest.mark.parametrize(("name", "k", "step"), PARAMS)
def test_a_failure_at_any_step_changes_nothing(tmp_path, name, k, step):
    sc = SCENARIOS[name]
    ex, clock, ids = setup(tmp_path)
    sc.prepare(ex, clock, ids)
    before = full(ex)
    seen: list[str] = []

    def hook(s: str) -> None:
        seen.append(s)
        if len(seen) == k + 1:
            raise Boom(s)

    ex.set_fault(hook)
    with pytest.raises(Boom):
        sc.act(ex, ids)
    ex.set_fault(None)
    assert seen[-1] == step
    after = full(ex)
    committed = seen[:-1].count("journal.write")  # operations that completed before the fault
    if committed:
        ref, ref_clock, ref_ids = setup(tmp_path / "ref")
        sc.prepare(ref, ref_clock, ref_ids)
        sc.stands(ref, committed)
        before = full(ref)
        ref.close()
    assert diff(before, after) == []
    ex.check_invariants()
    # The exchange carries on exactly as if the failure had never happened.
    sc.act(ex, ids)
    ex.check_invariants()
    clean, clean_clock, clean_ids = setup(tmp_path / "clean")
    sc.prepare(clean, clean_clock, clean_ids)
    sc.stands(clean, committed)
    sc.act(clean, clean_ids)
    assert diff(full(clean), full(ex)) == []
    clean.close()
    # And what is on disk restores to what is in memory.
    live = memory(ex, ordered=False)
    ex.close()
    again = open_exchange(tmp_path, clock=clock)
    assert diff(live, memory(again, ordered=False)) == []
    again.close()


def test_a_rejection_changes_nothing_either(tmp_path):
    """EngineError after work was done (a balance check, a half-made transfer) rolls back too."""
    ex, _, _ = setup(tmp_path)
    before = full(ex)
    with pytest.raises(EngineError) as e:
        order(ex, "alice", "bid", "0.50", "10", subaccount=1)  # subaccount 1 has no cash
    assert e.value.code == "available_balance_too_low"
    with pytest.raises(EngineError) as e:
        order(ex, "alice", "bid", "0.50", "1", subaccount=7)  # never created
    assert (e.value.status, e.value.message) == (404, "subaccount not found")
    with pytest.raises(EngineError) as e:
        ex.transfer_between_subaccounts("alice", "t-1", 0, 1, 100)  # client id already used
    assert e.value.status == 409
    assert diff(before, full(ex)) == []


def test_a_partial_before_image_widens_when_the_record_is_touched_in_full():
    """The hot path images only the fields it changes (`op.toucher(kind, table, fields)`); a
    full touch later in the same operation widens the image, and a rollback restores every
    field, whichever touch came first."""
    from sandbox.engine.models import Market
    from sandbox.engine.operation import IMAGE, Operation

    for partial_first in (True, False):
        op = Operation(1, lambda: 1_000)
        m = Market("T", "E", "S", "t", "", "", "", 0, 1, 1, "", "", "linear_cent", ())
        table = {"T": m}
        stats = op.toucher("market", table, ("volume", "yes_bid"))
        before = IMAGE["market"](m)
        with pytest.raises(Boom), op:
            if partial_first:
                stats(m)
                m.volume += 5
                op.touch("market", m, table)
            else:
                op.touch("market", m, table)
                stats(m)
                m.volume += 5
            m.title = "changed"
            m.yes_bid = Decimal("0.4")
            raise Boom("after the changes")
        assert IMAGE["market"](m) == before
        assert table == {"T": m}
