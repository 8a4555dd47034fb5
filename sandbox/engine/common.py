"""Constants, small result records and filter helpers shared by the Exchange's parts."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

from .models import (
    ACTIVE,
    AMENDED,
    CLOSED,
    DETERMINED,
    DISPUTED,
    FINALIZED,
    INACTIVE,
    INITIALIZED,
    Order,
    PriceRange,
)

# Users are named ("demo", "alice"); the API's user_id is a UUID (spec Order.user_id,
# AsyncAPI `format: uuid`). A name-based UUID is the same for the user on every restart.
USER_ID_NAMESPACE = uuid.UUID("6b616c73-6869-4c6f-8361-6c2d75736572")


def user_uuid(name: str) -> str:
    """The API's user_id of the user called `name` (stable: derived from the name)."""
    return str(uuid.uuid5(USER_ID_NAMESPACE, name))


# Kalshi's price level structures and their tick grids (docs: fixed_point_migration).
_D = Decimal
PRICE_LEVEL_STRUCTURES: dict[str, tuple[PriceRange, ...]] = {
    "linear_cent": (PriceRange(_D("0"), _D("1"), _D("0.01")),),
    "tapered_deci_cent": (
        PriceRange(_D("0"), _D("0.1"), _D("0.001")),
        PriceRange(_D("0.1"), _D("0.9"), _D("0.01")),
        PriceRange(_D("0.9"), _D("1"), _D("0.001")),
    ),
    "deci_cent": (PriceRange(_D("0"), _D("1"), _D("0.001")),),
}

GROUP_WINDOW_MS = 15_000
DAY_MS = 86_400_000
MAX_SUBACCOUNT = 63
INDEXES = (0, 1)  # event-contract exchange indexes the local exchange runs (1: combos)
MAX_TS = 253_402_300_799_999  # epoch ms of 9999-12-31T23:59:59.999Z: the latest sane timestamp

# GET /markets `status` filter vocabulary -> Market.status values.
MARKET_STATUS_FILTER = {
    "unopened": {INITIALIZED},
    "open": {ACTIVE},
    "paused": {INACTIVE},
    "closed": {CLOSED},
    "settled": {DETERMINED, DISPUTED, AMENDED, FINALIZED},
}


def real_clock() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, slots=True)
class CancelResult:
    """A cancelled order and how many contracts the cancel took off the book."""

    order: Order
    reduced_by: Decimal


@dataclass(frozen=True, slots=True)
class EventPosition:
    event_ticker: str
    total_cost: Decimal
    total_cost_shares: Decimal
    event_exposure: Decimal
    realized_pnl: Decimal
    fees_paid: Decimal


PRICE_Q = Decimal("0.0001")
MICRO = Decimal("0.000001")


def within(ts: int | None, lo: int | None, hi: int | None) -> bool:
    if lo is not None and (ts is None or ts < lo):
        return False
    return not (hi is not None and (ts is None or ts > hi))


def as_set(v) -> set[str] | None:
    if v is None:
        return None
    if isinstance(v, str):
        return {x for x in v.split(",") if x}
    return set(v)
