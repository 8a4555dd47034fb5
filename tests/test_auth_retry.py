"""Retry policy against a scripted local server: reads retry, writes don't, and it gives up."""

from __future__ import annotations

import socket

import pytest

from auth import client
from auth.errors import KalshiError
from tests.stub_http import Canned, StubServer


@pytest.fixture
def fast_retries(auth_env, monkeypatch):
    monkeypatch.setattr(
        client.default(), "retry", client.RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.01)
    )
    return auth_env


def point_at(env, url: str) -> None:
    env.setenv("KALSHI_ENV", "local")
    env.setenv("KALSHI_LOCAL_URL", url)


def test_get_retries_429_then_succeeds(fast_retries):
    with StubServer(
        Canned(429, {"error": "too many requests"}), Canned(200, {"markets": [], "cursor": ""})
    ) as srv:
        point_at(fast_retries, srv.url)
        assert client.raw_get("/markets") == {"markets": [], "cursor": ""}
    assert len(srv.seen) == 2


def test_get_retries_5xx(fast_retries):
    with StubServer(Canned(503, "busy"), Canned(502, "bad"), Canned(200, {"ok": True})) as srv:
        point_at(fast_retries, srv.url)
        assert client.raw_get("/exchange/status") == {"ok": True}
    assert len(srv.seen) == 3


def test_post_that_got_500_is_not_retried(fast_retries, tmp_path):
    from tests.conftest import write_key

    path, _ = write_key(tmp_path)
    fast_retries.setenv("KALSHI_API_KEY_ID", "k")
    fast_retries.setenv("KALSHI_PRIVATE_KEY_PATH", str(path))
    with StubServer(Canned(500, {"error": {"code": "internal", "message": "boom"}})) as srv:
        point_at(fast_retries, srv.url)
        with pytest.raises(KalshiError) as info:
            client.raw_post("/portfolio/events/orders", {"ticker": "X"})
    assert len(srv.seen) == 1
    assert (info.value.status, info.value.code) == (500, "internal")


def test_gives_up_after_the_bound(fast_retries):
    with StubServer(Canned(429, {"error": "too many requests"})) as srv:
        point_at(fast_retries, srv.url)
        with pytest.raises(KalshiError) as info:
            client.raw_get("/markets")
    assert len(srv.seen) == client.default().retry.attempts
    assert info.value.status == 429 and "token bucket" in info.value.hint


def test_total_time_bounds_retries(fast_retries, monkeypatch):
    monkeypatch.setattr(
        client.default(), "retry", client.RetryPolicy(attempts=50, base_delay=0.05, total_time=0.2)
    )
    with StubServer(Canned(503, "busy")) as srv:
        point_at(fast_retries, srv.url)
        with pytest.raises(KalshiError):
            client.raw_get("/markets")
    assert 1 < len(srv.seen) < 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_refused_connection_is_a_network_error_after_retries(fast_retries):
    point_at(fast_retries, f"http://127.0.0.1:{free_port()}")
    before = client.stats.requests
    with pytest.raises(KalshiError) as info:
        client.raw_get("/exchange/status")
    assert client.stats.requests - before == client.default().retry.attempts
    assert info.value.status == 0 and "python -m sandbox" in info.value.hint


def test_write_is_retried_only_when_never_sent(fast_retries, tmp_path):
    from tests.conftest import write_key

    path, _ = write_key(tmp_path)
    fast_retries.setenv("KALSHI_API_KEY_ID", "k")
    fast_retries.setenv("KALSHI_PRIVATE_KEY_PATH", str(path))
    point_at(fast_retries, f"http://127.0.0.1:{free_port()}")  # refused: nothing was sent
    before = client.stats.requests
    with pytest.raises(KalshiError):
        client.raw_delete("/portfolio/events/orders/abc")
    assert client.stats.requests - before == client.default().retry.attempts


def test_retry_delays_use_full_jitter():
    policy = client.RetryPolicy(base_delay=1, max_delay=4)
    delays = [policy.delay(5) for _ in range(200)]
    assert all(0 <= d <= 4 for d in delays)
    assert max(delays) > 2 and min(delays) < 2  # spread across the whole interval


def test_sdk_gets_retry_like_raw_get(fast_retries):
    with StubServer(
        Canned(429, {"error": "too many requests"}),
        Canned(body={"exchange_active": True, "trading_active": True}),
    ) as srv:
        point_at(fast_retries, srv.url)
        assert client.get_client().get_exchange_status().trading_active is True
    assert len(srv.seen) == 2
