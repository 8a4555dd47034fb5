"""Shared fixtures: a local exchange per test session, and a way to run scripts against it.

The exchange runs as a real subprocess (`python -m sandbox`, via sandbox.testing.LocalExchange) on
a free port with a temporary data dir and a fixed seed, exactly as a user would start it; scripts
run as subprocesses with KALSHI_ENV=local, so every end-to-end test goes through signing, HTTP
and the exit-code contract.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.testing import LocalExchange

# A shell without job control starts a background job (`cmd &`, nohup) with SIGINT ignored, and
# every child then keeps ignoring it: a Ctrl+C test would see nothing. A handler is reset to the
# default at exec, so installing Python's own here gives every child a normal Ctrl+C.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = Path(__file__).resolve().parent.parent

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


def sandbox_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m sandbox ARGS` from the repository, in a clean environment (60 s at most)."""
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


class Exchange(LocalExchange):
    """A local exchange started by the tests (sandbox.testing.LocalExchange, subprocess)."""

    @property
    def env(self) -> dict[str, str]:
        """Environment for a script that should talk to this exchange as the `demo` user."""
        return clean_env(
            KALSHI_ENV="local", KALSHI_LOCAL_URL=self.url, KALSHI_SANDBOX_DIR=str(self.data_dir)
        )


def start_exchange(data_dir: Path, *args: str, timeout: float = 30) -> Exchange:
    """Start `python -m sandbox ARGS` on a free port with `data_dir`; returns once it listens."""
    ex = Exchange(*args, data_dir=data_dir, env=clean_env(), timeout=timeout)
    ex.start()
    return ex


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
