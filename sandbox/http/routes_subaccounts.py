"""Subaccounts: create, cash transfers between them, their balances, transfer history, netting.

Kalshi's rules (OpenAPI 3.34.0): creating one is "available to all users on the Advanced API tier
and above" (the caller's tier: the server's --tier or the user's usage-level grant); numbers run
1-63 in sequence; a transfer moves `amount_cents` between two existing subaccounts and is
idempotent on `client_transfer_id` (a repeat is 409, docs.kalshi.com/getting_started/subaccounts).
A subaccount-restricted key sees only its own subaccount and cannot create or move money between
subaccounts (transfers must have "source_subaccount and destination_subaccount both set to the
key's subaccount", which a subaccount transfer cannot be).
"""

from __future__ import annotations

import uuid

from aiohttp import web

from sandbox.engine.indexes import check_index
from sandbox.engine.subaccounts import transfer_amount_cents
from sandbox.http import serialize as ser
from sandbox.http.errors import ApiError, bad_request
from sandbox.http.params import field, json_body, paginate
from sandbox.http.ratelimit import TIERS
from sandbox.http.routing import EXCHANGE, LIMITER, Routes, json_response, user_id
from sandbox.http.scope import locked_subaccount, refuse_restricted, resolve

ROUTES = Routes()


def _exchange_index(body: dict) -> int:
    """An index the exchange runs (sandbox/engine/indexes.py); a subaccount exists on all."""
    return check_index("exchange_index", field(body, "exchange_index", int) or 0)


@ROUTES.post("/portfolio/subaccounts")
async def create_subaccount(request: web.Request) -> web.Response:
    body = await json_body(request, required=False)
    _exchange_index(body)
    refuse_restricted(request, "create subaccounts")
    tier = request.app[LIMITER].tier_of(user_id(request))
    if TIERS.index(tier) < TIERS.index("advanced"):
        raise ApiError(
            403,
            "forbidden",
            "subaccounts need the Advanced API usage tier or above",
            "POST /account/api_usage_level/upgrade grants Advanced",
        )
    acct = request.app[EXCHANGE].create_subaccount(user_id(request))
    return json_response({"subaccount_number": acct.subaccount}, status=201)


@ROUTES.post("/portfolio/subaccounts/transfer")
async def transfer(request: web.Request) -> web.Response:
    body = await json_body(request)
    client_id = field(body, "client_transfer_id", str, required=True)
    try:
        uuid.UUID(client_id)
    except ValueError:
        raise bad_request("client_transfer_id must be a UUID", "client_transfer_id") from None
    source = field(body, "from_subaccount", int, required=True)
    target = field(body, "to_subaccount", int, required=True)
    amount = field(body, "amount_cents", int, required=True)
    index = _exchange_index(body)
    refuse_restricted(request, "transfer between subaccounts")
    request.app[EXCHANGE].transfer_between_subaccounts(
        user_id(request), client_id, source, target, amount, index
    )
    return json_response({})


@ROUTES.get("/portfolio/subaccounts/balances", private=True)
async def balances(request: web.Request) -> web.Response:
    """One entry per subaccount on index 0, plus one per subaccount that holds cash records on
    another index ("Exchange index the balance is held on")."""
    ex = request.app[EXCHANGE]
    user, locked = user_id(request), locked_subaccount(request)
    accounts = ex.subaccount_accounts(user, locked)
    rows = [(a.subaccount, 0, a.balance, a.updated_ts) for a in accounts]
    rows += [
        (b.subaccount, b.exchange_index, b.balance, b.updated_ts)
        for b in ex.indexes.held(user)
        if locked is None or b.subaccount == locked
    ]
    return json_response(
        {
            "subaccount_balances": [
                {
                    "subaccount_number": sub,
                    "exchange_index": index,
                    "balance": ser.dollars(balance),
                    "updated_ts": ts // 1000,
                }
                for sub, index, balance, ts in sorted(rows, key=lambda r: r[:2])
            ]
        }
    )


@ROUTES.get("/portfolio/subaccounts/transfers", private=True)
async def transfers(request: web.Request) -> web.Response:
    items = request.app[EXCHANGE].list_subaccount_transfers(user_id(request))
    locked = locked_subaccount(request)
    if locked is not None:
        items = [t for t in items if locked in (t.from_subaccount, t.to_subaccount)]
    page, cursor = paginate(
        request, items, 100, 1000, lambda t: (t.created_ts, t.transfer_id), descending=True
    )
    return json_response(
        {
            "transfers": [
                {
                    "transfer_id": t.transfer_id,
                    "from_subaccount": t.from_subaccount,
                    "to_subaccount": t.to_subaccount,
                    "amount_cents": transfer_amount_cents(t),
                    "created_ts": t.created_ts // 1000,
                    "exchange_index": t.exchange_index,
                }
                for t in page
            ],
            "cursor": cursor,
        }
    )


@ROUTES.get("/portfolio/subaccounts/netting", private=True)
async def get_netting(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    user = user_id(request)
    return json_response(
        {
            "netting_configs": [
                {
                    "subaccount_number": a.subaccount,
                    "enabled": ex.netting_enabled(user, a.subaccount),
                    "exchange_index": 0,
                }
                for a in ex.subaccount_accounts(user, locked_subaccount(request))
            ]
        }
    )


@ROUTES.put("/portfolio/subaccounts/netting")
async def put_netting(request: web.Request) -> web.Response:
    body = await json_body(request)
    number = field(body, "subaccount_number", int, required=True)
    enabled = field(body, "enabled", bool, required=True)
    sub = resolve(request, number, 0)
    request.app[EXCHANGE].set_netting(user_id(request), sub, enabled)
    return json_response({})
