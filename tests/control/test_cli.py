"""`python -m sandbox ctl ...` against a running exchange: the same actions from a shell."""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal

import pytest

from tests.conftest import sandbox_cli

pytestmark = pytest.mark.kalshi_exchange("--no-activity", in_process=True)


def ctl(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return sandbox_cli("ctl", "--url", url, *args)


def test_ctl_creates_a_market_sets_its_book_and_settles_it(kalshi_exchange, kalshi_user):
    url = kalshi_exchange.url
    for args in (
        ("series", "KXCLI"),
        ("event", "KXCLI-1", "KXCLI"),
        ("market", "KXCLI-1-A", "KXCLI-1"),
    ):
        out = ctl(url, *args)
        assert out.returncode == 0, out.stderr
    out = ctl(url, "book", "KXCLI-1-A", "--yes", "0.41:3", "0.39:2", "--no", "0.50:4")
    assert out.returncode == 0, out.stderr
    assert Decimal(json.loads(out.stdout)["yes_bid_dollars"]) == Decimal("0.41")
    ob = kalshi_user.get("/markets/KXCLI-1-A/orderbook")["orderbook_fp"]
    assert [[Decimal(p), Decimal(c)] for p, c in ob["yes_dollars"]] == [
        [Decimal("0.39"), 2],
        [Decimal("0.41"), 3],
    ]
    out = ctl(url, "price", "KXCLI-1-A", "0.47")
    assert out.returncode == 0, out.stderr
    assert Decimal(
        kalshi_user.get("/markets/KXCLI-1-A")["market"]["last_price_dollars"]
    ) == Decimal("0.47")
    out = ctl(url, "settle", "KXCLI-1-A", "no")
    assert out.returncode == 0, out.stderr
    assert kalshi_user.get("/markets/KXCLI-1-A")["market"]["status"] == "finalized"
    out = ctl(url, "faults", "--http-429-rate", "0.5")
    assert json.loads(out.stdout)["faults"]["http_429_rate"] == 0.5
    out = ctl(url, "add-user", "cli-user", "--balance", "12.34", "--tier", "advanced")
    user = json.loads(out.stdout)
    assert (user["balance"], user["tier"]) == ("12.34", "advanced")
    assert "PRIVATE KEY" not in out.stdout  # a path, never the key


def test_ctl_refusals_are_one_line_with_an_exit_code(kalshi_exchange):
    out = ctl(kalshi_exchange.url, "price", "NOSUCH-1", "0.50")
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
    out = ctl(kalshi_exchange.url, "book", "X", "--yes", "0.5")
    assert out.returncode == 2 and "PRICE:COUNT" in out.stderr
    out = ctl("http://127.0.0.1:1", "state")
    assert out.returncode == 1 and "cannot reach" in out.stderr
