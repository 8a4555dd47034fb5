"""Your deposits and withdrawals, and how they add up to the cash you brought in.

Demonstrates: GET /trade-api/v2/portfolio/deposits and GET /trade-api/v2/portfolio/withdrawals
(signed, paged with `cursor`, `limit` 1-500). Credentials: yes. Writes state: no.
Cost: 10 read tokens per page.

Gotchas (late 2026):
- Amounts and fees are integer cents; times Unix seconds; `finalized_ts` is null while pending.
- Only `applied` entries are in your balance: a deposit adds its amount less its fee, a
  withdrawal takes its amount plus its fee. `pending`, `failed` and `returned` ones do not count.
- `type` is the payment method: ach, wire, crypto, debit or apm.
- Cash in minus cash out is not your balance: trading profit and loss, fees and cash held for
  resting orders sit in between. The reconciliation below shows that gap.

Run: uv run python 09_account_management/04_funding_history.py
"""

from __future__ import annotations

from decimal import Decimal

import auth
from auth.cli import narrator
from auth.fmt import table, usd, when


def fetch(path: str, key: str) -> list[dict]:
    items, cursor = [], None
    while True:
        page = auth.raw_get(path, limit=500, cursor=cursor)
        items += page[key]
        cursor = page.get("cursor")
        if not cursor:
            return items


def main() -> int:
    args = auth.parser(__doc__).parse_args()
    auth.banner("Funding history", args)
    say = narrator(args)
    deposits = fetch("/portfolio/deposits", "deposits")
    withdrawals = fetch("/portfolio/withdrawals", "withdrawals")
    balance = auth.raw_get("/portfolio/balance")
    if args.json:
        auth.print_json({"deposits": deposits, "withdrawals": withdrawals})
        auth.result(args, f"{len(deposits)} deposits, {len(withdrawals)} withdrawals (JSON)")
        return 0

    def dollars(cents: int) -> Decimal:
        return Decimal(cents) / 100

    for title, items in (("Deposits", deposits), ("Withdrawals", withdrawals)):
        say(f"{title} ({len(items)}), newest first:")
        rows = [
            (
                when(e["created_ts"]),
                e["type"],
                e["status"],
                usd(dollars(e["amount_cents"])),
                usd(dollars(e["fee_cents"])),
                when(e["finalized_ts"]) if e.get("finalized_ts") else "(pending)",
            )
            for e in items
        ]
        say(
            table(rows, ("created", "type", "status", "amount", "fee", "finalized"), right="34")
            if rows
            else "  (none)"
        )
        say("")
    cash_in = sum(
        dollars(e["amount_cents"] - e["fee_cents"]) for e in deposits if e["status"] == "applied"
    )
    cash_out = sum(
        dollars(e["amount_cents"] + e["fee_cents"]) for e in withdrawals if e["status"] == "applied"
    )
    pending = sum(dollars(e["amount_cents"]) for e in deposits if e["status"] == "pending")
    cash = Decimal(balance["balance_dollars"])
    say(f"applied deposits, net of fees   {usd(cash_in):>12}")
    say(f"applied withdrawals, with fees  {usd(-cash_out):>12}")
    say(f"net funding                     {usd(cash_in - cash_out):>12}")
    say(f"available balance now           {usd(cash, 4):>12}")
    say(f"difference (trading, holds)     {usd(cash - cash_in + cash_out, 4):>12}")
    if pending:
        say(f"pending deposits, not yet in the balance: {usd(pending)}")
    say("\nWhat to notice: only `applied` entries moved your balance; the rest is history.")
    say("Next: uv run python 09_account_management/05_usage_tier.py")
    auth.result(
        args,
        f"{len(deposits)} deposits, {len(withdrawals)} withdrawals, net funding "
        f"{usd(cash_in - cash_out)}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
