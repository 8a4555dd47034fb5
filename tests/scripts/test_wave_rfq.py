"""End to end: the combo and RFQ scripts (11_combos_and_rfq) and the two WebSocket scripts of the
RFQ market (10_websocket/07, 08) against local exchanges, as a user runs them.

Two users trade through 04 (maker, --confirm) and 05 (requester) with the simulated makers off,
and both balances are checked to the cent against an independent computation; the other scripts
run with the simulated makers on. Every script leaves nothing open behind.
"""

from __future__ import annotations

import re
import time
import uuid
from decimal import ROUND_CEILING, Decimal

import pytest

from tests.api import Api, add_user
from tests.conftest import clean_env, run_script, start_exchange
from tests.scripts.test_wave5 import Running

D = Decimal
DIR = "11_combos_and_rfq"
SCRIPTS = [
    f"{DIR}/01_list_collections.py",
    f"{DIR}/02_create_combo_market.py",
    f"{DIR}/03_request_quotes.py",
    f"{DIR}/04_quote_an_rfq.py",
    f"{DIR}/05_full_rfq_trade.py",
    f"{DIR}/06_block_trade.py",
    "10_websocket/07_ws_communications.py",
    "10_websocket/08_ws_multivariate_lifecycle.py",
]


def fee(rate: str, count: D, price: D) -> D:
    """Kalshi's fee, independently: round up rate x C x P x (1 - P) to the cent."""
    return (D(rate) * count * price * (1 - price)).quantize(D("0.01"), rounding=ROUND_CEILING)


@pytest.fixture(scope="module")
def makers(tmp_path_factory):
    """An exchange whose simulated makers answer RFQs (no other simulated trading)."""
    ex = start_exchange(tmp_path_factory.mktemp("rfq"), "--seed", "7", "--activity-rate", "0")
    yield ex
    ex.stop()


def user(ex, prefix: str) -> tuple[dict[str, str], Api]:
    creds = add_user(ex.data_dir, f"{prefix}{uuid.uuid4().hex[:6]}")
    env = clean_env(KALSHI_ENV="local", KALSHI_LOCAL_URL=ex.url, **creds)
    return env, Api.from_env(ex.url, creds)


def result(out: str) -> str:
    lines = [line for line in out.splitlines() if line.startswith("RESULT: ")]
    assert len(lines) == 1, out
    return lines[0]


def run_ok(script: str, *args: str, env: dict, timeout: float = 90) -> str:
    r = run_script(script, *args, env=env, timeout=timeout)
    assert r.code == 0, str(r)
    return r.out


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_works_offline(script):
    r = run_script(script, "--help", env=clean_env(KALSHI_ENV="local"))
    assert r.code == 0 and "Run: uv run" in r.out, str(r)


def test_collections_and_a_combo_market(makers):
    env, api = user(makers, "c")
    out = run_ok(f"{DIR}/01_list_collections.py", env=env)
    listed = api.get("/multivariate_event_collections")["multivariate_contracts"]
    assert {c["collection_ticker"] for c in listed} == {"KXMVESPORTSPARLAY", "KXMVECROSSCATEGORY"}
    # The script reads the first one in full; which games it takes depends on the clock.
    first = listed[0]["collection_ticker"]
    one = api.get(f"/multivariate_event_collections/{first}")["multivariate_contract"]
    assert result(out) == (
        f"RESULT: 2 collections, {first} takes {one['size_min']}-{one['size_max']} legs "
        f"from {len(one['associated_events'])} events"
    )
    first = result(run_ok(f"{DIR}/02_create_combo_market.py", env=env))
    second = result(run_ok(f"{DIR}/02_create_combo_market.py", env=env))
    assert first == second  # the same legs: a lookup the second time
    ticker = re.search(r"combo (\S+) with 2 legs", first).group(1)
    market = api.get(f"/markets/{ticker}")["market"]
    assert market["mve_collection_ticker"] == "KXMVESPORTSPARLAY"
    assert ticker in {m["ticker"] for m in api.get("/markets", mve_filter="only")["markets"]}
    dry = run_ok(f"{DIR}/02_create_combo_market.py", "--dry-run", env=env)
    assert "DRY RUN, not sent: POST" in dry


def test_request_quotes_gets_both_makers_and_deletes_the_rfq(makers):
    env, api = user(makers, "r")
    out = run_ok(f"{DIR}/03_request_quotes.py", "--contracts", "4", env=env)
    assert result(out).startswith("RESULT: RFQ for 4 contracts got 2 quote(s), best YES $")
    mine = api.get("/communications/rfqs", user_filter="self")["rfqs"]
    assert len(mine) == 1 and mine[0]["status"] == "closed"  # deleted, nothing left open


def test_full_trade_with_the_simulated_makers(makers):
    env, api = user(makers, "t")
    before = api.balances()
    out = run_ok(f"{DIR}/05_full_rfq_trade.py", "--contracts", "5", env=env)
    line = result(out)
    m = re.search(r"bought 5\.?0* YES of (\S+) at \$(\S+), fee \$(\S+)$", line)
    assert m, line
    ticker, price, shown_fee = m.group(1), D(m.group(2)), D(m.group(3))
    assert shown_fee == fee("0.07", D(5), price)
    # Paid on index 1 (the combo's); what was left there went back to index 0. To the cent.
    assert api.balances() == (before[0] - 5 * price - shown_fee, before[1])
    pos = api.get("/portfolio/positions", ticker=ticker)["market_positions"]
    assert D(pos[0]["position_fp"]) == 5 and pos[0]["exchange_index"] == 1
    fills = api.get("/portfolio/fills", ticker=ticker)["fills"]
    assert [f["exchange_index"] for f in fills] == [1]
    moves = api.get("/portfolio/intra_exchange_instance_transfers")["transfers"]
    assert len(moves) == 2  # to index 1 before the trade, back after it
    assert not api.get("/communications/rfqs", user_filter="self", status="open")["rfqs"]


def test_two_users_trade_through_scripts_04_and_05(exchange):
    """The session exchange runs without simulated makers: the maker is a second user."""
    r_env, requester = user(exchange, "req")
    m_env, maker = user(exchange, "mkr")
    r_before, m_before = requester.balances(), maker.balances()
    buyer = Running(f"{DIR}/05_full_rfq_trade.py", "--contracts", "6", "--seconds", "30", env=r_env)
    buyer.wait_for("RFQ ", timeout=30)
    out = run_ok(f"{DIR}/04_quote_an_rfq.py", "--confirm", "--edge", "0.04", env=m_env)
    assert buyer.finish(90) == 0, buyer.text
    maker_line, buyer_line = result(out), result(buyer.stdout)
    assert maker_line.endswith(", executed"), out
    price = D(re.search(r"at \$(\S+), fee", buyer_line).group(1))
    assert price == D(re.search(r"quoted YES \$(\S+) /", maker_line).group(1))
    # Combos (fee_type quadratic_with_combo_maker_fees): taker 7% and maker half of it, 3.5%, of
    # C x P x (1 - P); one fill each, so each fee is rounded up to the cent.
    count = D(6)
    # Both paid on index 1 and moved the rest back: index 0 carries the cost, index 1 is as before.
    r_cost = count * price + fee("0.07", count, price)
    m_cost = count * (1 - price) + fee("0.035", count, price)
    assert requester.balances() == (r_before[0] - r_cost, r_before[1])
    assert maker.balances() == (m_before[0] - m_cost, m_before[1])
    ticker = re.search(r"of (\S+) at", buyer_line).group(1)
    r_pos = requester.get("/portfolio/positions", ticker=ticker)["market_positions"]
    m_pos = maker.get("/portfolio/positions", ticker=ticker)["market_positions"]
    assert (D(r_pos[0]["position_fp"]), D(m_pos[0]["position_fp"])) == (count, -count)


def test_maker_withdraws_an_unaccepted_quote(exchange):
    r_env, requester = user(exchange, "req")
    m_env, _ = user(exchange, "mkr")
    combo = result(run_ok(f"{DIR}/02_create_combo_market.py", env=r_env)).split()[2]
    body = {"market_ticker": combo, "contracts_fp": "2.00", "rest_remainder": False}
    rfq_id = requester.call("POST", "/communications/rfqs", body)["id"]
    try:
        out = run_ok(f"{DIR}/04_quote_an_rfq.py", "--rfq-id", rfq_id, env=m_env)
        assert result(out).endswith(", withdrawn")
        quotes = requester.get("/communications/quotes", rfq_id=rfq_id)["quotes"]
        assert [q["status"] for q in quotes] == ["cancelled"]
    finally:
        requester.request("DELETE", f"/communications/rfqs/{rfq_id}")


def test_nobody_quotes_without_makers(exchange):
    env, api = user(exchange, "lone")
    out = run_ok(f"{DIR}/03_request_quotes.py", "--seconds", "1", env=env)
    assert result(out) == "RESULT: RFQ for 10 contracts got 0 quote(s), no quote arrived"
    r = run_script(f"{DIR}/05_full_rfq_trade.py", "--seconds", "1", env=env, timeout=60)
    assert r.code == 1 and "no maker quoted" in r.err, str(r)
    assert not api.get("/communications/rfqs", user_filter="self", status="open")["rfqs"]


def test_websocket_scripts_see_the_rfq_market(makers):
    env, _ = user(makers, "w")
    comms = Running("10_websocket/07_ws_communications.py", "--seconds", "12", env=env)
    lifecycle = Running("10_websocket/08_ws_multivariate_lifecycle.py", "--seconds", "12", env=env)
    comms.wait_for("subscribed", timeout=20)
    lifecycle.wait_for("subscribed", timeout=20)
    time.sleep(0.5)
    run_ok(f"{DIR}/02_create_combo_market.py", "--side", "no", "--legs", "3", env=env)
    run_ok(f"{DIR}/05_full_rfq_trade.py", "--contracts", "2", env=env)
    assert comms.finish(60) == 0 and lifecycle.finish(60) == 0
    assert re.search(r"RESULT: \d+ communications message\(s\), 1 executed", comms.stdout)
    assert "combo(s) created" in result(lifecycle.stdout)
    assert "0 combo(s) created" not in result(lifecycle.stdout), lifecycle.text


def test_block_trade_between_two_users(exchange):
    b_name, s_name = f"buyer{uuid.uuid4().hex[:6]}", f"seller{uuid.uuid4().hex[:6]}"
    b_creds, s_creds = add_user(exchange.data_dir, b_name), add_user(exchange.data_dir, s_name)
    b_env = clean_env(KALSHI_ENV="local", KALSHI_LOCAL_URL=exchange.url, **b_creds)
    s_env = clean_env(KALSHI_ENV="local", KALSHI_LOCAL_URL=exchange.url, **s_creds)
    buyer, seller = Api.from_env(exchange.url, b_creds), Api.from_env(exchange.url, s_creds)
    b_before, s_before = buyer.balance(), seller.balance()
    proposer = Running(
        f"{DIR}/06_block_trade.py",
        "--buyer",
        b_name,
        "--seller",
        s_name,
        "--contracts",
        "8",
        "--seconds",
        "30",
        env=b_env,
    )
    proposer.wait_for("--accept ", timeout=30)
    proposal_id = re.search(r"--accept (\S+)", proposer.stdout).group(1)
    out = run_ok(f"{DIR}/06_block_trade.py", "--accept", proposal_id, env=s_env)
    assert result(out).endswith("status executed"), out
    assert proposer.finish(60) == 0, proposer.text
    line = result(proposer.stdout)
    price = D(re.search(r"at \$(\S+): executed$", line).group(1))
    fill_b = buyer.get("/portfolio/fills")["fills"]
    fill_s = seller.get("/portfolio/fills")["fills"]
    assert len(fill_b) == len(fill_s) == 1
    assert not fill_b[0]["is_taker"] and fill_s[0]["is_taker"]  # maker_side yes: buyer rests
    event = buyer.get(f"/markets/{fill_b[0]['ticker']}")["market"]["event_ticker"]
    series = buyer.get(f"/events/{event}")["event"]["series_ticker"]
    s_info = buyer.get(f"/series/{series}")["series"]
    mult = D(str(s_info["fee_multiplier"]))
    maker = "0.0175" if s_info["fee_type"].startswith("quadratic_with") else "0"
    count = D(8)
    maker_fee = fee(str(D(maker) * mult), count, price)
    taker_fee = fee(str(D("0.07") * mult), count, price)
    assert buyer.balance() == b_before - count * price - maker_fee  # to the cent
    assert seller.balance() == s_before - count * (1 - price) - taker_fee
