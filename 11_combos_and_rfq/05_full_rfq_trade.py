"""The whole RFQ trade, requester side: ask for quotes, accept the best, let the maker confirm,
watch it execute, and read back your fill, position and fee.

Demonstrates: POST /portfolio/intra_exchange_instance_transfer, POST /communications/rfqs,
GET /communications/quotes, PUT /communications/rfqs/{rfq_id}/quotes/{quote_id}/accept, GET
.../quotes/{quote_id} (status accepted -> confirmed -> executed), GET
/portfolio/fills?order_id=..., GET /portfolio/positions.

Credentials: yes. Writes state: yes, and it TRADES: accepting a quote that the maker confirms
buys --contracts contracts (YES by default) at the quoted price plus the taker fee. That
position stays (it is the point); the RFQ is deleted if it is still open at the end. It moves
cash to the market's exchange index first and moves what is left of it back at the end.
Rate limit: Write bucket for RFQ create/accept; quote reads cost 2 tokens.

The maker: on the local exchange simulated makers quote and confirm within about a second. On
demo you need quotes from real makers, or run 04_quote_an_rfq.py --confirm from a second account
at the same time (see its docstring).

Gotchas (late 2026):
- Combos live on exchange index 1 (Kalshi's combo shard since August 2026) and trade on index 1's
  cash only: move collateral there first (POST /portfolio/intra_exchange_instance_transfer,
  instant, no fee), or accepting fails with `available_balance_too_low` whatever index 0 holds.
- Accept one side: `accepted_side: yes` buys YES at the quote's `yes_bid`, `no` buys NO at its
  `no_bid`. The best quote for you is the LOWEST price on your side.
- The maker must confirm within the confirmation window (30 s; 1 s on combos), or the quote is
  cancelled and your RFQ stays open for another acceptance.
- After confirmation an execution timer runs (15 s; 1 s on combos), then both orders are placed on
  the public book and match: your fill is an ordinary taker fill (taker fee), the maker's a maker
  fill. The quote then names both orders (`rfq_creator_order_id` is yours).

Run: uv run python 11_combos_and_rfq/05_full_rfq_trade.py [--ticker T] [--contracts 5] [--side yes]
"""

import time
from decimal import Decimal

import auth
from auth.fmt import dec, qty, usd
from auth.shards import TRANSFER, Collateral

FEE_BOUND = Decimal("0.02")  # per contract: at most $0.0175 of taker fee, rounded up


def default_combo() -> str:
    """A combo of the first two open legs of the sports parlay collection (as 02 does)."""
    path = "/multivariate_event_collections/KXMVESPORTSPARLAY"
    c = auth.raw_get(path)["multivariate_contract"]
    legs = []
    for e in c["associated_events"]:
        markets = auth.raw_get("/markets", event_ticker=e["ticker"], status="open")["markets"]
        if markets:
            legs.append(
                {"event_ticker": e["ticker"], "market_ticker": markets[0]["ticker"], "side": "yes"}
            )
        if len(legs) == 2:
            return auth.raw_post(path, {"selected_markets": legs})["market_ticker"]
    raise auth.KalshiError(
        404, "no_combo", "no two open legs in KXMVESPORTSPARLAY", hint="pass --ticker"
    )


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    p.add_argument("--contracts", default="5", help="contracts to buy (default 5)")
    p.add_argument("--side", choices=("yes", "no"), default="yes", help="side to buy")
    p.add_argument("--seconds", type=float, default=5, help="how long to wait for quotes")
    p.add_argument("--timeout", type=float, default=60, help="how long to wait for execution")
    args = p.parse_args()
    auth.guard_writes(args)
    auth.banner("RFQ trade: request, accept, confirm, execute", args)
    if args.dry_run:
        body = {
            "market_ticker": args.ticker or "{combo ticker}",
            "contracts_fp": args.contracts,
            "rest_remainder": False,
        }
        collateral = {
            "source": "event_contract",
            "destination": "event_contract",
            "source_exchange_shard": 0,
            "destination_exchange_shard": "{market's exchange_index}",
            "amount": "{contracts x ($1 + fee bound), centi-cents}",
        }
        auth.show_dry_run("POST", TRANSFER, collateral)
        auth.show_dry_run("POST", "/communications/rfqs", body)
        auth.show_dry_run(
            "PUT",
            "/communications/rfqs/{rfq_id}/quotes/{quote_id}/accept",
            {"accepted_side": args.side},
        )
        auth.result(args, "dry run: the RFQ and the acceptance were not sent")
        return 0

    ticker = args.ticker or default_combo()
    # The market's shard (0 for ordinary markets, 1 for combos): its cash pays for the trade.
    index = auth.raw_get(f"/markets/{ticker}")["market"]["exchange_index"]
    need = Decimal(args.contracts) * (1 + FEE_BOUND)  # a price below $1 plus the fee
    with Collateral(index, need):
        body = {"market_ticker": ticker, "contracts_fp": args.contracts, "rest_remainder": False}
        rfq_id = auth.raw_post("/communications/rfqs", body)["id"]
        price_key = f"{args.side}_bid_dollars"
        try:
            print(f"RFQ {rfq_id}: buy {args.contracts} {args.side.upper()} of {ticker}")
            best = best_quote(rfq_id, price_key, args.seconds)
            price = dec(best[price_key])
            print(
                f"best quote {best['id']}: {args.side.upper()} at {usd(price, 4)} "
                f"from maker {best['creator_id'][:12]}..."
            )
            path = f"/communications/rfqs/{rfq_id}/quotes/{best['id']}"
            auth.raw_put(f"{path}/accept", {"accepted_side": args.side})
            print("accepted; waiting for the maker to confirm and the execution timer ...")
            quote, seen = follow(path, args.timeout)
            print("  status: " + " -> ".join(seen))
            if quote["status"] != "executed":
                raise auth.KalshiError(
                    409,
                    "not_executed",
                    f"the quote ended {quote['status']}: {quote.get('cancellation_reason', '')}",
                )
            fills = auth.raw_get("/portfolio/fills", order_id=quote["rfq_creator_order_id"])[
                "fills"
            ]
            positions = auth.raw_get("/portfolio/positions", ticker=ticker)["market_positions"]
            if args.json:
                auth.print_json({"quote": quote, "fills": fills, "market_positions": positions})
            count = sum((dec(f["count_fp"]) for f in fills), Decimal(0))
            fee = sum((dec(f["fee_cost"]) for f in fills), Decimal(0))
            for f in fills:
                paid = (
                    dec(f["yes_price_dollars"])
                    if f["side"] == "yes"
                    else 1 - dec(f["yes_price_dollars"])
                )
                print(
                    f"fill {f['fill_id'][:13]}: {f['side']} {qty(f['count_fp'])} @ {usd(paid, 4)}, "
                    f"fee {usd(f['fee_cost'], 4)}, taker {f['is_taker']}"
                )
            for pos in positions:
                print(
                    f"position {pos['ticker']}: {qty(pos['position_fp'])} (YES > 0, NO < 0), "
                    f"fees paid {usd(pos['fees_paid_dollars'], 4)}"
                )
        finally:
            if auth.raw_get(f"/communications/rfqs/{rfq_id}")["rfq"]["status"] == "open":
                auth.raw_delete(f"/communications/rfqs/{rfq_id}")
                print(f"DELETE /communications/rfqs/{rfq_id}: nothing left open")

    print("\nWhat to notice:")
    print("  - The RFQ closed when its quote executed; the other makers' quotes were cancelled.")
    print("  - Your fill is a taker fill at the quoted price; the maker paid the maker fee.")
    print("  - The trade was paid from the combo's exchange index (1), not from index 0.")
    print("\nNext: uv run python 11_combos_and_rfq/06_block_trade.py")
    auth.result(
        args,
        f"RFQ trade bought {qty(count)} {args.side.upper()} of {ticker} at "
        f"{usd(price, 4)}, fee {usd(fee, 2)}",
    )
    return 0


def best_quote(rfq_id: str, price_key: str, seconds: float) -> dict:
    """The lowest non-zero price on our side among the open quotes: after the first quote
    arrives, a second maker gets one more second to compete."""
    deadline = time.monotonic() + seconds
    quotes: list[dict] = []
    while time.monotonic() < deadline:
        quotes = auth.raw_get("/communications/quotes", rfq_id=rfq_id, status="open")["quotes"]
        quotes = [q for q in quotes if dec(q[price_key])]
        if len(quotes) >= 2:
            break
        if quotes:
            deadline = min(deadline, time.monotonic() + 1)
        time.sleep(0.2)
    if not quotes:
        raise auth.KalshiError(
            404,
            "no_quotes",
            f"no maker quoted within {seconds:g}s",
            hint="on demo, run 04_quote_an_rfq.py --confirm from a second account",
        )
    return min(quotes, key=lambda q: dec(q[price_key]))


def follow(path: str, timeout: float) -> tuple[dict, list[str]]:
    """Poll the quote until it executes or is cancelled; the statuses it went through."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        quote = auth.raw_get(path)["quote"]
        if not seen or seen[-1] != quote["status"]:
            seen.append(quote["status"])
        if quote["status"] in ("executed", "cancelled") or time.monotonic() > deadline:
            return quote, seen
        time.sleep(0.1)


if __name__ == "__main__":
    auth.run(main)
