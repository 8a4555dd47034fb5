"""The web view in a real browser: Debian's Chromium driven by Playwright (never a downloaded
browser). An order placed over REST shows in the ladder within a second, its fill on the tape,
and the user panel follows the balance. Screenshots are never written."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

from tests.web.pages import wide_market

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SECOND = 1000  # ms: the bound for REST -> page
USED: set[str] = set()

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium: `apt-get install -y chromium` (Debian) to run this test"
)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == [], errors


def _open(page, url: str, ticker: str) -> None:
    page.goto(f"{url}/#market={ticker}&user=demo")
    page.wait_for_selector("#conn[data-state=live]")
    page.wait_for_selector(f"#market-head b:text-is('{ticker}')")
    page.wait_for_selector("#balance:not(:text-is('–'))")


def test_order_shows_in_ladder_fill_on_tape_balance_in_panel(web_exchange, demo, taker, page):
    ticker, price = wide_market(web_exchange.url, USED)
    _open(page, web_exchange.url, ticker)
    before = demo.balance()
    assert page.inner_text("#balance") == f"${before:.4f}"

    order = demo.place_order(ticker, "bid", price, "4")
    row = page.wait_for_selector(f"#ladder tr[data-side=bid][data-price='{price}']", timeout=SECOND)
    assert row.inner_text().split() == [price, "4.00"]
    page.wait_for_selector(f"#orders tr[data-order-id='{order['order_id']}']", timeout=SECOND)
    held = before - Decimal(price) * 4
    page.wait_for_selector(f"#balance:text-is('${held:.4f}')", timeout=SECOND)

    taker.place_order(ticker, "ask", price, "4")
    trade = demo.get("/markets/trades", ticker=ticker, limit=1)["trades"][0]
    tape = page.wait_for_selector(f"#tape tr[data-trade-id='{trade['trade_id']}']", timeout=SECOND)
    assert tape.inner_text().split()[-3:] == [price, "4.00", "no"]  # the taker sold YES
    page.wait_for_selector(f"#ladder tr[data-side=bid][data-price='{price}']", state="detached")
    page.wait_for_selector(f"#fills tr >> text={ticker}")
    after = demo.balance()
    page.wait_for_selector(f"#balance:text-is('${after:.4f}')")
    assert page.locator(f"#positions td:text-is('{ticker}')").count() == 1


def test_choosing_a_market_and_user_in_the_page(web_exchange, taker, page):
    ticker, _price = wide_market(web_exchange.url, USED)
    balance = taker.balance()  # a user added by the CLI joins the exchange on its first request
    page.goto(web_exchange.url + "/")
    page.wait_for_selector("#conn[data-state=live]")
    assert page.locator("#directory button[data-ticker]").count() > 20
    series = page.locator(f"#directory details:has(button[data-ticker='{ticker}'])")
    if not series.evaluate("d => d.open"):
        series.locator("summary").click()
    page.click(f"#directory button[data-ticker='{ticker}']")
    page.wait_for_selector(f"#market-head b:text-is('{ticker}')")
    assert page.evaluate("location.hash") == f"#market={ticker}&user=demo"
    page.select_option("#user", "webtaker")
    page.wait_for_function("location.hash.endsWith('user=webtaker')")
    page.wait_for_selector(f"#balance:text-is('${balance:.4f}')")
    assert page.locator("#depth path").count() == 2
    assert page.locator("#lifecycle li").count() >= 3


def test_a_dead_link_falls_back_to_a_live_market(web_exchange, page):
    page.goto(web_exchange.url + "/#market=GONE-1&user=demo")
    page.wait_for_function("!location.hash.includes('GONE-1') && location.hash.includes('market=')")
    page.wait_for_selector("#conn[data-state=live]")
    page.wait_for_selector("#ladder tbody tr")
