"""Incentive programs: liquidity and volume rewards on the seeded markets.

Derived from the stored markets (a program runs from its market's open to its close), so they
need no storage and survive restarts unchanged. Status follows the clock: upcoming, active,
closed; a closed program is paid out one day after it ends.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sandbox.world.sports import IDS

DAY = 86_400_000
# series -> (incentive type, reward per period in dollars, target size in contracts or None)
PROGRAMS = {
    "KXNFLGAME": ("liquidity", Decimal(500), Decimal(1000)),
    "KXNBAGAME": ("liquidity", Decimal(250), Decimal(500)),
    "KXFEDDECISION": ("volume", Decimal(1000), None),
    "KXHIGHNY": ("margin_maker_volume", Decimal(100), None),
    "KXBTC": ("margin_taker_volume", Decimal(150), None),
}
TYPES = ("liquidity", "volume", "margin_maker_volume", "margin_taker_volume")
STATUSES = ("all", "active", "upcoming", "closed", "paid_out")


def market_id(ticker: str) -> str:
    """A market's UUID (Kalshi identifies markets by one besides the ticker)."""
    return str(uuid.uuid5(IDS, f"market:{ticker}"))


@dataclass(frozen=True, slots=True)
class Program:
    id: str
    market_id: str
    market_ticker: str
    incentive_type: str
    incentive_description: str
    start: int
    end: int
    period_reward: int  # centi-cents
    target_size: Decimal | None
    discount_factor_bps: int | None
    max_reward_per_account: int | None  # centi-cents

    def status(self, now: int) -> str:
        if now < self.start:
            return "upcoming"
        if now < self.end:
            return "active"
        return "paid_out" if self.paid_out(now) else "closed"

    def paid_out(self, now: int) -> bool:
        return now >= self.end + DAY


def programs(ex) -> list[Program]:
    out = []
    for m in ex.markets.values():
        spec = PROGRAMS.get(m.series_ticker)
        if spec is None:
            continue
        kind, reward, target = spec
        centi = int(reward * 10_000)
        out.append(
            Program(
                str(uuid.uuid5(IDS, f"incentive:{kind}:{m.ticker}")),
                market_id(m.ticker),
                m.ticker,
                kind,
                f"{kind.replace('_', ' ').capitalize()} incentive: ${reward} per period",
                m.open_time,
                m.close_time,
                centi,
                target,
                5000 if kind == "liquidity" else None,
                centi // 10 if kind != "liquidity" else None,
            )
        )
    return sorted(out, key=lambda p: (p.start, p.market_ticker))


def list_programs(
    ex, now: int, status: str = "all", kind: str = "all", description: str | None = None
) -> list[Program]:
    return [
        p
        for p in programs(ex)
        if (status == "all" or p.status(now) == status or (status == "closed" and now >= p.end))
        and (kind == "all" or p.incentive_type == kind)
        and (description is None or p.incentive_description == description)
    ]
