"""Reading request input: query parameters, JSON bodies and opaque cursors, all validated.

Every helper raises a 400 `ApiError` naming the parameter, so handlers never see bad input and
never half-apply a request.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from sandbox.http.errors import ApiError, bad_request

_INT = re.compile(r"-?[0-9]{1,18}")
# Counts: whole contracts or the 0.01 grid, below 10^10 (no exponents, no other scripts' digits).
_COUNT = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")
MAX_COUNT = 10**10 - 1
# Prices: dollars on the 0.0001 grid (the engine checks the market's range and tick).
_PRICE = re.compile(r"[0-9]{1,2}(\.[0-9]{1,4})?")
# Kalshi documents no length limit for client_order_id (OpenAPI 3.34.0 declares a plain string);
# ours keeps ids bounded in memory and on disk while fitting every UUID-style id clients send.
MAX_CLIENT_ORDER_ID = 64
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def q_str(request: web.Request, name: str) -> str | None:
    value = request.query.get(name)
    return value if value not in (None, "") else None


def q_int(
    request: web.Request,
    name: str,
    default: int | None = None,
    *,
    lo: int | None = None,
    hi: int | None = None,
    required: bool = False,
) -> int | None:
    raw = q_str(request, name)
    if raw is None:
        if required:
            raise bad_request(f"{name} is required", name)
        return default
    if not _INT.fullmatch(raw):  # ASCII digits, bounded: int() alone takes "١٢" and 5000 digits
        raise bad_request(f"{name} must be an integer", name)
    value = int(raw)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise bad_request(f"{name} must be between {lo} and {hi}", name)
    return value


MAX_TS = 100_000_000_000  # Unix seconds; later than year 5000 is a mistake, not a date


def q_ts(request: web.Request, name: str, *, required: bool = False) -> int | None:
    """A Unix-seconds timestamp parameter."""
    return q_int(request, name, lo=0, hi=MAX_TS, required=required)


def q_bool(request: web.Request, name: str, default: bool = False) -> bool:
    raw = q_str(request, name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise bad_request(f"{name} must be true or false", name)


def q_list(request: web.Request, name: str) -> list[str]:
    """Values given as `name=A,B` or as repeated `name=A&name=B` (or both)."""
    out: list[str] = []
    for raw in request.query.getall(name, []):
        out.extend(v.strip() for v in raw.split(",") if v.strip())
    return out


def q_choice(request: web.Request, name: str, choices: Sequence[str]) -> str | None:
    value = q_str(request, name)
    if value is not None and value not in choices:
        raise bad_request(f"{name} must be one of: {', '.join(choices)}", name)
    return value


def q_limit(
    request: web.Request, default: int, maximum: int, minimum: int = 1, name: str = "limit"
) -> int:
    """A page size within the spec's bounds for the endpoint (some allow 0: an empty page)."""
    value = q_int(request, name, default, lo=minimum, hi=maximum)
    return default if value is None else value


async def json_body(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object body ({} when empty and not required)."""
    raw = await request.read()
    if not raw.strip():
        if required:
            raise bad_request("request body must be a JSON object")
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise ApiError(400, "invalid_json", "request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object")
    return body


def field(body: dict, name: str, kind: type | tuple[type, ...], *, required: bool = False) -> Any:
    """body[name] if it has the right JSON type (bools are not ints), else 400."""
    value = body.get(name)
    if value is None:
        if required:
            raise bad_request(f"{name} is required", name)
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise bad_request(f"{name} has the wrong type", name)
    if not isinstance(value, kinds):
        raise bad_request(f"{name} has the wrong type", name)
    return value


def count_field(body: dict, name: str, *, required: bool = False) -> str | None:
    """A contract count (JSON integer, or a string on the 0.01 grid) as a plain decimal string,
    else 400: exponents, extra digits and non-ASCII digits never reach the engine."""
    value = field(body, name, (str, int), required=required)
    if value is None:
        return None
    if isinstance(value, int):
        if not 0 <= value <= MAX_COUNT:
            raise bad_request(f"{name} must be between 0 and {MAX_COUNT}", name)
        return str(value)
    if not _COUNT.fullmatch(value):
        raise bad_request(f"{name} must be a count like 10 or 10.00 (0.01 steps)", name)
    return value


def price_field(body: dict, name: str, *, required: bool = False) -> str | None:
    """A price in dollars as a fixed-point string on the 0.0001 grid, else 400."""
    value = field(body, name, str, required=required)
    if value is not None and not _PRICE.fullmatch(value):
        raise bad_request(f"{name} must be dollars like 0.56 (at most 4 decimals)", name)
    return value


def client_order_id_field(body: dict, name: str = "client_order_id") -> str | None:
    value = field(body, name, str)
    if value is not None and len(value) > MAX_CLIENT_ORDER_ID:
        raise bad_request(f"{name} is longer than {MAX_CLIENT_ORDER_ID} characters", name)
    return value


Key = tuple[str | int, ...]


def encode_cursor(key: Key | list) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Key | None:
    """The sort key a page ended at (None: start at the top). Anything a previous page did not
    hand out is a 400, as the spec says."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
        if isinstance(key, list) and all(
            isinstance(k, (str, int)) and not isinstance(k, bool) for k in key
        ):
            return tuple(key)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    raise bad_request("cursor is not valid (pass the cursor of a previous page)", "cursor")


def paginate(
    request: web.Request,
    items: Sequence,
    default: int,
    maximum: int,
    key: Callable[[Any], Key],
    *,
    descending: bool = False,
    minimum: int = 1,
    presorted: bool = False,
    size_param: str = "limit",
) -> tuple[list, str]:
    """One page of `items` in `key` order and the cursor of the next page ("" on the last).

    Keyset paging: the cursor is the key of the page's last item and the next page starts after
    it, so items inserted meanwhile (new trades at the top of a newest-first list) never shift a
    page: no repeats, no gaps. `key` must be unique per item. `presorted`: `items` already come
    in key order (the engine's trade and fill lists are kept in id order): no sort per request.
    """
    after = decode_cursor(q_str(request, "cursor"))
    limit = q_limit(request, default, maximum, minimum, size_param)
    ordered = items if presorted else sorted(items, key=key, reverse=descending)
    start = 0
    if after:
        lo, hi = 0, len(ordered)
        try:
            while lo < hi:  # first item past `after` in list order
                mid = (lo + hi) // 2
                k = key(ordered[mid])
                if len(k) != len(after):
                    raise TypeError
                if (k < after) if descending else (k > after):
                    hi = mid
                else:
                    lo = mid + 1
        except TypeError:  # a cursor of another list
            raise bad_request("cursor does not belong to this list", "cursor") from None
        start = lo
    page = list(ordered[start : start + limit])
    if start + limit >= len(ordered):
        return page, ""
    # limit=0 hands back a cursor for the same position.
    return page, encode_cursor(key(page[-1]) if page else (after or ()))


# Sort keys of the paged records (unique per record; ids grow with time, see Operation.new_id).
def order_key(o: Any) -> Key:
    return (o.order_id,)


def fill_key(f: Any) -> Key:
    return (f.fill_id,)


def trade_key(t: Any) -> Key:
    return (t.trade_id,)


def settlement_key(s: Any) -> Key:
    return (s.settled_time, s.ticker, s.subaccount)


def market_key(m: Any) -> Key:
    return (m.created_time, m.ticker)


def event_key(e: Any) -> Key:
    return (e.event_ticker,)


def position_key(p: Any) -> Key:
    return (p.ticker,)
