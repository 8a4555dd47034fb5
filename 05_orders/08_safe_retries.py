"""Retry without fear: a 429 is retried (nothing was processed), and a create whose answer was
lost is sent again with the SAME client_order_id, so it can never become two orders.

WRITES STATE: places one resting bid at the lowest tick (where it will not fill) and cancels it
before exiting, also on Ctrl+C or an error (--keep leaves it). KALSHI_ENV=prod is refused unless
you pass --allow-prod.

Endpoint: POST /trade-api/v2/portfolio/events/orders, twice with one body; then
GET /portfolio/orders?ticker=... to find the order by its client_order_id. Credentials: yes.
Cost: 10 write tokens per create (the second is refused with 409 and costs the same), 2 for the
cleanup cancel, 10 read tokens per GET.

Gotchas:
- 429 `too many requests` means the request was rejected before it was processed, writes
  included: retry it with backoff (auth retries up to 6 times within 30 s, full jitter; Kalshi
  sends no Retry-After). Start the local exchange with `--fault-http-429-rate 0.5` to watch it.
- A timeout or a dropped connection after the request left is different: the order may exist.
  Send the same body again, same client_order_id: a duplicate answers 409
  `order_already_exists`, and the order is then looked up by its client_order_id (the list
  endpoint has no client_order_id filter: page the market's orders and match).
- A fresh client_order_id per *order*, never per *attempt*: a new id on the retry is exactly how
  an order gets doubled.

Run: uv run python 05_orders/08_safe_retries.py [--dry-run] [--keep]
"""

from __future__ import annotations

import auth
from auth.cli import narrator
from auth.client import default, stats
from auth.fmt import count_str, price_str, qty, table
from auth.markets import Market, pick_ticker
from auth.orders import Cleanup, create_order, find_by_client_order_id, new_client_order_id


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    args = p.parse_args()
    auth.guard_writes(args)  # before any request: prod needs --allow-prod
    auth.banner("Safe retries: 429, a lost answer, the same client_order_id", args)
    say = narrator(args)

    market = Market.load(pick_ticker(args.ticker))
    body = {
        "ticker": market.ticker,
        "side": "bid",
        "price": price_str(market.resting_price("bid")),
        "count": count_str(1),
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        "client_order_id": new_client_order_id(),  # one id for this order, every attempt
    }
    policy = default().retry
    say(f"market   {market.ticker}  {market.title}")
    say(f"retries  429 on every method: {policy.attempts} attempts within {policy.total_time:g} s")
    if args.dry_run:
        auth.show_dry_run("POST", "/portfolio/events/orders", body)
        return 0

    with Cleanup.for_args(args) as cleanup:
        retried_before = stats.retries
        first = auth.raw_post("/portfolio/events/orders", body)  # 429s are retried inside
        cleanup.order(first["order_id"], market.ticker)
        say(f"\n1. create  -> order {first['order_id']}  (pretend this answer never arrived)")

        try:  # 2. what a naive retry meets: the exchange refuses the duplicate
            auth.raw_post("/portfolio/events/orders", body)
            duplicate = "accepted (!)"
        except auth.Conflict as err:
            duplicate = f"HTTP {err.status} {err.code}"
        say(f"2. resend  -> {duplicate}: the first send landed")

        again = create_order(body, resend=True)  # 3. the safe way: resend, then look it up
        say(f"3. create_order(resend=True) -> order {again['order_id']} (found, not placed)")

        found = find_by_client_order_id(market.ticker, body["client_order_id"])
        same = [o for o in [found] if o and o["order_id"] == first["order_id"]]
        rows = [
            ("orders with this client_order_id", str(len(same))),
            ("same order id all along", "yes" if again["order_id"] == first["order_id"] else "NO"),
            ("resting", qty(found["remaining_count_fp"]) if found else "-"),
            ("429s retried in this run", str(stats.retries - retried_before)),
        ]
        say("\n" + table(rows, ("check", "value")))
        if args.json:
            auth.print_json({"first": first, "again": again, "found": found})

    say("\nWhat to notice:")
    say("  - Two sends, one order: the client_order_id made the resend harmless.")
    say("  - 409 order_already_exists after a lost answer is good news: look the order up.")
    say("  - 429s were retried silently; run the exchange with faults to see them counted.")
    say("\nNext: uv run python 06_batch_operations/01_batch_create_orders.py")
    auth.result(
        args,
        f"two sends, {len(same)} order ({first['order_id']}); duplicate answered {duplicate}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
