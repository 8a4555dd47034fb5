"""End to end: the account scripts (09_account_management 03-06, 12_subaccounts) against a local
exchange, in the order the "Next:" path runs them. Money is checked to the cent against the
exchange's own answers, and every script leaves balances, orders and keys as it found them."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from auth.fmt import qty
from tests.api import Api
from tests.conftest import clean_env, run_script, start_exchange

SCRIPTS = [
    "09_account_management/04_funding_history.py",
    "09_account_management/05_usage_tier.py",
    "09_account_management/06_create_delete_api_key.py",
    "09_account_management/07_fcm_members.py",
    "12_subaccounts/01_create_subaccount.py",
    "12_subaccounts/02_trade_in_subaccount.py",
    "12_subaccounts/03_transfer_history.py",
    "12_subaccounts/04_restricted_key.py",
    "12_subaccounts/05_netting.py",
    "12_subaccounts/06_exchange_indexes.py",
]
D = Decimal


@pytest.fixture(scope="module")
def exchange(tmp_path_factory):
    ex = start_exchange(tmp_path_factory.mktemp("accounts"), "--seed", "7", "--no-activity")
    yield ex
    ex.stop()


@pytest.fixture(scope="module")
def api(exchange) -> Api:
    return Api.for_demo(exchange)


def run(exchange, script: str, *args: str, code: int = 0):
    result = run_script(script, *args, env=exchange.env)
    assert result.code == code, str(result)
    assert "Traceback" not in result.err
    return result


def balances(api: Api) -> dict[int, D]:
    rows = api.get("/portfolio/subaccounts/balances")["subaccount_balances"]
    return {b["subaccount_number"]: D(b["balance"]) for b in rows}


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_needs_no_credentials_or_network(script):
    nowhere = "http://127.0.0.1:9"
    env = clean_env(KALSHI_ENV="demo", HTTP_PROXY=nowhere, HTTPS_PROXY=nowhere)
    result = run_script(script, "--help", env=env)
    assert result.code == 0, str(result)
    assert "Run: uv run python " + script in result.out


def test_the_account_scripts_in_order(exchange, api):
    # 03: funding history, reconciled with the seeded $1,000.00.
    out = run(exchange, "09_account_management/04_funding_history.py").out
    assert re.search(r"^net funding\s+\$1000\.00$", out, re.M)
    cash = D(api.get("/portfolio/balance")["balance_dollars"])
    assert re.search(rf"^available balance now\s+\${cash:.4f}$", out, re.M)
    assert "pending deposits, not yet in the balance: $25.00" in out
    assert "RESULT: 5 deposits, 1 withdrawals, net funding $1000.00" in out

    # 12/01 refuses politely while the tier is Basic, before creating anything.
    refused = run(exchange, "12_subaccounts/01_create_subaccount.py", code=2)
    assert "05_usage_tier.py --upgrade" in refused.err
    assert list(balances(api)) == [0]

    # 04: the usage tier, then the upgrade (the seeded demo user has API orders).
    out = run(exchange, "09_account_management/05_usage_tier.py").out
    assert re.search(r"^usage tier\s+basic$", out, re.M)
    progress = api.get("/account/api_usage_level/volume_progress")["volume_progress"][0]
    volume = D(progress["trailing_30d_volume_fp"])
    assert f"trailing 30-day volume {qty(volume)} contracts" in out
    out = run(exchange, "09_account_management/05_usage_tier.py", "--upgrade").out
    assert "usage tier  advanced (was basic)" in out
    assert api.get("/account/limits")["usage_tier"] == "advanced"

    # 05: a key is generated, listed and deleted; no private key in the output.
    keys_before = {k["api_key_id"] for k in api.get("/api_keys")["api_keys"]}
    result = run(exchange, "09_account_management/06_create_delete_api_key.py")
    assert "listed afterwards: no" in result.out and "PRIVATE KEY" not in result.out + result.err
    assert {k["api_key_id"] for k in api.get("/api_keys")["api_keys"]} == keys_before

    # 06: not an FCM member, said politely, exit 0.
    out = run(exchange, "09_account_management/07_fcm_members.py").out
    assert "RESULT: not an FCM member (403)" in out

    # 12/01: creates subaccount 1, funds it with $10.00, moves it back.
    start = balances(api)[0]
    out = run(exchange, "12_subaccounts/01_create_subaccount.py", "--amount", "12.34").out
    assert "POST /portfolio/subaccounts -> subaccount_number 1" in out
    assert re.search(rf"^\s+0\s+\${start - D('12.34'):.4f}", out, re.M)
    assert re.search(r"^\s+1\s+\$12\.3400", out, re.M)
    assert balances(api) == {0: start, 1: D(0)}
    again = run(exchange, "12_subaccounts/01_create_subaccount.py").out  # reuses, no new one
    assert "using 1" in again and list(balances(api)) == [0, 1]

    # 12/02: the bid's hold comes out of subaccount 1 only; everything is undone at the end.
    orders0 = api.get("/portfolio/orders", subaccount=0, status="resting")["orders"]
    out = run(exchange, "12_subaccounts/02_trade_in_subaccount.py", "--count", "7").out
    held = D(re.search(r"subaccount 1: balance \$([\d.]+) \(\$([\d.]+) held", out).group(2))
    price = D(re.search(r"bid 7 YES at \$([\d.]+)", out).group(1))
    assert held == 7 * price  # quadratic fees: makers pay none while resting
    assert "cancel without subaccount -> 404" in out
    assert balances(api) == {0: start, 1: D(0)}
    assert api.get("/portfolio/orders", subaccount=0, status="resting")["orders"] == orders0
    assert api.get("/portfolio/orders", subaccount=1, status="resting")["orders"] == []

    # 12/03: four round trips so far, netting to zero.
    history = api.get("/portfolio/subaccounts/transfers")["transfers"]
    out = run(exchange, "12_subaccounts/03_transfer_history.py", "--limit", "2").out
    assert f"{len(history)} transfer(s), net $0.00" in out and len(history) == 6
    assert history[0]["transfer_id"] in out

    # 12/04: the restricted key sees only subaccount 1 and is deleted afterwards.
    out = run(exchange, "12_subaccounts/04_restricted_key.py").out
    assert "RESULT: restricted key saw subaccount(s) [1]; other subaccount 403, transfer 403" in out
    assert {k["api_key_id"] for k in api.get("/api_keys")["api_keys"]} == keys_before
    assert balances(api) == {0: start, 1: D(0)}

    # 12/05: the same round trip with netting on (0) and off (1): $1.00 per pair stays locked.
    out = run(exchange, "12_subaccounts/05_netting.py").out
    ticker = re.search(r"^(\S+): buying YES", out, re.M).group(1)
    (p0,) = api.get("/portfolio/positions", ticker=ticker, subaccount=0)["market_positions"]
    (p1,) = api.get("/portfolio/positions", ticker=ticker, subaccount=1)["market_positions"]
    fills = api.get("/portfolio/fills", ticker=ticker)["fills"]
    paid = {  # what each account paid for what it bought, and its fees
        s: sum(
            D(f["count_fp"])
            * D(f["yes_price_dollars" if f["book_side"] == "bid" else "no_price_dollars"])
            + D(f["fee_cost"])
            for f in fills
            if f["subaccount_number"] == s
        )
        for s in (0, 1)
    }
    fees1 = sum(D(f["fee_cost"]) for f in fills if f["subaccount_number"] == 1)
    assert (D(p0["position_fp"]), D(p0["market_exposure_dollars"])) == (0, 0)
    assert (D(p1["position_fp"]), D(p1["market_exposure_dollars"])) == (0, paid[1] - fees1)
    # Netting on got $1 back for its pair at once; off, the pair's $1 waits for settlement.
    assert balances(api) == {0: start - (paid[0] - 1) - paid[1], 1: D(0)}
    assert "$1.0000 locked" in out.splitlines()[-1]
    assert api.get("/portfolio/subaccounts/netting")["netting_configs"][1]["enabled"] is True
    start = balances(api)[0]

    # 12/06: $5 to index 1 and back, a 90/10 split and back; the total never moves.
    total = D(api.get("/portfolio/balance")["balance_dollars"])
    out = run(exchange, "12_subaccounts/06_exchange_indexes.py").out
    assert re.search(rf"after the transfer\s+\${start - 5:.4f}\s+\$5\.0000", out)
    tenth = (start / 10).quantize(D("0.01"), rounding="ROUND_DOWN")
    assert re.search(rf"after a 90/10 allocation\s+\${start - tenth:.4f}\s+\${tenth:.4f}", out)
    assert "-> 409: nothing moved twice" in out
    assert api.get("/portfolio/target_balance_allocation")["allocations"] == []
    assert api.get("/portfolio/balance", exchange_index=1)["balance"] == 0
    assert D(api.get("/portfolio/balance")["balance_dollars"]) == total
    history = api.get("/portfolio/intra_exchange_instance_transfers")["transfers"]
    assert [t["amount"] for t in history] == [f"{tenth:.4f}", "5.0000"]  # cleanup, then ours


def test_dry_runs_send_nothing(exchange, api):
    before = api.get("/portfolio/subaccounts/balances")
    for script in (
        "12_subaccounts/01_create_subaccount.py",
        "12_subaccounts/02_trade_in_subaccount.py",
        "12_subaccounts/04_restricted_key.py",
        "12_subaccounts/05_netting.py",
        "12_subaccounts/06_exchange_indexes.py",
        "09_account_management/06_create_delete_api_key.py",
    ):
        out = run(exchange, script, "--dry-run").out
        assert "DRY RUN, not sent" in out
    assert api.get("/portfolio/subaccounts/balances") == before


def test_bad_usage_exits_2_before_any_request(exchange):
    for script, args in (
        ("12_subaccounts/01_create_subaccount.py", ("--amount", "0.001")),
        ("12_subaccounts/02_trade_in_subaccount.py", ("--amount", "-1")),
        ("09_account_management/06_create_delete_api_key.py", ("--keep",)),
        ("12_subaccounts/05_netting.py", ("--count", "0")),
        ("12_subaccounts/06_exchange_indexes.py", ("--split", "101")),
    ):
        result = run(exchange, script, *args, code=2)
        assert result.err.startswith("configuration error:")
