"""Index feed benchmark: server CPU for the CF Benchmarks feed at 5 Hz to 50 subscribers.

    uv run python bench/bench_index_feed.py [--subscribers 50] [--seconds 10] [--runs 3]

`python -m sandbox --no-activity` runs as a subprocess; its CPU time (utime + stime from
/proc/PID/stat) is sampled over windows of `--seconds`: first with no subscriber (the baseline:
the clocks of the live parts), then with `--subscribers` clients (in a separate process, so their
parsing does not share the server's CPU) on `cfbenchmarks_value_5hz` for BRTI, then on every
index of both channels. Prints, per case, the server's CPU as a share of one core (median of
`--runs` windows) and the messages each client received per second.
Target: the 5 Hz feed to 50 subscribers costs < 5% of one core above the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WS_PATH = "/trade-api/ws/v2"
TICKS = os.sysconf("SC_CLK_TCK")
CASES = {
    "baseline (no subscriber)": None,
    "5 Hz, BRTI": [{"channels": ["cfbenchmarks_value_5hz"], "index_ids": ["BRTI"]}],
    "5 Hz all 5 + per-second all 8": [
        {"channels": ["cfbenchmarks_value_5hz"], "index_ids": ["all"]},
        {"channels": ["cfbenchmarks_value"], "index_ids": ["all"]},
    ],
}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _clients_main(url, key_id, key_path, n, subs, seconds, conn) -> None:
    asyncio.run(_clients(url, key_id, key_path, n, subs, seconds, conn))


async def _clients(url, key_id, key_path, n, subs, seconds, conn) -> None:
    import websockets

    from auth.signing import Signer, load_private_key

    signer = Signer(key_id, load_private_key(Path(key_path)))
    counts = [0] * n
    ready = [asyncio.Event() for _ in range(n)]

    async def one(i: int):
        headers = signer.headers("GET", WS_PATH)
        async with websockets.connect(
            url + WS_PATH, additional_headers=headers, max_queue=None, compression=None
        ) as ws:
            for k, params in enumerate(subs, 1):
                await ws.send(json.dumps({"id": k, "cmd": "subscribe", "params": params}))
            ready[i].set()
            async for raw in ws:
                if '"cfbenchmarks_value' in raw[:40]:
                    counts[i] += 1

    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    await asyncio.gather(*(r.wait() for r in ready))
    await asyncio.sleep(1)
    conn.send("ready")
    start = list(counts)
    await asyncio.sleep(seconds)
    conn.send(statistics.median(c - s for c, s in zip(counts, start, strict=True)) / seconds)
    conn.recv()  # keep the connections open until the server's window is read
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--subscribers", type=int, default=50)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sandbox",
                "--port",
                str(port),
                "--data-dir",
                data,
                "--no-activity",
                "--seed",
                "1",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            if "Local Kalshi exchange" not in line:
                print("server did not start:", line, server.stdout.read()[-2000:])
                return 1
            env = dict(
                ln.split("=", 1)
                for ln in (Path(data) / "credentials.env").read_text().splitlines()
                if "=" in ln and not ln.startswith("#")
            )
            url = f"ws://127.0.0.1:{port}"
            print(
                f"server CPU, % of one core ({args.runs} windows of {args.seconds:g} s, "
                f"{args.subscribers} subscribers; {os.cpu_count()} CPUs)"
            )
            base = None
            for name, subs in CASES.items():
                cpu, rates = [], []
                for _ in range(args.runs):
                    conn = None
                    if subs:
                        conn, child = mp.Pipe()
                        proc = mp.Process(
                            target=_clients_main,
                            args=(
                                url,
                                env["KALSHI_API_KEY_ID"],
                                env["KALSHI_PRIVATE_KEY_PATH"],
                                args.subscribers,
                                subs,
                                args.seconds,
                                child,
                            ),
                        )
                        proc.start()
                        assert conn.recv() == "ready"
                    c0, w0 = cpu_seconds(server.pid), time.monotonic()
                    if conn is not None:
                        rates.append(conn.recv())
                    else:
                        time.sleep(args.seconds)
                    c1, w1 = cpu_seconds(server.pid), time.monotonic()
                    cpu.append(100 * (c1 - c0) / (w1 - w0))
                    if conn is not None:
                        conn.send("done")
                        proc.join(10)
                med = statistics.median(cpu)
                base = med if base is None else base
                extra = (
                    ""
                    if subs is None
                    else (
                        f"  (+{med - base:.1f} over baseline; {statistics.median(rates):.1f} "
                        "msg/s per client)"
                    )
                )
                print(f"  {name:<32} {med:5.1f}%{extra}", flush=True)
        finally:
            server.terminate()
            server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
