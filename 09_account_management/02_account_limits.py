"""Your rate-limit budget: usage tier, token buckets, what each call costs, what that allows.

Demonstrates: `get_client().get_account_api_limits()` (GET /trade-api/v2/account/limits, signed)
and `get_client().get_account_endpoint_costs()` (GET /trade-api/v2/account/endpoint_costs,
public), both from the official SDK.

Credentials: yes (for /account/limits). Writes state: no. Rate limit: 10 read tokens per call.

Gotchas (late 2026):
- Since April 2026 limits are token buckets, not "N requests per second": every request takes
  its cost in tokens (default 10) from the Read or the Write bucket; a bucket refills at
  `refill_rate` tokens/s up to `bucket_capacity` (capacity above the rate = burst headroom).
- The shape changed on 2026-04-30: `{usage_tier, read: {refill_rate, bucket_capacity},
  write: {...}, grants: [...]}`; the older `read_limit`/`write_limit` are gone.
- /account/endpoint_costs lists only the endpoints whose cost differs from `default_cost`
  (cancels cost 2, batch creates 10 per order, ...). Writes (order create/amend/decrease/cancel,
  order groups) draw on the Write bucket, everything else on the Read bucket.
- A batch is billed per item and must fit in the bucket as a whole, or all of it is rejected.
- GET /portfolio/balance has its own bucket (1/s on Basic and Advanced) outside this budget.
- A 429 carries no Retry-After: back off exponentially.
- `--json` prints both raw responses, under "limits" and "endpoint_costs".

Run: uv run python 09_account_management/02_account_limits.py
"""

import json
from decimal import Decimal

import auth
from auth.fmt import table, when

# Non-GET calls on these paths draw on the Write bucket; every other call on the Read bucket.
WRITE_PATHS = ("/portfolio/events/orders", "/portfolio/order_groups", "/communications")


def lane(method: str, path: str) -> str:
    path = path.removeprefix("/trade-api/v2")
    return "write" if method.upper() != "GET" and path.startswith(WRITE_PATHS) else "read"


def calls(tokens: int, cost: int) -> str:
    """How many calls of this cost fit in `tokens` (a refill rate per second, or a capacity)."""
    if cost <= 0:
        return "unlimited"
    return f"{(Decimal(tokens) / cost).quantize(Decimal('0.1')).normalize():f}"


def main() -> int:
    args = auth.parser(__doc__).parse_args()
    auth.banner("Account limits", args)

    client = auth.get_client()
    limits_reply = client.get_account_api_limits_with_http_info()
    costs_reply = client.get_account_endpoint_costs_with_http_info()
    if args.json:
        auth.print_json(
            {
                "limits": json.loads(limits_reply.raw_data),
                "endpoint_costs": json.loads(costs_reply.raw_data),
            }
        )
        auth.result(args, f"usage tier {limits_reply.data.usage_tier} limits and costs (JSON)")
        return 0

    limits, costs = limits_reply.data, costs_reply.data
    buckets = {"read": limits.read, "write": limits.write}
    print(f"usage tier  {limits.usage_tier}\n")
    rows = [
        (lane, b.refill_rate, b.bucket_capacity, f"{b.bucket_capacity / b.refill_rate:g} s")
        for lane, b in buckets.items()
    ]
    print(table(rows, ("bucket", "refill tokens/s", "capacity", "burst"), right="123"))

    if limits.grants:
        rows = [
            (
                g.exchange_instance,
                g.level,
                g.source,
                when(g.expires_ts) if g.expires_ts else "never",
            )
            for g in limits.grants
        ]
        print("\nGrants:")
        print(table(rows, ("exchange", "level", "source", "expires")))

    def row(method: str, path: str, cost: int, bucket_name: str) -> tuple:
        bucket = buckets[bucket_name]
        sustained = calls(bucket.refill_rate, cost)
        return (method, path, cost, bucket_name, sustained, calls(bucket.bucket_capacity, cost))

    default = costs.default_cost
    rows = [
        row("GET", "(default: any read)", default, "read"),
        row("POST", "(default: any order write)", default, "write"),
    ]
    rows += [
        row(c.method.upper(), c.path, c.cost, lane(c.method, c.path))
        for c in sorted(costs.endpoint_costs, key=lambda c: (c.path, c.method))
    ]
    print(f"\nEndpoint costs (default {default} tokens; only the exceptions are listed):")
    headers = ("method", "path", "cost", "bucket", "calls/s", "burst")  # sustained; at once
    print(table(rows, headers, right="245"))

    print(
        "\nWhat to notice: the budget is in tokens, so a cheap call (a cancel at 2) allows five "
        "times as many\ncalls per second as a default one; batching saves round trips, not tokens."
    )
    print("Next: uv run python 09_account_management/03_incentive_programs.py")
    auth.result(
        args,
        f"read bucket {limits.read.bucket_capacity} (+{limits.read.refill_rate}/s), "
        f"write bucket {limits.write.bucket_capacity} (+{limits.write.refill_rate}/s)",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
