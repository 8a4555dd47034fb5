"""Reset the running exchange to a freshly seeded universe, in place (`POST /_sandbox/ctl/reset`).

As moto's reset, the world starts over; what a test user can count on:
- The exchange is what a fresh `python -m sandbox --seed N` start would show: series, events,
  markets, books, the simulated traders' accounts, no orders or fills of anyone else. N is the
  exchange's own seed unless one is given. The clock offset is back to 0.
- Users and their API keys are gone (those added with add-user too), with their control-set
  tiers and feed grants; their keys/NAME.pem files are deleted. Only the seeded demo user
  stays: its keys (keys/demo.pem, credentials.env) keep working, and its account, orders and
  fills are the seed's again, as on a first start.
- Run-time switches stay as set: faults, simulated activity on/off, RFQ timers. They are the
  test's set-up, not the exchange's state.
- Every WebSocket connection is closed with 1012 (service restart): clients reconnect and
  subscribe again, as after a restart. Open web views re-read everything.
- Background activity (simulated traders, lifecycle, referee, feeds) restarts on the new state.

Atomic and journaled: the new universe is seeded apart (into an in-memory journal), then the
live engine is rebuilt from those records and the data dir's journal and key table are replaced
in one SQLite transaction. A failure anywhere leaves memory and disk as they were; a crash leaves
the old journal or the new one, and a restart restores exactly the reset state.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sandbox.control.actions import Clock
from sandbox.engine import Exchange
from sandbox.http.provision import DEMO_USER
from sandbox.store import Journal
from sandbox.ws.bridge import Bridge

if TYPE_CHECKING:
    from sandbox.control.state import Control

WS_SERVICE_RESTART = 1012  # RFC 6455 registry: "service restart", clients reconnect


def seeded(seed: int, clock: Callable[[], int]) -> Journal:
    """A fresh universe from `seed`, journaled into memory: its records are what the reset
    installs."""
    from sandbox.seed.universe import seed_universe  # as open_exchange: only when seeding

    journal = Journal(Path(":memory:"))
    ex = Exchange(seed=seed, clock=clock, journal=journal)
    seed_universe(ex)
    return journal


def reset_engine(
    ex: Any, seed: int, also: Callable[[], None] = lambda: None, fresh: Journal | None = None
) -> None:
    """The engine part of a reset: `ex` becomes a fresh universe from `seed` (`fresh`, when
    already seeded); its journal (if any) is replaced in one transaction with `also` (other
    writes on the same connection)."""
    fresh = seeded(seed, ex.clock) if fresh is None else fresh
    try:
        meta, records = fresh.load()
        assert meta is not None  # seeding creates ids, so it writes the meta row

        def store() -> None:
            if ex.journal is not None:
                ex.journal.replace(fresh, also)
            else:
                also()

        ex.reset_to(meta, records, store)
    finally:
        fresh.close()


async def reset(ctl: Control, seed: int | None = None) -> dict[str, Any]:
    ex = ctl.exchange
    seed = ex.seed if seed is None else seed
    # Seeding (most of a reset's second) touches nothing live: in a thread, so the exchange
    # keeps serving meanwhile. The swap itself runs on the loop, between requests.
    fresh = await asyncio.to_thread(seeded, seed, ex.clock)
    keep = {DEMO_USER}  # the seeded universe's own user: its keys stay
    reset_engine(ex, seed, lambda: ctl.keys.keep_only(keep), fresh)  # keys and journal together
    _follow(ctl)
    if ctl.config.data_dir is not None:
        _remove_pems(Path(ctl.config.data_dir) / "keys", keep)
    return {"markets": len(ex.markets), **ctl.state()}


def _follow(ctl: Control) -> None:
    """Everything outside the engine that remembered the old state."""
    ctl.clock = Clock(ctl.exchange)  # over the new operation (offset 0)
    ctl.limiter.forget_users()
    for conn in list(ctl.ws.connections):
        conn.close(WS_SERVICE_RESTART, "exchange reset")
    if isinstance(ctl.ws.view, Bridge):
        ctl.ws.view.forget()
    ctl.background.restart()
    if ctl.feed is not None:
        ctl.feed.changed()


def _remove_pems(folder: Path, keep: set[str]) -> None:
    """The private keys of the users that are gone (best effort: the keys are already dead)."""
    for pem in folder.glob("*.pem"):
        if pem.stem not in keep:
            with contextlib.suppress(OSError):
                pem.unlink()
