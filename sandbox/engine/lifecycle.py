"""Market lifecycle (open, pause, close, determine, settle), trading pauses, historical cutoff.

State: none of its own besides the exchange-wide flags and cutoffs in `op.meta`; it changes
market statuses (Catalog), cancels orders (Trading), pays holders (Accounts) and records
settlements (Portfolio).
"""

from __future__ import annotations

from copy import copy
from decimal import Decimal

from . import events as ev
from . import fees
from .accounts import Accounts
from .catalog import Catalog
from .common import MICRO, PRICE_LEVEL_STRUCTURES
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
from .operation import Operation
from .orders import Trading
from .portfolio import Portfolio


class Lifecycle:
    def __init__(
        self,
        op: Operation,
        catalog: Catalog,
        trading: Trading,
        accounts: Accounts,
        portfolio: Portfolio,
    ):
        self.op = op
        self.catalog = catalog
        self.trading = trading
        self.accounts = accounts
        self.portfolio = portfolio

    def _set_status(self, m: Market, status: str, kind: str | None) -> None:
        op = self.op
        self.catalog.touch_market(m)
        m.status = status
        m.updated_time = op.now
        if kind and op.events is not None:
            op.emit(ev.MarketLifecycle(kind, copy(m), op.now))

    def _cancel_market_orders(self, ticker: str, reason: str, only_on_pause=False) -> None:
        for o in list(self.trading.books[ticker].all_orders()):
            if not only_on_pause or o.cancel_order_on_pause:
                self.trading.cancel(o, reason)

    # ------------------------------------------------------------------ markets

    def open_market(self, ticker: str) -> Market:
        """initialized/inactive -> active."""
        self.op.step("open.validate")
        m = self.catalog.any_market(ticker)
        if m.status not in (INITIALIZED, INACTIVE, ACTIVE):
            raise EngineError(409, "market_closed", f"market is {m.status}")
        self.op.step("open.record")
        self._set_status(m, ACTIVE, "activated")
        return m

    def pause_market(self, ticker: str) -> Market:
        """active -> inactive (trading halted; orders with cancel_order_on_pause are cancelled)."""
        self.op.step("pause.validate")
        m = self.catalog.any_market(ticker)
        if m.status != ACTIVE:
            raise EngineError(409, "market_not_open", f"market is {m.status}")
        self.op.step("pause.cancel")
        self._cancel_market_orders(ticker, "HaltCancel", only_on_pause=True)
        self._set_status(m, INACTIVE, "deactivated")
        return m

    def close_market(self, ticker: str) -> Market:
        """-> closed: no more trading, resting orders cancelled."""
        op = self.op
        op.step("close.validate")
        m = self.catalog.any_market(ticker)
        if m.status in (DETERMINED, DISPUTED, AMENDED, FINALIZED):
            raise EngineError(409, "market_closed", f"market is {m.status}")
        op.step("close.cancel")
        self._cancel_market_orders(ticker, "CloseCancel")
        op.step("close.record")
        # Order of the messages on an early close: close_date_updated first (the close time
        # moves to now), then the status change. Kalshi's Market Lifecycle page: "Close time
        # updated ... This can happen when a market is closed ahead of its scheduled close
        # time", and the mirror case "closed -> reopened active: close_date_updated, then
        # activated" (docs.kalshi.com/getting_started/market_lifecycle). Kalshi sends no event
        # for the close itself; this exchange marks it with `deactivated` (README differences).
        if m.close_time > op.now:
            self.catalog.touch_market(m)
            m.close_time = op.now
            if op.events is not None:
                op.emit(ev.MarketLifecycle("close_date_updated", copy(m), op.now))
        self._set_status(m, CLOSED, "deactivated")
        return m

    def update_close_time(self, ticker: str, close_time: int) -> Market:
        op = self.op
        m = self.catalog.any_market(ticker)
        self.catalog.touch_market(m)
        m.close_time = close_time
        m.updated_time = op.now
        if op.events is not None:
            op.emit(ev.MarketLifecycle("close_date_updated", copy(m), op.now))
        return m

    def update_market_metadata(
        self,
        ticker: str,
        *,
        yes_sub_title: str | None = None,
        strike_type: str | None = None,
        floor_strike: Decimal | None = None,
        cap_strike: Decimal | None = None,
    ) -> Market:
        """New subtitle or strike of an open market: market_lifecycle_v2 `metadata_updated`
        (AsyncAPI marketMetadataUpdated: "Updated strike information or yes subtitle")."""
        op = self.op
        op.step("metadata.validate")
        m = self.catalog.any_market(ticker)
        if m.status in (DETERMINED, DISPUTED, AMENDED, FINALIZED):
            raise EngineError(409, "market_closed", f"market is {m.status}")
        changes = {
            "yes_sub_title": yes_sub_title,
            "strike_type": strike_type,
            "floor_strike": floor_strike,
            "cap_strike": cap_strike,
        }
        changes = {k: v for k, v in changes.items() if v is not None}
        if not changes:
            raise EngineError(400, "invalid_parameters", "nothing to update")
        op.step("metadata.record")
        self.catalog.touch_market(m)
        for k, v in changes.items():
            setattr(m, k, v)
        m.updated_time = op.now
        if op.events is not None:
            op.emit(ev.MarketLifecycle("metadata_updated", copy(m), op.now, tuple(changes)))
        return m

    def update_price_level_structure(self, ticker: str, structure: str) -> Market:
        """Switch the market's tick grid (market_lifecycle_v2 `price_level_structure_updated`);
        resting orders the new grid has no tick for are cancelled."""
        op = self.op
        op.step("price_levels.validate")
        m = self.catalog.any_market(ticker)
        ranges = PRICE_LEVEL_STRUCTURES.get(structure)
        if ranges is None:
            raise EngineError(
                400, "invalid_parameters", f"unknown price level structure {structure!r}"
            )
        if m.status in (DETERMINED, DISPUTED, AMENDED, FINALIZED):
            raise EngineError(409, "market_closed", f"market is {m.status}")
        op.step("price_levels.cancel")
        for o in list(self.trading.books[ticker].all_orders()):
            if not any(
                r.start <= o.price <= r.end and (o.price - r.start) % r.step == 0 for r in ranges
            ):
                self.trading.cancel(o, "PriceLevelStructureCancel")
        op.step("price_levels.record")
        self.catalog.touch_market(m)
        m.price_level_structure = structure
        m.price_ranges = ranges
        m.updated_time = op.now
        if op.events is not None:
            op.emit(ev.MarketLifecycle("price_level_structure_updated", copy(m), op.now))
        return m

    def determine_market(
        self, ticker: str, result: str, settlement_value: Decimal | str | None = None
    ) -> Market:
        """Record the outcome (yes | no | scalar with a value in [0, 1]); closes trading."""
        op = self.op
        op.step("determine.validate")
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
        m = self.catalog.any_market(ticker)
        if m.status in (FINALIZED, AMENDED):
            raise EngineError(409, "market_closed", "market already settled")
        op.step("determine.cancel")
        self._cancel_market_orders(ticker, "CloseCancel")
        op.step("determine.record")
        self.catalog.touch_market(m)
        m.result = result
        m.settlement_value = value
        m.determined_time = op.now
        m.expiration_time = op.now
        if m.close_time > op.now:
            m.close_time = op.now
        self._set_status(m, DETERMINED, "determined")
        return m

    def settle_market(self, ticker: str) -> list[Settlement]:
        """Pay every holder of a determined market and mark it finalized."""
        op = self.op
        now = op.now
        op.step("settle.validate")
        m = self.catalog.any_market(ticker)
        if m.status != DETERMINED:
            raise EngineError(409, "market_not_determined", f"market is {m.status}")
        op.step("settle.cancel")
        self._cancel_market_orders(ticker, "CloseCancel")
        v = m.settlement_value
        assert v is not None
        out = []
        accounts = self.accounts
        for (u, s, t), p in list(accounts.positions.items()):
            if t != ticker or p.settled:
                continue
            op.step("settle.pay")
            accounts.touch_position(p)
            if not p.position and not p.total_traded:  # only ever had resting orders
                p.settled = True
                continue
            yes = max(p.position, ZERO) + p.paired  # pairs held with netting off pay $1
            no = max(-p.position, ZERO) + p.paired
            # A scalar payout of fractional contracts can be finer than the member's balance
            # precision: as with fills, the balance change is floored to it and the rest is a
            # rounding fee (docs.kalshi.com/getting_started/fee_rounding).
            exact = yes * v + no * (ONE - v)
            revenue = fees.down(exact, accounts.precision(u))
            accounts.collect_fee(exact - revenue)
            acct = accounts.holder(u, s, m.exchange_index)  # paid on the market's shard
            accounts.touch_cash(acct)
            acct.balance += revenue
            acct.updated_ts = now
            # The cost basis by side (one side unless netting was off: then split by count).
            if yes and no:
                yes_cost = (p.exposure * yes / (yes + no)).quantize(MICRO)
            else:
                yes_cost = p.exposure if yes else ZERO
            st = Settlement(
                user_id=u,
                ticker=t,
                event_ticker=m.event_ticker,
                market_result=m.result,
                yes_count=yes,
                yes_total_cost=yes_cost,
                no_count=no,
                no_total_cost=p.exposure - yes_cost,
                revenue=cents_down(revenue),
                revenue_dollars=revenue,
                fee_cost=p.fees_paid + exact - revenue,
                settled_time=now,
                subaccount=s,
                value=cents_down(v),
                settlement_value=v,
                exchange_index=m.exchange_index,
            )
            p.realized_pnl += revenue - p.exposure
            p.exposure = ZERO
            p.position = p.paired = ZERO
            p.settled = True
            p.last_updated_ts = now
            self.portfolio.record_settlement(st)
            out.append(st)
            if op.events is not None:
                op.emit(ev.PositionUpdate(copy(p), now))
        op.step("settle.record")
        self.catalog.touch_market(m)
        m.settlement_ts = now
        self._set_status(m, FINALIZED, "settled")
        return out

    # ------------------------------------------------------------------ exchange-wide

    def pause_trading(self) -> None:
        """Exchange-wide trading pause: cancels orders flagged cancel_order_on_pause."""
        self.op.step("pause_trading.record")
        self.op.set_meta(trading_active=False)
        for t in self.trading.books:
            self._cancel_market_orders(t, "HaltCancel", only_on_pause=True)

    def resume_trading(self) -> None:
        self.op.set_meta(trading_active=True)

    def set_historical_cutoff(self, ts: int) -> None:
        """Move all four cutoffs to `ts` (epoch ms)."""
        self.op.set_meta(
            market_settled_ts=ts,
            trades_created_ts=ts,
            orders_updated_ts=ts,
            market_positions_last_updated_ts=ts,
        )

    def historical_cutoff(self) -> HistoricalCutoff:
        return self.op.meta.cutoff

    def get_historical_market(self, ticker: str) -> Market:
        m = self.catalog.markets.get(ticker)
        if m is None or not self.catalog.is_historical_market(m):
            raise not_found("market")
        return m
