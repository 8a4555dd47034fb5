"""List your orders, filtered by status and market, following the cursor page by page.

Read-only. Endpoint: GET /trade-api/v2/portfolio/orders. Credentials: yes.
Cost: 10 read tokens per page.

Read with `raw_get`, not the SDK's `get_orders`: one order the SDK's strict `Order` model does
not like (a missing or null required field, an unknown enum value) fails the whole page.

Gotchas:
- `status` is one of resting | canceled | executed; omit it for all three.
- Pagination: pass `limit` (max 1000) and the `cursor` from the previous page; an empty cursor
  means there are no more pages. The cursor is opaque: never build one yourself.
- Canceled and executed orders older than the historical cutoff (GET /historical/cutoff,
  `orders_updated_ts`) are only in GET /historical/orders; resting orders are always here.
- Omitting `subaccount` lists every subaccount's orders.

Run: uv run python 05_orders/03_list_orders.py [--status resting] [--ticker T] [--pages 3]
"""

from __future__ import annotations

from collections import Counter

import auth
from auth.cli import narrator, number
from auth.fmt import qty, table, usd


def short_id(order_id: str) -> str:
    """The end of an order id: enough to tell orders apart in a table."""
    return "…" + order_id[-8:]


def main() -> int:
    p = auth.parser(__doc__, limit=20)
    p.add_argument("--status", choices=("resting", "canceled", "executed"), help="default: all")
    p.add_argument("--ticker", help="only orders in this market")
    p.add_argument(
        "--pages", type=number(int, low=1), default=3, help="stop after this many pages (default 3)"
    )
    args = p.parse_args()
    auth.banner("List orders", args)
    say = narrator(args)  # stderr under --json

    orders: list[dict] = []
    cursor = None
    for page in range(1, args.pages + 1):
        resp = auth.raw_get(
            "/portfolio/orders",
            status=args.status,
            ticker=args.ticker,
            limit=args.limit,
            cursor=cursor,
        )
        orders += resp["orders"]
        cursor = resp.get("cursor") or None  # "" = last page
        more = f"next cursor {cursor[:12]}…" if cursor else "no cursor: last page"
        say(f"page {page}: {len(resp['orders'])} order(s), {more}")
        if not cursor:
            break

    if args.json:
        auth.print_json({"orders": orders, "cursor": cursor or ""})
        return 0

    print()
    rows = [
        (
            short_id(o["order_id"]),
            o["ticker"],
            o["status"],
            o["book_side"],
            o["outcome_side"],
            usd(o["yes_price_dollars"], 4),
            qty(o["initial_count_fp"]),
            qty(o["fill_count_fp"]),
            qty(o["remaining_count_fp"]),
        )
        for o in orders
    ]
    headers = ("order", "ticker", "status", "book", "outcome", "YES $", "initial", "filled")
    print(table(rows, (*headers, "left"), right="5678"))
    print("(order ids shortened to their last 8 characters; --json has them in full)")
    counts = Counter(o["status"] for o in orders)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no orders"
    print(f"\n{len(orders)} order(s): {summary}" + (" (more pages left)" if cursor else ""))

    print("\nWhat to notice:")
    print("  - Filters combine: status and ticker narrow the same list.")
    print("  - Each page costs a request; a big --limit means fewer pages (max 1000).")
    print("  - Old canceled/executed orders move to /historical/orders; resting ones never do.")
    print("\nNext: uv run python 05_orders/04_amend_order.py")
    auth.result(args, f"{len(orders)} order(s): {summary}")
    return 0


if __name__ == "__main__":
    auth.run(main)
