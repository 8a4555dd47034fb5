"""Crash safety of the control plane's reset: kill -9 while a process resets its exchange over
and over (between two seeds) leaves the journal holding exactly one of the two universes, never
a mix. The worker (this file run as a script) runs on a fixed clock, so each seed's universe is
the same every time and the reopened exchange can be compared record for record."""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sandbox.control.reset import reset_engine  # noqa: E402
from sandbox.store import open_exchange  # noqa: E402

NOW = 1_796_000_000_000  # 2026-11-30: the seeded universe needs weeks of index history
SEEDS = (5, 6)


def _clock() -> int:
    return NOW


def _worker(data_dir: Path) -> None:
    """Reset to the seeds in turn until killed."""
    ex = open_exchange(data_dir, seed=SEEDS[0], clock=_clock)
    print("ready", flush=True)
    for seed in itertools.cycle(SEEDS[::-1]):  # the first reset changes the universe
        reset_engine(ex, seed)
        print(f"reset {seed}", flush=True)


def _picture(data_dir: Path) -> tuple[int, dict]:
    from engine_snapshot import memory

    ex = open_exchange(data_dir, clock=_clock)
    try:
        return ex.seed, memory(ex, ordered=False)
    finally:
        ex.close()


@pytest.mark.slow
def test_kill_9_during_resets_leaves_one_whole_universe(tmp_path):
    rng = random.Random(int(os.environ.get("KALSHI_CRASH_SEED", "11")))
    expected = {}
    for seed in SEEDS:  # each universe as a first start writes and a restart reads it
        open_exchange(tmp_path / f"ref-{seed}", seed=seed, clock=_clock).close()
        expected[seed] = _picture(tmp_path / f"ref-{seed}")[1]
    assert expected[5] != expected[6]
    data_dir = tmp_path / "crash"
    for i in range(int(os.environ.get("KALSHI_RESET_CRASH_POINTS", "4"))):
        proc = subprocess.Popen(
            [sys.executable, __file__, str(data_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        # Let 1 or 2 resets finish (timing one: the machine may be busy), then kill at a
        # random moment of the next.
        start = time.monotonic()
        for _ in range(1 + i % 2):
            begun = time.monotonic()
            line = proc.stdout.readline()
            assert line.startswith("reset "), (line, proc.stderr.read() if proc.stderr else "")
        time.sleep(rng.uniform(0, time.monotonic() - begun))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        seed, picture = _picture(data_dir)
        assert seed in SEEDS
        assert picture == expected[seed], f"round {i}: not the seed {seed} universe"
        print(f"kill point {i + 1}: seed {seed} after {time.monotonic() - start:.1f} s")


if __name__ == "__main__":
    _worker(Path(sys.argv[1]))
