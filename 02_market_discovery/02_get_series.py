"""One series in full: how often it recurs, how it is charged, how it settles, its contract terms.

Demonstrates: GET /trade-api/v2/series/{series_ticker} with `raw_get`. Without `--series` it uses
the series of an open market (market -> its event -> the event's series: 2 more calls).

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call
(1 call with --series, 3 with --ticker, 5 with neither).

Gotchas (late 2026):
- raw_get, not the SDK: the SDK's strict models reject the nulls the live API returns
  (`settlement_sources`, `tags`, `additional_prohibitions` and sometimes `category` are null).
- Fees are per series: `fee_type` is quadratic | quadratic_with_maker_fees |
  quadratic_with_combo_maker_fees | flat, scaled by `fee_multiplier` (a number, not a string).
  An event can override both (`fee_type_override`, `fee_multiplier_override`).
- `frequency` is free text ("daily", "weekly", "one_off", ...), not an enum.
- `category` is the primary category; `categories` is what the /series `category` filter matches.

Run: uv run python 02_market_discovery/02_get_series.py --series KXHIGHNY
"""

import auth
from auth.lookup import series_of
from auth.markets import pick_ticker


def main() -> int:
    p = auth.parser(__doc__, ticker=True)
    p.add_argument("--series", help="series ticker (default: the series of --ticker's market)")
    p.add_argument("--volume", action="store_true", help="also ask for the traded volume")
    args = p.parse_args()
    auth.banner("Series", args)

    series_ticker = (args.series or series_of(pick_ticker(args.ticker, need_book=False))).upper()
    response = auth.raw_get(f"/series/{series_ticker}", include_volume=args.volume or None)
    if args.json:
        auth.print_json(response)
        auth.result(args, f"series {series_ticker} (JSON)")
        return 0

    s = response["series"]
    fields = [
        ("ticker", s.get("ticker")),
        ("title", s.get("title")),
        ("frequency", s.get("frequency")),
        ("category", s.get("category")),
        ("categories", ", ".join(s.get("categories") or []) or "-"),
        ("tags", ", ".join(s.get("tags") or []) or "-"),
        ("fee_type", s.get("fee_type")),
        ("fee_multiplier", s.get("fee_multiplier")),
        ("contract_url", s.get("contract_url") or "-"),
        ("contract_terms_url", s.get("contract_terms_url") or "-"),
    ]
    if args.volume:
        fields.append(("volume_fp", s.get("volume_fp")))
    for name, value in fields:
        print(f"{name:<20} {value}")

    sources = s.get("settlement_sources") or []
    print(f"\nsettlement_sources ({len(sources)}):")
    for source in sources:
        print(f"  {source.get('name') or '-'}  {source.get('url') or ''}")
    prohibitions = s.get("additional_prohibitions") or []
    if prohibitions:
        print(f"\nadditional_prohibitions ({len(prohibitions)}):")
        for rule in prohibitions:
            print(f"  - {rule}")

    print(
        "\nWhat to notice: the fee schedule and the settlement sources belong to the series and "
        "apply to\nevery event and market in it; the contract PDF is the legal definition."
    )
    print("Next: uv run python 02_market_discovery/03_list_events.py")
    auth.result(
        args,
        f"series {series_ticker}: {len(sources)} settlement source(s), "
        f"fee type {s.get('fee_type')}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
