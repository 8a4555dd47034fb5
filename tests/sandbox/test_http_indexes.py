"""Exchange indexes over HTTP (--strict-spec): intra-exchange transfers and their history,
target balance allocation, `exchange_index` on balance; every response validated against the
vendored OpenAPI and parsed by the official SDK's strict models; restricted keys."""

from __future__ import annotations

import time
import uuid

import pytest
from test_http_accounts import _restricted
from test_http_sdk import _openapi_validator

from tests.api import API, Api
from tests.conftest import start_exchange

EC = "event_contract"
TRANSFER = "/portfolio/intra_exchange_instance_transfer"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    ex = start_exchange(
        tmp_path_factory.mktemp("indexes"),
        *("--seed", "7", "--no-activity", "--strict-spec"),
        *("--tier", "prestige"),  # bursts of balance reads; subaccounts need Advanced or above
    )
    yield ex
    ex.stop()


@pytest.fixture(scope="module")
def validate():
    return _openapi_validator()


def _user(server) -> Api:
    return Api.for_new_user(server, f"x{uuid.uuid4().hex[:8]}")


def _balance(api: Api, **query):
    """GET /portfolio/balance, waiting out its own bucket (5/s, no burst) instead of a 429."""
    while True:
        r = api.request("GET", "/portfolio/balance", **query)
        if r.status_code != 429:
            return r
        time.sleep(0.25)


def _move(api: Api, amount: int, src: int = 0, dst: int = 1, **kw):
    body = {"source": EC, "destination": EC, "amount": amount, **kw}
    body.setdefault("source_exchange_shard", src)
    body.setdefault("destination_exchange_shard", dst)
    return api.request("POST", TRANSFER, body)


def test_transfer_history_and_balance_per_index(server, validate):
    api = _user(server)
    status = api.get("/exchange/status")
    validate("GET", "/exchange/status", 200, status)
    assert [x["exchange_index"] for x in status["exchange_index_statuses"]] == [0, 1]
    start = _balance(api).json()
    validate("GET", "/portfolio/balance", 200, start)
    client_id = str(uuid.uuid4())
    r = _move(api, 1_234_500, client_transfer_id=client_id)  # $123.45
    assert r.status_code == 200, r.text
    validate("POST", TRANSFER, 200, r.json())
    tid = r.json()["transfer_id"]
    assert _move(api, 300, src=1, dst=0).status_code == 200
    whole = _balance(api).json()
    validate("GET", "/portfolio/balance", 200, whole)
    assert whole["balance"] == start["balance"]  # all indexes
    assert whole["balance_breakdown"] == [
        {"exchange_index": 0, "balance": _dollars(start["balance"] - 12_342)},
        {"exchange_index": 1, "balance": "123.4200"},
    ]
    one = _balance(api, exchange_index=1).json()
    validate("GET", "/portfolio/balance", 200, one)
    assert (one["balance"], one["balance_dollars"], one["portfolio_value"]) == (
        12_342,
        "123.4200",
        0,
    )
    assert _balance(api, exchange_index=0).json()["balance"] == start["balance"] - 12_342
    assert _balance(api, exchange_index=2).status_code == 400
    assert _balance(api, exchange_index="x").status_code == 400

    page = api.get("/portfolio/intra_exchange_instance_transfers", limit=1)
    validate("GET", "/portfolio/intra_exchange_instance_transfers", 200, page)
    assert page["transfers"][0]["source_exchange_shard"] == 1 and page["cursor"]
    rest = api.get("/portfolio/intra_exchange_instance_transfers", cursor=page["cursor"])
    assert "cursor" not in rest  # "Omitted when there are no further pages."
    first = rest["transfers"][0]
    assert first == {
        "transfer_id": tid,
        "client_transfer_id": client_id,
        "source": EC,
        "destination": EC,
        "source_exchange_shard": 0,
        "destination_exchange_shard": 1,
        "amount": "123.4500",
        "status": "complete",
        "created_ts": first["created_ts"],
    }
    one_t = api.get(f"/portfolio/intra_exchange_instance_transfers/{tid}")
    validate("GET", "/portfolio/intra_exchange_instance_transfers/{transfer_id}", 200, one_t)
    assert one_t["transfer"] == first
    other = _user(server)
    r = other.request("GET", f"/portfolio/intra_exchange_instance_transfers/{tid}")
    assert r.status_code == 404
    assert (
        api.request("GET", "/portfolio/intra_exchange_instance_transfers", limit=501).status_code
        == 400
    )


def _dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}00"


def test_transfer_errors(server):
    api = _user(server)
    cid = str(uuid.uuid4())
    assert _move(api, 100, client_transfer_id=cid).status_code == 200
    cases = [
        ({"client_transfer_id": cid}, 409),  # a retry is not applied twice
        ({"client_transfer_id": "not-a-uuid"}, 400),
        ({"destination": "margined"}, 400),
        ({"destination_exchange_shard": 7}, 400),
        ({"destination_exchange_shard": "1"}, 400),
        ({"amount": "100"}, 400),
        ({"amount": 150}, 400),  # $0.015
        ({"amount": 10**12}, 400),  # more than the balance
        ({"destination_subaccount": 3}, 404),
        ({"destination_exchange_shard": 0}, 400),  # nothing to move
    ]
    for kw, status in cases:
        r = _move(api, kw.pop("amount", 100), **kw)
        assert r.status_code == status, (kw, r.text)
        assert set(r.json()["error"]) >= {"code", "message"}
    assert api.request("POST", TRANSFER, {"source": EC}).status_code == 400
    assert len(api.get("/portfolio/intra_exchange_instance_transfers")["transfers"]) == 1


def test_same_index_goes_to_the_subaccount_history(server):
    api = _user(server)
    api.call("POST", "/portfolio/subaccounts")
    r = _move(api, 25_000, src=0, dst=0, destination_subaccount=1)
    assert r.status_code == 200, r.text
    history = api.get("/portfolio/subaccounts/transfers")["transfers"]
    assert [(t["transfer_id"], t["amount_cents"]) for t in history] == [
        (r.json()["transfer_id"], 250)
    ]
    assert api.get("/portfolio/intra_exchange_instance_transfers")["transfers"] == []
    # Cross-index into the subaccount, then its balances on both indexes.
    assert _move(api, 10_000, src=0, dst=1, destination_subaccount=1).status_code == 200
    rows = api.get("/portfolio/subaccounts/balances")["subaccount_balances"]
    mine = [(b["subaccount_number"], b["exchange_index"], b["balance"]) for b in rows]
    assert (1, 0, "2.5000") in mine and (1, 1, "1.0000") in mine


def test_target_balance_allocation(server, validate):
    api = _user(server)
    got = api.get("/portfolio/target_balance_allocation")
    validate("GET", "/portfolio/target_balance_allocation", 200, got)
    assert got == {"allocations": [], "resting_margin_reservation": "sum"}
    total = _balance(api).json()["balance"]
    body = {
        "allocations": [{"exchange_index": 0, "percent": 80}, {"exchange_index": 1, "percent": 20}],
        "resting_margin_reservation": "max",
    }
    r = api.request("POST", "/portfolio/target_balance_allocation", body)
    assert r.status_code == 200, r.text
    validate("POST", "/portfolio/target_balance_allocation", 200, r.json())
    got = api.get("/portfolio/target_balance_allocation")
    assert got == body
    assert _balance(api, exchange_index=1).json()["balance"] == total * 20 // 100
    for bad in (
        {"allocations": [{"exchange_index": 0, "percent": 90}]},
        {"allocations": [{"exchange_index": 5, "percent": 100}]},
        {"allocations": [{"exchange_index": 0}]},
        {"allocations": [0]},
        {"allocations": [], "resting_margin_reservation": "all"},
        {},
    ):
        r = api.request("POST", "/portfolio/target_balance_allocation", bad)
        assert r.status_code == 400, (bad, r.text)
    assert api.get("/portfolio/target_balance_allocation") == body
    assert (
        api.request("POST", "/portfolio/target_balance_allocation", {"allocations": []}).status_code
        == 200
    )
    assert api.get("/portfolio/target_balance_allocation")["allocations"] == []


def test_automatic_rebalancing_restores_the_target_split(server):
    # The exchange's rebalancer (activity/rebalancer.py, every few seconds) moves a drifted
    # primary account back to its allocation; it runs even with --no-activity.
    api = _user(server)
    body = {
        "allocations": [{"exchange_index": 0, "percent": 50}, {"exchange_index": 1, "percent": 50}]
    }
    assert api.request("POST", "/portfolio/target_balance_allocation", body).status_code == 200
    half = _balance(api, exchange_index=0).json()["balance"]
    assert _balance(api, exchange_index=1).json()["balance"] == half
    assert _move(api, 10_000).status_code == 200  # $1 from index 0 to 1: off target
    deadline = time.monotonic() + 20
    while _balance(api, exchange_index=0).json()["balance"] != half:
        assert time.monotonic() < deadline, "the split was not rebalanced"
        time.sleep(0.5)
    assert _balance(api, exchange_index=1).json()["balance"] == half


def test_a_restricted_key_moves_only_its_own_subaccount(server):
    api = _user(server)
    api.call("POST", "/portfolio/subaccounts")
    assert _move(api, 20_000, src=0, dst=0, destination_subaccount=1).status_code == 200
    key = _restricted(api, 1)
    r = _move(key, 10_000)  # subaccounts default to the key's
    assert r.status_code == 200, r.text
    assert _move(key, 100, source_subaccount=0).status_code == 403
    assert _move(key, 100, destination_subaccount=0).status_code == 403
    assert _move(api, 100).status_code == 200  # the primary's own transfer
    listed = key.get("/portfolio/intra_exchange_instance_transfers")["transfers"]
    assert len(listed) == 1 and listed[0]["amount"] == "1.0000"
    others = api.get("/portfolio/intra_exchange_instance_transfers")["transfers"]
    theirs = next(t for t in others if t["amount"] == "0.0100")["transfer_id"]
    r = key.request("GET", f"/portfolio/intra_exchange_instance_transfers/{theirs}")
    assert r.status_code == 404
    assert key.request("GET", "/portfolio/target_balance_allocation").status_code == 403
    assert "balance_breakdown" not in _balance(key).json()


def test_sdk_strict_models_parse_the_index_endpoints(server):
    k = pytest.importorskip("kalshi_python_sync")
    api = _user(server)
    sdk = k.KalshiClient(k.Configuration(host=server.url + API))
    sdk.kalshi_auth = api.signer
    made = sdk.intra_exchange_instance_transfer(
        source=EC, destination=EC, amount=5000, destination_exchange_shard=1
    )
    listed = sdk.get_intra_exchange_instance_transfers(limit=10)
    assert [t.transfer_id for t in listed.transfers] == [made.transfer_id]
    one = sdk.get_intra_exchange_instance_transfer(transfer_id=made.transfer_id).transfer
    assert (one.amount, one.status, one.destination_exchange_shard) == ("0.5000", "complete", 1)
    sdk.set_target_balance_allocation(
        allocations=[{"exchange_index": 0, "percent": 100}], resting_margin_reservation="none"
    )
    got = sdk.get_target_balance_allocation()
    assert [(a.exchange_index, a.percent) for a in got.allocations] == [(0, 100)]
    assert got.resting_margin_reservation == "none"
    bal = sdk.get_balance(exchange_index=1)
    assert bal.balance == 0  # rebalanced: 100% on index 0
    assert [b.exchange_index for b in sdk.get_balance().balance_breakdown] == [0, 1]
    status = sdk.get_exchange_status()
    assert [
        (x.exchange_index, x.intra_exchange_transfers_active)
        for x in status.exchange_index_statuses
    ] == [(0, True), (1, True)]
