"""RFQs and quotes as they happen, from the `communications` WebSocket channel.

Channel: `communications` (message types `rfq_created`, `rfq_deleted`, `quote_created`,
`quote_accepted`, `quote_executed`, and the RFQ-batch ones). Credentials: yes (signed
handshake; the channel is private). Writes state: no. Rate limit: one subscribe command.

Gotchas (late 2026):
- `rfq_created` / `rfq_deleted` go to every subscriber (makers must see every RFQ);
  `quote_*` only to the quote's maker and the RFQ's requester. Nobody sees other makers' quotes.
- `creator_id` / `rfq_creator_id` are pseudonymous communications ids (GET /communications/id
  gives yours); an RFQ created with `obscure_creator_id` shows the placeholder
  "e3b0c442...b855" (SHA-256 of nothing) to others until a quote executes.
- `quote_executed` carries YOUR order id and client_order_id for the trade: it arrives before
  the fills, so use it to tell RFQ fills from order-book fills.
- No market filter: filter client-side (--ticker-prefix KXMVE keeps combos only). RFQ batch
  messages name their combos inside (`rfqs`, `quotes`); those naming none pass the filter.
- RFQ batches: `rfq_batch_created` / `_deleted` go to everyone (their child RFQs are never
  announced on their own); `rfq_batch_best_quotes` and `rfq_batch_executed` only to the batch's
  creator (best bids across makers, makers unnamed); `batch_quote_*` only to the maker. Each
  child's trade still sends `quote_executed`, with `rfq_batch_id` set.
- Messages carry `seq`; a hole means a message you missed (GET /communications/rfqs and
  /communications/quotes have the current state).
- To see traffic on the local exchange, run 11_combos_and_rfq/05_full_rfq_trade.py (or
  07_rfq_batches.py) meanwhile.

Run: uv run python 10_websocket/07_ws_communications.py --seconds 30 [--ticker-prefix KXMVE]
"""

from __future__ import annotations

import json
from collections import Counter

import auth
from auth.cli import narrator
from auth.fmt import qty, usd
from auth.ws import Stream, describe_reply, is_data, run, timestamp

TYPES = (
    *("rfq_created", "rfq_deleted", "quote_created", "quote_accepted", "quote_executed"),
    *("rfq_batch_created", "rfq_batch_deleted", "rfq_batch_best_quotes", "rfq_batch_executed"),
    *("batch_quote_created", "batch_quote_accepted", "batch_quote_executed"),
)


def tickers(m: dict) -> list[str]:
    """The markets a message is about: its own, or a batch message's children's."""
    if m.get("market_ticker"):
        return [m["market_ticker"]]
    return [
        x["market_ticker"] for x in m.get("rfqs") or m.get("quotes") or [] if "market_ticker" in x
    ]


def explain_batch(kind: str, m: dict) -> str:
    """One plain sentence per RFQ batch message."""
    batch = f"batch {(m.get('rfq_batch_id') or m.get('id') or '?')[-8:]}"
    if kind == "rfq_batch_created":
        return f"{batch}: {len(m['rfqs'])} combos from {len(m['legs'])} legs"
    if kind == "rfq_batch_deleted":
        return f"{batch} closed ({len(m['rfq_ids'])} children)"
    if kind == "rfq_batch_best_quotes":
        ready = ", ".join(s for s in ("yes", "no") if m[f"{s}_complete"]) or "no side yet"
        return f"{batch}: best quotes v{m['version']}, complete on {ready}"
    if kind in ("rfq_batch_executed", "batch_quote_executed"):
        done, failed = len(m["executed_rfq_ids"]), len(m["failed_rfq_ids"])
        return f"{batch}: {m['close_reason']} ({done} executed, {failed} failed)"
    if kind == "batch_quote_created":
        return f"{batch}: your batch quote prices {len(m['quotes'])} children"
    return f"{batch}: you won {len(m['quotes'])} children on {m['accepted_side']}; confirm them"


def explain(kind: str, m: dict) -> str:
    """One plain sentence per message."""
    who = (m.get("creator_id") or m.get("rfq_creator_id") or "?")[:10]
    size = qty(m["contracts_fp"]) if m.get("contracts_fp") else usd(m.get("target_cost_dollars"))
    if "batch" in kind:
        return explain_batch(kind, m)
    if kind == "rfq_created":
        legs = len(m.get("mve_selected_legs") or [])
        return f"RFQ {m['id'][:8]} by {who}: {size}" + (f" ({legs}-leg combo)" if legs else "")
    if kind == "rfq_deleted":
        return f"RFQ {m['id'][:8]} closed"
    quote = f"quote {m['quote_id'][:8]} on RFQ {m['rfq_id'][:8]}"
    if kind == "quote_created":
        return (
            f"{quote}: YES {usd(m['yes_bid_dollars'], 4)} "
            f"x {qty(m.get('yes_contracts_offered_fp'))}"
            f", NO {usd(m['no_bid_dollars'], 4)}"
        )
    if kind == "quote_accepted":
        size = qty(m.get("contracts_accepted_fp"))
        return f"{quote}: {m.get('accepted_side')} side accepted, {size}"
    if kind == "quote_executed":
        return f"{quote}: executed, your order {m['order_id'][:13]}"
    return f"{kind} (not explained here)"


async def watch(args, say) -> tuple[Stream, Counter]:
    subscribe = {"cmd": "subscribe", "params": {"channels": ["communications"]}}
    say(f"-> {json.dumps(subscribe)}\n")
    seen: Counter = Counter()
    prefix = (args.ticker_prefix or "").upper()
    async with Stream(subscribe, seconds=args.seconds, max_messages=args.max_messages) as stream:
        async for message in stream:
            kind = message["type"]
            if not is_data(message):
                say(f"<- {describe_reply(message)}")
                continue
            m = message.get("msg") or {}
            about = tickers(m)
            if about and not any(t.startswith(prefix) for t in about):
                continue
            ticker = about[0] if about else ""
            seen[kind] += 1
            if args.json:
                print(json.dumps(message), flush=True)
            else:
                print(f"{timestamp(message):20}  {ticker[:36]:36} {explain(kind, m)}", flush=True)
    return stream, seen


def main() -> int:
    p = auth.parser(__doc__, stream=True)
    p.add_argument("--ticker-prefix", help="only RFQs/quotes whose market starts with this")
    args = p.parse_args()
    say = narrator(args)
    auth.banner("WebSocket: communications channel (RFQs and quotes)", args)

    stream, seen = run(watch(args, say))

    say(f"\nstopped by {stream.stopped_by}: {stream.data_messages} message(s)")
    for kind in TYPES:
        say(f"  {kind:22} {seen[kind]:>5}")
    say("\nWhat to notice:")
    say("  - You saw every RFQ, but only the quotes you made or received.")
    say("  - Batch best quotes reach only the batch's creator, and never name the makers.")
    say("    They come at most every 250 ms per batch, each a full snapshot: keep the highest")
    say("    version you have seen and ignore any older one.")
    say("  - quote_executed came before the fills of the trade it explains.")
    say("\nNext: uv run python 10_websocket/08_ws_multivariate_lifecycle.py")
    total = sum(seen.values())
    auth.result(
        args, f"{total} communications message(s), {seen['quote_executed']} executed quote(s)"
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
