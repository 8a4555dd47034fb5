"""`python -m sandbox ctl ...`: the control plane from a shell, against a running exchange.

    python -m sandbox ctl [--url URL] COMMAND ...     (URL: $KALSHI_LOCAL_URL or :8765)

Prints the exchange's JSON answer. Bad arguments: one line on stderr, exit 2; a refusal by the
exchange (or no exchange there): its message on stderr, exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from sandbox.control.client import ControlClient, ControlError
from sandbox.engine.grants import FEEDS

DEFAULT_URL = "http://127.0.0.1:8765"


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (as `python -m sandbox`)
        self.exit(2, f"{self.prog}: {message}\n")


def _level(text: str) -> tuple[str, str]:
    price, sep, count = text.partition(":")
    if not sep or not price or not count:
        raise argparse.ArgumentTypeError(f"a level is PRICE:COUNT (e.g. 0.42:10), not {text!r}")
    return price, count


def _switch(text: str) -> bool:
    if text not in ("on", "off"):
        raise argparse.ArgumentTypeError("on or off")
    return text == "on"


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="python -m sandbox ctl", description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default=os.environ.get("KALSHI_LOCAL_URL") or DEFAULT_URL)
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    sub.add_parser("state", help="clock, faults and activity now")
    s = sub.add_parser("add-user", help="a user with a balance, tier and API key")
    s.add_argument("name")
    s.add_argument("--balance", default="1000", help="dollars (default 1000)")
    s.add_argument("--tier", help="rate-limit usage tier of this user")
    s.add_argument("--key-type", choices=("rsa", "ed25519"), default="rsa")
    s.add_argument("--read-only", action="store_true")
    s.add_argument("--member-type", choices=("regular", "direct", "fcm"), default="regular")
    s = sub.add_parser("feed", help="grant or revoke a paid data feed: feed USER pyth_value on")
    s.add_argument("user")
    s.add_argument("feed", choices=FEEDS)
    s.add_argument("switch", type=_switch, metavar="on|off")
    s = sub.add_parser("series", help="create a series")
    s.add_argument("ticker")
    s.add_argument("--title")
    s = sub.add_parser("event", help="create an event of a series")
    s.add_argument("event_ticker")
    s.add_argument("series_ticker")
    s.add_argument("--title")
    s = sub.add_parser("market", help="create a binary market in an event")
    s.add_argument("ticker")
    s.add_argument("event_ticker")
    s.add_argument("--title")
    s.add_argument("--close-in", type=int, default=86_400, metavar="SECONDS")
    s.add_argument("--status", choices=("active", "initialized", "inactive"), default="active")
    s = sub.add_parser("collection", help="create a multivariate collection over events")
    s.add_argument("collection_ticker")
    s.add_argument("series_ticker")
    s.add_argument("events", nargs="+", metavar="EVENT_TICKER")
    s.add_argument("--title")
    s.add_argument("--size-max", type=int)
    s = sub.add_parser("book", help="set the house maker's levels: --yes 0.42:10 --no 0.55:5")
    s.add_argument("ticker")
    s.add_argument("--yes", type=_level, nargs="*", default=[], metavar="PRICE:COUNT")
    s.add_argument("--no", type=_level, nargs="*", default=[], metavar="PRICE:COUNT")
    s = sub.add_parser("price", help="trade a market to a YES price")
    s.add_argument("ticker")
    s.add_argument("price")
    for action in ("pause", "open", "close"):
        sub.add_parser(action, help=f"{action} a market now").add_argument("ticker")
    for action in ("determine", "settle"):
        s = sub.add_parser(action, help=f"{action} a market now (closing it first)")
        s.add_argument("ticker")
        s.add_argument("result", nargs="?", choices=("yes", "no", "scalar"))
        s.add_argument("--value", help="settlement value per YES contract (scalar)")
    s = sub.add_parser("clock", help="advance the exchange's clock")
    s.add_argument("seconds", type=float)
    s = sub.add_parser("faults", help="switch faults at run time (0 = off)")
    for name in ("http-429-rate", "http-5xx-rate", "seq-gap-rate", "latency-ms", "ws-drop-every"):
        s.add_argument(f"--{name}", type=float)
    sub.add_parser("ws-drop", help="cut every WebSocket connection now")
    s = sub.add_parser("activity", help="simulated makers, traders, lifecycle: on or off")
    for name in ("makers", "traders", "lifecycle"):
        s.add_argument(f"--{name}", type=_switch, metavar="on|off")
    s = sub.add_parser("reset", help="start over from a freshly seeded universe (users go)")
    s.add_argument("--seed", type=int, help="another seed (default: the exchange's own)")
    return p


def run(args: argparse.Namespace) -> object:
    c = ControlClient(args.url)
    cmd = args.command
    if cmd == "state":
        return c.state()
    if cmd == "add-user":
        opts = {
            "key_type": args.key_type,
            "read_only": args.read_only,
            "member_type": args.member_type,
        }
        return c.add_user(args.name, args.balance, **opts, **_given(tier=args.tier))
    if cmd == "feed":
        return c.set_feeds(args.user, **{args.feed: args.switch})
    if cmd == "series":
        return c.create_series(args.ticker, **_given(title=args.title))
    if cmd == "event":
        return c.create_event(args.event_ticker, args.series_ticker, **_given(title=args.title))
    if cmd == "market":
        extra = {"close_in_seconds": args.close_in, "status": args.status}
        return c.create_market(args.ticker, args.event_ticker, **extra, **_given(title=args.title))
    if cmd == "collection":
        extra = _given(title=args.title, size_max=args.size_max)
        return c.create_collection(args.collection_ticker, args.series_ticker, args.events, **extra)
    if cmd == "book":
        return c.set_book(args.ticker, args.yes, args.no)
    if cmd == "price":
        return c.move_price(args.ticker, args.price)
    if cmd in ("pause", "open", "close"):
        return c.market_action(args.ticker, cmd)
    if cmd in ("determine", "settle"):
        return c.market_action(args.ticker, cmd, args.result, args.value)
    if cmd == "clock":
        return c.advance_clock(args.seconds)
    if cmd == "faults":
        names = ("http_429_rate", "http_5xx_rate", "seq_gap_rate", "latency_ms", "ws_drop_every")
        return c.set_faults(**_given(**{n: getattr(args, n) for n in names}))
    if cmd == "ws-drop":
        return {"dropped": c.drop_ws()}
    if cmd == "reset":
        return c.reset(args.seed)
    return c.set_activity(
        **_given(makers=args.makers, traders=args.traders, lifecycle=args.lifecycle)
    )


def _given(**values: object) -> dict:
    return {k: v for k, v in values.items() if v is not None}


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        out = run(args)
    except ControlError as exc:
        print(f"python -m sandbox ctl {args.command}: {exc.message}", file=sys.stderr)
        return 1
    print(json.dumps(out, indent=2))
    return 0
