"""Live data: milestones, structured targets and the games behind the seeded sports events.

A part with its own state and a small interface. Everything here is derived from the exchange's
events and its seed (`sandbox.world.sports`, `sandbox.world.games`), so it needs no storage of
its own: a restarted exchange rebuilds the same milestones and replays the same games. Reads take
`now` so the state of a game is a pure function of the clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sandbox.world.games import (
    FINISHED,
    Game,
    final_winner,
    milestone_status,
    play_game,
    state_at,
)
from sandbox.world.sports import (
    SPORTS,
    Sport,
    Team,
    kickoff,
    milestone_id,
    sport_of,
    target_id,
    team,
)

from .catalog import Catalog
from .errors import not_found
from .models import AMENDED, DETERMINED, DISPUTED, FINALIZED, Event
from .operation import Operation

SETTLED = {DETERMINED, DISPUTED, AMENDED, FINALIZED}


@dataclass(slots=True)
class Milestone:
    id: str
    category: str
    type: str
    competition: str
    title: str
    start: int  # epoch ms
    end: int
    event_ticker: str
    source_id: str
    game: Game


@dataclass(slots=True)
class Target:
    id: str
    name: str
    type: str
    details: dict = field(default_factory=dict)
    source_id: str = ""


class LiveData:
    """The part: read-only, derived from the catalog (the sports events) and the seed."""

    def __init__(self, op: Operation, catalog: Catalog) -> None:
        self.op = op
        self.catalog = catalog
        self._seen = 0  # events already scanned
        self.milestones: dict[str, Milestone] = {}
        self.by_event: dict[str, str] = {}
        self.targets: dict[str, Target] = {}
        for sport in SPORTS.values():
            for t in sport.teams:
                self._add_target(sport, t)

    def _add_target(self, sport: Sport, t: Team) -> None:
        tid = target_id(sport, t.code)
        self.targets[tid] = Target(
            tid,
            t.name,
            sport.target_type,
            {
                "league": sport.league,
                "conference": t.conference,
                "division": t.division,
                "abbreviation": t.code,
            },
            f"sr:{sport.league.lower()}:{t.code.lower()}",
        )

    def refresh(self) -> None:
        """Pick up sports events created since the last call (reads call it)."""
        events = self.catalog.events
        if len(events) == self._seen:
            return
        self._seen = len(events)
        for e in events.values():
            if e.event_ticker not in self.by_event and sport_of(e) and len(e.markets) == 2:
                self._add(e)

    def _add(self, e: Event) -> None:
        sport = SPORTS[e.series_ticker]
        away, home = (t.rsplit("-", 1)[1] for t in e.markets)
        settled_yes = [
            t.rsplit("-", 1)[1]
            for t in e.markets
            if self.catalog.markets[t].status in SETTLED and self.catalog.markets[t].result == "yes"
        ]
        start = kickoff(e)
        game = play_game(
            self.op.meta.seed,
            e.event_ticker,
            sport,
            away,
            home,
            start,
            winner=settled_yes[0] if settled_yes else None,
        )
        mid = milestone_id(e.event_ticker)
        self.milestones[mid] = Milestone(
            mid,
            "Sports",
            sport.milestone_type,
            sport.competition,
            e.title,
            start,
            game.end,
            e.event_ticker,
            f"sr:{e.event_ticker.lower()}",
            game,
        )
        self.by_event[e.event_ticker] = mid

    # ------------------------------------------------------------------ reads

    def milestone(self, mid: str) -> Milestone:
        self.refresh()
        try:
            return self.milestones[mid]
        except KeyError:
            raise not_found("milestone") from None

    def list_milestones(
        self,
        *,
        minimum_start: int | None = None,
        category: str | None = None,
        competition: str | None = None,
        source_id: str | None = None,
        type: str | None = None,
        related_event_ticker: str | None = None,
    ) -> list[Milestone]:
        self.refresh()
        out = [
            m
            for m in self.milestones.values()
            if (minimum_start is None or m.start >= minimum_start)
            and (category is None or m.category.lower() == category.lower())
            and (competition is None or m.competition == competition)
            and (source_id is None or m.source_id == source_id)
            and (type is None or m.type == type)
            and (related_event_ticker is None or m.event_ticker == related_event_ticker)
        ]
        return sorted(out, key=lambda m: (m.start, m.id))

    def milestone_details(self, m: Milestone, now: int) -> dict:
        """The milestone's own details: its status is the lagging one (see games.py)."""
        g = m.game
        return {
            "competition": m.competition,
            "status": milestone_status(g, now),
            "away_team": g.away,
            "home_team": g.home,
            "away_structured_target_id": target_id(g.sport, g.away),
            "home_structured_target_id": target_id(g.sport, g.home),
        }

    def live(self, mid: str, now: int) -> dict:
        """`live_data.details` of a game: score, period, clock and status right now."""
        m = self.milestone(mid)
        g = m.game
        s = state_at(g, now)
        away, home = team(g.sport, g.away), team(g.sport, g.home)
        period_name = "Q" if s.period <= g.sport.periods else "OT"
        period_no = s.period if s.period <= g.sport.periods else s.period - g.sport.periods
        if s.status == "none":
            text = "Scheduled"
        elif s.status == FINISHED:
            text = "Final" if s.period <= g.sport.periods else "Final/OT"
        else:
            text = f"{period_name}{period_no} {s.clock}"
        details = {
            "type": m.type,
            "status": s.status,
            "scheduled": _iso(m.start),
            "away_points": s.away_points,
            "home_points": s.home_points,
            "away_abbreviation": away.code,
            "home_abbreviation": home.code,
            "away_name": away.name,
            "home_name": home.name,
            "away_id": target_id(g.sport, g.away),
            "home_id": target_id(g.sport, g.home),
            "period": s.period,
            "clock": s.clock,
            "widgetLiveText": text,
            "tileLiveText": f"{away.code} {s.away_points} - {home.code} {s.home_points}",
        }
        if s.status == FINISHED:
            details["winner"] = final_winner(g)
        return details

    def game_stats(self, mid: str, now: int) -> dict:
        """Play by play so far, one entry per period started."""
        g = self.milestone(mid).game
        s = state_at(g, now)
        periods: list[dict] = [{"events": []} for _ in range(s.period)]
        for k, p in enumerate(g.plays[: s.plays]):
            periods[p.period - 1]["events"].append(
                {
                    "sequence": k + 1,
                    "period": p.period,
                    "clock": p.clock,
                    "team": p.team,
                    "points": p.points,
                    "away_points": p.away_points,
                    "home_points": p.home_points,
                    "description": p.description,
                    "wall_clock": _iso(p.at),
                }
            )
        return {"periods": periods}

    def target(self, tid: str) -> Target:
        try:
            return self.targets[tid]
        except KeyError:
            raise not_found("structured target") from None

    def list_targets(
        self, *, ids: Iterable[str] = (), type: str | None = None, competition: str | None = None
    ) -> list[Target]:
        wanted = set(ids)
        out = [
            t
            for t in self.targets.values()
            if (not wanted or t.id in wanted)
            and (type is None or t.type == type)
            and (
                competition is None
                or competition
                in (t.details["league"], t.details["conference"], t.details["division"])
            )
        ]
        return sorted(out, key=lambda t: (t.type, t.name))

    # ------------------------------------------------------------------ settlement

    def results_due(self, now: int) -> list[tuple[str, str]]:
        """(market ticker, result) of every market whose game is over and is not determined."""
        self.refresh()
        out = []
        for m in self.milestones.values():
            if now < m.end:
                continue
            winner = final_winner(m.game)
            for t in self.catalog.events[m.event_ticker].markets:
                if self.catalog.markets[t].status not in SETTLED:
                    out.append((t, "yes" if t.rsplit("-", 1)[1] == winner else "no"))
        return out

    def in_play(self, now: int) -> list[Milestone]:
        self.refresh()
        return [m for m in self.milestones.values() if m.start <= now < m.end]


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
