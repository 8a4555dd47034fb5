"""Read a market's order book: YES bids and NO bids, and the asks they imply.

Demonstrates: GET /trade-api/v2/markets/{ticker}/orderbook?depth=N with `raw_get`.

Credentials: none (public since spec 3.34). Writes state: no. Rate limit: 10 read tokens
(2 more calls to pick an open market when --ticker is not given).

Gotchas (late 2026):
- The book holds bids only: `orderbook_fp.yes_dollars` are YES bids, `orderbook_fp.no_dollars`
  are NO bids, each level a pair of strings [price_dollars, count_fp]. There is no ask list:
  a NO bid at q *is* a YES ask at 1 - q. So best YES ask = 1 - best NO bid, and
  best NO ask = 1 - best YES bid.
- Sort defensively: the docs say levels come ascending (best bid last), the spec says best to
  worst. This script sorts by price itself and never trusts the position.
- `depth=N` returns the N best levels per side; 0 (the default) returns all.
- The old `orderbook: {yes: [[cents, int]], ...}` shape is gone since March 2026. raw_get and not
  the SDK because the lists are plain string pairs, and an empty side must stay an empty list
  (the SDK model raises on a null side).
- Batch form: GET /markets/orderbooks?tickers=A&tickers=B (up to 100 markets in one call).

Run: uv run python 03_market_data/01_get_orderbook.py --depth 5
"""

from decimal import Decimal

import auth
from auth.cli import number
from auth.fmt import ONE, dec, qty, table, usd
from auth.markets import pick_ticker


def levels(raw: list | None) -> list[tuple[Decimal, Decimal]]:
    """[(price, size)] best (highest) bid first, whatever order the server used."""
    parsed = [(dec(price), dec(size)) for price, size in raw or []]
    return sorted(parsed, key=lambda level: level[0], reverse=True)


def main() -> int:
    p = auth.parser(__doc__, ticker=True)
    p.add_argument(
        "--depth", type=number(int, low=0), default=5, help="levels per side (0 = all; default 5)"
    )
    args = p.parse_args()
    auth.banner("Order book", args)

    ticker = pick_ticker(args.ticker)
    response = auth.raw_get(f"/markets/{ticker}/orderbook", depth=args.depth)
    if args.json:
        auth.print_json(response)
        auth.result(args, f"order book of {ticker} (JSON)")
        return 0

    book = response.get("orderbook_fp") or {}
    yes_bids = levels(book.get("yes_dollars"))
    no_bids = levels(book.get("no_dollars"))
    # Each NO bid at q is a YES ask at 1 - q: best (lowest) YES ask first.
    yes_asks = [(ONE - price, size) for price, size in no_bids]

    print(f"{ticker}: {len(yes_bids)} YES bid level(s), {len(no_bids)} NO bid level(s)\n")
    best_bid = yes_bids[0][0] if yes_bids else None
    best_ask = yes_asks[0][0] if yes_asks else None
    if best_bid is not None:
        print(f"best YES bid   {usd(best_bid)}  x {qty(yes_bids[0][1])}")
    if no_bids:
        print(f"best NO bid    {usd(no_bids[0][0])}  x {qty(no_bids[0][1])}")
    if best_ask is not None:
        print(f"best YES ask   {usd(best_ask)}  (= 1 - best NO bid {usd(no_bids[0][0])})")
    if best_bid is not None:
        print(f"best NO ask    {usd(ONE - best_bid)}  (= 1 - best YES bid {usd(best_bid)})")
    if best_bid is not None and best_ask is not None:
        print(f"spread         {usd(best_ask - best_bid)}  mid {usd((best_ask + best_bid) / 2)}")

    # The ladder in YES prices: asks above (worst at the top), bids below (best at the top).
    rows = [("ask", usd(price), "", qty(size)) for price, size in reversed(yes_asks)]
    rows.append(("", "------", "", ""))
    rows += [("bid", usd(price), qty(size), "") for price, size in yes_bids]
    print("\nLadder (YES prices):")
    print(table(rows, ("", "YES price", "bid size", "ask size"), right="123"))

    print(
        "\nWhat to notice: every ask in the ladder is a NO bid turned around (1 - price); "
        "buying YES at the\nbest ask trades against the best NO bid."
    )
    print("Next: uv run python 03_market_data/02_get_candlesticks.py")
    auth.result(
        args,
        f"{ticker}: {len(yes_bids)} bid and {len(yes_asks)} ask level(s), "
        f"best YES bid {usd(best_bid)} / ask {usd(best_ask)}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
