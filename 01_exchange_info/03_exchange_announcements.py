"""Exchange announcements: an endpoint Kalshi retired, and what to read instead.

Demonstrates: GET /trade-api/v2/exchange/announcements with `raw_get` (and cursor pagination,
where a server still serves it). Kalshi removed the endpoint on 2026-07-04: today it answers
404 and that is the expected outcome, so this script then exits 0 and shows what replaces it:
the upcoming maintenance windows (GET /exchange/schedule) and the exchange's estimated resume
time (GET /exchange/status).

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call (3 calls).

Gotchas (late 2026):
- Why raw_get and not the SDK: `get_exchange_announcements` left kalshi-python-sync in 3.23.0,
  together with the endpoint; the pinned 3.34 has no method for it.
- The former shape was `{announcements: [{type: info|warning|error, message, delivery_time,
  status: active|inactive}]}`; code that still polls it should treat 404 as "no announcements".
- `--json` prints the served pages, or (on 404) the replacement facts as one JSON object.
- Planned downtime now lives in the schedule's `maintenance_windows`; unplanned downtime shows up
  as `exchange_active: false` with an `exchange_estimated_resume_time`.

Run: uv run python 01_exchange_info/03_exchange_announcements.py
"""

from datetime import UTC, datetime

import auth
from auth.fmt import table, when
from auth.paging import pages

RETIRED = "2026-07-04"


def main() -> int:
    args = auth.parser(__doc__, limit=100).parse_args()
    auth.banner("Exchange announcements", args)

    try:
        served = list(pages("/exchange/announcements", limit=args.limit, max_pages=10))
    except auth.NotFound as err:  # retired on Kalshi: answers 404
        return show_replacements(args, err)

    announcements = [a for page in served for a in page.get("announcements") or []]
    if args.json:
        auth.print_json(served[0] if len(served) == 1 else served)
        auth.result(args, f"{len(announcements)} announcement(s) on {len(served)} page(s) (JSON)")
        return 0
    print(f"This server still serves the endpoint (retired on Kalshi on {RETIRED}).")
    rows = [
        (when(a.get("delivery_time")), a.get("type"), a.get("status"), a.get("message"))
        for a in announcements
    ]
    print(table(rows, ("delivered", "type", "status", "message")))
    print(f"\n{len(announcements)} announcement(s) on {len(served)} page(s).")
    print("Next: uv run python 02_market_discovery/01_list_series.py")
    auth.result(args, f"{len(announcements)} announcement(s) on {len(served)} page(s)")
    return 0


def show_replacements(args, err: auth.KalshiError) -> int:
    """The endpoint is gone (404): show where its information lives now."""
    now = datetime.now(UTC)
    status = auth.raw_get("/exchange/status")
    windows = auth.raw_get("/exchange/schedule")["schedule"]["maintenance_windows"]
    upcoming = [w for w in windows if datetime.fromisoformat(w["end_datetime"]) > now]

    if args.json:
        auth.print_json(
            {
                "announcements_status": err.status,
                "retired": RETIRED,
                "exchange_active": status.get("exchange_active"),
                "exchange_estimated_resume_time": status.get("exchange_estimated_resume_time"),
                "upcoming_maintenance_windows": upcoming,
            }
        )
        auth.result(args, f"announcements retired ({err.status}); {len(upcoming)} window(s) (JSON)")
        return 0

    print(f"GET /exchange/announcements -> HTTP {err.status}: expected.")
    print(
        f"Kalshi retired this endpoint on {RETIRED} (and the SDK dropped its method).\n"
        "Its information now comes from two other calls:\n"
    )
    print("1. GET /exchange/status")
    print(f"   exchange_active                 {status.get('exchange_active')}")
    print(
        f"   exchange_estimated_resume_time  {when(status.get('exchange_estimated_resume_time'))}"
    )
    print(f"\n2. GET /exchange/schedule: {len(upcoming)} upcoming maintenance window(s)")
    if upcoming:
        rows = [(when(w["start_datetime"]), when(w["end_datetime"])) for w in upcoming]
        print(table(rows, ("start (UTC)", "end (UTC)")))

    print(
        "\nWhat to notice: a retired endpoint answers 404, not an empty list; handle it as "
        "'no announcements'\nand watch the schedule and the status instead."
    )
    print("Next: uv run python 02_market_discovery/01_list_series.py")
    auth.result(args, f"retired (HTTP {err.status}); {len(upcoming)} maintenance window(s) ahead")
    return 0


if __name__ == "__main__":
    auth.run(main)
