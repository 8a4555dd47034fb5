"""One reconnecting WebSocket stream for the Kalshi Trade API: the loop the six 10_websocket
scripts share, so that each script shows only its channel.

    subscribe = {"cmd": "subscribe", "params": {"channels": ["ticker"], "market_tickers": [...]}}
    async with Stream(subscribe, seconds=args.seconds) as stream:
        async for message in stream:      # every JSON frame, as a dict
            ...
            await stream.send({"cmd": "update_subscription", "params": {...}})  # mid-stream

What the loop does for you:
- Signs the handshake (`build_ws_headers()`) on every connect: a reconnect needs a fresh
  timestamp, so headers are never reused. A 401/403 ends the script with the auth hints.
- Sends the subscribe commands (with fresh ids) after every connect, and keeps `sids`
  (channel -> sid) current: the server numbers subscriptions afresh on each connection.
- Reconnects after a drop with exponential backoff and jitter (about 1, 2, 4 ... 60 s), back to
  1 s once a connection has stayed up for a healthy while.
- Detects a dead connection: Kalshi pings every 10 s and we ping too, so a live server is heard
  from at least every ~10 s; `read_timeout` (30 s) of silence means the connection is dead.
- Handles `error` replies: a refused subscription (unknown channel, bad parameter, missing auth)
  ends the script with exit code 1 (so does a channel error 10 in answer to our subscribe: a
  paid feed the key lacks); unsolicited "subscription ended" errors (10, 25) and "busy" errors
  (18, 27) reconnect; errors to commands the script sent itself are printed and passed on.
- Stops cleanly (close frame) on Ctrl+C, after `seconds`, or after `max_messages` data messages.
- `restart(reason)` starts a new connection at once (fresh subscriptions and snapshots): the
  fallback when a resync by command is refused.

Notices go to stderr, so `--json` output on stdout stays one JSON object per line.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from auth.client import build_ws_headers
from auth.config import WS_PATH, settings
from auth.errors import KalshiError, hint_for
from auth.fmt import when

CONTROL_TYPES = frozenset({"subscribed", "unsubscribed", "ok", "error"})
RETRY_CODES = frozenset({10, 18, 25, 27})  # subscription ended (10, 25) or server busy (18, 27)
ERROR_NAMES = {
    1: "Unable to process message",
    2: "Params required",
    3: "Channels required",
    4: "Subscription IDs required",
    5: "Unknown command",
    7: "Unknown subscription ID",
    8: "Unknown channel name",
    9: "Authentication required",
    10: "Channel error",
    11: "Invalid parameter",
    12: "Exactly one subscription ID is required",
    13: "Unsupported action",
    14: "Market Ticker required",
    15: "Action required",
    18: "Command timeout",
    25: "Subscription buffer overflow",
    26: "Subscription market limit exceeded",
    27: "Too many requests",
}
ERROR_HINTS = {
    8: "check the channel name: ticker_v2 (Feb 2026) and multivariate (Aug 2026) were removed",
    9: "this channel is private: the handshake must be signed with your API key",
    14: "this channel needs market_ticker or market_tickers in the subscribe params",
}


class StreamError(KalshiError):
    """An `error` reply that ends the stream (exit code 1 through auth.run)."""

    def __init__(self, code: int, text: str, command: dict[str, Any] | None):
        self.ws_code, self.text, self.command = code, text, command
        super().__init__(0, str(code), text)

    def __str__(self) -> str:
        name = ERROR_NAMES.get(self.ws_code, "error")
        text = "" if self.text == name else f": {self.text}"
        sent = f", answering {json.dumps(self.command)}" if self.command else ""
        hint = f"\n  hint: {ERROR_HINTS[self.ws_code]}" if self.ws_code in ERROR_HINTS else ""
        return f"WebSocket error {self.ws_code} ({name}){text}{sent}{hint}"


@dataclass
class Backoff:
    """Delays between reconnects: base * 2**attempt up to cap, each drawn from [d/2, d]."""

    base: float = 1.0
    cap: float = 60.0
    healthy_after: float = 30.0  # a connection that lasted this long resets the delays
    attempt: int = 0

    def next_delay(self) -> float:
        delay = min(self.cap, self.base * 2**self.attempt)
        self.attempt += 1
        return random.uniform(delay / 2, delay)

    def connection_lasted(self, seconds: float) -> None:
        if seconds >= self.healthy_after:
            self.attempt = 0


class _Connection(ClientConnection):
    """A websockets connection that remembers when the server last sent anything at all
    (data, ping or pong): the liveness signal for the read timeout."""

    last_heard = 0.0

    def data_received(self, data: bytes) -> None:
        self.last_heard = self.loop.time()
        super().data_received(data)


class _Retry(Exception):
    """End this connection and reconnect after a backoff delay."""


def run[T](stream: Coroutine[Any, Any, T]) -> T:
    """Run a script's async streaming function (asyncio.run, named for the scripts)."""
    return asyncio.run(stream)


def timestamp(message: dict[str, Any]) -> str:
    """ISO-8601 time of a data message: `ts_ms` (int), else the deprecated `ts` (epoch seconds
    or an RFC 3339 string, depending on the channel), else the envelope's `sending_ts_ms`."""
    body = message.get("msg")
    body = body if isinstance(body, dict) else {}
    for value in (body.get("ts_ms"), body.get("ts"), message.get("sending_ts_ms")):
        if value not in (None, "", 0):
            return when(value)
    return "-"


def is_data(message: dict[str, Any]) -> bool:
    """A channel message (ticker, trade, fill, ...), not a reply to a command."""
    return message.get("type") not in CONTROL_TYPES


def describe_reply(message: dict[str, Any]) -> str:
    """One line for a reply to a command (subscribed, ok, unsubscribed, error)."""
    kind, raw = message.get("type"), message.get("msg")
    body: Any = raw if isinstance(raw, dict) else {}  # untyped JSON
    if kind == "subscribed":
        return f"subscribed: channel {body.get('channel')}, sid {body.get('sid')}"
    if kind == "error":
        code = body.get("code")
        return f"error {code} ({ERROR_NAMES.get(code, '?')}): {body.get('msg')}"
    return f"{kind} (id {message.get('id')}, sid {message.get('sid')})"


class Stream:
    """Subscriptions on one connection, kept alive across drops. See the module docstring."""

    def __init__(
        self,
        *subscriptions: dict[str, Any],
        seconds: float | None = None,
        max_messages: int | None = None,
        read_timeout: float = 30.0,
        ping_interval: float = 10.0,
        backoff: Backoff | None = None,
        url: str | None = None,
        headers: Callable[[], dict[str, str]] = build_ws_headers,
        log: Callable[[str], None] | None = None,
    ):
        self.subscriptions = list(subscriptions)
        self.seconds = seconds
        self.max_messages = max_messages
        self.read_timeout = read_timeout
        self.ping_interval = ping_interval
        self.backoff = backoff or Backoff()
        self.url = url
        self.headers = headers
        self.log = log or (lambda text: print(f"ws: {text}", file=sys.stderr, flush=True))
        self.sids: dict[str, int] = {}  # channel -> sid on the current connection
        self.connections = 0
        self.data_messages = 0
        self.stopped_by = ""  # "--seconds", "--max-messages", "Ctrl+C" once stopped
        self._ids = itertools.count(1)
        self._sent: dict[int, dict[str, Any]] = {}  # id -> command, to explain error replies
        self._setup_ids: set[int] = set()  # ids of our own subscribe commands
        self._conn: _Connection | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._timer: asyncio.TimerHandle | None = None
        self._restarting = False
        self._connecting: asyncio.Future | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> Stream:
        loop = asyncio.get_running_loop()
        if self.seconds is not None:
            self._timer = loop.call_later(self.seconds, self.stop, "--seconds")
        with suppress(NotImplementedError, RuntimeError):  # Windows, or not the main thread
            loop.add_signal_handler(signal.SIGINT, self._on_ctrl_c)
        self._tasks.append(asyncio.create_task(self._watchdog()))
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.stop("end")
        if self._timer:
            self._timer.cancel()
        for task in self._tasks:
            task.cancel()
        if self._conn is not None:
            await self._conn.close()
        with suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)

    def stop(self, reason: str) -> None:
        """End the stream: close the connection (close frame); iteration then finishes."""
        if self._stop.is_set():
            return
        self.stopped_by = reason
        self._stop.set()
        if self._connecting is not None:
            self._connecting.cancel()
        if self._conn is not None:
            self._tasks.append(asyncio.create_task(self._conn.close()))

    def restart(self, reason: str) -> None:
        """Drop this connection and start afresh right away (new subscriptions, new snapshots)."""
        if self._conn is not None:
            self.log(f"restarting the connection: {reason}")
            self._restarting = True
            self._tasks.append(asyncio.create_task(self._conn.close()))

    def _on_ctrl_c(self) -> None:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)  # a 2nd Ctrl+C forces
        self.stop("Ctrl+C")

    async def _watchdog(self) -> None:
        """Abort a connection the server has been silent on for read_timeout seconds."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(min(1.0, self.read_timeout / 4))
            conn = self._conn
            if conn is not None and loop.time() - conn.last_heard > self.read_timeout:
                self.log(f"no data and no ping for {self.read_timeout:g} s: connection is dead")
                conn.transport.abort()

    # -- commands ----------------------------------------------------------------------------

    async def send(self, command: dict[str, Any]) -> int:
        """Send a command ({"cmd": ..., "params": ...}) with a fresh id, and return the id.
        A `subscribe` sent this way is also replayed after every reconnect."""
        if command.get("cmd") == "subscribe" and command not in self.subscriptions:
            self.subscriptions.append(command)
        return await self._send(command)

    async def _send(self, command: dict[str, Any]) -> int:
        command_id = next(self._ids)
        self._sent[command_id] = command
        try:
            if self._conn is None:
                raise ConnectionError
            await self._conn.send(json.dumps({"id": command_id, **command}))
        except (ConnectionError, ConnectionClosed):  # the reconnect resubscribes anyway
            self.log(f"not connected: {command.get('cmd')} (id {command_id}) was not sent")
        return command_id

    # -- the loop ----------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        return self._messages()

    async def _messages(self) -> AsyncIterator[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            conn = await self._connect()
            if conn is None:  # stopped while waiting to reconnect
                return
            opened = loop.time()
            try:
                self._setup_ids = {await self._send(cmd) for cmd in self.subscriptions}
                async for raw in conn:
                    try:
                        message = json.loads(raw)
                    except ValueError:
                        message = None
                    if not isinstance(message, dict):
                        self.log(f"skipped a frame that is not a JSON object: {raw[:80]!r}")
                        continue
                    self._check(message)
                    yield message
                    if is_data(message):
                        self.data_messages += 1
                        if self.max_messages and self.data_messages >= self.max_messages:
                            self.stop("--max-messages")
                    if self._stop.is_set():
                        return
            except ConnectionClosed as exc:
                reason = f"connection lost ({exc.rcvd.code if exc.rcvd else 'no close frame'})"
            except _Retry as exc:
                reason = str(exc)
            else:
                reason = f"closed by the server (code {conn.close_code})"
            finally:
                self._conn = None
                await conn.close()
            if self._stop.is_set():
                return
            if self._restarting:
                self._restarting = False
                continue
            self.backoff.connection_lasted(loop.time() - opened)
            delay = self.backoff.next_delay()
            self.log(f"{reason}; reconnecting in {delay:.1f} s")
            if await self._wait_or_stop(delay):
                return

    async def _connect(self) -> _Connection | None:
        """Open a connection with freshly signed headers; retry transient failures with backoff.
        Returns None if the stream was stopped meanwhile."""
        url = self.url or settings().ws_url
        while not self._stop.is_set():
            self._connecting = asyncio.ensure_future(
                connect(
                    url,
                    additional_headers=self.headers(),  # signed now: fresh timestamp every time
                    create_connection=_Connection,
                    ping_interval=self.ping_interval,  # a quiet but live server still pongs
                    ping_timeout=None,  # silence is judged by read_timeout instead
                    close_timeout=0.5,
                    max_size=64 * 2**20,  # Kalshi allows 64 MiB messages; websockets' default is 1
                )
            )
            try:
                conn = await self._connecting
            except asyncio.CancelledError:
                if self._stop.is_set():  # stop() cancelled the handshake
                    return None
                raise
            except InvalidStatus as exc:
                reason = self._refused(exc)
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                if self.connections == 0:  # the very first connect: say so, don't wait forever
                    raise self._unreachable(url, exc) from None
                reason = f"cannot connect ({exc.__class__.__name__}: {exc})"
            else:
                conn.last_heard = conn.loop.time()
                self.connections += 1
                self.sids.clear()
                if self.connections > 1:
                    self.log(f"reconnected (connection {self.connections}, freshly signed)")
                self._conn = conn
                return conn
            delay = self.backoff.next_delay()
            self.log(f"{reason}; retrying in {delay:.1f} s")
            if await self._wait_or_stop(delay):
                return None
        return None

    async def _wait_or_stop(self, delay: float) -> bool:
        """Sleep up to `delay` seconds; True if the stream was stopped meanwhile."""
        try:
            await asyncio.wait_for(self._stop.wait(), delay)
        except TimeoutError:
            return False
        return True

    def _check(self, message: dict[str, Any]) -> None:
        """Book-keeping for replies: remember sids, explain or act on errors."""
        kind = message.get("type")
        if kind not in CONTROL_TYPES:
            return
        command = self._sent.pop(message.get("id"), None)  # type: ignore[arg-type]
        raw = message.get("msg")
        body: Any = raw if isinstance(raw, dict) else {}  # untyped JSON
        if kind == "subscribed":
            self.sids[body.get("channel")] = body.get("sid")
        elif kind == "error":
            code = body.get("code")
            # A channel error (10) in answer to a command we sent is a refusal (e.g. a paid feed
            # this key lacks): reconnecting would only be refused again, forever. Unsolicited,
            # it means the server ended a subscription, and a reconnect resubscribes.
            if code in RETRY_CODES and not (code == 10 and command is not None):
                raise _Retry(f"server {describe_reply(message)}")
            if message.get("id") in self._setup_ids:
                raise StreamError(body.get("code"), body.get("msg", ""), command)
            self.log(describe_reply(message))

    def _refused(self, exc: InvalidStatus) -> str:
        """A refused handshake: auth problems end the script, overload is retried."""
        response = exc.response
        status = response.status_code
        if status in (429, 500, 502, 503, 504):
            return f"handshake refused with HTTP {status}"
        raise KalshiError.from_response(
            status,
            bytes(response.body),
            method="GET",
            path=WS_PATH,
            server_date=response.headers.get("Date"),
            env=settings().env,
        ) from None

    def _unreachable(self, url: str, exc: BaseException) -> KalshiError:
        err = KalshiError(
            0, "network_error", f"cannot open {url} ({exc})", method="GET", path=WS_PATH
        )
        err.hint = hint_for(err, env=settings().env)
        return err
