"""The web view in a real browser: Debian's Chromium driven by Playwright (never a downloaded
browser). An order placed over REST shows in the ladder within a second, its fill on the tape,
and the user panel follows the balance. Screenshots are never written."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
import requests

from tests.conftest import start_exchange
from tests.web.pages import state, wide_market

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


def test_controls_switch_moves_pauses_and_settles_a_market(web_exchange, demo, page):
    """The page is read-only until its "controls" switch is on; then the control plane's
    actions act on the chosen market and the page follows over its stream."""
    ticker, _price = wide_market(web_exchange.url, USED)
    _open(page, web_exchange.url, ticker)
    assert page.is_hidden("#controls-panel")
    page.check("#controls")
    page.wait_for_selector("#controls-panel", state="visible")
    page.wait_for_selector(f"#ctl-market:text-is('{ticker}')")
    page.fill("#ctl-price", "0.77")
    page.click("button[data-ctl=price]")
    page.wait_for_selector("#tape tr td:text-is('0.7700')", timeout=SECOND)
    assert Decimal(demo.get(f"/markets/{ticker}")["market"]["last_price_dollars"]) == Decimal(
        "0.77"
    )
    page.click("button[data-ctl=pause]")
    page.wait_for_selector("#market-status:text-is('inactive')", timeout=SECOND)
    page.click("button[data-ctl=settle-no]")
    page.wait_for_selector("#market-status:text-is('finalized')", timeout=SECOND)
    assert demo.get(f"/markets/{ticker}")["market"]["result"] == "no"
    page.click("button[data-ctl=close]")  # a finalized market cannot close: the page says why
    page.wait_for_selector("#ctl-result.error")
    page.uncheck("#controls")
    assert page.is_hidden("#controls-panel")


def _controls(page, url: str, ticker: str) -> None:
    _open(page, url, ticker)
    page.check("#controls")
    page.wait_for_selector(f"#ctl-market:text-is('{ticker}')")


def _create_market(page, series: str, event: str, market: str, **wait) -> None:
    """A series, an event in it and a market in that through the controls panel, each step
    answered before the next; returns once the market is in the page's list (`wait`: options
    of that last wait, e.g. the issue's bound)."""
    page.fill("#ctl-series", series)
    page.click("button[data-ctl=series]")
    page.wait_for_selector("#ctl-result:text-is('POST /series: done')")
    page.fill("#ctl-event", event)
    page.click("button[data-ctl=event]")
    page.wait_for_selector("#ctl-result:text-is('POST /events: done')")
    page.fill("#ctl-new-market", market)
    page.click("button[data-ctl=market]")
    page.wait_for_selector(f"#directory button[data-ticker='{market}']", state="attached", **wait)


def test_controls_set_a_book_and_show_a_refusal(web_exchange, page):
    ticker, _price = wide_market(web_exchange.url, USED)
    _controls(page, web_exchange.url, ticker)
    page.fill("#ctl-book-yes", "0.05:7 0.04:3")
    page.fill("#ctl-book-no", "0.03:2")
    page.click("button[data-ctl=book]")
    for side, price, count in (("bid", "0.0500", "7.00"), ("bid", "0.0400", "3.00")):
        row = page.wait_for_selector(
            f"#ladder tr[data-side={side}][data-price='{price}']", timeout=SECOND
        )
        assert row.inner_text().split() == [price, count]
    ask = page.wait_for_selector("#ladder tr[data-side=ask][data-price='0.9700']", timeout=SECOND)
    assert ask.inner_text().split() == ["0.9700", "2.00"]  # a NO bid at 0.03 = YES ask 0.97
    page.fill("#ctl-book-yes", "0.05")  # no count: the control plane says what is wrong
    page.click("button[data-ctl=book]")
    err = page.wait_for_selector("#ctl-result.error")
    assert "yes: a list of [price, count] pairs" in err.inner_text()
    page.fill("#ctl-user", "web-fcm")
    page.select_option("#ctl-member-type", "fcm")
    page.select_option("#ctl-tier", "premier")
    page.click("button[data-ctl=user]")
    page.wait_for_selector("#ctl-result:not(.error):text-is('POST /users: done')")
    page.wait_for_selector("#user option[value='web-fcm']", state="attached")
    page.select_option("#user", "web-fcm")
    page.wait_for_selector("#ctl-feed-user:text-is('web-fcm')")
    page.click("button[data-ctl=feed-on]")
    page.wait_for_selector("#ctl-result:not(.error):text-is('PUT /users/web-fcm/feeds: done')")
    page.click("button[data-ctl=user]")  # the same name again: 409, shown
    page.wait_for_selector("#ctl-result.error:has-text('already exists')")


def test_controls_create_a_series_event_and_market(web_exchange, page):
    ticker, _price = wide_market(web_exchange.url, USED)
    _controls(page, web_exchange.url, ticker)
    _create_market(page, "KXWEBCTL", "KXWEBCTL-1", "KXWEBCTL-1-A", timeout=SECOND)
    page.fill("#ctl-event", "KXWEBCTL-2")
    page.click("button[data-ctl=event]")
    page.wait_for_selector("#ctl-result:text-is('POST /events: done')")
    # A collection over both events with its legs per combo given: more legs than events is
    # refused (shown), then 1 to 2 is created and reads back over REST.
    page.fill("#ctl-collection", "KXMVEWEBCTL")
    page.fill("#ctl-collection-events", "KXWEBCTL-1 KXWEBCTL-2")
    page.fill("#ctl-collection-max", "3")
    page.click("button[data-ctl=collection]")
    page.wait_for_selector("#ctl-result.error")
    page.fill("#ctl-collection-min", "1")
    page.fill("#ctl-collection-max", "2")
    page.click("button[data-ctl=collection]")
    page.wait_for_selector("#ctl-result:text-is('POST /collections: done')")
    path = "/trade-api/v2/multivariate_event_collections/KXMVEWEBCTL"
    got = requests.get(web_exchange.url + path, timeout=10).json()["multivariate_contract"]
    assert (got["size_min"], got["size_max"]) == (1, 2)
    page.fill("#ctl-event", "NO-SUCH-EVENT")
    page.click("button[data-ctl=market]")
    page.wait_for_selector("#ctl-result.error")


def test_controls_reset_brings_the_seeded_market_list_back(tmp_path, page):
    ex = start_exchange(tmp_path / "reset", "--seed", "7", "--no-activity")
    try:
        seeded = page_markets(ex.url)
        ticker, _price = wide_market(ex.url, set())
        _controls(page, ex.url, ticker)
        _create_market(page, "KXWEBRST", "KXWEBRST-1", "KXWEBRST-1-A")
        series = page.locator("#directory details[data-series=KXWEBRST]")  # watch the new one
        if not series.evaluate("d => d.open"):
            series.locator("summary").click()
        page.click("#directory button[data-ticker='KXWEBRST-1-A']")
        page.wait_for_selector("#market-head b:text-is('KXWEBRST-1-A')")
        page.click("button[data-ctl=reset]")
        page.wait_for_selector("#ctl-result:text-is('POST /reset: done')")
        page.wait_for_selector("#directory button[data-ticker='KXWEBRST-1-A']", state="detached")
        shown = page.eval_on_selector_all(
            "#directory button[data-ticker]", "bs => bs.map(b => b.dataset.ticker)"
        )
        assert set(shown) == seeded
        # the watched market is gone: the page falls back to a live one, as for a dead link
        page.wait_for_function(
            "!location.hash.includes('KXWEBRST') && location.hash.includes('market=')"
        )
        page.wait_for_selector("#conn[data-state=live]")
        page.wait_for_selector("#ladder tbody tr")
    finally:
        ex.stop()


def page_markets(url: str) -> set[str]:
    return {
        m["ticker"]
        for s in state(url)["directory"]["series"]
        for e in s["events"]
        for m in e["markets"]
    }
