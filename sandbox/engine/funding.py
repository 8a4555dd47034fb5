"""Funding history: deposits into and withdrawals from a user's primary account.

State: `entries` {entry_id: FundingEntry} and a per-user list (oldest first). An entry with
status `applied` moves cash: a deposit credits its amount less its fee, a withdrawal debits its
amount plus its fee; pending, failed and returned entries are history only (the spec: "'applied'
means funds are reflected in balance"). These are the only operations that change the exchange's
money total, which is why `total_money` tests count them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from .accounts import Accounts
from .errors import EngineError
from .models import FundingEntry
from .money import CENT, ZERO
from .operation import Operation

KINDS = ("deposit", "withdrawal")
METHODS = ("ach", "wire", "crypto", "debit", "apm")
STATUSES = ("pending", "applied", "failed", "returned")
MAX_CENTS = 10**13
_IDS = uuid.UUID("0d9e3f52-61c4-4b8e-a7f0-2a6c51d4b803")  # namespace of entry ids


class Funding:
    def __init__(self, op: Operation, accounts: Accounts):
        self.op = op
        self.accounts = accounts
        self.entries: dict[str, FundingEntry] = {}
        self.by_user: dict[str, list[FundingEntry]] = {}  # derived

    def record(
        self,
        user_id: str,
        kind: str,
        amount_cents: int,
        *,
        method: str = "ach",
        status: str = "applied",
        fee_cents: int = 0,
        created_ts: int | None = None,
    ) -> FundingEntry:
        op = self.op
        op.step("funding.validate")
        for name, value, allowed in (
            ("kind", kind, KINDS),
            ("method", method, METHODS),
            ("status", status, STATUSES),
        ):
            if value not in allowed:
                raise EngineError(400, "invalid_parameters", f"{name} must be one of {allowed}")
        for name, cents in (("amount_cents", amount_cents), ("fee_cents", fee_cents)):
            if isinstance(cents, bool) or not isinstance(cents, int) or not 0 <= cents <= MAX_CENTS:
                raise EngineError(400, "invalid_parameters", f"{name} must be whole cents")
        if amount_cents <= 0 or (kind == "deposit" and fee_cents > amount_cents):
            raise EngineError(400, "invalid_parameters", "amount_cents must exceed the fee")
        when = op.now if created_ts is None else created_ts
        if not isinstance(when, int) or when > op.now:
            raise EngineError(400, "invalid_parameters", "created_ts must not be in the future")
        acct = self.accounts.account(user_id, 0)
        amount, fee = amount_cents * CENT, fee_cents * CENT
        change = ZERO
        if status == "applied":
            change = amount - fee if kind == "deposit" else -(amount + fee)
            if acct.balance + change < 0:
                raise EngineError(400, "available_balance_too_low", "insufficient balance")
        op.step("funding.apply")
        if change:
            self.accounts.touch(acct)
            acct.balance += change
            acct.updated_ts = op.now
        op.step("funding.record")
        seq = op.next_seq()
        e = FundingEntry(
            str(uuid.uuid5(_IDS, f"{user_id}\x1f{seq}")),
            user_id,
            kind,
            method,
            status,
            amount,
            fee,
            when,
            None if status == "pending" else when,
            seq,
        )
        self.entries[e.entry_id] = e
        op.added("funding", e, self.entries)  # journal key (user, seq): see operation.KEY
        mine = self.by_user.setdefault(user_id, [])
        mine.append(e)
        op.undo(mine.pop)
        return e

    def of_user(self, user_id: str, kind: str) -> list[FundingEntry]:
        """Newest first."""
        return [e for e in reversed(self.by_user.get(user_id, [])) if e.kind == kind]

    def net_applied(self, user_id: str) -> Decimal:
        """Cash the applied entries brought in (deposits less fees, minus withdrawals and fees)."""
        total = ZERO
        for e in self.by_user.get(user_id, []):
            if e.status == "applied":
                total += e.amount - e.fee if e.kind == "deposit" else -(e.amount + e.fee)
        return total

    def restore(self, entries: list[FundingEntry]) -> None:
        """Stored entries (all of them, or one user's from another process); known ones stay."""
        for e in sorted(entries, key=lambda e: e.seq):
            if e.entry_id not in self.entries:
                self.entries[e.entry_id] = e
                self.by_user.setdefault(e.user_id, []).append(e)
