"""HTTP access to the Kalshi Trade API: signed raw calls, the official SDK client, WS headers.

- `raw_get/raw_post/raw_put/raw_delete`: one keep-alive `requests.Session` per process, JSON in and
  out, a timeout on every call, signed headers on private paths. GETs are retried on 429, 5xx and
  connection errors (exponential backoff with full jitter, bounded in attempts and total time);
  writes are retried only when the connection could not even be opened, so nothing is sent twice.
- `get_client()`: the official `kalshi_python_sync.KalshiClient`, imported here and only here
  (it costs ~0.4 s), sharing this module's parsed key and given a default timeout.
- `build_ws_headers()`: the handshake headers for the WebSocket, fresh on every call.

Every failure surfaces as `KalshiError` (API or network) or `ConfigError` (local settings).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import requests

from auth.config import WS_PATH, settings
from auth.errors import ConfigError, KalshiError, hint_for
from auth.signing import signer

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


@dataclass
class RetryPolicy:
    """Bounds for retrying GETs. 429 carries no Retry-After, so backoff is ours to choose."""

    attempts: int = 5
    base_delay: float = 0.25
    max_delay: float = 8.0
    total_time: float = 30.0

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


retry_policy = RetryPolicy()


@dataclass
class Stats:
    """Requests sent by this process (the benchmarks read it)."""

    requests: int = 0


stats = Stats()


@cache
def session() -> requests.Session:
    s = requests.Session()
    s.headers.update({"Accept": "application/json", "User-Agent": "kalshi-api-examples/0.1"})
    return s


def is_private(method: str, path: str) -> bool:
    return method != "GET" or path.startswith(PRIVATE_PREFIXES)


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


def prepare(
    method: str, path: str, json: Any = None, params: dict[str, Any] | None = None
) -> requests.PreparedRequest:
    """Build the request exactly as it would be sent (signed if the path is private)."""
    s = settings()
    if not path.startswith("/"):
        path = "/" + path
    method = method.upper()
    headers = {}
    if is_private(method, path):
        headers.update(signer().headers(method, s.rest_prefix + path))
    req = requests.Request(
        method, s.rest_base + path, params=_query(params or {}), json=json, headers=headers
    )
    return session().prepare_request(req)


def request(
    method: str, path: str, json: Any = None, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Send one API call and return its JSON body ({} for an empty 2xx)."""
    s = settings()
    method = method.upper()
    retry_reads = method == "GET"
    started = time.monotonic()
    attempt = 0
    while True:
        prepared = prepare(method, path, json, params)  # re-signed per attempt: fresh timestamp
        try:
            stats.requests += 1
            resp = session().send(prepared, timeout=TIMEOUT)
        except requests.RequestException as exc:
            # A write is safe to retry only if the connection was never opened.
            safe = retry_reads or _never_sent(exc)
            if safe and _may_retry(attempt, started):
                time.sleep(retry_policy.delay(attempt))
                attempt += 1
                continue
            raise _network_error(exc, method, path, s.env) from None
        if resp.status_code in RETRY_STATUSES and retry_reads and _may_retry(attempt, started):
            time.sleep(retry_policy.delay(attempt))
            attempt += 1
            continue
        return _decode(resp, method, path, s.env)


def _may_retry(attempt: int, started: float) -> bool:
    elapsed = time.monotonic() - started
    next_wait = min(retry_policy.max_delay, retry_policy.base_delay * 2**attempt)
    return attempt + 1 < retry_policy.attempts and elapsed + next_wait <= retry_policy.total_time


def _never_sent(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text


def _network_error(exc: Exception, method: str, path: str, env: str) -> KalshiError:
    kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
    host = settings().rest_base.split("/trade-api")[0]
    err = KalshiError(0, "network_error", f"{kind} talking to {host}", method=method, path=path)
    err.hint = hint_for(err, env=env)
    return err


def _decode(resp: requests.Response, method: str, path: str, env: str) -> dict[str, Any]:
    if resp.status_code >= 400:
        raise KalshiError.from_response(
            resp.status_code,
            resp.content,
            method=method,
            path=path,
            server_date=resp.headers.get("Date"),
            env=env,
        )
    if not resp.content:
        return {}
    try:
        return resp.json()
    except ValueError:
        raise KalshiError(
            resp.status_code,
            "invalid_response",
            f"expected JSON, got {resp.headers.get('Content-Type', 'no content type')}",
            method=method,
            path=path,
        ) from None


def raw_get(path: str, **params: Any) -> dict[str, Any]:
    """GET /trade-api/v2{path}?params (None values dropped). Retried on 429/5xx/network errors."""
    return request("GET", path, params=params)


def raw_post(path: str, json: Any = None) -> dict[str, Any]:
    """POST a JSON body. Not retried unless the connection could not be opened."""
    return request("POST", path, json=json)


def raw_put(path: str, json: Any = None) -> dict[str, Any]:
    """PUT a JSON body. Not retried unless the connection could not be opened."""
    return request("PUT", path, json=json)


def raw_delete(path: str, json: Any = None, **params: Any) -> dict[str, Any]:
    """DELETE, optionally with a JSON body (batch cancel) or query parameters."""
    return request("DELETE", path, json=json, params=params)


def build_ws_headers() -> dict[str, str]:
    """The three KALSHI-ACCESS-* headers for the WebSocket handshake (signed over
    `GET /trade-api/ws/v2`). Call again on every reconnect: the timestamp must be fresh."""
    return signer().headers("GET", WS_PATH)


@cache
def get_client():  # -> kalshi_python_sync.KalshiClient (imported lazily: ~0.4 s)
    """The official SDK client for the current environment, built once per process.

    Without credentials it still serves public endpoints. It signs with this module's already
    parsed key, retries like raw_get, and gets a default timeout (the SDK has none: a silent
    server would hang it)."""
    import kalshi_python_sync
    from urllib3.util.retry import Retry

    s = settings()
    # The same policy as raw_get: GETs retried on 429/5xx, writes only if never sent
    # (urllib3 retries connect errors for every method, status codes only for allowed_methods).
    retries = Retry(
        total=retry_policy.attempts - 1,
        backoff_factor=retry_policy.base_delay,
        backoff_max=retry_policy.max_delay,
        backoff_jitter=retry_policy.base_delay,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        read=0,
        raise_on_status=False,
    )
    config = kalshi_python_sync.Configuration(host=s.rest_base, retries=retries)
    client = kalshi_python_sync.KalshiClient(config)
    if s.has_credentials:
        client.kalshi_auth = signer()  # duck-types the SDK's KalshiAuth.create_auth_headers
    send = client.rest_client.request

    def send_with_timeout(*args, _request_timeout=None, **kwargs):
        return send(*args, _request_timeout=_request_timeout or TIMEOUT, **kwargs)

    client.rest_client.request = send_with_timeout
    deserialize = client.response_deserialize

    def accept_200_for_201(response_data, response_types_map=None):
        # The SDK parses only the documented status; live was seen answering 200 where the spec
        # says 201 (create order V2), and the SDK would then return None. Read both.
        types = response_types_map or {}
        if "201" in types and "200" not in types:
            types = {**types, "200": types["201"]}
        return deserialize(response_data, types)

    client.response_deserialize = accept_200_for_201
    return client


def sdk_error(exc: BaseException) -> KalshiError | None:
    """Translate an exception raised inside the official SDK into a KalshiError, if it is one."""
    import sys

    sdk_exc = sys.modules.get("kalshi_python_sync.exceptions")
    if sdk_exc is not None and isinstance(exc, sdk_exc.ApiException):
        headers = dict(exc.headers or {})
        return KalshiError.from_response(
            exc.status or 0,
            exc.body,
            method="",
            path="",
            server_date=headers.get("Date") or headers.get("date"),
            env=settings().env,
        )
    import urllib3

    if isinstance(exc, urllib3.exceptions.HTTPError):
        return _network_error(exc, "", "", settings().env)
    return None


__all__ = [
    "ConfigError",
    "KalshiError",
    "build_ws_headers",
    "get_client",
    "prepare",
    "raw_delete",
    "raw_get",
    "raw_post",
    "raw_put",
    "sdk_error",
]
