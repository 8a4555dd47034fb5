"""A script's wall time against its import floor, for every example script (goal: within 0.3 s).

    uv run python bench/bench_scripts.py                 # every script, median of 3 runs
    uv run python bench/bench_scripts.py --only 05_orders --runs 5

The *floor* is a bare interpreter importing every module the script ends up importing, the lazy
ones included (the official SDK via auth.sdk, websockets): what no script can go below. *over* =
wall - floor is what the script adds: its requests, the exchange's answers, its own work. The
scripts run against a fresh local exchange (no simulated trading, but the simulated RFQ makers
the RFQ scripts need; streams bounded by --seconds), one at a time, each timed run interleaved
with a floor run so both see the same load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auth.fmt import table  # noqa: E402
from run_waves import LocalExchange, discover, script_env, select  # noqa: E402

GOAL = 0.3  # seconds over the import floor

# Runs a script as `python script.py args` would and, at exit, writes the modules it imported
# from the project (auth.*) and from site-packages (top-level names) to $BENCH_MODULES_FILE.
RECORD = """\
import atexit, os, runpy, sys
def record():
    names = set()
    for name, module in list(sys.modules.items()):
        where = getattr(module, "__file__", None) or ""
        if name == "auth" or name.startswith("auth."):
            names.add(name)
        elif "site-packages" in where and "." not in name:
            names.add(name)
    with open(os.environ["BENCH_MODULES_FILE"], "w") as f:
        f.write("\\n".join(sorted(names)))
atexit.register(record)
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=120)
    return time.perf_counter() - started, proc.returncode


def imported_modules(path: Path, args: tuple[str, ...], env: dict[str, str]) -> list[str]:
    with tempfile.NamedTemporaryFile("r", suffix=".modules") as out:
        subprocess.run(
            [sys.executable, "-c", RECORD, str(path), *args],
            cwd=ROOT,
            env={**env, "BENCH_MODULES_FILE": out.name},
            capture_output=True,
            timeout=120,
        )
        return [line for line in out.read().splitlines() if line]


def bench(path: str, args: tuple[str, ...], env: dict[str, str], runs: int) -> list[str]:
    modules = imported_modules(ROOT / path, args, env)
    floor_cmd = [sys.executable, "-c", "; ".join(f"import {m}" for m in modules) or "pass"]
    walls, floors, code = [], [], 0
    for _ in range(runs):
        wall, rc = timed([sys.executable, str(ROOT / path), *args], env)
        walls.append(wall)
        floors.append(timed(floor_cmd, env)[0])
        code = code or rc
    wall, floor = statistics.median(walls), statistics.median(floors)
    over = wall - floor
    verdict = "yes" if over <= GOAL else "NO"
    status = "ok" if code == 0 else f"exit {code}"
    return [path, status, f"{wall:.3f}", f"{floor:.3f}", f"{over:+.3f}", verdict]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--runs", type=int, default=3, help="timed runs per script (default 3)")
    p.add_argument("--only", action="append", default=[], metavar="PATTERN")
    p.add_argument("--seconds", type=float, default=1, help="streaming scripts run this long")
    args = p.parse_args(argv)
    scripts = select(discover(seconds=args.seconds), only=args.only)
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-scripts-") as tmp,
        LocalExchange("--seed", "7", "--activity-rate", "0", data_dir=Path(tmp)) as exchange,
    ):
        env = script_env("local", exchange)
        for script in scripts:
            rows.append(bench(script.path, script.args, env, args.runs))
            print("  ".join(rows[-1]), file=sys.stderr, flush=True)
    headers = ("script", "status", "wall s", "floor s", "over s", f"<= {GOAL} s")
    print(table(rows, headers, right="2345"))
    within = sum(r[5] == "yes" for r in rows)
    overs = sorted(float(r[4]) for r in rows)
    print(
        f"\n{within} of {len(rows)} scripts within {GOAL} s of their import floor; "
        f"over: median {statistics.median(overs):+.3f} s, worst {overs[-1]:+.3f} s "
        f"(median of {args.runs} run(s) each)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
