"""Cancel an order, and understand the answers for one that is already gone or never existed.

WRITES STATE: without --order-id it places its own resting order (at a price where it will not
fill) and cancels it; then it tries to cancel it a second time, and to cancel a made-up order
id, to show both error answers. With --order-id it cancels that order (this is also how you
clean up after another script's --keep). KALSHI_ENV=prod is refused unless --allow-prod.

Endpoint: DELETE /trade-api/v2/portfolio/events/orders/{order_id} (SDK: `cancel_order_v2`).
Credentials: yes. Cost: 2 write tokens (a fifth of a create).

Gotchas:
- Pass `market_ticker` so the exchange can route the cancel to the market's shard; an order id
  alone cannot identify the shard (the default is shard 0).
- The answer (200) is flat: order_id, client_order_id, reduced_by (the contracts that were
  still resting and are now cancelled), ts_ms. Filled contracts are not undone.
- The legacy DELETE /portfolio/orders/{id} answers HTTP 410.
- A cancelled order stays readable (GET /portfolio/orders/{id}, status `canceled`); cancelling
  it again is an error, as is an unknown id (404). The script asks GET which case it was.
- To cancel everything at once: DELETE /portfolio/events/orders (cancel-all, 2 tokens).

Run: uv run python 05_orders/06_cancel_order.py [--order-id ID] [--ticker T] [--dry-run]
"""

from __future__ import annotations

import uuid

import auth
from auth.cli import narrator
from auth.fmt import count_str, price_str, qty, when
from auth.markets import Market, pick_ticker
from auth.orders import Cleanup, new_client_order_id


def cancel(order_id: str, ticker: str | None, say) -> dict:
    """Cancel one order and say what happened. Returns the answer, or {"error", "why"}."""
    try:
        resp = auth.get_client().cancel_order_v2(order_id, market_ticker=ticker)
    except auth.KalshiError as err:  # the SDK's errors arrive as auth's typed errors
        why = why_not(order_id)
        say(f"  refused: {err}".replace("\n", "\n  "))
        say(f"  why: {why}")
        return {"order_id": order_id, "error": {"status": err.status, "code": err.code}, "why": why}
    say(f"  cancelled: reduced_by={qty(resp.reduced_by)} contracts  at {when(resp.ts_ms)}")
    say(f"  order_id={resp.order_id}  client_order_id={resp.client_order_id}")
    return resp.to_dict()


def why_not(order_id: str) -> str:
    """Ask GET /portfolio/orders/{id} whether the order is unknown or just no longer resting."""
    try:
        order = auth.raw_get(f"/portfolio/orders/{order_id}")["order"]
    except auth.NotFound:
        return "no such order on this account (wrong id, another account or subaccount)"
    return (
        f"the order exists but is already {order['status']} "
        f"(filled {qty(order['fill_count_fp'])}, resting {qty(order['remaining_count_fp'])}): "
        "nothing is left to cancel"
    )


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    p.add_argument("--order-id", help="cancel this order instead of placing one")
    args = p.parse_args()
    auth.guard_writes(args)  # before any request: prod needs --allow-prod
    auth.banner("Cancel an order (V2)", args)
    say = narrator(args)

    if args.order_id:
        if args.dry_run:
            auth.show_dry_run("DELETE", f"/portfolio/events/orders/{args.order_id}")
            return 0
        say(f"cancel {args.order_id}:")
        result = cancel(args.order_id, args.ticker, say)
        if args.json:
            auth.print_json(result)
        return 1 if "error" in result else 0

    market = Market.load(pick_ticker(args.ticker))
    body = {
        "ticker": market.ticker,
        "side": "bid",
        "price": price_str(market.resting_price("bid")),
        "count": count_str(3),
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        "client_order_id": new_client_order_id(),
    }
    if args.dry_run:
        auth.show_dry_run("POST", "/portfolio/events/orders", body)
        path = "/portfolio/events/orders/{order_id}"
        auth.show_dry_run("DELETE", path, market_ticker=market.ticker)
        return 0

    with Cleanup.for_args(args) as cleanup:  # in case we stop before the cancel below
        order_id = cleanup.order(auth.get_client().create_order_v2(**body).order_id, market.ticker)
        say(f"placed {order_id}: bid 3 @ {body['price']} on {market.ticker}\n")

        say("1. cancel it:")
        results = [cancel(order_id, market.ticker, say)]
        if "error" not in results[0]:
            cleanup.forget(order_id)
        say("\n2. cancel it again:")
        results.append(cancel(order_id, market.ticker, say))
        say("\n3. cancel an order id that does not exist:")
        results.append(cancel(str(uuid.uuid4()), market.ticker, say))
        if args.json:
            auth.print_json(results)

    say("\nWhat to notice:")
    say("  - reduced_by is what was still resting; a cancel never undoes fills.")
    say("  - A second cancel is refused, but the order is still readable: status canceled.")
    say("  - An unknown id is a 404: check the id, the account and the subaccount.")
    say("\nNext: uv run python 05_orders/07_order_queue_position.py")
    auth.result(
        args,
        f"{len(results)} cancel call(s): {sum('error' not in r for r in results)} answered, "
        f"{sum('error' in r for r in results)} refused",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
