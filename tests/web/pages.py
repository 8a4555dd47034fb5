"""Reading the web view's JSON snapshot, and picking a market a test can move."""

from __future__ import annotations

from decimal import Decimal

import requests


def state(url: str, **query: str) -> dict:
    r = requests.get(f"{url}/_sandbox/web/state", params=query, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def wide_market(url: str, used: set[str]) -> tuple[str, str]:
    """An active market not used yet whose spread leaves room for a new best bid: (ticker,
    price one cent above the best bid)."""
    directory = state(url)["directory"]
    for s in directory["series"]:
        for e in s["events"]:
            for m in e["markets"]:
                if m["status"] != "active" or m["ticker"] in used:
                    continue
                part = state(url, market=m["ticker"])["market"]
                bid = Decimal(part["bids"][0][0]) if part["bids"] else Decimal(0)
                ask = Decimal(part["asks"][0][0]) if part["asks"] else Decimal(1)
                if ask - bid >= Decimal("0.02"):
                    used.add(m["ticker"])
                    return m["ticker"], f"{bid + Decimal('0.01'):.4f}"
    raise AssertionError("no active market with a spread of 2 cents or more")
