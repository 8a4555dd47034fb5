"""A local copy of order books, kept current from the `orderbook_delta` WebSocket channel.

A Kalshi book has two sides, and both hold *bids*: YES bids and NO bids. A NO bid at p is an offer
to sell YES at 1 - p, so the best YES ask is 1 - the best NO bid. The channel sends one
`orderbook_snapshot` per market (every level of both sides; a side with no orders is left out),
then `orderbook_delta` messages: "the size resting at (side, price) changed by delta_fp".

`seq` counts messages on one subscription (`sid`). A hole in it means a lost message, and the
book can no longer be trusted: `Books.apply` reports it so the caller can ask for a fresh snapshot
(`update_subscription` with `action: get_snapshot`, or a new subscription). Prices and sizes are
`Decimal`, never floats, so sizes add up exactly and a level that reaches zero is removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from auth.fmt import qty, usd

ZERO = Decimal(0)
ONE = Decimal(1)

Levels = dict[Decimal, Decimal]  # price -> resting size


_PRICES: dict[str, Decimal] = {}  # bounded: at most 10,000 ticks between $0 and $1


def _price(text: str) -> Decimal:
    """Decimal(text), cached: parsing and hashing a Decimal is the costly part of a delta."""
    price = _PRICES.get(text)
    if price is None:
        price = _PRICES[text] = Decimal(text)
    return price


def _levels(pairs: list[list[str]] | None) -> Levels:
    """{price: size} from [["0.5600", "10.00"], ...] (snapshot and REST format), zeros dropped."""
    levels = {Decimal(price): Decimal(size) for price, size in pairs or ()}
    return {price: size for price, size in levels.items() if size > 0}


@dataclass(frozen=True)
class Top:
    """The top of a book in YES terms. A missing side is None."""

    yes_bid: Decimal | None
    yes_bid_size: Decimal | None
    yes_ask: Decimal | None  # 1 - best NO bid
    yes_ask_size: Decimal | None

    @property
    def spread(self) -> Decimal | None:
        if self.yes_bid is None or self.yes_ask is None:
            return None
        return self.yes_ask - self.yes_bid


@dataclass
class Book:
    """Both sides of one market. `yes` and `no` map a bid price to the size resting there."""

    ticker: str
    yes: Levels = field(default_factory=dict)
    no: Levels = field(default_factory=dict)
    clock: int = 0  # exchange clock of the newest change applied

    def load(self, msg: dict[str, Any]) -> None:
        """Replace everything with an `orderbook_snapshot` payload."""
        self.yes = _levels(msg.get("yes_dollars_fp"))
        self.no = _levels(msg.get("no_dollars_fp"))
        self.clock = msg.get("clock") or 0

    def apply(self, msg: dict[str, Any]) -> bool:
        """Apply an `orderbook_delta` payload. False if it cannot fit this book (a level would go
        below zero): the book has missed something and needs a new snapshot."""
        levels = self.yes if msg["side"] == "yes" else self.no
        price = _price(msg["price_dollars"])
        size = levels.get(price, ZERO) + Decimal(msg["delta_fp"])
        if size > ZERO:
            levels[price] = size
        else:
            levels.pop(price, None)
        self.clock = msg.get("clock") or self.clock
        return size >= ZERO

    def top(self) -> Top:
        yes_bid = max(self.yes, default=None)
        no_bid = max(self.no, default=None)
        return Top(
            yes_bid,
            self.yes.get(yes_bid) if yes_bid is not None else None,
            ONE - no_bid if no_bid is not None else None,
            self.no.get(no_bid) if no_bid is not None else None,
        )

    def depth(self, side: str, n: int = 5) -> list[tuple[Decimal, Decimal]]:
        """The n best (price, size) levels of one side ("yes" or "no"), best first."""
        levels = self.yes if side == "yes" else self.no
        return sorted(levels.items(), reverse=True)[:n]

    def diff(self, orderbook_fp: dict[str, Any]) -> list[str]:
        """Differences from the REST `orderbook_fp` ({yes_dollars, no_dollars}); [] if equal.
        REST level order is not guaranteed (docs and spec disagree), so compare as maps."""
        out = []
        for side, mine in (("yes", self.yes), ("no", self.no)):
            rest = _levels(orderbook_fp.get(f"{side}_dollars"))
            for price in sorted(mine.keys() | rest.keys()):
                here, there = mine.get(price), rest.get(price)
                if here != there:
                    out.append(
                        f"{side} {usd(price)}: local {qty(here or 0)}, REST {qty(there or 0)}"
                    )
        return out


@dataclass(frozen=True)
class Resync:
    """Why some books can no longer be trusted and need a fresh snapshot, as a value:
    `kind` is "seq_gap" (messages last_seq+1 .. seq-1 of subscription `sid` were lost),
    "no_snapshot" (a delta before its market's snapshot) or "below_zero" (a delta that would
    take a level negative); `tickers` are the books to resync."""

    kind: str
    sid: int | None
    tickers: tuple[str, ...]
    last_seq: int | None = None
    seq: int | None = None
    side: str | None = None

    @property
    def missed(self) -> int:
        """How many messages a seq gap lost (0 for the other kinds)."""
        if self.last_seq is None or self.seq is None:
            return 0
        return self.seq - self.last_seq - 1

    def __str__(self) -> str:
        if self.kind == "seq_gap":
            return f"seq gap on sid {self.sid}: {self.last_seq} -> {self.seq}"
        if self.kind == "no_snapshot":
            return f"delta for {self.tickers[0]} before its snapshot"
        return f"delta takes {self.tickers[0]} {self.side} below zero"


class Books:
    """Every book of an `orderbook_delta` subscription, with `seq` checked per `sid`.

    `apply(envelope)` takes each message as it arrives and returns None when all is well, or a
    sentence saying why the books need a resync (seq gap, a delta without a snapshot, a level
    below zero). Until a market's next snapshot arrives its deltas are skipped (`resyncing`)."""

    def __init__(self) -> None:
        self.books: dict[str, Book] = {}
        self.last_seq: dict[int, int] = {}  # sid -> last seq seen
        self.sid_of: dict[str, int] = {}  # ticker -> the sid its snapshot came on
        self.resyncing: set[str] = set()  # tickers waiting for a snapshot
        self.gaps = 0
        self.stale = 0  # messages with an old seq (duplicates), skipped

    def apply(self, envelope: dict[str, Any]) -> Resync | None:
        kind = envelope.get("type")
        if kind == "orderbook_delta":
            return self._delta(envelope)
        if kind == "orderbook_snapshot":
            return self._snapshot(envelope)
        return None

    def _snapshot(self, envelope: dict[str, Any]) -> Resync | None:
        """A snapshot (re)starts its market's book and the sequence of its sid."""
        msg: dict[str, Any] = envelope["msg"]
        sid: Any = envelope.get("sid")  # ints on the wire; Any: the envelope is untyped JSON
        seq: Any = envelope.get("seq")
        ticker = msg["market_ticker"]
        last = self.last_seq.get(sid)
        self.last_seq[sid] = seq
        self.sid_of[ticker] = sid
        self.books.setdefault(ticker, Book(ticker)).load(msg)
        self.resyncing.discard(ticker)
        others = [t for t in self._tickers(sid) if t != ticker]
        if seq is not None and last is not None and seq > last + 1 and others:
            return self._gap(sid, last, seq, others)  # a message for another market was lost
        return None

    def _delta(self, envelope: dict[str, Any]) -> Resync | None:
        msg: dict[str, Any] = envelope["msg"]
        sid: Any = envelope.get("sid")  # ints on the wire; Any: the envelope is untyped JSON
        seq: Any = envelope.get("seq")
        ticker = msg["market_ticker"]
        last = self.last_seq.get(sid)
        if seq is not None and last is not None:
            if seq <= last:  # a duplicate, or older than what we have
                self.stale += 1
                return None
            if seq != last + 1:
                self.last_seq[sid] = seq
                return self._gap(sid, last, seq, self._tickers(sid) or [ticker])
        self.last_seq[sid] = seq
        if ticker in self.resyncing:
            return None
        book = self.books.get(ticker)
        if book is None:
            return self._resync(Resync("no_snapshot", sid, (ticker,)))
        if not book.apply(msg):
            return self._resync(Resync("below_zero", sid, (ticker,), side=msg["side"]))
        return None

    def _tickers(self, sid: int | None) -> list[str]:
        return [t for t, s in self.sid_of.items() if s == sid]

    def _gap(self, sid: int | None, last: int, seq: int, tickers: list[str]) -> Resync:
        """The lost message may have been about any market of this subscription."""
        self.gaps += 1
        return self._resync(Resync("seq_gap", sid, tuple(tickers), last_seq=last, seq=seq))

    def _resync(self, why: Resync) -> Resync:
        """Mark books as waiting for a snapshot (their deltas are skipped until it comes)."""
        self.resyncing.update(why.tickers)
        return why

    def forget_sids(self) -> None:
        """After a reconnect the server numbers subscriptions afresh."""
        self.last_seq.clear()
