"""aiohttp's own protocol errors (request line or headers over its limits, malformed requests)
answered in Kalshi's JSON error body instead of aiohttp's text/plain page.

Those errors never reach the app's middlewares: aiohttp's `RequestHandler.handle_error` renders
them directly. `Runner` is an `AppRunner` whose connections use `JsonErrorHandler`, which keeps
aiohttp's logging and connection handling and only replaces the body. (aiohttp has no public hook
for this; `Server` and `RequestHandler` are its documented low-level classes, pinned at 3.13.)
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import LineTooLong
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest

from sandbox.http.errors import error_response

_DETAILS_MAX = 200  # aiohttp's message may quote the offending line; keep the body small


class JsonErrorHandler(RequestHandler):
    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        plain = super().handle_error(request, status, exc, message)  # logs; may raise if sent
        if status >= 500:
            code, text = "internal_server_error", "internal server error"
        elif isinstance(exc, LineTooLong):
            code, text = "bad_request", "request line or header too long"
        else:
            code, text = "bad_request", "malformed HTTP request"
        details = (message or "")[:_DETAILS_MAX] or None if status < 500 else None
        response = error_response(plain.status, code, text, details)
        response.force_close()
        return response


class JsonErrorServer(web.Server):
    def __call__(self) -> RequestHandler:
        return JsonErrorHandler(self, loop=self._loop, **self._kwargs)


class Runner(web.AppRunner):
    """`web.AppRunner` whose protocol-level errors are JSON in Kalshi's shape."""

    async def _make_server(self) -> web.Server:
        server: Any = await super()._make_server()
        server.__class__ = JsonErrorServer  # same object and state, our handler factory
        return server
