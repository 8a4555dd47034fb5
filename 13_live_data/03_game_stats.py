"""A game's play by play: every scoring play and the score after it, period by period.

Demonstrates: GET /trade-api/v2/live_data/milestone/{milestone_id}/game_stats with `raw_get`.
Without `--milestone` it takes the most recent game that has started.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call (2-3 calls).

Gotchas (late 2026):
- The answer is `{"pbp": {"periods": [{"events": [...]}, ...]}}`: one entry per period
  started; the fields of an event are sport-specific (the spec leaves them open).
- A game not yet started has no periods; an unknown milestone answers 404.
- Play by play is for after-the-fact analysis; for the live score poll live data
  (13_live_data/02_follow_game.py), which is lighter.

Run: uv run python 13_live_data/03_game_stats.py --last 5
"""

import auth
from auth.cli import fail
from auth.fmt import table


def main() -> int:
    p = auth.parser(__doc__)
    p.add_argument("--milestone", help="milestone id (default: the latest game that started)")
    p.add_argument("--last", type=int, default=8, help="scoring plays to show (default 8)")
    args = p.parse_args()
    auth.banner("Game stats (play by play)", args)

    mid = args.milestone
    if not mid:
        games = auth.raw_get("/milestones", limit=100, category="Sports")["milestones"]
        batch = auth.raw_get("/live_data/batch", milestone_ids=[g["id"] for g in games])
        started = [d for d in batch["live_datas"] if d["details"].get("status") != "none"]
        if not started:
            fail("no game has started yet; pass --milestone")
        mid = started[-1]["milestone_id"]
    pbp = auth.raw_get(f"/live_data/milestone/{mid}/game_stats")["pbp"]
    if args.json:
        auth.print_json({"pbp": pbp})
        auth.result(args, f"play by play of milestone {mid} (JSON)")
        return 0

    periods = pbp.get("periods") or []
    plays = [e for period in periods for e in period["events"]]
    scoring = [e for e in plays if e.get("points")]
    print(
        table(
            (
                (i + 1, len(p["events"]), sum(e["points"] for e in p["events"]))
                for i, p in enumerate(periods)
            ),
            ("period", "plays", "points"),
            "012",
        )
    )
    print(f"\nLast {min(args.last, len(scoring))} scoring plays:")
    print(
        table(
            (
                (
                    e["period"],
                    e["clock"],
                    e["team"],
                    e["points"],
                    f"{e['away_points']}-{e['home_points']}",
                    e["description"],
                )
                for e in scoring[-args.last :]
            ),
            ("period", "clock", "team", "pts", "score", "play"),
            "03",
        )
    )
    score = f"{plays[-1]['away_points']}-{plays[-1]['home_points']}" if plays else "0-0"
    print(
        "\nWhat to notice: the last event's running score is the live score; periods appear "
        "as they start."
    )
    print("Next: uv run python 13_live_data/04_crypto_index.py")
    auth.result(args, f"{len(plays)} plays in {len(periods)} periods, score {score}")
    return 0


if __name__ == "__main__":
    auth.run(main)
