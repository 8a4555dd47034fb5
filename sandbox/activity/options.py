"""Settings of the live parts (WebSocket keep-alive, activity, lifecycle clock, faults) and their
command-line flags. The server CLI adds these flags with `add_arguments` and passes
`from_args(args)` on as `Config.live`.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class LiveOptions:
    activity_rate: float = 1.0  # pace multiplier of the simulator (1 = default pace)
    fast_lifecycle: bool = False  # lifecycle in seconds instead of minutes (tests)
    ws_ping_interval: float = 10.0
    ws_pong_timeout: float = 30.0
    fault_ws_drop_every: float = 0.0  # seconds; 0 = off
    fault_seq_gap_rate: float = 0.0
    fault_http_429_rate: float = 0.0
    fault_http_5xx_rate: float = 0.0


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:  # also refuses nan
        raise argparse.ArgumentTypeError("a probability between 0 and 1")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError("must be a finite number >= 0")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("live activity")
    g.add_argument(
        "--activity-rate",
        type=_positive,
        default=1.0,
        help="pace of simulated trading, x the default (about 8 actions/s); 0 = none",
    )
    g.add_argument(
        "--fast-lifecycle",
        action="store_true",
        help="create, open, close, determine and settle short-lived markets every few seconds "
        "instead of every few minutes (also runs with --no-activity)",
    )
    g = p.add_argument_group("websocket")
    g.add_argument(
        "--ws-ping-interval",
        type=_positive,
        default=10.0,
        help="seconds between server Pings (payload 'heartbeat'; default %(default)s); "
        "0 = no pings",
    )
    g.add_argument(
        "--ws-pong-timeout",
        type=_positive,
        default=30.0,
        help="drop a client that sent nothing (no Pong, no command) for this many seconds, "
        "checked at each Ping (close code 1011; default %(default)s); 0 = never",
    )
    g = p.add_argument_group("fault injection (all off by default)")
    g.add_argument(
        "--fault-ws-drop-every",
        type=_positive,
        default=0.0,
        metavar="SECONDS",
        help="cut every WebSocket connection abruptly (no close frame) this often",
    )
    g.add_argument(
        "--fault-seq-gap-rate",
        type=_rate,
        default=0.0,
        metavar="P",
        help="skip a seq on this share of orderbook_delta messages",
    )
    g.add_argument(
        "--fault-http-429-rate",
        type=_rate,
        default=0.0,
        metavar="P",
        help="answer this share of REST requests with 429 too many requests",
    )
    g.add_argument(
        "--fault-http-5xx-rate",
        type=_rate,
        default=0.0,
        metavar="P",
        help="answer this share of REST requests with 500/503",
    )


def from_args(args: argparse.Namespace) -> LiveOptions:
    return LiveOptions(
        activity_rate=args.activity_rate,
        fast_lifecycle=args.fast_lifecycle,
        ws_ping_interval=args.ws_ping_interval,
        ws_pong_timeout=args.ws_pong_timeout,
        fault_ws_drop_every=args.fault_ws_drop_every,
        fault_seq_gap_rate=args.fault_seq_gap_rate,
        fault_http_429_rate=args.fault_http_429_rate,
        fault_http_5xx_rate=args.fault_http_5xx_rate,
    )
