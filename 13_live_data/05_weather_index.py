"""The weather index behind an hourly temperature market, and its calibrations.

Demonstrates: GET /trade-api/v2/markets?series_ticker=KXTEMPNYCH&status=open (the market and
its strike), GET /live_data/weather/{city} (`last_sec`, or `from`/`to` in unix ms, and
`detailed`) and GET /live_data/weather/{city}/calibrations, with `raw_get`.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call (3 calls).

Gotchas (late 2026):
- The index is city-keyed (`nyc`), not event-keyed: one minute-resolution series, in
  Fahrenheit rounded to 0.01, behind every hourly temperature market of the city.
- Minutes whose station quorum failed have no point at all: gaps are real, not zeros. `degraded`
  points (a member missing or substituted) are as settlement-eligible as `normal` ones.
- `from`/`to` are unix *milliseconds* and go together; `last_sec` replaces both. With
  `detailed=true` each point lists the member stations' raw readings, and the trailing minutes
  still inside the receipt deadline come back `incomplete` (no value yet).
- Calibrations are in Celsius: each record's station offsets and weights reproduce the index
  from the record's effective time; offsets change weekly, weights never.

Run: uv run python 13_live_data/05_weather_index.py --minutes 60
"""

from decimal import Decimal

import auth
from auth.cli import fail
from auth.fmt import table, when

CITY = "nyc"


def main() -> int:
    p = auth.parser(__doc__)
    p.add_argument("--minutes", type=int, default=60, help="window to read (default 60)")
    args = p.parse_args()
    if not 1 <= args.minutes <= 7 * 24 * 60:
        fail("--minutes must be between 1 and 10080 (a week)")
    auth.banner("Weather index behind an hourly temperature market", args)

    markets = auth.raw_get("/markets", series_ticker="KXTEMPNYCH", status="open")["markets"]
    if not markets:
        fail("no open KXTEMPNYCH market")
    market = markets[0]
    strike = Decimal(str(market["floor_strike"]))
    index = auth.raw_get(f"/live_data/weather/{CITY}", last_sec=args.minutes * 60, detailed=True)
    cal = auth.raw_get(f"/live_data/weather/{CITY}/calibrations")["calibrations"]
    if args.json:
        auth.print_json({"market": market, "index": index, "calibrations": cal})
        auth.result(
            args, f"{len(index['timeseries'])} index points, {len(cal)} calibration records (JSON)"
        )
        return 0

    points = [x for x in index["timeseries"] if "v" in x]
    pending = [x for x in index["timeseries"] if x["status"] == "incomplete"]
    print(
        f"{market['ticker']}: YES if the index at {when(market['close_time'])} is above "
        f"{strike}°F; YES bid/ask {market['yes_bid_dollars']}/{market['yes_ask_dollars']}\n"
    )
    print(
        table(
            (
                (
                    when(x["t"]),
                    f"{x['v']:.2f}",
                    x["status"],
                    x["contributors"],
                    ", ".join(
                        f"{s['station_id']} {s.get('temp_f', s['code'])}"
                        for s in x.get("stations", ())
                    ),
                )
                for x in points[-5:]
            ),
            ("minute", "°F", "status", "stations", "member readings"),
            "13",
        )
    )
    gaps = args.minutes - len(points) - len(pending)
    degraded = sum(x["status"] == "degraded" for x in points)
    print(
        f"\n{len(points)} points in {args.minutes} min: {degraded} degraded, {len(pending)} "
        f"still incomplete, {max(gaps, 0)} without quorum; version {index['config_version']}"
    )
    latest = cal[-1]
    print(
        f"\nCalibration {latest['config_version']} (effective {when(latest['effective_at_ms'])}, "
        f"{len(cal)} records), city reference {latest['city_reference_c']} °C:"
    )
    print(
        table(
            ((s["station_id"], s["weight"], s["offset_c"]) for s in latest["stations"]),
            ("station", "weight", "offset °C"),
            "12",
        )
    )

    last = Decimal(str(points[-1]["v"])) if points else None
    side = "-" if last is None else ("above" if last > strike else "at/below")
    print(
        "\nWhat to notice: the market settles on one minute of this series; the offsets say "
        "how each\nstation's bias is removed before the weighted mean."
    )
    print("That was the last script of the path; the README lists where to go from here.")
    auth.result(
        args,
        f"{len(points)} index minutes, last {last}°F {side} the {strike}°F strike, "
        f"{len(cal)} calibration records",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
