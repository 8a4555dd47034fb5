"""Engine events -> "this part of the page changed" for each open web view.

`Feed` is an `Exchange.listeners` entry. It only says it wants events while a browser watches
(`wants_events`), so an unwatched exchange builds no event records for it. Each watcher marks
which of its parts (`directory`, `market`, `user`) went stale and wakes its stream, which
re-sends those parts at most a few times a second however busy the exchange is.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sandbox.engine import events as ev

PARTS = ("directory", "market", "user")


class Watcher:
    """One open stream: the market and user it shows, and which parts are stale."""

    def __init__(self, market: str | None, user: str | None):
        self.market = market
        self.user = user
        self.stale: set[str] = set(PARTS)  # the first send is a full snapshot
        self.wake = asyncio.Event()
        self.wake.set()

    def mark(self, part: str) -> None:
        self.stale.add(part)
        self.wake.set()

    def take(self) -> list[str]:
        """The stale parts, in page order; clears them."""
        self.wake.clear()
        parts = [p for p in PARTS if p in self.stale]
        self.stale.clear()
        return parts


def touched(event: Any) -> tuple[str | None, str | None, bool]:
    """(market ticker, user id, directory changed?) an engine event concerns."""
    match event:
        case ev.BookDelta(ticker=t):
            return t, None, False
        case ev.TradeEvent(trade=t):
            return t.ticker, None, False
        case ev.TickerUpdate(market=m):
            return m.ticker, None, False
        case ev.MarketLifecycle(market=m):
            return m.ticker, None, True
        case ev.EventLifecycle():
            return None, None, True
        case ev.OrderEvent(order=o):  # the book changes through the BookDelta beside it
            return None, o.user_id, False
        case ev.FillEvent(fill=f):
            return None, f.user_id, False
        case ev.PositionUpdate(position=p):
            return None, p.user_id, False
        case ev.OrderGroupUpdate(group=g):
            return None, g.user_id, False
    return None, None, False


class Feed:
    def __init__(self) -> None:
        self.watchers: set[Watcher] = set()
        self.known_users: set[str] = set()  # as last sent in a directory
        self.closing = False

    def wants_events(self) -> bool:
        return bool(self.watchers)

    def watch(self, market: str | None, user: str | None) -> Watcher:
        w = Watcher(market, user)
        self.watchers.add(w)
        return w

    def unwatch(self, w: Watcher) -> None:
        self.watchers.discard(w)

    def changed(self, *parts: str) -> None:
        """Changes no engine event tells (a reset, a user added): every open page re-reads
        `parts` (all of them by default)."""
        for w in self.watchers:
            w.stale.update(parts or PARTS)
            w.wake.set()

    def close(self) -> None:
        """Server shutdown: wake every stream so that it ends."""
        self.closing = True
        for w in self.watchers:
            w.wake.set()

    def __call__(self, event: Any) -> None:
        if not self.watchers:  # no page open: nothing to mark (the usual case under load)
            return
        ticker, user, directory = touched(event)
        if user is not None and user not in self.known_users:
            directory = True  # a user added meanwhile (e.g. `python -m sandbox add-user`)
        for w in self.watchers:
            if directory:
                w.mark("directory")
            if ticker is not None and ticker == w.market:
                w.mark("market")
            if user is not None and user == w.user:
                w.mark("user")
