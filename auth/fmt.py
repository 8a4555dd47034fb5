"""Exact money and aligned output. Prices and counts arrive as fixed-point strings
("0.5600", "10.00"); they become Decimal here and are never floats."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

ONE = Decimal(1)


def dec(value: Any) -> Decimal | None:
    """Decimal from a fixed-point string (or int); None for null/empty/garbage."""
    if value is None or value == "" or isinstance(value, bool | float):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def usd(value: Any, places: int = 2) -> str:
    """'$0.56' from '0.5600'; keeps sub-penny digits ('0.0050' -> '$0.005'); '-' for null."""
    d = dec(value)
    if d is None:
        return "-"
    q = d.normalize()
    exponent = q.as_tuple().exponent  # an int for a finite Decimal
    exp = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    shown = d.quantize(Decimal(1).scaleb(-max(places, exp)))
    return f"-${-shown}" if shown < 0 else f"${shown}"


def cents(value: Any) -> str:
    """'$12.34' from integer cents (balance, portfolio_value, revenue)."""
    d = dec(value)
    return "-" if d is None else usd(d / 100)


def qty(value: Any) -> str:
    """'10' from '10.00', '2.5' from '2.50' (counts are in 0.01 steps)."""
    d = dec(value)
    if d is None:
        return "-"
    text = f"{d:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def when(value: Any) -> str:
    """ISO-8601 UTC from epoch seconds, epoch ms or an RFC 3339 string; '-' for null."""
    if value in (None, "", 0):
        return "-"
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = str(value)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


TABLE_WIDTH = 100  # every table fits a 100-column terminal


def table(
    rows: Iterable[Sequence[Any]],
    headers: Sequence[str],
    right: str = "",
    width: int | None = TABLE_WIDTH,
) -> str:
    """A plain aligned text table. Columns whose index is in `right` ("123") align right. If it
    would be wider than `width` (default: a 100-column terminal, whatever the data's widths),
    the widest left-aligned (text) columns are clipped with "…"; numbers (right-aligned) are never
    clipped; `width=None` never clips."""
    body = [[("" if c is None else str(c)) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in body:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    text_columns = [i for i in range(len(widths)) if str(i) not in right]
    while width and sum(widths) + 2 * (len(widths) - 1) > width and text_columns:
        widest = max(text_columns, key=lambda i: widths[i])
        if widths[widest] <= 8:
            break
        widths[widest] -= 1

    def fit(cell: str, i: int) -> str:
        return cell if len(cell) <= widths[i] else cell[: widths[i] - 1] + "…"

    def line(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            cell = fit(cell, i)
            out.append(cell.rjust(widths[i]) if str(i) in right else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(headers)), rule, *(line(r) for r in body)])


def price_str(price: Decimal) -> str:
    """A request price: a dollar string with 4 decimals ("0.0100"), the spec's own format."""
    return f"{price:.4f}"


def count_str(count: Decimal | int) -> str:
    """A request count: a fixed-point string with 2 decimals ("5.00")."""
    return f"{Decimal(count):.2f}"


def print_fields(pairs: list[tuple[str, Any]], say: Callable[..., None] = print) -> None:
    """Aligned `  name  value` lines ('-' for None), printed with `say`."""
    width = max((len(name) for name, _ in pairs), default=0)
    for name, value in pairs:
        say(f"  {name.ljust(width)}  {'-' if value is None else value}")
