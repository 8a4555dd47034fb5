"""Block trades: propose a trade between two named accounts, let the other party accept it, and
see it execute (or, with --accept ID, accept someone else's proposal).

Demonstrates: POST /communications/block-trade-proposals, GET /communications/block-trade-
proposals, POST /communications/block-trade-proposals/{id}/accept, GET /portfolio/fills.

Credentials: yes, and TWO accounts: the buyer and the seller each accept (a proposer who is one of
them has accepted by proposing). Writes state: yes, and it TRADES once both have accepted: the
buyer buys --contracts YES at --price from the seller. A proposal cannot be withdrawn; it
expires after --expires seconds if the other side does not accept.
Rate limit: Write bucket (block-trade accepts), 10 tokens per call.

Two accounts:
- Local exchange: user ids are the names: `demo` is you, and `uv run python -m sandbox add-user
  bob` makes `bob` (it prints bob's KALSHI_API_KEY_ID / KALSHI_PRIVATE_KEY_PATH). Run
  `... 06_block_trade.py --buyer demo --seller bob` as demo, then
  `... 06_block_trade.py --accept <id>` with bob's credentials.
- Demo: the counterparty's member user id (a UUID), and their own API key to accept.

Gotchas (late 2026):
- Money is in centi-cents (`price_centi_cents`: 3000 = $0.30) and sizes in centicounts
  (`centicount`: 2000 = 20 contracts), unlike the rest of the API's fixed-point strings.
- `maker_side` says which side pays maker fees (`yes` = the buyer's order rests first).
- Users see the other party's user id as "" (only their own role is filled in).
- Execution here needs the two orders to meet each other at the price: if a third party's
  resting order stands in the way, the acceptance is refused and nothing trades.

Run: uv run python 11_combos_and_rfq/06_block_trade.py --buyer demo --seller bob --dry-run
"""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import auth
from auth.cli import fail
from auth.fmt import qty, usd
from auth.markets import pick_ticker


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    p.add_argument("--buyer", help="user id of the buyer (buys YES)")
    p.add_argument("--seller", help="user id of the seller (sells YES = buys NO)")
    p.add_argument("--price", type=Decimal, help="YES price (default: a cent above the bid)")
    p.add_argument("--contracts", type=Decimal, default=Decimal(10), help="contracts")
    p.add_argument("--maker-side", choices=("yes", "no"), default="yes")
    p.add_argument("--expires", type=int, default=60, help="seconds until the proposal expires")
    p.add_argument("--seconds", type=float, default=30, help="wait this long for the other side")
    p.add_argument("--accept", metavar="ID", help="accept this proposal instead of proposing")
    args = p.parse_args()
    if not args.accept and not (args.buyer and args.seller) and not args.dry_run:
        fail("pass --buyer and --seller (user ids), or --accept ID")
    auth.guard_writes(args)
    auth.banner("Block trade", args)
    path = "/communications/block-trade-proposals"

    if args.accept:
        if args.dry_run:
            auth.show_dry_run("POST", f"{path}/{args.accept}/accept", {})
            auth.result(args, f"dry run: the acceptance of {args.accept} was not sent")
            return 0
        auth.raw_post(f"{path}/{args.accept}/accept", {})
        proposal = find(path, args.accept)
        show(proposal)
        auth.result(args, f"accepted block trade {args.accept[:13]}, status {proposal['status']}")
        return 0

    ticker = args.ticker or pick_ticker(None)
    if args.price is None and args.dry_run:
        args.price = Decimal("0.30")
    if args.price is None:  # strictly inside the spread: no third party's order in the way
        m = auth.raw_get(f"/markets/{ticker}")["market"]
        bid, ask = Decimal(m["yes_bid_dollars"]), Decimal(m["yes_ask_dollars"])
        if ask - bid < Decimal("0.02"):
            fail(f"no free price inside {ticker}'s spread: pass --price")
        args.price = bid + Decimal("0.01")
    expires = datetime.now(UTC) + timedelta(seconds=args.expires)
    body = {
        "buyer_user_id": args.buyer or "{buyer user id}",
        "seller_user_id": args.seller or "{seller user id}",
        "market_ticker": ticker,
        "price_centi_cents": int(args.price * 10_000),  # $0.30 -> 3000
        "centicount": int(args.contracts * 100),  # 10 contracts -> 1000
        "maker_side": args.maker_side,
        "expiration_ts": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if args.dry_run:
        auth.show_dry_run("POST", path, body)
        auth.result(args, "dry run: the block trade proposal was not sent")
        return 0
    proposal_id = auth.raw_post(path, body)["block_trade_proposal_id"]
    print(
        f"proposed {proposal_id}: {qty(args.contracts)} YES of {body['market_ticker']} "
        f"at {usd(args.price, 4)}, expires {body['expiration_ts']}"
    )
    print(f"the other side accepts with: 06_block_trade.py --accept {proposal_id}")
    deadline = time.monotonic() + args.seconds
    proposal = find(path, proposal_id)
    while proposal["status"] == "pending" and time.monotonic() < deadline:
        time.sleep(0.25)
        proposal = find(path, proposal_id)
    if args.json:
        auth.print_json(proposal)
    show(proposal)
    print("\nWhat to notice:")
    print("  - Both parties accept; the second acceptance executes the trade at once.")
    print("  - The fills are ordinary fills: a maker fill and a taker fill, with their fees.")
    print("\nNext: uv run python 12_subaccounts/01_create_subaccount.py")
    auth.result(
        args,
        f"block trade {proposal_id[:13]} for {qty(args.contracts)} at "
        f"{usd(args.price, 4)}: {proposal['status']}",
    )
    return 0


def find(path: str, proposal_id: str) -> dict:
    for proposal in auth.raw_get(path)["block_trade_proposals"]:
        if proposal["id"] == proposal_id:
            return proposal
    raise auth.KalshiError(404, "not_found", f"proposal {proposal_id} not found")


def show(p: dict) -> None:
    price = Decimal(p["price_centi_cents"]) / 10_000
    print(
        f"\n{p['id']}: {p['status']}, {qty(Decimal(p['centicount']) / 100)} of "
        f"{p['market_ticker']} at {usd(price, 4)} (maker side {p['maker_side']})"
    )
    print(f"  buyer accepted {p['buyer_accepted']}, seller accepted {p['seller_accepted']}")
    mine = p.get("buyer_order_id") or p.get("seller_order_id")
    if mine:
        for f in auth.raw_get("/portfolio/fills", order_id=mine)["fills"]:
            print(
                f"  my fill: {f['side']} {qty(f['count_fp'])} @ YES "
                f"{usd(f['yes_price_dollars'], 4)}, fee {usd(f['fee_cost'], 4)}, "
                f"taker {f['is_taker']}"
            )


if __name__ == "__main__":
    auth.run(main)
