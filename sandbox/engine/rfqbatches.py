"""RFQ batches: quotes on several combos at once, accepted all or none (spec: `/communications/
rfq_batches*`, AsyncAPI `communications` rfq_batch_* / batch_quote_* messages).

A batch is 2-57 child RFQs on distinct combos drawn from at most 6 distinct legs; a user has at
most 2 open batches (accepted ones no longer count; `replace_existing` closes the oldest), and
batches and single RFQs do not count against each other's limits. Every maker's batch quote
prices every child; a new one replaces the maker's previous one, and a bid resent unchanged
keeps its time priority. A batch quote counts for 30 s after it was last sent. Accepting takes
each child from the maker bidding best on the accepted side (ties to the earliest bid), every
child or none, with `min_bids` as price protection. Each winning maker confirms its children;
the last confirmation starts the execution timer, a missed confirmation window closes the whole
batch, and the children then execute together in one operation: if any child fails, nothing
trades and the batch closes "execution failed".

The children are ordinary `Rfq`/`Quote` records kept by `Communications` (marked with
`rfq_batch_id`, out of its indexes), so a child executes exactly like a single quote. State here:
`batches`, `batch_quotes`; indexes: open batches per user, batch quotes per batch, the accepted
batches whose timer runs (`pending`), client batch ids, and the times open batch quotes stop
counting (`lapses`, a heap).

The creator's best-quotes snapshot is stored on the batch (`best_bids`, `version`): every change
that may move a best bid (a batch quote created or withdrawn, or one that stops counting) compares
the best bids with it and makes a new version only when one differs (AsyncAPI
rfq_batch_best_quotes: "Sent ... when the best bid on either side of any child changes, including
when a batch quote stops counting"). Lapses run on the exchange's clock like the RFQ timers.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from decimal import Decimal

from .accounts import Accounts
from .catalog import Catalog
from .collections import Collections
from .common import MAX_SUBACCOUNT
from .communications import Communications
from .errors import EngineError, not_found
from .models import (
    ACTIVE,
    B_ACCEPTED,
    B_CLOSED,
    OPEN,
    Q_ACCEPTED,
    Q_CANCELLED,
    Q_CONFIRMED,
    Q_EXECUTED,
    Q_OPEN,
    BatchQuote,
    Quote,
    Rfq,
    RfqBatch,
)
from .money import ZERO, check_count, dec
from .operation import ChangeSet, Operation

MIN_CHILDREN, MAX_CHILDREN, MAX_LEGS = 2, 57, 6
MAX_OPEN_BATCHES = 2
QUOTE_LIFE_MS = 30_000  # "A batch quote counts only for 30 seconds after it was last submitted"
CLIENT_ID_MEMORY_MS = 7 * 86_400_000  # client_batch_id: unique incl. batches closed in 7 days
EXECUTED, FAILED = "executed", "execution failed"  # close_reason values the AsyncAPI names


def _bad(message: str, code: str = "invalid_parameters", status: int = 400) -> EngineError:
    return EngineError(status, code, message)


@dataclass(frozen=True, slots=True)
class BatchEvent:
    """kind: created | deleted | quoted (batch_quote_created) | best (the creator's best-quotes
    snapshot) | accepted (to each winning maker) | executed (creator and winners)."""

    kind: str
    batch: RfqBatch
    ts: int
    batch_quote: BatchQuote | None = None


@dataclass(frozen=True, slots=True)
class Best:
    """The best bid on one side of one child: price, the child quote, its batch quote."""

    price: Decimal
    quote: Quote
    batch_quote: BatchQuote


class RfqBatches:
    def __init__(
        self,
        op: Operation,
        accounts: Accounts,
        catalog: Catalog,
        comms: Communications,
        collections: Collections,
    ):
        self.op = op
        self.accounts = accounts
        self.catalog = catalog
        self.comms = comms
        self.collections = collections
        self.batches: dict[str, RfqBatch] = {}
        self.batch_quotes: dict[str, BatchQuote] = {}
        # Indexes (derived: rebuilt on restore, repaired on rollback).
        self.open_by_user: dict[str, dict[str, RfqBatch]] = {}
        self.by_batch: dict[str, dict[str, BatchQuote]] = {}
        self.pending: dict[str, RfqBatch] = {}
        self.client_ids: dict[tuple[str, str], RfqBatch] = {}
        # (ms a batch quote stops counting, batch_quote_id): lazy, an entry whose batch quote
        # was replaced or withdrawn meanwhile refreshes nothing.
        self.lapses: list[tuple[int, str]] = []
        self.quote_life_ms = QUOTE_LIFE_MS  # tests and demos may shorten it
        op.repairs.append(self.repair)

    # ------------------------------------------------------------------ index upkeep

    def _index_batch(self, b: RfqBatch) -> None:
        there = b.batch_id in self.batches
        mine = self.open_by_user.setdefault(b.user_id, {})
        if there and b.status == OPEN:
            mine[b.batch_id] = b
        else:
            mine.pop(b.batch_id, None)
        if not mine:
            del self.open_by_user[b.user_id]
        if there and b.status == B_ACCEPTED:
            self.pending[b.batch_id] = b
        else:
            self.pending.pop(b.batch_id, None)
        if b.client_batch_id:
            key = (b.user_id, b.client_batch_id)
            if there:
                self.client_ids[key] = b
            elif self.client_ids.get(key) is b:
                del self.client_ids[key]

    def _index_bq(self, bq: BatchQuote) -> None:
        entries = self.by_batch.setdefault(bq.batch_id, {})
        if bq.batch_quote_id in self.batch_quotes:
            entries[bq.batch_quote_id] = bq
        else:
            entries.pop(bq.batch_quote_id, None)
            if not entries:
                del self.by_batch[bq.batch_id]

    def _touch(self, b: RfqBatch) -> None:
        self.op.touch("rfq_batch", b, self.batches)
        b.updated_ts = self.op.now

    def _touch_bq(self, bq: BatchQuote) -> None:
        self.op.touch("batch_quote", bq, self.batch_quotes)
        bq.updated_ts = self.op.now

    def _emit(self, kind: str, b: RfqBatch, bq: BatchQuote | None = None) -> None:
        if self.op.events is not None:
            self.op.emit(BatchEvent(kind, copy(b), self.op.now, None if bq is None else copy(bq)))

    def _refresh_best(self, b: RfqBatch) -> None:
        """A batch quote changed or lapsed: if a best bid moved, a new snapshot for the creator
        (the same bids from another maker are the same snapshot: makers are not named)."""
        bids = [
            "" if top is None else str(top.price)
            for _, yes, no in self.best(b)
            for top in (yes, no)
        ]
        if bids == b.best_bids:
            return
        self._touch(b)
        b.best_bids = bids
        b.version += 1
        b.best_ts = self.op.now
        self._emit("best", b)

    def shown(self, b: RfqBatch) -> list[tuple[Rfq, Decimal | None, Decimal | None]]:
        """The snapshot `b.version` names: per child, its best yes and no bid (None: none)."""
        bids = b.best_bids or [""] * (2 * len(b.rfq_ids))
        price = lambda s: Decimal(s) if s else None  # noqa: E731
        return [
            (self.comms.rfqs[rfq_id], price(bids[2 * i]), price(bids[2 * i + 1]))
            for i, rfq_id in enumerate(b.rfq_ids)
        ]

    # ------------------------------------------------------------------ batches

    def create_batch(
        self,
        user_id: str,
        *,
        children: list[dict],
        mve_collection_ticker: str | None = None,
        contracts: object = None,
        target_cost: object = None,
        target_cost_excludes_fees: bool = False,
        rest_remainder: bool = False,
        replace_existing: bool = False,
        obscure_creator: bool = False,
        client_batch_id: str = "",
        subaccount: int = 0,
    ) -> RfqBatch:
        op = self.op
        op.step("create_batch.validate")
        if not self.accounts.has_user(user_id):
            raise not_found("user")
        if self.accounts.accounts[(user_id, 0)].member_type == "fcm":
            raise _bad("FCM members cannot create RFQ batches yet", "rfq_batch_unavailable", 403)
        if not isinstance(subaccount, int) or not 0 <= subaccount <= MAX_SUBACCOUNT:
            raise _bad("subaccount must be 0-63")
        if rest_remainder:
            raise _bad("rest_remainder must be false: a batch executes as one fill-or-kill")
        if not isinstance(children, list) or not MIN_CHILDREN <= len(children) <= MAX_CHILDREN:
            raise _bad(f"a batch has {MIN_CHILDREN} to {MAX_CHILDREN} children")
        if contracts is not None and target_cost is not None:
            raise _bad("give at most one of contracts_fp and target_cost_dollars")
        if len(client_batch_id) > 64:
            raise _bad("client_batch_id is at most 64 characters")
        now = op.now
        if client_batch_id:
            old = self.client_ids.get((user_id, client_batch_id))
            if old is not None and (
                old.status != B_CLOSED or (old.closed_ts or 0) > now - CLIENT_ID_MEMORY_MS
            ):
                raise _bad("client_batch_id was already used", "rfq_batch_already_exists", 409)
        sized: list[tuple[str, object]] = []
        for child in children:
            if not isinstance(child, dict):
                raise _bad("each child is an object")
            own = [k for k in ("contracts_fp", "target_cost_dollars") if child.get(k) is not None]
            if len(own) > 1:
                raise _bad("a child gives at most one of contracts_fp and target_cost_dollars")
            if own:
                sized.append((own[0], child[own[0]]))
            elif contracts is not None:
                sized.append(("contracts_fp", contracts))
            elif target_cost is not None:
                sized.append(("target_cost_dollars", target_cost))
            else:
                raise _bad("every child needs a size: its own, or the batch's")
        if len({kind for kind, _ in sized}) > 1:
            raise _bad("every child must be sized the same way (contracts or target cost)")
        by_cost = sized[0][0] == "target_cost_dollars"
        if target_cost_excludes_fees and not by_cost:
            raise _bad("target_cost_excludes_fees is only valid with a target cost")
        op.step("create_batch.combos")
        markets = [self._combo(user_id, child, mve_collection_ticker) for child in children]
        if len({m.ticker for m in markets}) != len(markets):
            raise _bad("children must be distinct combos")
        if len({m.exchange_index for m in markets}) > 1:  # spec: "all combos on one exchange index"
            raise EngineError(
                400,
                "invalid_parameters",
                "all children must be combos on one exchange index",
                ", ".join(f"{m.ticker}: {m.exchange_index}" for m in markets),
            )
        legs = {(leg["market_ticker"], leg["side"]) for m in markets for leg in m.mve_selected_legs}
        if len(legs) > MAX_LEGS:
            raise _bad(f"a batch draws on at most {MAX_LEGS} distinct legs")
        mine = self.open_by_user.get(user_id, {})
        if len(mine) >= MAX_OPEN_BATCHES:
            if not replace_existing:
                raise _bad(
                    f"you can have at most {MAX_OPEN_BATCHES} open RFQ batches",
                    "rfq_batch_limit_reached",
                    409,
                )
            op.step("create_batch.replace")
            oldest = sorted(mine.values(), key=lambda b: (b.created_ts, b.batch_id))
            for b in oldest[: len(mine) - MAX_OPEN_BATCHES + 1]:
                self._close(b, "replaced")
        op.step("create_batch.record")
        batch_id = op.new_id("rfq_batch")
        rfq_ids = []
        for m, (_, size) in zip(markets, sized, strict=True):
            r = Rfq(
                rfq_id=op.new_id("rfq"),
                user_id=user_id,
                ticker=m.ticker,
                event_ticker=m.event_ticker,
                contracts=None if by_cost else check_count(size, "contracts_fp"),
                target_cost=self._cost(size) if by_cost else None,
                rest_remainder=False,
                subaccount=subaccount,
                target_cost_excludes_fees=bool(target_cost_excludes_fees),
                obscure_creator=bool(obscure_creator),
                created_ts=now,
                updated_ts=now,
                mve_collection_ticker=m.mve_collection_ticker,
                mve_selected_legs=[dict(leg) for leg in m.mve_selected_legs],
                rfq_batch_id=batch_id,
            )
            self.comms.add_child_rfq(r)
            rfq_ids.append(r.rfq_id)
        b = RfqBatch(
            batch_id=batch_id,
            user_id=user_id,
            rfq_ids=rfq_ids,
            subaccount=subaccount,
            created_ts=now,
            updated_ts=now,
            client_batch_id=client_batch_id,
            obscure_creator=bool(obscure_creator),
            best_bids=[""] * (2 * len(rfq_ids)),
        )
        self.batches[batch_id] = b
        op.added("rfq_batch", b, self.batches)
        self._index_batch(b)
        self._emit("created", b)
        return b

    def _combo(self, user_id: str, child: dict, collection: str | None):
        ticker, selected = child.get("market_ticker"), child.get("selected_markets")
        if (ticker is None) == (selected is None):
            raise _bad("set exactly one of market_ticker and selected_markets on each child")
        if selected is not None:
            if not collection:
                raise _bad("mve_collection_ticker is required with selected_markets")
            m, _ = self.collections.create_market(user_id, collection, selected)
        else:
            if not isinstance(ticker, str):
                raise _bad("market_ticker must be a string")
            m = self.catalog.live_market(ticker)
            if not m.mve_collection_ticker:
                raise _bad(f"{ticker} is not a combo market")
        if m.status != ACTIVE:
            raise EngineError(409, "market_closed", f"market {m.ticker} is {m.status}")
        return m

    @staticmethod
    def _cost(value: object) -> Decimal:
        cost = dec(value, "target_cost_dollars")
        if cost <= 0 or cost != cost.quantize(Decimal("0.0001")):
            raise _bad("target_cost_dollars must be a positive dollar amount")
        return cost

    def own_batch(self, user_id: str, batch_id: str) -> RfqBatch:
        b = self.batches.get(batch_id)
        if b is None:
            raise not_found("rfq_batch")
        if b.user_id != user_id:
            raise _bad("only the batch's creator can do this", "forbidden", 403)
        return b

    def delete_batch(self, user_id: str, batch_id: str) -> RfqBatch:
        self.op.step("delete_batch.validate")
        b = self.batches.get(batch_id)
        if b is None or b.user_id != user_id:
            raise not_found("rfq_batch")
        if b.status == B_ACCEPTED:
            raise _bad("an accepted batch can no longer be closed", "rfq_batch_accepted", 409)
        if b.status != OPEN:
            raise _bad("the batch is closed", "rfq_batch_closed", 409)
        self.op.step("delete_batch.record")
        self._close(b, "cancelled")
        return b

    def _close(self, b: RfqBatch, reason: str) -> None:
        """Close a batch that did not trade: its children and every live batch quote on it."""
        self._touch(b)
        b.status = B_CLOSED
        b.closed_ts = self.op.now
        b.close_reason = reason
        b.deadline = None
        self._index_batch(b)
        for bq in list(self.by_batch.get(b.batch_id, {}).values()):
            if bq.status in (Q_OPEN, Q_ACCEPTED, Q_CONFIRMED):
                self._cancel_bq(bq, f"rfq_batch_{reason}".replace(" ", "_"))
        for rfq_id in b.rfq_ids:
            r = self.comms.rfqs[rfq_id]
            if r.status == OPEN:
                self.comms.close_child_rfq(r, reason)
        self._emit("deleted", b)

    # ------------------------------------------------------------------ batch quotes

    def create_batch_quote(
        self,
        user_id: str,
        batch_id: str,
        *,
        quotes: list[dict],
        rest_remainder: bool,
        post_only: bool = False,
        subaccount: int = 0,
    ) -> BatchQuote:
        op = self.op
        op.step("create_batch_quote.validate")
        if not self.accounts.has_user(user_id):
            raise not_found("user")
        b = self.batches.get(batch_id)
        if b is None:
            raise not_found("rfq_batch")
        if b.status != OPEN:
            raise _bad("the batch is not open", "rfq_batch_closed", 409)
        if b.user_id == user_id:
            raise _bad("you cannot quote your own RFQ batch", "self_quote")
        if not isinstance(subaccount, int) or not 0 <= subaccount <= MAX_SUBACCOUNT:
            raise _bad("subaccount must be 0-63")
        if not isinstance(quotes, list):
            raise _bad("quotes must be a list")
        given = {e.get("rfq_id"): e for e in quotes if isinstance(e, dict)}
        if len(quotes) != len(b.rfq_ids) or set(given) != set(b.rfq_ids):
            raise _bad("price every child of the batch exactly once")
        prices = []
        for rfq_id in b.rfq_ids:
            m = self.catalog.live_market(self.comms.rfqs[rfq_id].ticker)
            yes = self.comms.side_price(m, given[rfq_id].get("yes_bid"), "yes_bid")
            no = self.comms.side_price(m, given[rfq_id].get("no_bid"), "no_bid")
            if not yes and not no:
                raise _bad(f"yes_bid and no_bid cannot both be 0 ({rfq_id})")
            prices.append((yes, no))
        now = op.now
        op.step("create_batch_quote.replace")
        old = next(
            (x for x in self.by_batch.get(batch_id, {}).values()
             if x.user_id == user_id and x.status == Q_OPEN),
            None,
        )  # fmt: skip
        priority = [now] * (2 * len(prices))
        if old is not None:
            live = now - old.sent_ts <= self.quote_life_ms
            for i, qid in enumerate(old.quote_ids):
                q = self.comms.quotes[qid]
                for j, bid in enumerate((q.yes_bid, q.no_bid)):
                    if live and bid and bid == prices[i][j]:
                        priority[2 * i + j] = old.priority[2 * i + j]
            self._cancel_bq(old, "replaced")
        op.step("create_batch_quote.record")
        quote_ids = []
        for rfq_id, (yes, no) in zip(b.rfq_ids, prices, strict=True):
            r = self.comms.rfqs[rfq_id]
            q = Quote(
                quote_id=op.new_id("quote"),
                rfq_id=rfq_id,
                user_id=user_id,
                rfq_user_id=b.user_id,
                ticker=r.ticker,
                yes_bid=yes,
                no_bid=no,
                rest_remainder=bool(rest_remainder),
                subaccount=subaccount,
                post_only=bool(post_only),
                created_ts=now,
                updated_ts=now,
            )
            self.comms.add_child_quote(q)
            quote_ids.append(q.quote_id)
        bq = BatchQuote(
            batch_quote_id=op.new_id("batch_quote"),
            batch_id=batch_id,
            user_id=user_id,
            rfq_user_id=b.user_id,
            quote_ids=quote_ids,
            priority=priority,
            rest_remainder=bool(rest_remainder),
            post_only=bool(post_only),
            subaccount=subaccount,
            created_ts=now,
            updated_ts=now,
            sent_ts=now,
        )
        self.batch_quotes[bq.batch_quote_id] = bq
        op.added("batch_quote", bq, self.batch_quotes)
        self._index_bq(bq)
        entry = (now + self.quote_life_ms + 1, bq.batch_quote_id)  # counts through now + 30 s
        heapq.heappush(self.lapses, entry)
        op.undo(self._unpush, entry)
        self._emit("quoted", b, bq)
        self._refresh_best(b)
        return bq

    def party_quote(self, user_id: str, batch_id: str, bq_id: str) -> BatchQuote:
        """A batch quote the user is party to, under `batch_id` (404 otherwise)."""
        bq = self.batch_quotes.get(bq_id)
        if bq is None or bq.batch_id != batch_id or user_id not in (bq.user_id, bq.rfq_user_id):
            raise not_found("batch_quote")
        return bq

    def delete_batch_quote(self, user_id: str, batch_id: str, bq_id: str) -> BatchQuote:
        self.op.step("delete_batch_quote.validate")
        bq = self.party_quote(user_id, batch_id, bq_id)
        if bq.user_id != user_id:
            raise not_found("batch_quote")
        if bq.status != Q_OPEN:
            raise _bad(f"the batch quote is {bq.status}", "quote_not_open", 409)
        self.op.step("delete_batch_quote.record")
        self._cancel_bq(bq, "deleted")
        self._refresh_best(self.batches[batch_id])
        return bq

    def _cancel_bq(self, bq: BatchQuote, reason: str) -> None:
        self._touch_bq(bq)
        bq.status = Q_CANCELLED
        for qid in bq.quote_ids:
            q = self.comms.quotes[qid]
            if q.status in (Q_OPEN, Q_ACCEPTED, Q_CONFIRMED):
                self.comms.cancel_child_quote(q, reason)

    # ------------------------------------------------------------------ best quotes

    def best(self, b: RfqBatch) -> list[tuple[Rfq, Best | None, Best | None]]:
        """Per child (batch order): the best yes and no bid across makers' live batch quotes;
        ties go to the earliest bid (its kept priority), then the earlier batch quote."""
        now = self.op.time()
        live = [
            bq
            for bq in self.by_batch.get(b.batch_id, {}).values()
            if bq.status == Q_OPEN and now - bq.sent_ts <= self.quote_life_ms
        ]
        out: list[tuple[Rfq, Best | None, Best | None]] = []
        for i, rfq_id in enumerate(b.rfq_ids):
            sides: list[Best | None] = []
            for j in (0, 1):
                top: tuple | None = None
                for bq in live:
                    q = self.comms.quotes[bq.quote_ids[i]]
                    bid = q.yes_bid if j == 0 else q.no_bid
                    if not bid:
                        continue
                    rank = (-bid, bq.priority[2 * i + j], bq.batch_quote_id)
                    if top is None or rank < top[0]:
                        top = (rank, Best(bid, q, bq))
                sides.append(None if top is None else top[1])
            out.append((self.comms.rfqs[rfq_id], sides[0], sides[1]))
        return out

    # ------------------------------------------------------------------ accept / confirm

    def accept(
        self,
        user_id: str,
        batch_id: str,
        accepted_side: str,
        min_bids: list[dict],
        client_order_id: str = "",
    ) -> list[Quote]:
        op = self.op
        op.step("accept_batch.validate")
        b = self.own_batch(user_id, batch_id)
        if client_order_id and b.accept_key == client_order_id and b.status != OPEN:
            return self.accepted_quotes(b)  # a retry of the accept that succeeded
        if b.status != OPEN:
            raise _bad("the batch is not open", "rfq_batch_closed", 409)
        if accepted_side not in ("yes", "no"):
            raise _bad("accepted_side must be yes or no")
        floors = {e.get("rfq_id"): e.get("bid_dollars") for e in min_bids if isinstance(e, dict)}
        if len(min_bids) != len(b.rfq_ids) or set(floors) != set(b.rfq_ids):
            raise _bad("min_bids needs exactly one entry per child")
        picks: list[tuple[Rfq, Best, Decimal]] = []
        missing, changed = [], []
        need = ZERO
        for r, yes, no in self.best(b):
            top = yes if accepted_side == "yes" else no
            floor = dec(floors[r.rfq_id], "bid_dollars", bounded=False)
            if top is None:
                missing.append(r.rfq_id)
                continue
            if top.price < floor:
                changed.append(r.rfq_id)
                continue
            size = self.comms.contracts_for(r, accepted_side, top.price)
            if size <= 0:
                raise _bad(f"the target cost buys no contract on {r.rfq_id}")
            need += self.comms.cost_to_accept(r, accepted_side, top.price, size)
            picks.append((r, top, size))
        if missing:
            raise EngineError(
                409,
                "rfq_batch_incomplete",
                f"no {accepted_side} bid on every child",
                ", ".join(missing),
            )
        if changed:
            raise EngineError(
                409,
                "rfq_batch_quotes_changed",
                "a child's best bid is below its min_bids entry",
                ", ".join(changed),
            )
        index = self.catalog.markets[picks[0][0].ticker].exchange_index  # one for all children
        have = self.accounts.available(b.user_id, b.subaccount, index)
        if need > have:
            raise EngineError(
                400,
                "available_balance_too_low",
                "insufficient balance",
                f"need {need}, available {have} on exchange index {index}",
            )
        op.step("accept_batch.record")
        now = op.now
        self._touch(b)
        b.status = B_ACCEPTED
        b.accepted_side = accepted_side
        b.accepted_ts = now
        b.accept_key = client_order_id
        b.deadline = now + self.comms.windows_of(picks[0][0].ticker)[0]
        winners: dict[str, BatchQuote] = {}
        for _, top, size in picks:
            bq = top.batch_quote
            if bq.batch_quote_id not in winners:
                self._touch_bq(bq)
                bq.status = Q_ACCEPTED
                bq.accepted_side = accepted_side
                bq.accepted_ts = now
                winners[bq.batch_quote_id] = bq
            bq.won.append(top.quote.quote_id)
            self.comms.accept_child_quote(top.quote, accepted_side, size)
        for bq in list(self.by_batch.get(batch_id, {}).values()):
            if bq.status == Q_OPEN:
                self._cancel_bq(bq, "not_selected")
        self._index_batch(b)
        for bq in winners.values():
            self._emit("accepted", b, bq)
        return [top.quote for _, top, _ in picks]

    def accepted_quotes(self, b: RfqBatch) -> list[Quote]:
        """The child quotes an accepted batch took, in batch order."""
        won = {
            self.comms.quotes[qid].rfq_id: self.comms.quotes[qid]
            for bq in self.by_batch.get(b.batch_id, {}).values()
            for qid in bq.won
        }
        return [won[rfq_id] for rfq_id in b.rfq_ids if rfq_id in won]

    def winners(self, b: RfqBatch) -> list[BatchQuote]:
        return sorted(
            (bq for bq in self.by_batch.get(b.batch_id, {}).values() if bq.won),
            key=lambda bq: bq.batch_quote_id,
        )

    def confirm(self, user_id: str, batch_id: str, bq_id: str) -> BatchQuote:
        op = self.op
        op.step("confirm_batch_quote.validate")
        bq = self.party_quote(user_id, batch_id, bq_id)
        if bq.user_id != user_id:
            raise _bad("only the batch quote's maker can confirm it", "forbidden", 403)
        b = self.batches[batch_id]
        if bq.status != Q_ACCEPTED:
            raise _bad(f"the batch quote is {bq.status}, not accepted", "quote_not_accepted")
        if b.deadline is not None and op.now > b.deadline:
            raise _bad("the confirmation window has passed", "quote_expired")
        op.step("confirm_batch_quote.record")
        now = op.now
        self._touch_bq(bq)
        bq.status = Q_CONFIRMED
        bq.confirmed_ts = now
        for qid in bq.won:
            self.comms.confirm_child_quote(self.comms.quotes[qid])
        if all(w.status == Q_CONFIRMED for w in self.winners(b)):
            self._touch(b)  # the last confirmation starts the execution timer
            b.confirmed = True
            b.deadline = now + self.comms.windows_of(self.comms.rfqs[b.rfq_ids[0]].ticker)[1]
        return bq

    # ------------------------------------------------------------------ lapses

    def lapse_due(self, now: int) -> bool:
        return bool(self.lapses) and self.lapses[0][0] <= now

    def next_lapse(self) -> int | None:
        return self.lapses[0][0] if self.lapses else None

    def run_lapses(self) -> int:
        """Batch quotes that stopped counting by now: each open batch they priced gets a new
        snapshot if that moved a best bid. Returns how many open batches were rechecked."""
        op = self.op
        op.step("lapse_batch_quotes.pop")
        heap, now, seen = self.lapses, op.now, {}
        while heap and heap[0][0] <= now:
            entry = heapq.heappop(heap)
            op.undo(heapq.heappush, heap, entry)
            bq = self.batch_quotes.get(entry[1])
            if bq is not None and bq.status == Q_OPEN:
                b = self.batches[bq.batch_id]
                if b.status == OPEN:
                    seen[b.batch_id] = b
        op.step("lapse_batch_quotes.refresh")
        for b in seen.values():
            self._refresh_best(b)
        return len(seen)

    def _unpush(self, entry: tuple[int, str]) -> None:
        self.lapses.remove(entry)
        heapq.heapify(self.lapses)

    # ------------------------------------------------------------------ timers

    def due(self, now: int) -> list[RfqBatch]:
        return sorted(
            (b for b in self.pending.values() if b.deadline is not None and b.deadline <= now),
            key=lambda b: (b.deadline, b.batch_id),
        )

    def next_deadline(self) -> int | None:
        return min((b.deadline for b in self.pending.values() if b.deadline), default=None)

    def run_timer(self, b: RfqBatch) -> None:
        """A missed confirmation closes the whole batch; a confirmed batch executes."""
        if not b.confirmed:
            self.op.step("batch_timer.expire")
            self._close(b, "confirmation timeout")
        else:
            self.execute(b)

    def execute(self, b: RfqBatch) -> None:
        """Every child trades, in batch order, in this one operation: a child the book refuses
        raises and the operation undoes them all (the caller then runs `fail`)."""
        self.op.step("execute_batch.children")
        quotes = self.accepted_quotes(b)
        for q in quotes:
            self.comms.execute(q)
        self.op.step("execute_batch.record")
        now = self.op.now
        self._touch(b)
        b.status = B_CLOSED
        b.closed_ts = b.executed_ts = now
        b.close_reason = EXECUTED
        b.executed = True
        b.deadline = None
        self._index_batch(b)
        for bq in self.winners(b):
            self._touch_bq(bq)
            bq.status = Q_EXECUTED
            bq.executed_ts = now
            bq.executed_ids = [self.comms.quotes[qid].rfq_id for qid in bq.won]
            self._emit("executed", b, bq)
        self._emit("executed", b)

    def fail(self, b: RfqBatch, reason: str) -> None:
        """Execution was refused (balance, market closed ...): nothing traded, the batch ends."""
        self.op.step("batch_timer.fail")
        now = self.op.now
        for bq in self.winners(b):
            self._cancel_bq(bq, reason)
            bq.failed_ids = [self.comms.quotes[qid].rfq_id for qid in bq.won]
            bq.executed_ts = now
            self._emit("executed", b, bq)
        self._touch(b)
        b.status = B_CLOSED
        b.closed_ts = b.executed_ts = now
        b.close_reason = FAILED
        b.deadline = None
        self._index_batch(b)
        for rfq_id in b.rfq_ids:
            r = self.comms.rfqs[rfq_id]
            if r.status == OPEN:
                self.comms.close_child_rfq(r, "execution_failed")
        self._emit("executed", b)

    # ------------------------------------------------------------------ reads

    def get(self, batch_id: str) -> RfqBatch:
        b = self.batches.get(batch_id)
        if b is None:
            raise not_found("rfq_batch")
        return b

    def find(self, *, user_id: str | None = None, status: str | None = None) -> list[RfqBatch]:
        """Most recently updated first; `user_id` keeps that user's own (user_filter=self)."""
        source: Iterable[RfqBatch] = self.batches.values()
        if status == OPEN:
            source = (
                self.open_by_user.get(user_id, {}).values()
                if user_id is not None
                else [b for mine in self.open_by_user.values() for b in mine.values()]
            )
        out = [
            b
            for b in source
            if (user_id is None or b.user_id == user_id) and (status is None or b.status == status)
        ]
        out.sort(key=lambda b: (b.updated_ts, b.batch_id), reverse=True)
        return out

    def visible_quotes(self, viewer: str, b: RfqBatch) -> list[tuple[BatchQuote, list[Quote]]]:
        """Batch quotes the viewer may see, each with the child quotes shown: a maker its own
        (once accepted, only the children it won); the creator, once the batch is accepted,
        each winner's on the children it won (never while open: best quotes instead)."""
        out = []
        for bq in sorted(
            self.by_batch.get(b.batch_id, {}).values(), key=lambda x: x.batch_quote_id
        ):
            if bq.user_id == viewer:
                ids = bq.won if b.status != OPEN and bq.won else bq.quote_ids
            elif b.user_id == viewer and bq.won:
                ids = bq.won
            else:
                continue
            out.append((bq, [self.comms.quotes[qid] for qid in ids]))
        return out

    # ------------------------------------------------------------------ restore / repair

    def restore(self, batches: list[RfqBatch], batch_quotes: list[BatchQuote]) -> None:
        for b in sorted(batches, key=lambda b: (b.created_ts, b.batch_id)):
            self.batches[b.batch_id] = b
            self._index_batch(b)
        for bq in sorted(batch_quotes, key=lambda x: (x.created_ts, x.batch_quote_id)):
            self.batch_quotes[bq.batch_quote_id] = bq
            self._index_bq(bq)
            if bq.status == Q_OPEN:  # a lapse already applied refreshes nothing when rerun
                self.lapses.append((bq.sent_ts + self.quote_life_ms + 1, bq.batch_quote_id))
        heapq.heapify(self.lapses)

    def repair(self, cs: ChangeSet) -> None:
        for b, _ in cs.entries("rfq_batch"):
            self._index_batch(b)
        for bq, _ in cs.entries("batch_quote"):
            self._index_bq(bq)
