"""A full, comparable picture of an exchange: every record, history list and index in memory,
and every row of its journal. Two snapshots are equal iff nothing observable differs."""

from __future__ import annotations

import dataclasses

from sandbox.engine import Exchange
from sandbox.engine.operation import IMAGE


def _ids(objs, attr: str) -> list:
    return [getattr(o, attr) for o in objs]


def memory(ex: Exchange, ordered: bool = True) -> dict:
    """ordered=False ignores the order of records within their tables (a restore reads them
    back in key order, not in the order they were created)."""
    cash, trading, data, pf, groups = ex.cash, ex.trading, ex.data, ex.portfolio, ex.order_groups
    tables = {
        "account": cash.accounts,
        "position": cash.positions,
        "order": trading.orders,
        "market": ex.catalog.markets,
        "event": ex.catalog.events,
        "series": ex.catalog.series,
        "group": groups.groups,
        "meta": {"state": ex.operation().meta},
        "transfer": ex.subaccounts.transfers,
        "netting": ex.subaccounts.netting,
        "grant": ex.usage.grants,
        "funding": ex.funding.entries,
        "rfq": ex.comms.rfqs,
        "quote": ex.comms.quotes,
        "collection": ex.collections.collections,
        "combo_quota": ex.collections.quotas,
        "block": ex.blocks.proposals,
        "index_balance": ex.indexes.cash,
        "index_transfer": ex.indexes.transfers,
        "allocation": ex.indexes.allocations,
        "subtrader": ex.fcm.subtraders,
        "daily_cap": ex.fcm.caps,
        "blocked_categories": ex.fcm.blocked,
        "position_transfer": ex.fcm.transfers,
        "rfq_batch": ex.batches.batches,
        "batch_quote": ex.batches.batch_quotes,
        "tier": ex.grants.tiers,
        "feed_grant": ex.grants.feeds,
    }
    snap: dict = {}
    for kind, table in tables.items():
        snap[kind] = [(k, IMAGE[kind](v)) for k, v in table.items()]
        if not ordered:
            snap[kind].sort(key=lambda kv: str(kv[0]))
    snap["candle"] = {
        t: [(m, IMAGE["candle"](c)) for m, c in bars.items()] for t, bars in data.candles.items()
    }
    snap["fills"] = [dataclasses.astuple(f) for f in pf.fills]
    snap["trades"] = [dataclasses.astuple(t) for t in data.trades]
    snap["settlements"] = [dataclasses.astuple(s) for s in pf.settlements]
    snap["books"] = {
        t: (
            list(b.bids[0]),
            {p: list(level) for p, level in b.bids[1].items()},
            list(b.asks[0]),
            {p: list(level) for p, level in b.asks[1].items()},
            dict(b.qty["bid"]),
            dict(b.qty["ask"]),
        )
        for t, b in trading.books.items()
    }
    snap["same_objects"] = all(
        o is trading.orders[o.order_id] for b in trading.books.values() for o in b.all_orders()
    ) and all(
        o is trading.orders[o.order_id]
        for index in (trading.group_orders, trading.orders_by_user, *trading.user_orders.values())
        for mine in index.values()
        for o in mine.values()
    )
    nonempty = lambda index, attr=None: {  # noqa: E731
        k: (list(v) if attr is None else _ids(v, attr)) for k, v in index.items() if v
    }
    snap["client_ids"] = dict(trading.client_ids)
    snap["user_orders"] = {
        (u, *k): list(mine)
        for u, by_key in trading.user_orders.items()
        for k, mine in by_key.items()
    }
    snap["orders_by_user"] = nonempty(trading.orders_by_user)
    snap["group_orders"] = nonempty(trading.group_orders)
    snap["expiry"] = sorted(trading.expiry)
    snap["fcm_subtraders"] = nonempty(ex.fcm.by_fcm, "subtrader_id")
    if not ordered:  # the heap is lazy: a restore keeps only the entries still due to fire
        snap["expiry"] = [
            e
            for e in snap["expiry"]
            if (o := trading.orders.get(e[2])) is not None
            and o.status == "resting"
            and (o.expiration_time, o.seq) == e[:2]
        ]
    snap["fills_by_user"] = nonempty(pf.fills_by_user, "fill_id")
    snap["fills_by_order"] = nonempty(pf.fills_by_order, "fill_id")
    snap["settlements_by_user"] = nonempty(pf.settlements_by_user, "ticker")
    snap["trades_by_ticker"] = nonempty(data.trades_by_ticker, "trade_id")
    snap["vol24"] = nonempty(data.vol24)
    snap["user_accounts"] = {u: sorted(v) for u, v in cash.user_accounts.items() if v}
    snap["user_positions"] = {u: sorted(v) for u, v in cash.user_positions.items() if v}
    snap["groups_by_user"] = nonempty(groups.by_user)
    snap["funding_by_user"] = nonempty(ex.funding.by_user, "entry_id")
    snap["transfers_by_user"] = nonempty(ex.subaccounts.by_user, "transfer_id")
    snap["transfers_by_client_id"] = {
        k: t.transfer_id for k, t in ex.subaccounts.by_client_id.items()
    }
    snap["unnetted"] = sorted(ex.cash.unnetted)
    snap["index_transfers_by_user"] = nonempty(ex.indexes.by_user, "transfer_id")
    snap["index_transfers_by_client_id"] = {
        k: t.transfer_id for k, t in ex.indexes.by_client_id.items()
    }
    comms = ex.comms
    snap["open_rfqs"] = {u: sorted(v) for u, v in comms.open_by_user.items() if v}
    snap["quotes_by_rfq"] = {k: sorted(v) for k, v in comms.by_rfq.items() if v}
    snap["quotes_by_user"] = {k: sorted(v) for k, v in comms.by_user.items() if v}
    snap["pending_quotes"] = sorted(comms.pending)
    snap["pending_by_rfq"] = sorted(comms.pending_by_rfq.items())
    combos = ex.collections
    snap["combos_by_legs"] = dict(sorted(combos.by_legs.items(), key=str))
    snap["combos_by_leg"] = {k: sorted(v) for k, v in combos.by_leg.items() if v}
    snap["combo_events"] = dict(sorted(combos.events_of.items()))
    snap["blocks_by_user"] = {u: sorted(v) for u, v in ex.blocks.by_user.items() if v}
    batches = ex.batches
    snap["open_batches"] = {u: sorted(v) for u, v in batches.open_by_user.items() if v}
    snap["batch_quotes_by_batch"] = {k: sorted(v) for k, v in batches.by_batch.items() if v}
    snap["pending_batches"] = sorted(batches.pending)
    snap["batch_client_ids"] = {k: b.batch_id for k, b in sorted(batches.client_ids.items())}
    snap["batch_lapses"] = sorted(batches.lapses)
    if not ordered:  # lazy like `expiry`; a restore lists every open batch quote's lapse, and
        now = ex.now()  # one already run (its time passed) refreshes nothing when rerun
        snap["batch_lapses"] = [
            e
            for e in snap["batch_lapses"]
            if e[0] > now
            and (bq := batches.batch_quotes.get(e[1])) is not None
            and bq.status == "open"
        ]
    if not ordered:
        for k in ("candle", "orders_by_user", "groups_by_user"):
            snap[k] = {key: sorted(v, key=str) for key, v in snap[k].items()}
    return snap


def disk(ex: Exchange) -> dict:
    conn = ex.conn
    assert conn is not None and not conn.in_transaction
    return {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        for table in ("engine_kv", "engine_fills", "engine_trades", "engine_settlements")
    }


def full(ex: Exchange) -> dict:
    return {"memory": memory(ex), "disk": disk(ex)}


def diff(a: dict, b: dict, path: str = "") -> list[str]:
    """Paths where two snapshots differ (for readable assertion messages)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in a.keys() | b.keys():
            if k not in a or k not in b:
                out.append(f"{path}/{k}: only in {'after' if k not in a else 'before'}")
            else:
                out.extend(diff(a[k], b[k], f"{path}/{k}"))
        return out
    if a != b:
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            return [
                f"{path}[{i}]: {x!r} != {y!r}"
                for i, (x, y) in enumerate(zip(a, b, strict=True))
                if x != y
            ][:3]
        return [f"{path}: {str(a)[:300]} != {str(b)[:300]}"]
    return []
