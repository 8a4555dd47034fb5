"""Sports in the seeded universe: leagues, teams and the games behind the game-winner markets.

Two sports (Pro Football, Pro Basketball). A game event's markets are [away team, home team] in
that order, each market's ticker ending in the team's code; the kickoff is a pure function of
the event (see `kickoff`), so games, milestones and live data can always be rebuilt from the
stored events and the seed, without storing anything of their own.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sandbox.engine.models import Event, Series

if TYPE_CHECKING:
    from sandbox.seed.universe import _Builder

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


def basketball_series() -> Series:
    return Series(
        "KXNBAGAME",
        "Professional Basketball Game",
        "Sports",
        "custom",
        tags=["Basketball", "NBA"],
        categories=["Sports"],
        settlement_sources=[{"name": "The Associated Press", "url": "https://apnews.com/hub/nba"}],
        contract_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/NBAGAME.pdf",
        contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/NBAGAME.pdf",
        fee_type="quadratic_with_maker_fees",
        fee_multiplier=Decimal(1),
    )


# Tip-offs relative to the seeding time: one finished, one in play, one later today.
NBA_GAMES = ((-26 * HOUR, "BOS", "NYK"), (-50 * MINUTE, "DEN", "LAL"), (5 * HOUR, "MIL", "PHX"))


def seed_basketball(b: _Builder) -> None:
    """The NBA series and its three games (markets quoted; the finished game settled from its
    own final score)."""
    from sandbox.activity.games import final_winner, play_game
    from sandbox.seed.universe import DAY, _tk

    b.ex.add_series(basketball_series())
    sport = BASKETBALL
    for offset, away_code, home_code in NBA_GAMES:
        tip = (b.now + offset) // MINUTE * MINUTE
        day = datetime.fromtimestamp(tip / 1000, UTC)
        away, home = team(sport, away_code), team(sport, home_code)
        e = b.event(
            sport.series,
            f"{sport.series}-{_tk(day)}{away.code}{home.code}",
            f"{away.name} at {home.name}",
            f"{away.code} at {home.code} ({day:%b} {day.day})",
            day,
            period="game",
        )
        open_t, close_t = tip - 3 * DAY, tip + 4 * HOUR
        fair = Decimal(str(round(b.rng.uniform(0.3, 0.7), 2)))
        game = play_game(b.ex.seed, e.event_ticker, sport, away.code, home.code, tip)
        winner = final_winner(game)
        for t, price in ((away, fair), (home, 1 - fair)):
            ticker = f"{e.event_ticker}-{t.code}"
            rules = (
                f"If {t.name} wins the {away.name} at {home.name} professional basketball game "
                f"originally scheduled for {day:%b} {day.day}, {day:%Y}, then the market "
                "resolves to Yes."
            )
            b.market(
                e, ticker, f"{away.name} at {home.name} Winner?", t.name, rules, open_t, close_t
            )
            b.history(ticker, price, open_t, min(tip, b.now - HOUR), b.rng.randint(8, 14))
            if game.end > b.now:
                b.ladder(ticker, price)
            else:
                b.settle(ticker, game.end + 10 * MINUTE, "yes" if t.code == winner else "no")
