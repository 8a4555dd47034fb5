"""Loopback only: the exchange's own pages and `/_sandbox/` endpoints answer local clients only.

The server binds 127.0.0.1, but a browser can still be steered at it: a page on another site can
send requests to 127.0.0.1 (CSRF), and DNS rebinding lets a foreign host name resolve to it. So
besides the peer address, the Host header must name the loopback interface and an Origin, when a
browser sends one, must be local too. Refusals are 403 in Kalshi's error shape.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from aiohttp import web

from sandbox.http.errors import ApiError

PREFIX = "/_sandbox/"
LOCAL_NAMES = {"localhost", "127.0.0.1", "::1"}


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _local_host(netloc: str) -> bool:
    """`host[:port]` (or a bracketed IPv6 literal) naming this machine."""
    host = urlsplit("//" + netloc).hostname
    return host is not None and (host in LOCAL_NAMES or _is_loopback(host))


def is_local(request: web.Request) -> bool:
    if not _is_loopback(request.remote):
        return False
    if not _local_host(request.headers.get("Host", "")):
        return False
    origin = request.headers.get("Origin")
    return origin is None or _local_host(urlsplit(origin).netloc)


def guarded(path: str) -> bool:
    return path == "/" or path.startswith(PREFIX)


@web.middleware
async def loopback_only(request: web.Request, handler):
    """Refuse `/` and everything under `/_sandbox/` to non-local clients."""
    if guarded(request.path) and not is_local(request):
        raise ApiError(
            403, "forbidden", "the sandbox web view and control endpoints answer loopback only"
        )
    return await handler(request)
