"""Block trades: a proposal names a buyer, a seller, a market, a price and a size; it executes
when both parties have accepted it before its expiration.

The spec says little beyond the fields (ProposeBlockTrade, AcceptBlockTradeProposal); the rules
here: the proposer may be a third party (a broker) or one of the two parties, whose side then
counts as accepted at once; only the buyer and the seller accept; a proposal past
`expiration_ts` can no longer be accepted. Execution places the two orders through
`Trading.create_order`, the `maker_side`'s first (YES = the buyer's bid, NO = the seller's ask)
and the other as an immediate-or-cancel taker at the same price, so fees, collateral and fills
are the order book's own; if any of it would trade with a third party's resting order, the
whole execution fails (and the acceptance with it).

State: `proposals` by id; the per-user index of proposals each user is party to is derived.
"""

from __future__ import annotations

from .accounts import Accounts
from .catalog import Catalog
from .common import MAX_SUBACCOUNT
from .errors import EngineError, not_found
from .models import ACTIVE, ASK, BID, GTC, IOC, STP_TAKER, BlockTrade
from .money import check_count, dec
from .operation import ChangeSet, Operation
from .orders import Trading


def _bad(message: str, code: str = "invalid_parameters") -> EngineError:
    return EngineError(400, code, message)


def _sub(value: int) -> int:
    if not isinstance(value, int) or not 0 <= value <= MAX_SUBACCOUNT:
        raise _bad("subaccount must be 0-63")
    return value


class Blocks:
    def __init__(self, op: Operation, accounts: Accounts, catalog: Catalog, trading: Trading):
        self.op = op
        self.accounts = accounts
        self.catalog = catalog
        self.trading = trading
        self.proposals: dict[str, BlockTrade] = {}
        self.by_user: dict[str, dict[str, BlockTrade]] = {}  # derived
        op.repairs.append(self.repair)

    def propose(
        self,
        user_id: str,
        *,
        buyer: str,
        seller: str,
        ticker: str,
        price: object,
        count: object,
        maker_side: str,
        expiration_ts: int,
        buyer_subaccount: int = 0,
        seller_subaccount: int = 0,
    ) -> BlockTrade:
        op = self.op
        op.step("block.validate")
        for who in (user_id, buyer, seller):
            if not self.accounts.has_user(who):
                raise not_found("user")
        if buyer == seller:
            raise _bad("buyer and seller must differ")
        m = self.catalog.live_market(ticker)
        if m.status != ACTIVE:
            raise EngineError(409, "market_closed", f"market is {m.status}")
        p = self.trading.check_price(m, dec(price, "price", bounded=False))
        c = check_count(count)
        if maker_side not in ("yes", "no"):
            raise _bad("maker_side must be yes or no")
        if not isinstance(expiration_ts, int) or expiration_ts <= op.now:
            raise _bad("expiration_ts must be in the future")
        op.step("block.record")
        now = op.now
        b = BlockTrade(
            proposal_id=op.new_id("block"),
            proposer=user_id,
            buyer=buyer,
            seller=seller,
            ticker=ticker,
            price=p,
            count=c,
            maker_side=maker_side,
            expiration_ts=expiration_ts,
            buyer_subaccount=_sub(buyer_subaccount),
            seller_subaccount=_sub(seller_subaccount),
            created_ts=now,
            updated_ts=now,
            buyer_accepted_ts=now if user_id == buyer else None,
            seller_accepted_ts=now if user_id == seller else None,
        )
        self.proposals[b.proposal_id] = b
        op.added("block", b, self.proposals)
        self._index(b)
        return b

    def visible(self, user_id: str, proposal_id: str) -> BlockTrade:
        b = self.proposals.get(proposal_id)
        if b is None or user_id not in (b.proposer, b.buyer, b.seller):
            raise not_found("block trade proposal")
        return b

    def accept(self, user_id: str, proposal_id: str, subaccount: int | None = None) -> BlockTrade:
        op = self.op
        op.step("block_accept.validate")
        b = self.visible(user_id, proposal_id)
        if user_id not in (b.buyer, b.seller):
            raise EngineError(403, "forbidden", "only the buyer or the seller can accept")
        if b.status != "pending":
            raise _bad(f"the proposal is {b.status}", "proposal_not_pending")
        if op.now > b.expiration_ts:
            raise _bad("the proposal has expired", "proposal_expired")
        op.step("block_accept.record")
        op.touch("block", b, self.proposals)
        b.updated_ts = op.now
        if user_id == b.buyer:
            b.buyer_accepted_ts = b.buyer_accepted_ts or op.now
            if subaccount is not None:
                b.buyer_subaccount = _sub(subaccount)
        if user_id == b.seller:
            b.seller_accepted_ts = b.seller_accepted_ts or op.now
            if subaccount is not None:
                b.seller_subaccount = _sub(subaccount)
        if b.buyer_accepted_ts is not None and b.seller_accepted_ts is not None:
            self._execute(b)
        return b

    def _execute(self, b: BlockTrade) -> None:
        op = self.op
        buy = (b.buyer, BID, b.buyer_subaccount)
        sell = (b.seller, ASK, b.seller_subaccount)
        maker, taker = (buy, sell) if b.maker_side == "yes" else (sell, buy)
        op.step("block.maker")
        m_order = self._place(maker, b, GTC)
        op.step("block.taker")
        t_order = None if m_order.fill_count else self._place(taker, b, IOC)
        if t_order is None or m_order.fill_count != b.count:
            # The public book got in between (a resting order crossed the maker's, or stood
            # ahead of it): a block trade is between its two parties only, all or nothing.
            raise EngineError(
                409, "block_trade_not_filled", "the block trade would trade with third parties"
            )
        op.step("block.record")
        b.status = "executed"
        b.executed_ts = op.now
        orders = {maker[0]: m_order.order_id, taker[0]: t_order.order_id}
        b.buyer_order_id, b.seller_order_id = orders[b.buyer], orders[b.seller]

    def _place(self, who: tuple[str, str, int], b: BlockTrade, tif: str):
        user, side, sub = who
        return self.trading.create_order(
            user,
            ticker=b.ticker,
            side=side,
            price=b.price,
            count=b.count,
            time_in_force=tif,
            self_trade_prevention_type=STP_TAKER,
            subaccount=sub,
        ).order

    def find(
        self, user_id: str, ticker: str | None = None, status: str | None = None
    ) -> list[BlockTrade]:
        now = self.op.time()
        out = [
            b
            for b in self.by_user.get(user_id, {}).values()
            if (ticker is None or b.ticker == ticker)
            and (status is None or self.status_of(b, now) == status)
        ]
        out.sort(key=lambda b: (b.created_ts, b.proposal_id), reverse=True)
        return out

    @staticmethod
    def status_of(b: BlockTrade, now: int) -> str:
        return "expired" if b.status == "pending" and now > b.expiration_ts else b.status

    # ------------------------------------------------------------------ indexes

    def _index(self, b: BlockTrade) -> None:
        for user in {b.proposer, b.buyer, b.seller}:
            self.by_user.setdefault(user, {})[b.proposal_id] = b

    def restore(self, proposals: list[BlockTrade]) -> None:
        for b in proposals:
            self.proposals[b.proposal_id] = b
            self._index(b)

    def repair(self, cs: ChangeSet) -> None:
        for b, image in cs.entries("block"):
            if image is None:
                for user in {b.proposer, b.buyer, b.seller}:
                    self.by_user.get(user, {}).pop(b.proposal_id, None)
