"""Trading fees by the series' fee type, and Kalshi's fee rounding.

Fee model (the spec's `Series.fee_type`, which points to kalshi.com/docs/kalshi-fee-schedule.pdf):
taker fee = 0.07 x C x P x (1-P); on `quadratic_with_maker_fees` series the resting side pays
0.25 of the taker rate (0.0175), on `quadratic_with_combo_maker_fees` 0.5 of it (0.035) — the
spec: "the same maker-fee structure with a 0.5 maker multiplier instead of 0.25". `flat` is the
fee schedule's "Specific Trading Fees Table", which we could not obtain: we charge takers $0.01
per contract (a documented difference, README "Known differences"). Every rate is multiplied by
the series' (or event override's) `fee_multiplier`.

Rounding (docs.kalshi.com/getting_started/fee_rounding, read 2026-11-30): every fill has three
components. The trade fee is rounded up to $0.0001; the balance change `revenue - trade_fee` is
floored to the member's target precision ($0.01 for non-direct members, $0.0001 for direct ones)
and the difference is the rounding fee; rounding overpaid over an order's fills accumulates and
comes back as a rebate in whole cents. The page also says the fee accumulator makes "the total
fee converge to what a single equivalent fill would cost": we read that as the trade fee too
being rounded on the order's running total (each fill pays the rounded-up total minus what the
order has paid), so an order's trade fees equal one equivalent fill's exactly. Net fee of a fill
= trade fee + rounding fee - rebate; over an order it is never negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from .models import Order
from .money import CENT, ONE, ZERO

TAKER_RATE = Decimal("0.07")
MAKER_SHARE = {  # maker rate = taker rate x share (spec Series.fee_type)
    "quadratic_with_maker_fees": Decimal("0.25"),
    "quadratic_with_combo_maker_fees": Decimal("0.5"),
}
FLAT_PER_CONTRACT = Decimal("0.01")  # assumption, see module docstring
TRADE_FEE_QUANTUM = Decimal("0.0001")  # trade fees round up to a centicent
HALF = Decimal("0.5")

DIRECT_PRECISION = Decimal("0.0001")
# Member types whose balances keep $0.0001 (Kalshi's direct members; FCMs are members of the
# exchange too). Everyone else is a non-direct member at $0.01.
DIRECT_MEMBERS = frozenset({"direct", "fcm"})


def balance_precision(member_type: str) -> Decimal:
    return DIRECT_PRECISION if member_type in DIRECT_MEMBERS else CENT


PRECISION = {t: DIRECT_PRECISION for t in DIRECT_MEMBERS}  # .get(member type, CENT): hot path


def up(amount: Decimal, quantum: Decimal = TRADE_FEE_QUANTUM) -> Decimal:
    return amount.quantize(quantum, ROUND_CEILING)  # (positional: cheaper on the hot path)


def down(amount: Decimal, quantum: Decimal) -> Decimal:
    return amount.quantize(quantum, ROUND_FLOOR)


def fee_increment(
    fee_type: str, multiplier: Decimal, is_taker: bool, count: Decimal, price: Decimal
) -> Decimal:
    """Unrounded model fee of one fill of `count` contracts at YES price `price`."""
    if fee_type == "flat":
        return FLAT_PER_CONTRACT * count * multiplier if is_taker else ZERO
    if is_taker:
        rate = TAKER_RATE
    elif fee_type in MAKER_SHARE:
        rate = TAKER_RATE * MAKER_SHARE[fee_type]
    else:
        return ZERO
    fee = rate * count * price * (ONE - price)
    return fee if multiplier is ONE else fee * multiplier


@dataclass(frozen=True, slots=True)
class FillFee:
    trade_fee: Decimal
    rounding_fee: Decimal
    rebate: Decimal
    net: Decimal  # trade_fee + rounding_fee - rebate


NO_TRADE_FEE = Decimal("0.0000")  # up(base) - up(base): what a fill adding no fee pays
NO_REBATE = Decimal("0.00")  # down(acc, CENT) of an accumulator below a cent


def charge(order: Order, increment: Decimal, revenue: Decimal, precision: Decimal) -> FillFee:
    """The fee components of one fill of `order` (`revenue` signed, negative for buyers);
    advances the order's accumulators. The balance changes by `revenue - net`, on `precision`."""
    base = order.fee_base
    if not increment:  # (makers on series without maker fees: the accrued fee stays as is)
        trade_fee = NO_TRADE_FEE
    elif base:
        order.fee_base = base + increment
        trade_fee = up(order.fee_base) - up(base)
    else:  # (most fills are their order's first: 0 + x is x, up(0) is 0)
        order.fee_base = increment
        trade_fee = up(increment)
    change = revenue - trade_fee
    rounding = change - down(change, precision)
    if not rounding:  # the accumulator (below a cent) stays; no rebate
        return FillFee(trade_fee, rounding, NO_REBATE, trade_fee)
    acc = order.rounding_acc + rounding
    rebate = down(acc, CENT)
    order.rounding_acc = acc - rebate
    return FillFee(trade_fee, rounding, rebate, trade_fee + rounding - rebate)


def hold(amount: Decimal, acc: Decimal, precision: Decimal) -> Decimal:
    """Cash to hold so fills costing `amount` (revenue and trade fees, unrounded) can pay their
    rounding too: an order's rounding paid minus rebates stays below $0.01 - `acc`, and every
    balance change is a multiple of `precision`.

    That is max(0, up(amount + 0.01 - acc, precision) - precision); as 0.01 is a multiple of
    either precision, it equals up(amount - acc, precision) + (0.01 - precision), one rounding
    and no additions for a member on whole cents (tests/sandbox/test_engine_fee_rounding.py
    compares the two over a grid of amounts)."""
    if amount <= 0:
        return ZERO
    h = (amount - acc if acc else amount).quantize(precision, ROUND_CEILING)
    if precision is not CENT:
        h += CENT - precision
    return h if h > 0 else ZERO


# Most cash an order's hold can need per contract beyond its price, per unit of fee multiplier:
# the taker rate at P(1-P)'s peak (0.07 x 0.25, above the flat $0.01), plus the rounding
# (fee up to $0.0001, the hold up to $0.01) per order: see `hold_bound`.
MAX_FEE_RATE = TAKER_RATE * Decimal("0.25")
ROUNDING_BOUND = CENT + TRADE_FEE_QUANTUM


def hold_bound(cash: Decimal, count: Decimal, multiplier: Decimal) -> Decimal:
    """An upper bound on `hold(cash + taker_fee_bound(..., count, ...), 0, precision)`, in
    three operations (the exact hold needs about a dozen)."""
    fee = count * MAX_FEE_RATE
    return cash + (fee if multiplier is ONE else fee * abs(multiplier)) + ROUNDING_BOUND


def taker_fee_bound(
    fee_type: str, multiplier: Decimal, side: str, count: Decimal, limit: Decimal, base: Decimal
) -> Decimal:
    """Most trade fee a taker order of `count` at `limit` can add to an order that has accrued
    `base` (for the balance check). A bid executes at or below its limit, an ask at or above;
    P(1-P) peaks at 0.5."""
    if fee_type == "flat":
        inc = FLAT_PER_CONTRACT * count * multiplier
    else:
        lo_side = side == "bid"
        p = limit if (lo_side and limit <= HALF) or (not lo_side and limit >= HALF) else HALF
        inc = TAKER_RATE * count * p * (ONE - p) * multiplier
    return up(base + inc) - up(base) if base else up(inc)


def maker_fee_reserve(
    fee_type: str, multiplier: Decimal, order: Order, remaining: Decimal | None = None
) -> Decimal:
    """Most trade fee the resting rest of `order` can pay when it fills (it fills at its own
    price, so this is exact)."""
    r = order.remaining_count if remaining is None else remaining
    if not r or fee_type not in MAKER_SHARE:
        return ZERO
    inc = fee_increment(fee_type, multiplier, False, r, order.price)
    base = order.fee_base
    return up(base + inc) - up(base) if base else up(inc)
