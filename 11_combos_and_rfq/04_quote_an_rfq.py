"""The maker's side of an RFQ: list open RFQs, quote one, then withdraw the quote (or, with
--confirm, wait for the requester to accept it and confirm it, which executes the trade).

Demonstrates: GET /communications/id, GET /communications/rfqs?status=open, POST
/communications/quotes, GET /communications/rfqs/{rfq_id}/quotes/{quote_id}, PUT
.../quotes/{quote_id}/confirm, DELETE /communications/rfqs/{rfq_id}/quotes/{quote_id}.

Credentials: yes, a SECOND account: the quote answers someone else's RFQ (you cannot quote your
own). Writes state: one quote, deleted before exiting unless it executed (--keep leaves it).
With --confirm it TRADES: the requester accepted your price and confirming sells them the
contracts; that is not undone, and before confirming it moves cash for the trade to the market's
exchange index (what is left of it goes back at the end).
Rate limit: quote create/get/delete 2 tokens, Write bucket.

Two accounts:
- Local exchange: `uv run python -m sandbox add-user maker` prints KALSHI_API_KEY_ID and
  KALSHI_PRIVATE_KEY_PATH for a second user; run this script with them set, and
  03_request_quotes.py / 05_full_rfq_trade.py as the usual demo user.
- Demo: create a second demo account (demo.kalshi.co), make an API key there, and run this
  script with that key's KALSHI_API_KEY_ID / KALSHI_PRIVATE_KEY_PATH.

Gotchas (late 2026):
- Combos live on exchange index 1 and trade on index 1's cash only: a maker confirming a combo
  quote needs collateral there (POST /portfolio/intra_exchange_instance_transfer), or the
  execution fails and the quote is cancelled.
- `yes_bid` is the price per YES contract the requester would pay, `no_bid` per NO contract;
  "0" declines a side. Prices must be on the market's grid.
- A new quote on the same RFQ replaces your previous one. Makers never see each other's quotes.
- After the requester accepts, you have the confirmation window (30 s; 1 s on combos and other
  High Volatility Markets) to confirm; then an execution timer (15 s; 1 s) runs and both orders
  go to the book. Once confirmed, neither side can withdraw.

Run: uv run python 11_combos_and_rfq/04_quote_an_rfq.py [--rfq-id ID] [--edge 0.03] [--confirm]
"""

import time
from decimal import ROUND_FLOOR, Decimal

import auth
from auth.fmt import dec, qty, usd
from auth.shards import Collateral

CENT = Decimal("0.01")
FEE_BOUND = Decimal("0.02")  # per contract: at most $0.0175 of maker fee, rounded up


def pick_rfq(rfq_id: str | None) -> dict:
    """The given RFQ, else the newest open one that is not mine."""
    if rfq_id:
        return auth.raw_get(f"/communications/rfqs/{rfq_id}")["rfq"]
    me = auth.raw_get("/communications/id")["communications_id"]
    for rfq in auth.raw_get("/communications/rfqs", status="open", limit=100)["rfqs"]:
        if rfq["creator_id"] != me:
            return rfq
    raise auth.KalshiError(
        404,
        "no_rfq",
        "no open RFQ from another user",
        hint="create one with 03_request_quotes.py --keep from another account",
    )


def fair_value(market: dict) -> Decimal:
    """The book's mid, else the last price, else 50c. A combo's: the product of its legs' fair
    values (YES or NO as selected), as if the legs were independent."""
    legs = market.get("mve_selected_legs") or []
    if legs:
        fair = Decimal(1)
        for leg in legs:
            p = fair_value(auth.raw_get(f"/markets/{leg['market_ticker']}")["market"])
            fair *= p if leg["side"] == "yes" else 1 - p
        return fair
    bid, ask = dec(market["yes_bid_dollars"]), dec(market["yes_ask_dollars"])
    if bid and ask and ask < 1:
        return (bid + ask) / 2
    return dec(market["last_price_dollars"]) or Decimal("0.5")


def prices(market: dict, edge: Decimal) -> tuple[str, str]:
    """(yes_bid, no_bid): the fair value plus the edge on each side, in whole cents."""
    fair = fair_value(market)
    yes = min(max((fair + edge).quantize(CENT, ROUND_FLOOR), CENT), 1 - CENT)
    no = min(max((1 - fair + edge).quantize(CENT, ROUND_FLOOR), CENT), 1 - CENT)
    return f"{yes:.2f}", f"{no:.2f}"


def wait_for(path: str, statuses: set[str], seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        quote = auth.raw_get(path)["quote"]
        if quote["status"] in statuses or time.monotonic() > deadline:
            return quote
        time.sleep(0.1)


def main() -> int:
    p = auth.parser(__doc__, writes=True)
    p.add_argument("--rfq-id", help="the RFQ to quote (default: the newest open one not yours)")
    p.add_argument("--edge", type=Decimal, default=Decimal("0.03"), help="dollars above fair")
    p.add_argument("--confirm", action="store_true", help="wait for acceptance, then confirm")
    p.add_argument("--seconds", type=float, default=20, help="how long to wait for acceptance")
    args = p.parse_args()
    auth.guard_writes(args)
    auth.banner("Quote an RFQ (maker)", args)
    if args.dry_run:
        body = {
            "rfq_id": args.rfq_id or "{rfq_id}",
            "yes_bid": "0.45",
            "no_bid": "0.58",
            "rest_remainder": False,
        }
        auth.show_dry_run("POST", "/communications/quotes", body)
        auth.result(args, "dry run: the quote (POST /communications/quotes) was not sent")
        return 0

    rfq = pick_rfq(args.rfq_id)
    market = auth.raw_get(f"/markets/{rfq['market_ticker']}")["market"]
    yes, no = prices(market, args.edge)
    print(
        f"RFQ {rfq['id']}: {qty(rfq['contracts_fp'])} of {rfq['market_ticker']} "
        f"(requester {rfq['creator_id'][:12]}...)"
    )
    body = {"rfq_id": rfq["id"], "yes_bid": yes, "no_bid": no, "rest_remainder": False}
    quote_id = auth.raw_post("/communications/quotes", body)["id"]
    path = f"/communications/rfqs/{rfq['id']}/quotes/{quote_id}"
    quote = auth.raw_get(path)["quote"]
    outcome = "withdrawn"
    try:
        print(f"quote {quote_id}: YES at {usd(yes, 4)}, NO at {usd(no, 4)} ({quote['status']})")
        if args.confirm:
            print(f"waiting up to {args.seconds:g}s for the requester to accept ...")
            quote = wait_for(path, {"accepted", "cancelled"}, args.seconds)
            if quote["status"] == "accepted":
                print(f"accepted: {quote['accepted_side'].upper()} side; confirming")
                need = dec(quote["contracts_fp"]) * (1 + FEE_BOUND)  # a price below $1 + fee
                with Collateral(market["exchange_index"], need):
                    auth.raw_put(f"{path}/confirm", {})
                    quote = wait_for(path, {"executed", "cancelled"}, 40)
                outcome = quote["status"]
            else:
                print(f"not accepted ({quote['status']})")
        if args.json:
            auth.print_json({"rfq": rfq, "quote": quote})
        if quote["status"] == "executed":
            fills = auth.raw_get("/portfolio/fills", order_id=quote["creator_order_id"])["fills"]
            for f in fills:
                print(
                    f"my fill: {f['side']} {qty(f['count_fp'])} @ YES "
                    f"{usd(f['yes_price_dollars'], 4)}, fee {usd(f['fee_cost'], 4)}, "
                    f"maker {not f['is_taker']}"
                )
    finally:
        if quote["status"] in ("open", "accepted") and not args.keep:
            auth.raw_delete(path)
            print(f"DELETE {path}: quote withdrawn")

    print("\nWhat to notice:")
    print("  - You saw the RFQ (every user does) but not the other makers' quotes.")
    print("  - Confirming is the point of no return; the trade follows after the execution timer.")
    print("\nNext: uv run python 11_combos_and_rfq/05_full_rfq_trade.py")
    auth.result(
        args, f"quoted YES {usd(yes, 4)} / NO {usd(no, 4)} on {rfq['market_ticker']}, {outcome}"
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
