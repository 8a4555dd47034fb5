"""`msg` bodies of the `communications` channel's RFQ batch messages (AsyncAPI: rfq_batch_created,
rfq_batch_deleted, batch_quote_created, rfq_batch_best_quotes, batch_quote_accepted,
rfq_batch_executed, batch_quote_executed), built per recipient: the batch creator's id is the
shared placeholder for others while `obscure_creator_id` holds, and `subaccount` carries only the
recipient's own subaccount, when non-zero."""

from __future__ import annotations

from typing import Any

from sandbox.engine.communications import HIDDEN_ID
from sandbox.ws.messages import rfc3339
from sandbox.ws.wire import count, price, value


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _creator(batches: Any, b: Any, viewer: str) -> str:
    if b.obscure_creator and viewer != b.user_id and not b.executed:
        return HIDDEN_ID
    return batches.comms.communications_id(b.user_id)


def _cost(r: Any) -> str | None:
    return None if r.target_cost is None else value(r.target_cost)


def rfq_batch_created(batches: Any, b: Any, viewer: str) -> dict[str, Any]:
    """Distinct legs listed once; each child names its legs by index."""
    legs: list[dict] = []
    index: dict[tuple[str, str], int] = {}
    rfqs = []
    for rfq_id in b.rfq_ids:
        r = batches.comms.rfqs[rfq_id]
        mine = []
        for leg in r.mve_selected_legs:
            key = (leg["market_ticker"], leg["side"])
            if key not in index:
                index[key] = len(legs)
                legs.append(
                    {
                        "event_ticker": leg["event_ticker"],
                        "market_ticker": leg["market_ticker"],
                        "side": leg["side"],
                    }
                )
            mine.append(index[key])
        rfqs.append(
            _drop_none(
                {
                    "id": r.rfq_id,
                    "market_ticker": r.ticker,
                    "event_ticker": r.event_ticker,
                    "contracts_fp": None if r.contracts is None else count(r.contracts),
                    "target_cost_dollars": _cost(r),
                    "mve_collection_ticker": r.mve_collection_ticker or None,
                    "leg_indices": mine,
                }
            )
        )
    return {
        "id": b.batch_id,
        "creator_id": _creator(batches, b, viewer),
        "created_ts": rfc3339(b.created_ts),
        "legs": legs,
        "rfqs": rfqs,
    }


def rfq_batch_deleted(batches: Any, b: Any, viewer: str, ts: int) -> dict[str, Any]:
    return {
        "id": b.batch_id,
        "creator_id": _creator(batches, b, viewer),
        "rfq_ids": list(b.rfq_ids),
        "deleted_ts": rfc3339(ts),
    }


def _child(batches: Any, q: Any, accepted: bool = False) -> dict[str, Any]:
    comms = batches.comms
    r = comms.rfqs[q.rfq_id]
    return _drop_none(
        {
            "quote_id": q.quote_id,
            "rfq_id": q.rfq_id,
            "market_ticker": q.ticker,
            "event_ticker": r.event_ticker,
            "yes_bid_dollars": price(q.yes_bid),
            "no_bid_dollars": price(q.no_bid),
            "contracts_accepted_fp": count(q.contracts_accepted) if accepted else None,
            "yes_contracts_offered_fp": count(comms.contracts_for(r, "yes", q.yes_bid)),
            "no_contracts_offered_fp": count(comms.contracts_for(r, "no", q.no_bid)),
            "rfq_target_cost_dollars": _cost(r),
        }
    )


def batch_quote_created(batches: Any, bq: Any) -> dict[str, Any]:
    quotes = [batches.comms.quotes[qid] for qid in bq.quote_ids]
    return _drop_none(
        {
            "batch_quote_id": bq.batch_quote_id,
            "rfq_batch_id": bq.batch_id,
            "quote_creator_id": batches.comms.communications_id(bq.user_id),
            "created_ts": rfc3339(bq.created_ts),
            "quotes": [_child(batches, q) for q in quotes],
            "subaccount": bq.subaccount or None,
        }
    )


def rfq_batch_best_quotes(batches: Any, b: Any) -> dict[str, Any]:
    """The full snapshot of best bids across makers (never naming them): the one `b.version`
    names, as stored on the batch."""
    rows, yes_all, no_all = [], True, True
    for r, yes, no in batches.shown(b):
        yes_all, no_all = yes_all and yes is not None, no_all and no is not None
        row: dict[str, Any] = {
            "rfq_id": r.rfq_id,
            "market_ticker": r.ticker,
            "event_ticker": r.event_ticker,
        }
        if r.contracts is not None:
            row["contracts_fp"] = count(r.contracts)
        for side, bid in (("yes", yes), ("no", no)):
            if bid is not None:
                row[f"{side}_bid_dollars"] = price(bid)
                offered = batches.comms.contracts_for(r, side, bid)
                row[f"{side}_contracts_offered_fp"] = count(offered)
        if r.target_cost is not None:
            row["rfq_target_cost_dollars"] = _cost(r)
        rows.append(row)
    return _drop_none(
        {
            "rfq_batch_id": b.batch_id,
            "client_batch_id": b.client_batch_id or None,
            "version": max(b.version, 1),
            "updated_ts": rfc3339(b.best_ts or b.created_ts),
            "yes_complete": yes_all,
            "no_complete": no_all,
            "rfqs": rows,
            "subaccount": b.subaccount or None,
        }
    )


def batch_quote_accepted(batches: Any, b: Any, bq: Any) -> dict[str, Any]:
    won = [batches.comms.quotes[qid] for qid in bq.won]
    return _drop_none(
        {
            "batch_quote_id": bq.batch_quote_id,
            "rfq_batch_id": bq.batch_id,
            "quote_creator_id": batches.comms.communications_id(bq.user_id),
            "rfq_creator_id": _creator(batches, b, bq.user_id),
            "accepted_side": bq.accepted_side,
            "accepted_ts": rfc3339(bq.accepted_ts or b.accepted_ts),
            "quotes": [_child(batches, q, accepted=True) for q in won],
            "subaccount": bq.subaccount or None,
        }
    )


def _close_reason(executed: list, failed: list) -> str:
    if executed and failed:
        return "partially executed"
    return "executed" if executed else "execution failed"


def rfq_batch_executed(batches: Any, b: Any) -> dict[str, Any]:
    executed = list(b.rfq_ids) if b.executed else []
    failed = [] if b.executed else list(b.rfq_ids)
    return _drop_none(
        {
            "rfq_batch_id": b.batch_id,
            "client_batch_id": b.client_batch_id or None,
            "rfq_creator_id": batches.comms.communications_id(b.user_id),
            "executed_rfq_ids": executed,
            "failed_rfq_ids": failed,
            "executed_ts": rfc3339(b.executed_ts or b.closed_ts),
            "close_reason": _close_reason(executed, failed),
            "subaccount": b.subaccount or None,
        }
    )


def batch_quote_executed(batches: Any, b: Any, bq: Any) -> dict[str, Any]:
    executed, failed = list(bq.executed_ids), list(bq.failed_ids)
    creator = (
        batches.comms.communications_id(b.user_id) if executed else _creator(batches, b, bq.user_id)
    )  # "revealed only if at least one of your children executed"
    return _drop_none(
        {
            "batch_quote_id": bq.batch_quote_id,
            "rfq_batch_id": bq.batch_id,
            "rfq_creator_id": creator,
            "executed_rfq_ids": executed,
            "failed_rfq_ids": failed,
            "executed_ts": rfc3339(bq.executed_ts or b.closed_ts),
            "close_reason": _close_reason(executed, failed),
            "subaccount": bq.subaccount or None,
        }
    )
