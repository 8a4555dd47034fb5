"""Benchmark of the live web view: time to first paint and its CPU cost under default activity.

Run: uv run python bench/bench_web.py [--runs 5] [--seconds 15] [--markets 50]

Needs Debian's Chromium (`apt-get install -y chromium`); drives it with Playwright. Reports
medians (the machine is small and shared: no thresholds here):
- time to first paint of `/` on the seeded universe (its market count is printed): the
  browser's first-contentful-paint, and the time until the page shows data (directory, ladder,
  user balance), each from navigation start, fresh browser context per run;
- REST is not slowed: a signed order + cancel round trip, unwatched and while a stream shows
  that market and user (alternating, 3 rounds);
- CPU cost under the default simulated activity: the exchange process's CPU (user + system)
  per wall second with nobody watching and with one page open, in alternating windows; the
  difference is the web view's share on the server. Also the page's own script time per second
  (Chromium's Performance.getMetrics TaskDuration).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from tests.api import Api  # noqa: E402
from tests.conftest import start_exchange  # noqa: E402

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def task_seconds(cdp) -> float:
    """The renderer's busy time so far (Chromium's Performance.getMetrics)."""
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "TaskDuration")


def top_up(data_dir: Path, wanted: int) -> None:
    """Seed the data dir, then add quick-lifecycle markets (as the lifecycle clock makes them)
    until `wanted` markets are live."""
    import random

    from sandbox.activity.market_clock import LifecycleClock
    from sandbox.store import open_exchange

    ex = open_exchange(data_dir, seed=7)
    try:
        clock = LifecycleClock(ex, random.Random(7))
        clock.ensure_series()
        for _ in range(wanted - len(ex.list_markets())):
            clock.create()
    finally:
        ex.close()


def rest_ms(url: str, api: Api, n: int, rounds: int = 3) -> tuple[float, float]:
    """Median ms of a signed order placement + cancel, unwatched and while a stream watches the
    same market and user (so every round trip makes the server rebuild and send both parts).
    The stream is read by a thread here, not a browser, so that only the server's share counts."""
    d = requests.get(f"{url}/_sandbox/web/state", timeout=10).json()["directory"]
    ticker = next(
        m["ticker"]
        for s in d["series"]
        for e in s["events"]
        for m in e["markets"]
        if m["status"] == "active"
    )

    def round_trips() -> float:
        samples = []
        for _ in range(n):
            t0 = time.perf_counter()
            order = api.place_order(ticker, "bid", "0.0100", "1")
            api.call("DELETE", f"/portfolio/events/orders/{order['order_id']}")
            samples.append(time.perf_counter() - t0)
        return statistics.median(samples) * 1000

    def drain(response: requests.Response) -> None:
        with contextlib.suppress(Exception):  # ends when the response is closed
            for _chunk in response.iter_content(None):
                pass

    bare, seen = [], []
    for _ in range(rounds):
        bare.append(round_trips())
        stream = requests.get(
            f"{url}/_sandbox/web/stream",
            params={"market": ticker, "user": "demo"},
            stream=True,
            timeout=30,
        )
        threading.Thread(target=drain, args=(stream,), daemon=True).start()
        seen.append(round_trips())
        stream.close()
    return statistics.median(bare), statistics.median(seen)


def markets(url: str) -> int:
    d = requests.get(f"{url}/_sandbox/web/state", timeout=10).json()["directory"]
    return sum(len(e["markets"]) for s in d["series"] for e in s["events"])


def first_paint(browser, url: str, runs: int) -> tuple[float, float]:
    fcp, data = [], []
    for _ in range(runs):
        context = browser.new_context()
        page = context.new_page()
        page.goto(url + "/")
        page.wait_for_function(
            "document.querySelector('#ladder tbody tr') && document.querySelector('#directory "
            "button') && document.getElementById('balance').textContent.startsWith('$')",
            polling="raf",
        )
        data.append(page.evaluate("performance.now()"))
        fcp.append(
            page.evaluate(
                "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN"
            )
        )
        context.close()
    return statistics.median(fcp), statistics.median(data)


def cpu_cost(browser, url: str, pid: int, seconds: float, rounds: int = 2):
    """(idle CPU %, watched CPU %, page task ms per s) of the exchange, median of `rounds`."""
    idle, watched, page_ms = [], [], []
    for _ in range(rounds):
        c0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(seconds)
        idle.append((cpu_seconds(pid) - c0) / (time.monotonic() - t0) * 100)

        context = browser.new_context()
        page = context.new_page()
        page.goto(url + "/")
        page.wait_for_selector("#conn[data-state=live]")
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")

        k0, c0, t0 = task_seconds(cdp), cpu_seconds(pid), time.monotonic()
        time.sleep(seconds)
        wall = time.monotonic() - t0
        watched.append((cpu_seconds(pid) - c0) / wall * 100)
        page_ms.append((task_seconds(cdp) - k0) / wall * 1000)
        context.close()
    return statistics.median(idle), statistics.median(watched), statistics.median(page_ms)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="page loads for the paint timings")
    p.add_argument("--seconds", type=float, default=15, help="length of each CPU window")
    p.add_argument("--orders", type=int, default=100, help="REST round trips per setting")
    p.add_argument("--markets", type=int, default=50, help="live markets at least (topped up)")
    args = p.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:  # bench/run.py runs every bench: a machine without a browser skips
        print("skipped: no Chromium or Playwright here (apt-get install -y chromium)")
        return 0

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        top_up(Path(tmp), args.markets)
        ex = start_exchange(Path(tmp), "--seed", "7", "--tier", "prestige")  # default activity
        browser = pw.chromium.launch(executable_path=chromium, args=FLAGS)
        try:
            n = markets(ex.url)
            fcp, data = first_paint(browser, ex.url, args.runs)
            print(
                f"time to first paint, {n} markets: first-contentful-paint {fcp:.0f} ms, "
                f"data shown {data:.0f} ms (median of {args.runs})"
            )
            idle, watched, page_ms = cpu_cost(browser, ex.url, ex.proc.pid, args.seconds)
            print(
                f"exchange CPU under default activity: {idle:.1f}% unwatched, "
                f"{watched:.1f}% with one page open (+{watched - idle:.1f} points); "
                f"the page's own tasks: {page_ms:.1f} ms per second"
            )
            load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
            print(f"load average (1, 5, 15 min) after the CPU windows: {load}")
            bare, seen = rest_ms(ex.url, Api.for_demo(ex), args.orders)
            print(
                f"order + cancel over REST: {bare:.1f} ms unwatched, {seen:.1f} ms while a "
                f"stream shows that market and user (median of 3 x {args.orders})"
            )
        finally:
            browser.close()
            ex.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
