"""Your API keys: id, name and scopes of each, and which one this script is using.

Demonstrates: `get_client().get_api_keys()` from the official SDK, which is
GET /trade-api/v2/api_keys (signed).

Credentials: yes. Writes state: no. Rate limit: 10 read tokens.

Gotchas (late 2026):
- Only public facts come back: the key id, the name you gave it, its scopes, an optional
  subaccount restriction. The private key is never stored by Kalshi and never returned: if you
  lose the PEM file, delete the key and make a new one.
- Scopes: `read` and `write` are the broad parents; child scopes (`read::portfolio_balance`,
  `write::trade`, `write::transfer`, ...) grant only their group. A read-only key gets 403 on
  order writes.
- `subaccount` set = the key may only read and trade that one subaccount.
- `api_key_region_expiration_ts`: when the account's location attestation for API use lapses.
- Demo and prod keys are separate: a demo key id is unknown on prod (401).

Run: uv run python 09_account_management/01_get_api_keys.py
"""

import json

import auth
from auth.fmt import table, when


def main() -> int:
    args = auth.parser(__doc__).parse_args()
    auth.banner("API keys", args)

    reply = auth.get_client().get_api_keys_with_http_info()
    if args.json:
        body = json.loads(reply.raw_data)
        auth.print_json(body)
        auth.result(args, f"{len(body['api_keys'])} API key(s) (JSON)")
        return 0

    in_use = auth.settings().key_id
    keys = reply.data.api_keys
    rows = [
        (
            k.api_key_id,
            k.name,
            ", ".join(str(getattr(s, "value", s)) for s in k.scopes) or "-",
            "-" if k.subaccount is None else k.subaccount,
            "<- this script" if k.api_key_id == in_use else "",
        )
        for k in keys
    ]
    print(table(rows, ("api_key_id", "name", "scopes", "subaccount", "")))
    print(f"\n{len(keys)} key(s)")
    if reply.data.api_key_region_expiration_ts:
        print(f"location attestation expires {when(reply.data.api_key_region_expiration_ts)}")

    print(
        "\nWhat to notice: no secret anywhere; the key id is an identifier, the PEM file on your "
        "disk is the\nonly copy of the private key."
    )
    print("Next: uv run python 09_account_management/02_account_limits.py")
    auth.result(args, f"{len(keys)} API key(s)")
    return 0


if __name__ == "__main__":
    auth.run(main)
