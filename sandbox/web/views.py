"""What the web view shows, as JSON-ready dicts read from the exchange (no I/O, no state).

Three parts, each rebuilt whole when something in it changes: `directory` (series > events >
markets with status, and the users), `market` (one market: ladder, trades, candles, lifecycle)
and `user` (one user: balance, positions, resting orders, fills, order groups). Records use the
REST serializers, so the page shows the same fields the API returns; money stays fixed-point
strings.
"""

from __future__ import annotations

from typing import Any

from sandbox.engine.errors import EngineError
from sandbox.engine.money import ZERO
from sandbox.http import serialize as ser

TAPE = 50  # trades and fills shown
ROWS = 100  # resting orders shown
CANDLE_MINUTES = 60  # one-minute candles shown


def users(exchange: Any) -> list[str]:
    """Every user (subaccount 0 is created with the user)."""
    return sorted(u for (u, sub) in exchange.accounts if sub == 0)


def directory(exchange: Any) -> dict:
    series: dict[str, dict] = {}
    for m in exchange.list_markets():
        s = series.get(m.series_ticker)
        if s is None:
            s = series[m.series_ticker] = {
                "ticker": m.series_ticker,
                "title": _title(exchange.get_series, m.series_ticker),
                "events": {},
            }
        e = s["events"].get(m.event_ticker)
        if e is None:
            e = s["events"][m.event_ticker] = {
                "ticker": m.event_ticker,
                "title": _title(exchange.get_event, m.event_ticker),
                "markets": [],
            }
        e["markets"].append({"ticker": m.ticker, "title": m.title, "status": m.status})
    return {
        "series": [{**s, "events": list(s["events"].values())} for s in series.values()],
        "users": users(exchange),
    }


def _title(get: Any, ticker: str) -> str:
    try:
        return get(ticker).title
    except EngineError:
        return ""


def market(exchange: Any, ticker: str) -> dict:
    """Raises EngineError 404 for an unknown market."""
    m = exchange.get_market(ticker)
    try:
        yes, no = exchange.book(ticker)
    except EngineError:  # archived (historical) markets have no book
        yes, no = [], []
    end = exchange.now() // 1000
    candles = exchange.market_candlesticks(ticker, end - CANDLE_MINUTES * 60, end, 1)
    return {
        "market": ser.market(m, True),
        # The one YES book: bids at p; a NO bid at p is a YES ask at 1 - p.
        "bids": [[ser.price(p), ser.count(q)] for p, q in reversed(yes)],
        "asks": [[ser.price(1 - p), ser.count(q)] for p, q in reversed(no)],
        "trades": [ser.trade(t) for t in exchange.list_trades(ticker)[:TAPE]],
        "candles": [_candle(c) for c in candles],
        "lifecycle": lifecycle(m, exchange.now()),
    }


def _candle(c: Any) -> dict:
    """What the chart draws of a candle (the full REST shape costs 3x as much to build)."""
    p = c.price
    return {
        "end_period_ts": c.end_period_ts,
        "open": ser.price(p.open),
        "high": ser.price(p.high),
        "low": ser.price(p.low),
        "close": ser.price(p.close),
        "yes_bid_close": ser.price(c.yes_bid.close),
        "yes_ask_close": ser.price(c.yes_ask.close),
        "volume_fp": ser.count(c.volume),
    }


def lifecycle(m: Any, now: int) -> list[dict]:
    """The market's milestones, past and scheduled, oldest first."""
    steps = [
        ("created", m.created_time or None, ""),
        ("open", m.open_time, ""),
        ("close", m.close_time, ""),
        ("determined", m.determined_time, f"result {m.result}" if m.result else ""),
        ("settled", m.settlement_ts, ""),
    ]
    return [
        {"kind": kind, "time": ser.iso_ms(ts), "done": ts <= now, "detail": detail}
        for kind, ts, detail in steps
        if ts is not None
    ]


def user(exchange: Any, user_id: str) -> dict:
    """Raises EngineError 404 for an unknown user."""
    if not exchange.has_user(user_id):
        raise EngineError(404, "not_found", "user not found")
    positions, _events = exchange.list_positions(user_id)
    resting = exchange.list_orders(user_id, status="resting")
    # Cash lives per exchange index (combos trade on index 1's): the total matches GET
    # /portfolio/balance, and the breakdown shows where it is.
    breakdown = exchange.indexes.breakdown(user_id, 0)
    return {
        "user_id": user_id,
        "balance_dollars": ser.dollars(sum((b for _, b in breakdown), ZERO)),
        "balance_by_index": [
            {"exchange_index": i, "balance_dollars": ser.dollars(b)} for i, b in breakdown
        ],
        "reserved_dollars": ser.dollars(exchange.total_resting_order_value(user_id, 0)),
        "portfolio_value_dollars": ser.dollars(exchange.portfolio_value(user_id)),
        "positions": [
            ser.market_position(p, exchange.catalog.markets[p.ticker].exchange_index)
            for p in positions
        ],
        "resting_orders": [ser.order(o, True) for o in resting[:ROWS]],
        "resting_total": len(resting),
        "fills": [ser.fill(f, True) for f in exchange.list_fills(user_id)[:TAPE]],
        "order_groups": [
            {
                "id": g.order_group_id,
                "contracts_limit_fp": ser.count(g.contracts_limit),
                "is_auto_cancel_enabled": g.is_auto_cancel_enabled,
                "triggered": g.triggered,
            }
            for g in exchange.list_order_groups(user_id)
        ],
    }
