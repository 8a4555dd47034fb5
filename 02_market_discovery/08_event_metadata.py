"""An event's metadata: images, colours, settlement sources and (for sports) its competition.

Demonstrates: GET /trade-api/v2/events/{event_ticker}/metadata with `raw_get`. Without
`--event` it takes the event of the first sports game listed by GET /milestones.

Credentials: none (public). Writes state: no. Rate limit: 10 read tokens per call (1-2 calls).

Gotchas (late 2026):
- The metadata is a separate call: GET /events/{ticker} does not include image URLs or
  colour codes. `market_details` has one entry per market (ticker, image_url, color_code).
- `competition` and `competition_scope` are present for sports events only (omitted
  otherwise); the competition matches the sport filters of GET /search/filters_by_sport.
- An unknown event answers 404.

Run: uv run python 02_market_discovery/08_event_metadata.py
"""

import auth
from auth.cli import fail
from auth.fmt import table


def main() -> int:
    p = auth.parser(__doc__)
    p.add_argument("--event", help="event ticker (default: the first sports game)")
    args = p.parse_args()
    auth.banner("Event metadata", args)

    event = args.event
    if not event:
        games = auth.raw_get("/milestones", limit=1, category="Sports")["milestones"]
        if not games:
            fail("no sports milestone to take an event from; pass --event")
        event = games[0]["primary_event_tickers"][0]
    meta = auth.raw_get(f"/events/{event.upper()}/metadata")
    if args.json:
        auth.print_json(meta)
        auth.result(args, f"{len(meta['market_details'])} market details of {event.upper()} (JSON)")
        return 0

    print(f"\nevent            {event.upper()}")
    print(f"image            {meta['image_url']}")
    print(f"competition      {meta.get('competition') or '-'}")
    print(f"scope            {meta.get('competition_scope') or '-'}")
    for s in meta["settlement_sources"]:
        print(f"settles from     {s.get('name')} ({s.get('url')})")
    print()
    # Image URLs are long: the table shows the file name (the full URL is in --json).
    rows = (
        (m["market_ticker"], m["color_code"], m["image_url"].rsplit("/", 1)[-1])
        for m in meta["market_details"]
    )
    print(table(rows, ("market", "colour", "image file")))

    print(
        "\nWhat to notice: metadata is presentation (images, colours) plus where the result "
        "comes from."
    )
    print("Next: uv run python 02_market_discovery/09_fee_changes.py")
    auth.result(
        args,
        f"{len(meta['market_details'])} market details, competition "
        f"{meta.get('competition') or 'none'}",
    )
    return 0


if __name__ == "__main__":
    auth.run(main)
