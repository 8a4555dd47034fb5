"""Ask for quotes: create an RFQ, watch makers' quotes arrive, read them, delete the RFQ.

Demonstrates: POST /communications/rfqs, GET /communications/quotes?rfq_id=..., GET
/communications/rfqs/{rfq_id}, DELETE /communications/rfqs/{rfq_id}.

Credentials: yes. Writes state: yes, one RFQ, deleted before the script exits (also on Ctrl+C or
an error; --keep leaves it). Nothing is bought: accepting a quote is 05_full_rfq_trade.py.
Rate limit: RFQ and quote writes are in the Write bucket; 10 tokens each (quote reads cost 2).

Gotchas (late 2026):
- Size is exactly one of `contracts_fp` and `target_cost_dollars` (the exchange then sizes each
  side of a quote: `yes_contracts_fp` / `no_contracts_fp`); `rest_remainder` is required.
- A quote has two prices: `yes_bid_dollars` is what you would pay per YES contract,
  `no_bid_dollars` per NO contract; "0" declines that side. Lower is better for you.
- Quotes are private: you see every quote on your RFQ, makers see only their own.
- At most 100 open RFQs per user; `replace_existing` closes your others.
- `obscure_creator_id` hides your communications id from makers until a trade executes.
- Default market: a combo from KXMVESPORTSPARLAY (looked up or created, as 02 does).
- On the local exchange simulated makers answer within a second; start it with
  --no-rfq-makers to see an RFQ that nobody quotes. On demo, quotes come from real makers (or
  from your second account running 04_quote_an_rfq.py).

Run: uv run python 11_combos_and_rfq/03_request_quotes.py [--ticker T] [--contracts 10]
"""

import time

import auth
from auth.fmt import qty, table, usd


def default_combo() -> str:
    """A combo of the first two open legs of the sports parlay collection (as 02 does)."""
    c = auth.raw_get("/multivariate_event_collections/KXMVESPORTSPARLAY")["multivariate_contract"]
    legs = []
    for e in c["associated_events"]:
        markets = auth.raw_get("/markets", event_ticker=e["ticker"], status="open")["markets"]
        if markets:
            legs.append(
                {"event_ticker": e["ticker"], "market_ticker": markets[0]["ticker"], "side": "yes"}
            )
        if len(legs) == 2:
            path = "/multivariate_event_collections/KXMVESPORTSPARLAY"
            return auth.raw_post(path, {"selected_markets": legs})["market_ticker"]
    raise auth.KalshiError(
        404, "no_combo", "no two open legs in KXMVESPORTSPARLAY", hint="pass --ticker"
    )


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    p.add_argument("--contracts", default="10", help="contracts to ask a price for (default 10)")
    p.add_argument("--seconds", type=float, default=3.0, help="how long to wait for quotes")
    args = p.parse_args()
    auth.guard_writes(args)
    auth.banner("Request for quote (RFQ)", args)

    body = {
        "market_ticker": args.ticker or "{combo ticker}",
        "contracts_fp": f"{args.contracts}",
        "rest_remainder": False,
    }
    if args.dry_run:
        auth.show_dry_run("POST", "/communications/rfqs", body)
        auth.result(args, "dry run: the RFQ (POST /communications/rfqs) was not sent")
        return 0
    body["market_ticker"] = args.ticker or default_combo()
    rfq_id = auth.raw_post("/communications/rfqs", body)["id"]
    quotes: list[dict] = []
    try:
        print(f"RFQ {rfq_id}: {args.contracts} contracts of {body['market_ticker']}")
        print(f"waiting up to {args.seconds:g}s for quotes ...")
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline:
            quotes = auth.raw_get("/communications/quotes", rfq_id=rfq_id, status="open")["quotes"]
            if len(quotes) >= 2:
                break
            time.sleep(0.25)
        rfq = auth.raw_get(f"/communications/rfqs/{rfq_id}")["rfq"]
        if args.json:
            auth.print_json({"rfq": rfq, "quotes": quotes})
        else:
            show(rfq, quotes)
    finally:
        if args.keep:
            print(
                f"\n--keep: RFQ {rfq_id} stays open; delete it with "
                f"DELETE /communications/rfqs/{rfq_id}"
            )
        else:
            auth.raw_delete(f"/communications/rfqs/{rfq_id}")
            print(
                f"\nDELETE /communications/rfqs/{rfq_id}: the RFQ is closed, its quotes cancelled"
            )

    print("\nWhat to notice:")
    print("  - Each maker quotes both sides; the best YES quote is the lowest yes_bid.")
    print("  - Makers' identities are pseudonymous communications ids, never user ids.")
    print("\nNext: uv run python 11_combos_and_rfq/04_quote_an_rfq.py")
    best = min(
        (q for q in quotes if q["yes_bid_dollars"] != "0.0000"),
        key=lambda q: q["yes_bid_dollars"],
        default=None,
    )
    summary = f"best YES {usd(best['yes_bid_dollars'], 4)}" if best else "no quote arrived"
    auth.result(args, f"RFQ for {args.contracts} contracts got {len(quotes)} quote(s), {summary}")
    return 0


def show(rfq: dict, quotes: list[dict]) -> None:
    print(
        f"\nRFQ status {rfq['status']}, size {qty(rfq['contracts_fp'])}, "
        f"creator id {rfq['creator_id'][:12]}..."
    )
    if not quotes:
        print("no quotes (yet): nobody answered in time")
        return
    rows = [
        (
            q["id"][:13],
            q["creator_id"][:12],
            usd(q["yes_bid_dollars"], 4),
            qty(q.get("yes_contracts_fp")),
            usd(q["no_bid_dollars"], 4),
            qty(q.get("no_contracts_fp")),
        )
        for q in sorted(quotes, key=lambda q: q["yes_bid_dollars"])
    ]
    print(
        table(rows, ("quote", "maker", "YES price", "YES qty", "NO price", "NO qty"), right="2345")
    )


if __name__ == "__main__":
    auth.run(main)
