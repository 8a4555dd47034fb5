"""The `communications` channel's RFQ batch messages: each reaches exactly who the AsyncAPI says
(rfq_batch_created/_deleted every subscriber; rfq_batch_best_quotes and rfq_batch_executed only
the creator; batch_quote_* only the batch quote's maker), child RFQs are never announced on their
own, each child trade still sends quote_executed with rfq_batch_id, and every message validates
against the vendored AsyncAPI."""

from __future__ import annotations

import asyncio

import pytest

from sandbox.engine.communications import HIDDEN_ID
from tests.sandbox.test_engine_helpers import to_index
from tests.sandbox.test_ws_schema import validator_for
from tests.sandbox.ws_helpers import connect, in_process_server
from tests.spec_check import ASYNCAPI

SCHEMAS = {
    "rfq_created": "rfqCreatedPayload",
    "rfq_deleted": "rfqDeletedPayload",
    "quote_executed": "quoteExecutedPayload",
    "rfq_batch_created": "rfqBatchCreatedPayload",
    "rfq_batch_deleted": "rfqBatchDeletedPayload",
    "batch_quote_created": "batchQuoteCreatedPayload",
    "rfq_batch_best_quotes": "rfqBatchBestQuotesPayload",
    "batch_quote_accepted": "batchQuoteAcceptedPayload",
    "rfq_batch_executed": "rfqBatchExecutedPayload",
    "batch_quote_executed": "batchQuoteExecutedPayload",
}
USERS = ("alice", "demo", "carol", "dave")  # requester, two makers, a third party


def round_robin(ex) -> tuple[str, list[dict]]:
    c = ex.get_collection("KXMVESPORTSPARLAY")
    legs = []
    for a in c.associated_events:
        t = next(t for t in ex.events[a["ticker"]].markets if ex.markets[t].status == "active")
        legs.append({"event_ticker": a["ticker"], "market_ticker": t, "side": "yes"})
    legs = legs[:3]
    pairs = [[legs[0], legs[1]], [legs[0], legs[2]], [legs[1], legs[2]]]
    return c.collection_ticker, [{"selected_markets": p} for p in pairs]


def to_index_1(ex) -> None:
    """Combos trade on exchange index 1's cash: the traders preallocate $100 there."""
    for u in ("alice", "demo", "carol"):
        to_index(ex, u, "100")


def bq(ex, user, b, yes):
    entries = [
        {"rfq_id": r, "yes_bid": y, "no_bid": "0.60"} for r, y in zip(b.rfq_ids, yes, strict=True)
    ]
    return ex.create_batch_quote(user, b.batch_id, quotes=entries, rest_remainder=False)


async def scenario() -> tuple[dict[str, list[dict]], dict]:
    runner, url, ex, signers = await in_process_server(users=USERS)
    ex.set_rfq_windows(30_000, 0)  # execute on the last confirmation
    to_index_1(ex)
    collection, children = round_robin(ex)
    try:
        async with (
            connect(url, signers["alice"]) as a,
            connect(url, signers["demo"]) as d,
            connect(url, signers["carol"]) as c,
            connect(url, signers["dave"]) as v,
            connect(url, signers["dave"]) as own,
        ):
            clients = (a, d, c, v, own)
            for client in clients[:4]:
                await client.cmd("subscribe", channels=["communications"])
            await own.cmd("subscribe", channels=["communications"], user_filter="bogus")
            await own.cmd("subscribe", channels=["communications"], user_filter="self")
            await asyncio.gather(*(x.drain(0.2) for x in clients))
            ids_ = {"errors": [m["msg"]["code"] for m in own.seen if m["type"] == "error"]}
            b = ex.create_rfq_batch(
                "alice", children=children, mve_collection_ticker=collection, contracts="2",
                obscure_creator=True, client_batch_id="rr",
            )  # fmt: skip
            q1 = bq(ex, "demo", b, ["0.30", "0.30", "0.20"])
            q2 = bq(ex, "carol", b, ["0.20", "0.20", "0.35"])
            # At most one snapshot per 250 ms: carol's comes at the window's end; wait for it,
            # as a requester would before accepting (an accept first would drop it unsent).
            await a.until(
                lambda m: m["type"] == "rfq_batch_best_quotes" and m["msg"]["version"] == 2
            )
            floors = [{"rfq_id": r, "bid_dollars": "0.01"} for r in b.rfq_ids]
            ex.accept_rfq_batch("alice", b.batch_id, "yes", floors)
            ex.confirm_batch_quote("demo", b.batch_id, q1.batch_quote_id)
            ex.confirm_batch_quote("carol", b.batch_id, q2.batch_quote_id)
            gone = ex.create_rfq_batch(
                "dave", children=children, mve_collection_ticker=collection, contracts="1"
            )
            ex.delete_rfq_batch("dave", gone.batch_id)
            await asyncio.gather(*(x.drain(0.5) for x in clients))
            seen = [x.seen for x in clients]
            ids = {
                **ids_,
                "batch": b.batch_id,
                "rfqs": b.rfq_ids,
                "alice": ex.communications_id("alice"),
                "q1": q1.batch_quote_id,
                "q2": q2.batch_quote_id,
            }
            return dict(zip((*USERS, "dave-self"), seen, strict=True)), ids
    finally:
        await runner.cleanup()


@pytest.fixture(scope="module")
def run():
    return asyncio.run(asyncio.wait_for(scenario(), 60))


def _types(msgs: list[dict]) -> list[str]:
    return [m["type"] for m in msgs if m["type"] in SCHEMAS]


def test_who_receives_what(run):
    seen, _ = run
    assert _types(seen["alice"]) == [
        "rfq_batch_created",
        "rfq_batch_best_quotes",
        "rfq_batch_best_quotes",
        *["quote_executed"] * 3,
        "rfq_batch_executed",
        "rfq_batch_created",
        "rfq_batch_deleted",
    ]
    assert _types(seen["demo"]) == [
        "rfq_batch_created",
        "batch_quote_created",
        "batch_quote_accepted",
        *["quote_executed"] * 2,
        "batch_quote_executed",
        "rfq_batch_created",
        "rfq_batch_deleted",
    ]
    assert _types(seen["carol"]) == [
        "rfq_batch_created",
        "batch_quote_created",
        "batch_quote_accepted",
        "quote_executed",
        "batch_quote_executed",
        "rfq_batch_created",
        "rfq_batch_deleted",
    ]
    # A third party sees batches come and go, nothing else; child RFQs are never announced.
    assert _types(seen["dave"]) == ["rfq_batch_created", "rfq_batch_created", "rfq_batch_deleted"]


def test_user_filter_self_keeps_only_your_own_batches(run):
    seen, ids = run
    assert ids["errors"] == [11]  # user_filter takes "" or "self" only
    assert _types(seen["dave-self"]) == ["rfq_batch_created", "rfq_batch_deleted"]


def test_contents(run):
    seen, ids = run
    created = {u: next(m["msg"] for m in seen[u] if m["type"] == "rfq_batch_created") for u in seen}
    assert created["alice"]["creator_id"] == ids["alice"]
    assert created["dave"]["creator_id"] == HIDDEN_ID
    assert len(created["dave"]["legs"]) == 3
    pairs = [frozenset(r["leg_indices"]) for r in created["dave"]["rfqs"]]
    assert set(pairs) == {frozenset(p) for p in ((0, 1), (0, 2), (1, 2))}  # each leg listed once
    best = [m["msg"] for m in seen["alice"] if m["type"] == "rfq_batch_best_quotes"]
    assert [b["version"] for b in best] == [1, 2]
    assert [r["yes_bid_dollars"] for r in best[-1]["rfqs"]] == ["0.3000", "0.3000", "0.3500"]
    assert best[-1]["client_batch_id"] == "rr" and "demo" not in str(best)
    accepted = next(m["msg"] for m in seen["carol"] if m["type"] == "batch_quote_accepted")
    assert [q["rfq_id"] for q in accepted["quotes"]] == ids["rfqs"][2:]  # only what it won
    assert accepted["rfq_creator_id"] == HIDDEN_ID
    done = next(m["msg"] for m in seen["alice"] if m["type"] == "rfq_batch_executed")
    assert done["executed_rfq_ids"] == ids["rfqs"] and done["close_reason"] == "executed"
    mine = next(m["msg"] for m in seen["demo"] if m["type"] == "batch_quote_executed")
    assert mine["executed_rfq_ids"] == ids["rfqs"][:2] and mine["rfq_creator_id"] == ids["alice"]
    executed = [m["msg"] for m in seen["alice"] if m["type"] == "quote_executed"]
    assert {m["rfq_batch_id"] for m in executed} == {ids["batch"]}


def test_every_message_matches_the_asyncapi(run):
    import yaml

    spec = yaml.safe_load(ASYNCAPI.read_text())
    validators = {k: validator_for(spec, v) for k, v in SCHEMAS.items()}
    seen, _ = run
    checked: set[str] = set()
    for msgs in seen.values():
        for m in msgs:
            if m["type"] in validators:
                errors = [e.message for e in validators[m["type"]].iter_errors(m)]
                assert not errors, (m, errors)
                checked.add(m["type"])
    assert checked >= set(SCHEMAS) - {"rfq_created", "rfq_deleted"}


# ---------------------------------------------------------------- throttle and lapses on the wire


def _best(msgs: list[dict]) -> list[dict]:
    return [m["msg"] for m in msgs if m["type"] == "rfq_batch_best_quotes"]


async def best_quotes_scenario() -> dict:
    import aiohttp

    runner, url, ex, signers = await in_process_server(users=USERS)
    to_index_1(ex)
    collection, children = round_robin(ex)
    try:
        async with connect(url, signers["alice"]) as a:
            await a.cmd("subscribe", channels=["communications"])
            await a.drain(0.2)
            b = ex.create_rfq_batch(
                "alice", children=children, mve_collection_ticker=collection, contracts="2"
            )
            # A burst: 20 batch quotes, each a new best bid (run without yielding to the loop).
            for i in range(20):
                bid = f"{0.10 + 0.01 * i:.2f}"
                bq(ex, ("demo", "carol")[i % 2], b, [bid] * 3)
            final = b.version
            await a.until(
                lambda m: m["type"] == "rfq_batch_best_quotes" and m["msg"]["version"] == final
            )
            await a.drain(0.5)  # nothing more comes
            burst = _best(a.seen)
            rest_best = ex.batch_best_quotes("alice", b.batch_id)
            # Advancing the exchange clock lapses every batch quote: a snapshot with no bids.
            async with aiohttp.ClientSession() as http:
                r = await http.post(f"{url}/_sandbox/ctl/clock", json={"advance_seconds": 30.001})
                assert r.status == 200, await r.text()
            lapsed = await a.until(lambda m: m["type"] == "rfq_batch_best_quotes")
            # A snapshot waiting for its window when the batch is accepted is never sent.
            await asyncio.sleep(0.3)  # past the lapse snapshot's window
            bq(ex, "demo", b, ["0.40"] * 3)  # the window is quiet: sent at once
            bq(ex, "carol", b, ["0.45"] * 3)  # waits for the window's end
            floors = [{"rfq_id": r, "bid_dollars": "0.01"} for r in b.rfq_ids]
            ex.accept_rfq_batch("alice", b.batch_id, "yes", floors)
            await a.drain(0.6)
            return {
                "burst": burst,
                "final": final,
                "rest_best": [(y.price, n.price) for _, y, n in rest_best],
                "lapsed": lapsed,
                "after": _best(a.seen)[len(burst) + 1 :],
                "version": b.version,
                "all": a.seen,
            }
    finally:
        await runner.cleanup()


@pytest.fixture(scope="module")
def best_run():
    return asyncio.run(asyncio.wait_for(best_quotes_scenario(), 60))


def test_a_burst_of_batch_quotes_sends_two_snapshots_the_last_one_final(best_run):
    burst = best_run["burst"]
    assert best_run["final"] == 20
    assert [m["version"] for m in burst] == [1, 20]  # at once, then the latest at 250 ms
    last = burst[-1]
    assert [r["yes_bid_dollars"] for r in last["rfqs"]] == ["0.2900"] * 3
    assert [(r["yes_bid_dollars"], r["no_bid_dollars"]) for r in last["rfqs"]] == [
        (f"{y:.4f}", f"{n:.4f}") for y, n in best_run["rest_best"]
    ]  # what REST best_quotes answers


def test_a_lapse_sends_a_snapshot_after_the_clock_advances(best_run):
    lapsed = best_run["lapsed"]["msg"]
    assert lapsed["version"] == 21
    assert not lapsed["yes_complete"] and not lapsed["no_complete"]
    assert all("yes_bid_dollars" not in r and "no_bid_dollars" not in r for r in lapsed["rfqs"])


def test_no_snapshot_after_the_batch_is_accepted(best_run):
    after = best_run["after"]
    assert [m["version"] for m in after] == [22]  # 23 waited and was dropped by the accept
    assert best_run["version"] == 23
    versions = [m["version"] for m in _best(best_run["all"])]
    assert versions == sorted(set(versions))  # strictly increasing


def test_best_quotes_messages_match_the_asyncapi(best_run):
    import yaml

    spec = yaml.safe_load(ASYNCAPI.read_text())
    check = validator_for(spec, SCHEMAS["rfq_batch_best_quotes"])
    msgs = [m for m in best_run["all"] if m["type"] == "rfq_batch_best_quotes"]
    assert len(msgs) == 4
    for m in msgs:
        assert not [e.message for e in check.iter_errors(m)], m
