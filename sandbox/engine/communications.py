"""The RFQ market: requests for quote, makers' quotes, accept -> confirm -> timed execution.

Kalshi's RFQ guide (docs.kalshi.com/getting_started/rfqs): a requester asks for a size (contracts,
or a target cost); makers answer with a `yes_bid` (price per YES contract) and a `no_bid` (price
per NO contract), either may be 0 to decline that side, and a maker's new quote on the same RFQ
replaces the previous one. The requester accepts one side; the maker confirms within the
confirmation window; after the execution timer "orders are placed on the public book". Windows:
30 s to confirm and 15 s to execute, 1 s and 1 s on High Volatility Markets (all combos).
Accepting `yes` buys YES at `yes_bid` (the guide sizes target-cost quotes as target / price and
reports them as `yes_contracts_fp`), so the maker sells YES at that price; `no` buys NO at
`no_bid`.

Execution places the two orders through `Trading.create_order` — the maker's first (post-only if
the quote says so; it takes liquidity otherwise, as the spec's `post_only` describes), then the
requester's at the same price — so fees, collateral, fills, positions and their events are the
order book's own. A remainder rests only where `rest_remainder` asks for it.

State: `rfqs` and `quotes` by id; derived indexes: open RFQs per user, quotes per RFQ, quotes
per involved user, and the quotes whose timer runs (`pending`, and by RFQ). The children of
RFQ batches and their quotes (rfqbatches.py) are stored here too, so execution is the same, but
stay out of these indexes: they are quoted, accepted, timed and read through their batch only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from copy import copy
from decimal import ROUND_FLOOR, Decimal

from . import events as ev
from . import fees
from .accounts import Accounts
from .catalog import Catalog
from .common import MAX_SUBACCOUNT
from .errors import EngineError, not_found
from .models import (
    ACTIVE,
    ASK,
    BID,
    CLOSED_RFQ,
    GTC,
    IOC,
    OPEN,
    Q_ACCEPTED,
    Q_CANCELLED,
    Q_CONFIRMED,
    Q_EXECUTED,
    Q_OPEN,
    RESTING,
    STP_TAKER,
    Quote,
    Rfq,
)
from .money import COUNT_STEP, ONE, ZERO, cents_up, check_count, dec
from .operation import ChangeSet, Operation
from .orders import Trading

MAX_OPEN_RFQS = 100  # "You can have a maximum of 100 open RFQs at a time" (CreateRFQ)
STANDARD_WINDOWS = (30_000, 15_000)  # (confirmation window, execution timer) ms
HVM_WINDOWS = (1_000, 1_000)
HIDDEN_ID = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # sha256(b"")


def _rfq_error(message: str, code: str = "invalid_parameters", status: int = 400) -> EngineError:
    return EngineError(status, code, message)


class Communications:
    def __init__(self, op: Operation, accounts: Accounts, catalog: Catalog, trading: Trading):
        self.op = op
        self.accounts = accounts
        self.catalog = catalog
        self.trading = trading
        self.windows = STANDARD_WINDOWS
        self.hvm_windows = HVM_WINDOWS
        self.rfqs: dict[str, Rfq] = {}
        self.quotes: dict[str, Quote] = {}
        # Indexes (derived: rebuilt on restore, repaired on rollback).
        self.open_by_user: dict[str, dict[str, Rfq]] = {}
        self.by_rfq: dict[str, dict[str, Quote]] = {}
        self.by_user: dict[str, dict[str, Quote]] = {}  # quotes a user made or was quoted
        self.pending: dict[str, Quote] = {}  # accepted or confirmed: a timer runs
        self.pending_by_rfq: dict[str, str] = {}  # rfq id -> its one pending quote's id
        # No pending quote's deadline is earlier than this (None: none pending). Lowered on every
        # index update, made exact by `due`: the check before each operation is one comparison,
        # not a scan of every pending quote. (A bound left low by a rollback costs one scan.)
        self.earliest: int | None = None
        op.repairs.append(self.repair)

    # ------------------------------------------------------------------ identity

    def communications_id(self, user_id: str) -> str:
        """A stable pseudonymous public id per user (never the user id itself)."""
        raw = f"{self.op.meta.id_ns}:{user_id}".encode()
        return hashlib.sha256(raw).hexdigest()

    def creator_id_for(self, rfq: Rfq, viewer: str | None) -> str:
        if rfq.obscure_creator and viewer != rfq.user_id and not rfq.executed:
            return HIDDEN_ID
        return self.communications_id(rfq.user_id)

    def windows_of(self, ticker: str) -> tuple[int, int]:
        return self.hvm_windows if ticker.startswith("KXMVE") else self.windows

    # ------------------------------------------------------------------ index upkeep

    def _index_rfq(self, r: Rfq) -> None:
        if r.rfq_batch_id:
            return
        mine = self.open_by_user.setdefault(r.user_id, {})
        if r.status == OPEN and r.rfq_id in self.rfqs:
            mine[r.rfq_id] = r
        else:
            mine.pop(r.rfq_id, None)
        if not mine:
            del self.open_by_user[r.user_id]

    def _index_quote(self, q: Quote) -> None:
        if self.rfqs[q.rfq_id].rfq_batch_id:
            return
        there = q.quote_id in self.quotes
        for table, key in (
            (self.by_rfq, q.rfq_id),
            (self.by_user, q.user_id),
            (self.by_user, q.rfq_user_id),
        ):
            entries = table.setdefault(key, {})
            if there:
                entries[q.quote_id] = q
            else:
                entries.pop(q.quote_id, None)
                if not entries:
                    del table[key]
        if there and q.status in (Q_ACCEPTED, Q_CONFIRMED):
            self.pending[q.quote_id] = q
            self.pending_by_rfq[q.rfq_id] = q.quote_id
            if q.deadline is not None and (self.earliest is None or q.deadline < self.earliest):
                self.earliest = q.deadline
        else:
            self.pending.pop(q.quote_id, None)
            if self.pending_by_rfq.get(q.rfq_id) == q.quote_id:
                del self.pending_by_rfq[q.rfq_id]

    def _touch_rfq(self, r: Rfq) -> None:
        self.op.touch("rfq", r, self.rfqs)

    def _touch_quote(self, q: Quote) -> None:
        self.op.touch("quote", q, self.quotes)

    # ------------------------------------------------------------------ RFQs

    def create_rfq(
        self,
        user_id: str,
        *,
        ticker: str,
        rest_remainder: bool,
        contracts: object = None,
        target_cost: object = None,
        target_cost_excludes_fees: bool = False,
        obscure_creator: bool = False,
        replace_existing: bool = False,
        subaccount: int = 0,
    ) -> Rfq:
        op = self.op
        op.step("create_rfq.validate")
        if not self.accounts.has_user(user_id):
            raise not_found("user")
        if not isinstance(subaccount, int) or not 0 <= subaccount <= MAX_SUBACCOUNT:
            raise _rfq_error("subaccount must be 0-63")
        m = self.catalog.live_market(ticker)
        if m.status != ACTIVE:
            raise EngineError(409, "market_closed", f"market is {m.status}")
        if (contracts is None) == (target_cost is None):
            raise _rfq_error("give exactly one of contracts and target_cost_dollars")
        size = check_count(contracts, "contracts") if contracts is not None else None
        cost = None
        if target_cost is not None:
            cost = dec(target_cost, "target_cost_dollars")
            if cost <= 0 or cost != cost.quantize(Decimal("0.0001")):
                raise _rfq_error("target_cost_dollars must be a positive dollar amount")
        elif target_cost_excludes_fees:
            raise _rfq_error("target_cost_excludes_fees is only valid with a target cost")
        mine = self.open_by_user.get(user_id, {})
        if replace_existing:
            op.step("create_rfq.replace")
            for r in list(mine.values()):
                self._close_rfq(r, "replaced")
        elif len(mine) >= MAX_OPEN_RFQS:
            raise EngineError(
                409,
                "rfq_limit_reached",
                f"you can have at most {MAX_OPEN_RFQS} open RFQs",
            )
        op.step("create_rfq.record")
        now = op.now
        r = Rfq(
            rfq_id=op.new_id("rfq"),
            user_id=user_id,
            ticker=ticker,
            event_ticker=m.event_ticker,
            contracts=size,
            target_cost=cost,
            rest_remainder=bool(rest_remainder),
            subaccount=subaccount,
            target_cost_excludes_fees=bool(target_cost_excludes_fees),
            obscure_creator=bool(obscure_creator),
            created_ts=now,
            updated_ts=now,
            mve_collection_ticker=m.mve_collection_ticker,  # a combo's legs travel with it
            mve_selected_legs=[dict(leg) for leg in m.mve_selected_legs],
        )
        self.rfqs[r.rfq_id] = r
        op.added("rfq", r, self.rfqs)
        self._index_rfq(r)
        if op.events is not None:
            op.emit(ev.RfqEvent("created", copy(r), now))
        return r

    def delete_rfq(self, user_id: str, rfq_id: str) -> Rfq:
        self.op.step("delete_rfq.validate")
        r = self.rfqs.get(rfq_id)
        if r is None or r.user_id != user_id:
            raise not_found("rfq")
        if r.rfq_batch_id:
            raise _rfq_error("a batch's child RFQs close with their batch")
        if r.status != OPEN:
            raise _rfq_error("rfq is not open", "rfq_not_open")
        for q in self.by_rfq.get(rfq_id, {}).values():
            if q.status == Q_CONFIRMED:
                raise _rfq_error("a confirmed quote can no longer be withdrawn", "quote_confirmed")
        self.op.step("delete_rfq.record")
        self._close_rfq(r, "deleted")
        return r

    def _close_rfq(self, r: Rfq, reason: str, executed: bool = False) -> None:
        """Close an RFQ and cancel its live quotes (the executed one excepted)."""
        op = self.op
        now = op.now
        self._touch_rfq(r)
        r.status = CLOSED_RFQ
        r.updated_ts = now
        if executed:
            r.executed = True
        else:
            r.cancelled_ts = now
            r.cancellation_reason = reason
        self._index_rfq(r)
        for q in list(self.by_rfq.get(r.rfq_id, {}).values()):
            if q.status in (Q_OPEN, Q_ACCEPTED):
                self._cancel_quote(q, "rfq_closed", r)
        if op.events is not None:
            op.emit(ev.RfqEvent("deleted", copy(r), now))

    # ---- batch children (rfqbatches.py owns the batch; these records live here)

    def add_child_rfq(self, r: Rfq) -> None:
        self.rfqs[r.rfq_id] = r
        self.op.added("rfq", r, self.rfqs)

    def close_child_rfq(self, r: Rfq, reason: str) -> None:
        self._close_rfq(r, reason)

    def add_child_quote(self, q: Quote) -> None:
        self.quotes[q.quote_id] = q
        self.op.added("quote", q, self.quotes)

    def cancel_child_quote(self, q: Quote, reason: str) -> None:
        self._cancel_quote(q, reason, self.rfqs[q.rfq_id])

    def accept_child_quote(self, q: Quote, side: str, size: Decimal) -> None:
        """Mark a child quote won; its batch runs the timers (no deadline here)."""
        self._touch_quote(q)
        q.status = Q_ACCEPTED
        q.accepted_side = side
        q.contracts_accepted = size
        q.accepted_ts = q.updated_ts = self.op.now

    def confirm_child_quote(self, q: Quote) -> None:
        self._touch_quote(q)
        q.status = Q_CONFIRMED
        q.confirmed_ts = q.updated_ts = self.op.now

    # ------------------------------------------------------------------ quotes

    def create_quote(
        self,
        user_id: str,
        *,
        rfq_id: str,
        yes_bid: object,
        no_bid: object,
        rest_remainder: bool,
        post_only: bool = False,
        subaccount: int = 0,
    ) -> Quote:
        op = self.op
        op.step("create_quote.validate")
        if not self.accounts.has_user(user_id):
            raise not_found("user")
        r = self.rfqs.get(rfq_id)
        if r is None:
            raise not_found("rfq")
        if r.status != OPEN:
            raise _rfq_error("rfq is closed", "rfq_closed")
        if r.rfq_batch_id:
            raise _rfq_error("a batch's child RFQs are quoted through their batch")
        if r.user_id == user_id:
            raise _rfq_error("you cannot quote your own RFQ", "self_quote")
        m = self.catalog.live_market(r.ticker)
        yes, no = self.side_price(m, yes_bid, "yes_bid"), self.side_price(m, no_bid, "no_bid")
        if not yes and not no:
            raise _rfq_error("yes_bid and no_bid cannot both be 0")
        if not isinstance(subaccount, int) or not 0 <= subaccount <= MAX_SUBACCOUNT:
            raise _rfq_error("subaccount must be 0-63")
        op.step("create_quote.replace")
        for old in list(self.by_rfq.get(rfq_id, {}).values()):
            if old.user_id == user_id and old.status == Q_OPEN:
                self._cancel_quote(old, "replaced", r)
        op.step("create_quote.record")
        now = op.now
        q = Quote(
            quote_id=op.new_id("quote"),
            rfq_id=rfq_id,
            user_id=user_id,
            rfq_user_id=r.user_id,
            ticker=r.ticker,
            yes_bid=yes,
            no_bid=no,
            rest_remainder=bool(rest_remainder),
            subaccount=subaccount,
            post_only=bool(post_only),
            created_ts=now,
            updated_ts=now,
        )
        self.quotes[q.quote_id] = q
        op.added("quote", q, self.quotes)
        self._index_quote(q)
        if op.events is not None:
            op.emit(ev.QuoteEvent("created", copy(q), copy(r), now))
        return q

    def side_price(self, m, value: object, name: str) -> Decimal:
        p = dec(value, name, bounded=False)
        if p == 0:
            return ZERO
        try:
            return self.trading.check_price(m, p)
        except EngineError as exc:
            raise EngineError(400, "invalid_parameters", f"{name}: {exc.message}") from None

    def own_quote(self, user_id: str, quote_id: str, rfq_id: str | None) -> Quote:
        """A quote the user is party to (404 otherwise, or when it is not under `rfq_id`)."""
        q = self.quotes.get(quote_id)
        if (
            q is None
            or user_id not in (q.user_id, q.rfq_user_id)
            or self.rfqs[q.rfq_id].rfq_batch_id  # read through its batch quote
            or (rfq_id is not None and q.rfq_id != rfq_id)
        ):
            raise not_found("quote")
        return q

    def delete_quote(self, user_id: str, quote_id: str, rfq_id: str | None = None) -> Quote:
        self.op.step("delete_quote.validate")
        q = self.own_quote(user_id, quote_id, rfq_id)
        if q.user_id != user_id:
            raise not_found("quote")
        if q.status == Q_CONFIRMED:
            raise _rfq_error("a confirmed quote can no longer be withdrawn", "quote_confirmed")
        if q.status not in (Q_OPEN, Q_ACCEPTED):
            raise _rfq_error(f"quote is {q.status}", "quote_not_open")
        self.op.step("delete_quote.record")
        self._cancel_quote(q, "deleted", self.rfqs[q.rfq_id])
        return q

    def _cancel_quote(self, q: Quote, reason: str, r: Rfq) -> None:
        op = self.op
        self._touch_quote(q)
        q.status = Q_CANCELLED
        q.cancelled_ts = q.updated_ts = op.now
        q.cancellation_reason = reason
        q.deadline = None
        self._index_quote(q)
        if op.events is not None:
            op.emit(ev.QuoteEvent("cancelled", copy(q), copy(r), op.now))

    def contracts_for(self, r: Rfq, side: str, price: Decimal) -> Decimal:
        """Contracts a quote offers on one side: the RFQ's size, or what its target cost buys
        at `price` (principal only, or principal plus the taker fee, as the RFQ says)."""
        if r.contracts is not None:
            return r.contracts
        if not price or r.target_cost is None:
            return ZERO
        c = (r.target_cost / price).quantize(COUNT_STEP, rounding=ROUND_FLOOR)
        if r.target_cost_excludes_fees:
            return c
        m = self.catalog.markets[r.ticker]
        fee_type, mult = self.catalog.fees_of(m)
        yes_px = price if side == "yes" else ONE - price
        unit = price + fees.fee_increment(fee_type, mult, True, ONE, yes_px)
        c = (r.target_cost / unit).quantize(COUNT_STEP, rounding=ROUND_FLOOR)
        while (
            c > 0
            and c * price + cents_up(fees.fee_increment(fee_type, mult, True, c, yes_px))
            > r.target_cost
        ):
            c -= COUNT_STEP
        return max(c, ZERO)

    def cost_to_accept(self, r: Rfq, accepted_side: str, price: Decimal, size: Decimal) -> Decimal:
        """What the requester must hold to take `size` at `price`: principal plus taker fee."""
        m = self.catalog.live_market(r.ticker)
        fee_type, mult = self.catalog.fees_of(m)
        side = BID if accepted_side == "yes" else ASK
        limit = price if side == BID else ONE - price
        return price * size + fees.taker_fee_bound(fee_type, mult, side, size, limit, ZERO)

    def accept_quote(
        self, user_id: str, quote_id: str, accepted_side: str, rfq_id: str | None = None
    ) -> Quote:
        op = self.op
        op.step("accept_quote.validate")
        q = self.own_quote(user_id, quote_id, rfq_id)
        if q.rfq_user_id != user_id:
            raise EngineError(403, "forbidden", "only the RFQ's creator can accept its quotes")
        if accepted_side not in ("yes", "no"):
            raise _rfq_error("accepted_side must be yes or no")
        r = self.rfqs[q.rfq_id]
        if r.status != OPEN:
            raise _rfq_error("rfq is closed", "rfq_closed")
        if q.status != Q_OPEN:
            raise _rfq_error(f"quote is {q.status}", "quote_not_open")
        if r.rfq_id in self.pending_by_rfq:  # (accept_quote allows one per RFQ)
            raise _rfq_error("another quote on this RFQ is already accepted", "rfq_quote_pending")
        price = q.yes_bid if accepted_side == "yes" else q.no_bid
        if not price:
            raise _rfq_error(f"the quote declines the {accepted_side} side")
        size = self.contracts_for(r, accepted_side, price)
        if size <= 0:
            raise _rfq_error("the target cost buys no contract at this price")
        need = self.cost_to_accept(r, accepted_side, price, size)
        index = self.catalog.markets[r.ticker].exchange_index  # the trade's collateral
        have = self.accounts.available(r.user_id, r.subaccount, index)
        if need > have:
            raise EngineError(
                400,
                "available_balance_too_low",
                "insufficient balance",
                f"need {need}, available {have} on exchange index {index}",
            )
        op.step("accept_quote.record")
        now = op.now
        self._touch_quote(q)
        q.status = Q_ACCEPTED
        q.accepted_side = accepted_side
        q.contracts_accepted = size
        q.accepted_ts = q.updated_ts = now
        q.deadline = now + self.windows_of(r.ticker)[0]
        self._index_quote(q)
        if op.events is not None:
            op.emit(ev.QuoteEvent("accepted", copy(q), copy(r), now))
        return q

    def confirm_quote(self, user_id: str, quote_id: str, rfq_id: str | None = None) -> Quote:
        op = self.op
        op.step("confirm_quote.validate")
        q = self.own_quote(user_id, quote_id, rfq_id)
        if q.user_id != user_id:
            raise EngineError(403, "forbidden", "only the quote's creator can confirm it")
        if q.status != Q_ACCEPTED:
            raise _rfq_error(f"quote is {q.status}, not accepted", "quote_not_accepted")
        if q.deadline is not None and op.now > q.deadline:
            raise _rfq_error("the confirmation window has passed", "quote_expired")
        op.step("confirm_quote.record")
        now = op.now
        self._touch_quote(q)
        q.status = Q_CONFIRMED
        q.confirmed_ts = q.updated_ts = now
        q.deadline = now + self.windows_of(q.ticker)[1]
        self._index_quote(q)
        return q

    # ------------------------------------------------------------------ timers

    def is_due(self, now: int) -> bool:
        """Some timer may be due (cheap: see `earliest`)."""
        return self.earliest is not None and self.earliest <= now

    def due(self, now: int) -> list[Quote]:
        if not self.is_due(now):
            return []
        out = sorted(
            (q for q in self.pending.values() if q.deadline is not None and q.deadline <= now),
            key=lambda q: (q.deadline, q.quote_id),
        )
        self.earliest = self.next_deadline()  # exact again (the due ones stay pending until run)
        return out

    def ran(self) -> None:
        """The due timers have run (their quotes left `pending`): the bound is exact again."""
        self.earliest = self.next_deadline()

    def next_deadline(self) -> int | None:
        return min((q.deadline for q in self.pending.values() if q.deadline), default=None)

    def run_timer(self, q: Quote) -> None:
        """One due timer: an accepted quote missed its confirmation window (cancelled, the RFQ
        stays open); a confirmed one executes."""
        if q.status == Q_ACCEPTED:
            self.op.step("rfq_timer.expire")
            self._cancel_quote(q, "confirmation_timeout", self.rfqs[q.rfq_id])
        elif q.status == Q_CONFIRMED:
            self.execute(q)

    def execute(self, q: Quote) -> None:
        op = self.op
        r = self.rfqs[q.rfq_id]
        assert q.accepted_side is not None and q.contracts_accepted is not None
        price = q.yes_bid if q.accepted_side == "yes" else q.no_bid
        yes_px = price if q.accepted_side == "yes" else ONE - price
        taker_side = BID if q.accepted_side == "yes" else ASK
        maker_side = ASK if taker_side == BID else BID
        mark = None if op.events is None else len(op.events)
        op.step("execute_quote.maker")
        maker = self.trading.create_order(
            q.user_id,
            ticker=q.ticker,
            side=maker_side,
            price=yes_px,
            count=q.contracts_accepted,
            time_in_force=GTC,
            self_trade_prevention_type=STP_TAKER,
            post_only=q.post_only,
            subaccount=q.subaccount,
        ).order
        op.step("execute_quote.taker")
        taker = self.trading.create_order(
            r.user_id,
            ticker=q.ticker,
            side=taker_side,
            price=yes_px,
            count=q.contracts_accepted,
            time_in_force=GTC if r.rest_remainder else IOC,
            self_trade_prevention_type=STP_TAKER,
            subaccount=r.subaccount,
        ).order
        if maker.status == RESTING and not q.rest_remainder:
            self.trading.cancel(maker)
        op.step("execute_quote.record")
        now = op.now
        self._touch_quote(q)
        q.status = Q_EXECUTED
        q.executed_ts = q.updated_ts = now
        q.deadline = None
        q.creator_order_id = maker.order_id
        q.rfq_creator_order_id = taker.order_id
        self._index_quote(q)
        self._close_rfq(r, "executed", executed=True)
        if op.events is not None and mark is not None:
            # Before the orders' own events: clients correlate the fills that follow with it
            # (AsyncAPI quote_executed: "use this to correlate subsequent fill messages").
            orders = ((q.user_id, maker.order_id), (r.user_id, taker.order_id))
            op.events.insert(mark, ev.QuoteEvent("executed", copy(q), copy(r), now, orders))

    def fail(self, q: Quote, reason: str) -> None:
        """Execution was refused (balance, market closed, post-only cross): the quote ends."""
        self.op.step("rfq_timer.fail")
        self._cancel_quote(q, reason, self.rfqs[q.rfq_id])

    # ------------------------------------------------------------------ reads

    def get_rfq(self, rfq_id: str) -> Rfq:
        r = self.rfqs.get(rfq_id)
        if r is None:
            raise not_found("rfq")
        return r

    def list_rfqs(
        self,
        *,
        user_id: str | None = None,
        status: str | None = None,
        ticker: str | None = None,
        event_ticker: str | None = None,
        subaccount: int | None = None,
    ) -> list[Rfq]:
        """Newest first. `user_id` keeps that user's own RFQs (user_filter=self)."""
        source: Iterable[Rfq] = self.rfqs.values()
        if status == OPEN:  # the open ones straight from their index
            source = (
                self.open_by_user.get(user_id, {}).values()
                if user_id is not None
                else [r for mine in self.open_by_user.values() for r in mine.values()]
            )
        out = [
            r
            for r in source
            if not r.rfq_batch_id  # listed inside their batch
            and (user_id is None or r.user_id == user_id)
            and (status is None or r.status == status)
            and (ticker is None or r.ticker == ticker)
            and (event_ticker is None or r.event_ticker == event_ticker)
            and (subaccount is None or r.subaccount == subaccount)
        ]
        out.sort(key=lambda r: (r.created_ts, r.rfq_id), reverse=True)
        return out

    def list_quotes(
        self,
        viewer: str,
        *,
        rfq_id: str | None = None,
        status: str | None = None,
        mine: bool = False,
        on_my_rfqs: bool = False,
        min_ts: int | None = None,
        max_ts: int | None = None,
    ) -> list[Quote]:
        """Quotes the viewer is party to (makers never see each other's), newest first."""
        source: Iterable[Quote] = self.by_user.get(viewer, {}).values()
        if status in (Q_ACCEPTED, Q_CONFIRMED):  # the running timers' index is small
            source = [q for q in self.pending.values() if viewer in (q.user_id, q.rfq_user_id)]
        out = [
            q
            for q in source
            if (rfq_id is None or q.rfq_id == rfq_id)
            and (status is None or q.status == status)
            and (not mine or q.user_id == viewer)
            and (not on_my_rfqs or q.rfq_user_id == viewer)
            and (min_ts is None or q.updated_ts >= min_ts)
            and (max_ts is None or q.updated_ts <= max_ts)
        ]
        out.sort(key=lambda q: (q.created_ts, q.quote_id), reverse=True)
        return out

    # ------------------------------------------------------------------ restore / repair

    def restore(self, rfqs: list[Rfq], quotes: list[Quote]) -> None:
        for r in sorted(rfqs, key=lambda r: (r.created_ts, r.rfq_id)):
            self.rfqs[r.rfq_id] = r
            self._index_rfq(r)
        for q in sorted(quotes, key=lambda q: (q.created_ts, q.quote_id)):
            self.quotes[q.quote_id] = q
            self._index_quote(q)

    def repair(self, cs: ChangeSet) -> None:
        """After a rollback: put the touched records' index entries back in step."""
        for r, _ in cs.entries("rfq"):
            self._index_rfq(r)
        for q, _ in cs.entries("quote"):
            self._index_quote(q)
