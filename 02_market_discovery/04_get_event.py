"""One event and all of its markets, in a single call.

Demonstrates: GET /trade-api/v2/events/{event_ticker}?with_nested_markets=true with `raw_get`.
Without `--event` it uses the event of an open market.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call
(1 call with --event; 3 more to find the event of a market otherwise).

Gotchas (late 2026):
- raw_get, not the SDK: the SDK's strict models reject the nulls the live API returns.
- Ask for `with_nested_markets=true` and read `event.markets`. The top-level `markets` list is
  deprecated (it is what you get without the flag).
- `mutually_exclusive: true` means at most one market of the event settles YES (e.g. "who wins");
  `collateral_return_type` (MECNET / DIRECNET) says how collateral is netted across them.
- An event can override its series' fees: `fee_type_override`, `fee_multiplier_override`.

Run: uv run python 02_market_discovery/04_get_event.py [--event EVENT_TICKER]
"""

import auth
from auth.fmt import qty, table, usd, when
from auth.markets import pick_ticker


def main() -> int:
    p = auth.parser(__doc__, ticker=True)
    p.add_argument("--event", help="event ticker (default: the event of --ticker's market)")
    args = p.parse_args()
    auth.banner("Event", args)

    event_ticker = args.event
    if not event_ticker:
        market_ticker = pick_ticker(args.ticker, need_book=False)
        event_ticker = auth.raw_get(f"/markets/{market_ticker}")["market"]["event_ticker"]

    response = auth.raw_get(f"/events/{event_ticker.upper()}", with_nested_markets=True)
    if args.json:
        auth.print_json(response)
        auth.result(
            args,
            f"event {event_ticker.upper()} with its markets (JSON)",
        )
        return 0

    event = response["event"]
    for name in (
        "event_ticker",
        "series_ticker",
        "title",
        "sub_title",
        "mutually_exclusive",
        "collateral_return_type",
        "strike_date",
        "strike_period",
    ):
        value = event.get(name)
        shown = when(value) if name == "strike_date" else value
        print(f"{name:<24} {'-' if shown in (None, '') else shown}")
    overrides = (event.get("fee_type_override"), event.get("fee_multiplier_override"))
    if any(v is not None for v in overrides):
        print(f"{'fee override':<24} {overrides[0]} x {overrides[1]}")

    markets = event.get("markets") or []
    print(f"\n{len(markets)} market(s):")
    rows = [
        (
            m["ticker"],
            m.get("status"),
            m.get("yes_sub_title"),
            usd(m.get("yes_bid_dollars")),
            usd(m.get("yes_ask_dollars")),
            usd(m.get("last_price_dollars")),
            qty(m.get("volume_fp")),
        )
        for m in markets
    ]
    print(table(rows, ("market", "status", "yes means", "bid", "ask", "last", "volume"), "3456"))

    print(
        "\nWhat to notice: one call gives the whole event; in a mutually exclusive event the "
        "YES prices\nof its markets roughly add up to $1."
    )
    print("Next: uv run python 02_market_discovery/05_list_markets.py")
    auth.result(args, f"event {event_ticker.upper()}: {len(markets)} market(s)")
    return 0


if __name__ == "__main__":
    auth.run(main)
