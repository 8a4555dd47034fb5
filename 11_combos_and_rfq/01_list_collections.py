"""Multivariate event collections: the recipes combos (parlays) are made from.

Demonstrates: GET /multivariate_event_collections and GET /multivariate_event_collections/{ticker}
with `raw_get`. Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call.

Gotchas (late 2026):
- A collection is not a market. It names the events whose markets may be combined
  (`associated_events`, with `is_yes_only` and per-event `size_max`), how many legs a combo takes
  (`size_min`..`size_max`) and whether their order matters (`is_ordered`).
- Combo markets are created on demand: POST /multivariate_event_collections/{ticker} with the legs
  (see 02_create_combo_market.py). The same legs always give the same KXMVE... ticker.
- Combos trade on the `center_deci_edge_centi_cent` grid (0.1c steps in the middle) and carry
  `quadratic_with_combo_maker_fees`; the quickest way to trade one is an RFQ (03, 05).
- `associated_event_tickers`, `is_single_market_per_event` and `is_all_yes` are deprecated
  mirrors of `associated_events`.

Run: uv run python 11_combos_and_rfq/01_list_collections.py [--collection KXMVESPORTSPARLAY]
"""

import auth
from auth.fmt import table, when


def main() -> int:
    p = auth.parser(__doc__, limit=20)
    p.add_argument("--collection", help="collection ticker to read in full (default: the first)")
    args = p.parse_args()
    auth.banner("Multivariate event collections", args)

    listed = auth.raw_get("/multivariate_event_collections", status="open", limit=args.limit)
    collections = listed["multivariate_contracts"]
    if not collections:
        print("no open collection")
        auth.result(args, "no open multivariate collection")
        return 0
    chosen = args.collection or collections[0]["collection_ticker"]
    one = auth.raw_get(f"/multivariate_event_collections/{chosen}")["multivariate_contract"]
    if args.json:
        auth.print_json({"multivariate_contracts": collections, "multivariate_contract": one})
        return 0

    rows = [
        (
            c["collection_ticker"],
            c["title"],
            len(c["associated_events"]),
            f"{c['size_min']}-{c['size_max']}",
            when(c["close_date"]),
        )
        for c in collections
    ]
    print(table(rows, ("collection", "title", "events", "legs", "closes")))

    print(f"\n{one['collection_ticker']}: {one['title']}")
    print(f"  {one['description']}")
    print(f"  rule: {one['functional_description']}")
    print(f"  legs: {one['size_min']} to {one['size_max']}, ordered: {one['is_ordered']}")
    print(f"  grid: {one['price_level_structure']}; series {one['series_ticker']}")
    print("  events you may take a leg from:")
    for e in one["associated_events"]:
        sides = "yes only" if e["is_yes_only"] else "yes or no"
        print(f"    {e['ticker']:32} {sides}, at most {e.get('size_max') or 'any'} market(s)")

    print("\nWhat to notice:")
    print("  - A combo ticker is derived from its legs: SERIES-S<hash> is the event, -<hash> the")
    print("    market; asking for the same legs again returns the same market.")
    print("  - Each leg is (event_ticker, market_ticker, side): 'yes' wins if that market resolves")
    print("    Yes, 'no' if it resolves No; the combo pays $1 only if every leg wins.")
    print("\nNext: uv run python 11_combos_and_rfq/02_create_combo_market.py")
    auth.result(
        args,
        f"{len(collections)} collections, {chosen} takes {one['size_min']}-"
        f"{one['size_max']} legs from {len(one['associated_events'])} events",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
