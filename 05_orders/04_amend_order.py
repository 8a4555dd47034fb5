"""Amend a resting order's price and size, and watch what each does to its queue position.

WRITES STATE: places two resting bids of your own at the bottom of the book (where they will
not fill), amends one of them twice, and cancels both before exiting, also on Ctrl+C or an
error (--keep leaves them). KALSHI_ENV=prod is refused unless you pass --allow-prod.

Endpoint: POST /trade-api/v2/portfolio/events/orders/{order_id}/amend (SDK: `amend_order_v2`).
Credentials: yes. Cost: 10 write tokens per amend (creates 10, cancels 2); each queue-position
read costs 10 read tokens.

How the demo works: order A rests at the lowest tick, order B (yours too) one tick higher.
Moving A up to B's price puts A *behind* B although A is older: a price change goes to the
back of the queue. Then shrinking A keeps it exactly where it was.

Gotchas:
- The body repeats `ticker`, `side`, `price` and `count` (all required), even the ones you
  keep. `side` must match the order (else `order_side_mismatch`).
- `count` is the NEW TOTAL: already filled + what should rest from now on, not a delta.
- Queue rules: decreasing size or changing only the expiry keeps your place; changing the
  price or increasing size sends the order to the back of the queue at its price.
- `client_order_id` / `updated_client_order_id` are optional today; give
  `updated_client_order_id` to rename the order's client id as you amend it.
- The response is flat: order_id, remaining_count, fill_count (+ averages if it filled), ts_ms.
  An amend to a crossing price can fill, like a new order.

Run: uv run python 05_orders/04_amend_order.py [--ticker T] [--dry-run] [--keep]
"""

from __future__ import annotations

import auth
from auth.cli import narrator
from auth.fmt import count_str, price_str, qty, table, usd
from auth.markets import Market, pick_ticker
from auth.orders import Cleanup, new_client_order_id


def queue_position(order_id: str) -> str:
    """Contracts ahead of the order at its price (0-indexed: "0.00" = first in line)."""
    return auth.raw_get(f"/portfolio/orders/{order_id}/queue_position")["queue_position_fp"]


def positions(a: str, b: str) -> tuple[str, str]:
    return qty(queue_position(a)), qty(queue_position(b))


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    args = p.parse_args()
    auth.guard_writes(args)  # before any request: prod needs --allow-prod
    auth.banner("Amend an order (V2): price change vs size decrease", args)
    say = narrator(args)  # stderr under --json

    market = Market.load(pick_ticker(args.ticker))
    low, high = market.resting_price("bid"), market.resting_price("bid", ticks_in=1)
    say(f"market   {market.ticker}  {market.title}")
    say(f"book     {market.describe_book()}\n")

    def bid(price, count) -> dict:
        return {
            "ticker": market.ticker,
            "side": "bid",
            "price": price_str(price),
            "count": count_str(count),
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
            "client_order_id": new_client_order_id(),
        }

    order_a, order_b = bid(low, 5), bid(high, 5)
    move_up = {"ticker": market.ticker, "side": "bid", "price": price_str(high), "count": "5.00"}
    shrink = {**move_up, "count": "3.00"}  # count = new total (nothing filled: 3 rest)
    if args.dry_run:
        auth.show_dry_run("POST", "/portfolio/events/orders", order_a)
        auth.show_dry_run("POST", "/portfolio/events/orders", order_b)
        auth.show_dry_run("POST", "/portfolio/events/orders/{order_a}/amend", move_up)
        auth.show_dry_run("POST", "/portfolio/events/orders/{order_a}/amend", shrink)
        return 0

    client = auth.get_client()
    rows = []
    with Cleanup.for_args(args) as cleanup:
        a = cleanup.order(client.create_order_v2(**order_a).order_id, market.ticker)
        b = cleanup.order(client.create_order_v2(**order_b).order_id, market.ticker)
        say(f"A = {a}: bid 5 @ {order_a['price']} (placed first)")
        say(f"B = {b}: bid 5 @ {order_b['price']} (placed second, one tick higher)\n")
        rows.append(("A and B placed", usd(low, 4), "5", *positions(a, b)))

        resp = client.amend_order_v2(a, **move_up)  # price change: to the back of the queue
        if resp.order_id != a:  # the exchange may give the amended order a new id
            cleanup.forget(a)
            a = cleanup.order(resp.order_id, market.ticker)
        step = f"A price -> {move_up['price']}"
        rows.append((step, usd(high, 4), qty(resp.remaining_count), *positions(a, b)))

        resp = client.amend_order_v2(a, **shrink)  # size decrease: keeps its place
        rows.append(("A count 5 -> 3", usd(high, 4), qty(resp.remaining_count), *positions(a, b)))

        if args.json:
            keys = ("step", "a_price", "a_resting", "a_queue_position", "b_queue_position")
            auth.print_json([dict(zip(keys, row, strict=True)) for row in rows])
        headers = ("step", "A price", "A resting", "A queue pos", "B queue pos")
        say(table(rows, headers, right="1234"))
        say("\n(queue position = contracts ahead of the order at its price; 0 = first)")

    say("\nWhat to notice:")
    say("  - After the price change A sits behind B's 5 contracts, although A is older.")
    say("  - After the decrease A's position is unchanged: shrinking keeps your place.")
    say("  - count in an amend is the new total, not a change; every amend resends all four.")
    say("\nNext: uv run python 05_orders/05_decrease_order.py")
    auth.result(
        args,
        f"after the amends A rests {rows[-1][2]} at {rows[-1][1]}; queue positions in the table",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
