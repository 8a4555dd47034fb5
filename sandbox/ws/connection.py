"""One WebSocket client: a bounded outbound queue, its writer task, and the keep-alive.

Why a queue per connection: the hub publishes synchronously from engine callbacks and must never
wait for a socket. Frames are queued here and a writer task sends them; a client that lets more
than `max_queue` frames pile up is disconnected (close code 1008, reason "outbound buffer
overflow") instead of growing the server's memory.

Keep-alive: the server sends a Ping with payload `heartbeat` every `ping_interval` seconds
(10 s, as Kalshi does) and drops a client from which nothing (no Pong, no command) has arrived
for `pong_timeout` seconds (default 30 s; close code 1011, reason "pong timeout"). Client Pings
are answered with Pongs.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
from collections import deque

from aiohttp import WSMsgType, web

log = logging.getLogger("sandbox.ws")

PING_INTERVAL = 10.0
PONG_TIMEOUT = 30.0
MAX_QUEUE = 20_000
BATCH = 512  # frames per socket write
WRITE_HIGH_WATER = 1 << 20  # bytes buffered in the socket transport before we wait


def text_frame(text: str) -> bytes:
    """One unmasked, unfragmented WebSocket text frame (RFC 6455 5.2)."""
    data = text.encode()
    n = len(data)
    if n < 126:
        return bytes((0x81, n)) + data
    if n < 65_536:
        return struct.pack("!BBH", 0x81, 126, n) + data
    return struct.pack("!BBQ", 0x81, 127, n) + data


class Connection:
    def __init__(
        self,
        ws: web.WebSocketResponse,
        transport: asyncio.Transport,
        user_id: str,
        *,
        latency_ms: int = 0,
        max_queue: int = MAX_QUEUE,
    ):
        self.ws = ws
        self.transport = transport
        self.user_id = user_id
        self.latency = latency_ms / 1000
        self.max_queue = max_queue
        self.closed = False
        self.last_seen = time.monotonic()
        self._queue: deque[tuple[float, str]] = deque()
        self._wake = asyncio.Event()
        self._closing: asyncio.Task | None = None

    def send(self, text: str) -> None:
        """Queue one frame; never blocks. Overflow disconnects the client."""
        if self.closed:
            return
        if len(self._queue) >= self.max_queue:
            self.close(1008, "outbound buffer overflow")
            return
        self._queue.append((time.monotonic() + self.latency if self.latency else 0.0, text))
        self._wake.set()

    def close(self, code: int, reason: str) -> None:
        """Stop queueing and close with a reason (in the background: callers are sync)."""
        if self.closed:
            return
        self.closed = True
        self._queue.clear()
        self._wake.set()
        log.info("closing websocket of %s: %s", self.user_id, reason)
        self._closing = asyncio.get_running_loop().create_task(self._close(code, reason))

    async def _close(self, code: int, reason: str) -> None:
        """Close handshake; a client too slow or gone to answer within 5 s is cut off."""
        try:
            await asyncio.wait_for(self.ws.close(code=code, message=reason.encode()), 5)
        except (TimeoutError, ConnectionError):
            self.transport.abort()

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (fault injection)."""
        self.closed = True
        self._queue.clear()
        self._wake.set()
        self.transport.abort()

    async def write_loop(self) -> None:
        """Send queued frames in order, each no earlier than its due time (--latency-ms).

        Why not `ws.send_str` per frame: that is one socket write (a syscall) per message.
        Here everything queued is encoded as WebSocket text frames and written in one
        `transport.write`; server frames are unmasked, so the encoding is a 2-10 byte header.
        Control frames (ping, pong, close) still go through aiohttp. When the socket's write
        buffer is full (a slow reader), the loop waits, and the queue in front of it fills
        up until `send` disconnects the client.
        """
        queue, transport = self._queue, self.transport
        while not self.closed:
            await self._wake.wait()
            self._wake.clear()
            while queue and not self.closed:
                if transport.is_closing():
                    self.closed = True
                    return
                if transport.get_write_buffer_size() > WRITE_HIGH_WATER:
                    await asyncio.sleep(0.005)
                    continue
                now = time.monotonic()
                batch: list[bytes] = []
                while queue and len(batch) < BATCH and queue[0][0] <= now:
                    batch.append(text_frame(queue.popleft()[1]))
                if batch:
                    transport.write(b"".join(batch))
                else:  # the head of the queue is not due yet
                    await asyncio.sleep(queue[0][0] - now)

    async def ping_loop(self, interval: float, timeout: float) -> None:
        """Ping every `interval` s; drop after `timeout` s of silence (0 turns either off)."""
        if interval <= 0:
            return
        while not self.closed:
            await asyncio.sleep(interval)
            if self.closed:
                return
            if timeout > 0 and time.monotonic() - self.last_seen > timeout:
                self.close(1011, "pong timeout")
                return
            try:
                await self.ws.ping(b"heartbeat")
            except (ConnectionError, RuntimeError):
                return

    async def read_loop(self, on_text) -> None:
        """Feed text frames to `on_text`; answer Pings; note every frame as a sign of life."""
        ws = self.ws
        async for msg in ws:
            self.last_seen = time.monotonic()
            if msg.type == WSMsgType.TEXT:
                on_text(msg.data)
            elif msg.type == WSMsgType.PING:
                await ws.pong(msg.data)
            elif msg.type == WSMsgType.BINARY:
                on_text(msg.data.decode("utf-8", "replace"))
            elif msg.type == WSMsgType.ERROR:
                break
