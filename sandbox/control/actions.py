"""What the control plane does to the engine. Each action is one engine operation (a `with
ex.operation()` around the public calls it makes), so it is all-or-nothing, journaled, and its
events reach the WebSocket channels exactly as the same calls from a client would.

Book levels and price moves are made by the simulated traders (`kalshi-mm` quotes, `retail-flow`
takes), never by writing a book or a price directly: every delta, trade, ticker and fill is real.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from sandbox.activity.simulator import BOT_ALLOCATION, BOT_BALANCE, MAKER, TAKER
from sandbox.engine.errors import EngineError
from sandbox.engine.money import ONE, dec

__all__ = ["Clock", "bad", "dec", "levels", "move_price", "set_book", "set_status"]

Level = tuple[Decimal, Decimal]  # (price in dollars, count)
OPEN = ("initialized", "inactive", "active")


def bad(message: str) -> EngineError:
    return EngineError(400, "invalid_parameters", message)


def levels(raw: Any, side: str) -> list[Level]:
    """`[[price, count], ...]` with fixed-point strings or numbers (the orderbook's own shape)."""
    if raw is None:
        return []
    pairs = isinstance(raw, list) and all(isinstance(x, list | tuple) and len(x) == 2 for x in raw)
    if not pairs:
        raise bad(f"{side}: a list of [price, count] pairs")
    return [(dec(p, f"{side} price"), dec(c, f"{side} count")) for p, c in raw]


def ensure_traders(ex: Any) -> None:
    for user in (MAKER, TAKER):
        if not ex.has_user(user):
            ex.add_user(user, BOT_BALANCE)
            ex.set_target_allocation(user, BOT_ALLOCATION)  # combos trade on index 1


def _cancel_house_quotes(ex: Any, ticker: str) -> None:
    for order in list(ex.books[ticker].all_orders()):
        if order.user_id == MAKER:
            ex.cancel_order(MAKER, order.order_id)


def _order(ex: Any, user: str, ticker: str, side: str, price: Decimal, count: Decimal, tif: str):
    stp = "maker" if user == MAKER else "taker_at_cross"
    return ex.create_order(
        user,
        ticker=ticker,
        side=side,
        price=price,
        count=count,
        time_in_force=tif,
        self_trade_prevention_type=stp,
        post_only=user == MAKER,
    )


def set_book(ex: Any, ticker: str, yes: Iterable[Level], no: Iterable[Level]) -> None:
    """The house maker's resting orders in `ticker` become exactly `yes` bids and `no` bids
    (other users' orders stay). Post-only: a level that would cross a resting order is refused
    (400) and nothing changes."""
    ex.get_market(ticker)
    with ex.operation():
        ensure_traders(ex)
        _cancel_house_quotes(ex, ticker)
        for price, count in yes:
            _order(ex, MAKER, ticker, "bid", price, count, "good_till_canceled")
        for price, count in no:
            _order(ex, MAKER, ticker, "ask", ONE - price, count, "good_till_canceled")


def move_price(ex: Any, ticker: str, price: Decimal) -> None:
    """Trade the market to `price` YES: the taker sweeps every ask at or below it and every bid
    at or above it (other users' orders fill as they would), then buys one contract the maker
    offers at `price`, so the last trade is `price`."""
    ex.get_market(ticker)
    with ex.operation():
        ensure_traders(ex)
        _cancel_house_quotes(ex, ticker)
        yes, no = ex.book(ticker)
        asks = sum((c for p, c in no if ONE - p <= price), Decimal(0))
        bids = sum((c for p, c in yes if p >= price), Decimal(0))
        if asks:
            _order(ex, TAKER, ticker, "bid", price, asks, "immediate_or_cancel")
        if bids:
            _order(ex, TAKER, ticker, "ask", price, bids, "immediate_or_cancel")
        _order(ex, MAKER, ticker, "ask", price, ONE, "good_till_canceled")
        _order(ex, TAKER, ticker, "bid", price, ONE, "immediate_or_cancel")


def set_status(ex: Any, ticker: str, action: str, result: str | None, value: Any) -> Any:
    """pause | open | close | determine | settle, now. `settle` walks the market through
    close and determine first (with `result`) when it is not there yet."""
    if action == "pause":
        return ex.pause_market(ticker)
    if action == "open":
        return ex.open_market(ticker)
    if action == "close":
        return ex.close_market(ticker)
    if action not in ("determine", "settle"):
        raise bad("action: one of pause, open, close, determine, settle")
    with ex.operation():
        m = ex.get_market(ticker)
        if m.status in OPEN:
            ex.close_market(ticker)
        if m.status == "closed":
            if result is None:
                raise bad("result (yes, no or scalar) is needed to determine the market")
            ex.determine_market(ticker, result, value)
        elif action == "determine":
            raise EngineError(409, "market_not_closed", f"market is {m.status}")
        if action == "settle":
            ex.settle_market(ticker)
        return m


class Clock:
    """The exchange's clock with an offset the control plane can move forward.

    Installed over the engine's clock, so every operation, order expiry, order-group window
    and market close time reads the advanced time. The offset is the journaled
    `Meta.clock_offset_ms`, so an advanced clock stays advanced across a restart. Advancing
    runs what the passage of time does on Kalshi, as one operation: scheduled fee changes past
    their time apply (emitting `event_fee_update`), resting orders past their expiration are
    canceled and active markets past their close time close; then the RFQ timers that came
    due run (each its own operation, as on the exchange's clock)."""

    def __init__(self, ex: Any):
        self.ex = ex
        op = self.op = ex.operation()
        installed = getattr(op.clock, "__self__", None)  # a Clock already over this exchange:
        base = installed.base if isinstance(installed, Clock) else op.clock  # its base, once
        self.base: Callable[[], int] = base
        op.clock = self.now

    @property
    def offset_ms(self) -> int:
        return int(self.op.meta.clock_offset_ms)

    def now(self) -> int:
        return self.base() + self.op.meta.clock_offset_ms

    def advance(self, ms: int) -> dict[str, Any]:
        """Move time forward by `ms`: the markets that closed and how many fee changes applied."""
        if ms < 0:
            raise bad("the clock only moves forward")
        op, closed = self.op, []
        with op:
            op.touch_meta().clock_offset_ms += ms  # rolled back with everything else
            op.now = now = self.now()  # the operation runs at the new time
            fees = self.ex.apply_fee_changes()
            self.ex.expire_orders()
            for m in list(self.ex.markets.values()):
                if m.status == "active" and m.close_time <= now:
                    self.ex.close_market(m.ticker)
                    closed.append(m.ticker)
        self.ex.run_timers()  # RFQ windows that ran out, batch quotes that stopped counting
        return {"closed_markets": closed, "fee_changes_applied": fees}
