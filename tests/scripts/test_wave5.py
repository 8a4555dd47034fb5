"""End to end: the six WebSocket scripts (10_websocket) against the local exchange.

Each script runs as a subprocess, as a user would run it, and must receive and print at least
one message of its channel. Fault injection checks the hard parts: a seq gap is detected and
resynced until the local book equals the REST book; a connection cut every few seconds is
re-established with a freshly signed handshake; Ctrl+C ends a script with exit 0 at once.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal

import pytest

from tests.api import Api
from tests.conftest import ROOT, clean_env, run_script, start_exchange

SCRIPTS = [
    "10_websocket/01_ws_ticker.py",
    "10_websocket/02_ws_orderbook.py",
    "10_websocket/03_ws_public_trades.py",
    "10_websocket/04_ws_user_orders.py",
    "10_websocket/05_ws_user_fills.py",
    "10_websocket/06_ws_market_lifecycle.py",
]


def market_for_low_bids(api: Api) -> str:
    """An open market with a book whose YES ask is above $0.10: bids below rest."""
    markets = api.get("/markets", status="open", limit=200, mve_filter="exclude")
    for market in markets["markets"]:
        book = api.book(market["ticker"])
        no_bids = [Decimal(price) for price, _ in book.get("no_dollars") or []]
        if book.get("yes_dollars") and no_bids and 1 - max(no_bids) > Decimal("0.10"):
            return market["ticker"]
    raise AssertionError("no suitable market")


def bid(api: Api, ticker: str, price: str, count: str) -> str:
    order = api.place_order(ticker, "bid", price, count, client_order_id=str(uuid.uuid4()))
    return order["order_id"]


def cancel(api: Api, order_id: str, ticker: str) -> None:
    api.call("DELETE", f"/portfolio/events/orders/{order_id}", market_ticker=ticker)


class Running:
    """A script started in the background; its output lines are collected as they come, with
    the time each arrived."""

    def __init__(self, script: str, *args: str, env: dict[str, str]):
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / script), *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[tuple[float, str]] = []
        self.err: list[tuple[float, str]] = []
        for pipe, sink in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self._pump, args=(pipe, sink), daemon=True).start()

    def _pump(self, pipe, sink) -> None:
        for line in pipe:
            sink.append((time.monotonic() - self.started, line))

    def wait_for(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.text:
                return
            assert self.proc.poll() is None, f"script ended early:\n{self.text}"
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not seen within {timeout} s:\n{self.text}")

    def finish(self, timeout: float = 60) -> int:
        code = self.proc.wait(timeout)
        time.sleep(0.1)  # let the pumps drain
        return code

    @property
    def stdout(self) -> str:
        return "".join(line for _, line in self.out)

    @property
    def text(self) -> str:
        return self.stdout + "".join(line for _, line in self.err)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """An exchange with simulated trading and a fast market lifecycle."""
    ex = start_exchange(tmp_path_factory.mktemp("live"), "--seed", "7", "--fast-lifecycle")
    yield ex
    ex.stop()


def run(ex, script: str, *args: str, timeout: float = 60):
    result = run_script(script, *args, env=ex.env, timeout=timeout)
    assert result.code == 0, str(result)
    return result


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_needs_no_credentials_or_network(script):
    result = run_script(script, "--help", env=clean_env(KALSHI_ENV="prod"))
    assert result.code == 0 and "--seconds" in result.out and "Run:" in result.out


def test_ticker_prints_quotes_of_three_markets(live):
    result = run(live, SCRIPTS[0], "--max-messages", "3", "--seconds", "30")
    assert '"channels": ["ticker"]' in result.out and "subscribed: channel ticker" in result.out
    rows = [line for line in result.out.splitlines() if line.startswith("20") and "$" in line]
    assert len(rows) == 3
    assert "stopped by --max-messages: 3 ticker message(s)" in result.out


def test_ticker_json_prints_one_raw_message_per_line(live):
    result = run(live, SCRIPTS[0], "--json", "--max-messages", "2", "--seconds", "30")
    messages = [json.loads(line) for line in result.out.splitlines()]
    assert [m["type"] for m in messages] == ["subscribed", "ticker", "ticker"]
    assert isinstance(messages[1]["msg"]["ts_ms"], int)
    assert "subscribe" in result.err  # the human notes go to stderr


def test_orderbook_builds_the_book_and_verifies_it(live):
    result = run(live, SCRIPTS[1], "--verify", "--verify-every", "1", "--seconds", "5")
    assert "snapshot (seq 1" in result.out and "YES bid" in result.out
    assert "verify: local book equals the REST book" in result.out
    assert "MISMATCH" not in result.out and "0 mismatched" in result.out


def test_public_trades_tape(live):
    result = run(live, SCRIPTS[2], "--max-messages", "2", "--seconds", "40")
    rows = [line for line in result.out.splitlines() if " / $" in line]
    assert len(rows) == 2 and all("bought" in row or "sold" in row for row in rows)


def test_user_orders_sees_its_demo_order_rest_and_cancel(live):
    result = run(live, SCRIPTS[3], "--demo-order", "--max-messages", "2", "--seconds", "30")
    order_id = result.out.split("placed demo order ")[1].split(":")[0]
    rows = [line for line in result.out.splitlines() if line.startswith("20")]
    assert [row.split()[1] for row in rows if order_id[:8] in row] == ["resting", "canceled"]
    resting = Api.for_demo(live).get("/portfolio/orders", status="resting")["orders"]
    assert order_id not in {o["order_id"] for o in resting}  # nothing left behind


def test_user_fills_sees_its_demo_fill(live):
    result = run(live, SCRIPTS[4], "--demo-fill", "--max-messages", "1", "--seconds", "30")
    fills = [line for line in result.out.splitlines() if " taker " in line]
    assert len(fills) == 1 and "bid (yes)" in fills[0]
    assert "demo fill: bought 1 YES" in result.out


def test_market_lifecycle_explains_events(live):
    result = run(live, SCRIPTS[5], "--max-messages", "2", "--seconds", "50", timeout=90)
    rows = [line for line in result.out.splitlines() if line.startswith("20")]
    assert len(rows) == 2 and "stopped by --max-messages" in result.out


def test_dry_run_shows_the_demo_order_and_sends_nothing(live):
    api = Api.for_demo(live)

    def order_ids() -> set[str]:
        return {o["order_id"] for o in api.get("/portfolio/orders")["orders"]}

    before = order_ids()
    for script, flag in ((SCRIPTS[3], "--demo-order"), (SCRIPTS[4], "--demo-fill")):
        result = run(live, script, flag, "--dry-run", "--seconds", "1")
        assert "DRY RUN, not sent: POST" in result.out and "/portfolio/events/orders" in result.out
    # No new order (the lifecycle clock may archive old ones meanwhile, so not an equality).
    assert order_ids() <= before


def test_demo_writes_are_refused_on_prod_before_anything_is_sent():
    for script, flag in ((SCRIPTS[3], "--demo-order"), (SCRIPTS[4], "--demo-fill")):
        result = run_script(script, flag, env=clean_env(KALSHI_ENV="prod"))
        assert result.code == 2 and "--allow-prod" in result.err, str(result)


def test_ctrl_c_ends_a_stream_with_exit_0_within_a_second(live):
    script = Running(SCRIPTS[2], env=live.env)
    script.wait_for("subscribed: channel trade")
    sent = time.monotonic()
    script.proc.send_signal(signal.SIGINT)
    code = script.finish(timeout=5)
    assert code == 0 and time.monotonic() - sent < 1.0, script.text
    assert "stopped by Ctrl+C" in script.text and "Traceback" not in script.text


def test_seq_gaps_are_resynced_until_the_book_equals_rest(tmp_path):
    """No simulated trading: the book changes only by our orders, so the final state is exact.
    A third of the deltas skip a seq number."""
    ex = start_exchange(
        tmp_path,
        "--seed",
        "7",
        "--no-activity",
        "--tier",
        "prestige",
        "--fault-seq-gap-rate",
        "0.3",
    )
    try:
        api = Api.for_demo(ex)
        ticker = market_for_low_bids(api)
        script = Running(
            SCRIPTS[1], "--ticker", ticker, "--verify", "--verify-every", "1", "--seconds", "8",
            env=ex.env,
        )  # fmt: skip
        script.wait_for("snapshot (seq 1")
        orders = []
        for i in range(24):
            orders.append(bid(api, ticker, f"0.0{1 + i % 5}00", f"{1 + i}.00"))
            time.sleep(0.05)
        for order_id in orders[::2]:  # shrink levels, and empty some of them
            cancel(api, order_id, ticker)
            time.sleep(0.05)
        assert script.finish(timeout=30) == 0, script.text
        out = script.stdout
        assert "!! seq gap on sid" in out and "get_snapshot" in out
        assert "resynced with a fresh snapshot" in out
        assert "final check: the local book equals the REST book" in out
        assert "0 mismatched" in out and "MISMATCH" not in out
    finally:
        ex.stop()


def test_streams_across_dropped_connections(tmp_path):
    """Connections are cut (no close frame) every 2 s; the script reconnects and carries on."""
    ex = start_exchange(tmp_path, "--seed", "7", "--fault-ws-drop-every", "2")
    try:
        result = run(ex, SCRIPTS[1], "--verify", "--verify-every", "1", "--seconds", "9")
        assert "reconnecting in" in result.err and "reconnected (connection 3" in result.err
        assert result.out.count("snapshot (seq 1") >= 3  # a fresh book on every connection
        assert "MISMATCH" not in result.out
    finally:
        ex.stop()


def test_a_reconnect_after_20_s_is_signed_afresh(tmp_path):
    """The exchange accepts a timestamp at most 20 s old: a reconnect that reused the first
    handshake's headers would be refused with 401 and end the script with exit 1."""
    ex = start_exchange(tmp_path, "--seed", "7", "--fault-ws-drop-every", "21")
    try:
        result = run(ex, SCRIPTS[0], "--seconds", "24", timeout=60)
        assert "reconnected (connection 2, freshly signed)" in result.err
        assert "on 2 connection(s)" in result.out
    finally:
        ex.stop()
