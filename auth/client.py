"""HTTP access to the Kalshi Trade API: one `Client` per user and environment.

A `Client` holds the settings, the signer (key parsed once), one keep-alive `requests.Session`
and the retry policy. Scripts use the module functions (`raw_get`, `get_client`, ...), which
delegate to one default client per process; tests and users who need two users or two
environments in one process build two `Client`s.

Retries (bounded in attempts and total time, exponential backoff with full jitter):
- 429 for every method, writes included: a 429 is the token bucket rejecting the request (a
  batch is rejected whole) before anything is processed, with no Retry-After, so back off
  exponentially (docs.kalshi.com "Rate Limits"; shared/reference/kalshi-api-facts.md [S5]).
- 5xx and lost connections only for GETs, and for writes only when the connection never opened.
  A create that lost its answer is made safe by its client_order_id (auth.orders.create_order).

Every failure surfaces as a `KalshiError` subclass (auth.errors) or `ConfigError`.
"""

from __future__ import annotations

import json as jsonlib
import random
import sys
import time
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any
from urllib.parse import quote

import requests

from auth.config import WS_PATH, Settings, settings
from auth.errors import (
    ConfigError,
    InvalidResponse,
    KalshiError,
    MissingField,
    NetworkError,
    Timeout,
    hint_for,
)
from auth.signing import Signer, signer_for

# Paths (relative to /trade-api/v2) that need a signature. Everything else GET is public.
PRIVATE_PREFIXES = (
    "/portfolio",
    "/api_keys",
    "/account/limits",
    "/account/api_usage_level",
    "/communications",
    "/fcm",
    "/historical/fills",
    "/historical/orders",
    "/historical/positions",
)

TIMEOUT = (5.0, 15.0)  # (connect, read) seconds: no call may hang forever
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Characters left as they are in a path: RFC 3986 pchar plus "/". A space, "#", "?" or non-ASCII
# in an id is percent-encoded, and the encoded path is what gets signed.
PATH_SAFE = "/:@!$&'()*+,;=-._~"


@dataclass
class RetryPolicy:
    """Bounds for retries. 429 carries no Retry-After, so backoff is ours to choose."""

    attempts: int = 6
    base_delay: float = 0.25
    max_delay: float = 8.0
    total_time: float = 30.0

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))

    def may_retry(self, attempt: int, started: float) -> bool:
        elapsed = time.monotonic() - started
        next_wait = min(self.max_delay, self.base_delay * 2**attempt)
        return attempt + 1 < self.attempts and elapsed + next_wait <= self.total_time


@dataclass
class Stats:
    """Requests sent by this process (the benchmarks read it)."""

    requests: int = 0
    retries: int = 0


stats = Stats()


def is_private(method: str, path: str) -> bool:
    return method != "GET" or path.startswith(PRIVATE_PREFIXES)


def encode_path(path: str) -> str:
    """`/markets/A B#1` -> `/markets/A%20B%231`: ids go into the path percent-encoded."""
    return quote(path if path.startswith("/") else "/" + path, safe=PATH_SAFE)


def _query(params: dict[str, Any]) -> dict[str, Any]:
    """Drop None values; booleans as true/false; lists stay lists (sent as repeated keys, the
    `form, explode=true` style the spec uses for every array parameter). Comma-separated
    parameters (`tickers` on /markets, `market_tickers`) are plain strings: join them yourself."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        out[key] = value
    return out


class Body(dict):
    """A JSON object from the API. A missing field raises InvalidResponse (a clear message)
    instead of a bare KeyError: the answer did not have the documented shape."""

    def __missing__(self, key: str) -> Any:
        raise MissingField(
            200, "invalid_response", f"the answer has no {key!r} field (not the documented shape)"
        )


class Client:
    """One user on one environment: settings, signer, session and retry policy."""

    def __init__(
        self,
        config: Settings | None = None,
        *,
        retry: RetryPolicy | None = None,
        signer: Signer | None = None,
    ):
        self._config = config
        self.retry = retry or RetryPolicy()
        self._signer = signer

    @property
    def settings(self) -> Settings:
        return self._config or settings()

    @property
    def signer(self) -> Signer:
        """Parsed on first use; ConfigError (before any request) if credentials are missing."""
        if self._signer is None:
            self._signer = signer_for(self.settings)
        return self._signer

    @cached_property
    def session(self) -> requests.Session:
        s = requests.Session()
        s.headers.update({"Accept": "application/json", "User-Agent": "kalshi-api-examples/0.1"})
        return s

    # ---- REST ---------------------------------------------------------------------------------

    def prepare(
        self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None
    ) -> requests.PreparedRequest:
        """Build the request exactly as it would be sent (signed if the path is private)."""
        s = self.settings
        path, method = encode_path(path), method.upper()
        headers = {}
        if is_private(method, path):
            headers.update(self.signer.headers(method, s.rest_prefix + path))
        req = requests.Request(
            method, s.rest_base + path, params=_query(params or {}), json=json, headers=headers
        )
        return self.session.prepare_request(req)

    def request(
        self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None
    ) -> Body:
        """Send one API call and return its JSON object (empty for an empty 2xx)."""
        method = method.upper()
        is_read = method == "GET"
        policy, started, attempt = self.retry, time.monotonic(), 0
        while True:
            prepared = self.prepare(method, path, json, params)  # re-signed: fresh timestamp
            try:
                stats.requests += 1
                resp = self.session.send(prepared, timeout=TIMEOUT)
            except requests.RequestException as exc:
                if (is_read or _never_sent(exc)) and policy.may_retry(attempt, started):
                    attempt = self._wait(attempt)
                    continue
                raise self.network_error(exc, method, path) from None
            retry = resp.status_code == 429 or (is_read and resp.status_code in RETRY_STATUSES)
            if retry and policy.may_retry(attempt, started):
                attempt = self._wait(attempt)
                continue
            return self._decode(resp, method, path)

    def _wait(self, attempt: int) -> int:
        stats.retries += 1
        time.sleep(self.retry.delay(attempt))
        return attempt + 1

    def network_error(self, exc: BaseException, method: str, path: str) -> KalshiError:
        timed_out = isinstance(exc, requests.Timeout) or "timeout" in type(exc).__name__.lower()
        kind, what = (Timeout, "timed out") if timed_out else (NetworkError, "connection failed")
        host = self.settings.rest_base.split("/trade-api")[0]
        err = kind(0, "network_error", f"{what} talking to {host}", method=method, path=path)
        err.hint = hint_for(err, env=self.settings.env)
        return err

    def _decode(self, resp: requests.Response, method: str, path: str) -> Body:
        if resp.status_code >= 400:
            raise KalshiError.from_response(
                resp.status_code,
                resp.content,
                method=method,
                path=path,
                server_date=resp.headers.get("Date"),
                env=self.settings.env,
            )
        if not resp.content:
            return Body()
        kind = resp.headers.get("Content-Type", "no content type")
        try:
            data = jsonlib.loads(resp.content, object_hook=Body)
        except ValueError:
            shown = resp.content[:60].decode("utf-8", "replace")
            raise InvalidResponse(
                resp.status_code,
                "invalid_response",
                f"the answer is not valid JSON ({kind}): {shown!r}",
                method=method,
                path=path,
            ) from None
        if not isinstance(data, Body):
            raise InvalidResponse(
                resp.status_code,
                "invalid_response",
                f"expected a JSON object, got {type(data).__name__}",
                method=method,
                path=path,
            )
        return data

    def get(self, path: str, **params: Any) -> Body:
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any = None) -> Body:
        return self.request("POST", path, json=json)

    def put(self, path: str, json: Any = None) -> Body:
        return self.request("PUT", path, json=json)

    def delete(self, path: str, json: Any = None, **params: Any) -> Body:
        return self.request("DELETE", path, json=json, params=params)

    def ws_headers(self) -> dict[str, str]:
        """The three KALSHI-ACCESS-* headers for the WebSocket handshake (signed over
        `GET /trade-api/ws/v2`). Call again on every reconnect: the timestamp must be fresh."""
        return self.signer.headers("GET", WS_PATH)

    # ---- the official SDK ---------------------------------------------------------------------

    @cached_property
    def sdk(self):  # -> kalshi_python_sync.KalshiClient (imported lazily: ~0.4 s)
        """The official SDK client on this client's environment, key and retry policy."""
        from auth.sdk import build_sdk_client

        return build_sdk_client(self)


def _never_sent(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text


@cache
def default() -> Client:
    """The process-wide client the module functions use."""
    return Client()


def prepare(
    method: str, path: str, json: Any = None, params: dict[str, Any] | None = None
) -> requests.PreparedRequest:
    return default().prepare(method, path, json, params)


def raw_get(path: str, **params: Any) -> Body:
    """GET /trade-api/v2{path}?params (None values dropped). Retried on 429/5xx/network errors."""
    return default().get(path, **params)


def raw_post(path: str, json: Any = None) -> Body:
    """POST a JSON body. Retried on 429 (nothing was processed), else only if never sent."""
    return default().post(path, json)


def raw_put(path: str, json: Any = None) -> Body:
    """PUT a JSON body. Retried on 429 (nothing was processed), else only if never sent."""
    return default().put(path, json)


def raw_delete(path: str, json: Any = None, **params: Any) -> Body:
    """DELETE, optionally with a JSON body (batch cancel) or query parameters."""
    return default().delete(path, json, **params)


def build_ws_headers() -> dict[str, str]:
    return default().ws_headers()


def get_client():  # -> kalshi_python_sync.KalshiClient
    """The official SDK client for the current environment, built once per process. Public
    endpoints work without credentials; a private call without them stops with ConfigError
    before anything is sent."""
    return default().sdk


def session() -> requests.Session:
    return default().session


def sdk_error(exc: BaseException) -> KalshiError | None:
    """Translate an exception raised inside the official SDK into a KalshiError, if it is one."""
    if isinstance(exc, KalshiError):
        return exc
    sdk_exc = sys.modules.get("kalshi_python_sync.exceptions")
    if sdk_exc is not None and isinstance(exc, sdk_exc.ApiException):
        headers = dict(exc.headers or {})
        return KalshiError.from_response(
            exc.status or 0,
            exc.body,
            server_date=headers.get("Date") or headers.get("date"),
            env=default().settings.env,
        )
    if "urllib3" in sys.modules:
        import urllib3

        if isinstance(exc, urllib3.exceptions.HTTPError):
            reason = getattr(exc, "reason", None) or exc
            return default().network_error(reason, "", "")
    return None


__all__ = [
    "Body",
    "Client",
    "ConfigError",
    "KalshiError",
    "RetryPolicy",
    "build_ws_headers",
    "default",
    "encode_path",
    "get_client",
    "prepare",
    "raw_delete",
    "raw_get",
    "raw_post",
    "raw_put",
    "sdk_error",
]
