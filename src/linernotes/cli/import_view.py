"""What `linernotes import` and `linernotes imports` print: tables that fit the console.

A file is shown by its own name, shortened from the left when the console is narrow (the end of a name is
what tells files apart: "…History_Audio_2023.json"), with its format by its human name ("Spotify Extended")
on the line below it; full paths and format ids are in `--json`. Columns that are zero for every row
(merged, already had) are left out of the table: the totals line below it still says them.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from rich import box
from rich.table import Table

from linernotes import services
from linernotes.cli.common import console, plain
from linernotes.cli.humanize import when
from linernotes.formatting import count_of, format_count

if TYPE_CHECKING:
    from linernotes.store.importer import ImportReport

# The formats of linernotes.sources.detect by the names people know them by (a test keeps the two equal).
FORMAT_NAMES = {
    "spotify_extended": "Spotify Extended",
    "spotify_account": "Spotify Account",
    "listenbrainz_jsonl": "ListenBrainz",
    "listenbrainz_json": "ListenBrainz (older)",
    "lastfm_ghan_csv": "Last.fm CSV",
    "lastfm_ghan_json": "Last.fm JSON",
    "lastfm_benjaminbenben_csv": "Last.fm CSV (lastfm-to-csv)",
    "youtube_music_takeout": "YouTube Music",
    "deezer_gdpr_xlsx": "Deezer",
    "tidal_streaming_csv": "Tidal",
    "apple_music_play_activity": "Apple Music Play Activity",
    "apple_music_daily_tracks": "Apple Music daily tracks",
    "apple_music_recently_played": "Apple Music recently played",
}

# Plays fetched by `linernotes sync` (not files: no format module reads them).
SYNC_FORMAT_NAMES = {"lastfm_api": "Last.fm (synced)", "listenbrainz_api": "ListenBrainz (synced)",
                     "spotify_api": "Spotify (synced)"}

# The sources by their human names: one place for every view (linernotes.services).
SOURCE_NAMES = services.SOURCE_NAMES

MIN_NAME = 16  # a file name column narrower than this would not tell files apart


def format_name(fmt: str) -> str:
    """A format's human name. A file's format names a variant of a detected format
    ("spotify_extended_gen_c", "spotify_account_podcast"): the generation of an Extended history says nothing to
    a person and is left out; an Account file says what it holds. An unknown id is shown as words."""
    if fmt in FORMAT_NAMES:
        return FORMAT_NAMES[fmt]
    if fmt in SYNC_FORMAT_NAMES:
        return SYNC_FORMAT_NAMES[fmt]
    base = max((f for f in FORMAT_NAMES if fmt.startswith(f + "_")), key=len, default=None)
    if base is None:
        return fmt.replace("_", " ")
    variant = fmt[len(base) + 1:]
    if base == "spotify_extended":
        return FORMAT_NAMES[base]
    return f"{FORMAT_NAMES[base]} ({variant.replace('_', ' ')})"


def file_name(path: str) -> str:
    """A file's own name (paths inside zips are "archive.zip:dir/file.json")."""
    return path.replace(":", "/").rsplit("/", 1)[-1]


def shorten(name: str, width: int) -> str:
    """``name`` in at most ``width`` characters, its end kept: the start of export names is the same in every
    file ("Streaming_History_..."), the end tells them apart."""
    return name if len(name) <= width else "…" + name[len(name) - width + 1:]


def words(reason: str) -> str:
    """A reason id ("now_playing") as words."""
    return reason.replace("_", " ")


def _table(title: str | None, headers: list[str], rows: list[list[str]], text_columns: int) -> Table:
    """A table without vertical rules (they cost three columns each); the first ``text_columns`` left-aligned,
    the numbers right-aligned, never wrapped and as wide as their longest cell (so never cut)."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for n, header in enumerate(headers):
        if n < text_columns:
            table.add_column(header, justify="left", no_wrap=True)
        else:
            widest = max((len(r[n]) for r in rows), default=0)
            table.add_column(header, justify="right", no_wrap=True,
                             min_width=max(widest, *(len(w) for w in header.split())))
    for row in rows:
        table.add_row(*row)
    return table


def _counts(r: Any) -> dict[str, int]:
    """One file's (a FileReport) or one import's (a ledger row) figures, as the columns name them."""
    get: dict[str, Any] = r if isinstance(r, dict) else vars(r)
    dropped = get["dropped"]
    return {"read": int(get["rows_read"]), "new": int(get["stored"]),
            "merged": int(get["merged"] + get["replaced"]),
            "duplicates": int(get["duplicates"] + get["near_duplicates"]), "already had": int(get["unchanged"]),
            "dropped": int(sum(dropped.values()) if isinstance(dropped, dict) else dropped)}


def _shown_counts(all_counts: list[dict[str, int]]) -> list[str]:
    optional = ("merged", "already had")
    return [c for c in all_counts[0] if c not in optional or any(x[c] for x in all_counts)] if all_counts else []


def _width_of(headers: list[str], rows: list[list[str]]) -> int:
    """The width the number columns need (longest cell or header word, plus the gap)."""
    return sum(max(max(len(w) for w in h.split()), *(len(r[i]) for r in rows)) + 3 for i, h in enumerate(headers))


def print_report(report: ImportReport) -> None:
    counts = [_counts(f) for f in report.files]
    shown = _shown_counts(counts)
    numbers = [[format_count(c[k]) for k in shown] for c in counts]
    room = console.width - _width_of(shown, numbers) - 4
    rows = []
    for f, cells in zip(report.files, numbers, strict=True):
        # the full path is in `linernotes imports --json`; the table keeps the file's own name readable
        name = plain(shorten(file_name(f.file), max(MIN_NAME, room)))
        rows.append([f"{name}\n[dim]{plain(format_name(f.format))}[/dim]", *cells])
    console.print(_table(f"Import #{report.import_id}", ["file and format", *shown], rows, 1))
    for f in report.files:
        if f.dropped:
            reasons = ", ".join(f"{format_count(v)} {plain(words(k))}" for k, v in sorted(f.dropped.items()))
            console.print(f"Dropped from {plain(file_name(f.file))}: {reasons}")
        for note in f.notes:
            console.print(f"Note on {plain(file_name(f.file))}: {plain(note)}")
    t = report.total
    console.print(
        f"{format_count(t('rows_read'))} rows read · {format_count(t('stored'))} new plays · "
        f"{format_count(t('merged') + t('replaced'))} merged into richer copies · "
        f"{format_count(t('duplicates') + t('near_duplicates'))} duplicates · "
        f"{format_count(t('unchanged'))} already in the library · "
        f"{format_count(t('dropped'))} dropped · {count_of(len(report.ignored), 'other file')} passed over"
    )
    c = report.classified
    if c.shows:
        console.print(podcast_sentence(c.shows, c.plays, c.evidence)
                      + " Correct one with `linernotes kind artist NAME`.")
    console.print(f"Library: {format_count(report.plays_before)} → {format_count(report.plays_after)} plays "
                  f"({report.seconds:.1f} s)")


def print_imports(rows: list[dict[str, Any]]) -> None:
    """The import ledger: one line per import, then what each import read."""
    counts = [_counts(r) for r in rows]
    shown = _shown_counts(counts)
    headers = ["#", "when", "files", *shown, "plays after"]
    cells = [[str(r["import_id"]), f"{when(r['finished_at'].date())}\n[dim]{r['finished_at']:%H:%M}[/dim]",
              format_count(len(r["files"])), *[format_count(c[k]) for k in shown], format_count(r["plays_after"])]
             for r, c in zip(rows, counts, strict=True)]
    console.print(_table(None, headers, cells, 2))
    for r in rows:
        formats = Counter(format_name(f["format"]) for f in r["files"])
        read = "; ".join(f"{plain(name)}: {format_count(n)}" for name, n in formats.most_common())
        inputs = ", ".join(plain(file_name(str(i))) for i in r.get("inputs") or [])
        console.print(f"#{r['import_id']} read " + (f"{inputs}: " if inputs else "") + f"files by format: {read}")
        if r.get("podcast_shows"):
            found = podcast_sentence(r["podcast_shows"], r["podcast_plays"], r["podcast_evidence"] or {})
            console.print(f"#{r['import_id']}: {found}")


def podcast_sentence(shows: int, plays: int, evidence: dict[str, int]) -> str:
    found = ", ".join(f"{format_count(n)} by {_EVIDENCE_WORDS.get(k, plain(k))}" for k, n in evidence.items() if n)
    names = "name is a podcast show" if shows == 1 else "names are podcast shows"
    return (f"Account music files: {format_count(shows)} {names} ({format_count(plays)} plays counted as episodes; "
            f"evidence: {found}).")


_EVIDENCE_WORDS = {"known_show": "a show known elsewhere in the library", "episode_titles": "episode-like titles",
                   "long_plays": "long plays of unrepeated titles", "show_name": "a show-like name",
                   "corrections": "your corrections"}
