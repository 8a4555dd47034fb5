"""SQLite write-through persistence: one transaction per engine operation, exact restore.

Mutable records (accounts, orders, positions, markets, events, series, order groups, minute
candles, counters) live in one key/value table as JSON (Decimals as strings); fills, trades and
settlements are append-only tables. Books, queue order and indexes are rebuilt on open from the
resting orders' priority sequence numbers, so a restart restores the exact queue.
"""

from __future__ import annotations

import dataclasses
import heapq
import json
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from .book import Book
from .models import (
    RESTING,
    Account,
    Event,
    Fill,
    HistoricalCutoff,
    Market,
    MinuteCandle,
    Order,
    OrderGroup,
    Position,
    PriceRange,
    Series,
    Settlement,
    Trade,
)
from .money import ZERO

SCHEMA = """
CREATE TABLE IF NOT EXISTS engine_kv (
    kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS engine_fills (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS engine_trades (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS engine_settlements (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
"""

KINDS: dict[str, type] = {
    "account": Account,
    "order": Order,
    "position": Position,
    "market": Market,
    "event": Event,
    "series": Series,
    "group": OrderGroup,
    "candle": MinuteCandle,
}
SEP = "\x1f"


def _default(v):
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, PriceRange):
        return [str(v.start), str(v.end), str(v.step)]
    raise TypeError(type(v))


def _converter(annotation: str) -> Callable | None:
    a = annotation.replace(" ", "")
    if a in ("Decimal", "Decimal|None"):
        return lambda v: None if v is None else Decimal(v)
    if a.startswith("tuple[PriceRange"):
        return lambda v: tuple(PriceRange(*(Decimal(x) for x in r)) for r in v)
    if a == "list[tuple[int,Decimal]]":
        return lambda v: [(int(ts), Decimal(c)) for ts, c in v]
    return None


def _field_expr(name: str, annotation: str) -> str:
    """Python expression giving field `name` of `o` in its JSON-ready form (the same text the
    `default=_default` hook would produce, without a Python callback per Decimal)."""
    a = annotation.replace(" ", "")
    v = f"o.{name}"
    if a == "Decimal":
        return f"str({v})"
    if a == "Decimal|None":
        return f"(None if {v} is None else str({v}))"
    return v  # anything else (incl. nested Decimals) goes through the encoder's default hook


# One encoder for every row (json.dumps with keyword arguments builds a new one per call).
_ENCODER = json.JSONEncoder(default=_default, separators=(",", ":"), check_circular=False)


class Codec:
    """Dataclass <-> JSON text, with Decimal fields restored exactly."""

    def __init__(self, cls: type):
        self.cls = cls
        fields = dataclasses.fields(cls)
        self.names = [f.name for f in fields]
        self.conv = {f.name: c for f in fields if (c := _converter(str(f.type))) is not None}
        # encode(obj) compiled once per class: a dict display of the fields, Decimals as str.
        items = ", ".join(f"{f.name!r}: {_field_expr(f.name, str(f.type))}" for f in fields)
        self._as_dict = eval(f"lambda o: {{{items}}}", {})  # field names only, no input
        self._encode = _ENCODER.encode

    def encode(self, obj) -> str:
        return self._encode(self._as_dict(obj))

    def decode(self, text: str):
        d = json.loads(text)
        for n, c in self.conv.items():
            if n in d:
                d[n] = c(d[n])
        return self.cls(**{k: v for k, v in d.items() if k in self.names})


CODECS = {k: Codec(c) for k, c in KINDS.items()}
FILL, TRADE, SETTLEMENT = Codec(Fill), Codec(Trade), Codec(Settlement)


def _key(key) -> str:
    return SEP.join(map(str, key)) if isinstance(key, tuple) else str(key)


class Store:
    """The SQLite file behind an Exchange (WAL, synchronous=NORMAL, autocommit connection:
    the engine opens and commits its own transactions)."""

    def __init__(self, path: Path):
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)

    def is_empty(self) -> bool:
        return self.conn.execute("SELECT 1 FROM engine_kv WHERE kind='meta'").fetchone() is None

    def flush(self, ex) -> None:
        """Write everything the current operation changed, in one transaction."""
        rows = []
        deletes = []
        for kind, objs in ex.dirty.items():
            if not objs:
                continue
            codec = CODECS[kind]
            for key, obj in objs.items():
                if obj is None:
                    deletes.append((kind, _key(key)))
                else:
                    rows.append((kind, _key(key), codec.encode(obj)))
            objs.clear()
        if ex.dirty_candles:
            codec = CODECS["candle"]
            rows.extend(("candle", _key(k), codec.encode(c)) for k, c in ex.dirty_candles.items())
            ex.dirty_candles.clear()
        if ex.dirty_meta:
            rows.append(("meta", "state", _ENCODER.encode(_meta(ex))))
            ex.dirty_meta = False
        fills = [(FILL.encode(f),) for f in ex.new_fills]
        trades = [(TRADE.encode(t),) for t in ex.new_trades]
        settlements = [(SETTLEMENT.encode(s),) for s in ex.new_settlements]
        ex.new_fills.clear()
        ex.new_trades.clear()
        ex.new_settlements.clear()
        if not (rows or deletes or fills or trades or settlements):
            return
        c = self.conn
        c.execute("BEGIN")
        try:
            if rows:
                c.executemany("INSERT OR REPLACE INTO engine_kv VALUES (?,?,?)", rows)
            if deletes:
                c.executemany("DELETE FROM engine_kv WHERE kind=? AND key=?", deletes)
            if fills:
                c.executemany("INSERT INTO engine_fills(data) VALUES (?)", fills)
            if trades:
                c.executemany("INSERT INTO engine_trades(data) VALUES (?)", trades)
            if settlements:
                c.executemany("INSERT INTO engine_settlements(data) VALUES (?)", settlements)
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def rollback(self, ex) -> None:
        """A failed operation: forget what it marked (validation failures change nothing)."""
        for objs in ex.dirty.values():
            objs.clear()
        ex.dirty_candles.clear()
        ex.new_fills.clear()
        ex.new_trades.clear()
        ex.new_settlements.clear()

    def load_accounts(self, user_id: str) -> list[Account]:
        """The stored accounts (subaccount 0 and any others) of one user."""
        prefix = user_id + SEP
        rows = self.conn.execute(
            "SELECT key, data FROM engine_kv WHERE kind = 'account' AND key >= ? AND key < ?",
            (prefix, user_id + chr(ord(SEP) + 1)),
        )
        codec = CODECS["account"]
        return [codec.decode(data) for key, data in rows if key.startswith(prefix)]

    def load(self, ex) -> None:
        """Restore the full state into a fresh Exchange and rebuild its indexes."""
        meta = None
        by_kind: dict[str, list] = {k: [] for k in KINDS}
        for kind, data in self.conn.execute("SELECT kind, data FROM engine_kv"):
            if kind == "meta":
                meta = json.loads(data)
            else:
                by_kind[kind].append(CODECS[kind].decode(data))
        if meta is not None:
            ex.seed = meta["seed"]
            ex._id_ns = meta["id_ns"]
            ex._id_prefix.clear()
            ex.counters.update(meta["counters"])
            ex.fees_collected = Decimal(meta["fees_collected"])
            ex.cutoff = HistoricalCutoff(*meta["cutoff"])
            ex.trading_active = meta["trading_active"]
            ex.exchange_active = meta.get("exchange_active", True)
        for s in by_kind["series"]:
            ex.series[s.ticker] = s
        for e in by_kind["event"]:
            ex.events[e.event_ticker] = e
        for m in sorted(by_kind["market"], key=lambda m: (m.created_time, m.ticker)):
            ex.markets[m.ticker] = m
            ex.books[m.ticker] = Book(m.ticker)
        for a in by_kind["account"]:
            ex.accounts[(a.user_id, a.subaccount)] = a
        for p in by_kind["position"]:
            ex.positions[(p.user_id, p.subaccount, p.ticker)] = p
        for g in by_kind["group"]:
            ex.groups[g.order_group_id] = g
        for c in sorted(by_kind["candle"], key=lambda c: c.minute):
            ex.candles.setdefault(c.ticker, {})[c.minute] = c
        orders = sorted(by_kind["order"], key=lambda o: int(o.order_id.replace("-", ""), 16))
        for o in orders:
            ex.orders[o.order_id] = o
            if o.client_order_id:
                ex._client_ids[(o.user_id, o.client_order_id)] = o.order_id
        for o in sorted((o for o in orders if o.status == RESTING), key=lambda o: o.seq):
            ex.books[o.ticker].add(o)
            ex._user_orders.setdefault((o.user_id, o.subaccount, o.ticker), {})[o.order_id] = o
            if o.order_group_id:
                ex._group_orders.setdefault(o.order_group_id, {})[o.order_id] = o
            if o.expiration_time is not None:
                ex._expiry.append((o.expiration_time, o.seq, o.order_id))
        heapq.heapify(ex._expiry)
        for (data,) in self.conn.execute("SELECT data FROM engine_fills ORDER BY id"):
            f = FILL.decode(data)
            ex.fills.append(f)
            ex._fills_by_user.setdefault(f.user_id, []).append(f)
            ex._fills_by_order.setdefault(f.order_id, []).append(f)
        floor = ex.now() - 86_400_000
        for (data,) in self.conn.execute("SELECT data FROM engine_trades ORDER BY id"):
            t = TRADE.decode(data)
            ex.trades.append(t)
            ex._trades_by_ticker.setdefault(t.ticker, []).append(t)
            if t.created_time > floor:
                ex._vol24.setdefault(t.ticker, deque()).append((t.created_time, t.count))
        for m in ex.markets.values():
            m.volume_24h = sum((c for _, c in ex._vol24.get(m.ticker, ())), ZERO)
        for (data,) in self.conn.execute("SELECT data FROM engine_settlements ORDER BY id"):
            ex.settlements.append(SETTLEMENT.decode(data))

    def close(self) -> None:
        self.conn.close()


def _meta(ex) -> dict:
    c = ex.cutoff
    return {
        "seed": ex.seed,
        "id_ns": ex._id_ns,
        "counters": ex.counters,
        "fees_collected": ex.fees_collected,
        "cutoff": [
            c.market_settled_ts,
            c.trades_created_ts,
            c.orders_updated_ts,
            c.market_positions_last_updated_ts,
        ],
        "trading_active": ex.trading_active,
        "exchange_active": ex.exchange_active,
    }


def open_exchange(data_dir: Path, *, seed: int = 1, clock: Callable[[], int] | None = None):
    """Open (or create and seed) the exchange stored in `data_dir/exchange.db`.

    A new database is seeded deterministically from `seed`; an existing one is restored exactly
    (its stored seed wins).
    """
    from .exchange import Exchange
    from .universe import seed_universe

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    store = Store(data_dir / "exchange.db")
    ex = Exchange(seed=seed, clock=clock, store=store)
    if store.is_empty():
        seed_universe(ex)
    else:
        store.load(ex)
    ex.open_seconds = time.perf_counter() - t0
    return ex
