"""Command line of the local exchange.

uv run python -m sandbox [--port 8765] [--data-dir .sandbox] [--seed N] [--reset] [--tier T]
                         [--latency-ms N] [--strict-spec] [--no-activity] [--legacy-announcements]
                         [--record-requests FILE] [--ready-file FILE]
uv run python -m sandbox add-user NAME [--balance DOLLARS] [--data-dir DIR] [--read-only]
                                       [--key-type rsa|ed25519]
uv run python -m sandbox ctl [--url URL] COMMAND ...    (the control plane; ctl --help)

Bad arguments get one line on stderr and exit 2; so does a data dir another process owns.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NoReturn

from sandbox.activity import options as live_options
from sandbox.http.config import TIERS, Config
from sandbox.http.signature import FUTURE_WINDOW_MS, PAST_WINDOW_MS

SERVE_EPILOG = f"""\
Authentication: private endpoints need KALSHI-ACCESS-KEY / -TIMESTAMP / -SIGNATURE headers
(RSA-PSS SHA-256 or Ed25519 over timestamp_ms + METHOD + path without query). Timestamps are
accepted from {PAST_WINDOW_MS // 1000} s in the past to {FUTURE_WINDOW_MS // 1000} s in the future.
Rate limits: token buckets per user by --tier (GET /account/limits shows them); public endpoints
are not rate limited. On first start the user `demo` ($1,000.00) gets an RSA key; its credentials
are written to DATA_DIR/credentials.env. One server owns a data dir at a time (DATA_DIR/owner.lock).
"""

# A starting balance is at most a trillion dollars (to $0.0001): far beyond any test, and its cent
# count stays well inside the int64 the API reports balances in.
MAX_BALANCE = Decimal(10) ** 12


class Parser(argparse.ArgumentParser):
    """argparse, but an error is one line (no usage block) and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def _dollars(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}") from None
    if not value.is_finite() or not 0 <= value <= MAX_BALANCE:
        raise argparse.ArgumentTypeError(f"the balance must be between 0 and {MAX_BALANCE:,f}")
    # At most $0.0001 (a direct member's precision); the engine holds a regular member to cents.
    if value != value.quantize(Decimal("0.0001")):
        raise argparse.ArgumentTypeError("the balance has at most 4 decimals ($0.0001)")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a TCP port (0-65535; 0 = any free)")
    return value


def _data_dir(text: str) -> Path:
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} exists and is not a directory")
    return path


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 0 <= value <= 60_000:
        raise argparse.ArgumentTypeError("must be between 0 and 60000")
    return value


def serve_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="python -m sandbox",
        description="A local Kalshi-compatible exchange (Trade API v2 REST + WebSocket).",
        epilog=SERVE_EPILOG
        + "\nAlso: python -m sandbox add-user NAME --help; python -m sandbox ctl --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--port", type=_port, default=8765, help="TCP port on 127.0.0.1 (0 = any free)")
    p.add_argument("--data-dir", type=_data_dir, default=Path(".sandbox"), help="state directory")
    p.add_argument("--seed", type=int, default=None, help="seed of the generated market universe")
    p.add_argument("--reset", action="store_true", help="wipe the data directory first")
    p.add_argument("--tier", choices=TIERS, default="basic", help="rate-limit usage tier")
    p.add_argument(
        "--latency-ms",
        type=_non_negative,
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
    p.add_argument(
        "--ready-file",
        type=Path,
        metavar="FILE",
        help="once listening, write {url, ws_url, pid, data_dir, credentials} there as JSON "
        "(atomically: the file appears complete)",
    )
    live_options.add_arguments(p)
    return p


def parse_serve(argv: list[str]) -> tuple[Config, Path | None]:
    """The server's Config and --ready-file from its command line (exits 2 on bad input)."""
    args = serve_parser().parse_args(argv)
    config = Config(
        data_dir=args.data_dir,
        port=args.port,
        seed=args.seed,
        tier=args.tier,
        latency_ms=args.latency_ms,
        strict_spec=args.strict_spec,
        activity=not args.no_activity,
        legacy_announcements=args.legacy_announcements,
        record_requests=args.record_requests,
        reset=args.reset,
        live=live_options.from_args(args),
    )
    return config, args.ready_file


def add_user_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="python -m sandbox add-user",
        description="Create a user with an API key (works while a server runs on the same dir).",
    )
    p.add_argument("name")
    p.add_argument("--balance", type=_dollars, default=Decimal("1000.00"), help="dollars")
    p.add_argument("--data-dir", type=_data_dir, default=Path(".sandbox"))
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
    member.add_argument(
        "--fcm",
        dest="member_type",
        action="store_const",
        const="fcm",
        help="an FCM member: creates subtraders and manages them through /fcm/*",
    )
    return p


def add_user(argv: list[str]) -> int:
    from sandbox.build import open_engine, open_keys
    from sandbox.engine import EngineError
    from sandbox.http.errors import ApiError
    from sandbox.http.provision import add_user as create

    args = add_user_parser().parse_args(argv)
    exchange = open_engine(Config(data_dir=args.data_dir))
    try:
        creds = create(
            exchange,
            open_keys(exchange),
            args.data_dir,
            args.name,
            args.balance,
            key_type=args.key_type,
            read_only=args.read_only,
            member_type=args.member_type,
        )
    except (EngineError, ApiError) as exc:
        print(f"python -m sandbox add-user: {exc.message}", file=sys.stderr)
        return 2
    finally:
        exchange.close()
    print(f"user {creds.user_id}: API key {creds.api_key_id}, private key {creds.pem_path}")
    print(creds.env_lines(), end="")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["add-user"]:
        return add_user(argv[1:])
    if argv[:1] == ["ctl"]:
        from sandbox.control.cli import main as ctl  # talks HTTP to a running exchange

        return ctl(argv[1:])
    config, ready_file = parse_serve(argv)
    from sandbox.server import run  # aiohttp and the engine: not needed for --help

    return run(config, ready_file=ready_file)


if __name__ == "__main__":
    sys.exit(main())
