"""Markets settled before the historical cutoff: how they resolved, when, and at what value.

Demonstrates: GET /trade-api/v2/historical/markets (filters `tickers` | `event_ticker` |
`series_ticker`, plus `limit` and `cursor`) with `raw_get`, after GET /historical/cutoff to say
where the archive starts.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call (2 calls).

Gotchas (late 2026):
- raw_get, not the SDK: archived markets carry nulls (title, settlement fields, expiration
  times) that the SDK's strict Market model rejects for the whole page.
- The filters are mutually exclusive: give at most one of --tickers / --event / --series.
- The records have the live Market shape: `result` (yes | no | scalar), `settlement_ts`,
  `settlement_value_dollars` (what one YES contract paid, in dollars), `expiration_value`.
- A market is either live or archived, never both: GET /markets/{ticker} answers 404 for an
  archived one, GET /historical/markets/{ticker} for a live one.

Run: uv run python 08_historical/02_historical_markets.py --limit 10
"""

import auth
from auth.fmt import qty, table, usd, when


def main() -> int:
    p = auth.parser(__doc__, limit=20)
    only = p.add_mutually_exclusive_group()
    only.add_argument("--tickers", help="comma-separated market tickers")
    only.add_argument("--event", help="one event ticker")
    only.add_argument("--series", help="one series ticker")
    p.add_argument("--cursor", help="continue from a previous page's cursor")
    args = p.parse_args()
    auth.banner("Historical markets", args)

    cutoff = auth.raw_get("/historical/cutoff")["market_settled_ts"]
    response = auth.raw_get(
        "/historical/markets",
        limit=args.limit,
        cursor=args.cursor,
        tickers=args.tickers.upper() if args.tickers else None,
        event_ticker=args.event.upper() if args.event else None,
        series_ticker=args.series.upper() if args.series else None,
    )
    if args.json:
        auth.print_json(response)
        auth.result(args, f"{len(response['markets'])} archived market(s) (JSON)")
        return 0

    markets = response.get("markets") or []
    print(f"Markets settled before {when(cutoff)} (market_settled_ts):\n")
    rows = [
        (
            m["ticker"],
            m.get("status"),
            m.get("result") or "-",
            when(m.get("settlement_ts")),
            usd(m.get("settlement_value_dollars")),
            usd(m.get("last_price_dollars")),
            qty(m.get("volume_fp")),
        )
        for m in markets
    ]
    headers = ("market", "status", "result", "settled (UTC)", "paid/YES", "last", "volume")
    print(table(rows, headers, right="456"))
    print(f"\n{len(markets)} market(s)")
    if response.get("cursor"):
        print(f"next page: --cursor {response['cursor']}")

    print(
        "\nWhat to notice: a YES contract paid settlement_value_dollars ($1 if YES, $0 if NO, "
        "in between for\nscalar markets); these markets are no longer under GET /markets."
    )
    print("Next: uv run python 08_historical/03_historical_candlesticks.py")
    auth.result(args, f"{len(markets)} archived market(s)")
    return 0


if __name__ == "__main__":
    auth.run(main)
