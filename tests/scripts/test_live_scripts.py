"""End to end: the discovery, live-data and incentive scripts against the local exchange; each
RESULT line is checked against the exchange's own answers."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal

import pytest

from tests.api import Api
from tests.conftest import clean_env, run_script

SCRIPTS = [
    "02_market_discovery/07_search_tags_and_sports.py",
    "02_market_discovery/08_event_metadata.py",
    "09_account_management/03_incentive_programs.py",
    "13_live_data/01_milestones_and_targets.py",
    "13_live_data/02_follow_game.py",
    "13_live_data/03_game_stats.py",
    "02_market_discovery/09_fee_changes.py",
    "10_websocket/09_ws_index_feed.py",
    "13_live_data/04_weather_index.py",
    "02_market_discovery/10_event_forecast.py",
]


@pytest.fixture(scope="module")
def api(exchange) -> Api:
    return Api.for_demo(exchange)


def run(exchange, script: str, *args: str):
    result = run_script(script, *args, env=exchange.env)
    assert result.code == 0, str(result)
    return result


def result_line(out: str) -> str:
    (line,) = [x for x in out.splitlines() if x.startswith("RESULT: ")]
    return line


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_needs_no_credentials_or_network(script):
    nowhere = "http://127.0.0.1:9"
    env = clean_env(KALSHI_ENV="demo", HTTP_PROXY=nowhere, HTTPS_PROXY=nowhere)
    result = run_script(script, "--help", env=env)
    assert result.code == 0 and "Run: uv run python " + script in result.out, str(result)


def test_search(exchange, api):
    out = run(exchange, SCRIPTS[0]).out
    tags = api.get("/search/tags_by_categories")["tags_by_categories"]
    n = len(api.get("/series", category="Sports", tags="Basketball")["series"])
    assert (
        result_line(out)
        == f"RESULT: {len(tags)} categories, 2 sports, {n} series tagged Basketball"
    )
    assert "Pro Basketball (M)" in out
    bad = run_script(SCRIPTS[0], "--category", "Nope", env=exchange.env)
    assert bad.code == 2 and "no category" in bad.err and "Traceback" not in bad.err


def test_event_metadata(exchange, api):
    live = api.get("/milestones", limit=500)["milestones"]
    event = live[-1]["primary_event_tickers"][0]
    out = run(exchange, SCRIPTS[1], "--event", event).out
    meta = api.get(f"/events/{event}/metadata")
    n = len(meta["market_details"])
    assert result_line(out) == f"RESULT: {n} market details, competition {meta['competition']}"
    for d in meta["market_details"]:
        assert d["market_ticker"] in out and d["color_code"] in out
    data = json.loads(run(exchange, SCRIPTS[1], "--json").out)
    assert data["market_details"]
    bad = run_script(SCRIPTS[1], "--event", "NOPE-1", env=exchange.env)
    assert bad.code == 1 and "Traceback" not in bad.err


def test_incentive_programs(exchange, api):
    out = run(exchange, SCRIPTS[2], "--status", "active", "--type", "liquidity", "--limit", "3").out
    every = api.get("/incentive_programs", status="active", type="liquidity", limit=10000)
    progs = every["incentive_programs"][:9]  # three pages of three
    total = sum(Decimal(p["period_reward"]) for p in progs) / 10_000
    assert (
        result_line(out)
        == f"RESULT: {len(progs)} active incentive programs, ${total:.2f} per period"
    )
    assert "in 3 page(s)" in out or len(progs) < 9
    assert run_script(SCRIPTS[2], "--limit", "0", env=exchange.env).code == 2


def test_milestones_and_targets(exchange, api):
    out = run(exchange, SCRIPTS[3], "--competition", "Pro Basketball (M)").out
    nba = api.get("/milestones", limit=20, category="Sports", competition="Pro Basketball (M)")
    first = nba["milestones"][0]
    assert (
        result_line(out)
        == f"RESULT: {len(nba['milestones'])} milestones, 2 teams of {first['title']}"
    )
    assert first["details"]["home_structured_target_id"] in out


def test_follow_game(exchange, api):
    out = run(exchange, SCRIPTS[4], "--max-messages", "2", "--interval", "1").out
    ms = api.get("/milestones", limit=500)["milestones"]
    lives = api.get("/live_data/batch", milestone_ids=[m["id"] for m in ms])["live_datas"]
    (live,) = [x for x in lives if x["details"]["status"] == "live"]
    d = live["details"]
    m = re.fullmatch(
        rf"RESULT: 2 polls of {d['away_abbreviation']}-{d['home_abbreviation']}, "
        r"(\d+)-(\d+) live, \w+ mid moved \$-?[\d.]+",
        result_line(out),
    )
    assert m, out
    # The score shown is at most what the exchange says a moment later.
    assert int(m[1]) <= d["away_points"] and int(m[2]) <= d["home_points"]
    # A finished game stops at once and shows the final score.
    done = next(x for x in lives if x["details"]["status"] == "finished")
    fd = done["details"]
    out = run(exchange, SCRIPTS[4], "--milestone", done["milestone_id"]).out
    assert f"{fd['away_points']}-{fd['home_points']} finished" in result_line(out)
    assert run_script(SCRIPTS[4], "--interval", "0.1", env=exchange.env).code == 2


def test_game_stats(exchange, api):
    ms = api.get("/milestones", limit=500)["milestones"]
    lives = api.get("/live_data/batch", milestone_ids=[m["id"] for m in ms])["live_datas"]
    done = next(x for x in lives if x["details"]["status"] == "finished")
    out = run(exchange, SCRIPTS[5], "--milestone", done["milestone_id"]).out
    pbp = api.get(f"/live_data/milestone/{done['milestone_id']}/game_stats")["pbp"]
    plays = sum(len(p["events"]) for p in pbp["periods"])
    d = done["details"]
    assert result_line(out) == (
        f"RESULT: {plays} plays in {len(pbp['periods'])} periods, "
        f"score {d['away_points']}-{d['home_points']}"
    )
    assert run(exchange, SCRIPTS[5]).out.count("RESULT: ") == 1


def test_fee_changes(exchange, api):
    out = run(exchange, SCRIPTS[6], "--count", "10").out
    series = api.get("/series/fee_changes", series_ticker="KXNBAGAME", show_historical="true")
    events = [
        c
        for c in api.get("/events/fee_changes", limit=100)["event_fee_changes"]
        if c["series_ticker"] == "KXNBAGAME"
    ]
    n = len(series["series_fee_change_arr"])
    line = result_line(out)
    assert line.startswith(f"RESULT: {n} series and {len(events)} event fee changes; 10 at $")
    # The in-play override halves the taker fee (to the cent, rounded up each way).
    m = re.search(r"10 at \$([\d.]+) pays \$([\d.]+) instead of \$([\d.]+)", line)
    assert m, line
    p = Decimal(m[1])
    raw = Decimal("0.07") * 10 * p * (1 - p)
    assert Decimal(m[3]) == raw.quantize(Decimal("0.01"), rounding="ROUND_CEILING")
    assert Decimal(m[2]) == (raw / 2).quantize(Decimal("0.01"), rounding="ROUND_CEILING")


def test_crypto_index(exchange, api):
    out = run(exchange, SCRIPTS[7], "--max-messages", "12").out
    (m,) = api.get("/markets", series_ticker="KXBTC15M", status="open")["markets"]
    strike = Decimal(str(m["floor_strike"]))
    line = result_line(out)
    got = re.fullmatch(
        r"RESULT: (\d+) BRTI 5 Hz ticks and (\d+) per-second values, last \$([\d.]+), "
        r"(above|at/below) \$([\d.]+) to beat",
        line,
    )
    assert got, line
    assert int(got[1]) + int(got[2]) == 11 and int(got[1]) >= 5  # + the indexlist reply
    assert Decimal(got[5]) == strike
    assert (Decimal(got[3]) > strike) == (got[4] == "above")
    assert "cfbenchmarks_value_indexlist: BRTI, ETHUSD_RTI" in out


def test_weather_index(exchange, api):
    out = run(exchange, SCRIPTS[8], "--minutes", "30").out
    (m,) = api.get("/markets", series_ticker="KXTEMPNYCH", status="open")["markets"]
    cal = api.get("/live_data/weather/nyc/calibrations")["calibrations"]
    got = re.fullmatch(
        r"RESULT: (\d+) index minutes, last ([\d.]+)°F (above|at/below) the ([\d.]+)°F strike, "
        r"(\d+) calibration records",
        result_line(out),
    )
    assert got, out
    assert 25 <= int(got[1]) <= 30 and int(got[5]) == len(cal)
    assert Decimal(got[4]) == Decimal(str(m["floor_strike"]))
    assert (Decimal(got[2]) > Decimal(got[4])) == (got[3] == "above")
    assert cal[-1]["config_version"] in out
    assert run_script(SCRIPTS[8], "--minutes", "0", env=exchange.env).code == 2


def test_event_forecast(exchange, api):
    out = run(exchange, SCRIPTS[9], "--hours", "6").out
    (ev,) = api.get("/events", series_ticker="KXHIGHNY", status="open", limit=1)["events"]
    t = ev["event_ticker"]
    got = re.fullmatch(
        rf"RESULT: (\d+) forecast points for {t}, median now ([\d.,]+), (\d+) markets' candles",
        result_line(out),
    )
    assert got, out
    now = int(time.time())
    hist = api.get(
        f"/series/KXHIGHNY/events/{t}/forecast_percentile_history",
        percentiles=[1000, 5000, 9000],
        start_ts=now - 6 * 3600,
        end_ts=now,
        period_interval=60,
    )["forecast_history"]
    assert (
        int(got[1]) == len(hist)
        and got[2] == hist[-1]["percentile_points"][1]["formatted_forecast"]
    )
    assert int(got[3]) == len(ev.get("markets") or api.get("/markets", event_ticker=t)["markets"])
