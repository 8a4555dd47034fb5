"""Scheduled fee changes: series fee changes and event fee overrides, applied from their time.

A part with its own state and a small interface. The schedule is derived from the stored sports
events (nothing of its own to store): each game event gets an in-play override at kickoff
(quadratic, multiplier 0.5, no maker fees) that is cleared two hours later, and each sports series a
past change (its current structure) and an upcoming one (the multiplier going down to 0.75)
after its last market closes. `apply_due(now)` writes every change whose time has come into the
series or event, as one journaled operation, and emits `EventFeeUpdate` for the
`event_fee_update` message on `market_lifecycle_v2`. Applying is idempotent, so a restarted
exchange re-applies the past ones and lands in the same state.

Kalshi's listing of series changes shows upcoming ones unless `show_historical=true`
("End-point for getting data about all upcoming series fee changes",
https://docs.kalshi.com/api-reference/get-seriesfee_changes); the event listing has no such
switch and lists every change of the event(s), oldest first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from sandbox.world.sports import IDS, SPORTS, kickoff

from .catalog import Catalog
from .operation import Operation

HOUR = 3_600_000
DAY = 24 * HOUR
# The sports series' seeded structure (universe / seed.sports), restated by the first change.
BASE_TYPE, BASE_MULTIPLIER = "quadratic_with_maker_fees", Decimal(1)
UPCOMING_MULTIPLIER = Decimal("0.75")
IN_PLAY_TYPE, IN_PLAY_MULTIPLIER = "quadratic", Decimal("0.5")


@dataclass(frozen=True, slots=True)
class SeriesFeeChange:
    id: str
    series_ticker: str
    fee_type: str
    fee_multiplier: Decimal
    scheduled_ts: int


@dataclass(frozen=True, slots=True)
class EventFeeChange:
    id: str
    event_ticker: str
    series_ticker: str
    fee_type_override: str | None  # None with a None multiplier: the override is cleared
    fee_multiplier_override: Decimal | None
    scheduled_ts: int


@dataclass(frozen=True, slots=True)
class EventFeeUpdate:
    """Engine event: an event's fee override was set or cleared."""

    event_ticker: str
    fee_type_override: str | None
    fee_multiplier_override: Decimal | None
    ts: int


def _id(*parts: object) -> str:
    return str(uuid.uuid5(IDS, "fee:" + ":".join(map(str, parts))))


class FeeChanges:
    """The part: the schedule (derived, never stored) and `apply_due`, the one write, which
    changes fees only through the catalog's `set_series_fees` / `set_event_fees`."""

    def __init__(self, op: Operation, catalog: Catalog) -> None:
        self.op = op
        self.catalog = catalog
        self.series_changes: dict[str, SeriesFeeChange] = {}
        self.event_changes: dict[str, EventFeeChange] = {}
        self._applied: set[str] = set()  # in memory: re-applying after a restart is a no-op
        self._seen = 0  # events already scanned

    def refresh(self) -> None:
        """Derive the schedule of sports series and events created since the last call."""
        cat = self.catalog
        if len(cat.events) == self._seen:
            return
        self._seen = len(cat.events)
        for sport in SPORTS.values():
            events = [e for e in cat.events.values() if e.series_ticker == sport.series]
            if sport.series not in cat.series or not events:
                continue
            markets = [cat.markets[t] for e in events for t in e.markets]
            first = min(m.open_time for m in markets)
            last = max(m.close_time for m in markets)
            for n, ts, mult in ((1, first, BASE_MULTIPLIER), (2, last + DAY, UPCOMING_MULTIPLIER)):
                c = SeriesFeeChange(_id(sport.series, n), sport.series, BASE_TYPE, mult, ts)
                self.series_changes.setdefault(c.id, c)
            for e in events:
                start = kickoff(e)
                for n, ts, kind, m in (
                    (1, start, IN_PLAY_TYPE, IN_PLAY_MULTIPLIER),
                    (2, start + 2 * HOUR, None, None),
                ):
                    c = EventFeeChange(
                        _id(e.event_ticker, n), e.event_ticker, sport.series, kind, m, ts
                    )
                    self.event_changes.setdefault(c.id, c)

    # ------------------------------------------------------------------ reads

    def list_series(
        self, now: int, series_ticker: str | None = None, show_historical: bool = False
    ) -> list[SeriesFeeChange]:
        out = [
            c
            for c in self.series_changes.values()
            if (series_ticker is None or c.series_ticker == series_ticker)
            and (show_historical or c.scheduled_ts > now)
        ]
        return sorted(out, key=lambda c: (c.scheduled_ts, c.id))

    def list_events(self, event_ticker: str | None = None) -> list[EventFeeChange]:
        out = [
            c
            for c in self.event_changes.values()
            if event_ticker is None or c.event_ticker == event_ticker
        ]
        return sorted(out, key=lambda c: (c.scheduled_ts, c.id))

    # ------------------------------------------------------------------ the one write

    def apply_due(self, now: int) -> int:
        """Apply every change whose time has come, oldest first (inside the front's operation);
        how many changed something."""
        self.refresh()
        due = sorted(
            (
                c
                for c in (*self.series_changes.values(), *self.event_changes.values())
                if c.scheduled_ts <= now and c.id not in self._applied
            ),
            key=lambda c: (c.scheduled_ts, c.id),
        )
        op, changed = self.op, 0
        for c in due:
            if isinstance(c, SeriesFeeChange):
                changed += self.catalog.set_series_fees(
                    c.series_ticker, c.fee_type, c.fee_multiplier
                )
            elif self.catalog.set_event_fees(
                c.event_ticker, c.fee_type_override, c.fee_multiplier_override
            ):
                changed += 1
                if op.events is not None:
                    op.emit(
                        EventFeeUpdate(
                            c.event_ticker, c.fee_type_override, c.fee_multiplier_override, op.now
                        )
                    )
        op.undo(self._applied.difference_update, [c.id for c in due])
        self._applied.update(c.id for c in due)
        return changed
