"""RFQ batches (spec tag `communications`, `/communications/rfq_batches*`): create, list, read
and close batches, the creator's best quotes and accept, makers' batch quotes and confirm.

Visibility follows the spec: every user sees every batch (makers must), with the creator's id
obscured as for RFQs; `updated_ts`, `close_reason`, `client_batch_id` and the creator's user id
and subaccount only for the creator. Best quotes go only to the creator and never name makers;
batch quotes only to their maker and, once accepted, to the creator for the children won.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.engine.communications import HIDDEN_ID
from sandbox.engine.models import BatchQuote, RfqBatch
from sandbox.engine.rfqbatches import RfqBatches
from sandbox.http import serialize as ser
from sandbox.http.errors import ApiError, bad_request
from sandbox.http.params import decode_cursor, encode_cursor, field, json_body, q_choice, q_limit
from sandbox.http.routes_communications import (
    _drop_none,
    _self_filter,
    _subaccount,
    _uuid,
    quote_json,
    rfq_json,
)
from sandbox.http.routing import EXCHANGE, Routes, json_response, user_id

ROUTES = Routes()

BATCH_STATUSES = ("open", "accepted", "closed")
MAX_CHILDREN_PER_PAGE = 100  # "a page ... stops before its child RFQs would exceed 100"


def batch_json(batches: RfqBatches, b: RfqBatch, viewer: str) -> dict[str, Any]:
    mine = viewer == b.user_id
    comms = batches.comms
    hidden = b.obscure_creator and not mine and not b.executed
    return _drop_none(
        {
            "id": b.batch_id,
            "creator_id": HIDDEN_ID if hidden else comms.communications_id(b.user_id),
            "status": b.status,
            "created_ts": ser.iso_ms(b.created_ts),
            "accepted_ts": ser.iso_ms(b.accepted_ts),
            "closed_ts": ser.iso_ms(b.closed_ts),
            "rfqs": [rfq_json(comms, comms.rfqs[rid], viewer) for rid in b.rfq_ids],
            "updated_ts": ser.iso_ms(b.updated_ts) if mine else None,
            "close_reason": (b.close_reason or None) if mine else None,
            "client_batch_id": (b.client_batch_id or None) if mine else None,
            "creator_user_id": b.user_id if mine else None,
            "creator_subaccount": b.subaccount if mine else None,
        }
    )


def batch_quote_json(batches: RfqBatches, bq: BatchQuote, quotes: list, viewer: str) -> dict:
    comms = batches.comms
    b = batches.batches[bq.batch_id]
    maker, requester = viewer == bq.user_id, viewer == bq.rfq_user_id
    rfq_creator = comms.communications_id(b.user_id)
    if maker and b.obscure_creator and not b.executed:
        rfq_creator = HIDDEN_ID
    return _drop_none(
        {
            "id": bq.batch_quote_id,
            "rfq_batch_id": bq.batch_id,
            "creator_id": comms.communications_id(bq.user_id),
            "rfq_creator_id": rfq_creator,
            "status": bq.status,
            "created_ts": ser.iso_ms(bq.created_ts),
            "updated_ts": ser.iso_ms(bq.updated_ts),
            "accepted_side": bq.accepted_side,
            "accepted_ts": ser.iso_ms(bq.accepted_ts),
            "confirmed_ts": ser.iso_ms(bq.confirmed_ts),
            "quotes": [quote_json(comms, q, viewer) for q in quotes],
            "rest_remainder": bq.rest_remainder if maker else None,
            "post_only": bq.post_only if maker else None,
            "creator_user_id": bq.user_id if maker else None,
            "creator_subaccount": bq.subaccount if maker else None,
            "rfq_creator_user_id": bq.rfq_user_id if requester else None,
            "rfq_creator_subaccount": b.subaccount if requester else None,
        }
    )


def best_quotes_json(batches: RfqBatches, b: RfqBatch) -> dict[str, Any]:
    """RFQBatchBestQuotes: no bids once the batch is no longer open; makers never named."""
    rows, yes_all, no_all = [], True, True
    rfqs = batches.comms.rfqs
    best = batches.best(b) if b.status == "open" else [(rfqs[r], None, None) for r in b.rfq_ids]
    for r, yes, no in best:
        yes_all, no_all = yes_all and yes is not None, no_all and no is not None
        row: dict[str, Any] = {"rfq_id": r.rfq_id, "market_ticker": r.ticker}
        for name, top in (("yes", yes), ("no", no)):
            if top is not None:
                row[f"{name}_bid_dollars"] = ser.price(top.price)
                row[f"{name}_contracts_offered_fp"] = ser.count(
                    batches.comms.contracts_for(r, name, top.price)
                )
        rows.append(row)
    return _drop_none(
        {
            "rfq_batch_id": b.batch_id,
            "status": b.status,
            "version": b.version,
            "updated_ts": ser.iso_ms(b.best_ts),
            "yes_complete": yes_all,
            "no_complete": no_all,
            "rfqs": rows,
        }
    )


def _batch_id(request: web.Request) -> str:
    return _uuid(request.match_info["rfq_batch_id"], "rfq_batch_id") or ""


def _list(body: dict, name: str) -> list:
    value = field(body, name, list, required=True)
    if not 2 <= len(value) <= 57:
        raise bad_request(f"{name} takes 2 to 57 entries", name)
    if not all(isinstance(x, dict) for x in value):
        raise bad_request(f"each entry of {name} is an object", name)
    return value


def _strings(entries: list, names: tuple[str, ...], where: str) -> None:
    for e in entries:
        for n in names:
            if e.get(n) is not None and not isinstance(e[n], str):
                raise bad_request(f"{where}.{n} must be a string", n)


@ROUTES.get("/communications/rfq_batches", private=True)
async def get_rfq_batches(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    viewer = user_id(request)
    found = ex.list_rfq_batches(
        user_id=viewer if _self_filter(request, "user_filter") else None,
        status=q_choice(request, "status", BATCH_STATUSES),
    )
    after = decode_cursor(request.query.get("cursor"))
    limit = q_limit(request, 20, 20)
    start = 0
    if after:
        key = tuple(after)
        if len(key) != 2 or not isinstance(key[0], int) or not isinstance(key[1], str):
            raise bad_request("cursor does not belong to this list", "cursor")
        start = next(
            (i for i, b in enumerate(found) if (b.updated_ts, b.batch_id) < key), len(found)
        )
    page: list[RfqBatch] = []
    children = 0
    for b in found[start:]:
        if len(page) == limit or children + len(b.rfq_ids) > MAX_CHILDREN_PER_PAGE:
            break
        page.append(b)
        children += len(b.rfq_ids)
    more = start + len(page) < len(found)
    cursor = encode_cursor((page[-1].updated_ts, page[-1].batch_id)) if more and page else ""
    return json_response(
        {"rfq_batches": [batch_json(ex.batches, b, viewer) for b in page], "cursor": cursor}
    )


@ROUTES.post("/communications/rfq_batches")
async def create_rfq_batch(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    body = await json_body(request)
    if body.get("subtrader_id") is not None:
        raise ApiError(403, "rfq_batch_unavailable", "FCM members cannot create RFQ batches yet")
    children = _list(body, "children")
    _strings(children, ("market_ticker", "contracts_fp", "target_cost_dollars"), "children")
    for c in children:
        if c.get("selected_markets") is not None and not isinstance(c["selected_markets"], list):
            raise bad_request("children.selected_markets must be a list", "selected_markets")
    viewer = user_id(request)
    b = ex.create_rfq_batch(
        viewer,
        children=children,
        mve_collection_ticker=field(body, "mve_collection_ticker", str),
        contracts=field(body, "contracts_fp", str),
        target_cost=field(body, "target_cost_dollars", str),
        target_cost_excludes_fees=bool(field(body, "target_cost_excludes_fees", bool)),
        rest_remainder=bool(field(body, "rest_remainder", bool)),
        replace_existing=bool(field(body, "replace_existing", bool)),
        obscure_creator=bool(field(body, "obscure_creator_id", bool)),
        client_batch_id=field(body, "client_batch_id", str) or "",
        subaccount=_subaccount(body),
    )
    return json_response({"rfq_batch": batch_json(ex.batches, b, viewer)}, status=201)


@ROUTES.get("/communications/rfq_batches/{rfq_batch_id}", private=True)
async def get_rfq_batch(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    b = ex.get_rfq_batch(_batch_id(request))
    return json_response({"rfq_batch": batch_json(ex.batches, b, user_id(request))})


@ROUTES.delete("/communications/rfq_batches/{rfq_batch_id}")
async def delete_rfq_batch(request: web.Request) -> web.Response:
    request.app[EXCHANGE].delete_rfq_batch(user_id(request), _batch_id(request))
    return web.Response(status=204)


@ROUTES.get("/communications/rfq_batches/{rfq_batch_id}/best_quotes", private=True)
async def get_best_quotes(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    batch_id = _batch_id(request)
    ex.batch_best_quotes(user_id(request), batch_id)  # 404 / 403 for anyone but the creator
    b = ex.get_rfq_batch(batch_id)
    return json_response({"best_quotes": best_quotes_json(ex.batches, b)})


@ROUTES.put("/communications/rfq_batches/{rfq_batch_id}/accept")
async def accept_rfq_batch(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    batch_id = _batch_id(request)
    body = await json_body(request)
    side = field(body, "accepted_side", str, required=True)
    if side not in ("yes", "no"):
        raise bad_request("accepted_side must be yes or no", "accepted_side")
    min_bids = _list(body, "min_bids")
    _strings(min_bids, ("rfq_id", "bid_dollars"), "min_bids")
    for e in min_bids:
        _uuid(e.get("rfq_id") or "", "min_bids.rfq_id")
        if e.get("bid_dollars") is None:
            raise bad_request("min_bids.bid_dollars is required", "bid_dollars")
    viewer = user_id(request)
    quotes = ex.accept_rfq_batch(
        viewer, batch_id, side, min_bids, field(body, "client_order_id", str) or ""
    )
    return json_response(
        {"accepted_side": side, "quotes": [quote_json(ex.comms, q, viewer) for q in quotes]}
    )


@ROUTES.get("/communications/rfq_batches/{rfq_batch_id}/quotes", private=True)
async def get_batch_quotes(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    viewer = user_id(request)
    seen = ex.batch_quotes_visible(viewer, _batch_id(request))
    return json_response(
        {"batch_quotes": [batch_quote_json(ex.batches, bq, qs, viewer) for bq, qs in seen]}
    )


@ROUTES.post("/communications/rfq_batches/{rfq_batch_id}/quotes")
async def create_batch_quote(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    batch_id = _batch_id(request)
    body = await json_body(request)
    entries = _list(body, "quotes")
    _strings(entries, ("rfq_id", "yes_bid", "no_bid"), "quotes")
    for e in entries:
        _uuid(e.get("rfq_id") or "", "quotes.rfq_id")
        if e.get("yes_bid") is None or e.get("no_bid") is None:
            raise bad_request("every quote needs yes_bid and no_bid", "quotes")
    bq = ex.create_batch_quote(
        user_id(request),
        batch_id,
        quotes=entries,
        rest_remainder=field(body, "rest_remainder", bool, required=True),
        post_only=bool(field(body, "post_only", bool)),
        subaccount=_subaccount(body),
    )
    return json_response({"id": bq.batch_quote_id}, status=201)


def _quote_id(request: web.Request) -> str:
    return _uuid(request.match_info["batch_quote_id"], "batch_quote_id") or ""


@ROUTES.delete("/communications/rfq_batches/{rfq_batch_id}/quotes/{batch_quote_id}")
async def delete_batch_quote(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    ex.delete_batch_quote(user_id(request), _batch_id(request), _quote_id(request))
    return web.Response(status=204)


@ROUTES.put("/communications/rfq_batches/{rfq_batch_id}/quotes/{batch_quote_id}/confirm")
async def confirm_batch_quote(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    await json_body(request, required=False)
    ex.confirm_batch_quote(user_id(request), _batch_id(request), _quote_id(request))
    return web.Response(status=204)
