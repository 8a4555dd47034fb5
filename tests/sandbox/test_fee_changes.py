"""Scheduled fee changes: derived schedule, applied from their time (idempotently, journaled),
what they do to an order's fee, the REST listings (filters, schemas, SDK) and the
`event_fee_update` WebSocket message (AsyncAPI)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from sandbox.engine.exchange import Exchange
from sandbox.engine.models import BID, IOC, STP_TAKER
from sandbox.world.sports import kickoff
from tests.api import API, Api
from tests.conftest import start_exchange
from tests.sandbox.test_http_sdk import _openapi_validator
from tests.sandbox.test_ws_schema import validator_for
from tests.sandbox.ws_helpers import connect, in_process_server
from tests.spec_check import ASYNCAPI as SPEC  # the vendored AsyncAPI

D = Decimal
T0 = 1_796_061_600_000  # 2026-11-30T18:00:00Z


class Clock:
    def __init__(self, t: int = T0):
        self.t = t

    def __call__(self) -> int:
        return self.t


def test_changes_apply_from_their_time_and_change_the_fee():
    clock = Clock()
    ex = Exchange.in_memory(seed=5, clock=clock)
    fees = ex.fee_changes
    upcoming = min(
        (e for e in ex.events.values() if e.series_ticker == "KXNBAGAME" and kickoff(e) > T0),
        key=kickoff,
    )
    ticker = upcoming.markets[0]
    ex.add_user("t", D(1000))

    def taker_fee(count: str) -> tuple[Decimal, Decimal]:
        """(fee, price) of a taker buy of `count` at the best ask."""
        p = ex.markets[ticker].yes_ask
        o = ex.create_order(
            "t",
            ticker=ticker,
            side=BID,
            price=p,
            count=D(count),
            time_in_force=IOC,
            self_trade_prevention_type=STP_TAKER,
        )
        assert o.fill_count == D(count)
        return o.order.taker_fees, p

    before, p = taker_fee("10")
    assert before == (D("0.07") * 10 * p * (1 - p)).quantize(D("0.01"), rounding="ROUND_UP")
    assert ex.apply_fee_changes() > 0 and ex.apply_fee_changes() == 0  # idempotent
    assert upcoming.fee_type_override is None
    clock.t = kickoff(upcoming) - 1
    ex.apply_fee_changes()
    assert upcoming.fee_type_override is None
    clock.t += 1  # the in-play override takes effect at kickoff
    ex.apply_fee_changes()
    assert (upcoming.fee_type_override, upcoming.fee_multiplier_override) == ("quadratic", D("0.5"))
    after, p = taker_fee("10")
    assert after == (D("0.035") * 10 * p * (1 - p)).quantize(D("0.01"), rounding="ROUND_UP")
    clock.t += 2 * 3_600_000  # and is cleared two hours later
    ex.apply_fee_changes()
    assert (upcoming.fee_type_override, upcoming.fee_multiplier_override) == (None, None)
    # The series' upcoming change: listed until it happens, then only with show_historical.
    (nxt,) = fees.list_series(clock.t, "KXNBAGAME")
    assert nxt.fee_multiplier == D("0.75") and nxt.scheduled_ts > clock.t
    clock.t = nxt.scheduled_ts
    ex.apply_fee_changes()
    assert ex.series["KXNBAGAME"].fee_multiplier == D("0.75")
    assert fees.list_series(clock.t, "KXNBAGAME") == []
    assert len(fees.list_series(clock.t, "KXNBAGAME", show_historical=True)) == 2


def test_a_restart_rebuilds_the_same_schedule():
    a = Exchange.in_memory(seed=5, clock=Clock()).fee_changes
    b = Exchange.in_memory(seed=5, clock=Clock()).fee_changes
    a.refresh()
    b.refresh()
    assert a.list_events() == b.list_events() and a.list_series(T0, None, True) == b.list_series(
        T0, None, True
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ex = start_exchange(
        tmp_path_factory.mktemp("fees"), "--seed", "12", "--no-activity", "--strict-spec"
    )
    yield ex
    ex.stop()


@pytest.fixture(scope="module")
def api(server) -> Api:
    return Api.for_demo(server)


def test_rest_listings(api, server):
    validate = _openapi_validator()
    upcoming = api.get("/series/fee_changes")
    validate("GET", "/series/fee_changes", 200, upcoming)
    assert {c["series_ticker"] for c in upcoming["series_fee_change_arr"]} == {
        "KXNBAGAME",
        "KXNFLGAME",
    }
    assert all(c["fee_multiplier"] == 0.75 for c in upcoming["series_fee_change_arr"])
    every = api.get("/series/fee_changes", series_ticker="KXNBAGAME", show_historical="true")
    assert [c["fee_multiplier"] for c in every["series_fee_change_arr"]] == [1, 0.75]
    assert (
        api.get("/series/fee_changes", series_ticker="KXFEDDECISION")["series_fee_change_arr"] == []
    )
    events = api.get("/events/fee_changes", limit=1000)
    validate("GET", "/events/fee_changes", 200, events)
    changes = events["event_fee_changes"]
    assert len(changes) == 10 and events["cursor"] == ""
    live = next(
        c
        for c in changes
        if c["fee_type_override"] == "quadratic" and c["event_ticker"].startswith("KXNBAGAME")
    )
    one = api.get("/events/fee_changes", event_ticker=live["event_ticker"])["event_fee_changes"]
    assert [c["fee_type_override"] for c in one] == ["quadratic", None]
    page = api.get("/events/fee_changes", limit=3)
    assert len(page["event_fee_changes"]) == 3 and page["cursor"]
    # The game in play has its override applied (the fee clock ran at startup).
    games = api.get("/milestones", limit=50, competition="Pro Basketball (M)")["milestones"]
    lives = api.get("/live_data/batch", milestone_ids=[g["id"] for g in games])["live_datas"]
    (playing,) = [x for x in lives if x["details"]["status"] == "live"]
    ev = next(g for g in games if g["id"] == playing["milestone_id"])["primary_event_tickers"][0]
    for _ in range(20):
        event = api.get(f"/events/{ev}")["event"]
        if event.get("fee_type_override"):
            break
        asyncio.run(asyncio.sleep(0.2))
    assert (event["fee_type_override"], D(str(event["fee_multiplier_override"]))) == (
        "quadratic",
        D("0.5"),
    )
    assert api.request("GET", "/series/fee_changes", show_historical="maybe").status_code == 400
    k = pytest.importorskip("kalshi_python_sync")
    sdk = k.KalshiClient(k.Configuration(host=server.url + API))
    assert sdk.get_series_fee_changes(show_historical=True).series_fee_change_arr
    assert len(sdk.get_event_fee_changes(limit=100).event_fee_changes) == 10


def test_event_fee_update_on_market_lifecycle_v2():
    yaml = pytest.importorskip("yaml")
    if not SPEC.is_file():
        pytest.skip("AsyncAPI spec not present")
    validator = validator_for(yaml.safe_load(SPEC.read_text()), "eventFeeUpdatePayload")

    async def scenario() -> list[dict]:
        runner, url, ex, signers = await in_process_server()
        ex.apply_fee_changes()
        later = max(c.scheduled_ts for c in ex.fee_changes.list_events())
        try:
            async with connect(url, signers["demo"]) as c:
                await c.cmd("subscribe", channels=["market_lifecycle_v2"])
                await c.drain(0.2)
                ex.set_fixed_time(later)
                ex.apply_fee_changes()
                ex.set_fixed_time(None)
                return [m for m in await c.drain(0.5) if m.get("type") == "event_fee_update"]
        finally:
            await runner.cleanup()

    got = asyncio.run(scenario())
    assert got and {m["msg"]["fee_type_override"] for m in got} == {"quadratic", None}
    for m in got:
        validator.validate(m)
        if m["msg"]["fee_type_override"] is None:
            assert m["msg"]["fee_multiplier_override"] is None
        else:
            assert m["msg"]["fee_multiplier_override"] == 0.5
