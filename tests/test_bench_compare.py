"""bench/compare.py (this tree against another revision, paired blocks) runs end to end on tiny
settings, and a revision that does not exist is one line and a non-zero exit. No timing is
asserted."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, clean_env


def compare(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "bench/compare.py", *args],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_compare_runs_both_exchanges_and_prints_paired_ratios():
    out = compare("--base", "HEAD", "--blocks", "1", "--pairs", "8", "--fills", "3")
    assert out.returncode == 0, out.stderr
    assert "HEAD against HEAD, 1 paired blocks" in out.stdout
    for line in ("sequential           server CPU", "async, 4 in flight   requests/s"):
        assert line in out.stdout
    assert "REST fill -> WS fill" in out.stdout
    assert out.stdout.count("  ratio ") == 5  # (a number, or n/a for a 0-tick block)


def test_compare_refuses_an_unknown_revision_in_one_line():
    out = compare("--base", "no-such-revision")
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "git archive no-such-revision failed: fatal: not a valid object name: no-such-revision"
    ]
