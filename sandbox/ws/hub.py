"""Routing of published messages to subscriptions, and the per-subscription sequence numbers.

The hub indexes subscriptions by (channel, market) for public data and by user for private
data, so delivering one event touches only the subscriptions that want it. Each message body is
serialized once (`wire.body`); per subscriber only the envelope with its `sid`/`seq` is
formatted. `Sink.send` never blocks (connections queue and drop clients that fall behind), so
publishing is synchronous and can run straight from the engine's listener.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from sandbox.ws import messages, wire
from sandbox.ws.channels import Channel


class Sink(Protocol):
    """One client connection as the hub sees it."""

    user_id: str
    subaccount: int | None  # a subaccount-restricted key's subaccount (None: all of them)

    def send(self, text: str) -> None: ...


@dataclass(eq=False, slots=True)
class Subscription:
    sid: int
    channel: Channel
    sink: Sink
    tickers: set[str] | None = None  # None: every market
    use_yes_price: bool = False
    skip_ticker_ack: bool = False
    own_only: bool = False  # communications `user_filter: "self"`: only your RFQs and batches
    seq: int = 0

    def next_seq(self) -> int | None:
        """The next `seq` on a sequenced channel (None on unsequenced ones)."""
        if not self.channel.sequenced:
            return None
        self.seq += 1
        return self.seq

    def wants(self, ticker: str | None) -> bool:
        return self.tickers is None or ticker is None or ticker in self.tickers

    def deliver(self, kind: str, msg_json: str, sent_ms: int) -> None:
        self.sink.send(wire.frame(kind, self.sid, self.next_seq(), msg_json, sent_ms))


@dataclass
class Hub:
    """`seq_gap_rate` (fault injection) skips a `seq` on that share of orderbook deltas."""

    seq_gap_rate: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    _by_market: dict[str, dict[str, set[Subscription]]] = field(
        init=False, default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    _all_markets: dict[str, set[Subscription]] = field(
        init=False, default_factory=lambda: defaultdict(set)
    )
    _by_user: dict[str, set[Subscription]] = field(
        init=False, default_factory=lambda: defaultdict(set)
    )
    _clock: dict[str, int] = field(init=False, default_factory=lambda: defaultdict(int))

    # ---- subscription index

    def attach(self, sub: Subscription) -> None:
        if sub.channel.private:
            self._by_user[sub.sink.user_id].add(sub)
        elif sub.tickers is None:
            self._all_markets[sub.channel.name].add(sub)
        else:
            for t in sub.tickers:
                self._by_market[sub.channel.name][t].add(sub)

    def detach(self, sub: Subscription) -> None:
        if sub.channel.private:
            subs = self._by_user.get(sub.sink.user_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._by_user[sub.sink.user_id]
        elif sub.tickers is None:
            self._all_markets[sub.channel.name].discard(sub)
        else:
            self._drop_markets(sub, sub.tickers)

    def add_markets(self, sub: Subscription, tickers: Iterable[str]) -> list[str]:
        """Extend a filtered subscription; returns the tickers that were new to it."""
        if sub.tickers is None:
            return []
        new = [t for t in dict.fromkeys(tickers) if t not in sub.tickers]
        sub.tickers.update(new)
        if not sub.channel.private:
            for t in new:
                self._by_market[sub.channel.name][t].add(sub)
        return new

    def delete_markets(self, sub: Subscription, tickers: Iterable[str]) -> None:
        if sub.tickers is None:
            return
        gone = [t for t in tickers if t in sub.tickers]
        sub.tickers.difference_update(gone)
        if not sub.channel.private:
            self._drop_markets(sub, gone)

    def _drop_markets(self, sub: Subscription, tickers: Iterable[str]) -> None:
        index = self._by_market[sub.channel.name]
        for t in tickers:
            subs = index.get(t)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del index[t]

    def subscribers(self, channel: str, ticker: str | None) -> list[Subscription]:
        """Public-channel subscriptions that want a message about `ticker`."""
        subs = list(self._all_markets.get(channel, ()))
        if ticker is not None:
            index = self._by_market.get(channel)
            if index:
                subs.extend(index.get(ticker, ()))
        return subs

    def listens(self, channel: str, ticker: str | None) -> bool:
        """Someone may want a public message about `ticker` (cheap: a bridge asks before it
        builds the message)."""
        if self._all_markets.get(channel):
            return True
        index = self._by_market.get(channel)
        return ticker is not None and index is not None and bool(index.get(ticker))

    def listens_private(self, channel: str, user_id: str) -> bool:
        """`user_id` has a subscription to the private `channel` (a superset of who gets a
        message: `private_subscribers` then filters by market and subaccount)."""
        return any(s.channel.name == channel for s in self._by_user.get(user_id, ()))

    def private_subscribers(
        self, channel: str, user_id: str, ticker: str | None, subaccount: int = 0
    ) -> list:
        """`user_id`'s subscriptions to `channel`; a connection made with a subaccount-
        restricted key hears only about that subaccount."""
        return [
            s
            for s in self._by_user.get(user_id, ())
            if s.channel.name == channel
            and s.wants(ticker)
            and s.sink.subaccount in (None, subaccount)
        ]

    def private_channel_users(self, channel: str) -> list[str]:
        """Users with a subscription to the private `channel` (per-recipient broadcasts such
        as rfq_created, whose body depends on who reads it)."""
        return [
            u for u, subs in self._by_user.items() if any(s.channel.name == channel for s in subs)
        ]

    def watched(self) -> list[str]:
        """Markets someone follows by name on a market-data channel (the simulator favours
        them so their streams come alive quickly)."""
        out: set[str] = set()
        for name in ("orderbook_delta", "ticker", "trade"):
            out.update(self._by_market.get(name, ()))
        return sorted(out)

    def counts(self) -> dict[str, int]:
        """Number of live subscriptions per channel (for list/diagnostics)."""
        out: dict[str, int] = defaultdict(int)
        for name, subs in self._all_markets.items():
            out[name] += len(subs)
        for name, index in self._by_market.items():
            out[name] += len({s for subs in index.values() for s in subs})
        for subs in self._by_user.values():
            for s in subs:
                out[s.channel.name] += 1
        return dict(out)

    # ---- publishing

    def publish(self, channel: str, kind: str, msg: dict[str, Any], ticker: str | None = None):
        """A public message (ticker, trade, lifecycle) to every interested subscription."""
        subs = self.subscribers(channel, ticker)
        if subs:
            msg_json, sent = wire.body(msg), wire.now_ms()
            for sub in subs:
                sub.deliver(kind, msg_json, sent)

    def publish_private(
        self,
        channel: str,
        kind: str,
        msg: dict[str, Any],
        user_id: str,
        ticker: str | None,
        subaccount: int = 0,
        others: bool = False,
    ) -> None:
        """A message that only `user_id`'s own connections may see (about `subaccount`).
        `others`: it is about someone else's RFQ, which own-only subscriptions skip."""
        subs = self.private_subscribers(channel, user_id, ticker, subaccount)
        if others:
            subs = [s for s in subs if not s.own_only]
        if subs:
            msg_json, sent = wire.body(msg), wire.now_ms()
            for sub in subs:
                sub.deliver(kind, msg_json, sent)

    def clock(self, ticker: str) -> int:
        """The market's exchange clock: the number of book changes published so far."""
        return self._clock.get(ticker, 0)

    def publish_book_delta(
        self,
        ticker: str,
        side: str,
        level_price: Decimal,
        delta: Decimal,
        ts_ms: int,
        owner: str | None = None,
        client_order_id: str | None = None,
        subaccount: int = 0,
    ) -> None:
        """One level change. Up to four bodies exist (yes/no pricing x the owner's variant with
        its `client_order_id`); each is serialized at most once."""
        self._clock[ticker] += 1
        subs = self.subscribers("orderbook_delta", ticker)
        if not subs:
            return
        clock = self._clock[ticker]
        cache: dict[tuple[bool, bool], str] = {}
        sent = wire.now_ms()
        for sub in subs:
            mine = owner is not None and sub.sink.user_id == owner and bool(client_order_id)
            key = (sub.use_yes_price and side == "no", mine)
            msg_json = cache.get(key)
            if msg_json is None:
                msg_json = cache[key] = wire.body(
                    messages.orderbook_delta(
                        ticker,
                        clock,
                        side,
                        level_price,
                        delta,
                        ts_ms,
                        use_yes_price=key[0],
                        client_order_id=client_order_id if mine else None,
                        subaccount=subaccount if mine else None,
                    )
                )
            if self.seq_gap_rate and self.rng.random() < self.seq_gap_rate:
                sub.seq += 1  # fault: this seq is never sent
            sub.deliver("orderbook_delta", msg_json, sent)
