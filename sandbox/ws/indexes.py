"""Value-feed channels (`cfbenchmarks_value`, `cfbenchmarks_value_5hz`, `pyth_value`): which
ids a subscription follows, and their `update_subscription` actions, per the AsyncAPI.

A subscription's `tickers` set holds index ids / Pyth symbols here (the hub routes on them like
market tickers): `None` is `["all"]`, an empty set follows nothing (no values flow until ids are
added). The add/remove actions need the id list (error 24 for CF Benchmarks `index_ids`, 28 for
Pyth `underlying_tickers`); the list action answers `<list_type>` with the channel's ids and
changes nothing. Every reply carries the subscription's `seq` (the spec requires it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.world import pyth
from sandbox.world.cfindex import FIVE_HZ, INDICES
from sandbox.ws import wire
from sandbox.ws.hub import Hub, Subscription

ALL = "all"


@dataclass(frozen=True)
class Feed:
    key: str  # the id list's parameter
    missing: int  # error code when an add/remove action has no ids
    add: str
    remove: str
    listing: str
    list_type: str
    ids: tuple[str, ...]


def _cf(name: str, ids: tuple[str, ...]) -> Feed:
    actions = ("subscribe_indices", "unsubscribe_indices", "indexlist")
    return Feed("index_ids", 24, *actions, f"{name}_indexlist", ids)


FEEDS: dict[str, Feed] = {
    "cfbenchmarks_value": _cf("cfbenchmarks_value", tuple(INDICES)),
    "cfbenchmarks_value_5hz": _cf("cfbenchmarks_value_5hz", FIVE_HZ),
    "pyth_value": Feed(
        "underlying_tickers",
        28,
        "subscribe_underlyings",
        "unsubscribe_underlyings",
        "underlying_list",
        "pyth_value_underlying_list",
        tuple(pyth.SYMBOLS),
    ),
}
AVAILABLE = {name: f.ids for name, f in FEEDS.items()}


class IndexCommandError(Exception):
    """A command error with its AsyncAPI code (raised to the session)."""

    def __init__(self, code: int, sid: int | None = None):
        self.code, self.sid = code, sid


def _ids(feed: Feed, params: dict[str, Any], required: bool, sid: int | None = None):
    val = params.get(feed.key)
    if val is None or val == []:
        if required:
            raise IndexCommandError(feed.missing, sid)
        return []
    if not isinstance(val, list) or not all(isinstance(v, str) and v for v in val):
        raise IndexCommandError(11, sid)
    return None if ALL in val else list(dict.fromkeys(val))


def initial(name: str, params: dict[str, Any]) -> set[str] | None:
    """What a new subscription follows: the seeded ids, none, or all (None)."""
    ids = _ids(FEEDS[name], params, required=False)
    return None if ids is None else set(ids)


def update(hub: Hub, sub: Subscription, cmd_id: int | None, params: dict[str, Any]) -> str:
    """Apply one update_subscription action; the reply frame to send."""
    action = params.get("action")
    feed = FEEDS[sub.channel.name]
    if action == feed.listing:
        out: dict[str, Any] = {"type": feed.list_type}
        if cmd_id:
            out["id"] = cmd_id
        out.update(sid=sub.sid, seq=sub.next_seq(), msg={feed.key: list(feed.ids)})
        out["sending_ts_ms"] = wire.now_ms()
        return wire.dumps(out)
    if action not in (feed.add, feed.remove):
        raise IndexCommandError(13, sub.sid)
    ids = _ids(feed, params, required=True, sid=sub.sid)
    if action == feed.add:
        if ids is None and sub.tickers is not None:  # switch to all
            hub.detach(sub)
            sub.tickers = None
            hub.attach(sub)
        elif ids:
            hub.add_markets(sub, ids)
    elif ids is None and sub.tickers is None:  # leave all-mode (explicit ids stay: none kept)
        hub.detach(sub)
        sub.tickers = set()
        hub.attach(sub)
    elif ids:
        hub.delete_markets(sub, ids)
    following = [ALL] if sub.tickers is None else sorted(sub.tickers)
    return wire.reply("ok", cmd_id, sid=sub.sid, seq=max(sub.seq, 1), msg={feed.key: following})
