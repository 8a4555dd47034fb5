"""Users and their key files: the `demo` user on first start, and `add-user` for more.

A user gets an account in the exchange (with a starting balance) and an API key whose private PEM
is written to `DATA_DIR/keys/NAME.pem` (mode 0600). The demo user's credentials also go to
`DATA_DIR/credentials.env`, which the auth module reads when KALSHI_ENV=local.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from sandbox.http.errors import ApiError
from sandbox.http.keys import SCOPES, KeyRegistry
from sandbox.seed.funding import seed_funding

USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")  # also a file name: keys/NAME.pem
DEMO_USER = "demo"
DEMO_BALANCE = Decimal("1000.00")
CREDENTIALS_FILE = "credentials.env"


@dataclass(frozen=True)
class Credentials:
    user_id: str
    api_key_id: str
    pem_path: Path

    def env_lines(self) -> str:
        return f"KALSHI_API_KEY_ID={self.api_key_id}\nKALSHI_PRIVATE_KEY_PATH={self.pem_path}\n"


def add_user(
    exchange: Any,
    keys: KeyRegistry,
    data_dir: Path,
    name: str,
    balance: Decimal,
    *,
    key_type: str = "rsa",
    read_only: bool = False,
    rekey: bool = False,
    member_type: str = "regular",
) -> Credentials:
    """Create `name` with `balance`, `member_type` ("regular", "direct" or "fcm"; the last two
    keep balances to $0.0001) and a fresh API key written to keys/NAME.pem. An existing user
    is refused (409) unless `rekey`: then it keeps its account and gets a new key."""
    if not USER_NAME.fullmatch(name):
        raise ApiError(400, "invalid_parameters", "user names are 1-64 of A-Z a-z 0-9 _ . -")
    if not exchange.has_user(name):
        with exchange.operation():  # the user and its funding history, or nothing
            exchange.add_user(name, 0, member_type)
            # Deposits are whole cents (spec); a direct member's sub-cent rest is credited as is.
            cents = balance.quantize(Decimal("0.01"), rounding=ROUND_DOWN)
            seed_funding(exchange, name, cents, demo=name == DEMO_USER)
            if balance > cents:
                exchange.deposit(name, balance - cents)
    elif not rekey:
        raise ApiError(409, "user_already_exists", f"user {name} already exists")
    scopes = ("read",) if read_only else SCOPES
    key, private_pem = keys.generate(name, f"{name}-{key_type}", key_type, scopes)
    path = write_pem(data_dir, name, private_pem)
    return Credentials(name, key.api_key_id, path)


def adopt_user(exchange: Any, user_id: str) -> bool:
    """Load a user that another process (`add-user` while this server runs) created.

    The engine keeps its state in memory and writes it through to SQLite, so a user added by
    another process is in the database but not in this server's memory. Its accounts are read
    back here the first time one of its keys is used. Returns whether the user now exists.
    """
    return exchange.load_user(user_id)


def write_pem(data_dir: Path, name: str, pem: str) -> Path:
    folder = (data_dir / "keys").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(pem)
    os.chmod(path, 0o600)
    return path


def ensure_demo(exchange: Any, keys: KeyRegistry, data_dir: Path) -> Path:
    """On first start (or when its files are gone): the demo user, its key, credentials.env."""
    creds_file = data_dir.resolve() / CREDENTIALS_FILE
    current = _read_env(creds_file)
    pem = Path(current.get("KALSHI_PRIVATE_KEY_PATH", ""))
    key_id = current.get("KALSHI_API_KEY_ID", "")
    if key_id and pem.is_file() and keys.get(key_id) is not None and exchange.has_user(DEMO_USER):
        return creds_file
    creds = add_user(exchange, keys, data_dir, DEMO_USER, DEMO_BALANCE, rekey=True)
    creds_file.write_text(
        "# Written by the local Kalshi exchange (python -m sandbox) for the demo user.\n"
        + creds.env_lines()
    )
    return creds_file


def _read_env(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            out[name.strip()] = value.strip()
    return out
