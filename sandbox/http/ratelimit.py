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
from collections.abc import Callable
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

TIERS = tuple(TIER_RATES)

# (method, path under /trade-api/v2) -> tokens per request, or per item for batches.
ENDPOINT_COSTS = {
    ("POST", "/account/api_usage_level/upgrade"): 30,  # the spec's x-mint note
    ("DELETE", "/portfolio/events/orders/{order_id}"): 2,
    ("DELETE", "/portfolio/events/orders"): 2,
    ("DELETE", "/portfolio/events/orders/batched"): 2,
    ("GET", "/portfolio/orders/{order_id}"): 2,
    # Quote create/get/delete: "Rate limit: 2 tokens per request" (spec x-mint notes, 3.34.0).
    ("POST", "/communications/quotes"): 2,
    ("GET", "/communications/rfqs/{rfq_id}/quotes/{quote_id}"): 2,
    ("DELETE", "/communications/rfqs/{rfq_id}/quotes/{quote_id}"): 2,
    ("GET", "/communications/quotes/{quote_id}"): 2,
    ("DELETE", "/communications/quotes/{quote_id}"): 2,
}
# RFQ batches (`/communications/rfq_batches*`, 8 operations) cost the default, per request: the
# spec (3.34.0) gives none of them a rate-limit note, and Kalshi's rate-limit page says "each
# operation's API reference page lists its cost where it differs", its Batch Create Orders (V2)
# page "Other endpoints cost 10 tokens per request (not per item) unless noted on their own page"
# (docs.kalshi.com, checked 2026-11-30). So a batch of 57 children or a batch quote pricing them
# all costs 10, and GET /account/endpoint_costs does not list them ("Endpoints that use the
# default cost are omitted", spec). Their writes are in the Write bucket (WRITE_PREFIXES).
PER_ITEM = {
    ("POST", "/portfolio/events/orders/batched"),
    ("DELETE", "/portfolio/events/orders/batched"),
}
# The Write bucket: orders, order groups, the usage-level upgrade ("uses the Predictions Write
# bucket", spec) and the RFQ quote flow (Kalshi's rate-limit docs put "RFQ quote flow, block-trade
# accepts" there): every non-GET under /communications.
WRITE_PREFIXES = (
    "/portfolio/events/orders",
    "/portfolio/order_groups",
    "/account/api_usage_level/upgrade",
    "/communications",
)
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
    """Buckets per (user, lane), created full on first use. A user's tier is the server's tier
    or the user's usage-level grant (`granted(user)`, from the exchange), whichever is higher."""

    def __init__(
        self,
        tier: str = "basic",
        clock=time.monotonic,
        granted: Callable[[str], str | None] = lambda user_id: None,
    ):
        self.tier = tier
        self.limits = tier_limits(tier)
        self.clock = clock
        self.granted = granted
        self._buckets: dict[tuple[str, str], Bucket] = {}
        self._set: dict[str, str] = {}  # tiers the control plane gave (sandbox.control)

    def set_tier(self, user_id: str, tier: str) -> None:
        """The control plane's tier for one user (above or below the server's); buckets
        start over."""
        tier_limits(tier)  # KeyError for an unknown tier, before anything changes
        self._set[user_id] = tier
        self.regrade(user_id)

    def forget_users(self) -> None:
        """A reset: every control-set tier and every bucket goes (buckets refill on use)."""
        self._set.clear()
        self._buckets.clear()

    def tier_of(self, user_id: str) -> str:
        if user_id in self._set:
            return self._set[user_id]
        level = self.granted(user_id)
        if level in TIER_RATES and TIERS.index(level) > TIERS.index(self.tier):
            return level
        return self.tier

    def allow(self, user_id: str, lane_name: str, amount: int) -> bool:
        now = self.clock()
        bucket = self._buckets.get((user_id, lane_name))
        if bucket is None:
            limit = tier_limits(self.tier_of(user_id))[lane_name]
            bucket = self._buckets[user_id, lane_name] = Bucket(limit, now)
        return bucket.take(amount, now)

    def regrade(self, user_id: str) -> None:
        """The user's tier changed: its buckets start over at the new size."""
        for lane_name in ("read", "write", "balance"):
            self._buckets.pop((user_id, lane_name), None)

    def account_limits(self, user_id: str, grants: list[dict] | None = None) -> dict:
        """The body of GET /account/limits for one user (`grants`: its ApiUsageLevelGrants)."""
        limits = tier_limits(self.tier_of(user_id))
        return {
            "usage_tier": self.tier_of(user_id),
            "read": limits["read"].to_json(),
            "write": limits["write"].to_json(),
            "grants": grants or [],
        }
