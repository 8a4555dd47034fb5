"""Engine records -> the spec's JSON shapes (3.34.0), with fixed-point strings and RFC 3339 times.

Prices render with 4 decimals ("0.5600"), costs and fees with up to 6 when they need them, counts
with 2 ("10.00"); Decimal in, string out, never a float in between. Engine times are epoch ms.

`strict` chooses between the two faces of the server:
- live (default): optional fields that have no value are sent as JSON null, as the live API does
  (e.g. `Order.expiration_time: null`, `Market.settlement_value_dollars: null`), a series without a
  category has `category: null`, and an empty `additional_prohibitions` is null;
- strict (`--strict-spec`): absent optional fields are omitted and every required field is
  present and non-null, so the official SDK's strict models parse every response.
The deprecated-but-live fields (`side`, `action`, `taker_side`) are sent either way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sandbox.engine import models as m
from sandbox.engine.common import user_uuid

_P4 = Decimal("0.0001")
_P6 = Decimal("0.000001")
_C2 = Decimal("0.01")

# Market fields the spec marks optional: dropped when None in strict mode, null in live mode.
_OPTIONAL_NULLS = frozenset(
    {
        "title",
        "subtitle",
        "expected_expiration_time",
        "expiration_time",
        "settlement_value_dollars",
        "settlement_ts",
        "settlement_floor_dollars",
        "occurrence_datetime",
        "fee_waiver_expiration_time",
        "early_close_condition",
        "strike_type",
        "floor_strike",
        "cap_strike",
        "functional_strike",
        "custom_strike",
        "primary_participant_key",
        "strike_date",
        "strike_period",
        "product_metadata",
        "expires_ts",
        "value",
        "order_group_id",
        "self_trade_prevention_type",
        "created_time",
        "last_update_time",
        "subaccount_number",
        "fee_type_override",
        "fee_multiplier_override",
    }
)


def price(value: Decimal | int | str | None) -> str | None:
    """A dollar price with 4 decimals."""
    return None if value is None else str(Decimal(value).quantize(_P4))


def dollars(value: Decimal | int | str | None) -> str | None:
    """A dollar amount: 4 decimals, or up to 6 when the amount has sub-0.0001 precision."""
    if value is None:
        return None
    d = Decimal(value)
    q4 = d.quantize(_P4)
    return str(q4 if d == q4 else d.quantize(_P6))


def count(value: Decimal | int | str | None) -> str | None:
    """A contract count with 2 decimals."""
    return None if value is None else str(Decimal(value).quantize(_C2))


def cents(value: Decimal) -> int:
    """Whole cents, truncated (how `balance` and `portfolio_value` are reported)."""
    return int((Decimal(value) * 100).to_integral_value(rounding=ROUND_FLOOR))


def iso(value: datetime | float | None) -> str | None:
    """RFC 3339 in UTC from a datetime or Unix seconds."""
    if value is None:
        return None
    dt = value if isinstance(value, datetime) else datetime.fromtimestamp(value, UTC)
    dt = dt.astimezone(UTC)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if dt.microsecond:
        text += f".{dt.microsecond:06d}".rstrip("0")
    return text + "Z"


def iso_ms(ms: int | None) -> str | None:
    """RFC 3339 from epoch milliseconds (the engine's time unit)."""
    return None if ms is None else iso(ms / 1000)


def finish(obj: dict[str, Any], strict: bool) -> dict[str, Any]:
    """Drop optional nulls in strict mode; keep them (as the live API sends them) otherwise."""
    if strict:
        return {k: v for k, v in obj.items() if v is not None or k not in _OPTIONAL_NULLS}
    return obj


def price_range(r: m.PriceRange) -> dict:
    return {"start": price(r.start), "end": price(r.end), "step": price(r.step)}


def market(mk: m.Market, strict: bool) -> dict:
    return finish(
        {
            "ticker": mk.ticker,
            "event_ticker": mk.event_ticker,
            "market_type": mk.market_type,
            "title": mk.title,
            "subtitle": mk.subtitle,
            "yes_sub_title": mk.yes_sub_title,
            "no_sub_title": mk.no_sub_title,
            "created_time": iso_ms(mk.created_time),
            "updated_time": iso_ms(mk.updated_time),
            "open_time": iso_ms(mk.open_time),
            "close_time": iso_ms(mk.close_time),
            "expected_expiration_time": iso_ms(mk.expected_expiration_time),
            "expiration_time": iso_ms(mk.expiration_time),
            "latest_expiration_time": iso_ms(mk.latest_expiration_time),
            "settlement_timer_seconds": mk.settlement_timer_seconds,
            "status": mk.status,
            "yes_bid_dollars": price(mk.yes_bid),
            "yes_bid_size_fp": count(mk.yes_bid_size),
            "yes_ask_dollars": price(mk.yes_ask),
            "yes_ask_size_fp": count(mk.yes_ask_size),
            "no_bid_dollars": price(mk.no_bid),
            "no_ask_dollars": price(mk.no_ask),
            "last_price_dollars": price(mk.last_price),
            "volume_fp": count(mk.volume),
            "volume_24h_fp": count(mk.volume_24h),
            "result": mk.result,
            "can_close_early": mk.can_close_early,
            "open_interest_fp": count(mk.open_interest),
            "notional_value_dollars": price(mk.notional_value),
            "previous_yes_bid_dollars": price(mk.previous_yes_bid),
            "previous_yes_ask_dollars": price(mk.previous_yes_ask),
            "previous_price_dollars": price(mk.previous_price),
            "settlement_value_dollars": price(mk.settlement_value),
            "settlement_ts": iso_ms(mk.settlement_ts),
            "settlement_bounds_type": mk.settlement_bounds_type,
            "expiration_value": mk.expiration_value,
            "fee_waiver_expiration_time": None,
            "early_close_condition": mk.early_close_condition,
            "strike_type": mk.strike_type,
            "floor_strike": _number(mk.floor_strike),
            "cap_strike": _number(mk.cap_strike),
            "custom_strike": mk.custom_strike,
            "rules_primary": mk.rules_primary,
            "rules_secondary": mk.rules_secondary,
            "price_level_structure": mk.price_level_structure,
            "price_ranges": [price_range(r) for r in mk.price_ranges],
            "exchange_index": mk.exchange_index,
            **_mve(mk),
        },
        strict,
    )


def _mve(mk: m.Market) -> dict:
    """Combo markets' collection and legs (x-omitempty: absent on ordinary markets)."""
    if not mk.mve_collection_ticker:
        return {}
    return {
        "mve_collection_ticker": mk.mve_collection_ticker,
        "mve_selected_legs": [dict(leg) for leg in mk.mve_selected_legs],
    }


def _number(value: Decimal | None) -> int | float | None:
    """Strikes are JSON numbers in the spec; whole values stay integers."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def series(s: m.Series, strict: bool, volume: Decimal | None = None) -> dict:
    empty_prohibitions: list[str] | None = None if not strict else []
    out = {
        "ticker": s.ticker,
        "frequency": s.frequency,
        "title": s.title,
        "category": s.category or ("" if strict else None),
        "categories": list(s.categories or ([s.category] if s.category else [])),
        "tags": list(s.tags),
        "settlement_sources": list(s.settlement_sources),
        "contract_url": s.contract_url,
        "contract_terms_url": s.contract_terms_url,
        "product_metadata": s.product_metadata,
        "fee_type": s.fee_type,
        "fee_multiplier": _number(Decimal(s.fee_multiplier)),
        "additional_prohibitions": list(s.additional_prohibitions) or empty_prohibitions,
        "last_updated_ts": iso_ms(s.last_updated_ts),
        "exchange_index": s.exchange_index,
    }
    if volume is not None:
        out["volume_fp"] = count(volume)
    return finish(out, strict)


def event(e: m.Event, strict: bool, markets: list[dict] | None = None) -> dict:
    out = {
        "event_ticker": e.event_ticker,
        "series_ticker": e.series_ticker,
        "sub_title": e.sub_title,
        "title": e.title,
        "collateral_return_type": e.collateral_return_type,
        "mutually_exclusive": e.mutually_exclusive,
        "strike_date": iso_ms(e.strike_date),
        "strike_period": e.strike_period,
        "settlement_sources": list(e.settlement_sources),
        "product_metadata": e.product_metadata,
        "last_updated_ts": iso_ms(e.last_updated_ts),
        "exchange_index": e.exchange_index,
    }
    if e.fee_type_override is not None:  # x-omitempty: absent while no override is set
        out["fee_type_override"] = e.fee_type_override
        if e.fee_multiplier_override is not None:  # a JSON number in the spec (not money)
            out["fee_multiplier_override"] = float(e.fee_multiplier_override)
    if markets is not None:
        out["markets"] = markets
    return finish(out, strict)


def order(o: m.Order, strict: bool) -> dict:
    return finish(
        {
            "order_id": o.order_id,
            "user_id": user_uuid(o.user_id),
            "client_order_id": o.client_order_id,
            "ticker": o.ticker,
            "side": o.outcome_side,  # deprecated, still sent live
            "action": "buy",  # deprecated: a V2 order buys its outcome side
            "outcome_side": o.outcome_side,
            "book_side": o.side,
            "type": o.type,
            "status": o.status,
            "yes_price_dollars": price(o.yes_price),
            "no_price_dollars": price(o.no_price),
            "fill_count_fp": count(o.fill_count),
            "remaining_count_fp": count(o.remaining_count),
            "initial_count_fp": count(o.initial_count),
            "taker_fill_cost_dollars": dollars(o.taker_fill_cost),
            "maker_fill_cost_dollars": dollars(o.maker_fill_cost),
            "taker_fees_dollars": dollars(o.taker_fees),
            "maker_fees_dollars": dollars(o.maker_fees),
            "expiration_time": iso_ms(o.expiration_time),
            "created_time": iso_ms(o.created_time),
            "last_update_time": iso_ms(o.last_update_time),
            "self_trade_prevention_type": o.self_trade_prevention_type,
            "order_group_id": o.order_group_id,
            "cancel_order_on_pause": o.cancel_order_on_pause,
            "subaccount_number": o.subaccount,
            "exchange_index": o.exchange_index,
        },
        strict,
    )


def fill(f: m.Fill, strict: bool) -> dict:
    return finish(
        {
            "fill_id": f.fill_id,
            "trade_id": f.trade_id,
            "order_id": f.order_id,
            "ticker": f.ticker,
            "market_ticker": f.ticker,
            "exchange_index": f.exchange_index,
            "side": f.outcome_side,  # deprecated, still sent live
            "action": "buy",  # deprecated
            "outcome_side": f.outcome_side,
            "book_side": f.side,
            "count_fp": count(f.count),
            "yes_price_dollars": price(f.yes_price),
            "no_price_dollars": price(f.no_price),
            "is_taker": f.is_taker,
            "fee_cost": dollars(f.fee_cost),
            "created_time": iso_ms(f.created_time),
            "subaccount_number": f.subaccount,
            "ts": f.created_time // 1000,
        },
        strict,
    )


def trade(t: m.Trade) -> dict:
    return {
        "trade_id": t.trade_id,
        "ticker": t.ticker,
        "count_fp": count(t.count),
        "yes_price_dollars": price(t.yes_price),
        "no_price_dollars": price(t.no_price),
        "taker_side": t.taker_outcome_side,  # deprecated, still sent live
        "taker_outcome_side": t.taker_outcome_side,
        "taker_book_side": t.taker_side,
        "created_time": iso_ms(t.created_time),
        "is_block_trade": t.is_block_trade,
    }


def market_position(p: m.Position, index: int) -> dict:
    """`index`: the exchange index of the position's market."""
    return {
        "ticker": p.ticker,
        "exchange_index": index,
        "total_traded_dollars": dollars(p.total_traded),
        "position_fp": count(p.position),
        "market_exposure_dollars": dollars(p.exposure),
        "realized_pnl_dollars": dollars(p.realized_pnl),
        "fees_paid_dollars": dollars(p.fees_paid),
        "last_updated_ts": iso_ms(p.last_updated_ts),
    }


def event_position(e) -> dict:
    """An engine EventPosition (totals over the event's market positions)."""
    return {
        "event_ticker": e.event_ticker,
        "total_cost_dollars": dollars(e.total_cost),
        "total_cost_shares_fp": count(e.total_cost_shares),
        "event_exposure_dollars": dollars(e.event_exposure),
        "realized_pnl_dollars": dollars(e.realized_pnl),
        "fees_paid_dollars": dollars(e.fees_paid),
    }


def settlement(s: m.Settlement, strict: bool) -> dict:
    return finish(
        {
            "ticker": s.ticker,
            "exchange_index": s.exchange_index,
            "event_ticker": s.event_ticker,
            "market_result": s.market_result,
            "yes_count_fp": count(s.yes_count),
            "yes_total_cost_dollars": dollars(s.yes_total_cost),
            "no_count_fp": count(s.no_count),
            "no_total_cost_dollars": dollars(s.no_total_cost),
            "revenue": s.revenue,
            "settled_time": iso_ms(s.settled_time),
            "fee_cost": dollars(s.fee_cost),
            "value": s.value,
        },
        strict,
    )


def _ohlc(x: m.OHLC, suffix: str) -> dict:
    return {
        f"open{suffix}": price(x.open),
        f"low{suffix}": price(x.low),
        f"high{suffix}": price(x.high),
        f"close{suffix}": price(x.close),
    }


def candlestick(c: m.Candlestick) -> dict:
    p = c.price
    return {
        "end_period_ts": c.end_period_ts,
        "yes_bid": _ohlc(c.yes_bid, "_dollars"),
        "yes_ask": _ohlc(c.yes_ask, "_dollars"),
        "price": {
            **_ohlc(m.OHLC(p.open, p.low, p.high, p.close), "_dollars"),
            "mean_dollars": price(p.mean),
            "previous_dollars": price(p.previous),
            "min_dollars": price(p.min),
            "max_dollars": price(p.max),
        },
        "volume_fp": count(c.volume),
        "open_interest_fp": count(c.open_interest),
    }


def candlestick_historical(c: m.Candlestick) -> dict:
    """The historical endpoint's names: no `_dollars` / `_fp` suffixes."""
    p = c.price
    return {
        "end_period_ts": c.end_period_ts,
        "yes_bid": _ohlc(c.yes_bid, ""),
        "yes_ask": _ohlc(c.yes_ask, ""),
        "price": {
            **_ohlc(m.OHLC(p.open, p.low, p.high, p.close), ""),
            "mean": price(p.mean),
            "previous": price(p.previous),
        },
        "volume": count(c.volume),
        "open_interest": count(c.open_interest),
    }
