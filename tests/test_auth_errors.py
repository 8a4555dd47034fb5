"""Every error-body shape the API sends becomes one KalshiError, with the right hint."""

from __future__ import annotations

import pytest

from auth.errors import KalshiError, parse_error_body


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b'{"error": {"code": "authentication_error", "message": "bad", '
            b'"details": "INCORRECT_API_KEY_SIGNATURE"}}',
            ("authentication_error", "bad", "INCORRECT_API_KEY_SIGNATURE"),
        ),
        (
            b'{"code": "invalid_content_type", "message": "use json"}',
            ("invalid_content_type", "use json", None),
        ),
        (b'{"error": "too many requests"}', (None, "too many requests", None)),
        (b'{"msg": "insufficient margin"}', (None, "insufficient margin", None)),
        (b"<html>Bad Gateway</html>", (None, "<html>Bad Gateway</html>", None)),
        (b"", (None, None, None)),
        (None, (None, None, None)),
        ('{"error": {"code": "not_found"}}', ("not_found", None, None)),
    ],
)
def test_body_shapes(body, expected):
    assert parse_error_body(body) == expected


def err(status, body, path="/portfolio/balance", **kw):
    return KalshiError.from_response(status, body, method="GET", path=path, **kw)


def test_message_is_one_line_plus_hint():
    e = err(404, b'{"error":{"code":"not_found","message":"market not found"}}', "/markets/NOPE")
    lines = str(e).splitlines()
    assert lines[0] == "HTTP 404 on GET /markets/NOPE: not_found / market not found"
    assert lines[1].startswith("  hint: unknown ticker")
    assert (e.status, e.code, e.message) == (404, "not_found", "market not found")


@pytest.mark.parametrize("env,other", [("demo", "prod"), ("prod", "demo")])
def test_key_from_the_other_environment(env, other):
    body = b'{"error":{"code":"authentication_error","message":"key","details":"NOT_FOUND"}}'
    e = err(401, body, env=env)
    assert f"may be a {other} key" in e.hint and "KALSHI_ENV" in e.hint


def test_bad_signature_hint_explains_what_is_signed():
    body = b'{"error":{"code":"authentication_error","details":"INCORRECT_API_KEY_SIGNATURE"}}'
    assert "without the query string" in err(401, body, env="demo").hint


def test_timestamp_expired_shows_both_clocks():
    body = b'{"error":{"code":"header_timestamp_expired","message":"expired"}}'
    e = err(401, body, server_date="Tue, 24 Nov 2026 12:00:00 GMT", env="demo")
    assert "your clock reads" in e.hint
    assert "2026-11-24T12:00:00Z" in e.hint
    assert " s off" in e.hint


def test_retired_endpoint_points_to_v2():
    body = b'{"error":{"code":"deprecated_v1_order_endpoint","message":"gone"}}'
    e = KalshiError.from_response(410, body, method="POST", path="/portfolio/orders")
    assert "/portfolio/events/orders" in e.hint


def test_rate_limit_hint():
    e = err(429, b'{"error": "too many requests"}')
    assert e.message == "too many requests" and "token bucket" in e.hint


def test_unknown_order_hint():
    e = err(404, b'{"error":{"code":"not_found"}}', "/portfolio/orders/abc")
    assert "unknown order id" in e.hint


def test_network_error_for_local_says_start_exchange():
    e = KalshiError(0, "network_error", "connection failed")
    from auth.errors import hint_for

    assert "python -m sandbox" in hint_for(e, env="local")
    assert str(e).startswith("no response: network_error")


def test_unknown_key_on_the_local_exchange():
    body = b'{"error":{"code":"authentication_error","details":"NOT_FOUND"}}'
    assert "KALSHI_SANDBOX_DIR" in err(401, body, env="local").hint
