"""The errors a script can meet: bad local configuration, and an API (or network) failure.

`KalshiError` has one subclass per meaning (`NotFound`, `Conflict`, `RateLimited`, `AuthError`,
`ValidationError`, `ServerError`, `NetworkError`/`Timeout`, `InvalidResponse`), so callers catch
what they mean instead of matching message text; `from_response` picks it from the status.

`KalshiError` understands every error-body shape the API sends (see docs/kalshi_api_reference.md):
nested `{"error": {"code", "message", "details"}}` (most errors on the wire), flat
`{"code", "message", "details"}` (the spec's ErrorResponse), `{"error": "too many requests"}` (429)
and `{"msg": ...}`. Its `str()` is one human line plus a hint for the common mistakes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class ConfigError(Exception):
    """Missing or bad local configuration (exit code 2). The message says what to set."""


class KalshiError(Exception):
    """An error answer from the API, or no answer at all (status 0 = network failure)."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        details: str | None = None,
        *,
        method: str = "",
        path: str = "",
        hint: str | None = None,
    ):
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.method = method
        self.path = path
        self.hint = hint
        self.body: bytes | None = None  # the raw answer, for the few documented error bodies
        super().__init__(str(self))

    @classmethod
    def from_response(
        cls,
        status: int,
        body: bytes | str | None,
        *,
        method: str = "",
        path: str = "",
        server_date: str | None = None,
        env: str = "",
    ) -> KalshiError:
        code, message, details = parse_error_body(body)
        kind = error_class(status) if cls is KalshiError else cls
        err = kind(status, code, message, details, method=method, path=path)
        err.body = body.encode() if isinstance(body, str) else body
        err.hint = hint_for(err, server_date=server_date, env=env)
        return err

    def __str__(self) -> str:
        where = f"{self.method} {self.path}".strip()
        what = " / ".join(str(x) for x in (self.code, self.message, self.details) if x)
        status = f"HTTP {self.status}" if self.status else "no response"
        line = f"{status}{' on ' + where if where else ''}: {what or 'no error body'}"
        return f"{line}\n  hint: {self.hint}" if self.hint else line

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
            f"message={self.message!r}, details={self.details!r})"
        )


class AuthError(KalshiError):
    """401/403: the request was not accepted as yours (key, signature, clock, scope)."""


class NotFound(KalshiError):
    """404: no such market, event, order, group... (or not yours)."""


class Conflict(KalshiError):
    """409: the state forbids it (order_already_exists, not resting, ...)."""


class ValidationError(KalshiError):
    """400/422: the request itself is wrong (missing or bad parameters)."""


class RateLimited(KalshiError):
    """429: the token bucket is empty; nothing was processed, so retrying is safe."""


class Retired(KalshiError):
    """410: the endpoint was retired."""


class ServerError(KalshiError):
    """5xx: the exchange failed; a write may or may not have happened."""


class NetworkError(KalshiError):
    """No answer at all (status 0): connection refused or reset, DNS, TLS."""


class Timeout(NetworkError):
    """The connection opened but no answer came in time (a write may have been processed)."""


class InvalidResponse(KalshiError):
    """An answer that is not the JSON the endpoint documents (broken JSON, wrong shape)."""


class MissingField(InvalidResponse, KeyError):
    """A JSON object lacks a field the caller read (also a KeyError, for `except KeyError`)."""

    __str__ = KalshiError.__str__


_BY_STATUS: dict[int, type[KalshiError]] = {
    400: ValidationError,
    401: AuthError,
    403: AuthError,
    404: NotFound,
    409: Conflict,
    410: Retired,
    422: ValidationError,
    429: RateLimited,
}


def error_class(status: int) -> type[KalshiError]:
    """The KalshiError subclass for an HTTP status (0 = no answer)."""
    if status == 0:
        return NetworkError
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, KalshiError)


def parse_error_body(body: bytes | str | None) -> tuple[str | None, str | None, str | None]:
    """(code, message, details) from any of the API's error-body shapes, or from plain text."""
    if body is None or body in (b"", ""):
        return None, None, None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except ValueError:
        return None, text.strip()[:200] or None, None
    if not isinstance(data, dict):
        return None, str(data)[:200], None
    inner = data.get("error")
    if isinstance(inner, dict):  # nested: {"error": {"code", "message", "details"}}
        data = inner
    elif isinstance(inner, str):  # 429: {"error": "too many requests"}
        return None, inner, None
    if "msg" in data and "message" not in data:  # {"msg": "..."}
        return data.get("code"), _text(data.get("msg")), None
    return _text(data.get("code")), _text(data.get("message")), _text(data.get("details"))


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def hint_for(err: KalshiError, *, server_date: str | None = None, env: str = "") -> str | None:
    """One line of advice for the mistakes people actually make."""
    # Match the machine-readable code and details only: words in a message (a header name such
    # as KALSHI-ACCESS-TIMESTAMP in "missing headers: ...") must not pick the wrong advice.
    code = (err.code or "").lower()
    details = (err.details or "").upper()
    if code == "header_timestamp_expired":
        return _clock_hint(server_date)
    if err.status == 401:
        if details == "INCORRECT_API_KEY_SIGNATURE":
            return (
                "the signature did not verify: sign timestamp_ms + METHOD + the full path "
                "(with /trade-api/v2, without the query string) with the key that belongs to "
                "KALSHI_API_KEY_ID"
            )
        if details == "MISSING_AUTH_HEADERS":
            return (
                "the request was not signed: this endpoint needs KALSHI_API_KEY_ID and "
                "KALSHI_PRIVATE_KEY_PATH"
            )
        if details == "NOT_FOUND" and env == "local":
            return (
                "the local exchange does not know this key id: it belongs to another data dir "
                "(KALSHI_SANDBOX_DIR) or to demo/prod; unset KALSHI_API_KEY_ID to use the local "
                "exchange's own credentials"
            )
        if details == "NOT_FOUND":
            other = {"demo": "prod", "prod": "demo"}.get(env, "demo or prod")
            return (
                f"the key id is not known on [{env or '?'}]: demo and prod keys are separate, "
                f"so this may be a {other} key; check KALSHI_ENV and KALSHI_API_KEY_ID"
            )
        return "authentication failed: check KALSHI_API_KEY_ID, KALSHI_PRIVATE_KEY_PATH, KALSHI_ENV"
    if err.status == 403:
        return "this key lacks the scope for this call (a read-only key cannot write)"
    if err.status == 404 and any(p in err.path for p in ("/markets/", "/events/", "/series/")):
        return (
            "unknown ticker: check the spelling (tickers are upper-case); markets settled before "
            "the historical cutoff live under /historical/markets/{ticker}"
        )
    if err.status == 404 and "/portfolio/orders/" in err.path:
        return "unknown order id (or it belongs to another account or subaccount)"
    if err.status == 404 and not err.path:  # raised inside the SDK, which does not say the path
        return "not found: check the ticker or id (tickers are upper-case)"
    if err.status == 410 or "deprecated" in code:
        return (
            "this endpoint was retired: order writes moved to the V2 API under "
            "/portfolio/events/orders (side bid/ask, dollar-string price, count string)"
        )
    if err.status == 429:
        return (
            "rate limit: your token bucket is empty (no Retry-After is sent); slow down and retry "
            "with backoff; see 09_account_management/02_account_limits.py for your budget"
        )
    if err.status == 0:
        return (
            "the exchange cannot be reached: check the network; for KALSHI_ENV=local start it with "
            "`uv run python -m sandbox`"
            if env == "local"
            else "the exchange cannot be reached: check your network connection and KALSHI_ENV"
        )
    return None


def _clock_hint(server_date: str | None) -> str:
    local = datetime.now(UTC)
    base = "the request timestamp is too far from the server's clock: sync your clock (NTP)"
    if not server_date:
        return base
    try:
        server = parsedate_to_datetime(server_date)
    except (TypeError, ValueError):
        return base
    skew = (local - server).total_seconds()
    return (
        f"{base}; your clock reads {local:%Y-%m-%dT%H:%M:%SZ}, the server's Date header "
        f"{server:%Y-%m-%dT%H:%M:%SZ} (you are {skew:+.0f} s off)"
    )
