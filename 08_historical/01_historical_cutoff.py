"""Where old data lives: the historical cutoffs that split the live API from the archive.

Demonstrates: `get_client().get_historical_cutoff()` from the official SDK, which is
GET /trade-api/v2/historical/cutoff.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens.

Gotchas (late 2026):
- Kalshi keeps about three months in the live endpoints and moves older records to
  /historical/*. Each kind of record has its own cutoff, and they move forward over time:
  - `market_settled_ts`: markets (and their candlesticks) that settled before it are only under
    /historical/markets and /historical/markets/{ticker}/candlesticks;
  - `trades_created_ts`: your fills before it are only under /historical/fills (and public
    trades under /historical/trades);
  - `orders_updated_ts`: orders canceled or fully executed before it are only under
    /historical/orders; resting orders always stay in /portfolio/orders;
  - `market_positions_last_updated_ts` (optional, July 2026): the backfill horizon of settled
    positions; an event moves to /historical/positions only after its handoff completes.
- The values are RFC 3339 datetime strings, not Unix integers.
- A history that spans the cutoff needs both endpoints: see 04_historical_fills.py.

Run: uv run python 08_historical/01_historical_cutoff.py
"""

import json
from datetime import UTC, datetime

import auth
from auth.fmt import table, when

WHERE = {
    "market_settled_ts": (
        "markets settled, and their candles",
        "/historical/markets[/{ticker}[/candlesticks]]",
        "/markets, /series/{s}/markets/{t}/candlesticks",
    ),
    "trades_created_ts": (
        "fills (and public trades)",
        "/historical/fills, /historical/trades",
        "/portfolio/fills, /markets/trades",
    ),
    "orders_updated_ts": (
        "orders canceled or executed",
        "/historical/orders",
        "/portfolio/orders (resting: always here)",
    ),
    "market_positions_last_updated_ts": (
        "settled positions (after handoff)",
        "/historical/positions",
        "/portfolio/positions?settlement_status=settled",
    ),
}


def age(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    days = (datetime.now(UTC) - moment).total_seconds() / 86400
    return f"{days:.1f} days ago"


def main() -> int:
    args = auth.parser(__doc__).parse_args()
    auth.banner("Historical cutoff", args)

    reply = auth.get_client().get_historical_cutoff_with_http_info()
    if args.json:
        body = json.loads(reply.raw_data)
        auth.print_json(body)
        auth.result(args, f"market_settled_ts cutoff {body['market_settled_ts']} (JSON)")
        return 0

    cutoff = reply.data
    rows = [(name, when(getattr(cutoff, name)), age(getattr(cutoff, name))) for name in WHERE]
    print(table(rows, ("cutoff", "timestamp (UTC)", "age")))

    print("\nWhat lives on which side:")
    for name, (what, before, after) in WHERE.items():  # too wide for one table: one block each
        print(f"{name}: {what}")
        print(f"    before the cutoff:  {before}")
        print(f"    at or after it:     {after}")

    print(
        "\nWhat to notice: one cutoff per kind of record; anything older is gone from the live "
        "endpoints\n(a 404 or a missing row), not deleted: ask the /historical twin."
    )
    print("Next: uv run python 08_historical/02_historical_markets.py")
    auth.result(args, f"market_settled_ts cutoff {when(cutoff.market_settled_ts)}")
    return 0


if __name__ == "__main__":
    auth.run(main)
