"""FCM member endpoints (/fcm/*). A regular or direct member gets the 403 the live exchange
sends ("Forbidden - requires an unrestricted FCM member API key", OpenAPI 3.34.0)."""

from __future__ import annotations

from aiohttp import web

from sandbox.http.errors import ApiError
from sandbox.http.routing import Routes
from sandbox.http.scope import require_fcm

ROUTES = Routes()

# Every /fcm operation of the spec (method, path).
FCM_OPERATIONS = (
    ("GET", "/fcm/fills"),
    ("GET", "/fcm/orders"),
    ("GET", "/fcm/subtraders"),
    ("POST", "/fcm/subtraders"),
    ("GET", "/fcm/subtraders/event_contract_daily_cap"),
    ("PUT", "/fcm/subtraders/event_contract_daily_cap"),
    ("DELETE", "/fcm/subtraders/event_contract_daily_cap"),
    ("GET", "/fcm/subtraders/blocked_categories"),
    ("PUT", "/fcm/subtraders/blocked_categories"),
    ("GET", "/fcm/positions"),
    ("POST", "/fcm/positions/transfers"),
)


async def fcm_only(request: web.Request) -> web.Response:
    """Regular and direct members: live's 403. FCM members (subtraders, caps, blocked
    categories) are not built on the local exchange yet, and are told so."""
    require_fcm(request)
    raise ApiError(
        403, "forbidden", "FCM subtrader operations are not available on the local exchange"
    )


for _method, _path in FCM_OPERATIONS:
    ROUTES.route(_method, _path, private=True)(fcm_only)
