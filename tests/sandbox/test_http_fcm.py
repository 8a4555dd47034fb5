"""FCM members over HTTP (--strict-spec): every /fcm/* operation for an FCM member made with
`add-user --fcm`, its subtraders trading with bound keys under the caps and blocked categories
it sets, each response validated against OpenAPI 3.34.0 and parsed by the official SDK's strict
models; regular members keep their 403; the control plane adds a member with a type."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from tests.api import API, Api
from tests.conftest import sandbox_cli, start_exchange

D = Decimal
CAP = "/fcm/subtraders/event_contract_daily_cap"


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    ex = start_exchange(
        tmp_path_factory.mktemp("fcm"),
        "--seed",
        "7",
        "--no-activity",
        "--strict-spec",
        "--tier",
        "prestige",
    )
    yield ex
    ex.stop()


@pytest.fixture(scope="module")
def validate():
    from tests.sandbox.test_http_sdk import _openapi_validator

    return _openapi_validator()


def _market(api: Api) -> tuple[dict, str]:
    """An open linear-cent market with an ask to buy from, and its category."""
    m = next(
        m
        for m in api.get("/markets", status="open", limit=200)["markets"]
        if m["price_level_structure"] == "linear_cent" and D(m["yes_ask_dollars"]) < D("0.9")
    )
    series = api.get(f"/events/{m['event_ticker']}")["event"]["series_ticker"]
    return m, api.get(f"/series/{series}")["series"]["category"]


def _bound_key(strict, fcm: Api, subtrader_id: str, tmp: Path) -> Api:
    body = {"name": f"{subtrader_id}-key", "fcm_subtrader_id": subtrader_id}
    gen = fcm.call("POST", "/api_keys/generate", body, expect=201)
    pem = tmp / f"{subtrader_id}.pem"
    pem.write_text(gen["private_key"])
    return Api(strict.url, gen["api_key_id"], pem)


def test_fcm_member_tour(strict, validate, tmp_path):
    name = f"fcm{uuid.uuid4().hex[:6]}"
    fcm = Api.for_new_user(strict, name, "--fcm")

    def call(method, template, body=None, status=200, **params):
        r = fcm.request(method, template, body, **params)
        assert r.status_code == status, f"{method} {template}: {r.status_code} {r.text}"
        data = r.json() if r.content else None
        validate(method, template, status, data)
        return data

    created = call("POST", "/fcm/subtraders", {"subtrader_suffix": "CUST1"}, 201)
    sid = created["subtrader_id"]
    assert sid == f"{name}_CUST1"
    r = fcm.request("POST", "/fcm/subtraders", {"subtrader_suffix": "CUST1"})
    assert r.status_code == 409
    assert fcm.request("POST", "/fcm/subtraders", {"subtrader_suffix": "no_pe"}).status_code == 400
    listed = call("GET", "/fcm/subtraders")["subtraders"]
    assert [s["subtrader_id"] for s in listed] == [sid]

    sub = _bound_key(strict, fcm, sid, tmp_path)
    assert sub.balance() == D("1000")  # the local starting deposit
    m, category = _market(fcm)
    ask = D(m["yes_ask_dollars"])

    # No cap yet: the subtrader cannot trade; GET answers 404.
    r = sub.request("POST", "/portfolio/events/orders", _order(m["ticker"], ask, "2"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "daily_cap_not_set")
    assert (
        fcm.request("GET", "/fcm/subtraders/event_contract_daily_cap", subtrader_id=sid).status_code
        == 404
    )
    call("PUT", "/fcm/subtraders/event_contract_daily_cap", {"subtrader_id": sid, "limit": "5.00"})
    cap = call("GET", "/fcm/subtraders/event_contract_daily_cap", subtrader_id=sid)
    assert (cap["limit"], cap["executed_utilization"]) == ("5.0000", "0.0000")

    # A fill within the cap, then an order over it.
    sub.place_order(m["ticker"], "bid", str(ask), "2", time_in_force="immediate_or_cancel")
    cap = call("GET", "/fcm/subtraders/event_contract_daily_cap", subtrader_id=sid)
    assert D(cap["executed_utilization"]) >= 2 * ask  # premium plus the taker fee
    r = sub.request("POST", "/portfolio/events/orders", _order(m["ticker"], "0.50", "10"))
    assert (r.status_code, r.json()["error"]["code"]) == (400, "daily_cap_exceeded")

    # Blocked category: the subtrader's new orders in it are refused.
    put = {"subtrader_id": sid, "category": category, "blocked": True}
    assert call("PUT", "/fcm/subtraders/blocked_categories", put)["categories"] == [category]
    got = call("GET", "/fcm/subtraders/blocked_categories", subtrader_id=sid)
    assert got["categories"] == [category]
    r = sub.request("POST", "/portfolio/events/orders", _order(m["ticker"], "0.01", "1"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "category_blocked")
    put["blocked"] = False
    assert call("PUT", "/fcm/subtraders/blocked_categories", put)["categories"] == []

    # The FCM reads its subtrader's orders, fills and positions.
    orders = call("GET", "/fcm/orders", subtrader_id=sid)["orders"]
    assert [o["status"] for o in orders] == ["executed"]
    assert fcm.request("GET", "/fcm/orders").status_code == 400  # one filter is required
    fills = call("GET", "/fcm/fills")["fills"]
    assert fills and fills[0]["taker_subtrader_id"] == sid and fills[0]["count_fp"] == "2.00"
    positions = call("GET", "/fcm/positions", subtrader_id=sid)["market_positions"]
    assert [(p["ticker"], p["position_fp"]) for p in positions] == [(m["ticker"], "2.00")]

    # The bound key reads its own orders, positions and cap through /fcm (spec), no one else's.
    assert [o["order_id"] for o in sub.get("/fcm/orders")["orders"]] == [orders[0]["order_id"]]
    assert sub.get("/fcm/positions")["market_positions"] == positions
    assert sub.get(CAP, subtrader_id=sid)["subtrader_id"] == sid
    assert sub.request("GET", "/fcm/orders", subtrader_id=f"{name}_X").status_code == 403
    assert sub.request("GET", "/fcm/subtraders").status_code == 403

    # Position transfer to a subtrader under the error account (created on first use).
    body = {
        "source_subtrader_id": sid,
        "target_subtrader_id": f"{name}_ERR1",
        "market_ticker": m["ticker"],
        "position_centicount": 200,
        "price_centicents": 0,
    }
    assert call("POST", "/fcm/positions/transfers", body, 201)["position_transfer_id"]
    after = fcm.get("/fcm/positions", subtrader_id=f"{name}_ERR1")["market_positions"]
    assert [p["position_fp"] for p in after] == ["2.00"]
    source = fcm.get("/fcm/positions", subtrader_id=sid)["market_positions"]
    assert all(D(p["position_fp"]) == 0 for p in source)
    body["position_centicount"] = 150
    assert fcm.request("POST", "/fcm/positions/transfers", body).status_code == 400

    # Another FCM cannot touch these subtraders; cleanup removes the cap.
    other = Api.for_new_user(strict, f"g{uuid.uuid4().hex[:6]}", "--fcm")
    r = other.request(
        "PUT", "/fcm/subtraders/event_contract_daily_cap", {"subtrader_id": sid, "limit": "1"}
    )
    assert r.status_code == 404
    call("DELETE", "/fcm/subtraders/event_contract_daily_cap", subtrader_id=sid)
    r = sub.request("POST", "/portfolio/events/orders", _order(m["ticker"], "0.01", "1"))
    assert r.json()["error"]["code"] == "daily_cap_not_set"


def _order(ticker: str, price, count: str) -> dict:
    return {
        "ticker": ticker,
        "side": "bid",
        "price": str(price),
        "count": count,
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    }


def test_subtrader_keys_are_for_fcm_members_only(strict):
    regular = Api.for_new_user(strict, f"r{uuid.uuid4().hex[:6]}")
    r = regular.request("POST", "/api_keys/generate", {"name": "x", "fcm_subtrader_id": "a_B"})
    assert r.status_code == 403
    fcm = Api.for_new_user(strict, f"f{uuid.uuid4().hex[:6]}", "--fcm")
    r = fcm.request("POST", "/api_keys/generate", {"name": "x", "fcm_subtrader_id": "nope_B"})
    assert r.status_code == 404
    body = {"name": "x", "fcm_subtrader_id": "nope_B", "subaccount": 0}
    assert fcm.request("POST", "/api_keys/generate", body).status_code == 400
    # A bound key: listed and deleted by its FCM, acting as the subtrader meanwhile.
    sid = fcm.call("POST", "/fcm/subtraders", {"subtrader_suffix": "K1"}, expect=201)[
        "subtrader_id"
    ]
    gen = fcm.call("POST", "/api_keys/generate", {"name": "b", "fcm_subtrader_id": sid}, expect=201)
    listed = fcm.get("/api_keys", fcm_subtrader_id=sid)["api_keys"]
    assert [k["api_key_id"] for k in listed] == [gen["api_key_id"]]
    assert gen["api_key_id"] not in {k["api_key_id"] for k in fcm.get("/api_keys")["api_keys"]}
    r = regular.request("DELETE", f"/api_keys/{gen['api_key_id']}")
    assert r.status_code == 404  # not the regular member's key
    assert regular.request("GET", "/api_keys", fcm_subtrader_id=sid).status_code == 403
    fcm.call("DELETE", f"/api_keys/{gen['api_key_id']}", expect=204)
    assert fcm.get("/api_keys", fcm_subtrader_id=sid)["api_keys"] == []


def test_sdk_strict_models_parse_the_fcm_responses(strict, tmp_path):
    """Every /fcm/* operation through the official SDK's FcmApi (strict models)."""
    k = pytest.importorskip("kalshi_python_sync")
    name = f"s{uuid.uuid4().hex[:6]}"
    fcm = Api.for_new_user(strict, name, "--fcm")
    client = k.KalshiClient(k.Configuration(host=strict.url + API))
    client.kalshi_auth = fcm.signer
    api = k.FcmApi(client)
    sid = api.create_fcm_subtrader(subtrader_suffix="S1").subtrader_id
    assert [s.subtrader_id for s in api.list_fcm_subtraders().subtraders] == [sid]
    api.update_fcm_event_contract_daily_cap(subtrader_id=sid, limit="50")
    cap = api.get_fcm_event_contract_daily_cap(subtrader_id=sid)
    assert cap.limit == "50.0000" and cap.cap_date
    sub = _bound_key(strict, fcm, sid, tmp_path)
    m, category = _market(fcm)
    sub.place_order(
        m["ticker"], "bid", m["yes_ask_dollars"], "1", time_in_force="immediate_or_cancel"
    )
    sub.place_order(m["ticker"], "bid", "0.01", "1", client_order_id="rest-1")
    assert len(api.get_fcm_orders(subtrader_id=sid).orders) == 2
    assert len(api.get_fcm_orders(client_order_ids="rest-1").orders) == 1
    assert api.get_fcm_positions(subtrader_id=sid).market_positions
    assert api.get_fcm_fills().fills[0].taker_subtrader_id == sid
    blocked = api.update_fcm_subtrader_blocked_categories(
        subtrader_id=sid, category=category, blocked=True
    )
    assert blocked.categories == [category]
    got = api.get_fcm_subtrader_blocked_categories(subtrader_id=sid)
    assert got.categories == [category]
    moved = api.create_fcm_position_transfer(
        source_subtrader_id=sid,
        target_subtrader_id=f"{name}_ERR",
        market_ticker=m["ticker"],
        position_centicount=100,
        price_centicents=0,
    )
    assert moved.position_transfer_id
    api.delete_fcm_event_contract_daily_cap(subtrader_id=sid)


def test_control_plane_adds_an_fcm_member(strict):
    from sandbox.control.client import ControlClient

    ctl = ControlClient(strict.url)
    out = ctl.add_user(f"c{uuid.uuid4().hex[:6]}", "250", member_type="fcm")
    assert out["member_type"] == "fcm"
    fcm = Api(strict.url, out["api_key_id"], out["private_key_path"])
    created = fcm.call("POST", "/fcm/subtraders", {"subtrader_suffix": "Z9"}, expect=201)
    assert created["subtrader_id"] == f"{out['user_id']}_Z9"
    regular = ctl.add_user(f"c{uuid.uuid4().hex[:6]}", "250")
    assert regular["member_type"] == "regular"
    plain = Api(strict.url, regular["api_key_id"], regular["private_key_path"])
    assert plain.request("GET", "/fcm/subtraders").status_code == 403
    with pytest.raises(Exception, match="member_type"):
        ctl.add_user(f"c{uuid.uuid4().hex[:6]}", "250", member_type="broker")


def test_ctl_cli_adds_an_fcm_member(strict):
    import json

    name = f"cli{uuid.uuid4().hex[:6]}"
    args = ("add-user", name, "--member-type", "fcm", "--balance", "20")
    out = sandbox_cli("ctl", "--url", strict.url, *args)
    assert out.returncode == 0, out.stderr
    user = json.loads(out.stdout)
    assert (user["member_type"], user["balance"]) == ("fcm", "20.00")
    fcm = Api(strict.url, user["api_key_id"], user["private_key_path"])
    assert fcm.get("/fcm/subtraders") == {"subtraders": []}
