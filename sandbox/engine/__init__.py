"""The local exchange's core: a thin `Exchange` front over parts with one job each.

Plain Python, no I/O; one writer. Money is Decimal dollars, counts Decimal contracts (0.01
steps), times epoch milliseconds (candle timestamps epoch seconds).

    ex = Exchange.in_memory(seed=7)          # or sandbox.store.open_exchange(Path(".sandbox"))
    ex.add_user("alice", Decimal("100"))
    r = ex.create_order("alice", ticker=t, side="bid", price=Decimal("0.42"), count=Decimal("5"),
                        time_in_force="good_till_canceled",
                        self_trade_prevention_type="maker")
    ex.listeners.append(print)               # OrderEvent, FillEvent, BookDelta, ...

Parts (see exchange.py for the map and "how to add a part"): accounts, catalog, orders
(Trading), groups, marketdata, lifecycle, portfolio, subaccounts, usage, funding.
operation.py is the all-or-nothing operation and its change set; invariants.py the checks
tests use. Persistence is sandbox/store (the journal), seed data sandbox/seed.

Public API (all on `Exchange`; errors are `EngineError(status, code, message, details)`):
  accounts   add_user, has_user, load_user, deposit, get_account, balance_cents,
             portfolio_value, total_resting_order_value, require_subaccount
  subaccts   create_subaccount, transfer_between_subaccounts, list_subaccount_transfers,
             subaccount_accounts, set_netting, netting_enabled
  usage      upgrade_usage_level, usage_grant, trailing_volume, volume_goals
  funding    record_funding, list_funding
  orders     create_order -> OrderResult, batch_create_orders, cancel_order -> CancelResult,
             cancel_all_orders, amend_order -> (old, new), decrease_order, get_order,
             list_orders, order_fills, queue_position, queue_positions, expire_orders
  groups     create_order_group, get_order_group, order_group_orders, list_order_groups,
             reset_order_group, trigger_order_group, update_order_group_limit,
             delete_order_group, group_matched
  data       get_series, list_series, series_volume, get_event, list_events, event_status,
             event_markets, get_market, list_markets, book, last_trade, list_trades,
             market_candlesticks, event_candlesticks
  portfolio  list_fills, list_settlements, list_positions -> (market, event positions)
  lifecycle  add_series, create_event, create_market, open_market, pause_market, close_market,
             update_close_time, determine_market, settle_market, pause_trading,
             resume_trading, exchange_active / trading_active
  misc       now, close, conn (sqlite3, None in memory), journal, listeners, operation,
             set_fixed_time, set_fault, restore, check_invariants, total_money, escrow
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
    "real_clock",
]
