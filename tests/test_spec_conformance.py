"""The scripts speak the real API, not just the local exchange's dialect.

The local exchange was built by the same team as the scripts, so both could agree on a mistake.
This runs every script once (as run_waves.py does, same extra arguments), plus a few read-only
runs with filter options (VARIANTS), against a local exchange started with `--record-requests`.
Then it checks every REST request the scripts sent against Kalshi's OpenAPI spec and every
WebSocket command against its AsyncAPI spec (tests/spec_check.py): the operation exists, query
parameters are declared, typed and within their enums, arrays come as repeated keys, required
ones are present, JSON bodies match the requestBody schema with no unknown fields.

The specs are vendored in specs/ (see specs/README.md).
"""

from __future__ import annotations

import json
import re
import urllib.request
from dataclasses import dataclass

import pytest

import run_waves
from tests.conftest import ROOT
from tests.spec_check import API_PREFIX, ASYNCAPI, OPENAPI, AsyncApi, OpenApi

# The one deliberate deviation: 01_exchange_info/03_exchange_announcements.py calls this retired
# endpoint on purpose, to show the 404 live answers and what to read instead.
RETIRED = ("GET", f"{API_PREFIX}/exchange/announcements")
WS_HANDSHAKE = ("GET", "/trade-api/ws/v2")  # the upgrade request; its commands are checked below

# After the default pass, a few read-only runs with options that send query parameters the
# defaults never send (filters, subaccount, depth 0), so those are checked too. Tickers depend on
# the date: {market}/{event} is an open market/event, {archived} a historical one.
# A cursor the local exchange hands out (keyset cursors are opaque: this one, from a limit=0
# page, points at the top of the list)
PAGE_2 = "W10"
VARIANTS: tuple[tuple[str, ...], ...] = (
    ("02_market_discovery/01_list_series.py", "--category", "Economics", "--tags", "a,b"),
    ("02_market_discovery/02_get_series.py", "--series", "KXHIGHNY", "--volume"),
    ("02_market_discovery/03_list_events.py", "--status", "closed", "--series", "KXHIGHNY"),
    ("02_market_discovery/05_list_markets.py", "--series", "KXHIGHNY", "--with-combos"),
    ("02_market_discovery/05_list_markets.py", "--event", "{event}", "--cursor", PAGE_2),
    ("03_market_data/01_get_orderbook.py", "--depth", "0"),
    ("03_market_data/04_get_public_trades.py", "--ticker", "{market}"),
    ("04_portfolio/01_get_balance.py", "--subaccount", "1"),
    ("04_portfolio/02_get_positions.py", "--ticker", "{market}", "--nonzero"),
    ("04_portfolio/03_get_fills.py", "--ticker", "{market}"),
    ("04_portfolio/04_get_settlements.py", "--ticker", "{market}"),
    ("05_orders/03_list_orders.py", "--status", "resting", "--ticker", "{market}"),
    ("08_historical/02_historical_markets.py", "--tickers", "{archived}"),
    ("08_historical/02_historical_markets.py", "--series", "KXHIGHNY"),
    ("08_historical/04_historical_fills.py", "--ticker", "{archived}"),
)

pytestmark = pytest.mark.timeout(300)  # one pass over every script, about a minute


@dataclass
class Recording:
    results: list[run_waves.Result]
    rest: list[dict]  # {"method", "path", "query": [[name, value], ...], "body"}
    ws: list[str]  # client text frames


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    tmp = tmp_path_factory.mktemp("conformance")
    log = tmp / "requests.jsonl"
    # Seq gaps on orderbook_delta make 02_ws_orderbook.py resync with update_subscription
    # (get_snapshot), a command the default run would rarely send. Best effort: not asserted.
    extra = ["--record-requests", str(log), "--fault-seq-gap-rate", "0.3"]
    with run_waves.local_exchange(tmp / "exchange", seed=7, extra=extra) as exchange:
        env = run_waves.script_env("local", exchange)
        scripts = run_waves.discover()
        names = {
            "market": first(exchange.url, "/markets?status=open&limit=1", "ticker"),
            "event": first(exchange.url, "/markets?status=open&limit=1", "event_ticker"),
            "archived": first(exchange.url, "/historical/markets?limit=1", "ticker"),
        }
        scripts += [
            run_waves.Script(path, 0, tuple(a.format(**names) for a in args))
            for path, *args in VARIANTS
        ]
        results = [run_waves.run_script(s, env, timeout=60) for s in scripts]
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    rest = [e for e in entries if e["kind"] == "rest"]
    ws = [e["text"] for e in entries if e["kind"] == "ws"]
    return Recording(results, rest, ws)


def first(base_url: str, path: str, field: str) -> str:
    """`field` of the first market a public list endpoint returns."""
    with urllib.request.urlopen(base_url + API_PREFIX + path, timeout=10) as response:
        return json.load(response)["markets"][0][field]


@pytest.fixture(scope="module")
def openapi() -> OpenApi:
    return OpenApi(OPENAPI)


def report(findings: list[str]) -> str:
    unique = list(dict.fromkeys(findings))
    return f"{len(unique)} deviation(s) from the spec:\n  " + "\n  ".join(unique)


def test_every_script_ran(recording: Recording):
    failed = [r for r in recording.results if r.status != "pass"]
    assert not failed, "\n\n".join(f"{r.script}: {r.status}\n{r.output}" for r in failed)
    assert recording.rest and recording.ws


def test_rest_requests_follow_the_openapi_spec(recording: Recording, openapi: OpenApi):
    findings = []
    for e in recording.rest:
        if (e["method"], e["path"]) in (RETIRED, WS_HANDSHAKE):
            continue
        findings += openapi.check_rest(e["method"], e["path"], e["query"], e["body"])
    assert not findings, report(findings)
    assert any((e["method"], e["path"]) == RETIRED for e in recording.rest)


def test_websocket_commands_follow_the_asyncapi_spec(recording: Recording):
    asyncapi = AsyncApi(ASYNCAPI)
    findings = []
    for text in recording.ws:
        try:
            findings += asyncapi.check_ws(json.loads(text))
        except ValueError:
            findings.append(f"WebSocket frame is not JSON: {text!r}")
    assert not findings, report(findings)


def test_every_operation_in_the_readme_script_map_is_exercised(
    recording: Recording, openapi: OpenApi
):
    """The README's table claims which endpoint each script shows; every claim that names a
    spec operation must have been called by some script."""
    readme = (ROOT / "README.md").read_text()
    script_map = readme.split("## The scripts", 1)[1].split("\n## ", 1)[0]
    claimed = re.findall(r"`(GET|POST|PUT|DELETE) (/[^`\s,]+)", script_map)

    def shape(template: str) -> str:
        return re.sub(r"\{[^}]*\}", "{}", template)

    spec_ops = {(op.method, shape(op.template)): op.key for op in openapi.operations}
    called = set()
    for e in recording.rest:
        op, _ = openapi.match(e["method"], e["path"].removeprefix(API_PREFIX))
        if op is not None:
            called.add(op.key)
    missing = []
    for method, path in claimed:
        if (method, API_PREFIX + path) == RETIRED:
            continue
        key = spec_ops.get((method, shape(path)))
        if key is None:
            missing.append(f"README names {method} {path}, which is not in the spec")
        elif key not in called:
            missing.append(f"README names {key}, but no script called it")
    assert claimed and not missing, "\n".join(missing)


# The checker itself: each of these must be reported (so a clean run above means something).
BAD_REST = [
    ("GET", "/markets", [["status", "active"]], None),  # not in the enum
    ("GET", "/markets", [["ticker", "A"]], None),  # undeclared (the spec says `tickers`)
    ("GET", "/markets", [["tickers", "A"], ["tickers", "B"]], None),  # string: comma-separated
    ("GET", "/markets/orderbooks", [["tickers", "A,B"]], None),  # array: repeated keys
    ("GET", "/markets/candlesticks", [["market_tickers", "A"]], None),  # required ones missing
    ("GET", "/markets/A/orderbook", [["depth", "all"]], None),  # not an integer
    ("POST", "/portfolio/orders", [], {"ticker": "A"}),  # the retired V1 create
    ("POST", "/portfolio/events/orders/batched", [], {"orders": [{"ticker": "A"}]}),
    ("POST", "/portfolio/order_groups/create", [], {"limit": 5}),  # unknown field
]
BAD_WS = [
    {"id": 1, "cmd": "subscribe", "params": {"channels": ["orderbook"]}},
    {"id": 1, "cmd": "subscribe", "params": {"channels": ["ticker"], "market": "A"}},
    {
        "id": 1,
        "cmd": "subscribe",
        "params": {"channels": ["ticker"], "market_ticker": "A", "market_tickers": ["B"]},
    },
    {"cmd": "unsubscribe", "params": {"sids": [1]}},
    {"id": 2, "cmd": "update_subscription", "params": {"sids": [1, 2], "action": "add_markets"}},
    {"id": 3, "cmd": "list_subscriptions", "params": {}},
]


@pytest.mark.parametrize("method, path, query, body", BAD_REST)
def test_checker_reports_rest_deviations(openapi: OpenApi, method, path, query, body):
    assert openapi.check_rest(method, API_PREFIX + path, query, body)


@pytest.mark.parametrize("command", BAD_WS)
def test_checker_reports_websocket_deviations(command):
    assert AsyncApi(ASYNCAPI).check_ws(command)
