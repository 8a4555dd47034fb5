"""The path around the scripts: one "Next:" chain through every script, `Run:` lines that work as
written on the local exchange, a RESULT line per script, tables within 100 columns, no traceback
on bad arguments, missing credentials stopping before any request, and nothing left behind."""

from __future__ import annotations

import re
import shlex
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from run_waves import FOLDERS, discover
from tests.api import Api
from tests.conftest import ROOT, Result, clean_env, run_script
from tests.stub_http import Canned, StubServer

SCRIPTS = [
    s.path
    for s in sorted(discover(), key=lambda s: [f for f, _ in FOLDERS].index(s.path.split("/")[0]))
]
NEXT_RE = re.compile(r"Next: uv run python (\S+\.py)")
RUN_RE = re.compile(r"^Run: (.*)$", re.MULTILINE)


def source(script: str) -> str:
    return (ROOT / script).read_text()


# ---- the "Next:" chain (static) ----------------------------------------------------------------


def test_the_next_chain_walks_every_script_once_in_path_order():
    path_order = sorted(SCRIPTS, key=lambda p: ([f for f, _ in FOLDERS].index(p.split("/")[0]), p))
    walked, current = [], path_order[0]
    while current:
        assert current not in walked, f"the chain loops back to {current}: {walked}"
        walked.append(current)
        targets = set(NEXT_RE.findall(source(current)))
        assert len(targets) <= 1, f"{current} names two next scripts: {targets}"
        current = targets.pop() if targets else None
        if current is None:
            assert "That was the last" in source(walked[-1]), f"{walked[-1]} ends the chain"
        else:
            assert (ROOT / current).is_file(), f"{walked[-1]} points at missing {current}"
    assert walked == path_order


# ---- Run: lines --------------------------------------------------------------------------------


def run_line(script: str) -> list[str]:
    """The docstring's Run: line as argv after `uv run python SCRIPT`, optional [..] parts
    dropped; environment assignments before `uv` are returned as KEY=VALUE items first."""
    lines = RUN_RE.findall(source(script))
    assert len(lines) == 1, f"{script}: {len(lines)} Run: lines"
    line = re.sub(r"\[[^\]]*\]", "", lines[0])
    words = shlex.split(line)
    uv = words.index("uv")
    assert words[uv : uv + 4] == ["uv", "run", "python", script], f"{script}: {lines[0]}"
    return words[:uv] + words[uv + 4 :]


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_run_line_runs_this_script(script):
    run_line(script)


def test_run_lines_work_as_written_on_the_local_exchange(exchange):
    def run(script: str) -> tuple[str, Result]:
        words = run_line(script)
        env = dict(exchange.env)
        args = []
        for word in words:
            name, eq, value = word.partition("=")
            if eq and name.isupper() and not args:
                if name != "KALSHI_ENV":  # the test exchange's own URL and data dir win
                    env[name] = value
            else:
                args.append(word)
        return script, run_script(script, *args, env=env, timeout=90)

    with_args = [s for s in SCRIPTS if run_line(s)]
    with ThreadPoolExecutor(4) as pool:
        failed = [f"{s}: {r}" for s, r in pool.map(run, with_args) if r.code != 0]
    assert not failed, "\n\n".join(failed)


# ---- bad input, missing credentials ------------------------------------------------------------

BAD_ARGS = [
    ("05_orders/01_create_order.py", "--price", "abc"),
    ("05_orders/01_create_order.py", "--price", "nan"),
    ("05_orders/01_create_order.py", "--count", "-1"),
    ("06_batch_operations/01_batch_create_orders.py", "--count", "inf"),
    ("03_market_data/01_get_orderbook.py", "--depth", "-3"),
    ("02_market_discovery/05_list_markets.py", "--limit", "0"),
    ("10_websocket/01_ws_ticker.py", "--seconds", "nan"),
    ("08_historical/03_historical_candlesticks.py", "--days", "x"),
]


@pytest.mark.parametrize(("script", "flag", "value"), BAD_ARGS)
def test_bad_numeric_arguments_are_usage_errors_without_traceback(script, flag, value):
    nowhere = "http://127.0.0.1:9"
    env = clean_env(KALSHI_ENV="demo", HTTP_PROXY=nowhere, HTTPS_PROXY=nowhere)
    result = run_script(script, flag, value, env=env)
    assert result.code == 2, str(result)
    assert "Traceback" not in result.err and f"argument {flag}" in result.err


PRIVATE_SDK_SCRIPTS = [
    "04_portfolio/01_get_balance.py",
    "04_portfolio/03_get_fills.py",
    "09_account_management/01_get_api_keys.py",
    "05_orders/01_create_order.py",
    "07_order_groups/01_create_order_group.py",
]


@pytest.mark.parametrize("script", PRIVATE_SDK_SCRIPTS)
def test_missing_credentials_stop_before_any_request(script, tmp_path: Path):
    with StubServer(Canned(body={})) as srv:
        env = clean_env(
            KALSHI_ENV="local", KALSHI_LOCAL_URL=srv.url, KALSHI_SANDBOX_DIR=str(tmp_path)
        )
        result = run_script(script, env=env)
    assert result.code == 2, str(result)
    assert result.err.startswith("configuration error:") and "Traceback" not in result.err
    assert srv.seen == [], [s.path for s in srv.seen]


# ---- what the scripts leave behind -------------------------------------------------------------


def resting_orders_and_groups(api: Api) -> tuple[int, int]:
    orders = api.get("/portfolio/orders", status="resting", limit=200)["orders"]
    groups = api.get("/portfolio/order_groups")["order_groups"]
    return len(orders), len(groups)


def test_batch_create_at_its_documented_maximum_leaves_nothing(exchange):
    api = Api.for_demo(exchange)
    before = resting_orders_and_groups(api)
    result = run_script(
        "06_batch_operations/01_batch_create_orders.py", "--count", "10", env=exchange.env
    )
    assert result.code == 0, str(result)
    assert "RESULT: " in result.out
    assert resting_orders_and_groups(api) == before


def test_quickstart_twice_in_a_row_waits_out_the_balance_bucket(exchange):
    # The balance endpoint has its own bucket (1 call a second): a second run at once meets a
    # 429 on its by-hand request, which the quickstart waits out instead of failing.
    for _ in range(2):
        result = run_script("00_quickstart/01_sign_and_send.py", env=exchange.env)
        assert result.code == 0, str(result)
        assert "RESULT: balance" in result.out
