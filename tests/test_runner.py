"""The waves runner: script discovery and selection, the one-line results, and end to end against
a local exchange it starts itself (all scripts pass; a failure shows; Ctrl+C leaves nothing)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import run_waves
from run_waves import WAVES, Script, discover, select, summarize
from tests.conftest import ROOT, clean_env

ALL_FOLDERS = [
    "00_quickstart",
    "01_exchange_info",
    "02_market_discovery",
    "03_market_data",
    "04_portfolio",
    "05_orders",
    "06_batch_operations",
    "07_order_groups",
    "08_historical",
    "09_account_management",
    "10_websocket",
    "11_combos_and_rfq",
    "12_subaccounts",
    "13_live_data",
]
# 54 + 09_account_management 04-07, 12_subaccounts 01-06, 11_combos_and_rfq 01-07,
# 10_websocket 07-09
EXPECTED_SCRIPTS = 73


def runner(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the runner; on timeout stop it with SIGINT (not SIGKILL) so it stops its exchange."""
    cmd = [sys.executable, "run_waves.py", *args]
    with subprocess.Popen(
        cmd, cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
            raise AssertionError(f"runner timed out after {timeout} s:\n{out}\n{err}") from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


# ---- discovery and selection (no exchange) ----------------------------------------------------


def test_waves_cover_every_folder_once():
    folders = [f for wave in WAVES.values() for f in wave]
    assert sorted(folders) == ALL_FOLDERS


def test_discover_finds_numbered_scripts_in_wave_order(tmp_path: Path):
    for rel in (
        "10_websocket/01_ws_ticker.py",
        "01_exchange_info/02_b.py",
        "01_exchange_info/01_a.py",
    ):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text("")
    (tmp_path / "01_exchange_info/helper.py").write_text("")  # not NN_*.py: ignored
    found = discover(tmp_path, seconds=2)
    assert [s.path for s in found] == [
        "01_exchange_info/01_a.py",
        "01_exchange_info/02_b.py",
        "10_websocket/01_ws_ticker.py",
    ]
    assert [s.wave for s in found] == [1, 1, 5]
    assert found[2].args == ("--seconds", "2")  # streaming scripts are bounded
    assert found[0].args == ()


def test_stages_keep_a_barrier_only_where_a_wave_needs_the_one_before():
    local = run_waves.stages("local")
    assert sorted(w for stage in local for w in stage) == sorted(WAVES)
    assert local == [(1, 2, 3), (4, 5), (6,)]  # reads; writes beside streams; serial writes
    for stage in local:  # the serial wave always runs alone, after everything else
        assert not set(stage) & run_waves.SERIAL_WAVES or stage == local[-1] == (6,)
    # On demo/prod each wave waits for the one before (your rate limits, your orders).
    assert run_waves.stages("demo") == [(w,) for w in WAVES] == run_waves.stages("prod")


def test_scripts_that_import_the_sdk_start_first():
    sdk = [s for s in discover() if run_waves.uses_sdk(s)]
    assert "04_portfolio/01_get_balance.py" in {s.path for s in sdk}
    assert not run_waves.uses_sdk(Script("02_market_discovery/01_list_series.py", 2))


def test_write_arguments_are_left_out_without_writes():
    path = "10_websocket/04_ws_user_orders.py"
    assert run_waves.extra_args(path, 3) == ("--seconds", "3", "--demo-order")
    assert run_waves.extra_args(path, 3, writes=False) == ("--seconds", "3")


def test_prod_lists_the_writing_wave_as_skipped():
    result = runner("--env", "prod", "--list")
    assert result.returncode == 0
    for line in result.stdout.splitlines():
        if line.startswith(("wave 4", "wave 6")):  # the writing waves
            assert "skipped on prod" in line
        elif line.startswith("wave"):
            assert "skipped" not in line and "--demo-" not in line


def test_select_by_wave_and_pattern():
    scripts = [Script("01_x/01_a.py", 1), Script("05_y/01_b.py", 4), Script("05_y/02_c.py", 4)]
    assert select(scripts, waves=[4]) == scripts[1:]
    assert select(scripts, only=["02_c"]) == [scripts[2]]
    assert select(scripts, only=["05_*/0[12]*"]) == scripts[1:]
    assert select(scripts, waves=[1], only=["05_"]) == []


def test_summary_is_the_result_line():
    out = "[local] Orderbook\n  best bid $0.41\n\nNext: y\nRESULT: 3 levels, best bid $0.41\n"
    assert summarize(out, "", 0) == "3 levels, best bid $0.41"
    err = "[local] x\nRESULT: 2 fills, fees $0.02\n"  # under --json the human view is on stderr
    assert summarize('{"fills": []}', err, 0) == "2 fills, fees $0.02"
    assert summarize("[local] x\ncleanup: 1 order cancelled\n", "", 0) == "(no RESULT line)"
    err = "error: HTTP 404 on GET /markets/X: not_found\n  hint: unknown ticker\n"
    assert summarize("[local] banner\n", err, 1).startswith("error: HTTP 404")
    assert summarize("", "Traceback (most recent call last):\nValueError: boom\n", 1) == (
        "ValueError: boom"
    )
    assert summarize("", "", 3) == "exit 3"


def test_list_shows_every_discovered_script():
    result = runner("--list")
    assert result.returncode == 0, result.stderr
    assert f"{len(discover())} scripts" in result.stdout


def test_report_must_be_md_or_json():
    result = runner("--report", "out.txt")
    assert result.returncode == 2
    assert ".md or .json" in result.stderr


# ---- end to end against a local exchange ------------------------------------------------------


@pytest.mark.timeout(900)
def test_every_script_passes_and_the_table_lists_all(tmp_path: Path):
    report = tmp_path / "waves.json"
    result = runner("--report", str(report), "--seconds", "3", timeout=840)
    data = json.loads(report.read_text())
    rows = data["results"]
    failed = [f"{r['script']}: {r['result']}" for r in rows if r["status"] != "pass"]
    assert not failed, "\n".join(failed) + "\n" + result.stdout[-3000:]
    assert result.returncode == 0
    assert len(rows) == EXPECTED_SCRIPTS
    assert len({r["script"] for r in rows}) == EXPECTED_SCRIPTS
    assert [r["wave"] for r in rows] == sorted(r["wave"] for r in rows)
    for row in rows:  # the table: script, wave, status, seconds, one-line result
        assert row["script"] in result.stdout
    results = [r["result"] for r in rows]
    assert "(no RESULT line)" not in results
    assert len(set(results)) == len(results), "every script's RESULT says something of its own"
    logs = Path(data["logs"])
    assert f"full output of every script: {logs}/" in result.stdout
    for row in rows:  # every table the scripts print fits 100 columns (its rule line is as wide)
        log = Path(row["log"]).read_text()
        assert log.startswith(f"$ {row['script']}")
        rules = [line for line in log.splitlines() if re.fullmatch(r"-+( +-+)+", line)]
        assert all(len(rule) <= 100 for rule in rules), (row["script"], max(map(len, rules)))


FAULT_RECIPE = "--fault-http-429-rate 0.1 --fault-ws-drop-every 2 --fault-seq-gap-rate 0.2"


@pytest.mark.timeout(900)
def test_the_readme_fault_recipe_passes_every_script(tmp_path: Path):
    assert FAULT_RECIPE in (ROOT / "README.md").read_text()
    report = tmp_path / "faults.json"
    result = runner(
        "--seed", "7", f"--exchange-args={FAULT_RECIPE}", "--report", str(report), timeout=840
    )
    rows = json.loads(report.read_text())["results"]
    failed = [f"{r['script']}: {r['result']}" for r in rows if r["status"] != "pass"]
    assert not failed and result.returncode == 0, "\n".join(failed) + result.stdout[-2000:]


@pytest.mark.timeout(900)
def test_half_the_requests_answered_429_leave_no_order_and_no_group(tmp_path: Path):
    from tests.api import Api
    from tests.conftest import start_exchange

    data_dir = tmp_path / "exchange"
    runner(
        "--wave",
        "4",
        "--seed",
        "7",
        "--data-dir",
        str(data_dir),
        "--exchange-args=--fault-http-429-rate 0.5",
        timeout=840,
    )  # some scripts may fail: what matters is what they leave
    exchange = start_exchange(data_dir, "--no-activity")
    try:
        api = Api.for_demo(exchange)
        resting = api.get("/portfolio/orders", status="resting", limit=200)["orders"]
        groups = api.get("/portfolio/order_groups")["order_groups"]
    finally:
        exchange.stop()
    assert (len(resting), len(groups)) == (0, 0), (resting, groups)


@pytest.mark.timeout(120)
def test_a_failing_script_fails_the_run_and_shows_in_the_table(tmp_path: Path):
    script = "03_market_data/01_get_orderbook.py"  # a bad --ticker makes it answer 404
    report = tmp_path / "waves.md"
    result = runner("--only", script, "--ticker", "NO-SUCH-MARKET", "--report", str(report))
    assert result.returncode == 1, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith(script))
    assert "FAIL" in line and "404" in line, line
    md = report.read_text()
    assert f"| `{script}` | 2 | FAIL |" in md


@pytest.mark.timeout(120)
def test_a_script_over_its_timeout_is_stopped_and_fails():
    result = runner("--only", "01_exchange_info/01_exchange_status", "--timeout", "0.01")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "TIMEOUT" in result.stdout
    assert "no exit after 0.01 s" in result.stdout


def _processes_mentioning(text: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if text.encode() in cmdline:
                pids.append(int(proc.name))
    return pids


@pytest.mark.timeout(120)
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to look for processes")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_run_stops_the_exchange(tmp_path: Path, sig: int):
    data_dir = tmp_path / "exchange-data"
    proc = subprocess.Popen(
        [sys.executable, "run_waves.py", "--data-dir", str(data_dir), "--seconds", "30"],
        cwd=ROOT,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()  # "[local] exchange at http://127.0.0.1:PORT (pid N, ...)"
    assert "exchange at http://127.0.0.1:" in first, first + proc.stdout.read()
    exchange_pid = int(first.split("(pid ")[1].split(",")[0])
    time.sleep(1.0)  # let it get into the scripts
    proc.send_signal(sig)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, rest
    with pytest.raises(ProcessLookupError):
        os.kill(exchange_pid, 0)
    assert _processes_mentioning(str(data_dir)) == []


def test_runner_module_is_importable_for_the_benchmarks():
    assert callable(run_waves.discover)
    assert run_waves.WAVES[1] == ("00_quickstart", "01_exchange_info")


def test_script_benchmark_times_a_script_against_its_import_floor():
    # bench/bench_scripts.py: one script, one run; the figures themselves are not asserted.
    run = subprocess.run(
        [sys.executable, "bench/bench_scripts.py", "--only", "01_exchange_status", "--runs", "1"],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    row = next(line for line in run.stdout.splitlines() if "01_exchange_status" in line)
    assert row.split()[1] == "ok"  # the script passed against the bench's exchange
    assert "scripts within 0.3 s of their import floor; over: median" in run.stdout
    assert "worst" in run.stdout


def test_benchmark_runner_times_a_script_and_writes_its_report(tmp_path: Path):
    # bench/run.py without the component benches: one script, one run, the report written.
    out = tmp_path / "benchmarks.md"
    cmd = ["bench/run.py", "--no-benches", "--only", "01_exchange_status", "--runs", "1"]
    run = subprocess.run(
        [sys.executable, *cmd, "--output", str(out)],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    report = out.read_text()
    assert "01_exchange_info/01_exchange_status.py" in report and " ok " in report
