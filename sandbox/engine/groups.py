"""Order groups: a rolling 15-second contracts limit that cancels the group's orders when hit."""

from __future__ import annotations

from copy import copy
from decimal import Decimal

from . import events as ev
from .common import (
    GROUP_WINDOW_MS,
)
from .errors import not_found
from .models import (
    OrderGroup,
)
from .money import ZERO, check_count


class OrderGroupsMixin:
    """Part of `Exchange` (state and plumbing live there)."""

    # ------------------------------------------------------------------ order groups

    def create_order_group(
        self, user_id: str, contracts_limit: Decimal | str | int, subaccount: int = 0
    ) -> OrderGroup:
        """A group whose orders are all cancelled once they fill `contracts_limit` in 15 s."""
        limit = check_count(contracts_limit, "contracts_limit")
        with self._op() as now:
            self._account(user_id, subaccount, create=True)
            g = OrderGroup(self._new_id("group"), user_id, limit, subaccount, True, False, now)
            self.groups[g.order_group_id] = g
            self._mark("group", g.order_group_id, g)
            if self._events is not None:
                self._emit(ev.OrderGroupUpdate("created", copy(g), now))
            return g

    def get_order_group(
        self, user_id: str, order_group_id: str, subaccount: int | None = None
    ) -> OrderGroup:
        g = self.groups.get(order_group_id)
        if (
            g is None
            or g.user_id != user_id
            or (subaccount is not None and g.subaccount != subaccount)
        ):
            raise not_found("order group")
        return g

    def order_group_orders(self, user_id: str, order_group_id: str) -> list[str]:
        """Ids of the group's resting orders."""
        self._expire_reads()
        self.get_order_group(user_id, order_group_id)
        return list(self._group_orders.get(order_group_id, {}))

    def list_order_groups(self, user_id: str, subaccount: int | None = None) -> list[OrderGroup]:
        return [
            g
            for g in self.groups.values()
            if g.user_id == user_id and (subaccount is None or g.subaccount == subaccount)
        ]

    def group_matched(self, order_group_id: str) -> Decimal:
        """Contracts the group filled in the current 15-second window."""
        g = self.groups[order_group_id]
        floor = self.now() - GROUP_WINDOW_MS
        return sum((c for ts, c in g.window if ts > floor), ZERO)

    def _group_fill(self, gid: str, q: Decimal, now: int) -> None:
        g = self.groups.get(gid)
        if g is None or g.triggered:
            return
        floor = now - GROUP_WINDOW_MS
        g.window = [(ts, c) for ts, c in g.window if ts > floor]
        g.window.append((now, q))
        self._mark("group", gid, g)
        if sum((c for _, c in g.window), ZERO) >= g.contracts_limit:
            self._trigger(g, now)

    def _trigger(self, g: OrderGroup, now: int) -> None:
        g.triggered = True
        for o in list(self._group_orders.get(g.order_group_id, {}).values()):
            self._cancel(o, now)
        self._mark("group", g.order_group_id, g)
        if self._events is not None:
            self._emit(ev.OrderGroupUpdate("triggered", copy(g), now))

    def reset_order_group(
        self, user_id: str, order_group_id: str, subaccount: int | None = None
    ) -> OrderGroup:
        """Clear the matched-contracts window and accept orders again."""
        with self._op() as now:
            g = self.get_order_group(user_id, order_group_id, subaccount)
            g.triggered = False
            g.window = []
            self._mark("group", g.order_group_id, g)
            if self._events is not None:
                self._emit(ev.OrderGroupUpdate("reset", copy(g), now))
            return g

    def trigger_order_group(
        self, user_id: str, order_group_id: str, subaccount: int | None = None
    ) -> OrderGroup:
        """Cancel the group's orders and block new ones until reset."""
        with self._op() as now:
            g = self.get_order_group(user_id, order_group_id, subaccount)
            self._trigger(g, now)
            return g

    def update_order_group_limit(
        self,
        user_id: str,
        order_group_id: str,
        contracts_limit: Decimal | str | int,
        subaccount: int | None = None,
    ) -> OrderGroup:
        """New limit; triggers at once if the current window already reaches it."""
        limit = check_count(contracts_limit, "contracts_limit")
        with self._op() as now:
            g = self.get_order_group(user_id, order_group_id, subaccount)
            g.contracts_limit = limit
            self._mark("group", g.order_group_id, g)
            if self._events is not None:
                self._emit(ev.OrderGroupUpdate("limit_updated", copy(g), now))
            floor = now - GROUP_WINDOW_MS
            if not g.triggered and sum((c for ts, c in g.window if ts > floor), ZERO) >= limit:
                self._trigger(g, now)
            return g

    def delete_order_group(
        self, user_id: str, order_group_id: str, subaccount: int | None = None
    ) -> None:
        """Cancel the group's orders and remove the group."""
        with self._op() as now:
            g = self.get_order_group(user_id, order_group_id, subaccount)
            for o in list(self._group_orders.get(order_group_id, {}).values()):
                self._cancel(o, now)
            del self.groups[order_group_id]
            self._group_orders.pop(order_group_id, None)
            if self._track:
                self.dirty["group"][order_group_id] = None
            if self._events is not None:
                self._emit(ev.OrderGroupUpdate("deleted", copy(g), now))
