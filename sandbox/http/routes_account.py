"""API keys and account limits. `/account/limits` and `/account/endpoint_costs` read the same
tables the rate limiter enforces."""

from __future__ import annotations

from aiohttp import web

from sandbox.http import ratelimit
from sandbox.http.errors import bad_request, not_found
from sandbox.http.keys import check_scopes, parse_public_key
from sandbox.http.params import field, json_body
from sandbox.http.routing import KEYS, LIMITER, Routes, json_response, user_id

ROUTES = Routes()


def _key_args(body: dict) -> tuple[str, tuple[str, ...], int | None]:
    name = field(body, "name", str, required=True)
    if not name.strip():
        raise bad_request("name must not be empty", "name")
    sub = field(body, "subaccount", int)
    if sub is not None and not 0 <= sub <= 63:
        raise bad_request("subaccount must be 0-63", "subaccount")
    return name, check_scopes(body.get("scopes")), sub


@ROUTES.get("/api_keys", private=True)
async def list_keys(request: web.Request) -> web.Response:
    keys = request.app[KEYS].list(user_id(request))
    return json_response({"api_keys": [k.to_json() for k in keys]})


@ROUTES.post("/api_keys")
async def create_key(request: web.Request) -> web.Response:
    """Register a public key the caller generated (Kalshi keeps no private key)."""
    body = await json_body(request)
    name, scopes, sub = _key_args(body)
    public = parse_public_key(field(body, "public_key", str, required=True))
    key = request.app[KEYS].add(user_id(request), name, public, scopes, sub)
    return json_response({"api_key_id": key.api_key_id}, status=201)


@ROUTES.post("/api_keys/generate")
async def generate_key(request: web.Request) -> web.Response:
    """A new key pair; the private key is in this response only (RSA PKCS#1, Ed25519 PKCS#8)."""
    body = await json_body(request)
    name, scopes, sub = _key_args(body)
    key_type = field(body, "key_type", str) or "rsa"
    key, private_pem = request.app[KEYS].generate(user_id(request), name, key_type, scopes, sub)
    return json_response(
        {"api_key_id": key.api_key_id, "key_type": key_type, "private_key": private_pem},
        status=201,
    )


@ROUTES.delete("/api_keys/{api_key}")
async def delete_key(request: web.Request) -> web.Response:
    if not request.app[KEYS].delete(user_id(request), request.match_info["api_key"]):
        raise not_found("API key")
    return web.Response(status=204)


@ROUTES.get("/account/limits", private=True)
async def account_limits(request: web.Request) -> web.Response:
    return json_response(request.app[LIMITER].account_limits())


@ROUTES.get("/account/endpoint_costs")
async def endpoint_costs(request: web.Request) -> web.Response:
    return json_response(ratelimit.endpoint_costs())
