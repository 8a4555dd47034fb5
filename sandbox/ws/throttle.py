"""A per-key trailing-edge throttle for WebSocket messages that carry a full snapshot.

At most one send per key per `interval` seconds. A value offered inside the window replaces the
one already waiting and goes out when the window ends, so the last value is never lost and a
burst costs two sends (the first at once, the latest at the window's end). `drop(key)` forgets a
key: its waiting value is never sent (e.g. the snapshot of a batch that has closed meanwhile).

Time and timers come from the running event loop unless given (tests pass a fake clock).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Any, Protocol


class _Handle(Protocol):
    def cancel(self) -> None: ...


Later = Callable[[float, Callable[[Hashable], None], Hashable], _Handle]


class Throttle:
    def __init__(
        self,
        interval: float,
        send: Callable[[Hashable, Any], None],
        clock: Callable[[], float] | None = None,
        later: Later | None = None,
    ):
        self.interval = interval
        self._send = send
        self._clock = clock
        self._later = later
        self._last: dict[Hashable, float] = {}  # when each key last sent
        self._waiting: dict[Hashable, Any] = {}
        self._timers: dict[Hashable, _Handle] = {}

    def offer(self, key: Hashable, value: Any) -> None:
        if key in self._waiting:  # a send is already scheduled: it will carry this value
            self._waiting[key] = value
            return
        clock, later = self._clock, self._later
        if clock is None or later is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop (engine used without a server): send now
                self._send(key, value)
                return
            clock, later = clock or loop.time, later or loop.call_later
        now = clock()
        last = self._last.get(key)
        if last is None or now - last >= self.interval:
            self._last[key] = now
            self._send(key, value)
            return
        self._waiting[key] = value
        self._timers[key] = later(last + self.interval - now, self._flush, key)

    def _flush(self, key: Hashable) -> None:
        self._timers.pop(key, None)
        if key not in self._waiting:
            return
        value = self._waiting.pop(key)
        clock = self._clock or asyncio.get_running_loop().time
        self._last[key] = clock()
        self._send(key, value)

    def drop(self, key: Hashable) -> None:
        self._waiting.pop(key, None)
        self._last.pop(key, None)
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    def clear(self) -> None:
        if not self._last:  # the common case (asked on every engine operation): nothing to do
            return
        for key in list(self._timers):
            self.drop(key)
        self._last.clear()
