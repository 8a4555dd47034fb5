"""Place several orders in one request, sized to your rate-limit budget, and read the per-order
results, including one order the exchange rejects.

WRITES STATE: places a few resting bids at the lowest tick (where they will not fill) plus one
deliberately invalid order (a price off the market's grid), and cancels the placed ones before
exiting, also on Ctrl+C or an error (--keep leaves them). KALSHI_ENV=prod is refused unless
you pass --allow-prod.

Endpoint: POST /trade-api/v2/portfolio/events/orders/batched (SDK: `batch_create_orders_v2`).
Credentials: yes. Also reads GET /account/limits (10 read tokens) and GET
/account/endpoint_costs (public) to size the batch.

Cost: billed PER ORDER (10 write tokens each by default), so a batch saves round trips, not
tokens. The whole batch must fit in your write bucket at once, or the entire batch is
rejected (429); the largest batch is bucket_capacity / cost per order (Basic: 100 / 10 = 10).

Gotchas:
- The body is {"orders": [CreateOrderV2Request, ...]}: each item is a full V2 order (side
  bid/ask, YES price string, count string, time_in_force, self_trade_prevention_type) with its
  own client_order_id.
- The answer (201) has one entry per order, with its client_order_id: either the create result
  (order_id, fill_count, remaining_count, ts_ms) or an `error` object. One bad order does not
  sink the others, so check every item: a 201 does not mean everything was placed.

Run: uv run python 06_batch_operations/01_batch_create_orders.py [--count 4] [--dry-run] [--keep]
"""

from __future__ import annotations

import auth
from auth.cli import narrator, number
from auth.fmt import count_str, price_str, qty, table
from auth.markets import Market, pick_ticker
from auth.orders import Cleanup, endpoint_cost, new_client_order_id

BATCH_PATH = "/portfolio/events/orders/batched"


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    p.add_argument(
        "--count", type=number(int, low=2), default=4, help="orders in the batch (default 4)"
    )
    args = p.parse_args()
    auth.guard_writes(args)  # before any request: prod needs --allow-prod
    auth.banner("Batch create orders (V2)", args)
    say = narrator(args)

    # 1. How big may the batch be? bucket capacity / tokens per order.
    write = auth.raw_get("/account/limits")["write"]
    per_order = endpoint_cost(auth.raw_get("/account/endpoint_costs"), "POST", BATCH_PATH)
    fits = write["bucket_capacity"] // per_order
    if fits < 2:
        raise auth.KalshiError(429, "bucket_too_small", f"your write bucket fits {fits} order(s)")
    size = max(2, min(args.count, fits))
    say(f"write bucket: {write['bucket_capacity']} tokens, refills {write['refill_rate']}/s")
    say(f"batch create: {per_order} tokens per order -> at most {fits} orders per batch")
    say(f"this batch:   {size} orders = {size * per_order} tokens\n")

    # 2. size - 1 valid orders that rest, and one priced off the grid.
    market = Market.load(pick_ticker(args.ticker))
    low = market.resting_price("bid")
    off_grid = low + market.grid.step_at(low) / 2  # between two ticks: not a legal price
    orders = [
        {
            "ticker": market.ticker,
            "side": "bid",
            "price": price_str(low),
            "count": count_str(i + 1),
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
            "client_order_id": new_client_order_id(),
        }
        for i in range(size)
    ]
    orders[-1]["price"] = f"{off_grid}"  # the invalid one (the grid: see `book` below)
    say(f"market   {market.ticker}  {market.title}")
    say(f"book     {market.describe_book()}\n")
    if args.dry_run:
        auth.show_dry_run("POST", BATCH_PATH, {"orders": orders})
        return 0

    with Cleanup.for_args(args) as cleanup:
        resp = auth.get_client().batch_create_orders_v2(orders=orders)
        by_id = {r.client_order_id: r for r in resp.orders if r.client_order_id}
        rows = []
        for i, sent in enumerate(orders):
            # match results to orders by client_order_id (position is the fallback)
            result = by_id.get(sent["client_order_id"]) or resp.orders[i]
            if result.order_id and not result.error:
                cleanup.order(result.order_id, market.ticker)
                outcome = f"placed {result.order_id}"
                counts = (qty(result.fill_count), qty(result.remaining_count))
            else:
                error = result.error
                outcome = f"ERROR {error.code}" if error else "ERROR (no details)"
                if error and error.message:
                    say(f"  {sent['client_order_id'][:8]}: {error.code}: {error.message}")
                counts = ("-", "-")
            rows.append(
                (sent["client_order_id"][:8], sent["price"], qty(sent["count"]), *counts, outcome)
            )
        if args.json:
            auth.print_json(resp.to_dict())
        headers = ("client id", "price", "count", "filled", "resting", "result")
        say(table(rows, headers, right="1234"))
        placed = sum(1 for r in resp.orders if r.order_id and not r.error)
        say(f"\n{placed} of {len(orders)} placed, {len(orders) - placed} rejected, one request")

    say("\nWhat to notice:")
    say("  - One HTTP request, one result per order, in the order you sent them.")
    say("  - The off-grid price failed alone; the other orders were placed anyway.")
    say("  - Tokens are billed per order: batching saves round trips, not budget.")
    say("\nNext: uv run python 06_batch_operations/02_batch_cancel_orders.py")
    auth.result(
        args, f"{placed} of {len(orders)} placed, {len(orders) - placed} rejected, one request"
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
