"""Incentive programs: rewards for quoting (liquidity) or trading (volume) on given markets.

Demonstrates: GET /trade-api/v2/incentive_programs with its filters (`status`, `type`,
`incentive_description`, `limit`, `cursor`) via `raw_get`, following `next_cursor`.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per page.

Gotchas (late 2026):
- Types: liquidity, volume, margin_maker_volume, margin_taker_volume; statuses: active,
  upcoming, closed, paid_out (default "all" for both).
- Rewards are integers in centi-cents (1/10,000 of a dollar): `period_reward` 5000000 = $500.
  `target_size_fp` is a fixed-point contract count; optional fields may be null.
- Each program names its market twice: `market_ticker` and `market_id` (the market's UUID).
- The page cursor is `next_cursor` here (absent on the last page), not `cursor`.

Run: uv run python 09_account_management/03_incentive_programs.py --status active
"""

from decimal import Decimal

import auth
from auth.cli import fail
from auth.fmt import qty, table, usd, when

CENTI_CENTS = Decimal(10_000)


def main() -> int:
    p = auth.parser(__doc__, limit=100)
    p.add_argument(
        "--status", default="active", choices=("all", "active", "upcoming", "closed", "paid_out")
    )
    p.add_argument(
        "--type",
        default="all",
        choices=("all", "liquidity", "volume", "margin_maker_volume", "margin_taker_volume"),
    )
    p.add_argument("--pages", type=int, default=3, help="stop after this many pages")
    args = p.parse_args()
    if not 1 <= args.limit <= 10_000:
        fail("--limit must be between 1 and 10000")
    auth.banner("Incentive programs", args)

    programs, cursor, pages = [], None, 0
    while pages < args.pages:
        page = auth.raw_get(
            "/incentive_programs",
            status=args.status,
            type=args.type,
            limit=args.limit,
            cursor=cursor,
        )
        programs += page["incentive_programs"]
        pages += 1
        cursor = page.get("next_cursor")
        if not cursor:
            break
    if args.json:
        auth.print_json({"incentive_programs": programs, "next_cursor": cursor})
        auth.result(args, f"{len(programs)} {args.status} incentive programs (JSON)")
        return 0

    total = sum(Decimal(x["period_reward"]) for x in programs) / CENTI_CENTS
    rows = (
        (
            x["market_ticker"],
            x["incentive_type"],
            usd(Decimal(x["period_reward"]) / CENTI_CENTS),
            qty(x.get("target_size_fp")),
            when(x["end_date"]),
            "yes" if x["paid_out"] else "no",
        )
        for x in programs
    )
    print(table(rows, ("market", "type", "reward", "target", "ends", "paid"), "23"))
    print(f"\n{len(programs)} program(s) in {pages} page(s); rewards per period {usd(total)}")
    print(
        "\nWhat to notice: a liquidity program pays resting size near the top of the book; "
        "read\nits market with 03_market_data/01_get_orderbook.py before quoting."
    )
    print("Next: uv run python 09_account_management/04_funding_history.py")
    auth.result(args, f"{len(programs)} {args.status} incentive programs, {usd(total)} per period")
    return 0


if __name__ == "__main__":
    auth.run(main)
