"""Discovery reads derived from the universe: tags by category, filters by sport, event metadata.

Nothing canned: every answer is computed from the series and events the exchange holds.
"""

from __future__ import annotations

import hashlib

from sandbox.world.sports import SPORTS

from .errors import not_found

IMAGES = "https://kalshi-public-docs.s3.amazonaws.com/series-images-webp"
PALETTE = ("#0A7C4A", "#D6336C", "#1C7ED6", "#F08C00", "#7048E8", "#2B8A3E", "#C92A2A")
GAME_SCOPE = "Games"  # the scope of a per-game series (its markets are one game's outcome)


def tags_by_categories(ex) -> dict[str, list[str]]:
    """Every category any series is filed under, with the tags of those series."""
    out: dict[str, set[str]] = {}
    for s in ex.series.values():
        for category in s.categories or ([s.category] if s.category else []):
            out.setdefault(category, set()).update(s.tags)
    return {c: sorted(tags) for c, tags in sorted(out.items())}


def filters_by_sport(ex) -> tuple[dict[str, dict], list[str]]:
    """({sport: {scopes, competitions: {name: {scopes}}}}, display order) of the seeded sports."""
    filters: dict[str, dict] = {}
    for sport in SPORTS.values():
        if sport.series not in ex.series:
            continue
        f = filters.setdefault(sport.sport, {"scopes": [], "competitions": {}})
        if GAME_SCOPE not in f["scopes"]:
            f["scopes"].append(GAME_SCOPE)
        f["competitions"].setdefault(sport.competition, {"scopes": []})["scopes"].append(GAME_SCOPE)
    return filters, list(filters)


def event_metadata(ex, event_ticker: str) -> dict:
    e = ex.events.get(event_ticker)
    if e is None:
        raise not_found("event")
    sport = SPORTS.get(e.series_ticker)
    out = {
        "image_url": f"{IMAGES}/{e.series_ticker}.webp",
        "featured_image_url": f"{IMAGES}/{e.series_ticker}-featured.webp",
        "market_details": [
            {
                "market_ticker": t,
                "image_url": f"{IMAGES}/{t}.webp",
                "color_code": PALETTE[hashlib.sha1(t.encode()).digest()[0] % len(PALETTE)],
            }
            for t in e.markets
        ],
        "settlement_sources": list(e.settlement_sources),
    }
    if sport is not None:
        out["competition"] = sport.competition
        out["competition_scope"] = GAME_SCOPE
    return out
