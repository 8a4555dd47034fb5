"""The local exchange's core: books, matching, accounts, order groups, settlement, persistence.

Plain Python, no I/O besides SQLite; one writer. Money is Decimal dollars, counts Decimal
contracts (0.01 steps), times epoch milliseconds (candle timestamps epoch seconds).

    ex = open_exchange(Path(".sandbox"), seed=7)       # or Exchange.in_memory(seed=7)
    ex.add_user("alice", Decimal("100"))
    r = ex.create_order("alice", ticker=t, side="bid", price=Decimal("0.42"), count=Decimal("5"),
                        time_in_force="good_till_canceled",
                        self_trade_prevention_type="taker_at_cross")
    ex.listeners.append(print)                          # OrderEvent, FillEvent, BookDelta, ...

Modules: models (records), book (one market's queues), orders (placement, matching, amend,
decrease, expiry), groups (order groups), marketdata (book, stats, trades, candle bars), candles
(candlestick aggregation), lifecycle (open/close/determine/settle, cutoff), portfolio (fills,
settlements, positions, invariants), fees, store (SQLite), universe (the seeded markets),
events (what listeners receive), exchange (the class tying the parts together).

Public API (all on `Exchange`; errors are `EngineError(status, code, message, details)`):
  accounts   add_user, has_user, deposit, get_account, balance_cents, portfolio_value,
             total_resting_order_value
  orders     create_order -> OrderResult, cancel_order -> CancelResult, cancel_all_orders,
             amend_order -> (old, new), decrease_order, get_order, list_orders, order_fills,
             queue_position, queue_positions, expire_orders
  groups     create_order_group, get_order_group, order_group_orders, list_order_groups,
             reset_order_group, trigger_order_group, update_order_group_limit,
             delete_order_group, group_matched
  data       get_series, list_series, series_volume, get_event, list_events, event_status,
             event_markets, get_market, list_markets, book, list_trades, market_candlesticks,
             event_candlesticks
  portfolio  list_fills, list_settlements, list_positions -> (market, event positions)
  lifecycle  add_series, create_event, create_market, open_market, pause_market, close_market,
             update_close_time, determine_market, settle_market, pause_trading,
             resume_trading, exchange_active / trading_active
  misc       now, close, conn (sqlite3, None in memory), listeners, check_invariants,
             total_money, escrow
  history    historical_cutoff, set_historical_cutoff, is_historical_market,
             get_historical_market, list_markets/list_trades/list_fills/list_orders/
             list_positions/market_candlesticks with historical=True
"""

from __future__ import annotations

from .errors import EngineError
from .events import (
    BookDelta,
    EventLifecycle,
    FillEvent,
    MarketLifecycle,
    OrderEvent,
    OrderGroupUpdate,
    PositionUpdate,
    TickerUpdate,
    TradeEvent,
)
from .events import (
    Event as ExchangeEvent,
)
from .exchange import CancelResult, EventPosition, Exchange, real_clock
from .models import (
    OHLC,
    Account,
    Candlestick,
    Event,
    Fill,
    HistoricalCutoff,
    Market,
    Order,
    OrderGroup,
    OrderResult,
    Position,
    PriceRange,
    PriceStats,
    QueuePosition,
    Series,
    Settlement,
    Trade,
)
from .store import open_exchange

__all__ = [
    "OHLC",
    "Account",
    "BookDelta",
    "CancelResult",
    "Candlestick",
    "EngineError",
    "Event",
    "EventLifecycle",
    "EventPosition",
    "Exchange",
    "ExchangeEvent",
    "Fill",
    "FillEvent",
    "HistoricalCutoff",
    "Market",
    "MarketLifecycle",
    "Order",
    "OrderEvent",
    "OrderGroup",
    "OrderGroupUpdate",
    "OrderResult",
    "Position",
    "PositionUpdate",
    "PriceRange",
    "PriceStats",
    "QueuePosition",
    "Series",
    "Settlement",
    "TickerUpdate",
    "Trade",
    "TradeEvent",
    "open_exchange",
    "real_clock",
]
