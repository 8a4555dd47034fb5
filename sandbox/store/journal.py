"""The SQLite journal behind an Exchange: one transaction per operation's change set.

Mutable records (every kind in `sandbox.engine.operation.RECORDS`) live in one key/value table
as JSON; fills, trades and settlements are append-only tables. `load()` returns plain records;
the engine rebuilds its books and indexes from them (`Exchange.restore`).
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Callable
from pathlib import Path

from sandbox.engine.models import Account, Meta
from sandbox.engine.operation import HISTORY, RECORDS, ChangeSet

from .codec import CODECS, HISTORY_CODECS

SCHEMA = """
CREATE TABLE IF NOT EXISTS engine_kv (
    kind TEXT NOT NULL, key TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS engine_fills (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS engine_trades (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS engine_settlements (id INTEGER PRIMARY KEY, data TEXT NOT NULL);
"""
SEP = "\x1f"
TABLES = {"fill": "engine_fills", "trade": "engine_trades", "settlement": "engine_settlements"}
_INSERT = {k: f"INSERT INTO {t}(data) VALUES (?)" for k, t in TABLES.items()}
# An upsert changes an existing row in place; INSERT OR REPLACE deletes it and inserts it again,
# about twice the work per committed operation (measured: ~40 -> ~20 us for three rows).
_UPSERT = (
    "INSERT INTO engine_kv VALUES (?,?,?) ON CONFLICT(kind, key) DO UPDATE SET data = excluded.data"
)


_ROW_ORDER = operator.itemgetter(0, 1)


def row_key(key) -> str:
    return SEP.join(map(str, key)) if isinstance(key, tuple) else str(key)


class Journal:
    """The SQLite file (WAL, synchronous=NORMAL, autocommit connection: `commit` opens and
    ends its own transaction). `conn` is shared with the key registry."""

    def __init__(self, path: Path):
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        self.fault: Callable[[str], None] | None = None  # tests: raise inside the transaction

    def is_empty(self) -> bool:
        """No operation was ever committed: no record of any kind, no history. (Not "no meta
        row": an operation that creates no id, such as adding a user, never writes it.)"""
        tables = ("engine_kv", *TABLES.values())
        query = " UNION ALL ".join(f"SELECT 1 FROM (SELECT 1 FROM {t} LIMIT 1)" for t in tables)
        return self.conn.execute(query).fetchone() is None

    def commit(self, changes: ChangeSet) -> None:
        """Write one operation's change set in one transaction (all or nothing)."""
        rows = []
        deletes = []
        for kind, key, obj in changes.rows():
            if obj is None:
                deletes.append((kind, row_key(key)))
            else:
                rows.append((kind, row_key(key), CODECS[kind].encode(obj)))
        history: dict[str, list] = {}
        for kind, obj in changes.history:
            history.setdefault(kind, []).append((HISTORY_CODECS[kind].encode(obj),))
        if len(rows) > 8:
            # In key order, a big change set (the seed) fills B-tree pages in sequence: about
            # half the SQLite work. (A stable sort: rows of equal keys keep their order.)
            rows.sort(key=_ROW_ORDER)
        c = self.conn
        c.execute("BEGIN")
        try:
            if rows:
                c.executemany(_UPSERT, rows)
            if deletes:
                c.executemany("DELETE FROM engine_kv WHERE kind=? AND key=?", deletes)
            if self.fault is not None:
                self.fault("journal.write")
            for kind, values in history.items():
                c.executemany(_INSERT[kind], values)
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def replace(self, source: Journal, also: Callable[[], None] = lambda: None) -> None:
        """Replace every stored record and all history with `source`'s (a freshly seeded
        universe: the control plane's reset), in one transaction with `also` (other writes on
        this connection): a crash leaves the old journal or the new one, never a mix."""
        kv = source.conn.execute("SELECT kind, key, data FROM engine_kv").fetchall()
        history = {
            t: source.conn.execute(f"SELECT id, data FROM {t} ORDER BY id").fetchall()
            for t in TABLES.values()
        }
        c = self.conn
        c.execute("BEGIN")
        try:
            c.execute("DELETE FROM engine_kv")
            c.executemany("INSERT INTO engine_kv VALUES (?,?,?)", kv)
            if self.fault is not None:
                self.fault("journal.replace")
            for table, rows in history.items():
                c.execute(f"DELETE FROM {table}")
                c.executemany(f"INSERT INTO {table}(id, data) VALUES (?,?)", rows)
            also()
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise

    def load_accounts(self, user_id: str) -> list[Account]:
        """The stored accounts (subaccount 0 and any others) of one user."""
        return self.load_of_user("account", user_id)

    def load_of_user(self, kind: str, user_id: str) -> list:
        """The stored records of `kind` whose key starts with the user id (accounts, funding)."""
        prefix = user_id + SEP
        rows = self.conn.execute(
            "SELECT key, data FROM engine_kv WHERE kind = ? AND key >= ? AND key < ?",
            (kind, prefix, user_id + chr(ord(SEP) + 1)),
        )
        codec = CODECS[kind]
        return [codec.decode(data) for key, data in rows if key.startswith(prefix)]

    def load(self) -> tuple[Meta | None, dict[str, list]]:
        """(meta, records by kind) as stored; history in insertion order."""
        meta = None
        out: dict[str, list] = {k: [] for k in (*RECORDS, *HISTORY)}
        for kind, data in self.conn.execute("SELECT kind, data FROM engine_kv"):
            obj = CODECS[kind].decode(data)
            if kind == "meta":
                meta = obj
            else:
                out[kind].append(obj)
        for kind, table in TABLES.items():
            codec = HISTORY_CODECS[kind]
            out[kind] = [
                codec.decode(d)
                for (d,) in self.conn.execute(f"SELECT data FROM {table} ORDER BY id")
            ]
        return meta, out

    def close(self) -> None:
        self.conn.close()
