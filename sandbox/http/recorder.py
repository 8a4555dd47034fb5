"""Opt-in request recording (`--record-requests FILE`): what clients sent, one JSON line each.

Used by tests/test_spec_conformance.py to check the scripts' requests against the official
specs. Off by default: without the flag neither the middleware nor the WebSocket hook exists.

  {"kind": "rest", "method": "GET", "path": "/trade-api/v2/markets", "query": [["limit", "5"]],
   "body": null}
  {"kind": "ws", "text": "{\"id\": 1, \"cmd\": \"subscribe\", ...}"}

`path` is the raw path as sent (still percent-encoded), `query` keeps repeated keys in order,
`body` is the parsed JSON body (or the raw text when it is not JSON; null when empty).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Recorder:
    """Appends one JSON line per client request or WebSocket text frame, flushed at once."""

    def __init__(self, path: Path):
        # Line-buffered: every entry is on disk when the request is handled. Closed on cleanup.
        self.file = Path(path).open("a", encoding="utf-8", buffering=1)  # noqa: SIM115

    def write(self, entry: dict[str, Any]) -> None:
        self.file.write(json.dumps(entry) + "\n")

    def ws_frame(self, text: str) -> None:
        self.write({"kind": "ws", "text": text})

    def middleware(self):
        @web.middleware
        async def record_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
            raw = await request.read()  # cached by aiohttp: the handler reads it again
            try:
                body = json.loads(raw) if raw else None
            except (ValueError, RecursionError):
                body = raw.decode("utf-8", "replace")
            self.write(
                {
                    "kind": "rest",
                    "method": request.method,
                    "path": request.raw_path.partition("?")[0],
                    "query": list(request.query.items()),
                    "body": body,
                }
            )
            return await handler(request)

        return record_requests

    async def close(self, _app: web.Application | None = None) -> None:
        self.file.close()
