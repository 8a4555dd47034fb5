"""The exchange: a thin front object over parts that each own one job and its state.

    Accounts    cash per (user, subaccount), positions, fees            accounts.py
    Catalog     series, events, markets                                 catalog.py
    Trading     books, orders, matching, amend/decrease/cancel, expiry  orders.py
    Groups      order groups (rolling contracts limit)                  groups.py
    MarketData  trades, market statistics, minute candles               marketdata.py
    Lifecycle   market status, determination, settlement, pauses        lifecycle.py
    Portfolio   fills and settlements history, position reads           portfolio.py
    Subaccounts creating subaccounts, transfers between them, netting   subaccounts.py
    Indexes     cash per exchange index, transfers between, allocation  indexes.py
    Usage       API usage-level grants, trailing trading volume         usage.py
    Funding     deposits and withdrawals (applied ones move cash)       funding.py
    Communications  RFQs, quotes, accept/confirm, timed execution       communications.py
    RfqBatches  RFQ batches: batch quotes, best quotes, all-or-none     rfqbatches.py
    Collections multivariate collections, combo markets from legs       collections.py
    Blocks      block trade proposals, acceptance, execution             blocks.py
    LiveData    milestones, structured targets, games (derived, read)   livedata.py
    FeeChanges  scheduled series/event fee changes (derived schedule)   feechanges.py
    Fcm         FCM subtraders, daily caps, blocked categories, transfers fcm.py
    ControlGrants  control-plane tiers and paid feeds (journaled)       grants.py

Each public write method of `Exchange` is one operation: it enters the shared `Operation`
(operation.py), calls one part, and on leaving the operation commits the change set to the
journal (if any) and tells `listeners`; any exception leaves memory and journal as before.
Reads go straight to the part that owns the data.

How to add a part (communications, collections, subaccounts, live data ...):
  1. State: a new module with a class taking `op` (and the parts it calls) that owns its dicts
     and lists; it never writes another part's state except through that part's methods.
  2. Change set: before changing a stored record call `op.touch(kind, obj, table)`; after
     adding one `op.added(...)`; for derived state (indexes, lists) register `op.undo(fn, *a)`
     or a `repair(changeset)` in `op.repairs` that rebuilds the indexes of touched records.
     Mark the named steps of long operations with `op.step("verb.step")` (fault injection).
  3. Journal: add the record class to `RECORDS` and its key to `KEY` in operation.py
     (append-only history goes through `op.record(kind, obj, list)` and `HISTORY`); the
     SQLite journal (sandbox/store) stores every kind generically: no store code changes.
  4. Restore: give the part `restore(...)` taking its records; call it from
     `Exchange.restore`, which rebuilds every index from the records alone.
  5. Front: construct it in `Exchange.__init__`; expose its writes as
     `def verb(...): with self._op: return self.part.verb(...)` and its reads directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from .accounts import Accounts
from .blocks import Blocks
from .catalog import Catalog
from .collections import Collections
from .common import CancelResult, EventPosition, real_clock
from .communications import Communications
from .errors import EngineError
from .fcm import Fcm
from .feechanges import FeeChanges
from .funding import Funding
from .grants import ControlGrants
from .groups import Groups
from .indexes import Indexes, check_index
from .invariants import check_invariants, escrow, total_money
from .lifecycle import Lifecycle
from .livedata import LiveData
from .marketdata import MarketData
from .models import (
    Account,
    BalanceAllocation,
    BatchQuote,
    BlockTrade,
    Candlestick,
    Collection,
    DailyCap,
    Event,
    FcmSubtrader,
    Fill,
    FundingEntry,
    HistoricalCutoff,
    Market,
    Meta,
    Order,
    OrderGroup,
    OrderResult,
    Position,
    PositionTransfer,
    QueuePosition,
    Quote,
    Rfq,
    RfqBatch,
    Series,
    Settlement,
    SubaccountTransfer,
    Trade,
    UsageGrant,
)
from .money import ZERO, cents_down, dec
from .operation import Operation
from .orders import Trading
from .portfolio import Portfolio
from .rfqbatches import RfqBatches
from .subaccounts import Subaccounts
from .usage import Usage

log = logging.getLogger(__name__)


class Exchange:
    """The whole exchange in memory, optionally journaled (see sandbox.store)."""

    def __init__(self, *, seed: int = 1, clock: Callable[[], int] | None = None, journal=None):
        self.clock: Callable[[], int] = clock or real_clock
        self.listeners: list[Callable[[Any], None]] = []
        self.journal = journal
        self._build(Operation(seed, self.clock))
        self.open_seconds = 0.0

    def _build(self, op: Operation) -> None:
        """The parts, all over `op` (construction, and `reset_to`)."""
        self._op = op
        self.cash = Accounts(op)
        self.catalog = Catalog(op)
        self.portfolio = Portfolio(op, self.cash, self.catalog)
        self.order_groups = Groups(op, self.cash)
        self.trading = Trading(op, self.cash, self.catalog, self.order_groups, self.portfolio)
        self.order_groups.trading = self.trading
        self.data = MarketData(op, self.catalog, self.trading.books.__getitem__)
        self.trading.data = self.data
        self.lifecycle = Lifecycle(op, self.catalog, self.trading, self.cash, self.portfolio)
        self.indexes = Indexes(op, self.cash)
        self.subaccounts = Subaccounts(op, self.cash, self.indexes)
        self.indexes.subaccounts = self.subaccounts
        self.usage = Usage(op, self.trading, self.portfolio, self.data)
        self.funding = Funding(op, self.cash)
        self.comms = Communications(op, self.cash, self.catalog, self.trading)
        self.collections = Collections(op, self.catalog, self.trading, self.lifecycle)
        self.blocks = Blocks(op, self.cash, self.catalog, self.trading)
        self.batches = RfqBatches(op, self.cash, self.catalog, self.comms, self.collections)
        self.live = LiveData(op, self.catalog)
        self.fee_changes = FeeChanges(op, self.catalog)
        self.fcm = Fcm(op, self.cash, self.catalog, self.trading, self.portfolio)
        self.grants = ControlGrants(op)
        op.listeners = self.listeners
        op.listening = self._listening
        op.notify = self._notify
        if self.journal is not None:
            op.commit = self._commit

    # ------------------------------------------------------------------ construction

    @classmethod
    def in_memory(cls, *, seed: int = 1, clock: Callable[[], int] | None = None, populate=True):
        """An exchange without a journal (unit tests, benchmarks); seeded unless populate=False."""
        ex = cls(seed=seed, clock=clock)
        if populate:
            from sandbox.seed.universe import seed_universe  # seed data lives outside the engine

            seed_universe(ex)
        return ex

    def restore(self, meta: Meta | None, records: dict[str, list]) -> None:
        """Load stored records into this fresh exchange; every part rebuilds its indexes."""
        if meta is not None:
            self._op.load_meta(meta)
        self.catalog.restore(records["series"], records["event"], records["market"])
        self.cash.restore(records["account"], records["position"])
        self.order_groups.restore(records["group"])
        self.trading.restore(records["order"])
        self.portfolio.restore(records["fill"], records["settlement"])
        self.data.restore(records["trade"], records["candle"])
        self.subaccounts.restore(records["transfer"], records["netting"])
        self.usage.restore(records["grant"])
        self.funding.restore(records["funding"])
        self.comms.restore(records["rfq"], records["quote"])
        self.collections.restore(records["collection"], records["combo_quota"])
        self.blocks.restore(records["block"])
        self.indexes.restore(
            records["index_balance"], records["index_transfer"], records["allocation"]
        )
        self.fcm.restore(
            records["subtrader"],
            records["daily_cap"],
            records["blocked_categories"],
            records["position_transfer"],
        )
        self.batches.restore(records["rfq_batch"], records["batch_quote"])
        self.grants.restore(records["tier"], records["feed_grant"])

    def reset_to(
        self, meta: Meta, records: dict[str, list], store: Callable[[], None] = lambda: None
    ) -> None:
        """Start over from `records` (a freshly seeded universe; the control plane's reset):
        new parts restored from them, as a restart would, keeping this object, its listeners,
        journal, clock and fault hook, so everything holding the exchange sees the new state.
        `store` then writes the records (one journal transaction); if anything fails, memory
        is exactly as before."""
        old = self._op
        if old.depth:
            raise EngineError(409, "operation_in_progress", "cannot reset inside an operation")
        before = dict(self.__dict__)
        try:
            self._build(Operation(meta.seed, self.clock))
            self._op.fixed_now, self._op.step = old.fixed_now, old.step
            old.step("reset.restore")
            self.restore(meta, records)
            old.step("reset.store")
            store()
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def close(self) -> None:
        """Close the journal (no-op in memory)."""
        if self.journal is not None:
            self.journal.close()

    def operation(self):
        """`with ex.operation():` groups several operations into one (seeding)."""
        return self._op

    def set_fixed_time(self, ms: int | None) -> None:
        """Run operations at a chosen time (seeding replays history); None = the clock."""
        self._op.fixed_now = ms

    def set_fault(self, hook: Callable[[str], None] | None) -> None:
        """Tests: `hook(step)` runs at every named step of every operation (may raise), and
        inside the journal's transaction."""
        self._op.set_fault(hook)
        if self.journal is not None:
            self.journal.fault = hook

    # ------------------------------------------------------------------ operation plumbing

    def _listening(self) -> bool:
        """Whether any listener wants this operation's events. A listener may define
        `wants_events()`; while all of them return False (e.g. the WebSocket bridge with nobody
        subscribed) the engine builds no event records at all."""
        for listener in self.listeners:
            wants = getattr(listener, "wants_events", None)
            if wants is None or wants():
                return True
        return False

    def _notify(self, events: list) -> None:
        for e in events:
            for listener in list(self.listeners):
                try:
                    listener(e)
                except Exception:  # the operation is committed; a listener can't undo it
                    log.exception("exchange listener failed on %s", type(e).__name__)

    def _commit(self, changes) -> None:
        self.journal.commit(changes)

    def _expire_first(self) -> None:
        """Expire due orders and run due RFQ timers, each as its own operation (Kalshi runs
        them on its clock: a request that is then rejected does not bring them back)."""
        op = self._op
        expiry = self.trading.expiry
        if expiry and expiry[0][0] <= op.time():
            with op:
                self.trading.expire_due()
        lapses = self.batches.lapses  # when batch quotes stop counting (a heap, like expiry)
        now = op.time()
        if self.comms.is_due(now) or self.batches.pending or (lapses and lapses[0][0] <= now):
            self.run_timers()

    def _expire_reads(self) -> None:
        if not self._op.depth:
            self._expire_first()

    def now(self) -> int:
        """Current exchange time, epoch ms."""
        return self._op.time()

    # ------------------------------------------------------------------ state views

    seed = property(lambda self: self._op.meta.seed)
    conn = property(lambda self: None if self.journal is None else self.journal.conn)
    store = property(lambda self: self.journal)
    series = property(lambda self: self.catalog.series)
    events = property(lambda self: self.catalog.events)
    markets = property(lambda self: self.catalog.markets)
    accounts = property(lambda self: self.cash.accounts)
    positions = property(lambda self: self.cash.positions)
    books = property(lambda self: self.trading.books)
    orders = property(lambda self: self.trading.orders)
    groups = property(lambda self: self.order_groups.groups)
    fills = property(lambda self: self.portfolio.fills)
    settlements = property(lambda self: self.portfolio.settlements)
    trades = property(lambda self: self.data.trades)
    candles = property(lambda self: self.data.candles)
    fees_collected = property(lambda self: self._op.meta.fees_collected)
    cutoff = property(lambda self: self._op.meta.cutoff)
    trading_active = property(lambda self: self._op.meta.trading_active)
    exchange_active = property(lambda self: self._op.meta.exchange_active)

    @property
    def counters(self) -> dict[str, int]:
        m = self._op.meta
        return {"order": m.order, "fill": m.fill, "trade": m.trade, "group": m.group, "seq": m.seq}

    # ------------------------------------------------------------------ reference data

    def add_series(self, series: Series) -> Series:
        """Create or replace a series (seeding, lifecycle clock)."""
        with self._op:
            return self.catalog.add_series(series)

    def create_event(self, event: Event) -> Event:
        """Add a new event of an existing series."""
        with self._op:
            return self.catalog.create_event(event)

    def create_market(self, market: Market) -> Market:
        """Add a new market to an existing event (status as given, normally active)."""
        with self._op:
            self.catalog.create_market(market)
            self.trading.open_book(market.ticker)
            return market

    def get_series(self, series_ticker: str) -> Series:
        return self.catalog.get_series(series_ticker)

    def list_series(self, category: str | None = None, tags: Iterable[str] | None = None):
        return self.catalog.list_series(category, tags)

    def series_volume(self, series_ticker: str) -> Decimal:
        return self.catalog.series_volume(series_ticker)

    def get_event(self, event_ticker: str) -> Event:
        return self.catalog.get_event(event_ticker)

    def event_status(self, event_ticker: str) -> str:
        return self.catalog.event_status(event_ticker)

    def list_events(
        self,
        series_ticker: str | None = None,
        status: str | None = None,
        event_tickers: Iterable[str] | None = None,
        min_close_ts: int | None = None,
    ) -> list[Event]:
        """Live events (those with at least one live market), in creation order."""
        return self.catalog.list_events(series_ticker, status, event_tickers, min_close_ts)

    def event_markets(self, event_ticker: str, *, include_historical: bool = False) -> list[Market]:
        e = self.catalog.get_event(event_ticker)
        ms = [self.catalog.markets[t] for t in e.markets]
        if not include_historical:
            ms = [m for m in ms if not self.catalog.is_historical_market(m)]
        for m in ms:
            self.data.roll_volume(m)
        return ms

    def get_market(self, ticker: str) -> Market:
        """A live market (404 if unknown or archived to the historical side)."""
        m = self.catalog.live_market(ticker)
        self.data.roll_volume(m)
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
        """Markets by filter (see Catalog.list_markets); 24 h volume brought up to now."""
        out = self.catalog.list_markets(
            event_ticker=event_ticker,
            series_ticker=series_ticker,
            status=status,
            tickers=tickers,
            min_created_ts=min_created_ts,
            max_created_ts=max_created_ts,
            min_close_ts=min_close_ts,
            max_close_ts=max_close_ts,
            min_settled_ts=min_settled_ts,
            max_settled_ts=max_settled_ts,
            min_updated_ts=min_updated_ts,
            max_updated_ts=max_updated_ts,
            historical=historical,
        )
        for m in out:
            self.data.roll_volume(m)
        return out

    def is_historical_market(self, m: Market) -> bool:
        return self.catalog.is_historical_market(m)

    # ------------------------------------------------------------------ accounts

    def add_user(
        self, user_id: str, balance: Decimal = ZERO, member_type: str = "regular"
    ) -> Account:
        """Create a user with cash in subaccount 0 (409 if the user exists). `member_type`
        "direct" keeps the balance to $0.0001 instead of whole cents."""
        balance = dec(balance, "balance")
        if not user_id or balance < 0:
            raise EngineError(400, "invalid_parameters", "user id and a non-negative balance")
        with self._op:
            return self.cash.add_user(user_id, balance, member_type)

    def has_user(self, user_id: str) -> bool:
        return self.cash.has_user(user_id)

    def load_user(self, user_id: str) -> bool:
        """Pick up a user another process created in the same journal (`python -m sandbox
        add-user` while a server runs). Known users stay as they are (memory is newer)."""
        if self.has_user(user_id) or self.journal is None:
            return self.has_user(user_id)
        self.cash.adopt(self.journal.load_accounts(user_id))
        self.funding.restore(self.journal.load_of_user("funding", user_id))
        return self.has_user(user_id)

    def deposit(self, user_id: str, amount: Decimal, subaccount: int = 0) -> Account:
        """Add (or with a negative amount, withdraw available) cash."""
        with self._op:
            return self.cash.deposit(user_id, amount, subaccount)

    def get_account(self, user_id: str, subaccount: int = 0) -> Account:
        """The account of a known user; 404 for a subaccount not created yet."""
        return self.cash.account(user_id, subaccount)

    def member_type(self, user_id: str) -> str:
        """regular | direct | fcm (the member type lives on the primary account)."""
        return self.cash.account(user_id, 0).member_type

    def require_subaccount(self, user_id: str, subaccount: int | None) -> None:
        """404 unless the subaccount exists (None: no filter); for read filters."""
        self.cash.require(user_id, subaccount)

    # ------------------------------------------------------------------ FCM members

    def create_subtrader(self, fcm_id: str, suffix: object) -> FcmSubtrader:
        """A new subtrader `{fcm_id}_{suffix}` of an FCM member (an exchange user, $0)."""
        with self._op:
            return self.fcm.create_subtrader(fcm_id, suffix)

    def set_daily_cap(self, fcm_id: str, subtrader_id: object, limit: object) -> DailyCap:
        with self._op:
            return self.fcm.set_cap(fcm_id, subtrader_id, limit)

    def remove_daily_cap(self, fcm_id: str, subtrader_id: object) -> None:
        with self._op:
            self.fcm.remove_cap(fcm_id, subtrader_id)

    def set_blocked_category(
        self, fcm_id: str, subtrader_id: object, category: object, blocked: object
    ) -> list[str]:
        with self._op:
            return self.fcm.set_blocked(fcm_id, subtrader_id, category, blocked)

    def transfer_fcm_position(
        self,
        fcm_id: str,
        source_subtrader_id: object,
        target_subtrader_id: object,
        market_ticker: object,
        position_centicount: object,
        price_centicents: object,
    ) -> PositionTransfer:
        with self._op:
            return self.fcm.transfer_position(
                fcm_id,
                source_subtrader_id,
                target_subtrader_id,
                market_ticker,
                position_centicount,
                price_centicents,
            )

    # ------------------------------------------------------------------ subaccounts

    def create_subaccount(self, user_id: str) -> Account:
        """The user's next numbered subaccount (1-63, in sequence; never deleted)."""
        with self._op:
            return self.subaccounts.create(user_id)

    def transfer_between_subaccounts(
        self,
        user_id: str,
        client_transfer_id: str,
        from_subaccount: int,
        to_subaccount: int,
        amount_cents: int,
        exchange_index: int = 0,
    ) -> SubaccountTransfer:
        """Move whole cents of available cash between two of the user's subaccounts
        (409 on a repeated client_transfer_id)."""
        with self._op:
            return self.subaccounts.transfer(
                user_id,
                client_transfer_id,
                from_subaccount,
                to_subaccount,
                amount_cents,
                exchange_index,
            )

    def set_netting(self, user_id: str, subaccount: int, enabled: bool) -> None:
        with self._op:
            self.subaccounts.set_netting(user_id, subaccount, enabled)

    def netting_enabled(self, user_id: str, subaccount: int) -> bool:
        return self.subaccounts.netting_enabled(user_id, subaccount)

    # ------------------------------------------------------------------ exchange indexes

    def transfer_between_indexes(self, user_id: str, **kw) -> str:
        """Move cash between exchange indexes (centicents; Indexes.transfer); the transfer id."""
        with self._op:
            return self.indexes.transfer(user_id, **kw)

    def set_target_allocation(
        self, user_id: str, allocations: list, reservation: str | None = None
    ) -> BalanceAllocation:
        """Replace the target split across indexes and rebalance the primary account to it."""
        with self._op:
            return self.indexes.set_allocation(user_id, allocations, reservation)

    def rebalance_allocations(self) -> int:
        """Automatic rebalancing: every primary account off its target split moves back to it,
        each user in its own operation (the spec: "an empty allocations array disables
        automatic rebalancing"; Kalshi does not say how often it runs: activity/rebalancer.py).
        Returns how many users moved."""
        users = self.indexes.drifted()
        for user_id in users:
            with self._op:
                self.indexes.rebalance(user_id)
        return len(users)

    def index_balance(self, user_id: str, subaccount: int, index: int | None) -> Decimal:
        """Available cash on one index, or on all of them (None)."""
        self.cash.account(user_id, subaccount)
        if index is None:
            return sum((b for _, b in self.indexes.breakdown(user_id, subaccount)), ZERO)
        return self.indexes.balance(user_id, subaccount, check_index("exchange_index", index))

    # ------------------------------------------------------------------ funding history

    def record_funding(self, user_id: str, kind: str, amount_cents: int, **kw) -> FundingEntry:
        """A deposit or withdrawal of the primary account (see Funding.record); an applied
        one moves cash, the others are history only."""
        with self._op:
            return self.funding.record(user_id, kind, amount_cents, **kw)

    def list_funding(self, user_id: str, kind: str) -> list[FundingEntry]:
        return self.funding.of_user(user_id, kind)

    # ------------------------------------------------------------------ control-plane settings

    def set_tier(self, user_id: str, tier: str) -> None:
        """Record a user's control-plane rate-limit tier (journaled; the limiter is told)."""
        with self._op:
            self.grants.set_tier(user_id, tier)

    def set_feed(self, user_id: str, feed: str, granted: bool = True) -> None:
        """Grant (or revoke) a paid data feed such as `pyth_value` (control plane, journaled)."""
        with self._op:
            self.get_account(user_id)  # 404 for an unknown user
            self.grants.set_feed(user_id, feed, granted)

    # ------------------------------------------------------------------ API usage levels

    def upgrade_usage_level(self, user_id: str) -> UsageGrant:
        """Kalshi's self-service Advanced grant (403 unless the user has placed an order)."""
        with self._op:
            return self.usage.upgrade(user_id)

    def usage_grant(self, user_id: str) -> UsageGrant | None:
        return self.usage.grants.get(user_id) if self.usage.level_of(user_id) else None

    def trailing_volume(self, user_id: str) -> Decimal:
        return self.usage.trailing_volume(user_id, self.now())

    def volume_goals(self) -> list[tuple[str, Decimal, Decimal]]:
        return self.usage.volume_goals(self.now())

    def subaccount_accounts(self, user_id: str, only: int | None = None) -> list[Account]:
        return self.subaccounts.accounts_of(user_id, only)

    def list_subaccount_transfers(self, user_id: str) -> list[SubaccountTransfer]:
        return self.subaccounts.list_transfers(user_id)

    def balance_cents(self, user_id: str, subaccount: int = 0) -> int:
        """`balance` as the API reports it: integer cents, sub-cent truncated."""
        return cents_down(self.get_account(user_id, subaccount).balance)

    def portfolio_value(
        self, user_id: str, subaccount: int = 0, index: int | None = None
    ) -> Decimal:
        """Positions' value, in markets on one exchange index or on all (None)."""
        return self.portfolio.portfolio_value(user_id, subaccount, index)

    def total_resting_order_value(
        self, user_id: str, subaccount: int | None = None, index: int | None = None
    ) -> Decimal:
        return self.cash.total_resting_order_value(user_id, subaccount, index)

    # ------------------------------------------------------------------ orders

    def create_order(
        self,
        user_id: str,
        *,
        ticker: str,
        side: str,
        price: Decimal | str,
        count: Decimal | str,
        time_in_force: str,
        self_trade_prevention_type: str,
        client_order_id: str | None = None,
        expiration_time: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        order_group_id: str | None = None,
        cancel_order_on_pause: bool = False,
        subaccount: int = 0,
        exchange_index: int | None = None,
    ) -> OrderResult:
        """Place a V2 order: a bid buys YES at `price`, an ask sells YES (buys NO at 1-price);
        it matches at once and a good-till-canceled remainder rests. `exchange_index`: None or
        -1 route by ticker; another index must be the market's (orders.route)."""
        if self.trading.expiry:
            self._expire_first()
        with self._op:
            return self.trading.create_order(
                user_id,
                ticker,
                side,
                price,
                count,
                time_in_force,
                self_trade_prevention_type,
                client_order_id,
                expiration_time,
                post_only,
                reduce_only,
                order_group_id,
                cancel_order_on_pause,
                subaccount,
                exchange_index,
            )

    def batch_create_orders(
        self, user_id: str, items: list[dict]
    ) -> list[OrderResult | EngineError]:
        """Kalshi's batch create: every item is its own order with its own result. The spec's
        batch response carries one `order` or one `error` per item, and
        docs.kalshi.com/getting_started/order_errors describes "errors inside a batch response"
        per item: items are independent, so an item that fails leaves nothing behind and the
        items before it stand."""
        out: list[OrderResult | EngineError] = []
        for kw in items:
            try:
                out.append(self.create_order(user_id, **kw))
            except EngineError as exc:
                out.append(exc)
        return out

    def cancel_order(
        self, user_id: str, order_id: str, subaccount: int = 0, exchange_index: int | None = None
    ) -> CancelResult:
        """`exchange_index`: the shard the request went to (None: wherever the order is)."""
        if self.trading.expiry:
            self._expire_first()
        with self._op:
            return self.trading.cancel_order(user_id, order_id, subaccount, exchange_index)

    def cancel_all_orders(
        self,
        user_id: str,
        ticker: str | None = None,
        subaccount: int | None = None,
        event_ticker: str | None = None,
    ) -> list[CancelResult]:
        if self.trading.expiry:
            self._expire_first()
        with self._op:
            return self.trading.cancel_all_orders(user_id, ticker, subaccount, event_ticker)

    def decrease_order(
        self,
        user_id: str,
        order_id: str,
        *,
        reduce_by: Decimal | str | None = None,
        reduce_to: Decimal | str | None = None,
        subaccount: int = 0,
        exchange_index: int | None = None,
    ) -> Order:
        """Shrink a resting order in place (keeps queue priority); to 0 cancels it."""
        if self.trading.expiry:
            self._expire_first()
        with self._op:
            return self.trading.decrease_order(
                user_id,
                order_id,
                reduce_by=reduce_by,
                reduce_to=reduce_to,
                subaccount=subaccount,
                exchange_index=exchange_index,
            )

    def amend_order(
        self,
        user_id: str,
        order_id: str,
        *,
        ticker: str,
        side: str,
        price: Decimal | str,
        count: Decimal | str,
        client_order_id: str | None = None,
        updated_client_order_id: str | None = None,
        expiration_time: int | None = None,
        subaccount: int = 0,
        exchange_index: int | None = None,
    ) -> tuple[Order, Order]:
        """Change price and/or total size; returns (old, new) (see Trading.amend_order)."""
        if self.trading.expiry:
            self._expire_first()
        with self._op:
            return self.trading.amend_order(
                user_id,
                order_id,
                ticker=ticker,
                side=side,
                price=price,
                count=count,
                client_order_id=client_order_id,
                updated_client_order_id=updated_client_order_id,
                expiration_time=expiration_time,
                subaccount=subaccount,
                exchange_index=exchange_index,
            )

    def expire_orders(self) -> int:
        """Cancel resting orders whose expiration_time has passed; returns how many."""
        with self._op:
            return self.trading.expire_due()

    def get_order(self, user_id: str, order_id: str) -> Order:
        """One of the user's orders (404 otherwise)."""
        self._expire_reads()
        return self.trading.own_order(user_id, order_id, None)

    def list_orders(
        self,
        user_id: str,
        status: str | None = None,
        ticker: str | Iterable[str] | None = None,
        event_ticker: str | Iterable[str] | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        subaccount: int | None = None,
        historical: bool = False,
    ) -> list[Order]:
        """The user's orders, newest first (live, or historical=True)."""
        self._expire_reads()
        return self.trading.list_orders(
            user_id, status, ticker, event_ticker, min_ts, max_ts, subaccount, historical
        )

    def order_fills(self, order_id: str) -> list[Fill]:
        return self.portfolio.order_fills(order_id)

    def queue_position(self, user_id: str, order_id: str) -> Decimal:
        self._expire_reads()
        return self.trading.queue_position(user_id, order_id)

    def queue_positions(
        self,
        user_id: str,
        market_tickers: Iterable[str] | None = None,
        event_ticker: str | None = None,
        subaccount: int = 0,
    ) -> list[QueuePosition]:
        self._expire_reads()
        return self.trading.queue_positions(user_id, market_tickers, event_ticker, subaccount)

    def book(self, ticker: str, depth: int = 0):
        """(yes, no) aggregated (price, count) levels, ascending; depth>0 keeps the best N."""
        self._expire_reads()
        return self.trading.book_levels(ticker, depth)

    # ------------------------------------------------------------------ order groups

    def create_order_group(
        self, user_id: str, contracts_limit, subaccount: int = 0, exchange_index: int = 0
    ) -> OrderGroup:
        with self._op:
            return self.order_groups.create(user_id, contracts_limit, subaccount, exchange_index)

    def get_order_group(
        self, user_id: str, order_group_id: str, subaccount: int | None = None
    ) -> OrderGroup:
        return self.order_groups.get(user_id, order_group_id, subaccount)

    def order_group_orders(self, user_id: str, order_group_id: str) -> list[str]:
        """Ids of the group's resting orders."""
        self._expire_reads()
        self.order_groups.get(user_id, order_group_id)
        return list(self.trading.group_orders.get(order_group_id, {}))

    def list_order_groups(self, user_id: str, subaccount: int | None = None) -> list[OrderGroup]:
        return self.order_groups.list(user_id, subaccount)

    def group_matched(self, order_group_id: str) -> Decimal:
        return self.order_groups.matched(order_group_id)

    def reset_order_group(
        self, user_id: str, order_group_id: str, subaccount: int | None = None
    ) -> OrderGroup:
        with self._op:
            return self.order_groups.reset(user_id, order_group_id, subaccount)

    def trigger_order_group(
        self, user_id: str, order_group_id: str, subaccount: int | None = None
    ) -> OrderGroup:
        with self._op:
            return self.order_groups.trigger(user_id, order_group_id, subaccount)

    def update_order_group_limit(
        self, user_id: str, order_group_id: str, contracts_limit, subaccount: int | None = None
    ) -> OrderGroup:
        with self._op:
            return self.order_groups.update_limit(
                user_id, order_group_id, contracts_limit, subaccount
            )

    def delete_order_group(
        self, user_id: str, order_group_id: str, subaccount: int | None = None
    ) -> None:
        with self._op:
            self.order_groups.delete(user_id, order_group_id, subaccount)

    # ------------------------------------------------------------------ market data

    def last_trade(self, ticker: str) -> Trade | None:
        return self.data.last_trade(ticker)

    def list_trades(
        self,
        ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        historical: bool = False,
    ) -> list[Trade]:
        return self.data.list_trades(ticker, min_ts, max_ts, historical)

    def market_candlesticks(
        self,
        ticker: str,
        start_ts: int,
        end_ts: int,
        period_interval: int,
        include_latest_before_start: bool = False,
        historical: bool = False,
    ) -> list[Candlestick]:
        return self.data.market_candlesticks(
            ticker, start_ts, end_ts, period_interval, include_latest_before_start, historical
        )

    def event_candlesticks(
        self, event_ticker: str, start_ts: int, end_ts: int, period_interval: int
    ) -> tuple[list[str], list[list[Candlestick]]]:
        """Per-market candles of an event's live markets."""
        ms = self.event_markets(event_ticker)
        return (
            [m.ticker for m in ms],
            [
                self.data.market_candlesticks(m.ticker, start_ts, end_ts, period_interval)
                for m in ms
            ],
        )

    # ------------------------------------------------------------------ portfolio

    def list_fills(
        self,
        user_id: str,
        ticker: str | Iterable[str] | None = None,
        order_id: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        subaccount: int | None = None,
        historical: bool = False,
    ) -> list[Fill]:
        return self.portfolio.list_fills(
            user_id, ticker, order_id, min_ts, max_ts, subaccount, historical
        )

    def list_settlements(
        self,
        user_id: str,
        ticker: str | None = None,
        event_ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        subaccount: int | None = None,
    ) -> list[Settlement]:
        return self.portfolio.list_settlements(
            user_id, ticker, event_ticker, min_ts, max_ts, subaccount
        )

    def list_positions(
        self,
        user_id: str,
        ticker: str | None = None,
        event_ticker: str | None = None,
        settlement_status: str = "unsettled",
        subaccount: int = 0,
        historical: bool = False,
    ) -> tuple[list[Position], list[EventPosition]]:
        """(market positions, event positions); settlement_status: unsettled | settled | all."""
        return self.portfolio.list_positions(
            user_id, ticker, event_ticker, settlement_status, subaccount, historical
        )

    # ------------------------------------------------------------------ lifecycle

    def open_market(self, ticker: str) -> Market:
        with self._op:
            return self.lifecycle.open_market(ticker)

    def pause_market(self, ticker: str) -> Market:
        with self._op:
            return self.lifecycle.pause_market(ticker)

    def close_market(self, ticker: str) -> Market:
        with self._op:
            m = self.lifecycle.close_market(ticker)
            self.collections.leg_closed(ticker)  # combos on this leg stop trading too
            return m

    def update_close_time(self, ticker: str, close_time: int) -> Market:
        with self._op:
            return self.lifecycle.update_close_time(ticker, close_time)

    def update_market_metadata(self, ticker: str, **changes) -> Market:
        """yes_sub_title / strike_type / floor_strike / cap_strike of a market."""
        with self._op:
            return self.lifecycle.update_market_metadata(ticker, **changes)

    def update_price_level_structure(self, ticker: str, structure: str) -> Market:
        with self._op:
            return self.lifecycle.update_price_level_structure(ticker, structure)

    def determine_market(
        self, ticker: str, result: str, settlement_value: Decimal | str | None = None
    ) -> Market:
        with self._op:
            m = self.lifecycle.determine_market(ticker, result, settlement_value)
            self.collections.leg_determined(ticker)  # combos this leg decides
            return m

    def settle_market(self, ticker: str) -> list[Settlement]:
        with self._op:
            return self.lifecycle.settle_market(ticker)

    def apply_fee_changes(self) -> int:
        """Apply the scheduled fee changes whose time has come (the fee clock calls this)."""
        with self._op as now:
            return self.fee_changes.apply_due(now)

    def pause_trading(self) -> None:
        with self._op:
            self.lifecycle.pause_trading()

    def resume_trading(self) -> None:
        with self._op:
            self.lifecycle.resume_trading()

    def historical_cutoff(self) -> HistoricalCutoff:
        return self.lifecycle.historical_cutoff()

    def set_historical_cutoff(self, ts: int) -> None:
        with self._op:
            self.lifecycle.set_historical_cutoff(ts)

    def get_historical_market(self, ticker: str) -> Market:
        return self.lifecycle.get_historical_market(ticker)

    # ------------------------------------------------------------------ collections (combos)

    def add_collection(self, collection: Collection) -> Collection:
        with self._op:
            return self.collections.add_collection(collection)

    def create_combo_market(
        self, user_id: str, collection_ticker: str, selected_markets: object
    ) -> tuple[Market, bool]:
        """Look up or create the combo market of these legs: (market, created)."""
        with self._op:
            return self.collections.create_market(user_id, collection_ticker, selected_markets)

    def get_collection(self, ticker: str) -> Collection:
        return self.collections.get(ticker)

    def list_collections(self, **filters) -> list[Collection]:
        return self.collections.find(**filters)

    # ------------------------------------------------------------------ block trades

    def propose_block_trade(self, user_id: str, **kwargs) -> BlockTrade:
        self._expire_first()
        with self._op:
            return self.blocks.propose(user_id, **kwargs)

    def accept_block_trade(
        self, user_id: str, proposal_id: str, subaccount: int | None = None
    ) -> BlockTrade:
        """Accept a proposal; the second acceptance executes it (all or nothing)."""
        self._expire_first()
        with self._op:
            return self.blocks.accept(user_id, proposal_id, subaccount)

    def list_block_trades(self, user_id: str, **filters) -> list[BlockTrade]:
        return self.blocks.find(user_id, **filters)

    # ------------------------------------------------------------------ communications (RFQs)

    def communications_id(self, user_id: str) -> str:
        return self.comms.communications_id(user_id)

    def create_rfq(self, user_id: str, **kwargs) -> Rfq:
        """Open an RFQ (see Communications.create_rfq for the arguments)."""
        self._expire_first()
        with self._op:
            return self.comms.create_rfq(user_id, **kwargs)

    def delete_rfq(self, user_id: str, rfq_id: str) -> Rfq:
        self._expire_first()
        with self._op:
            return self.comms.delete_rfq(user_id, rfq_id)

    def create_quote(self, user_id: str, **kwargs) -> Quote:
        self._expire_first()
        with self._op:
            return self.comms.create_quote(user_id, **kwargs)

    def delete_quote(self, user_id: str, quote_id: str, rfq_id: str | None = None) -> Quote:
        self._expire_first()
        with self._op:
            return self.comms.delete_quote(user_id, quote_id, rfq_id)

    def accept_quote(
        self, user_id: str, quote_id: str, accepted_side: str, rfq_id: str | None = None
    ) -> Quote:
        self._expire_first()
        with self._op:
            return self.comms.accept_quote(user_id, quote_id, accepted_side, rfq_id)

    def confirm_quote(self, user_id: str, quote_id: str, rfq_id: str | None = None) -> Quote:
        """Confirm an accepted quote; the execution timer starts (a zero timer executes now)."""
        self._expire_first()
        with self._op:
            q = self.comms.confirm_quote(user_id, quote_id, rfq_id)
        self.run_timers()
        return q

    def run_timers(self, limit: int | None = None) -> int:
        """Run the RFQ timers that are due (missed confirmations, executions; at most `limit`),
        each as its own operation; an execution the book refuses ends its quote instead. Then
        the batch quotes that stopped counting, in one operation. Returns how many ran."""
        op = self._op
        if op.depth:  # inside another operation (seeding): its caller runs them later
            return 0
        due = self.comms.due(op.time())[:limit]
        for q in due:
            try:
                with op:
                    self.comms.run_timer(q)
            except EngineError as exc:
                with op:
                    self.comms.fail(q, f"execution_failed: {exc.code}")
        if due:
            self.comms.ran()
        batches = self.batches.due(op.time())[: None if limit is None else limit - len(due)]
        for b in batches:
            try:
                with op:  # every child executes in this one operation, or none does
                    self.batches.run_timer(b)
            except EngineError as exc:
                log.info("rfq batch %s failed to execute: %s", b.batch_id, exc)
                with op:
                    self.batches.fail(b, f"execution_failed: {exc.code}")
        ran = len(due) + len(batches)
        if (limit is None or ran < limit) and self.batches.lapse_due(op.time()):
            with op:  # batch quotes that stopped counting
                self.batches.run_lapses()
            ran += 1
        return ran

    def set_rfq_windows(self, confirm_ms: int, execute_ms: int) -> None:
        """Override Kalshi's RFQ timers for every market (tests, demos, benchmarks)."""
        self.comms.windows = self.comms.hvm_windows = (confirm_ms, execute_ms)

    def next_rfq_deadline(self) -> int | None:
        deadlines = (
            self.comms.next_deadline(),
            self.batches.next_deadline(),
            self.batches.next_lapse(),
        )
        return min((d for d in deadlines if d), default=None)

    def get_rfq(self, rfq_id: str) -> Rfq:
        self._expire_reads()
        return self.comms.get_rfq(rfq_id)

    def list_rfqs(self, **filters) -> list[Rfq]:
        self._expire_reads()
        return self.comms.list_rfqs(**filters)

    def get_quote(self, user_id: str, quote_id: str, rfq_id: str | None = None) -> Quote:
        self._expire_reads()
        return self.comms.own_quote(user_id, quote_id, rfq_id)

    def list_quotes(self, user_id: str, **filters) -> list[Quote]:
        self._expire_reads()
        return self.comms.list_quotes(user_id, **filters)

    # ------------------------------------------------------------------ RFQ batches

    def create_rfq_batch(self, user_id: str, **kwargs) -> RfqBatch:
        """Open an RFQ batch (see RfqBatches.create_batch for the arguments)."""
        self._expire_first()
        with self._op:
            return self.batches.create_batch(user_id, **kwargs)

    def delete_rfq_batch(self, user_id: str, batch_id: str) -> RfqBatch:
        self._expire_first()
        with self._op:
            return self.batches.delete_batch(user_id, batch_id)

    def create_batch_quote(self, user_id: str, batch_id: str, **kwargs) -> BatchQuote:
        self._expire_first()
        with self._op:
            return self.batches.create_batch_quote(user_id, batch_id, **kwargs)

    def delete_batch_quote(self, user_id: str, batch_id: str, bq_id: str) -> BatchQuote:
        self._expire_first()
        with self._op:
            return self.batches.delete_batch_quote(user_id, batch_id, bq_id)

    def accept_rfq_batch(
        self,
        user_id: str,
        batch_id: str,
        accepted_side: str,
        min_bids: list[dict],
        client_order_id: str = "",
    ) -> list[Quote]:
        self._expire_first()
        with self._op:
            return self.batches.accept(user_id, batch_id, accepted_side, min_bids, client_order_id)

    def confirm_batch_quote(self, user_id: str, batch_id: str, bq_id: str) -> BatchQuote:
        """Confirm a won batch quote; the last winner's confirmation starts the timer."""
        self._expire_first()
        with self._op:
            bq = self.batches.confirm(user_id, batch_id, bq_id)
        self.run_timers()
        return bq

    def get_rfq_batch(self, batch_id: str) -> RfqBatch:
        self._expire_reads()
        return self.batches.get(batch_id)

    def list_rfq_batches(self, **filters) -> list[RfqBatch]:
        self._expire_reads()
        return self.batches.find(**filters)

    def batch_best_quotes(self, user_id: str, batch_id: str):
        self._expire_reads()
        return self.batches.best(self.batches.own_batch(user_id, batch_id))

    def batch_quotes_visible(self, user_id: str, batch_id: str):
        self._expire_reads()
        return self.batches.visible_quotes(user_id, self.batches.get(batch_id))

    # ------------------------------------------------------------------ invariants (tests)

    def check_invariants(self) -> None:
        check_invariants(self)

    def escrow(self) -> Decimal:
        return escrow(self)

    def total_money(self) -> Decimal:
        return total_money(self)


__all__ = ["CancelResult", "EventPosition", "Exchange", "real_clock"]
