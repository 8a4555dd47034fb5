"""Your complete fill history: archived fills plus live fills, with no gap and no duplicate.

Demonstrates: GET /trade-api/v2/historical/fills and GET /trade-api/v2/portfolio/fills (both
signed, cursor-paginated with `auth.paging.collect`), and GET /historical/cutoff whose
`trades_created_ts` splits them: fills before it are only in the archive.

Credentials: yes. Writes state: no. Rate limit: 10 read tokens per page of each endpoint.

Gotchas (late 2026):
- The cutoff moves forward while you read. Query the **live** endpoint first, then the archive:
  a fill that migrates in between shows up twice (harmless), never zero times. Querying the
  archive first, or cutting both sides at a cutoff you read earlier, can drop fills.
- So merge by `fill_id` (unique; `trade_id` is the same value) and sort by `created_time`.
- Both endpoints return the same Fill shape, so one code path reads both (raw_get keeps it one
  path; the SDK's typed models would work too).
- `min_ts` on /historical/fills exists only since Sept 2026; without `subaccount` both return
  all subaccounts.
- `--json` prints the merged history (newest first) with the cutoff, not one raw response.

Run: uv run python 08_historical/04_historical_fills.py --limit 20
"""

import auth
from auth.cli import number
from auth.fmt import qty, table, usd, when
from auth.paging import collect


def main() -> int:
    p = auth.parser(__doc__, limit=20)
    p.add_argument("--ticker", help="only this market (default: all)")
    p.add_argument(
        "--pages", type=number(int, low=1), default=10, help="at most this many pages per source"
    )
    args = p.parse_args()
    auth.banner("Fill history (live + archive)", args)

    ticker = args.ticker.upper() if args.ticker else None
    cutoff = auth.raw_get("/historical/cutoff")["trades_created_ts"]
    live = collect("/portfolio/fills", "fills", limit=200, max_pages=args.pages, ticker=ticker)
    archived = collect("/historical/fills", "fills", limit=200, max_pages=args.pages, ticker=ticker)

    live_ids = {f["fill_id"] for f in live}
    merged = {f["fill_id"]: f for f in archived}
    merged.update({f["fill_id"]: f for f in live})  # a fill in both: the live copy wins
    history = sorted(
        merged.values(),
        key=lambda f: (when(f.get("created_time") or f.get("ts")), f["fill_id"]),
        reverse=True,
    )
    duplicates = len(live) + len(archived) - len(merged)

    if args.json:
        auth.print_json({"cutoff": cutoff, "fills": history})
        auth.result(args, f"{len(history)} fill(s), {duplicates} duplicate(s) (JSON)")
        return 0

    print(f"trades_created_ts (cutoff)  {when(cutoff)}")
    print(f"live fills                  {len(live)}")
    print(f"archived fills              {len(archived)}")
    print(f"in both (moved meanwhile)   {duplicates}")
    print(f"merged history              {len(history)}\n")

    rows = [
        (
            when(f.get("created_time")),
            "live" if f["fill_id"] in live_ids else "archive",
            f.get("ticker"),
            f.get("outcome_side"),
            usd(f.get("yes_price_dollars")),
            qty(f.get("count_fp")),
            "…" + f["fill_id"][-8:],
        )
        for f in history[: args.limit]
    ]
    headers = ("time (UTC)", "source", "market", "outcome", "yes price", "count", "fill_id end")
    print(table(rows, headers, right="45"))

    print(
        "\nWhat to notice: live first, archive second, merge by fill_id: the cutoff may move "
        "between the two\nreads, and this order turns that into a duplicate instead of a gap."
    )
    print("Next: uv run python 09_account_management/01_get_api_keys.py")
    auth.result(
        args,
        f"{len(history)} fill(s): {len(live)} live + {len(archived)} archived, "
        f"{duplicates} duplicate(s)",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
