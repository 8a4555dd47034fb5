"""Market lifecycle (open, pause, close, determine, settle), trading pauses, historical cutoff."""

from __future__ import annotations

from copy import copy
from decimal import Decimal

from . import events as ev
from .errors import EngineError, not_found
from .models import (
    ACTIVE,
    AMENDED,
    CLOSED,
    DETERMINED,
    DISPUTED,
    FINALIZED,
    INACTIVE,
    INITIALIZED,
    HistoricalCutoff,
    Market,
    Settlement,
)
from .money import ONE, ZERO, cents_down, dec


class LifecycleMixin:
    """Part of `Exchange` (state and plumbing live there)."""

    # ------------------------------------------------------------------ lifecycle

    def _lifecycle(self, ticker: str) -> Market:
        m = self.markets.get(ticker)
        if m is None:
            raise not_found("market")
        return m

    def _set_status(self, m: Market, status: str, kind: str | None, now: int) -> None:
        m.status = status
        m.updated_time = now
        self._mark("market", m.ticker, m)
        if kind and self._events is not None:
            self._emit(ev.MarketLifecycle(kind, copy(m), now))

    def _cancel_market_orders(self, ticker: str, now: int, reason: str, only_on_pause=False):
        for o in list(self.books[ticker].all_orders()):
            if not only_on_pause or o.cancel_order_on_pause:
                self._cancel(o, now, reason)

    def open_market(self, ticker: str) -> Market:
        """initialized/inactive -> active."""
        with self._op() as now:
            m = self._lifecycle(ticker)
            if m.status not in (INITIALIZED, INACTIVE, ACTIVE):
                raise EngineError(409, "market_closed", f"market is {m.status}")
            self._set_status(m, ACTIVE, "activated", now)
            return m

    def pause_market(self, ticker: str) -> Market:
        """active -> inactive (trading halted; orders with cancel_order_on_pause are cancelled)."""
        with self._op() as now:
            m = self._lifecycle(ticker)
            if m.status != ACTIVE:
                raise EngineError(409, "market_not_open", f"market is {m.status}")
            self._cancel_market_orders(ticker, now, "HaltCancel", only_on_pause=True)
            self._set_status(m, INACTIVE, "deactivated", now)
            return m

    def close_market(self, ticker: str) -> Market:
        """-> closed: no more trading, resting orders cancelled."""
        with self._op() as now:
            m = self._lifecycle(ticker)
            if m.status in (DETERMINED, DISPUTED, AMENDED, FINALIZED):
                raise EngineError(409, "market_closed", f"market is {m.status}")
            self._cancel_market_orders(ticker, now, "CloseCancel")
            if m.close_time > now:
                m.close_time = now
                if self._events is not None:
                    self._emit(ev.MarketLifecycle("close_date_updated", copy(m), now))
            self._set_status(m, CLOSED, "deactivated", now)
            return m

    def update_close_time(self, ticker: str, close_time: int) -> Market:
        with self._op() as now:
            m = self._lifecycle(ticker)
            m.close_time = close_time
            m.updated_time = now
            self._mark("market", ticker, m)
            if self._events is not None:
                self._emit(ev.MarketLifecycle("close_date_updated", copy(m), now))
            return m

    def determine_market(
        self, ticker: str, result: str, settlement_value: Decimal | str | None = None
    ) -> Market:
        """Record the outcome (yes | no | scalar with a value in [0, 1]); closes trading."""
        if result not in ("yes", "no", "scalar"):
            raise EngineError(400, "invalid_parameters", "result must be yes, no or scalar")
        if result == "scalar":
            if settlement_value is None:
                raise EngineError(400, "invalid_parameters", "scalar needs settlement_value")
            value = dec(settlement_value, "settlement_value")
            if not ZERO <= value <= ONE:
                raise EngineError(400, "invalid_parameters", "settlement_value must be in [0, 1]")
        else:
            value = ONE if result == "yes" else ZERO
        with self._op() as now:
            m = self._lifecycle(ticker)
            if m.status in (FINALIZED, AMENDED):
                raise EngineError(409, "market_closed", "market already settled")
            self._cancel_market_orders(ticker, now, "CloseCancel")
            m.result = result
            m.settlement_value = value
            m.determined_time = now
            m.expiration_time = now
            if m.close_time > now:
                m.close_time = now
            self._set_status(m, DETERMINED, "determined", now)
            return m

    def settle_market(self, ticker: str) -> list[Settlement]:
        """Pay every holder of a determined market and mark it finalized."""
        with self._op() as now:
            m = self._lifecycle(ticker)
            if m.status != DETERMINED:
                raise EngineError(409, "market_not_determined", f"market is {m.status}")
            self._cancel_market_orders(ticker, now, "CloseCancel")
            v = m.settlement_value
            out = []
            for (u, s, t), p in self.positions.items():
                if t != ticker or p.settled:
                    continue
                if not p.position and not p.total_traded:  # only ever had resting orders
                    p.settled = True
                    continue
                yes = max(p.position, ZERO)
                no = max(-p.position, ZERO)
                revenue = yes * v + no * (ONE - v)
                acct = self.accounts[(u, s)]
                acct.balance += revenue
                acct.updated_ts = now
                st = Settlement(
                    user_id=u,
                    ticker=t,
                    event_ticker=m.event_ticker,
                    market_result=m.result,
                    yes_count=yes,
                    yes_total_cost=p.exposure if yes else ZERO,
                    no_count=no,
                    no_total_cost=p.exposure if no else ZERO,
                    revenue=cents_down(revenue),
                    revenue_dollars=revenue,
                    fee_cost=p.fees_paid,
                    settled_time=now,
                    subaccount=s,
                    value=cents_down(v),
                    settlement_value=v,
                )
                p.realized_pnl += revenue - p.exposure
                p.exposure = ZERO
                p.position = ZERO
                p.settled = True
                p.last_updated_ts = now
                self.settlements.append(st)
                out.append(st)
                if self._track:
                    self.new_settlements.append(st)
                self._mark("account", (u, s), acct)
                self._mark("position", (u, s, t), p)
                if self._events is not None:
                    self._emit(ev.PositionUpdate(copy(p), now))
            m.settlement_ts = now
            self._set_status(m, FINALIZED, "settled", now)
            return out

    # ------------------------------------------------------------------ exchange-wide

    def pause_trading(self) -> None:
        """Exchange-wide trading pause: cancels orders flagged cancel_order_on_pause."""
        with self._op() as now:
            self.trading_active = False
            self.dirty_meta = True
            for t in self.books:
                self._cancel_market_orders(t, now, "HaltCancel", only_on_pause=True)

    def resume_trading(self) -> None:
        with self._op():
            self.trading_active = True
            self.dirty_meta = True

    def historical_cutoff(self) -> HistoricalCutoff:
        return self.cutoff

    def set_historical_cutoff(self, ts: int) -> None:
        """Move all four cutoffs to `ts` (epoch ms)."""
        with self._op():
            self.cutoff = HistoricalCutoff(ts, ts, ts, ts)
            self.dirty_meta = True

    def is_historical_market(self, m: Market) -> bool:
        return m.settlement_ts is not None and m.settlement_ts < self.cutoff.market_settled_ts

    def get_historical_market(self, ticker: str) -> Market:
        m = self.markets.get(ticker)
        if m is None or not self.is_historical_market(m):
            raise not_found("market")
        return m
