"""Walking the series -> events -> markets hierarchy upwards.

A market does not carry its series ticker: the market names its event (`event_ticker`), and the
event names its series (`series_ticker`). Endpoints addressed by series (candlesticks, GET /series)
need that second hop.
"""

from __future__ import annotations

from collections.abc import Sequence

from auth.client import raw_get


def series_of(ticker: str) -> str:
    """The series ticker of one market (2 public GETs; 404 with a hint for an unknown ticker)."""
    market = raw_get(f"/markets/{ticker}")["market"]
    return raw_get(f"/events/{market['event_ticker']}")["event"]["series_ticker"]


def series_map(tickers: Sequence[str]) -> dict[str, str]:
    """{market ticker: series ticker} for up to 100 markets in 2 GETs (unknown ones left out)."""
    markets = raw_get("/markets", tickers=",".join(tickers), limit=len(tickers))["markets"]
    event_tickers = sorted({m["event_ticker"] for m in markets})
    events = raw_get("/events", tickers=",".join(event_tickers), limit=200)["events"]
    series = {e["event_ticker"]: e["series_ticker"] for e in events}
    return {m["ticker"]: series[m["event_ticker"]] for m in markets if m["event_ticker"] in series}
