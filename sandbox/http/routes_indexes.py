"""Exchange indexes: intra-exchange transfers, their history, the target balance allocation.

OpenAPI 3.34.0 (IntraExchangeInstanceTransfer*, *TargetBalanceAllocation*) and
docs.kalshi.com/getting_started/exchange_sharding; the rules live in sandbox/engine/indexes.py.
A subaccount-restricted key "can only transfer between event_contract exchange indices, with
source_subaccount and destination_subaccount both set to the key's subaccount" (omitted ones
default to it here), sees only the transfers of its subaccount, and cannot read or replace the
account-wide target allocation (403).
"""

from __future__ import annotations

import uuid

from aiohttp import web

from sandbox.engine.models import IndexTransfer
from sandbox.http import serialize as ser
from sandbox.http.errors import ApiError, bad_request
from sandbox.http.params import field, json_body, paginate
from sandbox.http.routing import EXCHANGE, Routes, json_response, user_id
from sandbox.http.scope import locked_subaccount, refuse_restricted

ROUTES = Routes()
INSTANCE = "event_contract"  # the only exchange instance the local exchange runs


def transfer_body(t: IndexTransfer) -> dict:
    body = {
        "transfer_id": t.transfer_id,
        "source": INSTANCE,
        "destination": INSTANCE,
        "source_exchange_shard": t.source_index,
        "destination_exchange_shard": t.destination_index,
        "amount": ser.dollars(t.amount),
        "status": "complete",  # applied in the request's own operation
        "created_ts": t.created_ts // 1000,
    }
    if t.client_transfer_id:  # "Omitted if none was provided."
        body["client_transfer_id"] = t.client_transfer_id
    return body


def _subaccount(body: dict, name: str, locked: int | None) -> int:
    value = field(body, name, int)
    if locked is None:
        return value or 0
    if value is not None and value != locked:
        raise ApiError(
            403,
            "forbidden",
            f"this API key is restricted to subaccount {locked}: {name} must be {locked}",
        )
    return locked


@ROUTES.post("/portfolio/intra_exchange_instance_transfer")
async def create_transfer(request: web.Request) -> web.Response:
    body = await json_body(request)
    client_id = field(body, "client_transfer_id", str)
    if client_id is not None:
        try:
            uuid.UUID(client_id)
        except ValueError:
            raise bad_request("client_transfer_id must be a UUID", "client_transfer_id") from None
    locked = locked_subaccount(request)
    transfer_id = request.app[EXCHANGE].transfer_between_indexes(
        user_id(request),
        source=field(body, "source", str, required=True),
        destination=field(body, "destination", str, required=True),
        amount=field(body, "amount", int, required=True),
        source_index=field(body, "source_exchange_shard", int) or 0,
        destination_index=field(body, "destination_exchange_shard", int) or 0,
        source_subaccount=_subaccount(body, "source_subaccount", locked),
        destination_subaccount=_subaccount(body, "destination_subaccount", locked),
        client_transfer_id=client_id,
    )
    return json_response({"transfer_id": transfer_id})


@ROUTES.get("/portfolio/intra_exchange_instance_transfers", private=True)
async def list_transfers(request: web.Request) -> web.Response:
    items = request.app[EXCHANGE].indexes.list_transfers(user_id(request))
    locked = locked_subaccount(request)
    if locked is not None:
        items = [t for t in items if locked in (t.source_subaccount, t.destination_subaccount)]
    page, cursor = paginate(
        request, items, 100, 500, lambda t: (t.created_ts, t.seq), descending=True
    )
    body: dict = {"transfers": [transfer_body(t) for t in page]}
    if cursor:  # "Omitted when there are no further pages."
        body["cursor"] = cursor
    return json_response(body)


@ROUTES.get("/portfolio/intra_exchange_instance_transfers/{transfer_id}", private=True)
async def get_transfer(request: web.Request) -> web.Response:
    t = request.app[EXCHANGE].indexes.get_transfer(
        user_id(request), request.match_info["transfer_id"]
    )
    locked = locked_subaccount(request)
    if locked is not None and locked not in (t.source_subaccount, t.destination_subaccount):
        raise ApiError(404, "not_found", "transfer not found")
    return json_response({"transfer": transfer_body(t)})


@ROUTES.get("/portfolio/target_balance_allocation", private=True)
async def get_allocation(request: web.Request) -> web.Response:
    refuse_restricted(request, "read the account's target balance allocation")
    a = request.app[EXCHANGE].indexes.allocation(user_id(request))
    return json_response(
        {
            "allocations": [{"exchange_index": i, "percent": p} for i, p in a.allocations],
            "resting_margin_reservation": a.resting_margin_reservation,
        }
    )


@ROUTES.post("/portfolio/target_balance_allocation")
async def set_allocation(request: web.Request) -> web.Response:
    body = await json_body(request)
    items = field(body, "allocations", list, required=True)
    pairs = []
    for item in items:
        if not isinstance(item, dict):
            raise bad_request("allocations: objects with exchange_index and percent", "allocations")
        pairs.append(
            (
                field(item, "exchange_index", int, required=True),
                field(item, "percent", int, required=True),
            )
        )
    reservation = field(body, "resting_margin_reservation", str)
    refuse_restricted(request, "set the account's target balance allocation")
    request.app[EXCHANGE].set_target_allocation(user_id(request), pairs, reservation)
    return json_response({})


__all__ = ["ROUTES", "transfer_body"]
