"""Bookkeeping invariants and the money total (tests and the crash test check these)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from .models import ASK, BID, RESTING
from .money import ZERO

if TYPE_CHECKING:
    from .exchange import Exchange


def check_invariants(ex: Exchange) -> None:
    """Raise AssertionError when internal bookkeeping disagrees with itself."""
    trading, cash = ex.trading, ex.cash
    for t, book in trading.books.items():
        b, a = book.best_bid(), book.best_ask()
        assert b is None or a is None or b < a, f"crossed book {t}: {b} >= {a}"
        for side in ("bid", "ask"):
            for price, total in book.qty[side].items():
                orders = book.orders_at(side, price)
                assert orders and total == sum(o.remaining_count for o in orders), (t, price)
    resting = [o for o in trading.orders.values() if o.status == RESTING]
    indexed = {
        o.order_id
        for by_key in trading.user_orders.values()
        for mine in by_key.values()
        for o in mine.values()
    }
    assert indexed == {o.order_id for o in resting}, "resting-order index out of step"
    on_books = {o.order_id for book in trading.books.values() for o in book.all_orders()}
    assert on_books == indexed, "books and resting-order index disagree"
    held: dict[tuple[str, int, int], Decimal] = {}  # per cash record: (user, sub, index)
    for o in resting:
        assert o.exchange_index == ex.catalog.markets[o.ticker].exchange_index, o
        k = (o.user_id, o.subaccount, o.exchange_index)
        held[k] = held.get(k, ZERO) + o.reserved
    for (u, s), acct in cash.accounts.items():
        assert held.get((u, s, 0), ZERO) == acct.reserved, (acct, held.get((u, s, 0), ZERO))
        assert acct.balance >= 0, acct
        # Balances and holds stay on the member's precision (fees.charge, fees.hold).
        prec = cash.precision(acct.user_id)
        assert acct.balance % prec == 0 and acct.reserved % prec == 0, acct
        assert cash.user_accounts[acct.user_id][acct.subaccount] is acct
    for (u, s, t), p in cash.positions.items():
        mine = trading.resting(u, s, t).values()
        assert p.covered_bid == sum((o.covered for o in mine if o.side == BID), ZERO), p
        assert p.covered_ask == sum((o.covered for o in mine if o.side == ASK), ZERO), p
        assert p.covered_bid <= max(ZERO, -p.position) or p.settled, p
        assert p.covered_ask <= max(ZERO, p.position) or p.settled, p
        assert cash.user_positions[u][(s, t)] is p
        assert p.paired >= 0 and not (p.settled and p.paired), p
    subs = ex.subaccounts
    indexed_transfers = [t for mine in subs.by_user.values() for t in mine]
    assert len(indexed_transfers) == len(subs.transfers) == len(subs.by_client_id)
    for tr in indexed_transfers:
        assert subs.transfers[tr.transfer_id] is tr, tr
        assert subs.by_client_id[(tr.user_id, tr.client_transfer_id)] is tr, tr
        assert (tr.user_id, tr.from_subaccount) in cash.accounts, tr
        assert (tr.user_id, tr.to_subaccount) in cash.accounts, tr
        assert tr.amount > 0, tr
    assert cash.unnetted == {k for k, v in subs.netting.items() if not v.enabled}
    idx = ex.indexes
    for (u, s, i), held_on in idx.cash.items():
        assert (u, s) in cash.accounts and i != 0 and held_on.balance >= 0, held_on
        assert held_on.balance % cash.precision(u) == 0, held_on
        assert held_on.reserved % cash.precision(u) == 0, held_on
        assert held.get((u, s, i), ZERO) == held_on.reserved, (held_on, held.get((u, s, i)))
    assert all(k in idx.cash for k, v in held.items() if k[2] and v), "hold without cash record"
    listed = [t for mine in idx.by_user.values() for t in mine]
    assert len(listed) == len(idx.transfers), "index transfer list out of step"
    assert all(idx.transfers[t.transfer_id] is t for t in listed)
    for tr2 in idx.transfers.values():
        assert tr2.amount > 0 and tr2.source_index != tr2.destination_index, tr2
        if tr2.client_transfer_id:
            ckey = (tr2.user_id, tr2.source_index, tr2.client_transfer_id)
            assert idx.by_client_id[ckey] is tr2, tr2
    for user_id, mine_a in cash.user_accounts.items():  # numbered 0..n-1, no gaps
        assert sorted(mine_a) == list(range(len(mine_a))), (user_id, sorted(mine_a))
    _check_batches(ex)


def _check_batches(ex: Exchange) -> None:
    """RFQ batches hold no money; their children and indexes agree with their status."""
    batches, comms = ex.batches, ex.comms
    for b in batches.batches.values():
        children = [comms.rfqs[r] for r in b.rfq_ids]
        assert all(r.rfq_batch_id == b.batch_id for r in children), b
        assert (b.batch_id in batches.open_by_user.get(b.user_id, {})) == (b.status == "open"), b
        assert (b.batch_id in batches.pending) == (b.status == "accepted"), b
        if b.status != "closed":
            assert all(r.status == "open" for r in children), b
        won = [
            comms.quotes[q] for bq in batches.by_batch.get(b.batch_id, {}).values() for q in bq.won
        ]
        assert len({q.rfq_id for q in won}) == len(won), b  # one winner per child
        if b.executed:
            assert len(won) == len(children) and all(q.status == "executed" for q in won), b
    for bq in batches.batch_quotes.values():
        assert batches.by_batch[bq.batch_id][bq.batch_quote_id] is bq, bq


def escrow(ex: Exchange) -> Decimal:
    """$1 per open YES/NO pair in unsettled markets (money held by the exchange)."""
    return sum(
        (m.open_interest for m in ex.catalog.markets.values() if m.settlement_ts is None), ZERO
    )


def total_money(ex: Exchange) -> Decimal:
    """Cash (every index) + held cash + fees + escrow: constant apart from deposits."""
    return (
        sum((a.balance + a.reserved for a in ex.cash.accounts.values()), ZERO)
        + sum((b.balance + b.reserved for b in ex.indexes.cash.values()), ZERO)
        + ex.fees_collected
        + escrow(ex)
    )
