"""Live quotes for a few markets from the `ticker` WebSocket channel, changes marked.

Channel: `ticker` on wss://.../trade-api/ws/v2 (message type `ticker`). The connection is opened
with a signed handshake (the same KALSHI-ACCESS-* headers as REST, signed over
`GET /trade-api/ws/v2`), so credentials are needed even for this public channel.
Writes state: no. Rate limit: the handshake and one subscribe command; choosing markets costs
two REST reads (skip them with --ticker).

Gotchas (late 2026):
- Authentication is required to open *any* connection; older docs said public channels work
  without it. `ticker_v2` was removed in Feb 2026 (subscribing to it is error 8).
- A `ticker` message is the market's whole current quote: bid, ask, last trade price, sizes,
  volume, open interest. It comes whenever any of them changes (a size alone counts), and it has
  no `seq`: a lost message is repaired by the next one. Without `send_initial_snapshot` you see
  nothing until something changes.
- Prices are `*_dollars` strings, sizes and volume `*_fp` strings: Decimal, never float.
  `dollar_volume` / `dollar_open_interest` are whole dollars (ints). Time is `ts_ms`; the old
  `ts` (seconds) and `time` (RFC 3339) are deprecated.
- `market_tickers` filters; leave it out and you get every market on the exchange.

Run: uv run python 10_websocket/01_ws_ticker.py --seconds 10 [--ticker A --ticker B] [--json]
"""

from __future__ import annotations

import json

import auth
from auth.cli import narrator
from auth.fmt import dec, qty, usd
from auth.markets import pick_tickers
from auth.ws import Stream, describe_reply, is_data, run, timestamp

COLUMNS = (  # (heading, field of the ticker message, formatter, width)
    ("bid", "yes_bid_dollars", usd, 8),
    ("ask", "yes_ask_dollars", usd, 8),
    ("last", "price_dollars", usd, 8),
    ("bid size", "yes_bid_size_fp", qty, 9),
    ("ask size", "yes_ask_size_fp", qty, 9),
    ("volume", "volume_fp", qty, 10),
    ("open int", "open_interest_fp", qty, 9),
)


def cell(new: dict, old: dict | None, field: str, show, width: int) -> str:
    """The value, then ^ or v if it went up or down since this market's last message."""
    mark = " "
    if old is not None and old.get(field) is not None and new.get(field) is not None:
        before, after = dec(old[field]), dec(new[field])
        if before is not None and after is not None and after != before:
            mark = "^" if after > before else "v"
    return show(new.get(field)).rjust(width) + mark


async def watch(args, tickers: list[str], say) -> Stream:
    subscribe = {
        "cmd": "subscribe",
        "params": {
            "channels": ["ticker"],
            "market_tickers": tickers,
            "send_initial_snapshot": True,  # the current quote now, not at the next change
        },
    }
    say(f"-> {json.dumps(subscribe)}\n")
    width = max(len(t) for t in tickers)
    header = " ".join(f"{heading:>{w}} " for heading, _, _, w in COLUMNS)
    last: dict[str, dict] = {}  # market -> its previous ticker msg

    async with Stream(subscribe, seconds=args.seconds, max_messages=args.max_messages) as stream:
        async for message in stream:
            if args.json:
                print(json.dumps(message), flush=True)
                continue
            if not is_data(message):
                say(f"<- {describe_reply(message)}")
                if message["type"] == "subscribed":
                    say(f"\n{'time':20}  {'market':{width}}  {header}".rstrip())
            elif message["type"] == "ticker":
                msg = message["msg"]
                ticker = msg["market_ticker"]
                cells = [cell(msg, last.get(ticker), f, show, w) for _, f, show, w in COLUMNS]
                print(f"{timestamp(message):20}  {ticker:{width}}  {' '.join(cells)}", flush=True)
                last[ticker] = msg
    return stream


def main() -> int:
    p = auth.parser(__doc__, stream=True)
    p.add_argument(
        "--ticker",
        action="append",
        help="market ticker, repeat for several (default: the 3 busiest open markets)",
    )
    args = p.parse_args()
    say = narrator(args)
    auth.banner("WebSocket: ticker channel", args)
    tickers = [t.upper() for t in args.ticker] if args.ticker else pick_tickers(3)

    stream = run(watch(args, tickers, say))

    say(
        f"\nstopped by {stream.stopped_by}: {stream.data_messages} ticker message(s) "
        f"on {stream.connections} connection(s)"
    )
    say("\nWhat to notice:")
    say("  - Each message is the full quote (^ up, v down since that market's last message).")
    say("  - The YES ask is what a NO bidder offers: ask = 1 - best NO bid.")
    say("  - No seq on this channel: nothing to resync, the next message is complete again.")
    say("\nNext: uv run python 10_websocket/02_ws_orderbook.py")
    auth.result(
        args,
        f"ticker: {stream.data_messages} message(s) on {stream.connections} connection(s), "
        f"stopped by {stream.stopped_by}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
