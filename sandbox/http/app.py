"""The REST application: middlewares (latency, errors, auth, rate limits) and the route table.

`sandbox.build.build` creates it with `create_app` and adds the WebSocket endpoint; app keys and
`Routes` live in the leaf module `sandbox.http.routing`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from sandbox.engine.errors import EngineError
from sandbox.http import (
    ratelimit,
    routes_account,
    routes_communications,
    routes_discovery,
    routes_exchange,
    routes_fcm,
    routes_fees,
    routes_funding,
    routes_historical,
    routes_indexes,
    routes_live,
    routes_market,
    routes_multivariate,
    routes_orders,
    routes_portfolio,
    routes_rfqbatches,
    routes_subaccounts,
)
from sandbox.http.config import Config
from sandbox.http.errors import (
    ApiError,
    error_response,
    from_http_exception,
    too_many_requests,
)
from sandbox.http.keys import KeyRegistry
from sandbox.http.params import json_body
from sandbox.http.provision import adopt_user
from sandbox.http.ratelimit import API_PREFIX, RateLimiter
from sandbox.http.recorder import Recorder
from sandbox.http.routing import CONFIG, EXCHANGE, KEYS, LIMITER, PRIVATE, RECORDER, Handler
from sandbox.http.signature import HEADERS as AUTH_HEADERS
from sandbox.http.signature import verify_request

log = logging.getLogger("sandbox.http")

ROUTE_MODULES = (
    routes_fees,  # before routes_market: /series/fee_changes is not a series ticker
    routes_exchange,
    routes_multivariate,  # before routes_market: /events/multivariate, not /events/{ticker}
    routes_market,
    routes_portfolio,
    routes_orders,
    routes_historical,
    routes_account,
    routes_subaccounts,
    routes_indexes,
    routes_fcm,
    routes_funding,
    routes_communications,
    routes_rfqbatches,
    routes_discovery,
    routes_live,
)


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure leaves as Kalshi's nested error body; never an HTML page or a bare 500."""
    try:
        return await handler(request)
    except (ApiError, EngineError) as exc:
        return error_response(exc.status, exc.code, exc.message, exc.details)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return from_http_exception(exc)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_server_error", "internal server error")


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Signature check, scope check and token-bucket charge for private routes, and for public
    routes called with a signature: "Every authenticated request costs tokens"
    (docs.kalshi.com/getting_started/rate_limits), so a signed public read is verified (a bad
    signature is 401) and charged; an unsigned one stays free."""
    route = request.match_info.route
    template = getattr(route.resource, "canonical", "")
    if not template.startswith(API_PREFIX):
        return await handler(request)
    path = template[len(API_PREFIX) :]
    method = request.method
    if (method, path) not in request.app[PRIVATE] and not any(
        h in request.headers for h in AUTH_HEADERS
    ):
        return await handler(request)
    signed_path = request.raw_path.partition("?")[0]  # as sent (still percent-encoded)
    key = verify_request(request.app[KEYS], method, signed_path, request.headers)
    if not request.app[EXCHANGE].has_user(key.user_id):
        adopt_user(request.app[EXCHANGE], key.user_id)  # added by `add-user` meanwhile
    if method != "GET" and "write" not in key.scopes:
        raise ApiError(403, "insufficient_scope", "this API key is read-only", "write scope needed")
    items = 1
    if (method, path) in ratelimit.PER_ITEM:
        items = await _batch_size(request)
    cost = ratelimit.cost(method, path, items)
    if not request.app[LIMITER].allow(key.user_id, ratelimit.lane(method, path), cost):
        return too_many_requests()
    request["api_key"] = key
    return await handler(request)


async def _batch_size(request: web.Request) -> int:
    """Items in a batch body (read once here; aiohttp caches it for the handler)."""
    orders = (await json_body(request)).get("orders")
    return len(orders) if isinstance(orders, list) else 1


def latency_middleware(delay_ms: int):
    @web.middleware
    async def delay(request: web.Request, handler: Handler) -> web.StreamResponse:
        await asyncio.sleep(delay_ms / 1000)
        return await handler(request)

    return delay


def create_app(config: Config, exchange: Any, keys: KeyRegistry) -> web.Application:
    """The REST application, with the exchange and key registry in app state."""
    middlewares = [errors_middleware, auth_middleware]
    if config.latency_ms > 0:
        middlewares.insert(0, latency_middleware(config.latency_ms))
    recorder = Recorder(config.record_requests) if config.record_requests else None
    if recorder is not None:
        middlewares.insert(0, recorder.middleware())
    app = web.Application(middlewares=middlewares, client_max_size=config.max_body_bytes)
    if recorder is not None:
        app[RECORDER] = recorder
        app.on_cleanup.append(recorder.close)
    app[CONFIG] = config
    app[EXCHANGE] = exchange
    app[KEYS] = keys
    app[LIMITER] = RateLimiter(config.tier, granted=exchange.usage.level_of)
    private: set[tuple[str, str]] = set()
    for module in ROUTE_MODULES:
        for method, path, handler, is_private in module.ROUTES.items:
            app.router.add_route(method, API_PREFIX + path, handler)
            if is_private:
                private.add((method, path))
    app[PRIVATE] = private
    return app
