"""Engine benchmark: order operations per second in memory, and open_exchange times.

    uv run python bench/bench_engine.py [--ops 20000] [--runs 5]

Prints medians. The workload is a create/cancel mix from three users on two markets, with
prices around the middle so a share of the creates trade (the matching path is exercised).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import random
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sandbox.engine import EngineError, Event, Exchange, Market, PriceRange, Series
from sandbox.store import Journal, open_exchange

USERS = ("u1", "u2", "u3")
TICKERS = ("BENCH-1", "BENCH-2")
PRICES = [Decimal(n) / 100 for n in range(35, 66)]
COUNTS = [Decimal(n) for n in (1, 2, 5, 10, 20)]


def fresh_exchange(data_dir: Path | None = None) -> Exchange:
    if data_dir is None:
        ex = Exchange.in_memory(seed=1, populate=False)
    else:  # write-through SQLite, as the server runs it (no seeded universe)
        ex = Exchange(seed=1, journal=Journal(data_dir / "exchange.db"))
    ex.add_series(Series("BENCH", "Bench", "Testing", "daily"))
    ex.create_event(Event("BENCH-EV", "BENCH", "Bench", "b"))
    now = ex.now()
    for t in TICKERS:
        ex.create_market(
            Market(
                ticker=t,
                event_ticker="BENCH-EV",
                series_ticker="BENCH",
                title=t,
                subtitle="",
                yes_sub_title="",
                no_sub_title="",
                open_time=now,
                close_time=now + 10**10,
                latest_expiration_time=now + 10**10,
                rules_primary="",
                rules_secondary="",
                price_level_structure="linear_cent",
                price_ranges=(PriceRange(Decimal(0), Decimal(1), Decimal("0.01")),),
            )
        )
    for u in USERS:
        ex.add_user(u, Decimal(10**9))
    return ex


def run_orders(n: int, seed: int, ex: Exchange | None = None) -> tuple[float, float]:
    """(wall-clock, CPU-time) ops per second for n operations (~60% creates, 40% cancels).

    CPU time is reported too because wall-clock rates swing on a shared, busy machine."""
    ex = ex or fresh_exchange()
    rng = random.Random(seed)
    plan = []
    for _ in range(n):
        if rng.random() < 0.6:
            side = rng.choice(("bid", "ask"))
            centre = 50 + (-3 if side == "bid" else 3)
            price = PRICES[min(max(centre + int(rng.gauss(0, 4)) - 35, 0), len(PRICES) - 1)]
            plan.append(
                ("c", rng.choice(USERS), rng.choice(TICKERS), side, price, rng.choice(COUNTS))
            )
        else:
            plan.append(("x", rng.random()))
    resting: list[tuple[str, str]] = []
    gc.collect()  # a previous run's exchange is cyclic garbage: not this run's work to collect
    t0 = time.perf_counter()
    c0 = time.process_time()
    for op in plan:
        if op[0] == "c":
            _, u, t, side, price, count = op
            r = ex.create_order(
                u,
                ticker=t,
                side=side,
                price=price,
                count=count,
                time_in_force="good_till_canceled",
                self_trade_prevention_type="maker",
            )
            if r.order.status == "resting":
                resting.append((u, r.order.order_id))
        elif resting:
            i = int(op[1] * len(resting))
            resting[i], resting[-1] = resting[-1], resting[i]
            u, oid = resting.pop()
            with contextlib.suppress(EngineError):  # already filled
                ex.cancel_order(u, oid)
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - c0
    ex.check_invariants()
    return n / elapsed, n / cpu


def open_times() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        ex = open_exchange(Path(d), seed=7)
        fresh = time.perf_counter() - t0
        ex.conn.close()
        t0 = time.perf_counter()
        ex = open_exchange(Path(d), seed=7)
        restored = time.perf_counter() - t0
        ex.conn.close()
    return fresh, restored


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    rates = [run_orders(args.ops, seed) for seed in range(args.runs)]
    opens = [open_times() for _ in range(args.runs)]
    stored = []
    for seed in range(args.runs):
        with tempfile.TemporaryDirectory() as d:
            ex = fresh_exchange(Path(d))
            stored.append(run_orders(args.ops // 4, seed, ex)[0])
            ex.conn.close()
    wall = [r[0] for r in rates]
    cpu = [r[1] for r in rates]
    print(
        f"engine order ops/s (median of {args.runs} x {args.ops}): "
        f"{statistics.median(wall):,.0f} wall-clock (min {min(wall):,.0f}, "
        f"max {max(wall):,.0f}); {statistics.median(cpu):,.0f} per CPU-second"
    )
    print(
        f"with SQLite write-through, one commit per operation: "
        f"{statistics.median(stored):,.0f} ops/s"
    )
    print(f"open_exchange fresh (seed universe): {statistics.median(o[0] for o in opens):.3f} s")
    print(f"open_exchange restore:               {statistics.median(o[1] for o in opens):.3f} s")


if __name__ == "__main__":
    main()
