"""The channels a client may subscribe to, and what each one accepts.

All channels of the AsyncAPI are accepted so that a client written for live never meets an
"Unknown channel name" here. The CF Benchmarks and Pyth channels carry simulated values
(sandbox/ws/indexes.py, sandbox/activity/indexfeed.py); `pyth_value` only for users granted the
paid feed (sandbox/ws/session.py `PAID`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Channel:
    name: str
    markets: str  # "required" | "optional" | "ignored" (market filters not supported)
    sequenced: bool  # data messages carry a per-sid `seq`
    private: bool  # carries only the connection user's own data
    by_id: bool = False  # accepts market_id / market_ids
    snapshot: bool = False  # supports update_subscription get_snapshot


CHANNELS: dict[str, Channel] = {
    c.name: c
    for c in (
        Channel("orderbook_delta", "required", sequenced=True, private=False, snapshot=True),
        Channel("ticker", "optional", sequenced=False, private=False, by_id=True),
        Channel("trade", "optional", sequenced=True, private=False),
        Channel("fill", "optional", sequenced=False, private=True),
        Channel("market_positions", "optional", sequenced=False, private=True),
        Channel("user_orders", "optional", sequenced=False, private=True),
        Channel("order_group_updates", "ignored", sequenced=True, private=True),
        Channel("market_lifecycle_v2", "ignored", sequenced=True, private=False),
        Channel("multivariate_market_lifecycle", "ignored", sequenced=True, private=False),
        Channel("communications", "ignored", sequenced=True, private=True),
        Channel("cfbenchmarks_value", "ignored", sequenced=True, private=False),
        Channel("cfbenchmarks_value_5hz", "ignored", sequenced=True, private=False),
        Channel("pyth_value", "ignored", sequenced=True, private=False),
    )
}
