"""REST throughput of the local exchange: signed create/cancel pairs from one client process.

Starts `python -m sandbox` on a free port (fresh data dir, Prestige tier so the rate limiter is
not what is measured), then from this one process sends create + cancel pairs over keep-alive
`requests.Session`s (one per thread; 1 thread, then --threads), signing each request with the
parsed key (as `auth` does). Prints the median over rounds of requests/second and of
per-request latency, and the median time from process start to the ready line. The numbers
depend on the machine's load: client and server share its cores.

    uv run python bench/bench_rest.py [--rounds 5] [--pairs 500]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auth.signing import Signer, load_private_key  # noqa: E402

API = "/trade-api/v2"
URL_RE = re.compile(r"http://127\.0\.0\.1:\d+")


def start(data_dir: Path, *args: str) -> tuple[subprocess.Popen, str, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        match = URL_RE.search(line)
        if match:
            return proc, match.group(0), time.perf_counter() - t0
    raise RuntimeError("the exchange did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(10)


def signer_for(data_dir: Path) -> Signer:
    env = dict(
        line.split("=", 1)
        for line in (data_dir / "credentials.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    return Signer(env["KALSHI_API_KEY_ID"], load_private_key(Path(env["KALSHI_PRIVATE_KEY_PATH"])))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to tell server cost from machine load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pairs(url: str, signer: Signer, body: dict, n: int, lat: list[float]) -> None:
    """n create+cancel pairs over one keep-alive session."""
    s = requests.Session()
    create = API + "/portfolio/events/orders"
    for _ in range(n):
        a = time.perf_counter()
        r = s.post(url + create, json=body, headers=signer.headers("POST", create))
        b = time.perf_counter()
        assert r.status_code == 201, r.text
        path = f"{create}/{r.json()['order_id']}"
        r = s.delete(url + path, headers=signer.headers("DELETE", path))
        assert r.status_code == 200, r.text
        lat += [b - a, time.perf_counter() - b]


def run_round(url: str, signer: Signer, body: dict, n: int, threads: int) -> tuple[float, float]:
    """(requests/s, median latency) of n pairs spread over `threads` sessions."""
    lat: list[float] = []
    workers = [
        threading.Thread(target=pairs, args=(url, signer, body, n // threads, lat))
        for _ in range(threads)
    ]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return len(lat) / (time.perf_counter() - t0), statistics.median(lat)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--pairs", type=int, default=500, help="create+cancel pairs per round")
    p.add_argument("--threads", type=int, default=2, help="also measure with N sessions")
    args = p.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        ready = []
        for i in range(3):
            proc, _, took = start(Path(tmp) / f"s{i}", "--no-activity")
            ready.append(took)
            stop(proc)
        data_dir = Path(tmp) / "bench"
        proc, url, _ = start(data_dir, "--no-activity", "--tier", "prestige", "--seed", "7")
        try:
            signer = signer_for(data_dir)
            s = requests.Session()
            markets = s.get(url + API + "/markets", params={"status": "open", "limit": 200}).json()
            ticker = next(
                m["ticker"]
                for m in markets["markets"]
                if m["price_level_structure"] == "linear_cent"
            )
            body = {
                "ticker": ticker,
                "side": "bid",
                "price": "0.0100",
                "count": "1",
                "time_in_force": "good_till_canceled",
                "self_trade_prevention_type": "maker",
            }
            results = {}
            cpu0, sent = cpu_seconds(proc.pid), 0
            for threads in sorted({1, args.threads}):
                rates, latencies = [], []
                for _ in range(args.rounds):
                    rate, lat = run_round(url, signer, body, args.pairs, threads)
                    rates.append(rate)
                    latencies.append(lat)
                    sent += 2 * (args.pairs // threads) * threads
                results[threads] = (rates, latencies)
            server_cpu = (cpu_seconds(proc.pid) - cpu0) / sent
        finally:
            stop(proc)
    for threads, (rates, latencies) in results.items():
        rounds = ", ".join(f"{r:.0f}" for r in rates)
        print(
            f"signed REST requests/s, create/cancel mix, 1 client process, {threads} thread(s): "
            f"median {statistics.median(rates):.0f} (rounds {rounds}); "
            f"latency median {statistics.median(latencies) * 1000:.2f} ms"
        )
    print(
        f"server CPU per request: {server_cpu * 1000:.2f} ms "
        f"(one core could serve about {1 / server_cpu:.0f} requests/s)"
    )
    print(f"start to ready (fresh data dir): median {statistics.median(ready):.2f} s")


if __name__ == "__main__":
    main()
