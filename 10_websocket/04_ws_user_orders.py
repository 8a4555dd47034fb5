"""Your own orders as they change, from the private `user_orders` WebSocket channel.

Channel: `user_orders` (message type `user_order`, singular). Credentials: yes.
Writes state: only with --demo-order, which places ONE order at a price where it will not fill
(a bid at the market's lowest tick), waits for its `resting` message, cancels it (a `canceled`
message follows) and, on any exit, cancels it if it is still there (--keep leaves it).
KALSHI_ENV=prod with --demo-order is refused unless you pass --allow-prod.
Rate limit: one subscribe; --demo-order adds a create (10 write tokens) and a cancel (2).

Gotchas (late 2026):
- The channel is `user_orders`, the messages are `user_order`: subscribe with the plural.
- One message per change of an order: created (`resting`, or `executed` if it filled at once),
  partly filled, amended, decreased, `canceled`. `last_update_reason` says why (Trade, Amend,
  Decrease, ExpiryCancel, SelfTradeCancel, ...). No `seq`: after a reconnect, read
  GET /portfolio/orders to learn what changed while you were away.
- Orders are on the one YES book: `book_side` bid|ask, `yes_price_dollars` is always the YES
  price; `outcome_side` yes|no is the same direction in outcome terms. `side` and `is_yes`
  are deprecated.
- Counts: `initial_count_fp` = `fill_count_fp` + `remaining_count_fp` (+ what was cancelled or
  decreased). Costs and fees are dollar strings, split into maker and taker parts.
- Times are `created_ts_ms` / `last_updated_ts_ms` (ints, ms); `created_time` is deprecated.
- Filter with `market_tickers` (optional); without it you see every market you trade.

Run: uv run python 10_websocket/04_ws_user_orders.py --demo-order --seconds 10 [--ticker T] [--json]
"""

from __future__ import annotations

import json

import auth
from auth.cli import narrator
from auth.fmt import count_str, price_str, qty, usd, when
from auth.markets import Market, pick_ticker
from auth.orders import Cleanup, new_client_order_id
from auth.ws import Stream, describe_reply, is_data, run, timestamp

COLUMNS = f"{'time':20}  {'status':9} {'side':13} {'YES price':>9} {'filled':>7} {'left':>6}"


def show(message: dict) -> str:
    o = message["msg"]
    ms = o.get("last_updated_ts_ms") or o.get("created_ts_ms")
    stamp = when(ms) if ms else timestamp(message)
    side = f"{o.get('book_side', '?')} ({o.get('outcome_side', '?')})"
    reason = o.get("last_update_reason") or ""
    return (
        f"{stamp:20}  {o.get('status', '?'):9} {side:13} {usd(o.get('yes_price_dollars'), 4):>9} "
        f"{qty(o.get('fill_count_fp')):>7} {qty(o.get('remaining_count_fp')):>6}  "
        f"{o.get('ticker')}  order {o.get('order_id', '')[:8]}  {reason}"
    )


def place_demo_order(ticker: str, cleanup: Cleanup, say, dry_run: bool) -> str:
    """One bid at the lowest tick: it rests and will not fill. Returns its order id."""
    market = Market.load(ticker)
    body = {
        "ticker": market.ticker,
        "side": "bid",
        "price": price_str(market.resting_price("bid")),
        "count": count_str(1),
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        "client_order_id": new_client_order_id(),
    }
    if dry_run:
        auth.show_dry_run("POST", "/portfolio/events/orders", body)
        return ""
    resp = auth.raw_post("/portfolio/events/orders", body)
    cleanup.order(resp["order_id"], market.ticker)
    say(f"** placed demo order {resp['order_id']}: bid 1 @ ${body['price']} on {market.ticker}")
    return resp["order_id"]


async def watch(args, ticker: str | None, cleanup: Cleanup, say) -> Stream:
    params: dict = {"channels": ["user_orders"]}
    if ticker and not args.demo_order:
        params["market_tickers"] = [ticker]
    subscribe = {"cmd": "subscribe", "params": params}
    say(f"-> {json.dumps(subscribe)}\n")
    demo_id: str | None = None

    async with Stream(subscribe, seconds=args.seconds, max_messages=args.max_messages) as stream:
        async for message in stream:
            if args.json:
                print(json.dumps(message), flush=True)
            elif not is_data(message):
                say(f"<- {describe_reply(message)}")
                if message["type"] == "subscribed":
                    say(f"\n{COLUMNS}")
            elif message["type"] == "user_order":
                print(show(message), flush=True)

            if message["type"] == "subscribed" and args.demo_order and demo_id is None:
                # subscribed first, so the order's first message cannot be missed
                demo_id = place_demo_order(ticker, cleanup, say, args.dry_run)
            order = message.get("msg") if message["type"] == "user_order" else None
            if order and order.get("order_id") == demo_id and order.get("status") == "resting":
                auth.raw_delete(f"/portfolio/events/orders/{demo_id}", market_ticker=ticker)
                cleanup.forget(demo_id)
                say(f"** cancelled demo order {demo_id}: watch for its `canceled` message")
    return stream


def main() -> int:
    p = auth.parser(__doc__, ticker=True, stream=True, writes=True)
    p.add_argument(
        "--demo-order", action="store_true", help="place and cancel one order to see messages"
    )
    args = p.parse_args()
    say = narrator(args)
    if args.demo_order:
        auth.guard_writes(args)  # before anything is sent: prod needs --allow-prod
    auth.banner("WebSocket: user_orders channel", args)
    ticker = pick_ticker(args.ticker) if args.demo_order or args.ticker else None

    with Cleanup.for_args(args) as cleanup:
        stream = run(watch(args, ticker, cleanup, say))

    say(
        f"\nstopped by {stream.stopped_by}: {stream.data_messages} message(s) "
        f"on {stream.connections} connection(s)"
    )
    say("\nWhat to notice:")
    say("  - One message per change: resting -> canceled here; fills show as executed/partial.")
    say("  - No seq on this channel: after a reconnect, GET /portfolio/orders fills the gap.")
    if not args.demo_order:
        say("  - Nothing to see? Run with --demo-order, or trade in another window.")
    say("\nNext: uv run python 10_websocket/05_ws_user_fills.py --demo-fill")
    auth.result(
        args,
        f"user_orders: {stream.data_messages} message(s) on {stream.connections} connection(s), "
        f"stopped by {stream.stopped_by}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
