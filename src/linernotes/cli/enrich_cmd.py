"""`linernotes enrich`: genres, country and years of your artists and recordings from MusicBrainz (opt-in)."""

from __future__ import annotations

from pathlib import Path

import click

from linernotes.cli.options import db_option, json_option
from linernotes.clickgroup import CONTEXT_SETTINGS


@click.command("enrich", context_settings=CONTEXT_SETTINGS)
@db_option
@json_option
@click.option("--limit", type=int, default=None, help="Only the N most listened artists (and recordings).")
@click.option("--tracks", type=int, default=None, metavar="N",
              help="Search for the release year of the N most listened tracks whose export has no MusicBrainz id "
                   "(default 2,000, about half an hour; 0: none). A later run continues where this one stopped.")
@click.option("--contact", default=None, metavar="EMAIL|URL",
              help="Your email address or a URL, sent to MusicBrainz in the User-Agent as it asks, so it can "
                   "write to you rather than block you (default: $LINERNOTES_CONTACT; none is sent otherwise).")
@click.option("--refresh", is_flag=True, help="Ask again about what is already stored.")
@click.option("--dry-run", is_flag=True, help="List every request it would send, and send nothing.")
@click.option("--base-url", default=None, metavar="URL",
              help="The MusicBrainz server (default: $LINERNOTES_MUSICBRAINZ_URL or https://musicbrainz.org).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def enrich_cmd(db: Path | None, as_json: bool, limit: int | None, tracks: int | None, contact: str | None,
               refresh: bool, dry_run: bool, base_url: str | None, quiet: bool) -> None:
    """Fetch your artists' genres, country, start year and type, and your tracks' first release year, from
    MusicBrainz, and keep them in the library. Only artist names, track titles and MusicBrainz ids are sent
    (never plays, times or counts), at most one request per second; what is stored is never asked again."""
    import urllib.parse

    from linernotes.cli.common import console, plain
    from linernotes.enrich.client import base_url as resolve_url
    from linernotes.enrich.client import contact as checked_contact
    from linernotes.enrich.client import rate_for
    from linernotes.errors import Interrupted, UsageError
    from linernotes.library import open_library
    from linernotes.store.db import default_db_path
    from linernotes.terminal import inert, print_json
    from linernotes.units import format_wait

    url = resolve_url(base_url)
    address = checked_contact(contact)
    host = urllib.parse.urlsplit(url).netloc
    target = db or default_db_path()
    if not target.exists():  # enrich a library, never make an empty one
        raise UsageError(f"{target}: no library here yet (run `linernotes import` or `linernotes demo`)")
    with open_library(target) as lib:
        plan = lib.enrichment_plan(refresh=refresh, limit=limit, tracks=tracks)
        if dry_run:
            if as_json:
                print_json({**plan.to_dict(), "host": host, "dry_run": True})
                return
            for path in plan.requests():  # whole lines, never wrapped: each is exactly what would be sent
                click.echo(inert(f"GET {url}{path}"))
            console.print(f"Dry run: {len(plan.requests()):,} requests to {plain(host)} (a confident artist "
                          "search is followed by a lookup of the artist it found), taking "
                          f"{format_wait(plan.most_requests / rate_for(url))} at most; nothing was sent.")
            return
        if not plan.requests():
            if as_json:
                print_json({"host": host, "requests": 0, "already_known_artists": plan.known_artists,
                            "already_known_recordings": plan.known_recordings,
                            "already_known_tracks": plan.known_tracks})
            else:
                console.print(f"Nothing to ask: {plan.known_artists:,} artists, {plan.known_recordings:,} "
                              f"recordings and {plan.known_tracks:,} tracks are already enriched (--refresh asks "
                              "again).")
            return
        # Said before the first request, always (on stderr with --json, so the JSON stays clean).
        rate = rate_for(url)
        pace = "one request" if rate == 1 else f"{rate:g} requests"  # above 1 only towards this machine
        titles = f", {len(plan.tracks):,} track titles with their artist's name" if plan.tracks else ""
        notice = (f"Sending {plan.names:,} artist names{titles} and {plan.ids:,} MusicBrainz ids to {host} "
                  f"(nothing else: no plays, times or counts), at most {pace} per second, most listened first, "
                  f"taking {format_wait(plan.most_requests / rate)} at most. Stop it any time: what is stored "
                  "stays, and the next run goes on from there.")
        click.echo(notice, err=as_json)
        if address is None:
            click.echo("MusicBrainz asks every program for a contact; add yours with --contact or "
                       "$LINERNOTES_CONTACT so it can write to you rather than block you.", err=as_json)

        try:
            if quiet or as_json:
                report = lib.enrich(plan, base_url=url, contact=address)
            else:
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

                with Progress(TextColumn("{task.description:<10}"), BarColumn(), MofNCompleteColumn(),
                              TimeElapsedColumn(), console=console, transient=True) as bar:
                    task = bar.add_task("enriching", total=plan.total)

                    def progress(stage: str, done: int, total: int) -> None:
                        bar.update(task, description=stage, completed=done, total=total)

                    report = lib.enrich(plan, base_url=url, contact=address, progress=progress)
        except KeyboardInterrupt:
            raise Interrupted("interrupted: the answers stored so far are kept; run `linernotes enrich` again to "
                              "continue") from None
    if as_json:
        print_json(report.to_dict())
        return
    tracks_part = (f", {report.tracks_asked:,} tracks by title ({report.tracks_matched:,} found)"
                   if report.tracks_asked else "")
    console.print(f"Asked about {report.artists_asked:,} artists ({report.artists_matched:,} matched, "
                  f"{report.artists_unmatched:,} without a confident match, left out), "
                  f"{report.recordings_asked:,} recordings by id ({report.recordings_found:,} found){tracks_part}, "
                  f"in {report.requests:,} requests.")
