"""Which subaccount a private request acts on: the `subaccount` it names, checked against the
caller's API key and against the subaccounts that exist.

Kalshi (OpenAPI 3.34.0, SubaccountQueryDefaultPrimary and the order/fill list notes):
"Subaccount-restricted API keys default to their locked subaccount and must omit this parameter
or pass their locked subaccount"; such keys "return only that subaccount's orders/fills". A
subaccount exists only once POST /portfolio/subaccounts created it: naming another one is 404.
"""

from __future__ import annotations

from aiohttp import web

from sandbox.http.errors import ApiError, bad_request
from sandbox.http.params import q_int
from sandbox.http.routing import EXCHANGE, user_id


def locked_subaccount(request: web.Request) -> int | None:
    """The subaccount the caller's API key is restricted to (None: unrestricted)."""
    return request["api_key"].subaccount


def refuse_restricted(request: web.Request, what: str) -> None:
    """403 for operations a subaccount-restricted key may not perform."""
    locked = locked_subaccount(request)
    if locked is not None:
        raise ApiError(
            403,
            "forbidden",
            f"this API key is restricted to subaccount {locked} and cannot {what}",
        )


def resolve(request: web.Request, value: object, default: int | None) -> int | None:
    """The subaccount to use: `value` (from the query or body), else the key's locked one, else
    `default` (None = every subaccount). 400 out of range, 403 against the key, 404 unknown."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise bad_request("subaccount must be an integer 0-63", "subaccount")
    if value is not None and not 0 <= value <= 63:
        raise bad_request("subaccount must be 0-63", "subaccount")
    locked = locked_subaccount(request)
    if locked is not None:
        if value is not None and value != locked:
            raise ApiError(403, "forbidden", f"this API key is restricted to subaccount {locked}")
        value = locked
    if value is None:
        return default
    request.app[EXCHANGE].require_subaccount(user_id(request), value)
    return value


def subaccount_query(request: web.Request, default: int | None) -> int | None:
    """The `subaccount` query parameter, resolved (see `resolve`)."""
    return resolve(request, q_int(request, "subaccount", None, lo=0, hi=63), default)


def require_fcm(request: web.Request) -> None:
    """403 unless the caller is an FCM member using an unrestricted key (the spec's /fcm/*
    403: "requires an unrestricted FCM member API key")."""
    if request.app[EXCHANGE].member_type(user_id(request)) != "fcm":
        raise ApiError(403, "forbidden", "this endpoint requires FCM member access")
    refuse_restricted(request, "use FCM endpoints")
