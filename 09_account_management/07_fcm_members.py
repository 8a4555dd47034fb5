"""FCM members: their subtraders, and why everyone else gets 403 here.

Demonstrates: GET /trade-api/v2/fcm/subtraders (signed). Credentials: yes. Writes state: no.
Cost: 10 read tokens.

Who this is for: FCMs (futures commission merchants) clear for customers of their own, the
"subtraders". Their API (/fcm/orders, /fcm/fills, /fcm/positions, /fcm/subtraders, daily caps,
blocked categories, position transfers) is theirs alone; so is
GET /portfolio/summary/total_resting_order_value. A regular or direct member gets 403 on all of
it: that is expected, not a problem with your key. This script checks and says so politely.

Gotchas (late 2026):
- FCM endpoints want an unrestricted FCM member key; a subaccount-restricted key gets 403 too.
- A key bound to an FCM subtrader (`fcm_subtrader_id`) is for FIX and WebSocket only, and is
  refused on every REST endpoint.

Run: uv run python 09_account_management/07_fcm_members.py
"""

from __future__ import annotations

import auth
from auth.cli import narrator


def main() -> int:
    args = auth.parser(__doc__).parse_args()
    auth.banner("FCM members", args)
    say = narrator(args)
    try:
        body = auth.raw_get("/fcm/subtraders")
    except auth.KalshiError as exc:
        if exc.status != 403:
            raise
        if args.json:
            auth.print_json({"status": 403, "error": exc.code})
        say("GET /fcm/subtraders -> 403: this account is not an FCM member.")
        say("\nWhat to notice: that is the normal answer for regular and direct members; the /fcm")
        say("endpoints and total_resting_order_value are only for FCMs clearing for customers.")
        say("\nNext: uv run python 10_websocket/01_ws_ticker.py")
        auth.result(args, "not an FCM member (403), nothing to show")
        return 0
    if args.json:
        auth.print_json(body)
        auth.result(
            args, f"FCM member with {len(body.get('subtraders') or [])} subtrader(s) (JSON)"
        )
        return 0
    subtraders = body.get("subtraders") or []
    say(f"{len(subtraders)} subtrader(s)")
    for s in subtraders:
        say(f"  {s}")
    say("\nWhat to notice: each subtrader trades under this FCM's own caps and categories.")
    say("\nNext: uv run python 10_websocket/01_ws_ticker.py")
    auth.result(args, f"FCM member with {len(subtraders)} subtrader(s)")
    return 0


if __name__ == "__main__":
    auth.run(main)
