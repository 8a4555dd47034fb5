"""List events page by page: cursor pagination, the pattern every Kalshi list endpoint uses.

Demonstrates: GET /trade-api/v2/events with `limit`, `cursor` and the `status` filter, via
`raw_get`. The loop below is the whole technique: send `limit` (and the previous page's
`cursor`), read `cursor` from the answer, stop when it comes back empty.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per page.

Gotchas (late 2026):
- raw_get, not the SDK: the SDK's strict models reject the nulls the live API returns.
- `limit` is at most 200 here (GET /markets allows 1000). An empty string cursor means "no more
  pages"; never send it back.
- The `status` filter takes unopened | open | closed | settled. Events carry no status field of
  their own: it is a filter over their markets.
- Multivariate (combo) events are excluded; they live under GET /events/multivariate.
- `with_nested_markets=true` embeds each event's markets (bigger pages, fewer calls).

Run: uv run python 02_market_discovery/03_list_events.py --status open --limit 5 --pages 3
"""

import auth
from auth.cli import number
from auth.fmt import table


def main() -> int:
    p = auth.parser(__doc__, limit=10)
    p.add_argument(
        "--pages", type=number(int, low=1), default=2, help="how many pages to fetch (default 2)"
    )
    p.add_argument("--status", choices=("unopened", "open", "closed", "settled"), default="open")
    p.add_argument("--series", help="only events of this series ticker")
    args = p.parse_args()
    auth.banner(f"Events ({args.status})", args)

    responses = []
    cursor = None
    for page_number in range(1, args.pages + 1):
        page = auth.raw_get(
            "/events",
            limit=args.limit,
            cursor=cursor,
            status=args.status,
            series_ticker=args.series,
        )
        responses.append(page)
        events = page.get("events") or []
        cursor = page.get("cursor")
        if not args.json:
            shown = f"{cursor[:20]}..." if cursor else "(empty: last page)"
            print(f"\npage {page_number}: {len(events)} events, next cursor {shown}")
            rows = [(e["event_ticker"], e.get("series_ticker"), e.get("title")) for e in events]
            print(table(rows, ("event", "series", "title")))
        if not cursor:
            break

    if args.json:
        auth.print_json(responses)
        auth.result(args, f"{sum(len(r.get('events') or []) for r in responses)} events (JSON)")
        return 0

    total = sum(len(r.get("events") or []) for r in responses)
    more = "more pages remain" if cursor else "that was the last page"
    print(f"\n{total} events on {len(responses)} page(s); {more}.")
    print(
        "\nWhat to notice: the cursor is opaque; pass it back unchanged with the same filters. "
        "A short page\ndoes not mean the end, an empty cursor does."
    )
    print("Next: uv run python 02_market_discovery/04_get_event.py")
    auth.result(args, f"{total} events on {len(responses)} page(s); {more}")
    return 0


if __name__ == "__main__":
    auth.run(main)
