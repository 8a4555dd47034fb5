"""Order groups: a rolling 15-second contracts limit that cancels the group's orders when hit.

State: `groups` by id and a per-user index. The group's resting orders are indexed by `Trading`
(`trading.group_orders`); cancelling goes through `trading.cancel`.
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import copy
from decimal import Decimal
from typing import TYPE_CHECKING

from . import events as ev
from .accounts import Accounts
from .common import GROUP_WINDOW_MS, INDEXES
from .errors import EngineError, not_found
from .models import OrderGroup
from .money import ZERO, check_count
from .operation import ChangeSet, Operation

if TYPE_CHECKING:
    from .orders import Trading


class Groups:
    trading: Trading  # set by the front (the two parts call each other)

    def __init__(self, op: Operation, accounts: Accounts):
        self.op = op
        self.accounts = accounts
        self.groups: dict[str, OrderGroup] = {}
        self.by_user: dict[str, dict[str, OrderGroup]] = {}
        op.repairs.append(self.repair)

    def _touch(self, g: OrderGroup) -> None:
        self.op.touch("group", g, self.groups)

    # ------------------------------------------------------------------ writes

    def create(
        self, user_id: str, contracts_limit, subaccount: int = 0, exchange_index: int = 0
    ) -> OrderGroup:
        """A group whose orders are all cancelled once they fill `contracts_limit` in 15 s, on
        one exchange index (CreateOrderGroupRequest: "Defaults to 0")."""
        op = self.op
        op.step("group_create.validate")
        limit = check_count(contracts_limit, "contracts_limit")
        self.accounts.account(user_id, subaccount)
        if isinstance(exchange_index, bool) or exchange_index not in INDEXES:
            raise EngineError(400, "invalid_parameters", f"exchange_index must be one of {INDEXES}")
        op.step("group_create.record")
        g = OrderGroup(op.new_id("group"), user_id, limit, subaccount, True, False, op.now)
        g.exchange_index = exchange_index
        self.groups[g.order_group_id] = g
        self.by_user.setdefault(user_id, {})[g.order_group_id] = g
        op.added("group", g, self.groups)
        if op.events is not None:
            op.emit(ev.OrderGroupUpdate("created", copy(g), op.now))
        return g

    def fill(self, gid: str, q: Decimal) -> None:
        """The group's orders filled `q` contracts: add to the window, trigger at the limit."""
        g = self.groups.get(gid)
        if g is None or g.triggered:
            return
        now = self.op.now
        floor = now - GROUP_WINDOW_MS
        self._touch(g)
        g.window = [(ts, c) for ts, c in g.window if ts > floor]
        g.window.append((now, q))
        if sum((c for _, c in g.window), ZERO) >= g.contracts_limit:
            self._trigger(g)

    def _trigger(self, g: OrderGroup) -> None:
        op = self.op
        self._touch(g)
        g.triggered = True
        for o in list(self.trading.group_orders.get(g.order_group_id, {}).values()):
            self.trading.cancel(o)
        if op.events is not None:
            op.emit(ev.OrderGroupUpdate("triggered", copy(g), op.now))

    def reset(self, user_id: str, order_group_id: str, subaccount: int | None = None):
        """Clear the matched-contracts window and accept orders again."""
        op = self.op
        op.step("group_reset.validate")
        g = self.get(user_id, order_group_id, subaccount)
        op.step("group_reset.record")
        self._touch(g)
        g.triggered = False
        g.window = []
        if op.events is not None:
            op.emit(ev.OrderGroupUpdate("reset", copy(g), op.now))
        return g

    def trigger(self, user_id: str, order_group_id: str, subaccount: int | None = None):
        """Cancel the group's orders and block new ones until reset."""
        self.op.step("group_trigger.validate")
        g = self.get(user_id, order_group_id, subaccount)
        self.op.step("group_trigger.cancel")
        self._trigger(g)
        return g

    def update_limit(
        self, user_id: str, order_group_id: str, contracts_limit, subaccount: int | None = None
    ) -> OrderGroup:
        """New limit; triggers at once if the current window already reaches it."""
        op = self.op
        op.step("group_limit.validate")
        limit = check_count(contracts_limit, "contracts_limit")
        g = self.get(user_id, order_group_id, subaccount)
        op.step("group_limit.record")
        self._touch(g)
        g.contracts_limit = limit
        if op.events is not None:
            op.emit(ev.OrderGroupUpdate("limit_updated", copy(g), op.now))
        floor = op.now - GROUP_WINDOW_MS
        if not g.triggered and sum((c for ts, c in g.window if ts > floor), ZERO) >= limit:
            op.step("group_limit.trigger")
            self._trigger(g)
        return g

    def delete(self, user_id: str, order_group_id: str, subaccount: int | None = None) -> None:
        """Cancel the group's orders and remove the group."""
        op = self.op
        op.step("group_delete.validate")
        g = self.get(user_id, order_group_id, subaccount)
        op.step("group_delete.cancel")
        for o in list(self.trading.group_orders.get(order_group_id, {}).values()):
            self.trading.cancel(o)
        op.step("group_delete.record")
        self._touch(g)
        del self.groups[order_group_id]
        del self.by_user[user_id][order_group_id]
        if op.events is not None:
            op.emit(ev.OrderGroupUpdate("deleted", copy(g), op.now))

    # ------------------------------------------------------------------ reads

    def get(self, user_id: str, order_group_id: str, subaccount: int | None = None) -> OrderGroup:
        g = self.groups.get(order_group_id)
        if (
            g is None
            or g.user_id != user_id
            or (subaccount is not None and g.subaccount != subaccount)
        ):
            raise not_found("order group")
        return g

    def list(self, user_id: str, subaccount: int | None = None) -> list[OrderGroup]:
        return [
            g
            for g in self.by_user.get(user_id, {}).values()
            if subaccount is None or g.subaccount == subaccount
        ]

    def matched(self, order_group_id: str) -> Decimal:
        """Contracts the group filled in the current 15-second window."""
        g = self.groups[order_group_id]
        floor = self.op.time() - GROUP_WINDOW_MS
        return sum((c for ts, c in g.window if ts > floor), ZERO)

    # ------------------------------------------------------------------ restore / repair

    def restore(self, groups: Iterable[OrderGroup]) -> None:
        for g in sorted(groups, key=lambda g: g.order_group_id):
            self.groups[g.order_group_id] = g
            self.by_user.setdefault(g.user_id, {})[g.order_group_id] = g

    def repair(self, cs: ChangeSet) -> None:
        """After a rollback: the per-user index follows the restored groups."""
        for g, _ in cs.entries("group"):
            mine = self.by_user.setdefault(g.user_id, {})
            if g.order_group_id in self.groups:
                mine[g.order_group_id] = g
            else:
                mine.pop(g.order_group_id, None)
