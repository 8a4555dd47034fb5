"""Your API usage tier, your trading volume toward the next ones, and the self-service upgrade.

Demonstrates:
  GET  /trade-api/v2/account/limits                            tier, buckets, grants
  GET  /trade-api/v2/account/api_usage_level/volume_progress   trailing-30-day volume, goals
  POST /trade-api/v2/account/api_usage_level/upgrade           (--upgrade) Basic -> Advanced

Credentials: yes. WRITES STATE only with --upgrade (a permanent grant; nothing to clean up).
Cost: 10 read tokens per read; the upgrade costs 30 write tokens.

Gotchas (late 2026):
- Advanced is self-service: the upgrade succeeds (201, empty body) when at least one of your
  last 100 orders was placed through the API, else 403. It is permanent and shows in `grants`.
- Expert, Premier, Paragon, Prime and Prestige are earned by trailing-30-day volume (a share of
  the exchange's volume: an "earn" goal to get there, a lower "keep" goal to stay) or granted
  manually. volume_progress is computed by a periodic job, so it lags your latest fills.
- /account/limits reports the tier in effect now, with bucket sizes: the numbers your client
  should throttle to. Advanced or above is needed to create subaccounts (12_subaccounts).

Run: uv run python 09_account_management/05_usage_tier.py [--upgrade]
"""

from __future__ import annotations

from decimal import Decimal

import auth
from auth.cli import narrator
from auth.fmt import qty, table, when


def main() -> int:
    p = auth.parser(__doc__)
    p.add_argument("--upgrade", action="store_true", help="ask for the Advanced tier (writes)")
    p.add_argument("--dry-run", action="store_true", help="with --upgrade: show it, send nothing")
    p.add_argument("--allow-prod", action="store_true", help="allow --upgrade on KALSHI_ENV=prod")
    args = p.parse_args()
    if args.upgrade:
        auth.guard_writes(args)
    auth.banner("API usage tier", args)
    say = narrator(args)
    if args.upgrade and args.dry_run:
        auth.show_dry_run("POST", "/account/api_usage_level/upgrade")
        return 0

    before = auth.raw_get("/account/limits")
    progress = auth.raw_get("/account/api_usage_level/volume_progress")["volume_progress"]
    upgraded = None
    if args.upgrade:
        try:
            auth.raw_post("/account/api_usage_level/upgrade")
            upgraded = True
        except auth.KalshiError as exc:
            if exc.status != 403:
                raise
            upgraded = False
            say("upgrade refused (403): none of your last 100 orders came through the API;")
            say("place one (05_orders/01_create_order.py) and run this again with --upgrade")
    limits = auth.raw_get("/account/limits") if upgraded else before
    if args.json:
        auth.print_json({"limits": limits, "volume_progress": progress})
        auth.result(args, f"tier {limits['usage_tier']} (JSON)")
        return 0

    say(
        f"usage tier  {limits['usage_tier']}"
        + (f" (was {before['usage_tier']})" if upgraded else "")
    )
    rows = [
        (lane, limits[lane]["refill_rate"], limits[lane]["bucket_capacity"])
        for lane in ("read", "write")
    ]
    say(table(rows, ("bucket", "tokens/s", "capacity"), right="12"))
    for g in limits["grants"]:
        expiry = when(g["expires_ts"]) if g.get("expires_ts") else "permanent"
        say(f"grant: {g['level']} on {g['exchange_instance']} ({g['source']}, {expiry})")
    if not limits["grants"]:
        say("grants: none")
    for snap in progress:
        volume = Decimal(snap["trailing_30d_volume_fp"])
        computed = when(snap["computed_ts"])
        say(f"\ntrailing 30-day volume {qty(volume)} contracts (computed {computed})")
        goal_rows = [
            (
                g["level"],
                qty(g["earn_volume_goal_fp"]),
                qty(g["keep_volume_goal_fp"]),
                "reached" if volume >= Decimal(g["earn_volume_goal_fp"]) else "",
            )
            for g in snap["goals"]
        ]
        say(table(goal_rows, ("level", "earn at", "keep at", ""), right="12"))

    say("\nWhat to notice:")
    say("  - Basic -> Advanced is one call once you trade through the API; the rest is volume.")
    say("  - The limits endpoint changes at once: throttle to what it says, not to a constant.")
    say("\nNext: uv run python 09_account_management/06_create_delete_api_key.py")
    total = progress[0]["trailing_30d_volume_fp"] if progress else "0"
    auth.result(
        args,
        f"tier {limits['usage_tier']}, 30-day volume {qty(total)}"
        + {None: "", True: ", upgraded", False: ", upgrade refused"}[upgraded],
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
