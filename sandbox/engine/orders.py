"""Orders: validation, placement and matching, cancel / amend / decrease, reads, expiry.

Matching is price-time priority on one YES book; a bid buys YES, an ask sells YES (buys NO).
Cash is held per resting order (price x contracts not backed by an opposite position, plus
maker fees); positions are netted, so buying the side opposite to a holding closes it first.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable
from copy import copy
from decimal import Decimal

from . import events as ev
from . import fees
from .book import Book
from .common import (
    MICRO,
    PRICE_Q,
    CancelResult,
    as_set,
    within,
)
from .errors import EngineError, invalid, not_found
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
    Market,
    Order,
    OrderResult,
    Position,
    QueuePosition,
    Trade,
)
from .money import ONE, ZERO, check_count, dec


class OrdersMixin:
    """Part of `Exchange` (state and plumbing live there)."""

    # ------------------------------------------------------------------ order validation

    def _check_price(self, m: Market, price: object) -> Decimal:
        p = dec(price, "price")
        if p <= 0 or p >= 1:
            raise invalid("price must be strictly between 0 and 1 dollars", str(price))
        for r in m.price_ranges:
            if r.start <= p <= r.end and (p - r.start) % r.step == 0:
                return p.quantize(PRICE_Q)
        raise invalid("price is not on the market's price grid", f"{price} not in price_ranges")

    def _live_market(self, ticker: str) -> Market:
        m = self.markets.get(ticker)
        if m is None or self.is_historical_market(m):
            raise not_found("market")
        return m

    def _check_tradable(self, m: Market) -> None:
        if not self.trading_active or not self.exchange_active:
            raise EngineError(409, "trading_is_paused", "trading is paused")
        if m.status == ACTIVE:
            return
        if m.status in (INITIALIZED, INACTIVE):
            raise EngineError(409, "market_not_open", f"market is {m.status}")
        raise EngineError(409, "market_closed", f"market is {m.status}")

    def _fees_of(self, m: Market) -> tuple[str, Decimal]:
        e = self.events.get(m.event_ticker)
        s = self.series.get(m.series_ticker)
        fee_type = s.fee_type if s else "quadratic"
        mult = s.fee_multiplier if s else ONE
        if e is not None and e.fee_type_override:
            fee_type = e.fee_type_override
            if e.fee_multiplier_override is not None:
                mult = e.fee_multiplier_override
        return fee_type, mult

    @staticmethod
    def _free_cover(pos: Position | None, side: str) -> Decimal:
        """Opposite-position contracts not yet promised to other resting orders."""
        if pos is None:
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

    # ------------------------------------------------------------------ orders

    def create_order(
        self,
        user_id: str,
        *,
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
    ) -> OrderResult:
        """Place a V2 order (bid buys YES at price, ask sells YES); match it; rest a GTC rest."""
        with self._op() as now:
            self._expire_due(now)
            m = self._live_market(ticker)
            acct = self._account(user_id, subaccount, create=True)
            if side not in (BID, ASK):
                raise invalid("side must be bid or ask", str(side))
            if time_in_force not in (GTC, IOC, FOK):
                raise invalid("unknown time_in_force", str(time_in_force))
            if self_trade_prevention_type not in (STP_TAKER, STP_MAKER):
                raise invalid("unknown self_trade_prevention_type", str(self_trade_prevention_type))
            p = self._check_price(m, price)
            c = check_count(count)
            self._check_tradable(m)
            if client_order_id and (user_id, client_order_id) in self._client_ids:
                raise EngineError(409, "order_already_exists", "order already exists")
            if expiration_time is not None:
                if time_in_force != GTC:
                    raise invalid("expiration_time is only allowed with good_till_canceled")
                if not isinstance(expiration_time, int) or expiration_time <= now:
                    raise invalid("expiration_time must be in the future")
            if reduce_only and time_in_force != IOC:
                raise invalid("reduce_only requires immediate_or_cancel", "reduce only")
            if post_only and time_in_force != GTC:
                raise invalid("post_only requires good_till_canceled", "post only")
            if order_group_id is not None:
                g = self.groups.get(order_group_id)
                if g is None or g.user_id != user_id or g.subaccount != subaccount:
                    raise not_found("order group")
                if g.triggered:
                    raise EngineError(
                        400,
                        "order_group_limit_reached",
                        "order group limit reached; reset the group to place orders",
                    )
            book = self.books[ticker]
            if post_only and book.crosses(side, p):
                raise invalid("post only order would cross the book", "post only cross")
            pos = self.positions.get((user_id, subaccount, ticker))
            free = self._free_cover(pos, side)
            eff = c
            if reduce_only:
                if free <= 0:
                    raise invalid("reduce only order would increase the position", "reduce only")
                eff = min(c, free)
            covered = min(eff, free)
            fee_type, mult = self._fees_of(m)
            side_px = p if side == BID else ONE - p
            fee_bound = fees.taker_fee_bound(fee_type, mult, side, eff, p, ZERO)
            if not fee_type.startswith("quadratic_with"):
                # Closing contracts pay at least 1 - limit each, which covers their fee.
                fee_bound = max(ZERO, fee_bound - (ONE - side_px) * covered)
            need = side_px * (eff - covered) + fee_bound
            if need > acct.balance:
                raise EngineError(
                    400,
                    "available_balance_too_low",
                    "insufficient balance",
                    f"need {need}, available {acct.balance}",
                )
            fok_short = time_in_force == FOK and (
                self._fok_available(book, side, p, user_id, self_trade_prevention_type, eff) < c
            )
            # Apply.
            o = Order(
                order_id=self._new_id("order"),
                user_id=user_id,
                ticker=ticker,
                event_ticker=m.event_ticker,
                side=side,
                price=p,
                initial_count=c,
                remaining_count=eff,
                time_in_force=time_in_force,
                self_trade_prevention_type=self_trade_prevention_type,
                client_order_id=client_order_id or "",
                subaccount=subaccount,
                post_only=bool(post_only),
                reduce_only=bool(reduce_only),
                expiration_time=expiration_time,
                order_group_id=order_group_id,
                cancel_order_on_pause=bool(cancel_order_on_pause),
                created_time=now,
                last_update_time=now,
                seq=self._next_seq(),
            )
            if eff < c:
                o.last_update_reason = "ReduceOnlyCancel"
            self.orders[o.order_id] = o
            if client_order_id:
                self._client_ids[(user_id, client_order_id)] = o.order_id
            if fok_short:
                o.remaining_count = ZERO
                o.status = CANCELED
                self._mark("order", o.order_id, o)
                if self._events is not None:
                    self._emit(ev.OrderEvent("created", copy(o), now))
                    self._emit(ev.OrderEvent("canceled", copy(o), now))
                return OrderResult(o, ())
            is_new = pos is None
            pos = self._position(user_id, subaccount, ticker)
            o.covered = covered
            if covered:
                if side == BID:
                    pos.covered_bid += covered
                else:
                    pos.covered_ask += covered
            if covered or is_new:  # an unchanged position is not written again
                self._mark("position", (user_id, subaccount, ticker), pos)
            if self._events is not None:
                self._emit(ev.OrderEvent("created", copy(o), now))
            fills = self._take(o, m, book, now)
            self._finish_taker(o, acct, pos, now)
            return OrderResult(o, tuple(fills))

    def _take(self, o: Order, m: Market, book: Book, now: int) -> list[Fill]:
        """Match a taker against the book, best price first, then time."""
        fills: list[Fill] = []
        fee_type, mult = self._fees_of(m)
        while o.remaining_count > 0:
            r = book.head_crossing(o.side, o.price)
            if r is None:
                break
            if r.user_id == o.user_id:
                if o.self_trade_prevention_type == STP_TAKER:
                    o.last_update_reason = "SelfTradeCancel"
                    o.status = CANCELED  # finished below
                    break
                self._cancel(r, now, "SelfTradeCancel")
                continue
            q = min(o.remaining_count, r.remaining_count)
            self._execute(o, r, q, m, book, fee_type, mult, now, fills)
            if o.order_group_id is not None:
                g = self.groups.get(o.order_group_id)
                if g is not None and g.triggered:
                    break
        return fills

    def _finish_taker(self, o: Order, acct: Account, pos: Position, now: int) -> None:
        """After matching: rest a GTC remainder, cancel the remainder of anything else."""
        book = self.books[o.ticker]
        grp = self.groups.get(o.order_group_id) if o.order_group_id else None
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
            self._mark("order", o.order_id, o)
            if self._events is not None:
                self._emit(
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
        book.add(o)
        key = (o.user_id, o.subaccount, o.ticker)
        self._user_orders.setdefault(key, {})[o.order_id] = o
        if o.order_group_id:
            self._group_orders.setdefault(o.order_group_id, {})[o.order_id] = o
        if o.expiration_time is not None:
            heapq.heappush(self._expiry, (o.expiration_time, o.seq, o.order_id))
        self._reserve(o, acct)
        self._mark("order", o.order_id, o)
        self._touched.add(o.ticker)
        if self._events is not None:
            self._book_event(o, o.remaining_count, now)
            if o.fill_count:
                self._emit(ev.OrderEvent("updated", copy(o), now, "Trade"))

    def _release_cover(self, o: Order, pos: Position) -> None:
        if o.covered:
            if o.side == BID:
                pos.covered_bid -= o.covered
            else:
                pos.covered_ask -= o.covered
            o.covered = ZERO
            self._mark("position", (o.user_id, o.subaccount, o.ticker), pos)

    def _reserve(self, o: Order, acct: Account) -> None:
        """Hold exactly what the resting rest of `o` needs: price x uncovered + maker fees."""
        if o.status == RESTING and o.remaining_count > 0:
            m = self.markets[o.ticker]
            fee_type, mult = self._fees_of(m)
            px = o.price if o.side == BID else ONE - o.price
            new = px * (o.remaining_count - o.covered) + fees.maker_fee_reserve(fee_type, mult, o)
        else:
            new = ZERO
        d = new - o.reserved
        if d:
            acct.balance -= d
            acct.reserved += d
            o.reserved = new
            self._mark("account", (acct.user_id, acct.subaccount), acct)

    def _execute(
        self,
        t: Order,
        r: Order,
        q: Decimal,
        m: Market,
        book: Book,
        fee_type,
        mult,
        now: int,
        fills: list[Fill],
    ) -> None:
        """Trade `q` contracts between taker `t` and resting `r` at the resting price."""
        e = r.price
        trade = Trade(self._new_id("trade"), m.ticker, q, e, t.side, now)
        self.trades.append(trade)
        self._trades_by_ticker.setdefault(m.ticker, []).append(trade)
        if self._track:
            self.new_trades.append(trade)
        book.reduce(r, q)
        fixups: list[tuple[Order, Position]] = []
        groups: list[str] = []
        fills.append(
            self._fill_side(t, True, q, e, trade.trade_id, m, fee_type, mult, now, fixups, groups)
        )
        self._fill_side(r, False, q, e, trade.trade_id, m, fee_type, mult, now, fixups, groups)
        if r.remaining_count <= 0:
            book.remove(r, ZERO)
            r.status = EXECUTED
            self._unindex(r)
        # Market statistics and history.
        m.last_price = e
        m.volume += q
        m.dollar_volume += e * q
        self._vol24.setdefault(m.ticker, deque()).append((now, q))
        m.volume_24h += q
        self._candle_trade(m, e, q, now)
        self._touched.add(m.ticker)
        self._traded.add(m.ticker)
        self._mark("market", m.ticker, m)
        if self._events is not None:
            self._emit(ev.TradeEvent(trade, now))
            self._emit(
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
            self._emit(
                ev.OrderEvent(
                    "executed" if r.status == EXECUTED else "updated", copy(r), now, "Trade"
                )
            )
        for o, pos in fixups:
            self._fix_cover(o, pos, now)
        for gid in groups:
            self._group_fill(gid, q, now)

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
        now: int,
        fixups,
        groups,
    ) -> Fill:
        acct = self.accounts[(o.user_id, o.subaccount)]
        pos = self._position(o.user_id, o.subaccount, o.ticker)
        fee = fees.charge(o, fees.fee_increment(fee_type, mult, is_taker, q, e))
        o.remaining_count -= q
        o.fill_count += q
        o.last_update_time = now
        o.last_update_reason = "Trade"
        px = e if o.side == BID else ONE - e
        if is_taker:
            o.taker_fill_cost += px * q
            o.taker_fees += fee
        else:
            o.maker_fill_cost += px * q
            o.maker_fees += fee
        before = pos.position
        cash, closing = _apply_fill(pos, o.side, q, px)
        m.open_interest += max(pos.position, ZERO) - max(before, ZERO)
        used = min(q, o.covered)
        if used:
            o.covered -= used
            if o.side == BID:
                pos.covered_bid -= used
            else:
                pos.covered_ask -= used
        acct.balance += cash - fee
        acct.updated_ts = now
        self.fees_collected += fee
        pos.fees_paid += fee
        pos.last_updated_ts = now
        if not is_taker:
            self._reserve(o, acct)
        if closing > used:
            fixups.append((o, pos))
        if o.order_group_id is not None:
            groups.append(o.order_group_id)
        fill = Fill(
            self._new_id("fill"),
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
        )
        self.fills.append(fill)
        self._fills_by_user.setdefault(o.user_id, []).append(fill)
        self._fills_by_order.setdefault(o.order_id, []).append(fill)
        if self._track:
            self.new_fills.append(fill)
            self.dirty["order"][o.order_id] = o
            self.dirty["account"][(o.user_id, o.subaccount)] = acct
            self.dirty["position"][(o.user_id, o.subaccount, o.ticker)] = pos
            self.dirty_meta = True
        if self._events is not None:
            self._emit(ev.FillEvent(fill, now))
            self._emit(ev.PositionUpdate(copy(pos), now))
        return fill

    def _fix_cover(self, o: Order, pos: Position, now: int) -> None:
        """A fill closed more of the position than its order had promised: take the promise
        back from the user's other resting orders on that side (they then need cash)."""
        side = o.side
        avail = max(ZERO, -pos.position) if side == BID else max(ZERO, pos.position)
        covered = pos.covered_bid if side == BID else pos.covered_ask
        excess = covered - avail
        if excess <= 0:
            return
        acct = self.accounts[(pos.user_id, pos.subaccount)]
        mine = self._user_orders.get((pos.user_id, pos.subaccount, pos.ticker), {})
        candidates = [x for x in mine.values() if x.side == side and x.covered > 0]
        for x in reversed(candidates):
            take = min(x.covered, excess)
            x.covered -= take
            excess -= take
            if side == BID:
                pos.covered_bid -= take
            else:
                pos.covered_ask -= take
            self._reserve(x, acct)
            self._mark("order", x.order_id, x)
            if excess <= 0:
                break
        self._mark("position", (pos.user_id, pos.subaccount, pos.ticker), pos)
        # Safety net (not reached in practice): never leave a negative balance.
        if acct.balance < 0:
            for x in reversed(list(mine.values())):
                self._cancel(x, now, "MarginCancel")
                if acct.balance >= 0:
                    break

    def _unindex(self, o: Order) -> None:
        key = (o.user_id, o.subaccount, o.ticker)
        mine = self._user_orders.get(key)
        if mine is not None:
            mine.pop(o.order_id, None)
            if not mine:
                del self._user_orders[key]
        if o.order_group_id:
            g = self._group_orders.get(o.order_group_id)
            if g is not None:
                g.pop(o.order_id, None)

    def _book_event(self, o: Order, delta: Decimal, now: int) -> None:
        self._emit(
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

    def _cancel(self, o: Order, now: int, reason: str | None = None) -> Decimal:
        """Take a resting order off the book, release its cash and promises."""
        if o.status != RESTING:
            return ZERO
        reduced = o.remaining_count
        self.books[o.ticker].remove(o)
        o.status = CANCELED
        o.remaining_count = ZERO
        o.last_update_time = now
        o.last_update_reason = reason
        pos = self._position(o.user_id, o.subaccount, o.ticker)
        self._release_cover(o, pos)
        self._reserve(o, self.accounts[(o.user_id, o.subaccount)])
        self._unindex(o)
        self._mark("order", o.order_id, o)
        self._touched.add(o.ticker)
        if self._events is not None:
            self._book_event(o, -reduced, now)
            self._emit(ev.OrderEvent("canceled", copy(o), now, reason))
        return reduced

    def _own_order(self, user_id: str, order_id: str, subaccount: int | None) -> Order:
        o = self.orders.get(order_id)
        if (
            o is None
            or o.user_id != user_id
            or (subaccount is not None and o.subaccount != subaccount)
        ):
            raise not_found("order")
        return o

    def cancel_order(self, user_id: str, order_id: str, subaccount: int = 0) -> CancelResult:
        """Cancel a resting order (404 if unknown/not the user's; 400 if no longer resting)."""
        with self._op() as now:
            self._expire_due(now)
            o = self._own_order(user_id, order_id, subaccount)
            if o.status != RESTING:
                raise invalid("order is not resting", o.status, code="order_not_resting")
            reduced = self._cancel(o, now)
            return CancelResult(o, reduced)

    def cancel_all_orders(
        self,
        user_id: str,
        ticker: str | None = None,
        subaccount: int | None = None,
        event_ticker: str | None = None,
    ) -> list[CancelResult]:
        """Cancel every resting order of the user (optionally one market/event/subaccount)."""
        with self._op() as now:
            self._expire_due(now)
            out = []
            for key in list(self._user_orders):
                u, s, t = key
                if u != user_id or (subaccount is not None and s != subaccount):
                    continue
                if ticker is not None and t != ticker:
                    continue
                if event_ticker is not None and self.markets[t].event_ticker != event_ticker:
                    continue
                for o in list(self._user_orders.get(key, {}).values()):
                    out.append(CancelResult(o, self._cancel(o, now)))
            return out

    def decrease_order(
        self,
        user_id: str,
        order_id: str,
        *,
        reduce_by: Decimal | str | None = None,
        reduce_to: Decimal | str | None = None,
        subaccount: int = 0,
    ) -> Order:
        """Shrink a resting order in place (keeps queue priority); to 0 cancels it."""
        with self._op() as now:
            self._expire_due(now)
            o = self._own_order(user_id, order_id, subaccount)
            if (reduce_by is None) == (reduce_to is None):
                raise invalid("give exactly one of reduce_by and reduce_to")
            if o.status != RESTING:
                raise invalid("order is not resting", o.status, code="order_not_resting")
            if reduce_by is not None:
                by = check_count(reduce_by, "reduce_by")
            else:
                to = dec(reduce_to, "reduce_to")
                if to < 0 or to % Decimal("0.01") != 0:
                    raise EngineError(400, "invalid_order_size", "reduce_to must be >= 0 (0.01)")
                by = o.remaining_count - to
                if by <= 0:
                    raise EngineError(
                        400, "invalid_order_size", "reduce_to must be below the remaining count"
                    )
            if by > o.remaining_count:
                raise EngineError(400, "invalid_order_size", "cannot reduce by more than remains")
            if by == o.remaining_count:
                self._cancel(o, now, "Decrease")
                return o
            self._shrink(o, by, now, "Decrease")
            return o

    def _shrink(self, o: Order, by: Decimal, now: int, reason: str) -> None:
        self.books[o.ticker].reduce(o, by)
        o.remaining_count -= by
        o.last_update_time = now
        o.last_update_reason = reason
        pos = self._position(o.user_id, o.subaccount, o.ticker)
        if o.covered > o.remaining_count:
            extra = o.covered - o.remaining_count
            o.covered -= extra
            if o.side == BID:
                pos.covered_bid -= extra
            else:
                pos.covered_ask -= extra
            self._mark("position", (o.user_id, o.subaccount, o.ticker), pos)
        self._reserve(o, self.accounts[(o.user_id, o.subaccount)])
        self._mark("order", o.order_id, o)
        self._touched.add(o.ticker)
        if self._events is not None:
            self._book_event(o, -by, now)
            self._emit(ev.OrderEvent("updated", copy(o), now, reason))

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
    ) -> tuple[Order, Order]:
        """Change price and/or total size (count = filled + new resting); returns (old, new).

        A price change or a size increase goes to the back of the queue (and may trade at once);
        a decrease or an expiry-only change keeps priority. expiration_time=0 removes expiry.
        """
        with self._op() as now:
            self._expire_due(now)
            o = self._own_order(user_id, order_id, subaccount)
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
            m = self._live_market(ticker)
            p = self._check_price(m, price)
            total = check_count(count)
            self._check_tradable(m)
            new_remaining = total - o.fill_count
            if new_remaining <= 0:
                raise EngineError(400, "invalid_order_size", "count must exceed the filled count")
            if (
                updated_client_order_id
                and updated_client_order_id != o.client_order_id
                and (user_id, updated_client_order_id) in self._client_ids
            ):
                raise EngineError(409, "order_already_exists", "order already exists")
            new_exp = o.expiration_time
            if expiration_time is not None:
                if expiration_time == 0:
                    new_exp = None
                elif not isinstance(expiration_time, int) or expiration_time <= now:
                    raise invalid("expiration_time must be in the future")
                else:
                    new_exp = expiration_time
            book = self.books[ticker]
            acct = self.accounts[(user_id, o.subaccount)]
            pos = self._position(user_id, o.subaccount, ticker)
            requeue = p != o.price or new_remaining > o.remaining_count
            if requeue:
                # Checks as if the order were cancelled and placed again.
                if o.post_only and book.crosses(side, p):  # o is on `side`: cannot cross itself
                    raise invalid("post only order would cross the book", "post only cross")
                free = self._free_cover(pos, side) + o.covered
                covered = min(new_remaining, free)
                fee_type, mult = self._fees_of(m)
                side_px = p if side == BID else ONE - p
                need = side_px * (new_remaining - covered) + fees.taker_fee_bound(
                    fee_type, mult, side, new_remaining, p, o.fee_base
                )
                if need > acct.balance + o.reserved:
                    raise EngineError(
                        400,
                        "available_balance_too_low",
                        "insufficient balance",
                        f"need {need}, available {acct.balance + o.reserved}",
                    )
            old = copy(o)
            if updated_client_order_id and updated_client_order_id != o.client_order_id:
                self._client_ids.pop((user_id, o.client_order_id), None)
                o.client_order_id = updated_client_order_id
                self._client_ids[(user_id, updated_client_order_id)] = o.order_id
            if new_exp != o.expiration_time:
                o.expiration_time = new_exp
                if new_exp is not None:
                    heapq.heappush(self._expiry, (new_exp, o.seq, o.order_id))
            if not requeue:
                if new_remaining < o.remaining_count:
                    self._shrink(o, o.remaining_count - new_remaining, now, "Amend")
                else:
                    o.last_update_time = now
                    o.last_update_reason = "Amend"
                    self._mark("order", o.order_id, o)
                    if self._events is not None:
                        self._emit(ev.OrderEvent("updated", copy(o), now, "Amend"))
                return old, o
            # Requeue: leave the book, then enter again as a new taker with the same id.
            book.remove(o)
            self._unindex(o)
            self._release_cover(o, pos)
            o.status = "amending"
            self._reserve(o, acct)  # releases everything
            if self._events is not None:
                self._book_event(o, -o.remaining_count, now)
            o.price = p
            o.remaining_count = new_remaining
            o.initial_count = total
            o.seq = self._next_seq()
            o.last_update_time = now
            o.last_update_reason = "Amend"
            o.status = RESTING
            covered = min(new_remaining, self._free_cover(pos, side))
            o.covered = covered
            if side == BID:
                pos.covered_bid += covered
            else:
                pos.covered_ask += covered
            if o.expiration_time is not None:
                heapq.heappush(self._expiry, (o.expiration_time, o.seq, o.order_id))
            self._take(o, m, book, now)
            self._finish_taker(o, acct, pos, now)
            o.last_update_reason = o.last_update_reason or "Amend"
            if self._events is not None and o.status == RESTING and not o.fill_count:
                self._emit(ev.OrderEvent("updated", copy(o), now, "Amend"))
            return old, o

    # ------------------------------------------------------------------ order reads

    def get_order(self, user_id: str, order_id: str) -> Order:
        """One of the user's orders (404 otherwise)."""
        self._expire_reads()
        return self._own_order(user_id, order_id, None)

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
        self._expire_reads()
        tickers = as_set(ticker)
        events = as_set(event_ticker)
        cut = self.cutoff.orders_updated_ts
        out = []
        for o in reversed(self.orders.values()):
            if o.user_id != user_id:
                continue
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

    def order_fills(self, order_id: str) -> list[Fill]:
        return list(self._fills_by_order.get(order_id, ()))

    def queue_position(self, user_id: str, order_id: str) -> Decimal:
        """Contracts ahead of the order at its price (0 = front of the queue)."""
        self._expire_reads()
        o = self._own_order(user_id, order_id, None)
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
        self._expire_reads()
        tickers = as_set(market_tickers)
        out = []
        for (u, s, t), mine in self._user_orders.items():
            if u != user_id or s != subaccount or (tickers and t not in tickers):
                continue
            if event_ticker and self.markets[t].event_ticker != event_ticker:
                continue
            book = self.books[t]
            for o in mine.values():
                out.append(QueuePosition(o.order_id, t, book.ahead_of(o)))
        return out

    # ------------------------------------------------------------------ expiry

    def _expire_due(self, now: int) -> int:
        """Cancel the resting orders whose expiration_time is at or before `now`; how many."""
        n = 0
        heap = self._expiry
        while heap and heap[0][0] <= now:
            exp, _, oid = heapq.heappop(heap)
            o = self.orders.get(oid)
            if o is not None and o.status == RESTING and o.expiration_time == exp:
                self._cancel(o, now, "ExpiryCancel")
                n += 1
        return n

    def _expire_reads(self) -> None:
        if self._expiry and self._expiry[0][0] <= self.now() and not self._depth:
            self.expire_orders()

    def expire_orders(self) -> int:
        """Cancel resting orders whose expiration_time has passed; returns how many."""
        with self._op() as now:
            return self._expire_due(now)


def _apply_fill(pos: Position, side: str, q: Decimal, px: Decimal) -> tuple[Decimal, Decimal]:
    """Net a fill into a position. `px` is the price of the side bought (YES for a bid, NO for
    an ask). Buying the side opposite to a held position closes it first: the pair is worth $1,
    so closing pays 1 - px per contract. Returns (cash change, contracts closed)."""
    p0 = pos.position
    opp = -p0 if side == BID else p0
    closing = min(q, opp) if opp > 0 else ZERO
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
    pos.position = p0 + q if side == BID else p0 - q
    pos.total_traded += px * q
    pos.traded_count += q
    return cash, closing
