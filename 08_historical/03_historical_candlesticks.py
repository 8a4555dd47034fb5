"""Daily candles of a market that settled before the historical cutoff.

Demonstrates: GET /trade-api/v2/historical/markets/{ticker}/candlesticks with `raw_get`, after
GET /historical/markets/{ticker} for the market's open and settlement times. Without --ticker
it picks the busiest archived market of one page of GET /historical/markets.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call (2-3 calls).

Gotchas (late 2026):
- Different path *and* different field names from the live candles:
  - path: no series ticker, just /historical/markets/{ticker}/candlesticks;
  - `price.{open,high,low,close,mean,previous}` and `yes_bid`/`yes_ask.{open,low,high,close}`
    without the `_dollars` suffix (still dollar strings), `volume` and `open_interest` without
    `_fp` (still count strings). Code written for the live shape reads None everywhere here.
- `start_ts`, `end_ts`, `period_interval` (1, 60 or 1440) are required, as for live candles.
- Trade prices are null for a day without trades.
- `end_period_ts` is when the day's period ENDS (midnight): the trading day is the day before.
- raw_get, not the SDK: the same strict-model problem as the archived markets themselves, and
  this way both candle shapes are plain dicts you can compare side by side.

Run: uv run python 08_historical/03_historical_candlesticks.py --days 30
"""

from datetime import datetime

import auth
from auth.cli import number
from auth.fmt import dec, qty, table, usd, when


def epoch(value: str | None) -> int | None:
    return int(datetime.fromisoformat(value).timestamp()) if value else None


DAY = 86400  # seconds in a daily candle's period


def trading_day(end_period_ts: int) -> str:
    """The day a daily candle covers: its period *starts* 24 h before `end_period_ts`, so a
    candle ending at 00:00 UTC on the 2nd is the 1st's trading (not the 2nd)."""
    return when(end_period_ts - DAY)[:10]


def main() -> int:
    p = auth.parser(__doc__, limit=100)
    p.add_argument("--ticker", help="an archived market (default: the busiest on one page)")
    p.add_argument(
        "--days", type=number(int, low=1), default=30, help="at most this many daily candles"
    )
    args = p.parse_args()
    auth.banner("Historical candlesticks (daily)", args)

    ticker = args.ticker
    if not ticker:
        archived = auth.raw_get("/historical/markets", limit=args.limit)["markets"]
        if not archived:
            raise auth.KalshiError(404, "no_market", "the archive returned no markets")
        ticker = max(archived, key=lambda m: dec(m.get("volume_fp")) or 0)["ticker"]
    market = auth.raw_get(f"/historical/markets/{ticker.upper()}")["market"]

    end_ts = epoch(market.get("settlement_ts")) or epoch(market["close_time"])
    start_ts = max(epoch(market["open_time"]), end_ts - args.days * 86400)
    response = auth.raw_get(
        f"/historical/markets/{market['ticker']}/candlesticks",
        start_ts=start_ts,
        end_ts=end_ts + 86400,  # the last candle ends after the settlement moment
        period_interval=1440,
    )
    if args.json:
        auth.print_json(response)
        auth.result(
            args, f"{ticker.upper()}: {len(response['candlesticks'])} daily candle(s) (JSON)"
        )
        return 0

    print(
        f"{market['ticker']}: result {market.get('result') or '-'}, "
        f"settled {when(market.get('settlement_ts'))}\n"
    )
    rows = [
        (
            trading_day(c["end_period_ts"]),
            usd(c["price"].get("open")),
            usd(c["price"].get("high")),
            usd(c["price"].get("low")),
            usd(c["price"].get("close")),
            f"{usd(c['yes_bid'].get('close'))} / {usd(c['yes_ask'].get('close'))}",
            qty(c.get("volume")),
            qty(c.get("open_interest")),
        )
        for c in response.get("candlesticks") or []
    ]
    headers = ("trading day", "open", "high", "low", "close", "bid / ask", "volume", "open int")
    print(table(rows, headers, right="1234567"))
    print(f"\n{len(rows)} daily candle(s); '-' = no trade that day")

    print(
        "\nWhat to notice: price.close, volume, open_interest: the archive drops the _dollars "
        "and _fp suffixes\nthe live candles use; the values are the same kind of strings."
    )
    print("Next: uv run python 08_historical/04_historical_fills.py")
    auth.result(args, f"{ticker.upper()}: {len(rows)} daily candle(s)")
    return 0


if __name__ == "__main__":
    auth.run(main)
