"""Small frozen records the engine emits to `Exchange.listeners` after a successful operation.

They carry snapshots (copies), so a listener may keep them; the WebSocket layer maps each one to
a channel message. Nothing is built when there are no listeners.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .models import Fill, Market, Order, OrderGroup, Position, Quote, Rfq, Trade


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """kind: created | updated (fill, amend, decrease) | canceled | executed."""

    kind: str
    order: Order
    ts: int
    reason: str | None = None  # e.g. PostOnlyCrossCancel, SelfTradeCancel, Expired, OrderGroup


@dataclass(frozen=True, slots=True)
class FillEvent:
    """One user's side of a trade (fill.is_taker tells maker from taker)."""

    fill: Fill
    ts: int


@dataclass(frozen=True, slots=True)
class TradeEvent:
    trade: Trade
    ts: int


@dataclass(frozen=True, slots=True)
class BookDelta:
    """Aggregated level change: side "yes" = YES bids at `price`; "no" = NO bids at `price`."""

    ticker: str
    side: str
    price: Decimal
    delta: Decimal
    ts: int
    user_id: str | None = None  # whose order caused it (for client_order_id echo)
    client_order_id: str | None = None
    subaccount: int | None = None


@dataclass(frozen=True, slots=True)
class TickerUpdate:
    """Market statistics changed (best bid/ask, sizes, last price, volume, open interest)."""

    market: Market
    ts: int


@dataclass(frozen=True, slots=True)
class PositionUpdate:
    position: Position
    ts: int


@dataclass(frozen=True, slots=True)
class OrderGroupUpdate:
    """kind: created | triggered | reset | limit_updated | deleted."""

    kind: str
    group: OrderGroup
    ts: int


@dataclass(frozen=True, slots=True)
class MarketLifecycle:
    """kind: created | activated | deactivated | close_date_updated | determined | settled |
    metadata_updated (`changed` names the fields) | price_level_structure_updated."""

    kind: str
    market: Market
    ts: int
    changed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EventLifecycle:
    """kind: created."""

    kind: str
    event_ticker: str
    series_ticker: str
    title: str
    sub_title: str
    ts: int
    exchange_index: int = 0


@dataclass(frozen=True, slots=True)
class RfqEvent:
    """kind: created | deleted (by its creator, on execution, or replaced)."""

    kind: str
    rfq: Rfq
    ts: int


@dataclass(frozen=True, slots=True)
class QuoteEvent:
    """kind: created | accepted | executed | cancelled. On `executed`, `orders` maps each side's
    user to the order id its side of the trade was placed as."""

    kind: str
    quote: Quote
    rfq: Rfq
    ts: int
    orders: tuple[tuple[str, str], ...] = ()


Event = (
    OrderEvent
    | FillEvent
    | TradeEvent
    | BookDelta
    | TickerUpdate
    | PositionUpdate
    | OrderGroupUpdate
    | MarketLifecycle
    | EventLifecycle
    | RfqEvent
    | QuoteEvent
)
