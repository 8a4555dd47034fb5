"""A small market-making bot: quote both sides inside an order group, follow fills over the
WebSocket, re-quote a side once it has filled, cancel everything on exit.

WRITES STATE: creates an order group and two resting orders (a YES bid below the mid and a YES
ask above it); they can fill, which is the point, and fills are not undone. On exit (--seconds,
Ctrl+C or an error) the bot deletes the group, which cancels its resting orders.
KALSHI_ENV=prod is refused unless you pass --allow-prod.

How it works:
- POST /portfolio/order_groups/create: the group's contracts_limit caps how much the bot can
  be filled in a rolling 15 s window; when reached, the exchange cancels the group's orders
  (a kill switch that runs on the exchange, not in the bot).
- GET /markets/{ticker}/orderbook, then POST /portfolio/events/orders twice (post_only, with
  order_group_id and a client_order_id): quotes `--spread` around the book's mid.
- WebSocket `fill` channel for the ticker: each fill updates the position; a side whose quote
  is filled is quoted again at the same distance from the new mid.
- DELETE /portfolio/order_groups/{id} in `finally`.

Tested against the local exchange with the project's pytest plugin: tests/examples/ and
docs/testing-your-bot.md.

Run: uv run python examples/market_maker.py --seconds 20 [--ticker T] [--spread 0.04] [--size 5]
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import auth
from auth.cli import fail, narrator
from auth.fmt import count_str, dec, price_str, qty, usd
from auth.markets import pick_ticker
from auth.orders import create_order, new_client_order_id
from auth.ws import Stream, describe_reply, is_data, run

CENT = Decimal("0.01")


def mid_of(ticker: str) -> Decimal:
    """The book's mid (YES): between the best YES bid and 1 - the best NO bid (our own quotes
    included); with one side empty, the last traded price."""
    book = auth.raw_get(f"/markets/{ticker}/orderbook")["orderbook_fp"]
    bids = [Decimal(p) for p, _ in book.get("yes_dollars") or []]
    asks = [1 - Decimal(p) for p, _ in book.get("no_dollars") or []]
    if bids and asks:
        return (max(bids) + min(asks)) / 2
    last = dec(auth.raw_get(f"/markets/{ticker}")["market"].get("last_price_dollars"))
    if not last:
        raise auth.KalshiError(409, "no_book", f"{ticker} has no book or trade to quote around")
    return last


class MarketMaker:
    def __init__(self, ticker: str, spread: Decimal, size: Decimal, limit: int, say):
        self.ticker, self.spread, self.size, self.limit = ticker, spread, size, limit
        self.say = say
        self.group_id: str | None = None
        self.quotes: dict[str, str] = {}  # side -> order id
        self.position = Decimal(0)  # YES contracts (negative: NO)
        self.fills = 0

    def start(self) -> None:
        resp = auth.raw_post("/portfolio/order_groups/create", {"contracts_limit": self.limit})
        self.group_id = resp["order_group_id"]
        self.say(f"order group {self.group_id} (contracts_limit {self.limit})")
        mid = mid_of(self.ticker)  # once for both sides: our bid must not move our ask
        for side in ("bid", "ask"):
            self.quote(side, mid)

    def quote(self, side: str, mid: Decimal) -> None:
        half = self.spread / 2
        if side == "bid":
            price = (mid - half).quantize(CENT, rounding=ROUND_FLOOR)
        else:
            price = (mid + half).quantize(CENT, rounding=ROUND_CEILING)
        price = min(max(price, CENT), 1 - CENT)
        body = {
            "ticker": self.ticker,
            "side": side,
            "price": price_str(price),
            "count": count_str(self.size),
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "maker",
            "post_only": True,
            "order_group_id": self.group_id,
            "client_order_id": new_client_order_id(),
        }
        resp = create_order(body)  # safe to retry: a lost answer finds the order, not a second
        self.quotes[side] = resp["order_id"]
        self.say(f"QUOTE {side:3} {qty(self.size)} @ {usd(price)}  (mid {usd(mid, 3)})")

    def on_fill(self, msg: dict) -> None:
        count = dec(msg.get("count_fp")) or Decimal(0)
        side = msg.get("book_side") or ("bid" if msg.get("action") == "buy" else "ask")
        self.position += count if side == "bid" else -count
        self.fills += 1
        self.say(
            f"FILL  {side:3} {qty(count)} @ {usd(msg.get('yes_price_dollars'))}  "
            f"position {qty(self.position)}"
        )
        order = auth.raw_get(f"/portfolio/orders/{msg['order_id']}")["order"]
        if order["status"] == "executed":  # fully filled: quote that side again
            self.quote(side, mid_of(self.ticker))

    def stop(self) -> None:
        """Delete the group: the exchange cancels its resting orders with it."""
        if self.group_id is not None:
            auth.raw_delete(f"/portfolio/order_groups/{self.group_id}")
            self.say(f"deleted order group {self.group_id} and its resting orders")
            self.group_id = None


async def follow(bot: MarketMaker, seconds: float | None) -> Stream:
    params = {"channels": ["fill"], "market_tickers": [bot.ticker]}
    async with Stream({"cmd": "subscribe", "params": params}, seconds=seconds) as stream:
        async for message in stream:
            if not is_data(message):
                bot.say(f"<- {describe_reply(message)}")
                if message["type"] == "subscribed" and bot.group_id is None:
                    bot.start()  # subscribed first: no fill of ours can be missed
            elif message["type"] == "fill" and message["msg"].get("order_id") in set(
                bot.quotes.values()
            ):
                bot.on_fill(message["msg"])
    return stream


def main() -> int:
    p = auth.parser(__doc__, ticker=True, stream=True, writes=True)
    p.add_argument("--spread", type=Decimal, default=Decimal("0.04"), help="dollars (0.04)")
    p.add_argument("--size", type=Decimal, default=Decimal(5), help="contracts per quote (5)")
    p.add_argument("--contracts-limit", type=int, default=20, help="order group limit (20)")
    args = p.parse_args()
    if not (CENT * 2 <= args.spread < 1 and args.size > 0 and args.contracts_limit > 0):
        fail("--spread must be 0.02-0.99, --size and --contracts-limit positive")
    auth.guard_writes(args)
    say = narrator(args)
    auth.banner("market maker: quotes in an order group, fills over WebSocket", args)
    ticker = pick_ticker(args.ticker)
    if args.dry_run:
        auth.show_dry_run("POST", "/portfolio/order_groups/create", {"contracts_limit": 20})
        say("(then two post-only quotes in the group, a fill stream, and the group's deletion)")
        auth.result(args, "market maker dry run, nothing sent")
        return 0
    bot = MarketMaker(ticker, args.spread, args.size, args.contracts_limit, say)
    try:
        stream = run(follow(bot, args.seconds))
        say(f"\nstopped by {stream.stopped_by or 'the stream'}")
    finally:
        if not args.keep:
            bot.stop()
    say("\nWhat to notice:")
    say("  - Each fill arrives on the WebSocket first; the bot re-quotes only a filled side.")
    say("  - Deleting the order group cancelled the quotes: one call, nothing left resting.")
    say("\nNext: docs/testing-your-bot.md (test this bot with the pytest plugin)")
    auth.result(args, f"market maker made {bot.fills} fill(s), position {qty(bot.position)}")
    return 0


if __name__ == "__main__":
    auth.run(main)
