"""Index channels (`cfbenchmarks_value`, `cfbenchmarks_value_5hz`): which indices a subscription
follows, and their `update_subscription` actions, per the AsyncAPI.

A subscription's `tickers` set holds index ids here (the hub routes on them like market
tickers): `None` is `index_ids: ["all"]`, an empty set follows nothing (no values flow until
indices are added). `subscribe_indices` / `unsubscribe_indices` need `index_ids` (error 24);
`indexlist` answers `<channel>_indexlist` with the channel's index ids and changes nothing.
"""

from __future__ import annotations

from typing import Any

from sandbox.world.cfindex import FIVE_HZ, INDICES
from sandbox.ws import wire
from sandbox.ws.hub import Hub, Subscription

AVAILABLE = {"cfbenchmarks_value": tuple(INDICES), "cfbenchmarks_value_5hz": FIVE_HZ}
KEY = "index_ids"
ALL = "all"


class IndexCommandError(Exception):
    """A command error with its AsyncAPI code (raised to the session)."""

    def __init__(self, code: int, sid: int | None = None):
        self.code, self.sid = code, sid


def _ids(params: dict[str, Any], required: bool, sid: int | None = None) -> list[str] | None:
    val = params.get(KEY)
    if val is None or val == []:
        if required:
            raise IndexCommandError(24, sid)
        return []
    if not isinstance(val, list) or not all(isinstance(v, str) and v for v in val):
        raise IndexCommandError(11, sid)
    return None if ALL in val else list(dict.fromkeys(val))


def initial(params: dict[str, Any]) -> set[str] | None:
    """What a new subscription follows: the seeded ids, none, or all (None)."""
    ids = _ids(params, required=False)
    return None if ids is None else set(ids)


def update(hub: Hub, sub: Subscription, cmd_id: int | None, params: dict[str, Any]) -> str:
    """Apply one update_subscription action; the reply frame to send."""
    action = params.get("action")
    name = sub.channel.name
    if action == "indexlist":
        out: dict[str, Any] = {"type": f"{name}_indexlist"}
        if cmd_id:
            out["id"] = cmd_id
        out.update(sid=sub.sid, seq=sub.next_seq(), msg={"index_ids": list(AVAILABLE[name])})
        out["sending_ts_ms"] = wire.now_ms()
        return wire.dumps(out)
    if action not in ("subscribe_indices", "unsubscribe_indices"):
        raise IndexCommandError(13, sub.sid)
    ids = _ids(params, required=True, sid=sub.sid)
    if action == "subscribe_indices":
        if ids is None and sub.tickers is not None:  # switch to all
            hub.detach(sub)
            sub.tickers = None
            hub.attach(sub)
        elif ids:
            hub.add_markets(sub, ids)
    elif ids is None and sub.tickers is None:  # leave all-mode
        hub.detach(sub)
        sub.tickers = set()
        hub.attach(sub)
    elif ids:
        hub.delete_markets(sub, ids)
    following = ["all"] if sub.tickers is None else sorted(sub.tickers)
    return wire.reply("ok", cmd_id, sid=sub.sid, msg={KEY: following})
