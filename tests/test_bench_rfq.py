"""bench/bench_rfq.py runs end to end on tiny settings (it broke once, unnoticed, when combos
moved to exchange index 1 and its requester had no cash there). No timing is asserted."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, clean_env


def test_bench_rfq_completes_its_flows_and_latency_samples():
    out = subprocess.run(
        [sys.executable, "bench/bench_rfq.py", "--flows", "20", "--runs", "1", "--samples", "3"],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr
    assert "engine RFQ flows/s (median of 1 x 20)" in out.stdout
    for client in ("http.client", "requests"):
        assert f"REST accept -> WS quote_executed ({client}), median of 3" in out.stdout
