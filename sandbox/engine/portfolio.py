"""Portfolio history: fills and settlements (append-only, indexed per user), position reads.

State: `fills`, `settlements` and their per-user / per-order indexes. `Trading` records fills,
`Lifecycle` settlements; the positions themselves belong to `Accounts`.
"""

from __future__ import annotations

from collections.abc import Iterable

from .accounts import Accounts
from .catalog import Catalog
from .common import EventPosition, as_set, within
from .errors import EngineError
from .models import Fill, Position, Settlement
from .money import ZERO
from .operation import Operation


class Portfolio:
    def __init__(self, op: Operation, accounts: Accounts, catalog: Catalog):
        self.op = op
        self.accounts = accounts
        self.catalog = catalog
        self.fills: list[Fill] = []
        self.settlements: list[Settlement] = []
        self.fills_by_user: dict[str, list[Fill]] = {}
        self.fills_by_order: dict[str, list[Fill]] = {}
        self.settlements_by_user: dict[str, list[Settlement]] = {}

    # ------------------------------------------------------------------ writes

    def record_fill(self, f: Fill) -> None:
        op = self.op
        op.record("fill", f, self.fills)
        by_user = self.fills_by_user.setdefault(f.user_id, [])
        by_order = self.fills_by_order.setdefault(f.order_id, [])
        by_user.append(f)
        by_order.append(f)
        op.undo(_pop_both, by_user, by_order)

    def record_settlement(self, s: Settlement) -> None:
        op = self.op
        op.record("settlement", s, self.settlements)
        lst = self.settlements_by_user.setdefault(s.user_id, [])
        lst.append(s)
        op.undo(lst.pop)

    # ------------------------------------------------------------------ reads

    def order_fills(self, order_id: str) -> list[Fill]:
        return list(self.fills_by_order.get(order_id, ()))

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
        cut = self.op.meta.trades_created_ts
        src = (
            self.fills_by_order.get(order_id, ())
            if order_id
            else self.fills_by_user.get(user_id, ())
        )
        out = []
        for f in reversed(src):
            if f.user_id != user_id or (f.created_time < cut) != historical:
                continue
            if tickers and f.ticker not in tickers:
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
        for s in reversed(self.settlements_by_user.get(user_id, ())):
            if subaccount is not None and s.subaccount != subaccount:
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
        cut = self.op.meta.market_positions_last_updated_ts
        markets = self.catalog.markets
        out = []
        for (s, t), p in self.accounts.positions_of(user_id).items():
            if s != subaccount:
                continue
            m = markets[t]
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
            by_event.setdefault(markets[p.ticker].event_ticker, []).append(p)
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

    def portfolio_value(self, user_id: str, subaccount: int = 0, index: int | None = None):
        """Mark-to-market value of open positions (YES at the best bid, NO at the best NO bid),
        in markets on exchange `index` (None: every index)."""
        value = ZERO
        markets = self.catalog.markets
        for (s, t), p in self.accounts.positions_of(user_id).items():
            if s != subaccount or p.settled or not (p.position or p.paired):
                continue
            m = markets[t]
            if index is not None and m.exchange_index != index:
                continue
            if p.position > 0:
                value += p.position * m.yes_bid
            else:
                value += -p.position * (1 - m.yes_ask)
            value += p.paired  # a YES+NO pair held with netting off pays $1 whatever the result
        return value

    # ------------------------------------------------------------------ restore

    def restore(self, fills: list[Fill], settlements: list[Settlement]) -> None:
        for f in fills:
            self.fills.append(f)
            self.fills_by_user.setdefault(f.user_id, []).append(f)
            self.fills_by_order.setdefault(f.order_id, []).append(f)
        for s in settlements:
            self.settlements.append(s)
            self.settlements_by_user.setdefault(s.user_id, []).append(s)


def _pop_both(by_user: list[Fill], by_order: list[Fill]) -> None:
    """Undo of `record_fill`'s two index appends (one undo entry per fill)."""
    by_user.pop()
    by_order.pop()
