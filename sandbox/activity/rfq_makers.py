"""Simulated RFQ makers and the RFQ clock.

`run_rfq_clock` runs the exchange's RFQ timers on time (confirmation windows, execution timers) even
when no request arrives; it always runs. `RfqMakers` (on unless --no-rfq-makers) quote every
open RFQ they have not yet answered within a fraction of a second, around the market's mid (or
its last price, or 50c) with a few cents of edge on each side, and confirm every quote of
theirs that gets accepted, so a lone user can complete the whole RFQ flow offline. They quote
RFQ batches the same way (every child, resent before the 30 s a batch quote counts run out) and
confirm the children they win.

Several makers (`MAKERS`) quote each RFQ with different edges, so the best quote is a real
choice; they never identify themselves beyond their communications id. A simulated requester
(`REQUESTER`) keeps one RFQ of its own open on a combo market, renewed every `RFQ_EVERY_S`, so
that a maker (04_quote_an_rfq.py) always finds something to quote.

Combos live on exchange index 1 and "programmatic traders must preallocate collateral on a given
exchange shard before order placement" (docs.kalshi.com/getting_started/exchange_sharding). The
makers and the requester trade both ordinary markets (index 0) and combos (index 1), so each
keeps a target balance allocation (`ALLOCATION`): Kalshi's own tool for traders active on
several shards. Setting it moves their cash at once, and the exchange's periodic rebalance
(activity/rebalancer.py) tops an index back up after trades drain it.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import ROUND_FLOOR, Decimal

from sandbox.engine.errors import EngineError

log = logging.getLogger("sandbox.activity")

MAKERS = {"rfq-maker-1": Decimal("0.03"), "rfq-maker-2": Decimal("0.05")}  # user -> edge
REQUESTER = "rfq-flow"
MAKER_BALANCE = Decimal("1000000")
ALLOCATION = [[0, 50], [1, 50]]  # percent of cash per exchange index (index 1: combos)
RFQ_EVERY_S = 30.0
BATCH_RESEND_S = 20.0  # a batch quote counts for 30 s after it was last sent
POLL_S = 0.1
CENT = Decimal("0.01")
LOW, HIGH = Decimal("0.01"), Decimal("0.99")


def fair_value(markets, m) -> Decimal:
    """Mid of the book, else the last price, else 50c; a combo's is the product of its legs'
    (each leg's YES or NO fair, as if the legs were independent)."""
    if m.mve_selected_legs:
        p = Decimal(1)
        for leg in m.mve_selected_legs:
            f = fair_value(markets, markets[leg["market_ticker"]])
            p *= f if leg["side"] == "yes" else 1 - f
        return p
    if m.yes_bid > 0 and 0 < m.yes_ask < 1:
        return (m.yes_bid + m.yes_ask) / 2
    return m.last_price or Decimal("0.5")


def maker_prices(markets, m, edge: Decimal) -> tuple[Decimal, Decimal]:
    """(yes_bid, no_bid): what the requester pays per YES / per NO contract, each `edge` above
    fair, on whole cents inside (0, 1)."""
    fair = fair_value(markets, m)
    yes = min(max((fair + edge).quantize(CENT, rounding=ROUND_FLOOR), LOW), HIGH)
    no = min(max((1 - fair + edge).quantize(CENT, rounding=ROUND_FLOOR), LOW), HIGH)
    return yes, no


class RfqMakers:
    def __init__(self, exchange):
        self.ex = exchange
        self.answered: set[tuple[str, str]] = set()  # (maker, rfq id)
        self.batch_sent: dict[tuple[str, str], float] = {}  # (maker, batch id) -> loop time
        self.next_request = 0.0

    def ensure_users(self) -> None:
        for user in (*MAKERS, REQUESTER):
            if not self.ex.has_user(user):
                self.ex.add_user(user, MAKER_BALANCE)
            if not self.ex.indexes.allocation(user).allocations:  # (also older journals)
                self.ex.set_target_allocation(user, ALLOCATION)

    def request(self, now: float) -> None:
        """The simulated requester's standing RFQ on a combo of two open legs."""
        if now < self.next_request:
            return
        self.next_request = now + RFQ_EVERY_S
        ex = self.ex
        for c in ex.list_collections(status="open"):
            legs = []
            for a in c.associated_events:
                event = ex.events.get(a["ticker"])
                markets = event.markets if event is not None else []
                t = next((t for t in markets if ex.markets[t].status == "active"), None)
                if t is not None:
                    legs.append({"event_ticker": a["ticker"], "market_ticker": t, "side": "yes"})
                if len(legs) == c.size_min:
                    combo, _ = ex.create_combo_market(REQUESTER, c.collection_ticker, legs)
                    ex.create_rfq(
                        REQUESTER,
                        ticker=combo.ticker,
                        contracts=Decimal(10),
                        rest_remainder=False,
                        replace_existing=True,
                    )
                    return

    def step(self) -> None:
        """Quote new RFQs, confirm accepted quotes."""
        ex = self.ex
        open_rfqs = ex.list_rfqs(status="open")
        live = {r.rfq_id for r in open_rfqs}
        self.answered = {k for k in self.answered if k[1] in live}
        for r in open_rfqs:
            m = ex.markets.get(r.ticker)
            if m is None or m.status != "active":
                continue
            for maker, edge in MAKERS.items():
                if r.user_id == maker or (maker, r.rfq_id) in self.answered:
                    continue
                self.answered.add((maker, r.rfq_id))
                yes, no = maker_prices(ex.markets, m, edge)
                try:
                    ex.create_quote(
                        maker, rfq_id=r.rfq_id, yes_bid=yes, no_bid=no, rest_remainder=False
                    )
                except EngineError as exc:  # e.g. off the market's grid, RFQ just closed
                    log.debug("rfq maker %s on %s: %s", maker, r.rfq_id, exc)
        for maker in MAKERS:
            for q in ex.list_quotes(maker, status="accepted", mine=True):
                try:
                    ex.confirm_quote(maker, q.quote_id, q.rfq_id)
                except EngineError as exc:
                    log.debug("rfq maker %s confirm %s: %s", maker, q.quote_id, exc)

    def step_batches(self, now: float) -> None:
        """Quote open RFQ batches (every child), resend before the quotes lapse, and confirm
        the batch quotes that won children."""
        ex = self.ex
        batches = ex.list_rfq_batches(status="open")
        live = {b.batch_id for b in batches}
        self.batch_sent = {k: t for k, t in self.batch_sent.items() if k[1] in live}
        for b in batches:
            markets = [ex.markets.get(ex.comms.rfqs[r].ticker) for r in b.rfq_ids]
            if any(m is None or m.status != "active" for m in markets):
                continue
            for maker, edge in MAKERS.items():
                key = (maker, b.batch_id)
                if b.user_id == maker or now < self.batch_sent.get(key, -1e9) + BATCH_RESEND_S:
                    continue
                self.batch_sent[key] = now
                quotes = []
                for r, m in zip(b.rfq_ids, markets, strict=True):
                    yes, no = maker_prices(ex.markets, m, edge)
                    quotes.append({"rfq_id": r, "yes_bid": yes, "no_bid": no})
                try:
                    ex.create_batch_quote(maker, b.batch_id, quotes=quotes, rest_remainder=False)
                except EngineError as exc:
                    log.debug("rfq maker %s on batch %s: %s", maker, b.batch_id, exc)
        for b in ex.list_rfq_batches(status="accepted"):
            for maker in MAKERS:
                for bq, _ in ex.batch_quotes_visible(maker, b.batch_id):
                    if bq.user_id == maker and bq.status == "accepted":
                        try:
                            ex.confirm_batch_quote(maker, b.batch_id, bq.batch_quote_id)
                        except EngineError as exc:
                            log.debug("rfq maker %s confirm %s: %s", maker, bq.batch_quote_id, exc)

    async def run(self) -> None:
        self.ensure_users()
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(POLL_S)
            try:
                self.request(loop.time())
                self.step()
                self.step_batches(loop.time())
            except Exception:  # never let one bad tick end the makers
                log.exception("rfq makers step failed")


async def run_rfq_clock(exchange, tick_s: float = 0.05) -> None:
    """Run due RFQ timers (missed confirmations, executions, batch quotes that stop counting)
    close to their deadlines."""
    while True:
        await asyncio.sleep(tick_s)
        try:
            deadline = exchange.next_rfq_deadline()
            if deadline is not None and deadline <= exchange.now():
                exchange.run_timers()
        except Exception:
            log.exception("rfq clock failed")
