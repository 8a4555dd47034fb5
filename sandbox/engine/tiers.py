"""Rate-limit tiers set through the local exchange's control plane (not a Kalshi concept).

State: `tiers` {user_id: TierSetting}. Kept as journaled records so a tier given with
`/_sandbox/ctl/users` or `python -m sandbox ctl add-user --tier` survives a restart; the HTTP
rate limiter reads them at start-up and is told of every change (sandbox/control/state.py).
"""

from __future__ import annotations

from .models import TierSetting
from .operation import Operation


class Tiers:
    def __init__(self, op: Operation) -> None:
        self.op = op
        self.tiers: dict[str, TierSetting] = {}

    def set(self, user_id: str, tier: str) -> TierSetting:
        op = self.op
        op.step("tier.set")
        t = self.tiers.get(user_id)
        if t is None:
            t = self.tiers[user_id] = TierSetting(user_id, tier)
            op.added("tier", t, self.tiers)
        else:
            op.touch("tier", t, self.tiers)
            t.tier = tier
        return t

    def restore(self, tiers: list[TierSetting]) -> None:
        self.tiers = {t.user_id: t for t in tiers}
