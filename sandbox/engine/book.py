"""One market's YES order book: bids and asks by price, FIFO queues within a price level."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from decimal import Decimal

from .models import BID, Order
from .money import ONE, ZERO


class Book:
    """Price levels with time priority. Levels are dicts (insertion order = queue order)."""

    __slots__ = ("asks", "bids", "qty", "ticker")

    def __init__(self, ticker: str):
        self.ticker = ticker
        # side -> sorted ascending prices with at least one order; levels / quantities per price.
        self.bids: tuple[list[Decimal], dict[Decimal, dict[str, Order]]] = ([], {})
        self.asks: tuple[list[Decimal], dict[Decimal, dict[str, Order]]] = ([], {})
        self.qty: dict[str, dict[Decimal, Decimal]] = {"bid": {}, "ask": {}}

    def _side(self, side: str):
        return self.bids if side == BID else self.asks

    def add(self, order: Order) -> None:
        """Append at the back of its price level."""
        prices, levels = self._side(order.side)
        level = levels.get(order.price)
        qty = self.qty[order.side]
        if level is None:
            level = levels[order.price] = {}
            insort(prices, order.price)
            qty[order.price] = ZERO
        level[order.order_id] = order
        qty[order.price] += order.remaining_count

    def remove(self, order: Order, remaining: Decimal | None = None) -> None:
        """Take an order out; `remaining` is what it still counted for in the level total."""
        prices, levels = self._side(order.side)
        level = levels[order.price]
        del level[order.order_id]
        qty = self.qty[order.side]
        if not level:
            del levels[order.price]
            del qty[order.price]
            del prices[bisect_left(prices, order.price)]
        else:
            qty[order.price] -= order.remaining_count if remaining is None else remaining

    def reduce(self, order: Order, by: Decimal) -> None:
        """The order's remaining count dropped by `by` (caller updates the order itself)."""
        self.qty[order.side][order.price] -= by

    def best_bid(self) -> Decimal | None:
        return self.bids[0][-1] if self.bids[0] else None

    def best_ask(self) -> Decimal | None:
        return self.asks[0][0] if self.asks[0] else None

    def size_at(self, side: str, price: Decimal) -> Decimal:
        return self.qty[side].get(price, ZERO)

    def head_crossing(self, side: str, limit: Decimal) -> Order | None:
        """First resting order a taker on `side` at `limit` would trade with, or None."""
        if side == BID:
            prices, levels = self.asks
            if prices and prices[0] <= limit:
                return next(iter(levels[prices[0]].values()))
        else:
            prices, levels = self.bids
            if prices and prices[-1] >= limit:
                return next(iter(levels[prices[-1]].values()))
        return None

    def crossable(self, side: str, limit: Decimal) -> Decimal:
        """Contracts available to a taker on `side` at `limit` (for fill-or-kill)."""
        total = ZERO
        if side == BID:
            prices = self.asks[0]
            qty = self.qty["ask"]
            for p in prices:
                if p > limit:
                    break
                total += qty[p]
        else:
            prices = self.bids[0]
            qty = self.qty["bid"]
            for p in reversed(prices):
                if p < limit:
                    break
                total += qty[p]
        return total

    def crosses(self, side: str, price: Decimal) -> bool:
        if side == BID:
            a = self.best_ask()
            return a is not None and a <= price
        b = self.best_bid()
        return b is not None and b >= price

    def orders_at(self, side: str, price: Decimal) -> list[Order]:
        return list(self._side(side)[1].get(price, {}).values())

    def all_orders(self) -> Iterator[Order]:
        for _, levels in (self.bids, self.asks):
            for level in levels.values():
                yield from level.values()

    def ahead_of(self, order: Order) -> Decimal:
        """Contracts queued before `order` at its price (0-indexed queue position)."""
        level = self._side(order.side)[1].get(order.price, {})
        total = ZERO
        for oid, o in level.items():
            if oid == order.order_id:
                return total
            total += o.remaining_count
        return total

    def levels(self) -> tuple[list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        """(yes, no) aggregated levels ascending by price: YES bids, and asks as NO bids at 1-p."""
        yes = [(p, self.qty["bid"][p]) for p in self.bids[0]]
        no = [(ONE - p, self.qty["ask"][p]) for p in reversed(self.asks[0])]
        return yes, no
