"""RFQ benchmark: the RFQ -> quote -> accept -> confirm -> execution flow in the engine, and the
REST accept -> WebSocket `quote_executed` latency on loopback.

    uv run python bench/bench_rfq.py [--flows 5000] [--runs 5] [--samples 200]

1. Engine: in memory (no journal), execution timer 0 so a confirmation executes at once; each
   flow is create_rfq, create_quote, accept_quote, confirm_quote and the execution (two orders
   through the book, two fills). Prints flows per second, median over --runs.
2. Latency: `python -m sandbox --no-activity --rfq-timers 30,0` as a subprocess, a requester
   (demo) subscribed to `communications`, a maker (a second user) on REST. Per sample: RFQ,
   quote, then the timed part: the requester's PUT accept, the maker's PUT confirm (sent as
   soon as the accept returns; each request signed when it is sent), until the requester's WS
   delivers `quote_executed`. Samples alternate between two clients: a bare keep-alive
   `http.client` connection (the exchange's latency) and a `requests.Session` (what the
   examples use; it adds about 0.5-0.7 ms per request here). Prints, per client, the median
   of accept -> quote_executed, of confirm -> quote_executed, and of the confirm's REST
   response -> quote_executed (the WS message is queued in the same operation that answers the
   confirm, so this is the frame's trip only: no timer tick or poll in between).
Targets: >= 5,000 flows/s; accept -> quote_executed median <= 5 ms (the exchange's: http.client).
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_engine import fresh_exchange  # noqa: E402
from bench.bench_ws import WS_PATH, Server, _rest, _signer  # noqa: E402

D = Decimal
TRANSFER = "/portfolio/intra_exchange_instance_transfer"


def engine_flows(flows: int) -> tuple[float, float]:
    """(flows per wall-clock second, per CPU second: the latter is what a shared machine's
    load does not distort)."""
    ex = fresh_exchange()
    ex.set_rfq_windows(30_000, 0)
    yes = D("0.40")
    gc.collect()  # a previous run's exchange is cyclic garbage: not this run's work to collect
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(flows):
        requester, maker = ("u1", "u2") if i % 2 == 0 else ("u2", "u1")  # positions stay flat
        r = ex.create_rfq(requester, ticker="BENCH-1", contracts=D(5), rest_remainder=False)
        q = ex.create_quote(
            maker, rfq_id=r.rfq_id, yes_bid=yes, no_bid=D("0.65"), rest_remainder=False
        )
        ex.accept_quote(requester, q.quote_id, "yes")
        ex.confirm_quote(maker, q.quote_id)
        assert q.status == "executed"
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    ex.check_invariants()
    return flows / wall, flows / cpu


class Raw:
    """A keep-alive `http.client` connection: a client that costs next to nothing, so the
    figure is the exchange's. (`requests` adds about 0.5-0.7 ms per request on this machine:
    both are measured, samples interleaved.)"""

    def __init__(self, url: str):
        import http.client

        host, port = url.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=10)

    encode = staticmethod(json.dumps)  # (`request` takes `json=` as requests does)

    def request(self, method: str, url: str, json: dict, headers: dict) -> SimpleNamespace:
        """Send; the answer's status as `.status_code`, as requests gives it."""
        path = url[url.index("/", len("http://")) :]
        body = self.encode(json)
        self.conn.request(method, path, body, {**headers, "Content-Type": "application/json"})
        r = self.conn.getresponse()
        r.read()
        return SimpleNamespace(status_code=r.status)


def latency(samples: int) -> dict[str, list[float]]:
    """Per client ("http.client", "requests"): [accept -> quote_executed, confirm ->
    quote_executed, confirm's response -> quote_executed] medians in ms."""
    import requests
    import websockets.sync.client as wsc

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        server = Server(
            data, "--seed", "7", "--no-activity", "--tier", "prestige", "--rfq-timers", "30,0"
        )
        try:
            demo, maker = _signer(data), _signer(data, "maker")
            s = requests.Session()
            coll = "/multivariate_event_collections/KXMVESPORTSPARLAY"
            _, c = _rest(server.url, demo, "GET", coll, session=s)
            legs = []
            for e in c["multivariate_contract"]["associated_events"][:2]:
                _, m = _rest(server.url, demo, "GET", f"/markets?event_ticker={e['ticker']}")
                legs.append(
                    {
                        "event_ticker": e["ticker"],
                        "side": "yes",
                        "market_ticker": m["markets"][0]["ticker"],
                    }
                )
            _, combo = _rest(server.url, demo, "POST", coll, {"selected_markets": legs}, s)
            # Combos trade on exchange index 1's cash (Kalshi's combo shard): move some there.
            move = {
                "source": "event_contract",
                "destination": "event_contract",
                "source_exchange_shard": 0,
                "destination_exchange_shard": 1,
                "amount": 300 * 10_000,  # $300 in centi-cents
            }
            for who in (demo, maker):
                status, body = _rest(server.url, who, "POST", TRANSFER, move, s)
                if status != 200:
                    sys.exit(f"moving collateral to index 1 failed: {status} {body}")
            clients: dict[str, Any] = {"http.client": Raw(server.url), "requests": s}
            times: dict[str, list[list[float]]] = {k: [[], [], []] for k in clients}
            url = server.url.replace("http", "ws") + WS_PATH
            with wsc.connect(url, additional_headers=demo.headers("GET", WS_PATH)) as ws:
                sub = {"id": 1, "cmd": "subscribe", "params": {"channels": ["communications"]}}
                ws.send(json.dumps(sub))
                ws.recv()
                for i in range(2 * samples):
                    name = "http.client" if i % 2 == 0 else "requests"
                    client = clients[name]
                    rfq = {
                        "market_ticker": combo["market_ticker"],
                        "contracts_fp": "1.00",
                        "rest_remainder": False,
                    }
                    _, r = _rest(server.url, demo, "POST", "/communications/rfqs", rfq, s)
                    quote = {
                        "rfq_id": r["id"],
                        "yes_bid": "0.30",
                        "no_bid": "0.75",
                        "rest_remainder": False,
                    }
                    _, q = _rest(server.url, maker, "POST", "/communications/quotes", quote, s)
                    path = f"/trade-api/v2/communications/rfqs/{r['id']}/quotes/{q['id']}"
                    # Timed: each request is signed when it is sent, as a client must.
                    t0 = time.perf_counter()
                    accept = demo.headers("PUT", f"{path}/accept")
                    sent = client.request(
                        "PUT",
                        server.url + f"{path}/accept",
                        json={"accepted_side": "yes"},
                        headers=accept,
                    )
                    t1 = time.perf_counter()
                    confirm = maker.headers("PUT", f"{path}/confirm")
                    done = client.request(
                        "PUT", server.url + f"{path}/confirm", json={}, headers=confirm
                    )
                    t_resp = time.perf_counter()
                    codes = (sent.status_code, done.status_code)
                    if codes != (204, 204):
                        sys.exit(f"accept/confirm answered {codes}")
                    while True:
                        msg = json.loads(ws.recv(5))
                        if msg["type"] == "quote_executed" and msg["msg"]["quote_id"] == q["id"]:
                            break
                    t2 = time.perf_counter()
                    for series, start in zip(times[name], (t0, t1, t_resp), strict=True):
                        series.append((t2 - start) * 1000)
            return {k: [statistics.median(x) for x in v] for k, v in times.items()}
        finally:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--flows", type=int, default=5000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--samples", type=int, default=200)
    args = p.parse_args(argv)
    runs = [engine_flows(args.flows) for _ in range(args.runs)]
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    print(
        f"engine RFQ flows/s (median of {args.runs} x {args.flows}): {wall:,.0f} wall-clock; "
        f"{cpu:,.0f} per CPU-second"
    )
    if args.samples:
        for client, (accept, confirm, after) in latency(args.samples).items():
            print(
                f"REST accept -> WS quote_executed ({client}), median of {args.samples}: "
                f"{accept:.2f} ms (includes the maker's confirm); confirm -> quote_executed: "
                f"{confirm:.2f} ms; confirm's response -> quote_executed: {after:.2f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
