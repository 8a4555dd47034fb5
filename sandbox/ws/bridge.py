"""The glue between the engine and the WebSocket hub: an `Exchange.listeners` callback that turns
each engine event into its channel message, and the read-only view snapshots are taken from.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sandbox.engine import events as ev
from sandbox.engine.errors import EngineError
from sandbox.engine.feechanges import EventFeeUpdate
from sandbox.engine.rfqbatches import BatchEvent
from sandbox.ws import messages, messages_batches, messages_comms
from sandbox.ws.hub import Hub
from sandbox.ws.throttle import Throttle

# AsyncAPI rfq_batch_best_quotes: "at most once every 250 ms per batch, carrying the latest
# snapshot".
BEST_QUOTES_INTERVAL_S = 0.25

# lastUpdateReason values of the AsyncAPI; engine reasons outside it are not forwarded.
REASONS = {
    "Decrease", "Amend", "MarginCancel", "SelfTradeCancel", "ExpiryCancel", "CloseCancel",
    "HaltCancel", "Trade", "PostOnlyCrossCancel", "ReduceOnlyCancel", "SettlementBoundsCancel",
}  # fmt: skip
_ALIASES = {"Expired": "ExpiryCancel", "Expiry": "ExpiryCancel"}


class Bridge:
    """Listener (`exchange.listeners.append(bridge)`) and `MarketView` in one object."""

    def __init__(self, hub: Hub, exchange: Any):
        self.hub = hub
        self.exchange = exchange
        self._ids: dict[str, str] = {}
        self._volume: dict[tuple[str, int, str], Decimal] = {}  # contracts traded per position
        # The 250 ms limit is a delivery rule, so it lives here and not in the engine: the
        # engine makes (and journals) a snapshot on every best-bid change, each with a higher
        # `version`; the wire carries the latest of them per window, so the creator sees
        # versions that strictly increase, with gaps, and never a snapshot older than one sent.
        self._best = Throttle(BEST_QUOTES_INTERVAL_S, self._send_best)
        self._handlers: dict[type, Callable[[Any], None]] = {
            ev.OrderEvent: self._order,
            ev.FillEvent: self._fill,
            ev.TradeEvent: self._trade,
            ev.BookDelta: self._delta,
            ev.TickerUpdate: self._ticker,
            ev.PositionUpdate: self._position,
            ev.OrderGroupUpdate: self._group,
            ev.MarketLifecycle: self._market_lifecycle,
            ev.EventLifecycle: self._event_lifecycle,
            ev.RfqEvent: self._rfq,
            ev.QuoteEvent: self._quote,
            BatchEvent: self._batch,
            EventFeeUpdate: self._event_fee_update,
        }

    def forget(self) -> None:
        """The exchange was reset: the caches built from its markets and fills go, and so do
        the best-quote snapshots still waiting for their window."""
        self._ids = {}
        self._volume.clear()
        self._best.clear()

    def wants_events(self) -> bool:
        """Engine hook (`Exchange._listening`): while nobody subscribes, the engine builds no
        events for this listener. The per-position volumes cached from fill events would then
        miss fills, so they are dropped and recounted from the fills when next needed."""
        hub = self.hub
        if hub._by_user or any(hub._all_markets.values()) or any(hub._by_market.values()):
            return True
        if self._volume:
            self._volume.clear()
        self._best.clear()
        return False

    def __call__(self, event: Any) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    # ---- engine events -> channel messages

    # Each handler asks the hub first: with a connection subscribed to one channel, the engine
    # emits every event, and most of them have no reader (bench_ws: REST fill -> WS fill).

    def _order(self, e: ev.OrderEvent) -> None:
        o = e.order
        if not self.hub.listens_private("user_orders", o.user_id):
            return
        msg = messages.user_order(o)
        reason = o.last_update_reason or e.reason
        reason = _ALIASES.get(reason, reason) if reason is not None else None
        if reason in REASONS:
            msg["last_update_reason"] = reason
        else:
            msg.pop("last_update_reason", None)
        self.hub.publish_private(
            "user_orders", "user_order", msg, o.user_id, o.ticker, o.subaccount
        )

    def _fill(self, e: ev.FillEvent) -> None:
        f = e.fill
        key = (f.user_id, f.subaccount, f.ticker)
        if key in self._volume:
            self._volume[key] += f.count
        if not self.hub.listens_private("fill", f.user_id):
            return
        order = self.exchange.orders.get(f.order_id)
        coid = order.client_order_id if order is not None else ""
        msg = messages.fill(f, coid)
        self.hub.publish_private("fill", "fill", msg, f.user_id, f.ticker, f.subaccount)

    def _trade(self, e: ev.TradeEvent) -> None:
        t = e.trade
        if not self.hub.listens("trade", t.ticker):
            return
        self.hub.publish("trade", "trade", messages.trade(t), t.ticker)

    def _delta(self, e: ev.BookDelta) -> None:
        self.hub.publish_book_delta(
            e.ticker,
            e.side,
            e.price,
            e.delta,
            e.ts,
            owner=e.user_id,
            client_order_id=e.client_order_id,
            subaccount=e.subaccount or 0,
        )

    def _ticker(self, e: ev.TickerUpdate) -> None:
        m = e.market
        if not self.hub.listens("ticker", m.ticker):
            return
        msg = messages.ticker(m, e.ts, self._last_size(m.ticker))
        self.hub.publish("ticker", "ticker", msg, m.ticker)

    def _position(self, e: ev.PositionUpdate) -> None:
        p = e.position
        if not self.hub.listens_private("market_positions", p.user_id):
            return
        msg = messages.market_position(p, self._contracts_traded(p))
        self.hub.publish_private(
            "market_positions", "market_position", msg, p.user_id, p.ticker, p.subaccount
        )

    def _group(self, e: ev.OrderGroupUpdate) -> None:
        g = e.group
        if not self.hub.listens_private("order_group_updates", g.user_id):
            return
        msg = messages.order_group_update(e.kind, g.order_group_id, e.ts, g.contracts_limit)
        self.hub.publish_private(
            "order_group_updates", "order_group_updates", msg, g.user_id, None, g.subaccount
        )

    def _market_lifecycle(self, e: ev.MarketLifecycle) -> None:
        """Combo (KXMVE) markets go to `multivariate_market_lifecycle` only: the
        `market_lifecycle_v2` channel excludes them (Kalshi changelog, Mar 19, 2026)."""
        msg = messages.market_lifecycle(e.kind, e.market, e.ts, e.changed)
        if e.market.mve_collection_ticker:
            msg.pop("price_ranges", None)  # not in the multivariate payload
            name = "multivariate_market_lifecycle"
            self.hub.publish(name, name, msg, None)
        else:
            self.hub.publish("market_lifecycle_v2", "market_lifecycle_v2", msg, None)

    def _event_lifecycle(self, e: ev.EventLifecycle) -> None:
        event = self.exchange.events.get(e.event_ticker)
        if event is None:
            return
        channel = (
            "multivariate_market_lifecycle"
            if self.exchange.collections.is_combo_event(e.event_ticker)
            or e.series_ticker in {c.series_ticker for c in self.exchange.list_collections()}
            else "market_lifecycle_v2"
        )
        self.hub.publish(channel, "event_lifecycle", messages.event_lifecycle(event))

    def _rfq(self, e: ev.RfqEvent) -> None:
        """rfq_created / rfq_deleted go to every `communications` subscriber (RFQ guide)."""
        comms = self.exchange.comms
        if e.rfq.rfq_batch_id:  # announced only inside rfq_batch_created / _deleted
            return
        for user in self.hub.private_channel_users("communications"):
            if e.kind == "created":
                msg = messages_comms.rfq_created(comms, e.rfq, user)
            else:
                msg = messages_comms.rfq_deleted(comms, e.rfq, user, e.ts)
            mine = user == e.rfq.user_id
            self.hub.publish_private(
                "communications", f"rfq_{e.kind}", msg, user, None, others=not mine
            )

    def _quote(self, e: ev.QuoteEvent) -> None:
        """quote_* go only to the quote's maker and the RFQ's requester (a cancelled quote has
        no message in the AsyncAPI)."""
        comms, q, r = self.exchange.comms, e.quote, e.rfq
        orders = dict(e.orders)
        for user in (q.user_id, r.user_id):
            if not self.hub.listens_private("communications", user):
                continue
            if e.kind == "created":
                msg = messages_comms.quote_created(comms, q, r, user)
            elif e.kind == "accepted":
                msg = messages_comms.quote_accepted(comms, q, r, user)
            elif e.kind == "executed":
                msg = messages_comms.quote_executed(comms, q, r, user, orders.get(user, ""), "")
            else:
                continue
            self.hub.publish_private("communications", f"quote_{e.kind}", msg, user, None)

    def _batch(self, e: BatchEvent) -> None:
        """Batch created/deleted go to every subscriber; best quotes and rfq_batch_executed to
        the creator only; batch_quote_* to the batch quote's maker only (AsyncAPI)."""
        batches, b, bq, hub = self.exchange.batches, e.batch, e.batch_quote, self.hub
        mb = messages_batches
        if e.kind in ("created", "deleted"):
            for user in hub.private_channel_users("communications"):
                msg = (
                    mb.rfq_batch_created(batches, b, user)
                    if e.kind == "created"
                    else mb.rfq_batch_deleted(batches, b, user, e.ts)
                )
                hub.publish_private(
                    "communications",
                    f"rfq_batch_{e.kind}",
                    msg,
                    user,
                    None,
                    others=user != b.user_id,
                )
            return
        if e.kind == "best":
            if b.status == "open":
                self._best.offer(b.batch_id, b)
            return
        if b.status != "open":  # accepted or closed: a snapshot still waiting is never sent
            self._best.drop(b.batch_id)
        if bq is None:  # executed (or failed): the creator's summary
            msg = mb.rfq_batch_executed(batches, b)
            hub.publish_private("communications", "rfq_batch_executed", msg, b.user_id, None)
            return
        if e.kind == "quoted":
            kind, msg = "batch_quote_created", mb.batch_quote_created(batches, bq)
        elif e.kind == "accepted":
            kind, msg = "batch_quote_accepted", mb.batch_quote_accepted(batches, b, bq)
        else:
            kind, msg = "batch_quote_executed", mb.batch_quote_executed(batches, b, bq)
        hub.publish_private("communications", kind, msg, bq.user_id, None)

    def _send_best(self, batch_id: Any, b: Any) -> None:
        """`b`: the batch as of its latest snapshot; nothing once the batch left "open"."""
        live = self.exchange.batches.batches.get(batch_id)
        if live is None or live.status != "open":
            return
        msg = messages_batches.rfq_batch_best_quotes(self.exchange.batches, b)
        self.hub.publish_private("communications", "rfq_batch_best_quotes", msg, b.user_id, None)

    def _event_fee_update(self, e: EventFeeUpdate) -> None:
        msg = messages.event_fee_update(
            e.event_ticker, e.fee_type_override, e.fee_multiplier_override
        )
        self.hub.publish("market_lifecycle_v2", "event_fee_update", msg)

    def _last_size(self, ticker: str) -> Decimal:
        """Size of the market's last trade (read from the engine: also right for trades made
        while nobody subscribed, and after a restart)."""
        t = self.exchange.last_trade(ticker)
        return t.count if t is not None else Decimal(0)

    def _contracts_traded(self, p: Any) -> Decimal:
        """`volume_fp` counts contracts, which positions do not keep: summed from the user's
        fills once, then kept current from fill events."""
        key = (p.user_id, p.subaccount, p.ticker)
        if key not in self._volume:
            fills = [
                f
                for historical in (False, True)
                for f in self.exchange.list_fills(
                    p.user_id, ticker=p.ticker, subaccount=p.subaccount, historical=historical
                )
            ]
            self._volume[key] = sum((f.count for f in fills), Decimal(0))
        return self._volume[key]

    # ---- MarketView

    def has_feed(self, user_id: str, channel: str) -> bool:
        return self.exchange.grants.has_feed(user_id, channel)

    def book(self, ticker: str):
        try:
            return self.exchange.book(ticker)
        except EngineError:
            return [], []

    def ticker_msg(self, ticker: str) -> dict[str, Any] | None:
        m = self.exchange.markets.get(ticker)
        if m is None:
            return None
        return messages.ticker(m, self.exchange.now(), self._last_size(ticker))

    def ticker_for_id(self, market_id: str) -> str | None:
        if market_id not in self._ids:
            self._ids = {messages.market_id(t): t for t in self.exchange.markets}
        return self._ids.get(market_id)
