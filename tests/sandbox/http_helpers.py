"""Helpers for the REST tests of the local exchange: a signed `requests` client per user, and
`add_user` (the real CLI, as a subprocess, against a running server's data dir)."""

from __future__ import annotations

import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from auth.signing import Signer, load_private_key

ROOT = Path(__file__).resolve().parents[2]
API = "/trade-api/v2"
ORDER = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}


def read_env(path: Path) -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )


class Api:
    """Signed REST calls as one user; `call` returns the response, `ok` the checked JSON."""

    def __init__(self, url: str, key_id: str, pem: Path):
        self.base = url.rstrip("/")
        self.signer = Signer(key_id, load_private_key(pem))
        self.session = requests.Session()

    @classmethod
    def from_env_file(cls, url: str, path: Path) -> Api:
        env = read_env(path)
        return cls(url, env["KALSHI_API_KEY_ID"], Path(env["KALSHI_PRIVATE_KEY_PATH"]))

    def call(
        self, method: str, path: str, body: Any = None, *, sign: bool = True, **params: Any
    ) -> requests.Response:
        headers = self.signer.headers(method, API + path) if sign else {}
        return self.session.request(
            method,
            self.base + API + path,
            json=body,
            params=params or None,
            headers=headers,
            timeout=10,
        )

    def ok(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        r = self.call(method, path, body, **params)
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.ok("GET", path, **params)

    def balance(self) -> Decimal:
        """balance_dollars, waiting out the balance endpoint's own 1 call/s bucket."""
        for _ in range(30):
            r = self.call("GET", "/portfolio/balance")
            if r.status_code != 429:
                assert r.status_code == 200, r.text
                return Decimal(r.json()["balance_dollars"])
            time.sleep(0.1)
        raise AssertionError("balance stayed rate limited")

    def order(self, ticker: str, side: str, price: str, count: str, **extra: Any) -> dict:
        body = {"ticker": ticker, "side": side, "price": price, "count": count, **ORDER, **extra}
        r = self.call("POST", "/portfolio/events/orders", body)
        assert r.status_code == 201, r.text
        return r.json()


def add_user(data_dir: Path, name: str, *args: str) -> dict[str, str]:
    """`python -m sandbox add-user NAME ...`; returns the KALSHI_* lines it printed."""
    out = subprocess.run(
        [sys.executable, "-m", "sandbox", "add-user", name, "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if line.startswith("KALSHI_"))


def user_api(url: str, data_dir: Path, name: str, *args: str) -> Api:
    env = add_user(data_dir, name, *args)
    return Api(url, env["KALSHI_API_KEY_ID"], Path(env["KALSHI_PRIVATE_KEY_PATH"]))


def open_market(api: Api) -> dict:
    """An active market with an empty-enough book to rest orders far from the touch."""
    markets = api.get("/markets", status="open", limit=50)["markets"]
    return next(m for m in markets if m["price_level_structure"] == "linear_cent")


def wait_until(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)
