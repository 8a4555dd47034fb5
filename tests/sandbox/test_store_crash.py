"""Crash safety: kill -9 at random points never loses or creates money.

A worker process (this file run as a script) opens a journaled exchange and performs random
operations as fast as it can; the test kills it with SIGKILL at a random moment, reopens the data
dir and checks `total_money()` and every per-user invariant. KALSHI_CRASH_POINTS sets how many
kill points (default 20); the points accumulate on one data dir, so later rounds restore state
that earlier kills left behind.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sandbox.control import actions  # noqa: E402
from sandbox.engine import EngineError  # noqa: E402
from sandbox.store import open_exchange  # noqa: E402

USERS = ("crash-a", "crash-b", "crash-c")
FCM, SUBTRADERS = "crash-fcm", ("crash-fcm_S1", "crash-fcm_S2")
NOW = 1_795_500_000_000
GTC, IOC, FOK = "good_till_canceled", "immediate_or_cancel", "fill_or_kill"


def _worker(data_dir: Path, seed: int) -> None:
    """Random operations until killed (prints the money total once open)."""
    ex = open_exchange(data_dir, seed=7)
    for u in USERS:
        if not ex.has_user(u):
            ex.add_user(u, Decimal(500))
            # Combos trade on exchange index 1's cash: preallocate some there, once (after a
            # restart the user may have spent index 0's cash, so a repeat could be refused).
            ex.transfer_between_indexes(
                u, source="event_contract", destination="event_contract", amount=1_000_000,
                destination_index=1,
            )  # fmt: skip
        if len(ex.cash.of_user(u)) < 2:
            ex.create_subaccount(u)
    if not ex.has_user(FCM):  # an FCM whose two subtraders trade under daily caps
        with ex.operation():
            ex.add_user(FCM, Decimal(0), "fcm")
            for sid in SUBTRADERS:
                ex.create_subtrader(FCM, sid.split("_")[1])
                ex.deposit(sid, Decimal(500))
                ex.set_daily_cap(FCM, sid, "200")
    actions.ensure_traders(ex)  # the control plane's maker and taker, before the total
    print(f"ready {ex.total_money()}", flush=True)
    rng = random.Random(seed)
    # The two structures the mix flips markets between: filtering on linear_cent alone ran out
    # of markets after ~115 kill points, every one flipped to deci_cent by earlier rounds.
    flips = ("linear_cent", "deci_cent")
    tickers = [m.ticker for m in ex.list_markets(status="open") if m.price_level_structure in flips]
    tickers = tickers[:4]
    groups: list[tuple[str, str]] = []
    ex.comms.windows = (200, 0)  # RFQs: a short confirmation window, immediate execution
    ex.comms.hvm_windows = (200, 0)  # combos (RFQ batches) too
    ex.batches.quote_life_ms = 100  # batch quotes lapse within the run (new snapshots)
    parlays = _round_robin(ex)
    if parlays:  # one combo (exchange index 1) trades in the mix like any market
        legs = parlays[1][0]["selected_markets"]
        tickers.append(ex.create_combo_market(USERS[0], parlays[0], legs)[0].ticker)
    while True:
        u = rng.choice(USERS)
        t = rng.choice(tickers)
        mine = [o for o in ex.list_orders(u, status="resting") if o.ticker in tickers]
        r = rng.random()
        try:
            if r < 0.45 or not mine:
                kw = {}
                if rng.random() < 0.2:
                    kw["expiration_time"] = ex.now() + rng.randrange(50, 400)
                if groups and rng.random() < 0.2:
                    gu, gid = rng.choice(groups)
                    if gu == u:
                        kw["order_group_id"] = gid
                tif = rng.choice((GTC, GTC, GTC, IOC, FOK))
                if tif != GTC:
                    kw.pop("expiration_time", None)
                ex.create_order(
                    u,
                    ticker=t,
                    side=rng.choice(("bid", "ask")),
                    # sub-cent prices once a market went deci_cent; fractional counts: the
                    # fills then carry rounding fees and rebates (issue 12)
                    price=Decimal(rng.randrange(300, 701)) / 1000
                    if ex.markets[t].price_level_structure == "deci_cent"
                    else Decimal(rng.randrange(30, 71)) / 100,
                    count=Decimal(rng.choice((1, 2, 5, 10, 25, "0.37"))),
                    time_in_force=tif,
                    self_trade_prevention_type=rng.choice(("taker_at_cross", "maker")),
                    **kw,
                )
            elif r < 0.65:
                ex.cancel_order(u, rng.choice(mine).order_id)
            elif r < 0.8:
                o = rng.choice(mine)
                ex.amend_order(
                    u,
                    o.order_id,
                    ticker=o.ticker,
                    side=o.side,
                    price=Decimal(rng.randrange(30, 71)) / 100,
                    count=o.fill_count + rng.choice((1, 3, 8)),
                )
            elif r < 0.9:
                o = rng.choice(mine)
                ex.decrease_order(u, o.order_id, reduce_by=Decimal(1))
            elif r < 0.94:
                g = ex.create_order_group(u, rng.choice(("5", "20")))
                groups.append((u, g.order_group_id))
            elif r < 0.95:
                src = rng.choice((0, 1))
                ex.transfer_between_subaccounts(
                    u, f"{seed}-{rng.getrandbits(64)}", src, 1 - src, rng.choice((1, 99, 2500))
                )
            elif r < 0.955:  # between exchange indexes (and subaccounts), or a target split
                src = rng.choice((0, 1))
                r2 = rng.random()
                if r2 < 0.3:  # netting off: opposite fills pair up instead of closing
                    ex.set_netting(u, rng.choice((0, 1)), rng.random() < 0.5)
                elif r2 < 0.45:
                    pct = rng.randrange(0, 101)
                    ex.set_target_allocation(u, [(0, pct), (1, 100 - pct)])
                elif r2 < 0.55:  # the periodic sweep: every drifted split back to target
                    ex.rebalance_allocations()
                else:
                    ex.transfer_between_indexes(
                        u,
                        source="event_contract",
                        destination="event_contract",
                        amount=rng.choice((100, 9900, 250_000)),
                        source_index=src,
                        destination_index=1 - src,
                        source_subaccount=rng.choice((0, 1)),
                        destination_subaccount=rng.choice((0, 1)),
                    )
            elif r < 0.965 and groups:
                gu, gid = rng.choice(groups)
                ex.reset_order_group(gu, gid)
            elif r < 0.975:  # the control plane's composite operations
                actions.move_price(ex, t, Decimal(rng.randrange(30, 71)) / 100)
            elif r < 0.982:
                p = rng.randrange(20, 40)
                levels = [(Decimal(p - k) / 100, Decimal(rng.choice((1, 5)))) for k in range(3)]
                actions.set_book(ex, t, levels, [])
            elif r < 0.986:  # off-grid resting orders are cancelled on the way back
                ex.update_price_level_structure(t, rng.choice(flips))
            elif r < 0.987:  # control-plane grants (journaled): a tier, a paid feed
                if rng.random() < 0.5:
                    ex.set_tier(u, rng.choice(("basic", "premier", "prime")))
                else:
                    ex.set_feed(u, "pyth_value", rng.random() < 0.6)
            elif r < 0.99:
                ex.cancel_all_orders(u, ticker=t)
            elif r < 0.994:  # FCM: a subtrader's order, its cap, its blocks, a transfer
                sid, other = rng.sample(SUBTRADERS, 2)
                k = rng.random()
                if k < 0.5:
                    ex.create_order(
                        sid,
                        ticker=t,
                        side=rng.choice(("bid", "ask")),
                        price=Decimal(rng.randrange(30, 71)) / 100,
                        count=Decimal(rng.choice((1, 5))),
                        time_in_force=rng.choice((GTC, IOC)),
                        self_trade_prevention_type="taker_at_cross",
                    )
                elif k < 0.65:
                    ex.set_daily_cap(FCM, sid, rng.choice(("5", "200")))
                elif k < 0.75:
                    ex.set_blocked_category(FCM, sid, "Crypto", rng.random() < 0.5)
                else:
                    ex.transfer_fcm_position(
                        FCM,
                        sid,
                        other,
                        t,
                        rng.choice((100, -100, 500)),
                        rng.randrange(0, 101) * 100,
                    )
            elif r < 0.997 and parlays:  # RFQ batches: two makers, all or none
                maker, other = [x for x in USERS if x != u]
                b = ex.create_rfq_batch(
                    u, children=parlays[1], mve_collection_ticker=parlays[0], contracts="2",
                    replace_existing=True,
                )  # fmt: skip
                bqs = []
                for m in (maker, other):
                    yes = Decimal(rng.randrange(10, 40)) / 100
                    entries = [{"rfq_id": x, "yes_bid": yes, "no_bid": 1 - yes} for x in b.rfq_ids]
                    bqs.append(
                        ex.create_batch_quote(m, b.batch_id, quotes=entries, rest_remainder=False)
                    )
                if rng.random() < 0.3:  # left open: its quotes lapse on the clock
                    continue
                floors = [{"rfq_id": x, "bid_dollars": "0.01"} for x in b.rfq_ids]
                ex.accept_rfq_batch(u, b.batch_id, rng.choice(("yes", "no")), floors)
                for bq in bqs:
                    if bq.status == "accepted" and rng.random() < 0.9:
                        ex.confirm_batch_quote(bq.user_id, b.batch_id, bq.batch_quote_id)
                ex.run_timers()
            else:  # the RFQ market: request, quote, accept, confirm (executes), or let expire
                maker = rng.choice([x for x in USERS if x != u])
                rfq = ex.create_rfq(u, ticker=t, contracts="3", rest_remainder=rng.random() < 0.5)
                yes = Decimal(rng.randrange(30, 71)) / 100
                q = ex.create_quote(
                    maker, rfq_id=rfq.rfq_id, yes_bid=yes, no_bid=1 - yes, rest_remainder=True
                )
                ex.accept_quote(u, q.quote_id, rng.choice(("yes", "no")))
                if rng.random() < 0.8:
                    ex.confirm_quote(maker, q.quote_id)
                ex.run_timers()
        except EngineError:
            pass


def _round_robin(ex) -> tuple[str, list[dict]] | None:
    """(collection, children): every 2-leg parlay of three open legs of a seeded collection."""
    for c in ex.list_collections(status="open"):
        legs = []
        for a in c.associated_events:
            event = ex.events.get(a["ticker"])
            markets = event.markets if event is not None else []
            t = next((t for t in markets if ex.markets[t].status == "active"), None)
            if t is not None and ex.markets[t].price_level_structure == "linear_cent":
                legs.append({"event_ticker": a["ticker"], "market_ticker": t, "side": "yes"})
        if len(legs) >= 3 and c.size_min <= 2 <= c.size_max:
            pairs = [[legs[0], legs[1]], [legs[0], legs[2]], [legs[1], legs[2]]]
            return c.collection_ticker, [{"selected_markets": p} for p in pairs]
    return None


def _check(data_dir: Path, total: Decimal) -> int:
    ex = open_exchange(data_dir)
    try:
        ex.check_invariants()
        assert ex.total_money() == total, (ex.total_money(), total)
        for u in USERS + SUBTRADERS:
            for acct in ex.cash.of_user(u).values():
                assert acct.balance >= 0 and acct.reserved >= 0, acct
        return len(ex.orders)
    finally:
        ex.close()


POINTS = int(os.environ.get("KALSHI_CRASH_POINTS", "20"))


@pytest.mark.slow
@pytest.mark.timeout(max(120, 3 * POINTS))  # ~1 s per kill point; the README's 200 need ~4 min
def test_kill_9_at_random_points_keeps_the_money(tmp_path):
    points = POINTS
    rng = random.Random(int(os.environ.get("KALSHI_CRASH_SEED", "11")))
    total: Decimal | None = None
    orders = []
    for i in range(points):
        proc = subprocess.Popen(
            [sys.executable, __file__, str(tmp_path), str(rng.randrange(10**9))],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line.startswith("ready "):
            proc.kill()
            raise AssertionError(f"worker did not start: {line!r} {proc.stderr.read()}")  # type: ignore[union-attr]
        started = Decimal(line.split()[1])
        total = started if total is None else total
        assert started == total, f"round {i}: restored total {started} != {total}"
        time.sleep(rng.uniform(0.01, 0.3))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read()  # type: ignore[union-attr]
        orders.append(_check(tmp_path, total))
        print(f"kill point {i + 1}/{points}: {orders[-1]} orders, total {total}", flush=True)
    assert orders[-1] > orders[0], "the workers made no progress"
    print(f"{points} kill points, {orders[-1]} orders at the end, total {total}")


def test_issue_11_reproduction_expired_order_then_huge_count(tmp_path):
    """The reproduction of issue 11: an order expires, a `count "1e30"` request follows (a 500
    before), then a small order is created and deleted; after kill -9 and a restart the balance
    and `reserved` are exactly as they should be."""
    from test_engine_helpers import FakeClock

    clock = FakeClock(NOW)
    ex = open_exchange(tmp_path, seed=3, clock=clock)
    ex.add_user("repro", Decimal(10))
    ticker = ex.list_markets(status="open")[0].ticker
    kw = dict(ticker=ticker, side="bid", time_in_force=GTC, self_trade_prevention_type="maker")
    first = ex.create_order(
        "repro", price="0.01", count="100", expiration_time=NOW + 2000, **kw
    ).order
    assert ex.get_account("repro").reserved == Decimal(1)
    clock.advance(3000)
    with pytest.raises(EngineError) as e:
        ex.create_order("repro", price="0.01", count="1e30", **kw)
    assert (e.value.status, e.value.code) == (400, "invalid_order_size")
    small = ex.create_order("repro", price="0.01", count="1", **kw).order
    ex.cancel_order("repro", small.order_id)
    acct = ex.get_account("repro")
    assert (acct.balance, acct.reserved) == (Decimal(10), Decimal(0))
    # kill -9: nothing is closed or flushed; a new process opens the same file.
    again = open_exchange(tmp_path, clock=clock)
    acct = again.get_account("repro")
    assert (acct.balance, acct.reserved) == (Decimal(10), Decimal(0))
    assert again.orders[first.order_id].status == "canceled"
    again.check_invariants()
    assert again.total_money() == ex.total_money()


if __name__ == "__main__":
    _worker(Path(sys.argv[1]), int(sys.argv[2]))
