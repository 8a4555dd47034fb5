"""The `communications` channel: each of its messages reaches exactly who the RFQ guide says
(rfq_* every subscriber, quote_* only the maker and the requester), carries the recipient's own
order id on execution before the fills it explains, and validates against the AsyncAPI."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from sandbox.engine.communications import HIDDEN_ID
from tests.sandbox.test_ws_schema import validator_for
from tests.sandbox.ws_helpers import connect, in_process_server
from tests.spec_check import ASYNCAPI

D = Decimal
SCHEMAS = {
    "rfq_created": "rfqCreatedPayload",
    "rfq_deleted": "rfqDeletedPayload",
    "quote_created": "quoteCreatedPayload",
    "quote_accepted": "quoteAcceptedPayload",
    "quote_executed": "quoteExecutedPayload",
    "fill": "fillPayload",
    "multivariate_market_lifecycle": "multivariateMarketLifecyclePayload",
    "event_lifecycle": "eventLifecyclePayload",
}


def inside_spread(ex) -> tuple[str, D]:
    """An open whole-cent market and a price strictly inside its spread: the two orders of an
    execution then meet each other, not the resting book."""
    for t, m in sorted(ex.markets.items()):
        linear = m.status == "active" and m.price_level_structure == "linear_cent"
        if linear and m.yes_bid > 0 and m.yes_ask - m.yes_bid >= D("0.02"):
            return t, m.yes_bid + D("0.01")
    raise AssertionError("no market with a free tick inside the spread")


async def scenario() -> tuple[dict[str, list[dict]], dict]:
    runner, url, ex, signers = await in_process_server(users=("demo", "alice", "carol"))
    ex.set_rfq_windows(30_000, 0)  # execute on confirmation
    t, mid = inside_spread(ex)
    try:
        async with (
            connect(url, signers["alice"]) as a,
            connect(url, signers["demo"]) as d,
            connect(url, signers["carol"]) as c,
        ):
            for client in (a, d, c):
                await client.cmd("subscribe", channels=["communications", "fill"])
            await c.cmd(
                "subscribe", channels=["multivariate_market_lifecycle", "market_lifecycle_v2"]
            )
            await asyncio.gather(a.drain(0.2), d.drain(0.2), c.drain(0.2))
            r = ex.create_rfq(
                "alice", ticker=t, contracts="3", rest_remainder=False, obscure_creator=True
            )
            q = ex.create_quote(
                "demo", rfq_id=r.rfq_id, yes_bid=mid, no_bid=1 - mid, rest_remainder=False
            )
            ex.accept_quote("alice", q.quote_id, "yes")
            ex.confirm_quote("demo", q.quote_id)
            gone = ex.create_rfq("carol", ticker=t, target_cost="5", rest_remainder=False)
            ex.delete_rfq("carol", gone.rfq_id)
            coll = ex.get_collection("KXMVESPORTSPARLAY")
            legs = [
                {"event_ticker": e, "market_ticker": ex.events[e].markets[0], "side": "yes"}
                for e in (a["ticker"] for a in coll.associated_events[:2])
            ]
            combo, _ = ex.create_combo_market("carol", coll.collection_ticker, legs)
            ex.determine_market(legs[0]["market_ticker"], "no")  # decides the combo: NO
            seen = await asyncio.gather(a.drain(0.5), d.drain(0.5), c.drain(0.5))
            ids = {
                "combo": combo.ticker,
                "alice": ex.communications_id("alice"),
                "maker_order": q.creator_order_id,
                "requester_order": q.rfq_creator_order_id,
            }
            return dict(zip(("alice", "demo", "carol"), seen, strict=True)), ids
    finally:
        await runner.cleanup()


@pytest.fixture(scope="module")
def run():
    return asyncio.run(asyncio.wait_for(scenario(), 60))


def _types(msgs: list[dict]) -> list[str]:
    return [m["type"] for m in msgs if m["type"] in SCHEMAS]


def test_who_receives_what(run):
    seen, _ = run
    assert _types(seen["alice"]) == [
        "rfq_created",
        "quote_created",
        "quote_accepted",
        "quote_executed",
        "fill",
        "rfq_deleted",
        "rfq_created",
        "rfq_deleted",
    ]
    assert _types(seen["demo"]) == _types(seen["alice"])
    # A third party sees RFQs come and go, never the quotes or the trade.
    comms = [t for t in _types(seen["carol"]) if t.startswith("rfq")]
    assert comms == ["rfq_created", "rfq_deleted", "rfq_created", "rfq_deleted"]


def test_combo_lifecycle_goes_to_the_multivariate_channel_only(run):
    seen, ids = run
    msgs = seen["carol"]
    mv = [m["msg"] for m in msgs if m["type"] == "multivariate_market_lifecycle"]
    assert [(m["market_ticker"], m["event_type"]) for m in mv] == [
        (ids["combo"], "created"),
        (ids["combo"], "determined"),
        (ids["combo"], "settled"),
    ]
    assert mv[1]["result"] == "no"
    v2 = [m["msg"]["market_ticker"] for m in msgs if m["type"] == "market_lifecycle_v2"]
    assert ids["combo"] not in v2 and v2  # the leg's own determination is there
    combo_event = ids["combo"].rsplit("-", 1)[0]
    assert any(
        m["type"] == "event_lifecycle" and m["msg"]["event_ticker"] == combo_event for m in msgs
    )


def test_obscured_creator_and_own_order_ids(run):
    seen, ids = run
    first = {u: next(m for m in seen[u] if m["type"] == "rfq_created") for u in seen}
    assert first["alice"]["msg"]["creator_id"] == ids["alice"]
    assert first["carol"]["msg"]["creator_id"] == HIDDEN_ID
    created = next(m for m in seen["demo"] if m["type"] == "quote_created")
    assert created["msg"]["rfq_creator_id"] == HIDDEN_ID  # until execution
    ex_alice = next(m for m in seen["alice"] if m["type"] == "quote_executed")["msg"]
    ex_demo = next(m for m in seen["demo"] if m["type"] == "quote_executed")["msg"]
    assert ex_alice["order_id"] == ids["requester_order"]
    assert ex_demo["order_id"] == ids["maker_order"]
    assert ex_demo["rfq_creator_id"] == ids["alice"]  # revealed by the execution
    fill = next(m for m in seen["alice"] if m["type"] == "fill")["msg"]
    assert fill["order_id"] == ids["requester_order"] and fill["count_fp"] == "3.00"
    accepted = next(m for m in seen["demo"] if m["type"] == "quote_accepted")["msg"]
    assert accepted["accepted_side"] == "yes" and accepted["contracts_accepted_fp"] == "3.00"


def test_every_message_matches_the_asyncapi(run):
    import yaml

    spec = yaml.safe_load(ASYNCAPI.read_text())  # the vendored spec
    validators = {k: validator_for(spec, v) for k, v in SCHEMAS.items()}
    seen, _ = run
    checked = 0
    for msgs in seen.values():
        for m in msgs:
            if m["type"] in validators:
                errors = [e.message for e in validators[m["type"]].iter_errors(m)]
                assert not errors, (m, errors)
                checked += 1
    assert checked >= 20
