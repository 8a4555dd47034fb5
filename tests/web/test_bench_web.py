"""bench/bench_web.py is in bench/run.py's list, so it must skip cleanly (exit 0, one line)
where no Chromium is installed."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT, clean_env


def test_bench_web_skips_without_chromium(tmp_path):
    # A PATH with only this Python on it: no chromium to find.
    (tmp_path / "python").symlink_to(sys.executable)
    out = subprocess.run(
        [sys.executable, "bench/bench_web.py", "--runs", "1"],
        cwd=ROOT,
        env=clean_env(PATH=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("skipped: no Chromium")
    assert "Traceback" not in out.stderr


def test_bench_web_is_in_the_bench_list():
    tree = ast.parse((ROOT / "bench" / "run.py").read_text())
    benches = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "BENCHES"
    )
    assert "bench_web.py" in benches
