"""Subaccounts, transfers, netting, restricted keys, funding history, usage levels and FCM
refusals over HTTP,
on a --strict-spec exchange: every response validates against OpenAPI 3.34.0 and parses with
the official SDK's models (kalshi_python_sync 3.34.0)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from test_http_sdk import _openapi_validator

from tests.api import API, ORDER, Api
from tests.conftest import start_exchange

D = Decimal


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ex = start_exchange(
        tmp_path_factory.mktemp("subaccounts"), "--seed", "7", "--no-activity", "--strict-spec"
    )
    yield ex
    ex.stop()


@pytest.fixture(scope="module")
def validate():
    return _openapi_validator()


def _user(server) -> Api:
    return Api.for_new_user(server, f"s{uuid.uuid4().hex[:8]}")


def _market(api: Api) -> str:
    return next(
        m["ticker"]
        for m in api.get("/markets", status="open", limit=200)["markets"]
        if m["price_level_structure"] == "linear_cent"
    )


def _transfer(api: Api, source: int, target: int, cents: int, **kw):
    body = {
        "client_transfer_id": str(uuid.uuid4()),
        "from_subaccount": source,
        "to_subaccount": target,
        "amount_cents": cents,
        **kw,
    }
    return api.request("POST", "/portfolio/subaccounts/transfer", body)


def _upgraded(server) -> Api:
    """A user on the Advanced tier (it placed an order, then took the self-service grant)."""
    api = _user(server)
    o = api.place_order(_market(api), "bid", "0.01", "1")
    api.request("DELETE", f"/portfolio/events/orders/{o['order_id']}")
    assert api.request("POST", "/account/api_usage_level/upgrade").status_code == 201
    return api


def test_basic_tier_cannot_create_until_the_upgrade(server, validate):
    api = _user(server)
    r = api.request("POST", "/portfolio/subaccounts", {})
    assert r.status_code == 403 and "Advanced" in r.json()["error"]["message"]
    # The upgrade wants an API order among the last 100 first.
    r = api.request("POST", "/account/api_usage_level/upgrade")
    assert r.status_code == 403
    limits = api.get("/account/limits")
    assert (limits["usage_tier"], limits["grants"]) == ("basic", [])
    api.place_order(_market(api), "bid", "0.01", "1")
    r = api.request("POST", "/account/api_usage_level/upgrade")
    assert r.status_code == 201 and not r.content
    limits = api.get("/account/limits")
    validate("GET", "/account/limits", 200, limits)
    assert limits["usage_tier"] == "advanced"
    assert limits["read"] == {"refill_rate": 300, "bucket_capacity": 600}
    assert limits["grants"] == [
        {"exchange_instance": "event_contract", "level": "advanced", "source": "manual"}
    ]
    r = api.request("POST", "/portfolio/subaccounts", {})
    assert r.status_code == 201 and r.json() == {"subaccount_number": 1}
    validate("POST", "/portfolio/subaccounts", 201, r.json())


def test_numbering_transfers_balances_and_history_to_the_cent(server, validate):
    api = _upgraded(server)
    before = D(api.get("/portfolio/balance")["balance_dollars"])
    assert [api.call("POST", "/portfolio/subaccounts")["subaccount_number"] for _ in range(3)] == [
        1,
        2,
        3,
    ]
    r = _transfer(api, 0, 2, 1234)
    assert r.status_code == 200 and r.json() == {}
    assert _transfer(api, 2, 3, 34).status_code == 200
    body = api.get("/portfolio/subaccounts/balances")
    validate("GET", "/portfolio/subaccounts/balances", 200, body)
    assert [(b["subaccount_number"], b["balance"]) for b in body["subaccount_balances"]] == [
        (0, f"{before - D('12.34'):.4f}"),
        (1, "0.0000"),
        (2, "12.0000"),
        (3, "0.3400"),
    ]
    sub2 = api.get("/portfolio/balance", subaccount=2)
    validate("GET", "/portfolio/balance", 200, sub2)
    assert (sub2["balance"], sub2["balance_dollars"]) == (1200, "12.0000")
    history = api.get("/portfolio/subaccounts/transfers", limit=1)
    validate("GET", "/portfolio/subaccounts/transfers", 200, history)
    assert [
        (t["from_subaccount"], t["to_subaccount"], t["amount_cents"]) for t in history["transfers"]
    ] == [(2, 3, 34)]
    rest = api.get("/portfolio/subaccounts/transfers", cursor=history["cursor"])
    assert [t["amount_cents"] for t in rest["transfers"]] == [1234] and rest["cursor"] == ""


def test_transfer_bounds_and_idempotency(server):
    api = _upgraded(server)
    api.call("POST", "/portfolio/subaccounts")
    whole = api.get("/portfolio/balance")["balance"]
    cases = [
        ((0, 1, 0), 400),
        ((0, 1, -5), 400),
        ((1, 1, 5), 400),
        ((0, 9, 5), 404),  # never created
        ((0, 64, 5), 400),
        ((1, 0, 1), 400),  # subaccount 1 is empty
        ((0, 1, whole + 1), 400),
    ]
    for (source, target, cents), status in cases:
        r = _transfer(api, source, target, cents)
        assert r.status_code == status, ((source, target, cents), r.text)
        assert set(r.json()["error"]) >= {"code", "message"}
    assert _transfer(api, 0, 1, 5, exchange_index=2).status_code == 400  # not an index here
    assert _transfer(api, 0, 1, 5, exchange_index=1).status_code == 400  # nothing on index 1
    r = api.request("POST", "/portfolio/subaccounts/transfer", {"client_transfer_id": "x"})
    assert r.status_code == 400
    body = {
        "client_transfer_id": str(uuid.uuid4()),
        "from_subaccount": 0,
        "to_subaccount": 1,
        "amount_cents": 250,
    }
    assert api.request("POST", "/portfolio/subaccounts/transfer", body).status_code == 200
    again = api.request("POST", "/portfolio/subaccounts/transfer", body)
    assert again.status_code == 409  # a retried transfer is not applied twice
    assert api.get("/portfolio/balance", subaccount=1)["balance"] == 250
    assert api.get("/portfolio/balance")["balance"] == whole - 250


def test_subaccounts_are_isolated_and_unknown_ones_are_404(server):
    api = _upgraded(server)
    ticker = _market(api)
    for path in ("/portfolio/balance", "/portfolio/positions", "/portfolio/fills"):
        r = api.request("GET", path, subaccount=1)
        assert r.status_code == 404 and r.json()["error"]["message"] == "subaccount not found"
    r = api.request(
        "POST",
        "/portfolio/events/orders",
        {"ticker": ticker, "side": "bid", "price": "0.01", "count": "1", "subaccount": 1, **ORDER},
    )
    assert r.status_code == 404
    api.call("POST", "/portfolio/subaccounts")
    assert _transfer(api, 0, 1, 500).status_code == 200
    body = {"ticker": ticker, "side": "bid", "price": "0.02", "count": "10", **ORDER}
    # What this order holds (its cost and its maker-fee reserve, on the member's precision),
    # measured once in the primary account, then released.
    before = api.get("/portfolio/balance", subaccount=0)["balance"]
    probe = api.call("POST", "/portfolio/events/orders", {**body, "subaccount": 0})
    hold = before - api.get("/portfolio/balance", subaccount=0)["balance"]
    api.call("DELETE", f"/portfolio/events/orders/{probe['order_id']}")
    assert hold >= 20 and api.get("/portfolio/balance", subaccount=0)["balance"] == before
    primary_orders = api.get("/portfolio/orders", subaccount=0)["orders"]
    o = api.call("POST", "/portfolio/events/orders", {**body, "subaccount": 1})
    assert api.get("/portfolio/balance", subaccount=1)["balance"] == 500 - hold
    assert api.get("/portfolio/balance", subaccount=0)["balance"] == before
    assert api.get("/portfolio/orders", subaccount=0)["orders"] == primary_orders
    assert [x["order_id"] for x in api.get("/portfolio/orders", subaccount=1)["orders"]] == [
        o["order_id"]
    ]
    # Cancelling it from the primary account finds nothing; from subaccount 1 it goes.
    assert api.request("DELETE", f"/portfolio/events/orders/{o['order_id']}").status_code == 404
    r = api.request("DELETE", f"/portfolio/events/orders/{o['order_id']}", subaccount=1)
    assert r.status_code == 200
    assert api.get("/portfolio/balance", subaccount=1)["balance"] == 500


def test_a_subaccount_restricted_key(server, validate):
    api = _upgraded(server)
    api.call("POST", "/portfolio/subaccounts")
    api.call("POST", "/portfolio/subaccounts")
    assert _transfer(api, 0, 2, 300).status_code == 200
    r = api.request("POST", "/api_keys/generate", {"name": "sub-5", "subaccount": 5})
    assert r.status_code == 404  # no subaccount 5
    key = _restricted(api, 2)
    listed = {k["api_key_id"]: k for k in api.get("/api_keys")["api_keys"]}
    assert listed[key.signer.key_id]["subaccount"] == 2
    # It sees only subaccount 2, by default and when named.
    bal = key.get("/portfolio/balance")
    validate("GET", "/portfolio/balance", 200, bal)
    assert bal["balance"] == 300 and "balance_breakdown" not in bal
    assert key.get("/portfolio/balance", subaccount=2)["balance"] == 300
    assert key.request("GET", "/portfolio/positions", subaccount=0).status_code == 403
    assert key.request("GET", "/portfolio/fills", subaccount=1).status_code == 403
    balances = key.get("/portfolio/subaccounts/balances")["subaccount_balances"]
    assert [b["subaccount_number"] for b in balances] == [2]
    assert [
        n["subaccount_number"] for n in key.get("/portfolio/subaccounts/netting")["netting_configs"]
    ] == [2]
    # It trades in subaccount 2 without naming it.
    o = key.place_order(_market(api), "bid", "0.01", "5")
    assert [x["order_id"] for x in api.get("/portfolio/orders", subaccount=2)["orders"]] == [
        o["order_id"]
    ]
    assert key.request("DELETE", f"/portfolio/events/orders/{o['order_id']}").status_code == 200
    # It cannot create subaccounts or move money between them.
    assert key.request("POST", "/portfolio/subaccounts", {}).status_code == 403
    assert _transfer(key, 2, 0, 100).status_code == 403
    assert api.get("/portfolio/balance", subaccount=2)["balance"] == 300


def _restricted(api: Api, sub: int) -> Api:
    gen = api.call("POST", "/api_keys/generate", {"name": f"sub-{sub}", "subaccount": sub})
    path = Path(api.key_path).with_name(f"restricted-{gen['api_key_id']}.pem")
    path.write_text(gen["private_key"])
    path.chmod(0o600)
    return Api(api.base, gen["api_key_id"], path)


def test_a_restricted_websocket_hears_only_its_subaccount(server):
    import asyncio

    from ws_helpers import connect

    api = _upgraded(server)
    api.call("POST", "/portfolio/subaccounts")
    assert _transfer(api, 0, 1, 100).status_code == 200
    key = _restricted(api, 1)
    ticker = _market(api)
    chans = ["user_orders"]

    async def go():
        async with connect(server.url, key.signer) as mine, connect(server.url, api.signer) as all_:
            await mine.cmd("subscribe", channels=chans)
            await all_.cmd("subscribe", channels=chans)
            await mine.drain(0.3), await all_.drain(0.3)
            primary = api.place_order(ticker, "bid", "0.01", "1", subaccount=0)
            sub = api.place_order(ticker, "bid", "0.01", "2", subaccount=1)
            heard = [
                m["msg"]["order_id"] for m in await mine.drain(0.6) if m["type"] == "user_order"
            ]
            everything = [
                m["msg"]["order_id"] for m in await all_.drain(0.6) if m["type"] == "user_order"
            ]
            assert heard == [sub["order_id"]]
            assert set(everything) == {primary["order_id"], sub["order_id"]}
            api.request("DELETE", "/portfolio/events/orders")

    asyncio.run(go())


def test_netting_settings(server, validate):
    api = _upgraded(server)
    api.call("POST", "/portfolio/subaccounts")
    body = api.get("/portfolio/subaccounts/netting")
    validate("GET", "/portfolio/subaccounts/netting", 200, body)
    assert body["netting_configs"] == [
        {"subaccount_number": 0, "enabled": True, "exchange_index": 0},
        {"subaccount_number": 1, "enabled": True, "exchange_index": 0},
    ]
    r = api.request(
        "PUT", "/portfolio/subaccounts/netting", {"subaccount_number": 1, "enabled": False}
    )
    assert r.status_code == 200
    assert [c["enabled"] for c in api.get("/portfolio/subaccounts/netting")["netting_configs"]] == [
        True,
        False,
    ]
    for bad, status in (
        ({"subaccount_number": 4, "enabled": False}, 404),
        ({"subaccount_number": 1, "enabled": "no"}, 400),
        ({"enabled": True}, 400),
    ):
        assert api.request("PUT", "/portfolio/subaccounts/netting", bad).status_code == status


def test_volume_progress_counts_the_users_fills(server, validate):
    maker, taker = _user(server), _user(server)
    ticker = _market(maker)
    empty = taker.get("/account/api_usage_level/volume_progress")
    validate("GET", "/account/api_usage_level/volume_progress", 200, empty)
    assert empty["volume_progress"][0]["trailing_30d_volume_fp"] == "0.00"
    assert [g["level"] for g in empty["volume_progress"][0]["goals"]] == [
        "expert",
        "premier",
        "paragon",
        "prime",
        "prestige",
    ]
    maker.place_order(ticker, "ask", "0.97", "7")
    taker.place_order(ticker, "bid", "0.97", "7", time_in_force="immediate_or_cancel")
    progress = taker.get("/account/api_usage_level/volume_progress")["volume_progress"][0]
    filled = sum(D(f["count_fp"]) for f in taker.get("/portfolio/fills")["fills"])
    assert D(progress["trailing_30d_volume_fp"]) == filled >= 7
    premier = next(g for g in progress["goals"] if g["level"] == "premier")
    assert D(premier["earn_volume_goal_fp"]) > D(premier["keep_volume_goal_fp"]) >= 0


def test_fcm_endpoints_refuse_regular_members(server):
    api = _user(server)
    for method, path in (
        ("GET", "/fcm/orders"),
        ("GET", "/fcm/fills"),
        ("GET", "/fcm/positions"),
        ("GET", "/fcm/subtraders"),
        ("POST", "/fcm/subtraders"),
        ("PUT", "/fcm/subtraders/event_contract_daily_cap"),
        ("DELETE", "/fcm/subtraders/event_contract_daily_cap"),
        ("PUT", "/fcm/subtraders/blocked_categories"),
        ("POST", "/fcm/positions/transfers"),
        ("GET", "/portfolio/summary/total_resting_order_value"),
    ):
        r = api.request(method, path, {} if method != "GET" else None)
        assert r.status_code == 403, (method, path, r.text)
        assert r.json()["error"]["code"] == "forbidden"


def test_funding_history_reconciles_with_the_starting_balance(server, validate):
    demo = Api.for_demo(server)
    deposits = demo.get("/portfolio/deposits")
    validate("GET", "/portfolio/deposits", 200, deposits)
    withdrawals = demo.get("/portfolio/withdrawals")
    validate("GET", "/portfolio/withdrawals", 200, withdrawals)
    rows = [
        (d["type"], d["status"], d["amount_cents"], d["fee_cents"]) for d in deposits["deposits"]
    ]
    assert rows == [  # newest first
        ("ach", "pending", 2500, 0),
        ("crypto", "failed", 10000, 0),
        ("debit", "applied", 5000, 100),
        ("wire", "applied", 60100, 0),
        ("ach", "applied", 50000, 0),
    ]
    assert deposits["deposits"][0]["finalized_ts"] is None
    assert [(w["status"], w["amount_cents"]) for w in withdrawals["withdrawals"]] == [
        ("applied", 15000)
    ]
    net = sum(
        d["amount_cents"] - d["fee_cents"] for d in deposits["deposits"] if d["status"] == "applied"
    ) - sum(w["amount_cents"] + w["fee_cents"] for w in withdrawals["withdrawals"])
    assert net == 100000  # the demo user's $1,000.00 starting balance
    page = demo.get("/portfolio/deposits", limit=2)
    assert len(page["deposits"]) == 2 and page["cursor"]
    assert demo.request("GET", "/portfolio/deposits", limit=501).status_code == 400
    fresh = _user(server)  # add-user's starting balance arrives as one applied ACH deposit
    (only,) = fresh.get("/portfolio/deposits")["deposits"]
    assert (only["type"], only["status"]) == ("ach", "applied")
    assert only["amount_cents"] == fresh.get("/portfolio/balance")["balance"]
    assert fresh.get("/portfolio/withdrawals") == {"withdrawals": [], "cursor": ""}


def test_sdk_models_parse_the_new_responses(server):
    k = pytest.importorskip("kalshi_python_sync")
    api = _upgraded(server)
    client = k.KalshiClient(k.Configuration(host=server.url + API))
    client.kalshi_auth = api.signer
    portfolio, account = k.PortfolioApi(client), k.AccountApi(client)
    assert portfolio.create_subaccount().subaccount_number == 1
    portfolio.apply_subaccount_transfer(
        client_transfer_id=str(uuid.uuid4()), from_subaccount=0, to_subaccount=1, amount_cents=99
    )
    balances = portfolio.get_subaccount_balances().subaccount_balances
    assert balances[1].balance == "0.9900"
    transfers = portfolio.get_subaccount_transfers().transfers
    assert transfers[0].amount_cents == 99
    portfolio.update_subaccount_netting(subaccount_number=1, enabled=False)
    assert [c.enabled for c in portfolio.get_subaccount_netting().netting_configs] == [True, False]
    assert account.get_account_api_limits().usage_tier == "advanced"
    progress = account.get_account_api_usage_level_volume_progress().volume_progress
    assert progress[0].goals
    account.upgrade_account_api_usage_level()
    assert portfolio.get_deposits().deposits[0].status == "applied"
    assert portfolio.get_withdrawals().withdrawals == []
