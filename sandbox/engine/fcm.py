"""FCM members: their subtraders, the risk controls they set on them, and position transfers.

State: `subtraders` {subtrader_id: FcmSubtrader} with a per-FCM list (creation order); `caps`
{subtrader_id: DailyCap}; `blocked` {subtrader_id: BlockedCategories}; `transfers`
{position_transfer_id: PositionTransfer}. A subtrader is an ordinary user of the exchange
(`{fcm_id}_{suffix}`, its own cash, orders and positions in `Accounts` and `Trading`); this part
only knows which FCM owns it and gates its new orders (`gate`, installed on `Trading`).

Kalshi's rules (OpenAPI 3.34.0, /fcm/*):
- CreateFCMSubtrader: suffix of 1-16 ASCII alphanumerics, id `{account_id}_{suffix}`,
  re-creating one is 409.
- Daily cap: "a subtrader with no cap cannot trade through its bound keys"; utilization is the
  net premium of today's fills ("sells and settlements credit back", reset "at midnight New York
  time") plus resting orders "at their full worst-case cost plus fees" (here: what `Trading`
  holds for them, `Order.reserved`). "Cap changes take effect immediately; existing resting
  orders are never cancelled by a cap change."
- Blocked categories: "new orders ... are rejected in markets whose event belongs to a blocked
  category, while orders already resting are not cancelled".
- Position transfer: "booked like a trade at price_centicents ... No fee is charged and no fill
  is created"; "the positions net like a trade"; "the source's current position is not
  checked"; the market must be open and the paying side must afford it, otherwise 409.

Local model (documented differences): every subtrader's orders are gated (locally a subtrader's
keys are its bound keys); the FCM's error account is the FCM itself, so a transfer's target is
`{fcm_id}_{suffix}` (a subtrader created on first use); cash nets between the two subtraders
exactly as a fill pair would (the source, the FCM's customer account, receives what the target
pays). A transfer that would move contracts promised to resting orders is refused (409).
"""

from __future__ import annotations

import re
import uuid
from copy import copy
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from . import events as ev
from .accounts import Accounts
from .catalog import Catalog
from .errors import EngineError
from .models import (
    BlockedCategories,
    DailyCap,
    FcmSubtrader,
    Market,
    Position,
    PositionTransfer,
)
from .money import ONE, ZERO, dec
from .operation import Operation
from .orders import BID, Trading, _apply_fill
from .portfolio import Portfolio

SUFFIX = re.compile(r"[A-Za-z0-9]{1,16}")
MAX_CATEGORY = 100
FOUR_PLACES = Decimal("0.0001")  # FixedPointDollars
MAX_CAP = Decimal(10**10)  # dollars; far above any balance
MAX_TRANSFER_CENTICOUNT = 10**12
NEW_YORK = ZoneInfo("America/New_York")
_IDS = uuid.UUID("3e7b9d14-2c5a-4f86-b0e1-7a9c4d2f6e58")  # namespace of position transfer ids


def day_start_ms(now_ms: int) -> tuple[int, str]:
    """(epoch ms of the last New York midnight, that New York date as YYYY-MM-DD)."""
    local = datetime.fromtimestamp(now_ms / 1000, NEW_YORK)
    midnight = datetime(local.year, local.month, local.day, tzinfo=NEW_YORK)
    return int(midnight.timestamp() * 1000), midnight.date().isoformat()


class Fcm:
    def __init__(
        self,
        op: Operation,
        accounts: Accounts,
        catalog: Catalog,
        trading: Trading,
        portfolio: Portfolio,
    ):
        self.op = op
        self.accounts = accounts
        self.catalog = catalog
        self.trading = trading
        self.portfolio = portfolio
        self.subtraders: dict[str, FcmSubtrader] = {}
        self.caps: dict[str, DailyCap] = {}
        self.blocked: dict[str, BlockedCategories] = {}
        self.transfers: dict[str, PositionTransfer] = {}
        self.by_fcm: dict[str, list[FcmSubtrader]] = {}  # derived
        trading.gate = self.gate
        trading.gated = self.subtraders  # only subtraders' orders are gated

    # ------------------------------------------------------------------ writes (in an operation)

    def create_subtrader(self, fcm_id: str, suffix: object) -> FcmSubtrader:
        op = self.op
        op.step("subtrader.validate")
        self._require_fcm(fcm_id)
        if not isinstance(suffix, str) or not SUFFIX.fullmatch(suffix):
            raise EngineError(
                400, "invalid_parameters", "subtrader_suffix: 1-16 ASCII letters and digits"
            )
        sid = f"{fcm_id}_{suffix}"
        if sid in self.subtraders:
            raise EngineError(409, "conflict", f"subtrader {sid} already exists")
        return self._new_subtrader(fcm_id, sid)

    def set_cap(self, fcm_id: str, subtrader_id: object, limit: object) -> DailyCap:
        op = self.op
        op.step("cap.validate")
        sid = self.own(fcm_id, subtrader_id).subtrader_id
        amount = dec(limit, "limit")
        if not ZERO <= amount <= MAX_CAP or amount != amount.quantize(FOUR_PLACES):
            raise EngineError(400, "invalid_parameters", "limit: dollars, 0 or more")
        op.step("cap.record")
        cap = self.caps.get(sid)
        if cap is None:
            cap = self.caps[sid] = DailyCap(sid, amount, op.now)
            op.added("daily_cap", cap, self.caps)
        else:
            op.touch("daily_cap", cap, self.caps)
            cap.limit, cap.updated_ts = amount, op.now
        return cap

    def remove_cap(self, fcm_id: str, subtrader_id: object) -> None:
        op = self.op
        op.step("cap.validate")
        sid = self.own(fcm_id, subtrader_id).subtrader_id
        cap = self.caps.get(sid)
        if cap is None:
            raise EngineError(404, "not_found", "this subtrader has no daily cap")
        op.step("cap.record")
        op.touch("daily_cap", cap, self.caps)
        del self.caps[sid]

    def set_blocked(
        self, fcm_id: str, subtrader_id: object, category: object, blocked: object
    ) -> list[str]:
        op = self.op
        op.step("blocked.validate")
        sid = self.own(fcm_id, subtrader_id).subtrader_id
        if not isinstance(category, str) or not 1 <= len(category) <= MAX_CATEGORY:
            raise EngineError(400, "invalid_parameters", "category: 1-100 characters")
        if not isinstance(blocked, bool):
            raise EngineError(400, "invalid_parameters", "blocked must be true or false")
        op.step("blocked.record")
        row = self.blocked.get(sid)
        if row is None:
            if not blocked:  # "Removing a category that is not blocked is a no-op"
                return []
            row = self.blocked[sid] = BlockedCategories(sid, [category], op.now)
            op.added("blocked_categories", row, self.blocked)
            return list(row.categories)
        if (category in row.categories) != blocked:
            op.touch("blocked_categories", row, self.blocked)
            cats = set(row.categories) | {category} if blocked else set(row.categories) - {category}
            row.categories, row.updated_ts = sorted(cats), op.now
        return list(row.categories)

    def transfer_position(
        self,
        fcm_id: str,
        source_id: object,
        target_id: object,
        ticker: object,
        centicount: object,
        price_centicents: object,
    ) -> PositionTransfer:
        """Move `centicount`/100 contracts (+ YES, - NO) from a subtrader to one under the
        FCM's error account, booked like a fill pair at the YES price, without a fee."""
        op = self.op
        op.step("position_transfer.validate")
        source = self.own(fcm_id, source_id).subtrader_id
        for name, v in (
            ("position_centicount", centicount),
            ("price_centicents", price_centicents),
        ):
            if isinstance(v, bool) or not isinstance(v, int):
                raise EngineError(400, "invalid_parameters", f"{name} must be an integer")
        assert isinstance(centicount, int) and isinstance(price_centicents, int)
        if centicount == 0 or centicount % 100 or abs(centicount) > MAX_TRANSFER_CENTICOUNT:
            raise EngineError(
                400, "invalid_parameters", "position_centicount: a non-zero whole number x 100"
            )
        if not 0 <= price_centicents <= 10_000 or price_centicents % 100:
            raise EngineError(400, "invalid_parameters", "price_centicents: whole cents 0-10000")
        if not isinstance(target_id, str) or not target_id.startswith(f"{fcm_id}_"):
            raise EngineError(
                400, "invalid_parameters", f"target_subtrader_id: {fcm_id}_SUFFIX (error account)"
            )
        if not SUFFIX.fullmatch(target_id[len(fcm_id) + 1 :]):
            raise EngineError(400, "invalid_parameters", "target suffix: 1-16 letters and digits")
        if target_id == source:
            raise EngineError(400, "invalid_parameters", "source and target must differ")
        if not isinstance(ticker, str):
            raise EngineError(400, "invalid_parameters", "market_ticker is required")
        m = self.catalog.live_market(ticker)
        self.trading.check_tradable(m)  # "The market must be open ... Otherwise ... 409"
        q = Decimal(abs(centicount)) / 100
        yes = Decimal(price_centicents) / 10_000
        target_side = BID if centicount > 0 else "ask"  # the target buys the moved side
        op.step("position_transfer.target")
        if target_id not in self.subtraders:
            self._new_subtrader(fcm_id, target_id)
        op.step("position_transfer.book")
        self._book(target_id, m, target_side, q, yes)
        self._book(source, m, "ask" if target_side == BID else BID, q, yes)
        op.step("position_transfer.record")
        seq = op.next_seq()
        t = PositionTransfer(
            str(uuid.uuid5(_IDS, f"{fcm_id}\x1f{seq}")),
            fcm_id,
            source,
            target_id,
            m.ticker,
            q if centicount > 0 else -q,
            yes,
            op.now,
            seq,
        )
        self.transfers[t.position_transfer_id] = t
        op.added("position_transfer", t, self.transfers)
        return t

    # ------------------------------------------------------------------ the order gate

    def gate(self, user_id: str, m: Market, need: Decimal, amend: bool = False) -> None:
        """Called by `Trading` before anything changes, for every new order and for every
        amend that requeues one (`need`: what it adds to the hold): a subtrader's new order
        must be outside its blocked categories ("orders already resting are not cancelled":
        amending one is not refused for its category), and within its daily cap."""
        if user_id not in self.subtraders:
            return
        row = self.blocked.get(user_id)
        if not amend and row is not None and row.categories:
            category = self.category_of(m)
            if category in row.categories:
                raise EngineError(
                    403,
                    "category_blocked",
                    f"trading in the {category} category is blocked for this subtrader",
                )
        cap = self.caps.get(user_id)
        if cap is None:
            raise EngineError(
                403,
                "daily_cap_not_set",
                "this subtrader has no event-contract daily cap: its orders are rejected",
            )
        executed, _ = self.executed(user_id)
        used = executed + self.resting(user_id)
        if used + need > cap.limit:
            raise EngineError(
                400,
                "daily_cap_exceeded",
                "order would exceed the subtrader's event-contract daily cap",
                f"limit {cap.limit}, used {used}, order {need}",
            )

    # ------------------------------------------------------------------ reads

    def own(self, fcm_id: str, subtrader_id: object) -> FcmSubtrader:
        """The caller's subtrader (400 without an id; 404 unknown or another FCM's)."""
        self._require_fcm(fcm_id)
        if not isinstance(subtrader_id, str) or not subtrader_id:
            raise EngineError(400, "invalid_parameters", "subtrader_id is required")
        s = self.subtraders.get(subtrader_id)
        if s is None or s.fcm_id != fcm_id:
            raise EngineError(404, "not_found", "subtrader not found")
        return s

    def of_fcm(self, fcm_id: str) -> list[FcmSubtrader]:
        self._require_fcm(fcm_id)
        return list(self.by_fcm.get(fcm_id, ()))

    def categories(self, fcm_id: str, subtrader_id: object) -> list[str]:
        row = self.blocked.get(self.own(fcm_id, subtrader_id).subtrader_id)
        return [] if row is None else list(row.categories)

    def cap(self, fcm_id: str, subtrader_id: object) -> tuple[DailyCap, Decimal, Decimal, str]:
        """(cap, executed utilization, resting utilization, New York cap date); 404 if none."""
        sid = self.own(fcm_id, subtrader_id).subtrader_id
        cap = self.caps.get(sid)
        if cap is None:
            raise EngineError(404, "not_found", "this subtrader has no daily cap")
        executed, day = self.executed(sid)
        return cap, executed, self.resting(sid), day

    def category_of(self, m: Market) -> str:
        event = self.catalog.events.get(m.event_ticker)
        series = self.catalog.series.get(event.series_ticker) if event is not None else None
        return series.category if series is not None else ""

    def executed(self, sid: str) -> tuple[Decimal, str]:
        """Net premium of the subtrader's fills since New York midnight (cost + fees of what
        it bought, less the proceeds of what it closed), less today's settlement payouts."""
        start, day = day_start_ms(self.op.time())
        total = ZERO
        for f in reversed(self.portfolio.fills_by_user.get(sid, ())):
            if f.created_time < start:
                break
            # Split the fill into closing and opening parts from the position after it.
            before = f.post_position - f.count if f.side == BID else f.post_position + f.count
            held = -before if f.side == BID else before  # contracts of the opposite side
            closing = min(f.count, max(held, ZERO))
            px = f.price if f.side == BID else ONE - f.price  # price of the side bought
            total += px * (f.count - closing) - (ONE - px) * closing + f.fee_cost
        for s in reversed(self.portfolio.settlements_by_user.get(sid, ())):
            if s.settled_time < start:
                break
            total -= s.revenue_dollars
        return total, day

    def resting(self, sid: str) -> Decimal:
        """What `Trading` holds for the subtrader's resting orders (worst case plus fees)."""
        return sum(
            (
                o.reserved
                for orders in self.trading.user_orders.get(sid, {}).values()
                for o in orders.values()
            ),
            ZERO,
        )

    # ------------------------------------------------------------------ internals

    def _require_fcm(self, fcm_id: str) -> None:
        if self.accounts.account(fcm_id, 0).member_type != "fcm":
            raise EngineError(403, "forbidden", "this endpoint requires FCM member access")

    def _new_subtrader(self, fcm_id: str, sid: str) -> FcmSubtrader:
        op = self.op
        op.step("subtrader.record")
        if self.accounts.has_user(sid):
            raise EngineError(409, "conflict", f"user {sid} already exists")
        self.accounts.add_user(sid, ZERO, "regular")
        s = self.subtraders[sid] = FcmSubtrader(sid, fcm_id, op.now, op.next_seq())
        op.added("subtrader", s, self.subtraders)
        self.by_fcm.setdefault(fcm_id, []).append(s)
        op.undo(self.by_fcm[fcm_id].remove, s)
        return s

    def _book(self, user_id: str, m: Market, side: str, q: Decimal, yes: Decimal) -> None:
        """One side of the transfer, netted into the position like a fill without a fee."""
        accounts = self.accounts
        acct = accounts.holder(user_id, 0, m.exchange_index)  # cash on the market's shard
        pos: Position = accounts.position(user_id, 0, m.ticker)
        if pos.covered_bid or pos.covered_ask:
            raise EngineError(
                409, "conflict", f"{user_id}'s position covers resting orders in {m.ticker}"
            )
        accounts.touch_cash(acct)
        accounts.touch_position(pos)
        self.catalog.touch_market(m)
        before = pos.position
        # A transferred position always nets (can_close=q): it never creates YES+NO pairs.
        cash, _ = _apply_fill(pos, side, q, yes if side == BID else ONE - yes, q)
        if acct.balance + cash < 0:
            raise EngineError(
                409, "insufficient_balance", f"{user_id} cannot pay for the transferred position"
            )
        acct.balance += cash
        acct.updated_ts = pos.last_updated_ts = self.op.now
        m.open_interest += max(pos.position, ZERO) - max(before, ZERO)
        if self.op.events is not None:
            self.op.emit(ev.PositionUpdate(copy(pos), self.op.now))

    def restore(
        self,
        subtraders: list[FcmSubtrader],
        caps: list[DailyCap],
        blocked: list[BlockedCategories],
        transfers: list[PositionTransfer],
    ) -> None:
        for s in sorted(subtraders, key=lambda s: s.seq):
            self.subtraders[s.subtrader_id] = s
            self.by_fcm.setdefault(s.fcm_id, []).append(s)
        self.caps.update((c.subtrader_id, c) for c in caps)
        self.blocked.update((b.subtrader_id, b) for b in blocked)
        self.transfers.update((t.position_transfer_id, t) for t in transfers)


__all__ = ["Fcm", "day_start_ms"]
