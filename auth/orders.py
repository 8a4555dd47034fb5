"""Plumbing for the scripts that write (05_orders, 06_batch_operations, 07_order_groups).

Three things every writing script needs and none of them teaches:

- `new_client_order_id()`: a fresh UUID for every create, so a retried request cannot
  double an order (a duplicate answers 409 `order_already_exists`).
- `create_order(body)`: one idempotent create. A 429 is retried (nothing was processed); a create
  whose answer was lost is sent again with the same client_order_id, and a 409
  `order_already_exists` then means the first one landed: the order is looked up by its
  client_order_id instead of being placed twice. 05_orders/08_safe_retries.py teaches it.
- `Cleanup`: a context manager that cancels the orders and deletes the order groups a script
  created when the `with` block ends for any reason (normal end, API error, Ctrl+C), retrying
  until done or a deadline; what it could not remove is an error (exit 1), never silence.
  With `--keep` it leaves them and prints how to remove them later.

The API call a script is about stays in the script; only the safety net lives here.
"""

from __future__ import annotations

import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from auth.client import Body, Client, default
from auth.errors import (
    Conflict,
    KalshiError,
    NetworkError,
    NotFound,
    RateLimited,
    ServerError,
    ValidationError,
)

CLEANUP_DEADLINE = 60.0  # seconds cleanup keeps retrying before it reports what is left
CREATE_ATTEMPTS = 3  # sends of one create whose answer was lost


def new_client_order_id() -> str:
    """A fresh client_order_id (UUID4). Send one with every create."""
    return str(uuid.uuid4())


def find_by_client_order_id(
    ticker: str, client_order_id: str, client: Client | None = None
) -> Body | None:
    """The order with this client_order_id on `ticker`, or None. GET /portfolio/orders has no
    client_order_id filter, so this pages through the market's orders and matches."""
    api = client or default()
    cursor = None
    while True:
        page = api.get("/portfolio/orders", ticker=ticker, limit=200, cursor=cursor)
        for order in page.get("orders") or []:
            if order.get("client_order_id") == client_order_id:
                return order
        cursor = page.get("cursor")
        if not cursor:
            return None


def create_order(
    body: dict[str, Any],
    client: Client | None = None,
    *,
    resend: bool = False,
    attempts: int = CREATE_ATTEMPTS,
) -> Body:
    """POST /portfolio/events/orders once, whatever the network does: the same client_order_id
    on every send; on 409 order_already_exists after a lost answer (or with `resend=True`: the
    caller lost the answer of an earlier send of this body), the existing order (`order_id`,
    `client_order_id`, `fill_count`, `remaining_count`, `found_existing`) instead of a second."""
    api = client or default()
    if not body.get("client_order_id"):
        body = {**body, "client_order_id": new_client_order_id()}
    lost = resend
    for attempt in range(attempts):
        try:
            return api.post("/portfolio/events/orders", body)  # 429s are retried inside
        except (NetworkError, ServerError):  # the answer was lost: it may have landed
            lost = True
            if attempt + 1 == attempts:
                raise
        except Conflict as exc:
            if not (lost and exc.code == "order_already_exists"):
                raise
            found = find_by_client_order_id(body["ticker"], body["client_order_id"], api)
            if found is None:
                raise
            return Body(
                order_id=found["order_id"],
                client_order_id=found["client_order_id"],
                fill_count=found.get("fill_count_fp"),
                remaining_count=found.get("remaining_count_fp"),
                found_existing=True,
            )
    raise AssertionError("unreachable")


# Error codes of a cancel whose order no longer rests (e.g. 400 `order_not_resting`).
GONE_CODES = ("not_resting", "canceled", "cancelled", "executed", "not_found")


def already_gone(exc: KalshiError) -> bool:
    """True if a cancel or delete failed only because the thing no longer exists (or no
    longer rests: filled, cancelled by the script or by its group). Decided by type and code,
    never by the message."""
    code = (exc.code or "").lower()
    return isinstance(exc, NotFound) or (
        isinstance(exc, Conflict | ValidationError) and any(w in code for w in GONE_CODES)
    )


@dataclass
class Cleanup:
    """Cancels tracked orders and deletes tracked order groups when the `with` block ends.

        with Cleanup.for_args(args) as cleanup:  # honours --keep (and --json)
            resp = client.create_order_v2(**body)
            cleanup.order(resp.order_id, ticker)

    Orders that are already gone are skipped quietly. Rate limits and lost connections are
    retried until `deadline` seconds have passed; whatever is still there then is reported and
    raised as an error (exit 1), unless the block already failed with its own error. Cancels
    cost 2 write tokens each, group deletes the default 10.
    """

    keep: bool = False
    out: Any = None  # stream for the summary (stderr under --json); None = stdout
    orders: dict[str, str] = field(default_factory=dict)  # order_id -> market ticker
    groups: list[str] = field(default_factory=list)
    deadline: float = CLEANUP_DEADLINE
    client: Client | None = None

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

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if not self.orders and not self.groups:
            return
        if self.keep:
            self._explain()
            return
        api = self.client or default()
        until = time.monotonic() + self.deadline
        orders = [
            self._until_done(until, api.delete, f"/portfolio/events/orders/{oid}", market_ticker=t)
            for oid, t in self.orders.items()
        ]
        groups = [
            self._until_done(until, api.delete, f"/portfolio/order_groups/{gid}")
            for gid in self.groups
        ]
        parts = [f"{orders.count('done')} order(s) cancelled"] if orders else []
        parts += [f"{groups.count('done')} order group(s) deleted"] if groups else []
        gone = orders.count("gone") + groups.count("gone")
        parts += [f"{gone} already gone"] if gone else []
        print(f"\ncleanup: {', '.join(parts)} (pass --keep to leave them)", file=self.out)
        left = [oid for oid, r in zip(self.orders, orders, strict=True) if r == "failed"]
        left += [gid for gid, r in zip(self.groups, groups, strict=True) if r == "failed"]
        self.orders.clear()
        self.groups.clear()
        if left and exc_type is None:
            raise KalshiError(
                0,
                "cleanup_incomplete",
                f"{len(left)} created object(s) could not be removed: {', '.join(left)}",
                hint="cancel them with 06_batch_operations/02_batch_cancel_orders.py or retry",
            )

    def _until_done(self, until: float, action: Any, *args: Any, **kwargs: Any) -> str:
        """Run one cleanup call: "done", "gone" (nothing left to remove) or "failed"."""
        while True:
            try:
                action(*args, **kwargs)
                return "done"
            except KeyboardInterrupt:
                print(f"cleanup interrupted: {args[0]} may still exist", file=sys.stderr)
                return "failed"
            except KalshiError as exc:
                if already_gone(exc):
                    return "gone"
                transient = isinstance(exc, NetworkError | RateLimited | ServerError)
                if not transient or time.monotonic() >= until:
                    print(f"cleanup: could not remove {args[0]}: {exc}", file=sys.stderr)
                    return "failed"
                time.sleep(0.5)  # the client already backed off; the bucket refills meanwhile

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


def endpoint_cost(costs: dict[str, Any], method: str, path: str) -> int:
    """Tokens one call of `method path` costs (per item, for the batch endpoints), from the
    answer of GET /account/endpoint_costs: {default_cost, endpoint_costs: [{method, path,
    cost}]}, which lists only the endpoints whose cost differs from the default."""
    for item in costs.get("endpoint_costs") or []:
        listed = str(item.get("path", "")).rstrip("/")
        if str(item.get("method", "")).upper() == method and listed.endswith(path):
            return int(item["cost"])
    return int(costs.get("default_cost", 10))
