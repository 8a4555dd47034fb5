"""Collateral on an exchange shard, for the scripts that trade combos.

Kalshi keeps "a separate balance maintained per exchange shard", moved combos to exchange index 1
in August 2026, and "programmatic traders must preallocate collateral on a given exchange shard
before order placement" (docs.kalshi.com/getting_started/exchange_sharding). An order, an RFQ
acceptance or a block trade in a combo draws on index-1 cash only, however much index 0 holds.

`Collateral(index, amount)` moves `amount` from index 0 to `index` with POST
/portfolio/intra_exchange_instance_transfer (instant, no fee) and, when the `with` block ends for
any reason, moves back what is left on that index, never more than it moved: index 0 ends as it
began, less what the trade cost. 12_subaccounts/06_exchange_indexes.py teaches the endpoint.
"""

from __future__ import annotations

from decimal import Decimal

from auth.client import Client, default

TRANSFER = "/portfolio/intra_exchange_instance_transfer"
CENTICENTS = 10_000  # the transfer's `amount` is in centi-cents ($1 = 10,000)


def transfer(amount: Decimal, source: int, destination: int, client: Client | None = None) -> str:
    """Move `amount` dollars of the primary account's cash between exchange indexes."""
    body = {
        "source": "event_contract",
        "destination": "event_contract",
        "source_exchange_shard": source,
        "destination_exchange_shard": destination,
        "amount": int(amount * CENTICENTS),
    }
    return (client or default()).post(TRANSFER, body)["transfer_id"]


def available(index: int, client: Client | None = None) -> Decimal:
    """Available cash on one exchange index (GET /portfolio/balance?exchange_index=...)."""
    body = (client or default()).get("/portfolio/balance", exchange_index=index)
    return Decimal(body["balance_dollars"])


class Collateral:
    """Cash on `index` for the `with` block; what is left of it goes back to index 0 after."""

    def __init__(self, index: int, amount: Decimal, client: Client | None = None):
        self.index, self.amount, self.client = index, amount.quantize(Decimal("0.01")), client
        self.moved = Decimal(0)

    def __enter__(self) -> Collateral:
        if self.index and self.amount > 0:
            tid = transfer(self.amount, 0, self.index, self.client)
            self.moved = self.amount
            print(
                f"moved ${self.amount} to exchange index {self.index} (transfer {tid[:8]}...): "
                f"markets there trade on that index's cash only"
            )
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.moved:
            return
        back = min(self.moved, available(self.index, self.client))
        if back > 0:
            transfer(back, self.index, 0, self.client)
            print(f"moved ${back} back from exchange index {self.index} to index 0")
