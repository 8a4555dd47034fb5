"""The portfolio, order and history scripts against fills with Kalshi's fee rounding, checked to
the cent against an independent computation from docs.kalshi.com/getting_started/fee_rounding,
and paging with cursors (issue 12).

The exchange runs in this process (the real app on a loopback port) so the test can set the
market up exactly: one market switched to deci_cent ticks, three 1-lot asks at $0.055 (the
docs' worked example), then the scripts run as subprocesses against it."""

from __future__ import annotations

import asyncio
import json
import sys
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path

from tests.conftest import ROOT, clean_env

D = Decimal
CENT = D("0.01")
PRICE = D("0.055")
GTC = {"time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker"}


def expected_fills(price: Decimal, counts: list[Decimal]) -> list[dict]:
    """The docs' mechanics, written out independently of sandbox/engine/fees.py: the trade fee
    on the order's running total up to $0.0001, the balance change floored to the cent, the
    rounding overpaid coming back in whole cents."""
    out, paid, raw, acc = [], D(0), D(0), D(0)
    for c in counts:
        raw += D("0.07") * c * price * (1 - price)
        total = raw.quantize(D("0.0001"), rounding=ROUND_CEILING)
        trade_fee, paid = total - paid, total
        change = -price * c - trade_fee
        rounding = change - change.quantize(CENT, rounding=ROUND_FLOOR)
        acc += rounding
        rebate = acc.quantize(CENT, rounding=ROUND_FLOOR)
        acc -= rebate
        out.append(
            {
                "fee": trade_fee + rounding - rebate,
                "cash": -price * c - trade_fee - rounding + rebate,
            }
        )
    return out


async def _script(env: dict, script: str, *args: str, raw: bool = False) -> dict:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / script), *args, *(() if raw else ("--json",)),
        cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    return {"text": out.decode()} if raw else json.loads(out)


def test_fill_fees_balances_and_pages_to_the_cent(tmp_path: Path):
    from aiohttp.test_utils import TestServer

    from sandbox.build import build
    from sandbox.http.config import Config

    built = build(Config(data_dir=tmp_path, seed=7, activity=False))
    ex = built.exchange
    ex.add_user("mm", D("1000"))
    ticker = next(
        m.ticker for m in ex.list_markets(status="open") if m.price_level_structure == "linear_cent"
    )
    for o in list(ex.trading.books[ticker].all_orders()):  # an empty book: ours are the best
        ex.cancel_order(o.user_id, o.order_id)
    ex.update_price_level_structure(ticker, "deci_cent")
    for _ in range(3):
        ex.create_order("mm", ticker=ticker, side="ask", price=PRICE, count=D(1), **GTC)
    before = ex.get_account("demo").balance
    r = ex.create_order(
        "demo", ticker=ticker, side="bid", price=PRICE, count=D(3),
        time_in_force="immediate_or_cancel", self_trade_prevention_type="maker",
    )  # fmt: skip
    assert len(r.fills) == 3, "the three 1-lot asks were not the best asks"
    want = expected_fills(PRICE, [D(1)] * 3)

    async def scenario() -> None:
        server = TestServer(built.app, host="127.0.0.1")
        await server.start_server()
        try:
            url = str(server.make_url("")).rstrip("/")
            env = clean_env(
                KALSHI_ENV="local", KALSHI_LOCAL_URL=url, KALSHI_SANDBOX_DIR=str(tmp_path)
            )
            fills = (await _script(env, "04_portfolio/03_get_fills.py", "--ticker", ticker))[
                "fills"
            ]
            fills.sort(key=lambda f: f["fill_id"])
            assert [D(f["fee_cost"]) for f in fills] == [w["fee"] for w in want]
            assert sum(w["fee"] for w in want) == D("0.015")  # = the docs' 3 x 0.0050
            shown = await _script(env, "04_portfolio/03_get_fills.py", "--ticker", ticker, raw=True)
            assert "3 fill(s), fees $0.0150 in all" in shown["text"]
            balance = await _script(env, "04_portfolio/01_get_balance.py")
            spent = before - D(balance["balance_dollars"])
            assert spent == -sum(w["cash"] for w in want) == D("0.18")  # 3 x $0.06
            assert spent % CENT == 0  # a non-direct member's balance stays on whole cents
            order = await _script(env, "05_orders/02_get_order.py", "--order-id", r.order.order_id)
            body = order.get("order", order)
            assert D(body["taker_fees_dollars"]) == D("0.015")
            assert D(body["taker_fill_cost_dollars"]) == 3 * PRICE
            positions = await _script(env, "04_portfolio/02_get_positions.py", "--ticker", ticker)
            (mp,) = positions["market_positions"]
            assert D(mp["fees_paid_dollars"]) == D("0.015")
            # Paging with the script's --cursor: one fill per page, newest first, no repeats.
            seen, cursor = [], None
            while True:
                more = ("--cursor", cursor) if cursor else ()
                page = await _script(
                    env, "04_portfolio/03_get_fills.py", "--ticker", ticker, "--limit", "1", *more
                )
                seen += [f["fill_id"] for f in page["fills"]]
                cursor = page["cursor"]
                if not cursor:
                    break
            assert seen == sorted(seen, reverse=True) and sorted(seen) == [
                f["fill_id"] for f in fills
            ]
            # Positions of every state page by event: one event (and its markets) per page.
            events, cursor = [], None
            while True:
                more = ("--cursor", cursor) if cursor else ()
                page = await _script(
                    env, "04_portfolio/02_get_positions.py", "--settlement-status", "all",
                    "--limit", "1", *more,
                )  # fmt: skip
                assert len(page["event_positions"]) == 1 and page["market_positions"]
                events.append(page["event_positions"][0]["event_ticker"])
                cursor = page["cursor"]
                if not cursor:
                    break
            assert len(events) >= 2 and events == sorted(set(events))
            # Once archived, the history script shows the same fills and fees.
            ex.set_historical_cutoff(ex.now() + 1)
            history = await _script(env, "08_historical/04_historical_fills.py", "--ticker", ticker)
            mine = sorted(history["fills"], key=lambda f: f["fill_id"])
            assert [f["fill_id"] for f in mine] == [f["fill_id"] for f in fills]
            assert sum(D(f["fee_cost"]) for f in mine) == D("0.015")
        finally:
            await server.close()

    asyncio.run(scenario())  # the app's cleanup closes the exchange
