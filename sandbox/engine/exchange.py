"""The exchange: markets, books, accounts, orders, matching, order groups, settlement, history.

One writer (the server's event loop) calls these methods; each public mutating method is one
operation: it validates everything first, then applies, then (with a store) commits one SQLite
transaction, then tells `listeners`. Money is Decimal dollars; times are epoch milliseconds.
"""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Callable, Iterable
from copy import copy
from decimal import Decimal

from . import events as ev
from .book import Book
from .common import (
    DAY_MS,
    MARKET_STATUS_FILTER,
    MAX_SUBACCOUNT,
    CancelResult,
    EventPosition,
    real_clock,
    within,
)
from .errors import EngineError, not_found
from .groups import OrderGroupsMixin
from .lifecycle import LifecycleMixin
from .marketdata import MarketDataMixin
from .models import (
    ACTIVE,
    AMENDED,
    DETERMINED,
    DISPUTED,
    FINALIZED,
    INACTIVE,
    INITIALIZED,
    Account,
    Event,
    Fill,
    HistoricalCutoff,
    Market,
    MinuteCandle,
    Order,
    OrderGroup,
    Position,
    Series,
    Settlement,
    Trade,
)
from .money import ONE, ZERO, cents_down, dec
from .orders import OrdersMixin
from .portfolio import PortfolioMixin

log = logging.getLogger(__name__)


class _Operation:
    """Context manager for Exchange._op (a class: cheaper than a generator per operation)."""

    __slots__ = ("ex",)

    def __init__(self, ex: Exchange):
        self.ex = ex

    def __enter__(self) -> int:
        return self.ex._begin()

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.ex._end(exc)
        return False


class Exchange(OrdersMixin, OrderGroupsMixin, MarketDataMixin, LifecycleMixin, PortfolioMixin):
    """The whole exchange state in memory, optionally written through to a `Store`."""

    def __init__(self, *, seed: int = 1, clock: Callable[[], int] | None = None, store=None):
        self.seed = seed
        self.clock: Callable[[], int] = clock or real_clock
        self.listeners: list[Callable[[ev.Event], None]] = []
        self.store = store
        self.conn = store.conn if store is not None else None
        self.exchange_active = True
        self.trading_active = True
        self.series: dict[str, Series] = {}
        self.events: dict[str, Event] = {}
        self.markets: dict[str, Market] = {}
        self.books: dict[str, Book] = {}
        self.accounts: dict[tuple[str, int], Account] = {}
        self.orders: dict[str, Order] = {}
        self.positions: dict[tuple[str, int, str], Position] = {}
        self.groups: dict[str, OrderGroup] = {}
        self.fills: list[Fill] = []
        self.trades: list[Trade] = []
        self.settlements: list[Settlement] = []
        self.candles: dict[str, dict[int, MinuteCandle]] = {}
        self.fees_collected = ZERO
        self.counters: dict[str, int] = {"order": 0, "fill": 0, "trade": 0, "group": 0, "seq": 0}
        self.cutoff = HistoricalCutoff(0, 0, 0, 0)
        self._id_ns = random.Random(seed).getrandbits(48)
        self._id_prefix: dict[str, str] = {}
        # Indexes (rebuilt on restore, never stored).
        self._client_ids: dict[tuple[str, str], str] = {}
        self._user_orders: dict[tuple[str, int, str], dict[str, Order]] = {}
        self._group_orders: dict[str, dict[str, Order]] = {}
        self._expiry: list[tuple[int, int, str]] = []
        self._fills_by_user: dict[str, list[Fill]] = {}
        self._fills_by_order: dict[str, list[Fill]] = {}
        self._trades_by_ticker: dict[str, list[Trade]] = {}
        self._vol24: dict[str, deque[tuple[int, Decimal]]] = {}
        # Per-operation state.
        self._depth = 0
        self._now: int | None = None
        self._fixed_now: int | None = None
        self._events: list | None = None
        self._operation = _Operation(self)
        self._touched: set[str] = set()  # markets whose book changed in this operation
        self._traded: set[str] = set()  # markets that traded in this operation
        self._track = store is not None
        self.dirty: dict[str, dict] = {
            k: {} for k in ("account", "order", "position", "market", "event", "series", "group")
        }
        self.dirty_candles: dict[tuple[str, int], MinuteCandle] = {}
        self.new_fills: list[Fill] = []
        self.new_trades: list[Trade] = []
        self.new_settlements: list[Settlement] = []
        self.dirty_meta = False

    # ------------------------------------------------------------------ construction

    @classmethod
    def in_memory(cls, *, seed: int = 1, clock: Callable[[], int] | None = None, populate=True):
        """An exchange without SQLite (unit tests, benchmarks); seeded unless populate=False."""
        ex = cls(seed=seed, clock=clock)
        if populate:
            from .universe import seed_universe

            seed_universe(ex)
        return ex

    def close(self) -> None:
        """Close the SQLite connection (no-op in memory)."""
        if self.store is not None:
            self.store.close()

    # ------------------------------------------------------------------ operation plumbing

    def _op(self) -> _Operation:
        """One operation (`with self._op() as now:`): nested calls join the outer one; the
        outer one refreshes market stats, commits, then notifies listeners."""
        return self._operation

    def _begin(self) -> int:
        if self._depth:
            self._depth += 1
            if self._fixed_now is not None:  # seeding replays history at chosen times
                self._now = self._fixed_now
            return self._now
        self._depth = 1
        self._now = self._fixed_now if self._fixed_now is not None else self.clock()
        self._events = [] if self.listeners and self._listening() else None
        return self._now

    def _listening(self) -> bool:
        """Whether any listener wants this operation's events. A listener may define
        `wants_events()`; while all of them return False (e.g. the WebSocket bridge with nobody
        subscribed) the engine builds no event records at all."""
        for listener in self.listeners:
            wants = getattr(listener, "wants_events", None)
            if wants is None or wants():
                return True
        return False

    def _end(self, exc: BaseException | None) -> None:
        if self._depth > 1:
            self._depth -= 1
            if exc is None:
                self._refresh_touched()
            return
        try:
            if exc is not None and not isinstance(exc, EngineError):
                # A bug, not a rejection: forget the unsaved marks.
                self._touched.clear()
                self._traded.clear()
                if self.store is not None:
                    self.store.rollback(self)
                return
            # Success, or a rejection after validation: nothing of the request was applied,
            # but side effects done first (expiring due orders, opening a subaccount) stand.
            self._refresh_touched()
            if self.store is not None:
                self.store.flush(self)
        finally:
            self._depth = 0
        events, self._events = self._events, None
        if events:
            for e in events:
                for listener in list(self.listeners):
                    try:
                        listener(e)
                    except Exception:  # the operation is committed; a listener can't undo it
                        log.exception("exchange listener failed on %s", type(e).__name__)

    def _refresh_touched(self) -> None:
        if self._touched:
            for t in self._touched:
                self._refresh_stats(t)
            self._touched.clear()
            self._traded.clear()

    def _emit(self, event) -> None:
        self._events.append(event)

    def now(self) -> int:
        """Current exchange time, epoch ms."""
        if self._depth:
            return self._now
        return self._fixed_now if self._fixed_now is not None else self.clock()

    def _new_id(self, kind: str) -> str:
        """Deterministic UUID-shaped ids: seed namespace, kind code, version nibble, counter."""
        n = self.counters[kind] = self.counters[kind] + 1
        self.dirty_meta = True
        prefix = self._id_prefix.get(kind)
        if prefix is None:
            ns = f"{self._id_ns:012x}"
            code = {"order": 1, "fill": 2, "trade": 3, "group": 4}[kind]
            prefix = self._id_prefix[kind] = f"{ns[:8]}-{ns[8:]}-{code:04x}-4000-"
        return f"{prefix}{n:012x}"

    def _next_seq(self) -> int:
        self.counters["seq"] += 1
        self.dirty_meta = True
        return self.counters["seq"]

    def _mark(self, kind: str, key, obj) -> None:
        if self._track:
            self.dirty[kind][key] = obj

    # ------------------------------------------------------------------ reference data

    def add_series(self, series: Series) -> Series:
        """Create or replace a series (seeding, lifecycle clock)."""
        with self._op() as now:
            series.last_updated_ts = series.last_updated_ts or now
            self.series[series.ticker] = series
            self._mark("series", series.ticker, series)
        return series

    def create_event(self, event: Event) -> Event:
        """Add a new event of an existing series."""
        with self._op() as now:
            if event.series_ticker not in self.series:
                raise not_found("series")
            if event.event_ticker in self.events:
                raise EngineError(409, "event_already_exists", "event already exists")
            event.last_updated_ts = event.last_updated_ts or now
            self.events[event.event_ticker] = event
            self._mark("event", event.event_ticker, event)
            if self._events is not None:
                self._emit(
                    ev.EventLifecycle(
                        "created",
                        event.event_ticker,
                        event.series_ticker,
                        event.title,
                        event.sub_title,
                        now,
                    )
                )
        return event

    def create_market(self, market: Market) -> Market:
        """Add a new market to an existing event (status as given, normally active)."""
        with self._op() as now:
            event = self.events.get(market.event_ticker)
            if event is None:
                raise not_found("event")
            if market.ticker in self.markets:
                raise EngineError(409, "market_already_exists", "market already exists")
            market.series_ticker = event.series_ticker
            market.created_time = market.created_time or now
            market.updated_time = market.updated_time or now
            market.previous_day = now // DAY_MS
            self.markets[market.ticker] = market
            self.books[market.ticker] = Book(market.ticker)
            event.markets.append(market.ticker)
            self._mark("event", event.event_ticker, event)
            self._mark("market", market.ticker, market)
            if self._events is not None:
                self._emit(ev.MarketLifecycle("created", copy(market), now))
        return market

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

    def event_markets(self, event_ticker: str, *, include_historical: bool = False) -> list[Market]:
        e = self.get_event(event_ticker)
        ms = [self.markets[t] for t in e.markets]
        if not include_historical:
            ms = [m for m in ms if not self.is_historical_market(m)]
        for m in ms:
            self._roll_volume(m)
        return ms

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

    def get_market(self, ticker: str) -> Market:
        """A live market (404 if unknown or archived to the historical side)."""
        m = self.markets.get(ticker)
        if m is None or self.is_historical_market(m):
            raise not_found("market")
        self._roll_volume(m)
        return m

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
            self._roll_volume(m)
            out.append(m)
        return out

    # ------------------------------------------------------------------ accounts

    def add_user(self, user_id: str, balance: Decimal = ZERO) -> Account:
        """Create a user with cash in subaccount 0 (409 if the user exists)."""
        balance = dec(balance, "balance")
        if not user_id or balance < 0:
            raise EngineError(400, "invalid_parameters", "user id and a non-negative balance")
        with self._op() as now:
            if (user_id, 0) in self.accounts:
                raise EngineError(409, "user_already_exists", f"user {user_id} already exists")
            acct = Account(user_id, 0, balance, ZERO, now, now)
            self.accounts[(user_id, 0)] = acct
            self._mark("account", (user_id, 0), acct)
        return acct

    def has_user(self, user_id: str) -> bool:
        return (user_id, 0) in self.accounts

    def load_user(self, user_id: str) -> bool:
        """Pick up a user another process created in the same database (`python -m sandbox
        add-user` while a server runs): read its accounts from the store into memory.

        Users this exchange already knows are left as they are (memory is the newer state).
        Returns whether the user now exists. Without a store: just `has_user`.
        """
        if self.has_user(user_id) or self.store is None:
            return self.has_user(user_id)
        for acct in self.store.load_accounts(user_id):
            self.accounts.setdefault((acct.user_id, acct.subaccount), acct)
        return self.has_user(user_id)

    def deposit(self, user_id: str, amount: Decimal, subaccount: int = 0) -> Account:
        """Add (or with a negative amount, withdraw available) cash."""
        amount = dec(amount, "amount")
        with self._op() as now:
            acct = self._account(user_id, subaccount, create=True)
            if acct.balance + amount < 0:
                raise EngineError(400, "available_balance_too_low", "insufficient balance")
            acct.balance += amount
            acct.updated_ts = now
            self._mark("account", (user_id, subaccount), acct)
        return acct

    def get_account(self, user_id: str, subaccount: int = 0) -> Account:
        """The account of a known user (subaccounts 1-63 start empty)."""
        if (user_id, subaccount) in self.accounts:
            return self.accounts[(user_id, subaccount)]
        with self._op():
            return self._account(user_id, subaccount, create=True)

    def _account(self, user_id: str, subaccount: int, create: bool = False) -> Account:
        acct = self.accounts.get((user_id, subaccount))
        if acct is not None:
            return acct
        if (user_id, 0) not in self.accounts:
            raise not_found("user")
        if not isinstance(subaccount, int) or not 0 <= subaccount <= MAX_SUBACCOUNT:
            raise EngineError(400, "invalid_parameters", "subaccount must be 0-63")
        if not create:
            raise not_found("subaccount")
        now = self.now()
        acct = Account(user_id, subaccount, ZERO, ZERO, now, now)
        self.accounts[(user_id, subaccount)] = acct
        self._mark("account", (user_id, subaccount), acct)
        return acct

    def portfolio_value(self, user_id: str, subaccount: int = 0) -> Decimal:
        """Mark-to-market value of open positions (YES at the best bid, NO at the best NO bid)."""
        value = ZERO
        for (u, s, t), p in self.positions.items():
            if u != user_id or s != subaccount or p.settled or not p.position:
                continue
            m = self.markets[t]
            if p.position > 0:
                value += p.position * m.yes_bid
            else:
                value += -p.position * (ONE - m.yes_ask)
        return value

    def balance_cents(self, user_id: str, subaccount: int = 0) -> int:
        """`balance` as the API reports it: integer cents, sub-cent truncated."""
        return cents_down(self.get_account(user_id, subaccount).balance)

    def total_resting_order_value(self, user_id: str, subaccount: int | None = None) -> Decimal:
        """Cash held for the user's resting orders."""
        return sum(
            (
                a.reserved
                for (u, s), a in self.accounts.items()
                if u == user_id and (subaccount is None or s == subaccount)
            ),
            ZERO,
        )

    def _position(self, user_id: str, subaccount: int, ticker: str) -> Position:
        key = (user_id, subaccount, ticker)
        p = self.positions.get(key)
        if p is None:
            p = self.positions[key] = Position(user_id, ticker, subaccount)
        return p


__all__ = ["CancelResult", "EventPosition", "Exchange", "real_clock"]
