"""What every script shares around its API call: flags, banner, safety guard, exit codes.

Exit codes (shared/design/SCRIPTS.md): 0 success (also a Ctrl+C stop), 1 API or network error,
2 bad usage or missing configuration. Errors print one line (plus a hint), never a traceback,
unless KALSHI_DEBUG=1.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn

from auth.config import flag, require_credentials, settings
from auth.errors import ConfigError, KalshiError


def run(main: Callable[[], int | None]) -> NoReturn:
    """Call a script's main() and exit with the code SCRIPTS.md promises."""
    sys.exit(exit_code(main))


def exit_code(main: Callable[[], int | None]) -> int:
    try:
        return main() or 0
    except KeyboardInterrupt:
        print("\nstopped (Ctrl+C)", file=sys.stderr)
        return 0
    except BrokenPipeError:  # `script | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except ConfigError as exc:
        _debug()
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KalshiError as exc:
        _debug()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        from auth.client import sdk_error

        err = sdk_error(exc)  # the SDK's exceptions, mapped in one place
        if err is None:
            raise
        _debug()
        print(f"error: {err}", file=sys.stderr)
        return 1


def _debug() -> None:
    if flag("KALSHI_DEBUG"):
        traceback.print_exc()


def number(
    kind: type = int, *, low: Any = None, high: Any = None, open_low: bool = False
) -> Callable[[str], Any]:
    """An argparse `type=` that accepts only finite numbers in [low, high] (`open_low`: low
    itself excluded). "abc", "nan", "inf" and out-of-range values are usage errors (exit 2)
    with a clear message, never a traceback further down."""
    from decimal import Decimal, InvalidOperation

    def convert(text: str) -> Any:
        try:
            value = kind(text)
        except (ValueError, InvalidOperation):
            raise argparse.ArgumentTypeError(f"{text!r} is not a{_article(kind)} number") from None
        if kind is not int and not Decimal(str(value)).is_finite():
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        too_low = low is not None and (value <= low if open_low else value < low)
        if too_low or (high is not None and value > high):
            lo = f"> {low}" if open_low else f">= {low}"
            bounds = " and ".join(
                b for b in (lo if low is not None else "", f"<= {high}" if high else "") if b
            )
            raise argparse.ArgumentTypeError(f"{text} is out of range (must be {bounds})")
        return value

    convert.__name__ = kind.__name__  # argparse names the type in its messages
    return convert


def _article(kind: type) -> str:
    return {int: "n integer", float: " decimal"}.get(kind, " decimal")


def parser(
    doc: str | None,
    *,
    ticker: bool = False,
    limit: int | None = None,
    writes: bool = False,
    stream: bool = False,
) -> argparse.ArgumentParser:
    """An ArgumentParser with the common flags, same names in every script. `--help` shows the
    script's docstring and needs no credentials or network."""
    p = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    if ticker:
        p.add_argument(
            "--ticker",
            help="market ticker (default: $KALSHI_EXAMPLE_TICKER, else an open market with a book)",
        )
    if limit is not None:
        p.add_argument(
            "--limit", type=number(int, low=1), default=limit, help=f"page size (default {limit})"
        )
    p.add_argument("--json", action="store_true", help="print the raw JSON response instead")
    if writes:
        p.add_argument("--dry-run", action="store_true", help="print the request; send nothing")
        p.add_argument("--keep", action="store_true", help="leave what this script creates")
        p.add_argument(
            "--allow-prod",
            action="store_true",
            help="allow writes on KALSHI_ENV=prod (real money); or KALSHI_ALLOW_PROD_WRITES=1",
        )
    if stream:
        p.add_argument(
            "--seconds",
            type=number(float, low=0, open_low=True),
            help="stop after this many seconds",
        )
        p.add_argument(
            "--max-messages", type=number(int, low=1), help="stop after this many data messages"
        )
    return p


def narrator(args: argparse.Namespace | None) -> Callable[..., None]:
    """print() for the human view: stdout, or stderr under --json (so stdout stays JSON)."""
    return functools.partial(print, file=sys.stderr if getattr(args, "json", False) else None)


def banner(title: str, args: argparse.Namespace | None = None) -> None:
    """`[env] title  (base URL)`. On stderr under --json, so stdout stays parseable."""
    s = settings()
    narrator(args)(f"[{s.env}] {title}  ({s.rest_base})")


def guard_writes(args: argparse.Namespace) -> None:
    """Before any request: prod needs an explicit yes, and credentials must be there (a writing
    script would otherwise read the market first and fail only on its first write)."""
    if getattr(args, "dry_run", False):
        return
    prod_ok = getattr(args, "allow_prod", False) or flag("KALSHI_ALLOW_PROD_WRITES")
    if settings().env == "prod" and not prod_ok:
        raise ConfigError(
            "this script writes (places or changes orders) and KALSHI_ENV=prod trades real money; "
            "pass --allow-prod or set KALSHI_ALLOW_PROD_WRITES=1 if you mean it"
        )
    require_credentials()


def result(args: argparse.Namespace | None, summary: str) -> None:
    """The script's last line, `RESULT: <what it showed>`, one line for run_waves.py's table
    (on stderr under --json, so stdout stays parseable)."""
    narrator(args)("RESULT: " + " ".join(summary.split()))


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=False, default=str))


def show_dry_run(method: str, path: str, body: Any = None, **params: Any) -> None:
    """Print the signed request a write would send, and send nothing."""
    from auth.client import prepare

    try:
        req = prepare(method, path, json=body, params=params)
    except ConfigError as exc:  # no credentials: still show the request, unsigned
        print(f"(unsigned: {exc})")
        req = None
    if req is not None:
        print(f"DRY RUN, not sent: {req.method} {req.url}")
        for name, raw in req.headers.items():
            value = raw.decode() if isinstance(raw, bytes) else raw
            if name.startswith("KALSHI-ACCESS-"):
                if name == "KALSHI-ACCESS-SIGNATURE":
                    value = value[:16] + "…"
                elif name == "KALSHI-ACCESS-KEY":
                    value = value[:4] + "…"
                print(f"  {name}: {value}")
    else:
        print(f"DRY RUN, not sent: {method} {settings().rest_base}{path}")
    if body is not None:
        print("  body:", json.dumps(body, indent=2).replace("\n", "\n  "))


def fail(message: str) -> NoReturn:
    """Stop with a usage error (exit 2)."""
    raise ConfigError(message)
