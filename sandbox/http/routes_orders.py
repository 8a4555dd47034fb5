"""Orders: V2 writes under /portfolio/events/orders, reads under /portfolio/orders, order groups,
and the retired V1 write paths (410 `deprecated_v1_order_endpoint`, as live answers them)."""

from __future__ import annotations

from aiohttp import web

from sandbox.engine import EngineError, Exchange
from sandbox.http import serialize as ser
from sandbox.http.errors import ApiError, bad_request, error_body
from sandbox.http.params import (
    MAX_TS,
    client_order_id_field,
    count_field,
    field,
    json_body,
    order_key,
    paginate,
    price_field,
    q_choice,
    q_int,
    q_list,
    q_str,
)
from sandbox.http.routes_portfolio import subaccount, ts_ms
from sandbox.http.routing import CONFIG, EXCHANGE, Routes, json_response, user_id
from sandbox.http.scope import resolve

ROUTES = Routes()

TIME_IN_FORCE = ("fill_or_kill", "good_till_canceled", "immediate_or_cancel")
ORDER_STATUSES = ("resting", "canceled", "executed")

# Body fields of CreateOrderV2Request and their JSON types (counts may also be integers).
_CREATE_FIELDS = {
    "ticker": (str,),
    "side": (str,),
    "count": (str, int),
    "price": (str,),
    "time_in_force": (str,),
    "self_trade_prevention_type": (str,),
    "client_order_id": (str,),
    "expiration_time": (int,),
    "post_only": (bool,),
    "reduce_only": (bool,),
    "cancel_order_on_pause": (bool,),
    "subaccount": (int,),
    "order_group_id": (str,),
    "exchange_index": (int,),
}
_REQUIRED = ("ticker", "side", "count", "price", "time_in_force", "self_trade_prevention_type")
_NOT_V2 = ("action", "type", "yes_price", "no_price", "yes_price_dollars", "no_price_dollars")


def order_kwargs(body: object) -> dict:
    """Validated keyword arguments for `Exchange.create_order` from one CreateOrderV2Request."""
    if not isinstance(body, dict):
        raise bad_request("each order must be a JSON object")
    legacy = [k for k in _NOT_V2 if k in body]
    if legacy and any(body.get(k) is None for k in _REQUIRED):  # a V1-shaped order
        raise bad_request(
            f"{', '.join(legacy)} are V1 fields; V2 orders take side=bid|ask and a YES price",
            legacy[0],
        )
    kw = {
        name: field(body, name, kinds, required=name in _REQUIRED)
        for name, kinds in _CREATE_FIELDS.items()
    }
    kw["count"] = count_field(body, "count", required=True)
    kw["price"] = price_field(body, "price", required=True)
    kw["client_order_id"] = client_order_id_field(body)
    if kw["time_in_force"] not in TIME_IN_FORCE:
        raise bad_request(f"time_in_force must be one of: {', '.join(TIME_IN_FORCE)}")
    if kw["subaccount"] is not None and not 0 <= kw["subaccount"] <= 63:
        raise bad_request("subaccount must be 0-63", "subaccount")
    kw["expiration_time"] = expiration_ms(kw["expiration_time"])
    for flag in ("post_only", "reduce_only", "cancel_order_on_pause"):
        kw[flag] = bool(kw[flag])
    return kw  # `subaccount` None: the caller's default (see sandbox.http.scope.resolve)


AUTO = -1  # "Use -1 to require auto-routing"


def shard(ex: Exchange, index: int | None, market_ticker: object) -> int:
    """The shard a request about an existing order goes to (CancelOrderV2, DecreaseOrderV2,
    BatchCancelOrdersV2 items: "If omitted, auto-routes when market_ticker is provided;
    otherwise defaults to 0. Use -1 to require auto-routing ... market_ticker is required for
    auto-routing"). Auto-routing goes to the shard of `market_ticker`'s market."""
    if index is not None and index != AUTO:
        if index < 0:
            raise bad_request("exchange_index must be -1 or a shard index", "exchange_index")
        return index
    if market_ticker is None:
        if index == AUTO:
            raise bad_request("market_ticker is required for auto-routing", "market_ticker")
        return 0
    if not isinstance(market_ticker, str):
        raise bad_request("market_ticker must be a string", "market_ticker")
    return ex.get_market(market_ticker).exchange_index


def expiration_ms(seconds: int | None) -> int | None:
    """API expiration (Unix seconds) -> engine ms; 0 stays 0 (amend: remove the expiry)."""
    if seconds is None:
        return None
    if not 0 <= seconds < MAX_TS:
        raise bad_request("expiration_time must be a Unix timestamp in seconds", "expiration_time")
    return seconds * 1000


def created_body(result) -> dict:
    """CreateOrderV2Response: flat, no status and no full order."""
    o = result.order
    out = {"order_id": o.order_id}
    if o.client_order_id:
        out["client_order_id"] = o.client_order_id
    out["fill_count"] = ser.count(result.fill_count)
    out["remaining_count"] = ser.count(result.remaining_count)
    if result.average_fill_price is not None:
        out["average_fill_price"] = ser.dollars(result.average_fill_price)
        out["average_fee_paid"] = ser.dollars(result.average_fee_paid)
    out["ts_ms"] = o.last_update_time or o.created_time
    return out


def cancel_body(c, ts_ms: int) -> dict:
    out = {"order_id": c.order.order_id}
    if c.order.client_order_id:
        out["client_order_id"] = c.order.client_order_id
    out["reduced_by"] = ser.count(c.reduced_by)
    out["ts_ms"] = c.order.last_update_time or ts_ms
    return out


def _item_error(exc: ApiError | EngineError) -> dict:
    """Per-item error of a batch: the spec's flat ErrorResponse."""
    return error_body(exc.code, exc.message, exc.details)["error"]


# ---------------------------------------------------------------- V2 writes


@ROUTES.post("/portfolio/events/orders")
async def create_order(request: web.Request) -> web.Response:
    kw = order_kwargs(await json_body(request))
    kw["subaccount"] = resolve(request, kw["subaccount"], 0)
    result = request.app[EXCHANGE].create_order(user_id(request), **kw)
    return json_response(created_body(result), status=201)


@ROUTES.delete("/portfolio/events/orders")
async def cancel_all(request: web.Request) -> web.Response:
    request.app[EXCHANGE].cancel_all_orders(user_id(request), subaccount=subaccount(request, None))
    return web.Response(status=204)


@ROUTES.post("/portfolio/events/orders/batched")
async def batch_create(request: web.Request) -> web.Response:
    """Each order is placed on its own; a bad one gets an `error` entry, the others proceed."""
    ex = request.app[EXCHANGE]
    orders = field(await json_body(request), "orders", list, required=True)
    if not orders:
        raise bad_request("orders must not be empty", "orders")
    out = []
    for item in orders:
        try:
            kw = order_kwargs(item)
            kw["subaccount"] = resolve(request, kw["subaccount"], 0)
            out.append(created_body(ex.create_order(user_id(request), **kw)))
        except (ApiError, EngineError) as exc:
            cid = item.get("client_order_id") if isinstance(item, dict) else None
            out.append(
                {
                    **({"client_order_id": cid} if isinstance(cid, str) else {}),
                    "error": _item_error(exc),
                }
            )
    return json_response({"orders": out}, status=201)


@ROUTES.delete("/portfolio/events/orders/batched")
async def batch_cancel(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    orders = field(await json_body(request), "orders", list, required=True)
    if not orders:
        raise bad_request("orders must not be empty", "orders")
    out = []
    for item in orders:
        oid = item.get("order_id") if isinstance(item, dict) else None
        try:
            if not isinstance(oid, str) or not oid:
                raise bad_request("order_id is required", "order_id")
            sub = resolve(request, field(item, "subaccount", int), 0)
            index = shard(ex, field(item, "exchange_index", int), item.get("market_ticker"))
            out.append(cancel_body(ex.cancel_order(user_id(request), oid, sub, index), ex.now()))
        except (ApiError, EngineError) as exc:
            out.append(
                {
                    "order_id": oid if isinstance(oid, str) else "",
                    "reduced_by": "0.00",
                    "error": _item_error(exc),
                }
            )
    return json_response({"orders": out})


@ROUTES.delete("/portfolio/events/orders/{order_id}")
async def cancel_order(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    index = shard(ex, q_int(request, "exchange_index"), q_str(request, "market_ticker"))
    result = ex.cancel_order(
        user_id(request), request.match_info["order_id"], subaccount(request, 0) or 0, index
    )
    return json_response(cancel_body(result, ex.now()))


@ROUTES.post("/portfolio/events/orders/{order_id}/amend")
async def amend_order(request: web.Request) -> web.Response:
    """`count` is the new total (filled + resting). A price change or size increase loses queue
    priority; the response names the amended order."""
    ex = request.app[EXCHANGE]
    body = await json_body(request)
    expiration = field(body, "expiration_time", int)
    # AmendOrderV2Request.exchange_index: "If omitted, auto-routes when ticker is provided"
    # (and ticker is required): None and -1 go to the order's market's shard.
    index = field(body, "exchange_index", int)
    _old, new = ex.amend_order(
        user_id(request),
        request.match_info["order_id"],
        ticker=field(body, "ticker", str, required=True),
        side=field(body, "side", str, required=True),
        price=price_field(body, "price", required=True),
        count=count_field(body, "count", required=True),
        client_order_id=client_order_id_field(body),
        updated_client_order_id=client_order_id_field(body, "updated_client_order_id"),
        expiration_time=expiration_ms(expiration),
        subaccount=subaccount(request, 0) or 0,
        exchange_index=shard(ex, index, body.get("ticker")),
    )
    out = {"order_id": new.order_id}
    if new.client_order_id:
        out["client_order_id"] = new.client_order_id
    out["remaining_count"] = ser.count(new.remaining_count)
    out["fill_count"] = ser.count(new.fill_count)
    out["ts_ms"] = new.last_update_time or ex.now()
    return json_response(out)


@ROUTES.post("/portfolio/events/orders/{order_id}/decrease")
async def decrease_order(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    body = await json_body(request)
    o = ex.decrease_order(
        user_id(request),
        request.match_info["order_id"],
        reduce_by=count_field(body, "reduce_by"),
        reduce_to=count_field(body, "reduce_to"),
        subaccount=subaccount(request, 0) or 0,
        exchange_index=shard(ex, field(body, "exchange_index", int), body.get("market_ticker")),
    )
    out = {"order_id": o.order_id}
    if o.client_order_id:
        out["client_order_id"] = o.client_order_id
    out["remaining_count"] = ser.count(o.remaining_count)
    out["ts_ms"] = o.last_update_time or ex.now()
    return json_response(out)


# ---------------------------------------------------------------- retired V1 writes


async def deprecated_v1(request: web.Request) -> web.Response:
    raise ApiError(
        410,
        "deprecated_v1_order_endpoint",
        "this order endpoint was retired in June 2026; use the V2 endpoints under "
        "/trade-api/v2/portfolio/events/orders",
    )


for _method, _path in (
    ("POST", "/portfolio/orders/batched"),
    ("DELETE", "/portfolio/orders/batched"),
    ("POST", "/portfolio/orders"),
    ("DELETE", "/portfolio/orders/{order_id}"),
    ("POST", "/portfolio/orders/{order_id}/amend"),
    ("POST", "/portfolio/orders/{order_id}/decrease"),
):
    ROUTES.route(_method, _path, private=False)(deprecated_v1)


# ---------------------------------------------------------------- order reads


@ROUTES.get("/portfolio/orders", private=True)
async def list_orders(request: web.Request) -> web.Response:
    return json_response(orders_body(request, historical=False))


def orders_body(request: web.Request, historical: bool) -> dict:
    ex = request.app[EXCHANGE]
    orders = ex.list_orders(
        user_id(request),
        status=q_choice(request, "status", ORDER_STATUSES),
        ticker=q_list(request, "ticker") or None,
        event_ticker=q_list(request, "event_ticker") or None,
        min_ts=ts_ms(request, "min_ts"),
        max_ts=ts_ms(request, "max_ts"),
        subaccount=subaccount(request, None),
        historical=historical,
    )
    page, cursor = paginate(request, orders, 100, 1000, order_key, descending=True)
    strict = request.app[CONFIG].strict_spec
    return {"orders": [ser.order(o, strict) for o in page], "cursor": cursor}


@ROUTES.get("/portfolio/orders/queue_positions", private=True)
async def queue_positions(request: web.Request) -> web.Response:
    items = request.app[EXCHANGE].queue_positions(
        user_id(request),
        market_tickers=q_list(request, "market_tickers") or None,
        event_ticker=q_str(request, "event_ticker"),
        subaccount=subaccount(request, 0) or 0,
    )
    return json_response(
        {
            "queue_positions": [
                {
                    "order_id": q.order_id,
                    "market_ticker": q.market_ticker,
                    "queue_position_fp": ser.count(q.queue_position),
                }
                for q in items
            ]
        }
    )


@ROUTES.get("/portfolio/orders/{order_id}", private=True)
async def get_order(request: web.Request) -> web.Response:
    o = request.app[EXCHANGE].get_order(user_id(request), request.match_info["order_id"])
    return json_response({"order": ser.order(o, request.app[CONFIG].strict_spec)})


@ROUTES.get("/portfolio/orders/{order_id}/queue_position", private=True)
async def queue_position(request: web.Request) -> web.Response:
    ahead = request.app[EXCHANGE].queue_position(user_id(request), request.match_info["order_id"])
    return json_response({"queue_position_fp": ser.count(ahead)})


# ---------------------------------------------------------------- order groups


def _contracts_limit(body: dict) -> str:
    """`contracts_limit` (int) or `contracts_limit_fp` (string); both must agree if given."""
    whole = field(body, "contracts_limit", int)
    if whole is not None:
        count_field(body, "contracts_limit")  # bounded like every count
    fp = count_field(body, "contracts_limit_fp")
    if whole is None and fp is None:
        raise bad_request("give contracts_limit or contracts_limit_fp", "contracts_limit")
    if whole is not None and fp is not None and ser.count(whole) != _count_or_400(fp):
        raise bad_request("contracts_limit and contracts_limit_fp disagree", "contracts_limit_fp")
    return str(whole) if fp is None else fp


def _count_or_400(text: str) -> str:
    try:
        return ser.count(text) or ""
    except ArithmeticError:
        raise bad_request("contracts_limit_fp is not a number", "contracts_limit_fp") from None


def _group_id(request: web.Request) -> str:
    return request.match_info["order_group_id"]


@ROUTES.post("/portfolio/order_groups/create")
async def create_order_group(request: web.Request) -> web.Response:
    body = await json_body(request)
    sub = resolve(request, field(body, "subaccount", int), 0)
    index = field(body, "exchange_index", int) or 0
    ex = request.app[EXCHANGE]
    g = ex.create_order_group(user_id(request), _contracts_limit(body), sub, index)
    return json_response(
        {
            "order_group_id": g.order_group_id,
            "subaccount": g.subaccount,
            "exchange_index": g.exchange_index,
        },
        status=201,
    )


@ROUTES.get("/portfolio/order_groups", private=True)
async def list_order_groups(request: web.Request) -> web.Response:
    groups = request.app[EXCHANGE].list_order_groups(user_id(request), subaccount(request, None))
    return json_response(
        {
            "order_groups": [
                {  # the spec's OrderGroup says `id` here (create answers `order_group_id`)
                    "id": g.order_group_id,
                    "contracts_limit_fp": ser.count(g.contracts_limit),
                    "is_auto_cancel_enabled": g.is_auto_cancel_enabled,
                    "exchange_index": g.exchange_index,
                }
                for g in groups
            ]
        }
    )


@ROUTES.get("/portfolio/order_groups/{order_group_id}", private=True)
async def get_order_group(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    g = ex.get_order_group(user_id(request), _group_id(request), subaccount(request, None))
    return json_response(
        {
            "is_auto_cancel_enabled": g.is_auto_cancel_enabled,
            "contracts_limit_fp": ser.count(g.contracts_limit),
            "orders": ex.order_group_orders(user_id(request), g.order_group_id),
            "exchange_index": g.exchange_index,
        }
    )


@ROUTES.delete("/portfolio/order_groups/{order_group_id}")
async def delete_order_group(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    ex.delete_order_group(user_id(request), _group_id(request), subaccount(request, None))
    return json_response({})


async def reset_order_group(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    ex.reset_order_group(user_id(request), _group_id(request), subaccount(request, None))
    return json_response({})


# PUT is the live verb; kalshi-python 2.1.4 sends POST, so accept both.
ROUTES.put("/portfolio/order_groups/{order_group_id}/reset")(reset_order_group)
ROUTES.post("/portfolio/order_groups/{order_group_id}/reset")(reset_order_group)


@ROUTES.put("/portfolio/order_groups/{order_group_id}/trigger")
async def trigger_order_group(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    ex.trigger_order_group(user_id(request), _group_id(request), subaccount(request, None))
    return json_response({})


@ROUTES.put("/portfolio/order_groups/{order_group_id}/limit")
async def update_order_group_limit(request: web.Request) -> web.Response:
    ex = request.app[EXCHANGE]
    limit = _contracts_limit(await json_body(request))
    ex.update_order_group_limit(
        user_id(request), _group_id(request), limit, subaccount(request, None)
    )
    return json_response({})
