"""Issue 11 §3-§5: one owner per data dir, every input bounded, every error in Kalshi's shape and
nothing changed by a rejected request; the CLI's one-line errors; `sandbox.testing.LocalExchange`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import uuid
from decimal import Decimal

import pytest
import requests

from sandbox.testing import LocalExchange
from tests.api import API, ORDER, Api, add_user, read_env
from tests.conftest import sandbox_cli, start_exchange
from tests.sandbox.test_http import market_with_spread
from tests.sandbox.ws_helpers import WS_PATH, connect, in_process_server

D = Decimal
DEEP = "[" * 100_000 + "]" * 100_000


def assert_kalshi_error(r: requests.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    body = r.json()["error"]
    assert isinstance(body["code"], str) and isinstance(body["message"], str)
    return body


# ---------------------------------------------------------------- §3 one owner per data dir


def test_second_server_on_the_same_dir_exits_2_naming_the_holder(tmp_path):
    first = start_exchange(tmp_path / "sb", "--no-activity")
    try:
        out = sandbox_cli("--port", "0", "--data-dir", str(tmp_path / "sb"), "--no-activity")
        assert out.returncode == 2, out
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and f"pid {first.pid}" in lines[0], out.stderr
        assert Api.for_demo(first).balance() > 0  # the owner is untouched
    finally:
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    again = start_exchange(tmp_path / "sb", "--no-activity")  # a dead owner's lock never blocks
    try:
        assert Api.for_demo(again).balance() > 0
    finally:
        assert again.stop() == 0


# ---------------------------------------------------------------- §4 CLI


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--port", "99999"), "99999 is not a TCP port"),
        (("--data-dir", "pyproject.toml"), "is not a directory"),
        (("--port", "0", "--data-dir", "/proc/no/such/dir"), "cannot use /proc/no/such/dir"),
        (("add-user", "x", "--balance", "1e400"), "balance must be between"),
        (("add-user", "x", "--data-dir", "pyproject.toml"), "is not a directory"),
    ],
)
def test_cli_bad_arguments_are_one_line_and_exit_2(args, needle):
    out = sandbox_cli(*args)
    assert out.returncode == 2 and needle in out.stderr, out
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


def test_add_user_of_an_existing_name_changes_nothing(tmp_path):
    data = tmp_path / "sb"
    env = add_user(data, "bob", "--balance", "5")
    out = sandbox_cli("add-user", "bob", "--balance", "999", "--data-dir", str(data))
    assert out.returncode == 2 and "bob already exists" in out.stderr, out
    assert len(out.stderr.strip().splitlines()) == 1
    ex = start_exchange(data, "--no-activity")
    try:
        api = Api.from_env(ex.url, env)  # the first key still works, the balance is the first
        assert api.balance() == D("5")
    finally:
        ex.stop()


# ---------------------------------------------------------------- §4 REST


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """An exchange with the highest rate-limit tier: these tests send many rejected writes."""
    ex = start_exchange(tmp_path_factory.mktemp("bounds"), "--seed", "7", "--no-activity",
                        "--tier", "prestige")  # fmt: skip
    yield ex
    ex.stop()


def snapshot(api: Api) -> tuple:
    return api.balance(), api.get("/portfolio/orders")["orders"], api.get("/portfolio/order_groups")


BAD_COUNTS = ["1e26", "1e30", "1E2", "0.001", "10000000000", "١٠", "1" * 5000, "NaN", "-1"]
BAD_PRICES = ["0.50000000000000000000000000001", "5e-1", "0.٥", "1e400", "Infinity"]


def test_bad_counts_and_prices_are_400_and_change_nothing(wide):
    api = Api.for_new_user(wide, f"b{uuid.uuid4().hex[:8]}")
    ticker, bid, _ = market_with_spread(api)
    placed = api.place_order(ticker, "bid", str(bid), "1")
    gid = api.call("POST", "/portfolio/order_groups/create", {"contracts_limit": 5}, expect=201)[
        "order_group_id"
    ]
    before = snapshot(api)
    base = {"ticker": ticker, "side": "bid", "price": str(bid), "count": "1", **ORDER}
    oid = placed["order_id"]
    for bad in BAD_COUNTS:
        for method, path, body in [
            ("POST", "/portfolio/events/orders", {**base, "count": bad}),
            ("POST", "/portfolio/events/orders/batched", {"orders": [{**base, "count": bad}]}),
            ("POST", f"/portfolio/events/orders/{oid}/amend", {**base, "count": bad}),
            ("POST", f"/portfolio/events/orders/{oid}/decrease", {"reduce_by": bad}),
            ("POST", f"/portfolio/events/orders/{oid}/decrease", {"reduce_to": bad}),
            ("POST", "/portfolio/order_groups/create", {"contracts_limit_fp": bad}),
            ("PUT", f"/portfolio/order_groups/{gid}/limit", {"contracts_limit_fp": bad}),
        ]:
            r = api.request(method, path, body)
            if path.endswith("batched"):  # per-item errors, per Kalshi's batch semantics
                assert r.status_code == 201, r.text
                assert r.json()["orders"][0]["error"]["code"] == "invalid_parameters"
            else:
                assert_kalshi_error(r, 400)
    for bad in BAD_PRICES:
        for path, body in [
            ("/portfolio/events/orders", {**base, "price": bad}),
            (f"/portfolio/events/orders/{oid}/amend", {**base, "price": bad}),
        ]:
            assert_kalshi_error(api.request("POST", path, body), 400)
    for big in (10**10, 10**30):
        body = {"contracts_limit": big}
        assert_kalshi_error(api.request("POST", "/portfolio/order_groups/create", body), 400)
    assert snapshot(api) == before


def test_client_order_id_is_bounded(wide):
    api = Api.for_new_user(wide, f"c{uuid.uuid4().hex[:8]}")
    ticker, bid, _ = market_with_spread(api)
    before = snapshot(api)
    body = {"ticker": ticker, "side": "bid", "price": str(bid), "count": "1", **ORDER}
    r = api.request("POST", "/portfolio/events/orders", {**body, "client_order_id": "x" * 65})
    assert assert_kalshi_error(r, 400)["details"] == "client_order_id"
    assert snapshot(api) == before
    api.place_order(ticker, "bid", str(bid), "1", client_order_id="x" * 64)  # the bound itself


def test_deep_json_and_bad_query_integers_are_400(wide):
    api = Api.for_new_user(wide, f"d{uuid.uuid4().hex[:8]}")
    before = snapshot(api)
    headers = {**api.signer.headers("POST", API + "/portfolio/events/orders")}
    headers["Content-Type"] = "application/json"
    r = requests.post(api.base + API + "/portfolio/events/orders", data=DEEP, headers=headers)
    assert assert_kalshi_error(r, 400)["code"] == "invalid_json"
    for value in ("١٠", "9" * 5000, "1e3"):
        assert_kalshi_error(api.request("GET", "/markets", limit=value), 400)
        assert_kalshi_error(api.request("GET", "/portfolio/fills", min_ts=value), 400)
    assert snapshot(api) == before


def test_timestamps_of_5000_digits_or_other_scripts_are_401(exchange):
    api = Api.for_demo(exchange)
    for ts in ("9" * 5000, "١٧٠٠٠٠٠٠٠٠٠٠٠".encode(), "\u00b9\u00b2\u00b3"):
        headers = {**api.signer.headers("GET", API + "/portfolio/balance")}
        headers["KALSHI-ACCESS-TIMESTAMP"] = ts
        r = requests.get(api.base + API + "/portfolio/balance", headers=headers)
        assert assert_kalshi_error(r, 401)["code"] == "header_timestamp_expired"
        headers = {**api.signer.headers("GET", WS_PATH), "KALSHI-ACCESS-TIMESTAMP": ts}
        r = requests.get(api.base + WS_PATH, headers=headers)  # the handshake, same check
        assert assert_kalshi_error(r, 401)["code"] == "header_timestamp_expired"


def test_aiohttp_protocol_errors_come_back_in_kalshis_shape(exchange):
    base = exchange.url
    r = requests.get(base + API + "/markets?x=" + "a" * 10_000)
    assert_kalshi_error(r, 400)
    r = requests.get(base + API + "/exchange/status", headers={"X-Big": "b" * 10_000})
    assert_kalshi_error(r, 400)
    # A request line that is not HTTP at all, on a raw socket.
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"GARBAGE\x01 / HTTP/1.1\r\n\r\n")
        raw = s.recv(65536).decode(errors="replace")
    head, _, body = raw.partition("\r\n\r\n")
    assert head.split()[1] == "400" and "application/json" in head, raw
    assert json.loads(body)["error"]["code"] == "bad_request"


# ---------------------------------------------------------------- §4 WebSocket


def test_ws_deep_json_market_limits_and_connections_per_user():
    from sandbox.ws import WS_SERVER
    from sandbox.ws.session import MAX_MARKETS_PER_CONNECTION, MAX_MARKETS_PER_SUBSCRIPTION

    async def scenario():
        runner, base, _ex, signers = await in_process_server()
        try:
            server = runner.app[WS_SERVER]
            async with connect(base, signers["demo"]) as c:
                await c.ws.send(DEEP)
                assert (await c.recv())["msg"]["code"] == 1
                many = [f"NOPE-{i}" for i in range(MAX_MARKETS_PER_SUBSCRIPTION + 1)]
                await c.cmd("subscribe", channels=["ticker"], market_tickers=many)
                assert (await c.recv())["msg"]["code"] == 26
                await c.cmd("list_subscriptions")
                assert (await c.recv())["msg"] == []  # nothing was created
                step = MAX_MARKETS_PER_SUBSCRIPTION
                sids = []
                for i, ch in enumerate(["ticker", "trade", "fill", "market_positions"]):
                    names = [f"T{i}-{j}" for j in range(step)]
                    await c.cmd("subscribe", channels=[ch], market_tickers=names)
                    sids.append((await c.recv())["msg"]["sid"])
                await c.drain()
                await c.cmd(
                    "update_subscription",
                    sids=[sids[0]],
                    action="add_markets",
                    market_tickers=["ONE-MORE"],
                )
                assert (await c.recv())["msg"]["code"] == 26  # per subscription
                assert 5 * step == MAX_MARKETS_PER_CONNECTION
                names = [f"T9-{j}" for j in range(step)]
                await c.cmd("subscribe", channels=["user_orders"], market_tickers=names)
                sids.append((await c.recv())["msg"]["sid"])  # exactly at the limit
                await c.cmd("subscribe", channels=["orderbook_delta"], market_tickers=["X"])
                assert (await c.recv())["msg"]["code"] == 26  # per connection
                await c.cmd("list_subscriptions")
                assert [s["sid"] for s in (await c.recv())["msg"]] == sids
            server.max_connections_per_user = 2
            async with connect(base, signers["alice"]), connect(base, signers["alice"]):
                with pytest.raises(Exception, match="429"):
                    async with connect(base, signers["alice"]):
                        pass
                async with connect(base, signers["demo"]):  # another user is not affected
                    pass
            async with connect(base, signers["alice"]):  # closed ones no longer count
                pass
        finally:
            await runner.cleanup()

    asyncio.run(asyncio.wait_for(scenario(), 120))


# ---------------------------------------------------------------- §5 LocalExchange


@pytest.mark.parametrize("in_process", [False, True])
def test_local_exchange_starts_serves_adds_users_and_stops_clean(in_process):
    with LocalExchange("--seed", "3", "--no-activity", in_process=in_process) as ex:
        assert ex.url.startswith("http://127.0.0.1:") and ex.ws_url.endswith(WS_PATH)
        key_id, pem = ex.add_user("carol", D("12.34"))
        api = Api(ex.url, key_id, pem)
        assert api.balance() == D("12.34")
        demo = Api.from_env(ex.url, read_env(ex.data_dir / "credentials.env"))
        assert demo.balance() > 0
        data_dir, pid = ex.data_dir, ex.pid
    assert not data_dir.exists()  # its temporary dir is gone
    if not in_process:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(requests.ConnectionError):
        requests.get(ex.url + API + "/exchange/status", timeout=2)


def test_local_exchange_lets_the_exchange_cache_its_bytecode(monkeypatch):
    """An inherited PYTHONDONTWRITEBYTECODE would make every start compile ~200 modules again;
    an environment the caller passes is used as given."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    ex = LocalExchange("--no-activity")
    given = LocalExchange("--no-activity", env={"PYTHONDONTWRITEBYTECODE": "1"})
    try:
        assert "PYTHONDONTWRITEBYTECODE" not in ex.process_env
        assert given.process_env == {"PYTHONDONTWRITEBYTECODE": "1"}
    finally:
        ex.stop(), given.stop()  # never started: removes their temporary dirs
