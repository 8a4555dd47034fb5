"""Combo (multivariate) markets being created, decided and paid out, from the
`multivariate_market_lifecycle` WebSocket channel.

Channel: `multivariate_market_lifecycle` (message types `multivariate_market_lifecycle`,
`event_lifecycle`). Credentials: yes (signed handshake). Writes state: no.
Rate limit: one subscribe command.

Gotchas (late 2026):
- KXMVE* combo markets appear here and NOT on `market_lifecycle_v2` (since Mar 19, 2026); the
  old `multivariate` lookup channel is gone (Aug 6, 2026: error code 8, unknown channel).
- A combo is `created` the first time someone asks for its legs (POST
  /multivariate_event_collections/{ticker}); `event_lifecycle` announces its new event.
- A combo is `determined` as soon as one leg resolves against its side (result no), or when
  every leg resolved for it (yes); `settled` follows when positions are paid.
- Times (`open_ts`, `close_ts`, `determination_ts`, `settled_ts`) are Unix seconds.
- To see a `created` message on the local exchange, run
  11_combos_and_rfq/02_create_combo_market.py --side no meanwhile (new legs, new combo).

Run: uv run python 10_websocket/08_ws_multivariate_lifecycle.py --seconds 30 [--json]
"""

from __future__ import annotations

import json
from collections import Counter

import auth
from auth.cli import narrator
from auth.fmt import usd, when
from auth.ws import Stream, describe_reply, is_data, run, timestamp


def explain(kind: str, m: dict) -> str:
    if kind == "event_lifecycle":
        return f"new combo event in series {m.get('series_ticker')}: {m.get('subtitle')!r}"
    event = m.get("event_type")
    if event == "created":
        meta = m.get("additional_metadata") or {}
        return f"created: {meta.get('title')!r}, closes {when(m.get('close_ts'))}"
    if event == "determined":
        return f"determined: {m.get('result')!r} (YES worth {usd(m.get('settlement_value'), 4)})"
    if event == "settled":
        return f"settled at {when(m.get('settled_ts'))}"
    if event in ("activated", "deactivated"):
        return "trading paused" if m.get("is_deactivated") else "trading (re)opened"
    if event == "close_date_updated":
        return f"close time moved to {when(m.get('close_ts'))}"
    return f"{event}"


async def watch(args, say) -> tuple[Stream, Counter]:
    subscribe = {"cmd": "subscribe", "params": {"channels": ["multivariate_market_lifecycle"]}}
    say(f"-> {json.dumps(subscribe)}\n")
    seen: Counter = Counter()
    async with Stream(subscribe, seconds=args.seconds, max_messages=args.max_messages) as stream:
        async for message in stream:
            kind = message["type"]
            if not is_data(message):
                say(f"<- {describe_reply(message)}")
                continue
            m = message.get("msg") or {}
            seen[m.get("event_type") or kind] += 1
            name = m.get("market_ticker") or m.get("event_ticker") or "?"
            if args.json:
                print(json.dumps(message), flush=True)
            else:
                print(f"{timestamp(message):20}  {name[:40]:40} {explain(kind, m)}", flush=True)
    return stream, seen


def main() -> int:
    args = auth.parser(__doc__, stream=True).parse_args()
    say = narrator(args)
    auth.banner("WebSocket: multivariate_market_lifecycle channel", args)

    stream, seen = run(watch(args, say))

    say(f"\nstopped by {stream.stopped_by}: {stream.data_messages} message(s)")
    for event, count in seen.most_common():
        say(f"  {event:24} {count:>5}")
    say("\nWhat to notice:")
    say("  - Combos come and go like other markets, on their own channel.")
    say("\nNext: uv run python 10_websocket/09_ws_index_feed.py --seconds 10")
    auth.result(
        args,
        f"{sum(seen.values())} multivariate lifecycle message(s), "
        f"{seen['created']} combo(s) created",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
