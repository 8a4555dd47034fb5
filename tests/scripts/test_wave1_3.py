"""End to end: every script of waves 1-3 (folders 01-04, 08, 09) against the local exchange.

Each script runs as a subprocess, as a user would run it; its promises are checked against the
exchange's own answers (fetched here with a signed request). One IOC order at the start gives the
`demo` user a fill, a position and a trade, so the portfolio scripts have something to show.
"""

from __future__ import annotations

import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.api import Api
from tests.conftest import Result, clean_env, run_script, start_exchange

SCRIPTS = [
    "01_exchange_info/01_exchange_status.py",
    "01_exchange_info/02_exchange_schedule.py",
    "01_exchange_info/03_exchange_announcements.py",
    "02_market_discovery/01_list_series.py",
    "02_market_discovery/02_get_series.py",
    "02_market_discovery/03_list_events.py",
    "02_market_discovery/04_get_event.py",
    "02_market_discovery/05_list_markets.py",
    "02_market_discovery/06_get_market.py",
    "03_market_data/01_get_orderbook.py",
    "03_market_data/02_get_candlesticks.py",
    "03_market_data/03_batch_candlesticks.py",
    "03_market_data/04_get_public_trades.py",
    "04_portfolio/01_get_balance.py",
    "04_portfolio/02_get_positions.py",
    "04_portfolio/03_get_fills.py",
    "04_portfolio/04_get_settlements.py",
    "08_historical/01_historical_cutoff.py",
    "08_historical/02_historical_markets.py",
    "08_historical/03_historical_candlesticks.py",
    "08_historical/04_historical_fills.py",
    "09_account_management/01_get_api_keys.py",
    "09_account_management/02_account_limits.py",
]


@pytest.fixture(scope="module")
def api(exchange) -> Api:
    return Api.for_demo(exchange)


@pytest.fixture(scope="module")
def traded(api) -> str:
    """Buy 1 YES at the best ask (immediate-or-cancel) on a two-sided market; its ticker."""
    markets = api.get("/markets", status="open", limit=200, mve_filter="exclude")["markets"]
    books = api.get("/markets/orderbooks", tickers=[m["ticker"] for m in markets[:100]])
    for entry in books["orderbooks"]:
        book = entry["orderbook_fp"]
        if book["yes_dollars"] and book["no_dollars"]:
            best_no = max(Decimal(price) for price, _ in book["no_dollars"])
            created = api.place_order(
                entry["ticker"],
                "bid",
                str(1 - best_no),
                "1",
                time_in_force="immediate_or_cancel",
                client_order_id=str(uuid.uuid4()),
            )
            assert Decimal(created["fill_count"]) == 1, created
            return entry["ticker"]
    pytest.fail("no two-sided market in the local exchange")


def run(exchange, script: str, *args: str):
    result = run_script(script, *args, env=exchange.env)
    assert result.code == 0, str(result)
    return result


# --- every script: --help offline, --json parses --------------------------------------------
# A script's run time is mostly interpreter start-up and imports (the SDK alone takes over a
# second), so these two sweeps run four scripts at a time.


def run_all(args: tuple[str, ...], env: dict[str, str]) -> dict[str, Result]:
    with ThreadPoolExecutor(4) as pool:
        results = pool.map(lambda script: run_script(script, *args, env=env), SCRIPTS)
    return dict(zip(SCRIPTS, results, strict=True))


@pytest.fixture(scope="module")
def help_results() -> dict[str, Result]:
    nowhere = "http://127.0.0.1:9"  # any request would fail through this proxy
    return run_all(
        ("--help",), clean_env(KALSHI_ENV="demo", HTTP_PROXY=nowhere, HTTPS_PROXY=nowhere)
    )


@pytest.fixture(scope="module")
def json_results(exchange, traded) -> dict[str, Result]:
    return run_all(("--json",), exchange.env)


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_needs_no_credentials_or_network(help_results, script):
    result = help_results[script]
    assert result.code == 0, str(result)
    assert "Run: uv run python " + script in result.out


@pytest.mark.parametrize("script", SCRIPTS)
def test_json_output_parses(json_results, script):
    result = json_results[script]
    assert result.code == 0, str(result)
    data = json.loads(result.out)  # stdout is JSON only (the banner goes to stderr)
    assert isinstance(data, dict | list) and data


# --- 01 exchange info ------------------------------------------------------------------------


def test_exchange_status(exchange, api):
    status = api.get("/exchange/status")
    out = run(exchange, "01_exchange_info/01_exchange_status.py").out
    assert "connectivity OK" in out
    shown = "yes" if status["exchange_active"] else "NO"
    assert re.search(rf"^exchange_active\s+{shown}$", out, re.M)


def test_exchange_schedule(exchange, api):
    out = run(exchange, "01_exchange_info/02_exchange_schedule.py").out
    assert "Standard hours (ET)" in out
    assert re.search(r"^Open now: (yes|NO)", out, re.M)
    windows = api.get("/exchange/schedule")["schedule"]["maintenance_windows"]
    now = datetime.now(UTC)
    upcoming = [w for w in windows if datetime.fromisoformat(w["end_datetime"]) > now]
    assert f"Upcoming maintenance windows: {len(upcoming)}" in out


def test_announcements_explains_retirement(exchange, json_results):
    result = run(exchange, "01_exchange_info/03_exchange_announcements.py")
    assert "HTTP 404" in result.out and "retired" in result.out and "2026-07-04" in result.out
    assert "GET /exchange/schedule" in result.out and "GET /exchange/status" in result.out
    data = json.loads(json_results["01_exchange_info/03_exchange_announcements.py"].out)
    assert data["announcements_status"] == 404 and "upcoming_maintenance_windows" in data


def test_announcements_where_still_served(tmp_path):
    legacy = start_exchange(tmp_path, "--seed", "7", "--no-activity", "--legacy-announcements")
    try:
        out = run(legacy, "01_exchange_info/03_exchange_announcements.py").out
    finally:
        legacy.stop()
    assert "still serves the endpoint" in out and re.search(r"announcement\(s\) on 1 page", out)


# --- 02 market discovery ---------------------------------------------------------------------


def test_list_series_and_hierarchy(exchange, api):
    series = api.get("/series")["series"]
    out = run(exchange, "02_market_discovery/01_list_series.py", "--limit", "50").out
    assert f"{len(series)} series match" in out
    assert all(s["ticker"] in out for s in series[:50])
    assert re.search(r"^series \S+\n  event  \S+", out, re.M)
    assert "    market " in out


def test_get_series(exchange, api):
    series = api.get("/series")["series"][0]
    out = run(exchange, "02_market_discovery/02_get_series.py", "--series", series["ticker"]).out
    assert re.search(rf"^ticker\s+{re.escape(series['ticker'])}$", out, re.M)
    assert re.search(rf"^fee_type\s+{series['fee_type']}$", out, re.M)
    assert "settlement_sources" in out


def test_list_events_paginates(exchange, api):
    first = api.get("/events", status="open", limit=2)
    data = json.loads(
        run(
            exchange,
            "02_market_discovery/03_list_events.py",
            "--limit",
            "2",
            "--pages",
            "2",
            "--json",
        ).out
    )
    assert data[0]["events"] == first["events"]
    if first["cursor"]:
        assert len(data) == 2
        seen = {e["event_ticker"] for e in data[0]["events"]}
        assert not seen & {e["event_ticker"] for e in data[1]["events"]}
    out = run(exchange, "02_market_discovery/03_list_events.py", "--limit", "2", "--pages", "2").out
    assert "page 1: 2 events" in out


def test_get_event_with_nested_markets(exchange, api, traded):
    event_ticker = api.get(f"/markets/{traded}")["market"]["event_ticker"]
    event = api.get(f"/events/{event_ticker}", with_nested_markets="true")["event"]
    out = run(exchange, "02_market_discovery/04_get_event.py", "--event", event_ticker).out
    assert f"{len(event['markets'])} market(s):" in out
    assert all(m["ticker"] in out for m in event["markets"])


def test_list_markets_status_vocabulary(exchange, api):
    markets = api.get("/markets", status="open", limit=5, mve_filter="exclude")["markets"]
    out = run(exchange, "02_market_discovery/05_list_markets.py", "--limit", "5").out
    assert all(m["ticker"] in out for m in markets)
    assert "filter status='open', field status=['active']" in out


def test_get_market_book_identity_and_grid(exchange, api, traded):
    market = api.get(f"/markets/{traded}")["market"]
    out = run(exchange, "02_market_discovery/06_get_market.py", "--ticker", traded).out
    assert "(holds: one book, two views)" in out
    step = Decimal(market["price_ranges"][0]["step"])
    assert f"step ${step}" in out
    assert re.search(r"^  result\s+", out, re.M)


# --- 03 market data --------------------------------------------------------------------------


def best_levels(api, ticker):
    book = api.book(ticker)
    best_yes = max(Decimal(p) for p, _ in book["yes_dollars"])
    best_no = max(Decimal(p) for p, _ in book["no_dollars"])
    return best_yes, best_no


def money(text: str) -> Decimal:
    return Decimal(text.lstrip("$"))


def test_orderbook_ladder(exchange, api, traded):
    out = run(
        exchange, "03_market_data/01_get_orderbook.py", "--ticker", traded, "--depth", "0"
    ).out
    best_yes, best_no = best_levels(api, traded)
    ask = re.search(r"^best YES ask\s+(\$[\d.]+)", out, re.M).group(1)
    bid = re.search(r"^best YES bid\s+(\$[\d.]+)", out, re.M).group(1)
    assert money(ask) == 1 - best_no
    assert money(bid) == best_yes
    assert "Ladder (YES prices):" in out


def test_candlesticks(exchange, traded, json_results):
    out = run(
        exchange,
        "03_market_data/02_get_candlesticks.py",
        "--ticker",
        traded,
        "--period",
        "60",
        "--count",
        "48",
    ).out
    assert re.search(r"candle\(s\) of 60 min", out)
    data = json.loads(json_results["03_market_data/02_get_candlesticks.py"].out)
    assert data["ticker"] and data["candlesticks"][0]["volume_fp"]


def test_batch_candlesticks(exchange, json_results):
    out = run(exchange, "03_market_data/03_batch_candlesticks.py", "--markets", "3").out
    assert "Batch: 1 request" in out and "Loop:  3 requests" in out
    assert "Same candle counts both ways: yes" in out
    data = json.loads(json_results["03_market_data/03_batch_candlesticks.py"].out)
    assert len(data["markets"]) == 5 and all("candlesticks" in m for m in data["markets"])


def test_public_trades_show_our_trade(exchange, api, traded):
    trades = api.get("/markets/trades", ticker=traded, limit=5)["trades"]
    assert trades
    out = run(
        exchange, "03_market_data/04_get_public_trades.py", "--ticker", traded, "--limit", "5"
    ).out
    assert f"{len(trades)} trade(s)" in out
    assert trades[0]["taker_outcome_side"] in out and trades[0]["taker_book_side"] in out


# --- 04 portfolio ----------------------------------------------------------------------------


def test_balance_matches_api(exchange, api, traded):
    out = run(exchange, "04_portfolio/01_get_balance.py").out
    balance = api.get("/portfolio/balance")  # after the script: this endpoint allows 1 call/s
    shown = re.search(r"^balance_dollars\s+(\$[\d.]+)", out, re.M).group(1)
    assert money(shown) == Decimal(balance["balance_dollars"])
    assert f"integer cents {balance['balance']}" in out


def test_positions_show_sign(exchange, traded):
    out = run(exchange, "04_portfolio/02_get_positions.py", "--ticker", traded).out
    assert re.search(rf"^{re.escape(traded)}\s+\+1 YES", out, re.M)


def test_fills_show_our_fill(exchange, traded):
    out = run(exchange, "04_portfolio/03_get_fills.py", "--ticker", traded).out
    row = next(line for line in out.splitlines() if traded in line)
    assert " yes " in row and " bid " in row and row.rstrip().endswith("taker")


def test_settlements(exchange, api):
    settlements = api.get("/portfolio/settlements")["settlements"]
    out = run(exchange, "04_portfolio/04_get_settlements.py").out
    assert f"{len(settlements)} settlement(s)" in out


# --- 08 historical ---------------------------------------------------------------------------


def test_historical_cutoff(exchange, api):
    cutoff = api.get("/historical/cutoff")
    out = run(exchange, "08_historical/01_historical_cutoff.py").out
    for name in ("market_settled_ts", "trades_created_ts", "orders_updated_ts"):
        assert re.search(rf"^{name}\s+\d{{4}}-", out, re.M), name
        assert name in cutoff
    assert "What lives on which side:" in out


def test_historical_markets(exchange, api):
    markets = api.get("/historical/markets", limit=5)["markets"]
    out = run(exchange, "08_historical/02_historical_markets.py", "--limit", "5").out
    assert f"{len(markets)} market(s)" in out
    assert all(m["ticker"] in out for m in markets)


def test_historical_candlesticks(exchange, api):
    markets = api.get("/historical/markets", limit=100)["markets"]
    if not markets:
        pytest.skip("the local exchange has no archived markets")
    out = run(exchange, "08_historical/03_historical_candlesticks.py").out
    assert "daily candle(s)" in out


def test_historical_fills_merge(exchange, api, json_results):
    live = api.get("/portfolio/fills", limit=200)["fills"]
    archived = api.get("/historical/fills", limit=200)["fills"]
    data = json.loads(json_results["08_historical/04_historical_fills.py"].out)
    ids = [f["fill_id"] for f in data["fills"]]
    assert len(ids) == len(set(ids)) == len({f["fill_id"] for f in live + archived})
    times = [f["created_time"] for f in data["fills"]]
    assert times == sorted(times, reverse=True)
    out = run(exchange, "08_historical/04_historical_fills.py").out
    assert re.search(rf"^merged history\s+{len(ids)}$", out, re.M)


# --- 09 account management -------------------------------------------------------------------


def test_api_keys(exchange, api):
    keys = api.get("/api_keys")["api_keys"]
    out = run(exchange, "09_account_management/01_get_api_keys.py").out
    assert f"{len(keys)} key(s)" in out
    assert "<- this script" in out and api.signer.key_id in out
    assert "PRIVATE KEY" not in out


def test_account_limits(exchange, api):
    limits = api.get("/account/limits")
    costs = api.get("/account/endpoint_costs")
    out = run(exchange, "09_account_management/02_account_limits.py").out
    assert re.search(rf"^usage tier\s+{limits['usage_tier']}$", out, re.M)
    read = limits["read"]
    assert re.search(rf"^read\s+{read['refill_rate']}\s+{read['bucket_capacity']}", out, re.M)
    assert all(c["path"] in out for c in costs["endpoint_costs"])


# --- error paths ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script", ["04_portfolio/01_get_balance.py", "08_historical/04_historical_fills.py"]
)
def test_wrong_key_exits_1_with_cause(exchange, api, script):
    env = {**exchange.env, "KALSHI_API_KEY_ID": str(uuid.uuid4())}
    env["KALSHI_PRIVATE_KEY_PATH"] = str(api.key_path)
    result = run_script(script, env=env)
    assert result.code == 1, str(result)
    assert "Traceback" not in result.err
    assert result.err.startswith("error: HTTP 401"), result.err
    assert "KALSHI_API_KEY_ID" in result.err  # the hint names what to check


@pytest.mark.parametrize(
    "script",
    [
        "02_market_discovery/06_get_market.py",
        "03_market_data/01_get_orderbook.py",
        "03_market_data/02_get_candlesticks.py",
    ],
)
def test_unknown_ticker_exits_1(exchange, script):
    result = run_script(script, "--ticker", "NOSUCH-MARKET-99", env=exchange.env)
    assert result.code == 1, str(result)
    assert "Traceback" not in result.err
    assert "HTTP 404" in result.err and "unknown ticker" in result.err
