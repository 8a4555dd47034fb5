"""Funding history: GET /portfolio/deposits and /portfolio/withdrawals (newest first, paged;
limit 1-500, default 100, as the spec's WithdrawalLimitQuery says). Amounts and fees in cents,
times in Unix seconds; `finalized_ts` is null while an entry is pending."""

from __future__ import annotations

from aiohttp import web

from sandbox.http.params import paginate
from sandbox.http.routing import EXCHANGE, Routes, json_response, user_id
from sandbox.http.scope import refuse_restricted

ROUTES = Routes()


def _entry(e) -> dict:
    return {
        "id": e.entry_id,
        "status": e.status,
        "type": e.method,
        "amount_cents": int(e.amount * 100),
        "fee_cents": int(e.fee * 100),
        "created_ts": e.created_ts // 1000,
        "finalized_ts": None if e.finalized_ts is None else e.finalized_ts // 1000,
    }


def _history(request: web.Request, kind: str, key: str) -> web.Response:
    refuse_restricted(request, "read the account's funding history")
    entries = request.app[EXCHANGE].list_funding(user_id(request), kind)
    page, cursor = paginate(
        request, entries, 100, 500, lambda e: (e.created_ts, e.entry_id), descending=True
    )
    return json_response({key: [_entry(e) for e in page], "cursor": cursor})


@ROUTES.get("/portfolio/deposits", private=True)
async def deposits(request: web.Request) -> web.Response:
    return _history(request, "deposit", "deposits")


@ROUTES.get("/portfolio/withdrawals", private=True)
async def withdrawals(request: web.Request) -> web.Response:
    return _history(request, "withdrawal", "withdrawals")
