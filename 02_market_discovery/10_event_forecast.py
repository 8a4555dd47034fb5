"""An event's forecast over time: percentile history and the event's candlesticks.

Demonstrates: `get_client().get_event_forecast_percentiles_history(...)` from the official SDK
(GET /trade-api/v2/series/{series}/events/{event}/forecast_percentile_history: `percentiles`
as repeated keys, `start_ts`, `end_ts`, `period_interval`; signed), and GET
/series/{series}/events/{event}/candlesticks (every market of the event in one call) with
`raw_get`. Without `--event` it takes the open KXHIGHNY event (today's NYC high).

Credentials: yes (the forecast history is signed; the candlesticks are public). Writes state:
no. Rate limit: 10 read tokens per call (3 calls).

Gotchas (late 2026):
- Percentiles are integers 0-9999 (5000 = the median), at most 10, sent as repeated keys
  (`percentiles=1000&percentiles=5000`), not a comma list.
- `period_interval` is in minutes: 1, 60 or 1440, or 0 for 5-second points. Timestamps are Unix
  *seconds*; `end_period_ts` marks the inclusive end of each period.
- Each point has `raw_numerical_forecast` (unrounded), `numerical_forecast` and a display string
  `formatted_forecast`. Events without numeric strikes (a game, a decision) have no forecast.
- Event candlesticks answer `market_tickers` and `market_candlesticks` as parallel lists (one
  candle list per market, in the same order).

Run: uv run python 02_market_discovery/10_event_forecast.py --hours 24
"""

import time

import auth
from auth.cli import fail
from auth.fmt import table, usd, when

PERCENTILES = (1000, 5000, 9000)


def main() -> int:
    p = auth.parser(__doc__)
    p.add_argument("--event", help="event ticker (default: the open KXHIGHNY event)")
    p.add_argument("--hours", type=int, default=24, help="history window (default 24)")
    args = p.parse_args()
    if not 1 <= args.hours <= 24 * 30:
        fail("--hours must be between 1 and 720")
    auth.banner("Event forecast percentile history and candlesticks", args)

    if args.event:
        event = auth.raw_get(f"/events/{args.event.upper()}")["event"]
    else:
        events = auth.raw_get("/events", series_ticker="KXHIGHNY", status="open", limit=1)["events"]
        if not events:
            fail("no open KXHIGHNY event; pass --event")
        event = events[0]
    series, ticker = event["series_ticker"], event["event_ticker"]
    now = int(time.time())
    window = {"start_ts": now - args.hours * 3600, "end_ts": now, "period_interval": 60}
    # The SDK signs this call (the one signed read among the event endpoints).
    answer = auth.get_client().get_event_forecast_percentiles_history(
        ticker=ticker, series_ticker=series, percentiles=list(PERCENTILES), **window
    )
    history = [h.to_dict() for h in answer.forecast_history]
    candles = auth.raw_get(f"/series/{series}/events/{ticker}/candlesticks", **window)
    if args.json:
        auth.print_json({"forecast_history": history, "candlesticks": candles})
        auth.result(args, f"{len(history)} forecast points for {ticker} (JSON)")
        return 0

    print(f"{ticker}: {event['title']}\n")
    rows = (
        (when(h["end_period_ts"]), *(x["formatted_forecast"] for x in h["percentile_points"]))
        for h in history[-8:]
    )
    print(table(rows, ("hour ending", "10th pct", "median", "90th pct"), "123"))
    print("\nLast hourly candle of each market:")
    rows = []
    for market, series_candles in zip(
        candles["market_tickers"], candles["market_candlesticks"], strict=True
    ):
        last = series_candles[-1] if series_candles else None
        rows.append(
            (
                market,
                usd(last["yes_bid"]["close_dollars"]) if last else "-",
                usd(last["yes_ask"]["close_dollars"]) if last else "-",
                last["open_interest_fp"] if last else "-",
            )
        )
    print(table(rows, ("market", "bid", "ask", "open interest"), "123"))

    median = history[-1]["percentile_points"][1]["formatted_forecast"] if history else "none"
    print(
        "\nWhat to notice: the percentiles are the market's own forecast; they move as the "
        "bracket\nprices move."
    )
    print("Next: uv run python 03_market_data/01_get_orderbook.py")
    auth.result(
        args,
        f"{len(history)} forecast points for {ticker}, median now {median}, "
        f"{len(candles['market_tickers'])} markets' candles",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
