"""The setup doctor: all checks pass against the local exchange, and each kind of failure is
detected and explained with a fix (wrong key, missing or bad key file, unreachable exchange,
skewed clock, old websockets)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dotenv import dotenv_values

import doctor
from tests.conftest import ROOT, Exchange, clean_env, write_key


def run_doctor(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "doctor.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def line_of(output: str, check: str) -> str:
    """The doctor's line for one check, with its continuation and fix lines."""
    lines = output.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith(" " * 22) and line[8:21].strip() == check:
            block = [line]
            for more in lines[i + 1 :]:
                if not more.startswith(" " * 22):
                    break
                block.append(more.strip())
            return " ".join(block)
    raise AssertionError(f"no line for {check!r} in:\n{output}")


def demo_key_id(exchange: Exchange) -> str:
    return dotenv_values(exchange.data_dir / "credentials.env")["KALSHI_API_KEY_ID"] or ""


def test_all_checks_pass_against_the_local_exchange(exchange: Exchange):
    result = run_doctor(exchange.env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 of 8 checks passed" in result.stdout
    assert "BEGIN" not in result.stdout  # never any key material
    assert "RSA" in line_of(result.stdout, "key format")


def test_a_key_not_registered_with_the_exchange_is_refused(exchange: Exchange, tmp_path: Path):
    fresh, _ = write_key(tmp_path)  # right key id, wrong private key: the signature cannot verify
    env = {**exchange.env, "KALSHI_API_KEY_ID": demo_key_id(exchange)}
    env["KALSHI_PRIVATE_KEY_PATH"] = str(fresh)
    result = run_doctor(env)
    assert result.returncode == 1
    accepted = line_of(result.stdout, "key accepted")
    assert accepted.startswith("  FAIL") and "401" in accepted
    assert "fix: the .pem does not belong to KALSHI_API_KEY_ID" in accepted, accepted
    assert line_of(result.stdout, "WebSocket").startswith("  FAIL")
    assert line_of(result.stdout, "REST").startswith("  ok")  # public: no key involved


def test_an_unknown_key_id_is_refused(exchange: Exchange, tmp_path: Path):
    fresh, _ = write_key(tmp_path, "ed25519")
    env = {**exchange.env, "KALSHI_API_KEY_ID": str(uuid.uuid4())}
    env["KALSHI_PRIVATE_KEY_PATH"] = str(fresh)
    result = run_doctor(env)
    assert result.returncode == 1
    assert "Ed25519" in line_of(result.stdout, "key format")
    accepted = line_of(result.stdout, "key accepted")
    assert "401" in accepted and "fix:" in accepted, accepted


def test_a_missing_key_file_is_explained(exchange: Exchange, tmp_path: Path):
    env = {**exchange.env, "KALSHI_API_KEY_ID": demo_key_id(exchange)}
    env["KALSHI_PRIVATE_KEY_PATH"] = str(tmp_path / "nowhere.pem")
    result = run_doctor(env)
    assert result.returncode == 1
    creds = line_of(result.stdout, "credentials")
    assert creds.startswith("  FAIL") and "no such file" in creds and "fix:" in creds
    assert line_of(result.stdout, "key accepted").startswith("  skip")


def test_a_file_that_is_not_a_key_is_explained(exchange: Exchange, tmp_path: Path):
    bad = tmp_path / "key.pem"
    bad.write_text("this is not a key\n")
    env = {**exchange.env, "KALSHI_API_KEY_ID": demo_key_id(exchange)}
    env["KALSHI_PRIVATE_KEY_PATH"] = str(bad)
    result = run_doctor(env)
    assert result.returncode == 1
    fmt = line_of(result.stdout, "key format")
    assert fmt.startswith("  FAIL") and "not a PEM private key" in fmt


def test_no_local_credentials_says_to_start_the_exchange(tmp_path: Path):
    env = clean_env(KALSHI_ENV="local", KALSHI_SANDBOX_DIR=str(tmp_path), KALSHI_LOCAL_URL=_dead())
    result = run_doctor(env)
    assert result.returncode == 1
    assert "start the local exchange" in line_of(result.stdout, "credentials")
    rest = line_of(result.stdout, "REST")
    assert rest.startswith("  FAIL") and "python -m sandbox" in rest


def _dead() -> str:
    """A loopback URL where nothing listens."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextmanager
def skewed_server(offset: float) -> Iterator[str]:
    """An exchange stand-in whose Date header is `offset` seconds off."""

    class Handler(BaseHTTPRequestHandler):
        def date_time_string(self, timestamp=None):
            return formatdate(time.time() + offset, usegmt=True)

        def do_GET(self):
            body = b'{"exchange_active": true, "trading_active": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_skewed_clock_is_detected_from_the_date_header(tmp_path: Path):
    with skewed_server(-120) as url:  # the server is 2 minutes behind: we are 120 s ahead
        env = clean_env(KALSHI_ENV="local", KALSHI_LOCAL_URL=url, KALSHI_SANDBOX_DIR=str(tmp_path))
        result = run_doctor(env)
    clock = line_of(result.stdout, "clock")
    assert clock.startswith("  FAIL") and "sync your clock" in clock
    assert re.search(r"\+1(19|20|21) s off", clock), clock
    assert result.returncode == 1


def test_a_fast_local_clock_fails_clock_and_signature_checks(
    exchange: Exchange, auth_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
):
    for name, value in exchange.env.items():
        if name.startswith("KALSHI_"):
            auth_env.setenv(name, value)
    real = time.time
    auth_env.setattr(time, "time", lambda: real() + 300)  # this process's clock is 5 min fast
    assert doctor.main([]) == 1
    out = capsys.readouterr().out
    assert line_of(out, "clock").startswith("  FAIL")
    accepted = line_of(out, "key accepted")
    assert accepted.startswith("  FAIL") and "401" in accepted, accepted
    assert "clock" in accepted  # the hint names the cause


def test_an_old_websockets_is_explained(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(doctor, "version", lambda name: "12.0")
    with pytest.raises(doctor.Failed) as failed:
        doctor.Doctor().websockets_version()
    assert "additional_headers" in failed.value.what and "uv sync" in failed.value.fix


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("rsa-pkcs1", "PKCS#1"), ("rsa-pkcs8", "PKCS#8"), ("ed25519", "Ed25519")],
)
def test_key_format_names_type_and_container(
    kind: str, expected: str, auth_env: pytest.MonkeyPatch, tmp_path: Path
):
    path, _ = write_key(tmp_path, kind)
    auth_env.setenv("KALSHI_API_KEY_ID", "k-1")
    auth_env.setenv("KALSHI_PRIVATE_KEY_PATH", str(path))
    d = doctor.Doctor()
    assert "k-1" not in d.credentials()  # key ids are masked
    described = d.key_format()
    assert expected in described and "BEGIN" not in described


def test_an_unknown_environment_is_explained():
    result = run_doctor(clean_env(KALSHI_ENV="staging"))
    assert result.returncode == 1
    env_line = line_of(result.stdout, "environment")
    assert env_line.startswith("  FAIL") and "demo, prod, local" in env_line
    assert line_of(result.stdout, "REST").startswith("  skip")


def test_an_ignored_key_path_is_a_warning_not_a_silent_pass(exchange: Exchange, tmp_path: Path):
    env = {**exchange.env, "KALSHI_PRIVATE_KEY_PATH": str(tmp_path / "mine.pem")}
    result = run_doctor(env)
    creds = line_of(result.stdout, "credentials")
    assert creds.startswith("  warn") and "is ignored" in creds, result.stdout
    assert "1 with a warning" in result.stdout


def test_the_clock_limit_is_the_doctors_own_not_kalshis(exchange: Exchange):
    clock = line_of(run_doctor(exchange.env).stdout, "clock")
    assert "this doctor flags" in clock and "Kalshi does not publish" in clock


def test_no_configuration_suggests_the_local_exchange(tmp_path: Path):
    env = clean_env(KALSHI_ENV="demo")
    result = subprocess.run(
        [sys.executable, str(ROOT / "doctor.py")],
        cwd=tmp_path,  # no .env here; auth still reads the project's .env, if any
        env={**env, "KALSHI_API_KEY_ID": "", "KALSHI_PRIVATE_KEY_PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    creds = line_of(result.stdout, "credentials")
    assert "KALSHI_ENV=local" in creds and "python -m sandbox" in creds, result.stdout


def test_a_fix_is_printed_once(tmp_path: Path):
    env = clean_env(KALSHI_ENV="local", KALSHI_SANDBOX_DIR=str(tmp_path), KALSHI_LOCAL_URL=_dead())
    fixes = [
        line.strip()
        for line in run_doctor(env).stdout.splitlines()
        if line.strip().startswith("fix:") and line.strip() != "fix: as above"
    ]
    assert len(fixes) == len(set(fixes))
