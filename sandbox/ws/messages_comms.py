"""`msg` bodies of the `communications` channel (AsyncAPI: rfq_created, rfq_deleted,
quote_created, quote_accepted, quote_executed), built per recipient: the RFQ creator's id is the
shared placeholder for others while `obscure_creator_id` holds, and `subaccount` carries only the
recipient's own subaccount, when non-zero."""

from __future__ import annotations

from typing import Any

from sandbox.ws.messages import rfc3339
from sandbox.ws.wire import count, price, value


def _iso(ms: int | None) -> str | None:
    return None if ms is None else rfc3339(ms)


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _legs(rfq: Any) -> list[dict] | None:
    return list(rfq.mve_selected_legs) or None


def rfq_created(comms: Any, rfq: Any, viewer: str) -> dict[str, Any]:
    return _drop_none(
        {
            "id": rfq.rfq_id,
            "creator_id": comms.creator_id_for(rfq, viewer),
            "market_ticker": rfq.ticker,
            "event_ticker": rfq.event_ticker,
            "contracts_fp": None if rfq.contracts is None else count(rfq.contracts),
            "target_cost_dollars": None if rfq.target_cost is None else value(rfq.target_cost),
            "created_ts": _iso(rfq.created_ts),
            "mve_collection_ticker": rfq.mve_collection_ticker or None,
            "mve_selected_legs": _legs(rfq),
        }
    )


def rfq_deleted(comms: Any, rfq: Any, viewer: str, ts: int) -> dict[str, Any]:
    return _drop_none(
        {
            "id": rfq.rfq_id,
            "creator_id": comms.creator_id_for(rfq, viewer),
            "market_ticker": rfq.ticker,
            "event_ticker": rfq.event_ticker,
            "contracts_fp": None if rfq.contracts is None else count(rfq.contracts),
            "target_cost_dollars": None if rfq.target_cost is None else value(rfq.target_cost),
            "deleted_ts": _iso(ts),
        }
    )


def _own_subaccount(quote: Any, rfq: Any, viewer: str) -> int | None:
    sub = quote.subaccount if viewer == quote.user_id else rfq.subaccount
    return sub or None


def quote_common(comms: Any, quote: Any, rfq: Any, viewer: str) -> dict[str, Any]:
    """Fields shared by quote_created and quote_accepted."""
    return {
        "quote_id": quote.quote_id,
        "rfq_id": quote.rfq_id,
        "quote_creator_id": comms.communications_id(quote.user_id),
        "rfq_creator_id": comms.creator_id_for(rfq, viewer),
        "market_ticker": quote.ticker,
        "event_ticker": rfq.event_ticker,
        "yes_bid_dollars": price(quote.yes_bid),
        "no_bid_dollars": price(quote.no_bid),
        "yes_contracts_offered_fp": count(comms.contracts_for(rfq, "yes", quote.yes_bid)),
        "no_contracts_offered_fp": count(comms.contracts_for(rfq, "no", quote.no_bid)),
        "rfq_target_cost_dollars": None if rfq.target_cost is None else value(rfq.target_cost),
        "subaccount": _own_subaccount(quote, rfq, viewer),
    }


def quote_created(comms: Any, quote: Any, rfq: Any, viewer: str) -> dict[str, Any]:
    msg = quote_common(comms, quote, rfq, viewer)
    msg["created_ts"] = _iso(quote.created_ts)
    return _drop_none(msg)


def quote_accepted(comms: Any, quote: Any, rfq: Any, viewer: str) -> dict[str, Any]:
    msg = quote_common(comms, quote, rfq, viewer)
    msg["accepted_side"] = quote.accepted_side
    msg["contracts_accepted_fp"] = count(quote.contracts_accepted)
    return _drop_none(msg)


def quote_executed(
    comms: Any, quote: Any, rfq: Any, viewer: str, order_id: str, client_order_id: str
) -> dict[str, Any]:
    return _drop_none(
        {
            "quote_id": quote.quote_id,
            "rfq_id": quote.rfq_id,
            "quote_creator_id": comms.communications_id(quote.user_id),
            "rfq_creator_id": comms.communications_id(rfq.user_id),  # revealed by execution
            "order_id": order_id,
            "client_order_id": client_order_id,
            "market_ticker": quote.ticker,
            "executed_ts": _iso(quote.executed_ts),
            "subaccount": _own_subaccount(quote, rfq, viewer),
            "rfq_batch_id": rfq.rfq_batch_id or None,
        }
    )
