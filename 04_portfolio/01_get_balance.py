"""Your cash balance and portfolio value.

Demonstrates: `get_client().get_balance()` from the official SDK, which is
GET /trade-api/v2/portfolio/balance (signed).

Credentials: yes (KALSHI_API_KEY_ID + KALSHI_PRIVATE_KEY_PATH; a `read::portfolio_balance` key
is enough). Writes state: no. Rate limit: its own bucket, not the read budget: 1 call per
second on Basic and Advanced, 5 per second above, no burst.

Gotchas (late 2026):
- `balance` and `portfolio_value` are still integer **cents**; `balance_dollars` (since May 2026)
  is the exact dollar string, to $0.0001. `balance` truncates sub-cent amounts: prefer
  `balance_dollars`.
- `portfolio_value` is the value of your positions, not cash plus positions.
- `balance_breakdown` splits the balance per exchange index (shard), as dollar strings.
- Without `subaccount` this is the primary account (0), unlike the list endpoints, which
  default to all subaccounts.
- Two calls less than a second apart: the second answers 429. The SDK does not retry, so this
  script then exits 1 with a rate-limit hint; run it again a second later.
- The SDK parses this fine; `--json` prints the raw body from `get_balance_with_http_info()`.

Run: uv run python 04_portfolio/01_get_balance.py
"""

import json

import auth
from auth.cli import number
from auth.fmt import cents, table, usd, when


def main() -> int:
    p = auth.parser(__doc__)
    p.add_argument(
        "--subaccount", type=number(int, low=0), help="subaccount number (default 0, the primary)"
    )
    args = p.parse_args()
    auth.banner("Balance", args)

    reply = auth.get_client().get_balance_with_http_info(subaccount=args.subaccount)
    if args.json:
        body = json.loads(reply.raw_data)
        auth.print_json(body)
        auth.result(args, f"balance_dollars {body['balance_dollars']} (JSON)")
        return 0

    b = reply.data
    print(f"balance_dollars   {usd(b.balance_dollars, 4):<12}  exact, a dollar string")
    print(f"balance           {cents(b.balance):<12}  integer cents {b.balance} (truncated)")
    print(f"portfolio_value   {cents(b.portfolio_value):<12}  integer cents {b.portfolio_value}")
    print(f"updated_ts        {when(b.updated_ts)}")

    if b.balance_breakdown:
        rows = [(x.exchange_index, usd(x.balance, 4)) for x in b.balance_breakdown]
        print("\nPer exchange index:")
        print(table(rows, ("index", "balance"), right="01"))

    print(
        "\nWhat to notice: two representations of one number; the cents field truncates, the "
        "dollars string\nis exact. Poll at most once a second: this endpoint has its own bucket."
    )
    print("Next: uv run python 04_portfolio/02_get_positions.py")
    auth.result(args, f"balance {cents(b.balance)}, portfolio value {cents(b.portfolio_value)}")
    return 0


if __name__ == "__main__":
    auth.run(main)
