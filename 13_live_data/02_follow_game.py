"""Follow a game live: score, clock and status from live data, and its market's price.

Demonstrates: GET /trade-api/v2/live_data/batch?milestone_ids=... (the batch endpoint, one call
for up to 100 games) and GET /markets?event_ticker=..., polled politely, with `raw_get`.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call, 2 calls per
poll: every 5 s (the default) is 4 tokens/s, a fifth of the Basic tier's 20-token/s refill.

Gotchas (late 2026):
- Live data `details.status` (none -> live -> finished) is "the preferred source for game
  status"; the milestone's own status lags. Scores are sport-specific fields of `details`
  (`away_points`, `home_points`, ...), not part of the schema: read them defensively.
- Live data can be stale without saying so: `live_data_delayed: true` appears only once the
  feed is far behind, and some feeds never set it.
- Poll the batch endpoint for many games instead of one call per game; do not poll faster than
  the data changes (a few seconds), and back off on 429.
- When the game ends, its markets are determined from the final score and settle after the
  market's settlement timer (see 04_portfolio/04_get_settlements.py).

Run: uv run python 13_live_data/02_follow_game.py --seconds 30
"""

import json
import time
from decimal import Decimal

import auth
from auth.cli import fail, narrator
from auth.fmt import usd


def pick_live(milestone: str | None) -> dict:
    """The live data of `milestone`, else of the first game being played (else of the game that
    started last, which then shows its final state)."""
    if milestone:
        return auth.raw_get(f"/live_data/milestone/{milestone}")["live_data"]
    games = auth.raw_get("/milestones", limit=100, category="Sports")["milestones"]
    if not games:
        fail("no sports milestones")
    batch = auth.raw_get("/live_data/batch", milestone_ids=[g["id"] for g in games])["live_datas"]
    playing = [d for d in batch if d["details"].get("status") == "live"]
    started = [d for d in batch if d["details"].get("status") == "finished"]
    if not playing and not started:
        fail("no game has started yet; pass --milestone to follow one")
    return playing[0] if playing else started[-1]


def main() -> int:
    p = auth.parser(__doc__, stream=True)
    p.add_argument("--milestone", help="milestone id (default: a game in play)")
    p.add_argument("--interval", type=float, default=5.0, help="seconds between polls (>= 1)")
    args = p.parse_args()
    if args.interval < 1:
        fail("--interval must be at least 1 second (be polite to the API)")
    auth.banner("Follow a game live", args)

    first = pick_live(args.milestone)
    mid = first["milestone_id"]
    event = auth.raw_get(f"/milestones/{mid}")["milestone"]["primary_event_tickers"][0]
    deadline = time.monotonic() + args.seconds if args.seconds else None
    polls, seen, prices = 0, None, []
    while True:
        (live,) = auth.raw_get("/live_data/batch", milestone_ids=[mid])["live_datas"]
        markets = auth.raw_get("/markets", event_ticker=event)["markets"]
        polls += 1
        d = live["details"]
        if args.json:
            print(json.dumps({"live_data": live, "markets": markets}))  # one JSON line a poll
        else:
            away = next(m for m in markets if m["ticker"].endswith("-" + d["away_abbreviation"]))
            mid_price = (Decimal(away["yes_bid_dollars"]) + Decimal(away["yes_ask_dollars"])) / 2
            prices.append(mid_price)
            line = (
                f"{d['tileLiveText']:<22} {d['widgetLiveText']:<12} {d['status']:<9} "
                f"{d['away_abbreviation']} YES {usd(away['yes_bid_dollars'])}"
                f"/{usd(away['yes_ask_dollars'])}  status {away['status']}"
            )
            if line != seen:
                print(time.strftime("%H:%M:%S"), line)
                seen = line
        if d["status"] == "finished" or (args.max_messages and polls >= args.max_messages):
            break
        if deadline is not None and time.monotonic() + args.interval > deadline:
            break
        time.sleep(args.interval)

    moved = usd(prices[-1] - prices[0]) if prices else "$0.00"
    say = narrator(args)  # stderr under --json: stdout stays one JSON line a poll
    say(
        "\nWhat to notice: the price follows the score; a finished game's markets are "
        "determined from\nthe final score, then settled."
    )
    say("Next: uv run python 13_live_data/03_game_stats.py")
    auth.result(
        args,
        f"{polls} polls of {d['away_abbreviation']}-{d['home_abbreviation']}, "
        f"{d['away_points']}-{d['home_points']} {d['status']}, "
        f"{d['away_abbreviation']} mid moved {moved}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
