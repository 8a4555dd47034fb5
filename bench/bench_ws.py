"""WebSocket server benchmark: fan-out throughput, fill latency, memory under activity.

    uv run python bench/bench_ws.py [--minutes 10] [--subscribers 50] [--seconds 5] [--rate 600]

1. Fan-out: an in-process server (engine + WS endpoint) with `--subscribers` clients on the trade
   channel (in a separate process, so the clients' parsing does not share the server's CPU).
   The engine makes `--rate` trades a second (a taker's IOC against a deep resting ask); prints
   the messages delivered per second in total, median over the runs.
2. Latency: `python -m sandbox --no-activity` as a subprocess; a second user rests liquidity, the
   demo user sends IOC orders over REST and receives its `fill` over WS. Prints the median of
   (WS receipt - REST send) and of (WS receipt - the fill's engine `ts_ms`).
3. Memory: `python -m sandbox` with default activity for `--minutes` (0 skips), one client
   following ticker + trade + lifecycle; prints the server's RSS after 1 minute (half the run
   when shorter) and at the end, and the SQLite file size.
Targets: >= 20,000 messages/s to 50 subscribers; latency median <= 5 ms; RSS at the end within
20% of RSS at 1 minute and < 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sandbox.testing import LocalExchange  # noqa: E402

WS_PATH = "/trade-api/ws/v2"
D = Decimal


# ---------------------------------------------------------------- clients (own process)


def _client_main(url: str, key_id: str, pem: str, n: int, seconds: float, conn) -> None:
    asyncio.run(_clients(url, key_id, pem, n, seconds, conn))


async def _clients(url, key_id, pem, n, seconds, conn) -> None:
    import websockets
    from cryptography.hazmat.primitives import serialization

    from auth.signing import Signer

    signer = Signer(key_id, serialization.load_pem_private_key(pem.encode(), None))
    counts = [0] * n
    first: list[float] = []
    last = [0.0]

    async def one(i: int, ready: asyncio.Event, go: asyncio.Event):
        headers = signer.headers("GET", WS_PATH)
        async with websockets.connect(
            url + WS_PATH, additional_headers=headers, max_queue=None, compression=None
        ) as ws:
            await ws.send(
                json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["trade"]}})
            )
            await ws.recv()
            ready.set()
            async for raw in ws:
                if raw[10:15] == "trade" or '"trade"' in raw[:20]:
                    now = time.perf_counter()
                    if not first:
                        first.append(now)
                    counts[i] += 1
                    last[0] = now

    readies = [asyncio.Event() for _ in range(n)]
    go = asyncio.Event()
    tasks = [asyncio.create_task(one(i, readies[i], go)) for i in range(n)]
    await asyncio.gather(*(r.wait() for r in readies))
    conn.send("ready")
    await asyncio.sleep(seconds + 2)
    conn.send((sum(counts), (last[0] - first[0]) if first else 0.0, min(counts), max(counts)))
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


# ---------------------------------------------------------------- 1. fan-out


async def _fanout_once(subscribers: int, seconds: float, rate: int) -> tuple[float, str]:
    from aiohttp import web

    from sandbox.build import build
    from sandbox.http.config import Config
    from sandbox.http.protocol import Runner

    built = build(Config(data_dir=None, seed=1, activity=False))  # in memory, like before
    ex, keys = built.exchange, built.keys
    for u in ("bench-maker", "bench-taker", "bench-reader"):
        ex.add_user(u, D("100000000"))
    key, pem = keys.generate("bench-reader", "bench", "ed25519", ("read", "write"))
    runner = Runner(built.app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"ws://127.0.0.1:{runner.addresses[0][1]}"
    ticker = next(t for t, m in sorted(ex.markets.items()) if m.status == "active")
    kw = {"self_trade_prevention_type": "taker_at_cross"}
    ex.create_order(
        "bench-maker",
        ticker=ticker,
        side="ask",
        price=D("0.99"),
        count=D("10000000"),
        time_in_force="good_till_canceled",
        **kw,
    )

    parent, child = mp.Pipe()
    proc = mp.get_context("spawn").Process(
        target=_client_main, args=(url, key.api_key_id, pem, subscribers, seconds, child)
    )
    proc.start()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, parent.recv)  # all subscribed
    trades = 0
    start = time.perf_counter()
    end = start + seconds
    while (now := time.perf_counter()) < end:
        for _ in range(int((now - start) * rate) - trades):  # catch up to the target rate
            ex.create_order(
                "bench-taker",
                ticker=ticker,
                side="bid",
                price=D("0.99"),
                count=D("1"),
                time_in_force="immediate_or_cancel",
                **kw,
            )
            trades += 1
        await asyncio.sleep(0.002)
    total, span, lo, hi = await loop.run_in_executor(None, parent.recv)
    proc.join(10)
    await runner.cleanup()
    expected = trades * subscribers
    note = f"{trades} trades x {subscribers} = {expected} expected, {total} received"
    if lo != hi:
        note += f" (per client {lo}..{hi})"
    return (total / span if span else 0.0), note


# ---------------------------------------------------------------- subprocess server


class Server(LocalExchange):
    """`python -m sandbox` in a subprocess (sandbox.testing), plus its resident memory."""

    def __init__(self, data_dir: Path, *args: str):
        super().__init__(*args, data_dir=data_dir, timeout=60)
        self.start()

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0


def _signer(data_dir: Path, name: str | None = None):
    from auth.signing import Signer, load_private_key

    if name is None:
        text = (data_dir / "credentials.env").read_text()
    else:
        text = subprocess.run(
            [sys.executable, "-m", "sandbox", "add-user", name, "--data-dir", str(data_dir)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    env = dict(line.split("=", 1) for line in text.splitlines() if line.startswith("KALSHI_"))
    return Signer(env["KALSHI_API_KEY_ID"], load_private_key(Path(env["KALSHI_PRIVATE_KEY_PATH"])))


def _rest(url, signer, method, path, body=None, session=None):
    import requests

    headers = signer.headers(method, "/trade-api/v2" + path)
    r = (session or requests).request(
        method, url + "/trade-api/v2" + path, json=body, headers=headers, timeout=10
    )
    return r.status_code, r.json() if r.content else None


# ---------------------------------------------------------------- 2. latency


def latency(samples: int) -> tuple[float, float]:
    import requests
    import websockets.sync.client as wsc

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        server = Server(data, "--seed", "7", "--no-activity", "--tier", "prestige")
        try:
            demo, maker = _signer(data), _signer(data, "maker")
            s = requests.Session()
            _, body = _rest(server.url, demo, "GET", "/markets?status=open&limit=1", session=s)
            ticker = body["markets"][0]["ticker"]
            _rest(
                server.url,
                maker,
                "POST",
                "/portfolio/events/orders",
                {
                    "ticker": ticker,
                    "side": "ask",
                    "price": "0.9900",
                    "count": "100000",
                    "time_in_force": "good_till_canceled",
                    "self_trade_prevention_type": "maker",
                },
                session=s,
            )
            order = {
                "ticker": ticker,
                "side": "bid",
                "price": "0.9900",
                "count": "1",
                "time_in_force": "immediate_or_cancel",
                "self_trade_prevention_type": "taker_at_cross",
            }
            round_trip, engine_to_ws = [], []
            url = server.url.replace("http", "ws") + WS_PATH
            with wsc.connect(url, additional_headers=demo.headers("GET", WS_PATH)) as ws:
                ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}}))
                ws.recv()
                for _ in range(samples):
                    t0 = time.perf_counter()
                    _rest(server.url, demo, "POST", "/portfolio/events/orders", order, session=s)
                    while True:
                        msg = json.loads(ws.recv(5))
                        if msg["type"] == "fill":
                            break
                    round_trip.append((time.perf_counter() - t0) * 1000)
                    engine_to_ws.append(time.time() * 1000 - msg["msg"]["ts_ms"])
            return statistics.median(round_trip), statistics.median(engine_to_ws)
        finally:
            server.stop()


# ---------------------------------------------------------------- 3. memory


def memory(minutes: float) -> str:
    import websockets.sync.client as wsc

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        server = Server(data, "--seed", "7")
        try:
            demo = _signer(data)
            received = [0]
            stop = threading.Event()

            def follow():
                url = server.url.replace("http", "ws") + WS_PATH
                channels = ["ticker", "trade", "market_lifecycle_v2"]
                with wsc.connect(url, additional_headers=demo.headers("GET", WS_PATH)) as ws:
                    cmd = {"id": 1, "cmd": "subscribe", "params": {"channels": channels}}
                    ws.send(json.dumps(cmd))
                    while not stop.is_set():
                        try:
                            ws.recv(1)
                            received[0] += 1
                        except TimeoutError:
                            pass

            t = threading.Thread(target=follow, daemon=True)
            t.start()

            def db_mb() -> float:
                return sum(p.stat().st_size for p in data.glob("exchange.db*")) / 1e6

            start_db = db_mb()
            early_at = min(60.0, minutes * 30)
            time.sleep(early_at)
            early = server.rss_mb()
            early_db = db_mb()
            time.sleep(max(0.0, minutes * 60 - early_at))
            late = server.rss_mb()
            late_db = db_mb()
            stop.set()
            t.join(5)
            growth = (late - early) / early * 100
            verdict = "ok" if abs(growth) <= 20 and late < 200 else "OVER TARGET"
            return (
                f"RSS {early:.1f} MB at {early_at:.0f} s, {late:.1f} MB at {minutes * 60:.0f} s "
                f"({growth:+.1f}%, {verdict}); SQLite incl. WAL {start_db:.1f} -> "
                f"{early_db:.1f} -> {late_db:.1f} MB; {received[0]} WS messages"
            )
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=10, help="memory run length (0 = skip)")
    p.add_argument("--subscribers", type=int, default=50)
    p.add_argument("--seconds", type=float, default=5, help="length of one fan-out run")
    p.add_argument("--rate", type=int, default=600, help="trades per second in the fan-out run")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--samples", type=int, default=200, help="latency samples")
    args = p.parse_args(argv)

    results = [
        asyncio.run(_fanout_once(args.subscribers, args.seconds, args.rate))
        for _ in range(args.runs)
    ]
    rate = statistics.median(r for r, _ in results)
    print(
        f"fan-out, trade channel, {args.subscribers} subscribers: {rate:,.0f} msg/s "
        f"(median of {args.runs}; target >= 20,000); last run: {results[-1][1]}"
    )
    round_trip, engine = latency(args.samples)
    print(
        f"REST fill -> WS fill: median {round_trip:.2f} ms from REST send, "
        f"{engine:.2f} ms from the engine's ts_ms (target <= 5 ms)"
    )
    if args.minutes > 0:
        print(f"memory under default activity, {args.minutes:g} min: {memory(args.minutes)}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
