"""Milestones (the games behind sports markets) and structured targets (the teams in them).

Demonstrates: GET /trade-api/v2/milestones (filters `category`, `competition`, `type`,
`minimum_start_date`, `related_event_ticker`; `limit` is required), GET /milestones/{id} and
GET /structured_targets?ids=... with `raw_get`.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call (3 calls).

Gotchas (late 2026):
- `limit` is required on GET /milestones (1-500); the page cursor is `cursor`.
- A milestone links to its events: `primary_event_tickers` (decided by this game) and
  `related_event_tickers`. Go from there to the markets with GET /markets?event_ticker=.
- The milestone's own `details.status` comes from a slow background job and lags the game (it
  can still say "live" after the final whistle). For the game's state use live data:
  13_live_data/02_follow_game.py.
- Structured targets page with `page_size` (not `limit`); pass several `ids` as repeated keys.

Run: uv run python 13_live_data/01_milestones_and_targets.py --competition "Pro Basketball (M)"
"""

import auth
from auth.cli import fail
from auth.fmt import table, when


def main() -> int:
    p = auth.parser(__doc__, limit=20)
    p.add_argument("--competition", help='e.g. "Pro Football" (see 02_market_discovery/07)')
    p.add_argument("--type", help="milestone type, e.g. basketball_game")
    args = p.parse_args()
    if not 1 <= args.limit <= 500:
        fail("--limit must be between 1 and 500")
    auth.banner("Milestones and structured targets", args)

    found = auth.raw_get(
        "/milestones",
        limit=args.limit,
        category="Sports",
        competition=args.competition,
        type=args.type,
    )["milestones"]
    if not found:
        fail("no milestone matches; try without --competition/--type")
    one = auth.raw_get(f"/milestones/{found[0]['id']}")["milestone"]
    details = one["details"]
    ids = [details.get("away_structured_target_id"), details.get("home_structured_target_id")]
    targets = auth.raw_get("/structured_targets", ids=[i for i in ids if i])["structured_targets"]
    if args.json:
        auth.print_json({"milestones": found, "milestone": one, "structured_targets": targets})
        auth.result(args, f"{len(found)} milestones, {len(targets)} teams (JSON)")
        return 0

    rows = (
        (
            when(m["start_date"]),
            m["type"],
            m["title"],
            m["details"].get("status", "-"),
            ", ".join(m["primary_event_tickers"]),
        )
        for m in found
    )
    print(table(rows, ("starts", "type", "title", "status (lags)", "event")))
    print(f"\nMilestone {one['id']}: {one['title']} ({one['details'].get('competition')})")
    print(
        table(
            (
                (
                    t["name"],
                    t["type"],
                    t["details"].get("league"),
                    t["details"].get("division"),
                    t["id"],
                )
                for t in targets
            ),
            ("team", "type", "league", "division", "structured target id"),
        )
    )
    print(
        "\nWhat to notice: milestones say which game decides which event; the milestone's "
        "status lags,\nso follow the game with live data."
    )
    print("Next: uv run python 13_live_data/02_follow_game.py --seconds 30")
    auth.result(args, f"{len(found)} milestones, {len(targets)} teams of {one['title']}")
    return 0


if __name__ == "__main__":
    auth.run(main)
