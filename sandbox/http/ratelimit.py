"""Token-bucket rate limits, as Kalshi enforces them since April 2026.

Each user has a Read and a Write bucket (refill rate and capacity from the usage tier) plus a
separate bucket for `GET /portfolio/balance`. A request costs `DEFAULT_COST` tokens unless
`ENDPOINT_COSTS` says otherwise; batch endpoints cost per item, and a batch that does not fit the
bucket is rejected whole. This one table drives both enforcement and `GET /account/limits` /
`GET /account/endpoint_costs`, so what the server reports is exactly what it enforces.

Public endpoints called without a signature are not rate limited here (no user to charge);
signed ones are charged like any other request ("Every authenticated request costs tokens").
"""

from __future__ import annotations

import time
from dataclasses import dataclass

DEFAULT_COST = 10
API_PREFIX = "/trade-api/v2"

# tier: (read tokens/s, write tokens/s). Source: docs.kalshi.com/getting_started/rate_limits
# ("Tiers and budgets"), checked 2026-11-30: Basic 200/100, Advanced 300/300, Premier 1,000/1,000,
# Paragon 2,000/2,000, Prime 4,000/4,000. Expert and Prestige are tiers of the spec's
# GET /account/limits (3.34.0) that page does not list; their numbers are from an earlier version
# of it (Prestige read: 6,000 or 10,000 in two versions, we take the lower). A changelog entry of
# 2026-09-24 announced 20% higher read and write limits; no stored Kalshi page gives the new
# numbers, so these stay as published (README, "Known differences").
TIER_RATES = {
    "basic": (200, 100),
    "advanced": (300, 300),
    "expert": (600, 600),
    "premier": (1000, 1000),
    "paragon": (2000, 2000),
    "prime": (4000, 4000),
    "prestige": (6000, 8000),
}

# (method, path under /trade-api/v2) -> tokens per request, or per item for batches.
ENDPOINT_COSTS = {
    ("DELETE", "/portfolio/events/orders/{order_id}"): 2,
    ("DELETE", "/portfolio/events/orders"): 2,
    ("DELETE", "/portfolio/events/orders/batched"): 2,
    ("GET", "/portfolio/orders/{order_id}"): 2,
}
PER_ITEM = {
    ("POST", "/portfolio/events/orders/batched"),
    ("DELETE", "/portfolio/events/orders/batched"),
}
WRITE_PREFIXES = ("/portfolio/events/orders", "/portfolio/order_groups")
BALANCE = ("GET", "/portfolio/balance")


@dataclass(frozen=True)
class Limit:
    refill_rate: int
    bucket_capacity: int

    def to_json(self) -> dict:
        return {"refill_rate": self.refill_rate, "bucket_capacity": self.bucket_capacity}


def tier_limits(tier: str) -> dict[str, Limit]:
    """Buckets for one tier. Capacity: Basic/Advanced Read and above-Basic Write hold 2 s of
    budget, Basic Write and higher-tier Read 1 s. Balance: 1 call/s (Basic, Advanced) or 5/s,
    no burst."""
    read, write = TIER_RATES[tier]
    low = tier in ("basic", "advanced")
    balance = 1 if low else 5
    return {
        "read": Limit(read, read * (2 if low else 1)),
        "write": Limit(write, write * (1 if tier == "basic" else 2)),
        "balance": Limit(balance, balance),
    }


def lane(method: str, path: str) -> str:
    if (method, path) == BALANCE:
        return "balance"
    return "write" if method != "GET" and path.startswith(WRITE_PREFIXES) else "read"


def cost(method: str, path: str, items: int = 1) -> int:
    """Tokens for one request. Balance calls take one token of their own bucket (a call rate)."""
    if (method, path) == BALANCE:
        return 1
    unit = ENDPOINT_COSTS.get((method, path), DEFAULT_COST)
    return unit * max(items, 1) if (method, path) in PER_ITEM else unit


def endpoint_costs() -> dict:
    """The body of GET /account/endpoint_costs: only the non-default costs."""
    return {
        "default_cost": DEFAULT_COST,
        "endpoint_costs": [
            {"method": m, "path": API_PREFIX + p, "cost": c}
            for (m, p), c in sorted(ENDPOINT_COSTS.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        ],
    }


class Bucket:
    __slots__ = ("capacity", "rate", "tokens", "updated")

    def __init__(self, limit: Limit, now: float):
        self.rate = limit.refill_rate
        self.capacity = limit.bucket_capacity
        self.tokens = float(self.capacity)
        self.updated = now

    def take(self, amount: int, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if amount > self.tokens:
            return False
        self.tokens -= amount
        return True


class RateLimiter:
    """Buckets per (user, lane), created full on first use."""

    def __init__(self, tier: str = "basic", clock=time.monotonic):
        self.tier = tier
        self.limits = tier_limits(tier)
        self.clock = clock
        self._buckets: dict[tuple[str, str], Bucket] = {}

    def allow(self, user_id: str, lane_name: str, amount: int) -> bool:
        now = self.clock()
        bucket = self._buckets.get((user_id, lane_name))
        if bucket is None:
            bucket = self._buckets[user_id, lane_name] = Bucket(self.limits[lane_name], now)
        return bucket.take(amount, now)

    def account_limits(self) -> dict:
        """The body of GET /account/limits."""
        return {
            "usage_tier": self.tier,
            "read": self.limits["read"].to_json(),
            "write": self.limits["write"].to_json(),
            "grants": [],
        }
