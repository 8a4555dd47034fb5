"""This tree's local exchange against another revision's, on the same machine at the same time.

    uv run python bench/compare.py --base ec3bc3f [--blocks 8] [--pairs 400] [--fills 100]

Why: this machine's speed swings by up to 2x within minutes, so a figure measured now cannot be
compared with one written to docs/benchmarks.md yesterday, nor even with one measured five
minutes ago. Here both exchanges run side by side (the base revision from `git archive`, both on
this interpreter and these packages) and the client alternates short blocks between them, first
one then the other; each block's figure is divided by its partner's, and the median of those
paired ratios is reported (a burst of load hits both halves of a pair alike).

Per block, against each server (`--no-activity`, Prestige tier, seed 7):
  sequential  signed create + cancel pairs, one `requests.Session`: server CPU per request
              (from /proc) and requests/s
  async       the same with 4 requests in flight (aiohttp)
  fill        an IOC bid crossing a resting ask (a second user's): REST send -> the `fill` message
              on the requester's WebSocket, median per block
A ratio above 1 means this tree spends more (CPU, latency) or serves more (req/s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from auth.signing import Signer  # noqa: E402
from bench.bench_index_feed import free_port  # noqa: E402
from bench.bench_rest import cpu_seconds, signer_from_env  # noqa: E402
from bench.revision import checkout  # noqa: E402

API = "/trade-api/v2"
ORDERS = API + "/portfolio/events/orders"
WS_PATH = "/trade-api/ws/v2"


class Server:
    """`python -m sandbox` of one tree (started the way every revision supports: a fixed port,
    ready when /exchange/status answers), its demo user, and a maker with a resting ask."""

    def __init__(self, label: str, tree: Path, data_dir: Path):
        self.label, self.tree, self.data_dir = label, tree, data_dir
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, "PYTHONPATH": str(tree)}
        args = ["--port", str(port), "--data-dir", str(data_dir), "--no-activity"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sandbox", *args, "--tier", "prestige", "--seed", "7"],
            cwd=tree,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.session = requests.Session()
        try:
            self._prepare(data_dir)
        except BaseException:  # never leave the server running behind a failed start
            self.stop()
            raise

    def _prepare(self, data_dir: Path) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                self.session.get(self.url + API + "/exchange/status", timeout=1)
                break
            except requests.ConnectionError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"{self.label}: the local exchange did not start")
                time.sleep(0.05)
        self.demo = signer_from_env((data_dir / "credentials.env").read_text())
        self.maker = signer_from_env(self._cli("add-user", "maker", "--data-dir", str(data_dir)))
        markets = self.get("/markets?status=open&limit=200")["markets"]
        self.ticker = next(
            m["ticker"] for m in markets if m["price_level_structure"] == "linear_cent"
        )
        self.resting = self.order("bid", "0.0100", "1", "good_till_canceled", "maker")
        self.ioc = self.order("bid", "0.9900", "1", "immediate_or_cancel", "taker_at_cross")
        ask = self.order("ask", "0.9900", "50000", "good_till_canceled", "maker")
        self.send(self.maker, "POST", ORDERS, ask, 201)

    def _cli(self, *args: str) -> str:
        cmd = [sys.executable, "-m", "sandbox", *args]
        done = subprocess.run(cmd, cwd=self.tree, env=self.env, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{self.label}: sandbox {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def order(self, side: str, price: str, count: str, tif: str, stp: str) -> dict:
        return {
            "ticker": self.ticker,
            "side": side,
            "price": price,
            "count": count,
            "time_in_force": tif,
            "self_trade_prevention_type": stp,
        }

    def get(self, path: str) -> dict:
        return self.session.get(self.url + API + path, timeout=10).json()

    def send(self, who: Signer, method: str, path: str, body: dict | None, status: int) -> dict:
        r = self.session.request(
            method, self.url + path, json=body, headers=who.headers(method, path), timeout=10
        )
        if r.status_code != status:
            sys.exit(f"{self.label}: {method} {path} -> {r.status_code} {r.text[:200]}")
        return r.json()

    def cpu(self) -> float:
        return cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)

    # ---------------------------------------------------------------- the three measurements

    def sequential(self, pairs: int) -> tuple[float, float]:
        """(server CPU ms per request, requests/s) for create+cancel pairs, one at a time."""
        c0, t0 = self.cpu(), time.perf_counter()
        for _ in range(pairs):
            order_id = self.send(self.demo, "POST", ORDERS, self.resting, 201)["order_id"]
            self.send(self.demo, "DELETE", f"{ORDERS}/{order_id}", None, 200)
        return self._rates(2 * pairs, c0, t0)

    def concurrent(self, pairs: int, in_flight: int = 4) -> tuple[float, float]:
        """The same pairs from one aiohttp session, `in_flight` at a time."""

        async def worker(s: aiohttp.ClientSession, n: int) -> None:
            for _ in range(n):
                h = self.demo.headers("POST", ORDERS)
                async with s.post(self.url + ORDERS, json=self.resting, headers=h) as r:
                    order_id = (await r.json())["order_id"]
                path = f"{ORDERS}/{order_id}"
                async with s.delete(self.url + path, headers=self.demo.headers("DELETE", path)):
                    pass

        async def run() -> None:
            connector = aiohttp.TCPConnector(limit=in_flight)
            async with aiohttp.ClientSession(connector=connector) as s:
                await asyncio.gather(*(worker(s, pairs // in_flight) for _ in range(in_flight)))

        c0, t0 = self.cpu(), time.perf_counter()
        asyncio.run(run())
        return self._rates(2 * (pairs // in_flight) * in_flight, c0, t0)

    def fill_latency(self, samples: int) -> float:
        """Median ms from sending a crossing IOC bid to its `fill` message on the WebSocket."""
        import websockets.sync.client as wsc

        url = self.url.replace("http", "ws") + WS_PATH
        took = []
        with wsc.connect(url, additional_headers=self.demo.headers("GET", WS_PATH)) as ws:
            ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}}))
            ws.recv()
            for _ in range(samples):
                t0 = time.perf_counter()
                self.send(self.demo, "POST", ORDERS, self.ioc, 201)
                while json.loads(ws.recv(5))["type"] != "fill":
                    pass
                took.append((time.perf_counter() - t0) * 1000)
        return statistics.median(took)

    def _rates(self, requests_: int, c0: float, t0: float) -> tuple[float, float]:
        cpu, wall = self.cpu() - c0, time.perf_counter() - t0
        return cpu / requests_ * 1000, requests_ / wall


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base", required=True, help="the revision to compare against (git rev)")
    p.add_argument("--blocks", type=int, default=8, help="paired blocks per measurement")
    p.add_argument("--pairs", type=int, default=400, help="create+cancel pairs per block")
    p.add_argument("--fills", type=int, default=100, help="fill-latency samples per block")
    args = p.parse_args(argv)
    if args.blocks < 1 or args.pairs < 4 or args.fills < 1:
        p.error("--blocks and --fills must be at least 1, --pairs at least 4 (one per in flight)")
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        base_tree = checkout(args.base, Path(tmp) / "base")
        servers: list[Server] = []
        try:
            servers.append(Server(args.base, base_tree, Path(tmp) / "base-data"))
            servers.append(Server("HEAD", ROOT, Path(tmp) / "head-data"))
            for s in servers:  # warm-up: first use of every code path, key caches
                s.sequential(50)
                s.fill_latency(10)
            figures: dict[str, list[tuple[tuple[float, float], tuple[float, float]]]] = {}
            for b in range(args.blocks):
                order = servers if b % 2 == 0 else servers[::-1]
                runs = {
                    "sequential": lambda s: s.sequential(args.pairs),
                    "async, 4 in flight": lambda s: s.concurrent(args.pairs),
                    "fill": lambda s: (s.fill_latency(args.fills), 0.0),
                }
                for name, run in runs.items():
                    got = {id(s): run(s) for s in order}
                    base, head = (got[id(s)] for s in servers)
                    figures.setdefault(name, []).append((base, head))
        finally:
            for s in servers:
                s.stop()

    print(
        f"HEAD against {args.base}, {args.blocks} paired blocks (load average "
        f"{load:.2f} before, {os.getloadavg()[0]:.2f} after; ratio = HEAD / {args.base}):"
    )

    def paired(name: str, i: int) -> str:
        rows = figures[name]
        base = statistics.median(b[i] for b, _ in rows)
        head = statistics.median(h[i] for _, h in rows)
        # (A block too short for one CPU clock tick measures 0: no ratio from it.)
        ratios = [h[i] / b[i] for b, h in rows if b[i]]
        ratio = f"{statistics.median(ratios):.3f}" if ratios else "n/a (blocks too short)"
        return f"{base:8.3f} vs {head:8.3f}  ratio {ratio}"

    for name in ("sequential", "async, 4 in flight"):
        print(f"  {name:20} server CPU ms/request {paired(name, 0)}")
        print(f"  {name:20} requests/s            {paired(name, 1)}")
    print(f"  {'REST fill -> WS fill':20} median ms             {paired('fill', 0)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
