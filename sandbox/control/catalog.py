"""Series, events and markets from the control plane's JSON: only the tickers are required; the
rest defaults to a plain one-cent binary market, open now and closing in a day.

    series  {"ticker", "title", "category", "frequency", "fee_type", "fee_multiplier",
             "exchange_index" (0 or 1: the shard its events and markets live on)}
    event   {"event_ticker", "series_ticker", "title", "sub_title", "mutually_exclusive"}
    market  {"ticker", "event_ticker", "title", "yes_sub_title", "no_sub_title", "status",
             "close_time" (epoch s) | "close_in_seconds", "rules_primary"}
    collection {"collection_ticker", "series_ticker", "events" (event tickers, required),
             "title", "description", "size_min", "size_max", "is_ordered", "close_in_seconds"}
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.control.actions import bad
from sandbox.engine.common import INDEXES
from sandbox.engine.errors import EngineError
from sandbox.engine.models import Collection, Event, Market, PriceRange, Series
from sandbox.engine.money import dec
from sandbox.seed.collections import COMBO_GRID  # the seed's combo grid: one definition

LINEAR_CENT = (PriceRange(Decimal("0.00"), Decimal("1.00"), Decimal("0.01")),)
FEE_TYPES = ("quadratic", "quadratic_with_maker_fees", "quadratic_with_combo_maker_fees", "flat")
STATUSES = ("initialized", "active", "inactive")
DAY_S = 86_400


def _text(body: dict, name: str, default: str | None = None) -> str:
    value = body.get(name, default)
    if not isinstance(value, str) or not value or len(value) > 200:
        raise bad(f"{name}: a non-empty string (at most 200 characters)")
    return value


def series(body: dict) -> Series:
    ticker = _text(body, "ticker")
    fee_type = body.get("fee_type", "quadratic")
    if fee_type not in FEE_TYPES:
        raise bad(f"fee_type: one of {', '.join(FEE_TYPES)}")
    index = body.get("exchange_index", 0)
    if isinstance(index, bool) or index not in INDEXES:
        raise bad(f"exchange_index: one of {', '.join(map(str, INDEXES))}")
    return Series(
        ticker,
        _text(body, "title", ticker),
        _text(body, "category", "Sandbox"),
        _text(body, "frequency", "custom"),
        tags=["Sandbox"],
        categories=[_text(body, "category", "Sandbox")],
        fee_type=fee_type,
        fee_multiplier=dec(body.get("fee_multiplier", "1"), "fee_multiplier"),
        exchange_index=index,
    )


def event(ex: Any, body: dict) -> Event:
    ticker = _text(body, "event_ticker")
    series_ticker = _text(body, "series_ticker")
    ex.get_series(series_ticker)  # 404 for an unknown series
    exclusive = body.get("mutually_exclusive", True)
    if not isinstance(exclusive, bool):
        raise bad("mutually_exclusive: true or false")
    return Event(
        ticker,
        series_ticker,
        _text(body, "title", ticker),
        _text(body, "sub_title", ticker),
        exclusive,
    )


def _close_ms(ex: Any, body: dict) -> int:
    now = ex.now()
    close_time, close_in = body.get("close_time"), body.get("close_in_seconds", DAY_S)
    value = close_time if close_time is not None else close_in
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise bad("close_time / close_in_seconds: a number of seconds")
    seconds = dec(value, "close_time")
    ms = int(seconds * 1000) if close_time is not None else now + int(seconds * 1000)
    if ms <= now:
        raise bad("the market must close in the future")
    return ms


def market(ex: Any, body: dict) -> Market:
    ticker = _text(body, "ticker")
    e = ex.get_event(_text(body, "event_ticker"))  # 404 for an unknown event
    status = body.get("status", "active")
    if status not in STATUSES:
        raise bad(f"status: one of {', '.join(STATUSES)}")
    now, close = ex.now(), _close_ms(ex, body)
    return Market(
        ticker=ticker,
        event_ticker=e.event_ticker,
        series_ticker=e.series_ticker,
        title=_text(body, "title", ticker),
        subtitle=_text(body, "yes_sub_title", ticker),
        yes_sub_title=_text(body, "yes_sub_title", ticker),
        no_sub_title=_text(body, "no_sub_title", ticker),
        open_time=now,
        close_time=close,
        latest_expiration_time=close + 7 * DAY_S * 1000,
        expected_expiration_time=close,
        rules_primary=_text(body, "rules_primary", "Resolves as the sandbox's control plane says."),
        rules_secondary="A market created through the local exchange's control plane.",
        price_level_structure="linear_cent",
        price_ranges=LINEAR_CENT,
        status=status,
    )


def _size(body: dict, name: str, default: int, high: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise bad(f"{name}: a whole number from 1 to {high}")
    return value


def collection(ex: Any, body: dict) -> Collection:
    """A multivariate event collection over existing events (one market per event per combo,
    on the combo price grid every seeded collection uses)."""
    ticker = _text(body, "collection_ticker")
    if ticker in ex.collections.collections:
        raise EngineError(409, "collection_already_exists", f"collection {ticker} already exists")
    series_ticker = _text(body, "series_ticker")
    ex.get_series(series_ticker)  # 404 for an unknown series
    events = body.get("events")
    if not isinstance(events, list) or not events or len(events) > 100:
        raise bad("events: a list of 1 to 100 event tickers")
    for e in events:
        if not isinstance(e, str):
            raise bad("events: a list of event tickers")
        ex.get_event(e)  # 404 for an unknown event
    events = list(dict.fromkeys(events))
    size_max = _size(body, "size_max", min(len(events), 4), len(events))
    size_min = _size(body, "size_min", min(2, size_max), size_max)
    ordered = body.get("is_ordered", False)
    if not isinstance(ordered, bool):
        raise bad("is_ordered: true or false")
    now = ex.now()
    close_in = dec(body.get("close_in_seconds", 30 * DAY_S), "close_in_seconds")
    if close_in <= 0:
        raise bad("the collection must close in the future")
    return Collection(
        collection_ticker=ticker,
        series_ticker=series_ticker,
        title=_text(body, "title", ticker),
        description=_text(body, "description", f"Combine one market from up to {size_max} events."),
        open_date=now,
        close_date=now + int(close_in * 1000),
        associated_events=[
            {"ticker": e, "is_yes_only": False, "size_min": None, "size_max": 1} for e in events
        ],
        size_min=size_min,
        size_max=size_max,
        price_ranges=COMBO_GRID,
        is_ordered=ordered,
        functional_description="Resolves Yes if every selected outcome happens.",
    )
