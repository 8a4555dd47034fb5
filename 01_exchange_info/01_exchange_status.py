"""Is the exchange up, and is trading allowed? The first call to make (wave 1's connectivity check).

Demonstrates: `get_client().get_exchange_status()` from the official SDK, which is
GET /trade-api/v2/exchange/status.

Credentials: none (public endpoint). Writes state: no. Rate limit: 10 read tokens.

Gotchas (late 2026):
- Two flags, two meanings: `exchange_active` is false only during maintenance (no state changes at
  all); `trading_active` is also false outside trading hours and during the weekly Thursday
  03:00-05:00 ET pause, when cancels still work but placing and amending orders do not.
- `exchange_estimated_resume_time` is null unless the exchange is down, and it is an estimate.
- The exchange is sharded: `exchange_index_statuses` lists each index (shard); the top-level
  flags describe index 0.
- During maintenance the endpoint may answer 500/503/504 *with the same status body*. The SDK
  raises `ServiceException` for those (auth maps it to ServerError); `fetch_status` reads the body.
- `*_with_http_info()` returns both the SDK's typed model (`.data`) and the raw body
  (`.raw_data`), which `--json` prints.

Run: uv run python 01_exchange_info/01_exchange_status.py
"""

import json
import time

import auth
from auth.fmt import table, when


def fetch_status(client) -> tuple[object, bytes]:
    """The typed ExchangeStatus and the raw body, also when a 5xx answer carries the status."""
    from kalshi_python_sync import ExchangeStatus

    try:
        reply = client.get_exchange_status_with_http_info()
        return reply.data, reply.raw_data
    except auth.ServerError as exc:  # the SDK's 5xx, mapped by auth
        try:
            return ExchangeStatus.from_json(exc.body or b""), exc.body
        except ValueError:  # not a status body: a real server error
            raise exc from None


def yes_no(flag: bool | None) -> str:
    return "-" if flag is None else ("yes" if flag else "NO")


def main() -> int:
    args = auth.parser(__doc__).parse_args()
    auth.banner("Exchange status", args)

    client = auth.get_client()
    started = time.perf_counter()
    status, raw = fetch_status(client)
    elapsed_ms = (time.perf_counter() - started) * 1000

    if args.json:
        auth.print_json(json.loads(raw))
        auth.result(
            args,
            f"exchange_active={status.exchange_active} (JSON)",
        )
        return 0

    print(f"API answered in {elapsed_ms:.0f} ms: connectivity OK\n")
    print(f"exchange_active                  {yes_no(status.exchange_active)}")
    print(f"trading_active                   {yes_no(status.trading_active)}")
    print(f"intra_exchange_transfers_active  {yes_no(status.intra_exchange_transfers_active)}")
    print(f"exchange_estimated_resume_time   {when(status.exchange_estimated_resume_time)}")

    if status.exchange_index_statuses:
        rows = [
            (
                s.exchange_index,
                s.description,
                yes_no(s.exchange_active),
                yes_no(s.trading_active),
                yes_no(s.intra_exchange_transfers_active),
            )
            for s in status.exchange_index_statuses
        ]
        print("\nPer exchange index (shard):")
        print(table(rows, ("index", "description", "exchange", "trading", "transfers"), right="0"))

    print(
        "\nWhat to notice: `trading_active` can be false while `exchange_active` is true "
        "(outside hours,\nor the Thursday pause): check it before placing orders, not just "
        "whether the API answers."
    )
    print("Next: uv run python 01_exchange_info/02_exchange_schedule.py")
    auth.result(
        args, f"exchange_active={status.exchange_active}, trading_active={status.trading_active}"
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
