"""Your first signed request, by hand (only `requests` and `cryptography`), then the same call
through the official SDK. Nothing from this project's `auth/` module: this is all it takes.

Endpoint: GET /trade-api/v2/portfolio/balance (SDK: `get_balance`). Credentials: yes.
Cost: 10 read tokens per call (two calls). Read-only.

How Kalshi signs (docs.kalshi.com, "API keys"):
- Three headers: KALSHI-ACCESS-KEY (your key id), KALSHI-ACCESS-TIMESTAMP (now, in
  milliseconds) and KALSHI-ACCESS-SIGNATURE.
- The signed text is timestamp + METHOD + path, where path is the full path from the host
  (`/trade-api/v2/portfolio/balance`) WITHOUT the query string.
- RSA keys sign with RSA-PSS, SHA-256, MGF1-SHA-256, salt length 32 (= digest length); the
  signature travels base64-encoded. The timestamp must be close to the server's clock.

Offline, start the local exchange in another terminal (`uv run python -m sandbox`): it writes
its `demo` user's key id and key file to .sandbox/credentials.env, which this script reads.
Elsewhere set KALSHI_ENV=demo, KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH.

Run: KALSHI_ENV=local uv run python 00_quickstart/01_sign_and_send.py
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import os
import sys
import time
from pathlib import Path

import requests
import urllib3  # requests is built on it; the SDK too
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

HOSTS = {"demo": "https://external-api.demo.kalshi.co", "prod": "https://external-api.kalshi.com"}
ROOT = Path(__file__).resolve().parent.parent


def sign(private_key, method: str, path: str) -> dict[str, str]:
    """The three KALSHI-ACCESS-* headers for METHOD path (the path without its query)."""
    timestamp = str(int(time.time() * 1000))
    message = (timestamp + method + path.split("?")[0]).encode()
    signature = private_key.sign(
        message,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
        hashes.SHA256(),
    )
    return {
        "KALSHI-ACCESS-KEY": os.environ["KALSHI_API_KEY_ID"],
        "KALSHI-ACCESS-TIMESTAMP": timestamp,
        "KALSHI-ACCESS-SIGNATURE": base64.b64encode(signature).decode(),
    }


def configure(say=print) -> str:
    """The base URL; for KALSHI_ENV=local also the local exchange's credentials file."""
    env = os.environ.get("KALSHI_ENV") or "demo"
    if env == "local":
        base = os.environ.get("KALSHI_LOCAL_URL") or "http://127.0.0.1:8765"
        creds = Path(os.environ.get("KALSHI_SANDBOX_DIR") or ROOT / ".sandbox") / "credentials.env"
        if not os.environ.get("KALSHI_API_KEY_ID") and creds.is_file():
            for line in creds.read_text().splitlines():
                name, _, value = line.partition("=")
                if name in ("KALSHI_API_KEY_ID", "KALSHI_PRIVATE_KEY_PATH") and value:
                    os.environ[name] = str(creds.parent / value) if "PATH" in name else value
    elif env in HOSTS:
        base = HOSTS[env]
    else:
        sys.exit(f"configuration error: KALSHI_ENV={env!r}: use local, demo or prod")
    missing = [n for n in ("KALSHI_API_KEY_ID", "KALSHI_PRIVATE_KEY_PATH") if not os.environ.get(n)]
    if missing:
        hint = " (start the local exchange first)" if env == "local" else ""
        sys.exit(f"configuration error: set {' and '.join(missing)}{hint}")
    say(f"[{env}] Sign and send  ({base}/trade-api/v2)")
    return base


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--json", action="store_true", help="print the raw JSON response instead")
    args = p.parse_args()
    # The human view goes to stderr under --json, so stdout is the JSON alone.
    say = functools.partial(print, file=sys.stderr if args.json else sys.stdout)
    base = configure(say)
    key_file = Path(os.environ["KALSHI_PRIVATE_KEY_PATH"]).expanduser()
    private_key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)

    # 1. By hand: sign, send, read the JSON.
    path = "/trade-api/v2/portfolio/balance"
    # A 429 means nothing was done: wait and send again, signed anew (the timestamp is signed).
    for attempt in range(4):
        try:
            resp = requests.get(base + path, headers=sign(private_key, "GET", path), timeout=10)
        except requests.RequestException as exc:
            print(f"error: no answer from {base}: {type(exc).__name__}", file=sys.stderr)
            return 1
        if resp.status_code != 429:
            break
        time.sleep(0.5 * 2**attempt)
    if resp.status_code != 200:
        print(f"error: HTTP {resp.status_code}: {resp.text[:200]}", file=sys.stderr)
        return 1
    by_hand = resp.json()
    if args.json:
        print(json.dumps(by_hand, indent=2))
    say(f"\n1. by hand:  GET {path} -> {resp.status_code}")
    say(f"   balance {by_hand['balance']} cents (${by_hand['balance'] / 100:.2f})")

    # 2. The official SDK signs the same way (it accepts your key id and PEM text).
    import kalshi_python_sync  # ~0.4 s to import: it carries a model for every endpoint

    config = kalshi_python_sync.Configuration(host=base + "/trade-api/v2")
    config.api_key_id = os.environ["KALSHI_API_KEY_ID"]
    config.private_key_pem = key_file.read_text()
    # The SDK does not retry a 429 by itself. A 429 means nothing was done, so resending is safe;
    # the balance endpoint has a small bucket of its own, and call 1 just used it.
    config.retries = urllib3.Retry(total=4, status_forcelist=(429,), backoff_factor=0.5)
    try:
        balance = kalshi_python_sync.KalshiClient(config).get_balance()
    except (kalshi_python_sync.ApiException, urllib3.exceptions.HTTPError) as exc:
        print(f"error: the SDK call failed: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    say(f"\n2. the SDK:  KalshiClient(config).get_balance() -> balance {balance.balance} cents")

    same = "same" if balance.balance == by_hand["balance"] else "DIFFERENT"
    say("\nWhat to notice:")
    say("  - The signature covers timestamp + method + path: a new one for every request.")
    say("  - The SDK does exactly this under the hood; auth/ does it once per process.")
    say("\nNext: uv run python 01_exchange_info/01_exchange_status.py")
    say(f"RESULT: balance {by_hand['balance']} cents by hand and via the SDK ({same})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
