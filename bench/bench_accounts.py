"""Accounts benchmark: subaccount and exchange-index cash transfers per second in the engine
(goal: >= 5,000/s each).

    uv run python bench/bench_accounts.py [--transfers 20000] [--runs 5]

Prints medians: in memory, and with SQLite write-through (one commit per transfer, as the
server runs). Every transfer is a full operation: validation, two holder changes, the history
record and its idempotency index; the money total is checked after each run.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sandbox.engine import Exchange
from sandbox.store import Journal

USERS = ("u1", "u2", "u3")
SUBACCOUNTS = 8


def fresh_exchange(data_dir: Path | None = None) -> Exchange:
    journal = None if data_dir is None else Journal(data_dir / "exchange.db")
    ex = Exchange(seed=1, journal=journal)
    for u in USERS:
        ex.add_user(u, Decimal(10**6))
        for _ in range(SUBACCOUNTS - 1):
            sub = ex.create_subaccount(u).subaccount
            ex.transfer_between_subaccounts(u, f"fund-{sub}", 0, sub, 10**6)
        ex.transfer_between_indexes(  # $100,000 on index 1
            u, source="event_contract", destination="event_contract", amount=10**9,
            destination_index=1,
        )  # fmt: skip
    return ex


def _subaccounts(ex: Exchange, i: int) -> None:
    u = USERS[i % len(USERS)]
    src = (i // len(USERS)) % SUBACCOUNTS
    ex.transfer_between_subaccounts(u, f"b-{i}", src, (src + 1) % SUBACCOUNTS, 1 + i % 997)


def _indexes(ex: Exchange, i: int) -> None:
    """Primary account, index 0 <-> 1 in turn, with a client id (the idempotency index)."""
    src = (i // len(USERS)) % 2
    ex.transfer_between_indexes(
        USERS[i % len(USERS)],
        source="event_contract",
        destination="event_contract",
        amount=100 * (1 + i % 997),
        source_index=src,
        destination_index=1 - src,
        client_transfer_id=f"x-{i}",
    )


KINDS = {"subaccount": _subaccounts, "exchange-index": _indexes}


def run(n: int, ex: Exchange, kind: str = "subaccount") -> tuple[float, float]:
    """(wall-clock, CPU-time) transfers per second for n transfers of `kind`."""
    total = ex.total_money()
    move = KINDS[kind]
    gc.collect()  # a previous run's exchange is cyclic garbage: not this run's work to collect
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        move(ex, i)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert ex.total_money() == total
    ex.check_invariants()
    return n / wall, n / cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--transfers", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    for kind in KINDS:
        memory = [run(args.transfers, fresh_exchange(), kind) for _ in range(args.runs)]
        stored = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as d:
                ex = fresh_exchange(Path(d))
                stored.append(run(args.transfers // 4, ex, kind)[0])
                ex.close()
        wall = [r[0] for r in memory]
        print(
            f"engine {kind} transfers/s (median of {args.runs} x {args.transfers}): "
            f"{statistics.median(wall):,.0f} wall-clock (min {min(wall):,.0f}); "
            f"{statistics.median(r[1] for r in memory):,.0f} per CPU-second"
        )
        print(f"with SQLite write-through: {statistics.median(stored):,.0f} transfers/s")


if __name__ == "__main__":
    main()
