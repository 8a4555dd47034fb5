"""Request signing: the private key is read and parsed once per process, then reused.

Kalshi's pre-sign text is `timestamp_ms + METHOD + path`, where path is the full URL path from the
host root (`/trade-api/v2/portfolio/orders`, or `/trade-api/ws/v2` for the WebSocket handshake)
without the query string. RSA keys sign with RSA-PSS / SHA-256 / MGF1-SHA-256 and a 32-byte salt;
Ed25519 keys sign the same text with Ed25519. The signature travels base64-encoded.
"""

from __future__ import annotations

import base64
import time
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from auth.config import Settings, mask, require_credentials
from auth.errors import ConfigError

_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)


class Signer:
    """Signs requests for one API key. Its repr never shows key material."""

    def __init__(self, key_id: str, private_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        self.key_id = key_id
        self._key = private_key

    @property
    def key_type(self) -> str:
        return "ed25519" if isinstance(self._key, ed25519.Ed25519PrivateKey) else "rsa"

    def sign(self, text: str) -> str:
        message = text.encode()
        if isinstance(self._key, ed25519.Ed25519PrivateKey):
            raw = self._key.sign(message)
        else:
            raw = self._key.sign(message, _PSS, hashes.SHA256())
        return base64.b64encode(raw).decode()

    def headers(self, method: str, path: str, timestamp_ms: int | None = None) -> dict[str, str]:
        """The three KALSHI-ACCESS-* headers for `METHOD path` (path without query)."""
        ts = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
        path = path.split("?", 1)[0]
        return {
            "KALSHI-ACCESS-KEY": self.key_id,
            "KALSHI-ACCESS-TIMESTAMP": ts,
            "KALSHI-ACCESS-SIGNATURE": self.sign(ts + method.upper() + path),
        }

    def create_auth_headers(self, method: str, url: str) -> dict[str, str]:
        """The official SDK's signer interface (KalshiAuth), so the SDK reuses our parsed key."""
        from urllib.parse import urlparse

        return self.headers(method, urlparse(url).path if "://" in url else url)

    def __repr__(self) -> str:
        return f"Signer(key_id={mask(self.key_id)!r}, key_type={self.key_type!r})"


def load_private_key(path: Path) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    """Parse a PEM private key (RSA in PKCS#1 or PKCS#8, or Ed25519), with messages that say
    what is wrong and never what the file contains."""
    where = f"KALSHI_PRIVATE_KEY_PATH={path}"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{where}: no such file; point it at the .pem you downloaded") from None
    except IsADirectoryError:
        raise ConfigError(f"{where}: is a directory, not a .pem file") from None
    except PermissionError:
        raise ConfigError(f"{where}: not readable by this user (check its permissions)") from None
    except OSError as exc:
        raise ConfigError(f"{where}: cannot be read ({exc.strerror})") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise ConfigError(f"{where}: the key is password-protected; Kalshi keys are not") from None
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError(
            f"{where}: not a PEM private key (expected '-----BEGIN ... PRIVATE KEY-----', "
            "RSA or Ed25519, as downloaded from Kalshi)"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey):
        raise ConfigError(f"{where}: a {type(key).__name__}; Kalshi keys are RSA or Ed25519")
    return key


def signer_for(config: Settings) -> Signer:
    """A signer for these settings, or ConfigError if their credentials are missing or bad."""
    s = require_credentials(config)
    assert s.key_id and s.key_path  # require_credentials guarantees both
    return Signer(s.key_id, load_private_key(s.key_path))


def signer() -> Signer:
    """The process-wide signer (the default client's): the key is parsed on first use only."""
    from auth.client import default

    return default().signer
