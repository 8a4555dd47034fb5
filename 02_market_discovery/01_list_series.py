"""List series, the top of Kalshi's hierarchy: series -> events -> markets.

Demonstrates: GET /trade-api/v2/series (filters `category`, `tags`), then one series' events with
their markets via GET /events?series_ticker=...&with_nested_markets=true, to show the hierarchy:
- a *series* is a recurring template ("Fed rate decision"), with fee rules and settlement sources;
- an *event* is one occurrence of it ("the December meeting");
- a *market* is one yes/no question inside the event ("rate above 4.00%?"): what you trade.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call (3 calls).

Gotchas (late 2026):
- raw_get, not the SDK: the SDK's strict models reject the nulls the live API returns (a series
  with a null `category` or `settlement_sources` fails the whole list).
- GET /series is not paginated: it returns every matching series (thousands on prod), so filter
  by `--category` (matches any entry of `categories`) or `--tags` (comma-separated).
- The SDK method is `get_series_list`; `get_series` fetches one series (and was the list call in
  the old kalshi-python 2.x).

Run: uv run python 02_market_discovery/01_list_series.py --category Economics
"""

import auth
from auth.fmt import table, usd


def main() -> int:
    p = auth.parser(__doc__, limit=15)
    p.add_argument("--category", help="exact category, e.g. Economics")
    p.add_argument("--tags", help="comma-separated tags")
    p.add_argument("--series", help="series to expand into events and markets")
    args = p.parse_args()
    auth.banner("Series", args)

    response = auth.raw_get("/series", category=args.category, tags=args.tags)
    if args.json:
        auth.print_json(response)
        auth.result(args, f"{len(response.get('series') or [])} series (JSON)")
        return 0

    series = response.get("series") or []
    print(f"{len(series)} series match; showing {min(len(series), args.limit)}:\n")
    rows = [
        (s["ticker"], s.get("frequency"), ", ".join(s.get("categories") or []), s.get("title"))
        for s in series[: args.limit]
    ]
    print(table(rows, ("series", "frequency", "categories", "title")))

    # Walk down from one series: by default the first listed one that has open events.
    chosen = args.series
    if not chosen and series:
        listed = [s["ticker"] for s in series]
        open_events = auth.raw_get("/events", status="open", limit=200)["events"]
        with_open = {e["series_ticker"] for e in open_events}
        chosen = next((t for t in listed if t in with_open), listed[0])
    if chosen:
        events = auth.raw_get(
            "/events", series_ticker=chosen, with_nested_markets=True, status="open", limit=3
        )["events"]
        print(f"\nThe hierarchy under {chosen} (up to 3 open events):")
        print(f"series {chosen}")
        for event in events:
            print(f"  event  {event['event_ticker']}  {event.get('title', '')}")
            for market in event.get("markets") or []:
                bid, ask = usd(market.get("yes_bid_dollars")), usd(market.get("yes_ask_dollars"))
                print(f"    market {market['ticker']}  YES {bid} / {ask}")
        if not events:
            print("  (no open events)")

    print(
        "\nWhat to notice: you trade markets; series and events group them. Fees and settlement "
        "sources\nare defined per series, so the series is where to read the rules."
    )
    print("Next: uv run python 02_market_discovery/02_get_series.py")
    auth.result(args, f"{len(series)} series; hierarchy shown under {chosen or '-'}")
    return 0


if __name__ == "__main__":
    auth.run(main)
