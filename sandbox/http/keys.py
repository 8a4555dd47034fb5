"""API keys: the `api_keys` table (in the exchange's SQLite file) and a cache of parsed public keys.

Kalshi never stores private keys; neither do we. `generate` returns the private PEM once (RSA in
PKCS#1, Ed25519 in PKCS#8, as Kalshi hands them out) and keeps only the public half. Parsed public
keys are cached per key id, so a signature check costs one verify and no PEM parsing. A key added
by another process (`python -m sandbox add-user` while a server runs) is found on first use.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from sandbox.http.errors import ApiError

SCOPES = ("read", "write")
PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    api_key_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    public_key TEXT NOT NULL,
    scopes TEXT NOT NULL,
    subaccount INTEGER,
    created_ts INTEGER NOT NULL
)
"""


@dataclass(frozen=True)
class ApiKey:
    api_key_id: str
    user_id: str
    name: str
    scopes: tuple[str, ...]
    subaccount: int | None
    public_key: PublicKey

    def to_json(self) -> dict:
        out: dict = {"api_key_id": self.api_key_id, "name": self.name, "scopes": list(self.scopes)}
        if self.subaccount is not None:
            out["subaccount"] = self.subaccount
        return out


def parse_public_key(pem: str | bytes) -> PublicKey:
    """A PEM public key (RSA or Ed25519), or 400 saying what is wrong with it."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise ApiError(400, "invalid_public_key", "public_key is not a PEM public key") from None
    if not isinstance(key, rsa.RSAPublicKey | ed25519.Ed25519PublicKey):
        raise ApiError(400, "invalid_public_key", "public_key must be RSA or Ed25519")
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < 2048:
        raise ApiError(400, "invalid_public_key", "RSA keys must have at least 2048 bits")
    return key


def new_private_key(key_type: str) -> tuple[PublicKey, str]:
    """A fresh key pair: (public key, private PEM)."""
    priv: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    if key_type == "ed25519":
        priv = ed25519.Ed25519PrivateKey.generate()
        fmt = serialization.PrivateFormat.PKCS8
    elif key_type == "rsa":
        priv = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        fmt = serialization.PrivateFormat.TraditionalOpenSSL  # PKCS#1, like Kalshi's downloads
    else:
        raise ApiError(400, "invalid_parameters", "key_type must be rsa or ed25519")
    pem = priv.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())
    return priv.public_key(), pem.decode()


def check_scopes(scopes: object) -> tuple[str, ...]:
    if scopes is None:
        return SCOPES
    if not isinstance(scopes, list) or not scopes or any(s not in SCOPES for s in scopes):
        raise ApiError(400, "invalid_parameters", f"scopes must be a non-empty subset of {SCOPES}")
    if "write" in scopes and "read" not in scopes:
        raise ApiError(400, "invalid_parameters", "the write scope requires the read scope")
    return tuple(dict.fromkeys(scopes))


class KeyRegistry:
    """API keys of every user, backed by the exchange database."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._cache: dict[str, ApiKey] = {}
        with conn:
            conn.execute(_SCHEMA)

    def get(self, api_key_id: str) -> ApiKey | None:
        key = self._cache.get(api_key_id)
        if key is None:
            row = self.conn.execute(
                "SELECT api_key_id, user_id, name, scopes, subaccount, public_key"
                " FROM api_keys WHERE api_key_id = ?",
                (api_key_id,),
            ).fetchone()
            if row is None:
                return None
            key = self._cache[api_key_id] = _row_to_key(row)
        return key

    def list(self, user_id: str) -> list[ApiKey]:
        rows = self.conn.execute(
            "SELECT api_key_id, user_id, name, scopes, subaccount, public_key"
            " FROM api_keys WHERE user_id = ? ORDER BY created_ts, api_key_id",
            (user_id,),
        ).fetchall()
        return [_row_to_key(r) for r in rows]

    def add(
        self,
        user_id: str,
        name: str,
        public_key: PublicKey,
        scopes: tuple[str, ...] = SCOPES,
        subaccount: int | None = None,
    ) -> ApiKey:
        pem = public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        key = ApiKey(str(uuid.uuid4()), user_id, name, scopes, subaccount, public_key)
        with self.conn:
            self.conn.execute(
                "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key.api_key_id,
                    user_id,
                    name,
                    pem,
                    json.dumps(scopes),
                    subaccount,
                    time.time_ns() // 1000,
                ),
            )
        self._cache[key.api_key_id] = key
        return key

    def generate(
        self,
        user_id: str,
        name: str,
        key_type: str = "rsa",
        scopes: tuple[str, ...] = SCOPES,
        subaccount: int | None = None,
    ) -> tuple[ApiKey, str]:
        """Create a key pair, register its public half, return (key, private PEM)."""
        public, private_pem = new_private_key(key_type)
        return self.add(user_id, name, public, scopes, subaccount), private_pem

    def keep_only(self, user_ids: set[str]) -> None:
        """Delete every key of every other user (a reset). No transaction of its own: inside
        the caller's, on a shared connection."""
        marks = ",".join("?" * len(user_ids))
        self.conn.execute(f"DELETE FROM api_keys WHERE user_id NOT IN ({marks})", tuple(user_ids))
        self._cache.clear()  # a miss reads the table again

    def delete(self, user_id: str, api_key_id: str) -> bool:
        with self.conn:
            cur = self.conn.execute(
                "DELETE FROM api_keys WHERE api_key_id = ? AND user_id = ?", (api_key_id, user_id)
            )
        self._cache.pop(api_key_id, None)
        return cur.rowcount > 0


def _row_to_key(row) -> ApiKey:
    key_id, user_id, name, scopes, subaccount, pem = tuple(row)
    public = serialization.load_pem_public_key(pem.encode())
    assert isinstance(public, rsa.RSAPublicKey | ed25519.Ed25519PublicKey)
    return ApiKey(key_id, user_id, name, tuple(json.loads(scopes)), subaccount, public)
