"""The public trade tape: every match on the exchange, newest first, one page at a time.

Demonstrates: GET /trade-api/v2/markets/trades with `ticker`, `limit`, `cursor` (and
`min_ts`/`max_ts`), via `raw_get`.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per page.

Gotchas (late 2026):
- Each trade has both prices, `yes_price_dollars` and `no_price_dollars` (they add up to $1),
  and a fixed-point `count_fp`.
- Who was the aggressor: `taker_outcome_side` (yes | no: the outcome the taker bought into) and
  `taker_book_side` (bid | ask: the same bit in book terms, bid = bought YES). `taker_side` is
  deprecated: do not build on it.
- Block trades are included and flagged `is_block_trade`; filter with `is_block_trade=false`.
- Trades older than the historical cutoff are only under GET /historical/trades.
- raw_get, not the SDK: the SDK's strict models reject the nulls the live API returns.

Run: uv run python 03_market_data/04_get_public_trades.py --limit 20
"""

import auth
from auth.fmt import qty, table, usd, when


def main() -> int:
    p = auth.parser(__doc__, limit=20)
    p.add_argument("--ticker", help="only this market (default: all)")
    p.add_argument("--cursor", help="continue from a previous page's cursor")
    args = p.parse_args()
    auth.banner("Public trades" + (f" in {args.ticker.upper()}" if args.ticker else ""), args)

    response = auth.raw_get(
        "/markets/trades",
        ticker=args.ticker.upper() if args.ticker else None,  # no ticker: all markets
        limit=args.limit,
        cursor=args.cursor,
    )
    if args.json:
        auth.print_json(response)
        auth.result(args, f"{len(response['trades'])} public trade(s) (JSON)")
        return 0

    trades = response.get("trades") or []
    rows = [
        (
            when(t.get("created_time")),
            t.get("ticker"),
            usd(t.get("yes_price_dollars")),
            usd(t.get("no_price_dollars")),
            qty(t.get("count_fp")),
            t.get("taker_outcome_side"),
            t.get("taker_book_side"),
            "block" if t.get("is_block_trade") else "-",
        )
        for t in trades
    ]
    headers = ("time (UTC)", "market", "yes", "no", "count", "taker", "book", "kind")
    print(table(rows, headers, right="234"))
    print(f"\n{len(trades)} trade(s)")
    if response.get("cursor"):
        print(f"next page: --cursor {response['cursor']}")

    print(
        "\nWhat to notice: a taker on 'yes'/'bid' bought YES by lifting an ask; 'no'/'ask' sold "
        "YES (bought NO).\nEvery trade prints once, at one price seen from both sides."
    )
    print("Next: uv run python 04_portfolio/01_get_balance.py")
    auth.result(args, f"{len(trades)} public trade(s)")
    return 0


if __name__ == "__main__":
    auth.run(main)
