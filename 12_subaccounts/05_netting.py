"""Netting on and off, side by side: the same two trades in two subaccounts.

WRITES STATE: moves --amount (default $5.00) into your highest numbered subaccount and turns
its netting off; then, in the primary account (netting on) and in that subaccount (netting off),
buys --count YES at the best ask and sells them again at the best bid (immediate-or-cancel,
so it pays the spread and fees twice per side). Before exiting, also on Ctrl+C or an error, it
turns netting back on and moves the subaccount's free cash back to the primary account.
CANNOT BE UNDONE: with netting off the sale buys NO beside the YES instead of closing it; that
YES+NO pair is held to settlement, so $1.00 per contract stays in the subaccount until the
market settles (the pair then pays exactly $1.00). KALSHI_ENV=prod is refused unless you pass
--allow-prod.

Endpoints (credentials: yes): PUT /portfolio/subaccounts/netting {subaccount_number, enabled},
GET /portfolio/subaccounts/netting, POST /portfolio/subaccounts/transfer,
POST /portfolio/events/orders with `subaccount`, GET /portfolio/positions?subaccount=N,
GET /portfolio/subaccounts/balances. Cost: about 10 tokens a call.

Gotchas (late 2026):
- Netting is per subaccount and on by default: buying the side opposite to a holding closes
  it and frees its collateral at once. Off, both sides are held and each pair's $1.00 stays
  locked until settlement; `position_fp` shows the net (0) while `market_exposure_dollars`
  still counts both sides.
- Orders that were already resting with a holding behind them keep closing it; new orders in
  a subaccount with netting off always put up their full price.
- Turning netting back on does not net pairs already held; only later trades net.

Run: uv run python 12_subaccounts/05_netting.py [--ticker T] [--count 1] [--amount 5.00] [--dry-run]
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import auth
from auth.cli import fail, narrator
from auth.fmt import count_str, price_str, table, usd
from auth.markets import pick_ticker
from auth.orders import new_client_order_id

IOC = {"time_in_force": "immediate_or_cancel", "self_trade_prevention_type": "taker_at_cross"}


def balances() -> dict[int, Decimal]:
    """Every subaccount's index-0 balance in one read (GET /portfolio/balance: 1 call/s)."""
    rows = auth.raw_get("/portfolio/subaccounts/balances")["subaccount_balances"]
    return {b["subaccount_number"]: Decimal(b["balance"]) for b in rows if b["exchange_index"] == 0}


def netting() -> dict[int, bool]:
    rows = auth.raw_get("/portfolio/subaccounts/netting")["netting_configs"]
    return {c["subaccount_number"]: c["enabled"] for c in rows}


def trade(ticker: str, sub: int, side: str, price: Decimal, count: int) -> Decimal:
    """One immediate-or-cancel order; the contracts it filled."""
    o = auth.raw_post(
        "/portfolio/events/orders",
        {
            "ticker": ticker,
            "side": side,
            "price": price_str(price),
            "count": count_str(count),
            "client_order_id": new_client_order_id(),
            "subaccount": sub,
            **IOC,
        },
    )
    return Decimal(o["fill_count"])


def limits(ticker: str, depth: int) -> tuple[Decimal | None, Decimal | None]:
    """(YES price to buy up to, YES price to sell down to) so that `depth` contracts fill:
    the asks are the NO bids seen from the YES side (1 - NO price)."""
    book = auth.raw_get(f"/markets/{ticker}/orderbook")["orderbook_fp"]

    def reach(levels: list, yes_side: bool) -> Decimal | None:
        got = Decimal(0)
        for price, count in sorted(levels, key=lambda lv: Decimal(lv[0]), reverse=True):
            got += Decimal(count)
            if got >= depth:
                return Decimal(price) if yes_side else 1 - Decimal(price)
        return None

    return reach(book.get("no_dollars") or [], False), reach(book.get("yes_dollars") or [], True)


def position(ticker: str, sub: int) -> dict:
    rows = auth.raw_get("/portfolio/positions", ticker=ticker, subaccount=sub)["market_positions"]
    return rows[0] if rows else {"position_fp": "0", "market_exposure_dollars": "0"}


def main() -> int:
    p = auth.parser(__doc__, ticker=True, writes=True)
    p.add_argument("--amount", type=Decimal, default=Decimal("5.00"), help="dollars (5.00)")
    p.add_argument("--count", type=int, default=1, help="contracts per trade (1)")
    args = p.parse_args()
    cents = int(args.amount * 100)
    if cents <= 0 or cents != args.amount * 100:
        fail("--amount must be a positive amount in whole cents, e.g. 5.00")
    if not 1 <= args.count <= 100:
        fail("--count must be 1-100")
    if args.amount < 2 * args.count:
        fail("--amount must cover --count contracts twice over (a YES and a NO each)")
    auth.guard_writes(args)
    auth.banner("Netting on and off", args)
    say = narrator(args)
    if args.dry_run:
        auth.show_dry_run(
            "PUT", "/portfolio/subaccounts/netting", {"subaccount_number": 1, "enabled": False}
        )
        return 0

    before = balances()
    numbered = [n for n in before if n > 0]
    if not numbered:
        fail("you have no subaccount yet: run uv run python 12_subaccounts/01_create_subaccount.py")
    sub = max(numbered)
    settings = netting()
    if not settings.get(0, True):
        fail("netting is off in your primary account: turn it on to compare (PUT netting)")
    ticker = pick_ticker(args.ticker)
    # Limits deep enough for both accounts' trades (2 x count), so both fill the same way.
    ask, bid = limits(ticker, 2 * args.count)
    if ask is None or bid is None:
        fail(f"{ticker} has too thin a book for {args.count} contract(s): pass another --ticker")
    say(f"{ticker}: buying YES up to {usd(ask)}, selling down to {usd(bid)}")
    say(f"the same trades of {args.count} contract(s) in subaccount 0 and in {sub}")

    moved = switched = False
    filled: dict[int, list[Decimal]] = {0: [], sub: []}
    try:
        auth.raw_post(
            "/portfolio/subaccounts/transfer",
            {
                "client_transfer_id": str(uuid.uuid4()),
                "from_subaccount": 0,
                "to_subaccount": sub,
                "amount_cents": cents,
            },
        )
        moved = True
        auth.raw_put("/portfolio/subaccounts/netting", {"subaccount_number": sub, "enabled": False})
        switched = True
        say(f"moved {usd(args.amount)} to subaccount {sub} and turned its netting off")
        funded = balances()
        for s in (0, sub):  # the same trades, one account after the other
            filled[s].append(trade(ticker, s, "bid", ask, args.count))
        for s in (0, sub):
            filled[s].append(trade(ticker, s, "ask", bid, args.count))
        after = balances()
        pos = {s: position(ticker, s) for s in (0, sub)}
    finally:
        if switched:
            auth.raw_put(
                "/portfolio/subaccounts/netting", {"subaccount_number": sub, "enabled": True}
            )
            say(f"cleanup: netting back on in subaccount {sub}")
        if moved:
            free = balances()[sub] - before[sub]
            back = int(free * 100)  # whole cents (a direct member's sub-cent rest stays)
            if back > 0:
                auth.raw_post(
                    "/portfolio/subaccounts/transfer",
                    {
                        "client_transfer_id": str(uuid.uuid4()),
                        "from_subaccount": sub,
                        "to_subaccount": 0,
                        "amount_cents": back,
                    },
                )
            say(f"cleanup: moved {usd(Decimal(back) / 100)} back to 0")

    if filled[0] != filled[sub]:
        fail(f"the book moved between the two accounts' trades ({filled}): run it again")
    spent = {s: funded[s] - after[s] for s in (0, sub)}
    locked = spent[sub] - spent[0]
    rows = [
        (
            s,
            "on" if s == 0 else "off",
            f"{Decimal(pos[s]['position_fp']):g}",
            usd(pos[s]["market_exposure_dollars"], 4),
            usd(-spent[s], 4),
        )
        for s in (0, sub)
    ]
    if args.json:
        auth.print_json(
            {"positions": pos, "cash_change": {str(k): str(-v) for k, v in spent.items()}}
        )
    say(table(rows, ("subaccount", "netting", "position", "exposure", "cash change"), right="234"))
    say("\nWhat to notice:")
    say("  - Both accounts show position 0, but only the netting-off one still has exposure:")
    say(f"    it holds {filled[sub][0]:g} YES and {filled[sub][1]:g} NO side by side.")
    say(f"  - Its cash is {usd(locked, 4)} lower: $1.00 per pair, paid back at settlement.")
    say("\nNext: uv run python 12_subaccounts/06_exchange_indexes.py")
    auth.result(
        args,
        f"netting on: exposure {usd(pos[0]['market_exposure_dollars'], 4)}; netting off: "
        f"exposure {usd(pos[sub]['market_exposure_dollars'], 4)}, {usd(locked, 4)} locked",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
