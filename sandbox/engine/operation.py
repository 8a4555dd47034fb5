"""The operation in progress: its time, its events, its change set, and how it undoes itself.

Every write the exchange performs runs inside one `Operation` (`with op as now:`). Parts change
state only through three calls, and that is what makes an operation all-or-nothing:

- `op.touch(kind, key, obj, table)` *before* changing a stored record in place (the first touch
  of a record in an operation keeps its before-image); `op.added(kind, key, obj, table)` after
  putting a new record into `table`; deleting is `touch` then `del table[key]`.
- `op.undo(fn, *args)` for derived state that is not a record (an index, a heap, an append-only
  history list): `fn(*args)` runs on failure, newest first.
- `op.emit(event)` for what listeners hear after the commit (only when `op.events` is a list).

On success the outermost operation hands its `ChangeSet` to the journal (one transaction), then
tells the listeners. On any exception (a bug, a rejection, a failing journal) it runs the undo
log, puts the before-images back into the same objects (so references held by indexes stay
valid), drops added records, and lets each part repair the indexes of the touched records: memory
and disk are exactly as before. `op.step(name)` marks the named steps of long operations; tests
install `op.fault` to raise at any of them.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Callable
from typing import Any

from .models import (
    Account,
    BlockTrade,
    Collection,
    ComboQuota,
    Event,
    Market,
    Meta,
    MinuteCandle,
    Order,
    OrderGroup,
    Position,
    Quote,
    Rfq,
    Series,
)

log = logging.getLogger(__name__)

# Stored record kinds (journal rows) and their classes.
RECORDS: dict[str, type] = {
    "account": Account,
    "order": Order,
    "position": Position,
    "market": Market,
    "event": Event,
    "series": Series,
    "group": OrderGroup,
    "candle": MinuteCandle,
    "meta": Meta,
    "rfq": Rfq,
    "quote": Quote,
    "collection": Collection,
    "combo_quota": ComboQuota,
    "block": BlockTrade,
}
HISTORY = ("fill", "trade", "settlement")  # append-only kinds
ID_CODES = {"order": 1, "fill": 2, "trade": 3, "group": 4, "rfq": 5, "quote": 6, "block": 7}


def _imager(cls: type) -> Callable[[Any], tuple]:
    """obj -> tuple of its field values (lists copied): a before-image, compiled per class."""
    parts = []
    for f in dataclasses.fields(cls):
        t = str(f.type).replace(" ", "")
        parts.append(f"list(o.{f.name})" if t.startswith("list[") else f"o.{f.name}")
    return eval(f"lambda o: ({', '.join(parts)},)", {})  # field names only, no input


IMAGE = {kind: _imager(cls) for kind, cls in RECORDS.items()}
FIELDS = {kind: tuple(f.name for f in dataclasses.fields(cls)) for kind, cls in RECORDS.items()}


class ChangeSet:
    """What one operation changed: the touched records (with before-images; image None = the
    record is new) and the appended history. The journal writes `rows()` and `history`."""

    __slots__ = ("history", "touched", "undo")

    def __init__(self) -> None:
        # (kind, key) -> (table, key in table, obj, before-image or None if new)
        self.touched: dict[tuple[str, Any], tuple[dict, Any, Any, tuple | None]] = {}
        self.history: list[tuple[str, Any]] = []
        self.undo: list[tuple[Callable, tuple]] = []

    def rows(self):
        """(kind, key, obj or None if deleted) for every touched record."""
        for (kind, key), (table, tkey, _, _) in self.touched.items():
            yield kind, key, table.get(tkey)

    def keys(self, kind: str) -> list:
        return [k for (kd, k) in self.touched if kd == kind]

    def entries(self, kind: str) -> list[tuple[Any, tuple | None]]:
        """(obj, before-image or None if new) of the touched records of `kind`."""
        return [(e[2], e[3]) for (kd, _), e in self.touched.items() if kd == kind]

    def __bool__(self) -> bool:
        return bool(self.touched or self.history)


class Operation:
    """The context of the current operation (one per exchange; nested `with` joins the outer).

    Parts call `touch`, `added`, `undo`, `emit`, `record` and `step`; the front enters and
    leaves it. `meta` is the exchange-wide record (id counters, fees collected, flags)."""

    def __init__(self, seed: int, clock: Callable[[], int]):
        self.clock = clock
        self.meta = Meta(seed=seed, id_ns=random.Random(seed).getrandbits(48))
        self.meta_table = {"state": self.meta}
        self.depth = 0
        self.now = 0
        self.fixed_now: int | None = None
        self.events: list | None = None
        self.changes = ChangeSet()
        self.fault: Callable[[str], None] | None = None
        self.listening: Callable[[], bool] = lambda: False
        self.begin_hooks: list[Callable[[], None]] = []
        self.end_hooks: list[Callable[[], None]] = []  # before the commit (market stats)
        self.commit: Callable[[ChangeSet], None] | None = None  # the journal
        self.repairs: list[Callable[[ChangeSet], None]] = []  # parts' index repair on rollback
        self.notify: Callable[[list], None] = lambda events: None
        self._prefix: dict[str, str] = {}

    # ------------------------------------------------------------------ enter / leave

    def __enter__(self) -> int:
        if self.depth:
            self.depth += 1
            if self.fixed_now is not None:  # seeding replays history at chosen times
                self.now = self.fixed_now
            return self.now
        self.depth = 1
        self.now = self.fixed_now if self.fixed_now is not None else self.clock()
        self.events = [] if self.listening() else None
        return self.now

    def __exit__(self, exc_type, exc, tb) -> bool:
        if self.depth > 1:
            self.depth -= 1  # a nested failure propagates; the outermost operation undoes it
            return False
        if exc is None:
            try:
                for hook in self.end_hooks:
                    hook()
                if self.changes and self.commit is not None:
                    self.step("journal.commit")
                    self.commit(self.changes)
            except BaseException:
                self._rollback()
                raise
            self.depth = 0
            self.changes = ChangeSet()
            events, self.events = self.events, None
            if events:
                self.notify(events)
            return False
        self._rollback()
        return False

    def _rollback(self) -> None:
        cs = self.changes
        try:
            for fn, args in reversed(cs.undo):
                fn(*args)
            for (kind, _), (table, tkey, obj, image) in reversed(cs.touched.items()):
                if image is None:
                    table.pop(tkey, None)
                else:
                    for name, v in zip(FIELDS[kind], image, strict=True):
                        setattr(obj, name, v)
                    table[tkey] = obj
            for repair in self.repairs:
                repair(cs)
        finally:
            self.depth = 0
            self.events = None
            self.changes = ChangeSet()

    # ------------------------------------------------------------------ what parts call

    def touch(self, kind: str, key, obj, table: dict, tkey=None) -> None:
        """Call before changing `obj` (stored as `table[key]`, or `table[tkey]` when the
        table is keyed differently from the record) in place."""
        touched = self.changes.touched
        k = (kind, key)
        if k not in touched:
            touched[k] = (table, key if tkey is None else tkey, obj, IMAGE[kind](obj))

    def added(self, kind: str, key, obj, table: dict, tkey=None) -> None:
        """`obj` was just stored as the new `table[key]` (or `table[tkey]`)."""
        k = (kind, key)
        if k not in self.changes.touched:
            self.changes.touched[k] = (table, key if tkey is None else tkey, obj, None)

    def undo(self, fn: Callable, *args) -> None:
        self.changes.undo.append((fn, args))

    def record(self, kind: str, obj, log_list: list) -> None:
        """Append `obj` to the history list `log_list` (fills, trades, settlements)."""
        log_list.append(obj)
        self.changes.history.append((kind, obj))
        self.changes.undo.append((log_list.pop, ()))

    def emit(self, event) -> None:
        self.events.append(event)  # type: ignore[union-attr]

    def step(self, name: str) -> None:
        """A named step of an operation (fault injection point)."""
        if self.fault is not None:
            self.fault(name)

    def time(self) -> int:
        """Current exchange time, epoch ms (the operation's time inside one)."""
        if self.depth:
            return self.now
        return self.fixed_now if self.fixed_now is not None else self.clock()

    # ------------------------------------------------------------------ ids

    def new_id(self, kind: str) -> str:
        """Deterministic UUID-shaped ids: seed namespace, kind code, version nibble, counter."""
        m = self.meta
        self.touch("meta", "state", m, self.meta_table)
        n = getattr(m, kind) + 1
        setattr(m, kind, n)
        prefix = self._prefix.get(kind)
        if prefix is None:
            ns = f"{m.id_ns:012x}"
            prefix = self._prefix[kind] = f"{ns[:8]}-{ns[8:]}-{ID_CODES[kind]:04x}-4000-"
        return f"{prefix}{n:012x}"

    def next_seq(self) -> int:
        m = self.meta
        self.touch("meta", "state", m, self.meta_table)
        m.seq += 1
        return m.seq

    def set_meta(self, **values) -> None:
        self.touch("meta", "state", self.meta, self.meta_table)
        for k, v in values.items():
            setattr(self.meta, k, v)

    def load_meta(self, meta: Meta) -> None:
        for name in FIELDS["meta"]:
            setattr(self.meta, name, getattr(meta, name))
        self._prefix.clear()
