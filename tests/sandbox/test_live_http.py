"""Discovery and live-data operations over real HTTP (one exchange with --strict-spec): every
filter, the 4xx answers, the OpenAPI 3.34.0 response schemas and the official SDK's strict
models."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.api import API, Api
from tests.conftest import start_exchange
from tests.sandbox.test_http_sdk import _openapi_validator


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Signed requests to public endpoints are charged (issue 12). tests.api.Api waits out a
    # GET's 429, but the official SDK's calls in test_sdk_strict_models_parse do not: a tier
    # whose read bucket this module's burst does not empty.
    ex = start_exchange(
        tmp_path_factory.mktemp("live"),
        *("--seed", "11", "--no-activity", "--strict-spec", "--tier", "prime"),
    )
    yield ex
    ex.stop()


@pytest.fixture(scope="module")
def api(server) -> Api:
    return Api.for_demo(server)


@pytest.fixture(scope="module")
def games(api) -> dict[str, dict]:
    """Milestones by live status: none, live, finished."""
    ms = api.get("/milestones", limit=500)["milestones"]
    ids = [m["id"] for m in ms]
    lives = api.get("/live_data/batch", milestone_ids=ids)["live_datas"]
    by_id = {m["id"]: m for m in ms}
    return {ld["details"]["status"]: by_id[ld["milestone_id"]] for ld in lives}


def test_milestones_list_filters_and_pages(api, games):
    every = api.get("/milestones", limit=500)
    assert every["cursor"] == "" and len(every["milestones"]) == 5
    first = api.get("/milestones", limit=2)
    second = api.get("/milestones", limit=2, cursor=first["cursor"])
    assert [m["id"] for m in first["milestones"] + second["milestones"]] == [
        m["id"] for m in every["milestones"][:4]
    ]
    nba = api.get("/milestones", limit=50, competition="Pro Basketball (M)")["milestones"]
    assert len(nba) == 3 and {m["type"] for m in nba} == {"basketball_game"}
    assert len(api.get("/milestones", limit=50, type="football_game")["milestones"]) == 2
    assert api.get("/milestones", limit=50, category="Elections")["milestones"] == []
    live = games["live"]
    (ev,) = live["related_event_tickers"]
    assert api.get("/milestones", limit=5, related_event_ticker=ev)["milestones"] == [live]
    assert api.get("/milestones", limit=5, source_id=live["source_id"])["milestones"] == [live]
    later = api.get("/milestones", limit=50, minimum_start_date=live["start_date"])["milestones"]
    assert live in later and games["finished"] not in later
    assert api.get(f"/milestones/{live['id']}")["milestone"] == live
    assert api.get(f"/events/{ev}")["event"]["event_ticker"] == ev
    page = api.get("/events", series_ticker="KXNBAGAME", with_milestones="true")
    assert {m["id"] for m in page["milestones"]} == {m["id"] for m in nba}
    assert "milestones" not in api.get("/events", series_ticker="KXNBAGAME")


def test_milestone_errors(api):
    assert api.request("GET", "/milestones").status_code == 400  # limit is required
    assert api.request("GET", "/milestones", limit=501).status_code == 400
    r = api.request("GET", "/milestones", limit=5, minimum_start_date="yesterday")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_parameters"
    r = api.request("GET", "/milestones/no-such-id")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_live_data_paths_agree_and_show_the_game(api, games):
    live = games["live"]
    one = api.get(f"/live_data/milestone/{live['id']}", include_player_stats="true")["live_data"]
    typed = api.get(f"/live_data/{live['type']}/milestone/{live['id']}")["live_data"]
    assert one["milestone_id"] == typed["milestone_id"] == live["id"]
    d = one["details"]
    assert d["status"] == "live" and d["period"] >= 1
    assert d["away_points"] + d["home_points"] > 0
    away, home = d["away_abbreviation"], d["home_abbreviation"]
    assert d["tileLiveText"] == f"{away} {d['away_points']} - {home} {d['home_points']}"
    done = api.get(f"/live_data/milestone/{games['finished']['id']}")["live_data"]["details"]
    assert done["winner"] in (done["away_abbreviation"], done["home_abbreviation"])
    # The finished game's markets settled the way the game ended.
    (ev,) = games["finished"]["related_event_tickers"]
    for m in api.get("/markets", event_ticker=ev)["markets"]:
        assert m["result"] == ("yes" if m["ticker"].endswith("-" + done["winner"]) else "no")
    assert api.request("GET", f"/live_data/hockey_match/milestone/{live['id']}").status_code == 404
    assert api.request("GET", "/live_data/milestone/nope").status_code == 404
    batch = api.get("/live_data/batch", milestone_ids=[live["id"], "nope", live["id"]])
    assert [x["milestone_id"] for x in batch["live_datas"]] == [live["id"]]
    assert api.request("GET", "/live_data/batch").status_code == 400
    assert api.request("GET", "/live_data/batch", milestone_ids=["x"] * 101).status_code == 400


def test_game_stats(api, games):
    pbp = api.get(f"/live_data/milestone/{games['finished']['id']}/game_stats")["pbp"]
    plays = [e for p in pbp["periods"] for e in p["events"]]
    done = api.get(f"/live_data/milestone/{games['finished']['id']}")["live_data"]["details"]
    assert len(pbp["periods"]) >= 4
    assert (plays[-1]["away_points"], plays[-1]["home_points"]) == (
        done["away_points"],
        done["home_points"],
    )
    assert api.get(f"/live_data/milestone/{games['none']['id']}/game_stats")["pbp"]["periods"] == []
    assert api.request("GET", "/live_data/milestone/nope/game_stats").status_code == 404


def test_structured_targets(api, games):
    every = api.get("/structured_targets", page_size=2000)
    assert every["cursor"] == "" and len(every["structured_targets"]) == 10
    page = api.get("/structured_targets", page_size=3)
    assert len(page["structured_targets"]) == 3 and page["cursor"]
    nfl = api.get("/structured_targets", competition="NFL")["structured_targets"]
    assert {t["type"] for t in nfl} == {"football_team"} and len(nfl) == 4
    east = api.get("/structured_targets", competition="Eastern", type="basketball_team")
    assert {t["details"]["abbreviation"] for t in east["structured_targets"]} == {
        "BOS",
        "NYK",
        "MIL",
    }
    home = games["live"]["details"]["home_structured_target_id"]
    got = api.get("/structured_targets", ids=[home])["structured_targets"]
    assert [t["id"] for t in got] == [home]
    assert api.get(f"/structured_targets/{home}")["structured_target"] == got[0]
    assert api.request("GET", "/structured_targets/nope").status_code == 404
    assert api.request("GET", "/structured_targets", page_size=0).status_code == 400


def test_search_and_event_metadata(api, games):
    tags = api.get("/search/tags_by_categories")["tags_by_categories"]
    series = api.get("/series")["series"]
    for s in series:
        for c in s["categories"]:
            assert set(s["tags"]) <= set(tags[c])
    sports = api.get("/search/filters_by_sport")
    assert sports["sport_ordering"] == ["Football", "Basketball"]
    assert "Pro Football" in sports["filters_by_sports"]["Football"]["competitions"]
    (ev,) = games["live"]["related_event_tickers"]
    meta = api.get(f"/events/{ev}/metadata")
    assert meta["competition"] == "Pro Basketball (M)" and meta["competition_scope"] == "Games"
    event = api.get(f"/events/{ev}", with_nested_markets="true")["event"]
    assert [d["market_ticker"] for d in meta["market_details"]] == [
        m["ticker"] for m in event["markets"]
    ]
    assert meta["settlement_sources"] == event["settlement_sources"]
    assert api.request("GET", "/events/NOPE-1/metadata").status_code == 404


def test_incentive_programs(api):
    every = api.get("/incentive_programs", limit=10000)["incentive_programs"]
    assert {p["incentive_type"] for p in every} == {
        "liquidity",
        "volume",
        "margin_maker_volume",
        "margin_taker_volume",
    }
    markets = {m["ticker"] for m in api.get("/markets", limit=1000)["markets"]}
    markets |= {m["ticker"] for m in api.get("/historical/markets", limit=1000)["markets"]}
    assert all(p["market_ticker"] in markets and p["market_id"] for p in every)
    vol = api.get("/incentive_programs", type="volume")["incentive_programs"]
    assert vol and all(p["incentive_type"] == "volume" for p in vol)
    paid = api.get("/incentive_programs", status="paid_out", limit=10000)["incentive_programs"]
    assert paid and all(p["paid_out"] for p in paid)
    active = api.get("/incentive_programs", status="active", limit=10000)["incentive_programs"]
    assert active and not any(p["paid_out"] for p in active)
    desc = every[0]["incentive_description"]
    same = api.get("/incentive_programs", incentive_description=desc, limit=10000)
    assert {p["id"] for p in same["incentive_programs"]} == {
        p["id"] for p in every if p["incentive_description"] == desc
    }
    page = api.get("/incentive_programs", limit=2)
    rest = api.get("/incentive_programs", limit=10000, cursor=page["next_cursor"])
    assert [p["id"] for p in page["incentive_programs"] + rest["incentive_programs"]] == [
        p["id"] for p in every
    ]
    assert "next_cursor" not in rest
    r = api.request("GET", "/incentive_programs", status="finished")
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_parameters"


def test_responses_match_the_openapi_schema(api, games):
    validate = _openapi_validator()
    live = games["live"]
    (ev,) = live["related_event_tickers"]
    tid = live["details"]["home_structured_target_id"]
    calls = [
        ("/milestones", "/milestones", {"limit": 10}),
        ("/milestones/{milestone_id}", f"/milestones/{live['id']}", {}),
        ("/structured_targets", "/structured_targets", {}),
        ("/structured_targets/{structured_target_id}", f"/structured_targets/{tid}", {}),
        ("/live_data/milestone/{milestone_id}", f"/live_data/milestone/{live['id']}", {}),
        (
            "/live_data/{type}/milestone/{milestone_id}",
            f"/live_data/{live['type']}/milestone/{live['id']}",
            {},
        ),
        (
            "/live_data/batch",
            "/live_data/batch",
            {"milestone_ids": [m["id"] for m in games.values()]},
        ),
        (
            "/live_data/milestone/{milestone_id}/game_stats",
            f"/live_data/milestone/{live['id']}/game_stats",
            {},
        ),
        ("/search/tags_by_categories", "/search/tags_by_categories", {}),
        ("/search/filters_by_sport", "/search/filters_by_sport", {}),
        ("/events/{event_ticker}/metadata", f"/events/{ev}/metadata", {}),
        ("/incentive_programs", "/incentive_programs", {"limit": 3}),
        ("/events", "/events", {"series_ticker": "KXNFLGAME", "with_milestones": "true"}),
    ]
    for template, path, params in calls:
        validate("GET", template, 200, api.get(path, **params))


def test_sdk_strict_models_parse(server, api, games):
    k = pytest.importorskip("kalshi_python_sync")
    sdk = k.KalshiClient(k.Configuration(host=server.url + API))
    sdk.kalshi_auth = api.signer
    live = games["live"]
    (ev,) = live["related_event_tickers"]
    assert len(sdk.get_milestones(limit=10).milestones) == 5
    assert sdk.get_milestone(milestone_id=live["id"]).milestone.id == live["id"]
    targets = sdk.get_structured_targets(competition="NBA").structured_targets
    assert len(targets) == 6
    sdk.get_structured_target(structured_target_id=targets[0].id)
    assert (
        sdk.get_live_data_by_milestone(milestone_id=live["id"]).live_data.details["status"]
        == "live"
    )
    sdk.get_live_data(type=live["type"], milestone_id=live["id"])
    assert len(sdk.get_live_datas(milestone_ids=[live["id"]]).live_datas) == 1
    assert sdk.get_game_stats(milestone_id=live["id"]).pbp.periods
    assert "Sports" in sdk.get_tags_for_series_categories().tags_by_categories
    assert sdk.get_filters_for_sports().sport_ordering == ["Football", "Basketball"]
    assert sdk.get_event_metadata(event_ticker=ev).competition == "Pro Basketball (M)"
    progs = sdk.get_incentive_programs(status="active", type="liquidity").incentive_programs
    assert progs and progs[0].market_id


def test_weather_index_and_calibrations(api, server):
    now = api.get("/live_data/weather/nyc", last_sec=60)["timeseries"]
    assert all(p["status"] in ("normal", "degraded") for p in now)
    day = api.get("/live_data/weather/nyc")  # default: the last 24 hours
    assert day["units"] == "fahrenheit" and day["config_version"].startswith("nyc-temperature")
    pts = day["timeseries"]
    assert 1400 <= len(pts) <= 1438  # 1440 minutes less the quorum gaps and the deadline
    ts = [p["t"] for p in pts]
    assert ts == sorted(ts) and all(t % 60_000 == 0 for t in ts)
    assert all(round(p["v"], 2) == p["v"] and p["contributors"] >= 2 for p in pts)
    a, b = ts[100], ts[160]
    window = api.get("/live_data/weather/nyc", **{"from": a, "to": b})["timeseries"]
    assert [p["t"] for p in window] == [t for t in ts if a <= t <= b]
    detailed = api.get("/live_data/weather/nyc", last_sec=600, detailed="true")["timeseries"]
    assert detailed[-1]["status"] == "incomplete" and "v" not in detailed[-1]
    assert {s["code"] for s in detailed[-1]["stations"]} == {"pending"}
    ok = next(p for p in detailed if p["status"] == "normal")
    assert [s["station_id"] for s in ok["stations"]] == ["KJFK1M", "KLGA1M", "KNYC1M"]
    # The published value is the weighted mean of the readings less the offsets in force.
    cal = api.get("/live_data/weather/nyc/calibrations")
    assert cal["units"] == "celsius" and cal["calibrations"][0]["change_reason"] == "launch"
    record = [c for c in cal["calibrations"] if c["effective_at_ms"] <= ok["t"]][-1]
    offsets = {s["station_id"]: (s["weight"], s["offset_c"]) for s in record["stations"]}
    mean = sum(
        offsets[s["station_id"]][0] * (s["temp_f"] - offsets[s["station_id"]][1] * 1.8)
        for s in ok["stations"]
    )
    assert abs(mean - ok["v"]) < 0.01
    effective = [c["effective_at_ms"] for c in cal["calibrations"]]
    assert effective == sorted(effective)
    for params in ({"from": a}, {"last_sec": 60, "to": b}, {"last_sec": 0}, {"from": b, "to": a}):
        r = api.request("GET", "/live_data/weather/nyc", **params)
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_parameters", params
    assert api.request("GET", "/live_data/weather/paris").status_code == 400
    assert api.request("GET", "/live_data/weather/paris/calibrations").status_code == 400
    # The hourly markets settled from this series.
    settled = [
        m
        for m in api.get("/markets", series_ticker="KXTEMPNYCH", limit=100)["markets"]
        if m["result"]
    ]
    assert settled
    for m in settled:
        close = int(datetime.fromisoformat(m["close_time"]).timestamp() * 1000)
        points = api.get("/live_data/weather/nyc", **{"from": close, "to": close})["timeseries"]
        if points:  # (a minute without quorum settles on the minute before)
            assert m["result"] == ("yes" if points[0]["v"] > m["floor_strike"] else "no")


def test_event_live_data(api):
    (btc,) = api.get("/markets", series_ticker="KXBTC15M", status="open")["markets"]
    body = api.get(f"/live_data/events/{btc['event_ticker']}", range="15min")
    live = body["live_data"]
    assert live["type"] == "crypto_price" and live["is_historical"] is False
    d = live["details"]
    assert d["index_id"] == "BRTI" and d["price_to_beat"] == f"{btc['floor_strike']:.2f}"
    assert 250 <= len(d["points"]) <= 300
    (wx,) = api.get("/markets", series_ticker="KXTEMPNYCH", status="open")["markets"]
    obs = api.get(f"/live_data/events/{wx['event_ticker']}", range="1h")["live_data"]
    assert obs["type"] == "weather_observations" and obs["details"]["points"]
    assert (
        api.request("GET", f"/live_data/events/{btc['event_ticker']}", range="1y").status_code
        == 400
    )
    fed = api.get("/events", series_ticker="KXFEDDECISION")["events"][0]["event_ticker"]
    assert api.request("GET", f"/live_data/events/{fed}").status_code == 404
    validate = _openapi_validator()
    validate("GET", "/live_data/events/{event_ticker}", 200, body)
    validate(
        "GET",
        "/live_data/weather/{city}",
        200,
        api.get("/live_data/weather/nyc", last_sec=300, detailed="true"),
    )
    validate(
        "GET",
        "/live_data/weather/{city}/calibrations",
        200,
        api.get("/live_data/weather/nyc/calibrations"),
    )


def test_weather_and_event_live_data_parse_in_the_sdk(server, api):
    k = pytest.importorskip("kalshi_python_sync")
    sdk = k.KalshiClient(k.Configuration(host=server.url + API))
    sdk.kalshi_auth = api.signer
    assert sdk.get_weather_index(city="nyc", last_sec=600, detailed=True).timeseries
    assert sdk.get_weather_index_calibrations(city="nyc").calibrations
    (btc,) = api.get("/markets", series_ticker="KXBTC15M", status="open")["markets"]
    assert (
        sdk.get_event_live_data(event_ticker=btc["event_ticker"]).live_data.type == "crypto_price"
    )


def test_a_restart_restores_the_same_world(tmp_path):
    """Games, fee overrides and the rolling series come back identical after a restart."""
    data = tmp_path / "restart"

    def snapshot(ex) -> dict:
        api = Api.for_demo(ex)
        ms = api.get("/milestones", limit=50)["milestones"]
        events = {e["event_ticker"]: e for e in api.get("/events", limit=200)["events"]}
        return {
            "milestones": [(m["id"], m["title"], m["start_date"]) for m in ms],
            "scores": [
                (x["milestone_id"], x["details"]["winner"])
                for x in api.get("/live_data/batch", milestone_ids=[m["id"] for m in ms])[
                    "live_datas"
                ]
                if x["details"]["status"] == "finished"
            ],
            "overrides": {k: e.get("fee_type_override") for k, e in events.items()},
            "rolling": sorted(
                (m["ticker"], m["floor_strike"], m["result"])
                for s in ("KXBTC15M", "KXTEMPNYCH")
                for m in api.get("/markets", series_ticker=s, limit=100)["markets"]
                if m["result"]
            ),
        }

    ex = start_exchange(data, "--seed", "21", "--no-activity")
    try:
        before = snapshot(ex)
    finally:
        ex.stop()
    ex = start_exchange(data, "--no-activity")
    try:
        after = snapshot(ex)
    finally:
        ex.stop()
    assert before["milestones"] == after["milestones"] and before["scores"] == after["scores"]
    assert before["overrides"] == after["overrides"]
    assert set(before["rolling"]) <= set(after["rolling"])


def test_forecast_percentile_history(api, server):
    events = api.get("/events", series_ticker="KXHIGHNY", status="open")["events"]
    ev = events[0]["event_ticker"]
    now = int(datetime.now().timestamp())
    path = f"/series/KXHIGHNY/events/{ev}/forecast_percentile_history"
    q = {
        "percentiles": [1000, 5000, 9000],
        "start_ts": now - 86400,
        "end_ts": now,
        "period_interval": 60,
    }
    body = api.get(path, **q)
    _openapi_validator()(
        "GET", "/series/{series_ticker}/events/{ticker}/forecast_percentile_history", 200, body
    )
    hist = body["forecast_history"]
    assert hist and all(h["period_interval"] == 60 and h["end_period_ts"] % 3600 == 0 for h in hist)
    for h in hist:
        vals = [p["numerical_forecast"] for p in h["percentile_points"]]
        assert vals == sorted(vals)
    # The median sits in the bracket where the implied cumulative probability crosses one half.
    last = hist[-1]
    markets = api.get("/markets", event_ticker=ev)["markets"]
    priced = []
    for m in markets:
        trades = [
            t
            for t in api.get("/markets/trades", ticker=m["ticker"], limit=1000)["trades"]
            if datetime.fromisoformat(t["created_time"]).timestamp() <= last["end_period_ts"]
        ]
        if trades:
            newest = max(trades, key=lambda t: t["created_time"])
            priced.append(
                (
                    m.get("floor_strike") or -1e9,
                    m.get("cap_strike") or 1e9,
                    float(newest["yes_price_dollars"]),
                )
            )
    priced.sort()
    total, acc, crossing = sum(p for *_, p in priced), 0.0, []
    for lo, hi, p in priced:
        acc += p / total
        crossing.append((acc, lo, hi))
    _, lo, hi = next(c for c in crossing if c[0] >= 0.5)
    median = last["percentile_points"][1]["raw_numerical_forecast"]
    assert lo - 1e-9 <= median <= hi + 1e-9 or (lo < -1e8 or hi > 1e8)
    five = api.get(path, **{**q, "start_ts": now - 60, "period_interval": 0})["forecast_history"]
    assert all(h["end_period_ts"] % 5 == 0 for h in five)
    fed = api.get("/events", series_ticker="KXFEDDECISION")["events"][0]["event_ticker"]
    assert (
        api.get(f"/series/KXFEDDECISION/events/{fed}/forecast_percentile_history", **q)[
            "forecast_history"
        ]
        == []
    )
    for bad in (
        {"percentiles": [10000]},
        {"percentiles": list(range(11))},
        {"period_interval": 5},
        {"start_ts": None},
    ):
        params = {k: v for k, v in {**q, **bad}.items() if v is not None}
        assert api.request("GET", path, **params).status_code == 400, bad
    assert (
        api.request(
            "GET", f"/series/KXBTC/events/{ev}/forecast_percentile_history", **q
        ).status_code
        == 404
    )
    assert api.request("GET", path, sign=False, **q).status_code == 401
    k = pytest.importorskip("kalshi_python_sync")
    sdk = k.KalshiClient(k.Configuration(host=server.url + API))
    sdk.kalshi_auth = api.signer
    got = sdk.get_event_forecast_percentiles_history(ticker=ev, series_ticker="KXHIGHNY", **q)
    assert len(got.forecast_history) == len(hist)
