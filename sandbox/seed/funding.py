"""Funding history of new users: how their starting balance got there.

A user's starting cash arrives as applied deposits (so GET /portfolio/deposits reconciles with
the balance from the first request). The demo user gets a history with every status a
reconciliation script meets: deposits by several methods (one with a fee), a withdrawal, a failed
and a pending deposit. Applied entries add up to exactly the starting balance.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.engine.common import DAY_MS

# (days ago, kind, method, status, amount cents, fee cents) adding up to $1,000.00 applied.
DEMO_HISTORY = (
    (30, "deposit", "ach", "applied", 50_000, 0),
    (21, "deposit", "wire", "applied", 60_100, 0),
    (14, "deposit", "debit", "applied", 5_000, 100),
    (10, "withdrawal", "ach", "applied", 15_000, 0),
    (7, "deposit", "crypto", "failed", 10_000, 0),
    (0, "deposit", "ach", "pending", 2_500, 0),
)


def seed_funding(exchange: Any, user_id: str, balance: Decimal, *, demo: bool = False) -> None:
    """Fund a new user (created with $0) with `balance` through deposits."""
    cents = int(balance * 100)
    if cents != balance * 100:
        raise ValueError("starting balances are whole cents")
    now = exchange.now()
    applied = sum(
        (a - f) if k == "deposit" else -(a + f)
        for _, k, _, status, a, f in DEMO_HISTORY
        if status == "applied"
    )
    history = (
        DEMO_HISTORY if demo and cents == applied else ((1, "deposit", "ach", "applied", cents, 0),)
    )
    with exchange.operation():  # one operation: the user is funded entirely or not at all
        for days, kind, method, status, amount, fee in history:
            if amount:
                exchange.record_funding(
                    user_id,
                    kind,
                    amount,
                    method=method,
                    status=status,
                    fee_cents=fee,
                    created_ts=now - days * DAY_MS,
                )
