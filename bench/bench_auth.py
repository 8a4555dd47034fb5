"""Benchmark of the auth module: signing overhead, key parsing, import cost.

Run: uv run python bench/bench_auth.py [--requests 400]

Reports medians (this machine is small and noisy: no absolute thresholds are asserted here):
- per-request time of a signed vs an unsigned GET against a loopback server (same server work),
- the cost of one signature alone (RSA-2048 PSS and Ed25519),
- how many times the key was parsed for all those requests (must be 1),
- `import auth.client` wall time and whether it pulled in kalshi_python_sync (must not).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.stub_http and tests.conftest when run as a script

from tests.conftest import reset_auth_caches, write_key  # noqa: E402
from tests.stub_http import Canned, StubServer  # noqa: E402


def per_request(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def bench_requests(n: int, kind: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, StubServer(Canned(body={"ok": True})) as srv:
        path, _ = write_key(Path(tmp), kind)
        os.environ.update(
            KALSHI_ENV="local",
            KALSHI_LOCAL_URL=srv.url,
            KALSHI_API_KEY_ID="bench",
            KALSHI_PRIVATE_KEY_PATH=str(path),
        )
        reset_auth_caches()
        from auth import client, signing

        parses = []
        real = signing.load_private_key
        signing.load_private_key = lambda p: parses.append(p) or real(p)
        try:
            client.raw_get("/exchange/status")  # warm the connection
            client.raw_get("/portfolio/balance")  # and the key
            unsigned = per_request(lambda: client.raw_get("/exchange/status"), n)
            signed = per_request(lambda: client.raw_get("/portfolio/balance"), n)
            sign_only = per_request(lambda: signing.signer().headers("GET", "/trade-api/v2/x"), n)
        finally:
            signing.load_private_key = real
        return {
            "unsigned_ms": unsigned,
            "signed_ms": signed,
            "overhead_ms": signed - unsigned,
            "sign_only_ms": sign_only,
            "key_parses": len(parses),
        }


def import_cost(runs: int = 5) -> tuple[float, bool]:
    code = "import sys, auth.client; print('kalshi_python_sync' in sys.modules)"
    times, pulled = [], False
    for _ in range(runs):
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        pulled |= out.stdout.strip() == "True"
    bare = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"])
        bare.append(time.perf_counter() - t0)
    return (statistics.median(times) - statistics.median(bare)) * 1000, pulled


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--requests", type=int, default=400)
    args = p.parse_args()
    print(f"auth benchmark, {args.requests} requests per variant, medians, {os.cpu_count()} CPUs")
    for kind in ("rsa-pkcs8", "ed25519"):
        r = bench_requests(args.requests, kind)
        print(
            f"  {kind:10} unsigned GET {r['unsigned_ms']:.3f} ms"
            f" | signed GET {r['signed_ms']:.3f} ms"
            f" | overhead {r['overhead_ms']:+.3f} ms (goal <= 1 ms)"
            f" | sign alone {r['sign_only_ms']:.3f} ms | key parsed {r['key_parses']}x (goal 1)"
        )
    ms, pulled = import_cost()
    print(f"  import auth.client: {ms:.0f} ms over a bare interpreter; imports the SDK: {pulled}")


if __name__ == "__main__":
    main()
