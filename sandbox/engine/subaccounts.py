"""Subaccounts: creating them, moving cash between them, and their netting settings.

State: `transfers` {transfer_id: SubaccountTransfer} with a per-user list (oldest first) and a
(user, client_transfer_id) index for idempotency; `netting` {(user, sub): NettingSetting} for
subaccounts whose setting is not the default. Cash lives in `Accounts` (index 0) and `Indexes`
(other exchange indexes); a transfer moves it on one index through `Indexes.move`, which touches
both holders, so it conserves money and undoes itself like any operation.

Kalshi's rules (OpenAPI 3.34.0 and docs.kalshi.com/getting_started/subaccounts): subaccounts are
numbered 1-63 in sequence and never deleted; a transfer moves whole cents between two existing
subaccounts of the caller, "net to zero at the account level", and is idempotent on
`client_transfer_id` ("retrying with the same value returns 409 instead of applying the transfer
twice").
"""

from __future__ import annotations

import uuid

from .accounts import Accounts
from .errors import EngineError
from .indexes import Indexes, check_index
from .models import Account, NettingSetting, SubaccountTransfer
from .money import CENT
from .operation import Operation

MAX_TRANSFER_CENTS = 10**13  # far above any balance; keeps the Decimal arithmetic exact
_IDS = uuid.UUID("5c1b0a2e-7d4e-4f0c-9a51-6b2f0d3c9e11")  # namespace of transfer ids


class Subaccounts:
    def __init__(self, op: Operation, accounts: Accounts, indexes: Indexes):
        self.op = op
        self.accounts = accounts
        self.indexes = indexes  # cash per exchange index (index 0: the Account balance)
        self.transfers: dict[str, SubaccountTransfer] = {}
        self.netting: dict[tuple[str, int], NettingSetting] = {}
        # Derived indexes (rebuilt on restore; a failed operation's undo log unindexes).
        self.by_user: dict[str, list[SubaccountTransfer]] = {}
        self.by_client_id: dict[tuple[str, str], SubaccountTransfer] = {}

    # ------------------------------------------------------------------ writes (in an operation)

    def create(self, user_id: str) -> Account:
        return self.accounts.create_subaccount(user_id)

    def transfer(
        self,
        user_id: str,
        client_transfer_id: str,
        from_subaccount: int,
        to_subaccount: int,
        amount_cents: int,
        exchange_index: int = 0,
    ) -> SubaccountTransfer:
        """Move `amount_cents` of available cash from one subaccount to another."""
        op = self.op
        op.step("transfer.validate")
        if not isinstance(client_transfer_id, str) or not client_transfer_id:
            raise EngineError(400, "invalid_parameters", "client_transfer_id is required")
        for name, v in (
            ("from_subaccount", from_subaccount),
            ("to_subaccount", to_subaccount),
            ("amount_cents", amount_cents),
            ("exchange_index", exchange_index),
        ):
            if isinstance(v, bool) or not isinstance(v, int):
                raise EngineError(400, "invalid_parameters", f"{name} must be an integer")
        check_index("exchange_index", exchange_index)  # "applies the transfer on" that shard
        if not 0 < amount_cents <= MAX_TRANSFER_CENTS:
            raise EngineError(400, "invalid_parameters", "amount_cents must be positive")
        if from_subaccount == to_subaccount:
            raise EngineError(
                400, "invalid_parameters", "from_subaccount and to_subaccount must differ"
            )
        self.accounts.account(user_id, from_subaccount)
        self.accounts.account(user_id, to_subaccount)
        if (user_id, client_transfer_id) in self.by_client_id:
            raise EngineError(409, "conflict", "a transfer with this client_transfer_id exists")
        amount = amount_cents * CENT
        op.step("transfer.debit")  # (400 available_balance_too_low when short)
        self.indexes.move(user_id, from_subaccount, exchange_index, -amount)
        op.step("transfer.credit")
        self.indexes.move(user_id, to_subaccount, exchange_index, amount)
        op.step("transfer.record")
        t = SubaccountTransfer(
            str(uuid.uuid5(_IDS, f"{user_id}\x1f{client_transfer_id}")),
            user_id,
            client_transfer_id,
            from_subaccount,
            to_subaccount,
            amount,
            op.now,
            op.next_seq(),
            exchange_index,
        )
        self.transfers[t.transfer_id] = t
        op.added("transfer", t, self.transfers)
        self._index(t)
        op.undo(self._unindex, t)
        return t

    def set_netting(self, user_id: str, subaccount: int, enabled: bool) -> NettingSetting:
        op = self.op
        op.step("netting.validate")
        if not isinstance(enabled, bool):
            raise EngineError(400, "invalid_parameters", "enabled must be true or false")
        self.accounts.account(user_id, subaccount)
        op.step("netting.record")
        key = (user_id, subaccount)
        s = self.netting.get(key)
        if s is None:
            s = self.netting[key] = NettingSetting(user_id, subaccount, enabled, op.now)
            op.added("netting", s, self.netting)
        else:
            op.touch("netting", s, self.netting)
            s.enabled, s.updated_ts = enabled, op.now
        off = self.accounts.unnetted
        if enabled and key in off:
            off.discard(key)
            op.undo(off.add, key)
        elif not enabled and key not in off:
            off.add(key)
            op.undo(off.discard, key)
        return s

    # ------------------------------------------------------------------ reads

    def accounts_of(self, user_id: str, only: int | None = None) -> list[Account]:
        """The user's subaccounts by number (`only`: just that one, 404 if it does not exist)."""
        if only is not None:
            return [self.accounts.account(user_id, only)]
        return [a for _, a in sorted(self.accounts.of_user(user_id).items())]

    def netting_enabled(self, user_id: str, subaccount: int) -> bool:
        s = self.netting.get((user_id, subaccount))
        return True if s is None else s.enabled

    def list_transfers(self, user_id: str) -> list[SubaccountTransfer]:
        """Newest first."""
        return self.by_user.get(user_id, [])[::-1]

    # ------------------------------------------------------------------ indexes

    def _index(self, t: SubaccountTransfer) -> None:
        self.by_user.setdefault(t.user_id, []).append(t)
        self.by_client_id[(t.user_id, t.client_transfer_id)] = t

    def _unindex(self, t: SubaccountTransfer) -> None:
        mine = self.by_user.get(t.user_id, [])
        if mine and mine[-1] is t:
            mine.pop()
        self.by_client_id.pop((t.user_id, t.client_transfer_id), None)

    def restore(self, transfers: list[SubaccountTransfer], netting: list[NettingSetting]) -> None:
        for t in sorted(transfers, key=lambda t: t.seq):
            self.transfers[t.transfer_id] = t
            self._index(t)
        for s in netting:
            self.netting[(s.user_id, s.subaccount)] = s
            if not s.enabled:
                self.accounts.unnetted.add((s.user_id, s.subaccount))


def transfer_amount_cents(t: SubaccountTransfer) -> int:
    return int(t.amount / CENT)


__all__ = ["Subaccounts", "transfer_amount_cents"]
