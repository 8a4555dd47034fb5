"""Books and matching: order placement, matching, cancel / amend / decrease, expiry, order reads.

Matching is price-time priority on one YES book; a bid buys YES, an ask sells YES (buys NO).
Cash is held per resting order (price x contracts not backed by an opposite position, plus
maker fees) on the market's exchange index (Accounts.holder); positions are netted, so buying
the side opposite to a holding closes it first, unless netting is off for the subaccount: then
both sides are held and pair up (`_apply_fill`).

State: `books` by ticker, `orders` by id, and the indexes derived from the resting orders
(per (user, subaccount, ticker), per user, per group, client order ids, the expiry heap). The
long operations are split into named steps (`op.step`): validate -> reserve -> match -> record.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Container, Iterable
from copy import copy
from decimal import Decimal

from . import events as ev
from . import fees
from .accounts import Accounts
from .book import Book
from .catalog import Catalog
from .common import MAX_TS, MICRO, PRICE_Q, CancelResult, as_set, within
from .errors import EngineError, invalid, not_found
from .groups import Groups
from .marketdata import MarketData
from .models import (
    ACTIVE,
    ASK,
    BID,
    CANCELED,
    EXECUTED,
    FOK,
    GTC,
    INACTIVE,
    INITIALIZED,
    IOC,
    RESTING,
    STP_MAKER,
    STP_TAKER,
    Account,
    Fill,
    IndexBalance,
    Market,
    Order,
    OrderResult,
    Position,
    QueuePosition,
    Trade,
)
from .money import ONE, ZERO, check_count, dec
from .operation import ChangeSet, Operation
from .portfolio import Portfolio

MAX_CLIENT_ORDER_ID = 64  # characters (Kalshi's client_order_id is a short opaque string)
# The fields fills, cancels and decreases change (images 13 fields of 32).
ORDER_HOT = (
    "status",
    "remaining_count",
    "fill_count",
    "covered",
    "reserved",
    "fee_base",
    "last_update_time",
    "last_update_reason",
    "rounding_acc",
    "taker_fill_cost",
    "maker_fill_cost",
    "taker_fees",
    "maker_fees",
)
AUTO = -1  # exchange_index: "Use -1 to require auto-routing by ticker" (OpenAPI 3.34.0)
Cash = Account | IndexBalance  # a cash record (Accounts.holder)


def route(m: Market, exchange_index: int | None) -> None:
    """Check a request's `exchange_index` against the market's shard. None (omitted) and -1
    auto-route by ticker (CreateOrderV2Request: "If omitted, auto-routes when ticker is
    provided ... Use -1 to require auto-routing by ticker"). Any other index names the shard
    the request goes to, and "events and markets live on exactly one exchange"
    (docs.kalshi.com/getting_started/exchange_sharding); Kalshi does not document the answer
    for a market on another shard, so this is the least surprising one: 400 with both indexes.
    """
    if exchange_index is None or exchange_index == AUTO or exchange_index == m.exchange_index:
        return
    if isinstance(exchange_index, bool) or not isinstance(exchange_index, int):
        raise invalid("exchange_index must be an integer", "exchange_index")
    raise EngineError(
        400,
        "invalid_parameters",
        f"market {m.ticker} is on exchange index {m.exchange_index}, not {exchange_index}",
        "exchange_index",
    )


class Trading:
    def __init__(
        self,
        op: Operation,
        accounts: Accounts,
        catalog: Catalog,
        groups: Groups,
        portfolio: Portfolio,
    ):
        self.op = op
        self.accounts = accounts
        self.catalog = catalog
        self.groups = groups
        self.portfolio = portfolio
        self.data: MarketData  # set by the front (market data reads the books)
        self.books: dict[str, Book] = {}
        self.orders: dict[str, Order] = {}
        # _touch(o): before changing an order's `ORDER_HOT` fields (a bound toucher: the hot
        # path); a full `op.touch` before changing any other field (amend)
        self._touch = op.toucher("order", self.orders, ORDER_HOT)
        # Indexes (derived: rebuilt on restore, repaired on rollback).
        self.client_ids: dict[tuple[str, str], str] = {}
        # resting orders: user -> (subaccount, ticker) -> {order id: order}
        self.user_orders: dict[str, dict[tuple[int, str], dict[str, Order]]] = {}
        self.orders_by_user: dict[str, dict[str, Order]] = {}  # all, creation order
        self.group_orders: dict[str, dict[str, Order]] = {}  # resting
        self.expiry: list[tuple[int, int, str]] = []
        # gate(user_id, market, added hold, is_amend): a part's veto on new orders and on
        # amends that grow an order (FCM subtraders' caps and blocked categories)
        self.gate: Callable[[str, Market, Decimal, bool], None] | None = None
        self.gated: Container[str] = ()  # the users a gate applies to (its part sets both)
        op.repairs.append(self.repair)

    def open_book(self, ticker: str) -> None:
        self.books[ticker] = Book(ticker)
        self.op.undo(self.books.pop, ticker)

    # ------------------------------------------------------------------ validation

    def _check_price(self, m: Market, price: object) -> Decimal:
        p = dec(price, "price", bounded=False)
        if p <= 0 or p >= 1:
            raise invalid("price must be strictly between 0 and 1 dollars", str(price))
        q = p.quantize(PRICE_Q)
        if p == q:  # finer than any grid (and than Decimal can check) is off every grid
            for r in m.price_ranges:
                if r.start <= p <= r.end and (p - r.start) % r.step == 0:
                    return q
        # Off the grid: live Kalshi answers `invalid_price` (not `invalid_order`).
        raise invalid(
            "price is not on the market's price grid",
            f"{price} not in price_ranges",
            "invalid_price",
        )

    check_price = _check_price  # the grid check, for other parts (RFQ quotes)

    def _check_tradable(self, m: Market) -> None:
        meta = self.op.meta  # the exchange-wide flags (Lifecycle sets them)
        if not meta.trading_active or not meta.exchange_active:
            raise EngineError(409, "trading_is_paused", "trading is paused")
        if m.status == ACTIVE:
            return
        if m.status in (INITIALIZED, INACTIVE):
            raise EngineError(409, "market_not_open", f"market is {m.status}")
        raise EngineError(409, "market_closed", f"market is {m.status}")

    check_tradable = _check_tradable  # open market, trading on (FCM position transfers)

    def _free_cover(self, pos: Position | None, side: str) -> Decimal:
        """Opposite-position contracts not yet promised to other resting orders (none while
        netting is off: a fill then opens the other side instead of closing this one)."""
        if pos is None:
            return ZERO
        unnetted = self.accounts.unnetted
        if unnetted and (pos.user_id, pos.subaccount) in unnetted:
            return ZERO
        if side == BID:
            return max(ZERO, -pos.position - pos.covered_bid)
        return max(ZERO, pos.position - pos.covered_ask)

    def _fok_available(self, book: Book, o_side: str, limit: Decimal, user_id: str, stp: str, need):
        """Contracts a fill-or-kill taker could get, honouring self-trade prevention."""
        total = ZERO
        if o_side == BID:
            prices, levels = book.asks
            ordered = (p for p in prices if p <= limit)
        else:
            prices, levels = book.bids
            ordered = (p for p in reversed(prices) if p >= limit)
        for p in ordered:
            for r in levels[p].values():
                if r.user_id == user_id:
                    if stp == STP_TAKER:
                        return total
                    continue
                total += r.remaining_count
                if total >= need:
                    return total
        return total

    # ------------------------------------------------------------------ create

    def create_order(
        self,
        user_id: str,
        ticker: str,
        side: str,
        price: Decimal | str,
        count: Decimal | str,
        time_in_force: str,
        self_trade_prevention_type: str,
        client_order_id: str | None = None,
        expiration_time: int | None = None,
        post_only: bool = False,
        reduce_only: bool = False,
        order_group_id: str | None = None,
        cancel_order_on_pause: bool = False,
        subaccount: int = 0,
        exchange_index: int | None = None,
    ) -> OrderResult:
        """Place a V2 order (bid buys YES at price, ask sells YES); match it; rest a GTC rest.
        `exchange_index`: the shard the caller routed to (None or -1: the market's; see
        `route`). (Positional arguments: the front passes them on without building a dict.)"""
        op = self.op
        op.step("create.validate")
        if exchange_index is not None:
            route(self.catalog.live_market(ticker), exchange_index)
        m, p, c, eff, covered, fok_short, fee = self._validate(
            user_id,
            ticker,
            side,
            price,
            count,
            time_in_force,
            self_trade_prevention_type,
            client_order_id,
            expiration_time,
            post_only,
            reduce_only,
            order_group_id,
            subaccount,
        )
        op.step("create.reserve")
        now = op.now
        # Positional, in Order's field order: keyword arguments to the 32-field constructor
        # cost ~10k instructions more (cachegrind), a sixth of an order operation.
        o = Order(
            op.new_id("order"),
            user_id,
            ticker,
            m.event_ticker,
            side,
            p,  # price
            c,  # initial_count
            eff,  # remaining_count
            time_in_force,
            self_trade_prevention_type,
            client_order_id or "",
            subaccount,
            ZERO,  # fill_count
            RESTING,  # status
            bool(post_only),
            bool(reduce_only),
            expiration_time,
            order_group_id,
            bool(cancel_order_on_pause),
            now,  # created_time
            now,  # last_update_time
            seq=op.next_seq(),
            exchange_index=m.exchange_index,
        )
        if eff < c:
            o.last_update_reason = "ReduceOnlyCancel"
        self.orders[o.order_id] = o
        op.added("order", o, self.orders)
        self.orders_by_user.setdefault(user_id, {})[o.order_id] = o
        if client_order_id:  # both indexes are repaired on rollback (see `repair`)
            self.client_ids[(user_id, client_order_id)] = o.order_id
        if fok_short:
            o.remaining_count = ZERO
            o.status = CANCELED
            if op.events is not None:
                op.emit(ev.OrderEvent("created", copy(o), now))
                op.emit(ev.OrderEvent("canceled", copy(o), now))
            return OrderResult(o, ())
        pos = self.accounts.position(user_id, subaccount, ticker)
        o.covered = covered
        if covered:
            self.accounts.touch_position(pos)
            if side == BID:
                pos.covered_bid += covered
            else:
                pos.covered_ask += covered
        if op.events is not None:
            op.emit(ev.OrderEvent("created", copy(o), now))
        op.step("create.match")
        fills = self._take(o, m, fee)
        op.step("create.record")
        acct = (
            self.accounts.accounts[(user_id, subaccount)] if not o.exchange_index else self._cash(o)
        )
        self._finish_taker(o, acct, pos, fee)
        return OrderResult(o, tuple(fills))

    def _validate(
        self,
        user_id,
        ticker,
        side,
        price,
        count,
        time_in_force,
        stp,
        client_order_id,
        expiration_time,
        post_only,
        reduce_only,
        order_group_id,
        subaccount,
    ) -> tuple[Market, Decimal, Decimal, Decimal, Decimal, bool, tuple[str, Decimal]]:
        """Everything a new order is checked against, before anything changes. Returns
        (market, price, count, effective count (reduce-only), covered, fill-or-kill short,
        (fee type, multiplier))."""
        now = self.op.now
        m = self.catalog.live_market(ticker)
        if (user_id, 0) not in self.accounts.accounts:
            raise not_found("user")
        acct = self.accounts.accounts.get((user_id, subaccount))
        if side not in (BID, ASK):
            raise invalid("side must be bid or ask", str(side))
        if time_in_force not in (GTC, IOC, FOK):
            raise invalid("unknown time_in_force", str(time_in_force))
        if stp not in (STP_TAKER, STP_MAKER):
            raise invalid("unknown self_trade_prevention_type", str(stp))
        p = self._check_price(m, price)
        c = check_count(count)
        self._check_tradable(m)
        if client_order_id:
            if len(client_order_id) > MAX_CLIENT_ORDER_ID:
                raise invalid(f"client_order_id longer than {MAX_CLIENT_ORDER_ID} characters")
            if (user_id, client_order_id) in self.client_ids:
                raise EngineError(409, "order_already_exists", "order already exists")
        if expiration_time is not None:
            if time_in_force != GTC:
                raise invalid("expiration_time is only allowed with good_till_canceled")
            if not _is_ts(expiration_time) or expiration_time <= now:
                raise invalid("expiration_time must be in the future")
        if reduce_only and time_in_force != IOC:
            raise invalid("reduce_only requires immediate_or_cancel", "reduce only")
        if post_only and time_in_force != GTC:
            raise invalid("post_only requires good_till_canceled", "post only")
        if order_group_id is not None:
            g = self.groups.groups.get(order_group_id)
            if g is None or g.user_id != user_id or g.subaccount != subaccount:
                raise not_found("order group")
            if g.exchange_index != m.exchange_index:  # groups live on one shard
                raise EngineError(
                    400,
                    "invalid_parameters",
                    f"order group is on exchange index {g.exchange_index}, market {ticker} "
                    f"on {m.exchange_index}",
                    "order_group_id",
                )
            if g.triggered:
                raise EngineError(
                    400,
                    "order_group_limit_reached",
                    "order group limit reached; reset the group to place orders",
                )
        if acct is None:  # 404 for a subaccount that was never created
            acct = self.accounts.account(user_id, subaccount)
        book = self.books[ticker]
        if post_only and book.crosses(side, p):
            raise invalid("post only order would cross the book", "post only cross")
        pos = self.accounts.positions.get((user_id, subaccount, ticker))
        free = self._free_cover(pos, side)
        eff = c
        if reduce_only:
            if free <= 0:
                raise invalid("reduce only order would increase the position", "reduce only")
            eff = min(c, free)
        covered = min(eff, free)
        fee = self.catalog.fees_of(m)
        fee_type, mult = fee
        side_px = p if side == BID else ONE - p
        cash = side_px * (eff - covered) if covered else side_px * eff
        have = (
            acct.balance
            if not m.exchange_index
            else self.accounts.available(user_id, subaccount, m.exchange_index)
        )
        # Most orders are far from the balance limit: a cheap upper bound on what they need
        # settles the check; the exact hold only near the limit (or for a part's gate).
        gated = user_id in self.gated
        if gated or fees.hold_bound(cash, eff, mult) > have:
            fee_bound = fees.taker_fee_bound(fee_type, mult, side, eff, p, ZERO)
            if not fee_type.startswith("quadratic_with"):
                # Closing contracts pay at least 1 - limit each, which covers their fee.
                fee_bound = max(ZERO, fee_bound - (ONE - side_px) * covered)
            need = fees.hold(cash + fee_bound, ZERO, self.accounts.precision(user_id))
            if gated and self.gate is not None:
                self.gate(user_id, m, need, False)
            if need > have:  # the same answer on every index (cash on another index is unused)
                raise EngineError(
                    400,
                    "available_balance_too_low",
                    "insufficient balance",
                    f"need {need}, available {have} on exchange index {m.exchange_index}",
                )
        fok_short = time_in_force == FOK and (
            self._fok_available(book, side, p, user_id, stp, eff) < c
        )
        return m, p, c, eff, covered, fok_short, fee

    # ------------------------------------------------------------------ matching

    def _take(self, o: Order, m: Market, fee: tuple[str, Decimal]) -> list[Fill]:
        """Match a taker against the book, best price first, then time. `fee`: the market's
        (fee type, multiplier), which the caller has looked up already."""
        fills: list[Fill] = []
        book = self.books[m.ticker]
        fee_type, mult = fee
        while o.remaining_count > 0:
            r = book.head_crossing(o.side, o.price)
            if r is None:
                break
            if r.user_id == o.user_id:
                if o.self_trade_prevention_type == STP_TAKER:
                    self._touch(o)
                    o.last_update_reason = "SelfTradeCancel"
                    o.status = CANCELED  # finished below
                    break
                self.cancel(r, "SelfTradeCancel")
                continue
            q = min(o.remaining_count, r.remaining_count)
            self._execute(o, r, q, m, book, fee_type, mult, fills)
            if o.order_group_id is not None:
                g = self.groups.groups.get(o.order_group_id)
                if g is not None and g.triggered:
                    break
        return fills

    def _finish_taker(self, o: Order, acct: Cash, pos: Position, fee: tuple[str, Decimal]) -> None:
        """After matching: rest a GTC remainder, cancel the remainder of anything else."""
        op = self.op
        now = op.now  # (the caller has touched o)
        grp = self.groups.groups.get(o.order_group_id) if o.order_group_id else None
        if o.remaining_count > 0 and (
            o.status == CANCELED or o.time_in_force != GTC or (grp is not None and grp.triggered)
        ):
            o.status = CANCELED
            o.remaining_count = ZERO
        if o.remaining_count <= 0:
            if o.status != CANCELED:
                o.status = EXECUTED
            self._release_cover(o, pos)
            o.last_update_time = now
            if op.events is not None:
                op.emit(
                    ev.OrderEvent(
                        "canceled" if o.status == CANCELED else "executed",
                        copy(o),
                        now,
                        o.last_update_reason,
                    )
                )
            return
        # Rest.
        o.status = RESTING
        self.books[o.ticker].add(o)
        mine = self.user_orders.setdefault(o.user_id, {})
        mine.setdefault((o.subaccount, o.ticker), {})[o.order_id] = o
        if o.order_group_id:
            self.group_orders.setdefault(o.order_group_id, {})[o.order_id] = o
        if o.expiration_time is not None:
            entry = (o.expiration_time, o.seq, o.order_id)
            heapq.heappush(self.expiry, entry)
            op.undo(self._unpush, entry)
        self._reserve(o, acct, fee)
        self.data.touched.add(o.ticker)
        if op.events is not None:
            self._book_event(o, o.remaining_count, now)
            if o.fill_count:
                op.emit(ev.OrderEvent("updated", copy(o), now, "Trade"))

    def _unpush(self, entry) -> None:
        self.expiry.remove(entry)
        heapq.heapify(self.expiry)

    def _unindex(self, o: Order) -> None:
        by_key = self.user_orders.get(o.user_id)
        if by_key is not None:
            key = (o.subaccount, o.ticker)
            mine = by_key.get(key)
            if mine is not None:
                mine.pop(o.order_id, None)
                if not mine:
                    del by_key[key]
                    if not by_key:
                        del self.user_orders[o.user_id]
        if o.order_group_id:
            g = self.group_orders.get(o.order_group_id)
            if g is not None:
                g.pop(o.order_id, None)

    def _release_cover(self, o: Order, pos: Position) -> None:
        if o.covered:
            self.accounts.touch_position(pos)
            if o.side == BID:
                pos.covered_bid -= o.covered
            else:
                pos.covered_ask -= o.covered
            o.covered = ZERO

    def _cash(self, o: Order) -> Cash:
        """The owner's cash record on the order's exchange index."""
        return self.accounts.holder(o.user_id, o.subaccount, o.exchange_index)

    def _reserve(self, o: Order, acct: Cash, fee: tuple[str, Decimal] | None = None) -> None:
        """Hold exactly what the resting rest of `o` needs: price x uncovered + maker fees,
        from `acct`, its owner's cash on its market's index (`_cash`). (The caller has
        touched `o`; `fee` is the market's (fee type, multiplier) if known.)"""
        if o.status == RESTING and o.remaining_count > 0:
            fee_type, mult = fee or self.catalog.fees_of(self.catalog.markets[o.ticker])
            px = o.price if o.side == BID else ONE - o.price
            amount = px * (o.remaining_count - o.covered if o.covered else o.remaining_count)
            if fee_type in fees.MAKER_SHARE:
                amount += fees.maker_fee_reserve(fee_type, mult, o)
            new = fees.hold(amount, o.rounding_acc, self.accounts.precision(o.user_id))
        else:
            new = ZERO
        d = new - o.reserved
        if d:
            self.accounts.touch_cash(acct)
            acct.balance -= d
            acct.reserved += d
            o.reserved = new

    def _execute(
        self,
        t: Order,
        r: Order,
        q: Decimal,
        m: Market,
        book: Book,
        fee_type,
        mult,
        fills: list[Fill],
    ) -> None:
        """Trade `q` contracts between taker `t` and resting `r` at the resting price."""
        op = self.op
        now = op.now
        e = r.price
        trade = Trade(op.new_id("trade"), m.ticker, q, e, t.side, now)
        touch = self._touch  # both orders and the market, once (`_fill_side` changes them)
        touch(t)
        touch(r)
        self.catalog.touch_stats(m)
        book.reduce(r, q)
        fixups: list[tuple[Order, Position]] = []
        groups: list[str] = []
        fills.append(
            self._fill_side(t, True, q, e, trade.trade_id, m, fee_type, mult, fixups, groups)
        )
        self._fill_side(r, False, q, e, trade.trade_id, m, fee_type, mult, fixups, groups)
        if r.remaining_count <= 0:
            book.remove(r, ZERO)
            r.status = EXECUTED
            self._unindex(r)
        self.data.record_trade(m, trade)
        if op.events is not None:
            op.emit(ev.TradeEvent(trade, now))
            op.emit(
                ev.BookDelta(
                    m.ticker,
                    "yes" if r.side == BID else "no",
                    e if r.side == BID else ONE - e,
                    -q,
                    now,
                    r.user_id,
                    r.client_order_id or None,
                    r.subaccount,
                )
            )
            op.emit(
                ev.OrderEvent(
                    "executed" if r.status == EXECUTED else "updated", copy(r), now, "Trade"
                )
            )
        for o, pos in fixups:
            self._fix_cover(o, pos)
        for gid in groups:
            self.groups.fill(gid, q)

    def _fill_side(
        self,
        o: Order,
        is_taker: bool,
        q: Decimal,
        e: Decimal,
        trade_id: str,
        m: Market,
        fee_type: str,
        mult: Decimal,
        fixups,
        groups,
    ) -> Fill:
        op = self.op
        now = op.now
        accounts = self.accounts
        if o.exchange_index:
            acct: Cash = accounts.holder(o.user_id, o.subaccount, o.exchange_index)
            accounts.touch_cash(acct)
        else:  # (the hot path: index 0's Account, no dispatch)
            acct = accounts.accounts[(o.user_id, o.subaccount)]
            accounts.touch_balance(acct)  # (the caller has touched `o` and `m`)
        pos = accounts.position(o.user_id, o.subaccount, o.ticker)
        accounts.touch_position(pos)
        px = e if o.side == BID else ONE - e
        before, paired = pos.position, pos.paired
        # Netting off: only contracts promised while it was on (o.covered) close a holding.
        unnetted = accounts.unnetted
        can_close = q if not unnetted or (o.user_id, o.subaccount) not in unnetted else o.covered
        cash, closing = _apply_fill(pos, o.side, q, px, can_close)
        parts = fees.charge(
            o,
            fees.fee_increment(fee_type, mult, is_taker, q, e),
            cash,
            accounts.precision(o.user_id),
        )
        fee = parts.net
        o.remaining_count -= q
        o.fill_count += q
        o.last_update_time = now
        o.last_update_reason = "Trade"
        if is_taker:
            o.taker_fill_cost += px * q
            o.taker_fees += fee
        else:
            o.maker_fill_cost += px * q
            o.maker_fees += fee
        m.open_interest += max(pos.position, ZERO) - max(before, ZERO)
        paired_up = pos.paired is not paired  # (identity: the hot path skips Decimal math)
        if paired_up:  # netting off: both sides of each pair count as open
            m.open_interest += pos.paired - paired
        used = min(q, o.covered)
        if used:
            o.covered -= used
            if o.side == BID:
                pos.covered_bid -= used
            else:
                pos.covered_ask -= used
        acct.balance += cash - fee
        acct.updated_ts = now
        accounts.collect_fee(fee)
        pos.fees_paid += fee
        pos.last_updated_ts = now
        if not is_taker:
            self._reserve(o, acct, (fee_type, mult))
        if closing > used or paired_up:  # less left to back same-side covers
            fixups.append((o, pos))
        if o.order_group_id is not None:
            groups.append(o.order_group_id)
        fill = Fill(
            op.new_id("fill"),
            trade_id,
            o.order_id,
            o.user_id,
            o.ticker,
            o.side,
            e,
            q,
            is_taker,
            fee,
            now,
            o.subaccount,
            pos.position,
            parts.trade_fee,
            parts.rounding_fee,
            parts.rebate,
            o.exchange_index,
        )
        self.portfolio.record_fill(fill)
        if op.events is not None:
            op.emit(ev.FillEvent(fill, now))
            op.emit(ev.PositionUpdate(copy(pos), now))
        return fill

    def _fix_cover(self, o: Order, pos: Position) -> None:
        """A fill closed more of the position than its order had promised: take the promise
        back from the user's other resting orders on that side (they then need cash)."""
        side = o.side
        avail = max(ZERO, -pos.position) if side == BID else max(ZERO, pos.position)
        covered = pos.covered_bid if side == BID else pos.covered_ask
        excess = covered - avail
        if excess <= 0:
            return
        acct = self._cash(o)
        self.accounts.touch_position(pos)
        mine = self.resting(pos.user_id, pos.subaccount, pos.ticker)
        candidates = [x for x in mine.values() if x.side == side and x.covered > 0]
        for x in reversed(candidates):
            take = min(x.covered, excess)
            self._touch(x)
            x.covered -= take
            excess -= take
            if side == BID:
                pos.covered_bid -= take
            else:
                pos.covered_ask -= take
            self._reserve(x, acct)
            if excess <= 0:
                break
        # Safety net (not reached in practice): never leave a negative balance.
        if acct.balance < 0:
            for x in reversed(list(mine.values())):
                self.cancel(x, "MarginCancel")
                if acct.balance >= 0:
                    break

    def _book_event(self, o: Order, delta: Decimal, now: int) -> None:
        self.op.emit(
            ev.BookDelta(
                o.ticker,
                "yes" if o.side == BID else "no",
                o.price if o.side == BID else ONE - o.price,
                delta,
                now,
                o.user_id,
                o.client_order_id or None,
                o.subaccount,
            )
        )

    # ------------------------------------------------------------------ cancel / decrease

    def cancel(self, o: Order, reason: str | None = None) -> Decimal:
        """Take a resting order off the book, release its cash and promises."""
        if o.status != RESTING:
            return ZERO
        op = self.op
        now = op.now
        self._touch(o)
        reduced = o.remaining_count
        self.books[o.ticker].remove(o)
        o.status = CANCELED
        o.remaining_count = ZERO
        o.last_update_time = now
        o.last_update_reason = reason
        pos = self.accounts.position(o.user_id, o.subaccount, o.ticker)
        self._release_cover(o, pos)
        self._reserve(o, self._cash(o))
        self._unindex(o)
        self.data.touched.add(o.ticker)
        if op.events is not None:
            self._book_event(o, -reduced, now)
            op.emit(ev.OrderEvent("canceled", copy(o), now, reason))
        return reduced

    def resting(self, user_id: str, subaccount: int, ticker: str) -> dict[str, Order]:
        """The user's resting orders in one market (queue order)."""
        return self.user_orders.get(user_id, {}).get((subaccount, ticker), {})

    def own_order(
        self, user_id: str, order_id: str, subaccount: int | None, exchange_index: int | None = None
    ) -> Order:
        """The user's order. `exchange_index`: the shard the request was routed to (None: not
        routed); an order on another shard is not found there (Kalshi documents no other
        answer: "events and markets live on exactly one exchange",
        docs.kalshi.com/getting_started/exchange_sharding)."""
        o = self.orders.get(order_id)
        if (
            o is None
            or o.user_id != user_id
            or (subaccount is not None and o.subaccount != subaccount)
        ):
            raise not_found("order")
        if exchange_index is not None and exchange_index != o.exchange_index:
            raise EngineError(
                404, "not_found", f"order not found on exchange index {exchange_index}"
            )
        return o

    def cancel_order(
        self, user_id: str, order_id: str, subaccount: int = 0, exchange_index: int | None = None
    ) -> CancelResult:
        """Cancel a resting order (404 if unknown/not the user's; 400 if no longer resting)."""
        self.op.step("cancel.validate")
        o = self.own_order(user_id, order_id, subaccount, exchange_index)
        if o.status != RESTING:
            raise invalid("order is not resting", o.status, code="order_not_resting")
        self.op.step("cancel.record")
        return CancelResult(o, self.cancel(o))

    def cancel_all_orders(
        self,
        user_id: str,
        ticker: str | None = None,
        subaccount: int | None = None,
        event_ticker: str | None = None,
    ) -> list[CancelResult]:
        """Cancel every resting order of the user (optionally one market/event/subaccount)."""
        self.op.step("cancel_all.validate")
        out = []
        for (s, t), mine in list(self.user_orders.get(user_id, {}).items()):
            if subaccount is not None and s != subaccount:
                continue
            if ticker is not None and t != ticker:
                continue
            if event_ticker is not None and self.catalog.markets[t].event_ticker != event_ticker:
                continue
            for o in list(mine.values()):
                self.op.step("cancel_all.cancel")
                out.append(CancelResult(o, self.cancel(o)))
        return out

    def decrease_order(
        self,
        user_id: str,
        order_id: str,
        *,
        reduce_by: Decimal | str | None = None,
        reduce_to: Decimal | str | None = None,
        subaccount: int = 0,
        exchange_index: int | None = None,
    ) -> Order:
        """Shrink a resting order in place (keeps queue priority); to 0 cancels it."""
        self.op.step("decrease.validate")
        o = self.own_order(user_id, order_id, subaccount, exchange_index)
        if (reduce_by is None) == (reduce_to is None):
            raise invalid("give exactly one of reduce_by and reduce_to")
        if o.status != RESTING:
            raise invalid("order is not resting", o.status, code="order_not_resting")
        if reduce_by is not None:
            by = check_count(reduce_by, "reduce_by")
        else:
            to = dec(reduce_to, "reduce_to", bounded=False)
            if to < 0 or to > o.remaining_count or to.quantize(Decimal("0.01")) != to:
                raise EngineError(400, "invalid_order_size", "reduce_to must be >= 0 (0.01)")
            by = o.remaining_count - to
            if by <= 0:
                raise EngineError(
                    400, "invalid_order_size", "reduce_to must be below the remaining count"
                )
        if by > o.remaining_count:
            raise EngineError(400, "invalid_order_size", "cannot reduce by more than remains")
        self.op.step("decrease.record")
        if by == o.remaining_count:
            self.cancel(o, "Decrease")
            return o
        self._shrink(o, by, "Decrease")
        return o

    def _shrink(self, o: Order, by: Decimal, reason: str) -> None:
        op = self.op
        now = op.now
        self._touch(o)
        self.books[o.ticker].reduce(o, by)
        o.remaining_count -= by
        o.last_update_time = now
        o.last_update_reason = reason
        pos = self.accounts.position(o.user_id, o.subaccount, o.ticker)
        if o.covered > o.remaining_count:
            extra = o.covered - o.remaining_count
            self.accounts.touch_position(pos)
            o.covered -= extra
            if o.side == BID:
                pos.covered_bid -= extra
            else:
                pos.covered_ask -= extra
        self._reserve(o, self._cash(o))
        self.data.touched.add(o.ticker)
        if op.events is not None:
            self._book_event(o, -by, now)
            op.emit(ev.OrderEvent("updated", copy(o), now, reason))

    # ------------------------------------------------------------------ amend

    def amend_order(
        self,
        user_id: str,
        order_id: str,
        *,
        ticker: str,
        side: str,
        price: Decimal | str,
        count: Decimal | str,
        client_order_id: str | None = None,
        updated_client_order_id: str | None = None,
        expiration_time: int | None = None,
        subaccount: int = 0,
        exchange_index: int | None = None,
    ) -> tuple[Order, Order]:
        """Change price and/or total size (count = filled + new resting); returns (old, new).

        A price change or a size increase goes to the back of the queue (and may trade at once);
        a decrease or an expiry-only change keeps priority. expiration_time=0 removes expiry.
        """
        op = self.op
        now = op.now
        op.step("amend.validate")
        o = self.own_order(user_id, order_id, subaccount, exchange_index)
        if o.ticker != ticker:
            raise invalid("ticker does not match the order", code="order_ticker_mismatch")
        if o.side != side:
            raise invalid("side does not match the order", code="order_side_mismatch")
        if client_order_id and client_order_id != o.client_order_id:
            raise invalid(
                "client_order_id does not match the order",
                code="order_id_and_client_order_id_mismatch",
            )
        if o.status != RESTING:
            raise invalid("order is not resting", o.status, code="order_not_resting")
        m = self.catalog.live_market(ticker)
        p = self._check_price(m, price)
        total = check_count(count)
        self._check_tradable(m)
        new_remaining = total - o.fill_count
        if new_remaining <= 0:
            raise EngineError(400, "invalid_order_size", "count must exceed the filled count")
        new_coid = updated_client_order_id
        if new_coid and new_coid != o.client_order_id:
            if len(new_coid) > MAX_CLIENT_ORDER_ID:
                raise invalid(f"client_order_id longer than {MAX_CLIENT_ORDER_ID} characters")
            if (user_id, new_coid) in self.client_ids:
                raise EngineError(409, "order_already_exists", "order already exists")
        new_exp = o.expiration_time
        if expiration_time is not None:
            if expiration_time == 0:
                new_exp = None
            elif not _is_ts(expiration_time) or expiration_time <= now:
                raise invalid("expiration_time must be in the future")
            else:
                new_exp = expiration_time
        book = self.books[ticker]
        acct = self._cash(o)
        pos = self.accounts.positions.get((user_id, o.subaccount, ticker))
        requeue = p != o.price or new_remaining > o.remaining_count
        if requeue:
            # Checks as if the order were cancelled and placed again.
            if o.post_only and book.crosses(side, p):  # o is on `side`: cannot cross itself
                raise invalid("post only order would cross the book", "post only cross")
            free = self._free_cover(pos, side) + o.covered
            covered = min(new_remaining, free)
            fee_type, mult = self.catalog.fees_of(m)
            side_px = p if side == BID else ONE - p
            need = fees.hold(
                side_px * (new_remaining - covered)
                + fees.taker_fee_bound(fee_type, mult, side, new_remaining, p, o.fee_base),
                o.rounding_acc,
                self.accounts.precision(user_id),
            )
            if self.gate is not None:  # only what the amend adds to the order's hold
                self.gate(user_id, m, need - o.reserved, True)
            if need > acct.balance + o.reserved:
                raise EngineError(
                    400,
                    "available_balance_too_low",
                    "insufficient balance",
                    f"need {need}, available {acct.balance + o.reserved}",
                )
        op.step("amend.reserve")
        old = copy(o)
        op.touch("order", o, self.orders)
        if new_coid and new_coid != o.client_order_id:
            if o.client_order_id:
                self.client_ids.pop((user_id, o.client_order_id), None)
            o.client_order_id = new_coid
            self.client_ids[(user_id, new_coid)] = o.order_id
        if new_exp != o.expiration_time:
            o.expiration_time = new_exp
            if new_exp is not None and not requeue:  # a requeued order is indexed again below
                entry = (new_exp, o.seq, o.order_id)
                heapq.heappush(self.expiry, entry)
                op.undo(self._unpush, entry)
        if not requeue:
            op.step("amend.record")
            if new_remaining < o.remaining_count:
                self._shrink(o, o.remaining_count - new_remaining, "Amend")
            else:
                o.last_update_time = now
                o.last_update_reason = "Amend"
                if op.events is not None:
                    op.emit(ev.OrderEvent("updated", copy(o), now, "Amend"))
            return old, o
        # Requeue: leave the book, then enter again as a new taker with the same id.
        pos = self.accounts.position(user_id, o.subaccount, ticker)
        book.remove(o)
        self._unindex(o)
        self._release_cover(o, pos)
        o.status = "amending"
        self._reserve(o, acct)  # releases everything
        if op.events is not None:
            self._book_event(o, -o.remaining_count, now)
        o.price = p
        o.remaining_count = new_remaining
        o.initial_count = total
        o.seq = op.next_seq()
        o.last_update_time = now
        o.last_update_reason = "Amend"
        o.status = RESTING
        covered = min(new_remaining, self._free_cover(pos, side))
        o.covered = covered
        if covered:
            self.accounts.touch_position(pos)
            if side == BID:
                pos.covered_bid += covered
            else:
                pos.covered_ask += covered
        op.step("amend.match")
        fee = self.catalog.fees_of(m)
        self._take(o, m, fee)
        op.step("amend.record")
        self._finish_taker(o, acct, pos, fee)
        o.last_update_reason = o.last_update_reason or "Amend"
        if op.events is not None and o.status == RESTING and not o.fill_count:
            op.emit(ev.OrderEvent("updated", copy(o), now, "Amend"))
        return old, o

    # ------------------------------------------------------------------ expiry

    def expire_due(self) -> int:
        """Cancel the resting orders whose expiration_time is at or before now; how many."""
        op = self.op
        now = op.now
        n = 0
        heap = self.expiry
        while heap and heap[0][0] <= now:
            op.step("expire.cancel")
            entry = heapq.heappop(heap)
            op.undo(heapq.heappush, heap, entry)
            exp, _, oid = entry
            o = self.orders.get(oid)
            if o is not None and o.status == RESTING and o.expiration_time == exp:
                self.cancel(o, "ExpiryCancel")
                n += 1
        return n

    def expiry_due(self, now: int) -> bool:
        return bool(self.expiry) and self.expiry[0][0] <= now

    # ------------------------------------------------------------------ reads

    def list_orders(
        self,
        user_id: str,
        status: str | None = None,
        ticker: str | Iterable[str] | None = None,
        event_ticker: str | Iterable[str] | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        subaccount: int | None = None,
        historical: bool = False,
    ) -> list[Order]:
        """The user's orders, newest first. Live: resting ones plus those updated after the
        orders cutoff; historical=True: finished orders last updated before it."""
        tickers = as_set(ticker)
        events = as_set(event_ticker)
        cut = self.op.meta.orders_updated_ts
        out = []
        for o in reversed(self.orders_by_user.get(user_id, {}).values()):
            archived = o.status != RESTING and o.last_update_time < cut
            if archived != historical:
                continue
            if status and o.status != status:
                continue
            if subaccount is not None and o.subaccount != subaccount:
                continue
            if tickers and o.ticker not in tickers:
                continue
            if events and o.event_ticker not in events:
                continue
            if not within(o.created_time, min_ts, max_ts):
                continue
            out.append(o)
        return out

    def queue_position(self, user_id: str, order_id: str) -> Decimal:
        """Contracts ahead of the order at its price (0 = front of the queue)."""
        o = self.own_order(user_id, order_id, None)
        if o.status != RESTING:
            raise invalid("order is not resting", o.status, code="order_not_resting")
        return self.books[o.ticker].ahead_of(o)

    def queue_positions(
        self,
        user_id: str,
        market_tickers: Iterable[str] | None = None,
        event_ticker: str | None = None,
        subaccount: int = 0,
    ) -> list[QueuePosition]:
        """Queue positions of the user's resting orders."""
        tickers = as_set(market_tickers)
        out = []
        for (s, t), mine in self.user_orders.get(user_id, {}).items():
            if s != subaccount or (tickers and t not in tickers):
                continue
            if event_ticker and self.catalog.markets[t].event_ticker != event_ticker:
                continue
            book = self.books[t]
            for o in mine.values():
                out.append(QueuePosition(o.order_id, t, book.ahead_of(o)))
        return out

    def book_levels(self, ticker: str, depth: int = 0):
        """(yes, no) aggregated (price, count) levels, ascending; depth>0 keeps the best N."""
        self.catalog.live_market(ticker)
        yes, no = self.books[ticker].levels()
        if depth and depth > 0:
            yes, no = yes[-depth:], no[-depth:]
        return yes, no

    # ------------------------------------------------------------------ restore / repair

    def restore(self, orders: list[Order]) -> None:
        """Rebuild books and indexes from the stored orders (queue order = priority seq)."""
        for ticker in self.catalog.markets:
            self.books.setdefault(ticker, Book(ticker))
        for o in sorted(orders, key=lambda o: int(o.order_id.replace("-", ""), 16)):
            self.orders[o.order_id] = o
            self.orders_by_user.setdefault(o.user_id, {})[o.order_id] = o
            if o.client_order_id:
                self.client_ids[(o.user_id, o.client_order_id)] = o.order_id
        for o in sorted((o for o in orders if o.status == RESTING), key=lambda o: o.seq):
            self.books[o.ticker].add(o)
            mine = self.user_orders.setdefault(o.user_id, {})
            mine.setdefault((o.subaccount, o.ticker), {})[o.order_id] = o
            if o.order_group_id:
                self.group_orders.setdefault(o.order_group_id, {})[o.order_id] = o
            if o.expiration_time is not None:
                self.expiry.append((o.expiration_time, o.seq, o.order_id))
        heapq.heapify(self.expiry)

    def repair(self, cs: ChangeSet) -> None:
        """After a rollback: the orders are back as they were (same objects); rebuild the books
        and resting-order indexes they belong to, and their client order ids."""
        touched = cs.entries("order")
        if not touched:
            return
        tickers: set[str] = set()
        keys: set[tuple[str, int, str]] = set()
        group_ids: set[str] = set()
        for o, _ in touched:
            tickers.add(o.ticker)
            keys.add((o.user_id, o.subaccount, o.ticker))
            if o.order_group_id:
                group_ids.add(o.order_group_id)
        # Client ids: drop any pointing at a touched order, then put back the restored ones.
        ids = {o.order_id for o, _ in touched}
        for k in [k for k, oid in self.client_ids.items() if oid in ids]:
            del self.client_ids[k]
        for o, _ in touched:
            if o.client_order_id and o.order_id in self.orders:
                self.client_ids[(o.user_id, o.client_order_id)] = o.order_id
            elif o.order_id not in self.orders:  # created by the failed operation
                mine = self.orders_by_user.get(o.user_id, {})
                mine.pop(o.order_id, None)
                if not mine:
                    self.orders_by_user.pop(o.user_id, None)
        extra = {o.order_id: o for o, _ in touched}
        for t in tickers:
            old = self.books.get(t)
            if old is None:
                continue
            resting = {o.order_id: o for o in old.all_orders()}
            resting.update((i, o) for i, o in extra.items() if o.ticker == t)
            book = Book(t)
            for o in sorted(resting.values(), key=lambda o: o.seq):
                if o.status == RESTING and o.order_id in self.orders:
                    book.add(o)
            self.books[t] = book
        for key in keys:
            by_key = self.user_orders.setdefault(key[0], {})
            mine = dict(by_key.get(key[1:], {}))
            mine.update(
                (i, o) for i, o in extra.items() if (o.user_id, o.subaccount, o.ticker) == key
            )
            rebuilt = {
                o.order_id: o
                for o in sorted(mine.values(), key=lambda o: o.seq)
                if o.status == RESTING and o.order_id in self.orders
            }
            if rebuilt:
                by_key[key[1:]] = rebuilt
            else:
                by_key.pop(key[1:], None)
                if not by_key:
                    del self.user_orders[key[0]]
        for gid in group_ids:
            mine = dict(self.group_orders.get(gid, {}))
            mine.update((i, o) for i, o in extra.items() if o.order_group_id == gid)
            self.group_orders[gid] = {
                o.order_id: o
                for o in sorted(mine.values(), key=lambda o: o.seq)
                if o.status == RESTING and o.order_id in self.orders
            }


def _is_ts(v: object) -> bool:
    """An epoch-ms integer up to year 9999 (a 5000-digit number would not even load back)."""
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_TS


def _apply_fill(
    pos: Position, side: str, q: Decimal, px: Decimal, can_close: Decimal
) -> tuple[Decimal, Decimal]:
    """Net a fill into a position. `px` is the price of the side bought (YES for a bid, NO for
    an ask). Buying the side opposite to a held position closes it first (at most `can_close`
    contracts): the pair is worth $1, so closing pays 1 - px per contract. Contracts that may not
    close (netting off) are bought in full and pair up with the holding (`pos.paired`), each pair
    paying $1 at settlement. Returns (cash change, contracts closed)."""
    p0 = pos.position
    opp = -p0 if side == BID else p0
    closing = min(q, opp, can_close) if opp > 0 else ZERO
    cash = ZERO
    if closing:
        basis = pos.exposure if closing == opp else (pos.exposure * closing / opp).quantize(MICRO)
        proceeds = (ONE - px) * closing
        pos.exposure -= basis
        pos.realized_pnl += proceeds - basis
        cash += proceeds
    opening = q - closing
    if opening:
        cost = px * opening
        cash -= cost
        pos.exposure += cost
        if opp > closing:  # netting off: the holding stays beside the contracts bought
            pos.paired += min(opening, opp - closing)
    pos.position = p0 + q if side == BID else p0 - q
    pos.total_traded += px * q
    pos.traded_count += q
    return cash, closing
