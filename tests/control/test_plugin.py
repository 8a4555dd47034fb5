"""The pytest plugin (entry point pytest11, sandbox.pytest_plugin) as a bot builder uses it:
pytester writes a test file into an empty directory and runs pytest on it in a subprocess, so
the plugin is found through its installed entry point, not through this repo's conftest."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.timeout(300)


def test_fixtures_give_an_exchange_a_signed_user_and_the_environment(pytester):
    pytester.makepyfile(
        """
        import os
        from decimal import Decimal

        def test_bot(kalshi_exchange, kalshi_user):
            assert os.environ["KALSHI_ENV"] == "local"
            assert os.environ["KALSHI_LOCAL_URL"] == kalshi_exchange.url
            assert kalshi_user.get("/portfolio/balance")["balance"] == 100_000
            assert kalshi_user.env["KALSHI_API_KEY_ID"] == kalshi_user.key_id
            kalshi_exchange.create_series("KXP")
            kalshi_exchange.create_event("KXP-1", "KXP")
            kalshi_exchange.create_market("KXP-1-A", "KXP-1")
            kalshi_exchange.set_book("KXP-1-A", yes=[("0.40", 5)], no=[("0.50", 5)])
            ob = kalshi_user.get("/markets/KXP-1-A/orderbook")["orderbook_fp"]
            assert [Decimal(p) for p, _ in ob["yes_dollars"]] == [Decimal("0.40")]
            kalshi_exchange.move_price("KXP-1-A", "0.70")
            m = kalshi_user.get("/markets/KXP-1-A")["market"]
            assert Decimal(m["last_price_dollars"]) == Decimal("0.70")

        def test_env_is_restored_after_a_test():
            assert "KALSHI_LOCAL_URL" not in os.environ
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2)


def test_marker_options_session_scope_and_more_users(pytester):
    pytester.makepyfile(
        """
        import threading
        import pytest

        URLS = []

        @pytest.mark.kalshi_exchange("--no-activity", "--tier", "advanced", in_process=True)
        def test_in_process_with_flags(kalshi_exchange, kalshi_new_user):
            assert any(t.name == "local-exchange" for t in threading.enumerate())
            a = kalshi_new_user("alice", balance="10")
            b = kalshi_new_user(balance="20", tier="premier")
            assert a.get("/account/limits")["usage_tier"] == "advanced"  # --tier
            assert b.get("/account/limits")["usage_tier"] == "premier"
            assert a.get("/portfolio/balance")["balance"] == 1000

        def test_shared_one(kalshi_session_exchange):
            URLS.append(kalshi_session_exchange.url)

        def test_shared_two(kalshi_session_exchange):
            URLS.append(kalshi_session_exchange.url)
            assert URLS[0] == URLS[1]

        def test_fresh_exchange_each_time(kalshi_exchange):
            assert kalshi_exchange.url not in URLS
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=4)


def test_a_failing_bot_test_fails_and_the_exchange_still_stops(pytester):
    pytester.makepyfile(
        """
        import requests

        def test_fails(kalshi_exchange, kalshi_user):
            with open("url.txt", "w") as f:
                f.write(kalshi_exchange.url)
            r = kalshi_user.request("GET", "/markets/NOSUCH-1")
            assert r.status_code == 200, r.json()["error"]["code"]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*not_found*"])
    import requests

    url = (pytester.path / "url.txt").read_text()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/trade-api/v2/exchange/status", timeout=5)
