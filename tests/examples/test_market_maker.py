"""The example market maker (examples/market_maker.py) tested as a bot builder would, with the
project's pytest plugin: the bot runs as its own process with the user's KALSHI_* variables;
the test sets up the market, moves the price through the simulated traders, and checks what
the bot did over REST."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal

import pytest

from tests.conftest import ROOT, clean_env

pytestmark = pytest.mark.kalshi_exchange("--no-activity", in_process=True)
T = "KXMM-26-A"
BOT = ROOT / "examples" / "market_maker.py"


class Bot:
    """The bot's process, its output read line by line."""

    def __init__(self, env: dict[str, str], *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, str(BOT), *args],
            cwd=ROOT,
            env=clean_env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"the bot never printed {text!r}:\n" + "\n".join(self.seen))

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(30)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code


@pytest.fixture
def market(kalshi_exchange):
    kalshi_exchange.create_series("KXMM")
    kalshi_exchange.create_event("KXMM-26", "KXMM")
    kalshi_exchange.create_market(T, "KXMM-26")
    kalshi_exchange.set_book(T, yes=[("0.40", 20)], no=[("0.50", 20)])  # mid 0.45
    return T


def resting(user) -> list[dict]:
    return user.get("/portfolio/orders", ticker=T, status="resting")["orders"]


def test_bot_quotes_in_a_group_follows_a_fill_and_cleans_up(kalshi_exchange, kalshi_user, market):
    env = {**kalshi_user.env, "PYTHONUNBUFFERED": "1"}
    bot = Bot(env, "--ticker", T, "--spread", "0.04", "--size", "5", "--seconds", "60")
    try:
        bot.wait_for("QUOTE ask")
        quotes = {o["book_side"]: o for o in resting(kalshi_user)}
        assert {s: Decimal(o["yes_price_dollars"]) for s, o in quotes.items()} == {
            "bid": Decimal("0.43"),
            "ask": Decimal("0.47"),
        }
        groups = kalshi_user.get("/portfolio/order_groups")["order_groups"]
        assert [g["id"] for g in groups] == [quotes["bid"]["order_group_id"]]

        kalshi_exchange.move_price(T, "0.55")  # the simulated taker lifts the bot's ask
        fill = bot.wait_for("FILL")
        assert "ask" in fill and "-5" in fill
        bot.wait_for("QUOTE ask")  # re-quoted the filled side
    finally:
        code = bot.stop()
    out = "\n".join(bot.seen)
    assert code == 0, out
    assert "RESULT: market maker made 1 fill(s), position -5" in out
    assert resting(kalshi_user) == []  # deleting the group cancelled every quote
    assert kalshi_user.get("/portfolio/order_groups")["order_groups"] == []
    pos = kalshi_user.get("/portfolio/positions", ticker=T)["market_positions"]
    assert Decimal(pos[0]["position_fp"]) == -5


def test_bot_cleans_up_when_the_exchange_fails_under_it(kalshi_exchange, kalshi_user, market):
    """Faults switched on mid-run: the bot's WebSocket is cut and it reconnects; it still
    deletes its group on the way out."""
    env = {**kalshi_user.env, "PYTHONUNBUFFERED": "1"}
    bot = Bot(env, "--ticker", T, "--seconds", "60")
    try:
        bot.wait_for("QUOTE ask")
        assert kalshi_exchange.drop_ws() == 1
        bot.wait_for("subscribed")  # it came back
    finally:
        code = bot.stop()
    assert code == 0, "\n".join(bot.seen)
    assert resting(kalshi_user) == []
    assert kalshi_user.get("/portfolio/order_groups")["order_groups"] == []


def test_bot_refuses_bad_settings_before_sending_anything(kalshi_user, market):
    out = subprocess.run(
        [sys.executable, str(BOT), "--ticker", T, "--spread", "0.001"],
        cwd=ROOT,
        env=clean_env(**kalshi_user.env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2 and "--spread" in out.stderr
    assert resting(kalshi_user) == []
