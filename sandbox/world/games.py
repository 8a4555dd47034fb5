"""Simulated games: a whole game is scripted up front from (seed, event ticker), then read at any
instant. Pure and I/O-free: the clock is an argument, so a test can jump to the final whistle and
a restarted exchange rebuilds exactly the same game.

Live data `details.status` moves none -> live -> finished. The spec leaves the values open; these
are the ones Kalshi's live data carries (documented by DFlow, which passes Kalshi's live data
through: https://pond.dflow.net/build/metadata-api/live-data/live-data-details).
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

from sandbox.world.sports import Sport

SECOND = 1000
MINUTE = 60 * SECOND
NONE, LIVE, FINISHED = "none", "live", "finished"
# The milestone's own details.status comes from a periodic job (spec: it "lags the game's live
# state ... for example remaining `live` after the game ends"): it shows the state as of the
# previous run of a job that runs every MILESTONE_LAG.
MILESTONE_LAG = 10 * MINUTE


@dataclass(frozen=True, slots=True)
class Play:
    at: int  # wall clock, epoch ms
    period: int
    clock: str  # game clock left in the period, M:SS
    team: str  # team code of the side that had the ball
    points: int
    away_points: int  # score after the play
    home_points: int
    description: str


@dataclass(frozen=True, slots=True)
class Game:
    sport: Sport
    away: str
    home: str
    start: int
    period_starts: tuple[int, ...]  # wall clock start of each period (overtime included)
    end: int
    plays: tuple[Play, ...]


@dataclass(frozen=True, slots=True)
class GameState:
    status: str
    period: int  # 0 before the start
    clock: str
    away_points: int
    home_points: int
    plays: int  # how many plays have happened


def _clock(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


def _football_possession(rng: random.Random) -> tuple[int, int, str]:
    """(game seconds used, points, description) of one drive."""
    used = rng.randint(90, 420)
    r = rng.random()
    if r < 0.21:
        return used, 7, "Touchdown, extra point good"
    if r < 0.36:
        return used, 3, f"Field goal from {rng.randint(22, 54)} yards is good"
    return used, 0, rng.choice(("Punt", "Punt", "Interception", "Fumble lost", "Turnover on downs"))


def _basketball_possession(rng: random.Random) -> tuple[int, int, str]:
    used = rng.randint(8, 24)
    r = rng.random()
    if r < 0.40:
        return used, 2, rng.choice(("Layup made", "Jump shot made", "Dunk"))
    if r < 0.54:
        return used, 3, "Three point jump shot made"
    if r < 0.62:
        made = rng.choice((1, 2, 2))
        return used, made, f"Free throws: {made} of 2 made"
    return used, 0, rng.choice(("Missed jump shot", "Missed three", "Turnover", "Blocked shot"))


def play_game(
    seed: int,
    event_ticker: str,
    sport: Sport,
    away: str,
    home: str,
    start: int,
    winner: str | None = None,
) -> Game:
    """The whole game, deterministic in (seed, event_ticker). Overtime periods until someone
    leads. `winner` (a team code) mirrors the script if needed, so a game whose market was
    already settled ends the way the market did."""
    rng = random.Random(f"{seed}:{event_ticker}")
    possession = (
        _football_possession if sport.milestone_type == "football_game" else _basketball_possession
    )
    ratio = sport.real_period_minutes / sport.period_minutes  # wall ms per game ms
    plays: list[Play] = []
    starts: list[int] = []
    score = {away: 0, home: 0}
    t = start
    period = 0
    offense = rng.choice((away, home))
    while period < sport.periods or score[away] == score[home]:
        period += 1
        if period > 1:
            halftime = period == sport.periods // 2 + 1
            t += sport.break_minutes * MINUTE * (3 if halftime else 1)
        starts.append(t)
        length = _period_seconds(sport, period)
        elapsed = 0
        while True:
            used, points, text = possession(rng)
            if elapsed + used > length:
                break
            elapsed += used
            score[offense] += points
            plays.append(
                Play(
                    t + int(elapsed * SECOND * ratio),
                    period,
                    _clock(length - elapsed),
                    offense,
                    points,
                    score[away],
                    score[home],
                    text,
                )
            )
            offense = home if offense == away else away
        t += int(length * SECOND * ratio)
    game = Game(sport, away, home, start, tuple(starts), t, tuple(plays))
    if winner is not None and final_winner(game) != winner:
        game = _mirrored(game)
    return game


def _mirrored(g: Game) -> Game:
    """The same game with the two sides' plays swapped (so the other team wins)."""
    swap = {g.away: g.home, g.home: g.away}
    plays = tuple(
        Play(
            p.at,
            p.period,
            p.clock,
            swap[p.team],
            p.points,
            p.home_points,
            p.away_points,
            p.description,
        )
        for p in g.plays
    )
    return Game(g.sport, g.away, g.home, g.start, g.period_starts, g.end, plays)


def final_score(g: Game) -> tuple[int, int]:
    """(away, home) points at the end."""
    last = g.plays[-1] if g.plays else None
    return (last.away_points, last.home_points) if last else (0, 0)


def final_winner(g: Game) -> str:
    away, home = final_score(g)
    return g.away if away > home else g.home


def state_at(g: Game, now: int) -> GameState:
    if now < g.start:
        return GameState(NONE, 0, _clock(g.sport.period_minutes * 60), 0, 0, 0)
    n = bisect.bisect_right(g.plays, now, key=lambda p: p.at)
    away, home = (g.plays[n - 1].away_points, g.plays[n - 1].home_points) if n else (0, 0)
    if now >= g.end:
        return GameState(FINISHED, len(g.period_starts), "0:00", away, home, n)
    period = sum(1 for s in g.period_starts if s <= now)
    ratio = g.sport.real_period_minutes / g.sport.period_minutes
    length = _period_seconds(g.sport, period)
    left = length - (now - g.period_starts[period - 1]) / (SECOND * ratio)
    return GameState(LIVE, period, _clock(left), away, home, n)


def _period_seconds(sport: Sport, period: int) -> int:
    """Game clock of a period; overtime is 10 minutes in football, 5 in basketball."""
    if period <= sport.periods:
        return sport.period_minutes * 60
    return (10 if sport.milestone_type == "football_game" else 5) * 60


def milestone_status(g: Game, now: int) -> str:
    """What the milestone's lagging background job last saw."""
    return state_at(g, now // MILESTONE_LAG * MILESTONE_LAG - MILESTONE_LAG).status


def win_probability(g: Game, now: int) -> float:
    """A rough in-play YES price for the away team: the lead against the time left."""
    s = state_at(g, now)
    if s.status == FINISHED:
        return 1.0 if s.away_points > s.home_points else 0.0
    left = max(g.end - max(now, g.start), 0) / max(g.end - g.start, 1)
    scale = (14 if g.sport.milestone_type == "football_game" else 12) * (left**0.5) + 1
    lead = s.away_points - s.home_points
    return 1 / (1 + pow(2.718281828, -lead / scale * 1.6))
