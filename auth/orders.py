"""Plumbing for the scripts that write (05_orders, 06_batch_operations, 07_order_groups).

Three things every writing script needs and none of them teaches:

- `new_client_order_id()`: a fresh UUID for every create, so a retried request cannot
  double-fill (a duplicate answers 409 `order_already_exists`).
- `Market.load(ticker)`: the market's price grid and top of book, and `resting_price(side)`,
  a legal price on the grid where an order rests without filling (a bid at the lowest tick,
  an ask at the highest), checked against the book.
- `Cleanup`: a context manager that cancels the orders and deletes the order groups a script
  created when the `with` block ends for any reason (normal end, API error, Ctrl+C). With
  `--keep` it leaves them and prints how to remove them later.

The API call a script is about stays in the script; only the safety net lives here.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from auth.client import raw_delete, raw_get
from auth.errors import KalshiError
from auth.fmt import dec, usd
from auth.markets import PriceGrid


def new_client_order_id() -> str:
    """A fresh client_order_id (UUID4). Send one with every create."""
    return str(uuid.uuid4())


def price_str(price: Decimal) -> str:
    """A request price: a dollar string with 4 decimals ("0.0100"), the spec's own format."""
    return f"{price:.4f}"


def count_str(count: Decimal | int) -> str:
    """A request count: a fixed-point string with 2 decimals ("5.00")."""
    return f"{Decimal(count):.2f}"


@dataclass(frozen=True)
class Market:
    """One market's price grid and top of book (best YES bid, best YES ask), read once."""

    ticker: str
    title: str
    grid: PriceGrid
    best_bid: Decimal | None  # highest YES bid
    best_ask: Decimal | None  # lowest YES ask = 1 - highest NO bid
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def load(cls, ticker: str) -> Market:
        market = raw_get(f"/markets/{ticker}")["market"]
        book = raw_get(f"/markets/{ticker}/orderbook")["orderbook_fp"]
        # Levels are [price, count] string pairs; sort-independent: take the best by value.
        yes_bids = [dec(p) for p, _ in book.get("yes_dollars") or []]
        no_bids = [dec(p) for p, _ in book.get("no_dollars") or []]
        return cls(
            ticker=market["ticker"],
            title=market.get("title") or market.get("yes_sub_title") or "",
            grid=PriceGrid.from_market(market),
            best_bid=max(yes_bids) if yes_bids else None,
            best_ask=1 - max(no_bids) if no_bids else None,
            raw=market,
        )

    def resting_price(self, side: str, ticks_in: int = 0) -> Decimal:
        """A YES price where an order on `side` ("bid"/"ask") rests without filling: the
        lowest tick for a bid, the highest for an ask (or `ticks_in` ticks further inside),
        refused if the book reaches it."""
        grid = self.grid
        if side == "bid":
            price = grid.lowest
            for _ in range(ticks_in):
                price += grid.step_at(price)
            crosses = self.best_ask is not None and self.best_ask <= price
        else:
            price = grid.highest
            for _ in range(ticks_in):
                price -= grid.step_at(price)
            crosses = self.best_bid is not None and self.best_bid >= price
        if crosses:
            raise KalshiError(
                409,
                "book_at_edge",
                f"the book of {self.ticker} reaches ${price}, so a {side} there could fill",
                hint="pass --ticker with another market",
            )
        return price

    def describe_book(self) -> str:
        bid = usd(self.best_bid) if self.best_bid is not None else "none"
        ask = usd(self.best_ask) if self.best_ask is not None else "none"
        return f"best YES bid {bid}, best YES ask {ask}; grid {self.grid.describe()}"


def print_fields(pairs: list[tuple[str, Any]], say: Callable[..., None] = print) -> None:
    """Aligned `  name  value` lines ('-' for None), printed with `say`."""
    width = max((len(name) for name, _ in pairs), default=0)
    for name, value in pairs:
        say(f"  {name.ljust(width)}  {'-' if value is None else value}")


@dataclass
class Cleanup:
    """Cancels tracked orders and deletes tracked order groups when the `with` block ends.

        with Cleanup.for_args(args) as cleanup:  # honours --keep (and --json)
            resp = client.create_order_v2(**body)
            cleanup.order(resp.order_id, ticker)

    Orders that are already gone (filled, cancelled by the script or by a group) are skipped
    quietly; anything else that fails is reported on stderr and does not hide the original
    error. Cancels cost 2 write tokens each, group deletes the default 10.
    """

    keep: bool = False
    out: Any = None  # stream for the summary (stderr under --json); None = stdout
    orders: dict[str, str] = field(default_factory=dict)  # order_id -> market ticker
    groups: list[str] = field(default_factory=list)

    @classmethod
    def for_args(cls, args: Any) -> Cleanup:
        """From the common flags: --keep, and --json (messages then go to stderr)."""
        return cls(keep=args.keep, out=sys.stderr if getattr(args, "json", False) else None)

    def order(self, order_id: str, ticker: str) -> str:
        self.orders[order_id] = ticker
        return order_id

    def group(self, group_id: str) -> str:
        self.groups.append(group_id)
        return group_id

    def forget(self, object_id: str) -> None:
        """Stop tracking an order or group the script removed itself."""
        self.orders.pop(object_id, None)
        if object_id in self.groups:
            self.groups.remove(object_id)

    def __enter__(self) -> Cleanup:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self.orders and not self.groups:
            return
        if self.keep:
            self._explain()
            return
        orders = [self._quietly(self._cancel, oid, t) for oid, t in self.orders.items()]
        groups = [self._quietly(self._delete_group, gid) for gid in self.groups]
        parts = [f"{orders.count('done')} order(s) cancelled"] if orders else []
        parts += [f"{groups.count('done')} order group(s) deleted"] if groups else []
        gone = orders.count("gone") + groups.count("gone")
        parts += [f"{gone} already gone"] if gone else []
        print(f"\ncleanup: {', '.join(parts)} (pass --keep to leave them)", file=self.out)
        self.orders.clear()
        self.groups.clear()

    @staticmethod
    def _cancel(order_id: str, ticker: str) -> None:
        raw_delete(f"/portfolio/events/orders/{order_id}", market_ticker=ticker)

    @staticmethod
    def _delete_group(group_id: str) -> None:
        raw_delete(f"/portfolio/order_groups/{group_id}")

    @staticmethod
    def _quietly(action: Any, *ids: str) -> str:
        """Run one cleanup call: "done", "gone" (nothing left to remove) or "failed"."""
        try:
            action(*ids)
            return "done"
        except KeyboardInterrupt:
            print(f"cleanup interrupted: {ids[0]} may still exist", file=sys.stderr)
            return "failed"
        except KalshiError as exc:
            if already_gone(exc):
                return "gone"
            print(f"cleanup: could not remove {ids[0]}: {exc}", file=sys.stderr)
            return "failed"

    def _explain(self) -> None:
        print("\n--keep: left in place. To remove them later:", file=self.out)
        for order_id in self.orders:
            print(
                f"  uv run python 05_orders/06_cancel_order.py --order-id {order_id}", file=self.out
            )
        for group_id in self.groups:
            print(
                '  uv run python -c "import auth; '
                f"auth.raw_delete('/portfolio/order_groups/{group_id}')\"",
                file=self.out,
            )


def already_gone(exc: KalshiError) -> bool:
    """True if a cancel or delete failed only because the thing no longer exists."""
    text = f"{exc.code} {exc.message} {exc.details}".lower()
    return exc.status == 404 or (
        exc.status in (400, 409)
        and any(w in text for w in ("not_resting", "cancel", "executed", "not_found"))
    )


def endpoint_cost(costs: dict[str, Any], method: str, path: str) -> int:
    """Tokens one call of `method path` costs (per item, for the batch endpoints), from the
    answer of GET /account/endpoint_costs: {default_cost, endpoint_costs: [{method, path,
    cost}]}, which lists only the endpoints whose cost differs from the default."""
    for item in costs.get("endpoint_costs") or []:
        listed = str(item.get("path", "")).rstrip("/")
        if str(item.get("method", "")).upper() == method and listed.endswith(path):
            return int(item["cost"])
    return int(costs.get("default_cost", 10))
