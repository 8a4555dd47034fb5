"""Signatures verify with the public key: full path with /trade-api/v2, no query, ms timestamp."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding

from tests.conftest import write_key
from tests.stub_http import Canned, StubServer

KINDS = ["rsa-pkcs8", "rsa-pkcs1", "ed25519"]


def verify(public_key, signature_b64: str, text: str) -> None:
    """Raise InvalidSignature unless the signature covers exactly `text` (Kalshi's rules)."""
    sig = base64.b64decode(signature_b64, validate=True)
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        public_key.verify(sig, text.encode())
    else:
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        public_key.verify(sig, text.encode(), pss, hashes.SHA256())


def use_key(auth_env, tmp_path, kind: str, url: str = "http://127.0.0.1:9"):
    path, key = write_key(tmp_path, kind)
    auth_env.setenv("KALSHI_ENV", "local")
    auth_env.setenv("KALSHI_LOCAL_URL", url)
    auth_env.setenv("KALSHI_API_KEY_ID", "11111111-2222-3333-4444-555555555555")
    auth_env.setenv("KALSHI_PRIVATE_KEY_PATH", str(path))
    return key.public_key()


@pytest.mark.parametrize("kind", KINDS)
def test_signed_request_covers_full_path_without_query(auth_env, tmp_path, kind):
    with StubServer(Canned(body={"orders": [], "cursor": ""})) as srv:
        public = use_key(auth_env, tmp_path, kind, srv.url)
        from auth.client import raw_get

        before = int(time.time() * 1000)
        assert raw_get("/portfolio/orders", limit=5, status="resting", cursor=None) == {
            "orders": [],
            "cursor": "",
        }
        after = int(time.time() * 1000)
    seen = srv.seen[0]
    assert seen.path == "/trade-api/v2/portfolio/orders?limit=5&status=resting"  # None dropped
    ts = seen.headers["KALSHI-ACCESS-TIMESTAMP"]
    assert ts.isdigit() and before <= int(ts) <= after  # milliseconds, not seconds
    assert seen.headers["KALSHI-ACCESS-KEY"] == "11111111-2222-3333-4444-555555555555"
    sig = seen.headers["KALSHI-ACCESS-SIGNATURE"]
    verify(public, sig, f"{ts}GET/trade-api/v2/portfolio/orders")
    with pytest.raises(InvalidSignature):  # the query is not part of the signed text
        verify(public, sig, f"{ts}GET/trade-api/v2/portfolio/orders?limit=5&status=resting")
    with pytest.raises(InvalidSignature):  # nor is a short path
        verify(public, sig, f"{ts}GET/portfolio/orders")


@pytest.mark.parametrize("kind", KINDS)
def test_ws_headers_sign_the_handshake_path(auth_env, tmp_path, kind):
    public = use_key(auth_env, tmp_path, kind)
    from auth.client import build_ws_headers

    first = build_ws_headers()
    verify(
        public,
        first["KALSHI-ACCESS-SIGNATURE"],
        first["KALSHI-ACCESS-TIMESTAMP"] + "GET/trade-api/ws/v2",
    )
    time.sleep(0.002)
    second = build_ws_headers()  # fresh on every call (a reconnect needs a new timestamp)
    assert second["KALSHI-ACCESS-TIMESTAMP"] != first["KALSHI-ACCESS-TIMESTAMP"]


def test_writes_are_signed_with_their_method_and_body_is_json(auth_env, tmp_path):
    with StubServer(Canned(201, {"order_id": "o1"})) as srv:
        public = use_key(auth_env, tmp_path, "rsa-pkcs8", srv.url)
        from auth.client import raw_post

        body = {"ticker": "T", "side": "bid", "price": "0.01", "count": "1"}
        assert raw_post("/portfolio/events/orders", body) == {"order_id": "o1"}
    seen = srv.seen[0]
    assert seen.method == "POST" and seen.headers["Content-Type"] == "application/json"
    ts = seen.headers["KALSHI-ACCESS-TIMESTAMP"]
    verify(
        public,
        seen.headers["KALSHI-ACCESS-SIGNATURE"],
        f"{ts}POST/trade-api/v2/portfolio/events/orders",
    )


def test_public_paths_go_unsigned_and_lists_repeat(auth_env, tmp_path):
    with StubServer(Canned(body={"orderbooks": []})) as srv:
        use_key(auth_env, tmp_path, "ed25519", srv.url)
        from auth.client import raw_get

        raw_get("/markets/orderbooks", tickers=["A", "B"], with_nested=True)
    seen = srv.seen[0]
    assert seen.path == "/trade-api/v2/markets/orderbooks?tickers=A&tickers=B&with_nested=true"
    assert "KALSHI-ACCESS-SIGNATURE" not in seen.headers


def test_key_is_parsed_once_per_process(auth_env, tmp_path, monkeypatch):
    use_key(auth_env, tmp_path, "rsa-pkcs8")
    from auth import signing
    from auth.client import build_ws_headers

    calls = []
    real = signing.load_private_key
    monkeypatch.setattr(signing, "load_private_key", lambda p: calls.append(p) or real(p))
    for _ in range(5):
        build_ws_headers()
    assert len(calls) == 1


def test_sdk_client_signs_with_the_same_parsed_key(auth_env, tmp_path):
    with StubServer(
        Canned(body={"exchange_active": True, "trading_active": False}),
        Canned(
            body={
                "balance": 12345,
                "balance_dollars": "123.45",
                "portfolio_value": 100,
                "updated_ts": 1,
            }
        ),
    ) as srv:
        public = use_key(auth_env, tmp_path, "rsa-pkcs1", srv.url)
        from auth.client import get_client
        from auth.signing import signer

        client = get_client()
        assert client is get_client()  # cached
        assert client.kalshi_auth.client.signer is signer()
        assert client.get_exchange_status().trading_active is False
        assert client.get_balance().balance == 12345
    seen = srv.seen[-1]
    ts = seen.headers["KALSHI-ACCESS-TIMESTAMP"]
    verify(
        public, seen.headers["KALSHI-ACCESS-SIGNATURE"], f"{ts}GET/trade-api/v2/portfolio/balance"
    )


def test_sdk_client_works_without_credentials(auth_env):
    with StubServer(Canned(body={"exchange_active": True, "trading_active": True})) as srv:
        auth_env.setenv("KALSHI_ENV", "local")
        auth_env.setenv("KALSHI_LOCAL_URL", srv.url)
        from auth.client import get_client

        assert get_client().get_exchange_status().exchange_active is True
    assert "KALSHI-ACCESS-SIGNATURE" not in srv.seen[0].headers


def test_sdk_reads_a_200_where_the_spec_says_201(auth_env, tmp_path):
    body = {"order_id": "o1", "fill_count": "0.00", "remaining_count": "1.00", "ts_ms": 1}
    with StubServer(Canned(200, body)) as srv:
        use_key(auth_env, tmp_path, "ed25519", srv.url)
        from auth.client import get_client

        resp = get_client().create_order_v2(
            ticker="T",
            side="bid",
            price="0.01",
            count="1",
            time_in_force="good_till_canceled",
            self_trade_prevention_type="taker_at_cross",
        )
    assert resp is not None and resp.order_id == "o1"
