"""Route declarations and app keys: the leaf every route module, the app and the WebSocket side
import, so that no import has to be deferred to break a cycle.

`request.app[EXCHANGE]` and `request.app[KEYS]` are the exchange and the key registry;
`sandbox.http.signature.verify_request(...)` checks a signed request. Routes not declared through
`Routes` are left alone by the auth middleware.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.http.config import Config
from sandbox.http.errors import dumps
from sandbox.http.keys import ApiKey, KeyRegistry
from sandbox.http.ratelimit import RateLimiter
from sandbox.http.recorder import Recorder

CONFIG = web.AppKey("config", Config)
# The engine front object; typed `Any` until the engine is type-checked too.
EXCHANGE: web.AppKey[Any] = web.AppKey("exchange")
KEYS = web.AppKey("keys", KeyRegistry)
LIMITER = web.AppKey("limiter", RateLimiter)
PRIVATE: web.AppKey[set[tuple[str, str]]] = web.AppKey("private_routes")
RECORDER = web.AppKey("recorder", Recorder)  # only with --record-requests

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Routes:
    """Route declarations of one module. Paths are relative to /trade-api/v2; `private=True`
    means the route needs a signed request (the spec's `security`)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, Handler, bool]] = []

    def route(self, method: str, path: str, *, private: bool) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.items.append((method, path, handler, private))
            return handler

        return register

    def get(self, path: str, *, private: bool = False) -> Callable[[Handler], Handler]:
        return self.route("GET", path, private=private)

    def post(self, path: str, *, private: bool = True) -> Callable[[Handler], Handler]:
        return self.route("POST", path, private=private)

    def put(self, path: str, *, private: bool = True) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, private=private)

    def delete(self, path: str, *, private: bool = True) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, private=private)


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=dumps)


def user_id(request: web.Request) -> str:
    """The user behind a private request (set by the auth middleware)."""
    key: ApiKey = request["api_key"]
    return key.user_id
