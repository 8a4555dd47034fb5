"""Shared fixtures: a local exchange per test session, and a way to run scripts against it.

The exchange runs as a real subprocess (`python -m sandbox`) on a free port with a temporary data
dir and a fixed seed, exactly as a user would start it; scripts run as subprocesses with
KALSHI_ENV=local, so every end-to-end test goes through signing, HTTP and the exit-code contract.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
URL_RE = re.compile(r"http://127\.0\.0\.1:(\d+)")

# Variables a developer's shell or .env might set that would leak into the tests.
_SCRUB = (
    "KALSHI_ENV",
    "KALSHI_API_KEY_ID",
    "KALSHI_PRIVATE_KEY_PATH",
    "KALSHI_LOCAL_URL",
    "KALSHI_SANDBOX_DIR",
    "KALSHI_EXAMPLE_TICKER",
    "KALSHI_ALLOW_PROD_WRITES",
    "KALSHI_DEBUG",
)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["PYTHONUNBUFFERED"] = "1"
    # Hundreds of subprocesses import auth/ and sandbox/: let them cache bytecode.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


@dataclass
class Exchange:
    """A running local exchange started by the tests."""

    proc: subprocess.Popen
    url: str
    data_dir: Path
    output: list[str] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """Environment for a script that should talk to this exchange as the `demo` user."""
        return clean_env(
            KALSHI_ENV="local", KALSHI_LOCAL_URL=self.url, KALSHI_SANDBOX_DIR=str(self.data_dir)
        )

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def start_exchange(data_dir: Path, *args: str, port: int = 0, timeout: float = 20) -> Exchange:
    """Start `python -m sandbox` and wait for the line that carries its base URL."""
    cmd = [sys.executable, "-m", "sandbox", "--port", str(port), "--data-dir", str(data_dir)]
    proc = subprocess.Popen(
        [*cmd, *args],
        cwd=ROOT,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = URL_RE.search(line)
        if match:
            ex = Exchange(proc, match.group(0), data_dir, lines)
            _drain(proc, lines)
            return ex
    proc.kill()
    raise RuntimeError("local exchange did not start:\n" + "".join(lines))


def _drain(proc: subprocess.Popen, sink: list[str]) -> None:
    """Keep reading the exchange's output so its pipe never fills up and blocks it."""
    import threading

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            sink.append(line)

    threading.Thread(target=pump, daemon=True).start()


@pytest.fixture(scope="session")
def exchange(tmp_path_factory: pytest.TempPathFactory):
    """One local exchange for the whole test session (seed 7, no background activity so that
    books only change when a test changes them)."""
    ex = start_exchange(tmp_path_factory.mktemp("sandbox"), "--seed", "7", "--no-activity")
    yield ex
    ex.stop()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def run_script(
    script: str, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> Result:
    """Run one of the numbered scripts (path relative to the project root) as a user would."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / script), *args],
        cwd=ROOT,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


# ---- client-side (auth) tests -------------------------------------------------------------


def reset_auth_caches() -> None:
    """Forget the process-wide settings, parsed key, HTTP session and SDK client."""
    from auth import client, config

    config.settings.cache_clear()
    client.default.cache_clear()


@pytest.fixture
def auth_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """A clean slate for in-process auth tests: KALSHI_* scrubbed, the project root (where `.env`
    is looked up) moved to an empty temp dir, caches cleared before and after."""
    from auth import config

    for name in _SCRUB:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path)
    reset_auth_caches()
    yield monkeypatch
    reset_auth_caches()


def write_key(directory: Path, kind: str = "rsa-pkcs8", name: str = "key.pem"):
    """Write a fresh private key as PEM; returns (path, private_key). kind: rsa-pkcs8 |
    rsa-pkcs1 | ed25519."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    if kind == "ed25519":
        key = ed25519.Ed25519PrivateKey.generate()
        fmt = serialization.PrivateFormat.PKCS8
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        fmt = (
            serialization.PrivateFormat.TraditionalOpenSSL
            if kind == "rsa-pkcs1"
            else serialization.PrivateFormat.PKCS8
        )
    pem = key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
    path = directory / name
    path.write_bytes(pem)
    return path, key
