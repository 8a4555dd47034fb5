"""Create an API key, see it listed, and delete it.

WRITES STATE: generates one API key (Ed25519 by default) and deletes it before exiting, also on
Ctrl+C or an error. With --keep it stays, and its private key is written to --save PATH (mode
0600); without --keep the private key is never written or printed. KALSHI_ENV=prod is refused
unless you pass --allow-prod.

Endpoints (credentials: yes):
  POST   /trade-api/v2/api_keys/generate  {name, key_type?, scopes?, subaccount?}
         -> 201 {api_key_id, private_key}: Kalshi makes the pair and keeps only the public half
  POST   /trade-api/v2/api_keys           {name, public_key (PEM), ...} -> 201 {api_key_id}:
         the alternative where you generate the pair yourself (not shown here)
  GET    /trade-api/v2/api_keys           the list, to see it
  DELETE /trade-api/v2/api_keys/{id}      -> 204
Cost: 10 tokens each.

Gotchas (late 2026):
- The private key is in the generate response ONLY: save it then or the key is useless.
  RSA keys come as PKCS#1 PEM, Ed25519 as PKCS#8.
- `scopes` defaults to read and write; ["read"] makes a read-only key (403 on writes).
  `subaccount` binds the key to one subaccount (12_subaccounts/04_restricted_key.py).
- Creating keys with your own public key needs the Premier or Market-Maker level on Kalshi;
  generate works on every level.

Run: uv run python 09_account_management/06_create_delete_api_key.py [--read-only] [--dry-run]
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import auth
from auth.cli import fail, narrator


def main() -> int:
    p = auth.parser(__doc__, writes=True)
    p.add_argument("--key-type", choices=("ed25519", "rsa"), default="ed25519")
    p.add_argument("--read-only", action="store_true", help="scopes: read only")
    p.add_argument("--save", type=Path, help="with --keep: write the private key here (0600)")
    args = p.parse_args()
    if args.keep and not args.save:
        fail("--keep needs --save PATH: without the private key a kept key is useless")
    if args.save and args.save.exists():
        fail(f"{args.save} exists; choose a new path")
    auth.guard_writes(args)
    auth.banner("Create and delete an API key", args)
    say = narrator(args)
    body = {
        "name": f"example-{uuid.uuid4().hex[:6]}",
        "key_type": args.key_type,
        "scopes": ["read"] if args.read_only else ["read", "write"],
    }
    if args.dry_run:
        auth.show_dry_run("POST", "/api_keys/generate", body)
        return 0

    made = auth.raw_post("/api_keys/generate", body)
    key_id = made["api_key_id"]
    deleted = False
    try:
        private_pem = made.pop("private_key")  # never printed
        say(
            f"generated {args.key_type} key {key_id} named {body['name']!r} "
            f"(private key: {len(private_pem)} bytes of PEM, in this response only)"
        )
        listed = auth.raw_get("/api_keys")["api_keys"]
        mine = next(k for k in listed if k["api_key_id"] == key_id)
        if args.json:
            auth.print_json({"generated": made, "listed": mine})
        say(f"GET /api_keys lists it: name {mine['name']!r}, scopes {mine['scopes']}")
        if args.keep:
            fd = os.open(args.save, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(private_pem)
            say(
                f"--keep: private key saved to {args.save}; delete the key with "
                f"DELETE /api_keys/{key_id}"
            )
        else:
            auth.raw_delete(f"/api_keys/{key_id}")
            deleted = True
            say(f"DELETE /api_keys/{key_id} -> 204")
    finally:
        if not args.keep and not deleted:
            auth.raw_delete(f"/api_keys/{key_id}")
            say(f"cleanup: deleted {key_id}")
    still = any(k["api_key_id"] == key_id for k in auth.raw_get("/api_keys")["api_keys"])
    say(f"listed afterwards: {'yes' if still else 'no'}")
    say("\nWhat to notice: the private key exists only in the generate response.")
    say("Next: uv run python 09_account_management/07_fcm_members.py")
    auth.result(
        args,
        f"key {key_id[:8]} created with scopes {body['scopes']} and "
        + ("kept" if still else "deleted"),
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
