"""The local order book (auth/orderbook.py) fed with recorded message sequences: snapshots,
deltas, seq gaps, out-of-order and duplicate messages, empty sides, levels that reach zero."""

from __future__ import annotations

import random
from decimal import Decimal as D

from auth.orderbook import Book, Books

T = "KXTEST-26NOV24-T50"


def snap(seq, yes=None, no=None, sid=1, ticker=T, clock=10):
    msg = {"market_ticker": ticker, "market_id": "m-1", "clock": clock}
    if yes is not None:
        msg["yes_dollars_fp"] = yes
    if no is not None:
        msg["no_dollars_fp"] = no
    return {"type": "orderbook_snapshot", "sid": sid, "seq": seq, "msg": msg}


def delta(seq, side, price, change, sid=1, ticker=T, clock=11):
    msg = {
        "market_ticker": ticker,
        "market_id": "m-1",
        "clock": clock,
        "price_dollars": price,
        "delta_fp": change,
        "side": side,
        "ts_ms": 1764000000000,
    }
    return {"type": "orderbook_delta", "sid": sid, "seq": seq, "msg": msg}


def feed(books, *messages):
    return [None if (r := books.apply(m)) is None else str(r) for m in messages]


SNAPSHOT = snap(1, yes=[["0.0800", "300.00"], ["0.2200", "333.00"]], no=[["0.5400", "20.00"]])


def test_snapshot_loads_both_sides_as_decimals_and_top_uses_no_bids_for_the_ask():
    books = Books()
    assert feed(books, SNAPSHOT) == [None]
    book = books.books[T]
    assert book.yes == {D("0.08"): D(300), D("0.22"): D(333)}
    assert all(isinstance(k, D) and isinstance(v, D) for k, v in book.yes.items())
    top = book.top()
    assert (top.yes_bid, top.yes_bid_size) == (D("0.22"), D(333))
    assert (top.yes_ask, top.yes_ask_size) == (D("0.46"), D(20))  # 1 - 0.54
    assert top.spread == D("0.24")
    assert book.clock == 10


def test_empty_sides_are_absent_keys_and_give_no_top():
    books = Books()
    feed(books, snap(1))
    top = books.books[T].top()
    assert top.yes_bid is None and top.yes_ask is None and top.spread is None
    feed(books, delta(2, "no", "0.6000", "5.00"))
    top = books.books[T].top()
    assert top.yes_bid is None and top.yes_ask == D("0.40") and top.spread is None


def test_deltas_add_change_and_remove_a_level_at_zero():
    books = Books()
    results = feed(
        books,
        SNAPSHOT,
        delta(2, "yes", "0.2300", "10.00"),  # new best bid
        delta(3, "yes", "0.2200", "-33.00"),  # smaller
        delta(4, "yes", "0.2300", "-10.00"),  # back to zero: removed
        delta(5, "no", "0.5400", "-20.00"),  # the only NO level goes: no ask
    )
    assert results == [None] * 5
    book = books.books[T]
    assert book.yes == {D("0.08"): D(300), D("0.22"): D(300)}
    assert D("0.23") not in book.yes and book.no == {}
    assert book.top().yes_ask is None
    assert book.clock == 11


def test_fractional_sub_penny_sizes_add_up_exactly():
    book = Book(T)
    book.load({"yes_dollars_fp": [["0.0010", "0.10"]]})
    for _ in range(1000):
        book.apply({"side": "yes", "price_dollars": "0.001", "delta_fp": "0.01"})
    for _ in range(1010):
        book.apply({"side": "yes", "price_dollars": "0.0010", "delta_fp": "-0.01"})
    assert book.yes == {}  # exactly zero: a float sum would leave a residue


def test_seq_gap_asks_for_a_resync_and_skips_deltas_until_the_next_snapshot():
    books = Books()
    results = feed(
        books,
        SNAPSHOT,
        delta(2, "yes", "0.3000", "1.00"),
        delta(4, "yes", "0.3100", "1.00"),  # 3 was lost
        delta(5, "yes", "0.3200", "1.00"),  # skipped: the book is waiting for a snapshot
    )
    assert results[:2] == [None, None]
    assert results[2] == "seq gap on sid 1: 2 -> 4"
    assert results[3] is None
    assert books.gaps == 1 and books.resyncing == {T}
    assert D("0.31") not in books.books[T].yes and D("0.32") not in books.books[T].yes
    # the get_snapshot answer replaces the book and continues the sequence
    fresh = snap(6, yes=[["0.3200", "1.00"]], no=[["0.6000", "7.00"]])
    assert feed(books, fresh, delta(7, "yes", "0.3200", "2.00")) == [None, None]
    assert books.resyncing == set()
    assert books.books[T].yes == {D("0.32"): D(3)}


def test_out_of_order_and_duplicate_messages_are_not_applied_twice():
    books = Books()
    results = feed(
        books,
        SNAPSHOT,
        delta(2, "yes", "0.3000", "1.00"),
        delta(2, "yes", "0.3000", "1.00"),  # duplicate
        delta(4, "yes", "0.3000", "1.00"),  # ahead of 3: gap
        delta(3, "yes", "0.3000", "1.00"),  # late: old seq, skipped
    )
    assert results == [None, None, None, "seq gap on sid 1: 2 -> 4", None]
    assert books.stale == 2 and books.gaps == 1
    assert books.books[T].yes[D("0.30")] == D(1)


def test_a_gap_is_reported_as_a_value():
    from auth.orderbook import Resync

    books = Books()
    books.apply(snap(1))
    books.apply(delta(2, "yes", "0.3000", "1.00"))
    gap = books.apply(delta(5, "yes", "0.3000", "1.00"))
    assert gap == Resync("seq_gap", 1, (T,), last_seq=2, seq=5)
    assert gap.missed == 2 and str(gap) == "seq gap on sid 1: 2 -> 5"


def test_a_gap_on_a_shared_sid_resyncs_every_market_of_that_subscription():
    other = "KXTEST-26NOV24-T60"
    books = Books()
    feed(books, SNAPSHOT, snap(2, yes=[["0.1000", "1.00"]], ticker=other))
    assert feed(books, delta(4, "yes", "0.1000", "1.00", ticker=other)) == [
        "seq gap on sid 1: 2 -> 4"
    ]
    assert books.resyncing == {T, other}
    # a snapshot that itself follows a gap: the other markets may have missed something
    books = Books()
    feed(books, SNAPSHOT, snap(2, yes=[["0.1000", "1.00"]], ticker=other))
    assert feed(books, snap(5, ticker=other)) == ["seq gap on sid 1: 2 -> 5"]
    assert books.resyncing == {T}


def test_delta_before_snapshot_and_level_below_zero_need_a_resync():
    books = Books()
    assert feed(books, delta(1, "yes", "0.5000", "1.00")) == [f"delta for {T} before its snapshot"]
    books = Books()
    feed(books, SNAPSHOT)
    assert feed(books, delta(2, "no", "0.5400", "-21.00")) == [f"delta takes {T} no below zero"]
    assert books.resyncing == {T}


def test_a_new_connection_restarts_sequences_with_its_snapshot():
    books = Books()
    feed(books, SNAPSHOT, *(delta(s, "yes", "0.3000", "1.00") for s in range(2, 50)))
    books.forget_sids()  # what the script does after a reconnect
    assert feed(books, snap(1, yes=[["0.3000", "2.00"]]), delta(2, "yes", "0.3000", "1.00")) == [
        None,
        None,
    ]
    assert books.books[T].yes == {D("0.30"): D(3)}
    # even without forget_sids, a snapshot restarts the sid's sequence (sids are reused)
    feed(books, *(delta(s, "yes", "0.3000", "1.00") for s in range(3, 9)))
    assert feed(books, snap(1, yes=[["0.3000", "2.00"]]), delta(2, "yes", "0.3000", "1.00")) == [
        None,
        None,
    ]


def test_other_message_types_are_ignored():
    books = Books()
    assert books.apply({"type": "subscribed", "id": 1, "msg": {"channel": "x", "sid": 1}}) is None
    assert books.apply({"type": "ticker", "sid": 2, "msg": {}}) is None
    assert books.books == {}


def test_diff_against_rest_ignores_order_and_number_format():
    books = Books()
    feed(books, SNAPSHOT)
    rest = {
        "yes_dollars": [["0.22", "333"], ["0.0800", "300.00"]],  # best first, short strings
        "no_dollars": [["0.5400", "20.00"]],
    }
    assert books.books[T].diff(rest) == []
    rest["no_dollars"] = [["0.5400", "19.00"], ["0.5000", "1.00"]]
    assert books.books[T].diff(rest) == [
        "no $0.50: local 0, REST 1",
        "no $0.54: local 20, REST 19",
    ]
    assert books.books[T].diff({"yes_dollars": [], "no_dollars": []}) != []


def test_depth_lists_best_levels_first():
    books = Books()
    feed(books, SNAPSHOT)
    assert books.books[T].depth("yes") == [(D("0.22"), D(333)), (D("0.08"), D(300))]
    assert books.books[T].depth("yes", 1) == [(D("0.22"), D(333))]


def test_random_recorded_sequence_matches_a_reference_model():
    rng = random.Random(7)
    model = {"yes": {}, "no": {}}
    messages = [snap(1)]
    for seq in range(2, 5000):
        side = rng.choice(("yes", "no"))
        cents = rng.randint(1, 99)
        current = model[side].get(cents, 0)
        change = rng.randint(-current, 50) if current else rng.randint(1, 50)
        model[side][cents] = current + change
        messages.append(delta(seq, side, f"{cents / 100:.4f}", f"{change}.00"))
    books = Books()
    assert set(feed(books, *messages)) == {None}
    for side in ("yes", "no"):
        expected = {D(c) / 100: D(n) for c, n in model[side].items() if n}
        assert getattr(books.books[T], side) == expected
