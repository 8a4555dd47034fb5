"""The two errors a script can meet: bad local configuration, and an API (or network) failure.

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
        err = cls(status, code, message, details, method=method, path=path)
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
            f"KalshiError(status={self.status!r}, code={self.code!r}, message={self.message!r}, "
            f"details={self.details!r})"
        )


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
    code = (err.code or "").lower()
    blob = " ".join(str(x) for x in (err.code, err.message, err.details) if x).lower()
    if err.status == 401 or code == "header_timestamp_expired":
        if "timestamp" in blob:
            return _clock_hint(server_date)
        if "signature" in blob:
            return (
                "the signature did not verify: sign timestamp_ms + METHOD + the full path "
                "(with /trade-api/v2, without the query string) with the key that belongs to "
                "KALSHI_API_KEY_ID"
            )
        if env == "local" and ("not_found" in blob or "authentication" in blob or "key" in blob):
            return (
                "the local exchange does not know this key id: it belongs to another data dir "
                "(KALSHI_SANDBOX_DIR) or to demo/prod; unset KALSHI_API_KEY_ID to use the local "
                "exchange's own credentials"
            )
        if "not_found" in blob or "authentication" in blob or "key" in blob:
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
