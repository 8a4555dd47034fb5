"""Where your resting orders stand in line: one order's queue position, and all of a market's.

WRITES STATE (unless --order-id): places two resting bids of your own at the lowest tick (where
they will not fill) so there is a queue to look at, and cancels them before exiting (--keep
leaves them). KALSHI_ENV=prod writes are refused unless you pass --allow-prod.

Endpoints (credentials: yes; 10 read tokens each):
- GET /trade-api/v2/portfolio/orders/{order_id}/queue_position -> {"queue_position_fp": "3.00"}
- GET /trade-api/v2/portfolio/orders/queue_positions?market_tickers=A,B
  -> {"queue_positions": [{"order_id", "market_ticker", "queue_position_fp"}]}

Read with `raw_get` so you see the JSON keys themselves (the SDK's get_order_queue_position and
get_order_queue_positions return the same strings wrapped in models).

Gotchas:
- The position counts CONTRACTS ahead of you at your price (price-time priority), 0-indexed:
  "0.00" means you are first in line. It is a count string, not an integer rank.
- `queue_position` (integer) is gone; only `queue_position_fp` is sent.
- The per-market list covers resting orders only; `market_tickers` is comma-separated (or use
  `event_ticker`); `subaccount` defaults to 0 (the primary account).

Run: uv run python 05_orders/07_order_queue_position.py [--order-id ID] [--ticker T] [--dry-run]
"""

from __future__ import annotations

import json

import auth
from auth.cli import narrator
from auth.fmt import count_str, price_str, qty, table
from auth.markets import Market, pick_ticker
from auth.orders import Cleanup, new_client_order_id


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    p.add_argument("--order-id", help="only read this order's queue position (no writes)")
    args = p.parse_args()
    if args.order_id:
        auth.banner("Queue position of one order", args)
        resp = auth.raw_get(f"/portfolio/orders/{args.order_id}/queue_position")
        if args.json:
            auth.print_json(resp)
        else:
            print(f"{args.order_id}: {qty(resp['queue_position_fp'])} contracts ahead")
        return 0

    auth.guard_writes(args)  # before any request: prod needs --allow-prod
    auth.banner("Queue positions", args)
    say = narrator(args)
    market = Market.load(pick_ticker(args.ticker))
    price = price_str(market.resting_price("bid"))

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

    first, second = bid(3), bid(2)
    if args.dry_run:
        auth.show_dry_run("POST", "/portfolio/events/orders", first)
        auth.show_dry_run("POST", "/portfolio/events/orders", second)
        return 0

    client = auth.get_client()
    with Cleanup.for_args(args) as cleanup:
        a = cleanup.order(client.create_order_v2(**first).order_id, market.ticker)
        b = cleanup.order(client.create_order_v2(**second).order_id, market.ticker)
        say(f"placed A = {a} (bid 3 @ {price}) and then B = {b} (bid 2 @ {price})\n")

        say("one order at a time: GET /portfolio/orders/{order_id}/queue_position")
        single = {oid: auth.raw_get(f"/portfolio/orders/{oid}/queue_position") for oid in (a, b)}
        for name, oid in (("A", a), ("B", b)):
            say(f"  {name}: {json.dumps(single[oid])}")

        say(f"\na market: GET /portfolio/orders/queue_positions?market_tickers={market.ticker}")
        listed = auth.raw_get("/portfolio/orders/queue_positions", market_tickers=market.ticker)
        if args.json:
            auth.print_json({"single": single, "market": listed})
        rows = [
            (q["order_id"], q["market_ticker"], qty(q["queue_position_fp"]))
            for q in listed.get("queue_positions") or []
        ]
        say(table(rows, ("order_id", "market", "contracts ahead"), right="2"))

    say("\nWhat to notice:")
    say("  - B's position is A's plus A's 3 contracts: the count is contracts, not orders.")
    say("  - 0.00 means first in line; other traders' contracts at the price count too.")
    say("  - One list call covers every resting order in the markets you name.")
    say("\nNext: uv run python 05_orders/08_safe_retries.py")
    auth.result(
        args,
        f"{len(listed.get('queue_positions') or [])} queue position(s) on {market.ticker}, "
        f"A ahead of B",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
