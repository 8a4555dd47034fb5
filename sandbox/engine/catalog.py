"""Reference data: series, events and markets (what exists, what is live, what is historical).

State: `series`, `events`, `markets` by ticker. Statuses are changed by `Lifecycle`, trading
statistics by `MarketData`; both `touch` a market first.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import copy
from decimal import Decimal

from . import events as ev
from .common import DAY_MS, INDEXES, MARKET_STATUS_FILTER, within
from .errors import EngineError, not_found
from .models import (
    ACTIVE,
    AMENDED,
    DETERMINED,
    DISPUTED,
    FINALIZED,
    INACTIVE,
    INITIALIZED,
    Event,
    Market,
    Series,
)
from .money import ONE, ZERO
from .operation import Operation

# The fields trading and market data change on every book change and trade.
MARKET_STATS = (
    "yes_bid",
    "yes_ask",
    "yes_bid_size",
    "yes_ask_size",
    "last_price",
    "volume",
    "previous_yes_bid",
    "previous_yes_ask",
    "previous_price",
    "previous_day",
    "volume_24h",
    "open_interest",
    "dollar_volume",
)


class Catalog:
    def __init__(self, op: Operation):
        self.op = op
        self.series: dict[str, Series] = {}
        self.events: dict[str, Event] = {}
        self.markets: dict[str, Market] = {}
        # touch_market(m): before changing a market (a bound toucher: hot path);
        # touch_stats(m): before changing only its trading statistics (images 13 fields of 54)
        self.touch_market = op.toucher("market", self.markets)
        self.touch_stats = op.toucher("market", self.markets, MARKET_STATS)

    # ------------------------------------------------------------------ writes

    def add_series(self, series: Series) -> Series:
        """Create or replace a series (its exchange index: one the exchange runs)."""
        op = self.op
        if series.exchange_index not in INDEXES:
            raise EngineError(
                400,
                "invalid_parameters",
                f"exchange_index must be one of {INDEXES}",
                str(series.exchange_index),
            )
        series.last_updated_ts = series.last_updated_ts or op.now
        old = self.series.get(series.ticker)
        if old is not None:
            op.touch("series", old, self.series)
        self.series[series.ticker] = series
        op.added("series", series, self.series)
        return series

    def create_event(self, event: Event) -> Event:
        op = self.op
        op.step("create_event.validate")
        if event.series_ticker not in self.series:
            raise not_found("series")
        if event.event_ticker in self.events:
            raise EngineError(409, "event_already_exists", "event already exists")
        if event.strike_date is not None and event.strike_period is not None:
            # spec EventData: strike_date is "mutually exclusive with strike_period"
            raise EngineError(
                400, "invalid_parameters", "an event has strike_date or strike_period, not both"
            )
        op.step("create_event.record")
        # "Events and markets live on exactly one exchange" (docs.kalshi.com/getting_started/
        # exchange_sharding): the series' shard, pinned at creation.
        event.exchange_index = self.series[event.series_ticker].exchange_index
        event.last_updated_ts = event.last_updated_ts or op.now
        self.events[event.event_ticker] = event
        op.added("event", event, self.events)
        if op.events is not None:
            op.emit(
                ev.EventLifecycle(
                    "created",
                    event.event_ticker,
                    event.series_ticker,
                    event.title,
                    event.sub_title,
                    op.now,
                    event.exchange_index,
                )
            )
        return event

    def create_market(self, market: Market) -> Market:
        op = self.op
        now = op.now
        op.step("create_market.validate")
        event = self.events.get(market.event_ticker)
        if event is None:
            raise not_found("event")
        if market.ticker in self.markets:
            raise EngineError(409, "market_already_exists", "market already exists")
        op.step("create_market.record")
        market.series_ticker = event.series_ticker
        market.exchange_index = event.exchange_index
        market.created_time = market.created_time or now
        market.updated_time = market.updated_time or now
        market.previous_day = now // DAY_MS
        self.markets[market.ticker] = market
        op.added("market", market, self.markets)
        op.touch("event", event, self.events)
        event.markets.append(market.ticker)
        if op.events is not None:
            op.emit(ev.MarketLifecycle("created", copy(market), now))
        return market

    def set_series_fees(self, series_ticker: str, fee_type: str, multiplier: Decimal) -> bool:
        """A series' fee structure (scheduled fee changes); False if it already was that."""
        s = self.get_series(series_ticker)
        if (s.fee_type, s.fee_multiplier) == (fee_type, multiplier):
            return False
        self.op.touch("series", s, self.series)
        s.fee_type, s.fee_multiplier, s.last_updated_ts = fee_type, multiplier, self.op.now
        return True

    def set_event_fees(
        self, event_ticker: str, fee_type: str | None, multiplier: Decimal | None
    ) -> bool:
        """An event's fee override (None, None = cleared); False if it already was that."""
        e = self.get_event(event_ticker)
        if (e.fee_type_override, e.fee_multiplier_override) == (fee_type, multiplier):
            return False
        self.op.touch("event", e, self.events)
        e.fee_type_override, e.fee_multiplier_override = fee_type, multiplier
        e.last_updated_ts = self.op.now
        return True

    # ------------------------------------------------------------------ reads

    def is_historical_market(self, m: Market) -> bool:
        return m.settlement_ts is not None and m.settlement_ts < self.op.meta.market_settled_ts

    def live_market(self, ticker: str) -> Market:
        """A live market (404 if unknown or archived to the historical side)."""
        m = self.markets.get(ticker)
        if m is None or self.is_historical_market(m):
            raise not_found("market")
        return m

    def any_market(self, ticker: str) -> Market:
        m = self.markets.get(ticker)
        if m is None:
            raise not_found("market")
        return m

    def fees_of(self, m: Market) -> tuple[str, Decimal]:
        """(fee type, multiplier) of a market: the series', unless its event overrides."""
        e = self.events.get(m.event_ticker)
        s = self.series.get(m.series_ticker)
        fee_type = s.fee_type if s else "quadratic"
        mult = s.fee_multiplier if s else ONE
        if e is not None and e.fee_type_override:
            fee_type = e.fee_type_override
            if e.fee_multiplier_override is not None:
                mult = e.fee_multiplier_override
        return fee_type, mult

    def get_series(self, series_ticker: str) -> Series:
        s = self.series.get(series_ticker)
        if s is None:
            raise not_found("series")
        return s

    def list_series(self, category: str | None = None, tags: Iterable[str] | None = None):
        """Series, optionally filtered by category (any of `categories`) and any of `tags`."""
        out = []
        tagset = {t.strip() for t in tags} if tags else None
        for s in self.series.values():
            if category and category != s.category and category not in s.categories:
                continue
            if tagset and not tagset.intersection(s.tags):
                continue
            out.append(s)
        return out

    def series_volume(self, series_ticker: str) -> Decimal:
        return sum(
            (m.volume for m in self.markets.values() if m.series_ticker == series_ticker), ZERO
        )

    def get_event(self, event_ticker: str) -> Event:
        e = self.events.get(event_ticker)
        if e is None:
            raise not_found("event")
        return e

    def event_status(self, event_ticker: str) -> str:
        """unopened | open | closed | settled, derived from the event's markets."""
        statuses = {self.markets[t].status for t in self.get_event(event_ticker).markets}
        if not statuses or statuses <= {INITIALIZED}:
            return "unopened"
        if ACTIVE in statuses or INACTIVE in statuses:
            return "open"
        if statuses <= {FINALIZED, AMENDED, DETERMINED, DISPUTED}:
            return "settled"
        return "closed"

    def list_events(
        self,
        series_ticker: str | None = None,
        status: str | None = None,
        event_tickers: Iterable[str] | None = None,
        min_close_ts: int | None = None,
    ) -> list[Event]:
        """Live events (those with at least one live market), in creation order."""
        wanted = set(event_tickers) if event_tickers else None
        out = []
        for e in self.events.values():
            if series_ticker and e.series_ticker != series_ticker:
                continue
            if wanted is not None and e.event_ticker not in wanted:
                continue
            ms = [self.markets[t] for t in e.markets]
            if ms and all(self.is_historical_market(m) for m in ms):
                continue
            if status and self.event_status(e.event_ticker) != status:
                continue
            if min_close_ts is not None and not any(m.close_time >= min_close_ts for m in ms):
                continue
            out.append(e)
        return out

    def list_markets(
        self,
        *,
        event_ticker: str | None = None,
        series_ticker: str | None = None,
        status: str | None = None,
        tickers: Iterable[str] | None = None,
        min_created_ts: int | None = None,
        max_created_ts: int | None = None,
        min_close_ts: int | None = None,
        max_close_ts: int | None = None,
        min_settled_ts: int | None = None,
        max_settled_ts: int | None = None,
        min_updated_ts: int | None = None,
        max_updated_ts: int | None = None,
        historical: bool = False,
    ) -> list[Market]:
        """Markets by filter; `status` uses the GET /markets vocabulary (open, closed, ...).

        Live queries leave out markets settled before the historical cutoff; historical=True
        returns only those. Timestamps are epoch ms.
        """
        statuses = None
        if status:
            statuses = MARKET_STATUS_FILTER.get(status)
            if statuses is None:
                raise EngineError(400, "invalid_parameters", f"unknown status {status!r}")
        wanted = set(tickers) if tickers else None
        out = []
        for m in self.markets.values():
            if self.is_historical_market(m) != historical:
                continue
            if event_ticker and m.event_ticker != event_ticker:
                continue
            if series_ticker and m.series_ticker != series_ticker:
                continue
            if wanted is not None and m.ticker not in wanted:
                continue
            if statuses is not None and m.status not in statuses:
                continue
            if not within(m.created_time, min_created_ts, max_created_ts):
                continue
            if not within(m.close_time, min_close_ts, max_close_ts):
                continue
            if (min_settled_ts is not None or max_settled_ts is not None) and (
                m.settlement_ts is None
                or not within(m.settlement_ts, min_settled_ts, max_settled_ts)
            ):
                continue
            if not within(m.updated_time, min_updated_ts, max_updated_ts):
                continue
            out.append(m)
        return out

    # ------------------------------------------------------------------ restore

    def restore(self, series: list[Series], events: list[Event], markets: list[Market]) -> None:
        for s in series:
            self.series[s.ticker] = s
        for e in events:
            self.events[e.event_ticker] = e
        for m in sorted(markets, key=lambda m: (m.created_time, m.ticker)):
            self.markets[m.ticker] = m
