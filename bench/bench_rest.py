"""REST throughput of the local exchange: signed create/cancel pairs from one client process.

Starts `python -m sandbox` on a free port (fresh data dir, Prestige tier so the rate limiter is
not what is measured), adds an Ed25519 user next to the RSA `demo` user (`add-user` while the
server runs), then from this one process sends create + cancel pairs, signing every request
(as `auth` does), in three client setups per key type:

  sequential  one `requests.Session`, one request at a time (what a simple script does)
  threads     N threads, one `requests.Session` each (RSA signing releases the GIL)
  async       one asyncio `aiohttp.ClientSession` with C requests in flight

Rounds of the six scenarios are interleaved so a burst of machine load hits all of them alike.
Prints, per scenario, the median over rounds of requests/second and of per-request latency, and
the server's CPU time per request (from /proc: it tells server cost apart from machine load);
then the median time from process start to the ready line and the machine (cores, load).
Client and server share the machine's cores, so the numbers depend on what else runs.

    uv run python bench/bench_rest.py [--rounds 5] [--pairs 500] [--threads 2] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auth.signing import Signer, load_private_key  # noqa: E402
from sandbox.testing import LocalExchange  # noqa: E402

API = "/trade-api/v2"
CREATE = API + "/portfolio/events/orders"
ENV_RE = re.compile(r"^(KALSHI_API_KEY_ID|KALSHI_PRIVATE_KEY_PATH)=(.+)$", re.M)


def start(data_dir: Path, *args: str) -> tuple[LocalExchange, float]:
    """A running exchange and the seconds it took to be ready."""
    t0 = time.perf_counter()
    ex = LocalExchange(*args, data_dir=data_dir).start()
    return ex, time.perf_counter() - t0


def signer_from_env(text: str) -> Signer:
    env = dict(ENV_RE.findall(text))
    return Signer(env["KALSHI_API_KEY_ID"], load_private_key(Path(env["KALSHI_PRIVATE_KEY_PATH"])))


def signer_for(data_dir: Path) -> Signer:
    return signer_from_env((data_dir / "credentials.env").read_text())


def ed25519_signer(data_dir: Path) -> Signer:
    """A second user with an Ed25519 key, added by another process while the server runs."""
    cmd = ["add-user", "bench-ed25519", "--key-type", "ed25519", "--data-dir", str(data_dir)]
    out = subprocess.run(
        [sys.executable, "-m", "sandbox", *cmd],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return signer_from_env(out.stdout)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to tell server cost from machine load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---- client setups: each sends n create+cancel pairs and returns (seconds, latencies)


def _pairs(url: str, signer: Signer, body: dict, n: int, lat: list[float]) -> None:
    """n create+cancel pairs over one keep-alive requests.Session."""
    s = requests.Session()
    for _ in range(n):
        a = time.perf_counter()
        r = s.post(url + CREATE, json=body, headers=signer.headers("POST", CREATE))
        b = time.perf_counter()
        assert r.status_code == 201, r.text
        path = f"{CREATE}/{r.json()['order_id']}"
        r = s.delete(url + path, headers=signer.headers("DELETE", path))
        assert r.status_code == 200, r.text
        lat += [b - a, time.perf_counter() - b]


def run_threads(url: str, signer: Signer, body: dict, n: int, threads: int):
    lat: list[float] = []
    workers = [
        threading.Thread(target=_pairs, args=(url, signer, body, n // threads, lat))
        for _ in range(threads)
    ]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - t0, lat


async def _apairs(s: aiohttp.ClientSession, url: str, signer: Signer, body, n, lat) -> None:
    for _ in range(n):
        a = time.perf_counter()
        async with s.post(url + CREATE, json=body, headers=signer.headers("POST", CREATE)) as r:
            assert r.status == 201, await r.text()
            order_id = (await r.json())["order_id"]
        b = time.perf_counter()
        path = f"{CREATE}/{order_id}"
        async with s.delete(url + path, headers=signer.headers("DELETE", path)) as r:
            assert r.status == 200, await r.text()
            await r.read()
        lat += [b - a, time.perf_counter() - b]


async def _run_async(url: str, signer: Signer, body: dict, n: int, concurrency: int):
    lat: list[float] = []
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as s:
        await _apairs(s, url, signer, body, 2, [])  # open the connections first
        t0 = time.perf_counter()
        await asyncio.gather(
            *(_apairs(s, url, signer, body, n // concurrency, lat) for _ in range(concurrency))
        )
        return time.perf_counter() - t0, lat


def run_async(url: str, signer: Signer, body: dict, n: int, concurrency: int):
    return asyncio.run(_run_async(url, signer, body, n, concurrency))


# ---- driver


class Scenario:
    def __init__(self, label: str, run: Callable[[], tuple[float, list[float]]]):
        self.label = label
        self.run = run
        self.rates: list[float] = []
        self.latencies: list[float] = []
        self.requests = 0
        self.server_cpu = 0.0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--pairs", type=int, default=500, help="create+cancel pairs per round")
    p.add_argument("--threads", type=int, default=2, help="threads of the threaded client")
    p.add_argument("--concurrency", type=int, default=4, help="requests in flight (async)")
    args = p.parse_args()
    load_before = os.getloadavg()

    with tempfile.TemporaryDirectory() as tmp:
        ready = []
        for i in range(3):
            ex, took = start(Path(tmp) / f"s{i}", "--no-activity")
            ready.append(took)
            ex.stop()
        data_dir = Path(tmp) / "bench"
        ex, _ = start(data_dir, "--no-activity", "--tier", "prestige", "--seed", "7")
        url = ex.url
        try:
            signers = {"RSA-2048": signer_for(data_dir), "Ed25519": ed25519_signer(data_dir)}
            markets = requests.get(url + API + "/markets", params={"status": "open", "limit": 200})
            ticker = next(
                m["ticker"]
                for m in markets.json()["markets"]
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
            n, t, c = args.pairs, args.threads, args.concurrency
            scenarios = []
            for name, sg in signers.items():
                scenarios += [
                    Scenario(
                        f"{name:8} sequential (1 thread, requests)",
                        lambda sg=sg: run_threads(url, sg, body, n, 1),
                    ),
                    Scenario(
                        f"{name:8} {t} threads x requests.Session",
                        lambda sg=sg: run_threads(url, sg, body, n, t),
                    ),
                    Scenario(
                        f"{name:8} asyncio aiohttp, {c} in flight",
                        lambda sg=sg: run_async(url, sg, body, n, c),
                    ),
                ]
            # Warm-up: key caches, first use of each code path (and `load_user` of bench-ed25519).
            run_threads(url, signers["RSA-2048"], body, 50, 1)
            run_threads(url, signers["Ed25519"], body, 50, 1)
            for _ in range(args.rounds):
                for sc in scenarios:
                    cpu0 = cpu_seconds(ex.pid)
                    took, lat = sc.run()
                    sc.server_cpu += cpu_seconds(ex.pid) - cpu0
                    sc.requests += len(lat)
                    sc.rates.append(len(lat) / took)
                    sc.latencies.append(statistics.median(lat))
        finally:
            ex.stop()

    print(
        f"signed REST requests/s, create/cancel mix, 1 client process; median of {args.rounds} "
        f"rounds x {2 * args.pairs} requests (rounds interleaved):"
    )
    for sc in scenarios:
        rounds = ", ".join(f"{r:.0f}" for r in sc.rates)
        print(
            f"  {sc.label:46} median {statistics.median(sc.rates):5.0f} req/s "
            f"(rounds {rounds}); latency median {statistics.median(sc.latencies) * 1000:.2f} ms; "
            f"server CPU {sc.server_cpu / sc.requests * 1000:.2f} ms/req"
        )
    total_cpu = sum(sc.server_cpu for sc in scenarios) / sum(sc.requests for sc in scenarios)
    print(
        f"server CPU per request, all scenarios: {total_cpu * 1000:.2f} ms "
        f"(one core could serve about {1 / total_cpu:.0f} requests/s)"
    )
    print(f"start to ready (fresh data dir): median {statistics.median(ready):.2f} s")
    load_after = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} CPUs ({platform.machine()}), Python "
        f"{platform.python_version()}; load average before "
        + "/".join(f"{x:.2f}" for x in load_before)
        + ", after "
        + "/".join(f"{x:.2f}" for x in load_after)
        + " (1/5/15 min); client and server share these CPUs"
    )


if __name__ == "__main__":
    main()
