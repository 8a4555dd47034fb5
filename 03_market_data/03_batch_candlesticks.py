"""Candlesticks for several markets in one request, beside the old one-request-per-market loop.

Demonstrates: GET /trade-api/v2/markets/candlesticks?market_tickers=A,B,C (batch, with
`raw_get`) against GET /series/{series}/markets/{ticker}/candlesticks called once per market,
printing how many requests each way takes and how long each request took.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per request: the batch
costs 10 tokens for all markets, the loop 10 per market (plus 2 calls to find the series).

Gotchas (late 2026):
- `market_tickers` is ONE comma-separated string (up to 100 tickers), not a repeated parameter;
  `start_ts`, `end_ts` and `period_interval` are required as in the single call.
- The answer is `{markets: [{market_ticker, candlesticks: [...]}]}`, at most 10,000 candles in
  total: shorten the window or split the tickers when you hit that.
- The batch needs no series tickers; the per-market path does (market -> event -> series).
- raw_get, not the SDK, for both: the comparison should time the HTTP calls, not model parsing.

Run: uv run python 03_market_data/03_batch_candlesticks.py --markets 5 --period 60
"""

import time

import auth
from auth.cli import number
from auth.fmt import table
from auth.lookup import series_map
from auth.markets import pick_tickers


def timed(path: str, **params) -> tuple[dict, float]:
    started = time.perf_counter()
    response = auth.raw_get(path, **params)
    return response, (time.perf_counter() - started) * 1000


def main() -> int:
    p = auth.parser(__doc__)
    p.add_argument("--tickers", help="comma-separated market tickers (default: busiest open)")
    p.add_argument(
        "--markets", type=number(int, low=1), default=5, help="how many markets to pick (default 5)"
    )
    p.add_argument("--period", type=int, choices=(1, 60, 1440), default=60, help="minutes")
    p.add_argument(
        "--count", type=number(int, low=1), default=24, help="how many periods back (default 24)"
    )
    args = p.parse_args()
    auth.banner("Batch candlesticks", args)

    tickers = (
        [t.strip().upper() for t in args.tickers.split(",") if t.strip()]
        if args.tickers
        else pick_tickers(args.markets, need_book=False)
    )
    end_ts = int(time.time())
    window = {
        "start_ts": end_ts - args.count * args.period * 60,
        "end_ts": end_ts,
        "period_interval": args.period,
    }

    # One request for all markets.
    batch, batch_ms = timed("/markets/candlesticks", market_tickers=",".join(tickers), **window)
    if args.json:
        auth.print_json(batch)
        auth.result(args, f"{len(batch['markets'])} market(s) of candles in one request (JSON)")
        return 0
    batch_counts = {m["market_ticker"]: len(m["candlesticks"]) for m in batch["markets"]}

    # The old way: one request per market, each needing its series ticker first.
    series = series_map(tickers)
    loop_rows, loop_counts, loop_ms = [], {}, 0.0
    for ticker in tickers:
        if ticker not in series:
            loop_rows.append((ticker, "-", "unknown market", ""))
            continue
        path = f"/series/{series[ticker]}/markets/{ticker}/candlesticks"
        single, ms = timed(path, **window)
        loop_ms += ms
        loop_counts[ticker] = len(single["candlesticks"])
        loop_rows.append((ticker, series[ticker], loop_counts[ticker], f"{ms:.1f} ms"))

    print(f"{len(tickers)} markets, {args.count} periods of {args.period} min\n")
    print(f"Batch: 1 request, {batch_ms:.1f} ms, {sum(batch_counts.values())} candles")
    print(
        f"Loop:  {len(loop_counts)} requests (+2 to look up series), {loop_ms:.1f} ms, "
        f"{sum(loop_counts.values())} candles\n"
    )
    print(table(loop_rows, ("market", "series", "candles", "request time"), right="23"))

    same = all(batch_counts.get(t) == n for t, n in loop_counts.items())
    print(f"\nSame candle counts both ways: {'yes' if same else 'NO'}")
    print(
        "\nWhat to notice: the batch saves requests, rate-limit tokens and round trips, and it "
        "does not need\nthe series tickers at all."
    )
    print("Next: uv run python 03_market_data/04_get_public_trades.py")
    auth.result(
        args,
        f"{len(batch_counts)} market(s) in one request vs {len(loop_counts)}; same counts: "
        f"{'yes' if same else 'NO'}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
