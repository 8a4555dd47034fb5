"""API keys and account limits. `/account/limits` and `/account/endpoint_costs` read the same
tables the rate limiter enforces."""

from __future__ import annotations

from aiohttp import web

from sandbox.http import ratelimit
from sandbox.http import serialize as ser
from sandbox.http.errors import ApiError, bad_request, not_found
from sandbox.http.keys import check_scopes, parse_public_key
from sandbox.http.params import field, json_body, q_str
from sandbox.http.routing import EXCHANGE, KEYS, LIMITER, Routes, json_response, user_id
from sandbox.http.scope import locked_subaccount, refuse_restricted, resolve

ROUTES = Routes()


def _key_args(request: web.Request, body: dict) -> tuple[str, str, tuple[str, ...], int | None]:
    """Owner, name, scopes and the subaccount the new key is restricted to: one that exists;
    a key made with a restricted key is restricted to the same subaccount. With
    `fcm_subtrader_id` (FCM members only, spec: "binds the API key to a single FCM subtrader
    that you own"; "Mutually exclusive with subaccount") the key belongs to that subtrader."""
    name = field(body, "name", str, required=True)
    if not name.strip():
        raise bad_request("name must not be empty", "name")
    scopes = check_scopes(body.get("scopes"))
    subtrader = field(body, "fcm_subtrader_id", str)
    if subtrader is not None:
        if body.get("subaccount") is not None:
            raise bad_request("subaccount or fcm_subtrader_id, not both", "subaccount")
        return _subtrader(request, subtrader), name, scopes, None
    sub = resolve(request, field(body, "subaccount", int), None)
    return user_id(request), name, scopes, sub


@ROUTES.get("/api_keys", private=True)
async def list_keys(request: web.Request) -> web.Response:
    """The caller's keys; `fcm_subtrader_id` (FCM members): the keys bound to that subtrader."""
    subtrader = q_str(request, "fcm_subtrader_id")
    owner = user_id(request) if subtrader is None else _subtrader(request, subtrader)
    keys = request.app[KEYS].list(owner)
    return json_response({"api_keys": [k.to_json() for k in keys]})


def _subtrader(request: web.Request, subtrader_id: str) -> str:
    """One of the calling FCM's subtraders (403 for other callers, 404 for other ids)."""
    if request.app[EXCHANGE].member_type(user_id(request)) != "fcm":
        raise ApiError(403, "forbidden", "fcm_subtrader_id requires an FCM member caller")
    refuse_restricted(request, "manage subtrader keys")
    return request.app[EXCHANGE].fcm.own(user_id(request), subtrader_id).subtrader_id


@ROUTES.post("/api_keys")
async def create_key(request: web.Request) -> web.Response:
    """Register a public key the caller generated (Kalshi keeps no private key)."""
    body = await json_body(request)
    owner, name, scopes, sub = _key_args(request, body)
    public = parse_public_key(field(body, "public_key", str, required=True))
    key = request.app[KEYS].add(owner, name, public, scopes, sub)
    return json_response({"api_key_id": key.api_key_id}, status=201)


@ROUTES.post("/api_keys/generate")
async def generate_key(request: web.Request) -> web.Response:
    """A new key pair; the private key is in this response only (RSA PKCS#1, Ed25519 PKCS#8)."""
    body = await json_body(request)
    owner, name, scopes, sub = _key_args(request, body)
    key_type = field(body, "key_type", str) or "rsa"
    key, private_pem = request.app[KEYS].generate(owner, name, key_type, scopes, sub)
    return json_response(
        {"api_key_id": key.api_key_id, "key_type": key_type, "private_key": private_pem},
        status=201,
    )


@ROUTES.delete("/api_keys/{api_key}")
async def delete_key(request: web.Request) -> web.Response:
    """The caller's key, or (FCM members) a key bound to one of its subtraders."""
    keys, key_id = request.app[KEYS], request.match_info["api_key"]
    key = keys.get(key_id)
    owner = user_id(request)
    if key is not None and key.user_id != owner:
        sub = request.app[EXCHANGE].fcm.subtraders.get(key.user_id)
        if sub is not None and sub.fcm_id == owner and locked_subaccount(request) is None:
            owner = key.user_id  # a key bound to one of the caller's subtraders
    if not keys.delete(owner, key_id):
        raise not_found("API key")
    return web.Response(status=204)


@ROUTES.get("/account/limits", private=True)
async def account_limits(request: web.Request) -> web.Response:
    user = user_id(request)
    grant = request.app[EXCHANGE].usage_grant(user)
    grants = []
    if grant is not None:
        g = {"exchange_instance": "event_contract", "level": grant.level, "source": grant.source}
        if grant.expires_ts is not None:
            g["expires_ts"] = grant.expires_ts // 1000
        grants.append(g)
    return json_response(request.app[LIMITER].account_limits(user, grants))


@ROUTES.post("/account/api_usage_level/upgrade")
async def upgrade_usage_level(request: web.Request) -> web.Response:
    """A permanent Advanced grant; 403 unless one of the user's last 100 orders came through the
    API. /account/limits and the rate limiter use the new tier at once."""
    user = user_id(request)
    request.app[EXCHANGE].upgrade_usage_level(user)
    request.app[LIMITER].regrade(user)
    return web.Response(status=201)


@ROUTES.get("/account/api_usage_level/volume_progress", private=True)
async def volume_progress(request: web.Request) -> web.Response:
    """Trailing-30-day contracts from the user's fills, against each volume tier's goals."""
    ex = request.app[EXCHANGE]
    return json_response(
        {
            "volume_progress": [
                {
                    "computed_ts": ex.now() // 1000,
                    "trailing_30d_volume_fp": ser.count(ex.trailing_volume(user_id(request))),
                    "goals": [
                        {
                            "level": level,
                            "earn_volume_goal_fp": ser.count(earn),
                            "keep_volume_goal_fp": ser.count(keep),
                        }
                        for level, earn, keep in ex.volume_goals()
                    ],
                }
            ]
        }
    )


@ROUTES.get("/account/endpoint_costs")
async def endpoint_costs(request: web.Request) -> web.Response:
    return json_response(ratelimit.endpoint_costs())
