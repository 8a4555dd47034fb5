"""Your fills as they happen, from the private `fill` WebSocket channel: maker or taker, price,
fee, and your position right after the fill.

Channel: `fill` (message type `fill`). Credentials: yes.
Writes state: only with --demo-fill, which BUYS ONE YES CONTRACT at the market's best ask
(immediate-or-cancel, so nothing is left resting) to make a fill appear. That spends up to $1
plus the fee, and the position stays (sell it with 05_orders/01_create_order.py --intent
sell-yes). KALSHI_ENV=prod with --demo-fill is refused unless you pass --allow-prod.
Rate limit: one subscribe; --demo-fill adds one create (10 write tokens).

Gotchas (late 2026):
- One `fill` per execution of your order; a taker order that sweeps three levels gets three.
  `is_taker` says whether your order took liquidity (arrived and crossed) or rested (maker).
- Direction is `book_side` bid|ask on the one YES book, and `outcome_side` yes|no; the price is
  always `yes_price_dollars`. `side`, `action` and `purchased_side` are deprecated.
- `fee_cost` is a dollar string with sub-cent digits ("0.010000"); `post_position_fp` is your
  signed position in the market after this fill (+ YES, - NO), so no extra REST call is needed.
- No `seq` on this channel: after a reconnect, GET /portfolio/fills?min_ts=... fills the hole.
- `client_order_id` is present when you set one: match fills to your own orders with it.

Run: uv run python 10_websocket/05_ws_user_fills.py --demo-fill --seconds 10 [--ticker T] [--json]
"""

from __future__ import annotations

import json
from decimal import Decimal

import auth
from auth.cli import narrator
from auth.fmt import count_str, dec, price_str, qty, usd
from auth.markets import Market, pick_ticker
from auth.orders import new_client_order_id
from auth.ws import Stream, describe_reply, is_data, run, timestamp

COLUMNS = (
    f"{'time':20}  {'role':5} {'side':9} {'YES price':>9} {'count':>6} {'fee':>9} "
    f"{'position after':>14}  market"
)


def show(message: dict) -> str:
    f = message["msg"]
    role = "taker" if f.get("is_taker") else "maker"
    side = f"{f.get('book_side', '?')} ({f.get('outcome_side', '?')})"
    return (
        f"{timestamp(message):20}  {role:5} {side:9} {usd(f.get('yes_price_dollars'), 4):>9} "
        f"{qty(f.get('count_fp')):>6} {usd(f.get('fee_cost'), 4):>9} "
        f"{qty(f.get('post_position_fp')):>14}  {f.get('market_ticker')}"
    )


def buy_one_at_the_ask(ticker: str, say, dry_run: bool) -> None:
    """A bid at the best YES ask, immediate-or-cancel: it fills (or vanishes), never rests."""
    market = Market.load(ticker)
    if market.best_ask is None:
        raise auth.KalshiError(
            409, "no_ask", f"{ticker} has no YES ask to buy from", hint="pass --ticker"
        )
    body = {
        "ticker": market.ticker,
        "side": "bid",
        "price": price_str(market.best_ask),
        "count": count_str(1),
        "time_in_force": "immediate_or_cancel",
        "self_trade_prevention_type": "taker_at_cross",
        "client_order_id": new_client_order_id(),
    }
    if dry_run:
        auth.show_dry_run("POST", "/portfolio/events/orders", body)
        return
    resp = auth.raw_post("/portfolio/events/orders", body)
    say(
        f"** demo fill: bought {qty(resp.get('fill_count'))} YES @ ${body['price']} on "
        f"{market.ticker} (order {resp['order_id'][:8]}, IOC)"
    )


async def watch(args, ticker: str | None, say) -> tuple[Stream, Decimal]:
    params: dict = {"channels": ["fill"]}
    if ticker:
        params["market_tickers"] = [ticker]
    subscribe = {"cmd": "subscribe", "params": params}
    say(f"-> {json.dumps(subscribe)}\n")
    fees = Decimal(0)
    bought = False

    async with Stream(subscribe, seconds=args.seconds, max_messages=args.max_messages) as stream:
        async for message in stream:
            if args.json:
                print(json.dumps(message), flush=True)
            elif not is_data(message):
                say(f"<- {describe_reply(message)}")
                if message["type"] == "subscribed":
                    say(f"\n{COLUMNS}")
            elif message["type"] == "fill":
                print(show(message), flush=True)
            if message["type"] == "fill":
                fees += dec(message["msg"].get("fee_cost")) or 0
            if message["type"] == "subscribed" and args.demo_fill and not bought:
                bought = True  # subscribed first, so the fill message cannot be missed
                buy_one_at_the_ask(ticker, say, args.dry_run)
    return stream, fees


def main() -> int:
    p = auth.parser(__doc__, ticker=True, stream=True, writes=True)
    p.add_argument(
        "--demo-fill", action="store_true", help="buy 1 YES at the best ask so a fill appears"
    )
    args = p.parse_args()
    say = narrator(args)
    if args.demo_fill:
        auth.guard_writes(args)  # before anything is sent: prod needs --allow-prod
    auth.banner("WebSocket: fill channel", args)
    ticker = pick_ticker(args.ticker) if args.demo_fill or args.ticker else None

    stream, fees = run(watch(args, ticker, say))

    say(
        f"\nstopped by {stream.stopped_by}: {stream.data_messages} fill(s), fees {usd(fees, 4)}, "
        f"on {stream.connections} connection(s)"
    )
    say("\nWhat to notice:")
    say("  - Your IOC bid crossed the book: you were the taker; the resting order was the maker.")
    say("  - post_position_fp is your position after the fill: no REST call needed.")
    if not args.demo_fill:
        say("  - Nothing to see? Run with --demo-fill (buys one contract), or trade elsewhere.")
    say("\nNext: uv run python 10_websocket/06_ws_market_lifecycle.py")
    auth.result(
        args,
        f"{stream.data_messages} fill(s), fees {usd(fees, 4)}, "
        f"on {stream.connections} connection(s)",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
