"""Trade in a subaccount and see that the primary account does not move.

WRITES STATE: moves --amount (default $5.00) from the primary account into your highest
numbered subaccount, places one bid there at the market's lowest tick (it rests, it does not
fill), then cancels it and moves the money back before exiting, also on Ctrl+C or an error
(--keep leaves both). Needs an existing subaccount: 12_subaccounts/01_create_subaccount.py
makes one. KALSHI_ENV=prod is refused unless you pass --allow-prod.

Endpoints (credentials: yes): POST /portfolio/subaccounts/transfer, POST /portfolio/events/orders
with `subaccount`, GET /portfolio/balance?subaccount=N, GET /portfolio/orders?subaccount=N,
DELETE /portfolio/events/orders/{id}?subaccount=N. Cost: about 10 tokens a call.

Gotchas (late 2026):
- Every order-side call takes `subaccount`. Writes (create, amend, decrease, cancel), balance,
  positions and queue positions default to 0, the primary; the LIST reads (orders, fills,
  settlements, order groups) default to ALL subaccounts. Name it everywhere.
- Cancelling a subaccount's order without `subaccount` looks in the primary account: 404.
- Each subaccount has its own cash, positions, resting-order holds and netting setting; an
  order can only use the cash of its own subaccount.
- A subaccount that was never created answers 404 on every endpoint that names it.

Run: uv run python 12_subaccounts/02_trade_in_subaccount.py [--ticker T] [--amount 5.00] [--dry-run]
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import auth
from auth.cli import fail, narrator
from auth.fmt import count_str, price_str, usd
from auth.markets import Market, pick_ticker
from auth.orders import new_client_order_id

ORDER = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    p.add_argument("--amount", type=Decimal, default=Decimal("5.00"), help="dollars (5.00)")
    p.add_argument("--count", type=int, default=10, help="contracts to bid for (10)")
    args = p.parse_args()
    cents = int(args.amount * 100)
    if cents <= 0 or cents != args.amount * 100:
        fail("--amount must be a positive amount in whole cents, e.g. 5.00")
    auth.guard_writes(args)
    auth.banner("Trade in a subaccount", args)
    say = narrator(args)
    if args.dry_run:
        body = {
            "ticker": args.ticker or "TICKER",
            "side": "bid",
            "price": "0.0100",
            "count": count_str(args.count),
            "subaccount": 1,
            **ORDER,
        }
        auth.show_dry_run("POST", "/portfolio/events/orders", body)
        return 0

    def balances() -> dict[int, Decimal]:
        """Every subaccount's balance in one read (GET /portfolio/balance allows 1 call/s)."""
        rows = auth.raw_get("/portfolio/subaccounts/balances")["subaccount_balances"]
        return {b["subaccount_number"]: Decimal(b["balance"]) for b in rows}

    before = balances()
    numbered = [n for n in before if n > 0]
    if not numbered:
        fail("you have no subaccount yet: run uv run python 12_subaccounts/01_create_subaccount.py")
    sub = max(numbered)
    market = Market.load(pick_ticker(args.ticker))
    price = market.resting_price("bid")
    primary_orders = len(
        auth.raw_get("/portfolio/orders", subaccount=0, status="resting")["orders"]
    )

    moved = placed = None
    try:
        auth.raw_post(
            "/portfolio/subaccounts/transfer",
            {
                "client_transfer_id": str(uuid.uuid4()),
                "from_subaccount": 0,
                "to_subaccount": sub,
                "amount_cents": cents,
            },
        )
        moved = True
        say(f"moved {usd(args.amount)} into subaccount {sub}")
        order = auth.raw_post(
            "/portfolio/events/orders",
            {
                "ticker": market.ticker,
                "side": "bid",
                "price": price_str(price),
                "count": count_str(args.count),
                "client_order_id": new_client_order_id(),
                "subaccount": sub,
                **ORDER,
            },
        )
        placed = order["order_id"]
        say(
            f"bid {args.count} YES at {usd(price)} on {market.ticker} in subaccount {sub}: {placed}"
        )
        sub_bal = auth.raw_get("/portfolio/balance", subaccount=sub)  # the one balance call
        sub_orders = auth.raw_get("/portfolio/orders", subaccount=sub, status="resting")["orders"]
        after = balances()
        after_orders = len(
            auth.raw_get("/portfolio/orders", subaccount=0, status="resting")["orders"]
        )
        held = before[sub] + args.amount - Decimal(sub_bal["balance_dollars"])
        if args.json:
            auth.print_json({"order": order, "subaccount_balance": sub_bal})
        say(
            f"\nsubaccount {sub}: balance {usd(sub_bal['balance_dollars'], 4)} "
            f"({usd(held, 4)} held for the bid), {len(sub_orders)} resting order(s)"
        )
        say(
            f"primary (0):  balance {usd(after[0], 4)} (after the transfer, before the bid: "
            f"{usd(before[0] - args.amount, 4)}), {after_orders} resting order(s) "
            f"(before: {primary_orders})"
        )
        try:  # the same order id, cancelled without naming the subaccount
            auth.raw_delete(f"/portfolio/events/orders/{placed}")
        except auth.KalshiError as exc:
            say(f"cancel without subaccount -> {exc.status}: the primary account has no such order")
    finally:
        if placed and not args.keep:
            auth.raw_delete(f"/portfolio/events/orders/{placed}", subaccount=sub)
            say(f"cleanup: cancelled {placed} in subaccount {sub}")
        if moved and not args.keep:
            auth.raw_post(
                "/portfolio/subaccounts/transfer",
                {
                    "client_transfer_id": str(uuid.uuid4()),
                    "from_subaccount": sub,
                    "to_subaccount": 0,
                    "amount_cents": cents,
                },
            )
            say(f"cleanup: moved {usd(args.amount)} back to 0")
        elif moved:
            say(f"--keep: the bid and {usd(args.amount)} stay in subaccount {sub}")

    say("\nWhat to notice:")
    say("  - The bid's hold came out of the subaccount; the primary balance did not change.")
    say("  - Order ids are unique, but lookups still need the right `subaccount`.")
    say("\nNext: uv run python 12_subaccounts/03_transfer_history.py")
    auth.result(
        args,
        f"bid held {usd(held, 4)} in subaccount {sub}; primary orders {primary_orders}"
        f" -> {after_orders}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
