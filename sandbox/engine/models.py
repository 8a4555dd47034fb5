"""Plain records the engine keeps: series, events, markets, accounts, orders, fills and history.

Money is Decimal dollars, counts Decimal contracts, times int epoch milliseconds (candles use
epoch seconds, as the API does). The HTTP layer turns these into the spec's JSON shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .money import ONE, ZERO

# Market.status values (the spec's Market enum).
INITIALIZED, INACTIVE, ACTIVE, CLOSED = "initialized", "inactive", "active", "closed"
DETERMINED, DISPUTED, AMENDED, FINALIZED = "determined", "disputed", "amended", "finalized"
MARKET_STATUSES = (INITIALIZED, INACTIVE, ACTIVE, CLOSED, DETERMINED, DISPUTED, AMENDED, FINALIZED)

# Order.status values.
RESTING, CANCELED, EXECUTED = "resting", "canceled", "executed"

BID, ASK = "bid", "ask"
GTC, IOC, FOK = "good_till_canceled", "immediate_or_cancel", "fill_or_kill"
STP_TAKER, STP_MAKER = "taker_at_cross", "maker"


@dataclass(frozen=True, slots=True)
class PriceRange:
    """One band of a market's tick grid: prices start..end (inclusive) in steps of `step`."""

    start: Decimal
    end: Decimal
    step: Decimal


@dataclass(slots=True)
class Series:
    ticker: str
    title: str
    category: str
    frequency: str
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    settlement_sources: list[dict] = field(default_factory=list)  # [{"name":..., "url":...}]
    contract_url: str = ""
    contract_terms_url: str = ""
    fee_type: str = "quadratic"  # quadratic | quadratic_with_maker_fees | flat
    fee_multiplier: Decimal = ONE
    additional_prohibitions: list[str] = field(default_factory=list)
    product_metadata: dict | None = None
    last_updated_ts: int = 0
    # The exchange shard its events and markets live on (Kalshi moved combos to index 1).
    exchange_index: int = 0


@dataclass(slots=True)
class Event:
    event_ticker: str
    series_ticker: str
    title: str
    sub_title: str
    mutually_exclusive: bool = True
    collateral_return_type: str = "MECNET"
    strike_date: int | None = None  # epoch ms
    strike_period: str | None = None
    settlement_sources: list[dict] = field(default_factory=list)
    product_metadata: dict | None = None
    last_updated_ts: int = 0
    fee_type_override: str | None = None
    fee_multiplier_override: Decimal | None = None
    markets: list[str] = field(default_factory=list)  # market tickers, display order
    exchange_index: int = 0  # its series' (pinned when created)


@dataclass(slots=True)
class Market:
    ticker: str
    event_ticker: str
    series_ticker: str
    title: str
    subtitle: str
    yes_sub_title: str
    no_sub_title: str
    open_time: int
    close_time: int
    latest_expiration_time: int
    rules_primary: str
    rules_secondary: str
    price_level_structure: str
    price_ranges: tuple[PriceRange, ...]
    market_type: str = "binary"  # binary | scalar
    status: str = ACTIVE
    created_time: int = 0
    updated_time: int = 0
    expected_expiration_time: int | None = None
    expiration_time: int | None = None
    settlement_timer_seconds: int = 300
    can_close_early: bool = True
    early_close_condition: str | None = None
    strike_type: str | None = None
    floor_strike: Decimal | None = None
    cap_strike: Decimal | None = None
    custom_strike: dict | None = None
    settlement_bounds_type: str = "default"
    # Outcome.
    result: str = ""  # "" | yes | no | scalar
    settlement_value: Decimal | None = None  # payout per YES contract, dollars
    expiration_value: str = ""
    determined_time: int | None = None
    settlement_ts: int | None = None  # epoch ms when settled (finalized)
    # Trading statistics, kept current on every book change / trade.
    yes_bid: Decimal = ZERO
    yes_ask: Decimal = ONE
    yes_bid_size: Decimal = ZERO
    yes_ask_size: Decimal = ZERO
    last_price: Decimal = ZERO
    previous_yes_bid: Decimal = ZERO
    previous_yes_ask: Decimal = ONE
    previous_price: Decimal = ZERO
    previous_day: int = 0  # UTC day number the previous_* values were taken at
    volume: Decimal = ZERO
    volume_24h: Decimal = ZERO
    open_interest: Decimal = ZERO
    notional_value: Decimal = ONE
    dollar_volume: Decimal = ZERO  # sum of YES price x count over all trades
    # Combo (multivariate) markets: the collection and the legs they were created from
    # ({event_ticker, market_ticker, side}); empty for ordinary markets.
    mve_collection_ticker: str = ""
    mve_selected_legs: list[dict] = field(default_factory=list)
    # The exchange shard the market lives on: its series' (pinned when created); orders,
    # fills and settlements in it move the owner's cash on this index.
    exchange_index: int = 0

    @property
    def no_bid(self) -> Decimal:
        return ONE - self.yes_ask

    @property
    def no_ask(self) -> Decimal:
        return ONE - self.yes_bid


@dataclass(slots=True)
class Account:
    """Cash of one (user, subaccount): `balance` is available, `reserved` backs resting orders."""

    user_id: str
    subaccount: int = 0
    balance: Decimal = ZERO
    reserved: Decimal = ZERO
    created_time: int = 0
    updated_ts: int = 0
    # Kalshi member type, kept on subaccount 0: "regular" (non-direct, balances in whole
    # cents), "direct" (balances to $0.0001), "fcm" (an FCM member). See fees.balance_precision.
    member_type: str = "regular"


@dataclass(slots=True)
class Order:
    order_id: str
    user_id: str
    ticker: str
    event_ticker: str
    side: str  # bid (buy YES) | ask (sell YES = buy NO)
    price: Decimal  # YES price, dollars
    initial_count: Decimal
    remaining_count: Decimal
    time_in_force: str
    self_trade_prevention_type: str
    client_order_id: str = ""
    subaccount: int = 0
    fill_count: Decimal = ZERO
    status: str = RESTING
    post_only: bool = False
    reduce_only: bool = False
    expiration_time: int | None = None  # epoch ms
    order_group_id: str | None = None
    cancel_order_on_pause: bool = False
    created_time: int = 0
    last_update_time: int = 0
    last_update_reason: str | None = None
    taker_fill_cost: Decimal = ZERO
    maker_fill_cost: Decimal = ZERO
    taker_fees: Decimal = ZERO
    maker_fees: Decimal = ZERO
    seq: int = 0  # queue priority: lower is earlier
    covered: Decimal = ZERO  # resting contracts backed by an opposite position, not cash
    reserved: Decimal = ZERO  # cash held for the rest
    fee_base: Decimal = ZERO  # unrounded model fee accrued over all fills
    rounding_acc: Decimal = ZERO  # rounding fees paid and not yet rebated (fees.charge)
    exchange_index: int = 0  # its market's: where its cash is held

    @property
    def outcome_side(self) -> str:
        return "yes" if self.side == "bid" else "no"

    @property
    def yes_price(self) -> Decimal:
        return self.price

    @property
    def no_price(self) -> Decimal:
        return ONE - self.price

    @property
    def type(self) -> str:
        return "limit"


class YesPriced:
    """Mixin for records whose `price` is the YES price: the NO price is its complement."""

    __slots__ = ()
    price: Decimal

    @property
    def yes_price(self) -> Decimal:
        return self.price

    @property
    def no_price(self) -> Decimal:
        return ONE - self.price


@dataclass(slots=True)
class Fill(YesPriced):
    """One side of a trade, as its owner sees it."""

    fill_id: str
    trade_id: str  # the public trade this fill belongs to
    order_id: str
    user_id: str
    ticker: str
    side: str  # book side of the owner's order
    price: Decimal  # YES price
    count: Decimal
    is_taker: bool
    fee_cost: Decimal
    created_time: int
    subaccount: int = 0
    post_position: Decimal = ZERO
    # fee_cost = trade_fee + rounding_fee - rebate (fees.charge; the API carries fee_cost)
    trade_fee: Decimal = ZERO
    rounding_fee: Decimal = ZERO
    rebate: Decimal = ZERO
    exchange_index: int = 0  # its market's

    @property
    def outcome_side(self) -> str:
        return "yes" if self.side == "bid" else "no"


@dataclass(slots=True)
class Trade(YesPriced):
    trade_id: str
    ticker: str
    count: Decimal
    price: Decimal  # YES price
    taker_side: str  # book side of the taker: bid | ask
    created_time: int
    is_block_trade: bool = False

    @property
    def taker_outcome_side(self) -> str:
        return "yes" if self.taker_side == "bid" else "no"


@dataclass(slots=True)
class Position:
    """Net position of one (user, subaccount) in one market: + YES, - NO."""

    user_id: str
    ticker: str
    subaccount: int = 0
    position: Decimal = ZERO
    exposure: Decimal = ZERO  # cost basis of the open position
    total_traded: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees_paid: Decimal = ZERO
    last_updated_ts: int = 0
    covered_bid: Decimal = ZERO  # NO contracts promised to resting bids
    covered_ask: Decimal = ZERO  # YES contracts promised to resting asks
    settled: bool = False
    traded_count: Decimal = ZERO  # contracts traded in this market, both sides
    # YES+NO pairs held side by side, not offset: bought while netting was disabled for the
    # subaccount (Subaccounts.set_netting); each pays $1 at settlement, cost in `exposure`.
    paired: Decimal = ZERO


@dataclass(slots=True)
class Settlement:
    user_id: str
    ticker: str
    event_ticker: str
    market_result: str
    yes_count: Decimal
    yes_total_cost: Decimal
    no_count: Decimal
    no_total_cost: Decimal
    revenue: int  # cents
    revenue_dollars: Decimal
    fee_cost: Decimal
    settled_time: int
    subaccount: int = 0
    value: int | None = None  # cents paid per YES contract
    settlement_value: Decimal | None = None
    exchange_index: int = 0  # its market's: where the payout went


@dataclass(slots=True)
class OrderGroup:
    order_group_id: str
    user_id: str
    contracts_limit: Decimal
    subaccount: int = 0
    is_auto_cancel_enabled: bool = True
    triggered: bool = False
    created_time: int = 0
    window: list[tuple[int, Decimal]] = field(default_factory=list)  # (ts ms, contracts filled)
    exchange_index: int = 0  # the shard it lives on: it takes orders in markets there only


@dataclass(slots=True)
class Collection:
    """A multivariate event collection: which events' markets combine into combo markets.
    `associated_events`: [{ticker, is_yes_only, size_min, size_max}]; times epoch ms."""

    collection_ticker: str
    series_ticker: str
    title: str
    description: str
    open_date: int
    close_date: int
    associated_events: list[dict]
    size_min: int
    size_max: int
    price_ranges: tuple[PriceRange, ...]
    price_level_structure: str = "center_deci_edge_centi_cent"
    is_ordered: bool = False
    functional_description: str = ""


@dataclass(slots=True)
class ComboQuota:
    """When one user created combo markets during the last week (5,000 a week)."""

    user_id: str
    times: list[int] = field(default_factory=list)


@dataclass(slots=True)
class BlockTrade:
    """A block trade proposal: the buyer buys `count` YES at `price` from the seller (who buys
    NO at 1 - price) once both have accepted; `maker_side` pays maker fees. Times epoch ms."""

    proposal_id: str
    proposer: str
    buyer: str
    seller: str
    ticker: str
    price: Decimal
    count: Decimal
    maker_side: str
    expiration_ts: int
    buyer_subaccount: int = 0
    seller_subaccount: int = 0
    status: str = "pending"  # pending | executed | expired | failed
    created_ts: int = 0
    updated_ts: int = 0
    buyer_accepted_ts: int | None = None
    seller_accepted_ts: int | None = None
    executed_ts: int | None = None
    buyer_order_id: str = ""
    seller_order_id: str = ""
    failure_reason: str = ""


# RFQ.status and Quote.status values (the spec's enums).
OPEN, CLOSED_RFQ = "open", "closed"
Q_OPEN, Q_ACCEPTED, Q_CONFIRMED, Q_EXECUTED, Q_CANCELLED = (
    "open",
    "accepted",
    "confirmed",
    "executed",
    "cancelled",
)


@dataclass(slots=True)
class Rfq:
    """A request for quote: size in contracts or as a target cost (exactly one)."""

    rfq_id: str
    user_id: str
    ticker: str
    event_ticker: str
    contracts: Decimal | None
    target_cost: Decimal | None
    rest_remainder: bool
    subaccount: int = 0
    target_cost_excludes_fees: bool = False
    obscure_creator: bool = False
    status: str = OPEN
    created_ts: int = 0
    updated_ts: int = 0
    cancelled_ts: int | None = None
    cancellation_reason: str = ""
    executed: bool = False  # a quote executed: the creator's id is no longer obscured
    mve_collection_ticker: str = ""
    mve_selected_legs: list[dict] = field(default_factory=list)
    rfq_batch_id: str = ""  # a child of an RFQ batch (rfqbatches.py): quoted through the batch


@dataclass(slots=True)
class Quote:
    """A maker's two-sided answer to an RFQ; `deadline` is the running timer (confirmation
    window while accepted, execution timer while confirmed), epoch ms."""

    quote_id: str
    rfq_id: str
    user_id: str
    rfq_user_id: str
    ticker: str
    yes_bid: Decimal
    no_bid: Decimal
    rest_remainder: bool
    subaccount: int = 0
    post_only: bool = False
    status: str = Q_OPEN
    created_ts: int = 0
    updated_ts: int = 0
    accepted_side: str | None = None
    contracts_accepted: Decimal | None = None
    accepted_ts: int | None = None
    confirmed_ts: int | None = None
    executed_ts: int | None = None
    cancelled_ts: int | None = None
    cancellation_reason: str = ""
    deadline: int | None = None
    creator_order_id: str = ""
    rfq_creator_order_id: str = ""


# RFQBatch.status and RFQBatchQuote.status values beyond the RFQ ones (the spec's enums).
B_ACCEPTED, B_CLOSED = "accepted", "closed"
BQ_PARTIAL = "partially_executed"


@dataclass(slots=True)
class RfqBatch:
    """Several child RFQs (`rfq_ids`, request order) quoted and accepted as one. `deadline` is
    the running timer: the confirmation window once accepted, the execution timer once every
    winning maker confirmed (`confirmed`)."""

    batch_id: str
    user_id: str
    rfq_ids: list[str]
    subaccount: int = 0
    status: str = OPEN
    created_ts: int = 0
    updated_ts: int = 0
    accepted_ts: int | None = None
    closed_ts: int | None = None
    close_reason: str = ""
    client_batch_id: str = ""
    obscure_creator: bool = False
    executed: bool = False  # a child executed: the creator's id is no longer obscured
    accepted_side: str | None = None
    accept_key: str = ""  # the accept's client_order_id (a retry returns the same result)
    deadline: int | None = None
    confirmed: bool = False
    version: int = 0  # best-quotes snapshot version
    best_ts: int | None = None  # when a best bid last changed
    # The snapshot `version` names: per child (batch order) its best yes then no bid as the
    # price string, "" for none. Kept so a change (or a lapse) that moves no best bid makes no
    # new snapshot, and so the WebSocket sends exactly what `version` stands for.
    best_bids: list[str] = field(default_factory=list)
    executed_ts: int | None = None


@dataclass(slots=True)
class BatchQuote:
    """One maker's prices for every child of a batch: child `Quote`s (`quote_ids`, batch
    order) with the time priority each bid keeps while resent unchanged (`priority`)."""

    batch_quote_id: str
    batch_id: str
    user_id: str
    rfq_user_id: str
    quote_ids: list[str]
    priority: list[int]
    rest_remainder: bool = False
    post_only: bool = False
    subaccount: int = 0
    status: str = Q_OPEN
    created_ts: int = 0
    updated_ts: int = 0
    sent_ts: int = 0  # last submitted: it counts for 30 s after
    accepted_side: str | None = None
    accepted_ts: int | None = None
    confirmed_ts: int | None = None
    won: list[str] = field(default_factory=list)  # child quote ids this maker won
    executed_ids: list[str] = field(default_factory=list)  # child rfq ids that executed
    failed_ids: list[str] = field(default_factory=list)
    executed_ts: int | None = None


@dataclass(slots=True)
class MinuteCandle:
    """Raw 1-minute bar of one market; 60/1440-minute candles are aggregated from these."""

    ticker: str
    minute: int  # epoch seconds of the minute's start
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    close: Decimal | None = None
    notional: Decimal = ZERO  # sum(price * count), for the mean
    volume: Decimal = ZERO
    open_interest: Decimal = ZERO
    bid_open: Decimal = ZERO
    bid_high: Decimal = ZERO
    bid_low: Decimal = ZERO
    bid_close: Decimal = ZERO
    ask_open: Decimal = ONE
    ask_high: Decimal = ONE
    ask_low: Decimal = ONE
    ask_close: Decimal = ONE


@dataclass(slots=True)
class Meta:
    """Exchange-wide state: id counters, fees collected, trading flags, historical cutoffs."""

    seed: int = 1
    id_ns: int = 0
    order: int = 0
    fill: int = 0
    trade: int = 0
    group: int = 0
    seq: int = 0
    fees_collected: Decimal = ZERO
    market_settled_ts: int = 0
    trades_created_ts: int = 0
    orders_updated_ts: int = 0
    market_positions_last_updated_ts: int = 0
    trading_active: bool = True
    exchange_active: bool = True
    rfq: int = 0
    quote: int = 0
    block: int = 0
    rfq_batch: int = 0
    batch_quote: int = 0
    clock_offset_ms: int = 0  # the control plane's clock advance (sandbox/control/actions.py)

    @property
    def cutoff(self) -> HistoricalCutoff:
        return HistoricalCutoff(
            self.market_settled_ts,
            self.trades_created_ts,
            self.orders_updated_ts,
            self.market_positions_last_updated_ts,
        )


# Results returned by API methods.


@dataclass(frozen=True, slots=True)
class OrderResult:
    """The order after matching plus the fills it made (taker side)."""

    order: Order
    fills: tuple[Fill, ...]

    @property
    def fill_count(self) -> Decimal:
        return self.order.fill_count

    @property
    def remaining_count(self) -> Decimal:
        return self.order.remaining_count

    @property
    def average_fill_price(self) -> Decimal | None:
        """Volume-weighted YES price of the fills (V2 prices are YES prices); None if none."""
        total = sum((f.count for f in self.fills), ZERO)
        if not total:
            return None
        return sum((f.count * f.price for f in self.fills), ZERO) / total

    @property
    def average_fee_paid(self) -> Decimal | None:
        total = sum((f.count for f in self.fills), ZERO)
        if not total:
            return None
        return sum((f.fee_cost for f in self.fills), ZERO) / total


@dataclass(frozen=True, slots=True)
class OHLC:
    open: Decimal | None
    low: Decimal | None
    high: Decimal | None
    close: Decimal | None


@dataclass(frozen=True, slots=True)
class PriceStats:
    open: Decimal | None
    low: Decimal | None
    high: Decimal | None
    close: Decimal | None
    mean: Decimal | None
    previous: Decimal | None
    min: Decimal | None = None
    max: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Candlestick:
    """One candle as the API shows it (end_period_ts in epoch seconds, inclusive end)."""

    end_period_ts: int
    yes_bid: OHLC
    yes_ask: OHLC
    price: PriceStats
    volume: Decimal
    open_interest: Decimal


@dataclass(frozen=True, slots=True)
class HistoricalCutoff:
    """Epoch-ms boundaries between live and historical data."""

    market_settled_ts: int
    trades_created_ts: int
    orders_updated_ts: int
    market_positions_last_updated_ts: int


@dataclass(frozen=True, slots=True)
class QueuePosition:
    order_id: str
    market_ticker: str
    queue_position: Decimal


@dataclass(slots=True)
class SubaccountTransfer:
    """Cash moved between two subaccounts of one user (POST /portfolio/subaccounts/transfer)."""

    transfer_id: str
    user_id: str
    client_transfer_id: str
    from_subaccount: int
    to_subaccount: int
    amount: Decimal  # dollars, whole cents (the API takes amount_cents)
    created_ts: int
    seq: int = 0  # exchange-wide sequence: the order of transfers within one millisecond
    exchange_index: int = 0


@dataclass(slots=True)
class IndexBalance:
    """Cash of one (user, subaccount) on an event-contract exchange index other than 0
    (index 0's cash is the `Account`): `balance` is available, `reserved` backs resting
    orders in markets on this index (the same two fields as `Account`: Accounts.holder)."""

    user_id: str
    subaccount: int
    exchange_index: int
    balance: Decimal = ZERO
    updated_ts: int = 0
    reserved: Decimal = ZERO


@dataclass(slots=True)
class IndexTransfer:
    """Cash moved between exchange indexes (POST /portfolio/intra_exchange_instance_transfer)."""

    transfer_id: str
    user_id: str
    client_transfer_id: str  # "" when the caller gave none
    source_subaccount: int
    destination_subaccount: int
    source_index: int
    destination_index: int
    amount: Decimal  # dollars (the API takes centicents)
    created_ts: int
    seq: int = 0


@dataclass(slots=True)
class BalanceAllocation:
    """A user's target split of sweepable cash across exchange indexes (percent each)."""

    user_id: str
    allocations: list[list[int]]  # [[exchange_index, percent], ...]; replaced, never mutated
    resting_margin_reservation: str = "sum"
    updated_ts: int = 0


@dataclass(slots=True)
class NettingSetting:
    """A subaccount whose netting setting differs from the default (enabled)."""

    user_id: str
    subaccount: int
    enabled: bool = True
    updated_ts: int = 0


@dataclass(slots=True)
class TierSetting:
    """A user's rate-limit tier set through the control plane (survives a restart)."""

    user_id: str
    tier: str


@dataclass(slots=True)
class FeedGrant:
    """A paid data feed (e.g. pyth_value) granted to a user through the control plane."""

    user_id: str
    feed: str
    granted_ts: int


@dataclass(slots=True)
class UsageGrant:
    """An API usage-level grant of one user (POST /account/api_usage_level/upgrade)."""

    user_id: str
    level: str  # advanced, expert, premier, ...
    source: str  # "volume" or "manual" (the spec's ApiUsageLevelGrant.source)
    created_ts: int
    expires_ts: int | None = None  # epoch ms; None = permanent


@dataclass(slots=True)
class FundingEntry:
    """A deposit or withdrawal of a user's primary account (GET /portfolio/deposits|withdrawals)."""

    entry_id: str
    user_id: str
    kind: str  # deposit | withdrawal
    method: str  # ach | wire | crypto | debit | apm
    status: str  # pending | applied | failed | returned
    amount: Decimal  # dollars, whole cents
    fee: Decimal
    created_ts: int
    finalized_ts: int | None = None
    seq: int = 0


@dataclass(slots=True)
class FcmSubtrader:
    """An FCM member's subtrader: an exchange user `{fcm_id}_{suffix}` the FCM manages."""

    subtrader_id: str
    fcm_id: str
    created_ts: int = 0
    seq: int = 0


@dataclass(slots=True)
class DailyCap:
    """An FCM subtrader's event-contract daily premium cap (dollars)."""

    subtrader_id: str
    limit: Decimal = ZERO
    updated_ts: int = 0


@dataclass(slots=True)
class BlockedCategories:
    """Event categories an FCM blocked for one of its subtraders (sorted)."""

    subtrader_id: str
    categories: list[str] = field(default_factory=list)
    updated_ts: int = 0


@dataclass(slots=True)
class PositionTransfer:
    """A position moved by an FCM from a subtrader to one under its error account."""

    position_transfer_id: str
    fcm_id: str
    source_subtrader_id: str
    target_subtrader_id: str
    ticker: str
    count: Decimal  # + YES, - NO
    yes_price: Decimal
    created_ts: int = 0
    seq: int = 0
