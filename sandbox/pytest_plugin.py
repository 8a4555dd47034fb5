"""pytest plugin: test a Kalshi bot against the local exchange, as moto does for AWS.

Installed with the project (entry point `pytest11`); nothing to import:

    def test_my_bot(kalshi_exchange, kalshi_user):
        kalshi_exchange.move_price("KXDEMO-1", "0.63")
        assert kalshi_user.get("/portfolio/balance")["balance"] == 100_000

Fixtures
  kalshi_exchange          a fresh exchange for this test (`sandbox.testing.LocalExchange`: a
                           free port, a temporary data dir; its control plane as methods). Sets
                           KALSHI_ENV=local, KALSHI_LOCAL_URL and KALSHI_SANDBOX_DIR for the test.
  kalshi_session_exchange  one exchange shared by the whole session (same environment variables
                           for the session).
  kalshi_user              a fresh user ($1,000) on `kalshi_exchange` with a signed client.
  kalshi_new_user          a factory: kalshi_new_user(name=None, balance="1000", tier=None, on=None)

Options: `@pytest.mark.kalshi_exchange("--seed", "3", in_process=True)` passes server flags
(default `--no-activity`: books only move when the test moves them) and runs the exchange in a
thread of the test process (no second interpreter); `--kalshi-in-process` does that for every
test.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sandbox.testing import LocalExchange

DEFAULT_ARGS = ("--no-activity",)
API = "/trade-api/v2"
_names = itertools.count(1)


class KalshiUser:
    """One user of a local exchange: credentials, environment and signed REST calls.

    `get/post/put/delete(path, ...)` take paths relative to /trade-api/v2 and return the JSON
    body; a 4xx/5xx raises `requests.HTTPError` (its `response` has Kalshi's error body).
    `ws_headers()` signs a WebSocket handshake; `env` suits code that reads KALSHI_* variables.
    """

    def __init__(self, exchange: LocalExchange, name: str, key_id: str, key_path: Path):
        from auth.signing import Signer, load_private_key

        self.exchange = exchange
        self.name = name
        self.key_id = key_id
        self.key_path = key_path
        self.signer = Signer(key_id, load_private_key(key_path))
        self._session: Any = None

    def __repr__(self) -> str:
        return f"KalshiUser({self.name!r})"  # never the key

    @property
    def env(self) -> dict[str, str]:
        return {
            "KALSHI_ENV": "local",
            "KALSHI_LOCAL_URL": self.exchange.url,
            "KALSHI_API_KEY_ID": self.key_id,
            "KALSHI_PRIVATE_KEY_PATH": str(self.key_path),
        }

    def ws_headers(self) -> dict[str, str]:
        return self.signer.headers("GET", "/trade-api/ws/v2")

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The `requests.Response` of a signed call, whatever its status."""
        if self._session is None:
            import requests

            self._session = requests.Session()
        full = API + path
        headers = self.signer.headers(method, full)
        return self._session.request(
            method, self.exchange.url + full, headers=headers, timeout=30, **kwargs
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = self.request(method, path, **kwargs)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params)

    def post(self, path: str, json: Any = None) -> Any:
        return self.call("POST", path, json=json)

    def put(self, path: str, json: Any = None) -> Any:
        return self.call("PUT", path, json=json)

    def delete(self, path: str, json: Any = None) -> Any:
        return self.call("DELETE", path, json=json)


def new_user(
    exchange: LocalExchange,
    name: str | None = None,
    balance: Decimal | str = "1000",
    tier: str | None = None,
) -> KalshiUser:
    name = name or f"user{os.getpid()}-{next(_names)}"
    key_id, key_path = exchange.add_user(name, balance, tier=tier)
    return KalshiUser(exchange, name, key_id, key_path)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kalshi", "local Kalshi exchange (sandbox)")
    group.addoption(
        "--kalshi-in-process",
        action="store_true",
        help="run kalshi_exchange fixtures in a thread of the test process",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "kalshi_exchange(*args, in_process=False): server flags for the kalshi_exchange fixture",
    )


def _exchange_env(ex: LocalExchange) -> dict[str, str]:
    return {
        "KALSHI_ENV": "local",
        "KALSHI_LOCAL_URL": ex.url,
        "KALSHI_SANDBOX_DIR": str(ex.data_dir),
    }


def _start(config: pytest.Config, marker: pytest.Mark | None) -> LocalExchange:
    args = DEFAULT_ARGS if marker is None or not marker.args else marker.args
    in_process = config.getoption("kalshi_in_process")
    if marker is not None and "in_process" in marker.kwargs:
        in_process = bool(marker.kwargs["in_process"])
    return LocalExchange(*args, in_process=in_process).start()


@pytest.fixture
def kalshi_exchange(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalExchange]:
    """A fresh local exchange for this test (see the module docstring)."""
    ex = _start(request.config, request.node.get_closest_marker("kalshi_exchange"))
    try:
        for name, value in _exchange_env(ex).items():
            monkeypatch.setenv(name, value)
        yield ex
    finally:
        ex.stop()


@pytest.fixture(scope="session")
def kalshi_session_exchange(request: pytest.FixtureRequest) -> Iterator[LocalExchange]:
    """One local exchange for the whole session (default flags)."""
    ex = _start(request.config, None)
    with pytest.MonkeyPatch.context() as mp:
        try:
            for name, value in _exchange_env(ex).items():
                mp.setenv(name, value)
            yield ex
        finally:
            ex.stop()


@pytest.fixture
def kalshi_new_user(kalshi_exchange: LocalExchange) -> Callable[..., KalshiUser]:
    """`kalshi_new_user(name=None, balance="1000", tier=None, on=None)`: a fresh user with a
    signed client, on `kalshi_exchange` unless `on` names another exchange."""

    def make(
        name: str | None = None,
        balance: Decimal | str = "1000",
        tier: str | None = None,
        on: LocalExchange | None = None,
    ) -> KalshiUser:
        return new_user(on or kalshi_exchange, name, balance, tier)

    return make


@pytest.fixture
def kalshi_user(kalshi_new_user: Callable[..., KalshiUser]) -> KalshiUser:
    """A fresh user with $1,000 on `kalshi_exchange`, with a signed client."""
    return kalshi_new_user()
