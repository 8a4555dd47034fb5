"""The sports part of the seeded universe: the NBA series and its games (the sports themselves,
teams and kickoffs, are the simulated world's: sandbox.world.sports)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sandbox.engine.models import Series
from sandbox.world.sports import BASKETBALL, HOUR, MINUTE, team

if TYPE_CHECKING:
    from sandbox.seed.universe import _Builder


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
    from sandbox.seed.universe import DAY, _tk
    from sandbox.world.games import final_winner, play_game

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
            day,  # a date strike: strike_period stays empty (they exclude each other)
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
