"""Your positions, per market and per event.

Demonstrates: `get_client().get_positions(settlement_status=..., limit=..., ticker=...)` from the
official SDK, which is GET /trade-api/v2/portfolio/positions (signed).

Credentials: yes. Writes state: no. Rate limit: 10 read tokens per page.

Gotchas (late 2026):
- One signed number per market: `position_fp` > 0 means YES contracts, < 0 means NO contracts
  (there is no separate NO position). It is a fixed-point string and may be fractional.
- `settlement_status` defaults to `unsettled`; `settled` pages through settled positions still
  in the live data set, `all` returns both. Archived ones are under GET /historical/positions.
- Paging: unsettled positions page by market; `settled` and `all` page by event ticker
  (`limit` counts events, and a page carries every market position of its events).
- Markets you traded back to flat still appear (position 0, with realized P&L); pass
  `count_filter=position` to keep only non-zero positions.
- All money fields are `*_dollars` strings: exposure, realized P&L, fees, total traded.
- The SDK parses this fine; `--json` prints the raw body from `*_with_http_info()`.

Run: uv run python 04_portfolio/02_get_positions.py --settlement-status all
"""

import json

import auth
from auth.fmt import dec, qty, table, usd, when


def side(position_fp: str) -> str:
    """'+5 YES' / '-3 NO' / 'flat' from the signed position."""
    count = dec(position_fp) or 0
    if count == 0:
        return "flat"
    return f"{'+' if count > 0 else '-'}{qty(abs(count))} {'YES' if count > 0 else 'NO'}"


def main() -> int:
    p = auth.parser(__doc__, limit=100)
    p.add_argument("--ticker", help="only this market (default: all)")
    p.add_argument(
        "--settlement-status", choices=("unsettled", "settled", "all"), default="unsettled"
    )
    p.add_argument("--nonzero", action="store_true", help="only non-zero positions")
    p.add_argument("--cursor", help="continue from a previous page's cursor")
    args = p.parse_args()
    auth.banner(f"Positions ({args.settlement_status})", args)

    reply = auth.get_client().get_positions_with_http_info(
        settlement_status=args.settlement_status,
        limit=args.limit,
        ticker=args.ticker.upper() if args.ticker else None,
        count_filter="position" if args.nonzero else None,
        cursor=args.cursor,
    )
    if args.json:
        body = json.loads(reply.raw_data)
        auth.print_json(body)
        auth.result(args, f"{len(body['market_positions'])} market position(s) (JSON)")
        return 0

    positions = reply.data
    market_rows = [
        (
            m.ticker,
            side(m.position_fp),
            m.position_fp,
            usd(m.market_exposure_dollars),
            usd(m.realized_pnl_dollars),
            usd(m.fees_paid_dollars),
            usd(m.total_traded_dollars),
            when(m.last_updated_ts),
        )
        for m in positions.market_positions
    ]
    print(f"Market positions: {len(market_rows)}")
    if market_rows:
        headers = (
            "market",
            "position",
            "count",
            "exposure",
            "realized",
            "fees",
            "traded",
            "updated (UTC)",
        )
        print(table(market_rows, headers, right="23456"))

    event_rows = [
        (
            e.event_ticker,
            qty(e.total_cost_shares_fp),
            usd(e.total_cost_dollars),
            usd(e.event_exposure_dollars),
            usd(e.realized_pnl_dollars),
            usd(e.fees_paid_dollars),
        )
        for e in positions.event_positions
    ]
    print(f"\nEvent positions: {len(event_rows)}")
    if event_rows:
        headers = ("event", "contracts", "cost", "exposure", "realized", "fees")
        print(table(event_rows, headers, right="12345"))
    if positions.cursor:
        print(f"\nmore pages: --cursor {positions.cursor}")

    print(
        "\nWhat to notice: the sign of position_fp is the side (+YES / -NO); exposure is what "
        "you paid for\nwhat you hold, realized P&L what you locked in by trading out."
    )
    print("Next: uv run python 04_portfolio/03_get_fills.py")
    auth.result(args, f"{len(market_rows)} market position(s) in {len(event_rows)} event(s)")
    return 0


if __name__ == "__main__":
    auth.run(main)
