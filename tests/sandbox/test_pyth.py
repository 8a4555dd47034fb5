"""`pyth_value`: an account without the paid Pyth feed is refused (AsyncAPI error 10, nothing
subscribed); granted through the control plane it streams the simulated values of the symbols
it follows, and the channel's update_subscription actions answer as the AsyncAPI says
(underlying_list, subscribe/unsubscribe_underlyings, code 28, code 13). Every frame is validated
against the vendored AsyncAPI."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest
import yaml

from sandbox.world import pyth
from tests.conftest import sandbox_cli
from tests.sandbox.test_ws_schema import validator_for
from tests.sandbox.ws_helpers import connect
from tests.spec_check import ASYNCAPI

pytestmark = pytest.mark.kalshi_exchange("--no-activity", "--seed", "3", in_process=True)
XAU, OIL, XPT = "Metal.XAU/USD", "Commodities.Index.PYTHOIL/USD", "Metal.XPT/USD"


@pytest.fixture(scope="module")
def schemas():
    spec = yaml.safe_load(ASYNCAPI.read_text())
    names = (
        "errorResponsePayload",
        "pythValuePayload",
        "pythUnderlyingListPayload",
        "subscribedUnderlyingsResponsePayload",
        "subscribedResponsePayload",
        "subscribedIndicesResponsePayload",
    )
    return {n: validator_for(spec, n) for n in names}


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_without_the_subscription_pyth_is_refused(kalshi_exchange, kalshi_user, schemas):
    async def go():
        async with connect(kalshi_exchange.url, kalshi_user.signer) as c:
            n = await c.cmd(
                "subscribe", channels=["ticker", "pyth_value"], underlying_tickers=[XAU]
            )
            refused = await c.until(lambda m: m.get("id") == n)
            bad = await c.cmd("subscribe", channels=["pyth_value"], underlying_tickers="gold")
            malformed = await c.until(lambda m: m.get("id") == bad)
            k = await c.cmd("list_subscriptions")
            listed = await c.until(lambda m: m.get("id") == k)
            return refused, malformed, listed

    refused, malformed, listed = run(go())
    schemas["errorResponsePayload"].validate(refused)
    assert refused["type"] == "error" and refused["msg"] == {"code": 10, "msg": "Channel error"}
    assert malformed["type"] == "error" and malformed["msg"]["code"] == 11
    assert listed["msg"] == []  # the whole command was refused: not even `ticker` subscribed


def test_granted_pyth_streams_and_answers_its_actions(kalshi_exchange, kalshi_user, schemas):
    assert kalshi_exchange.set_feeds(kalshi_user.name, pyth_value=True) == ["pyth_value"]

    async def go():
        async with connect(kalshi_exchange.url, kalshi_user.signer) as c:
            n = await c.cmd("subscribe", channels=["pyth_value"], underlying_tickers=[XAU, OIL])
            sub = await c.until(lambda m: m.get("id") == n)
            sid = sub["msg"]["sid"]
            values = [await c.until(lambda m: m["type"] == "pyth_value") for _ in range(4)]
            replies = {}
            for name, params in (
                ("list", {"action": "underlying_list"}),
                ("add", {"action": "subscribe_underlyings", "underlying_tickers": [XPT]}),
                ("add_none", {"action": "subscribe_underlyings"}),
                ("remove_empty", {"action": "unsubscribe_underlyings", "underlying_tickers": []}),
                ("remove", {"action": "unsubscribe_underlyings", "underlying_tickers": [OIL]}),
                ("wrong", {"action": "subscribe_indices", "index_ids": ["BRTI"]}),
            ):
                k = await c.cmd("update_subscription", sid=sid, **params)
                replies[name] = await c.until(lambda m, k=k: m.get("id") == k)
            later = [await c.until(lambda m: m["type"] == "pyth_value") for _ in range(6)]
            return sub, values, replies, later

    sub, values, replies, later = run(go())
    schemas["subscribedResponsePayload"].validate(sub)
    assert sub["msg"]["channel"] == "pyth_value"
    for m in values + later:
        schemas["pythValuePayload"].validate(m)
        body = m["msg"]
        assert body["value_usd"] == str(
            pyth.value(3, body["underlying_ticker"], body["source_ts_ms"])
        )
        assert Decimal(body["value_usd"]) > 0 and body["source_ts_ms"] % 1000 == 0
    assert {m["msg"]["underlying_ticker"] for m in values} <= {XAU, OIL}
    listing = replies["list"]
    schemas["pythUnderlyingListPayload"].validate(listing)
    assert listing["type"] == "pyth_value_underlying_list"
    assert {XAU, OIL, XPT, "InterestRate.US10Y"} <= set(listing["msg"]["underlying_tickers"])
    schemas["subscribedUnderlyingsResponsePayload"].validate(replies["add"])
    assert replies["add"]["msg"]["underlying_tickers"] == sorted([XAU, OIL, XPT])
    for name in ("add_none", "remove_empty"):
        schemas["errorResponsePayload"].validate(replies[name])
        assert replies[name]["msg"] == {"code": 28, "msg": "Underlying tickers required"}
    assert replies["remove"]["msg"]["underlying_tickers"] == sorted([XAU, XPT])
    assert replies["wrong"]["msg"]["code"] == 13
    tail = {m["msg"]["underlying_ticker"] for m in later[-3:]}
    assert OIL not in tail and tail <= {XAU, XPT}
    seqs = [m["seq"] for m in values + later]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_feed_switch_from_the_cli_and_revoke(kalshi_exchange, kalshi_user):
    cmd = ("ctl", "--url", kalshi_exchange.url, "feed")
    on = sandbox_cli(*cmd, kalshi_user.name, "pyth_value", "on")
    assert on.returncode == 0, on.stderr
    assert json.loads(on.stdout)["feeds"] == ["pyth_value"]
    off = sandbox_cli(*cmd, kalshi_user.name, "pyth_value", "off")
    assert off.returncode == 0 and json.loads(off.stdout)["feeds"] == []
    nobody = sandbox_cli(*cmd, "no-such-user", "pyth_value", "on")
    assert nobody.returncode == 1 and "Traceback" not in nobody.stderr

    async def go():
        async with connect(kalshi_exchange.url, kalshi_user.signer) as c:
            n = await c.cmd("subscribe", channels=["pyth_value"], underlying_tickers=["all"])
            return await c.until(lambda m: m.get("id") == n)

    assert run(go())["msg"]["code"] == 10  # revoked: refused again


def test_revoking_the_feed_ends_open_pyth_streams(kalshi_exchange, kalshi_new_user, schemas):
    """A revoked grant stops the user's open pyth_value subscriptions at once (code 10, scoped
    by sid, then nothing more on that sid); another user's stream and the user's other
    subscriptions carry on."""
    alice, bob = kalshi_new_user(), kalshi_new_user()
    for user in (alice, bob):
        kalshi_exchange.set_feeds(user.name, pyth_value=True)

    async def go():
        async with (
            connect(kalshi_exchange.url, alice.signer) as a,
            connect(kalshi_exchange.url, bob.signer) as b,
        ):
            n = await a.cmd("subscribe", channels=["pyth_value"], underlying_tickers=[XAU])
            sid = (await a.until(lambda m: m.get("id") == n))["msg"]["sid"]
            t = await a.cmd("subscribe", channels=["ticker"])
            await a.until(lambda m: m.get("id") == t)
            await b.cmd("subscribe", channels=["pyth_value"], underlying_tickers=[XAU])
            before = await a.until(lambda m: m["type"] == "pyth_value")
            await asyncio.to_thread(kalshi_exchange.set_feeds, alice.name, pyth_value=False)
            ended = await a.until(lambda m: m["type"] == "error")
            after = await a.drain(quiet=2.5)  # the feed ticks every second
            k = await a.cmd("list_subscriptions")
            listed = await a.until(lambda m: m.get("id") == k)
            others = [await b.until(lambda m: m["type"] == "pyth_value") for _ in range(2)]
            return sid, before, ended, after, listed, others

    sid, before, ended, after, listed, others = run(go())
    schemas["errorResponsePayload"].validate(ended)
    assert ended["msg"] == {"code": 10, "msg": "Channel error"} and ended["sid"] == sid
    assert ended["seq"] > before["seq"]  # the stream's next seq: nothing skipped
    assert not [m for m in after if m.get("sid") == sid]
    assert [s["channel"] for s in listed["msg"]] == ["ticker"]
    assert all(m["msg"]["underlying_ticker"] == XAU for m in others)


def test_index_and_underlying_replies_carry_their_seq(kalshi_exchange, kalshi_user, schemas):
    """The AsyncAPI requires `seq` on the ok replies of the index and underlying actions."""

    async def go():
        async with connect(kalshi_exchange.url, kalshi_user.signer) as c:
            n = await c.cmd("subscribe", channels=["cfbenchmarks_value"])
            sid = (await c.until(lambda m: m.get("id") == n))["msg"]["sid"]
            k = await c.cmd(
                "update_subscription", sid=sid, action="subscribe_indices", index_ids=["BRTI"]
            )
            return await c.until(lambda m: m.get("id") == k)

    ok = run(go())
    schemas["subscribedIndicesResponsePayload"].validate(ok)
    assert ok["msg"] == {"index_ids": ["BRTI"]} and ok["seq"] >= 1
