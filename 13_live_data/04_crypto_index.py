"""The CF Benchmarks index behind a 15-minute crypto market, live over the WebSocket.

Demonstrates: GET /trade-api/v2/markets?series_ticker=KXBTC15M&status=open (the market and its
"price to beat"), then the `cfbenchmarks_value_5hz` and `cfbenchmarks_value` channels for BRTI
(`index_ids`), and `update_subscription` with action `indexlist`.

Credentials: yes (signed handshake; the channels need authentication). Writes state: no.
Rate limit: 10 read tokens for the REST call; WebSocket commands are not metered.

Gotchas (late 2026):
- Subscribe with CF Benchmarks index ids (`BRTI`, `ETHUSD_RTI`, ...), not market tickers; with
  no `index_ids` nothing flows until you add some (`subscribe_indices`) or pass ["all"].
- `cfbenchmarks_value_5hz` is raw ticks (up to 5 a second, `value_usd` with 8 decimals) for BTC,
  ETH, SOL, XRP, DOGE only; `cfbenchmarks_value` ticks once a second for every coin and adds
  `avg_60s_data` and, in the final minute before :00/:15/:30/:45, the quarter-hour average
  `last_60s_windowed_average_15min`: what a 15-minute market settles on.
- `data` is the upstream frame as a JSON *string*: parse it again for `time` and `value`.
- `indexlist` answers a `<channel>_indexlist` message and changes nothing.

Run: uv run python 13_live_data/04_crypto_index.py --seconds 10
"""

import json
from decimal import Decimal

import auth
from auth.cli import fail, narrator
from auth.fmt import usd, when
from auth.ws import Stream, describe_reply, is_data, run

INDEX = "BRTI"


async def watch(args, say, strike: Decimal) -> dict:
    subs = [
        {"cmd": "subscribe", "params": {"channels": [c], "index_ids": [INDEX]}}
        for c in ("cfbenchmarks_value_5hz", "cfbenchmarks_value")
    ]
    seen = {"ticks": 0, "seconds": 0, "last": None, "final": None, "indices": []}
    async with Stream(*subs, seconds=args.seconds, max_messages=args.max_messages) as stream:
        async for message in stream:
            kind, m = message["type"], message.get("msg") or {}
            if not is_data(message):
                say(f"<- {describe_reply(message)}")
                if kind == "subscribed" and m.get("channel") == "cfbenchmarks_value":
                    await stream.send(
                        {
                            "cmd": "update_subscription",
                            "params": {"sid": m["sid"], "action": "indexlist"},
                        }
                    )
                continue
            if args.json:
                print(json.dumps(message), flush=True)
            if kind.endswith("_indexlist"):
                seen["indices"] = m["index_ids"]
                say(f"<- {kind}: {', '.join(m['index_ids'])}")
            elif kind == "cfbenchmarks_value_5hz":
                seen["ticks"] += 1
                seen["last"] = Decimal(m["value_usd"])
                if not args.json and seen["ticks"] % 5 == 1:
                    side = "above" if seen["last"] > strike else "at/below"
                    print(
                        f"{when(m['source_ts_ms'])}  {INDEX} {usd(seen['last'])}  "
                        f"({side} the price to beat)",
                        flush=True,
                    )
            elif kind == "cfbenchmarks_value":
                seen["seconds"] += 1
                avg = m["avg_60s_data"]
                final = m.get("last_60s_windowed_average_15min")
                if final:
                    seen["final"] = Decimal(final["value"])
                if not args.json:
                    frame = json.loads(m["data"])  # a JSON string inside the message
                    extra = (
                        (
                            f", quarter-hour average {usd(final['value'])} over "
                            f"{final['window_size']} s"
                        )
                        if final
                        else ""
                    )
                    print(
                        f"{when(frame['time'])}  per second {usd(frame['value'])}, "
                        f"60 s average {usd(avg['value'])} ({avg['window_size']} ticks){extra}",
                        flush=True,
                    )
    return seen


def main() -> int:
    p = auth.parser(__doc__, stream=True)
    args = p.parse_args()
    say = narrator(args)
    auth.banner("CF Benchmarks index behind a 15-minute market", args)

    markets = auth.raw_get("/markets", series_ticker="KXBTC15M", status="open")["markets"]
    if not markets:
        fail("no open KXBTC15M market (the series runs every 15 minutes on the local exchange)")
    market = markets[0]
    strike = Decimal(str(market["floor_strike"]))
    say(
        f"{market['ticker']}: YES if BRTI's final-minute average beats {usd(strike)} "
        f"at {when(market['close_time'])}; YES {usd(market['yes_bid_dollars'])}"
        f"/{usd(market['yes_ask_dollars'])}\n"
    )

    seen = run(watch(args, say, strike))

    last = seen["last"]
    say(
        "\nWhat to notice: the market prices the chance that the index's final-minute average "
        "ends\nabove the price to beat; the per-second channel shows that average as it forms."
    )
    say("Next: uv run python 13_live_data/05_weather_index.py")
    where = (
        "no tick"
        if last is None
        else f"last {usd(last)}, "
        + ("above" if last > strike else "at/below")
        + f" {usd(strike)} to beat"
    )
    auth.result(
        args, f"{seen['ticks']} BRTI 5 Hz ticks and {seen['seconds']} per-second values, {where}"
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
