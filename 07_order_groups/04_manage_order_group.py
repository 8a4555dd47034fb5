"""An order group's whole life: create, get, reset, trigger, update the limit, delete, and
what each step does to the group's orders.

WRITES STATE: creates one order group and places resting bids in it at the lowest tick (where
they will not fill); the last step deletes the group, which cancels its orders. On Ctrl+C or
an error the script still cancels and deletes what it made (--keep leaves it).
KALSHI_ENV=prod is refused unless you pass --allow-prod.

Endpoints (SDK methods in brackets; credentials: yes; 10 tokens each unless noted):
- POST   /portfolio/order_groups/create              [create_order_group]  201 {order_group_id}
- GET    /portfolio/order_groups/{id}                [get_order_group]     orders, limit
- PUT    /portfolio/order_groups/{id}/reset          [reset_order_group]   200 {}
- PUT    /portfolio/order_groups/{id}/trigger        [trigger_order_group] 200 {}
- PUT    /portfolio/order_groups/{id}/limit          [update_order_group_limit] 200 {}
- DELETE /portfolio/order_groups/{id}                [delete_order_group]  200 {}
- GET    /portfolio/orders/{id} (raw_get, 2 tokens) to show each order's status

What each does:
- reset: sets the matched-contracts counter of the rolling 15-second window back to zero and
  lifts a trigger, so the group accepts orders again. Resting orders are not touched.
- trigger: does by hand what reaching the limit does: cancels every resting order in the
  group and refuses new ones until a reset (a kill switch for a quoting bot).
- limit: changes contracts_limit (or contracts_limit_fp); if the window already holds more
  matched contracts than the new limit, the group triggers at once.
- delete: cancels the group's resting orders and removes the group for good.

Gotchas: reset/trigger/limit/delete answer 200 with an empty object; read the group (and the
orders) back to see the effect. Reset and trigger are PUTs with an empty body.

Run: uv run python 07_order_groups/04_manage_order_group.py [--ticker T] [--dry-run] [--keep]
"""

from __future__ import annotations

import auth
from auth.cli import narrator
from auth.fmt import count_str, price_str, qty, table
from auth.markets import Market, pick_ticker
from auth.orders import Cleanup, new_client_order_id


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    args = p.parse_args()
    auth.guard_writes(args)  # before any request: prod needs --allow-prod
    auth.banner("Manage an order group: reset, trigger, limit, delete", args)
    say = narrator(args)

    market = Market.load(pick_ticker(args.ticker))
    price = price_str(market.resting_price("bid"))
    say(f"market   {market.ticker}  (orders: bid 1 @ {price}, they will not fill)\n")

    def bid(group_id: str) -> dict:
        return {
            "ticker": market.ticker,
            "side": "bid",
            "price": price,
            "count": count_str(1),
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
            "client_order_id": new_client_order_id(),
            "order_group_id": group_id,
        }

    if args.dry_run:
        base = "/portfolio/order_groups/{order_group_id}"
        auth.show_dry_run("POST", "/portfolio/order_groups/create", {"contracts_limit_fp": "5.00"})
        auth.show_dry_run("POST", "/portfolio/events/orders", bid("{order_group_id}"))
        auth.show_dry_run("PUT", base + "/reset", {})
        auth.show_dry_run("PUT", base + "/trigger", {})
        auth.show_dry_run("PUT", base + "/limit", {"contracts_limit_fp": "3.00"})
        auth.show_dry_run("DELETE", base)
        return 0

    client = auth.get_client()
    rows: list[tuple] = []
    orders: dict[str, str] = {}  # label -> order id

    def record(step: str, effect: str) -> None:
        """One row: the group's limit and the status of every order placed so far."""
        group = client.get_order_group(group_id)
        statuses = ", ".join(
            f"{label} {auth.raw_get(f'/portfolio/orders/{oid}')['order']['status']}"
            for label, oid in orders.items()
        )
        rows.append((step, qty(group.contracts_limit_fp), len(group.orders), statuses, effect))

    def place(label: str) -> str:
        try:
            order_id = client.create_order_v2(**bid(group_id)).order_id
        except auth.KalshiError as err:  # the SDK raises the same errors as raw calls
            return f"refused: {err.code or err.status}"
        orders[label] = cleanup.order(order_id, market.ticker)
        return "placed"

    with Cleanup.for_args(args) as cleanup:
        group_id = client.create_order_group(contracts_limit_fp="5.00").order_group_id
        cleanup.group(group_id)
        say(f"group {group_id}\n")
        record("create (limit 5)", "empty group")
        record("place R1", place("R1"))
        client.reset_order_group(group_id)
        record("reset", "counter -> 0; orders untouched")
        client.trigger_order_group(group_id)
        record("trigger", "cancels resting orders")
        record("place R2", place("R2"))
        client.reset_order_group(group_id)
        record("reset", "accepts orders again")
        record("place R2", place("R2"))
        client.update_order_group_limit(group_id, contracts_limit_fp="3.00")
        record("limit 5 -> 3", "nothing matched yet: no trigger")
        client.delete_order_group(group_id)
        cleanup.forget(group_id)
        statuses = ", ".join(
            f"{label} {auth.raw_get(f'/portfolio/orders/{oid}')['order']['status']}"
            for label, oid in orders.items()
        )
        rows.append(("delete", "-", "-", statuses, "cancels orders; group gone"))
        for order_id in orders.values():
            cleanup.forget(order_id)

        headers = ("step", "limit", "orders", "order status", "effect")
        if args.json:
            auth.print_json([dict(zip(headers, row, strict=True)) for row in rows])
        say(table(rows, headers, right="12"))
        gone = [g.id for g in client.get_order_groups().order_groups or [] if g.id == group_id]
        say(f"\ngroup still listed after delete: {'yes' if gone else 'no'}")

    say("\nWhat to notice:")
    say("  - trigger cancelled R1 and the group refused R2 until the reset.")
    say("  - reset and limit changes leave resting orders alone.")
    say("  - delete cancelled R2 and removed the group from the list.")
    say("\nNext: uv run python 08_historical/01_historical_cutoff.py")
    auth.result(args, f"{len(rows)} steps; group listed after delete: {'yes' if gone else 'no'}")
    return 0


if __name__ == "__main__":
    auth.run(main)
