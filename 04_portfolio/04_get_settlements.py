"""Your settlements: how each market you held resolved, and what it paid you.

Demonstrates: `get_client().get_settlements(limit=..., cursor=...)` from the official SDK, which
is GET /trade-api/v2/portfolio/settlements (signed).

Credentials: yes. Writes state: no. Rate limit: 10 read tokens per page.

Gotchas (late 2026):
- `market_result` is yes | no | scalar. For a scalar market `value` is the payout per YES
  contract (integer cents); a NO contract pays 100 - value.
- Mixed units: `revenue` and `value` are still integer **cents**, while the costs
  (`yes_total_cost_dollars`, `no_total_cost_dollars`) and `fee_cost` are dollar strings.
- Profit = revenue - YES cost - NO cost - fees (costs were paid when you traded).
- Only records still in the live data set; archived positions are under
  GET /historical/positions, with different fields.
- The SDK parses this fine; `--json` prints the raw body from `*_with_http_info()`.

Run: uv run python 04_portfolio/04_get_settlements.py
"""

import json

import auth
from auth.fmt import cents, dec, qty, table, usd, when


def main() -> int:
    p = auth.parser(__doc__, limit=20)
    p.add_argument("--ticker", help="only this market (default: all)")
    p.add_argument("--cursor", help="continue from a previous page's cursor")
    args = p.parse_args()
    auth.banner("Settlements", args)

    reply = auth.get_client().get_settlements_with_http_info(
        limit=args.limit,
        cursor=args.cursor,
        ticker=args.ticker.upper() if args.ticker else None,
    )
    if args.json:
        body = json.loads(reply.raw_data)
        auth.print_json(body)
        auth.result(args, f"{len(body['settlements'])} settlement(s) (JSON)")
        return 0

    settlements = reply.data.settlements
    rows = []
    for s in settlements:
        costs = dec(s.yes_total_cost_dollars) + dec(s.no_total_cost_dollars)
        profit = dec(s.revenue) / 100 - costs - dec(s.fee_cost)
        rows.append(
            (
                when(s.settled_time),
                s.ticker,
                s.market_result,
                f"{qty(s.yes_count_fp)} / {qty(s.no_count_fp)}",
                usd(costs),
                cents(s.revenue),
                usd(s.fee_cost, 4),
                usd(profit, 4),
            )
        )
    headers = (
        "settled (UTC)",
        "market",
        "result",
        "held Y/N",
        "cost",
        "revenue",
        "fees",
        "profit",
    )
    print(table(rows, headers, right="34567"))
    print(f"\n{len(settlements)} settlement(s)")
    if reply.data.cursor:
        print(f"next page: --cursor {reply.data.cursor}")

    print(
        "\nWhat to notice: revenue is in cents (each winning contract pays 100), the costs and "
        "fees are dollar\nstrings: convert before you subtract."
    )
    print("Next: uv run python 05_orders/01_create_order.py")
    auth.result(args, f"{len(settlements)} settlement(s)")
    return 0


if __name__ == "__main__":
    auth.run(main)
