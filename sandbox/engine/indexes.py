"""Exchange indexes: cash per exchange shard, transfers between shards, target allocation.

Kalshi shards trading across exchange instances (docs.kalshi.com/getting_started/exchange_sharding):
"a separate balance maintained per exchange shard", money "fungible across exchanges" through
instant intra-exchange transfers, every market "on exactly one exchange", and "programmatic
traders must preallocate collateral on a given exchange shard before order placement". So an
order draws on the balance of its market's index (Accounts.holder). The local exchange runs the
event-contract indexes 0 and 1: as on Kalshi since August 2026, combo (multivariate) series live
on index 1 and everything else on 0. No `margined` (perpetuals) instance runs here: naming it
is a 400.

State: `cash` {(user, sub, index): IndexBalance} for indexes other than 0 (the table lives in
Accounts, which hands every money mover its cash record; this part moves it); `transfers`
{transfer_id: IndexTransfer} with a per-user list and a (user, source index, client id) index for
idempotency; `allocations` {user: BalanceAllocation}. Every move goes through `move`, which
touches the holder first: transfers are atomic and conserve money (invariants.total_money counts
index cash).

Rules (OpenAPI 3.34.0, IntraExchangeInstanceTransferRequest): `amount` in centicents; shards
0-100; subaccounts only for event_contract -> event_contract; `client_transfer_id` only for
primary accounts ("transfers involving numbered subaccounts reject this field"), a repeat from
the same source instance and shard is 409; the same shard on both ends "is a subaccount transfer"
(it goes to the subaccount transfer history). Kalshi runs a cross-index subaccount transfer in up
to three non-atomic steps; here it is one atomic operation (a stronger guarantee, same result).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING

from .accounts import Accounts
from .common import INDEXES
from .errors import EngineError, not_found
from .models import BalanceAllocation, IndexBalance, IndexTransfer
from .money import ZERO
from .operation import Operation

if TYPE_CHECKING:
    from .subaccounts import Subaccounts

EVENT_CONTRACT, MARGINED = "event_contract", "margined"
INSTANCES = (EVENT_CONTRACT, MARGINED)
MAX_SHARD = 100  # the spec's bound on source/destination_exchange_shard
MAX_CENTICENTS = 10**17  # far above any balance; keeps the Decimal arithmetic exact
CENTICENT = Decimal("0.0001")
RESERVATIONS = ("none", "max", "sum")
MAX_ALLOCATIONS = 101  # SetTargetBalanceAllocationRequest.allocations maxItems
_IDS = uuid.UUID("8f0e3c1a-52b4-4d7e-b0a9-3e6f1c2d4a57")  # namespace of transfer ids


def _int(name: str, v: object, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise EngineError(400, "invalid_parameters", f"{name} must be an integer")
    if not lo <= v <= hi:
        raise EngineError(400, "invalid_parameters", f"{name} must be {lo}-{hi}")
    return v


def check_index(name: str, v: object) -> int:
    """An event-contract index the local exchange runs (400 for any other)."""
    index = _int(name, v, 0, MAX_SHARD)
    if index not in INDEXES:
        raise EngineError(
            400, "invalid_parameters", f"{name} {index} is not an exchange index", str(INDEXES)
        )
    return index


class Indexes:
    def __init__(self, op: Operation, accounts: Accounts):
        self.op = op
        self.accounts = accounts
        # Set by the front: a same-shard transfer is a subaccount transfer.
        self.subaccounts: Subaccounts | None = None
        self.cash: dict[tuple[str, int, int], IndexBalance] = accounts.index_cash
        self.transfers: dict[str, IndexTransfer] = {}
        self.allocations: dict[str, BalanceAllocation] = {}
        # Derived indexes (rebuilt on restore; a failed operation's undo log unindexes).
        self.by_user: dict[str, list[IndexTransfer]] = {}
        self.by_client_id: dict[tuple[str, int, str], IndexTransfer] = {}

    # ------------------------------------------------------------------ writes (in an operation)

    def move(self, user_id: str, subaccount: int, index: int, delta: Decimal) -> None:
        """Change the available cash of (user, subaccount) on `index` by `delta` (>= 0 after)."""
        accounts = self.accounts
        if accounts.available(user_id, subaccount, index) + delta < 0:
            raise EngineError(400, "available_balance_too_low", "insufficient balance")
        h = accounts.holder(user_id, subaccount, index)
        accounts.touch_cash(h)
        h.balance += delta
        h.updated_ts = self.op.now

    def transfer(
        self,
        user_id: str,
        source: str,
        destination: str,
        amount: int,
        source_index: int = 0,
        destination_index: int = 0,
        source_subaccount: int = 0,
        destination_subaccount: int = 0,
        client_transfer_id: str | None = None,
    ) -> str:
        """Move `amount` centicents between exchange indexes (and subaccounts) of one user;
        returns the transfer id (a subaccount transfer's when both indexes are the same)."""
        op = self.op
        op.step("index_transfer.validate")
        for name, inst in (("source", source), ("destination", destination)):
            if inst not in INSTANCES:
                raise EngineError(400, "invalid_parameters", f"{name} must be one of {INSTANCES}")
            if inst == MARGINED:
                raise EngineError(
                    400,
                    "invalid_parameters",
                    "the local exchange runs no margined exchange instance",
                    name,
                )
        amount = _int("amount", amount, 1, MAX_CENTICENTS)
        src = check_index("source_exchange_shard", source_index)
        dst = check_index("destination_exchange_shard", destination_index)
        src_sub = _int("source_subaccount", source_subaccount, 0, 63)
        dst_sub = _int("destination_subaccount", destination_subaccount, 0, 63)
        if client_transfer_id is not None:
            if not isinstance(client_transfer_id, str) or not client_transfer_id:
                raise EngineError(400, "invalid_parameters", "client_transfer_id must be a string")
            if src_sub or dst_sub:
                raise EngineError(
                    400,
                    "invalid_parameters",
                    "client_transfer_id is only supported for primary accounts",
                )
        value = amount * CENTICENT
        prec = self.accounts.precision(user_id) if self.accounts.has_user(user_id) else None
        if prec is None:
            raise not_found("user")
        if value % prec:
            raise EngineError(400, "invalid_parameters", f"amount must be a multiple of {prec}")
        self.accounts.account(user_id, src_sub)
        self.accounts.account(user_id, dst_sub)
        if src == dst:
            if src_sub == dst_sub:
                raise EngineError(
                    400, "invalid_parameters", "source and destination are the same account"
                )
            # "Kalshi treats the request as a subaccount transfer" (whole cents there).
            if value % Decimal("0.01"):
                raise EngineError(400, "invalid_parameters", "amount must be whole cents")
            assert self.subaccounts is not None
            same = self.subaccounts.transfer(
                user_id, f"intra-{op.next_seq()}", src_sub, dst_sub, int(value * 100), src
            )
            return same.transfer_id
        ckey = (user_id, src, client_transfer_id or "")
        if client_transfer_id and ckey in self.by_client_id:
            raise EngineError(409, "conflict", "a transfer with this client_transfer_id exists")
        op.step("index_transfer.debit")
        self.move(user_id, src_sub, src, -value)
        op.step("index_transfer.credit")
        self.move(user_id, dst_sub, dst, value)
        op.step("index_transfer.record")
        seq = op.next_seq()
        t = IndexTransfer(
            str(uuid.uuid5(_IDS, f"{user_id}\x1f{seq}")),
            user_id,
            client_transfer_id or "",
            src_sub,
            dst_sub,
            src,
            dst,
            value,
            op.now,
            seq,
        )
        self.transfers[t.transfer_id] = t
        op.added("index_transfer", t, self.transfers)
        self._index(t)
        op.undo(self._unindex, t)
        return t.transfer_id

    def set_allocation(
        self, user_id: str, allocations: list, reservation: str | None = None
    ) -> BalanceAllocation:
        """Replace the user's target allocation ("percentages must total 100"; an empty list
        disables automatic rebalancing) and rebalance the primary account's cash to it."""
        op = self.op
        op.step("allocation.validate")
        if not self.accounts.has_user(user_id):
            raise not_found("user")
        if not isinstance(allocations, list) or len(allocations) > MAX_ALLOCATIONS:
            raise EngineError(
                400, "invalid_parameters", f"allocations: a list of at most {MAX_ALLOCATIONS}"
            )
        reservation = "sum" if reservation is None else reservation
        if reservation not in RESERVATIONS:
            raise EngineError(
                400, "invalid_parameters", f"resting_margin_reservation: one of {RESERVATIONS}"
            )
        pairs: list[list[int]] = []
        for item in allocations:
            if not isinstance(item, (list, tuple)) or len(item) != 2:
                raise EngineError(400, "invalid_parameters", "allocation: (index, percent)")
            index = check_index("exchange_index", item[0])
            if any(p[0] == index for p in pairs):
                raise EngineError(400, "invalid_parameters", f"exchange_index {index} repeats")
            pairs.append([index, _int("percent", item[1], 0, 100)])
        if pairs and sum(p[1] for p in pairs) != 100:
            raise EngineError(400, "invalid_parameters", "percentages must total 100")
        op.step("allocation.record")
        a = self.allocations.get(user_id)
        if a is None:
            a = self.allocations[user_id] = BalanceAllocation(user_id, [])
            op.added("allocation", a, self.allocations)
        else:
            op.touch("allocation", a, self.allocations)
        a.allocations = sorted(pairs)
        a.resting_margin_reservation = reservation
        a.updated_ts = op.now
        self.rebalance(user_id)
        return a

    def rebalance(self, user_id: str) -> None:
        """Move the primary account's available cash to its target split. Cash held for
        resting orders is never available here, so every `resting_margin_reservation` leaves
        it in place (the local orders hold exactly their collateral, Trading._reserve)."""
        self.op.step("allocation.rebalance")
        for i, delta in sorted(self.drift(user_id).items(), key=lambda d: d[1]):  # debits first
            self.move(user_id, 0, i, delta)

    def drift(self, user_id: str) -> dict[int, Decimal]:
        """What rebalancing would move per index (empty: on target, or no allocation)."""
        a = self.allocations.get(user_id)
        if a is None or not a.allocations:
            return {}
        prec = self.accounts.precision(user_id)
        have = {i: self.balance(user_id, 0, i) for i in INDEXES}
        total = sum(have.values(), ZERO)
        want = {i: ZERO for i in INDEXES}
        for index, pct in a.allocations:
            want[index] = (total * pct / 100 // prec) * prec
        # The rounding remainder goes to the index with the largest share.
        top = max(a.allocations, key=lambda p: (p[1], -p[0]))[0]
        want[top] += total - sum(want.values(), ZERO)
        return {i: want[i] - have[i] for i in INDEXES if want[i] != have[i]}

    def drifted(self) -> list[str]:
        """Users whose primary cash is off their target split (for the periodic rebalance)."""
        return [u for u in self.allocations if self.drift(u)]

    # ------------------------------------------------------------------ reads

    def balance(self, user_id: str, subaccount: int, index: int) -> Decimal:
        return self.accounts.available(user_id, subaccount, index)

    def breakdown(self, user_id: str, subaccount: int) -> list[tuple[int, Decimal]]:
        """(index, available cash) on every index the exchange runs."""
        return [(i, self.balance(user_id, subaccount, i)) for i in INDEXES]

    def updated_ts(self, user_id: str, subaccount: int, index: int) -> int:
        if index == 0:
            return self.accounts.account(user_id, subaccount).updated_ts
        ib = self.cash.get((user_id, subaccount, index))
        return ib.updated_ts if ib is not None else 0

    def held(self, user_id: str) -> list[IndexBalance]:
        """The user's cash records on indexes other than 0, by (subaccount, index)."""
        return sorted(
            (b for k, b in self.cash.items() if k[0] == user_id),
            key=lambda b: (b.subaccount, b.exchange_index),
        )

    def allocation(self, user_id: str) -> BalanceAllocation:
        a = self.allocations.get(user_id)
        return a if a is not None else BalanceAllocation(user_id, [])

    def list_transfers(self, user_id: str) -> list[IndexTransfer]:
        """Newest first."""
        return self.by_user.get(user_id, [])[::-1]

    def get_transfer(self, user_id: str, transfer_id: str) -> IndexTransfer:
        t = self.transfers.get(transfer_id)
        if t is None or t.user_id != user_id:
            raise not_found("transfer")
        return t

    # ------------------------------------------------------------------ indexes

    def _index(self, t: IndexTransfer) -> None:
        self.by_user.setdefault(t.user_id, []).append(t)
        if t.client_transfer_id:
            self.by_client_id[(t.user_id, t.source_index, t.client_transfer_id)] = t

    def _unindex(self, t: IndexTransfer) -> None:
        mine = self.by_user.get(t.user_id, [])
        if mine and mine[-1] is t:
            mine.pop()
        if not mine:
            self.by_user.pop(t.user_id, None)
        self.by_client_id.pop((t.user_id, t.source_index, t.client_transfer_id), None)

    def restore(
        self,
        cash: list[IndexBalance],
        transfers: list[IndexTransfer],
        allocations: list[BalanceAllocation],
    ) -> None:
        for b in cash:
            self.cash[(b.user_id, b.subaccount, b.exchange_index)] = b
        for t in sorted(transfers, key=lambda t: t.seq):
            self.transfers[t.transfer_id] = t
            self._index(t)
        for a in allocations:
            self.allocations[a.user_id] = a


def centicents(t: IndexTransfer) -> int:
    return int(t.amount / CENTICENT)


__all__ = ["INDEXES", "Indexes", "centicents", "check_index"]
