"""Portfolio reads (fills, settlements, positions) and the bookkeeping invariants tests check."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .common import (
    EventPosition,
    as_set,
    within,
)
from .errors import EngineError
from .models import (
    ASK,
    BID,
    RESTING,
    Fill,
    Position,
    Settlement,
)
from .money import ZERO


class PortfolioMixin:
    """Part of `Exchange` (state and plumbing live there)."""

    # ------------------------------------------------------------------ portfolio reads

    def list_fills(
        self,
        user_id: str,
        ticker: str | Iterable[str] | None = None,
        order_id: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        subaccount: int | None = None,
        historical: bool = False,
    ) -> list[Fill]:
        """The user's fills, newest first (live: at/after the trades cutoff)."""
        tickers = as_set(ticker)
        cut = self.cutoff.trades_created_ts
        out = []
        for f in reversed(self._fills_by_user.get(user_id, ())):
            if (f.created_time < cut) != historical:
                continue
            if tickers and f.ticker not in tickers:
                continue
            if order_id and f.order_id != order_id:
                continue
            if subaccount is not None and f.subaccount != subaccount:
                continue
            if within(f.created_time, min_ts, max_ts):
                out.append(f)
        return out

    def list_settlements(
        self,
        user_id: str,
        ticker: str | None = None,
        event_ticker: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        subaccount: int | None = None,
    ) -> list[Settlement]:
        """The user's settlements, newest first."""
        out = []
        for s in reversed(self.settlements):
            if s.user_id != user_id or (subaccount is not None and s.subaccount != subaccount):
                continue
            if ticker and s.ticker != ticker:
                continue
            if event_ticker and s.event_ticker != event_ticker:
                continue
            if within(s.settled_time, min_ts, max_ts):
                out.append(s)
        return out

    def list_positions(
        self,
        user_id: str,
        ticker: str | None = None,
        event_ticker: str | None = None,
        settlement_status: str = "unsettled",
        subaccount: int = 0,
        historical: bool = False,
    ) -> tuple[list[Position], list[EventPosition]]:
        """(market positions, event positions). settlement_status: unsettled | settled | all.

        Live leaves out positions in markets archived before the positions cutoff;
        historical=True returns only those.
        """
        if settlement_status not in ("unsettled", "settled", "all"):
            raise EngineError(400, "invalid_parameters", "bad settlement_status")
        cut = self.cutoff.market_positions_last_updated_ts
        out = []
        for (u, s, t), p in self.positions.items():
            if u != user_id or s != subaccount:
                continue
            m = self.markets[t]
            archived = p.settled and m.settlement_ts is not None and m.settlement_ts < cut
            if archived != historical:
                continue
            if ticker and t != ticker:
                continue
            if event_ticker and m.event_ticker != event_ticker:
                continue
            if settlement_status == "unsettled" and p.settled:
                continue
            if settlement_status == "settled" and not p.settled:
                continue
            if not p.position and not p.total_traded and not p.settled:
                continue
            out.append(p)
        by_event: dict[str, list[Position]] = {}
        for p in out:
            by_event.setdefault(self.markets[p.ticker].event_ticker, []).append(p)
        events = [
            EventPosition(
                e,
                sum((p.total_traded for p in ps), ZERO),
                sum((p.traded_count for p in ps), ZERO),
                sum((p.exposure for p in ps), ZERO),
                sum((p.realized_pnl for p in ps), ZERO),
                sum((p.fees_paid for p in ps), ZERO),
            )
            for e, ps in by_event.items()
        ]
        return out, events

    # ------------------------------------------------------------------ invariants (tests)

    def check_invariants(self) -> None:
        """Raise AssertionError when internal bookkeeping disagrees with itself (tests use it)."""
        for t, book in self.books.items():
            b, a = book.best_bid(), book.best_ask()
            assert b is None or a is None or b < a, f"crossed book {t}: {b} >= {a}"
            for side in ("bid", "ask"):
                for price, total in book.qty[side].items():
                    orders = book.orders_at(side, price)
                    assert orders and total == sum(o.remaining_count for o in orders), (t, price)
        for acct in self.accounts.values():
            held = sum(
                (
                    o.reserved
                    for o in self.orders.values()
                    if o.status == RESTING
                    and o.user_id == acct.user_id
                    and o.subaccount == acct.subaccount
                ),
                ZERO,
            )
            assert held == acct.reserved, (acct, held)
            assert acct.balance >= 0, acct
        for (u, s, t), p in self.positions.items():
            mine = self._user_orders.get((u, s, t), {}).values()
            assert p.covered_bid == sum((o.covered for o in mine if o.side == BID), ZERO)
            assert p.covered_ask == sum((o.covered for o in mine if o.side == ASK), ZERO)
            assert p.covered_bid <= max(ZERO, -p.position) or p.settled
            assert p.covered_ask <= max(ZERO, p.position) or p.settled

    def escrow(self) -> Decimal:
        """$1 per open YES/NO pair in unsettled markets (money held by the exchange)."""
        return sum(
            (m.open_interest for m in self.markets.values() if m.settlement_ts is None), ZERO
        )

    def total_money(self) -> Decimal:
        """Cash + held cash + fees + escrow: constant apart from deposits."""
        return (
            sum((a.balance + a.reserved for a in self.accounts.values()), ZERO)
            + self.fees_collected
            + self.escrow()
        )
