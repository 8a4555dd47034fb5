"""Cancel several orders in one request and read the per-order results.

WRITES STATE: places a few resting bids at the lowest tick (one batch create; they will not
fill), then cancels them all in one batch cancel together with a made-up order id, to show a
per-item error. Anything left is cancelled before exiting, also on Ctrl+C or an error (--keep
leaves it). KALSHI_ENV=prod is refused unless you pass --allow-prod.

Endpoint: DELETE /trade-api/v2/portfolio/events/orders/batched (SDK: `batch_cancel_orders_v2`).
Credentials: yes. Cost: 2 write tokens PER ORDER in the batch (the same as single cancels: a
batch saves round trips, not tokens); it must fit in your write bucket at once. The batch
create before it costs 10 per order. GET /account/endpoint_costs (public) says what each costs.

Gotchas:
- A DELETE with a JSON body: {"orders": [{"order_id", "market_ticker"?, "subaccount"?,
  "exchange_index"?}]}. Give `market_ticker` per item so each cancel is routed to its
  market's shard; an order id alone cannot identify the shard.
- The answer (200) has one entry per order: order_id, client_order_id, reduced_by (the
  contracts that were still resting; "0.00" if that item failed), ts_ms, and `error` for the
  items that failed. Check every item.

Run: uv run python 06_batch_operations/02_batch_cancel_orders.py [--count 3] [--dry-run]
"""

from __future__ import annotations

import uuid

import auth
from auth.cli import narrator, number
from auth.fmt import count_str, price_str, qty, table, when
from auth.markets import Market, pick_ticker
from auth.orders import Cleanup, endpoint_cost, new_client_order_id

BATCH_PATH = "/portfolio/events/orders/batched"


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    p.add_argument(
        "--count", type=number(int, low=1), default=3, help="orders to place and cancel (default 3)"
    )
    args = p.parse_args()
    auth.guard_writes(args)  # before any request: prod needs --allow-prod
    auth.banner("Batch cancel orders (V2)", args)
    say = narrator(args)

    costs = auth.raw_get("/account/endpoint_costs")
    create_cost = endpoint_cost(costs, "POST", BATCH_PATH)
    cancel_cost = endpoint_cost(costs, "DELETE", BATCH_PATH)
    market = Market.load(pick_ticker(args.ticker))
    price = price_str(market.resting_price("bid"))
    orders = [
        {
            "ticker": market.ticker,
            "side": "bid",
            "price": price,
            "count": count_str(i + 1),
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
            "client_order_id": new_client_order_id(),
        }
        for i in range(args.count)
    ]
    if args.dry_run:
        auth.show_dry_run("POST", BATCH_PATH, {"orders": orders})
        cancels = [{"order_id": "{order_id}", "market_ticker": market.ticker}]
        auth.show_dry_run("DELETE", BATCH_PATH, {"orders": cancels * args.count})
        return 0

    client = auth.get_client()
    with Cleanup.for_args(args) as cleanup:
        created = client.batch_create_orders_v2(orders=orders).orders
        ids = [cleanup.order(r.order_id, market.ticker) for r in created if r.order_id]
        say(f"placed {len(ids)} bids @ {price} on {market.ticker} (one batch create)\n")

        unknown = str(uuid.uuid4())
        cancels = [{"order_id": oid, "market_ticker": market.ticker} for oid in [*ids, unknown]]
        resp = client.batch_cancel_orders_v2(orders=cancels)
        rows = []
        for item in resp.orders:
            if item.error is None:
                cleanup.forget(item.order_id)
                result = f"cancelled at {when(item.ts_ms)}"
            else:
                result = f"ERROR {item.error.code}: {item.error.message}"
            note = "  (made up)" if item.order_id == unknown else ""
            rows.append((item.order_id + note, qty(item.reduced_by), result))
        if args.json:
            auth.print_json(resp.to_dict())
        say(table(rows, ("order_id", "reduced_by", "result"), right="1"))

        n, m = len(cancels), len(orders)
        say(f"\ntoken cost: this batch cancel {n} x {cancel_cost} = {n * cancel_cost} write tokens")
        say(f"            the batch create {m} x {create_cost} = {m * create_cost} write tokens")

    say("\nWhat to notice:")
    say("  - Each item has its own result; the unknown id failed without blocking the rest.")
    say("  - reduced_by is what was still resting in each order when it was cancelled.")
    say("  - A cancel costs a fifth of a create: cheap to pull quotes, dear to place them.")
    say("\nNext: uv run python 07_order_groups/01_create_order_group.py")
    auth.result(args, f"{n} cancel(s) in one request = {n * cancel_cost} write tokens")
    return 0


if __name__ == "__main__":
    auth.run(main)
