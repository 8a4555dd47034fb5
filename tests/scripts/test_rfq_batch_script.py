"""End to end: 11_combos_and_rfq/07_rfq_batches.py as a user runs it.

With the simulated makers off, a second user (this test) quotes every child of the batch and
confirms what it wins, so both sides' money is checked to the cent against an independent
computation; with the makers on, a lone user completes the flow. Nothing is left open.
"""

from __future__ import annotations

import re
import threading
import time
from decimal import ROUND_CEILING, Decimal

import pytest

from tests.api import Api
from tests.conftest import clean_env, run_script, start_exchange
from tests.scripts.test_wave_rfq import result, run_ok, user

D = Decimal
SCRIPT = "11_combos_and_rfq/07_rfq_batches.py"
BATCHES = "/communications/rfq_batches"
YES, NO = D("0.30"), D("0.65")


def fee(rate: D, count: D, price: D) -> D:
    return (rate * count * price * (1 - price)).quantize(D("0.01"), rounding=ROUND_CEILING)


@pytest.fixture(scope="module")
def quiet(tmp_path_factory):
    """No simulated makers and no simulated trading: the only maker is the test's user."""
    ex = start_exchange(
        tmp_path_factory.mktemp("batch"), "--seed", "7", "--activity-rate", "0", "--no-rfq-makers"
    )
    yield ex
    ex.stop()


@pytest.fixture(scope="module")
def makers(tmp_path_factory):
    ex = start_exchange(tmp_path_factory.mktemp("batchm"), "--seed", "7", "--activity-rate", "0")
    yield ex
    ex.stop()


def test_help_and_dry_run_work(quiet):
    r = run_script(SCRIPT, "--help", env=clean_env(KALSHI_ENV="local"))
    assert r.code == 0 and "Run: uv run" in r.out, str(r)
    env, api = user(quiet, "d")
    out = run_ok(SCRIPT, "--dry-run", env=env)
    assert "POST" in out and result(out).startswith("RESULT: dry run")
    assert not api.get(BATCHES, user_filter="self")["rfq_batches"]


def maker_loop(maker: Api, requester_id: str, stop: threading.Event, done: list) -> None:
    """The maker's side: quote every child of the requester's open batch, confirm the win."""
    quoted: dict[str, str] = {}
    while not stop.is_set():
        for b in maker.get(BATCHES, status="open")["rfq_batches"]:
            if b["creator_id"] != requester_id or b["id"] in quoted:
                continue
            entries = [
                {"rfq_id": r["id"], "yes_bid": str(YES), "no_bid": str(NO)} for r in b["rfqs"]
            ]
            body = {"quotes": entries, "rest_remainder": False}
            quoted[b["id"]] = maker.call("POST", f"{BATCHES}/{b['id']}/quotes", body)["id"]
        for bid, qid in quoted.items():
            mine = maker.get(f"{BATCHES}/{bid}/quotes")["batch_quotes"]
            if mine and mine[0]["status"] == "accepted":
                maker.call("PUT", f"{BATCHES}/{bid}/quotes/{qid}/confirm", {}, expect=204)
                done.append(mine[0])
        time.sleep(0.1)


def test_two_users_to_the_cent(quiet):
    r_env, requester = user(quiet, "req")
    _, maker = user(quiet, "mkr")
    # The maker (this test) preallocates collateral on index 1, where combos trade; the script
    # moves the requester's itself and moves back what is left.
    maker.to_index(50)
    r_before, m_before = requester.balances(), maker.balances()
    assert m_before[1] == 50
    me = requester.get("/communications/id")["communications_id"]
    stop, done = threading.Event(), []
    t = threading.Thread(target=maker_loop, args=(maker, me, stop, done), daemon=True)
    t.start()
    try:
        out = run_ok(SCRIPT, "--contracts", "3", "--seconds", "5", env=r_env, timeout=120)
    finally:
        stop.set()
        t.join(10)
    line = result(out)
    m = re.search(
        r"RFQ batch of 3 parlays filled: (\S+) contracts for \$(\S+), fees \$(\S+)$", line
    )
    assert m, line
    assert D(m.group(1)) == 9 and D(m.group(2)) == 9 * YES
    series = requester.get("/series/KXMVESPORTSPARLAY")["series"]
    mult = D(str(series["fee_multiplier"]))
    taker, maker_fee = fee(D("0.07") * mult, D(3), YES), fee(D("0.035") * mult, D(3), YES)
    assert D(m.group(3)) == 3 * taker
    # To the cent, per exchange index: the trade is paid on index 1 on both sides.
    assert requester.balances() == (r_before[0] - 3 * (3 * YES + taker), r_before[1])
    assert maker.balances() == (m_before[0], m_before[1] - 3 * (3 * (1 - YES) + maker_fee))
    assert len(done) == 1 and len(done[0]["quotes"]) == 3  # one maker won every child
    positions = requester.get("/portfolio/positions")["market_positions"]
    assert sum(D(p["position_fp"]) for p in positions) == 9
    assert not requester.get(BATCHES, user_filter="self", status="open")["rfq_batches"]


def test_no_quotes_fails_cleanly_and_leaves_nothing_open(quiet):
    env, api = user(quiet, "none")
    r = run_script(SCRIPT, "--seconds", "1", env=env, timeout=60)
    assert r.code == 1 and "no yes bid on every child" in r.out + r.err, str(r)
    assert not api.get(BATCHES, user_filter="self", status="open")["rfq_batches"]


def test_a_lone_user_with_the_simulated_makers(makers):
    env, api = user(makers, "lone")
    before = api.balances()
    out = run_ok(SCRIPT, "--contracts", "2", env=env, timeout=120)
    m = re.search(r"filled: (\S+) contracts for \$(\S+), fees \$(\S+)$", result(out))
    assert m and D(m.group(1)) == 6, out
    assert api.balances() == (before[0] - D(m.group(2)) - D(m.group(3)), before[1])
