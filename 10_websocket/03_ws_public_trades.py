"""The public trade tape from the `trade` WebSocket channel: every execution as it happens.

Channel: `trade` (message type `trade`). Credentials: yes (signed handshake, even for this public
channel). Writes state: no. Rate limit: one subscribe command.

Gotchas (late 2026):
- Leave out `market_tickers` to get the trades of every market (the default here: use --ticker
  to follow some). The REST twin is GET /markets/trades (03_market_data/04_get_public_trades.py).
- Both prices come as dollar strings: `yes_price_dollars` + `no_price_dollars` = $1.
  `count_fp` is a fixed-point string (fractional trades exist).
- The taker's direction, one bit said two ways: `taker_book_side` bid (bought YES, lifting an
  ask) or ask (sold YES = bought NO, hitting a bid); `taker_outcome_side` yes|no says the same.
  `taker_side` is the deprecated older name.
- `is_block_trade` marks trades negotiated off the book (RFQ); they do not move the book.
- `trade` messages carry `seq`: a hole means a trade you did not see (the channel has no
  snapshot; fill the hole from GET /markets/trades if it matters).
- `ts_ms` is an int in ms; the deprecated `ts` is in seconds.

Run: uv run python 10_websocket/03_ws_public_trades.py --seconds 10 [--ticker T ...] [--json]
"""

from __future__ import annotations

import json
from decimal import Decimal

import auth
from auth.cli import narrator
from auth.fmt import dec, qty, usd
from auth.ws import Stream, describe_reply, is_data, run, timestamp

TAKER = {"bid": "bid: bought YES", "ask": "ask: sold YES (bought NO)"}


async def watch(args, say) -> tuple[Stream, dict[str, Decimal]]:
    params: dict = {"channels": ["trade"]}
    if args.ticker:
        params["market_tickers"] = [t.upper() for t in args.ticker]
    subscribe = {"cmd": "subscribe", "params": params}
    say(f"-> {json.dumps(subscribe)}\n")
    volume: dict[str, Decimal] = {}  # contracts traded per market while we watched
    last_seq: dict[int, int] = {}

    async with Stream(subscribe, seconds=args.seconds, max_messages=args.max_messages) as stream:
        async for message in stream:
            if args.json:
                print(json.dumps(message), flush=True)
                continue
            if not is_data(message):
                say(f"<- {describe_reply(message)}")
                if message["type"] == "subscribed":
                    say(f"\n{'time':20}  {'market':32} {'YES / NO price':>17}  {'count':>8}  taker")
                continue
            if message["type"] != "trade":
                continue
            sid, seq = message.get("sid"), message.get("seq")
            if seq is not None and sid in last_seq and seq != last_seq[sid] + 1:
                say(f"!! seq {last_seq[sid]} -> {seq}: missed trade(s); see GET /markets/trades")
            last_seq[sid] = seq if seq is not None else last_seq.get(sid, 0)
            t = message["msg"]
            prices = f"{usd(t['yes_price_dollars'], 4)} / {usd(t['no_price_dollars'], 4)}"
            taker = TAKER.get(t.get("taker_book_side"), "?")
            block = "  (block trade)" if t.get("is_block_trade") else ""
            ticker = t["market_ticker"]
            print(
                f"{timestamp(message):20}  {ticker:32} {prices:>17}  {qty(t['count_fp']):>8}  "
                f"{taker}{block}",
                flush=True,
            )
            volume[ticker] = volume.get(ticker, Decimal(0)) + (dec(t["count_fp"]) or 0)
    return stream, volume


def main() -> int:
    p = auth.parser(__doc__, stream=True)
    p.add_argument("--ticker", action="append", help="follow this market (repeatable; default all)")
    args = p.parse_args()
    say = narrator(args)
    auth.banner("WebSocket: trade channel (public tape)", args)

    stream, volume = run(watch(args, say))

    say(
        f"\nstopped by {stream.stopped_by}: {stream.data_messages} trade(s) "
        f"on {stream.connections} connection(s)"
    )
    for ticker, count in sorted(volume.items(), key=lambda kv: -kv[1])[:5]:
        say(f"  {ticker:32} {qty(count):>10} contracts")
    say("\nWhat to notice:")
    say("  - One execution, two prices: the YES and NO prices of a trade add up to $1.")
    say("  - The taker is the order that arrived and crossed; the resting side was the maker.")
    say("\nNext: uv run python 10_websocket/04_ws_user_orders.py --demo-order")
    auth.result(
        args,
        f"trade: {stream.data_messages} message(s) on {stream.connections} connection(s), "
        f"stopped by {stream.stopped_by}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
