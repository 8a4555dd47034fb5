"""Command line of the local exchange.

uv run python -m sandbox [--port 8765] [--data-dir .sandbox] [--seed N] [--reset] [--tier T]
                         [--latency-ms N] [--strict-spec] [--no-activity] [--legacy-announcements]
                         [--record-requests FILE]
uv run python -m sandbox add-user NAME [--balance DOLLARS] [--data-dir DIR] [--read-only]
                                       [--key-type rsa|ed25519]
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sandbox.http.auth import FUTURE_WINDOW_MS, PAST_WINDOW_MS
from sandbox.http.config import TIERS, Config

SERVE_EPILOG = f"""\
Authentication: private endpoints need KALSHI-ACCESS-KEY / -TIMESTAMP / -SIGNATURE headers
(RSA-PSS SHA-256 or Ed25519 over timestamp_ms + METHOD + path without query). Timestamps are
accepted from {PAST_WINDOW_MS // 1000} s in the past to {FUTURE_WINDOW_MS // 1000} s in the future.
Rate limits: token buckets per user by --tier (GET /account/limits shows them); public endpoints
are not rate limited. On first start the user `demo` ($1,000.00) gets an RSA key; its credentials
are written to DATA_DIR/credentials.env.
"""


def _dollars(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError("the balance must be a non-negative amount")
    return value


def serve_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="A local Kalshi-compatible exchange (Trade API v2 REST + WebSocket).",
        epilog=SERVE_EPILOG + "\nAlso: python -m sandbox add-user NAME --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--port", type=int, default=8765, help="TCP port on 127.0.0.1 (0 = any free)")
    p.add_argument("--data-dir", type=Path, default=Path(".sandbox"), help="state directory")
    p.add_argument("--seed", type=int, default=None, help="seed of the generated market universe")
    p.add_argument("--reset", action="store_true", help="wipe the data directory first")
    p.add_argument("--tier", choices=TIERS, default="basic", help="rate-limit usage tier")
    p.add_argument(
        "--latency-ms",
        type=int,
        default=0,
        help="delay every HTTP response and WebSocket frame by N ms",
    )
    p.add_argument(
        "--strict-spec",
        action="store_true",
        help="answer exactly per the OpenAPI spec (no live-API nulls), for strict SDK models",
    )
    p.add_argument("--no-activity", action="store_true", help="no simulated market activity")
    p.add_argument(
        "--legacy-announcements",
        action="store_true",
        help="serve the retired GET /exchange/announcements (live answers 404)",
    )
    p.add_argument(
        "--record-requests",
        type=Path,
        metavar="FILE",
        help="append every REST request and WebSocket command received to FILE (JSON lines)",
    )
    _live_options().add_arguments(p)
    return p


def _live_options():
    """Flags of the WebSocket / activity / fault-injection parts (sandbox.activity.options)."""
    from sandbox.activity import options

    return options


def add_user_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m sandbox add-user",
        description="Create a user with an API key (works while a server runs on the same dir).",
    )
    p.add_argument("name")
    p.add_argument("--balance", type=_dollars, default=Decimal("1000.00"), help="dollars")
    p.add_argument("--data-dir", type=Path, default=Path(".sandbox"))
    p.add_argument("--read-only", action="store_true", help="key with the read scope only")
    p.add_argument("--key-type", choices=("rsa", "ed25519"), default="rsa")
    member = p.add_mutually_exclusive_group()
    member.set_defaults(member_type="regular")
    member.add_argument(
        "--direct",
        dest="member_type",
        action="store_const",
        const="direct",
        help="a direct member: balance kept to $0.0001 (others: whole cents)",
    )
    return p


def add_user(argv: list[str]) -> int:
    from sandbox.engine import EngineError
    from sandbox.http.errors import ApiError
    from sandbox.http.provision import add_user as create
    from sandbox.server import close_exchange, open_data_dir

    args = add_user_parser().parse_args(argv)
    exchange, keys = open_data_dir(Config(data_dir=args.data_dir))
    try:
        creds = create(
            exchange,
            keys,
            args.data_dir,
            args.name,
            args.balance,
            key_type=args.key_type,
            read_only=args.read_only,
            member_type=args.member_type,
        )
    except (EngineError, ApiError) as exc:
        print(f"add-user: {exc.message}", file=sys.stderr)
        return 2
    finally:
        close_exchange(exchange)
    print(f"user {creds.user_id}: API key {creds.api_key_id}, private key {creds.pem_path}")
    print(creds.env_lines(), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["add-user"]:
        return add_user(argv[1:])
    args = serve_parser().parse_args(argv)
    from sandbox.server import run

    config = Config(
        data_dir=args.data_dir,
        port=args.port,
        seed=args.seed,
        tier=args.tier,
        latency_ms=max(args.latency_ms, 0),
        strict_spec=args.strict_spec,
        activity=not args.no_activity,
        legacy_announcements=args.legacy_announcements,
        record_requests=args.record_requests,
        live=_live_options().from_args(args),
    )
    return run(config, reset=args.reset)


if __name__ == "__main__":
    sys.exit(main())
