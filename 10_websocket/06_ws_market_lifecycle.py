"""Markets and events being born, paused, closed, decided and paid out, from the
`market_lifecycle_v2` WebSocket channel, each event explained in one line.

Channel: `market_lifecycle_v2` (message types `market_lifecycle_v2`, `event_lifecycle`,
`event_fee_update`). Credentials: yes (signed handshake). Writes state: no.
Rate limit: one subscribe command.

Gotchas (late 2026):
- No market filter: you get every market of the exchange (multivariate KXMVE* markets have their
  own channel, `multivariate_market_lifecycle`). Filter client-side, as --ticker-prefix does.
- A market's life: created -> (activated / deactivated: trading paused and resumed, see
  `is_deactivated`) -> close_date_updated (maybe) -> deactivated at the close time (a normal
  close, not a pause: compare `close_ts`) -> determined (`result`, `settlement_value`)
  -> settled (payouts done). `price_level_structure_updated` changes its tick grid
  (`price_ranges`), and `metadata_updated` (same message type) its strike or subtitle.
- `event_lifecycle` announces a new event (title, series, collateral_return_type);
  `event_fee_update` a fee override for an event (null = override cleared).
- Times inside the payload (`open_ts`, `close_ts`, `determination_ts`, `settled_ts`) are Unix
  *seconds*; the envelope's `sending_ts_ms` is milliseconds.
- Messages carry `seq`: a hole means a lifecycle event you missed; GET /markets/{ticker} has the
  current state.
- Events are rare: a quiet minute is normal. On the local exchange, start it with
  `--fast-lifecycle` to see a market created, opened, closed, determined and settled in ~10 s.

Run: uv run python 10_websocket/06_ws_market_lifecycle.py --seconds 10 [--ticker-prefix KXQUICK]
"""

from __future__ import annotations

import json
import time
from collections import Counter

import auth
from auth.cli import narrator
from auth.fmt import usd, when
from auth.ws import Stream, describe_reply, is_data, run, timestamp

CHANNEL_TYPES = ("market_lifecycle_v2", "event_lifecycle", "event_fee_update")


def explain(kind: str, m: dict) -> str:
    """One plain sentence for a lifecycle message."""
    if kind == "event_lifecycle":
        return (
            f"new event {m.get('event_ticker')} in series {m.get('series_ticker')}: "
            f"{m.get('title')!r} ({m.get('collateral_return_type') or 'no collateral return'})"
        )
    if kind == "event_fee_update":
        fee = m.get("fee_type_override")
        what = f"{fee} x {m.get('fee_multiplier_override')}" if fee else "cleared (series default)"
        return f"fee override for event {m.get('event_ticker')}: {what}"
    event = m.get("event_type")
    if event == "created":
        meta = m.get("additional_metadata") or {}
        return (
            f"created: {meta.get('title') or meta.get('name') or ''!r}, opens "
            f"{when(m.get('open_ts'))}, closes {when(m.get('close_ts'))}, "
            f"grid {m.get('price_level_structure') or '?'}"
        )
    if event in ("activated", "deactivated"):
        paused = m.get("is_deactivated", event == "deactivated")
        close_ts = m.get("close_ts")
        if paused and isinstance(close_ts, int) and close_ts <= time.time():
            return f"closed at {when(close_ts)}: trading ended at its close time (not a pause)"
        return "trading paused (the market stays open)" if paused else "trading (re)opened"
    if event == "close_date_updated":
        return f"close time moved to {when(m.get('close_ts'))}"
    if event == "determined":
        value = usd(m.get("settlement_value"), 4)
        return f"determined: result {m.get('result')!r}, a YES contract is worth {value}"
    if event == "settled":
        return f"settled at {when(m.get('settled_ts'))}: positions paid out"
    if event == "price_level_structure_updated":
        ranges = ", ".join(
            f"${r['start']}-${r['end']} step ${r['step']}" for r in m.get("price_ranges") or []
        )
        return f"new tick grid {m.get('price_level_structure')}: {ranges}"
    if event == "metadata_updated":
        changed = [
            k for k in ("strike_type", "floor_strike", "cap_strike", "yes_sub_title") if k in m
        ]
        return f"metadata updated: {', '.join(changed) or 'details'}"
    return f"{event} (not explained here)"


async def watch(args, say) -> tuple[Stream, Counter]:
    subscribe = {"cmd": "subscribe", "params": {"channels": ["market_lifecycle_v2"]}}
    say(f"-> {json.dumps(subscribe)}  (no market filter: this channel does not take one)\n")
    seen: Counter = Counter()
    prefix = (args.ticker_prefix or "").upper()

    async with Stream(subscribe, seconds=args.seconds, max_messages=args.max_messages) as stream:
        async for message in stream:
            kind = message["type"]
            if not is_data(message):
                say(f"<- {describe_reply(message)}")
                continue
            m = message.get("msg") or {}
            name = m.get("market_ticker") or m.get("event_ticker") or "?"
            if kind not in CHANNEL_TYPES or not name.startswith(prefix):
                continue
            seen[m.get("event_type") or kind] += 1
            if args.json:
                print(json.dumps(message), flush=True)
            else:
                print(f"{timestamp(message):20}  {name:32} {explain(kind, m)}", flush=True)
    return stream, seen


def main() -> int:
    p = auth.parser(__doc__, stream=True)
    p.add_argument("--ticker-prefix", help="only markets/events whose ticker starts with this")
    args = p.parse_args()
    say = narrator(args)
    auth.banner("WebSocket: market_lifecycle_v2 channel", args)

    stream, seen = run(watch(args, say))

    say(
        f"\nstopped by {stream.stopped_by}: {stream.data_messages} message(s) "
        f"on {stream.connections} connection(s)"
    )
    for event, count in seen.most_common():
        say(f"  {event:32} {count:>5}")
    if not seen:
        say(
            "\nNothing happened in this window: lifecycle events are rare (on the local exchange a "
            "new\nKXQUICK market opens every 3 minutes). To see a whole life in ~10 s, start the "
            "exchange\nwith `uv run python -m sandbox --fast-lifecycle`, or pass --seconds 200."
        )
    say("\nWhat to notice:")
    say("  - determined and settled are two steps: the result first, the payout later.")
    say("  - deactivated/activated pause and resume trading without closing the market.")
    say("\nNext: uv run python 13_live_data/01_milestones_and_targets.py")
    auth.result(
        args,
        f"market_lifecycle_v2: {stream.data_messages} message(s) "
        f"on {stream.connections} connection(s), stopped by {stream.stopped_by}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
