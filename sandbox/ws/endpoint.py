"""The `/trade-api/ws/v2` route: signed handshake, then one Connection + Session per client.

The handshake is checked exactly like a REST request (`verify_request` over
`timestamp + "GET" + "/trade-api/ws/v2"`); a missing or bad signature is answered with the REST
401 body before any upgrade, as live does.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from sandbox.http.errors import ApiError, error_response
from sandbox.http.signature import verify_request
from sandbox.ws.connection import MAX_QUEUE, PING_INTERVAL, PONG_TIMEOUT, Connection
from sandbox.ws.hub import Hub
from sandbox.ws.session import MarketView, Session

WS_PATH = "/trade-api/ws/v2"
# Kalshi: WebSocket connections per user by tier, 200 by default (API changelog, 2025-09-18).
MAX_CONNECTIONS_PER_USER = 200


@dataclass
class WsServer:
    hub: Hub
    view: MarketView
    keys: object
    latency_ms: int = 0
    ping_interval: float = PING_INTERVAL
    pong_timeout: float = PONG_TIMEOUT
    max_queue: int = MAX_QUEUE
    record: Callable[[str], None] | None = None  # --record-requests: gets every client frame
    max_connections_per_user: int = MAX_CONNECTIONS_PER_USER
    connections: set[Connection] = field(default_factory=set)
    sessions: set[Session] = field(default_factory=set)
    per_user: Counter[str] = field(default_factory=Counter)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            key = verify_request(self.keys, "GET", WS_PATH, request.headers)  # type: ignore[arg-type]
        except ApiError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.details)
        if self.per_user[key.user_id] >= self.max_connections_per_user:
            return error_response(
                429,
                "too_many_connections",
                f"at most {self.max_connections_per_user} WebSocket connections per user",
            )
        self.per_user[key.user_id] += 1
        try:
            return await self._serve(request, key.user_id, key.subaccount)
        finally:
            self.per_user[key.user_id] -= 1
            if not self.per_user[key.user_id]:
                del self.per_user[key.user_id]

    async def _serve(
        self, request: web.Request, user: str, subaccount: int | None
    ) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=False, compress=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        if request.transport is None:  # the client went away during the handshake
            return ws
        conn = Connection(
            ws,
            request.transport,
            user,
            latency_ms=self.latency_ms,
            max_queue=self.max_queue,
            subaccount=subaccount,
        )
        session = Session(self.hub, conn, self.view, user)
        self.connections.add(conn)
        self.sessions.add(session)
        tasks = [
            asyncio.create_task(conn.write_loop()),
            asyncio.create_task(conn.ping_loop(self.ping_interval, self.pong_timeout)),
        ]
        try:
            on_text = session.handle if self.record is None else _recorded(self.record, session)
            await conn.read_loop(on_text)
        finally:
            session.close()
            conn.closed = True
            self.connections.discard(conn)
            self.sessions.discard(session)
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
            if not ws.closed:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(ws.close(), 2)
        return ws

    async def shutdown(self, _app: web.Application | None = None) -> None:
        """Close every client with 1001 (going away) when the server stops."""
        for conn in list(self.connections):
            conn.close(1001, "server shutting down")
        await asyncio.sleep(0)

    def lose_feed(self, user_id: str, channel: str) -> int:
        """End `user_id`'s open subscriptions to the paid `channel` (Session.lose_feed)."""
        return sum(s.lose_feed(channel) for s in self.sessions if s.user_id == user_id)

    def drop_all(self) -> int:
        """Fault injection: cut every connection without a close frame."""
        conns = list(self.connections)
        for conn in conns:
            conn.abort()
        return len(conns)


def _recorded(record: Callable[[str], None], session: Session) -> Callable[[str], None]:
    """`session.handle`, after appending the client's text frame to the recording."""

    def on_text(text: str) -> None:
        record(text)
        session.handle(text)

    return on_text
