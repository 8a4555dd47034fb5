"""Signature checks for REST requests and the WebSocket handshake.

A request is signed with three headers: `KALSHI-ACCESS-KEY` (key id), `KALSHI-ACCESS-TIMESTAMP`
(Unix ms) and `KALSHI-ACCESS-SIGNATURE` (base64 of a signature over `timestamp + METHOD + path`,
the full URL path without the query string). RSA keys sign with RSA-PSS / SHA-256 / MGF1-SHA-256;
we expect Kalshi's 32-byte salt but also accept any salt length (PSS.AUTO), which costs a second
verify only for signatures that fail the first. Ed25519 keys sign the same text.

Timestamp window: Kalshi does not document its tolerance. Observed: ±10 s accepted, ±60 s
rejected, −30 s rejected while +30 s accepted. We accept timestamps at most 20 s in the past and
at most 45 s in the future; outside that, 401 `header_timestamp_expired`.

Public endpoints (the spec's unsecured GETs) need no signature; but a public request that
carries the headers is checked like a private one (a bad signature is 401) and charged, as
Kalshi's rate-limit page says every authenticated request costs tokens (app.auth_middleware).

Each failure has its own 401 body, in the live nested shape:
- missing header(s):        code `authentication_error`, details `MISSING_AUTH_HEADERS`
- unknown key id:           code `authentication_error`, details `NOT_FOUND` ("API key not found")
- timestamp not a number or outside the window: code `header_timestamp_expired`
- signature does not verify: code `authentication_error`, details `INCORRECT_API_KEY_SIGNATURE`
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding

from sandbox.http.errors import ApiError
from sandbox.http.keys import ApiKey, KeyRegistry

PAST_WINDOW_MS = 20_000
FUTURE_WINDOW_MS = 45_000

_TIMESTAMP = re.compile(r"[0-9]{1,16}")
HEADERS = ("KALSHI-ACCESS-KEY", "KALSHI-ACCESS-TIMESTAMP", "KALSHI-ACCESS-SIGNATURE")
_SHA256 = hashes.SHA256()
_PSS_DIGEST = padding.PSS(mgf=padding.MGF1(_SHA256), salt_length=padding.PSS.DIGEST_LENGTH)
_PSS_AUTO = padding.PSS(mgf=padding.MGF1(_SHA256), salt_length=padding.PSS.AUTO)


def verify_request(
    keys: KeyRegistry, method: str, path: str, headers: Mapping[str, str], now_ms: int | None = None
) -> ApiKey:
    """The API key that signed `METHOD path`, or ApiError(401) saying why not.

    `path` is the request path without the query string (for the WebSocket handshake:
    `verify_request(keys, "GET", "/trade-api/ws/v2", request.headers)`).
    """
    key_id, ts, signature = (headers.get(h) for h in HEADERS)
    if not (key_id and ts and signature):
        missing = ", ".join(
            h for h, v in zip(HEADERS, (key_id, ts, signature), strict=True) if not v
        )
        raise ApiError(
            401, "authentication_error", f"missing headers: {missing}", "MISSING_AUTH_HEADERS"
        )
    key = keys.get(key_id)
    if key is None:
        raise ApiError(401, "authentication_error", "API key not found", "NOT_FOUND")
    now = int(time.time() * 1000) if now_ms is None else now_ms
    # ASCII digits only (str.isdigit also takes other scripts' digits), at most 16 of them (a
    # 5000-digit value would exceed int()'s digit limit and is never a time anyway).
    fresh = _TIMESTAMP.fullmatch(ts) and now - PAST_WINDOW_MS <= int(ts) <= now + FUTURE_WINDOW_MS
    if not fresh:
        raise ApiError(
            401,
            "header_timestamp_expired",
            "KALSHI-ACCESS-TIMESTAMP must be the current Unix time in milliseconds "
            f"(accepted: {PAST_WINDOW_MS // 1000} s behind to {FUTURE_WINDOW_MS // 1000} s ahead)",
        )
    if not _signature_ok(key, (ts + method.upper() + path).encode(), signature):
        raise ApiError(
            401, "authentication_error", "signature does not verify", "INCORRECT_API_KEY_SIGNATURE"
        )
    return key


def _signature_ok(key: ApiKey, message: bytes, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    public = key.public_key
    try:
        if isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(signature, message)
        else:
            try:
                public.verify(signature, message, _PSS_DIGEST, _SHA256)
            except InvalidSignature:
                public.verify(signature, message, _PSS_AUTO, _SHA256)
    except InvalidSignature:
        return False
    return True
