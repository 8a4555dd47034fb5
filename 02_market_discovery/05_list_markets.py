"""List markets with filters, and read their prices and sizes the way today's API sends them.

Demonstrates: GET /trade-api/v2/markets with `status`, `series_ticker`, `event_ticker`,
`mve_filter`, `limit` and `cursor`, via `raw_get`.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call.

Gotchas (late 2026):
- raw_get, not the SDK: the SDK's strict models reject the nulls the live API returns.
- Prices are `*_dollars` strings ("0.5600", sub-penny on some markets), sizes and volumes are
  `*_fp` strings ("10.00", fractional allowed). The integer-cent fields (`yes_bid`, `volume`, ...)
  were removed in March 2026. Read them as Decimal, never float.
- Two vocabularies: the `status` *filter* takes unopened | open | paused | closed | settled, but
  the `status` *field* of a market says initialized | inactive | active | closed | determined |
  disputed | amended | finalized. Filter `open`, get markets whose status reads `active`.
- `mve_filter=exclude` hides the multivariate combo markets, which otherwise flood the list.
- Timestamp filters (min/max_created_ts, _close_ts, _settled_ts, _updated_ts) only combine with
  certain statuses; markets settled before the historical cutoff are not here (see 08_historical).

Run: uv run python 02_market_discovery/05_list_markets.py --status open --limit 10
"""

import auth
from auth.fmt import qty, table, usd, when

STATUS_FILTERS = ("unopened", "open", "paused", "closed", "settled")


def main() -> int:
    p = auth.parser(__doc__, limit=20)
    p.add_argument("--status", choices=STATUS_FILTERS, default="open", help="status filter")
    p.add_argument("--series", help="only markets of this series ticker")
    p.add_argument("--event", help="only markets of this event ticker")
    p.add_argument("--cursor", help="continue from a previous page's cursor")
    p.add_argument("--with-combos", action="store_true", help="include multivariate markets")
    args = p.parse_args()
    auth.banner(f"Markets (status filter {args.status!r})", args)

    response = auth.raw_get(
        "/markets",
        limit=args.limit,
        cursor=args.cursor,
        status=args.status,
        series_ticker=args.series,
        event_ticker=args.event,
        mve_filter=None if args.with_combos else "exclude",
    )
    if args.json:
        auth.print_json(response)
        auth.result(args, f"{len(response['markets'])} market(s) (JSON)")
        return 0

    markets = response.get("markets") or []
    rows = [
        (
            m["ticker"],
            m.get("status"),
            usd(m.get("yes_bid_dollars")),
            usd(m.get("yes_ask_dollars")),
            usd(m.get("last_price_dollars")),
            qty(m.get("volume_fp")),
            qty(m.get("open_interest_fp")),
            when(m.get("close_time")),
        )
        for m in markets
    ]
    headers = ("market", "status", "yes bid", "yes ask", "last", "volume", "open int", "closes")
    print(table(rows, headers, right="234567"))

    statuses = sorted({m.get("status") for m in markets if m.get("status")})
    print(f"\n{len(markets)} market(s); filter status={args.status!r}, field status={statuses}")
    if response.get("cursor"):
        print(f"next page: --cursor {response['cursor']}")
    print(
        "\nWhat to notice: the filter said 'open', the markets say 'active'; prices come from "
        "the *_dollars\nstrings and sizes from the *_fp strings."
    )
    print("Next: uv run python 02_market_discovery/06_get_market.py")
    auth.result(args, f"{len(markets)} market(s), status field {statuses}")
    return 0


if __name__ == "__main__":
    auth.run(main)
