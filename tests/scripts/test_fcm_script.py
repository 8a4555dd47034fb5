"""End to end: 09_account_management/07_fcm_members.py as an FCM member made with
`add-user --fcm` (the full tour, cleaned up) and as a regular member (a polite 403, exit 0)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.api import Api, add_user
from tests.conftest import run_script, start_exchange

SCRIPT = "09_account_management/07_fcm_members.py"
D = Decimal


@pytest.fixture(scope="module")
def exchange(tmp_path_factory):
    ex = start_exchange(
        tmp_path_factory.mktemp("fcm-script"), "--seed", "7", "--no-activity", "--tier", "prime"
    )
    yield ex
    ex.stop()


def test_the_fcm_tour_as_an_fcm_member(exchange):
    creds = add_user(exchange.data_dir, "fcm", "--fcm")
    fcm = Api.from_env(exchange.url, creds)
    env = {**exchange.env, **creds}
    result = run_script(SCRIPT, env=env)
    assert result.code == 0, str(result)
    out = result.out
    assert "POST /fcm/subtraders -> 201 fcm_EXAMPLE1" in out
    assert "daily cap $5.00" in out
    assert "-> 403 category_blocked" in out and "-> 400 daily_cap_exceeded" in out
    assert "filled 1" in out
    assert "moved to fcm_ERR" in out
    assert "cleanup: daily cap removed" in out and "cleanup: unblocked" in out
    assert "PRIVATE KEY" not in out + result.err
    assert out.rstrip().splitlines()[-1].startswith("RESULT: FCM fcm: subtrader fcm_EXAMPLE1")
    # What the exchange says afterwards: the cap and block are gone, the position moved.
    sid = "fcm_EXAMPLE1"
    r = fcm.request("GET", "/fcm/subtraders/event_contract_daily_cap", subtrader_id=sid)
    assert r.status_code == 404
    assert fcm.get("/fcm/subtraders/blocked_categories", subtrader_id=sid)["categories"] == []
    moved = fcm.get("/fcm/positions", subtrader_id="fcm_ERR")["market_positions"]
    assert [D(p["position_fp"]) for p in moved] == [1]
    source = fcm.get("/fcm/positions", subtrader_id=sid)["market_positions"]
    assert all(D(p["position_fp"]) == 0 for p in source)
    # A second run reuses the subtrader.
    again = run_script(SCRIPT, "--json", env=env)
    assert again.code == 0, str(again)
    assert "using subtrader fcm_EXAMPLE1" in again.err


def test_a_regular_member_is_told_politely(exchange):
    result = run_script(SCRIPT, env=exchange.env)
    assert result.code == 0, str(result)
    assert "RESULT: not an FCM member (403)" in result.out


def test_dry_run_sends_nothing(exchange):
    creds = add_user(exchange.data_dir, "fcm2", "--fcm")
    result = run_script(SCRIPT, "--dry-run", env={**exchange.env, **creds})
    assert result.code == 0, str(result)
    assert "DRY RUN, not sent: POST" in result.out
    assert Api.from_env(exchange.url, creds).get("/fcm/subtraders")["subtraders"] == []
