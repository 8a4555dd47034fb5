"""Your fills: each time one of your orders matched, at what price, how many, and the fee.

Demonstrates: `get_client().get_fills(ticker=..., limit=..., cursor=...)` from the official
SDK, which is GET /trade-api/v2/portfolio/fills (signed).

Credentials: yes. Writes state: no. Rate limit: 10 read tokens per page.

Gotchas (late 2026):
- Direction is `outcome_side` (yes | no: what the fill positioned you for) and `book_side`
  (bid | ask: the same bit in book terms). The old `side` + `action` pair is deprecated.
- `yes_price_dollars` and `no_price_dollars` are the same fill seen from both sides (sum $1);
  your cost per contract is the price on your outcome side.
- `is_taker`: true if your order took liquidity; makers and takers pay different fees
  (`fee_cost`, a dollar string).
- `fee_cost` is the fill's net fee (docs "Fee Rounding"): the trade fee rounded up to $0.0001,
  plus a rounding fee that brings your balance back to whole cents ($0.0001 for direct
  members), minus a rebate of rounding overpaid earlier in the same order (whole cents). Over
  one order the fees add up to what a single fill would cost.
- `fill_id` is the key (`trade_id` is the same value under its legacy name).
- Without `subaccount`, fills of all subaccounts are returned. Fills older than the historical
  cutoff are only under GET /historical/fills (see 08_historical/04_historical_fills.py).
- The SDK parses this fine; `--json` prints the raw body from `*_with_http_info()`.

Run: uv run python 04_portfolio/03_get_fills.py --limit 20
"""

import json

import auth
from auth.fmt import dec, qty, table, usd, when


def main() -> int:
    p = auth.parser(__doc__, limit=20)
    p.add_argument("--ticker", help="only this market (default: all)")
    p.add_argument("--cursor", help="continue from a previous page's cursor")
    args = p.parse_args()
    auth.banner("Fills", args)

    reply = auth.get_client().get_fills_with_http_info(
        ticker=args.ticker.upper() if args.ticker else None,
        limit=args.limit,
        cursor=args.cursor,
    )
    if args.json:
        body = json.loads(reply.raw_data)
        auth.print_json(body)
        auth.result(args, f"{len(body['fills'])} fill(s) (JSON)")
        return 0

    fills = reply.data.fills
    rows = [
        (
            when(f.created_time),
            f.ticker,
            f.outcome_side.value,  # the SDK's enums: OutcomeSide / BookSide (str subclasses)
            f.book_side.value,
            usd(f.yes_price_dollars if f.outcome_side == "yes" else f.no_price_dollars),
            qty(f.count_fp),
            usd(f.fee_cost, 4),
            "taker" if f.is_taker else "maker",
        )
        for f in fills
    ]
    headers = ("time (UTC)", "market", "outcome", "book", "price", "count", "fee", "role")
    print(table(rows, headers, right="456"))
    total = sum((dec(f.fee_cost) or 0 for f in fills), dec(0))
    print(f"\n{len(fills)} fill(s), fees {usd(total, 4)} in all")
    if reply.data.cursor:
        print(f"next page: --cursor {reply.data.cursor}")

    print(
        "\nWhat to notice: 'price' is what you paid per contract on your outcome side; book side "
        "bid = bought\nYES, ask = sold YES (bought NO). Takers usually pay more fee than makers."
    )
    print("Next: uv run python 04_portfolio/04_get_settlements.py")
    auth.result(args, f"{len(fills)} fill(s), fees {usd(total, 4)}")
    return 0


if __name__ == "__main__":
    auth.run(main)
