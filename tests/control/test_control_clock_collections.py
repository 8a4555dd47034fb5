"""Control-plane actions of session 3: collections created through `/_sandbox/ctl` (LocalExchange
and the ctl CLI), scheduled fee changes driven by advancing the clock, and the clock offset and
control-set tiers surviving a restart. Each asserts what a client sees over REST and WebSocket."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import pytest
import yaml

from sandbox.control.client import ControlError
from tests.conftest import sandbox_cli
from tests.sandbox.test_ws_schema import validator_for
from tests.sandbox.ws_helpers import connect
from tests.spec_check import ASYNCAPI

pytestmark = pytest.mark.kalshi_exchange("--no-activity", "--seed", "3", in_process=True)


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


async def later(fn, *args, **kwargs):
    return await asyncio.to_thread(fn, *args, **kwargs)


def _two_events(ex) -> list[str]:
    ex.create_series("KXCOLL", title="Collection legs")
    for e in ("KXCOLL-A", "KXCOLL-B"):
        ex.create_event(e, "KXCOLL")
        ex.create_market(f"{e}-YES", e, close_in_seconds=3600)
    ex.create_series("KXMVECTL", title="Control combos", fee_type="quadratic_with_combo_maker_fees")
    return ["KXCOLL-A", "KXCOLL-B"]


def test_create_collection_then_a_combo_in_it(kalshi_exchange, kalshi_user):
    events = _two_events(kalshi_exchange)
    made = kalshi_exchange.create_collection("KXMVECTL", "KXMVECTL", events, title="Ctl combo")
    assert made["associated_event_tickers"] == events and made["size_max"] == 2
    got = kalshi_user.get("/multivariate_event_collections/KXMVECTL")["multivariate_contract"]
    assert got["title"] == "Ctl combo" and got["associated_event_tickers"] == events
    listed = kalshi_user.get("/multivariate_event_collections", status="open")
    assert "KXMVECTL" in {c["collection_ticker"] for c in listed["multivariate_contracts"]}
    legs = [{"market_ticker": f"{e}-YES", "event_ticker": e, "side": "yes"} for e in events]

    async def go():
        async with connect(kalshi_exchange.url, kalshi_user.signer) as c:
            await c.cmd("subscribe", channels=["multivariate_market_lifecycle"])
            await c.until(lambda m: m["type"] == "subscribed")
            body = {"selected_markets": legs}
            combo = await later(kalshi_user.post, "/multivariate_event_collections/KXMVECTL", body)
            msg = await c.until(
                lambda m: m["type"] == "multivariate_market_lifecycle"
                and m["msg"].get("market_ticker") == combo["market_ticker"]
            )
            return combo, msg

    combo, msg = run(go())
    assert combo["market_ticker"].startswith("KXMVECTL-S")
    assert msg["msg"]["event_type"] == "created"
    with pytest.raises(ControlError) as err:  # a second create is refused
        kalshi_exchange.create_collection("KXMVECTL", "KXMVECTL", events)
    assert err.value.status == 409
    with pytest.raises(ControlError) as err:
        kalshi_exchange.create_collection("KXMVEOTHER", "KXMVECTL", ["KXNOPE-1"])
    assert err.value.status == 404
    with pytest.raises(ControlError) as err:
        kalshi_exchange.create_collection("KXMVEOTHER", "KXMVECTL", events, size_max=5)
    assert err.value.status == 400
    assert (
        kalshi_user.request("GET", "/multivariate_event_collections/KXMVEOTHER").status_code == 404
    )


def test_ctl_cli_creates_a_collection(kalshi_exchange, kalshi_user):
    events = _two_events(kalshi_exchange)
    cmd = ("ctl", "--url", kalshi_exchange.url, "collection")
    out = sandbox_cli(*cmd, "KXMVECLI", "KXMVECTL", *events, "--title", "From the CLI")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["collection_ticker"] == "KXMVECLI"
    got = kalshi_user.get("/multivariate_event_collections/KXMVECLI")["multivariate_contract"]
    assert got["title"] == "From the CLI"
    again = sandbox_cli(*cmd, "KXMVECLI", "KXMVECTL", *events)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert "Traceback" not in again.stderr


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_advance_clock_applies_scheduled_fee_changes(kalshi_exchange, kalshi_user):
    now = _ts(kalshi_exchange.control.state()["now"])
    changes = kalshi_user.get("/events/fee_changes", limit=1000)["event_fee_changes"]
    upcoming = sorted(
        (c for c in changes if c["fee_type_override"] and _ts(c["scheduled_ts"]) > now + 60),
        key=lambda c: c["scheduled_ts"],
    )
    assert upcoming, "the seed schedules an in-play override at every game's kickoff"
    change = upcoming[0]
    event = change["event_ticker"]
    assert "fee_type_override" not in kalshi_user.get(f"/events/{event}")["event"]
    validate = validator_for(yaml.safe_load(ASYNCAPI.read_text()), "eventFeeUpdatePayload")

    async def go():
        async with connect(kalshi_exchange.url, kalshi_user.signer) as c:
            await c.cmd("subscribe", channels=["market_lifecycle_v2"])
            await c.until(lambda m: m["type"] == "subscribed")
            seconds = _ts(change["scheduled_ts"]) - now + 1
            out = await later(kalshi_exchange.advance_clock, seconds)
            msg = await c.until(
                lambda m: m["type"] == "event_fee_update" and m["msg"]["event_ticker"] == event
            )
            return out, msg

    out, msg = run(go())
    assert out["fee_changes_applied"] >= 1
    validate.validate(msg)
    assert msg["msg"]["fee_type_override"] == change["fee_type_override"]
    shown = kalshi_user.get(f"/events/{event}")["event"]
    assert shown["fee_type_override"] == change["fee_type_override"]
    assert shown["fee_multiplier_override"] == change["fee_multiplier_override"]


def test_clock_offset_and_tiers_survive_a_restart(kalshi_exchange, kalshi_new_user):
    user = kalshi_new_user("tiered", balance="10", tier="prime")
    assert user.get("/account/limits")["usage_tier"] == "prime"
    before = _ts(kalshi_exchange.control.state()["now"])
    kalshi_exchange.advance_clock(7 * 86_400)
    kalshi_exchange.restart()
    state = kalshi_exchange.control.state()
    assert state["clock_offset_ms"] == 7 * 86_400 * 1000
    assert _ts(state["now"]) >= before + 7 * 86_400
    assert user.get("/account/limits")["usage_tier"] == "prime"  # same key, same tier
