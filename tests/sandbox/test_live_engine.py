"""Games, milestones, structured targets, discovery and incentives at the engine level, with a
fake clock: determinism under a seed, the lagging milestone status, and a game played to the end
at high speed with every position's payout checked to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox.activity.referee import Referee
from sandbox.engine import discovery, incentives
from sandbox.engine.exchange import Exchange
from sandbox.engine.models import ASK, BID, IOC, STP_TAKER
from sandbox.world.games import FINISHED, LIVE, MILESTONE_LAG, NONE, final_score

D = Decimal
T0 = 1_796_061_600_000  # 2026-11-30T18:00:00Z
MIN = 60_000


class Clock:
    def __init__(self, t: int = T0):
        self.t = t

    def __call__(self) -> int:
        return self.t


def world(seed: int = 5):
    clock = Clock()
    ex = Exchange.in_memory(seed=seed, clock=clock)
    return ex, ex.live, clock


def in_play(live, now: int):
    (m,) = live.in_play(now)
    return m


def test_games_are_deterministic_under_a_seed():
    _, a, _ = world(5)
    _, b, _ = world(5)
    _, c, _ = world(6)
    assert [m.game.plays for m in a.list_milestones()] == [
        m.game.plays for m in b.list_milestones()
    ]
    assert [m.game.plays for m in a.list_milestones()] != [
        m.game.plays for m in c.list_milestones()
    ]


def test_two_sports_with_games_past_live_and_future():
    ex, live, clock = world()
    types = {m.type for m in live.list_milestones()}
    assert types == {"football_game", "basketball_game"}
    statuses = [live.live(m.id, clock.t)["status"] for m in live.list_milestones()]
    assert statuses.count(LIVE) == 1 and FINISHED in statuses and NONE in statuses
    # Games already over were settled from their own final score.
    for m in live.list_milestones():
        if clock.t >= m.end:
            away, home = final_score(m.game)
            winner = m.game.away if away > home else m.game.home
            results = {
                t.rsplit("-", 1)[1]: ex.markets[t].result for t in ex.events[m.event_ticker].markets
            }
            assert results[winner] == "yes" and list(results.values()).count("yes") == 1


def test_live_score_moves_with_the_clock_and_milestone_status_lags():
    _, live, clock = world()
    m = in_play(live, clock.t)
    first = live.live(m.id, clock.t)
    later = live.live(m.id, m.end - 1)
    assert later["away_points"] + later["home_points"] > first["away_points"] + first["home_points"]
    assert later["status"] == LIVE
    done = live.live(m.id, m.end + MIN)
    assert done["status"] == FINISHED and done["winner"] in (m.game.away, m.game.home)
    assert (done["away_points"], done["home_points"]) == final_score(m.game)
    # The milestone's own status still says live a minute after the end, finished later.
    assert live.milestone_details(m, m.end + MIN)["status"] == LIVE
    assert live.milestone_details(m, m.end + 2 * MILESTONE_LAG)["status"] == FINISHED
    stats = live.game_stats(m.id, m.end)
    events = [e for p in stats["periods"] for e in p["events"]]
    assert len(events) == len(m.game.plays) and events[-1]["home_points"] == done["home_points"]
    assert sum(e["points"] for e in events) == sum(final_score(m.game))


def test_a_game_played_to_the_end_pays_every_position_to_the_cent():
    ex, live, clock = world()
    m = in_play(live, clock.t)
    away_t, home_t = ex.events[m.event_ticker].markets
    users = {"ann": D(500), "bob": D(500), "cy": D(500)}
    for u, cash in users.items():
        ex.add_user(u, cash)
    # ann buys YES away, bob buys NO away (sells YES), cy buys YES home; all take the maker.
    trades = [("ann", away_t, BID, D(7)), ("bob", away_t, ASK, D(4)), ("cy", home_t, BID, D("2.5"))]
    for user, ticker, side, count in trades:
        mk = ex.markets[ticker]
        price = mk.yes_ask if side == BID else mk.yes_bid
        o = ex.create_order(
            user,
            ticker=ticker,
            side=side,
            price=price,
            count=count,
            time_in_force=IOC,
            self_trade_prevention_type=STP_TAKER,
        )
        assert o.fill_count == count
    before = {u: ex.get_account(u).balance for u in users}
    positions = {
        (u, t): ex.positions[(u, 0, t)].position
        for u in users
        for t in (away_t, home_t)
        if (u, 0, t) in ex.positions
    }

    ref = Referee(ex)
    clock.t = m.end + 1  # the final whistle, at high speed
    ref.step(clock.t)
    assert {ex.markets[t].status for t in (away_t, home_t)} == {"determined"}
    clock.t += 300_000  # the settlement timer
    ref.step(clock.t)
    assert {ex.markets[t].status for t in (away_t, home_t)} == {"finalized"}

    away, home = final_score(m.game)
    winner_t = away_t if away > home else home_t
    for u in users:
        expected = sum(
            (pos if pos > 0 else D(0)) * (1 if t == winner_t else 0)
            + (-pos if pos < 0 else D(0)) * (0 if t == winner_t else 1)
            for (uu, t), pos in positions.items()
            if uu == u
        )
        assert ex.get_account(u).balance - before[u] == expected, u
    paid = {
        s.user_id: s.revenue_dollars
        for s in ex.settlements
        if s.ticker in (away_t, home_t) and s.user_id in users
    }
    assert sum(paid.values()) == sum(ex.get_account(u).balance - before[u] for u in users)


def test_referee_quotes_the_in_play_probability():
    ex, live, clock = world()
    m = in_play(live, clock.t)
    ref = Referee(ex)
    ref.step(clock.t)
    away_t, home_t = ex.events[m.event_ticker].markets
    a, h = ex.markets[away_t], ex.markets[home_t]
    assert a.yes_ask - a.yes_bid == D("0.02") and h.yes_ask - h.yes_bid == D("0.02")
    assert a.yes_bid + a.yes_ask + h.yes_bid + h.yes_ask == 2  # fair(away) + fair(home) = 1


def test_milestone_and_target_filters():
    _, live, clock = world()
    every = live.list_milestones()
    assert [m.start for m in every] == sorted(m.start for m in every)
    nba = live.list_milestones(competition="Pro Basketball (M)")
    assert nba and all(m.type == "basketball_game" for m in nba)
    assert live.list_milestones(type="football_game", category="sports")
    assert live.list_milestones(category="Elections") == []
    one = every[0]
    assert live.list_milestones(related_event_ticker=one.event_ticker) == [one]
    assert live.list_milestones(source_id=one.source_id) == [one]
    assert all(m.start >= clock.t for m in live.list_milestones(minimum_start=clock.t))
    afc = live.list_targets(competition="AFC West")
    assert {t.details["abbreviation"] for t in afc} == {"KC", "LV"}
    assert {t.type for t in live.list_targets(competition="NBA")} == {"basketball_team"}
    assert live.list_targets(ids=[afc[0].id]) == [afc[0]]
    details = live.milestone_details(one, clock.t)
    assert details["home_structured_target_id"] in live.targets
    with pytest.raises(Exception, match="not found"):
        live.milestone("nope")


def test_discovery_is_derived_from_the_universe():
    ex, _, _ = world()
    tags = discovery.tags_by_categories(ex)
    assert {"Basketball", "NBA", "Football", "NFL"} <= set(tags["Sports"])
    assert "Temperature" in tags["Climate and Weather"]
    filters, order = discovery.filters_by_sport(ex)
    assert order == ["Football", "Basketball"]
    assert filters["Basketball"]["competitions"]["Pro Basketball (M)"]["scopes"] == ["Games"]
    event = next(e for e in ex.events if e.startswith("KXNBAGAME"))
    meta = discovery.event_metadata(ex, event)
    assert meta["competition"] == "Pro Basketball (M)"
    assert [d["market_ticker"] for d in meta["market_details"]] == ex.events[event].markets
    assert "competition" not in discovery.event_metadata(ex, next(iter(ex.events)))


def test_incentive_programs_follow_the_clock():
    ex, _, clock = world()
    every = incentives.list_programs(ex, clock.t)
    assert {p.incentive_type for p in every} == set(incentives.TYPES)
    by_status = {s: incentives.list_programs(ex, clock.t, s) for s in incentives.STATUSES[1:]}
    assert by_status["active"] and by_status["closed"] and by_status["paid_out"]
    assert set(by_status["paid_out"]) <= set(by_status["closed"])
    assert all(p.start <= clock.t < p.end for p in by_status["active"])
    liq = incentives.list_programs(ex, clock.t, kind="liquidity")
    assert liq and all(p.market_ticker.startswith(("KXNFLGAME", "KXNBAGAME")) for p in liq)
    desc = liq[0].incentive_description
    assert incentives.list_programs(ex, clock.t, description=desc) == [
        p for p in every if p.incentive_description == desc
    ]
