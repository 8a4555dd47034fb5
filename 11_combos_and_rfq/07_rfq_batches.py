"""RFQ batches: request quotes on a whole round robin of parlays in one call, read the best
quote on every child across makers, and accept them all or none.

Demonstrates: POST /portfolio/intra_exchange_instance_transfer (collateral on the combos'
exchange index), POST /communications/rfq_batches (children by their legs, looked up or created in
the collection), GET /communications/rfq_batches/{rfq_batch_id}/best_quotes, PUT
/communications/rfq_batches/{rfq_batch_id}/accept (with min_bids), GET
/communications/rfq_batches/{rfq_batch_id} (open -> accepted -> closed), DELETE of a batch left
open, GET /portfolio/fills.

Credentials: yes. Writes state: yes, and it TRADES: accepting buys --contracts of every parlay
(YES by default) at each child's best price plus the taker fee. The positions stay (they are the
point); a batch still open at the end is deleted. Cash for the trade is moved to the
collection's exchange index first, and what is left of it goes back at the end.
Rate limit: Write bucket for the batch create, accept and delete; reads are Read bucket.

The makers: on the local exchange simulated makers quote every batch within about a second and
confirm what they win. On demo you need real makers quoting batches (a second account can quote
with POST /communications/rfq_batches/{rfq_batch_id}/quotes and confirm with PUT
.../quotes/{batch_quote_id}/confirm).

Gotchas (late 2026; the batch operations are new and still hidden from the published docs):
- Combos live on exchange index 1 (a collection's `exchange_index`, from its series) and trade on
  that index's cash only: move collateral there first, or the accept fails with
  `available_balance_too_low`. All children of a batch must be on one exchange index.
- A batch has 2 to 57 children, distinct combos drawn from at most 6 distinct legs; you can
  have 2 open batches (replace_existing closes the oldest). Batches and single RFQs do not count
  against each other's limits. rest_remainder must be false.
- Each child fills at its best bid on the side you accept, possibly from several makers; makers
  are not named. Pass the bids you were shown as min_bids: a worse bid fails the accept
  (rfq_batch_quotes_changed), a better one fills at the better price.
- All or none: every child is accepted, or none; every winning maker must confirm, and the last
  confirmation starts the execution timer. A missed confirmation closes the whole batch.
- A maker's batch quote counts for 30 s after it was last sent; best quotes can change, so read
  them right before accepting.

Run: uv run python 11_combos_and_rfq/07_rfq_batches.py [--contracts 2] [--side yes]
"""

import time
from decimal import Decimal

import auth
from auth.fmt import dec, qty, usd
from auth.shards import TRANSFER, Collateral

COLLECTION = "KXMVESPORTSPARLAY"
BATCHES = "/communications/rfq_batches"
FEE_BOUND = Decimal("0.02")  # per contract: at most $0.0175 of taker fee, rounded up


def round_robin(collection: str) -> tuple[list[dict], int]:
    """Every 2-leg parlay of the first three open legs of the collection, as batch children,
    and the collection's exchange index (where its combos trade)."""
    c = auth.raw_get(f"/multivariate_event_collections/{collection}")["multivariate_contract"]
    legs = []
    for e in c["associated_events"]:
        markets = auth.raw_get("/markets", event_ticker=e["ticker"], status="open")["markets"]
        if markets:
            legs.append(
                {"event_ticker": e["ticker"], "market_ticker": markets[0]["ticker"], "side": "yes"}
            )
        if len(legs) == 3:
            pairs = [[legs[0], legs[1]], [legs[0], legs[2]], [legs[1], legs[2]]]
            return [{"selected_markets": pair} for pair in pairs], c["exchange_index"]
    raise auth.KalshiError(404, "no_legs", f"no three open legs in {collection}")


def main() -> int:
    p = auth.parser(__doc__, writes=True)
    p.add_argument("--collection", default=COLLECTION, help=f"collection (default {COLLECTION})")
    p.add_argument("--contracts", default="2", help="contracts per parlay (default 2)")
    p.add_argument("--side", choices=("yes", "no"), default="yes", help="side to buy")
    p.add_argument("--seconds", type=float, default=10, help="how long to wait for quotes")
    p.add_argument("--timeout", type=float, default=60, help="how long to wait for execution")
    args = p.parse_args()
    auth.guard_writes(args)
    auth.banner("RFQ batch: a round robin of parlays, all or none", args)
    if args.dry_run:
        body = {
            "children": [{"selected_markets": "[{leg A}, {leg B}]"}, "... one per parlay"],
            "mve_collection_ticker": args.collection,
            "contracts_fp": args.contracts,
        }
        collateral = {
            "source": "event_contract",
            "destination": "event_contract",
            "source_exchange_shard": 0,
            "destination_exchange_shard": "{the collection's exchange_index}",
            "amount": "{parlays x contracts x ($1 + fee bound), centi-cents}",
        }
        auth.show_dry_run("POST", TRANSFER, collateral)
        auth.show_dry_run("POST", BATCHES, body)
        accept = {"accepted_side": args.side, "min_bids": "[{rfq_id, bid_dollars}, ...]"}
        auth.show_dry_run("PUT", BATCHES + "/{rfq_batch_id}/accept", accept)
        auth.result(args, "dry run: the batch and the acceptance were not sent")
        return 0

    children, index = round_robin(args.collection)
    need = len(children) * Decimal(args.contracts) * (1 + FEE_BOUND)  # prices below $1 + fees
    with Collateral(index, need):
        body = {
            "children": children,
            "mve_collection_ticker": args.collection,
            "contracts_fp": args.contracts,
        }
        batch = auth.raw_post(BATCHES, body)["rfq_batch"]
        batch_id = batch["id"]
        tickers = {r["id"]: r["market_ticker"] for r in batch["rfqs"]}
        try:
            print(f"batch {batch_id}: {len(tickers)} parlays x {args.contracts} contracts")
            for rfq_id, ticker in tickers.items():
                print(f"  child ...{rfq_id[-12:]}  {ticker}")
            best = best_quotes(batch_id, args.side, args.seconds)
            key = f"{args.side}_bid_dollars"
            print(f"\nbest {args.side.upper()} bids across makers (version {best['version']}):")
            for row in best["rfqs"]:
                print(f"  {row['market_ticker'][:40]:40} {usd(row[key], 4)}")
            min_bids = [{"rfq_id": row["rfq_id"], "bid_dollars": row[key]} for row in best["rfqs"]]
            accept = {"accepted_side": args.side, "min_bids": min_bids}
            accepted = auth.raw_put(f"{BATCHES}/{batch_id}/accept", accept)
            print(f"\naccepted all {len(accepted['quotes'])} children; waiting for the makers ...")
            batch, seen = follow(batch_id, args.timeout)
            print("  status: " + " -> ".join(seen))
            if batch.get("close_reason") != "executed":
                reason = batch.get("close_reason")
                raise auth.KalshiError(
                    409, "not_executed", f"the batch ended {batch['status']}: {reason}"
                )
            # Executed: the winners' batch quotes now name your order on every child.
            won = auth.raw_get(f"{BATCHES}/{batch_id}/quotes")["batch_quotes"]
            orders = [q["rfq_creator_order_id"] for bq in won for q in bq["quotes"]]
            fills = [
                f for o in orders for f in auth.raw_get("/portfolio/fills", order_id=o)["fills"]
            ]
            if args.json:
                auth.print_json({"rfq_batch": batch, "batch_quotes": won, "fills": fills})
            count = sum((dec(f["count_fp"]) for f in fills), Decimal(0))
            cost = sum((dec(f["count_fp"]) * paid(f) for f in fills), Decimal(0))
            fee = sum((dec(f["fee_cost"]) for f in fills), Decimal(0))
            for f in fills:
                print(
                    f"fill {f['ticker'][:40]:40} {f['side']} {qty(f['count_fp'])} @ "
                    f"{usd(paid(f), 4)}, fee {usd(f['fee_cost'], 4)}, taker {f['is_taker']}"
                )
        finally:
            if auth.raw_get(f"{BATCHES}/{batch_id}")["rfq_batch"]["status"] == "open":
                auth.raw_delete(f"{BATCHES}/{batch_id}")
                print(f"DELETE {BATCHES}/{batch_id}: nothing left open")

    print(f"\n{len(won)} maker(s) filled the batch: {qty(count)} contracts for {usd(cost, 2)}")
    print("\nWhat to notice:")
    print("  - One request, one acceptance: every parlay traded, or none would have.")
    print("  - Each child filled at its own best bid; several makers may have filled the batch.")
    print("  - The parlays traded on the collection's exchange index, paid from its cash there.")
    print("\nNext: uv run python 12_subaccounts/01_create_subaccount.py")
    auth.result(
        args,
        f"RFQ batch of {len(tickers)} parlays filled: {qty(count)} contracts for "
        f"{usd(cost, 2)}, fees {usd(fee, 2)}",
    )
    return 0


def paid(fill: dict) -> Decimal:
    """Price per contract on the fill's own side."""
    yes = dec(fill["yes_price_dollars"])
    return yes if fill["side"] == "yes" else 1 - yes


def best_quotes(batch_id: str, side: str, seconds: float) -> dict:
    """Poll the best quotes until every child has a bid on our side (then one more second for
    other makers to compete)."""
    deadline = time.monotonic() + seconds
    best: dict = {}
    complete = f"{side}_complete"
    while time.monotonic() < deadline:
        best = auth.raw_get(f"{BATCHES}/{batch_id}/best_quotes")["best_quotes"]
        if best[complete]:
            deadline = min(deadline, time.monotonic() + 1)
        time.sleep(0.2)
    if not best.get(complete):
        raise auth.KalshiError(
            404,
            "no_quotes",
            f"no {side} bid on every child within {seconds:g}s",
            hint="on demo, a second account quotes with POST .../rfq_batches/{id}/quotes",
        )
    return auth.raw_get(f"{BATCHES}/{batch_id}/best_quotes")["best_quotes"]


def follow(batch_id: str, timeout: float) -> tuple[dict, list[str]]:
    """Poll the batch until it closes; the statuses it went through."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        batch = auth.raw_get(f"{BATCHES}/{batch_id}")["rfq_batch"]
        if not seen or seen[-1] != batch["status"]:
            seen.append(batch["status"])
        if batch["status"] == "closed" or time.monotonic() > deadline:
            return batch, seen
        time.sleep(0.1)


if __name__ == "__main__":
    auth.run(main)
