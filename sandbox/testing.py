"""`LocalExchange`: start a local exchange for tests, benchmarks and the script runner.

    with LocalExchange("--seed", "7", "--no-activity") as ex:
        key_id, pem = ex.add_user("alice", Decimal("500"))
        requests.get(ex.url + "/trade-api/v2/exchange/status")
        ex.move_price("KXTEST-1", "0.63")           # the control plane (sandbox.control)

By default `python -m sandbox` runs as a subprocess in its own process group (stopping it stops
everything it started); `in_process=True` serves from a thread of this process instead. It
listens on a free port, in a temporary data dir (removed afterwards) unless `data_dir` is given.
Readiness is read from the JSON `--ready-file` the server writes once listening, never from its
output, which goes to a log file (`.output`). Importing this module is cheap: the exchange's own
modules load only for `in_process=True`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # the subprocess mode needs none of the exchange's modules, nor asyncio
    import asyncio

    from sandbox.build import Built
    from sandbox.control.client import ControlClient

ROOT = Path(__file__).resolve().parent.parent


class LocalExchange:
    def __init__(
        self,
        *args: str,
        data_dir: Path | None = None,
        in_process: bool = False,
        env: Mapping[str, str] | None = None,
        timeout: float = 30,
    ):
        self.args = [str(a) for a in args]
        self._base_args = list(self.args)
        self._temp = data_dir is None
        self.data_dir = Path(tempfile.mkdtemp(prefix="sandbox-")) if data_dir is None else data_dir
        self.in_process = in_process
        self.process_env = dict(os.environ if env is None else env)
        if env is None:
            # The exchange imports ~200 modules: with PYTHONDONTWRITEBYTECODE inherited, every
            # start compiles them all again (~0.5 s of CPU); let the first start cache them.
            self.process_env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.timeout = timeout
        self.info: dict[str, Any] = {}
        self.proc: subprocess.Popen[bytes] | None = None
        self._work = Path(tempfile.mkdtemp(prefix="local-exchange-"))  # log and ready file
        self._log_path = self._work / "exchange.log"
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._built: Built | None = None
        self._error: BaseException | None = None
        self._stopped = False
        self._code: int | None = None

    # ---------------------------------------------------------------- what a caller reads

    @property
    def url(self) -> str:
        return self.info["url"]

    @property
    def ws_url(self) -> str:
        return self.info["ws_url"]

    @property
    def pid(self) -> int:
        return self.info["pid"]

    @property
    def output(self) -> str:
        """What the subprocess printed (stdout and stderr), until `stop`."""
        try:
            return self._log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # ---------------------------------------------------------------- start

    def __enter__(self) -> LocalExchange:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> LocalExchange:
        try:
            self._start_thread() if self.in_process else self._start_process()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_process(self) -> None:
        ready = self._work / "ready.json"
        cmd = [sys.executable, "-m", "sandbox", "--port", "0", "--data-dir", str(self.data_dir)]
        cmd += ["--ready-file", str(ready), *self.args]
        with open(self._log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env={**self.process_env, "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() reaches everything
            )
        deadline = time.monotonic() + self.timeout
        while not ready.exists():
            code = self.proc.poll()
            if code is not None or time.monotonic() > deadline:
                why = f"exited with code {code}" if code is not None else "timed out"
                raise RuntimeError(f"local exchange did not start ({why}):\n{self.output}")
            time.sleep(0.005)
        self.info = json.loads(ready.read_text())

    def _start_thread(self) -> None:
        import asyncio

        from sandbox.__main__ import parse_serve
        from sandbox.server import serve

        config, _ = parse_serve(["--port", "0", "--data-dir", str(self.data_dir), *self.args])
        started = threading.Event()

        def on_ready(info: dict[str, Any], built: Built) -> None:
            self.info, self._built = info, built
            started.set()

        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            await serve(config, on_ready=on_ready, stop=self._stop)

        def target() -> None:
            try:
                asyncio.run(main())
            except BaseException as exc:  # reported by start() or stop()
                self._error = exc
            finally:
                started.set()

        self._thread = threading.Thread(target=target, name="local-exchange", daemon=True)
        self._thread.start()
        if not started.wait(self.timeout) or self._error is not None or not self.info:
            raise RuntimeError(f"local exchange did not start: {self._error!r}")

    # ---------------------------------------------------------------- use

    @property
    def control(self) -> ControlClient:
        """The control plane (`/_sandbox/ctl`, see sandbox.control) of this exchange."""
        from sandbox.control.client import ControlClient  # urllib: only for callers of it

        return ControlClient(self.url, self.timeout)

    def add_user(
        self,
        name: str,
        balance: Decimal | str = "1000",
        *,
        tier: str | None = None,
        key_type: str = "rsa",
        read_only: bool = False,
        member_type: str = "regular",
    ) -> tuple[str, Path]:
        """A new user with `balance` dollars (and its own rate-limit `tier`, `member_type`
        regular | direct | fcm) and an API key: (key id, private key PEM path)."""
        options: dict[str, Any] = {
            "key_type": key_type,
            "read_only": read_only,
            "member_type": member_type,
        }
        if tier is not None:
            options["tier"] = tier
        out = self.control.add_user(name, balance, **options)
        return out["api_key_id"], Path(out["private_key_path"])

    # The control plane's actions, one call each (all atomic, journaled, seen on the WebSocket).

    def set_feeds(self, user: str, **feeds: bool) -> list[str]:
        """Grant or revoke paid data feeds (`pyth_value=True`); the user's feeds now."""
        return self.control.set_feeds(user, **feeds)["feeds"]

    def create_series(self, ticker: str, **fields: Any) -> dict[str, Any]:
        return self.control.create_series(ticker, **fields)

    def create_event(self, event_ticker: str, series_ticker: str, **fields: Any) -> dict[str, Any]:
        return self.control.create_event(event_ticker, series_ticker, **fields)

    def create_market(self, ticker: str, event_ticker: str, **fields: Any) -> dict[str, Any]:
        """A binary market (active, closing in a day unless `close_in_seconds` / `close_time`)."""
        return self.control.create_market(ticker, event_ticker, **fields)

    def create_collection(
        self, collection_ticker: str, series_ticker: str, events: list[str], **fields: Any
    ) -> dict[str, Any]:
        """A multivariate event collection over `events` (combo markets are then created with
        `POST /multivariate_event_collections/{ticker}`, as on Kalshi)."""
        return self.control.create_collection(collection_ticker, series_ticker, events, **fields)

    def set_book(self, ticker: str, yes: Any = (), no: Any = ()) -> dict[str, Any]:
        """The house maker's resting bids become `yes` and `no`: [(price, count), ...]."""
        return self.control.set_book(ticker, yes, no)

    def move_price(self, ticker: str, price: Decimal | str) -> dict[str, Any]:
        """Trade the market to `price` through the simulated traders."""
        return self.control.move_price(ticker, price)

    def pause_market(self, ticker: str) -> dict[str, Any]:
        return self.control.market_action(ticker, "pause")

    def open_market(self, ticker: str) -> dict[str, Any]:
        return self.control.market_action(ticker, "open")

    def close_market(self, ticker: str) -> dict[str, Any]:
        return self.control.market_action(ticker, "close")

    def determine_market(
        self, ticker: str, result: str, settlement_value: Decimal | str | None = None
    ) -> dict[str, Any]:
        return self.control.market_action(ticker, "determine", result, settlement_value)

    def settle_market(
        self, ticker: str, result: str | None = None, settlement_value: Decimal | str | None = None
    ) -> dict[str, Any]:
        """Close, determine (with `result`) and settle now, as far as the market needs."""
        return self.control.market_action(ticker, "settle", result, settlement_value)

    def advance_clock(self, seconds: float) -> dict[str, Any]:
        return self.control.advance_clock(seconds)

    def set_faults(self, **faults: float) -> dict[str, Any]:
        """http_429_rate, http_5xx_rate, seq_gap_rate (0-1), latency_ms, ws_drop_every (s)."""
        return self.control.set_faults(**faults)

    def drop_ws(self) -> int:
        return self.control.drop_ws()

    def set_activity(self, **switches: bool) -> dict[str, Any]:
        """makers, traders, lifecycle: True or False."""
        return self.control.set_activity(**switches)

    def reset(self, seed: int | None = None) -> dict[str, Any]:
        """Start over from a freshly seeded universe (its own seed, or `seed`), in place
        (`POST /_sandbox/ctl/reset`, see sandbox.control.reset): same process, URL and data
        dir; users added since and their keys are gone (the seeded demo user's key stays);
        WebSocket clients are disconnected (1012) and reconnect. The control state after it."""
        return self.control.reset(seed)

    def restart(self) -> LocalExchange:
        """Stop it and start it again on the same port and data dir: what was journaled
        (users, orders, the advanced clock, control-set tiers) is restored."""
        return self._again([])

    def _again(self, extra: list[str]) -> LocalExchange:
        port = str(urlsplit(self.url).port)
        self._halt()
        self.args = [*self._base_args, *extra, "--port", port]
        self._stopped, self.info, self.proc, self._built, self._error = False, {}, None, None, None
        return self.start()

    # ---------------------------------------------------------------- stop

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int | None:
        """Stop it (SIGTERM by default; any signal for a subprocess) and wait; its exit code.
        The signal goes to its process group; if it is still alive after `timeout` seconds, the
        group is killed."""
        if self._stopped:
            return self._code
        code = self._halt(sig, timeout)
        if self._temp:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        shutil.rmtree(self._work, ignore_errors=True)
        return code

    def _halt(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int | None:
        """Stop the server, keeping the data dir and work dir (`restart` starts it again)."""
        self._stopped = True
        code: int | None = None
        if self.proc is not None:
            if self.proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, sig)
                try:
                    self.proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait()
            code = self.proc.returncode
        if self._thread is not None:
            if self._loop is not None and self._stop is not None and self._thread.is_alive():
                self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout)
            code = 0 if self._error is None else 1
            self._thread = None
        self._code = code
        return code
