"""FCM member endpoints (/fcm/*): subtraders, their daily caps and blocked categories, their
orders, fills and positions, and position transfers (OpenAPI 3.34.0, the `fcm` tag).

Local convenience: a subtrader created here starts with an applied $1,000.00 deposit in its
funding history, as `add-user` funds a user (on Kalshi the FCM funds its customers outside the
Trade API). Its keys come from POST /api_keys(/generate) with `fcm_subtrader_id`; locally such a
bound key works over REST as the subtrader (on Kalshi it is a FIX credential).

A regular or direct member, or a subaccount-restricted key, gets the 403 live sends
("Forbidden - requires an unrestricted FCM member API key"). The rules live in the engine's
FCM part (sandbox/engine/fcm.py); this module parses and shapes.
"""

from __future__ import annotations

from decimal import Decimal

from aiohttp import web

from sandbox.engine.errors import EngineError
from sandbox.http import serialize as ser
from sandbox.http.errors import ApiError, bad_request
from sandbox.http.params import (
    fill_key,
    json_body,
    order_key,
    paginate,
    q_choice,
    q_list,
    q_str,
)
from sandbox.http.routes_portfolio import positions_body, ts_ms
from sandbox.http.routing import CONFIG, EXCHANGE, Routes, json_response, user_id
from sandbox.http.scope import require_fcm
from sandbox.seed.funding import seed_funding

ROUTES = Routes()

ORDER_STATUSES = ("resting", "canceled", "executed")
MAX_CLIENT_ORDER_IDS = 100  # spec: "maximum 100"
CLIENT_ORDER_WINDOW_MS = 86_400_000  # spec: "Only orders created within the last 24 hours"
SUBTRADER_DEPOSIT = Decimal("1000.00")


def _fcm(request: web.Request) -> str:
    require_fcm(request)
    return user_id(request)


def _subtrader_scope(request: web.Request) -> tuple[str, str | None]:
    """(FCM id, the `subtrader_id` asked for). Spec (orders, positions, daily cap GET): "API
    keys bound to a single FCM subtrader may also call this endpoint: `subtrader_id` may be
    omitted and defaults to the key's bound subtrader, and if supplied it must equal the bound
    subtrader or the request is rejected" (403)."""
    asked = q_str(request, "subtrader_id")
    bound = request.app[EXCHANGE].fcm.subtraders.get(user_id(request))
    if bound is None:
        return _fcm(request), asked
    if asked is not None and asked != bound.subtrader_id:
        raise ApiError(403, "forbidden", "the API key is bound to a different FCM subtrader")
    return bound.fcm_id, bound.subtrader_id


@ROUTES.post("/fcm/subtraders")
async def create_subtrader(request: web.Request) -> web.Response:
    fcm = _fcm(request)
    body = await json_body(request)
    ex = request.app[EXCHANGE]
    with ex.operation():  # the subtrader and its starting deposit, or nothing
        s = ex.create_subtrader(fcm, body.get("subtrader_suffix"))
        seed_funding(ex, s.subtrader_id, SUBTRADER_DEPOSIT)
    return json_response({"subtrader_id": s.subtrader_id}, status=201)


@ROUTES.get("/fcm/subtraders", private=True)
async def list_subtraders(request: web.Request) -> web.Response:
    subtraders = request.app[EXCHANGE].fcm.of_fcm(_fcm(request))
    return json_response(
        {
            "subtraders": [
                {
                    "subtrader_id": s.subtrader_id,
                    "exchange_indices": [0],  # one event-contract index locally
                    "trading_blocked": False,
                    "fcm_trading_blocked": False,
                    "propagation_pending": False,
                }
                for s in subtraders
            ]
        }
    )


@ROUTES.get("/fcm/subtraders/event_contract_daily_cap", private=True)
async def get_daily_cap(request: web.Request) -> web.Response:
    fcm, sid = _subtrader_scope(request)
    cap, executed, resting, day = request.app[EXCHANGE].fcm.cap(fcm, sid)
    return json_response(
        {
            "subtrader_id": cap.subtrader_id,
            "limit": ser.dollars(cap.limit),
            "executed_utilization": ser.dollars(executed),
            "resting_order_utilization": ser.dollars(resting),
            "pending_order_utilization": ser.dollars(0),  # nothing is in flight locally
            "cap_date": day,
        }
    )


@ROUTES.put("/fcm/subtraders/event_contract_daily_cap")
async def set_daily_cap(request: web.Request) -> web.Response:
    fcm = _fcm(request)
    body = await json_body(request)
    limit = body.get("limit")
    if not isinstance(limit, str):  # FixedPointDollars: a string such as "0.5600"
        raise bad_request('limit: dollars as a string, e.g. "25.00"', "limit")
    request.app[EXCHANGE].set_daily_cap(fcm, body.get("subtrader_id"), limit)
    return json_response({})


@ROUTES.delete("/fcm/subtraders/event_contract_daily_cap")
async def delete_daily_cap(request: web.Request) -> web.Response:
    fcm = _fcm(request)
    request.app[EXCHANGE].remove_daily_cap(fcm, q_str(request, "subtrader_id"))
    return json_response({})


@ROUTES.get("/fcm/subtraders/blocked_categories", private=True)
async def get_blocked_categories(request: web.Request) -> web.Response:
    fcm = _fcm(request)
    try:
        categories = request.app[EXCHANGE].fcm.categories(fcm, q_str(request, "subtrader_id"))
    except EngineError as exc:  # the spec lists no 404 here: another FCM's id is a bad request
        if exc.status != 404:
            raise
        raise bad_request("subtrader_id: not one of your subtraders", "subtrader_id") from None
    return json_response({"categories": categories})


@ROUTES.put("/fcm/subtraders/blocked_categories")
async def set_blocked_category(request: web.Request) -> web.Response:
    fcm = _fcm(request)
    body = await json_body(request)
    categories = request.app[EXCHANGE].set_blocked_category(
        fcm, body.get("subtrader_id"), body.get("category"), body.get("blocked")
    )
    return json_response({"categories": categories})


@ROUTES.get("/fcm/orders", private=True)
async def fcm_orders(request: web.Request) -> web.Response:
    """Orders of one subtrader and/or those with the given client order ids (last 24 hours)."""
    fcm, sid = _subtrader_scope(request)
    ex = request.app[EXCHANGE]
    client_ids = set(q_list(request, "client_order_ids"))
    if sid is None and not client_ids:
        raise bad_request("subtrader_id or client_order_ids is required", "subtrader_id")
    if len(client_ids) > MAX_CLIENT_ORDER_IDS:
        raise bad_request("at most 100 client_order_ids", "client_order_ids")
    owners = (
        [ex.fcm.own(fcm, sid).subtrader_id] if sid else [s.subtrader_id for s in ex.fcm.of_fcm(fcm)]
    )
    min_ts = ts_ms(request, "min_ts")
    if client_ids:  # "a min_ts earlier than that is raised to 24 hours ago"
        min_ts = max(min_ts or 0, ex.now() - CLIENT_ORDER_WINDOW_MS)
    orders = []
    for owner in owners:
        orders += ex.list_orders(
            owner,
            status=q_choice(request, "status", ORDER_STATUSES),
            ticker=q_list(request, "ticker") or None,
            event_ticker=q_list(request, "event_ticker") or None,
            min_ts=min_ts,
            max_ts=ts_ms(request, "max_ts"),
            subaccount=None,
        )
    if client_ids:
        orders = [o for o in orders if o.client_order_id in client_ids]
    page, cursor = paginate(request, orders, 100, 1000, order_key, descending=True)
    strict = request.app[CONFIG].strict_spec
    return json_response({"orders": [ser.order(o, strict) for o in page], "cursor": cursor})


@ROUTES.get("/fcm/fills", private=True)
async def fcm_fills(request: web.Request) -> web.Response:
    """Fills across the FCM's subtraders: one entry per subtrader fill, its own side named."""
    fcm = _fcm(request)
    ex = request.app[EXCHANGE]
    fills = []
    for s in ex.fcm.of_fcm(fcm):
        fills += ex.list_fills(
            s.subtrader_id, min_ts=ts_ms(request, "min_ts"), max_ts=ts_ms(request, "max_ts")
        )
    page, cursor = paginate(request, fills, 100, 1000, fill_key, descending=True)
    return json_response({"fills": [_fcm_fill(f) for f in page], "cursor": cursor})


def _fcm_fill(f) -> dict:
    role = "taker" if f.is_taker else "maker"
    taker_side = f.outcome_side if f.is_taker else ("no" if f.outcome_side == "yes" else "yes")
    return {
        "fill_id": f.fill_id,
        "exchange_index": f.exchange_index,
        "ticker": f.ticker,
        "taker_outcome_side": taker_side,
        "count_fp": ser.count(f.count),
        "yes_price_dollars": ser.price(f.yes_price),
        "created_time": ser.iso_ms(f.created_time),
        f"{role}_order_id": f.order_id,
        f"{role}_subtrader_id": f.user_id,
        f"{role}_fee_cost": ser.dollars(f.fee_cost),
    }


@ROUTES.get("/fcm/positions", private=True)
async def fcm_positions(request: web.Request) -> web.Response:
    fcm, sid = _subtrader_scope(request)
    if sid is None:  # only a key bound to a subtrader may omit it
        raise bad_request("subtrader_id is required", "subtrader_id")
    owner = request.app[EXCHANGE].fcm.own(fcm, sid).subtrader_id
    return json_response(positions_body(request, historical=False, owner=owner))


@ROUTES.post("/fcm/positions/transfers")
async def transfer_position(request: web.Request) -> web.Response:
    fcm = _fcm(request)
    body = await json_body(request)
    t = request.app[EXCHANGE].transfer_fcm_position(
        fcm,
        body.get("source_subtrader_id"),
        body.get("target_subtrader_id"),
        body.get("market_ticker"),
        body.get("position_centicount"),
        body.get("price_centicents"),
    )
    return json_response({"position_transfer_id": t.position_transfer_id}, status=201)
