"""The client as an instance, errors by meaning, and nothing misleading: missing credentials
stop before any request (SDK path too), broken or wrong-shape answers and read timeouts are
clear errors, odd ids are encoded and signed as sent, 429 is retried for writes, and a create
whose answer was lost is not doubled."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from auth import client
from auth.config import settings
from auth.errors import (
    AuthError,
    ConfigError,
    Conflict,
    InvalidResponse,
    KalshiError,
    MissingField,
    NotFound,
    RateLimited,
    ServerError,
    Timeout,
    ValidationError,
)
from tests.conftest import write_key
from tests.stub_http import Canned, StubServer
from tests.test_auth_signing import use_key, verify

ORDER = {
    "ticker": "T",
    "side": "bid",
    "price": "0.0100",
    "count": "1.00",
    "time_in_force": "good_till_canceled",
    "self_trade_prevention_type": "taker_at_cross",
}


@pytest.fixture
def fast(auth_env, monkeypatch):
    monkeypatch.setattr(
        client.default(), "retry", client.RetryPolicy(attempts=4, base_delay=0.001, max_delay=0.01)
    )
    return auth_env


def local(env, url: str) -> None:
    env.setenv("KALSHI_ENV", "local")
    env.setenv("KALSHI_LOCAL_URL", url)
    env.setenv("KALSHI_SANDBOX_DIR", "/nonexistent")  # no local credentials file


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, ValidationError),
        (401, AuthError),
        (403, AuthError),
        (404, NotFound),
        (409, Conflict),
        (429, RateLimited),
        (503, ServerError),
    ],
)
def test_errors_are_typed_by_meaning(status, kind):
    err = KalshiError.from_response(status, b'{"error":{"code":"x"}}')
    assert type(err) is kind and isinstance(err, KalshiError)


def test_hint_matches_codes_not_words_in_the_message():
    body = (
        b'{"error":{"code":"authentication_error","message":"missing headers: '
        b'KALSHI-ACCESS-TIMESTAMP","details":"MISSING_AUTH_HEADERS"}}'
    )
    err = KalshiError.from_response(401, body, env="demo")
    assert "clock" not in err.hint and "not signed" in err.hint


def test_sdk_private_call_without_credentials_stops_before_sending(fast):
    with StubServer(Canned(body={"balance": 1})) as srv:
        local(fast, srv.url)
        sdk = client.get_client()
        with pytest.raises(ConfigError, match="needs credentials"):
            sdk.get_balance()
        assert sdk.get_exchange_status is not None
    assert srv.seen == []  # nothing went out unsigned


def test_sdk_broken_json_is_an_invalid_response(fast):
    with StubServer(Canned(200, b'{"exchange_active": tru')) as srv:
        local(fast, srv.url)
        with pytest.raises(InvalidResponse, match="not valid JSON"):
            client.get_client().get_exchange_status()


def test_sdk_http_error_arrives_as_the_typed_error(fast):
    with StubServer(Canned(404, {"error": {"code": "not_found", "message": "nope"}})) as srv:
        local(fast, srv.url)
        with pytest.raises(NotFound):
            client.get_client().get_market("NOPE")


def test_sdk_read_timeout_is_reported_as_a_timeout(fast, monkeypatch):
    import auth.sdk

    monkeypatch.setattr(auth.sdk, "TIMEOUT", (1.0, 0.2))
    with StubServer(Canned(body={"exchange_active": True}, delay=1.0)) as srv:
        local(fast, srv.url)
        with pytest.raises(Timeout) as info:
            client.get_client().get_exchange_status()
    assert "timed out" in str(info.value) and "connection failed" not in str(info.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[]", "expected a JSON object"),
        (b"{oops", r"not valid JSON \(application/json\)"),
    ],
)
def test_raw_wrong_shape_or_broken_json(fast, body, message):
    with StubServer(Canned(200, body)) as srv:
        local(fast, srv.url)
        with pytest.raises(InvalidResponse, match=message):
            client.raw_get("/markets/X")


@pytest.mark.parametrize("body", [b"{}", b""])
def test_raw_missing_field_is_a_clear_error_and_still_a_key_error(fast, body):
    with StubServer(Canned(200, body)) as srv:
        local(fast, srv.url)
        reply = client.raw_get("/markets/X")
        with pytest.raises(MissingField, match="no 'market' field"):
            reply["market"]
        with pytest.raises(KeyError):
            reply["market"]


def test_odd_ids_are_percent_encoded_and_signed_as_sent(auth_env, tmp_path):
    with StubServer(Canned(body={"order": {}})) as srv:
        public = use_key(auth_env, tmp_path, "ed25519", srv.url)
        client.raw_get("/portfolio/orders/a b#1é")
    seen = srv.seen[0]
    assert seen.path == "/trade-api/v2/portfolio/orders/a%20b%231%C3%A9"
    assert unquote(seen.path).endswith("a b#1é")
    h = seen.headers
    verify(public, h["KALSHI-ACCESS-SIGNATURE"], h["KALSHI-ACCESS-TIMESTAMP"] + "GET" + seen.path)


def test_writes_are_retried_on_429(fast, tmp_path):
    path, _ = write_key(tmp_path)
    fast.setenv("KALSHI_API_KEY_ID", "k")
    fast.setenv("KALSHI_PRIVATE_KEY_PATH", str(path))
    with StubServer(
        Canned(429, {"error": "too many requests"}), Canned(201, {"order_id": "o"})
    ) as srv:
        local(fast, srv.url)
        assert client.raw_post("/portfolio/events/orders", ORDER)["order_id"] == "o"
    assert [s.method for s in srv.seen] == ["POST", "POST"]
    assert all("KALSHI-ACCESS-SIGNATURE" in s.headers for s in srv.seen)  # re-signed each time


def test_sdk_writes_are_retried_on_429(fast, tmp_path):
    path, _ = write_key(tmp_path)
    fast.setenv("KALSHI_API_KEY_ID", "k")
    fast.setenv("KALSHI_PRIVATE_KEY_PATH", str(path))
    created = {"order_id": "o1", "fill_count": "0.00", "remaining_count": "1.00", "ts_ms": 1}
    with StubServer(Canned(429, {"error": "too many requests"}), Canned(201, created)) as srv:
        local(fast, srv.url)
        assert client.get_client().create_order_v2(**ORDER).order_id == "o1"
    assert len(srv.seen) == 2


def test_sdk_writes_are_not_retried_on_500(fast, tmp_path):
    path, _ = write_key(tmp_path)
    fast.setenv("KALSHI_API_KEY_ID", "k")
    fast.setenv("KALSHI_PRIVATE_KEY_PATH", str(path))
    with StubServer(Canned(500, {"error": {"code": "internal"}})) as srv:
        local(fast, srv.url)
        with pytest.raises(ServerError):
            client.get_client().create_order_v2(**ORDER)
    assert len(srv.seen) == 1


def test_create_after_a_lost_answer_finds_the_order_instead_of_doubling_it(fast, tmp_path):
    from auth.orders import create_order

    path, _ = write_key(tmp_path)
    fast.setenv("KALSHI_API_KEY_ID", "k")
    fast.setenv("KALSHI_PRIVATE_KEY_PATH", str(path))
    existing = {
        "order_id": "o1",
        "client_order_id": "cid-1",
        "fill_count_fp": "0.00",
        "remaining_count_fp": "1.00",
    }
    with StubServer(
        Canned(502, "bad gateway"),  # the order landed, the answer was lost
        Canned(409, {"error": {"code": "order_already_exists", "message": "order already exists"}}),
        Canned(200, {"orders": [{"client_order_id": "other"}, existing], "cursor": ""}),
    ) as srv:
        local(fast, srv.url)
        got = create_order({**ORDER, "client_order_id": "cid-1"})
    assert (got["order_id"], got["found_existing"]) == ("o1", True)
    assert [s.method for s in srv.seen] == ["POST", "POST", "GET"]
    assert srv.seen[0].body == srv.seen[1].body  # the same client_order_id both times


def test_a_409_without_a_lost_answer_is_raised(fast, tmp_path):
    from auth.orders import create_order

    path, _ = write_key(tmp_path)
    fast.setenv("KALSHI_API_KEY_ID", "k")
    fast.setenv("KALSHI_PRIVATE_KEY_PATH", str(path))
    with StubServer(Canned(409, {"error": {"code": "order_already_exists"}})) as srv:
        local(fast, srv.url)
        with pytest.raises(Conflict):
            create_order({**ORDER, "client_order_id": "cid-1"})


def test_two_clients_in_one_process_sign_with_their_own_keys(auth_env, tmp_path):
    from auth.config import Settings
    from auth.signing import Signer, load_private_key

    with StubServer(Canned(body={"balance": 1})) as a, StubServer(Canned(body={"balance": 2})) as b:
        keys = []
        clients = []
        for n, srv in enumerate((a, b)):
            pem, key = write_key(tmp_path, name=f"k{n}.pem")
            keys.append(key.public_key())
            config = Settings("local", srv.url + "/trade-api/v2", "", f"key-{n}", pem, "test")
            clients.append(client.Client(config, signer=Signer(f"key-{n}", load_private_key(pem))))
        assert [c.get("/portfolio/balance")["balance"] for c in clients] == [1, 2]
    for srv, public, n in ((a, keys[0], 0), (b, keys[1], 1)):
        h, seen = srv.seen[0].headers, srv.seen[0]
        assert h["KALSHI-ACCESS-KEY"] == f"key-{n}"
        verify(
            public, h["KALSHI-ACCESS-SIGNATURE"], h["KALSHI-ACCESS-TIMESTAMP"] + "GET" + seen.path
        )


def test_module_functions_use_one_default_client(auth_env):
    auth_env.setenv("KALSHI_ENV", "demo")
    assert client.default() is client.default()
    assert client.default().settings is settings()


@pytest.mark.parametrize(
    ("status", "code", "gone"),
    [
        (404, "not_found", True),
        (400, "order_not_resting", True),
        (409, "order_already_canceled", True),
        (409, "trading_is_paused", False),
        (429, None, False),
        (400, "invalid_parameters", False),
    ],
)
def test_cleanup_tells_gone_from_failed_by_type_and_code(status, code, gone):
    from auth.orders import already_gone

    body = {"error": {"code": code, "message": "order is not resting / canceled"}} if code else {}
    import json

    err = KalshiError.from_response(status, json.dumps(body).encode())
    assert already_gone(err) is gone


LAZY_CHECK = """
import pydantic
real, config = pydantic.validate_call, dict(pydantic.BaseModel.model_config)
import auth.sdk, kalshi_python_sync
assert pydantic.validate_call is real, "validate_call not restored"
assert pydantic.BaseModel.model_config == config, "BaseModel's config not restored"
class Mine(pydantic.BaseModel):  # a model defined later is built at once, as always
    x: int
assert Mine.__pydantic_complete__ and not Mine.model_config.get("defer_build")
for _ in range(2):  # an SDK model, built on its first validation, still refuses bad data
    try:
        kalshi_python_sync.GetBalanceResponse.from_dict({"balance": "lots"})
    except pydantic.ValidationError:
        pass
    else:
        raise AssertionError("a bad balance was accepted")
assert "kalshi_python_sync" in auth.sdk.__dict__
config = kalshi_python_sync.Configuration(host="http://127.0.0.1:9")  # nothing listens
api = kalshi_python_sync.MarketApi(kalshi_python_sync.ApiClient(config))
for _ in range(2):  # the validator built on the first call, then reused
    try:
        api.get_market(123)
    except pydantic.ValidationError as exc:
        assert exc.errors()[0]["type"] == "string_type", exc
    else:
        raise AssertionError("a ticker of the wrong type was sent")
print("ok")
"""


def test_sdk_arguments_and_answers_are_still_validated_after_the_lazy_import():
    # auth.sdk imports the SDK with pydantic's @validate_call and model builds deferred to first
    # use; the SDK must still reject a bad argument before sending anything, and a bad answer.
    import subprocess
    import sys

    from tests.conftest import ROOT, clean_env

    run = subprocess.run(
        [sys.executable, "-c", LAZY_CHECK], cwd=ROOT, env=clean_env(), capture_output=True
    )
    assert run.returncode == 0 and run.stdout.strip() == b"ok", run.stderr.decode()[-2000:]
