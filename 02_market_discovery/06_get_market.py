"""One market in full: quotes, sizes, its price grid, its timeline and how it settles.

Demonstrates: GET /trade-api/v2/markets/{ticker} with `raw_get`, and `auth.markets.PriceGrid`
to read the tick grid from `price_ranges`.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call
(1 call with --ticker; 2 more to pick an open market otherwise).

Gotchas (late 2026):
- raw_get, not the SDK: the SDK's strict models reject the nulls the live API returns.
- There is one book per market. A YES bid at p is a NO ask at 1 - p, so YES bid + NO ask = $1
  and YES ask + NO bid = $1 (the NO quotes are derived, not a second book).
- Prices must lie on the market's grid, `price_ranges: [{start, end, step}]`: whole cents on
  most markets, sub-penny steps (down to $0.0001) near the edges on others. `tick_size` is
  gone; `price_level_structure` is only a label.
- Settlement fields are filled in as the market closes: `result` (yes | no | scalar | ""),
  `settlement_value_dollars`, `settlement_ts`, `expiration_value`.
- An unknown ticker answers 404; markets settled before the historical cutoff are only under
  GET /historical/markets/{ticker}.

Run: uv run python 02_market_discovery/06_get_market.py [--ticker MARKET_TICKER]
"""

import textwrap
from collections.abc import Callable

import auth
from auth.fmt import ONE, dec, qty, usd, when
from auth.markets import PriceGrid, pick_ticker


def show(label: str, value: object) -> None:
    print(f"  {label:<26} {value}")


def pair(market: dict, fields: str, fmt: Callable = usd) -> str:
    """'$0.42 / $0.45' from 'yes_bid_dollars yes_ask_dollars'."""
    return " / ".join(fmt(market.get(name)) for name in fields.split())


def main() -> int:
    args = auth.parser(__doc__, ticker=True).parse_args()
    auth.banner("Market", args)

    ticker = pick_ticker(args.ticker)  # default: an open market with bids on both sides
    response = auth.raw_get(f"/markets/{ticker}")
    if args.json:
        auth.print_json(response)
        auth.result(args, f"market {ticker} (JSON)")
        return 0

    m = response["market"]
    print(f"{m['ticker']}  ({m.get('market_type')}, status {m.get('status')})")
    print(f"  {m.get('title') or ''}")
    show("YES means", m.get("yes_sub_title"))
    show("event", m.get("event_ticker"))

    print("\nQuotes (dollars) and sizes (contracts)")
    show("YES bid / ask", pair(m, "yes_bid_dollars yes_ask_dollars"))
    show("NO  bid / ask", pair(m, "no_bid_dollars no_ask_dollars"))
    show("YES bid size / ask size", pair(m, "yes_bid_size_fp yes_ask_size_fp", qty))
    show("last / previous", pair(m, "last_price_dollars previous_price_dollars"))
    show("volume / 24h / open int", pair(m, "volume_fp volume_24h_fp open_interest_fp", qty))
    yes_bid, no_ask = dec(m.get("yes_bid_dollars")), dec(m.get("no_ask_dollars"))
    if yes_bid and no_ask:
        check = "holds" if yes_bid + no_ask == ONE else "does NOT hold"
        show("YES bid + NO ask", f"{usd(yes_bid + no_ask)} ({check}: one book, two views)")

    grid = PriceGrid.from_market(m)
    print("\nPrice grid")
    show("price_level_structure", m.get("price_level_structure") or "-")
    show("price_ranges", grid.describe())
    show("lowest / highest price", f"{usd(grid.lowest)} / {usd(grid.highest)}")
    if yes_bid:
        show("tick at the YES bid", usd(grid.step_at(yes_bid)))

    print("\nTimeline (UTC)")
    for name in ("open_time", "close_time", "expected_expiration_time", "latest_expiration_time"):
        show(name, when(m.get(name)))
    show("can_close_early", m.get("can_close_early"))

    print("\nSettlement")
    show("result", repr(m.get("result", "")))
    show("settlement_value_dollars", usd(m.get("settlement_value_dollars")))
    show("settlement_ts", when(m.get("settlement_ts")))
    show("settlement_timer_seconds", m.get("settlement_timer_seconds"))
    show("expiration_value", repr(m.get("expiration_value", "")))

    rules = textwrap.fill(m.get("rules_primary") or "-", 100, subsequent_indent="       ")
    print(f"\nRules: {rules}")

    print(
        "\nWhat to notice: the NO side is the YES book seen from the other side; an order price "
        "must be on\nthe grid above, which is not always whole cents."
    )
    print("Next: uv run python 02_market_discovery/07_search_tags_and_sports.py")
    auth.result(
        args,
        f"{ticker}: "
        f"YES bid {usd(m.get('yes_bid_dollars'))} / ask {usd(m.get('yes_ask_dollars'))}, "
        f"status {m.get('status')}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
