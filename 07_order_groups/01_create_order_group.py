"""Create an order group: a circuit breaker that cancels a set of orders once they have
matched too many contracts in a short time.

WRITES STATE: creates one order group (no orders) and deletes it before exiting, also on Ctrl+C
or an error (--keep leaves it). KALSHI_ENV=prod is refused unless you pass --allow-prod.

Endpoint: POST /trade-api/v2/portfolio/order_groups/create (SDK: `create_order_group`), then
GET /trade-api/v2/portfolio/order_groups/{order_group_id} to read it back. Credentials: yes.
Cost: 10 write tokens (create; the cleanup delete another 10), 10 read tokens (get).

How the limit works: `contracts_limit` is the most contracts the group's orders may match
within a ROLLING 15-SECOND WINDOW. Every fill of an order placed with this `order_group_id`
adds to the window; fills older than 15 s drop out of it. When the matched total reaches the
limit, the exchange cancels every resting order in the group and refuses new orders with this
group id until you reset the group (PUT .../reset). It is a speed limit for a quoting bot: a
burst of fills (a fast market, a stale quote) stops the bot's exposure from growing further.

Gotchas:
- Send `contracts_limit` (integer) or `contracts_limit_fp` (count string, e.g. "10.00"); if
  you send both they must agree. Responses carry only `contracts_limit_fp`.
- The create answers 201 with just {order_group_id, subaccount}; GET returns the group's
  `orders` (ids), `contracts_limit_fp` and `is_auto_cancel_enabled`.
- Up to 100,000 groups per user: delete the ones you no longer use.

Run: uv run python 07_order_groups/01_create_order_group.py [--contracts-limit 10] [--dry-run]
"""

from __future__ import annotations

import auth
from auth.cli import narrator, number
from auth.fmt import count_str, print_fields, qty
from auth.orders import Cleanup


def main() -> int:
    p = auth.parser(__doc__, writes=True)
    p.add_argument("--contracts-limit", type=number(int, low=1), default=10, help="default 10")
    args = p.parse_args()
    auth.guard_writes(args)  # before any request: prod needs --allow-prod
    auth.banner("Create an order group", args)
    say = narrator(args)

    body = {"contracts_limit_fp": count_str(args.contracts_limit)}
    if args.dry_run:
        auth.show_dry_run("POST", "/portfolio/order_groups/create", body)
        return 0

    client = auth.get_client()
    with Cleanup.for_args(args) as cleanup:
        created = client.create_order_group(**body)
        group_id = cleanup.group(created.order_group_id)
        group = client.get_order_group(group_id)
        if args.json:
            auth.print_json({"created": created.to_dict(), "group": group.to_dict()})
        say("created (201):")
        print_fields([("order_group_id", group_id), ("subaccount", created.subaccount)], say)
        say(f"\nGET /portfolio/order_groups/{group_id}:")
        print_fields(
            [
                ("contracts_limit_fp", qty(group.contracts_limit_fp)),
                ("is_auto_cancel_enabled", group.is_auto_cancel_enabled),
                ("orders", ", ".join(group.orders) or "(none yet)"),
            ],
            say,
        )
        say(f"\nplace orders with order_group_id={group_id} to put them under this limit:")
        say(f"once they match {args.contracts_limit} contracts within 15 s, all are cancelled.")

    say("\nWhat to notice:")
    say("  - A group starts empty: orders join it when you create them with order_group_id.")
    say("  - The limit counts matched contracts in a rolling 15-second window, not orders.")
    say("  - Hitting it cancels the group's orders and blocks new ones until a reset.")
    say("\nNext: uv run python 07_order_groups/02_list_order_groups.py")
    auth.result(args, f"group {group_id}, contracts_limit {args.contracts_limit}")
    return 0


if __name__ == "__main__":
    auth.run(main)
