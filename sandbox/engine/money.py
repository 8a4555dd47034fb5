"""Exact money and count helpers: prices are Decimal dollars, counts Decimal contracts (0.01)."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from .errors import EngineError

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
COUNT_STEP = Decimal("0.01")
PRICE_QUANTUM = Decimal("0.0001")
# Bounds on numbers from clients (the Decimal context keeps 28 digits: beyond these, arithmetic
# would round or raise). Kalshi publishes no count maximum; 10^9 contracts is far above any
# real order while keeping every product exact.
MAX_TEXT = 64  # characters of a decimal string
MAX_ADJUSTED = 15  # |value| < 10^16
MIN_EXPONENT = -12  # at most 12 digits after the point
MAX_COUNT = Decimal(10) ** 9


def dec(value: object, what: str = "value", bounded: bool = True) -> Decimal:
    """Decimal from a str/int/Decimal (never float: a float is already inexact)."""
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, (bool, float)):
        raise EngineError(400, "invalid_parameters", f"{what} must be a decimal string")
    elif isinstance(value, int):
        if value.bit_length() > 64:  # str() of a 5000-digit int would itself raise
            raise EngineError(400, "invalid_parameters", f"{what} is out of range")
        d = Decimal(value)
    else:
        text = str(value).strip()
        # Decimal() also reads non-ASCII digits ("١٢"); the API's numbers are ASCII.
        if len(text) > MAX_TEXT or not text.isascii():
            raise EngineError(400, "invalid_parameters", f"{what} is not a number")
        try:
            d = Decimal(text)
        except (InvalidOperation, ValueError):
            raise EngineError(400, "invalid_parameters", f"{what} is not a number") from None
    if not d.is_finite():
        raise EngineError(400, "invalid_parameters", f"{what} is not a finite number")
    if bounded and d and (d.adjusted() > MAX_ADJUSTED or d.as_tuple().exponent < MIN_EXPONENT):  # type: ignore[operator]
        raise EngineError(400, "invalid_parameters", f"{what} is out of range")
    return d


def cents_up(amount: Decimal) -> Decimal:
    """Round up to the next whole cent (Kalshi rounds fees up)."""
    return amount.quantize(CENT, rounding=ROUND_CEILING)


def cents_down(amount: Decimal) -> int:
    """Integer cents, truncating sub-cent amounts (how the API reports `balance`)."""
    return int((amount * 100).to_integral_value(rounding=ROUND_FLOOR))


def check_count(count: object, what: str = "count") -> Decimal:
    """A positive contract count on the 0.01 grid, else 400 invalid_order_size."""
    c = dec(count, what, bounded=False)
    if c <= 0 or c > MAX_COUNT or (q := c.quantize(COUNT_STEP)) != c:
        raise EngineError(
            400, "invalid_order_size", f"{what} must be a positive multiple of 0.01", str(count)
        )
    return q
