"""Builders of the `msg` bodies of every data message, field for field as the AsyncAPI says.

They read the engine's plain records (`sandbox.engine.models`: Order, Fill, Trade, Position,
Market, Event) and return JSON-ready dicts: prices as 4-decimal dollar strings, costs/fees as
6-decimal ones, counts as 2-decimal strings, times as `ts_ms`, plus the deprecated fields the live
API still sends (`ts`, `time`, `side`, `action`, `is_yes`, `purchased_side`, `taker_side`,
`created_time`, ...), so old and new clients both parse them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandbox.engine.common import user_uuid
from sandbox.ws.wire import count, price, value

ONE = Decimal(1)
_MARKET_NS = uuid.UUID("6f1c9a52-8a43-4d7e-9a7c-2b5d0c0e4a11")


def market_id(ticker: str) -> str:
    """A stable UUID per market ticker (the engine keys markets by ticker only)."""
    return str(uuid.uuid5(_MARKET_NS, ticker))


def rfc3339(ms: int) -> str:
    """RFC 3339 UTC truncated to milliseconds, as the deprecated `ts`/`time` strings are."""
    dt = datetime.fromtimestamp(ms / 1000, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _levels(levels: list[tuple[Decimal, Decimal]]) -> list[list[str]]:
    return [[price(p), count(c)] for p, c in levels]


def orderbook_snapshot(
    ticker: str,
    clock: int,
    yes: list[tuple[Decimal, Decimal]],
    no: list[tuple[Decimal, Decimal]],
    use_yes_price: bool = False,
) -> dict[str, Any]:
    """Levels ascending by price (best bid last, as the REST book). `no` holds NO bids at NO
    prices; with `use_yes_price` the NO side is shown at YES prices (1 - p). Empty sides are
    left out, as live does."""
    msg: dict[str, Any] = {"market_ticker": ticker, "market_id": market_id(ticker), "clock": clock}
    if yes:
        msg["yes_dollars_fp"] = _levels(sorted(yes))
    if no:
        shown = [(ONE - p, c) for p, c in no] if use_yes_price else no
        msg["no_dollars_fp"] = _levels(sorted(shown))
    return msg


def orderbook_delta(
    ticker: str,
    clock: int,
    side: str,
    level_price: Decimal,
    delta: Decimal,
    ts_ms: int,
    use_yes_price: bool = False,
    client_order_id: str | None = None,
    subaccount: int | None = None,
) -> dict[str, Any]:
    """`side` yes|no; a NO level's price is a NO price unless `use_yes_price`. The order's
    `client_order_id` (and subaccount when non-zero) are added only for the user who caused it."""
    shown = ONE - level_price if side == "no" and use_yes_price else level_price
    msg: dict[str, Any] = {
        "market_ticker": ticker,
        "market_id": market_id(ticker),
        "clock": clock,
        "price_dollars": price(shown),
        "delta_fp": count(delta),
        "side": side,
        "ts": rfc3339(ts_ms),
        "ts_ms": ts_ms,
    }
    if client_order_id:
        msg["client_order_id"] = client_order_id
    if subaccount:
        msg["subaccount"] = subaccount
    return msg


def ticker(market: Any, ts_ms: int, last_trade_size: Decimal = Decimal(0)) -> dict[str, Any]:
    """Market stats. The engine keeps no traded notional, so `dollar_volume` and
    `dollar_open_interest` are approximated as contracts x last price, in whole dollars."""
    return {
        "market_id": market_id(market.ticker),
        "market_ticker": market.ticker,
        "price_dollars": price(market.last_price),
        "yes_bid_dollars": price(market.yes_bid),
        "yes_ask_dollars": price(market.yes_ask),
        "volume_fp": count(market.volume),
        "open_interest_fp": count(market.open_interest),
        "dollar_volume": int(market.volume * market.last_price),
        "dollar_open_interest": int(market.open_interest * market.last_price),
        "yes_bid_size_fp": count(market.yes_bid_size),
        "yes_ask_size_fp": count(market.yes_ask_size),
        "last_trade_size_fp": count(last_trade_size),
        "ts": ts_ms // 1000,
        "ts_ms": ts_ms,
        "time": rfc3339(ts_ms),
    }


def trade(t: Any) -> dict[str, Any]:
    outcome = "yes" if t.taker_side == "bid" else "no"
    return {
        "trade_id": t.trade_id,
        "market_ticker": t.ticker,
        "yes_price_dollars": price(t.price),
        "no_price_dollars": price(ONE - t.price),
        "count_fp": count(t.count),
        "taker_side": outcome,
        "taker_outcome_side": outcome,
        "taker_book_side": t.taker_side,
        "is_block_trade": bool(t.is_block_trade),
        "ts": t.created_time // 1000,
        "ts_ms": t.created_time,
    }


def fill(f: Any, client_order_id: str = "") -> dict[str, Any]:
    """Legacy `side`/`action`: a bid bought YES; an ask sold YES, which the legacy vocabulary
    shows as buying NO (the V2 order has no position-closing intent to report)."""
    outcome = "yes" if f.side == "bid" else "no"
    msg: dict[str, Any] = {
        "trade_id": f.trade_id,
        "order_id": f.order_id,
        "market_ticker": f.ticker,
        "exchange_index": f.exchange_index,
        "is_taker": bool(f.is_taker),
        "side": outcome,
        "yes_price_dollars": price(f.price),
        "count_fp": count(f.count),
        "fee_cost": value(f.fee_cost),
        "action": "buy",
        "ts": f.created_time // 1000,
        "ts_ms": f.created_time,
        "post_position_fp": count(f.post_position),
        "purchased_side": outcome,
        "outcome_side": outcome,
        "book_side": f.side,
    }
    if client_order_id:
        msg["client_order_id"] = client_order_id
    if f.subaccount:
        msg["subaccount"] = f.subaccount
    return msg


def market_position(p: Any, volume: Decimal) -> dict[str, Any]:
    """`position_cost_dollars` is the open position's cost basis; fee cost of the open position
    is not tracked separately, so `position_fee_cost_dollars` repeats the fees paid. `volume`
    is contracts traded in the market."""
    msg: dict[str, Any] = {
        "user_id": user_uuid(p.user_id),
        "market_ticker": p.ticker,
        "position_fp": count(p.position),
        "position_cost_dollars": value(p.exposure),
        "realized_pnl_dollars": value(p.realized_pnl),
        "fees_paid_dollars": value(p.fees_paid),
        "position_fee_cost_dollars": value(p.fees_paid),
        "volume_fp": count(volume),
    }
    if p.subaccount:
        msg["subaccount"] = p.subaccount
    return msg


def user_order(o: Any) -> dict[str, Any]:
    outcome = "yes" if o.side == "bid" else "no"
    msg: dict[str, Any] = {
        "order_id": o.order_id,
        "user_id": user_uuid(o.user_id),
        "ticker": o.ticker,
        "exchange_index": o.exchange_index,
        "status": o.status,
        "side": outcome,
        "is_yes": outcome == "yes",
        "outcome_side": outcome,
        "book_side": o.side,
        "yes_price_dollars": price(o.price),
        "fill_count_fp": count(o.fill_count),
        "remaining_count_fp": count(o.remaining_count),
        "initial_count_fp": count(o.initial_count),
        "taker_fill_cost_dollars": value(o.taker_fill_cost),
        "maker_fill_cost_dollars": value(o.maker_fill_cost),
        "taker_fees_dollars": value(o.taker_fees),
        "maker_fees_dollars": value(o.maker_fees),
        "client_order_id": o.client_order_id or "",
        "self_trade_prevention_type": o.self_trade_prevention_type,
        "created_time": rfc3339(o.created_time) if o.created_time else None,
        "created_ts_ms": o.created_time or None,
        "subaccount_number": o.subaccount,
    }
    if o.order_group_id:
        msg["order_group_id"] = o.order_group_id
    if o.last_update_time:
        msg["last_update_time"] = rfc3339(o.last_update_time)
        msg["last_updated_ts_ms"] = o.last_update_time
    if o.expiration_time:
        msg["expiration_time"] = rfc3339(o.expiration_time)
        msg["expiration_ts_ms"] = o.expiration_time
    if o.last_update_reason:
        msg["last_update_reason"] = o.last_update_reason
    return msg


def order_group_update(
    event_type: str, order_group_id: str, ts_ms: int, contracts_limit: Decimal | None = None
) -> dict[str, Any]:
    """`contracts_limit_fp` only on `created` and `limit_updated`, as the spec says."""
    msg: dict[str, Any] = {"event_type": event_type, "order_group_id": order_group_id}
    if contracts_limit is not None and event_type in ("created", "limit_updated"):
        msg["contracts_limit_fp"] = count(contracts_limit)
    msg["ts_ms"] = ts_ms
    return msg


def _number(d: Decimal) -> int | float:
    """Strikes are JSON numbers in the spec (not money): ints stay ints."""
    return int(d) if d == d.to_integral_value() else float(d)


def _price_ranges(m: Any) -> list[dict[str, str]]:
    return [
        {"start": price(r.start), "end": price(r.end), "step": price(r.step)}
        for r in m.price_ranges
    ]


def market_lifecycle(
    event_type: str, m: Any, ts_ms: int, changed: tuple[str, ...] = ()
) -> dict[str, Any]:
    """One `market_lifecycle_v2` body; which optional keys appear depends on `event_type`
    exactly as the spec's "This key will ONLY exist when..." notes say. `metadata_updated`
    carries the fields in `changed` (AsyncAPI marketMetadataUpdatedPayload)."""
    msg: dict[str, Any] = {"market_ticker": m.ticker, "event_type": event_type}
    if event_type == "metadata_updated":
        for name in changed:
            v = getattr(m, name)
            msg[name] = _number(v) if isinstance(v, Decimal) else v
        return msg
    if event_type == "price_level_structure_updated":
        msg["price_level_structure"] = m.price_level_structure
        msg["price_ranges"] = _price_ranges(m)
        return msg
    if event_type == "created":
        meta: dict[str, Any] = {
            "name": m.title,
            "title": m.title,
            "yes_sub_title": m.yes_sub_title,
            "no_sub_title": m.no_sub_title,
            "rules_primary": m.rules_primary,
            "rules_secondary": m.rules_secondary,
            "can_close_early": bool(m.can_close_early),
            "event_ticker": m.event_ticker,
            "expected_expiration_ts": (m.expected_expiration_time or m.close_time) // 1000,
        }
        if m.strike_type:
            meta["strike_type"] = m.strike_type
        if m.floor_strike is not None:
            meta["floor_strike"] = _number(m.floor_strike)
        if m.cap_strike is not None:
            meta["cap_strike"] = _number(m.cap_strike)
        if m.custom_strike:
            meta["custom_strike"] = m.custom_strike
        msg.update(
            exchange_index=m.exchange_index,
            open_ts=m.open_time // 1000,
            close_ts=m.close_time // 1000,
            additional_metadata=meta,
            price_level_structure=m.price_level_structure,
            price_ranges=_price_ranges(m),
        )
    elif event_type == "close_date_updated":
        msg["close_ts"] = m.close_time // 1000
    elif event_type == "determined":
        msg["determination_ts"] = (m.determined_time or ts_ms) // 1000
        msg["result"] = m.result
        if m.settlement_value is not None:
            msg["settlement_value"] = price(m.settlement_value)
    elif event_type == "settled":
        msg["settled_ts"] = (m.settlement_ts or ts_ms) // 1000
    elif event_type in ("activated", "deactivated"):
        msg["is_deactivated"] = event_type == "deactivated"
    return msg


def event_lifecycle(e: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "event_ticker": e.event_ticker,
        "exchange_index": e.exchange_index,
        "title": e.title,
        "subtitle": e.sub_title,
        "collateral_return_type": e.collateral_return_type or "",
        "series_ticker": e.series_ticker,
    }
    if e.strike_date:
        msg["strike_date"] = e.strike_date // 1000
    if e.strike_period:
        msg["strike_period"] = e.strike_period
    return msg


def event_fee_update(
    event_ticker: str, fee_type: str | None, multiplier: Decimal | None
) -> dict[str, Any]:
    """An event's fee override set (or cleared: both null); the multiplier is a JSON number."""
    mult = None if multiplier is None else float(multiplier)
    if mult is not None and mult.is_integer():
        mult = int(mult)
    return {
        "event_ticker": event_ticker,
        "fee_type_override": fee_type,
        "fee_multiplier_override": mult,
    }
