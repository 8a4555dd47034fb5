"""Cursor pagination, the same on every list endpoint: send `limit` (and the `cursor` of the
previous page), read `cursor` from the response; an empty (or missing) cursor means no more pages.

03_list_events.py writes this loop out in full, as its lesson; the other scripts call `pages`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auth.client import raw_get


def pages(
    path: str, *, limit: int | None = None, max_pages: int | None = None, **params: Any
) -> Iterator[dict[str, Any]]:
    """Each response page of a cursor-paginated GET, until the cursor runs out (or max_pages)."""
    cursor = None
    count = 0
    while True:
        page = raw_get(path, limit=limit, cursor=cursor, **params)
        count += 1
        yield page
        cursor = page.get("cursor")
        if not cursor or (max_pages is not None and count >= max_pages):
            return


def collect(
    path: str, key: str, *, limit: int | None = None, max_pages: int | None = None, **params: Any
) -> list[dict[str, Any]]:
    """Every item under `key` (e.g. "fills") across all pages."""
    items: list[dict[str, Any]] = []
    for page in pages(path, limit=limit, max_pages=max_pages, **params):
        items.extend(page.get(key) or [])
    return items
