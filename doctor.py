"""Check your setup for the Kalshi examples, and explain every problem with its fix.

    uv run python doctor.py               # the environment in KALSHI_ENV (default demo)
    uv run python doctor.py --env local   # the local exchange (start it first: python -m sandbox)

Checks, in order (a check that depends on a failed one is skipped):
  environment   which env, REST base and WebSocket URL are in use
  websockets    the installed version (>= 13: the scripts pass `additional_headers`)
  credentials   KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH set, the .pem file readable
  key format    RSA (PKCS#1 or PKCS#8 PEM) or Ed25519; key material is never printed
  REST          GET /exchange/status answers
  clock         your clock against the server's Date header (signatures carry a timestamp)
  key accepted  one signed call, GET /portfolio/balance: does this key belong to this env?
  WebSocket     a signed handshake to the WebSocket URL, closed at once

Exit code 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version

import requests

from auth.client import build_ws_headers, prepare, raw_get, session
from auth.config import mask, require_credentials, settings
from auth.errors import ConfigError, KalshiError
from auth.fmt import cents, usd
from auth.signing import load_private_key

# This doctor's own threshold, not Kalshi's: Kalshi does not publish how far a request's timestamp
# may be from its clock (±30 s has been seen rejected), so anything past a few seconds is flagged.
MAX_SKEW = 5.0
TIMEOUT = (5.0, 10.0)


class Failed(Exception):
    """A check failed: `what` went wrong, `fix` says what to do."""

    def __init__(self, what: str, fix: str = ""):
        super().__init__(what)
        self.what, self.fix = what, fix


class Warned(Exception):
    """A check passed with a caveat the user should know about."""

    def __init__(self, what: str, fix: str = ""):
        super().__init__(what)
        self.what, self.fix = what, fix


@dataclass
class Outcome:
    name: str
    status: str  # ok | warn | FAIL | skip
    detail: str
    fix: str = ""


class Doctor:
    """Runs the checks in order; each check returns a one-line finding or raises Failed."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self.server_date: str | None = None
        self.fixes: set[str] = set()  # each fix is printed once; later ones say "as above"

    def check(self, name: str, fn: Callable[[], str], needs: tuple[str, ...] = ()) -> None:
        failed = [
            o.name for o in self.outcomes if o.name in needs and o.status not in ("ok", "warn")
        ]
        if failed:
            outcome = Outcome(name, "skip", f"skipped: needs {', '.join(failed)}")
        else:
            try:
                outcome = Outcome(name, "ok", fn())
            except Warned as exc:
                outcome = Outcome(name, "warn", exc.what, exc.fix)
            except Failed as exc:
                outcome = Outcome(name, "FAIL", exc.what, exc.fix)
            except ConfigError as exc:
                outcome = Outcome(name, "FAIL", str(exc), first_steps())
        self.outcomes.append(outcome)
        if outcome.fix in self.fixes:
            outcome.fix = "as above"
        elif outcome.fix:
            self.fixes.add(outcome.fix)
        show(outcome)

    # ---- the checks, in order ----------------------------------------------------------------

    def environment(self) -> str:
        s = settings()
        return f"[{s.env}] REST {s.rest_base}, WebSocket {s.ws_url}"

    def websockets_version(self) -> str:
        try:
            installed = version("websockets")
        except PackageNotFoundError:
            raise Failed("websockets is not installed", "run `uv sync`") from None
        if int(installed.split(".")[0]) < 13:
            raise Failed(
                f"websockets {installed} is too old: the scripts pass `additional_headers`, "
                "which needs websockets >= 13 (older versions call it `extra_headers`)",
                "run `uv sync` (the project pins a current version)",
            )
        return f"websockets {installed} (>= 13 needed for additional_headers)"

    def credentials(self) -> str:
        s = require_credentials()
        assert s.key_id and s.key_path
        path = s.key_path
        where = f"KALSHI_PRIVATE_KEY_PATH={path}"
        if not path.exists():
            raise Failed(
                f"{where}: no such file",
                "point KALSHI_PRIVATE_KEY_PATH at the .pem you downloaded when you created the key "
                "(relative to the project root, absolute, or ~/...)",
            )
        if not path.is_file():
            raise Failed(f"{where}: not a file", "point it at the .pem file itself")
        if not os.access(path, os.R_OK):
            raise Failed(f"{where}: not readable by this user", f"chmod 600 {path}")
        found = f"key id {mask(s.key_id)} and {path} (from {s.credentials_source})"
        ignored = (os.environ.get("KALSHI_PRIVATE_KEY_PATH") or "").strip()
        if s.env == "local" and ignored and s.credentials_source != "environment / .env":
            raise Warned(
                f"KALSHI_PRIVATE_KEY_PATH={ignored} is ignored: without KALSHI_API_KEY_ID the "
                f"local exchange's own credentials are used: {found}",
                "set KALSHI_API_KEY_ID too to use that key, or unset KALSHI_PRIVATE_KEY_PATH",
            )
        return found

    def key_format(self) -> str:
        path = settings().key_path
        assert path is not None
        try:
            key = load_private_key(path)
        except ConfigError as exc:
            raise Failed(
                str(exc),
                "use the .pem file exactly as Kalshi gave it (or create a new key in Account & "
                "security -> API keys)",
            ) from None
        if hasattr(key, "key_size"):  # RSA
            header = path.read_bytes().lstrip()[:40]
            container = "PKCS#1" if header.startswith(b"-----BEGIN RSA PRIVATE KEY") else "PKCS#8"
            return f"RSA {key.key_size}-bit private key, {container} PEM (signs with RSA-PSS)"
        return "Ed25519 private key, PKCS#8 PEM"

    def rest(self) -> str:
        prepared = prepare("GET", "/exchange/status")
        started = time.monotonic()
        try:
            resp = session().send(prepared, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise Failed(
                f"GET {prepared.url}: no answer ({type(exc).__name__})",
                reach_fix(),
            ) from None
        ms = (time.monotonic() - started) * 1000
        self.server_date = resp.headers.get("Date")
        try:
            body = resp.json()
        except ValueError:
            body = None
        # During maintenance the status answers 503 with its usual body: reachable all the same.
        if not isinstance(body, dict) or "exchange_active" not in body:
            err = KalshiError.from_response(resp.status_code, resp.content, env=settings().env)
            raise Failed(f"GET /exchange/status: {first_line(err)}", reach_fix())
        state = ", ".join(
            f"{name} {'active' if body.get(f'{name}_active') else 'NOT active'}"
            for name in ("exchange", "trading")
        )
        return f"GET /exchange/status: HTTP {resp.status_code} in {ms:.0f} ms ({state})"

    def clock(self) -> str:
        if not self.server_date:
            raise Failed("the server sent no Date header; cannot compare clocks")
        # The Date header is truncated to the second: on average the server is 0.5 s past it.
        server = parsedate_to_datetime(self.server_date).timestamp() + 0.5
        skew = time.time() - server
        if abs(skew) >= MAX_SKEW:
            raise Failed(
                f"your clock is {skew:+.0f} s off the server's (Date: {self.server_date}); "
                "signed requests carry a millisecond timestamp and a stale one answers 401 "
                "header_timestamp_expired",
                "sync your clock: `sudo timedatectl set-ntp true` (Linux), System Settings -> "
                "Date & Time -> set automatically (macOS/Windows)",
            )
        return (
            f"{skew:+.1f} s from the server's Date header (1 s resolution; this doctor flags "
            f"more than ±{MAX_SKEW:g} s, Kalshi does not publish its limit)"
        )

    def key_accepted(self) -> str:
        try:
            body = raw_get("/portfolio/balance")
        except KalshiError as exc:
            raise Failed(first_line(exc), auth_fix(exc)) from None
        if body.get("balance_dollars") is not None:
            balance = usd(body["balance_dollars"])
        else:
            balance = cents(body.get("balance"))
        return f"GET /portfolio/balance: key accepted on [{settings().env}], balance {balance}"

    def websocket(self) -> str:
        from websockets.exceptions import InvalidStatus, WebSocketException
        from websockets.sync.client import connect

        url = settings().ws_url
        try:
            with connect(url, additional_headers=build_ws_headers(), open_timeout=10):
                pass
        except InvalidStatus as exc:
            resp = exc.response
            err = KalshiError.from_response(
                resp.status_code, resp.body, method="GET", path=url, env=settings().env
            )
            raise Failed(f"handshake rejected: {first_line(err)}", auth_fix(err)) from None
        except (OSError, TimeoutError, WebSocketException) as exc:
            raise Failed(f"{url}: {exc or type(exc).__name__}", reach_fix()) from None
        return f"signed handshake to {url} accepted (closed at once)"


def first_steps() -> str:
    """The fix for missing credentials: on a fresh checkout, the local exchange needs none."""
    try:
        env = settings().env
    except ConfigError:  # the environment itself is wrong: its message says how to fix it
        return ""
    if env == "local":
        return "start the local exchange (`uv run python -m sandbox`): it writes its credentials"
    return (
        "no Kalshi key yet? everything runs offline: start `uv run python -m sandbox` in another "
        "terminal, then `KALSHI_ENV=local uv run python doctor.py`"
    )


def reach_fix() -> str:
    s = settings()
    if s.env == "local":
        return (
            "start the local exchange (`uv run python -m sandbox`) and check KALSHI_LOCAL_URL "
            f"(now {s.rest_base.removesuffix('/trade-api/v2')})"
        )
    return "check your network, proxy and firewall (HTTPS and WSS on port 443 must be allowed)"


def first_line(err: KalshiError) -> str:
    return str(err).split("\n  hint: ", 1)[0]


def auth_fix(err: KalshiError) -> str:
    """auth's hint, except for a bad signature: auth signs correctly, so the .pem is the cause."""
    text = f"{err.code} {err.message} {err.details}".lower()
    if err.status == 401 and "signature" in text:
        return (
            "the .pem does not belong to KALSHI_API_KEY_ID (another key's file, or a key that was "
            "deleted and created again): put the id and the file of the same key in .env"
        )
    return (
        err.hint
        or "check that KALSHI_ENV, KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH belong together"
    )


def show(o: Outcome) -> None:
    indent = " " * 22
    wrap = textwrap.TextWrapper(
        width=100, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    )
    print(wrap.fill(f"  {o.status:<5} {o.name:<13} {o.detail}"))
    if o.fix:
        print(wrap.fill(f"{indent}fix: {o.fix}"), flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--env", choices=("demo", "prod", "local"), help="overrides KALSHI_ENV")
    args = p.parse_args(argv)
    if args.env:
        os.environ["KALSHI_ENV"] = args.env
        settings.cache_clear()

    print("Kalshi setup doctor\n")
    d = Doctor()
    d.check("environment", d.environment)
    d.check("websockets", d.websockets_version)
    d.check("credentials", d.credentials, needs=("environment",))
    d.check("key format", d.key_format, needs=("credentials",))
    d.check("REST", d.rest, needs=("environment",))
    d.check("clock", d.clock, needs=("REST",))
    d.check("key accepted", d.key_accepted, needs=("key format", "REST"))
    d.check("WebSocket", d.websocket, needs=("key format", "websockets", "REST"))

    passed = sum(o.status in ("ok", "warn") for o in d.outcomes)
    warned = sum(o.status == "warn" for o in d.outcomes)
    note = f", {warned} with a warning" if warned else ""
    print(f"\n{passed} of {len(d.outcomes)} checks passed{note}.")
    if passed < len(d.outcomes):
        print("Fix the first FAIL above and run the doctor again.")
    return 0 if passed == len(d.outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
