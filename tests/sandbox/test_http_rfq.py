"""The RFQ market over real HTTP: two users through request -> quote -> accept -> confirm ->
execution with money checked to the cent against an independent computation, the error answers,
visibility, rate-limit costs, every response against the OpenAPI schema and the official SDK's
strict models (--strict-spec), and a lone user served by the simulated makers."""

from __future__ import annotations

import time
import uuid
from decimal import ROUND_CEILING, Decimal

import pytest

from sandbox.engine.communications import HIDDEN_ID
from tests.api import API, Api
from tests.conftest import start_exchange
from tests.sandbox.test_http_sdk import _openapi_validator

D = Decimal


def fee(rate: D, count: D, p: D) -> D:
    return (rate * count * p * (1 - p)).quantize(D("0.01"), rounding=ROUND_CEILING)


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    ex = start_exchange(
        tmp_path_factory.mktemp("rfq"),
        "--seed", "7", "--no-activity", "--strict-spec", "--tier", "prestige",
        "--rfq-timers", "30,0",
    )  # fmt: skip
    yield ex
    ex.stop()


@pytest.fixture(scope="module")
def users(strict) -> tuple[Api, Api, Api]:
    """Three new users; `.name` is each one's user id."""
    out = []
    for prefix in "rmx":
        name = f"{prefix}{uuid.uuid4().hex[:6]}"
        api = Api.for_new_user(strict, name)
        api.name = name  # type: ignore[attr-defined]
        out.append(api)
    return tuple(out)  # type: ignore[return-value]


def spread_market(api: Api) -> tuple[dict, D]:
    for m in api.get("/markets", status="open", limit=1000)["markets"]:
        if m["price_level_structure"] != "linear_cent" or m["ticker"].startswith("KXMVE"):
            continue
        bid, ask = D(m["yes_bid_dollars"]), D(m["yes_ask_dollars"])
        if bid > 0 and ask - bid >= D("0.02"):
            return m, bid + D("0.01")
    pytest.skip("no market with a free tick inside the spread")


def cash(api: Api) -> D:
    return D(api.get("/portfolio/balance")["balance"]) / 100


def test_two_users_trade_through_an_rfq_to_the_cent(users):
    requester, maker, _ = users
    validate = _openapi_validator()
    m, price = spread_market(requester)
    series = requester.get(f"/events/{m['event_ticker']}")["event"]["series_ticker"]
    s = requester.get(f"/series/{series}")["series"]
    mult = D(str(s["fee_multiplier"]))
    maker_rate = D("0.0175") if s["fee_type"].startswith("quadratic_with") else D(0)
    before_r, before_m = cash(requester), cash(maker)
    r = requester.request(
        "POST",
        "/communications/rfqs",
        {"market_ticker": m["ticker"], "contracts_fp": "7.00", "rest_remainder": False},
    )
    assert r.status_code == 201, r.text
    validate("POST", "/communications/rfqs", 201, r.json())
    rfq_id = r.json()["id"]
    listed = maker.get("/communications/rfqs", status="open", market_ticker=m["ticker"])
    validate("GET", "/communications/rfqs", 200, listed)
    assert rfq_id in [x["id"] for x in listed["rfqs"]]
    body = {"rfq_id": rfq_id, "yes_bid": str(price), "no_bid": "0.0000", "rest_remainder": False}
    r = maker.request("POST", "/communications/quotes", body)
    assert r.status_code == 201, r.text
    validate("POST", "/communications/quotes", 201, r.json())
    qid = r.json()["id"]
    seen = requester.get(f"/communications/rfqs/{rfq_id}/quotes/{qid}")
    validate("GET", "/communications/rfqs/{rfq_id}/quotes/{quote_id}", 200, seen)
    assert seen["quote"]["yes_bid_dollars"] == f"{price:.4f}"
    assert "creator_user_id" not in seen["quote"]  # the maker's private field
    r = requester.request(
        "PUT", f"/communications/rfqs/{rfq_id}/quotes/{qid}/accept", {"accepted_side": "yes"}
    )
    assert r.status_code == 204, r.text
    r = maker.request("PUT", f"/communications/rfqs/{rfq_id}/quotes/{qid}/confirm", {})
    assert r.status_code == 204, r.text
    q = maker.get(f"/communications/rfqs/{rfq_id}/quotes/{qid}")["quote"]
    assert q["status"] == "executed" and q["accepted_side"] == "yes"
    validate("GET", "/communications/rfqs/{rfq_id}/quotes/{quote_id}", 200, {"quote": q})
    # Money: the requester paid 7 x price + taker fee, the maker 7 x (1 - price) + maker fee
    # (series with maker fees); fills on both sides carry the orders the quote names.
    count = D(7)
    r_fill = requester.get("/portfolio/fills", ticker=m["ticker"])["fills"][0]
    m_fill = maker.get("/portfolio/fills", ticker=m["ticker"])["fills"][0]
    assert (
        r_fill["order_id"]
        == requester.get(f"/communications/quotes/{qid}")["quote"]["rfq_creator_order_id"]
    )
    assert m_fill["order_id"] == q["creator_order_id"]
    assert r_fill["is_taker"] and not m_fill["is_taker"]
    r_fee, m_fee = fee(D("0.07") * mult, count, price), fee(maker_rate * mult, count, price)
    assert (D(r_fill["fee_cost"]), D(m_fill["fee_cost"])) == (r_fee, m_fee)
    assert cash(requester) == before_r - count * price - r_fee
    assert cash(maker) == before_m - count * (1 - price) - m_fee
    pos = {p["ticker"]: p for p in requester.get("/portfolio/positions")["market_positions"]}
    assert D(pos[m["ticker"]]["position_fp"]) == count
    closed = requester.get(f"/communications/rfqs/{rfq_id}")
    validate("GET", "/communications/rfqs/{rfq_id}", 200, closed)
    assert closed["rfq"]["status"] == "closed"


def test_error_answers_and_visibility(users):
    requester, maker, stranger = users
    m, price = spread_market(requester)
    body = {"market_ticker": m["ticker"], "contracts": 2, "rest_remainder": False}
    rfq_id = requester.call("POST", "/communications/rfqs", body)["id"]
    assert requester.request("GET", "/communications/rfqs/not-a-uuid").status_code == 400
    missing = requester.request("GET", f"/communications/rfqs/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    own = requester.request(
        "POST",
        "/communications/quotes",
        {"rfq_id": rfq_id, "yes_bid": str(price), "no_bid": "0", "rest_remainder": False},
    )
    assert own.status_code == 400 and own.json()["error"]["code"] == "self_quote"
    qid = maker.call(
        "POST",
        "/communications/quotes",
        {"rfq_id": rfq_id, "yes_bid": str(price), "no_bid": "0", "rest_remainder": False},
    )["id"]
    # Makers never see each other's quotes; a stranger does not see this one at all.
    assert stranger.request("GET", f"/communications/quotes/{qid}").status_code == 404
    assert qid not in [q["id"] for q in stranger.get("/communications/quotes")["quotes"]]
    wrong = maker.request("PUT", f"/communications/quotes/{qid}/accept", {"accepted_side": "yes"})
    assert wrong.status_code == 403  # accept by a non-requester
    early = maker.request("PUT", f"/communications/quotes/{qid}/confirm")
    assert early.status_code == 400 and early.json()["error"]["code"] == "quote_not_accepted"
    bad_side = requester.request(
        "PUT", f"/communications/quotes/{qid}/accept", {"accepted_side": "maybe"}
    )
    assert bad_side.status_code == 400
    declined = requester.request(
        "PUT", f"/communications/quotes/{qid}/accept", {"accepted_side": "no"}
    )
    assert declined.status_code == 400  # no_bid 0 declines the NO side
    assert maker.request("DELETE", f"/communications/quotes/{qid}").status_code == 204
    assert requester.request("DELETE", f"/communications/rfqs/{rfq_id}").status_code == 204
    gone = maker.request(
        "POST",
        "/communications/quotes",
        {"rfq_id": rfq_id, "yes_bid": str(price), "no_bid": "0", "rest_remainder": False},
    )
    assert gone.status_code == 400 and gone.json()["error"]["code"] == "rfq_closed"
    hidden = requester.call("POST", "/communications/rfqs", {**body, "obscure_creator_id": True})[
        "id"
    ]
    assert maker.get(f"/communications/rfqs/{hidden}")["rfq"]["creator_id"] == HIDDEN_ID
    mine = requester.get(f"/communications/rfqs/{hidden}")["rfq"]
    assert mine["creator_id"] == requester.get("/communications/id")["communications_id"]
    requester.request("DELETE", f"/communications/rfqs/{hidden}")


def test_rate_limit_costs_are_listed(users):
    costs = users[0].get("/account/endpoint_costs")["endpoint_costs"]
    listed = {(c["method"], c["path"]): c["cost"] for c in costs}
    assert listed[("POST", API + "/communications/quotes")] == 2
    assert listed[("DELETE", API + "/communications/rfqs/{rfq_id}/quotes/{quote_id}")] == 2


def test_sdk_strict_models_parse_the_communications_responses(strict, users):
    k = pytest.importorskip("kalshi_python_sync")
    from kalshi_python_sync.api.communications_api import CommunicationsApi

    requester, maker, _ = users
    clients = []
    for api in (requester, maker):
        c = k.KalshiClient(k.Configuration(host=strict.url + API))
        c.kalshi_auth = api.signer
        clients.append(CommunicationsApi(c))
    rq, mk = clients
    m, price = spread_market(requester)
    rfq = rq.create_rfq(market_ticker=m["ticker"], contracts_fp="3.00", rest_remainder=False)
    assert rq.get_rfq(rfq_id=rfq.id).rfq.status == "open"
    assert any(r.id == rfq.id for r in mk.get_rfqs(status="open").rfqs)
    q = mk.create_quote(
        rfq_id=rfq.id, yes_bid=str(price), no_bid=str(1 - price), rest_remainder=False
    )
    assert rq.get_quotes(rfq_id=rfq.id).quotes[0].id == q.id
    rq.accept_rfq_quote(rfq_id=rfq.id, quote_id=q.id, accepted_side="no")
    mk.confirm_rfq_quote(rfq_id=rfq.id, quote_id=q.id)
    got = mk.get_rfq_quote(rfq_id=rfq.id, quote_id=q.id).quote
    assert got.status == "executed" and got.accepted_side == "no"
    assert rq.get_quote(quote_id=q.id).quote.rfq_creator_order_id  # deprecated path still works
    assert mk.get_communications_id().communications_id


@pytest.fixture(scope="module")
def with_makers(tmp_path_factory):
    ex = start_exchange(
        tmp_path_factory.mktemp("makers"),
        "--seed", "7", "--activity-rate", "0", "--rfq-timers", "5,0.2",
    )  # fmt: skip
    yield ex
    ex.stop()


def test_a_lone_user_completes_the_flow_with_the_simulated_makers(with_makers):
    me = Api.for_new_user(with_makers, f"lone{uuid.uuid4().hex[:6]}")
    m, _ = spread_market(me)
    rfq_id = me.call(
        "POST",
        "/communications/rfqs",
        {"market_ticker": m["ticker"], "contracts_fp": "4.00", "rest_remainder": False},
    )["id"]
    quotes: list = []
    deadline = time.monotonic() + 10
    while len(quotes) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
        quotes = me.get("/communications/quotes", rfq_id=rfq_id, status="open")["quotes"]
    assert len(quotes) == 2, "two makers answer within a second or two"
    best = min(quotes, key=lambda q: D(q["yes_bid_dollars"]))
    assert len({q["creator_id"] for q in quotes}) == 2
    me.call(
        "PUT", f"/communications/rfqs/{rfq_id}/quotes/{best['id']}/accept", {"accepted_side": "yes"}
    )
    status = ""
    deadline = time.monotonic() + 10
    while status != "executed" and time.monotonic() < deadline:
        time.sleep(0.1)
        status = me.get(f"/communications/rfqs/{rfq_id}/quotes/{best['id']}")["quote"]["status"]
    assert status == "executed"
    fills = me.get("/portfolio/fills", ticker=m["ticker"])["fills"]
    assert sum(D(f["count_fp"]) for f in fills) == 4


def test_block_trade_proposals_over_http(strict, users):
    validate = _openapi_validator()
    buyer, seller, broker = users
    m, price = spread_market(buyer)
    buyer_name, seller_name = buyer.name, seller.name
    body = {
        "buyer_user_id": buyer_name,
        "seller_user_id": seller_name,
        "market_ticker": m["ticker"],
        "price_centi_cents": int(price * 10_000),
        "centicount": 300,
        "maker_side": "yes",
        "expiration_ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 60)),
    }
    r = broker.request("POST", "/communications/block-trade-proposals", body)
    assert r.status_code == 201, r.text
    validate("POST", "/communications/block-trade-proposals", 201, r.json())
    pid = r.json()["block_trade_proposal_id"]
    seen = seller.get("/communications/block-trade-proposals")
    validate("GET", "/communications/block-trade-proposals", 200, seen)
    mine = next(p for p in seen["block_trade_proposals"] if p["id"] == pid)
    assert mine["buyer_user_id"] == "" and mine["seller_user_id"] == seller_name
    assert mine["price_centi_cents"] == int(price * 10_000) and mine["centicount"] == 300
    path = f"/communications/block-trade-proposals/{pid}/accept"
    assert broker.request("POST", path, {}).status_code == 403  # the broker is not a party
    assert buyer.request("POST", path, {}).status_code == 204
    assert seller.request("POST", path, {"subaccount": 0}).status_code == 204
    done = next(
        p
        for p in buyer.get("/communications/block-trade-proposals")["block_trade_proposals"]
        if p["id"] == pid
    )
    assert done["status"] == "executed" and done["buyer_order_id"]
    bad = {**body, "maker_side": "maybe"}
    assert broker.request("POST", "/communications/block-trade-proposals", bad).status_code == 400
    k = pytest.importorskip("kalshi_python_sync")
    from kalshi_python_sync.api.communications_api import CommunicationsApi

    client = k.KalshiClient(k.Configuration(host=strict.url + API))
    client.kalshi_auth = buyer.signer
    listed = CommunicationsApi(client).get_block_trade_proposals().block_trade_proposals
    assert any(p.id == pid and p.status == "executed" for p in listed)
