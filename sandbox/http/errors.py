"""Error rendering in the shape the live API sends: `{"error": {"code", "message", "details"}}`.

Every failure a handler can meet becomes an `ApiError` (or the engine's `EngineError`, which has
the same fields) and leaves as a JSON body with that nested shape; nothing escapes as a 500 page.
The one exception is 429, whose documented body is the bare string form `{"error": "too many
requests"}`.
"""

from __future__ import annotations

import json

from aiohttp import web


class ApiError(Exception):
    """A 4xx/5xx answer: HTTP status, machine code, human message, optional details."""

    def __init__(self, status: int, code: str, message: str, details: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def bad_request(message: str, details: str | None = None) -> ApiError:
    return ApiError(400, "invalid_parameters", message, details)


def not_found(what: str, details: str | None = None) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found", details)


def error_body(code: str, message: str, details: str | None = None) -> dict:
    inner = {"code": code, "message": message}
    if details is not None:
        inner["details"] = details
    return {"error": inner}


def error_response(
    status: int, code: str, message: str, details: str | None = None
) -> web.Response:
    return web.json_response(error_body(code, message, details), status=status, dumps=dumps)


def too_many_requests() -> web.Response:
    """Kalshi's documented 429: a string, not an object, and no Retry-After header."""
    return web.json_response({"error": "too many requests"}, status=429, dumps=dumps)


# One encoder for every response (json.dumps with keyword arguments builds a new one per call).
dumps = json.JSONEncoder(separators=(",", ":")).encode


# aiohttp's own HTTP errors (no route, wrong method, body too large) mapped to Kalshi-style codes.
HTTP_CODES = {
    404: ("not_found", "no such endpoint"),
    405: ("method_not_allowed", "method not allowed on this endpoint"),
    413: ("request_entity_too_large", "request body too large"),
}


def from_http_exception(exc: web.HTTPException) -> web.Response:
    code, message = HTTP_CODES.get(exc.status, ("bad_request", exc.reason or "bad request"))
    response = error_response(exc.status, code, message)
    if exc.status == 405 and "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response
