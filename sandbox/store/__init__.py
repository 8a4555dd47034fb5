"""Persistence of the local exchange: the SQLite journal and opening a data directory.

    ex = open_exchange(Path(".sandbox"), seed=7)   # restore, or create and seed

The engine hands each operation's change set to `Journal.commit`; `Journal.load` returns the
stored records and `Exchange.restore` rebuilds the engine from them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sandbox.engine import Exchange

from .journal import Journal


def open_exchange(
    data_dir: Path, *, seed: int = 1, clock: Callable[[], int] | None = None
) -> Exchange:
    """Open (or create and seed) the exchange journaled in `data_dir/exchange.db`.

    A new journal is seeded deterministically from `seed`; an existing one is restored exactly
    (its stored seed wins).
    """
    from sandbox.seed.universe import seed_universe

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    journal = Journal(data_dir / "exchange.db")
    if journal.is_empty():
        ex = Exchange(seed=seed, clock=clock, journal=journal)
        seed_universe(ex)
    else:
        meta, records = journal.load()
        ex = Exchange(seed=meta.seed if meta else seed, clock=clock, journal=journal)
        ex.restore(meta, records)
    ex.open_seconds = time.perf_counter() - t0
    return ex


__all__ = ["Journal", "open_exchange"]
