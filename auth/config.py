"""Which Kalshi environment to talk to, and with which credentials.

Everything comes from environment variables, with `.env` in the project root loaded first (real
environment variables win). Nothing here touches the network or parses the key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values, load_dotenv

from auth.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

REST_PATH = "/trade-api/v2"
WS_PATH = "/trade-api/ws/v2"
DEFAULT_LOCAL_URL = "http://127.0.0.1:8765"
DEFAULT_SANDBOX_DIR = ".sandbox"

HOSTS = {
    "demo": ("https://external-api.demo.kalshi.co", "wss://external-api-ws.demo.kalshi.co"),
    "prod": ("https://external-api.kalshi.com", "wss://external-api-ws.kalshi.com"),
}
ENVIRONMENTS = ("demo", "prod", "local")

KEY_VARS = "KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH"


@dataclass(frozen=True)
class Settings:
    """The resolved environment. Holds a key *path*, never key material."""

    env: str
    rest_base: str  # e.g. https://external-api.demo.kalshi.co/trade-api/v2
    ws_url: str  # e.g. wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2
    key_id: str | None
    key_path: Path | None
    credentials_source: str  # where key id and path came from, for messages

    @property
    def has_credentials(self) -> bool:
        return bool(self.key_id and self.key_path)

    @property
    def rest_prefix(self) -> str:
        """The path part of rest_base, which is signed along with the endpoint path."""
        return urlparse(self.rest_base).path

    def __repr__(self) -> str:
        shown = mask(self.key_id) if self.key_id else None
        return (
            f"Settings(env={self.env!r}, rest_base={self.rest_base!r}, ws_url={self.ws_url!r}, "
            f"key_id={shown!r}, key_path={str(self.key_path) if self.key_path else None!r})"
        )

    __str__ = __repr__


def mask(key_id: str) -> str:
    """Enough of a key id to recognise it, not enough to use it."""
    return key_id[:4] + "…" if len(key_id) > 4 else "…"


def load_env_file() -> None:
    """Load `.env` from the project root, whatever the working directory is."""
    load_dotenv(PROJECT_ROOT / ".env", override=False)


def resolve_path(raw: str, base: Path | None = None) -> Path:
    """A key path may be absolute, start with `~`, or be relative to `base` (the project root)."""
    path = Path(raw.strip()).expanduser()
    return path if path.is_absolute() else ((base or PROJECT_ROOT) / path)


def sandbox_dir() -> Path:
    return resolve_path(os.environ.get("KALSHI_SANDBOX_DIR") or DEFAULT_SANDBOX_DIR)


@cache
def settings() -> Settings:
    """Resolve the environment once per process."""
    load_env_file()
    env = (os.environ.get("KALSHI_ENV") or "demo").strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(
            f"KALSHI_ENV={env!r} is not a known environment; use one of: {', '.join(ENVIRONMENTS)}"
        )
    if env == "local":
        local = (os.environ.get("KALSHI_LOCAL_URL") or DEFAULT_LOCAL_URL).rstrip("/")
        parsed = urlparse(local)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(
                f"KALSHI_LOCAL_URL={local!r} is not an http(s) URL "
                f"(expected e.g. {DEFAULT_LOCAL_URL})"
            )
        ws_scheme = "wss" if parsed.scheme == "https" else "ws"
        rest_base, ws_url = local + REST_PATH, f"{ws_scheme}://{parsed.netloc}{WS_PATH}"
    else:
        http_host, ws_host = HOSTS[env]
        rest_base, ws_url = http_host + REST_PATH, ws_host + WS_PATH

    key_id = (os.environ.get("KALSHI_API_KEY_ID") or "").strip() or None
    raw_path = (os.environ.get("KALSHI_PRIVATE_KEY_PATH") or "").strip() or None
    source = "environment / .env"
    key_path = resolve_path(raw_path) if raw_path else None
    if env == "local" and not key_id:
        key_id, key_path, source = _local_credentials()
    return Settings(env, rest_base, ws_url, key_id, key_path, source)


def _local_credentials() -> tuple[str | None, Path | None, str]:
    """The credentials file the local exchange writes into its data dir on first start."""
    creds_file = sandbox_dir() / "credentials.env"
    if not creds_file.is_file():
        return None, None, f"{creds_file} (not found: start the local exchange first)"
    values = dotenv_values(creds_file)
    key_id = (values.get("KALSHI_API_KEY_ID") or "").strip() or None
    raw_path = (values.get("KALSHI_PRIVATE_KEY_PATH") or "").strip()
    key_path = resolve_path(raw_path, base=creds_file.parent) if raw_path else None
    return key_id, key_path, str(creds_file)


def require_credentials(s: Settings | None = None) -> Settings:
    """Settings with both credentials present, or a ConfigError that says what to set."""
    s = s or settings()
    if s.has_credentials:
        return s
    if s.env == "local":
        hint = (
            f"no credentials found in {s.credentials_source}; start the local exchange "
            "(uv run python -m sandbox) or set " + KEY_VARS
        )
    else:
        hint = f"set {KEY_VARS} in .env (see .env.example and README: 'Getting API keys')"
    pairs = (("KALSHI_API_KEY_ID", s.key_id), ("KALSHI_PRIVATE_KEY_PATH", s.key_path))
    missing = ", ".join(name for name, value in pairs if not value)
    raise ConfigError(f"this call needs credentials for [{s.env}] ({missing} missing): {hint}")


def flag(name: str) -> bool:
    return (os.environ.get(name) or "").strip().lower() in ("1", "true", "yes", "on")
