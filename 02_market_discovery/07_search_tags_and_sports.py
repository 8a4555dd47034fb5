"""Find markets the way the Kalshi app does: by category tags, and by sport and competition.

Demonstrates: GET /trade-api/v2/search/tags_by_categories and GET /search/filters_by_sport with
`raw_get`, then GET /series?category=...&tags=... to turn a tag into series.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call (3 calls).

Gotchas (late 2026):
- tags_by_categories maps each series category to the tags of its series: the tags are the
  values `GET /series?tags=` accepts (comma-separated, matched against a series' tags).
- filters_by_sport answers sports -> scopes (e.g. "Games") and competitions -> scopes;
  `sport_ordering` is the display order, not alphabetical. The competition names are the ones
  milestones carry (`GET /milestones?competition=Pro Football`), see 13_live_data/.
- Both lists come from the live universe: a category or sport with no series is absent.

Run: uv run python 02_market_discovery/07_search_tags_and_sports.py --category Sports
"""

import auth
from auth.cli import fail
from auth.fmt import table


def main() -> int:
    p = auth.parser(__doc__)
    p.add_argument("--category", default="Sports", help="category whose series to list by tag")
    args = p.parse_args()
    auth.banner("Search: tags by category, filters by sport", args)

    tags = auth.raw_get("/search/tags_by_categories")["tags_by_categories"]
    sports = auth.raw_get("/search/filters_by_sport")
    if args.category not in tags:
        fail(f"no category {args.category!r}; known: {', '.join(sorted(tags))}")
    tag = tags[args.category][0] if tags[args.category] else None
    series = auth.raw_get("/series", category=args.category, tags=tag)["series"] if tag else []
    if args.json:
        auth.print_json({"tags_by_categories": tags, "filters_by_sport": sports, "series": series})
        auth.result(args, f"{len(tags)} categories, {len(series)} series tagged {tag} (JSON)")
        return 0

    print("\nTags by category:")
    print(table(((c, ", ".join(t)) for c, t in tags.items()), ("category", "tags")))

    print("\nSports, in display order:")
    rows = []
    for sport in sports["sport_ordering"]:
        f = sports["filters_by_sports"][sport]
        for name, comp in f["competitions"].items():
            rows.append((sport, ", ".join(f["scopes"]), name, ", ".join(comp["scopes"])))
    print(table(rows, ("sport", "scopes", "competition", "competition scopes")))

    print(f"\nSeries in {args.category!r} tagged {tag!r}:")
    print(
        table(
            ((s["ticker"], s["title"], ", ".join(s["tags"])) for s in series),
            ("series", "title", "tags"),
        )
    )

    print(
        "\nWhat to notice: tags narrow GET /series; sports and competitions narrow milestones, "
        "the\ngames behind the sports markets."
    )
    print("Next: uv run python 02_market_discovery/08_event_metadata.py")
    auth.result(
        args,
        f"{len(tags)} categories, {len(sports['sport_ordering'])} sports, "
        f"{len(series)} series tagged {tag}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
