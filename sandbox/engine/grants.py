"""What the local exchange's control plane granted users (not Kalshi concepts): rate-limit tiers
and paid data feeds (the Pyth feed, $1,000/month on Kalshi).

State: `tiers` {user_id: TierSetting}, `feeds` {(user_id, feed): FeedGrant}. Journaled records,
so a tier or a feed given through `/_sandbox/ctl` survives a restart; the HTTP rate limiter
reads the tiers at start-up and is told of every change (sandbox/control/state.py), the
WebSocket session asks `has_feed` when a client subscribes to a paid channel.
"""

from __future__ import annotations

from .models import FeedGrant, TierSetting
from .operation import Operation

FEEDS = ("pyth_value",)


class ControlGrants:
    def __init__(self, op: Operation) -> None:
        self.op = op
        self.tiers: dict[str, TierSetting] = {}
        self.feeds: dict[tuple[str, str], FeedGrant] = {}

    def set_tier(self, user_id: str, tier: str) -> TierSetting:
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

    def set_feed(self, user_id: str, feed: str, granted: bool) -> None:
        """Grant or revoke a paid feed (idempotent)."""
        op = self.op
        op.step("feed.set")
        key = (user_id, feed)
        g = self.feeds.get(key)
        if granted and g is None:
            g = self.feeds[key] = FeedGrant(user_id, feed, op.now)
            op.added("feed_grant", g, self.feeds)
        elif not granted and g is not None:
            op.touch("feed_grant", g, self.feeds)
            del self.feeds[key]

    def has_feed(self, user_id: str, feed: str) -> bool:
        return (user_id, feed) in self.feeds

    def restore(self, tiers: list[TierSetting], feeds: list[FeedGrant]) -> None:
        self.tiers = {t.user_id: t for t in tiers}
        self.feeds = {(g.user_id, g.feed): g for g in feeds}
