"""Create a subaccount and move money into it (and back out).

WRITES STATE: creates a numbered subaccount when you have none (or with --new), moves --amount
(default $10.00) from the primary account into it, and moves it back before exiting, also on
Ctrl+C or an error (--keep leaves the money there). SUBACCOUNTS CANNOT BE DELETED: on demo and
prod this script creates one only with --yes. KALSHI_ENV=prod also needs --allow-prod.

Endpoints (credentials: yes):
  POST /trade-api/v2/portfolio/subaccounts            -> 201 {subaccount_number}
  POST /trade-api/v2/portfolio/subaccounts/transfer   {client_transfer_id, from_subaccount,
                                                       to_subaccount, amount_cents} -> 200 {}
  GET  /trade-api/v2/portfolio/subaccounts/balances   -> every subaccount's balance
Cost: 10 tokens each.

Gotchas (late 2026):
- Creating subaccounts needs the Advanced API usage tier or above (a Basic key gets 403; see
  09_account_management/05_usage_tier.py --upgrade). Keys restricted to one subaccount cannot.
- Numbers are assigned in sequence (1, 2, ... 63); you cannot pick one, and none is ever
  deleted: reuse the ones you have.
- `amount_cents` is integer cents. `client_transfer_id` must be a UUID and is the idempotency
  key: retrying with the same id answers 409 instead of moving the money twice.
- A transfer moves available cash only (not cash held for resting orders); money never leaves
  the account: the subaccounts' balances always add up to the same total.
- Balances here are dollar strings; `updated_ts` is Unix seconds.

Run: uv run python 12_subaccounts/01_create_subaccount.py [--amount 10.00] [--new] [--dry-run]
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import auth
from auth.cli import fail, narrator
from auth.fmt import table, usd, when


def main() -> int:
    p = auth.parser(__doc__, writes=True)
    p.add_argument("--amount", type=Decimal, default=Decimal("10.00"), help="dollars (10.00)")
    p.add_argument(
        "--new", action="store_true", help="create another subaccount even if you have one"
    )
    p.add_argument(
        "--yes", action="store_true", help="agree to create one on demo/prod (permanent)"
    )
    args = p.parse_args()
    cents = int(args.amount * 100)
    if cents <= 0 or cents != args.amount * 100:
        fail("--amount must be a positive amount in whole cents, e.g. 10.00")
    auth.guard_writes(args)
    auth.banner("Create and fund a subaccount", args)
    say = narrator(args)
    if args.dry_run:
        auth.show_dry_run("POST", "/portfolio/subaccounts", {})
        body = {
            "client_transfer_id": str(uuid.uuid4()),
            "from_subaccount": 0,
            "to_subaccount": 1,
            "amount_cents": cents,
        }
        auth.show_dry_run("POST", "/portfolio/subaccounts/transfer", body)
        return 0

    numbered = [
        b
        for b in auth.raw_get("/portfolio/subaccounts/balances")["subaccount_balances"]
        if b["subaccount_number"] > 0
    ]
    if numbered and not args.new:
        number = max(b["subaccount_number"] for b in numbered)
        say(
            f"you already have subaccount(s) {[b['subaccount_number'] for b in numbered]}; "
            f"using {number} (--new creates another)"
        )
    else:
        if auth.settings().env != "local" and not args.yes:
            fail(
                f"subaccounts cannot be deleted; pass --yes to create one on {auth.settings().env}"
            )
        tier = auth.raw_get("/account/limits")["usage_tier"]
        if tier == "basic":  # creating one would answer 403
            fail(
                "creating subaccounts needs the Advanced API tier (yours: basic); run "
                "uv run python 09_account_management/05_usage_tier.py --upgrade first"
            )
        say("subaccounts cannot be deleted: this one stays (empty) after the script ends")
        number = auth.raw_post("/portfolio/subaccounts", {})["subaccount_number"]
        say(f"POST /portfolio/subaccounts -> subaccount_number {number}")

    moved = False
    try:
        body = {
            "client_transfer_id": str(uuid.uuid4()),
            "from_subaccount": 0,
            "to_subaccount": number,
            "amount_cents": cents,
        }
        auth.raw_post("/portfolio/subaccounts/transfer", body)
        moved = True
        say(
            f"moved {usd(args.amount)} from 0 to {number} (client_transfer_id "
            f"{body['client_transfer_id']})"
        )
        balances = auth.raw_get("/portfolio/subaccounts/balances")
        if args.json:
            auth.print_json(balances)
        rows = [
            (b["subaccount_number"], usd(b["balance"], 4), when(b["updated_ts"]))
            for b in balances["subaccount_balances"]
        ]
        say(table(rows, ("subaccount", "balance", "updated"), right="01"))
        funded = next(
            b for b in balances["subaccount_balances"] if b["subaccount_number"] == number
        )["balance"]
    finally:
        if moved and not args.keep:
            auth.raw_post(
                "/portfolio/subaccounts/transfer",
                {
                    "client_transfer_id": str(uuid.uuid4()),
                    "from_subaccount": number,
                    "to_subaccount": 0,
                    "amount_cents": cents,
                },
            )
            say(f"cleanup: moved {usd(args.amount)} back from {number} to 0")
        elif moved:
            say(
                f"--keep: {usd(args.amount)} stays in subaccount {number}; move it back with "
                "POST /portfolio/subaccounts/transfer"
            )

    say("\nWhat to notice:")
    say("  - The new subaccount's number came from the exchange; it is permanent.")
    say("  - The transfer only moved money between your own buckets: the total is unchanged.")
    say("\nNext: uv run python 12_subaccounts/02_trade_in_subaccount.py")
    auth.result(
        args,
        f"subaccount {number} held {usd(funded, 4)}"
        + (" (kept)" if args.keep else ", moved back to 0"),
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
