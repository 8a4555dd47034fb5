"""List your order groups, then read each group's details (its orders and limit).

WRITES STATE (unless --existing): first creates one order group with one resting order in it
(a bid at the lowest tick, which will not fill), so there is something to list, and deletes
both before exiting, also on Ctrl+C or an error (--keep leaves them). KALSHI_ENV=prod writes
are refused unless you pass --allow-prod. With --existing it only reads.

Endpoints (SDK: `get_order_groups`, `get_order_group`; credentials: yes; 10 read tokens each):
- GET /trade-api/v2/portfolio/order_groups -> {"order_groups": [{id, contracts_limit_fp,
  is_auto_cancel_enabled}]}
- GET /trade-api/v2/portfolio/order_groups/{order_group_id} -> {orders: [order ids],
  contracts_limit_fp, is_auto_cancel_enabled}

Gotchas:
- The list has no pagination and no order ids: one GET per group for its orders, so with many
  groups (up to 100,000 per user) read details only for the ones you need (--limit).
- `order_groups` may be absent when you have none: treat missing as empty.
- Omitting `subaccount` on the list returns the groups of every subaccount.
- `orders` lists the ids of orders placed with this group id (the SDK's typed answers suffice
  here: the models are small and match the API).

Run: uv run python 07_order_groups/02_list_order_groups.py [--existing] [--limit 20] [--dry-run]
"""

from __future__ import annotations

import auth
from auth.cli import narrator
from auth.fmt import count_str, price_str, qty, table
from auth.markets import Market, pick_ticker
from auth.orders import Cleanup, new_client_order_id


def main() -> int:
    p = auth.parser(__doc__, ticker=True, limit=20, writes=True)
    p.add_argument("--existing", action="store_true", help="only list what exists (no writes)")
    args = p.parse_args()
    if not args.existing:
        auth.guard_writes(args)  # before any request: prod needs --allow-prod
    auth.banner("List order groups", args)
    say = narrator(args)
    client = auth.get_client()

    with Cleanup.for_args(args) as cleanup:
        if not args.existing and not make_example(args, client, cleanup, say):
            return 0  # --dry-run

        groups = client.get_order_groups().order_groups or []
        say(f"GET /portfolio/order_groups: {len(groups)} group(s)\n")
        rows, details = [], {}
        for group in groups[: args.limit]:
            detail = client.get_order_group(group.id)  # one GET per group for its orders
            details[group.id] = detail.to_dict()
            rows.append(
                (
                    group.id,
                    qty(group.contracts_limit_fp),
                    group.is_auto_cancel_enabled,
                    len(detail.orders),
                    ", ".join(detail.orders[:1]) + more(len(detail.orders) - 1),
                )
            )
        if args.json:
            auth.print_json({"order_groups": [g.to_dict() for g in groups], "details": details})
        if rows:
            headers = ("order_group_id", "limit", "auto", "orders", "order ids")
            say(table(rows, headers, right="13"))
        if len(groups) > args.limit:
            say(f"(details for the first {args.limit} only: --limit N for more)")

    say("\nWhat to notice:")
    say("  - The list gives each group's limit; its orders need one GET per group.")
    say("  - Only the per-group GET lists the ids of the group's orders.")
    say("  - Delete groups you no longer use: there is a per-user cap.")
    say("\nNext: uv run python 07_order_groups/03_order_with_group.py")
    auth.result(args, f"{len(groups)} order group(s)")
    return 0


def more(n: int) -> str:
    return f" (+{n} more)" if n > 0 else ""


def make_example(args, client, cleanup: Cleanup, say) -> bool:
    """One group with one resting order, so the list is not empty. False under --dry-run."""
    group_body = {"contracts_limit_fp": count_str(5)}
    market = Market.load(pick_ticker(args.ticker))
    order_body = {
        "ticker": market.ticker,
        "side": "bid",
        "price": price_str(market.resting_price("bid")),
        "count": count_str(1),
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        "client_order_id": new_client_order_id(),
        "order_group_id": "{order_group_id}",
    }
    if args.dry_run:
        auth.show_dry_run("POST", "/portfolio/order_groups/create", group_body)
        auth.show_dry_run("POST", "/portfolio/events/orders", order_body)
        return False
    group_id = cleanup.group(client.create_order_group(**group_body).order_group_id)
    order_body["order_group_id"] = group_id
    order_id = cleanup.order(client.create_order_v2(**order_body).order_id, market.ticker)
    say(f"example: group {group_id} with order {order_id} (bid 1 @ {order_body['price']})\n")
    return True


if __name__ == "__main__":
    auth.run(main)
