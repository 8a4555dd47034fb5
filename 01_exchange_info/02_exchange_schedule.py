"""When is the exchange open? Weekly trading hours, maintenance windows, and "is it open now".

Demonstrates: `get_client().get_exchange_schedule()` from the official SDK, which is
GET /trade-api/v2/exchange/schedule.

Credentials: none (public endpoint). Writes state: no. Rate limit: 10 read tokens.

Gotchas (late 2026):
- `standard_hours` is a list of weekly schedules, each valid from `start_time` to `end_time`;
  pick the one in effect now. Each weekday holds zero or more sessions `{open_time, close_time}`
  as "HH:MM" strings in US Eastern time (ET), not UTC: convert with zoneinfo America/New_York,
  which also handles daylight saving.
- A session can close at "00:00" (midnight, end of the day): compare it as "24:00".
- `maintenance_windows` are absolute RFC 3339 datetimes; during one the exchange may be down
  entirely. The weekly Thursday 03:00-05:00 ET trading pause shows up as a gap in Thursday's hours.
- The old shape (`schedule.monday...` directly) is gone: the SDK 3.34 model reads the new one.

Run: uv run python 01_exchange_info/02_exchange_schedule.py
"""

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import auth
from auth.fmt import table, when

ET = ZoneInfo("America/New_York")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def close_key(session) -> str:
    """'HH:MM' that sorts correctly: a close at or before the open means midnight."""
    close = session.close_time
    return "24:00" if close <= session.open_time else close


def describe(sessions) -> str:
    return ", ".join(f"{s.open_time}-{close_key(s)}" for s in sessions) or "closed"


def main() -> int:
    args = auth.parser(__doc__).parse_args()
    auth.banner("Exchange schedule", args)

    reply = auth.get_client().get_exchange_schedule_with_http_info()  # typed .data, raw .raw_data
    if args.json:
        body = json.loads(reply.raw_data)
        auth.print_json(body)
        auth.result(
            args, f"{len(body['schedule']['maintenance_windows'])} maintenance window(s) (JSON)"
        )
        return 0

    schedule = reply.data.schedule

    now = datetime.now(ET)
    for week in schedule.standard_hours:
        print(f"Standard hours (ET), valid {when(week.start_time)} .. {when(week.end_time)}")
        rows = [(day.capitalize(), describe(getattr(week, day))) for day in DAYS]
        print(table(rows, ("day", "sessions (ET)")))
        print()

    # Is it open now? Find the weekly schedule in effect, then today's sessions in ET.
    current = next((w for w in schedule.standard_hours if w.start_time <= now < w.end_time), None)
    today = getattr(current, DAYS[now.weekday()]) if current else []
    clock = now.strftime("%H:%M")
    session = next((s for s in today if s.open_time <= clock < close_key(s)), None)
    maintenance = next(
        (m for m in schedule.maintenance_windows if m.start_datetime <= now < m.end_datetime),
        None,
    )

    print(f"Now: {now:%A %H:%M} ET ({datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ})")
    if maintenance:
        print(f"Open now: NO, maintenance until {when(maintenance.end_datetime)}")
    elif session:
        print(f"Open now: yes (session {session.open_time}-{close_key(session)} ET)")
    else:
        print(f"Open now: NO (today's sessions: {describe(today)})")

    upcoming = [m for m in schedule.maintenance_windows if m.end_datetime > now]
    print(f"\nUpcoming maintenance windows: {len(upcoming)}")
    if upcoming:
        rows = [(when(m.start_datetime), when(m.end_datetime)) for m in upcoming]
        print(table(rows, ("start (UTC)", "end (UTC)")))

    print(
        "\nWhat to notice: hours are ET wall-clock times, so the UTC opening time moves with "
        "daylight saving;\nmaintenance windows are absolute timestamps."
    )
    print("Next: uv run python 01_exchange_info/03_exchange_announcements.py")
    auth.result(
        args,
        f"open now: {'no (maintenance)' if maintenance else 'yes' if session else 'no'}; "
        f"{len(upcoming)} maintenance window(s) ahead",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
