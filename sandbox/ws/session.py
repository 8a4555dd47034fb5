"""One connection's command protocol: subscribe, unsubscribe, list_subscriptions,
update_subscription, with the AsyncAPI's replies and numeric error codes.

Replies and snapshots go to the connection's sink in the order they are produced, and nothing
here awaits, so a `subscribed` reply always precedes the first data message of its subscription
and a snapshot is exactly consistent with the deltas that follow it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from sandbox.ws import indexes, messages, wire
from sandbox.ws.channels import CHANNELS
from sandbox.ws.hub import Hub, Sink, Subscription

ACTIONS = ("add_markets", "delete_markets", "get_snapshot")
_TICKER_KEYS = ("market_ticker", "market_tickers")

# Market-list limits, answered with AsyncAPI error 26 ("Subscription market limit exceeded").
# Kalshi publishes no per-subscription number; per connection it allows 500,000 market
# subscriptions (API changelog, 2026-06-18). Ours are lower on purpose: every subscribed ticker
# costs memory and index work in this single process, and no script needs more.
MAX_MARKETS_PER_SUBSCRIPTION = 10_000
MAX_MARKETS_PER_CONNECTION = 50_000
_ID_KEYS = ("market_id", "market_ids")


class MarketView(Protocol):
    """What the protocol reads from the exchange for snapshots."""

    def book(self, ticker: str) -> tuple[list[tuple[Decimal, Decimal]], list]:
        """(YES bids, NO bids) as (price, size) pairs; both empty for an unknown market."""
        ...

    def ticker_msg(self, ticker: str) -> dict[str, Any] | None: ...

    def ticker_for_id(self, market_id: str) -> str | None: ...

    def has_feed(self, user_id: str, channel: str) -> bool:
        """Whether the user holds the paid data feed behind `channel` (pyth_value)."""
        ...


# Channels only accounts with a paid data subscription may join. Kalshi: "The Pyth data feed
# costs $1,000/month" (AsyncAPI 3.34.0, channel pyth_value, "Access and pricing"). What live
# answers an account without it is not documented (Kalshi's docs, changelog and client issues
# searched, Nov 2026); the answer here is the AsyncAPI's own channel-specific error, code 10
# "Channel error", to the whole subscribe command, before any subscription is made.
PAID = ("pyth_value",)


class CommandError(Exception):
    def __init__(self, code: int, **extra: Any):
        super().__init__(wire.ERRORS[code])
        self.code = code
        self.extra = extra


class Session:
    def __init__(self, hub: Hub, sink: Sink, view: MarketView, user_id: str = ""):
        self.hub = hub
        self.sink = sink
        self.view = view
        self.user_id = user_id
        self.subs: dict[int, Subscription] = {}
        self._next_sid = 1
        self._commands: dict[str, Callable[[int | None, Any], None]] = {
            "subscribe": self.subscribe,
            "unsubscribe": self.unsubscribe,
            "list_subscriptions": self.list_subscriptions,
            "update_subscription": self.update_subscription,
        }

    def handle(self, text: str) -> None:
        """Process one client text frame; every failure becomes an `error` reply."""
        cmd_id: int | None = None
        try:
            try:
                cmd = json.loads(text)
            except (ValueError, RecursionError):  # RecursionError: nested too deep
                raise CommandError(1) from None
            if not isinstance(cmd, dict):
                raise CommandError(1)
            raw_id = cmd.get("id")
            if isinstance(raw_id, int) and not isinstance(raw_id, bool) and raw_id > 0:
                cmd_id = raw_id
            handler = self._commands.get(cmd.get("cmd"))  # type: ignore[arg-type]
            if handler is None:
                raise CommandError(5)
            handler(cmd_id, cmd.get("params"))
        except CommandError as exc:
            self.sink.send(wire.error(cmd_id, exc.code, **exc.extra))

    def lose_feed(self, channel: str) -> int:
        """The user lost the paid feed behind `channel` (revoked through the control plane):
        end its subscriptions there now. What Kalshi sends when an entitlement lapses mid-stream
        is not documented (AsyncAPI 3.34.0 and docs searched, Nov 2026); each subscription gets
        the error its subscribe would now get, code 10 "Channel error", scoped by its `sid`
        (the AsyncAPI's subscription-scoped error form), and sends nothing more."""
        ended = [sub for sub in self.subs.values() if sub.channel.name == channel]
        for sub in ended:
            del self.subs[sub.sid]
            self.hub.detach(sub)
            seq = sub.next_seq()
            extra = {"sid": sub.sid} if seq is None else {"sid": sub.sid, "seq": seq}
            self.sink.send(wire.error(None, 10, **extra))
        return len(ended)

    def close(self) -> None:
        for sub in self.subs.values():
            self.hub.detach(sub)
        self.subs.clear()

    # ---- commands

    def subscribe(self, cmd_id: int | None, params: Any) -> None:
        if not isinstance(params, dict):
            raise CommandError(2)
        names = params.get("channels")
        if not isinstance(names, list) or not names:
            raise CommandError(3)
        if not all(isinstance(n, str) and n in CHANNELS for n in names):
            raise CommandError(8)
        own_only = False
        if "communications" in names:
            _check_shards(params)
            user_filter = params.get("user_filter")
            if user_filter not in (None, "", "self"):
                raise CommandError(11)
            own_only = user_filter == "self"
        for name in PAID:
            if name in names:
                _index_call(indexes.initial, name, params)  # malformed ids: 11 first
                if not self.view.has_feed(self.user_id, name):
                    raise CommandError(10)
        tickers = self._tickers(params, by_id=False)
        ticker_ids = self._tickers(params, by_id=True)
        for name in names:
            if CHANNELS[name].markets == "required" and not tickers:
                raise CommandError(14)
        opts = {
            "use_yes_price": _flag(params, "use_yes_price"),
            "skip_ticker_ack": _flag(params, "skip_ticker_ack"),
        }
        channel_opts = {"communications": {"own_only": own_only}}
        initial = _flag(params, "send_initial_snapshot")
        existing = {s.channel.name: s for s in self.subs.values()}
        self._check_room(
            [
                (existing.get(n), ticker_ids if CHANNELS[n].by_id else tickers)
                for n in dict.fromkeys(names)
                if CHANNELS[n].markets != "ignored"
            ]
        )
        for name in dict.fromkeys(names):
            channel = CHANNELS[name]
            wanted = ticker_ids if channel.by_id else tickers
            keys = _ID_KEYS + _TICKER_KEYS if channel.by_id else _TICKER_KEYS
            # A filter that names no known market matches nothing (not everything).
            filtered = channel.markets != "ignored" and any(k in params for k in keys)
            if not filtered:
                wanted = []
            if name in indexes.AVAILABLE:  # index channels filter by index_ids instead
                following = _index_call(indexes.initial, name, params)
                filtered, wanted = following is not None, sorted(following or ())
            sub = existing.get(name)
            if sub is not None:  # re-subscribing adds markets to the existing subscription
                self.sink.send(
                    wire.reply("subscribed", cmd_id, msg={"channel": name, "sid": sub.sid})
                )
                self._after_add(sub, self.hub.add_markets(sub, wanted), initial)
                continue
            sub = Subscription(
                self._next_sid,
                channel,
                self.sink,
                set(wanted) if filtered else None,
                **opts,
                **channel_opts.get(name, {}),
            )
            self._next_sid += 1
            self.subs[sub.sid] = sub
            self.sink.send(wire.reply("subscribed", cmd_id, msg={"channel": name, "sid": sub.sid}))
            self.hub.attach(sub)
            self._after_add(sub, list(dict.fromkeys(wanted)), initial)

    def unsubscribe(self, cmd_id: int | None, params: Any) -> None:
        if not isinstance(params, dict):
            raise CommandError(2)
        sids = params.get("sids")
        if not isinstance(sids, list) or not sids:
            raise CommandError(4)
        for sid in sids:
            sub = self.subs.pop(sid, None) if isinstance(sid, int) else None
            if sub is None:
                self.sink.send(
                    wire.error(cmd_id, 7, sid=sid)
                    if isinstance(sid, int)
                    else wire.error(cmd_id, 11)
                )
                continue
            self.hub.detach(sub)
            self.sink.send(wire.reply("unsubscribed", cmd_id, sid=sub.sid, seq=sub.seq + 1))

    def list_subscriptions(self, cmd_id: int | None, params: Any) -> None:
        listing = [{"channel": s.channel.name, "sid": s.sid} for s in self.subs.values()]
        self.sink.send(wire.reply("ok", cmd_id, msg=listing))

    def update_subscription(self, cmd_id: int | None, params: Any) -> None:
        if not isinstance(params, dict):
            raise CommandError(2)
        action = params.get("action")
        if not action:
            raise CommandError(15)
        sub = self.subs.get(_one_sid(params))
        if sub is None:
            raise CommandError(7, sid=_one_sid(params))
        if sub.channel.name in indexes.AVAILABLE:
            self.sink.send(_index_call(indexes.update, self.hub, sub, cmd_id, params))
            return
        if action not in ACTIONS or sub.channel.markets == "ignored":
            raise CommandError(13, sid=sub.sid)
        if action == "get_snapshot" and not sub.channel.snapshot:
            raise CommandError(13, sid=sub.sid)
        tickers = self._tickers(params, by_id=sub.channel.by_id)
        if not tickers:
            raise CommandError(14, sid=sub.sid)
        if action == "get_snapshot":
            missing = [t for t in tickers if sub.tickers is not None and t not in sub.tickers]
            if missing:
                raise CommandError(11, sid=sub.sid, market_tickers=missing)
            for t in tickers:
                self._send_snapshot(sub, t, cmd_id)
            return
        if action == "add_markets":
            self._check_room([(sub, tickers)])
            added = self.hub.add_markets(sub, tickers)
        else:
            added = []
            self.hub.delete_markets(sub, tickers)
        fields: dict[str, Any] = {"sid": sub.sid}
        if sub.channel.sequenced:
            fields["seq"] = max(sub.seq, 1)
        if not sub.skip_ticker_ack:
            fields["msg"] = {"market_tickers": sorted(sub.tickers or ())}
        self.sink.send(wire.reply("ok", cmd_id, **fields))
        self._after_add(sub, added, _flag(params, "send_initial_snapshot"))

    # ---- helpers

    def _check_room(self, adds: list[tuple[Subscription | None, list[str]]]) -> None:
        """Error 26 before anything changes if the markets would exceed a limit."""
        total = sum(len(s.tickers or ()) for s in self.subs.values())
        for sub, tickers in adds:
            if sub is not None and sub.tickers is None:
                continue  # an unfiltered subscription adds no markets
            have = sub.tickers if sub is not None and sub.tickers is not None else set()
            new = len(set(tickers) - have)
            if len(have) + new > MAX_MARKETS_PER_SUBSCRIPTION:
                raise CommandError(26)
            total += new
        if total > MAX_MARKETS_PER_CONNECTION:
            raise CommandError(26)

    def _after_add(self, sub: Subscription, tickers: list[str], initial: bool) -> None:
        """Initial data for markets just added: a book snapshot on orderbook_delta, the current
        ticker on `ticker` when `send_initial_snapshot` was asked for."""
        if sub.channel.name == "orderbook_delta":
            for t in tickers:
                self._send_snapshot(sub, t, None)
        elif sub.channel.name == "ticker" and initial:
            sent = wire.now_ms()
            for t in tickers:
                msg = self.view.ticker_msg(t)
                if msg is not None:
                    sub.deliver("ticker", wire.body(msg), sent)

    def _send_snapshot(self, sub: Subscription, ticker: str, cmd_id: int | None) -> None:
        yes, no = self.view.book(ticker)
        msg = messages.orderbook_snapshot(
            ticker, self.hub.clock(ticker), yes, no, use_yes_price=sub.use_yes_price
        )
        out: dict[str, Any] = {"type": "orderbook_snapshot"}
        if cmd_id:
            out["id"] = cmd_id
        out.update(sid=sub.sid, seq=sub.next_seq(), msg=msg, sending_ts_ms=wire.now_ms())
        self.sink.send(wire.dumps(out))

    def _tickers(self, params: dict[str, Any], by_id: bool) -> list[str]:
        """Market tickers named by market_ticker(s), plus, where ids are accepted,
        market_id(s) resolved to tickers. Malformed values are error 11."""
        out: list[str] = []
        for key in _TICKER_KEYS + (_ID_KEYS if by_id else ()):
            val = params.get(key)
            if val is None:
                continue
            items = val if key.endswith("s") else [val]
            if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items):
                raise CommandError(11)
            if len(items) > MAX_MARKETS_PER_SUBSCRIPTION:  # refused before any work on the list
                raise CommandError(26)
            if key.startswith("market_id"):
                items = [t for t in map(self.view.ticker_for_id, items) if t is not None]
            out.extend(items)
        return list(dict.fromkeys(out))


def _index_call(fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except indexes.IndexCommandError as exc:
        extra = {} if exc.sid is None else {"sid": exc.sid}
        raise CommandError(exc.code, **extra) from None


def _flag(params: dict[str, Any], name: str) -> bool:
    val = params.get(name, False)
    if not isinstance(val, bool):
        raise CommandError(11)
    return val


def _one_sid(params: dict[str, Any]) -> int:
    """update_subscription names exactly one subscription, by `sid` or a one-item `sids`."""
    has_sid, has_sids = "sid" in params, "sids" in params
    if has_sid == has_sids:
        raise CommandError(12)
    if has_sid:
        sid = params["sid"]
    else:
        sids = params["sids"]
        if not isinstance(sids, list) or len(sids) != 1:
            raise CommandError(12)
        sid = sids[0]
    if not isinstance(sid, int) or isinstance(sid, bool):
        raise CommandError(11)
    return sid


def _check_shards(params: dict[str, Any]) -> None:
    factor, key = params.get("shard_factor"), params.get("shard_key")
    if key is not None and factor is None:
        raise CommandError(20)
    if factor is not None:
        if not isinstance(factor, int) or factor <= 0:
            raise CommandError(19)
        if factor > 100:
            raise CommandError(22)
        if key is not None and (not isinstance(key, int) or not 0 <= key < factor):
            raise CommandError(21)
