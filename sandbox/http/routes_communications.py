"""The RFQ market (spec tag `communications`): RFQs, quotes, accept and confirm, the caller's
communications id, the deprecated flat `/communications/quotes/{id}` operations (they still
work, as the spec says), and block trade proposals.

Visibility follows the spec: every user sees every RFQ (makers must), but the creator's id is the
shared placeholder when `obscure_creator_id` was set, until a quote executes; a quote is seen
only by its maker and the RFQ's creator; private fields (user ids, order ids, subaccounts,
post_only) only by their owner.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

from sandbox.engine.blocks import Blocks
from sandbox.engine.communications import Communications
from sandbox.engine.models import Quote, Rfq
from sandbox.http import serialize as ser
from sandbox.http.errors import ApiError, bad_request
from sandbox.http.params import field, json_body, paginate, q_choice, q_int, q_str, q_ts
from sandbox.http.routing import EXCHANGE, Routes, json_response, user_id

ROUTES = Routes()

RFQ_STATUSES = ("open", "closed")
QUOTE_STATUSES = ("open", "accepted", "confirmed", "executed", "cancelled")


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def rfq_json(comms: Communications, r: Rfq, viewer: str) -> dict[str, Any]:
    mine = viewer == r.user_id
    return _drop_none(
        {
            "id": r.rfq_id,
            "creator_id": comms.creator_id_for(r, viewer),
            "market_ticker": r.ticker,
            "contracts_fp": ser.count(r.contracts if r.contracts is not None else 0),
            "target_cost_dollars": ser.dollars(r.target_cost),
            "target_cost_excludes_fees": r.target_cost_excludes_fees,
            "status": r.status,
            "created_ts": ser.iso_ms(r.created_ts),
            "updated_ts": ser.iso_ms(r.updated_ts),
            "cancelled_ts": ser.iso_ms(r.cancelled_ts),
            "cancellation_reason": r.cancellation_reason or None,
            "rest_remainder": r.rest_remainder,
            "mve_collection_ticker": r.mve_collection_ticker or None,
            "mve_selected_legs": list(r.mve_selected_legs) or None,
            "creator_user_id": r.user_id if mine else None,
            "creator_subaccount": r.subaccount if mine else None,
        }
    )


def quote_json(comms: Communications, q: Quote, viewer: str) -> dict[str, Any]:
    r = comms.rfqs[q.rfq_id]
    maker, requester = viewer == q.user_id, viewer == q.rfq_user_id
    yes_n = comms.contracts_for(r, "yes", q.yes_bid)
    no_n = comms.contracts_for(r, "no", q.no_bid)
    rfq_creator = comms.communications_id(r.user_id)
    if maker and r.obscure_creator and q.status != "executed":
        rfq_creator = comms.creator_id_for(r, viewer)
    return _drop_none(
        {
            "id": q.quote_id,
            "rfq_id": q.rfq_id,
            "creator_id": comms.communications_id(q.user_id),
            "rfq_creator_id": rfq_creator,
            "market_ticker": q.ticker,
            "contracts_fp": ser.count(q.contracts_accepted or r.contracts or max(yes_n, no_n)),
            "yes_bid_dollars": ser.price(q.yes_bid),
            "no_bid_dollars": ser.price(q.no_bid),
            "yes_contracts_fp": ser.count(yes_n),
            "no_contracts_fp": ser.count(no_n),
            "created_ts": ser.iso_ms(q.created_ts),
            "updated_ts": ser.iso_ms(q.updated_ts),
            "status": q.status,
            "accepted_side": q.accepted_side,
            "accepted_ts": ser.iso_ms(q.accepted_ts),
            "confirmed_ts": ser.iso_ms(q.confirmed_ts),
            "executed_ts": ser.iso_ms(q.executed_ts),
            "cancelled_ts": ser.iso_ms(q.cancelled_ts),
            "cancellation_reason": q.cancellation_reason or None,
            "rest_remainder": q.rest_remainder,
            "rfq_target_cost_dollars": ser.dollars(r.target_cost),
            "target_cost_excludes_fees": r.target_cost_excludes_fees,
            "post_only": q.post_only if maker else None,
            "creator_user_id": q.user_id if maker else None,
            "creator_order_id": (q.creator_order_id or None) if maker else None,
            "creator_subaccount": q.subaccount if maker else None,
            "rfq_creator_user_id": q.rfq_user_id if requester else None,
            "rfq_creator_order_id": (q.rfq_creator_order_id or None) if requester else None,
            "rfq_creator_subaccount": r.subaccount if requester else None,
        }
    )


def _uuid(value: str | None, name: str) -> str | None:
    """Ids pass unchanged, but a malformed one is a 400 (as the spec says for rfq_id)."""
    if value is None:
        return None
    try:
        uuid.UUID(value)
    except ValueError:
        raise bad_request(f"{name} is not a valid id", name) from None
    return value


def _self_filter(request: web.Request, name: str) -> bool:
    return q_choice(request, name, ("self",)) == "self"


def _fcm_only(body: dict) -> None:
    if body.get("subtrader_id") is not None:
        raise ApiError(403, "forbidden", "subtrader_id is for FCM members only")


def _subaccount(body: dict) -> int:
    sub = field(body, "subaccount", int)
    if sub is not None and not 0 <= sub <= 63:
        raise bad_request("subaccount must be 0-63", "subaccount")
    return sub or 0


# ---------------------------------------------------------------- identity


@ROUTES.get("/communications/id", private=True)
async def get_communications_id(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    return json_response({"communications_id": ex.communications_id(user_id(request))})


# ---------------------------------------------------------------- RFQs


@ROUTES.get("/communications/rfqs", private=True)
async def get_rfqs(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    viewer = user_id(request)
    creator = q_str(request, "creator_user_id")  # deprecated; the caller's own id only
    if creator is not None and creator != viewer:
        _uuid(creator, "creator_user_id")
    rfqs = ex.list_rfqs(
        user_id=viewer if _self_filter(request, "user_filter") or creator else None,
        status=q_choice(request, "status", RFQ_STATUSES),
        ticker=q_str(request, "market_ticker"),
        event_ticker=q_str(request, "event_ticker"),
        subaccount=q_int(request, "subaccount", None, lo=0, hi=63),
    )
    if creator is not None and creator != viewer:
        rfqs = []  # other users' ids are never revealed, so no RFQ matches them
    page, cursor = paginate(
        request, rfqs, 100, 100, lambda r: (r.created_ts, r.rfq_id), descending=True
    )
    return json_response({"rfqs": [rfq_json(ex.comms, r, viewer) for r in page], "cursor": cursor})


@ROUTES.post("/communications/rfqs")
async def create_rfq(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    body = await json_body(request)
    _fcm_only(body)
    ticker = field(body, "market_ticker", str, required=True)
    rest = field(body, "rest_remainder", bool, required=True)
    whole = field(body, "contracts", int)
    fp = field(body, "contracts_fp", str)
    if whole is not None and fp is not None and Decimal(whole) != _decimal(fp, "contracts_fp"):
        raise bad_request("contracts and contracts_fp must match", "contracts_fp")
    contracts = fp if fp is not None else (str(whole) if whole is not None else None)
    target = field(body, "target_cost_dollars", str)
    centi = field(body, "target_cost_centi_cents", int)  # deprecated: 1/10,000 of a dollar
    if target is None and centi is not None:
        target = str(Decimal(centi) / 10_000)
    r = ex.create_rfq(
        user_id(request),
        ticker=ticker,
        rest_remainder=rest,
        contracts=contracts,
        target_cost=target,
        target_cost_excludes_fees=bool(field(body, "target_cost_excludes_fees", bool)),
        obscure_creator=bool(field(body, "obscure_creator_id", bool)),
        replace_existing=bool(field(body, "replace_existing", bool)),
        subaccount=_subaccount(body),
    )
    return json_response({"id": r.rfq_id}, status=201)


def _decimal(text: str, name: str) -> Decimal:
    try:
        return Decimal(text)
    except ArithmeticError:
        raise bad_request(f"{name} is not a number", name) from None


@ROUTES.get("/communications/rfqs/{rfq_id}", private=True)
async def get_rfq(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    r = ex.get_rfq(_uuid(request.match_info["rfq_id"], "rfq_id"))
    return json_response({"rfq": rfq_json(ex.comms, r, user_id(request))})


@ROUTES.delete("/communications/rfqs/{rfq_id}")
async def delete_rfq(request: web.Request) -> web.Response:
    rfq_id = _uuid(request.match_info["rfq_id"], "rfq_id")
    request.app[EXCHANGE].delete_rfq(user_id(request), rfq_id)
    return web.Response(status=204)


# ---------------------------------------------------------------- quotes


@ROUTES.get("/communications/quotes", private=True)
async def get_quotes(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    viewer = user_id(request)
    for deprecated in ("quote_creator_user_id", "rfq_creator_user_id"):
        other = q_str(request, deprecated)
        if other is not None and other != viewer:
            page, cursor = paginate(request, [], 500, 500, lambda q: (q.created_ts, q.quote_id))
            return json_response({"quotes": [], "cursor": cursor})
    if q_str(request, "rfq_creator_subtrader_id") is not None:
        raise ApiError(403, "forbidden", "rfq_creator_subtrader_id is for FCM members only")
    min_ts, max_ts = q_ts(request, "min_ts"), q_ts(request, "max_ts")
    quotes = ex.list_quotes(
        viewer,
        rfq_id=_uuid(q_str(request, "rfq_id"), "rfq_id"),
        status=q_choice(request, "status", QUOTE_STATUSES),
        mine=_self_filter(request, "user_filter") or bool(q_str(request, "quote_creator_user_id")),
        on_my_rfqs=_self_filter(request, "rfq_user_filter")
        or bool(q_str(request, "rfq_creator_user_id")),
        min_ts=None if min_ts is None else min_ts * 1000,
        max_ts=None if max_ts is None else max_ts * 1000,
    )
    page, cursor = paginate(
        request, quotes, 500, 500, lambda q: (q.created_ts, q.quote_id), descending=True
    )
    return json_response(
        {"quotes": [quote_json(ex.comms, q, viewer) for q in page], "cursor": cursor}
    )


@ROUTES.post("/communications/quotes")
async def create_quote(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    body = await json_body(request)
    q = ex.create_quote(
        user_id(request),
        rfq_id=_uuid(field(body, "rfq_id", str, required=True), "rfq_id"),
        yes_bid=field(body, "yes_bid", str, required=True),
        no_bid=field(body, "no_bid", str, required=True),
        rest_remainder=field(body, "rest_remainder", bool, required=True),
        post_only=bool(field(body, "post_only", bool)),
        subaccount=_subaccount(body),
    )
    return json_response({"id": q.quote_id}, status=201)


async def _quote(request: web.Request, rfq_id: str | None) -> web.Response:
    ex = request.app[EXCHANGE]
    viewer = user_id(request)
    q = ex.get_quote(viewer, _uuid(request.match_info["quote_id"], "quote_id"), rfq_id)
    return json_response({"quote": quote_json(ex.comms, q, viewer)})


async def _delete_quote(request: web.Request, rfq_id: str | None) -> web.Response:
    quote_id = _uuid(request.match_info["quote_id"], "quote_id")
    request.app[EXCHANGE].delete_quote(user_id(request), quote_id, rfq_id)
    return web.Response(status=204)


async def _accept(request: web.Request, rfq_id: str | None) -> web.Response:
    quote_id = _uuid(request.match_info["quote_id"], "quote_id")
    body = await json_body(request)
    side = field(body, "accepted_side", str, required=True)
    if side not in ("yes", "no"):
        raise bad_request("accepted_side must be yes or no", "accepted_side")
    request.app[EXCHANGE].accept_quote(user_id(request), quote_id, side, rfq_id)
    return web.Response(status=204)


async def _confirm(request: web.Request, rfq_id: str | None) -> web.Response:
    quote_id = _uuid(request.match_info["quote_id"], "quote_id")
    await json_body(request, required=False)
    request.app[EXCHANGE].confirm_quote(user_id(request), quote_id, rfq_id)
    return web.Response(status=204)


def _scoped(request: web.Request) -> str:
    return _uuid(request.match_info["rfq_id"], "rfq_id") or ""


@ROUTES.get("/communications/rfqs/{rfq_id}/quotes/{quote_id}", private=True)
async def get_rfq_quote(request: web.Request) -> web.Response:
    return await _quote(request, _scoped(request))


@ROUTES.delete("/communications/rfqs/{rfq_id}/quotes/{quote_id}")
async def delete_rfq_quote(request: web.Request) -> web.Response:
    return await _delete_quote(request, _scoped(request))


@ROUTES.put("/communications/rfqs/{rfq_id}/quotes/{quote_id}/accept")
async def accept_rfq_quote(request: web.Request) -> web.Response:
    return await _accept(request, _scoped(request))


@ROUTES.put("/communications/rfqs/{rfq_id}/quotes/{quote_id}/confirm")
async def confirm_rfq_quote(request: web.Request) -> web.Response:
    return await _confirm(request, _scoped(request))


# Deprecated flat paths: "Use .../rfqs/{rfq_id}/quotes/{quote_id} instead" — still served.


@ROUTES.get("/communications/quotes/{quote_id}", private=True)
async def get_quote(request: web.Request) -> web.Response:
    return await _quote(request, None)


@ROUTES.delete("/communications/quotes/{quote_id}")
async def delete_quote(request: web.Request) -> web.Response:
    return await _delete_quote(request, None)


@ROUTES.put("/communications/quotes/{quote_id}/accept")
async def accept_quote(request: web.Request) -> web.Response:
    return await _accept(request, None)


@ROUTES.put("/communications/quotes/{quote_id}/confirm")
async def confirm_quote(request: web.Request) -> web.Response:
    return await _confirm(request, None)


# ---------------------------------------------------------------- block trades


def block_json(b, viewer: str, now: int) -> dict[str, Any]:
    """BlockTradeProposal: counterparties' user ids only to themselves ("Empty when the
    authenticated user is not the buyer"); money as centi-cents and centicounts."""
    return _drop_none(
        {
            "id": b.proposal_id,
            "proposer_user_id": b.proposer,
            "buyer_user_id": b.buyer if viewer == b.buyer else "",
            "seller_user_id": b.seller if viewer == b.seller else "",
            "market_ticker": b.ticker,
            "price_centi_cents": int(b.price * 10_000),
            "centicount": int(b.count * 100),
            "maker_side": b.maker_side,
            "expiration_ts": ser.iso_ms(b.expiration_ts),
            "status": Blocks.status_of(b, now),
            "created_ts": ser.iso_ms(b.created_ts),
            "updated_ts": ser.iso_ms(b.updated_ts),
            "buyer_accepted": b.buyer_accepted_ts is not None,
            "seller_accepted": b.seller_accepted_ts is not None,
            "buyer_accepted_ts": ser.iso_ms(b.buyer_accepted_ts),
            "seller_accepted_ts": ser.iso_ms(b.seller_accepted_ts),
            "executed_ts": ser.iso_ms(b.executed_ts),
            "buyer_order_id": (b.buyer_order_id or None) if viewer == b.buyer else None,
            "seller_order_id": (b.seller_order_id or None) if viewer == b.seller else None,
        }
    )


@ROUTES.get("/communications/block-trade-proposals", private=True)
async def get_block_trades(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    viewer = user_id(request)
    found = ex.list_block_trades(
        viewer, ticker=q_str(request, "market_ticker"), status=q_str(request, "status")
    )
    page, cursor = paginate(
        request, found, 100, 100, lambda b: (b.created_ts, b.proposal_id), descending=True
    )
    now = ex.now()
    return json_response(
        {"block_trade_proposals": [block_json(b, viewer, now) for b in page], "cursor": cursor}
    )


@ROUTES.post("/communications/block-trade-proposals")
async def propose_block_trade(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    body = await json_body(request)
    for name in ("buyer_subtrader_id", "seller_subtrader_id"):
        if body.get(name) is not None:
            raise ApiError(403, "forbidden", f"{name} is for FCM members only")
    price = field(body, "price_centi_cents", int, required=True)
    count = field(body, "centicount", int, required=True)
    if price < 1 or count < 1:
        raise bad_request("price_centi_cents and centicount must be positive")
    buyer = field(body, "buyer_user_id", str, required=True)
    seller = field(body, "seller_user_id", str, required=True)
    for party in (buyer, seller):
        ex.load_user(party)  # added by `add-user` while the server runs: not yet in memory
    b = ex.propose_block_trade(
        user_id(request),
        buyer=buyer,
        seller=seller,
        ticker=field(body, "market_ticker", str, required=True),
        price=Decimal(price) / 10_000,
        count=Decimal(count) / 100,
        maker_side=field(body, "maker_side", str, required=True),
        expiration_ts=_rfc3339_ms(field(body, "expiration_ts", str, required=True)),
        buyer_subaccount=_sub_field(body, "buyer_subaccount"),
        seller_subaccount=_sub_field(body, "seller_subaccount"),
    )
    return json_response({"block_trade_proposal_id": b.proposal_id}, status=201)


@ROUTES.post("/communications/block-trade-proposals/{block_trade_proposal_id}/accept")
async def accept_block_trade(request: web.Request) -> web.Response:
    body = await json_body(request, required=False)
    if body.get("subtrader_id") is not None:
        raise ApiError(403, "forbidden", "subtrader_id is for FCM members only")
    sub = field(body, "subaccount", int)
    if sub is not None and not 0 <= sub <= 63:
        raise bad_request("subaccount must be 0-63", "subaccount")
    request.app[EXCHANGE].accept_block_trade(
        user_id(request), request.match_info["block_trade_proposal_id"], sub
    )
    return web.Response(status=204)


def _sub_field(body: dict, name: str) -> int:
    value = field(body, name, int)
    if value is not None and not 0 <= value <= 63:
        raise bad_request(f"{name} must be 0-63", name)
    return value or 0


def _rfc3339_ms(text: str) -> int:
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request("expiration_ts must be an RFC 3339 time", "expiration_ts") from None
    if dt.tzinfo is None:
        raise bad_request("expiration_ts needs a time zone", "expiration_ts")
    return int(dt.timestamp() * 1000)
