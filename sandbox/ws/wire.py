"""Wire vocabulary of the WebSocket API: error codes, fixed-point strings, frame envelopes.

Every data frame is `{"type", "sid", "seq"?, "msg", "sending_ts_ms"}`. The `msg` body is the same
for every subscriber of a channel/market, so it is serialized once (`body`) and each subscriber's
frame is assembled by string formatting around it (`frame`): fan-out costs one `json.dumps` per
event, not one per recipient.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

# AsyncAPI `x-error-codes` (Oct 2026). Codes 6, 16 and 17 are retired and never emitted.
ERRORS: dict[int, str] = {
    1: "Unable to process message",
    2: "Params required",
    3: "Channels required",
    4: "Subscription IDs required",
    5: "Unknown command",
    7: "Unknown subscription ID",
    8: "Unknown channel name",
    9: "Authentication required",
    10: "Channel error",
    11: "Invalid parameter",
    12: "Exactly one subscription ID is required",
    13: "Unsupported action",
    14: "Market Ticker required",
    15: "Action required",
    18: "Command timeout",
    19: "shard_factor must be > 0",
    20: "shard_factor is required when shard_key is set",
    21: "shard_key must be >= 0 and < shard_factor",
    22: "shard_factor must be <= 100",
    23: "Match IDs required",
    24: "Index IDs required",
    25: "Subscription buffer overflow",
    26: "Subscription market limit exceeded",
    27: "Too many requests",
    28: "Underlying tickers required",
}

_PRICE = Decimal("0.0001")
_VALUE = Decimal("0.000001")
_COUNT = Decimal("0.01")


def price(d: Decimal) -> str:
    """A price as Kalshi sends it: dollars with 4 decimals ("0.5600")."""
    return str(d.quantize(_PRICE))


def value(d: Decimal) -> str:
    """A cost, fee or P&L: dollars with 6 decimals ("0.010000")."""
    return str(d.quantize(_VALUE))


def count(d: Decimal) -> str:
    """A contract count or position: 2 decimals ("10.00", "-3.50")."""
    return str(d.quantize(_COUNT))


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def body(msg: dict[str, Any]) -> str:
    """The serialized `msg` object, shared by every recipient."""
    return dumps(msg)


def frame(kind: str, sid: int, seq: int | None, msg_json: str, sent_ms: int) -> str:
    """One subscriber's data frame around a pre-serialized body; `seq` None = unsequenced."""
    if seq is None:
        return f'{{"type":"{kind}","sid":{sid},"msg":{msg_json},"sending_ts_ms":{sent_ms}}}'
    return f'{{"type":"{kind}","sid":{sid},"seq":{seq},"msg":{msg_json},"sending_ts_ms":{sent_ms}}}'


def reply(kind: str, cmd_id: int | None, **fields: Any) -> str:
    """A command response (`subscribed`, `unsubscribed`, `ok`); id omitted when the client sent
    none or 0, as the spec says id 0 means "no id"."""
    out: dict[str, Any] = {"type": kind}
    if cmd_id:
        out["id"] = cmd_id
    out.update(fields)
    out["sending_ts_ms"] = now_ms()
    return dumps(out)


def error(cmd_id: int | None, code: int, **extra: Any) -> str:
    """`{"type":"error","id":..,"msg":{"code","msg"}}`; `sid`/`seq` extras go at top level,
    market tickers inside msg."""
    msg: dict[str, Any] = {"code": code, "msg": ERRORS[code]}
    top: dict[str, Any] = {}
    for key, val in extra.items():
        (top if key in ("sid", "seq") else msg)[key] = val
    return reply("error", cmd_id, **top, msg=msg)
