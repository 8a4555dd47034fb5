"""FCM members: subtraders, their daily caps and blocked categories, their orders, fills and
positions, and a position transfer. Everyone else gets 403 here, which this script says politely.

WRITES STATE (FCM members only): creates the subtrader {your_user_id}_{--suffix} if it does not
exist, sets its event-contract daily cap (--cap) and blocks one category; on the local exchange
the subtrader also trades one contract with a key bound to it and the FCM moves that position to
{your_user_id}_ERR. Before exiting, also on Ctrl+C or an error, it removes the cap and the block
it set and deletes the bound key (--keep leaves them). SUBTRADERS CANNOT BE DELETED and a
transferred position stays where it went: on demo and prod the script creates a subtrader only
with --yes. KALSHI_ENV=prod also needs --allow-prod.

Who this is for: FCMs (futures commission merchants) clear for customers of their own, the
"subtraders". A regular or direct member gets 403 on every /fcm endpoint (and on
GET /portfolio/summary/total_resting_order_value): that is expected, not a problem with your key.
To be an FCM on the local exchange: `uv run python -m sandbox add-user fcm --fcm` prints an FCM
member's KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH; run this script with those set.

Endpoints (credentials: yes; 10 tokens each):
  GET/POST   /trade-api/v2/fcm/subtraders                          list / create {subtrader_suffix}
  GET/PUT/DELETE /trade-api/v2/fcm/subtraders/event_contract_daily_cap   {subtrader_id, limit}
  GET/PUT    /trade-api/v2/fcm/subtraders/blocked_categories    {subtrader_id, category, blocked}
  GET        /trade-api/v2/fcm/orders | /fcm/fills | /fcm/positions      ?subtrader_id=...
  POST       /trade-api/v2/fcm/positions/transfers  {source_subtrader_id, target_subtrader_id,
             market_ticker, position_centicount, price_centicents} -> 201 {position_transfer_id}
  POST       /trade-api/v2/api_keys/generate {name, fcm_subtrader_id}  a key bound to a subtrader

Gotchas (late 2026):
- A subtrader with no daily cap cannot trade through its bound keys; the cap counts today's net
  premium (resets at midnight New York time) plus resting orders at their worst-case cost.
- Blocks and cap changes apply to new orders only; resting orders are never cancelled by them.
- On Kalshi a subtrader-bound key is a FIX / WebSocket credential, refused on REST: the local
  exchange lets it trade over REST so this script can show the cap at work.
- Position transfers must be enabled for your FCM by Kalshi (400 until then); the target is a
  subtrader of your error account, `price_centicents` is always the YES price, nothing is
  idempotent: check the position before retrying.

Run: uv run python 09_account_management/07_fcm_members.py [--cap 5.00] [--dry-run]
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives.serialization import load_pem_private_key

import auth
from auth.cli import fail, narrator
from auth.fmt import qty, usd
from auth.markets import pick_ticker
from auth.orders import create_order
from auth.signing import Signer

NEXT = "Next: uv run python 10_websocket/01_ws_ticker.py"
CAP_PATH = "/fcm/subtraders/event_contract_daily_cap"
BLOCK_PATH = "/fcm/subtraders/blocked_categories"


def main() -> int:
    p = auth.parser(__doc__, writes=True, ticker=True)
    p.add_argument("--suffix", default="EXAMPLE1", help="subtrader suffix, 1-16 letters/digits")
    p.add_argument("--cap", type=Decimal, default=Decimal("5.00"), help="daily cap, dollars")
    p.add_argument("--yes", action="store_true", help="agree to create a subtrader (permanent)")
    args = p.parse_args()
    if not re.fullmatch(r"[A-Za-z0-9]{1,16}", args.suffix):
        fail("--suffix: 1-16 ASCII letters and digits")
    if args.cap <= 0 or args.cap != args.cap.quantize(Decimal("0.01")):
        fail("--cap must be a positive amount in whole cents, e.g. 5.00")
    auth.guard_writes(args)
    auth.banner("FCM members", args)
    say = narrator(args)
    try:
        listed = auth.raw_get("/fcm/subtraders")["subtraders"]
    except auth.KalshiError as exc:
        if exc.status != 403:
            raise
        if args.json:
            auth.print_json({"status": 403, "error": exc.code})
        say("GET /fcm/subtraders -> 403: this account is not an FCM member.")
        say("That is the normal answer for regular and direct members; the /fcm endpoints and")
        say("total_resting_order_value are only for FCMs clearing for their own customers.")
        say("(Local exchange: `uv run python -m sandbox add-user fcm --fcm` makes an FCM member.)")
        say(f"\n{NEXT}")
        auth.result(args, "not an FCM member (403), nothing to show")
        return 0

    env = auth.settings().env
    ticker = pick_ticker(args.ticker)
    market = auth.raw_get(f"/markets/{ticker}")["market"]
    event = auth.raw_get(f"/events/{market['event_ticker']}")["event"]
    category = auth.raw_get(f"/series/{event['series_ticker']}")["series"]["category"]
    existing = {s["subtrader_id"] for s in listed}
    say(f"FCM member: {len(listed)} subtrader(s) {sorted(existing) or ''}")
    if args.dry_run:
        auth.show_dry_run("POST", "/fcm/subtraders", {"subtrader_suffix": args.suffix})
        auth.show_dry_run("PUT", CAP_PATH, {"subtrader_id": "<id>", "limit": f"{args.cap:.2f}"})
        return 0

    sid = next((s for s in existing if s.endswith("_" + args.suffix)), None)
    if sid is None:
        if env != "local" and not args.yes:
            fail("subtraders cannot be deleted; pass --yes to create one on " + env)
        sid = auth.raw_post("/fcm/subtraders", {"subtrader_suffix": args.suffix})["subtrader_id"]
        say(f"POST /fcm/subtraders -> 201 {sid} (subtraders are never deleted)")
    else:
        say(f"using subtrader {sid}")
    fcm_id = sid[: -len(args.suffix) - 1]
    report: dict[str, Any] = {"subtrader_id": sid}
    cap_set = blocked = False
    key_id = None
    try:
        auth.raw_put(CAP_PATH, {"subtrader_id": sid, "limit": f"{args.cap:.2f}"})
        cap_set = True
        report["cap"] = cap = auth.raw_get(CAP_PATH, subtrader_id=sid)
        say(f"daily cap {usd(cap['limit'])} on {cap['cap_date']} (New York):")
        say(
            f"  executed {usd(cap['executed_utilization'])}, resting "
            f"{usd(cap['resting_order_utilization'])}, pending "
            f"{usd(cap['pending_order_utilization'])}"
        )
        put = {"subtrader_id": sid, "category": category, "blocked": True}
        report["blocked"] = auth.raw_put(BLOCK_PATH, put)["categories"]
        blocked = True
        say(f"blocked categories: {report['blocked']} ({ticker} is in {category!r})")

        if env == "local":  # bound keys trade over REST only on the local exchange
            made = auth.raw_post(
                "/api_keys/generate", {"name": f"{sid}-example", "fcm_subtrader_id": sid}
            )
            key_id = made["api_key_id"]
            pem = made.pop("private_key").encode()  # in this response only; never printed
            signer = Signer(key_id, load_pem_private_key(pem, None))
            sub = auth.Client(auth.settings(), signer=signer)
            ask = Decimal(market["yes_ask_dollars"] or "0.99")
            report["trading"] = trade(sub, ticker, ask, args.cap, put, say)
            report["orders"] = auth.raw_get("/fcm/orders", subtrader_id=sid)["orders"]
            report["fills"] = auth.raw_get("/fcm/fills")["fills"]
            positions = auth.raw_get("/fcm/positions", subtrader_id=sid)
            report["positions"] = positions["market_positions"]
            show_reads(report, say)
            held = sum(Decimal(p["position_fp"]) for p in report["positions"])
            if held:
                body = {
                    "source_subtrader_id": sid,
                    "target_subtrader_id": f"{fcm_id}_ERR",
                    "market_ticker": ticker,
                    "position_centicount": int(held * 100),
                    "price_centicents": 0 if held > 0 else 10_000,  # moves no cash
                }
                moved = auth.raw_post("/fcm/positions/transfers", body)
                report["transfer"] = moved
                say(
                    f"POST /fcm/positions/transfers -> {moved['position_transfer_id'][:8]}: "
                    f"{qty(abs(held))} {'YES' if held > 0 else 'NO'} moved to {fcm_id}_ERR "
                    "(no fee, no fill; this cannot be undone)"
                )
        else:
            say("(demo/prod: subtrader-bound keys trade over FIX, not REST; reads only)")
            report["orders"] = auth.raw_get("/fcm/orders", subtrader_id=sid)["orders"]
            positions = auth.raw_get("/fcm/positions", subtrader_id=sid)
            report["positions"] = positions["market_positions"]
            show_reads(report, say)
    finally:
        if not args.keep:
            cleanup(sid, category, cap_set, blocked, key_id, say)
        elif cap_set or blocked:
            say(f"--keep: cap and block left on {sid}; DELETE {CAP_PATH} removes the cap")
    if args.json:
        auth.print_json(report)
    say("\nWhat to notice: the FCM sets the limits; the engine enforces them on new orders only.")
    say(NEXT)
    fills = len(report.get("trading", {}).get("fills", []))
    auth.result(
        args,
        f"FCM {fcm_id}: subtrader {sid}, cap {usd(args.cap)} and a block on {category!r} "
        f"enforced, {fills} fill(s), "
        + ("position moved, " if "transfer" in report else "")
        + ("cap and block kept" if args.keep else "cap and block removed"),
    )
    return 0


def trade(sub: auth.Client, ticker: str, ask: Decimal, cap: Decimal, put: dict, say) -> dict:
    """The subtrader's orders: refused in the blocked category, refused over the cap, then one
    contract bought at the ask once the category is unblocked."""
    out: dict[str, Any] = {"refusals": [], "fills": []}

    def attempt(price: str, count: str, tif: str = "good_till_canceled") -> dict | None:
        body = {
            "ticker": ticker,
            "side": "bid",
            "price": price,
            "count": count,
            "time_in_force": tif,
            "self_trade_prevention_type": "taker_at_cross",
        }
        try:
            return create_order(body, sub)
        except auth.KalshiError as exc:
            if exc.status not in (400, 403):
                raise
            out["refusals"].append(exc.code)
            say(f"  subtrader bid {count} at ${price} -> {exc.status} {exc.code}")
            return None

    attempt("0.01", "1")  # blocked category
    put["blocked"] = False
    auth.raw_put(BLOCK_PATH, put)
    say(f"unblocked {put['category']!r}")
    attempt("0.99", str(int(cap / Decimal("0.99")) + 1))  # worth more than the cap
    made = attempt(f"{ask:.2f}", "1", "immediate_or_cancel")
    if made is not None:
        filled = made["fill_count"]
        out["fills"] = [made["order_id"]] if Decimal(filled) > 0 else []
        say(f"  subtrader bid 1 at ${ask:.2f} (immediate or cancel) -> filled {qty(filled)}")
    put["blocked"] = True
    auth.raw_put(BLOCK_PATH, put)  # blocked again: cleanup removes it
    return out


def show_reads(report: dict, say) -> None:
    say(f"GET /fcm/orders: {len(report['orders'])} order(s)")
    for o in report["orders"][:5]:
        say(f"  {o['ticker']:<28} {o['status']:<9} filled {qty(o['fill_count_fp'])}")
    if "fills" in report:
        say(f"GET /fcm/fills: {len(report['fills'])} fill(s) across the FCM's subtraders")
    for p in report["positions"]:
        say(f"GET /fcm/positions: {p['ticker']} position {qty(p['position_fp'])}")


def cleanup(sid: str, category: str, cap_set: bool, blocked: bool, key_id, say) -> None:
    if blocked:
        auth.raw_put(BLOCK_PATH, {"subtrader_id": sid, "category": category, "blocked": False})
        say(f"cleanup: unblocked {category!r}")
    if cap_set:
        auth.raw_delete(CAP_PATH, subtrader_id=sid)
        say("cleanup: daily cap removed (the subtrader cannot trade until one is set again)")
    if key_id:
        auth.raw_delete(f"/api_keys/{key_id}")
        say(f"cleanup: bound key {key_id[:8]} deleted")


if __name__ == "__main__":
    auth.run(main)
