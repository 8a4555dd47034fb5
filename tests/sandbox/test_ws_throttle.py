"""The WebSocket's per-key trailing-edge throttle (used for rfq_batch_best_quotes, "at most once
every 250 ms per batch, carrying the latest snapshot"), on a fake clock and timer queue."""

from __future__ import annotations

from itertools import pairwise

from sandbox.ws.throttle import Throttle


class Timers:
    """A fake clock with call_later: `run_until(t)` fires what is due by `t`, in time order."""

    def __init__(self):
        self.t = 0.0
        self.queue: list[list] = []  # [when, fn, key, cancelled]

    def clock(self) -> float:
        return self.t

    def later(self, delay, fn, key):
        entry = [self.t + delay, fn, key, False]
        self.queue.append(entry)

        class Handle:
            def cancel(self_inner) -> None:
                entry[3] = True

        return Handle()

    def run_until(self, t: float) -> None:
        while due := sorted((e for e in self.queue if e[0] <= t), key=lambda e: e[0]):
            entry = due[0]
            self.queue.remove(entry)
            self.t = entry[0]
            if not entry[3]:
                entry[1](entry[2])
        self.t = t


def make():
    timers, sent = Timers(), []
    throttle = Throttle(
        0.25, lambda k, v: sent.append((timers.t, k, v)), timers.clock, timers.later
    )
    return throttle, timers, sent


def test_a_burst_sends_the_first_at_once_and_the_latest_at_the_window_end():
    throttle, timers, sent = make()
    for v in range(1, 21):
        throttle.offer("b1", v)
    assert sent == [(0.0, "b1", 1)]
    timers.run_until(0.249)
    assert len(sent) == 1
    timers.run_until(0.25)
    assert sent == [(0.0, "b1", 1), (0.25, "b1", 20)]  # nothing lost: the last value went out


def test_at_most_one_send_per_window_under_a_steady_stream():
    throttle, timers, sent = make()
    for i in range(100):  # a value every 10 ms for a second
        timers.run_until(i * 0.01)
        throttle.offer("b1", i)
    timers.run_until(2.0)
    times = [t for t, _, _ in sent]
    assert all(b - a >= 0.25 - 1e-9 for a, b in pairwise(times))
    assert len(sent) <= 1 + 1.0 / 0.25 + 1
    assert sent[-1][2] == 99 and [v for _, _, v in sent] == sorted(v for _, _, v in sent)


def test_keys_are_independent_and_a_quiet_key_sends_at_once():
    throttle, timers, sent = make()
    throttle.offer("b1", "x")
    throttle.offer("b2", "y")
    timers.run_until(1.0)
    throttle.offer("b1", "z")
    assert sent == [(0.0, "b1", "x"), (0.0, "b2", "y"), (1.0, "b1", "z")]


def test_drop_forgets_a_waiting_value():
    throttle, timers, sent = make()
    throttle.offer("b1", 1)
    throttle.offer("b1", 2)
    throttle.drop("b1")  # e.g. the batch was accepted: no stale snapshot after it
    timers.run_until(1.0)
    assert sent == [(0.0, "b1", 1)]
    throttle.offer("b1", 3)  # a dropped key starts over
    assert sent[-1] == (1.0, "b1", 3)


def test_without_an_event_loop_it_sends_at_once():
    sent: list = []
    throttle = Throttle(0.25, lambda k, v: sent.append(v))
    throttle.offer("b1", 1)
    throttle.offer("b1", 2)
    assert sent == [1, 2]
