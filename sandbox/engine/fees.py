"""Trading fees by the series' fee type.

Kalshi's fee schedule (docs.kalshi.com fee schedule, as quoted by Capitola Research "Understanding
Kalshi Fees" and the July 2025 fee update coverage): taker fee = round up(0.07 x C x P x (1-P)) to
the next cent; on series with maker fees the resting side pays round up(0.0175 x C x P x (1-P)).
docs.kalshi.com/getting_started/fee_rounding adds a per-order fee accumulator "so that the total
fee across many small fills converges to what a single equivalent fill would cost": we keep the
unrounded fee of all of an order's fills (`Order.fee_base`) and charge, on each fill, the rounded-up
total minus what the order has paid so far.
`flat` has no public formula we could confirm; we charge a flat $0.01 per contract to takers (an
assumption, marked as such). Every rate is multiplied by the series' `fee_multiplier`.
"""

from __future__ import annotations

from decimal import Decimal

from .models import Order
from .money import ONE, ZERO, cents_up

TAKER_RATE = Decimal("0.07")
MAKER_RATE = Decimal("0.0175")
FLAT_PER_CONTRACT = Decimal("0.01")  # assumption, see module docstring
QUARTER = Decimal("0.25")
HALF = Decimal("0.5")


def fee_increment(
    fee_type: str, multiplier: Decimal, is_taker: bool, count: Decimal, price: Decimal
):
    """Unrounded fee of one fill of `count` contracts at YES price `price`."""
    if fee_type == "flat":
        return FLAT_PER_CONTRACT * count * multiplier if is_taker else ZERO
    if is_taker:
        rate = TAKER_RATE
    elif fee_type.startswith("quadratic_with"):
        rate = MAKER_RATE
    else:
        return ZERO
    return rate * count * price * (ONE - price) * multiplier


def charge(order: Order, increment: Decimal) -> Decimal:
    """Add one fill's unrounded fee to the order's accumulator; return the cents to charge now."""
    order.fee_base += increment
    return cents_up(order.fee_base) - order.taker_fees - order.maker_fees


def taker_fee_bound(
    fee_type: str, multiplier: Decimal, side: str, count: Decimal, limit: Decimal, base: Decimal
) -> Decimal:
    """Most a taker order of `count` at `limit` can pay in fees (for the balance check).

    A bid executes at or below its limit, an ask at or above; P(1-P) peaks at 0.5.
    """
    if fee_type == "flat":
        inc = FLAT_PER_CONTRACT * count * multiplier
    else:
        lo_side = side == "bid"
        p = limit if (lo_side and limit <= HALF) or (not lo_side and limit >= HALF) else HALF
        inc = TAKER_RATE * count * p * (ONE - p) * multiplier
    return cents_up(base + inc) - cents_up(base) if base else cents_up(inc)


def maker_fee_reserve(
    fee_type: str, multiplier: Decimal, order: Order, remaining: Decimal | None = None
) -> Decimal:
    """Cash to hold so the resting rest of `order` can pay its maker fees when it fills."""
    if not fee_type.startswith("quadratic_with"):
        return ZERO
    r = order.remaining_count if remaining is None else remaining
    if not r:
        return ZERO
    p = order.price
    inc = MAKER_RATE * r * p * (ONE - p) * multiplier
    return cents_up(order.fee_base + inc) - order.taker_fees - order.maker_fees
