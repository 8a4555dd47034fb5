"""Signed REST calls straight to a local exchange as one user (the reference answers tests check
scripts and feeds against), and `add_user`: the real `python -m sandbox add-user` CLI."""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

from auth.client import Client
from auth.config import Settings
from tests.conftest import sandbox_cli

API = "/trade-api/v2"
ORDER = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross"}


def read_env(path: Path) -> dict[str, str]:
    """The KEY=value lines of an env file (e.g. a data dir's credentials.env)."""
    return dict(
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )


def add_user(data_dir: Path, name: str, *args: str) -> dict[str, str]:
    """`python -m sandbox add-user NAME --data-dir DIR ARGS...`: the KALSHI_API_KEY_ID and
    KALSHI_PRIVATE_KEY_PATH lines it printed."""
    done = sandbox_cli("add-user", name, "--data-dir", str(data_dir), *args)
    done.check_returncode()
    out = done.stdout
    return dict(line.split("=", 1) for line in out.splitlines() if line.startswith("KALSHI_"))


GET_429_WAIT = 6.0  # seconds a GET waits out 429s in all (a bucket refills in about a second)


def retry_after(r: requests.Response) -> float | None:
    """Retry-After in seconds, if the answer has a usable one (Kalshi's 429 is not documented
    to send it; the local exchange does not)."""
    try:
        return max(0.0, float(r.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


class Api:
    """One user's signed requests. `request` returns the response as it came; `call` (and
    `get`) check the status and return the JSON body. A GET's 429 is waited out (the balance
    endpoint allows one call per second), unless the caller asks for the raw answer."""

    def __init__(self, url: str, key_id: str, key_path: str | Path):
        self.base = url.rstrip("/")
        self.key_path = Path(key_path)
        # The project's own client, one instance per user: its signer and keep-alive session.
        config = Settings("local", self.base + API, "", key_id, self.key_path, "tests")
        self.client = Client(config)
        self.signer = self.client.signer
        self.session = self.client.session

    @classmethod
    def from_env(cls, url: str, env: Mapping[str, str]) -> Api:
        """From KALSHI_API_KEY_ID / KALSHI_PRIVATE_KEY_PATH (credentials.env, `add_user`)."""
        return cls(url, env["KALSHI_API_KEY_ID"], env["KALSHI_PRIVATE_KEY_PATH"])

    @classmethod
    def for_demo(cls, exchange: Any) -> Api:
        """The `demo` user of a running exchange (`.url`, `.data_dir`)."""
        return cls.from_env(exchange.url, read_env(Path(exchange.data_dir) / "credentials.env"))

    @classmethod
    def for_new_user(cls, exchange: Any, name: str, *args: str) -> Api:
        """A user added to a running exchange's data dir with `add_user`."""
        return cls.from_env(exchange.url, add_user(exchange.data_dir, name, *args))

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        sign: bool = True,
        raw_429: bool = False,
        **params: Any,
    ) -> requests.Response:
        """The response as it came, except that a GET answered 429 is retried (up to
        GET_429_WAIT seconds in all, after Retry-After when the exchange sends one): a burst of
        signed reads in a test then never turns into a 429 the test did not ask about.
        `raw_429=True` returns the first answer, 429 included (the rate-limit tests)."""
        waited, attempt = 0.0, 0
        while True:
            headers = self.signer.headers(method, API + path) if sign else {}
            r = self.session.request(
                method,
                self.base + API + path,
                json=body,
                params=params or None,
                headers=headers,
                timeout=10,
            )
            if r.status_code != 429 or method != "GET" or raw_429 or waited >= GET_429_WAIT:
                return r
            delay = retry_after(r) or min(0.25 * 2**attempt, 1.0)  # 0.25, 0.5, 1, 1, ...
            delay = min(delay, GET_429_WAIT - waited)
            time.sleep(delay)
            waited, attempt = waited + delay, attempt + 1

    def call(
        self, method: str, path: str, body: Any = None, *, expect: int | None = None, **params: Any
    ) -> Any:
        """The JSON body (None if empty); asserts status `expect`, or any 2xx without it."""
        r = self.request(method, path, body, **params)
        if expect is None:
            assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        else:
            assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, **params)

    def balance(self, exchange_index: int | None = None) -> Decimal:
        """Available cash on every exchange index, or on one."""
        body = self.call("GET", "/portfolio/balance", expect=200, exchange_index=exchange_index)
        return Decimal(body["balance_dollars"])

    def to_index(self, dollars: int, index: int = 1) -> None:
        """Move cash from exchange index 0 to `index` (combos trade on index 1's cash)."""
        body = {
            "source": "event_contract",
            "destination": "event_contract",
            "amount": dollars * 10_000,  # centi-cents
            "source_exchange_shard": 0,
            "destination_exchange_shard": index,
        }
        self.call("POST", "/portfolio/intra_exchange_instance_transfer", body, expect=200)

    def balances(self) -> tuple[Decimal, Decimal]:
        """(index 0, index 1) available cash, from one read's balance_breakdown."""
        body = self.call("GET", "/portfolio/balance", expect=200)
        by_index = {b["exchange_index"]: Decimal(b["balance"]) for b in body["balance_breakdown"]}
        return by_index[0], by_index[1]

    def book(self, ticker: str, **params: Any) -> dict:
        """The `orderbook_fp` of GET /markets/{ticker}/orderbook."""
        body = self.call("GET", f"/markets/{ticker}/orderbook", expect=200, **params)
        return body["orderbook_fp"]

    def place_order(self, ticker: str, side: str, price: str, count: str, **extra: Any) -> dict:
        """POST /portfolio/events/orders (good till canceled unless `extra` says otherwise)."""
        body = {"ticker": ticker, "side": side, "price": price, "count": count, **ORDER, **extra}
        return self.call("POST", "/portfolio/events/orders", body, expect=201)
