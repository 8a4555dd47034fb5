"""The entry helper's exit codes and messages, as a user running a script would see them."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, clean_env, write_key
from tests.stub_http import Canned, StubServer

PRIVATE_CALL = "from auth import run, raw_get; run(lambda: print(raw_get('/portfolio/balance')))"


def run_code(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT / "auth",  # any folder: .env and the auth package are found from anywhere
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=30,
    )


def assert_clean_failure(proc: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in proc.stderr, proc.stderr


def test_missing_credentials_exit_2_and_name_variables():
    proc = run_code(PRIVATE_CALL, KALSHI_ENV="demo")
    assert_clean_failure(proc, 2, "KALSHI_API_KEY_ID", "KALSHI_PRIVATE_KEY_PATH")


def test_missing_key_file(tmp_path):
    proc = run_code(
        PRIVATE_CALL, KALSHI_API_KEY_ID="k", KALSHI_PRIVATE_KEY_PATH=str(tmp_path / "x.pem")
    )
    assert_clean_failure(proc, 2, "no such file")


def test_unreadable_key_file(tmp_path, monkeypatch):
    # In-process, because root (as in CI) can read a mode-000 file.
    from pathlib import Path

    from auth.errors import ConfigError
    from auth.signing import load_private_key

    path, _ = write_key(tmp_path)

    def denied(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(ConfigError, match="not readable"):
        load_private_key(path)


def test_key_path_is_a_directory(tmp_path):
    proc = run_code(PRIVATE_CALL, KALSHI_API_KEY_ID="k", KALSHI_PRIVATE_KEY_PATH=str(tmp_path))
    assert_clean_failure(proc, 2, "directory")


def test_garbled_key_never_echoes_its_content(tmp_path):
    path = tmp_path / "bad.pem"
    secret = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-not-really-a-key"
    path.write_text(f"-----BEGIN PRIVATE KEY-----\n{secret}\n-----END PRIVATE KEY-----\n")
    proc = run_code(PRIVATE_CALL, KALSHI_API_KEY_ID="k", KALSHI_PRIVATE_KEY_PATH=str(path))
    assert_clean_failure(proc, 2, "not a PEM private key")
    assert secret not in proc.stderr + proc.stdout


def test_api_error_exit_1_with_one_line_and_hint(tmp_path):
    path, _ = write_key(tmp_path)
    body = {"error": {"code": "authentication_error", "details": "NOT_FOUND"}}
    with StubServer(Canned(401, body)) as srv:
        proc = run_code(
            PRIVATE_CALL,
            KALSHI_ENV="local",
            KALSHI_LOCAL_URL=srv.url,
            KALSHI_API_KEY_ID="wrong-env-key",
            KALSHI_PRIVATE_KEY_PATH=str(path),
        )
    assert_clean_failure(proc, 1, "HTTP 401", "hint:")
    assert proc.stderr.splitlines()[0].startswith("error: HTTP 401 on GET /portfolio/balance")
    assert "wrong-env-key" not in proc.stderr


def test_sdk_api_exception_maps_to_exit_1():
    code = "from auth import run, get_client; run(lambda: get_client().get_market('NOPE'))"
    body = {"error": {"code": "not_found", "message": "market not found"}}
    with StubServer(Canned(404, body)) as srv:
        proc = run_code(code, KALSHI_ENV="local", KALSHI_LOCAL_URL=srv.url)
    assert_clean_failure(proc, 1, "HTTP 404", "market not found")


def test_network_down_exit_1():
    proc = run_code(
        "from auth import run, raw_get; import auth.client as c; "
        "c.default().retry.attempts = 1; run(lambda: raw_get('/exchange/status'))",
        KALSHI_ENV="local",
        KALSHI_LOCAL_URL="http://127.0.0.1:9",
    )
    assert_clean_failure(proc, 1, "no response", "python -m sandbox")


def test_debug_shows_traceback():
    proc = run_code(PRIVATE_CALL, KALSHI_ENV="demo", KALSHI_DEBUG="1")
    assert proc.returncode == 2 and "Traceback" in proc.stderr


def test_prod_writes_refused_before_any_request():
    code = (
        "import argparse; from auth import run, guard_writes, raw_post\n"
        "def main():\n"
        "    guard_writes(argparse.Namespace(allow_prod=False, dry_run=False))\n"
        "    raw_post('/portfolio/events/orders', {})\n"
        "run(main)"
    )
    proc = run_code(code, KALSHI_ENV="prod")
    assert_clean_failure(proc, 2, "--allow-prod", "KALSHI_ALLOW_PROD_WRITES")


def test_ctrl_c_exits_0_without_traceback():
    code = (
        "import time; from auth import run\n"
        "def main():\n    print('ready', flush=True)\n    time.sleep(30)\n"
        "run(main)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=5)
    assert proc.returncode == 0 and "Traceback" not in err
    assert time.monotonic() - started < 1


def test_importing_auth_does_not_import_the_sdk():
    proc = run_code(
        "import sys, auth, auth.client, auth.cli, auth.markets, auth.fmt; "
        "print('kalshi_python_sync' in sys.modules)"
    )
    assert proc.stdout.strip() == "False", proc.stderr


def test_closed_pipe_is_not_a_traceback():
    code = (
        "from auth import run\ndef main():\n    for i in range(10**5):\n        print(i)\nrun(main)"
    )
    proc = subprocess.run(
        f'{sys.executable} -c "{code}" | head -1',
        shell=True,
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.stdout == "0\n" and "Traceback" not in proc.stderr
