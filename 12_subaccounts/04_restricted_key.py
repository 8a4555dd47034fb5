"""An API key restricted to one subaccount: it sees and trades only that subaccount.

WRITES STATE: generates a new API key bound to your highest numbered subaccount, uses it for
a few reads, then deletes it before exiting, also on Ctrl+C or an error. The private key is
kept in memory only and never printed. KALSHI_ENV=prod is refused unless you pass --allow-prod.

Endpoints (credentials: yes): POST /api_keys/generate {name, subaccount}, then with the new key
GET /portfolio/balance, GET /portfolio/subaccounts/balances, GET /portfolio/positions?subaccount=0
(refused), POST /portfolio/subaccounts/transfer (refused); DELETE /api_keys/{id} with your key.

Gotchas (since July 2026):
- A restricted key defaults to its subaccount wherever `subaccount` is optional; naming any
  other one answers 403. List endpoints return only its subaccount's orders and fills.
- It cannot create subaccounts or move cash between them (intra-exchange transfers only within
  its own subaccount). /portfolio/balance omits `balance_breakdown` for it.
- Hand such keys to a strategy process: a bug there cannot touch the other subaccounts.

Run: uv run python 12_subaccounts/04_restricted_key.py [--dry-run]
"""

from __future__ import annotations

import time
import uuid

import requests
from cryptography.hazmat.primitives import serialization

import auth
from auth.cli import fail, narrator
from auth.fmt import usd
from auth.signing import Signer

HTTP = requests.Session()  # one session for the restricted key's calls


def call(signer: Signer, method: str, path: str, body=None, **params):
    """One request signed with the restricted key (auth's helpers sign with yours). A 429 means
    nothing was done: wait and send it again, freshly signed (at most three tries)."""
    s = auth.settings()
    for attempt in range(3):
        headers = signer.headers(method, s.rest_prefix + path)
        resp = HTTP.request(
            method, s.rest_base + path, json=body, params=params, headers=headers, timeout=10
        )
        if resp.status_code != 429 or attempt == 2:
            return resp
        time.sleep(1.1)  # the balance endpoint allows one call per second
    raise AssertionError("unreachable")


def main() -> int:
    args = auth.parser(__doc__, writes=True).parse_args()
    auth.guard_writes(args)
    auth.banner("A subaccount-restricted API key", args)
    say = narrator(args)
    if args.dry_run:
        auth.show_dry_run(
            "POST",
            "/api_keys/generate",
            {"name": "restricted", "subaccount": 1, "key_type": "ed25519"},
        )
        return 0

    numbered = [
        b["subaccount_number"]
        for b in auth.raw_get("/portfolio/subaccounts/balances")["subaccount_balances"]
        if b["subaccount_number"] > 0
    ]
    if not numbered:
        fail("you have no subaccount yet: run uv run python 12_subaccounts/01_create_subaccount.py")
    sub = max(numbered)
    made = auth.raw_post(
        "/api_keys/generate",
        {"name": f"restricted-{uuid.uuid4().hex[:6]}", "subaccount": sub, "key_type": "ed25519"},
    )
    key_id = made["api_key_id"]
    try:
        private = serialization.load_pem_private_key(made.pop("private_key").encode(), None)
        signer = Signer(key_id, private)  # type: ignore[arg-type]
        say(f"generated key {key_id[:8]}… restricted to subaccount {sub} (private key in memory)")
        bal = call(signer, "GET", "/portfolio/balance").json()
        seen = call(signer, "GET", "/portfolio/subaccounts/balances").json()["subaccount_balances"]
        other = call(signer, "GET", "/portfolio/positions", subaccount=0)
        move = call(
            signer,
            "POST",
            "/portfolio/subaccounts/transfer",
            {
                "client_transfer_id": str(uuid.uuid4()),
                "from_subaccount": sub,
                "to_subaccount": 0,
                "amount_cents": 1,
            },
        )
        if args.json:
            auth.print_json(
                {
                    "balance": bal,
                    "subaccount_balances": seen,
                    "positions_subaccount_0": other.json(),
                    "transfer": move.json(),
                }
            )
        breakdown = "present" if "balance_breakdown" in bal else "omitted"
        say(
            f"GET /portfolio/balance -> {usd(bal['balance_dollars'], 4)} (subaccount {sub}; "
            f"balance_breakdown {breakdown})"
        )
        numbers = [b["subaccount_number"] for b in seen]
        say(f"GET /portfolio/subaccounts/balances -> subaccounts {numbers}")
        say(
            f"GET /portfolio/positions?subaccount=0 -> {other.status_code} "
            f"{other.json().get('error', {}).get('message', '')}"
        )
        say(
            f"POST /portfolio/subaccounts/transfer  -> {move.status_code} "
            f"{move.json().get('error', {}).get('message', '')}"
        )
    finally:
        auth.raw_delete(f"/api_keys/{key_id}")
        say(f"cleanup: deleted key {key_id[:8]}…")

    say("\nWhat to notice: the key defaulted to its subaccount and was refused everything else.")
    say("Next: uv run python 12_subaccounts/05_netting.py")
    auth.result(
        args,
        f"restricted key saw subaccount(s) {[b['subaccount_number'] for b in seen]}; "
        f"other subaccount {other.status_code}, transfer {move.status_code}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
