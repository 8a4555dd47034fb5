"""RFQ batches over real HTTP: a round robin of parlays requested in one call, two makers' batch
quotes, the best quotes (makers unnamed), all-or-none accept, both confirmations, execution, with
every side's money checked to the cent against an independent computation; the error answers;
every response against the OpenAPI schema. The official SDK (3.34.0) has no RFQ batch models
(the operations are `x-excluded` from it), so the child RFQs and quotes inside the responses are
parsed with its strict `RFQ` / `Quote` models instead."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest

from sandbox.engine.communications import HIDDEN_ID
from tests.api import Api
from tests.conftest import start_exchange
from tests.sandbox.test_http_rfq import fee  # the same independent fee computation
from tests.sandbox.test_http_sdk import _openapi_validator

D = Decimal
COLLECTION = "KXMVESPORTSPARLAY"
BASE = "/communications/rfq_batches"


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    ex = start_exchange(
        tmp_path_factory.mktemp("rfqbatch"),
        "--seed", "7", "--no-activity", "--strict-spec", "--tier", "prestige",
        "--rfq-timers", "30,0",
    )  # fmt: skip
    yield ex
    ex.stop()


@pytest.fixture(scope="module")
def users(strict) -> tuple[Api, Api, Api, Api]:
    out = []
    for prefix in "rmns":
        name = f"{prefix}{uuid.uuid4().hex[:6]}"
        api = Api.for_new_user(strict, name)
        api.name = name  # type: ignore[attr-defined]
        api.to_index(100)
        out.append(api)
    return tuple(out)  # type: ignore[return-value]


def round_robin(api: Api) -> list[dict]:
    """Every 2-leg parlay of three open legs of the sports parlay collection (as children)."""
    c = api.get(f"/multivariate_event_collections/{COLLECTION}")["multivariate_contract"]
    legs = []
    for a in c["associated_events"]:
        markets = api.get("/markets", event_ticker=a["ticker"], status="open")["markets"]
        if markets:
            t = markets[0]["ticker"]
            legs.append({"event_ticker": a["ticker"], "market_ticker": t, "side": "yes"})
        if len(legs) == 3:
            break
    assert len(legs) == 3
    pairs = [[legs[0], legs[1]], [legs[0], legs[2]], [legs[1], legs[2]]]
    return [{"selected_markets": p} for p in pairs]


def cash(api: Api) -> D:
    return D(api.get("/portfolio/balance")["balance"]) / 100


def ok(r, status: int = 200):
    assert r.status_code == status, r.text
    return r.json() if r.content else None


def quote_body(rfq_ids: list[str], yes: list[str], no: str) -> dict:
    entries = [{"rfq_id": r, "yes_bid": y, "no_bid": no} for r, y in zip(rfq_ids, yes, strict=True)]
    return {"quotes": entries, "rest_remainder": False}


def test_round_robin_to_the_cent(strict, users):
    requester, maker1, maker2, stranger = users
    validate = _openapi_validator()
    body = {
        "children": round_robin(requester),
        "mve_collection_ticker": COLLECTION,
        "contracts_fp": "4.00",
        "client_batch_id": "rr-1",
    }
    created = ok(requester.request("POST", BASE, body), 201)
    validate("POST", BASE, 201, created)
    batch = created["rfq_batch"]
    bid, rfq_ids = batch["id"], [r["id"] for r in batch["rfqs"]]
    assert batch["status"] == "open" and batch["client_batch_id"] == "rr-1"
    seen = ok(stranger.request("GET", f"{BASE}/{bid}"))
    validate("GET", BASE + "/{rfq_batch_id}", 200, seen)
    assert "client_batch_id" not in seen["rfq_batch"] and "updated_ts" not in seen["rfq_batch"]
    listed = ok(maker1.request("GET", BASE, status="open"))
    validate("GET", BASE, 200, listed)
    assert bid in [b["id"] for b in listed["rfq_batches"]]
    # Two makers: maker1 best on children 0 and 1 (tie on 0 -> earlier), maker2 on child 2.
    r = maker1.request("POST", f"{BASE}/{bid}/quotes", quote_body(rfq_ids, ["0.30"] * 3, "0.65"))
    q1 = ok(r, 201)
    validate("POST", BASE + "/{rfq_batch_id}/quotes", 201, q1)
    r = maker2.request(
        "POST", f"{BASE}/{bid}/quotes", quote_body(rfq_ids, ["0.30", "0.25", "0.35"], "0.60")
    )
    q2 = ok(r, 201)
    best = ok(requester.request("GET", f"{BASE}/{bid}/best_quotes"))
    validate("GET", BASE + "/{rfq_batch_id}/best_quotes", 200, best)
    rows = best["best_quotes"]["rfqs"]
    assert [x["yes_bid_dollars"] for x in rows] == ["0.3000", "0.3000", "0.3500"]
    assert best["best_quotes"]["yes_complete"] and best["best_quotes"]["no_complete"]
    assert "creator_id" not in str(best)  # makers are not identified
    assert maker1.request("GET", f"{BASE}/{bid}/best_quotes").status_code == 403
    assert ok(requester.request("GET", f"{BASE}/{bid}/quotes"))["batch_quotes"] == []
    mine = ok(maker1.request("GET", f"{BASE}/{bid}/quotes"))
    validate("GET", BASE + "/{rfq_batch_id}/quotes", 200, mine)
    assert [x["id"] for x in mine["batch_quotes"]] == [q1["id"]]
    before = {u.name: cash(u) for u in (requester, maker1, maker2)}
    min_bids = [{"rfq_id": x["rfq_id"], "bid_dollars": x["yes_bid_dollars"]} for x in rows]
    accept = {"accepted_side": "yes", "min_bids": min_bids}
    accepted = ok(requester.request("PUT", f"{BASE}/{bid}/accept", accept))
    validate("PUT", BASE + "/{rfq_batch_id}/accept", 200, accepted)
    assert [q["yes_bid_dollars"] for q in accepted["quotes"]] == ["0.3000", "0.3000", "0.3500"]
    wrong = requester.request("PUT", f"{BASE}/{bid}/quotes/{q1['id']}/confirm", {})
    assert wrong.status_code == 403  # confirm by a non-quoter
    ok(maker1.request("PUT", f"{BASE}/{bid}/quotes/{q1['id']}/confirm", {}), 204)
    assert ok(requester.request("GET", f"{BASE}/{bid}"))["rfq_batch"]["status"] == "accepted"
    ok(maker2.request("PUT", f"{BASE}/{bid}/quotes/{q2['id']}/confirm", {}), 204)
    done = ok(requester.request("GET", f"{BASE}/{bid}"))["rfq_batch"]
    assert done["status"] == "closed" and done["close_reason"] == "executed"
    won = ok(requester.request("GET", f"{BASE}/{bid}/quotes"))
    validate("GET", BASE + "/{rfq_batch_id}/quotes", 200, won)
    by_maker = {x["id"]: [q["rfq_id"] for q in x["quotes"]] for x in won["batch_quotes"]}
    assert by_maker == {q1["id"]: rfq_ids[:2], q2["id"]: rfq_ids[2:]}
    # Money, independently: 4 contracts per child; taker 0.07, combo maker 0.035, x multiplier.
    series = requester.get(f"/series/{COLLECTION}")["series"]
    mult = D(str(series["fee_multiplier"]))
    n, taker, maker = D(4), D("0.07") * mult, D("0.035") * mult
    prices = [D("0.30"), D("0.30"), D("0.35")]
    assert cash(requester) == before[requester.name] - sum(n * p + fee(taker, n, p) for p in prices)
    assert cash(maker1) == before[maker1.name] - sum(
        n * (1 - p) + fee(maker, n, p) for p in prices[:2]
    )
    assert cash(maker2) == before[maker2.name] - (n * (1 - prices[2]) + fee(maker, n, prices[2]))
    positions = requester.get("/portfolio/positions")["market_positions"]
    held = {p["ticker"]: D(p["position_fp"]) for p in positions}
    for child in done["rfqs"]:
        assert held[child["market_ticker"]] == n
    # The SDK's strict models parse the children and the quotes.
    k = pytest.importorskip("kalshi_python_sync")
    from kalshi_python_sync.models.quote import Quote
    from kalshi_python_sync.models.rfq import RFQ

    del k
    for child in done["rfqs"]:
        assert RFQ.from_dict(child).status == "closed"
    for q in accepted["quotes"] + [q for x in won["batch_quotes"] for q in x["quotes"]]:
        assert Quote.from_dict(q).id


def test_error_answers(users):
    requester, maker1, maker2, stranger = users
    children = round_robin(requester)
    base = {"children": children, "mve_collection_ticker": COLLECTION, "contracts_fp": "1.00"}
    assert requester.request("POST", BASE, {**base, "children": children[:1]}).status_code == 400
    r = requester.request("POST", BASE, {**base, "rest_remainder": True})
    assert r.status_code == 400
    r = requester.request("POST", BASE, {**base, "subtrader_id": "x"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "rfq_batch_unavailable"
    assert requester.request("GET", f"{BASE}/not-a-uuid").status_code == 400
    assert requester.request("GET", f"{BASE}/{uuid.uuid4()}").status_code == 404
    b = ok(requester.request("POST", BASE, {**base, "obscure_creator_id": True}), 201)
    bid, rfq_ids = b["rfq_batch"]["id"], [x["id"] for x in b["rfq_batch"]["rfqs"]]
    assert ok(stranger.request("GET", f"{BASE}/{bid}"))["rfq_batch"]["creator_id"] == HIDDEN_ID
    own = requester.request("POST", f"{BASE}/{bid}/quotes", quote_body(rfq_ids, ["0.3"] * 3, "0.6"))
    assert own.status_code == 400 and own.json()["error"]["code"] == "self_quote"
    partial = quote_body(rfq_ids[:2], ["0.3"] * 2, "0.6")
    assert maker1.request("POST", f"{BASE}/{bid}/quotes", partial).status_code == 400
    q = ok(
        maker1.request("POST", f"{BASE}/{bid}/quotes", quote_body(rfq_ids, ["0.3"] * 3, "0")), 201
    )
    floors = [{"rfq_id": r, "bid_dollars": "0.30"} for r in rfq_ids]
    r = maker1.request("PUT", f"{BASE}/{bid}/accept", {"accepted_side": "yes", "min_bids": floors})
    assert r.status_code == 403  # accept by a non-requester
    r = requester.request(
        "PUT", f"{BASE}/{bid}/accept", {"accepted_side": "no", "min_bids": floors}
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "rfq_batch_incomplete"
    high = [{"rfq_id": r, "bid_dollars": "0.31"} for r in rfq_ids]
    r = requester.request("PUT", f"{BASE}/{bid}/accept", {"accepted_side": "yes", "min_bids": high})
    assert r.status_code == 409 and r.json()["error"]["code"] == "rfq_batch_quotes_changed"
    assert maker2.request("DELETE", f"{BASE}/{bid}/quotes/{q['id']}").status_code == 404
    assert ok(maker1.request("DELETE", f"{BASE}/{bid}/quotes/{q['id']}"), 204) is None
    assert stranger.request("DELETE", f"{BASE}/{bid}").status_code == 404
    assert ok(requester.request("DELETE", f"{BASE}/{bid}"), 204) is None
    gone = ok(requester.request("GET", f"{BASE}/{bid}"))["rfq_batch"]
    assert gone["status"] == "closed" and gone["close_reason"] == "cancelled"
    none = ok(requester.request("GET", f"{BASE}/{bid}/best_quotes"))["best_quotes"]
    assert none["rfqs"][0].keys() == {"rfq_id", "market_ticker"}  # a closed batch has none


def test_listing_pages_by_batches_and_children(users):
    requester = users[0]
    children = round_robin(requester)
    base = {"children": children, "mve_collection_ticker": COLLECTION, "contracts_fp": "1.00"}
    made = [ok(requester.request("POST", BASE, {**base, "replace_existing": True}), 201)]
    made.append(ok(requester.request("POST", BASE, {**base, "replace_existing": True}), 201))
    page = ok(requester.request("GET", BASE, user_filter="self", limit=1))
    assert len(page["rfq_batches"]) == 1 and page["cursor"]
    rest = ok(requester.request("GET", BASE, user_filter="self", limit=20, cursor=page["cursor"]))
    first_ids = [b["id"] for b in page["rfq_batches"] + rest["rfq_batches"]]
    assert first_ids[0] == made[-1]["rfq_batch"]["id"]  # most recently updated first
    assert len(first_ids) == len(set(first_ids))
    assert requester.request("GET", BASE, cursor="garbage").status_code == 400


@pytest.fixture(scope="module")
def with_makers(tmp_path_factory):
    ex = start_exchange(
        tmp_path_factory.mktemp("batchmakers"),
        "--seed", "7", "--activity-rate", "0", "--rfq-timers", "5,0.2",
    )  # fmt: skip
    yield ex
    ex.stop()


def test_a_lone_user_fills_a_batch_from_the_simulated_makers(with_makers):
    me = Api.for_new_user(with_makers, f"lone{uuid.uuid4().hex[:6]}")
    me.to_index(100)
    body = {
        "children": round_robin(me),
        "mve_collection_ticker": COLLECTION,
        "contracts_fp": "2.00",
    }
    bid = ok(me.request("POST", BASE, body), 201)["rfq_batch"]["id"]
    best: dict = {}
    deadline = time.monotonic() + 10
    while not best.get("yes_complete") and time.monotonic() < deadline:
        time.sleep(0.1)
        best = me.get(f"{BASE}/{bid}/best_quotes")["best_quotes"]
    assert best["yes_complete"], "the makers quote every child within a second or two"
    min_bids = [{"rfq_id": x["rfq_id"], "bid_dollars": x["yes_bid_dollars"]} for x in best["rfqs"]]
    me.call("PUT", f"{BASE}/{bid}/accept", {"accepted_side": "yes", "min_bids": min_bids})
    batch: dict = {}
    deadline = time.monotonic() + 10
    while batch.get("status") != "closed" and time.monotonic() < deadline:
        time.sleep(0.1)
        batch = me.get(f"{BASE}/{bid}")["rfq_batch"]
    assert batch["close_reason"] == "executed"
    positions = me.get("/portfolio/positions")["market_positions"]
    held = {p["ticker"]: D(p["position_fp"]) for p in positions}
    assert all(held[r["market_ticker"]] == 2 for r in batch["rfqs"])


def test_the_batch_quote_flow_is_in_the_write_bucket_at_the_default_cost(users):
    """Kalshi's rate-limit docs put the RFQ quote flow in the Write bucket; no non-default cost
    is published for the (still hidden) batch operations, so /account/endpoint_costs lists none."""
    from sandbox.http.ratelimit import DEFAULT_COST, cost, lane

    writes = [
        ("POST", BASE),
        ("DELETE", BASE + "/{rfq_batch_id}"),
        ("PUT", BASE + "/{rfq_batch_id}/accept"),
        ("POST", BASE + "/{rfq_batch_id}/quotes"),
        ("DELETE", BASE + "/{rfq_batch_id}/quotes/{batch_quote_id}"),
        ("PUT", BASE + "/{rfq_batch_id}/quotes/{batch_quote_id}/confirm"),
    ]
    assert {lane(m, p) for m, p in writes} == {"write"}
    assert {cost(m, p) for m, p in writes} == {DEFAULT_COST}
    assert lane("GET", BASE + "/{rfq_batch_id}/best_quotes") == "read"
    listed = users[0].get("/account/endpoint_costs")["endpoint_costs"]
    assert not [c for c in listed if "rfq_batches" in c["path"]]


def test_batch_operations_are_charged_the_default_cost_in_their_buckets():
    """Each batch operation takes 10 tokens per request (not per child: "Other endpoints cost 10
    tokens per request (not per item) unless noted on their own page", Kalshi's Batch Create
    Orders (V2) reference), writes from the Write bucket, reads from the Read bucket. On a frozen
    limiter clock (no refill) a Basic user's Write bucket (100) takes exactly 10 of them."""
    import asyncio

    import aiohttp

    from sandbox.http.ratelimit import API_PREFIX
    from sandbox.http.routing import LIMITER
    from tests.sandbox.ws_helpers import in_process_server

    async def scenario() -> tuple[list[int], list[int]]:
        runner, url, _, signers = await in_process_server(users=("alice",))
        runner.app[LIMITER].clock = lambda: 0.0
        batch, bq = str(uuid.uuid4()), str(uuid.uuid4())
        writes = [
            ("POST", BASE),
            ("DELETE", f"{BASE}/{batch}"),
            ("PUT", f"{BASE}/{batch}/accept"),
            ("POST", f"{BASE}/{batch}/quotes"),
            ("DELETE", f"{BASE}/{batch}/quotes/{bq}"),
            ("PUT", f"{BASE}/{batch}/quotes/{bq}/confirm"),
        ]
        reads = [f"{BASE}/{batch}", f"{BASE}/{batch}/best_quotes", f"{BASE}/{batch}/quotes", BASE]
        try:
            async with aiohttp.ClientSession() as http:

                async def call(method: str, path: str) -> int:
                    full = API_PREFIX + path
                    headers = signers["alice"].headers(method, full)
                    body = None if method in ("GET", "DELETE") else {}
                    async with http.request(method, url + full, json=body, headers=headers) as r:
                        return r.status

                w = [await call(*writes[i % len(writes)]) for i in range(11)]
                r = [await call("GET", reads[i % len(reads)]) for i in range(41)]
                return w, r
        finally:
            await runner.cleanup()

    writes, reads = asyncio.run(scenario())
    assert 429 not in writes[:10] and writes[10] == 429  # 10 x 10 tokens = the Write bucket
    assert 429 not in reads[:40] and reads[40] == 429  # the Read bucket (400) is its own
