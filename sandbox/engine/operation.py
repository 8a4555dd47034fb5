"""The operation in progress: its time, its events, its change set, and how it undoes itself.

Every write the exchange performs runs inside one `Operation` (`with op as now:`). Parts change
state only through three calls, and that is what makes an operation all-or-nothing:

- `op.touch(kind, obj, table)` *before* changing a stored record in place (the first touch
  of a record in an operation keeps its before-image; a hot path's `op.toucher(kind, table,
  fields)` keeps only the fields its steps change, and a later full touch widens the image);
  `op.added(kind, obj, table)` after
  putting a new record into `table`; deleting is `touch` then `del table[key]`. A record's key
  (in its table and in the journal) is derived from its fields (`KEY`, `TABLE_KEY`).
- `op.undo(fn, *args)` for derived state that is not a record (an index, a heap, an append-only
  history list): `fn(*args)` runs on failure, newest first.
- `op.emit(event)` for what listeners hear after the commit (only when `op.events` is a list).

On success the outermost operation hands its `ChangeSet` to the journal (one transaction), then
tells the listeners. On any exception (a bug, a rejection, a failing journal) it runs the undo
log, puts the before-images back into the same objects (so references held by indexes stay
valid), drops added records, and lets each part repair the indexes of the touched records: memory
and disk are exactly as before. `op.step(name)` marks the named steps of long operations; tests
install a hook there (`set_fault`) to raise at any of them.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from .models import (
    Account,
    BalanceAllocation,
    BatchQuote,
    BlockedCategories,
    BlockTrade,
    Collection,
    ComboQuota,
    DailyCap,
    Event,
    FcmSubtrader,
    FeedGrant,
    FundingEntry,
    IndexBalance,
    IndexTransfer,
    Market,
    Meta,
    MinuteCandle,
    NettingSetting,
    Order,
    OrderGroup,
    Position,
    PositionTransfer,
    Quote,
    Rfq,
    RfqBatch,
    Series,
    SubaccountTransfer,
    TierSetting,
    UsageGrant,
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
    "transfer": SubaccountTransfer,
    "netting": NettingSetting,
    "grant": UsageGrant,
    "funding": FundingEntry,
    "rfq": Rfq,
    "quote": Quote,
    "collection": Collection,
    "combo_quota": ComboQuota,
    "block": BlockTrade,
    "index_balance": IndexBalance,
    "index_transfer": IndexTransfer,
    "allocation": BalanceAllocation,
    "subtrader": FcmSubtrader,
    "daily_cap": DailyCap,
    "blocked_categories": BlockedCategories,
    "position_transfer": PositionTransfer,
    "rfq_batch": RfqBatch,
    "batch_quote": BatchQuote,
    "tier": TierSetting,
    "feed_grant": FeedGrant,
}
HISTORY = ("fill", "trade", "settlement")  # append-only kinds
# A record's key in the journal, and in its table where that differs (candles: per-ticker bars).
KEY: dict[str, Callable[[Any], Any]] = {
    "account": lambda a: (a.user_id, a.subaccount),
    "order": lambda o: o.order_id,
    "position": lambda p: (p.user_id, p.subaccount, p.ticker),
    "market": lambda m: m.ticker,
    "event": lambda e: e.event_ticker,
    "series": lambda s: s.ticker,
    "group": lambda g: g.order_group_id,
    "candle": lambda c: (c.ticker, c.minute),
    "meta": lambda m: "state",
    "transfer": lambda t: t.transfer_id,
    "netting": lambda s: (s.user_id, s.subaccount),
    "grant": lambda g: g.user_id,
    # (user, seq): a server picks up a user another process funded (Exchange.load_user)
    "funding": lambda e: (e.user_id, e.seq),
    "rfq": lambda r: r.rfq_id,
    "quote": lambda q: q.quote_id,
    "collection": lambda c: c.collection_ticker,
    "combo_quota": lambda q: q.user_id,
    "block": lambda b: b.proposal_id,
    "index_balance": lambda b: (b.user_id, b.subaccount, b.exchange_index),
    "index_transfer": lambda t: t.transfer_id,
    "allocation": lambda a: a.user_id,
    "subtrader": lambda s: s.subtrader_id,
    "daily_cap": lambda c: c.subtrader_id,
    "blocked_categories": lambda b: b.subtrader_id,
    "position_transfer": lambda t: t.position_transfer_id,
    "rfq_batch": lambda b: b.batch_id,
    "batch_quote": lambda b: b.batch_quote_id,
    "tier": lambda t: t.user_id,
    "feed_grant": lambda g: (g.user_id, g.feed),
}
TABLE_KEY = {**KEY, "candle": lambda c: c.minute, "funding": lambda e: e.entry_id}
ID_CODES = {
    **{"order": 1, "fill": 2, "trade": 3, "group": 4, "rfq": 5, "quote": 6, "block": 7},
    **{"rfq_batch": 8, "batch_quote": 9},
}
_NO_STEPS: dict[str, None] = {}
_NO_STEP: Callable[[str], Any] = _NO_STEPS.get  # C-level no-op: untested steps cost ~nothing


def _imager(cls: type, only: tuple[str, ...] | None = None) -> Callable[[Any], tuple]:
    """obj -> tuple of its field values (lists copied): a before-image, compiled per class
    (`only`: of those fields). A compiled `lambda o: (o.a, o.b, ...)` rather than
    `operator.attrgetter`: the interpreter specialises each `o.a` to a slot read, cheaper than
    attrgetter's generic lookups (bench/instructions.py: ~4.7k fewer instructions per order
    operation). Each field costs ~160 instructions: the 54-field Market ~8.3k."""
    by_name = {f.name: f for f in dataclasses.fields(cls)}
    fields = list(by_name.values()) if only is None else [by_name[n] for n in only]
    parts = [
        f"list(o.{f.name})" if str(f.type).replace(" ", "").startswith("list[") else f"o.{f.name}"
        for f in fields
    ]
    return eval(f"lambda o: ({', '.join(parts)},)", {})  # field names only, no input


IMAGE = {kind: _imager(cls) for kind, cls in RECORDS.items()}
FIELDS = {kind: tuple(f.name for f in dataclasses.fields(cls)) for kind, cls in RECORDS.items()}
INDEX = {kind: {name: i for i, name in enumerate(names)} for kind, names in FIELDS.items()}
# What the hot path changes in the exchange-wide record: id counters, priority, fees collected.
META_HOT = (
    "order",
    "fill",
    "trade",
    "group",
    "seq",
    "fees_collected",
    "rfq",
    "quote",
    "block",
    "rfq_batch",
    "batch_quote",
)


def _widen(kind: str, obj, entry: tuple) -> tuple:
    """The full before-image of a record touched so far only for some fields: its other fields
    have not changed since (the partial toucher's contract), so they are read now."""
    image = list(IMAGE[kind](obj))
    index = INDEX[kind]
    for name, v in zip(entry[4], entry[3], strict=True):
        image[index[name]] = v
    return tuple(image)


class ChangeSet:
    """What one operation changed: the touched records (with before-images of the named fields;
    image None = the record is new) and the appended history. The journal writes `rows()` and
    `history`."""

    __slots__ = ("history", "touched", "undo")

    def __init__(self) -> None:
        # id(obj) -> (kind, table, obj, before-image or None if new, the image's field names);
        # the entry keeps obj alive
        self.touched: dict[int, tuple[str, dict, Any, tuple | None, tuple[str, ...]]] = {}
        self.history: list[tuple[str, Any]] = []
        self.undo: list[tuple[Callable, tuple]] = []

    def rows(self):
        """(kind, key, obj or None if deleted) for every touched record."""
        for kind, table, obj, _, _ in self.touched.values():
            yield kind, KEY[kind](obj), table.get(TABLE_KEY[kind](obj))

    def keys(self, kind: str) -> list:
        return [KEY[kind](e[2]) for e in self.touched.values() if e[0] == kind]

    def entries(self, kind: str) -> list[tuple[Any, tuple | None]]:
        """(obj, before-image or None if new) of the touched records of `kind`."""
        return [(e[2], e[3]) for e in self.touched.values() if e[0] == kind]

    def clear(self) -> None:
        self.touched.clear()
        self.history.clear()
        self.undo.clear()


class Operation:
    """The context of the current operation (one per exchange; nested `with` joins the outer).

    Parts call `touch`, `added`, `undo`, `emit`, `record` and `step`; the front enters and
    leaves it. `meta` is the exchange-wide record (id counters, fees collected, flags)."""

    def __init__(self, seed: int, clock: Callable[[], int]):
        self.clock = clock
        self.meta = Meta(seed=seed, id_ns=random.Random(seed).getrandbits(48))
        self.meta_table = {"state": self.meta}
        self._meta_key = id(self.meta)  # the record is never replaced (load_meta copies into it)
        self.depth = 0
        self.now = 0
        self.fixed_now: int | None = None
        self.events: list | None = None
        self.changes = ChangeSet()
        self._undo_log = self.changes.undo  # cleared in place, never replaced
        self.step: Callable[[str], Any] = _NO_STEP
        self.listeners: list = []  # the front's listeners (events are built only if wanted)
        self.listening: Callable[[], bool] = lambda: False
        self.begin_hooks: list[Callable[[], None]] = []
        self.end_hooks: list[Callable[[], None]] = []  # before the commit (market stats)
        self.commit: Callable[[ChangeSet], None] | None = None  # the journal
        self.repairs: list[Callable[[ChangeSet], None]] = []  # parts' index repair on rollback
        self.notify: Callable[[list], None] = lambda events: None
        self._prefix: dict[str, str] = {}
        self._touch_meta = self.toucher("meta", self.meta_table, META_HOT)

    # ------------------------------------------------------------------ enter / leave

    def __enter__(self) -> int:
        if self.depth:
            self.depth += 1
            if self.fixed_now is not None:  # seeding replays history at chosen times
                self.now = self.fixed_now
            return self.now
        self.depth = 1
        self.now = self.fixed_now if self.fixed_now is not None else self.clock()
        self.events = [] if self.listeners and self.listening() else None
        return self.now

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:  # never swallows
        if self.depth > 1:
            self.depth -= 1  # a nested failure propagates; the outermost operation undoes it
            return False
        if exc is None:
            cs = self.changes
            try:
                for hook in self.end_hooks:
                    hook()
                if self.commit is not None and (cs.touched or cs.history):
                    self.step("journal.commit")
                    self.commit(cs)
            except BaseException:
                self._rollback()
                raise
            self.depth = 0
            cs.touched.clear()
            if cs.undo:  # (most operations record no history: skip two calls)
                cs.history.clear()
                cs.undo.clear()
            events, self.events = self.events, None
            if events:
                self.notify(events)
            return False
        self._rollback()
        return False

    def _rollback(self) -> None:
        cs = self.changes
        if not (cs.touched or cs.undo or cs.history):  # rejected before changing anything
            self.depth = 0
            self.events = None
            return
        try:
            for fn, args in reversed(cs.undo):
                fn(*args)
            for kind, table, obj, image, names in reversed(cs.touched.values()):
                tkey = TABLE_KEY[kind](obj)
                if image is None:
                    table.pop(tkey, None)
                else:
                    for name, v in zip(names, image, strict=True):
                        setattr(obj, name, v)
                    table[tkey] = obj
            for repair in self.repairs:
                repair(cs)
        finally:
            self.depth = 0
            self.events = None
            cs.clear()

    # ------------------------------------------------------------------ what parts call

    def touch(self, kind: str, obj, table: dict) -> None:
        """Call before changing `obj` (a record of `kind` stored in `table`) in place."""
        touched = self.changes.touched
        k = id(obj)
        e = touched.get(k)
        if e is None:
            touched[k] = (kind, table, obj, IMAGE[kind](obj), FIELDS[kind])
        elif e[3] is not None and e[4] is not FIELDS[kind]:
            touched[k] = (kind, table, obj, _widen(kind, obj, e), FIELDS[kind])

    def toucher(
        self, kind: str, table: dict, fields: tuple[str, ...] | None = None
    ) -> Callable[[Any], None]:
        """`touch` bound to one kind and table: the hot path's form (a closure over the
        change set's dict, which lives as long as the operation context). With `fields`, the
        caller promises to change only those fields of a record it touches this way, and only
        they are imaged (a full touch later in the operation widens the image)."""
        touched = self.changes.touched
        full = FIELDS[kind]
        names = full if fields is None else fields
        image = IMAGE[kind] if fields is None else _imager(RECORDS[kind], fields)

        def touch(obj) -> None:
            k = id(obj)
            e = touched.get(k)
            if e is None:
                touched[k] = (kind, table, obj, image(obj), names)
            elif e[4] is not names and e[4] is not full and e[3] is not None:
                touched[k] = (kind, table, obj, _widen(kind, obj, e), full)

        return touch

    def added(self, kind: str, obj, table: dict) -> None:
        """`obj` was just stored in `table` as a new record."""
        touched = self.changes.touched
        k = id(obj)
        if k not in touched:
            touched[k] = (kind, table, obj, None, FIELDS[kind])

    def undo(self, fn: Callable, *args) -> None:
        self._undo_log.append((fn, args))

    def record(self, kind: str, obj, log_list: list) -> None:
        """Append `obj` to the history list `log_list` (fills, trades, settlements)."""
        log_list.append(obj)
        self.changes.history.append((kind, obj))
        self._undo_log.append((log_list.pop, ()))

    def emit(self, event) -> None:
        self.events.append(event)  # type: ignore[union-attr]

    def set_fault(self, hook: Callable[[str], None] | None) -> None:
        """`op.step(name)` marks a named step of an operation; tests install `hook` there."""
        self.step = hook if hook is not None else _NO_STEP

    def time(self) -> int:
        """Current exchange time, epoch ms (the operation's time inside one)."""
        if self.depth:
            return self.now
        return self.fixed_now if self.fixed_now is not None else self.clock()

    # ------------------------------------------------------------------ ids

    def new_id(self, kind: str) -> str:
        """Deterministic UUID-shaped ids: seed namespace, kind code, version nibble, counter."""
        m = self.meta
        if self._meta_key not in self.changes.touched:
            self._touch_meta(m)
        n = m.__getattribute__(kind) + 1
        setattr(m, kind, n)
        prefix = self._prefix.get(kind)
        if prefix is None:
            ns = f"{m.id_ns:012x}"
            prefix = self._prefix[kind] = f"{ns[:8]}-{ns[8:]}-{ID_CODES[kind]:04x}-4000-"
        return f"{prefix}{n:012x}"

    def next_seq(self) -> int:
        m = self.meta
        if self._meta_key not in self.changes.touched:
            self._touch_meta(m)
        m.seq += 1
        return m.seq

    def touch_meta(self) -> Meta:
        """The exchange-wide record, touched (call before changing it)."""
        self.touch("meta", self.meta, self.meta_table)
        return self.meta

    def collect_fee(self, fee: Decimal) -> None:
        """Fees the exchange collected (a `META_HOT` field: the fill path's form)."""
        m = self.meta
        if self._meta_key not in self.changes.touched:
            self._touch_meta(m)
        m.fees_collected += fee

    def set_meta(self, **values) -> None:
        self.touch("meta", self.meta, self.meta_table)
        for k, v in values.items():
            setattr(self.meta, k, v)

    def load_meta(self, meta: Meta) -> None:
        for name in FIELDS["meta"]:
            setattr(self.meta, name, getattr(meta, name))
        self._prefix.clear()
