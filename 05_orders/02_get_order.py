"""Read one order and every field that describes its state.

WRITES STATE (unless --order-id): places its own resting order first, at a price where it will
not fill, and cancels it before exiting (--keep leaves it). KALSHI_ENV=prod writes are refused
unless you pass --allow-prod. With --order-id it only reads.

Endpoint: GET /trade-api/v2/portfolio/orders/{order_id}. Credentials: yes.
Cost: 2 read tokens (one of the cheap reads); the order it places costs 10 write tokens.

Read with `raw_get`, not the SDK's `get_order`: the SDK's strict `Order` model raises if any of
its 17 required fields is missing or null, and silently drops fields it does not know, so the
raw JSON is the honest view of what the exchange sends.

Gotchas:
- Reads keep the old path (/portfolio/orders/...); only writes moved to /portfolio/events/orders.
- Direction is `outcome_side` (yes|no: the exposure you get) plus `book_side` (bid|ask: where it
  sits in the YES book). `side` and `action` are deprecated leftovers.
- `status` is resting | canceled | executed (no `pending` any more). Counts are `*_fp` strings,
  money `*_dollars` strings: `yes_price_dollars` + `no_price_dollars` = $1.
- Costs and fees are split by role: taker_* for what filled on arrival, maker_* for what filled
  while resting.

Run: uv run python 05_orders/02_get_order.py [--order-id ID] [--ticker T] [--json] [--dry-run]
"""

from __future__ import annotations

import auth
from auth.fmt import count_str, price_str, print_fields, qty, usd, when
from auth.markets import Market, pick_ticker
from auth.orders import Cleanup, new_client_order_id


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    p.add_argument("--order-id", help="read this order instead of placing one")
    args = p.parse_args()
    if args.order_id is None:
        auth.guard_writes(args)  # before any request: prod needs --allow-prod
    auth.banner("Get one order", args)

    with Cleanup.for_args(args) as cleanup:
        order_id = args.order_id or place_order(args, cleanup)
        if order_id is None:  # --dry-run
            return 0
        order = auth.raw_get(f"/portfolio/orders/{order_id}")["order"]
        if args.json:
            auth.print_json(order)
            return 0
        show(order)

    print("\nWhat to notice:")
    print("  - outcome_side/book_side replace side/action: bid = YES exposure, ask = NO.")
    print("  - initial = fill + remaining (+ whatever was cancelled or decreased).")
    print("  - No integer cents anywhere: prices are *_dollars strings, counts *_fp strings.")
    print("\nNext: uv run python 05_orders/03_list_orders.py")
    auth.result(args, f"order {order['order_id']}: status {order['status']}")
    return 0


def place_order(args, cleanup: Cleanup) -> str | None:
    """One resting bid at the lowest tick, so there is an order to read."""
    market = Market.load(pick_ticker(args.ticker))
    body = {
        "ticker": market.ticker,
        "side": "bid",
        "price": price_str(market.resting_price("bid")),
        "count": count_str(2),
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        "client_order_id": new_client_order_id(),
    }
    if args.dry_run:
        auth.show_dry_run("POST", "/portfolio/events/orders", body)
        print("then: GET /portfolio/orders/{order_id}")
        return None
    resp = auth.get_client().create_order_v2(**body)
    if not args.json:
        print(f"placed {resp.order_id}: bid {body['count']} @ {body['price']} on {market.ticker}\n")
    return cleanup.order(resp.order_id, market.ticker)


def show(order: dict) -> None:
    sections = {
        "identity": [
            ("order_id", order.get("order_id")),
            ("client_order_id", order.get("client_order_id")),
            ("user_id", order.get("user_id")),
            ("ticker", order.get("ticker")),
            ("type", order.get("type")),
            ("order_group_id", order.get("order_group_id")),
            ("subaccount_number", order.get("subaccount_number")),
            ("exchange_index", order.get("exchange_index")),
        ],
        "direction and price": [
            ("outcome_side", order.get("outcome_side")),
            ("book_side", order.get("book_side")),
            ("yes_price_dollars", usd(order.get("yes_price_dollars"), 4)),
            ("no_price_dollars", usd(order.get("no_price_dollars"), 4)),
        ],
        "status and counts": [
            ("status", order.get("status")),
            ("initial_count_fp", qty(order.get("initial_count_fp"))),
            ("fill_count_fp", qty(order.get("fill_count_fp"))),
            ("remaining_count_fp", qty(order.get("remaining_count_fp"))),
        ],
        "costs and fees": [
            ("taker_fill_cost_dollars", usd(order.get("taker_fill_cost_dollars"), 4)),
            ("maker_fill_cost_dollars", usd(order.get("maker_fill_cost_dollars"), 4)),
            ("taker_fees_dollars", usd(order.get("taker_fees_dollars"), 4)),
            ("maker_fees_dollars", usd(order.get("maker_fees_dollars"), 4)),
        ],
        "options and times": [
            ("self_trade_prevention_type", order.get("self_trade_prevention_type")),
            ("cancel_order_on_pause", order.get("cancel_order_on_pause")),
            ("created_time", when(order.get("created_time"))),
            ("last_update_time", when(order.get("last_update_time"))),
            ("expiration_time", when(order.get("expiration_time"))),
        ],
    }
    shown = {name for rows in sections.values() for name, _ in rows}
    extra = [(k, v) for k, v in order.items() if k not in shown]
    if extra:
        sections["other fields sent (side, action: deprecated)"] = extra
    for title, rows in sections.items():
        print(title)
        print_fields(rows)


if __name__ == "__main__":
    auth.run(main)
