"""Benchmarks of the WebSocket client side (auth/orderbook.py, auth/ws.py). Prints medians.

1. Local book: `Books.apply` on recorded `orderbook_delta` envelopes (already parsed, as the
   stream yields them), and the same including `json.loads` of the raw frames. Goal: >= 200,000
   deltas/s.
2. Stream overhead on loopback, against a tiny websockets server started here:
   - round trip: send a command, receive the answer; bare `websockets` client vs `auth.ws.Stream`;
   - throughput: the server pushes a burst of messages; messages/s received by each client.
   Goal: no measurable latency added by the helper.

Run: uv run python bench/bench_ws_client.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from auth.orderbook import Books
from auth.ws import Stream

TICKER = "KXBENCH-26NOV24-T50"


def recorded_deltas(n: int, seed: int = 7) -> list[str]:
    """A snapshot and n-1 deltas as raw JSON frames, sizes never below zero."""
    rng = random.Random(seed)
    levels = {"yes": {}, "no": {}}
    frames = [
        json.dumps(
            {
                "type": "orderbook_snapshot",
                "sid": 1,
                "seq": 1,
                "msg": {"market_ticker": TICKER, "market_id": "m", "clock": 1},
            }
        )
    ]
    for seq in range(2, n + 1):
        side = rng.choice(("yes", "no"))
        cents = rng.randint(1, 99)
        have = levels[side].get(cents, 0)
        change = rng.randint(-have, 50) if have else rng.randint(1, 50)
        levels[side][cents] = have + change
        msg = {
            "market_ticker": TICKER,
            "market_id": "m",
            "clock": seq,
            "price_dollars": f"{cents / 100:.4f}",
            "delta_fp": f"{change}.00",
            "side": side,
            "ts_ms": 1764000000000 + seq,
        }
        frames.append(json.dumps({"type": "orderbook_delta", "sid": 1, "seq": seq, "msg": msg}))
    return frames


def bench_book(n: int, runs: int) -> None:
    frames = recorded_deltas(n)
    parsed = [json.loads(f) for f in frames]
    apply_only, with_json = [], []
    for _ in range(runs):
        books = Books()
        started = time.perf_counter()
        for envelope in parsed:
            books.apply(envelope)
        apply_only.append(n / (time.perf_counter() - started))
        books = Books()
        started = time.perf_counter()
        for frame in frames:
            books.apply(json.loads(frame))
        with_json.append(n / (time.perf_counter() - started))
        assert books.gaps == 0 and not books.resyncing
    print(f"local book, {n:,} deltas, median of {runs}:")
    print(f"  Books.apply (parsed messages)   {statistics.median(apply_only):>12,.0f} deltas/s")
    print(f"  json.loads + Books.apply        {statistics.median(with_json):>12,.0f} deltas/s")


async def echo_server(burst: int):
    """Answers every command with one ticker-like message; `{"cmd": "burst"}` sends `burst`."""
    frame = json.dumps({"type": "ticker", "sid": 1, "msg": {"price_dollars": "0.5000"}})

    async def handler(ws):
        async for raw in ws:
            cmd = json.loads(raw)
            if cmd.get("cmd") == "subscribe":
                reply = {"type": "subscribed", "id": cmd["id"], "msg": {"channel": "t", "sid": 1}}
                await ws.send(json.dumps(reply))
            elif cmd.get("cmd") == "burst":
                for _ in range(burst):
                    await ws.send(frame)
            else:
                await ws.send(frame)

    server = await serve(handler, "127.0.0.1", 0)
    return server, f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/trade-api/ws/v2"


async def bare_client(url: str, rounds: int, burst: int) -> tuple[list[float], float]:
    samples = []
    async with connect(url) as ws:
        for i in range(rounds):
            started = time.perf_counter()
            await ws.send(json.dumps({"id": i, "cmd": "echo"}))
            json.loads(await ws.recv())
            samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        await ws.send(json.dumps({"id": rounds, "cmd": "burst"}))
        for _ in range(burst):
            json.loads(await ws.recv())
        rate = burst / (time.perf_counter() - started)
    return samples, rate


async def stream_client(url: str, rounds: int, burst: int) -> tuple[list[float], float]:
    samples = []
    subscribe = {"cmd": "subscribe", "params": {"channels": ["t"]}}
    async with Stream(subscribe, url=url, headers=dict, log=lambda _: None) as stream:
        messages = aiter(stream)
        await anext(messages)  # subscribed
        for _ in range(rounds):
            started = time.perf_counter()
            await stream.send({"cmd": "echo"})
            await anext(messages)
            samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        await stream.send({"cmd": "burst"})
        for _ in range(burst):
            await anext(messages)
        rate = burst / (time.perf_counter() - started)
    return samples, rate


async def bench_stream(rounds: int, burst: int, runs: int) -> None:
    server, url = await echo_server(burst)
    results: dict[str, tuple[list[float], list[float]]] = {"bare": ([], []), "stream": ([], [])}
    try:
        for _ in range(runs):  # alternate, so both see the same machine state
            for name, client in (("bare", bare_client), ("stream", stream_client)):
                samples, rate = await client(url, rounds, burst)
                results[name][0].append(statistics.median(samples))
                results[name][1].append(rate)
    finally:
        server.close()
        await server.wait_closed()
    print(f"\nloopback stream, {rounds:,} round trips and a {burst:,}-message burst, "
          f"median of {runs}:")  # fmt: skip
    for name, label in (("bare", "bare websockets client"), ("stream", "auth.ws.Stream")):
        latency, rate = results[name]
        print(
            f"  {label:24} round trip {statistics.median(latency) * 1e6:>7.1f} us   "
            f"throughput {statistics.median(rate):>9,.0f} msg/s"
        )
    extra = statistics.median(results["stream"][0]) - statistics.median(results["bare"][0])
    print(f"  added by the helper: {extra * 1e6:+.1f} us per round trip")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = p.parse_args()
    n, rounds, burst, runs = (20_000, 200, 2_000, 3) if args.quick else (200_000, 2_000, 20_000, 5)
    bench_book(n, runs)
    asyncio.run(bench_stream(rounds, burst, runs))


if __name__ == "__main__":
    main()
