"""End to end: the order-writing scripts (05_orders, 06_batch_operations, 07_order_groups)
against the local exchange.

Each script runs as a subprocess, as a user would run it, and what it promises is checked
against the exchange's own answers (fetched here with signed requests). A second user, `bob`,
is the counterparty of the one script that fills. The last tests check the safety rules: the
prod guard stops before any network traffic, --dry-run sends nothing, and nothing a script
created is left behind.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from decimal import Decimal

import pytest

from auth.markets import PriceGrid
from tests.api import Api, add_user
from tests.conftest import ROOT, clean_env, run_script, start_exchange

CREATE = "05_orders/01_create_order.py"
GET = "05_orders/02_get_order.py"
LIST = "05_orders/03_list_orders.py"
AMEND = "05_orders/04_amend_order.py"
DECREASE = "05_orders/05_decrease_order.py"
CANCEL = "05_orders/06_cancel_order.py"
QUEUE = "05_orders/07_order_queue_position.py"
BATCH_CREATE = "06_batch_operations/01_batch_create_orders.py"
BATCH_CANCEL = "06_batch_operations/02_batch_cancel_orders.py"
GROUP_CREATE = "07_order_groups/01_create_order_group.py"
GROUP_LIST = "07_order_groups/02_list_order_groups.py"
GROUP_ORDER = "07_order_groups/03_order_with_group.py"
GROUP_MANAGE = "07_order_groups/04_manage_order_group.py"
WRITERS = [
    CREATE,
    GET,
    AMEND,
    DECREASE,
    CANCEL,
    QUEUE,
    BATCH_CREATE,
    BATCH_CANCEL,
    GROUP_CREATE,
    GROUP_LIST,
    GROUP_ORDER,
    GROUP_MANAGE,
]
SCRIPTS = [*WRITERS[:2], LIST, *WRITERS[2:]]
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def get_order(api: Api, order_id: str) -> dict:
    return api.get(f"/portfolio/orders/{order_id}")["order"]


def resting_ids(api: Api) -> set[str]:
    return {o["order_id"] for o in api.get("/portfolio/orders", status="resting")["orders"]}


def group_ids(api: Api) -> set[str]:
    return {g["id"] for g in api.get("/portfolio/order_groups").get("order_groups") or []}


@pytest.fixture(scope="module")
def api(exchange) -> Api:
    return Api.for_demo(exchange)


@pytest.fixture(scope="module")
def baseline(api) -> tuple[set[str], set[str]]:
    """The demo user's resting orders and order groups before any script of this file ran."""
    return resting_ids(api), group_ids(api)


@pytest.fixture(scope="module")
def market(api, baseline) -> dict:
    """An open market whose spread is at least two ticks wide (so a counterparty can quote
    inside it) and whose edges are free (so the scripts' resting orders cannot fill)."""
    markets = api.get("/markets", status="open", limit=200, mve_filter="exclude")["markets"]
    by_ticker = {m["ticker"]: m for m in markets}
    books = api.get("/markets/orderbooks", tickers=list(by_ticker)[:100])["orderbooks"]
    for entry in books:
        book = entry["orderbook_fp"]
        if not (book["yes_dollars"] and book["no_dollars"]):
            continue
        grid = PriceGrid.from_market(by_ticker[entry["ticker"]])
        bid = max(Decimal(p) for p, _ in book["yes_dollars"])
        ask = 1 - max(Decimal(p) for p, _ in book["no_dollars"])
        inside = ask - grid.step_at(ask - Decimal("0.00001"))
        if (
            bid < inside
            and grid.contains(inside)
            and grid.lowest + 2 * grid.step_at(grid.lowest) < bid
        ):
            return {
                "ticker": entry["ticker"],
                "grid": grid,
                "bid": bid,
                "ask": ask,
                "inside": inside,
            }
    pytest.fail("no open market with a spread of two ticks or more")


def run(exchange, script: str, *args: str, env=None):
    result = run_script(script, *args, env=env or exchange.env)
    assert result.code == 0, str(result)
    return result


def run_json(exchange, script: str, *args: str):
    result = run(exchange, script, *args, "--json")
    return json.loads(result.out), result.err  # stdout is JSON only; the story is on stderr


def ids_in(text: str) -> list[str]:
    return re.findall(UUID, text)


# --- 05_orders --------------------------------------------------------------------------------


def test_create_order_rests_and_is_cancelled(exchange, api, market):
    out = run(exchange, CREATE, "--ticker", market["ticker"]).out
    assert "side=bid" in out and "fill_count" in out and "remaining_count" in out
    order_id = re.search(rf"order_id\s+({UUID})", out).group(1)
    order = get_order(api, order_id)
    assert order["status"] == "canceled" and order["book_side"] == "bid"
    assert Decimal(order["yes_price_dollars"]) == market["grid"].lowest
    assert Decimal(order["fill_count_fp"]) == 0 and "cleanup: 1 order(s) cancelled" in out


def test_create_buy_no_is_an_ask_and_keep_leaves_it(exchange, api, market):
    out = run(exchange, CREATE, "--ticker", market["ticker"], "--intent", "buy-no", "--keep").out
    assert "side=ask" in out and "buy NO" in out
    order_id = re.search(rf"order_id\s+({UUID})", out).group(1)
    order = get_order(api, order_id)
    assert (order["status"], order["book_side"], order["outcome_side"]) == ("resting", "ask", "no")
    assert Decimal(order["yes_price_dollars"]) == market["grid"].highest
    assert f"06_cancel_order.py --order-id {order_id}" in out  # how to clean up
    cancelled = run(exchange, CANCEL, "--order-id", order_id).out
    assert "cancelled: reduced_by=1" in cancelled
    assert get_order(api, order_id)["status"] == "canceled"


def test_get_order_shows_every_status_field(exchange, api, market):
    out = run(exchange, GET, "--ticker", market["ticker"]).out
    order_id = re.search(rf"placed ({UUID})", out).group(1)
    for name in (
        "outcome_side", "book_side", "status", "initial_count_fp", "fill_count_fp",
        "remaining_count_fp", "taker_fill_cost_dollars", "maker_fill_cost_dollars",
        "taker_fees_dollars", "maker_fees_dollars", "created_time", "yes_price_dollars",
    ):  # fmt: skip
        assert re.search(rf"^  {name}\s+\S", out, re.M), name
    assert re.search(r"^  status\s+resting$", out, re.M)
    assert get_order(api, order_id)["status"] == "canceled"  # cleaned up afterwards
    again = run(exchange, GET, "--order-id", order_id).out  # read-only path
    assert re.search(r"^  status\s+canceled$", again, re.M) and "placed" not in again


def test_list_orders_filters_and_paginates(exchange, api, market):
    first = api.get("/portfolio/orders", status="canceled", limit=1)
    second = api.get("/portfolio/orders", status="canceled", limit=1, cursor=first["cursor"])
    expected = [o["order_id"] for o in first["orders"] + second["orders"]]
    data, err = run_json(exchange, LIST, "--status", "canceled", "--limit", "1", "--pages", "2")
    assert [o["order_id"] for o in data["orders"]] == expected and len(expected) == 2
    assert "page 1: 1 order(s), next cursor" in err and "page 2:" in err
    out = run(exchange, LIST, "--ticker", market["ticker"], "--status", "canceled").out
    assert re.search(r"^\d+ order\(s\): \d+ canceled$", out, re.M)
    assert all(market["ticker"] in line for line in out.splitlines() if " canceled " in line)


def test_amend_price_change_goes_to_back_decrease_keeps_place(exchange, api, market):
    rows, err = run_json(exchange, AMEND, "--ticker", market["ticker"])
    placed, moved, shrunk = ({k: v for k, v in r.items()} for r in rows)
    a = [Decimal(r["a_queue_position"]) for r in (placed, moved, shrunk)]
    b = [Decimal(r["b_queue_position"]) for r in (placed, moved, shrunk)]
    assert a[1] == b[1] + 5  # A moved behind B's 5 contracts, although A is older
    assert a[2] == a[1]  # the size decrease kept A's place
    assert (placed["a_resting"], moved["a_resting"], shrunk["a_resting"]) == ("5", "5", "3")
    assert "What to notice" in err and "cleanup: 2 order(s) cancelled" in err


def test_decrease_keeps_place_and_order_behind_moves_up(exchange, market):
    rows, _ = run_json(exchange, DECREASE, "--ticker", market["ticker"])
    assert [r["a_resting"] for r in rows] == ["10", "7", "2"]
    a = [Decimal(r["a_queue_position"]) for r in rows]
    b = [Decimal(r["b_queue_position"]) for r in rows]
    assert a[0] == a[1] == a[2]
    assert [y - x for x, y in zip(a, b, strict=True)] == [10, 7, 2]


def test_cancel_explains_already_cancelled_and_unknown(exchange, api):
    out = run(exchange, CANCEL).out
    order_id = re.search(rf"placed ({UUID})", out).group(1)
    first, second, third = re.split(r"^\d\. ", out, flags=re.M)[1:4]
    assert "cancelled: reduced_by=3" in first
    assert "refused" in second and "already canceled" in second
    assert "refused" in third and "no such order" in third
    assert get_order(api, order_id)["status"] == "canceled"


def test_queue_positions_single_and_per_market(exchange, market):
    data, _ = run_json(exchange, QUEUE, "--ticker", market["ticker"])
    (a, pa), (b, pb) = [(k, Decimal(v["queue_position_fp"])) for k, v in data["single"].items()]
    assert pb == pa + 3  # B waits behind A's 3 contracts (positions count contracts, 0-indexed)
    listed = {
        q["order_id"]: Decimal(q["queue_position_fp"]) for q in data["market"]["queue_positions"]
    }
    assert listed[a] == pa and listed[b] == pb


# --- 06_batch_operations ----------------------------------------------------------------------


def test_batch_create_partial_failure_sized_from_limits(exchange, api, market):
    limits = api.get("/account/limits")["write"]
    data, err = run_json(exchange, BATCH_CREATE, "--ticker", market["ticker"], "--count", "4")
    results = data["orders"]
    assert len(results) == min(4, limits["bucket_capacity"] // 10)
    errors = [r for r in results if r.get("error")]
    assert len(errors) == 1 and results[-1]["error"]  # the off-grid one, and only that one
    placed = [r["order_id"] for r in results if not r.get("error")]
    assert len(placed) == len(results) - 1
    assert all(get_order(api, oid)["status"] == "canceled" for oid in placed)  # cleaned up
    assert f"write bucket: {limits['bucket_capacity']} tokens" in err


def test_batch_cancel_per_item_results(exchange, api, market):
    data, err = run_json(exchange, BATCH_CANCEL, "--ticker", market["ticker"], "--count", "3")
    items = data["orders"]
    ok = [i for i in items if not i.get("error")]
    assert len(items) == 4 and len(ok) == 3
    assert sorted(Decimal(i["reduced_by"]) for i in ok) == [1, 2, 3]
    assert all(get_order(api, i["order_id"])["status"] == "canceled" for i in ok)
    assert "this batch cancel 4 x 2 = 8 write tokens" in err


# --- 07_order_groups --------------------------------------------------------------------------


def test_create_order_group_then_deleted(exchange, api):
    out = run(exchange, GROUP_CREATE, "--contracts-limit", "7").out
    group_id = re.search(rf"order_group_id\s+({UUID})", out).group(1)
    assert re.search(r"contracts_limit_fp\s+7$", out, re.M) and "15 s" in out
    assert group_id not in group_ids(api) and "1 order group(s) deleted" in out


def test_list_order_groups_with_details(exchange, api, market):
    out = run(exchange, GROUP_LIST, "--ticker", market["ticker"]).out
    group_id, order_id = re.search(rf"example: group ({UUID}) with order ({UUID})", out).groups()
    assert re.search(rf"^{group_id}\s+5\s+\S+\s+1\s+{order_id}$", out, re.M)
    assert group_id not in group_ids(api) and get_order(api, order_id)["status"] == "canceled"


def test_order_with_group_lists_the_order(exchange, api, market):
    out = run(exchange, GROUP_ORDER, "--ticker", market["ticker"]).out
    group_id = re.search(rf"group ({UUID})", out).group(1)
    order_id = re.search(rf"order ({UUID})", out).group(1)
    assert f"order_group_id={group_id}" in out and order_id in out.split("GET group:")[1]
    assert group_id not in group_ids(api) and get_order(api, order_id)["status"] == "canceled"


def test_manage_order_group_lifecycle(exchange, api, market):
    rows, err = run_json(exchange, GROUP_MANAGE, "--ticker", market["ticker"])
    by_step = [(r["step"], r["order status"], r["effect"]) for r in rows]
    assert by_step[1] == ("place R1", "R1 resting", "placed")
    assert by_step[2][1] == "R1 resting"  # reset leaves resting orders alone
    assert by_step[3][1] == "R1 canceled"  # trigger cancels them
    assert by_step[4][2].startswith("refused")  # ...and blocks new ones
    assert by_step[6][1:] == ("R1 canceled, R2 resting", "placed")  # after the reset
    assert by_step[7][0].startswith("limit") and rows[7]["limit"] == "3"
    assert by_step[8][:2] == ("delete", "R1 canceled, R2 canceled")
    assert "group still listed after delete: no" in err


# --- a fill, checked against the counterparty ----------------------------------------------


@pytest.fixture(scope="module")
def bob(exchange) -> dict[str, str]:
    return {**exchange.env, **add_user(exchange.data_dir, "bob", "--balance", "500")}


def test_group_limit_trips_on_a_fill_against_bob(exchange, api, market, bob):
    bob_api = Api.from_env(exchange.url, bob)
    price = market["inside"]  # inside the spread: bob's ask becomes the best ask
    bob_before, demo_before = bob_api.balance(), api.balance()

    # bob sells 5 YES at `price`, and keeps the order resting
    sold = run(exchange, CREATE, "--ticker", market["ticker"], "--intent", "sell-yes",
               "--price", str(price), "--count", "5", "--keep", env=bob).out  # fmt: skip
    bob_order = re.search(rf"order_id\s+({UUID})", sold).group(1)

    # demo buys the group's limit (2) at the best ask, inside the group
    report, err = run_json(
        exchange, GROUP_ORDER, "--ticker", market["ticker"], "--fill", "--contracts-limit", "2"
    )
    fill = report["fill"]
    assert Decimal(fill["fill_count"]) == 2 and Decimal(fill["average_fill_price"]) == price
    after_fill = err.split("--fill:")[1]
    assert "GET order: status=canceled" in after_fill  # the group cancelled its resting order
    assert "refused" in after_fill  # and refuses new orders until reset

    run(exchange, CANCEL, "--order-id", bob_order, env=bob)  # bob's 3 unsold contracts
    demo_fills = api.get("/portfolio/fills", order_id=fill["order_id"])["fills"]
    bob_fills = bob_api.get("/portfolio/fills", order_id=bob_order)["fills"]
    assert sum(Decimal(f["count_fp"]) for f in demo_fills) == 2
    assert {f["trade_id"] for f in demo_fills} == {f["trade_id"] for f in bob_fills}
    for f in bob_fills:
        assert (f["book_side"], f["outcome_side"], f["is_taker"]) == ("ask", "no", False)
        assert Decimal(f["yes_price_dollars"]) == price
    assert all(f["is_taker"] and f["book_side"] == "bid" for f in demo_fills)

    demo_fee = sum(Decimal(f["fee_cost"]) for f in demo_fills)
    bob_fee = sum(Decimal(f["fee_cost"]) for f in bob_fills)
    assert api.balance() == demo_before - 2 * price - demo_fee  # paid the YES price
    assert bob_api.balance() == bob_before - 2 * (1 - price) - bob_fee  # paid the NO price


# --- safety -------------------------------------------------------------------------------


@pytest.mark.parametrize("script", WRITERS)
def test_prod_writes_refused_before_any_request(script, tmp_path):
    nowhere = "http://127.0.0.1:9"  # any request would fail through this proxy (exit 1)
    env = clean_env(
        KALSHI_ENV="prod",
        KALSHI_API_KEY_ID="bogus",
        KALSHI_PRIVATE_KEY_PATH=str(tmp_path / "missing.pem"),
        HTTP_PROXY=nowhere,
        HTTPS_PROXY=nowhere,
    )
    result = run_script(script, env=env)
    assert result.code == 2, str(result)
    assert "KALSHI_ENV=prod" in result.err and "--allow-prod" in result.err


@pytest.mark.parametrize("script", WRITERS)
def test_dry_run_sends_nothing(exchange, api, market, script):
    before = resting_ids(api), group_ids(api)
    args = () if script == GROUP_CREATE else ("--ticker", market["ticker"])  # no market needed
    out = run(exchange, script, "--dry-run", *args).out
    assert "DRY RUN, not sent: POST" in out or "DRY RUN, not sent: DELETE" in out
    assert "KALSHI-ACCESS-SIGNATURE" in out
    assert (resting_ids(api), group_ids(api)) == before


@pytest.mark.parametrize("script", [CREATE, GET, CANCEL, GROUP_CREATE, GROUP_LIST, GROUP_ORDER])
def test_json_output_parses(exchange, market, script):
    """--json: stdout is one JSON document (the other scripts' tests parse theirs)."""
    args = () if script in (CANCEL, GROUP_CREATE) else ("--ticker", market["ticker"])
    data, err = run_json(exchange, script, *args)
    assert data and "[local]" in err  # the banner goes to stderr


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_needs_no_credentials_or_network(script):
    nowhere = "http://127.0.0.1:9"
    result = run_script(script, "--help", env=clean_env(HTTP_PROXY=nowhere, HTTPS_PROXY=nowhere))
    assert result.code == 0, str(result)
    assert "Run: uv run python " + script in result.out


def test_cleanup_runs_on_ctrl_c(tmp_path):
    """Ctrl+C in the middle of a script still cancels what it placed (and exits 0)."""
    # 400 ms per response leaves seconds between "B = " and the end, even on a loaded machine.
    slow = start_exchange(tmp_path, "--seed", "7", "--no-activity", "--latency-ms", "400")
    try:
        api = Api.for_demo(slow)
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / AMEND)],
            cwd=ROOT,
            env=slow.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines = []
        for line in proc.stdout:  # wait until both orders rest, then press Ctrl+C
            lines.append(line)
            if line.startswith("B = "):
                proc.send_signal(signal.SIGINT)
                break
        out, err = proc.communicate(timeout=30)
        placed = ids_in("".join(lines))
        assert proc.returncode == 0 and "stopped (Ctrl+C)" in err, err
        assert "cleanup: 2 order(s) cancelled" in out
        assert len(placed) == 2 and all(get_order(api, i)["status"] == "canceled" for i in placed)
    finally:
        slow.stop()


def test_nothing_left_behind(api, baseline):
    """Runs last: every order and group a script of this file created is gone again."""
    resting, groups = baseline
    assert resting_ids(api) <= resting
    assert group_ids(api) <= groups
