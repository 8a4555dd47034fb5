"""Cash per exchange index: move money between indexes, read the history, set a target split.

WRITES STATE: moves --amount (default $5.00) of your primary account's cash from exchange index
0 to index 1 (retrying once with the same client_transfer_id to show the 409), then sets a
target balance allocation of --split percent on index 0 (the rest on 1) and reads the result.
Before exiting, also on Ctrl+C or an error, it puts your previous allocation back and moves
index 1's cash back to what it was. KALSHI_ENV=prod is refused unless you pass --allow-prod.

Endpoints (credentials: yes): POST /portfolio/intra_exchange_instance_transfer,
GET /portfolio/intra_exchange_instance_transfers (paged with `cursor`) and .../{transfer_id},
GET|POST /portfolio/target_balance_allocation, GET /portfolio/subaccounts/balances,
GET /portfolio/balance (balance_breakdown). Cost: about 10 tokens a call.

Gotchas (late 2026, docs.kalshi.com/getting_started/exchange_sharding):
- Kalshi shards trading: each market lives on one exchange index (`exchange_index` on series,
  events and markets) and an order draws on that index's balance only. Since August 2026 every
  combo (multivariate) market is on index 1: the 11_combos_and_rfq scripts move collateral
  there before they trade and move what is left back after.
- `amount` is in centicents (1/10,000 of a dollar): $5.00 is 50000. The history answers dollars.
- `client_transfer_id` (a UUID) makes a retry safe: a repeat answers 409 and moves nothing. It
  is refused for transfers involving numbered subaccounts.
- /portfolio/balance sums every index unless you pass `exchange_index`; `balance_breakdown`
  lists each. A target allocation (percentages totalling 100) sweeps cash between indexes for
  you; an empty list turns that off.

Run: uv run python 12_subaccounts/06_exchange_indexes.py [--amount 5.00] [--split 90] [--dry-run]
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import auth
from auth.cli import fail, narrator
from auth.fmt import table, usd, when

EC = "event_contract"
TRANSFERS = "/portfolio/intra_exchange_instance_transfers"
ALLOCATION = "/portfolio/target_balance_allocation"


def index_cash() -> dict[int, Decimal]:
    """The primary account's cash per index (one read; /portfolio/balance allows 1 call/s)."""
    rows = auth.raw_get("/portfolio/subaccounts/balances")["subaccount_balances"]
    cash = {0: Decimal(0), 1: Decimal(0)}
    for b in rows:
        if b["subaccount_number"] == 0:
            cash[b["exchange_index"]] = Decimal(b["balance"])
    return cash


def transfer(amount: Decimal, src: int, dst: int, client_id: str | None = None) -> str:
    body: dict = {
        "source": EC,
        "destination": EC,
        "amount": int(amount * 10_000),  # centicents
        "source_exchange_shard": src,
        "destination_exchange_shard": dst,
    }
    if client_id:
        body["client_transfer_id"] = client_id
    return auth.raw_post("/portfolio/intra_exchange_instance_transfer", body)["transfer_id"]


def main() -> int:
    p = auth.parser(__doc__, writes=True)
    p.add_argument("--amount", type=Decimal, default=Decimal("5.00"), help="dollars (5.00)")
    p.add_argument("--split", type=int, default=90, help="target percent on index 0 (90)")
    args = p.parse_args()
    if args.amount <= 0 or args.amount != args.amount.quantize(Decimal("0.01")):
        fail("--amount must be a positive amount in whole cents, e.g. 5.00")
    if not 0 <= args.split <= 100:
        fail("--split must be 0-100")
    auth.guard_writes(args)
    auth.banner("Exchange indexes", args)
    say = narrator(args)
    client_id = str(uuid.uuid4())
    if args.dry_run:
        auth.show_dry_run(
            "POST",
            "/portfolio/intra_exchange_instance_transfer",
            {"source": EC, "destination": EC, "amount": int(args.amount * 10_000),
             "source_exchange_shard": 0, "destination_exchange_shard": 1,
             "client_transfer_id": client_id},
        )  # fmt: skip
        return 0

    start = index_cash()
    if start[0] < args.amount:
        fail(f"index 0 holds {usd(start[0], 4)}: pass a smaller --amount")
    previous = auth.raw_get(ALLOCATION)
    tid = None
    allocated = False
    try:
        tid = transfer(args.amount, 0, 1, client_id)
        say(f"moved {usd(args.amount)} from index 0 to index 1: transfer {tid}")
        try:
            transfer(args.amount, 0, 1, client_id)
            fail("the retry with the same client_transfer_id was applied twice")
        except auth.Conflict:
            say("the same request again (same client_transfer_id) -> 409: nothing moved twice")
        moved = index_cash()
        history, cursor = [], None
        while True:
            page = auth.raw_get(TRANSFERS, limit=100, cursor=cursor)
            history += page["transfers"]
            cursor = page.get("cursor")
            if not cursor:
                break
        one = auth.raw_get(f"{TRANSFERS}/{tid}")["transfer"]

        split = [
            {"exchange_index": 0, "percent": args.split},
            {"exchange_index": 1, "percent": 100 - args.split},
        ]
        auth.raw_post(ALLOCATION, {"allocations": split, "resting_margin_reservation": "sum"})
        allocated = True
        rebalanced = index_cash()
        bal = auth.raw_get("/portfolio/balance")  # every index, and the breakdown
    finally:
        if allocated:
            auth.raw_post(
                ALLOCATION,
                {
                    "allocations": previous["allocations"],
                    "resting_margin_reservation": previous["resting_margin_reservation"],
                },
            )
            say("cleanup: your previous target allocation is back")
        if tid:
            now = index_cash()
            extra = now[1] - start[1]
            if extra > 0:
                transfer(extra, 1, 0)
            elif extra < 0:
                transfer(-extra, 0, 1)
            say(f"cleanup: index 1 holds {usd(start[1], 4)} again")

    if args.json:
        auth.print_json({"transfer": one, "transfers": history, "balance": bal})
    rows = [
        ("before", usd(start[0], 4), usd(start[1], 4)),
        ("after the transfer", usd(moved[0], 4), usd(moved[1], 4)),
        (f"after a {args.split}/{100 - args.split} allocation", usd(rebalanced[0], 4),
         usd(rebalanced[1], 4)),
    ]  # fmt: skip
    say(table(rows, ("primary account", "index 0", "index 1"), right="12"))
    say(f"\n/portfolio/balance: {usd(bal['balance_dollars'], 4)} across indexes:")
    for b in bal.get("balance_breakdown", []):
        say(f"  index {b['exchange_index']}: {usd(b['balance'], 4)}")
    say(f"\n{len(history)} intra-exchange transfer(s), newest first:")
    rows = [
        (
            when(t["created_ts"]),
            f"{t['source_exchange_shard']} -> {t['destination_exchange_shard']}",
            usd(t["amount"], 4),
            t["status"],
            t["transfer_id"],
        )
        for t in history[:10]
    ]
    say(table(rows, ("created", "indexes", "amount", "status", "transfer_id"), right="2"))
    say(f"\nthe transfer read back: {usd(one['amount'], 4)}, {one['status']}")
    say("\nWhat to notice:")
    say("  - Moving cash between indexes never changes the total; orders use their market's index.")
    say("  - The allocation moved the rest for you: no transfer of yours did that.")
    say("\nNext: uv run python 13_live_data/01_milestones_and_targets.py")
    auth.result(
        args,
        f"moved {usd(args.amount)} 0 -> 1 (409 on retry), {len(history)} transfer(s), "
        f"{args.split}/{100 - args.split} split: index 1 {usd(rebalanced[1], 4)}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
