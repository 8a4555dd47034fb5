"""Your subaccounts' balances and the history of transfers between them, page by page.

Demonstrates: GET /trade-api/v2/portfolio/subaccounts/balances and
GET /trade-api/v2/portfolio/subaccounts/transfers (signed, paged with `cursor`).
Credentials: yes. Writes state: no. Cost: 10 read tokens per page.

Gotchas (late 2026):
- Transfers come newest first; follow `cursor` until it is empty. `amount_cents` is integer
  cents, `created_ts` Unix seconds. Transfers only move money between your own subaccounts, so
  the balances' total never changes because of one.
- The history keeps no `client_transfer_id`: keep your own record of the ids you sent (a retry
  with the same id answers 409, which is how you know the first one went through).
- A key restricted to one subaccount sees only that subaccount's balance.

Run: uv run python 12_subaccounts/03_transfer_history.py [--limit 100]
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import auth
from auth.cli import narrator
from auth.fmt import table, usd, when


def main() -> int:
    args = auth.parser(__doc__, limit=100).parse_args()
    auth.banner("Subaccount transfers", args)
    say = narrator(args)

    balances = auth.raw_get("/portfolio/subaccounts/balances")["subaccount_balances"]
    transfers, cursor = [], None
    while True:
        page = auth.raw_get("/portfolio/subaccounts/transfers", limit=args.limit, cursor=cursor)
        transfers += page["transfers"]
        cursor = page.get("cursor")
        if not cursor:
            break
    if args.json:
        auth.print_json({"subaccount_balances": balances, "transfers": transfers})
        return 0

    net: dict[int, int] = defaultdict(int)
    for t in transfers:
        net[t["from_subaccount"]] -= t["amount_cents"]
        net[t["to_subaccount"]] += t["amount_cents"]
    rows: list[tuple] = []
    for b in balances:
        moved = Decimal(net[b["subaccount_number"]]) / 100
        rows.append(
            (b["subaccount_number"], usd(b["balance"], 4), usd(moved), when(b["updated_ts"]))
        )
    say(table(rows, ("subaccount", "balance", "net transfers", "updated"), right="012"))
    say(f"\n{len(transfers)} transfer(s), newest first:")
    rows = [
        (
            when(t["created_ts"]),
            t["from_subaccount"],
            t["to_subaccount"],
            usd(Decimal(t["amount_cents"]) / 100),
            t["transfer_id"],
        )
        for t in transfers[:20]
    ]
    if rows:
        say(table(rows, ("created", "from", "to", "amount", "transfer_id"), right="123"))
    total = sum(Decimal(b["balance"]) for b in balances)
    say("\nWhat to notice: the net transfers add up to $0.00 across your subaccounts.")
    say("Next: uv run python 12_subaccounts/04_restricted_key.py")
    auth.result(
        args,
        f"{len(balances)} subaccount(s) holding {usd(total, 4)}, "
        f"{len(transfers)} transfer(s), net {usd(Decimal(sum(net.values())) / 100)}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
