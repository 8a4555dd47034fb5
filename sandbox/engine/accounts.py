"""Accounts and collateral: cash per (user, subaccount, exchange index), positions per market,
fees collected.

State: `accounts` {(user, sub): Account} (cash on exchange index 0), `index_cash`
{(user, sub, index): IndexBalance} (cash on the other indexes; the `indexes` part moves it
between indexes), `positions` {(user, sub, ticker): Position}, and the per-user indexes every
per-user query uses. Other parts change cash and positions only through `touch_cash` /
`touch_position` (before-images for the operation) and read them directly.

Money follows the market's exchange index: Kalshi keeps "a separate balance maintained per
exchange shard" and "programmatic traders must preallocate collateral on a given exchange shard
before order placement" (docs.kalshi.com/getting_started/exchange_sharding). So every part that
moves money for a market (orders and fills, RFQ and batch execution, block trades, settlement,
FCM position transfers) finds the (user, sub) cash record of `market.exchange_index` through
`holder`, one function, and both record kinds carry the same `balance` / `reserved` fields.
"""

from __future__ import annotations

from decimal import Decimal

from .common import INDEXES, MAX_SUBACCOUNT
from .errors import EngineError, not_found
from .fees import PRECISION, balance_precision, down
from .models import Account, IndexBalance, Position
from .money import CENT, ZERO, dec
from .operation import ChangeSet, Operation

MEMBER_TYPES = ("regular", "direct", "fcm")
CASH = ("balance", "reserved", "updated_ts")  # what changes when money moves


class Accounts:
    def __init__(self, op: Operation):
        self.op = op
        self.accounts: dict[tuple[str, int], Account] = {}
        self.positions: dict[tuple[str, int, str], Position] = {}
        self.index_cash: dict[tuple[str, int, int], IndexBalance] = {}
        # Per-user indexes (derived; rebuilt on restore, repaired on rollback).
        self.user_accounts: dict[str, dict[int, Account]] = {}
        self.user_positions: dict[str, dict[tuple[int, str], Position]] = {}
        # (user, subaccount) with netting disabled (derived from Subaccounts' settings; the
        # matching hot path tests it only when non-empty).
        self.unnetted: set[tuple[str, int]] = set()
        op.repairs.append(self.repair)
        # touch(acct) / touch_position(p): call before changing one (bound touchers: hot path);
        # touch_balance(acct) before changing only an account's `CASH` fields
        self.touch = op.toucher("account", self.accounts)
        self.touch_balance = op.toucher("account", self.accounts, CASH)
        self.touch_position = op.toucher("position", self.positions)
        self._touch_index = op.toucher("index_balance", self.index_cash)

    # ------------------------------------------------------------------ writes (in an operation)

    def add_user(self, user_id: str, balance: Decimal, member_type: str = "regular") -> Account:
        """Create a user with cash in subaccount 0 (409 if the user exists). The balance must
        sit on the member type's precision (fees.balance_precision)."""
        op = self.op
        op.step("add_user.validate")
        if (user_id, 0) in self.accounts:
            raise EngineError(409, "user_already_exists", f"user {user_id} already exists")
        if member_type not in MEMBER_TYPES:
            raise EngineError(400, "invalid_parameters", "unknown member type", member_type)
        balance = dec(balance, "balance")
        if balance < 0 or balance != down(balance, balance_precision(member_type)):
            raise EngineError(
                400,
                "invalid_parameters",
                f"balance must be a non-negative multiple of {balance_precision(member_type)}",
            )
        op.step("add_user.record")
        acct = self._new(user_id, 0, balance)
        acct.member_type = member_type
        return acct

    def create_subaccount(self, user_id: str) -> Account:
        """The user's next numbered subaccount (1, 2, ... 63; Kalshi numbers them in sequence
        and never deletes one)."""
        self.op.step("create_subaccount.validate")
        if not self.has_user(user_id):
            raise not_found("user")
        number = len(self.of_user(user_id))  # 0..n-1 exist: numbering has no gaps
        if number > MAX_SUBACCOUNT:
            raise EngineError(
                400, "subaccount_limit_reached", f"at most {MAX_SUBACCOUNT} numbered subaccounts"
            )
        self.op.step("create_subaccount.record")
        return self._new(user_id, number, ZERO)

    def deposit(self, user_id: str, amount: Decimal, subaccount: int = 0) -> Account:
        """Add (or with a negative amount, withdraw available) cash."""
        amount = dec(amount, "amount")
        op = self.op
        op.step("deposit.validate")
        acct = self.account(user_id, subaccount)
        if amount != down(amount, self.precision(user_id)):
            raise EngineError(
                400,
                "invalid_parameters",
                f"amount must be a multiple of {self.precision(user_id)}",
            )
        if acct.balance + amount < 0:
            raise EngineError(400, "available_balance_too_low", "insufficient balance")
        op.step("deposit.record")
        self.touch(acct)
        acct.balance += amount
        acct.updated_ts = op.now
        return acct

    def account(self, user_id: str, subaccount: int) -> Account:
        """The account of an existing (user, subaccount): a numbered subaccount exists only
        once `create_subaccount` made it (404 before, as for any unknown resource)."""
        acct = self.accounts.get((user_id, subaccount))
        if acct is not None:
            return acct
        if (user_id, 0) not in self.accounts:
            raise not_found("user")
        if isinstance(subaccount, bool) or not isinstance(subaccount, int):
            raise EngineError(400, "invalid_parameters", "subaccount must be 0-63")
        if not 0 <= subaccount <= MAX_SUBACCOUNT:
            raise EngineError(400, "invalid_parameters", "subaccount must be 0-63")
        raise not_found("subaccount")

    def require(self, user_id: str, subaccount: int | None) -> None:
        """404 unless `subaccount` (None = all of them) exists for the user (read filters)."""
        if subaccount is not None and (user_id, subaccount) not in self.accounts:
            self.account(user_id, subaccount)

    def _new(self, user_id: str, subaccount: int, balance: Decimal) -> Account:
        now = self.op.now
        acct = Account(user_id, subaccount, balance, ZERO, now, now)
        self.accounts[(user_id, subaccount)] = acct
        self.user_accounts.setdefault(user_id, {})[subaccount] = acct
        self.op.added("account", acct, self.accounts)
        return acct

    def holder(self, user_id: str, subaccount: int, index: int) -> Account | IndexBalance:
        """The record holding the cash of (user, subaccount) on exchange `index` (index 0: the
        Account; another index: its IndexBalance, created empty on first use)."""
        if not index:
            return self.account(user_id, subaccount)
        key = (user_id, subaccount, index)
        h = self.index_cash.get(key)
        if h is None:
            self.account(user_id, subaccount)  # 404 for a subaccount not created
            h = self.index_cash[key] = IndexBalance(user_id, subaccount, index)
            self.op.added("index_balance", h, self.index_cash)
        return h

    def touch_cash(self, h: Account | IndexBalance) -> None:
        """Before changing the cash of a record `holder` returned (an Account: its `CASH`
        fields only; `touch` before changing any other)."""
        if h.__class__ is Account:
            self.touch_balance(h)
        else:
            self._touch_index(h)

    def available(self, user_id: str, subaccount: int, index: int) -> Decimal:
        """Available cash on `index` (for balance checks; creates nothing)."""
        if not index:
            return self.account(user_id, subaccount).balance
        h = self.index_cash.get((user_id, subaccount, index))
        return h.balance if h is not None else ZERO

    def position(self, user_id: str, subaccount: int, ticker: str) -> Position:
        """The position, created (empty) on first use."""
        key = (user_id, subaccount, ticker)
        p = self.positions.get(key)
        if p is None:
            p = self.positions[key] = Position(user_id, ticker, subaccount)
            self.user_positions.setdefault(user_id, {})[(subaccount, ticker)] = p
            self.op.added("position", p, self.positions)
        return p

    def collect_fee(self, fee: Decimal) -> None:
        if fee:
            self.op.collect_fee(fee)

    # ------------------------------------------------------------------ reads

    def has_user(self, user_id: str) -> bool:
        return (user_id, 0) in self.accounts

    def precision(self, user_id: str) -> Decimal:
        """The user's balance precision (Kalshi's fee rounding page: by member type)."""
        return PRECISION.get(self.accounts[(user_id, 0)].member_type, CENT)

    def of_user(self, user_id: str) -> dict[int, Account]:
        return self.user_accounts.get(user_id, {})

    def positions_of(self, user_id: str) -> dict[tuple[int, str], Position]:
        return self.user_positions.get(user_id, {})

    def total_resting_order_value(
        self, user_id: str, subaccount: int | None = None, index: int | None = None
    ) -> Decimal:
        """Cash held for the user's resting orders (on one index, or on all of them)."""
        held = ZERO
        for s, a in self.of_user(user_id).items():  # by key: no scan of other users' cash
            if subaccount is not None and s != subaccount:
                continue
            for i in INDEXES if index is None else (index,):
                h = a if i == 0 else self.index_cash.get((user_id, s, i))
                if h is not None:
                    held += h.reserved
        return held

    # ------------------------------------------------------------------ restore / repair

    def adopt(self, accounts: list[Account]) -> None:
        """Accounts another process stored (add-user while a server runs); known ones stay."""
        for a in accounts:
            if (a.user_id, a.subaccount) not in self.accounts:
                self.accounts[(a.user_id, a.subaccount)] = a
                self.user_accounts.setdefault(a.user_id, {})[a.subaccount] = a

    def restore(self, accounts: list[Account], positions: list[Position]) -> None:
        self.adopt(accounts)
        for p in positions:
            self.positions[(p.user_id, p.subaccount, p.ticker)] = p
            self.user_positions.setdefault(p.user_id, {})[(p.subaccount, p.ticker)] = p

    def repair(self, cs: ChangeSet) -> None:
        """After a rollback: drop index entries of records the operation had created."""
        for user_id, sub in cs.keys("account"):
            if (user_id, sub) not in self.accounts:
                mine = self.user_accounts.get(user_id, {})
                mine.pop(sub, None)
                if not mine:
                    self.user_accounts.pop(user_id, None)
        for user_id, sub, ticker in cs.keys("position"):
            if (user_id, sub, ticker) not in self.positions:
                mine_p = self.user_positions.get(user_id, {})
                mine_p.pop((sub, ticker), None)
                if not mine_p:
                    self.user_positions.pop(user_id, None)
