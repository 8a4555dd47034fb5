"""Create (or look up) a combo market from legs, then read it back as an ordinary market.

Demonstrates: POST /multivariate_event_collections/{collection_ticker} (SDK
`create_market_in_multivariate_event_collection`) and GET /markets/{ticker}.

Credentials: yes. Writes state: yes, it may create a market (a combo is created the first time
anyone asks for those legs; nothing to clean up, and nothing is bought). Limit: 5,000 creations
per user per week; asking again for existing legs is a lookup. Rate limit: 10 tokens per call.

Gotchas (late 2026):
- "This endpoint must be hit at least once before trading or looking up a market": until someone
  creates it, the combo's ticker does not exist anywhere.
- Legs are `{event_ticker, market_ticker, side}`; one market per event; the events must be in
  the collection. Errors come back as 400 with codes such as `duplicated_legs`,
  `conflicting_leg_outcomes`, `invalid_market_combination`.
- The combo is an ordinary market afterwards (GET /markets/{ticker}), with
  `mve_collection_ticker` and `mve_selected_legs`; GET /markets shows it unless you pass
  `mve_filter=exclude`, and GET /events leaves its event out (GET /events/multivariate has it).
- Combo markets are High Volatility Markets: RFQ timers of 1 s instead of 30 s / 15 s.

Run: uv run python 11_combos_and_rfq/02_create_combo_market.py [--legs 2] [--side yes]
"""

import auth
from auth.fmt import usd


def pick_legs(collection: str, n: int, side: str) -> list[dict]:
    """The first open market of each of the first n events of the collection."""
    c = auth.raw_get(f"/multivariate_event_collections/{collection}")["multivariate_contract"]
    legs = []
    for e in c["associated_events"]:
        markets = auth.raw_get("/markets", event_ticker=e["ticker"], status="open")["markets"]
        if markets:
            legs.append(
                {
                    "event_ticker": e["ticker"],
                    "market_ticker": markets[0]["ticker"],
                    "side": "yes" if e["is_yes_only"] else side,
                }
            )
        if len(legs) == n:
            return legs
    raise auth.KalshiError(
        404, "no_legs", f"{collection} has fewer than {n} events with an open market"
    )


def main() -> int:
    p = auth.parser(__doc__, writes=True)
    p.add_argument("--collection", default="KXMVESPORTSPARLAY", help="collection ticker")
    p.add_argument("--legs", type=int, default=2, help="number of legs (default 2)")
    p.add_argument("--side", choices=("yes", "no"), default="yes", help="side of every leg")
    args = p.parse_args()
    auth.guard_writes(args)
    auth.banner("Create a combo market", args)

    legs = pick_legs(args.collection, args.legs, args.side)
    body = {"selected_markets": legs, "with_market_payload": True}
    path = f"/multivariate_event_collections/{args.collection}"
    if args.dry_run:
        auth.show_dry_run("POST", path, body)
        auth.result(args, f"dry run: the combo creation (POST {path}) was not sent")
        return 0
    created = auth.raw_post(path, body)
    market = auth.raw_get(f"/markets/{created['market_ticker']}")["market"]
    if args.json:
        auth.print_json({"create": created, "market": market})
        return 0

    print(f"POST {path}")
    for leg in legs:
        print(f"  leg  {leg['side']:>3} on {leg['market_ticker']}")
    print(f"-> event  {created['event_ticker']}")
    print(f"-> market {created['market_ticker']}")
    print(f"\nGET /markets/{market['ticker']}  (an ordinary market now)")
    print(f"  title      {market['title']}")
    print(f"  status     {market['status']}, closes {market['close_time']}")
    print(f"  grid       {market['price_level_structure']}")
    print(
        f"  YES bid/ask {usd(market['yes_bid_dollars'], 4)} / {usd(market['yes_ask_dollars'], 4)}"
    )
    print(
        f"  collection {market['mve_collection_ticker']}, {len(market['mve_selected_legs'])} legs"
    )

    print("\nWhat to notice:")
    print("  - Run it twice: the same legs give the same ticker (a lookup, not a second market).")
    print("  - The combo's book is usually empty: you trade it by asking makers for a quote.")
    print(
        f"\nNext: uv run python 11_combos_and_rfq/03_request_quotes.py --ticker {market['ticker']}"
    )
    auth.result(args, f"combo {market['ticker']} with {len(legs)} legs, status {market['status']}")
    return 0


if __name__ == "__main__":
    auth.run(main)
