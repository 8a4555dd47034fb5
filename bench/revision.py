"""Another revision's tree, for the benchmarks that compare this checkout with it."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def checkout(rev: str, into: Path, *paths: str) -> Path:
    """`rev` (any git revision of this repository; only `paths` of it, if given) extracted
    under `into` with `git archive`: no second clone, no change to this checkout."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev, *paths], cwd=ROOT, capture_output=True, check=False
    )
    if archive.returncode:
        sys.exit(f"git archive {rev} failed: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return into
