"""CF Benchmarks index feeds and the 15-minute crypto series: the simulated index is a pure
function of the seed and the time; the quarter desk opens, quotes, determines (from the
final-minute average) and settles each quarter, paying every position to the cent; the two
WebSocket channels filter by index id, answer their update_subscription actions, and every
message validates against the AsyncAPI."""

from __future__ import annotations

import asyncio
import contextlib
import json
from decimal import Decimal

import pytest

from sandbox.activity.rolling import RollingDesk
from sandbox.engine.exchange import Exchange
from sandbox.engine.models import ASK, BID, IOC, STP_TAKER
from sandbox.seed import crypto
from sandbox.world import cfindex
from tests.sandbox.test_ws_schema import validator_for
from tests.sandbox.ws_helpers import connect, in_process_server
from tests.spec_check import ASYNCAPI as SPEC  # the vendored AsyncAPI

D = Decimal
T0 = 1_796_061_600_000 + 7 * 60_000  # 2026-11-30T18:07:00Z, inside the 18:00-18:15 quarter


async def collect(c, seconds: float) -> list[dict]:
    """Everything received during `seconds` (a 5 Hz feed never goes quiet)."""
    out: list[dict] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    with contextlib.suppress(TimeoutError):
        while (left := end - loop.time()) > 0:
            out.append(await c.recv(left))
    return out


class Clock:
    def __init__(self, t: int = T0):
        self.t = t

    def __call__(self) -> int:
        return self.t


def test_the_index_is_a_pure_function_of_seed_and_time():
    a = [cfindex.value(1, "BRTI", T0 + k * 200) for k in range(50)]
    assert a == [cfindex.value(1, "BRTI", T0 + k * 200) for k in range(50)]
    assert a != [cfindex.value(2, "BRTI", T0 + k * 200) for k in range(50)]
    assert len(set(a)) > 10  # it moves
    assert cfindex.value(1, "BRTI", T0 + 199) == a[0]  # on the 200 ms grid
    assert all(v == v.quantize(D("0.01")) for v in a)
    m = cfindex.per_second_msg(1, "BRTI", T0, T0 + 5)
    ticks = [cfindex.value(1, "BRTI", T0 - k * 1000) for k in range(1, 61)]
    assert D(m["avg_60s_data"]["value"]) == (sum(ticks) / 60).quantize(D("1e-8"))
    assert "last_60s_windowed_average_15min" not in m
    close = T0 + 8 * 60_000
    final = cfindex.per_second_msg(1, "BRTI", close, close)["last_60s_windowed_average_15min"]
    assert final["window_size"] == 60
    assert D(final["value"]) == cfindex.quarter_close_average(1, "BRTI", close)
    early = cfindex.per_second_msg(1, "BRTI", close - 46_000, close)
    assert early["last_60s_windowed_average_15min"]["window_size"] == 14


def test_a_quarter_runs_and_pays_every_position_to_the_cent():
    clock = Clock()
    ex = Exchange.in_memory(seed=4, clock=clock)
    desk = RollingDesk(ex, series=[crypto.ROLLING])
    desk.step(clock.t)
    _, ticker = crypto.tickers(T0 - T0 % cfindex.QUARTER + cfindex.QUARTER)
    m = ex.markets[ticker]
    assert m.status == "active" and m.yes_ask - m.yes_bid == D("0.02")
    # The two quarters before are settled from the index.
    for k in (1, 2):
        _, old = crypto.tickers(m.close_time - k * cfindex.QUARTER)
        om = ex.markets[old]
        assert om.result == crypto.result(4, om)
    for u in ("ann", "bob"):
        ex.add_user(u, D(200))
    buys = [("ann", BID, D(12)), ("bob", ASK, D("7.5"))]
    for user, side, count in buys:
        price = m.yes_ask if side == BID else m.yes_bid
        r = ex.create_order(
            user,
            ticker=ticker,
            side=side,
            price=price,
            count=count,
            time_in_force=IOC,
            self_trade_prevention_type=STP_TAKER,
        )
        assert r.fill_count == count
    before = {u: ex.get_account(u).balance for u in ("ann", "bob")}
    clock.t = m.close_time  # high speed to the close
    desk.step(clock.t)
    outcome = crypto.result(4, m)
    final = cfindex.quarter_close_average(4, "BRTI", m.close_time)
    assert m.status == "determined" and m.result == outcome
    assert (final > m.floor_strike) == (outcome == "yes")
    clock.t += crypto.SETTLEMENT_SECONDS * 1000
    desk.step(clock.t)
    assert m.status == "finalized"
    assert ex.get_account("ann").balance - before["ann"] == (D(12) if outcome == "yes" else 0)
    assert ex.get_account("bob").balance - before["bob"] == (D("7.5") if outcome == "no" else 0)
    # The next quarter is already open.
    _, nxt = crypto.tickers(m.close_time + cfindex.QUARTER)
    assert ex.markets[nxt].status == "active"


def test_channels_filter_answer_actions_and_follow_the_asyncapi():
    yaml = pytest.importorskip("yaml")
    if not SPEC.is_file():
        pytest.skip("AsyncAPI spec not present")
    spec = yaml.safe_load(SPEC.read_text())
    schemas = {
        "cfbenchmarks_value": validator_for(spec, "cfbenchmarksValuePayload"),
        "cfbenchmarks_value_5hz": validator_for(spec, "cfbenchmarksValue5HzPayload"),
        "cfbenchmarks_value_indexlist": validator_for(spec, "cfbenchmarksIndexListPayload"),
        "cfbenchmarks_value_5hz_indexlist": validator_for(spec, "cfbenchmarks5HzIndexListPayload"),
        "error": validator_for(spec, "errorResponsePayload"),
    }
    cmd_schema = validator_for(spec, "cfbenchmarksUpdateSubscriptionCommandPayload")

    async def scenario():
        runner, url, _, signers = await in_process_server()
        try:
            async with connect(url, signers["demo"]) as c:
                await c.cmd("subscribe", channels=["cfbenchmarks_value_5hz"], index_ids=["BRTI"])
                await c.cmd("subscribe", channels=["cfbenchmarks_value"])  # nothing yet
                await collect(c, 0.3)
                out = {"first": await collect(c, 1.0)}
                for body in (
                    {
                        "id": 3,
                        "cmd": "update_subscription",
                        "params": {"sid": 1, "action": "indexlist"},
                    },
                    {
                        "id": 4,
                        "cmd": "update_subscription",
                        "params": {"sid": 2, "action": "indexlist"},
                    },
                    {
                        "id": 5,
                        "cmd": "update_subscription",
                        "params": {
                            "sid": 2,
                            "action": "subscribe_indices",
                            "index_ids": ["ETHUSD_RTI"],
                        },
                    },
                    {
                        "id": 6,
                        "cmd": "update_subscription",
                        "params": {"sid": 1, "action": "subscribe_indices", "index_ids": ["all"]},
                    },
                ):
                    cmd_schema.validate(body)
                    await c.ws.send(json.dumps(body))
                await c.cmd("update_subscription", sid=1, action="subscribe_indices")  # no ids
                out["after"] = await collect(c, 2.2)
            return out
        finally:
            await runner.cleanup()

    out = asyncio.run(scenario())
    first = out["first"]
    assert first and all(
        m["type"] == "cfbenchmarks_value_5hz" and m["msg"]["index_id"] == "BRTI" for m in first
    )
    seqs = [m["seq"] for m in first]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    after = out["after"]
    kinds = {m["type"] for m in after}
    assert {
        "cfbenchmarks_value_indexlist",
        "cfbenchmarks_value_5hz_indexlist",
        "ok",
        "error",
    } <= kinds
    lists = {m["type"]: m["msg"]["index_ids"] for m in after if m["type"].endswith("indexlist")}
    assert lists["cfbenchmarks_value_5hz_indexlist"] == list(cfindex.FIVE_HZ)
    assert set(cfindex.INDICES) == set(lists["cfbenchmarks_value_indexlist"])
    (err,) = [m for m in after if m["type"] == "error"]
    assert err["msg"]["code"] == 24
    per_second = [m for m in after if m["type"] == "cfbenchmarks_value"]
    assert per_second and {m["msg"]["index_id"] for m in per_second} == {"ETHUSD_RTI"}
    five = {m["msg"]["index_id"] for m in after if m["type"] == "cfbenchmarks_value_5hz"}
    assert five == set(cfindex.FIVE_HZ)  # "all" after id 6
    for m in first + after:
        if m["type"] in schemas:
            schemas[m["type"]].validate(m)
    for m in per_second:
        v = cfindex.value(
            ex_seed := 7, "ETHUSD_RTI", int(__import__("json").loads(m["msg"]["data"])["time"])
        )
        assert __import__("json").loads(m["msg"]["data"])["value"] == str(v), ex_seed


def test_the_weather_index_settles_the_hourly_market_to_the_cent():
    from sandbox.seed import weather
    from sandbox.world import weatherindex as wx

    assert wx.point(3, "nyc", T0 - T0 % 60_000) == wx.point(3, "nyc", T0 - T0 % 60_000)
    day = [wx.point(3, "nyc", T0 - k * 60_000 - T0 % 60_000) for k in range(1440)]
    gaps = sum(p is None for p in day)
    assert 0 < gaps < 15 and any(p and p.status == "degraded" for p in day)
    clock = Clock()
    ex = Exchange.in_memory(seed=3, clock=clock)
    desk = RollingDesk(ex, series=[weather.ROLLING])
    desk.step(clock.t)
    _, ticker = weather.tickers(T0 - T0 % wx.HOUR + wx.HOUR)
    m = ex.markets[ticker]
    assert m.status == "active" and m.floor_strike == wx.value_at(3, "nyc", m.open_time).quantize(
        D(1)
    ) + D("0.5")
    ex.add_user("cy", D(100))
    r = ex.create_order(
        "cy",
        ticker=ticker,
        side=BID,
        price=m.yes_ask,
        count=D("3.25"),
        time_in_force=IOC,
        self_trade_prevention_type=STP_TAKER,
    )
    assert r.fill_count == D("3.25")
    before = ex.get_account("cy").balance
    clock.t = m.close_time
    desk.step(clock.t)
    yes = wx.value_at(3, "nyc", m.close_time) > m.floor_strike
    assert m.result == ("yes" if yes else "no")
    clock.t += 60_000
    desk.step(clock.t)
    assert m.status == "finalized"
    assert ex.get_account("cy").balance - before == (D("3.25") if yes else 0)
