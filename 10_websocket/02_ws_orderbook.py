"""A live local order book from the `orderbook_delta` channel: snapshot, deltas, seq checks,
resync on a gap, and (--verify) a regular comparison with the REST order book.

Channel: `orderbook_delta` (message types `orderbook_snapshot`, then `orderbook_delta`).
Credentials: yes (signed handshake). Writes state: no. Rate limit: one subscribe; --verify adds
one REST read (GET /markets/{ticker}/orderbook) every --verify-every seconds.

Gotchas (late 2026):
- Both sides are *bids*: `yes_dollars_fp` are YES bids, `no_dollars_fp` NO bids at NO prices
  (unless you subscribe with `use_yes_price: true`). The best YES ask is 1 - the best NO bid.
  A side with no orders is left out of the snapshot entirely (no empty list).
- A delta is a signed *change* of the size resting at (side, price), `delta_fp` ("-54.00"); at
  zero the level is gone. Keep sizes as Decimal: fractional counts exist on every market.
- `seq` numbers every message of a subscription (`sid`). A hole means a message was lost and
  the book is wrong from then on: ask for a fresh snapshot (`update_subscription` with
  `action: get_snapshot`, which leaves the subscription as it is) or resubscribe.
- After a reconnect the server numbers subscriptions afresh; the new snapshot restarts the book.
- `clock` is the exchange's change counter for the market (same on every connection): the
  snapshot includes every change up to its clock; several deltas may share one clock.
- A REST book read at a moment the stream has not reached yet looks different for a moment:
  --verify waits until the local book passes through the REST state before calling it a mismatch.
  (It checks as messages arrive, so on a quiet market it checks less often.)

Run: uv run python 10_websocket/02_ws_orderbook.py --seconds 10 [--ticker T] [--verify] [--json]
"""

from __future__ import annotations

import json
import time

import auth
from auth.cli import narrator, number
from auth.fmt import qty, table, usd
from auth.markets import pick_ticker
from auth.orderbook import Book, Books, Top
from auth.ws import Stream, describe_reply, is_data, run, timestamp

CATCH_UP_SECONDS = 2.0  # how long the stream may take to reach a REST snapshot's state


def show_top(top: Top) -> str:
    bid, ask = " " * 19, ""
    if top.yes_bid is not None:
        bid = f"{qty(top.yes_bid_size):>8} @ {usd(top.yes_bid, 4):<8}"
    if top.yes_ask is not None:
        ask = f"{usd(top.yes_ask, 4):>8} @ {qty(top.yes_ask_size):<8}"
    spread = usd(top.spread, 4) if top.spread is not None else "-"
    return f"YES bid {bid} | ask {ask:19} spread {spread}"


def show_depth(book: Book, say) -> None:
    """The five best levels of each side, YES asks shown as the NO bids they come from."""
    yes, no = book.depth("yes"), book.depth("no")
    rows = []
    for i in range(max(len(yes), len(no))):
        bid = yes[i] if i < len(yes) else None
        nob = no[i] if i < len(no) else None
        rows.append(
            (
                qty(bid[1]) if bid else "",
                usd(bid[0], 4) if bid else "",
                usd(1 - nob[0], 4) if nob else "",
                f"(NO bid {usd(nob[0], 4)})" if nob else "",
                qty(nob[1]) if nob else "",
            )
        )
    say(table(rows, ("size", "YES bid", "YES ask", "", "size"), right="0124"))


class Verifier:
    """Compares the local book with GET /markets/{ticker}/orderbook every `every` seconds.

    The REST answer may be ahead of the stream (deltas still in flight), so a difference is
    only a mismatch if the local book has not reached the REST state within CATCH_UP_SECONDS."""

    def __init__(self, ticker: str, every: float, say):
        self.ticker, self.every, self.say = ticker, every, say
        self.next_check = time.monotonic() + every
        self.pending: tuple[dict, float, int] | None = None  # (REST book, asked at, messages)
        self.agreed = self.mismatched = 0

    def rest_book(self) -> dict:
        return auth.raw_get(f"/markets/{self.ticker}/orderbook", depth=0)["orderbook_fp"]

    def after_message(self, book: Book) -> None:
        now = time.monotonic()
        if self.pending:
            rest, asked, messages = self.pending
            messages += 1
            if not book.diff(rest):
                self.agreed += 1
                self.done(f"local book equals the REST book, {messages} message(s) later")
            elif now - asked > CATCH_UP_SECONDS:
                self.mismatched += 1
                self.done(f"MISMATCH with REST: {'; '.join(book.diff(rest)[:3])}")
            else:
                self.pending = (rest, asked, messages)
        elif now >= self.next_check:
            rest = self.rest_book()
            if book.diff(rest):  # maybe only deltas in flight: wait for the stream
                self.pending = (rest, now, 0)
            else:
                self.agreed += 1
                self.done("local book equals the REST book")

    def done(self, verdict: str) -> None:
        self.pending = None
        self.next_check = time.monotonic() + self.every
        self.say(f"   verify: {verdict}")


async def watch(args, ticker: str, books: Books, verifier: Verifier | None, say) -> Stream:
    subscribe = {
        "cmd": "subscribe",
        "params": {"channels": ["orderbook_delta"], "market_tickers": [ticker]},
    }
    say(f"-> {json.dumps(subscribe)}\n")
    last_top: Top | None = None
    connection = 0
    snapshot_request: int | None = None  # id of our last get_snapshot command

    async with Stream(subscribe, seconds=args.seconds, max_messages=args.max_messages) as stream:
        async for message in stream:
            if args.json:
                print(json.dumps(message), flush=True)
            if stream.connections != connection:  # a new connection numbers sids afresh
                connection = stream.connections
                books.forget_sids()
            if not is_data(message):
                if not args.json:
                    say(f"<- {describe_reply(message)}")
                if message["type"] == "error" and message.get("id") == snapshot_request:
                    stream.restart("get_snapshot was refused; resubscribing instead")
                continue

            market = message["msg"].get("market_ticker")
            was_resyncing = market in books.resyncing
            problem = books.apply(message)
            if problem:  # the book can no longer be trusted: ask for a new snapshot
                update = {
                    "sid": message["sid"],
                    "market_tickers": sorted(books.resyncing),
                    "action": "get_snapshot",
                }
                cmd = {"cmd": "update_subscription", "params": update}
                say(f"!! {problem}: resync -> {json.dumps(cmd)}")
                snapshot_request = await stream.send(cmd)
                continue
            book = books.books.get(market)
            if book is None or market in books.resyncing:
                continue
            if message["type"] == "orderbook_snapshot" and not args.json:
                how = "resynced with a fresh snapshot" if was_resyncing else "snapshot"
                say(f"{how} (seq {message['seq']}, clock {message['msg'].get('clock')}):")
                show_depth(book, say)
                say("")
            top = book.top()
            if top != last_top and not args.json:
                print(f"{timestamp(message):20}  seq {message['seq']:>6}  {show_top(top)}")
                last_top = top
            if verifier:
                verifier.after_message(book)
    return stream


def main() -> int:
    p = auth.parser(__doc__, ticker=True, stream=True)
    p.add_argument("--verify", action="store_true", help="compare with the REST book regularly")
    p.add_argument(
        "--verify-every",
        type=number(float, low=0, open_low=True),
        default=5.0,
        help="seconds between checks (default 5)",
    )
    args = p.parse_args()
    say = narrator(args)
    auth.banner("WebSocket: orderbook_delta channel (local book)", args)
    ticker = pick_ticker(args.ticker)
    books = Books()
    verifier = Verifier(ticker, args.verify_every, say) if args.verify else None

    stream = run(watch(args, ticker, books, verifier, say))

    say(
        f"\nstopped by {stream.stopped_by}: {stream.data_messages} message(s), "
        f"{books.gaps} seq gap(s) resynced, {books.stale} stale message(s) skipped, "
        f"{stream.connections} connection(s)"
    )
    book = books.books.get(ticker)
    if book is not None:
        say(f"final book of {ticker}:")
        show_depth(book, say)
        if args.verify and ticker not in books.resyncing:
            diff = book.diff(auth.raw_get(f"/markets/{ticker}/orderbook", depth=0)["orderbook_fp"])
            if diff:
                say(f"final check: differs from REST ({'; '.join(diff[:3])}); the market may")
                say("have moved after the stream stopped: run again to see if it persists")
            else:
                say("final check: the local book equals the REST book")
        if verifier:
            say(f"verifications: {verifier.agreed} agreed, {verifier.mismatched} mismatched")
    say("\nWhat to notice:")
    say("  - Only the snapshot is a full book; every delta is a signed change at one price.")
    say("  - The YES ask is computed: 1 - best NO bid. Both REST and WS send bids only.")
    say("  - A seq gap is answered with get_snapshot: the book is replaced, sids stay the same.")
    say("\nNext: uv run python 10_websocket/03_ws_public_trades.py")
    auth.result(
        args,
        f"orderbook_delta: {stream.data_messages} message(s) "
        f"on {stream.connections} connection(s), stopped by {stream.stopped_by}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
