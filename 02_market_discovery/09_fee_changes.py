"""Scheduled fee changes (series and event) and what they do to an order's fee.

Demonstrates: GET /trade-api/v2/series/fee_changes (`series_ticker`, `show_historical`) and
GET /events/fee_changes (`event_ticker`, `limit`, `cursor`) with `raw_get`, then the taker fee of
one order under the series' structure and under the event's override, by Kalshi's formula.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call (4-5 calls).

Gotchas (late 2026):
- Series changes list only upcoming ones unless `show_historical=true`. Event changes are
  overrides layered on the series: `fee_type_override` and `fee_multiplier_override` both null
  means "override cleared, back to the series' fees".
- A change takes effect at `scheduled_ts`; the WebSocket sends `event_fee_update` on
  `market_lifecycle_v2` when an event override is set or cleared (10_websocket/06).
- Taker fee = round up to the cent of 0.07 x count x P x (1 - P) x multiplier; series of type
  quadratic_with_maker_fees also charge makers 0.0175 x ...; a `quadratic` override has no
  maker fees. The fee is computed per order over all its fills (fee accumulator).
- `fee_multiplier` is a JSON number, not a fixed-point string.

Run: uv run python 02_market_discovery/09_fee_changes.py --series KXNBAGAME
"""

from decimal import ROUND_CEILING, Decimal

import auth
from auth.fmt import table, usd, when

TAKER_RATE = Decimal("0.07")
CENT = Decimal("0.01")


def taker_fee(count: Decimal, price: Decimal, multiplier: Decimal) -> Decimal:
    raw = TAKER_RATE * count * price * (1 - price) * multiplier
    return raw.quantize(CENT, rounding=ROUND_CEILING)


def main() -> int:
    p = auth.parser(__doc__)
    p.add_argument("--series", default="KXNBAGAME", help="series whose fee changes to list")
    p.add_argument("--count", type=Decimal, default=Decimal(100), help="contracts in the order")
    args = p.parse_args()
    auth.banner("Fee changes", args)

    series_changes = auth.raw_get(
        "/series/fee_changes", series_ticker=args.series, show_historical=True
    )["series_fee_change_arr"]
    series = auth.raw_get(f"/series/{args.series}")["series"]
    event_changes = auth.raw_get("/events/fee_changes", limit=100)["event_fee_changes"]
    mine = [c for c in event_changes if c["series_ticker"] == args.series]
    if args.json:
        auth.print_json({"series_fee_changes": series_changes, "event_fee_changes": mine})
        auth.result(
            args,
            f"{len(series_changes)} + {len(mine)} fee change(s) of {args.series} (JSON)",
        )
        return 0

    print(f"Series {args.series}: now {series['fee_type']} x {series['fee_multiplier']}")
    print(
        table(
            ((when(c["scheduled_ts"]), c["fee_type"], c["fee_multiplier"]) for c in series_changes),
            ("scheduled", "fee type", "multiplier"),
        )
    )
    print(f"\nEvent overrides in {args.series}:")
    print(
        table(
            (
                (
                    when(c["scheduled_ts"]),
                    c["event_ticker"],
                    c["fee_type_override"] or "(cleared)",
                    c["fee_multiplier_override"]
                    if c["fee_multiplier_override"] is not None
                    else "-",
                )
                for c in mine
            ),
            ("scheduled", "event", "override", "multiplier"),
        )
    )

    # What an override does to one order: an event whose override is in force right now.
    shown = None
    for ticker in dict.fromkeys(c["event_ticker"] for c in mine):
        event = auth.raw_get(f"/events/{ticker}", with_nested_markets=True)["event"]
        if event.get("fee_type_override") and event.get("markets"):
            shown = event
            break
    result = f"{len(series_changes)} series and {len(mine)} event fee changes"
    if shown is None:
        print("\nNo override is in force right now; fees follow the series.")
    else:
        m = shown["markets"][0]
        price = Decimal(m["yes_ask_dollars"])
        base = taker_fee(args.count, price, Decimal(str(series["fee_multiplier"])))
        over = taker_fee(args.count, price, Decimal(str(shown["fee_multiplier_override"])))
        print(
            f"\nOverride in force on {shown['event_ticker']}: {shown['fee_type_override']} x "
            f"{shown['fee_multiplier_override']}"
        )
        print(
            f"Buying {args.count} YES of {m['ticker']} at {usd(price)}: taker fee "
            f"{usd(over)} with the override, {usd(base)} at the series' rate"
        )
        result += f"; {args.count} at {usd(price)} pays {usd(over)} instead of {usd(base)}"

    print(
        "\nWhat to notice: the event override beats the series; read both before pricing an order."
    )
    print("Next: uv run python 02_market_discovery/10_event_forecast.py")
    auth.result(args, f"{result}")
    return 0


if __name__ == "__main__":
    auth.run(main)
