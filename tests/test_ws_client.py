"""The WebSocket helper (auth/ws.py) against a small `websockets` server started on 127.0.0.1.

The server checks every handshake like Kalshi does: the signature over timestamp + GET +
/trade-api/ws/v2 must verify with the public key, and the timestamp must be fresh. Each test
scripts what the server does on each connection (answer, drop, fall silent, send errors).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import signal
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from websockets.asyncio.server import ServerConnection, serve

from auth import client, config
from auth.errors import KalshiError
from auth.ws import Backoff, Stream, StreamError, timestamp

WS_PATH = "/trade-api/ws/v2"
SUBSCRIBE = {"cmd": "subscribe", "params": {"channels": ["ticker"], "market_tickers": ["A"]}}
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


@pytest.fixture
def key(tmp_path, monkeypatch):
    """A fresh RSA key as the configured credentials; returns its public half."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "ws-test.pem"
    pem.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    monkeypatch.setenv("KALSHI_ENV", "local")
    monkeypatch.setenv("KALSHI_API_KEY_ID", "ws-test-key")
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PATH", str(pem))
    config.settings.cache_clear()
    client.default.cache_clear()
    yield private.public_key()
    config.settings.cache_clear()
    client.default.cache_clear()


Behaviour = Callable[["FakeKalshi", ServerConnection, int], Awaitable[None]]


class FakeKalshi:
    """A WebSocket server that verifies signed handshakes and runs `behave` per connection
    (with the connection's number, 1-based)."""

    def __init__(self, public_key, behave: Behaviour, refuse: int | None = None, times: int = 0):
        self.public_key = public_key
        self.behave = behave
        self.refuse = refuse  # answer handshakes with this HTTP status ...
        self.times = times  # ... this many times (0 = always)
        self.refused = 0
        self.handshakes: list[int] = []  # verified timestamps, in order
        self.commands: list[dict[str, Any]] = []
        self.close_codes: list[int | None] = []
        self.opened: list[float] = []

    async def __aenter__(self) -> FakeKalshi:
        self.server = await serve(
            self.handler, "127.0.0.1", 0, process_request=self.check, ping_interval=None
        )
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}{WS_PATH}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        await self.server.wait_closed()

    def check(self, connection: ServerConnection, request):
        if self.refuse and (not self.times or self.refused < self.times):
            self.refused += 1
            body = {  # Kalshi's 401 shape (kalshi-api-facts.md): the cause is in `details`
                "error": {
                    "code": "authentication_error",
                    "message": "invalid signature",
                    "details": "INCORRECT_API_KEY_SIGNATURE",
                }
            }
            return connection.respond(self.refuse, json.dumps(body))
        headers = request.headers
        ts = headers["KALSHI-ACCESS-TIMESTAMP"]
        assert headers["KALSHI-ACCESS-KEY"] == "ws-test-key"
        assert request.path == WS_PATH
        self.public_key.verify(
            base64.b64decode(headers["KALSHI-ACCESS-SIGNATURE"]),
            f"{ts}GET{WS_PATH}".encode(),
            PSS,
            hashes.SHA256(),
        )
        assert abs(time.time() * 1000 - int(ts)) < 2000, "stale timestamp"
        self.handshakes.append(int(ts))
        return None

    async def handler(self, ws: ServerConnection) -> None:
        self.opened.append(time.monotonic())
        try:
            await self.behave(self, ws, len(self.opened))
        finally:
            self.close_codes.append(ws.close_code)

    async def command(self, ws: ServerConnection) -> dict[str, Any]:
        cmd = json.loads(await ws.recv())
        self.commands.append(cmd)
        return cmd

    async def subscribed(self, ws: ServerConnection, sid: int = 1) -> dict[str, Any]:
        cmd = await self.command(ws)
        channel = cmd["params"]["channels"][0]
        await ws.send(
            json.dumps(
                {"type": "subscribed", "id": cmd["id"], "msg": {"channel": channel, "sid": sid}}
            )
        )
        return cmd


def tick(n: int, sid: int = 1) -> str:
    msg = {"market_ticker": "A", "price_dollars": "0.5000", "ts_ms": 1764000000000 + n}
    return json.dumps({"type": "ticker", "sid": sid, "msg": msg})


async def collect(stream: Stream) -> list[dict[str, Any]]:
    async with stream:
        return [m async for m in stream]


def quick(**kwargs: Any) -> Backoff:
    return Backoff(**{"base": 0.02, "cap": 0.2, "healthy_after": 5.0, **kwargs})


async def hold(ws: ServerConnection) -> None:
    """Keep a connection open until the client closes it."""
    async for _ in ws:
        pass


def test_subscribes_streams_and_stops_after_max_messages_with_a_close_frame(key):
    async def behave(fake, ws, n):
        await fake.subscribed(ws)
        for i in range(10):
            await ws.send(tick(i))
        await hold(ws)

    async def main():
        async with FakeKalshi(key, behave) as fake:
            stream = Stream(SUBSCRIBE, url=fake.url, max_messages=3, log=lambda _: None)
            got = await collect(stream)
            await asyncio.sleep(0.05)
            return fake, stream, got

    fake, stream, got = asyncio.run(main())
    assert [m["type"] for m in got] == ["subscribed", "ticker", "ticker", "ticker"]
    assert stream.sids == {"ticker": 1} and stream.stopped_by == "--max-messages"
    assert fake.commands == [{"id": 1, **SUBSCRIBE}]
    assert fake.close_codes == [1000]  # a clean close frame


def test_reconnects_resubscribes_and_signs_each_handshake_afresh(key):
    async def behave(fake, ws, n):
        await fake.subscribed(ws, sid=n)
        await ws.send(tick(n, sid=n))
        await asyncio.sleep(0.01)
        if n < 3:
            ws.transport.abort()  # a drop without a close frame
        await hold(ws)

    logs: list[str] = []

    async def main():
        async with FakeKalshi(key, behave) as fake:
            stream = Stream(
                SUBSCRIBE, url=fake.url, max_messages=3, backoff=quick(), log=logs.append
            )
            got = await collect(stream)
            return fake, stream, got

    fake, stream, got = asyncio.run(main())
    assert [m["sid"] for m in got if m["type"] == "ticker"] == [1, 2, 3]
    assert stream.connections == 3 and stream.sids == {"ticker": 3}
    assert len(fake.handshakes) == 3 and len(set(fake.handshakes)) == 3  # each verified, fresh
    assert [c["id"] for c in fake.commands] == [1, 2, 3]  # ids stay unique across connections
    assert all(c["params"] == SUBSCRIBE["params"] for c in fake.commands)
    assert sum("reconnecting in" in line for line in logs) == 2
    assert any("reconnected (connection 3, freshly signed)" in line for line in logs)


def test_backoff_doubles_with_jitter_caps_and_resets_after_a_healthy_period():
    b = Backoff(base=1, cap=60, healthy_after=30)
    delays = [b.next_delay() for _ in range(9)]
    for n, d in enumerate(delays):
        ceiling = min(60, 2**n)
        assert ceiling / 2 <= d <= ceiling
    b.connection_lasted(29)
    assert b.next_delay() >= 30  # still capped high: that connection was not healthy
    b.connection_lasted(31)
    assert 0.5 <= b.next_delay() <= 1


def test_backoff_resets_after_a_healthy_connection_in_the_loop(key):
    async def behave(fake, ws, n):
        await fake.subscribed(ws)
        await ws.send(tick(n))
        if n == 4:
            await asyncio.sleep(0.4)  # healthy (healthy_after=0.3), then dropped
        if n < 5:
            ws.transport.abort()
        await hold(ws)

    logs: list[str] = []

    async def main():
        async with FakeKalshi(key, behave) as fake:
            backoff = Backoff(base=0.02, cap=1.0, healthy_after=0.3)
            stream = Stream(
                SUBSCRIBE, url=fake.url, max_messages=5, backoff=backoff, log=logs.append
            )
            await collect(stream)

    asyncio.run(main())
    delays = [float(m) for m in re.findall(r"reconnecting in ([\d.]+) s", " ".join(logs))]
    # printed with one decimal: 0.01-0.02, 0.02-0.04, 0.04-0.08, then back to 0.01-0.02
    assert len(delays) == 4
    assert delays[2] >= delays[0] and delays[3] <= 0.02


def test_a_silent_connection_is_declared_dead_and_replaced(key):
    async def behave(fake, ws, n):
        await fake.subscribed(ws)
        if n == 1:
            ws.transport.pause_reading()  # no data, and our pings go unanswered
            await asyncio.sleep(1)
            ws.transport.abort()
            return
        await ws.send(tick(n))
        await hold(ws)

    logs: list[str] = []

    async def main():
        async with FakeKalshi(key, behave) as fake:
            stream = Stream(
                SUBSCRIBE,
                url=fake.url,
                max_messages=1,
                read_timeout=0.4,
                backoff=quick(),
                log=logs.append,
            )
            started = time.monotonic()
            got = await collect(stream)
            return stream, got, time.monotonic() - started

    stream, got, took = asyncio.run(main())
    assert any("connection is dead" in line for line in logs)
    assert stream.connections == 2 and got[-1]["type"] == "ticker"
    assert took < 2.5


def test_a_quiet_but_live_connection_is_not_declared_dead(key):
    """No data for longer than read_timeout, but the server answers our pings."""

    async def behave(fake, ws, n):
        await fake.subscribed(ws)
        await hold(ws)

    logs: list[str] = []

    async def main():
        async with FakeKalshi(key, behave) as fake:
            stream = Stream(
                SUBSCRIBE,
                url=fake.url,
                seconds=1.5,
                read_timeout=0.8,  # as the real 30 s read timeout ...
                ping_interval=0.2,  # ... against 10 s pings
                log=logs.append,
            )
            await collect(stream)
            return stream

    stream = asyncio.run(main())
    assert stream.connections == 1 and stream.stopped_by == "--seconds"
    assert not any("dead" in line for line in logs)


def test_an_error_reply_to_our_subscription_ends_the_stream(key):
    async def behave(fake, ws, n):
        cmd = await fake.command(ws)
        error = {
            "type": "error",
            "id": cmd["id"],
            "msg": {"code": 8, "msg": "Unknown channel name"},
        }
        await ws.send(json.dumps(error))
        await hold(ws)

    async def main():
        async with FakeKalshi(key, behave) as fake:
            bad = {"cmd": "subscribe", "params": {"channels": ["ticker_v2"]}}
            await collect(Stream(bad, url=fake.url, log=lambda _: None))

    with pytest.raises(StreamError) as info:
        asyncio.run(main())
    text = str(info.value)
    assert "WebSocket error 8 (Unknown channel name)" in text and "ticker_v2" in text
    assert "hint: check the channel name" in text
    assert isinstance(info.value, KalshiError)  # so auth.run exits with code 1


def test_a_channel_error_answering_our_subscribe_ends_the_stream_instead_of_looping(key):
    """Error 10 is retried only when unsolicited (a subscription the server ended); in answer
    to our own subscribe (e.g. pyth_value without the paid feed) a retry would loop forever."""

    async def behave(fake, ws, n):
        cmd = await fake.command(ws)
        refusal = {"code": 10, "msg": "pyth_value needs the paid data feed"}
        await ws.send(json.dumps({"type": "error", "id": cmd["id"], "msg": refusal}))
        await hold(ws)

    async def main():
        async with FakeKalshi(key, behave) as fake:
            pyth = {"cmd": "subscribe", "params": {"channels": ["pyth_value"]}}
            stream = Stream(pyth, url=fake.url, backoff=quick(), log=lambda _: None)
            try:
                await asyncio.wait_for(collect(stream), 10)  # a retry loop fails, not hangs
            finally:
                connections.append(stream.connections)

    connections: list[int] = []
    with pytest.raises(StreamError) as info:
        asyncio.run(main())
    assert "WebSocket error 10 (Channel error)" in str(info.value)
    assert "paid data feed" in str(info.value)
    assert connections == [1]


def test_subscription_ended_errors_reconnect_and_errors_to_script_commands_pass_through(key):
    async def behave(fake, ws, n):
        await fake.subscribed(ws)
        if n == 1:
            overflow = {"code": 25, "msg": "Subscription buffer overflow"}
            await ws.send(json.dumps({"type": "error", "sid": 1, "msg": overflow}))
            await hold(ws)
            return
        await ws.send(tick(1))
        cmd = await fake.command(ws)
        error = {"type": "error", "id": cmd["id"], "msg": {"code": 13, "msg": "Unsupported action"}}
        await ws.send(json.dumps(error))
        await ws.send(tick(2))
        await hold(ws)

    logs: list[str] = []

    async def main():
        async with FakeKalshi(key, behave) as fake:
            stream = Stream(
                SUBSCRIBE, url=fake.url, max_messages=2, backoff=quick(), log=logs.append
            )
            got = []
            async with stream:
                async for message in stream:
                    got.append(message)
                    if message["type"] == "ticker" and stream.data_messages == 0:
                        update = {"sid": stream.sids["ticker"], "action": "get_snapshot"}
                        await stream.send({"cmd": "update_subscription", "params": update})
            return fake, stream, got

    fake, stream, got = asyncio.run(main())
    assert stream.connections == 2
    assert [m["type"] for m in got] == ["subscribed", "subscribed", "ticker", "error", "ticker"]
    assert fake.commands[-1] == {
        "id": 3,
        "cmd": "update_subscription",
        "params": {"sid": 1, "action": "get_snapshot"},
    }
    assert any("server error 25" in line and "reconnecting" in line for line in logs)
    assert any("error 13 (Unsupported action)" in line for line in logs)


def test_handshake_refused_with_401_raises_kalshi_error_with_the_auth_hint(key):
    async def main():
        async with FakeKalshi(key, hold, refuse=401) as fake:
            await collect(Stream(SUBSCRIBE, url=fake.url, log=lambda _: None))

    with pytest.raises(KalshiError) as info:
        asyncio.run(main())
    assert info.value.status == 401 and info.value.path == WS_PATH
    assert "signature" in (info.value.hint or "")


def test_a_busy_exchange_503_is_retried_with_backoff(key):
    async def behave(fake, ws, n):
        await fake.subscribed(ws)
        await ws.send(tick(1))
        await hold(ws)

    logs: list[str] = []

    async def main():
        async with FakeKalshi(key, behave, refuse=503, times=2) as fake:
            stream = Stream(
                SUBSCRIBE, url=fake.url, max_messages=1, backoff=quick(), log=logs.append
            )
            got = await collect(stream)
            return fake, got

    fake, got = asyncio.run(main())
    assert fake.refused == 2 and got[-1]["type"] == "ticker"
    assert sum("handshake refused with HTTP 503; retrying in" in line for line in logs) == 2


def test_restart_reconnects_at_once_with_new_subscriptions(key):
    async def behave(fake, ws, n):
        await fake.subscribed(ws, sid=n)
        await ws.send(tick(n, sid=n))
        await hold(ws)

    logs: list[str] = []

    async def main():
        async with FakeKalshi(key, behave) as fake:
            stream = Stream(
                SUBSCRIBE, url=fake.url, max_messages=2, backoff=quick(), log=logs.append
            )
            async with stream:
                async for message in stream:
                    if message["type"] == "ticker" and stream.connections == 1:
                        stream.restart("test")
            return fake, stream

    fake, stream = asyncio.run(main())
    assert stream.connections == 2 and stream.sids == {"ticker": 2}
    assert fake.close_codes[0] == 1000  # the old connection was closed cleanly
    assert any("restarting the connection: test" in line for line in logs)
    assert not any("reconnecting in" in line for line in logs)  # no backoff wait


def test_an_unreachable_exchange_fails_fast_with_a_hint(key):
    with pytest.raises(KalshiError) as info:
        asyncio.run(collect(Stream(SUBSCRIBE, url="ws://127.0.0.1:9/trade-api/ws/v2")))
    assert info.value.status == 0 and "sandbox" in (info.value.hint or "")


def test_seconds_and_ctrl_c_stop_the_stream_with_a_close_frame(key):
    async def behave(fake, ws, n):
        await fake.subscribed(ws)
        await hold(ws)

    async def main(**kwargs):
        async with FakeKalshi(key, behave) as fake:
            stream = Stream(SUBSCRIBE, url=fake.url, log=lambda _: None, **kwargs)
            started = time.monotonic()
            await collect(stream)
            took = time.monotonic() - started
            await asyncio.sleep(0.05)
            return fake, stream, took

    fake, stream, took = asyncio.run(main(seconds=0.3))
    assert stream.stopped_by == "--seconds" and 0.3 <= took < 1 and fake.close_codes == [1000]

    async def interrupted():
        asyncio.get_running_loop().call_later(0.3, os.kill, os.getpid(), signal.SIGINT)
        return await main()

    fake, stream, took = asyncio.run(interrupted())
    assert stream.stopped_by == "Ctrl+C" and took < 1 and fake.close_codes == [1000]


def test_timestamp_reads_ts_ms_or_the_deprecated_ts_in_any_shape():
    assert timestamp({"msg": {"ts_ms": 1764000000000}}) == "2025-11-24T16:00:00Z"
    assert timestamp({"msg": {"ts": 1764000000}}) == "2025-11-24T16:00:00Z"
    assert timestamp({"msg": {"ts": "2025-11-24T16:00:00Z"}}) == "2025-11-24T16:00:00Z"
    assert timestamp({"msg": {}, "sending_ts_ms": 1764000000000}) == "2025-11-24T16:00:00Z"
    assert timestamp({"msg": {"ts": "garbage"}}) == "garbage"
    assert timestamp({"msg": [1, 2]}) == "-"
    assert timestamp({}) == "-"


def test_a_frame_that_is_not_json_is_skipped(key):
    async def behave(fake, ws, n):
        await fake.subscribed(ws)
        await ws.send("not json")
        await ws.send("[1, 2]")
        await ws.send(tick(1))
        await hold(ws)

    logs: list[str] = []

    async def main():
        async with FakeKalshi(key, behave) as fake:
            return await collect(Stream(SUBSCRIBE, url=fake.url, max_messages=1, log=logs.append))

    assert [m["type"] for m in asyncio.run(main())] == ["subscribed", "ticker"]
    assert any("not a JSON object" in line for line in logs)


def test_invalid_signature_is_what_the_fake_server_rejects(key):
    """Guard for the fixture itself: a signature from another key does not verify."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sig = other.sign(b"1GET/trade-api/ws/v2", PSS, hashes.SHA256())
    with pytest.raises(InvalidSignature):
        key.verify(sig, b"1GET/trade-api/ws/v2", PSS, hashes.SHA256())


def test_a_command_sent_while_disconnected_is_reported_not_raised(key):
    logs: list[str] = []

    async def main():
        stream = Stream(SUBSCRIBE, url="ws://127.0.0.1:9/", log=logs.append)
        return await stream.send({"cmd": "update_subscription", "params": {"sid": 1}})

    assert asyncio.run(main()) == 1
    assert logs == ["not connected: update_subscription (id 1) was not sent"]
