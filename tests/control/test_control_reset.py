"""The control plane's reset (`POST /_sandbox/ctl/reset`, sandbox.control.reset): the running
exchange starts over from a freshly seeded universe in place, seen over REST and the WebSocket,
journaled, and for the demo user's key only."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest
import requests
import websockets

from auth.signing import Signer, load_private_key
from sandbox.control.client import ControlError
from tests.conftest import sandbox_cli
from tests.sandbox.ws_helpers import connect

pytestmark = pytest.mark.kalshi_exchange("--no-activity", "--seed", "3", in_process=True)
T = "KXRST-1-A"


def markets(url: str) -> set[str]:
    body = requests.get(url + "/trade-api/v2/markets", params={"limit": 1000}, timeout=30).json()
    return {m["ticker"] for m in body["markets"]}


def demo_signer(ex) -> Signer:
    creds = dict(
        line.split("=", 1)
        for line in Path(ex.info["credentials"]).read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    return Signer(
        creds["KALSHI_API_KEY_ID"], load_private_key(Path(creds["KALSHI_PRIVATE_KEY_PATH"]))
    )


def signed_get(ex, signer: Signer, path: str) -> requests.Response:
    full = "/trade-api/v2" + path
    return requests.get(ex.url + full, headers=signer.headers("GET", full), timeout=30)


def test_reset_starts_over_from_the_seed(kalshi_exchange, kalshi_new_user):
    ex = kalshi_exchange
    seeded = markets(ex.url)
    demo = demo_signer(ex)
    demo_balance = signed_get(ex, demo, "/portfolio/balance").json()["balance"]
    ex.create_series("KXRST")
    ex.create_event("KXRST-1", "KXRST")
    ex.create_market(T, "KXRST-1")
    alice = kalshi_new_user("alice", balance="50", tier="premier")
    alice.post(
        "/portfolio/events/orders",
        {
            "ticker": T,
            "side": "bid",
            "price": "0.40",
            "count": "2",
            "time_in_force": "good_till_canceled",
            "self_trade_prevention_type": "taker_at_cross",
        },
    )
    ex.advance_clock(3600)
    ex.control.set_faults(latency_ms=1)  # a run-time switch: survives the reset

    out = ex.reset()

    assert (out["seed"], out["clock_offset_ms"]) == (3, 0)
    assert out["faults"]["latency_ms"] == 1
    assert markets(ex.url) == seeded
    assert requests.get(ex.url + f"/trade-api/v2/markets/{T}", timeout=30).status_code == 404
    assert alice.request("GET", "/portfolio/balance").status_code == 401  # user and key gone
    assert not (Path(ex.data_dir) / "keys" / "alice.pem").exists()
    again = kalshi_new_user("alice", balance="7")  # the name is free again, at the server's tier
    assert again.get("/portfolio/balance")["balance"] == 700
    assert again.get("/account/limits")["usage_tier"] == "basic"
    r = signed_get(ex, demo, "/portfolio/balance")  # the demo key stays, its account is the seed's
    assert (r.status_code, r.json()["balance"]) == (200, demo_balance)


def test_reset_to_another_seed_is_journaled(kalshi_exchange):
    ex = kalshi_exchange
    before = markets(ex.url)
    out = ex.reset(seed=5)
    assert out["seed"] == 5
    after = markets(ex.url)
    assert after != before  # another universe
    ex.restart()  # the journal restores the reset state, not the one before it
    assert ex.control.state()["seed"] == 5
    restored = markets(ex.url)  # background activity may have listed new markets since
    assert after <= restored and not (before - after) & restored


def test_reset_closes_every_websocket_with_service_restart(kalshi_exchange, kalshi_user):
    ex = kalshi_exchange
    demo = demo_signer(ex)

    async def go():
        async with connect(ex.url, demo) as c:
            await c.cmd("subscribe", channels=["ticker"])
            await c.until(lambda m: m["type"] == "subscribed")
            await asyncio.to_thread(ex.reset)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await c.drain(quiet=5)
                await c.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
        async with connect(ex.url, demo) as c:  # and the client reconnects, as after a restart
            await c.cmd("subscribe", channels=["ticker"])
            assert (await c.until(lambda m: m["type"] == "subscribed"))["type"] == "subscribed"

    asyncio.run(asyncio.wait_for(go(), 60))


def test_reset_refuses_a_bad_seed_and_changes_nothing(kalshi_exchange):
    ex = kalshi_exchange
    ex.create_series("KXRST")
    for body in ({"seed": -1}, {"seed": "7"}, {"seed": True}, {"sead": 7}):
        r = requests.post(ex.url + "/_sandbox/ctl/reset", json=body, timeout=30)
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_parameters"
    with pytest.raises(ControlError):
        ex.reset(seed=2**31)
    r = requests.get(ex.url + "/trade-api/v2/series/KXRST", timeout=30)
    assert r.status_code == 200  # nothing was reset


def test_ctl_reset_from_the_command_line(kalshi_exchange):
    ex = kalshi_exchange
    ex.create_series("KXRST")
    out = sandbox_cli("ctl", "--url", ex.url, "reset", "--seed", "4")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["seed"] == 4
    assert requests.get(ex.url + "/trade-api/v2/series/KXRST", timeout=30).status_code == 404
    bad = sandbox_cli("ctl", "--url", ex.url, "reset", "--seed", "x")
    assert bad.returncode == 2 and "--seed" in bad.stderr


def test_reset_keeps_the_money_invariant(kalshi_exchange):
    built = kalshi_exchange._built
    assert built is not None
    kalshi_exchange.reset(seed=6)
    ex = built.exchange
    ex.check_invariants()
    assert ex.total_money() > Decimal(0)
