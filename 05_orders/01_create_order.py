"""Place one resting limit order with the V2 order API, then cancel it.

WRITES STATE: places a real order on the chosen environment (demo unless KALSHI_ENV says
otherwise) at a price where it will not fill, and cancels it before exiting, also on Ctrl+C or
an error (--keep leaves it). KALSHI_ENV=prod is refused unless you pass --allow-prod.

Endpoint: POST /trade-api/v2/portfolio/events/orders (SDK: `create_order_v2`). Credentials: yes.
Cost: 10 write tokens (the cleanup cancel: 2 more).

Gotchas (today's V2 API; the legacy POST /portfolio/orders answers HTTP 410):
- One YES book per market. `side` is `bid` (buy YES) or `ask` (sell YES), and `price` is always
  the YES price, a dollar string that must lie on the market's grid (`price_ranges`). NO is the
  other side of the same book:
      buy YES at p  ->  bid at p          sell YES at p  ->  ask at p
      buy NO  at q  ->  ask at 1 - q      sell NO  at q  ->  bid at 1 - q
- `count` is a string ("1.00", steps of 0.01). `time_in_force` and `self_trade_prevention_type`
  are required. `client_order_id` is optional in the spec: send a fresh UUID anyway, so that a
  retried request cannot place the order twice (a duplicate answers 409 order_already_exists).
- The answer (201) is flat and small: order_id, client_order_id, fill_count, remaining_count,
  average_fill_price and average_fee_paid (only when something filled), ts_ms. No status, no
  order object: 02_get_order.py reads the full order.
- `--price` names the price of the outcome in --intent (a NO price for buy-no/sell-no). Without
  it the script picks a price that will not fill; a price that crosses the book does fill.

Run: uv run python 05_orders/01_create_order.py [--intent buy-no] [--count 2] [--dry-run]
"""

from __future__ import annotations

from decimal import Decimal

import auth
from auth.cli import fail, narrator, number
from auth.fmt import count_str, price_str, print_fields, qty, table, usd, when
from auth.markets import Market, pick_ticker
from auth.orders import Cleanup, new_client_order_id

# What you want to do -> (book side, is the price you name a YES price?)
INTENTS = {
    "buy-yes": ("bid", True),
    "sell-yes": ("ask", True),
    "buy-no": ("ask", False),
    "sell-no": ("bid", False),
}


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    p.add_argument("--intent", choices=INTENTS, default="buy-yes", help="default: buy-yes")
    p.add_argument(
        "--price",
        type=number(Decimal, low=0, high=1, open_low=True),
        help="price of that outcome (default: will not fill)",
    )
    p.add_argument(
        "--count",
        type=number(Decimal, low=0, open_low=True),
        default=Decimal(1),
        help="contracts (default 1)",
    )
    args = p.parse_args()
    auth.guard_writes(args)  # before any request: prod needs --allow-prod
    auth.banner("Create one order (V2)", args)
    say = narrator(args)  # stderr under --json

    market = Market.load(pick_ticker(args.ticker))
    side, names_yes = INTENTS[args.intent]
    if args.price is None:
        yes_price = market.resting_price(side)
    else:
        yes_price = args.price if names_yes else 1 - args.price
        if not market.grid.contains(yes_price):
            fail(
                f"YES price {yes_price} is not on {market.ticker}'s grid ({market.grid.describe()})"
            )
    outcome_price = yes_price if names_yes else 1 - yes_price

    body = {
        "ticker": market.ticker,
        "side": side,  # bid = buy YES, ask = sell YES (= buy NO)
        "price": price_str(yes_price),  # always the YES price
        "count": count_str(args.count),
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        "client_order_id": new_client_order_id(),
    }
    say(f"market   {market.ticker}  {market.title}")
    say(f"book     {market.describe_book()}\n")
    verb, outcome = args.intent.split("-")
    say(f"you want:   {verb} {qty(args.count)} {outcome.upper()} at {usd(outcome_price)}")
    say(f"V2 order:   side={side} price={body['price']} (YES price) count={body['count']}\n")
    yes, no = usd(yes_price), usd(1 - yes_price)
    rows = [
        (f"buy YES at {yes}", "bid", body["price"]),
        (f"sell YES at {yes}", "ask", body["price"]),
        (f"buy NO at {no}", "ask", body["price"]),
        (f"sell NO at {no}", "bid", body["price"]),
    ]
    say("the same YES price seen from both outcomes:")
    say(table(rows, ("you want", "side", "price (YES)")) + "\n")
    if args.dry_run:
        auth.show_dry_run("POST", "/portfolio/events/orders", body)
        return 0

    client = auth.get_client()
    with Cleanup.for_args(args) as cleanup:
        resp = client.create_order_v2(**body)
        cleanup.order(resp.order_id, market.ticker)
        if args.json:
            auth.print_json(resp.to_dict())
        say("response (flat: no status, no order object):")
        print_fields(
            [
                ("order_id", resp.order_id),
                ("client_order_id", resp.client_order_id),
                ("fill_count", qty(resp.fill_count)),
                ("remaining_count", qty(resp.remaining_count)),
                ("average_fill_price", usd(resp.average_fill_price, 4)),
                ("average_fee_paid", usd(resp.average_fee_paid, 4)),
                ("ts_ms", f"{resp.ts_ms}  ({when(resp.ts_ms)})"),
            ],
            say,
        )

    say("\nWhat to notice:")
    say("  - The order went to the YES book; a NO intent is just the other side at 1 - q.")
    say("  - remaining_count = count - fill_count: what did not fill rests on the book.")
    say("  - Keep the client_order_id: retrying with it cannot create a second order.")
    say("\nNext: uv run python 05_orders/02_get_order.py")
    auth.result(
        args,
        f"order {resp.order_id}: {side} {qty(args.count)} @ {body['price']}, "
        f"filled {qty(resp.fill_count)}, resting {qty(resp.remaining_count)}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
