"""Price history of one market as candlesticks (OHLC), with a text sparkline of the closes.

Demonstrates: `get_client().get_market_candlesticks(series_ticker=..., ticker=..., start_ts=...,
end_ts=..., period_interval=...)` from the official SDK, which is
GET /trade-api/v2/series/{series_ticker}/markets/{ticker}/candlesticks.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call (plus 2 calls
to find the series when you do not pass --series).

Gotchas (late 2026):
- The path needs *both* tickers, and a market does not carry its series: market -> event ->
  series (`auth.lookup.series_of`). Pass them by keyword: in the SDK `ticker=` is the market,
  while in the old kalshi-python 2.x `ticker=` was the series.
- `start_ts`, `end_ts` (Unix seconds) and `period_interval` are required; the interval is 1, 60
  or 1440 minutes, nothing else. A candle is included if its *end* falls in [start, end].
- Trade prices are `price.{open,high,low,close,mean,previous}_dollars` and are **null** for a
  period without trades; `yes_bid` / `yes_ask` are the quote distributions (always present).
  Counts are `volume_fp` and `open_interest_fp` strings.
- SDK or raw_get? The SDK works here: its candlestick model accepts the null trade prices. Its
  `to_dict()` drops them, though, so `--json` prints the raw body (`*_with_http_info().raw_data`).
- Markets settled before the historical cutoff: use 08_historical/03_historical_candlesticks.py.

Run: uv run python 03_market_data/02_get_candlesticks.py --period 60 --count 24
"""

import json
import time
from decimal import Decimal

import auth
from auth.cli import number
from auth.fmt import dec, qty, table, usd, when
from auth.lookup import series_of
from auth.markets import pick_ticker

BARS = "▁▂▃▄▅▆▇█"


def sparkline(closes: list[Decimal | None]) -> str:
    """One bar per candle; a period without trades repeats the last close ('·' before any)."""
    known = [c for c in closes if c is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or Decimal(1)
    out, last = [], None
    for close in closes:
        last = close if close is not None else last
        if last is None:
            out.append("·")
        else:
            out.append(BARS[int((last - low) / span * (len(BARS) - 1))])
    return "".join(out)


def main() -> int:
    p = auth.parser(__doc__, ticker=True)
    p.add_argument("--series", help="series ticker of the market (default: looked up)")
    p.add_argument("--period", type=int, choices=(1, 60, 1440), default=60, help="minutes")
    p.add_argument(
        "--count", type=number(int, low=1), default=24, help="how many periods back (default 24)"
    )
    args = p.parse_args()
    auth.banner("Candlesticks", args)

    ticker = pick_ticker(args.ticker)
    series_ticker = args.series or series_of(ticker)
    end_ts = int(time.time())
    start_ts = end_ts - args.count * args.period * 60

    reply = auth.get_client().get_market_candlesticks_with_http_info(
        series_ticker=series_ticker,
        ticker=ticker,
        start_ts=start_ts,
        end_ts=end_ts,
        period_interval=args.period,
    )
    if args.json:
        body = json.loads(reply.raw_data)
        auth.print_json(body)
        auth.result(args, f"{ticker}: {len(body['candlesticks'])} candle(s) (JSON)")
        return 0

    candles = reply.data.candlesticks
    print(f"{series_ticker} / {ticker}: {len(candles)} candle(s) of {args.period} min\n")
    rows = [
        (
            when(c.end_period_ts),
            usd(c.price.open_dollars),
            usd(c.price.high_dollars),
            usd(c.price.low_dollars),
            usd(c.price.close_dollars),
            f"{usd(c.yes_bid.close_dollars)} / {usd(c.yes_ask.close_dollars)}",
            qty(c.volume_fp),
            qty(c.open_interest_fp),
        )
        for c in candles
    ]
    headers = ("period end", "open", "high", "low", "close", "bid / ask", "volume", "open int")
    print(table(rows, headers, right="1234567"))

    closes = [dec(c.price.close_dollars) for c in candles]
    traded = sum(close is not None for close in closes)
    print(f"\ncloses  {sparkline(closes) or '(no trades in this window)'}")
    print(f"{traded} of {len(candles)} period(s) had trades ('-' = null: no trade)")

    print(
        "\nWhat to notice: OHLC is null when nothing traded, but the bid/ask distributions are "
        "always there;\nuse them for a quote history of quiet markets."
    )
    print("Next: uv run python 03_market_data/03_batch_candlesticks.py")
    auth.result(args, f"{ticker}: {len(candles)} candle(s), {traded} with trades")
    return 0


if __name__ == "__main__":
    auth.run(main)
