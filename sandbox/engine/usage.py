"""API usage levels: per-user grants and the trading volume that earns higher ones.

State: `grants` {user_id: UsageGrant}. The HTTP layer's rate limiter asks `level_of` for a user's
granted level; the server's configured tier is the floor.

Kalshi (OpenAPI 3.34.0, UpgradeAccountApiUsageLevel): the self-service upgrade "grants a
permanent Advanced API usage-level grant ... Criteria: at least 1 of the user's last 100
Predictions orders was created via API", else 403. Every order on the local exchange arrives
through its API, so the criterion is: the user has placed an order.
"""

from __future__ import annotations

from decimal import Decimal

from .common import DAY_MS
from .errors import EngineError
from .marketdata import MarketData
from .models import UsageGrant
from .money import ZERO
from .operation import Operation
from .orders import Trading
from .portfolio import Portfolio

LEVELS = ("basic", "advanced", "expert", "premier", "paragon", "prime", "prestige")
RECENT_ORDERS = 100
TRAILING_MS = 30 * DAY_MS
# Volume tiers: (level, earn share, keep share) of the exchange's trailing-30-day volume.
# Kalshi publishes Premier's 0.125% to earn / 0.10% to keep (rate-limits page, 2026); the other
# levels follow the same doubling ladder as their rate limits (a local assumption).
VOLUME_GOALS = (
    ("expert", Decimal("0.000625"), Decimal("0.0005")),
    ("premier", Decimal("0.00125"), Decimal("0.001")),
    ("paragon", Decimal("0.0025"), Decimal("0.002")),
    ("prime", Decimal("0.005"), Decimal("0.004")),
    ("prestige", Decimal("0.01"), Decimal("0.008")),
)


class Usage:
    def __init__(self, op: Operation, trading: Trading, portfolio: Portfolio, data: MarketData):
        self.op = op
        self.trading = trading
        self.portfolio = portfolio
        self.data = data
        self.grants: dict[str, UsageGrant] = {}

    def upgrade(self, user_id: str) -> UsageGrant:
        """Grant (or refresh) the permanent Advanced level; 403 without an API order."""
        op = self.op
        op.step("upgrade.validate")
        recent = list(self.trading.orders_by_user.get(user_id, {}))[-RECENT_ORDERS:]
        if not recent:
            raise EngineError(
                403,
                "forbidden",
                "no API-created order was found in the user's latest 100 orders",
            )
        op.step("upgrade.record")
        g = self.grants.get(user_id)
        if g is None:
            g = self.grants[user_id] = UsageGrant(user_id, "advanced", "manual", op.now)
            op.added("grant", g, self.grants)
        elif LEVELS.index(g.level) <= LEVELS.index("advanced"):
            op.touch("grant", g, self.grants)
            g.level, g.created_ts, g.expires_ts = "advanced", op.now, None
        return g

    def level_of(self, user_id: str) -> str | None:
        g = self.grants.get(user_id)
        if g is None or (g.expires_ts is not None and g.expires_ts <= self.op.time()):
            return None
        return g.level

    def trailing_volume(self, user_id: str, now: int) -> Decimal:
        """Contracts the user traded in the 30 days up to `now` (from its fills)."""
        since = now - TRAILING_MS
        total = ZERO
        for f in reversed(self.portfolio.fills_by_user.get(user_id, ())):
            if f.created_time < since:
                break
            total += f.count
        return total

    def exchange_volume(self, now: int) -> Decimal:
        """Contracts traded on the whole exchange in the 30 days up to `now`."""
        since = now - TRAILING_MS
        total = ZERO
        for t in reversed(self.data.trades):
            if t.created_time < since:
                break
            total += t.count
        return total

    def volume_goals(self, now: int) -> list[tuple[str, Decimal, Decimal]]:
        """(level, contracts to earn it, contracts to keep it) at today's exchange volume."""
        volume = self.exchange_volume(now)
        q = Decimal("0.01")
        return [
            (lv, (volume * e).quantize(q), (volume * k).quantize(q)) for lv, e, k in VOLUME_GOALS
        ]

    def restore(self, grants: list[UsageGrant]) -> None:
        for g in grants:
            self.grants[g.user_id] = g
