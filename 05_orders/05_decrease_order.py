"""Shrink a resting order with `reduce_by` and `reduce_to`, keeping its place in the queue.

WRITES STATE: places two resting bids of your own at the lowest tick (where they will not
fill), decreases the first one twice, and cancels both before exiting, also on Ctrl+C or an
error (--keep leaves them). KALSHI_ENV=prod is refused unless you pass --allow-prod.

Endpoint: POST /trade-api/v2/portfolio/events/orders/{order_id}/decrease
(SDK: `decrease_order_v2`). Credentials: yes. Cost: 10 write tokens per decrease (creates 10,
cancels 2); each queue-position read costs 10 read tokens.

How the demo works: order A (10 contracts) rests first, order B (yours too) behind it at the
same price. Decreasing A leaves A where it is; B moves up by exactly what A gave up.

Gotchas:
- Give exactly one of `reduce_by` (contracts to remove) or `reduce_to` (contracts that should
  remain resting); both are count strings.
- A decrease only ever removes resting contracts; filled ones stay filled.
- Unlike cancel-and-replace, and unlike an amend that changes the price or raises the size, a
  decrease keeps the order's time priority.
- The response is flat: order_id, client_order_id, remaining_count, ts_ms.

Run: uv run python 05_orders/05_decrease_order.py [--ticker T] [--dry-run] [--keep]
"""

from __future__ import annotations

import auth
from auth.cli import narrator
from auth.fmt import count_str, price_str, qty, table
from auth.markets import Market, pick_ticker
from auth.orders import Cleanup, new_client_order_id


def queue_position(order_id: str) -> str:
    """Contracts ahead of the order at its price (0-indexed: "0.00" = first in line)."""
    return auth.raw_get(f"/portfolio/orders/{order_id}/queue_position")["queue_position_fp"]


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    args = p.parse_args()
    auth.guard_writes(args)  # before any request: prod needs --allow-prod
    auth.banner("Decrease an order (V2): reduce_by and reduce_to", args)
    say = narrator(args)  # stderr under --json

    market = Market.load(pick_ticker(args.ticker))
    price = price_str(market.resting_price("bid"))
    say(f"market   {market.ticker}  {market.title}")
    say(f"book     {market.describe_book()}\n")

    def bid(count: int) -> dict:
        return {
            "ticker": market.ticker,
            "side": "bid",
            "price": price,
            "count": count_str(count),
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
            "client_order_id": new_client_order_id(),
        }

    order_a, order_b = bid(10), bid(5)
    by_three, to_two = {"reduce_by": "3.00"}, {"reduce_to": "2.00"}
    if args.dry_run:
        auth.show_dry_run("POST", "/portfolio/events/orders", order_a)
        auth.show_dry_run("POST", "/portfolio/events/orders", order_b)
        auth.show_dry_run("POST", "/portfolio/events/orders/{order_a}/decrease", by_three)
        auth.show_dry_run("POST", "/portfolio/events/orders/{order_a}/decrease", to_two)
        return 0

    client = auth.get_client()
    rows = []
    with Cleanup.for_args(args) as cleanup:
        a = cleanup.order(client.create_order_v2(**order_a).order_id, market.ticker)
        b = cleanup.order(client.create_order_v2(**order_b).order_id, market.ticker)
        say(f"A = {a}: bid 10 @ {price} (first in line of the two)")
        say(f"B = {b}: bid 5 @ {price} (behind A)\n")
        rows.append(("A and B placed", "10", *positions(a, b)))

        resp = client.decrease_order_v2(a, **by_three)  # remove 3 contracts: 10 -> 7
        rows.append(("reduce_by 3", qty(resp.remaining_count), *positions(a, b)))

        resp = client.decrease_order_v2(a, **to_two)  # leave 2 contracts resting
        rows.append(("reduce_to 2", qty(resp.remaining_count), *positions(a, b)))

        keys = ("step", "a_resting", "a_queue_position", "b_queue_position")
        if args.json:
            auth.print_json([dict(zip(keys, row, strict=True)) for row in rows])
        say(table(rows, ("step", "A resting", "A queue pos", "B queue pos"), right="123"))
        say("\n(queue position = contracts ahead of the order at its price; 0 = first)")

    say("\nWhat to notice:")
    say("  - A's queue position never changes: a decrease keeps time priority.")
    say("  - B moves up by exactly the contracts A gave up (10 -> 7 -> 2 ahead of it).")
    say("  - reduce_by is a delta, reduce_to a target; send exactly one of them.")
    say("\nNext: uv run python 05_orders/06_cancel_order.py")
    auth.result(
        args, f"A decreased from 10 to {rows[-1][1]} resting (reduce_by 3, then reduce_to 2)"
    )
    return 0


def positions(a: str, b: str) -> tuple[str, str]:
    return qty(queue_position(a)), qty(queue_position(b))


if __name__ == "__main__":
    auth.run(main)
