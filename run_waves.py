"""Run every example script, wave by wave, and print a pass/fail table.

    uv run python run_waves.py                      # all waves against a fresh local exchange
    uv run python run_waves.py --wave 1 --wave 2    # only some waves
    uv run python run_waves.py --only orderbook     # scripts whose path contains "orderbook"
    uv run python run_waves.py --env demo           # your demo account (credentials from .env)
    uv run python run_waves.py --list               # what would run, and with which arguments

With `--env local` (the default) the runner starts `python -m sandbox` on a free port with a
temporary data dir, runs each script as a subprocess with KALSHI_ENV=local pointing at it, and
stops it again (also on Ctrl+C). With `--env demo|prod` the scripts use your own credentials;
on prod only the read-only waves run unless you pass `--allow-prod`.

Waves, in the order they run (reads before writes, streaming last):
  1  00_quickstart, 01_exchange_info
  2  02_market_discovery, 03_market_data
  3  04_portfolio, 08_historical, 09_account_management
  4  05_orders, 06_batch_operations, 07_order_groups          (these place and cancel orders)
     11_combos_and_rfq                                        (combos, RFQs; 05 trades)
  5  10_websocket, 13_live_data                               (streaming, bounded by --seconds)
  6  12_subaccounts                                           (writes; one at a time)
Scripts of one wave run side by side: --jobs at a time (default: the number of cores), all the
streams of wave 5 at once, and the writes of wave 4 one at a time on demo and prod. On the local
exchange waves 1-3 share one pool and the streams run beside the writes (`stages`).

Each script's last line is `RESULT: ...`, which the table shows; the full output of every script
is kept in --logs DIR (default: a new temp dir), printed at the end.

Exit code 0 when every script passed, 1 when any failed, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sandbox.testing import LocalExchange

ROOT = Path(__file__).resolve().parent

# The learner's path, in order: the "Next:" lines chain every script of these folders in this
# order (tests/scripts/test_next_chain.py walks it), and the runner runs them by wave. A new
# folder joins by adding one row here: (folder, wave).
FOLDERS: tuple[tuple[str, int], ...] = (
    ("00_quickstart", 1),
    ("01_exchange_info", 1),
    ("02_market_discovery", 2),
    ("03_market_data", 2),
    ("04_portfolio", 3),
    ("05_orders", 4),
    ("06_batch_operations", 4),
    ("07_order_groups", 4),
    ("08_historical", 3),
    ("09_account_management", 3),
    ("10_websocket", 5),
    ("11_combos_and_rfq", 4),
    ("12_subaccounts", 6),  # needs the Advanced tier: 09_.../05_usage_tier.py --upgrade
    ("13_live_data", 5),
)
# Waves, in the order they run (reads before writes, streaming last). Importable: the benchmarks
# reuse it.
WAVES: dict[int, tuple[str, ...]] = {
    wave: tuple(folder for folder, w in FOLDERS if w == wave)
    for wave in sorted({w for _, w in FOLDERS})
}
WRITE_WAVES = frozenset({4, 6})  # skipped on prod unless --allow-prod
SERIAL_WAVES = frozenset({6})  # each builds on the last (01 creates the subaccount the rest use)
STREAM_WAVES = frozenset({5})  # bounded by --seconds; they wait on the network, not the CPU


def width(wave: int, jobs: int, env: str, size: int) -> int:
    """How many scripts of a wave run side by side. Reads: --jobs. Streams: all at once (each
    waits --seconds for messages). Writes: --jobs on the local exchange (every script touches
    only the orders and groups it creates, and 429s are retried), one at a time on demo/prod,
    where your rate limits and your real orders are at stake."""
    if wave in STREAM_WAVES:
        return size
    if wave in SERIAL_WAVES:
        return 1
    if wave in WRITE_WAVES and env != "local":
        return 1
    return jobs


def stages(env: str) -> list[tuple[int, ...]]:
    """Waves that run at the same time. On the local exchange a barrier stands only where a wave
    needs the one before it: the read-only waves share one pool (no wave waits for the slowest
    script of another), and the streams run beside the writes, so their --seconds of waiting
    overlap the writes' CPU work (each stream watches markets and orders of its own). The
    serial wave (its scripts build on each other and on the writes) comes last, alone. On
    demo/prod every wave waits for the one before, as listed."""
    if env != "local":
        return [(wave,) for wave in WAVES]
    out: list[tuple[int, ...]] = []
    special = WRITE_WAVES | STREAM_WAVES | SERIAL_WAVES
    for wave in WAVES:
        last = set(out[-1]) if out else {wave}
        reads_after_reads = wave not in special and not last & special
        stream_beside_writes = (
            wave in STREAM_WAVES and last & WRITE_WAVES and not last & SERIAL_WAVES
        )
        if out and (reads_after_reads or stream_beside_writes):
            out[-1] += (wave,)
        else:
            out.append((wave,))
    return out


# Extra arguments per script: (fnmatch pattern on the path from the project root, arguments,
# writes). "{seconds}" becomes --seconds. Every matching row applies, in order. Rows that write
# (to make a private stream show something) are left out on prod unless --allow-prod.
EXTRA_ARGS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("10_websocket/*.py", ("--seconds", "{seconds}"), False),
    ("10_websocket/04_ws_user_orders.py", ("--demo-order",), True),
    ("09_account_management/05_usage_tier.py", ("--upgrade",), True),  # 12_subaccounts needs it
    ("10_websocket/05_ws_user_fills.py", ("--demo-fill",), True),
    # A block trade needs a second account's acceptance: the runner shows the request only.
    ("11_combos_and_rfq/06_block_trade.py", ("--dry-run",), False),
    ("13_live_data/02_follow_game.py", ("--seconds", "{seconds}"), False),
    ("13_live_data/04_crypto_index.py", ("--seconds", "{seconds}"), False),
)

# Every script's last line is `RESULT: <what it showed>` (auth.cli.result), on stdout, or on
# stderr under --json; the table shows it.
RESULT_RE = re.compile(r"^RESULT: (.*)$")
ERROR_RE = re.compile(r"^(error|configuration error|traceback)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Script:
    path: str  # relative to the project root, e.g. "01_exchange_info/01_exchange_status.py"
    wave: int
    args: tuple[str, ...] = ()


@dataclass
class Result:
    script: str
    wave: int
    status: str  # pass | FAIL | TIMEOUT | skipped
    seconds: float
    result: str  # one line: the last meaningful output, or the error
    code: int | None = None
    output: str = field(default="", repr=False)  # stdout + stderr, for failures
    log: str = ""  # the file with the script's full output


# ---- which scripts ----------------------------------------------------------------------------


def extra_args(path: str, seconds: float, writes: bool = True) -> tuple[str, ...]:
    args: list[str] = []
    for pattern, extra, writing in EXTRA_ARGS:
        if fnmatch.fnmatch(path, pattern) and (writes or not writing):
            args += [a.format(seconds=f"{seconds:g}") for a in extra]
    return tuple(args)


def discover(root: Path = ROOT, seconds: float = 3, writes: bool = True) -> list[Script]:
    """Every NN_*.py script of every wave folder, in wave order, then folder, then file name.
    `writes=False` leaves out the extra arguments that make a read-only script write."""
    found = []
    for wave, folders in WAVES.items():
        for folder in sorted(folders, key=lambda f: [x for x, _ in FOLDERS].index(f)):
            for file in sorted((root / folder).glob("[0-9][0-9]_*.py")):
                path = f"{folder}/{file.name}"
                found.append(Script(path, wave, extra_args(path, seconds, writes)))
    return found


def select(
    scripts: Iterable[Script], waves: Sequence[int] = (), only: Sequence[str] = ()
) -> list[Script]:
    """Filter by wave numbers and by patterns (a substring of the path, or a glob)."""

    def matches(path: str, pattern: str) -> bool:
        return fnmatch.fnmatch(path, f"*{pattern}*")

    return [
        s
        for s in scripts
        if (not waves or s.wave in waves) and (not only or any(matches(s.path, p) for p in only))
    ]


# ---- running one script -----------------------------------------------------------------------


def summarize(stdout: str, stderr: str, code: int | None) -> str:
    """One line for the table: the script's RESULT line on success, else the error."""
    out = [" ".join(line.split()) for line in stdout.splitlines() if line.strip()]
    err = [" ".join(line.split()) for line in stderr.splitlines() if line.strip()]
    if code == 0:
        results = [m.group(1) for line in out + err if (m := RESULT_RE.match(line))]
        return results[-1] if results else "(no RESULT line)"
    errors = [line for line in err + out if ERROR_RE.match(line)]
    if errors and errors[-1].lower().startswith("traceback") and err:
        return err[-1]  # the exception line, below the traceback
    return (errors or err or out or [f"exit {code}"])[-1]


def run_script(
    script: Script, env: dict[str, str], timeout: float, logs: Path | None = None
) -> Result:
    """Run one script in its own process group, so a timeout or Ctrl+C ends all of it. Its full
    output goes to `logs/<folder>__<file>.log` when `logs` is given."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / script.path), *script.args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        stdout, stderr = proc.communicate()
        elapsed = time.monotonic() - started
        line = f"no exit after {timeout:g} s (--timeout)"
        result = Result(script.path, script.wave, "TIMEOUT", elapsed, line, None, stdout + stderr)
        return keep_log(result, stdout, stderr, logs)
    except BaseException:  # Ctrl+C: take the script down with us
        kill_group(proc)
        raise
    elapsed = time.monotonic() - started
    status = "pass" if proc.returncode == 0 else "FAIL"
    line = summarize(stdout, stderr, proc.returncode)
    output = "" if status == "pass" else stdout + stderr
    result = Result(script.path, script.wave, status, elapsed, line, proc.returncode, output)
    return keep_log(result, stdout, stderr, logs)


def keep_log(result: Result, stdout: str, stderr: str, logs: Path | None) -> Result:
    if logs is not None:
        path = logs / (result.script.replace("/", "__").removesuffix(".py") + ".log")
        path.write_text(f"$ {result.script}\n--- stdout\n{stdout}--- stderr\n{stderr}")
        result.log = str(path)
    return result


def kill_group(proc: subprocess.Popen, grace: float = 5) -> None:
    """SIGTERM the process group, then SIGKILL whatever is still there after `grace` seconds."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


# ---- the local exchange -----------------------------------------------------------------------


def local_exchange(data_dir: Path, seed: int, extra: Sequence[str] = ()) -> LocalExchange:
    """`python -m sandbox` on a free port, in its own process group (sandbox.testing)."""
    return LocalExchange("--seed", str(seed), *extra, data_dir=data_dir, env=base_env())


# ---- environments -----------------------------------------------------------------------------

# Set to empty strings for local runs, so a developer's .env (demo keys, a demo ticker) cannot
# leak in: auth loads .env without overriding variables that exist, even empty ones.
LOCAL_BLANKS = ("KALSHI_API_KEY_ID", "KALSHI_PRIVATE_KEY_PATH", "KALSHI_EXAMPLE_TICKER")


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("KALSHI_DEBUG", None)  # one-line errors in the table, not tracebacks
    # 70 interpreters import auth/ (and the exchange sandbox/): let the first one cache bytecode.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def script_env(
    env_name: str,
    exchange: LocalExchange | None = None,
    ticker: str | None = None,
    allow_prod: bool = False,
) -> dict[str, str]:
    """The environment the scripts run with: KALSHI_ENV, plus the local exchange's URL and data
    dir when there is one."""
    env = base_env()
    env["KALSHI_ENV"] = env_name
    if exchange is not None:
        env.update(dict.fromkeys(LOCAL_BLANKS, ""))
        env["KALSHI_LOCAL_URL"] = exchange.url
        env["KALSHI_SANDBOX_DIR"] = str(exchange.data_dir)
    if ticker:
        env["KALSHI_EXAMPLE_TICKER"] = ticker
    if env_name == "prod" and allow_prod:
        env["KALSHI_ALLOW_PROD_WRITES"] = "1"
    return env


# ---- output -----------------------------------------------------------------------------------


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def progress_line(n: int, total: int, r: Result) -> str:
    width = len(str(total))
    return (
        f"[{n:>{width}}/{total}] wave {r.wave}  {r.status:<7} {r.seconds:6.2f}s  "
        f"{r.script}  {clip(r.result, 70)}"
    )


def text_table(results: Sequence[Result], width: int = 80) -> str:
    from auth.fmt import table

    rows = [
        (r.script, r.wave, r.status, f"{r.seconds:.2f}", clip(r.result, width)) for r in results
    ]
    return table(rows, ("script", "wave", "status", "seconds", "result"), right="13")


def counts(results: Sequence[Result]) -> str:
    tally: dict[str, int] = {}
    for r in results:
        tally[r.status] = tally.get(r.status, 0) + 1
    total = sum(r.seconds for r in results)
    parts = ", ".join(f"{n} {status}" for status, n in tally.items())
    return f"{len(results)} scripts: {parts or 'none'} ({total:.1f} s of script time)"


def write_report(path: Path, results: Sequence[Result], meta: dict[str, object]) -> None:
    if path.suffix == ".json":
        rows = [{k: v for k, v in asdict(r).items() if k != "output"} for r in results]
        path.write_text(json.dumps({**meta, "results": rows}, indent=2) + "\n")
        return
    lines = [
        "# Waves run",
        "",
        ", ".join(f"{k}: {v}" for k, v in meta.items()),
        "",
        "| script | wave | status | seconds | result |",
        "|---|---:|---|---:|---|",
    ]
    for r in results:
        cell = r.result.replace("|", "\\|")
        lines.append(f"| `{r.script}` | {r.wave} | {r.status} | {r.seconds:.2f} | {cell} |")
    lines += ["", counts(results), ""]
    path.write_text("\n".join(lines))


# ---- main -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--env", choices=("local", "demo", "prod"), default="local")
    p.add_argument("--wave", type=int, action="append", choices=sorted(WAVES), default=[])
    p.add_argument(
        "--only", action="append", default=[], metavar="PATTERN", help="substring or glob"
    )
    p.add_argument("--seconds", type=float, default=3, help="streaming scripts run this long")
    p.add_argument("--timeout", type=float, default=60, help="per script, seconds (default 60)")
    p.add_argument("--ticker", help="market for every script (sets KALSHI_EXAMPLE_TICKER)")
    p.add_argument("--allow-prod", action="store_true", help="also run the writing wave on prod")
    p.add_argument("--seed", type=int, default=7, help="local exchange seed (default 7)")
    p.add_argument("--data-dir", type=Path, help="local exchange data dir (default: a temp dir)")
    p.add_argument(
        "--exchange-args",
        default="",
        metavar="ARGS",
        help='more local exchange options, e.g. --exchange-args="--fault-http-429-rate 0.1"',
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="scripts of one wave run side by side (default: the number of cores)",
    )
    p.add_argument("--logs", type=Path, metavar="DIR", help="keep every script's output here")
    p.add_argument("--report", type=Path, metavar="FILE", help="write the table (.md or .json)")
    p.add_argument("--list", action="store_true", help="list the scripts and exit")
    p.add_argument("-v", "--verbose", action="store_true", help="show the output of failures")
    args = p.parse_args(argv)
    if args.report and args.report.suffix not in (".md", ".json"):
        p.error("--report FILE must end in .md or .json")
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    return args


def interrupt(signum: int, frame: object) -> None:
    """Ctrl+C, SIGTERM and SIGHUP stop the run: scripts and exchange are shut down. (Installed
    for SIGINT too, which a shell leaves ignored in background jobs.)"""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)
    writes = args.env != "prod" or args.allow_prod
    selected = select(discover(seconds=args.seconds, writes=writes), args.wave, args.only)
    skipped = [] if writes else [s for s in selected if s.wave in WRITE_WAVES]
    scripts = [s for s in selected if s not in skipped]
    if args.list:
        for s in selected:
            note = "  (skipped on prod: writes; --allow-prod runs it)" if s in skipped else ""
            print(f"wave {s.wave}  {s.path}  {shlex.join(s.args)}".rstrip() + note)
        print(f"{len(selected)} scripts")
        return 0
    if not scripts:
        print("no scripts to run: check --wave/--only (and --allow-prod on prod)", file=sys.stderr)
        return 2

    started = datetime.now(UTC)
    logs = (args.logs or Path(tempfile.mkdtemp(prefix="kalshi-waves-logs-"))).resolve()
    logs.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    try:
        with (
            tempfile.TemporaryDirectory(prefix="kalshi-waves-") as tmp,
            script_env_for(args, Path(tmp)) as env,
        ):
            results = run_all(scripts, env, args, logs)
    except KeyboardInterrupt:
        stopped = "; the local exchange was shut down" if args.env == "local" else ""
        print(f"\nstopped (Ctrl+C){stopped}", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    wall = (datetime.now(UTC) - started).total_seconds()

    reason = "writes: prod needs --allow-prod"
    results += [Result(s.path, s.wave, "skipped", 0.0, reason) for s in skipped]
    order = {s.path: i for i, s in enumerate(selected)}
    results.sort(key=lambda r: order[r.script])
    print()
    print(text_table(results))
    print()
    print(f"{counts(results)}, {wall:.1f} s wall with --jobs {args.jobs}")
    print(f"full output of every script: {logs}/")
    if args.report:
        meta = {
            "env": args.env,
            "date": f"{started:%Y-%m-%d %H:%M} UTC",
            "seed": args.seed,
            "jobs": args.jobs,
            "wall_seconds": round(wall, 1),
            "logs": str(logs),
        }
        write_report(args.report, results, meta)
        print(f"report written to {args.report}")
    return 1 if any(r.status in ("FAIL", "TIMEOUT") for r in results) else 0


@contextmanager
def script_env_for(args: argparse.Namespace, tmp: Path) -> Iterator[dict[str, str]]:
    """The environment the scripts run with; for --env local, around a local exchange started
    here and stopped on the way out (the one place that starts and stops it)."""
    if args.env != "local":
        print(f"[{args.env}] running the scripts with your credentials", flush=True)
        yield script_env(args.env, None, args.ticker, args.allow_prod)
        return
    data_dir = (args.data_dir or tmp).resolve()
    with local_exchange(data_dir, args.seed, shlex.split(args.exchange_args)) as exchange:
        print(
            f"[local] exchange at {exchange.url} (pid {exchange.pid}, data dir {data_dir})",
            flush=True,
        )
        yield script_env("local", exchange, args.ticker)


def run_all(
    scripts: Sequence[Script], env: dict[str, str], args: argparse.Namespace, logs: Path
) -> list[Result]:
    """Stage by stage (`stages`); in a stage, each group of scripts (streams; the rest) runs in
    its own pool as wide as `width` allows, the scripts that import the official SDK (the
    slowest to start) first, so no core idles at the end of a stage."""
    results: list[Result] = []

    def done(result: Result) -> None:
        results.append(result)
        print(progress_line(len(results), len(scripts), result), flush=True)
        if args.verbose and result.output:
            print("    " + result.output.rstrip().replace("\n", "\n    "), flush=True)

    for stage in stages(args.env):
        pools: list[tuple[int, list[Script]]] = []
        for group in (
            [w for w in stage if w in STREAM_WAVES],
            [w for w in stage if w not in STREAM_WAVES],
        ):
            batch = [s for s in scripts if s.wave in group]
            if batch:
                side = min(width(w, args.jobs, args.env, len(batch)) for w in group)
                pools.append((side, sorted(batch, key=lambda s: not uses_sdk(s))))
        if len(pools) == 1 and pools[0][0] == 1:
            for script in pools[0][1]:
                done(run_script(script, env, args.timeout, logs))
            continue
        executors = [ThreadPoolExecutor(max_workers=side) for side, _ in pools]
        try:
            futures = [
                pool.submit(run_script, s, env, args.timeout, logs)
                for pool, (_, batch) in zip(executors, pools, strict=True)
                for s in batch
            ]
            for future in as_completed(futures):
                done(future.result())
        finally:
            for pool in executors:
                pool.shutdown(cancel_futures=True)
    return results


def uses_sdk(script: Script) -> bool:
    """Whether a script imports the official SDK (~0.7 s of CPU before its first request)."""
    return "auth.get_client(" in (ROOT / script.path).read_text()


if __name__ == "__main__":
    sys.exit(main())
