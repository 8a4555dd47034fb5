"""Sports of the simulated world: leagues, teams, kickoffs and the ids of milestones and targets.

Two sports (Pro Football, Pro Basketball). A game event's markets are [away team, home team] in
that order, each market's ticker ending in the team's code; the kickoff is a pure function of
the event (see `kickoff`), so games, milestones and live data can always be rebuilt from the
stored events and the seed, without storing anything of their own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # read only for its fields: the engine's parts import this module
    from sandbox.engine.models import Event

MINUTE = 60_000
HOUR = 60 * MINUTE
# Milestone and structured-target ids are UUIDs (as on Kalshi), derived from stable names.
IDS = uuid.UUID("6f1d3c52-8f4e-4d8e-9a0b-15a1c0ffee15")


@dataclass(frozen=True)
class Team:
    code: str
    name: str
    conference: str
    division: str


@dataclass(frozen=True)
class Sport:
    series: str
    sport: str  # filters_by_sport key
    competition: str  # milestone `competition` (the spec's examples: "Pro Football", ...)
    league: str  # structured target `details.league`
    milestone_type: str  # football_game | basketball_game (the spec's milestone types)
    target_type: str  # structured target type
    periods: int
    period_minutes: int  # game clock
    real_period_minutes: int  # wall clock per period, stoppages included
    break_minutes: int  # between periods (halftime is three of these)
    kickoff_after_strike: int  # ms from the event's strike_date to the kickoff
    teams: tuple[Team, ...]


FOOTBALL = Sport(
    "KXNFLGAME",
    "Football",
    "Pro Football",
    "NFL",
    "football_game",
    "football_team",
    4,
    15,
    40,
    3,
    21 * HOUR + 25 * MINUTE,  # universe._football: kickoff 21:25 UTC on the strike day
    (
        Team("KC", "Kansas City", "AFC", "AFC West"),
        Team("LV", "Las Vegas", "AFC", "AFC West"),
        Team("DET", "Detroit", "NFC", "NFC North"),
        Team("GB", "Green Bay", "NFC", "NFC North"),
    ),
)
BASKETBALL = Sport(
    "KXNBAGAME",
    "Basketball",
    "Pro Basketball (M)",
    "NBA",
    "basketball_game",
    "basketball_team",
    4,
    12,
    30,
    2,
    0,  # the NBA events' strike_date is the tip-off
    (
        Team("BOS", "Boston", "Eastern", "Atlantic"),
        Team("NYK", "New York", "Eastern", "Atlantic"),
        Team("DEN", "Denver", "Western", "Northwest"),
        Team("LAL", "Los Angeles L", "Western", "Pacific"),
        Team("MIL", "Milwaukee", "Eastern", "Central"),
        Team("PHX", "Phoenix", "Western", "Pacific"),
    ),
)
SPORTS = {s.series: s for s in (FOOTBALL, BASKETBALL)}


def sport_of(event: Event) -> Sport | None:
    return SPORTS.get(event.series_ticker)


def kickoff(event: Event) -> int:
    sport = SPORTS[event.series_ticker]
    return (event.strike_date or 0) + sport.kickoff_after_strike


def team(sport: Sport, code: str) -> Team:
    return next(t for t in sport.teams if t.code == code)


def milestone_id(event_ticker: str) -> str:
    return str(uuid.uuid5(IDS, f"milestone:{event_ticker}"))


def target_id(sport: Sport, code: str) -> str:
    return str(uuid.uuid5(IDS, f"target:{sport.league}:{code}"))
