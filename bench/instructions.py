"""Instructions per engine order operation (valgrind), at HEAD and at a git revision, and the ratio.

    uv run python bench/instructions.py [--rev ec3bc3f] [--ops 1500]

Wall-clock rates swing on a shared machine; instruction counts do not. Each side runs
bench_engine's order loop under `valgrind --tool=cachegrind` twice, for --ops and 3 x --ops
operations (the same seeded plan, so the short run is a prefix of the long one), and the
difference divided by the extra operations is the cost of one operation without interpreter
start-up, imports and setup (each count the smaller of two runs). The revision is checked
out with `git archive` into a temporary directory and run with this checkout's interpreter.
PYTHONHASHSEED is fixed so both runs hash alike. The default revision is the engine before
the core rebuild (issue 11's baseline).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.revision import checkout  # noqa: E402

VALGRIND = shutil.which("valgrind") or "/usr/bin/valgrind"
RUNNER = "import sys; from bench.bench_engine import run_orders; run_orders(int(sys.argv[1]), 0)"


def instructions(tree: Path, ops: int) -> int:
    """Instructions executed by one interpreter running `ops` order operations in `tree`."""
    with tempfile.TemporaryDirectory() as out:
        env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
        proc = subprocess.run(
            [
                VALGRIND,
                "--tool=cachegrind",
                "--cache-sim=no",
                f"--cachegrind-out-file={out}/cg",
                *(sys.executable, "-c", RUNNER, str(ops)),
            ],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
        )
    if proc.returncode != 0:
        sys.exit(f"valgrind failed in {tree}:\n{proc.stderr[-2000:]}")
    match = re.search(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    if match is None:
        sys.exit(f"no instruction count in valgrind's output:\n{proc.stderr[-2000:]}")
    return int(match.group(1).replace(",", ""))


def per_op(tree: Path, ops: int) -> float:
    """Each count is the smaller of two runs, after a plain run that writes the bytecode
    caches: a run that compiles (or races another process rewriting a .pyc) counts more."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    subprocess.run([sys.executable, "-c", RUNNER, "10"], cwd=tree, env=env, check=True)
    long = min(instructions(tree, 3 * ops) for _ in range(2))
    short = min(instructions(tree, ops) for _ in range(2))
    return (long - short) / (2 * ops)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rev", default="ec3bc3f", help="git revision to compare with")
    p.add_argument("--ops", type=int, default=1500, help="operations in the short run")
    args = p.parse_args(argv)
    head = per_op(ROOT, args.ops)
    with tempfile.TemporaryDirectory() as tmp:
        checkout(args.rev, Path(tmp), "sandbox", "bench")
        base = per_op(Path(tmp), args.ops)
    print(f"instructions per order operation ({args.ops}..{3 * args.ops} ops, cachegrind):")
    print(f"  {args.rev:<10} {base:>10,.0f}")
    print(f"  {'HEAD':<10} {head:>10,.0f}  (working tree)")
    print(f"  ratio      {head / base:>10.3f}  (target <= 1.05)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
