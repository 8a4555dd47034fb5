"""Run every benchmark, time every example script, and write docs/benchmarks.md.

    uv run python bench/run.py                 # all of it (about 20 minutes; bench_ws runs 10)
    uv run python bench/run.py --runs 5        # more runs per script (the median is reported)
    uv run python bench/run.py --only 03_      # only some scripts; --no-benches skips bench_*.py
    uv run python bench/run.py --quick         # shorter settings for the slow benchmarks

1. The component benchmarks in bench/ (signing, engine, REST, WebSocket server and client), each
   run as its own process; a missing one is skipped with a note.
2. Every example script against a local exchange (started here, no background activity so runs
   are comparable): its wall time (median of --runs runs, after one warm-up run) beside the floor,
   a bare interpreter importing the same modules the script imports at the top. What is left,
   wall - floor, is the script's own work: requests, lazy imports (the official SDK), waiting.
   The warm-up run also counts the HTTP requests the script sends (at urllib3, so calls made
   through the official SDK count too).

Prints the table with the date and the machine, and writes the same to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auth.fmt import table  # noqa: E402
from run_waves import Script, discover, interrupt, local_exchange, script_env, select  # noqa: E402

BENCHES = (
    "bench_auth.py",
    "bench_engine.py",
    "bench_accounts.py",
    "bench_rest.py",
    "bench_ws.py",
    "bench_ws_client.py",
    "bench_rfq.py",
    "bench_scripts.py",  # each script's wall time against its full import floor (goal: 0.3 s)
    "bench_index_feed.py",
    "bench_web.py",  # skips (exit 0) where there is no Chromium
)
# --quick: shorter settings for the slow ones (bench_ws's memory run lasts 10 minutes by default).
QUICK_ARGS = {
    "bench_ws.py": ("--minutes", "1"),
    "bench_ws_client.py": ("--quick",),
    "bench_scripts.py": ("--runs", "1"),
    "bench_index_feed.py": ("--seconds", "3"),
    "bench_web.py": ("--runs", "3", "--seconds", "5", "--orders", "20"),
}
OUTPUT = ROOT / "docs" / "benchmarks.md"

# Runs a script as `python script.py args` would, and at exit writes the number of HTTP requests
# it sent into $BENCH_REQUESTS_FILE. Counted at urllib3 (under both `requests` and the official
# SDK), because auth.client.stats.requests sees only the raw_* helpers, not SDK calls.
COUNTING = """\
import atexit, os, runpy, sys
import urllib3.connectionpool as pool
sent = 0
urlopen = pool.HTTPConnectionPool.urlopen
def counting(self, *args, **kwargs):
    global sent
    sent += 1
    return urlopen(self, *args, **kwargs)
pool.HTTPConnectionPool.urlopen = counting
def report():
    with open(os.environ["BENCH_REQUESTS_FILE"], "w") as f:
        f.write(str(sent))
atexit.register(report)
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def timed(cmd: list[str], env: dict[str, str], timeout: float = 120) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=timeout)
    return time.perf_counter() - started, proc.returncode


def top_level_imports(path: Path) -> tuple[str, ...]:
    """The modules a script imports at module level (its import floor)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return tuple(sorted(names - {"__future__"}))


def floor_command(path: Path) -> list[str]:
    """A bare interpreter importing what the script imports at the top."""
    code = "; ".join(f"import {m}" for m in top_level_imports(path)) or "pass"
    return [sys.executable, "-c", code]


def bench_script(script: Script, env: dict[str, str], runs: int) -> list[str]:
    path = ROOT / script.path
    with tempfile.NamedTemporaryFile("r", suffix=".count") as count:
        counting_env = {**env, "BENCH_REQUESTS_FILE": count.name}
        _, code = timed([sys.executable, "-c", COUNTING, str(path), *script.args], counting_env)
        requests = count.read().strip() or "?"
    walls, floors = [], []
    for _ in range(runs):  # interleaved, so both see the same machine load
        wall, rc = timed([sys.executable, str(path), *script.args], env)
        walls.append(wall)
        floors.append(timed(floor_command(path), env)[0])
        code = code or rc
    wall, floor = statistics.median(walls), statistics.median(floors)
    status = "ok" if code == 0 else f"exit {code}"
    return [script.path, status, f"{wall:.3f}", f"{floor:.3f}", f"{wall - floor:.3f}", requests]


def run_benches(names: tuple[str, ...], quick: bool) -> list[tuple[str, str]]:
    """(name, output) for each component benchmark; a note for the missing ones."""
    results = []
    for name in names:
        args = QUICK_ARGS.get(name, ()) if quick else ()
        path = ROOT / "bench" / name
        if not path.exists():
            results.append((name, "(not written yet: skipped)"))
            print(f"-- {name}: missing, skipped", flush=True)
            continue
        print(f"-- {shlex.join([name, *args])} ...", flush=True)
        proc = subprocess.run(
            [sys.executable, str(path), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        out = proc.stdout.rstrip()
        if proc.returncode:
            out += f"\n(exit {proc.returncode})\n{proc.stderr.rstrip()[-2000:]}"
        print(out, flush=True)
        results.append((shlex.join([name, *args]), out))
    return results


def machine() -> str:
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()} ({platform.python_implementation()})"
    )


def markdown(when: str, benches: list[tuple[str, str]], scripts: str, runs: int) -> str:
    parts = [
        "# Benchmarks",
        "",
        f"Latest run: {when}, on {machine()}. Regenerate with `uv run python bench/run.py`.",
        "",
    ]
    for name, out in benches:
        parts += [f"## {name}", "", "```", out, "```", ""]
    if scripts:
        parts += [
            "## Example scripts against the local exchange",
            "",
            f"Median wall time of {runs} runs after a warm-up; *floor* = a bare interpreter "
            "importing the script's top-level imports; *own* = wall - floor (requests, lazy "
            "imports such as the official SDK, waiting); *requests* = HTTP requests sent "
            "(streaming scripts run for a fixed time, so their wall time is that time).",
            "",
            "```",
            scripts,
            "```",
            "",
        ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--runs", type=int, default=3, help="timed runs per script (default 3)")
    p.add_argument("--only", action="append", default=[], metavar="PATTERN")
    p.add_argument("--seconds", type=float, default=1, help="streaming scripts run this long")
    p.add_argument("--no-benches", action="store_true", help="skip the bench_*.py files")
    p.add_argument("--quick", action="store_true", help="shorter settings for the slow benches")
    p.add_argument("--no-scripts", action="store_true", help="skip timing the example scripts")
    p.add_argument("--output", type=Path, default=OUTPUT, help=f"default {OUTPUT}")
    args = p.parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # always stop the exchange
        signal.signal(sig, interrupt)

    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(f"Benchmarks, {when}, {machine()}\n", flush=True)
    benches = [] if args.no_benches else run_benches(BENCHES, args.quick)

    text = ""
    scripts = [] if args.no_scripts else select(discover(seconds=args.seconds), only=args.only)
    if scripts:
        rows: list[list[str]] = []
        with (
            tempfile.TemporaryDirectory(prefix="kalshi-bench-") as tmp,
            local_exchange(Path(tmp), 7, ["--activity-rate", "0"]) as exchange,  # RFQ makers on
        ):
            env = script_env("local", exchange)
            print(f"\n-- example scripts against {exchange.url}", flush=True)
            for script in scripts:
                rows.append(bench_script(script, env, args.runs))
                print("   " + "  ".join(rows[-1]), flush=True)
        headers = ("script", "status", "wall s", "floor s", "own s", "requests")
        text = table(rows, headers, right="2345")
        print("\n" + text)

    args.output.write_text(markdown(when, benches, text, args.runs))
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\nstopped (Ctrl+C); the local exchange was shut down", file=sys.stderr)
        sys.exit(130)
