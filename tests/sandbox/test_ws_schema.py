"""Every kind of message the WebSocket endpoint sends validates against the AsyncAPI payload
schema of its type (specs/kalshi-asyncapi.yaml, vendored)."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal

from sandbox.activity.market_clock import LifecycleClock
from tests.sandbox.ws_helpers import connect, in_process_server
from tests.spec_check import ASYNCAPI

D = Decimal

SCHEMAS = {
    "subscribed": "subscribedResponsePayload",
    "unsubscribed": "unsubscribedResponsePayload",
    "error": "errorResponsePayload",
    "orderbook_snapshot": "orderbookSnapshotPayload",
    "orderbook_delta": "orderbookDeltaPayload",
    "ticker": "tickerPayload",
    "trade": "tradePayload",
    "fill": "fillPayload",
    "market_position": "marketPositionPayload",
    "user_order": "userOrderPayload",
    "order_group_updates": "orderGroupUpdatesPayload",
    "market_lifecycle_v2": "marketLifecycleV2Payload",
    "event_lifecycle": "eventLifecyclePayload",
}


def validator_for(spec: dict, name: str):
    from jsonschema import Draft202012Validator

    schema = dict(spec["components"]["schemas"][name])
    schema["components"] = spec["components"]
    return Draft202012Validator(schema)


async def scenario() -> list[dict]:
    runner, url, ex, signers = await in_process_server()
    t = next(t for t, m in sorted(ex.markets.items()) if m.status == "active")
    kw = {"self_trade_prevention_type": "taker_at_cross"}
    try:
        async with connect(url, signers["demo"]) as c:
            await c.cmd(
                "subscribe",
                channels=["orderbook_delta", "ticker", "trade"],
                market_ticker=t,
                send_initial_snapshot=True,
            )
            await c.cmd(
                "subscribe",
                channels=[
                    "fill",
                    "user_orders",
                    "market_positions",
                    "order_group_updates",
                    "market_lifecycle_v2",
                ],
            )
            await c.drain(0.2)
            g = ex.create_order_group("demo", D("100"))
            ask = ex.markets[t].yes_ask
            ex.create_order(
                "demo",
                ticker=t,
                side="bid",
                price=ask,
                count=D("2"),
                time_in_force="immediate_or_cancel",
                client_order_id="schema-1",
                order_group_id=g.order_group_id,
                **kw,
            )
            ex.create_order(
                "demo", ticker=t, side="ask", price=D("0.99"), count=D("1"),
                time_in_force="good_till_canceled", expiration_time=ex.now() + 60_000, **kw,
            )  # fmt: skip
            ex.update_order_group_limit("demo", g.order_group_id, D("50"))
            clock = LifecycleClock(ex, random.Random(1), fast=True)
            clock.ensure_series()
            quick = clock.create()
            clock.open(quick)
            clock.midlife(quick)  # metadata_updated, price_level_structure_updated
            ex.create_order(
                "demo", ticker=quick, side="bid", price=D("0.60"), count=D("1"),
                time_in_force="immediate_or_cancel", **kw,
            )  # fmt: skip
            clock.finish(quick)
            await c.cmd("list_subscriptions")
            await c.cmd("update_subscription", sid=1, market_ticker=t, action="get_snapshot")
            await c.cmd("unsubscribe", sids=[1, 99])
            await c.drain(0.5)
            return c.seen
    finally:
        await runner.cleanup()


def test_every_message_matches_its_asyncapi_schema():
    import yaml

    spec = yaml.safe_load(ASYNCAPI.read_text())
    seen = asyncio.run(asyncio.wait_for(scenario(), 60))
    kinds = {m["type"] for m in seen}
    assert set(SCHEMAS) <= kinds | {"ok"}, set(SCHEMAS) - kinds
    validators = {kind: validator_for(spec, name) for kind, name in SCHEMAS.items()}
    ok_list = validator_for(spec, "listSubscriptionsResponsePayload")
    ok_update = validator_for(spec, "okResponsePayload")
    metadata = validator_for(spec, "marketMetadataUpdatedPayload")
    events = {m["msg"].get("event_type") for m in seen if m["type"] == "market_lifecycle_v2"}
    assert {"metadata_updated", "price_level_structure_updated"} <= events
    for m in seen:
        if m["type"] == "ok":
            v = ok_list if isinstance(m.get("msg"), list) else ok_update
        elif m["type"] == "market_lifecycle_v2" and m["msg"]["event_type"] == "metadata_updated":
            v = metadata
        else:
            v = validators[m["type"]]
        errors = [e.message for e in v.iter_errors(m)]
        assert not errors, (m, errors)
