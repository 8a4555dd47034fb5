"""Multivariate event collections and the combo markets created in them.

A collection names the events whose markets may be combined (sides yes/no, at most `size_max`
legs, one market per event). `POST /multivariate_event_collections/{ticker}` looks a combo up,
or creates it: a new event in the collection's series and one binary market whose ticker is
derived from the legs (KXMVE style: `<SERIES>-S<hash>` and `<event>-<hash>`), so the same legs
always give the same market. "Users are limited to 5000 creations per week" (spec). A combo
resolves from its legs: NO as soon as one leg resolves against its side, YES when every leg has
resolved for it; it settles right away.

State: `collections` by ticker, `quotas` by user. Combo markets are ordinary markets of the
catalog (with `mve_collection_ticker` / `mve_selected_legs`); the indexes here (legs -> combo,
leg market -> combos, combo events) are derived from them.
"""

from __future__ import annotations

import hashlib

from .catalog import Catalog
from .errors import EngineError, not_found
from .lifecycle import Lifecycle
from .models import ACTIVE, INACTIVE, INITIALIZED, Collection, ComboQuota, Event, Market
from .operation import ChangeSet, Operation
from .orders import Trading

WEEK_MS = 7 * 86_400_000
MAX_CREATIONS_PER_WEEK = 5_000


def _invalid(message: str, code: str = "invalid_parameters") -> EngineError:
    return EngineError(400, code, message)


class Collections:
    def __init__(self, op: Operation, catalog: Catalog, trading: Trading, lifecycle: Lifecycle):
        self.op = op
        self.catalog = catalog
        self.trading = trading
        self.lifecycle = lifecycle
        self.collections: dict[str, Collection] = {}
        self.quotas: dict[str, ComboQuota] = {}
        # Indexes (derived from the combo markets: rebuilt on restore, repaired on rollback).
        self.by_legs: dict[tuple[str, tuple], str] = {}
        self.by_leg: dict[str, set[str]] = {}
        self.events_of: dict[str, str] = {}  # combo event ticker -> collection ticker
        op.repairs.append(self.repair)

    # ------------------------------------------------------------------ writes

    def add_collection(self, c: Collection) -> Collection:
        op = self.op
        op.step("add_collection.validate")
        if c.series_ticker not in self.catalog.series:
            raise not_found("series")
        op.step("add_collection.record")
        old = self.collections.get(c.collection_ticker)
        if old is not None:
            op.touch("collection", old, self.collections)
        self.collections[c.collection_ticker] = c
        op.added("collection", c, self.collections)
        return c

    def _legs(self, c: Collection, selected: object) -> tuple[list[dict], list[Market]]:
        """Validated legs (as the spec's TickerPair) and their markets."""
        if not isinstance(selected, list) or not selected:
            raise _invalid("selected_markets must be a non-empty list")
        if not c.size_min <= len(selected) <= c.size_max:
            raise _invalid(f"a combo in {c.collection_ticker} has {c.size_min}-{c.size_max} legs")
        rules = {a["ticker"]: a for a in c.associated_events}
        legs: list[dict] = []
        markets: list[Market] = []
        seen: set[str] = set()
        for leg in selected:
            if not isinstance(leg, dict) or leg.get("side") not in ("yes", "no"):
                raise _invalid("each selected market needs market_ticker, event_ticker, side")
            ticker, event = leg.get("market_ticker"), leg.get("event_ticker")
            m = self.catalog.markets.get(ticker) if isinstance(ticker, str) else None
            if m is None or m.event_ticker != event:
                raise not_found("market")
            if event not in rules:
                raise _invalid(
                    f"{event} is not in {c.collection_ticker}", "invalid_market_combination"
                )
            if ticker in seen:
                raise _invalid("a market appears twice", "duplicated_legs")
            if event in {x["event_ticker"] for x in legs}:
                raise _invalid("one market per event", "conflicting_leg_outcomes")
            if rules[event].get("is_yes_only") and leg["side"] != "yes":
                raise _invalid(f"only the yes side of {event} can be used")
            if m.status != ACTIVE:
                raise EngineError(409, "market_closed", f"{ticker} is {m.status}")
            seen.add(m.ticker)
            legs.append({"event_ticker": event, "market_ticker": m.ticker, "side": leg["side"]})
            markets.append(m)
        if not c.is_ordered:
            order = sorted(range(len(legs)), key=lambda i: legs[i]["market_ticker"])
            legs, markets = [legs[i] for i in order], [markets[i] for i in order]
        return legs, markets

    @staticmethod
    def _key(legs: list[dict]) -> tuple:
        return tuple((x["market_ticker"], x["side"]) for x in legs)

    def create_market(
        self, user_id: str, collection_ticker: str, selected: object
    ) -> tuple[Market, bool]:
        """The combo of these legs: (market, whether this call created it)."""
        op = self.op
        now = op.now
        op.step("create_combo.validate")
        c = self.collections.get(collection_ticker)
        if c is None:
            raise not_found("collection")
        if not c.open_date <= now <= c.close_date:
            raise EngineError(409, "collection_closed", "the collection is not open")
        legs, markets = self._legs(c, selected)
        key = (collection_ticker, self._key(legs))
        existing = self.by_legs.get(key)
        if existing is not None:
            return self.catalog.markets[existing], False
        quota = self.quotas.get(user_id)
        recent = [t for t in quota.times if t > now - WEEK_MS] if quota else []
        if len(recent) >= MAX_CREATIONS_PER_WEEK:
            raise EngineError(
                429, "too_many_requests", f"at most {MAX_CREATIONS_PER_WEEK} combos a week"
            )
        op.step("create_combo.record")
        digest = hashlib.sha256(repr(key).encode()).hexdigest().upper()
        event_ticker = f"{c.series_ticker}-S{digest[:10]}"
        ticker = f"{event_ticker}-{digest[10:16]}"
        title = ", ".join(
            f"{'yes' if leg['side'] == 'yes' else 'no'} {m.yes_sub_title or m.title}"
            for leg, m in zip(legs, markets, strict=True)
        )
        self.catalog.create_event(
            Event(
                event_ticker,
                c.series_ticker,
                c.title,
                title,
                mutually_exclusive=False,
                collateral_return_type="",
            )
        )
        close = min(m.close_time for m in markets)
        m = Market(
            ticker=ticker,
            event_ticker=event_ticker,
            series_ticker=c.series_ticker,
            title=title,
            subtitle="",
            yes_sub_title=title,
            no_sub_title=title,
            open_time=now,
            close_time=close,
            latest_expiration_time=max(m.latest_expiration_time for m in markets),
            rules_primary=(
                "If every selected leg resolves to its selected side, the market resolves to "
                "Yes; if any leg resolves against its side, it resolves to No."
            ),
            rules_secondary=c.functional_description,
            price_level_structure=c.price_level_structure,
            price_ranges=c.price_ranges,
            can_close_early=True,
            mve_collection_ticker=collection_ticker,
            mve_selected_legs=legs,
        )
        self.catalog.create_market(m)
        self.trading.open_book(ticker)
        if quota is None:
            quota = self.quotas[user_id] = ComboQuota(user_id)
            op.added("combo_quota", quota, self.quotas)
        else:
            op.touch("combo_quota", quota, self.quotas)
        quota.times = [*recent, now]
        self._index(m)
        return m, True

    def leg_closed(self, leg_ticker: str) -> list[Market]:
        """A leg closed: trading in every combo on it stops too (closed like any market, with
        its lifecycle messages); the combos still settle from their legs (`leg_determined`)."""
        out = []
        for ticker in sorted(self.by_leg.get(leg_ticker, ())):
            combo = self.catalog.markets[ticker]
            if combo.status in (ACTIVE, INACTIVE, INITIALIZED):
                self.op.step("combo.close")
                out.append(self.lifecycle.close_market(ticker))
        return out

    def leg_determined(self, leg_ticker: str) -> list[Market]:
        """A leg's outcome is known: determine (and settle) every combo it decides."""
        out = []
        for ticker in sorted(self.by_leg.get(leg_ticker, ())):
            combo = self.catalog.markets[ticker]
            if combo.result:  # already decided by another leg
                continue
            outcome = self._outcome(combo)
            if outcome is None:
                continue
            self.op.step("combo.determine")
            self.lifecycle.determine_market(ticker, outcome)
            self.lifecycle.settle_market(ticker)
            out.append(combo)
        return out

    def _outcome(self, combo: Market) -> str | None:
        pending = False
        for leg in combo.mve_selected_legs:
            m = self.catalog.markets[leg["market_ticker"]]
            if m.result == "":
                pending = True
                continue
            if m.result != leg["side"]:
                return "no"
        return None if pending else "yes"

    # ------------------------------------------------------------------ reads

    def get(self, ticker: str) -> Collection:
        c = self.collections.get(ticker)
        if c is None:
            raise not_found("collection")
        return c

    def find(
        self,
        status: str | None = None,
        associated_event_ticker: str | None = None,
        series_ticker: str | None = None,
    ) -> list[Collection]:
        now = self.op.time()
        out = []
        for c in self.collections.values():
            state = "unopened" if now < c.open_date else "closed" if now > c.close_date else "open"
            if status is not None and state != status:
                continue
            if associated_event_ticker is not None and associated_event_ticker not in {
                a["ticker"] for a in c.associated_events
            }:
                continue
            if series_ticker is not None and c.series_ticker != series_ticker:
                continue
            out.append(c)
        return out

    def is_combo_event(self, event_ticker: str) -> bool:
        return event_ticker in self.events_of

    def combo_events(self, collection_ticker: str | None = None) -> list[str]:
        return [
            e
            for e, c in self.events_of.items()
            if collection_ticker is None or c == collection_ticker
        ]

    def quota_used(self, user_id: str) -> int:
        q = self.quotas.get(user_id)
        now = self.op.time()
        return sum(1 for t in q.times if t > now - WEEK_MS) if q else 0

    # ------------------------------------------------------------------ indexes, restore

    def _index(self, m: Market) -> None:
        key = (m.mve_collection_ticker, self._key(m.mve_selected_legs))
        self.by_legs[key] = m.ticker
        for leg in m.mve_selected_legs:
            self.by_leg.setdefault(leg["market_ticker"], set()).add(m.ticker)
        self.events_of[m.event_ticker] = m.mve_collection_ticker

    def _unindex(self, m: Market) -> None:
        self.by_legs.pop((m.mve_collection_ticker, self._key(m.mve_selected_legs)), None)
        for leg in m.mve_selected_legs:
            combos = self.by_leg.get(leg["market_ticker"])
            if combos is not None:
                combos.discard(m.ticker)
                if not combos:
                    del self.by_leg[leg["market_ticker"]]
        self.events_of.pop(m.event_ticker, None)

    def restore(self, collections: list[Collection], quotas: list[ComboQuota]) -> None:
        for c in collections:
            self.collections[c.collection_ticker] = c
        for q in quotas:
            self.quotas[q.user_id] = q
        for m in self.catalog.markets.values():
            if m.mve_collection_ticker:
                self._index(m)

    def repair(self, cs: ChangeSet) -> None:
        """After a rollback: drop the indexes of combo markets the operation had created."""
        for m, image in cs.entries("market"):
            if image is None and m.mve_collection_ticker:
                self._unindex(m)
