"""Environment resolution, key paths, `.env` lookup, local credentials, and no secrets in reprs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from auth import config
from auth.errors import ConfigError
from tests.conftest import ROOT, clean_env, write_key


def test_default_is_demo(auth_env):
    s = config.settings()
    assert s.env == "demo"
    assert s.rest_base == "https://external-api.demo.kalshi.co/trade-api/v2"
    assert s.ws_url == "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"
    assert not s.has_credentials


def test_prod_and_local_hosts(auth_env):
    auth_env.setenv("KALSHI_ENV", "PROD")
    assert config.settings().rest_base == "https://external-api.kalshi.com/trade-api/v2"
    config.settings.cache_clear()
    auth_env.setenv("KALSHI_ENV", "local")
    auth_env.setenv("KALSHI_LOCAL_URL", "http://127.0.0.1:9999/")
    s = config.settings()
    assert (s.rest_base, s.ws_url) == (
        "http://127.0.0.1:9999/trade-api/v2",
        "ws://127.0.0.1:9999/trade-api/ws/v2",
    )
    assert s.rest_prefix == "/trade-api/v2"


def test_unknown_env_names_the_valid_ones(auth_env):
    auth_env.setenv("KALSHI_ENV", "staging")
    with pytest.raises(ConfigError, match="demo, prod, local"):
        config.settings()


def test_relative_and_home_key_paths(auth_env, tmp_path, monkeypatch):
    auth_env.setenv("KALSHI_API_KEY_ID", "abc")
    auth_env.setenv("KALSHI_PRIVATE_KEY_PATH", "keys/demo.pem")
    assert config.settings().key_path == tmp_path / "keys/demo.pem"  # relative to project root
    config.settings.cache_clear()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    auth_env.setenv("KALSHI_PRIVATE_KEY_PATH", "~/kalshi.pem")
    assert config.settings().key_path == tmp_path / "home/kalshi.pem"


def test_env_file_is_read_from_project_root_not_cwd(auth_env, tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(
        "# comment on its own line\nKALSHI_ENV=prod\nKALSHI_API_KEY_ID=from-dotenv\n"
    )
    elsewhere = tmp_path / "somewhere/else"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    s = config.settings()
    assert (s.env, s.key_id) == ("prod", "from-dotenv")


def test_real_environment_wins_over_env_file(auth_env, tmp_path):
    (tmp_path / ".env").write_text("KALSHI_ENV=prod\n")
    auth_env.setenv("KALSHI_ENV", "demo")
    assert config.settings().env == "demo"


def test_project_root_is_found_from_any_cwd(tmp_path):
    code = "import auth.config as c; print(c.PROJECT_ROOT)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=clean_env(), capture_output=True, text=True
    )
    assert Path(out.stdout.strip()) == ROOT


def test_local_env_reads_the_exchange_credentials_file(auth_env, tmp_path):
    data = tmp_path / "sb"
    (data / "keys").mkdir(parents=True)
    write_key(data / "keys", "rsa-pkcs8", "demo.pem")
    (data / "credentials.env").write_text(
        "KALSHI_API_KEY_ID=local-key\nKALSHI_PRIVATE_KEY_PATH=keys/demo.pem\n"
    )
    auth_env.setenv("KALSHI_ENV", "local")
    auth_env.setenv("KALSHI_SANDBOX_DIR", str(data))
    s = config.settings()
    assert s.key_id == "local-key"
    assert s.key_path == data / "keys/demo.pem"  # relative to the credentials file
    assert s.credentials_source == str(data / "credentials.env")


def test_local_env_without_exchange_says_start_it(auth_env, tmp_path):
    auth_env.setenv("KALSHI_ENV", "local")
    auth_env.setenv("KALSHI_SANDBOX_DIR", str(tmp_path / "nothing-here"))
    with pytest.raises(ConfigError, match="python -m sandbox"):
        config.require_credentials()


def test_missing_credentials_name_the_variables(auth_env):
    with pytest.raises(ConfigError) as info:
        config.require_credentials()
    assert "KALSHI_API_KEY_ID" in str(info.value)
    assert "KALSHI_PRIVATE_KEY_PATH" in str(info.value)


def test_no_secret_in_any_repr(auth_env, tmp_path):
    path, _ = write_key(tmp_path, "rsa-pkcs8")
    key_id = "deadbeef-1234-5678-9abc-def012345678"
    auth_env.setenv("KALSHI_API_KEY_ID", key_id)
    auth_env.setenv("KALSHI_PRIVATE_KEY_PATH", str(path))
    from auth.signing import signer

    pem = path.read_text()
    body = "".join(pem.splitlines()[1:-1])[:40]
    s = config.settings()
    texts = [repr(s), str(s), repr(signer()), str(signer())]
    for text in texts:
        assert key_id not in text
        assert body not in text
        assert "PRIVATE KEY" not in text
