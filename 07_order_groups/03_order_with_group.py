"""Place an order inside an order group, and (with --fill) watch the group's limit cancel it.

WRITES STATE: creates an order group and one resting bid in it at the lowest tick (where it
will not fill); deletes the group and cancels the order before exiting, also on Ctrl+C or an
error (--keep leaves them). KALSHI_ENV=prod is refused unless you pass --allow-prod.
With --fill it also BUYS contracts: an immediate-or-cancel bid at the best ask, inside the
group, for exactly the group's limit. That fill is the point (it trips the limit) and it is
not undone: you keep the position, at the price shown.

Endpoints (credentials: yes):
- POST /portfolio/order_groups/create (SDK `create_order_group`): 10 write tokens
- POST /portfolio/events/orders with `order_group_id` (SDK `create_order_v2`): 10 write tokens
- GET /portfolio/order_groups/{id} (SDK `get_order_group`): 10 read tokens
- GET /portfolio/orders/{id} (raw_get: shows the order's `order_group_id` and status): 2

Gotchas:
- An order joins a group only when it is created with `order_group_id`; you cannot add an
  existing order to a group (amend has no such field).
- The limit counts contracts MATCHED by the group's orders in a rolling 15-second window.
  When it is reached the exchange cancels every resting order in the group, and refuses new
  orders with that group id until PUT /portfolio/order_groups/{id}/reset.
- Deleting a group cancels its resting orders too.

Run: uv run python 07_order_groups/03_order_with_group.py [--fill] [--contracts-limit 2]
"""

from __future__ import annotations

import auth
from auth.cli import narrator, number
from auth.fmt import count_str, price_str, print_fields, qty, usd
from auth.markets import Market, pick_ticker
from auth.orders import Cleanup, new_client_order_id


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    p.add_argument(
        "--contracts-limit", type=number(int, low=1), default=2, help="group limit (default 2)"
    )
    p.add_argument("--fill", action="store_true", help="buy LIMIT contracts to trip the group")
    args = p.parse_args()
    auth.guard_writes(args)  # before any request: prod needs --allow-prod
    auth.banner("An order inside an order group", args)
    say = narrator(args)

    market = Market.load(pick_ticker(args.ticker))
    say(f"market   {market.ticker}  {market.title}")
    say(f"book     {market.describe_book()}\n")
    group_body = {"contracts_limit_fp": count_str(args.contracts_limit)}

    def order(side: str, price, count, tif: str, group_id: str) -> dict:
        return {
            "ticker": market.ticker,
            "side": side,
            "price": price_str(price),
            "count": count_str(count),
            "time_in_force": tif,
            "self_trade_prevention_type": "taker_at_cross",
            "client_order_id": new_client_order_id(),
            "order_group_id": group_id,  # the order joins the group at creation
        }

    if args.dry_run:
        auth.show_dry_run("POST", "/portfolio/order_groups/create", group_body)
        resting = order("bid", market.resting_price("bid"), 1, "good_till_canceled", "{group_id}")
        auth.show_dry_run("POST", "/portfolio/events/orders", resting)
        return 0

    client = auth.get_client()
    report: dict = {}
    with Cleanup.for_args(args) as cleanup:
        group_id = cleanup.group(client.create_order_group(**group_body).order_group_id)
        say(f"group {group_id}: contracts_limit {args.contracts_limit} per rolling 15 s")

        resting = order("bid", market.resting_price("bid"), 1, "good_till_canceled", group_id)
        rest_id = cleanup.order(client.create_order_v2(**resting).order_id, market.ticker)
        say(f"order {rest_id}: bid 1 @ {resting['price']} in the group\n")
        report["resting_order"] = show_state(client, group_id, rest_id, say)

        if args.fill:
            report["fill"] = trip_the_limit(args, client, market, order, group_id, rest_id, say)
            # a new order in a tripped group is refused until a reset
            retry = order("bid", market.resting_price("bid"), 1, "good_till_canceled", group_id)
            try:
                cleanup.order(client.create_order_v2(**retry).order_id, market.ticker)
                say("\na new order in the group was accepted: the limit was not reached")
            except auth.KalshiError as err:  # the SDK raises the same errors as raw calls
                say(f"\na new order in the tripped group is refused: {err}".split("\n  hint")[0])
        if args.json:
            auth.print_json(report)

    say("\nWhat to notice:")
    say("  - The order carries order_group_id, and the group lists the order's id.")
    if args.fill:
        say("  - Matching the group's limit cancelled the group's other resting order.")
        say("  - Until a reset, the group refuses new orders (see 04_manage_order_group.py).")
    else:
        say("  - Run with --fill to see the limit trip (it buys contracts at the best ask).")
    say("\nNext: uv run python 07_order_groups/04_manage_order_group.py")
    auth.result(
        args,
        f"order {rest_id} placed in group {group_id}"
        + (" and the limit tripped" if args.fill else ""),
    )
    return 0


def show_state(client, group_id: str, order_id: str, say) -> dict:
    group = client.get_order_group(group_id)
    order = auth.raw_get(f"/portfolio/orders/{order_id}")["order"]
    say(f"GET group: orders={group.orders} is_auto_cancel_enabled={group.is_auto_cancel_enabled}")
    say(
        f"GET order: status={order['status']} order_group_id={order.get('order_group_id')} "
        f"remaining={qty(order['remaining_count_fp'])}"
    )
    return order


def trip_the_limit(args, client, market: Market, order, group_id: str, rest_id: str, say) -> dict:
    """Buy exactly the group's limit at the best ask (IOC), inside the group."""
    fresh = Market.load(market.ticker)  # the book may have moved
    if fresh.best_ask is None:
        raise auth.KalshiError(
            409, "no_asks", f"nobody sells YES on {market.ticker}: nothing to buy"
        )
    buy = order("bid", fresh.best_ask, args.contracts_limit, "immediate_or_cancel", group_id)
    say(f"\n--fill: IOC bid {buy['count']} @ {buy['price']} (the best ask) in the group")
    resp = client.create_order_v2(**buy)
    say("fill (this costs money and is not undone):")
    print_fields(
        [
            ("order_id", resp.order_id),
            ("fill_count", qty(resp.fill_count)),
            ("remaining_count", qty(resp.remaining_count)),
            ("average_fill_price", usd(resp.average_fill_price, 4)),
            ("average_fee_paid", usd(resp.average_fee_paid, 4)),
        ],
        say,
    )
    say("")
    show_state(client, group_id, rest_id, say)
    return resp.to_dict()


if __name__ == "__main__":
    auth.run(main)
