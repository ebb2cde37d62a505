"""Deezer's GDPR export: the ``10_listeningHistory`` sheet of ``deezer-data_<…>.xlsx`` (docs/formats.md §7).

The workbook has a dozen sheets; three hold personal data (``1_creationData``, ``2_customizationData``,
``12_businessData``: e-mail, name, address, payments). Only ``10_listeningHistory`` is ever inflated
(:mod:`linernotes.sources._xlsx`), and of its columns only the ones below are kept: ``IP Address`` is dropped
cell by cell while the sheet is parsed, and ``ISRC`` is not kept either — the canonical ``uri`` is the item's
identity across sources (``coalesce(uri, names)`` in the store, the policies and the insights) and holds Spotify
URIs; an ``isrc:`` value there would split one song into two items whenever the same person also has Spotify
or Last.fm history.

Every cell is text ("222", "-1", "None", "nan"), so every value is cast here:

* ``Song Title`` → track, ``Artist`` → artist, ``Album Title`` → album. The literal strings ``None`` and ``nan``
  (Python's and pandas' way of writing "no value") and blanks mean no value; a row without a title or an
  artist is dropped (``missing_track`` / ``missing_artist``).
* ``Listening Time`` is seconds → ``ms_played``. ``-1`` (615 of 10,738 rows in the real export, mostly
  2010-2013) means Deezer did not record it: ``ms_played`` is NULL, and the play counts like a scrobble
  under every policy. Other negative or non-numeric values, or more than a day, drop the row
  (``bad_duration``).
* ``Platform Name`` + ``Platform Model`` → ``platform`` ("android (Example Phone 2)", "web").
* ``Date`` (``YYYY-MM-DD HH:MM:SS``) is the **end** of the listen. Evidence, from the real export: of the 9,221
  pairs of consecutive rows (sorted by Date) less than 20 minutes apart and both with a known Listening Time,
  6,604 are the *later* row's Listening Time apart (±2 s) — Date marks the end — against 1,241 the earlier
  row's; and the end reading leaves 1,729 pairs overlapping against 4,723 for the start reading. So
  ``ts_end`` = Date and ``ts_start`` = Date − Listening Time (= Date when unknown).
* The zone is not stated: Date is read as **UTC** (as Spotify's exports are). The library has no per-source
  zone setting; a person who knows the export is in local time would see plays shifted by their offset.

Rows are not sorted (the export interleaves years): order means nothing. Podcasts: none seen (every row of
the real export has an ISRC, which only music recordings have), so every row is a ``track``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc

from linernotes.errors import InputError
from linernotes.schema import Source
from linernotes.sources._scrobble import build_scrobbles, plain
from linernotes.sources._xlsx import BATCH_ROWS, Workbook, workbook_from
from linernotes.sources.base import Format, Parsed, Pieces

FORMAT = "deezer_gdpr_xlsx"
SHEET = "10_listeningHistory"
# canonical column -> the sheet's header
COLUMNS = {
    "track": "Song Title",
    "artist": "Artist",
    "album": "Album Title",
    "seconds": "Listening Time",
    "platform_name": "Platform Name",
    "platform_model": "Platform Model",
    "date": "Date",
}
REQUIRED = ("Song Title", "Artist", "Listening Time", "Date")
# Exported for "no value" (Python's None and pandas' NaN written as text), compared lower-cased and trimmed.
PLACEHOLDERS = ("", "none", "nan")
UNKNOWN_SECONDS = "-1"
MAX_SECONDS = 86_400  # a listen over a day is not a listen
_SECONDS_RE = r"^[0-9]{1,9}(\.[0-9]+)?$"


def sniff(head: bytes) -> bool:
    """Always False: a zip's first bytes cannot tell which sheets a workbook has (workbook.xml is often the
    last member). :func:`sniff_document` decides on the whole file."""
    return False


def sniff_document(data: bytes) -> bool:
    """An .xlsx workbook with a ``10_listeningHistory`` sheet (docs/formats.md §10 rule 7)."""
    book = workbook_from(data, "")
    return book is not None and SHEET in book.sheet_names()


def parse(data: bytes, name: str) -> Parsed:
    batches = list(_parsed_batches(data, name, BATCH_ROWS))
    table = pa.concat_tables([b.table for b in batches])
    parsed = Parsed(FORMAT, table, sum(b.rows_read for b in batches))
    for b in batches:
        parsed.dropped.update(b.dropped)
    return parsed


def parse_batches(pieces: Pieces, name: str, path: str | None) -> Iterator[Parsed]:
    """The rows of a large workbook a batch at a time: the workbook's (compressed) bytes are held, the sheet
    is inflated and parsed piece by piece, and each batch is staged before the next is parsed."""
    yield from _parsed_batches(b"".join(pieces()), name, BATCH_ROWS)


def _parsed_batches(data: bytes, name: str, batch: int) -> Iterator[Parsed]:
    book = Workbook(data, name)
    if SHEET not in book.sheet_names():
        raise InputError(name, f"not a Deezer export: the workbook has no sheet {SHEET}")
    positions: dict[str, int] = {}

    def choose(header: list[str | None]) -> set[int]:
        names = [(h or "").strip() for h in header]
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise InputError(name, f"sheet {SHEET} lacks the columns {', '.join(missing)}", where="row 1")
        for key, column in COLUMNS.items():
            if column in names:
                positions[key] = names.index(column)
        return set(positions.values())

    first = True
    yielded = False
    for rows in book.rows(SHEET, choose, batch):
        if first:
            rows = rows[1:]  # the header
            first = False
        if rows:
            yielded = True
            yield _rows_to_plays(rows, positions)
    if first:
        raise InputError(name, f"sheet {SHEET} is empty (no header row)")
    if not yielded:
        yield _rows_to_plays([], positions)


def _rows_to_plays(rows: list[list[str | None]], positions: dict[str, int]) -> Parsed:
    n = len(rows)

    def column(key: str) -> pa.Array:
        at = positions.get(key)
        if at is None:
            return pa.nulls(n, pa.string())
        return pa.array([r[at] if at < len(r) else None for r in rows], pa.string())

    track, artist, album = (_no_placeholder(column(k)) for k in ("track", "artist", "album"))
    seconds_text = pc.utf8_trim_whitespace(column("seconds"))
    unknown = pc.fill_null(pc.or_(pc.equal(seconds_text, UNKNOWN_SECONDS), _is_placeholder(seconds_text)), True)
    numeric = pc.fill_null(pc.match_substring_regex(seconds_text, _SECONDS_RE), False)
    seconds = pc.cast(pc.if_else(numeric, seconds_text, pa.scalar(None, pa.string())), pa.float64())
    bad_duration = pc.or_(pc.and_(pc.invert(unknown), pc.invert(numeric)),
                          pc.fill_null(pc.greater(seconds, MAX_SECONDS), False))
    ms = pc.cast(pc.round(pc.multiply(pc.if_else(bad_duration, pa.scalar(None, pa.float64()), seconds), 1000.0)),
                 pa.int64())
    date = pc.utf8_trim_whitespace(column("date"))
    missing_time = _is_placeholder(date)
    ends = pc.strptime(date, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    end_seconds = pc.cast(pc.cast(ends, pa.int64()), pa.float64())
    return build_scrobbles(
        fmt=FORMAT,
        source=Source.DEEZER,
        seconds=end_seconds,
        reasons=[("missing_time", missing_time), ("bad_duration", bad_duration)],
        track=track,
        artist=artist,
        album=album,
        rows_read=n,
        extra={"platform": _platform(_no_placeholder(column("platform_name")),
                                     _no_placeholder(column("platform_model")))},
        ms_played=ms,
    )


def _is_placeholder(values: pa.Array) -> pa.Array:
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(values))
    return pc.fill_null(pc.is_in(lowered, pa.array(PLACEHOLDERS)), True)


def _no_placeholder(values: pa.Array) -> pa.Array:
    return plain(pc.if_else(_is_placeholder(values), pa.scalar(None, pa.string()), values))


def _platform(name: pa.Array, model: pa.Array) -> pa.Array:
    """``android`` + ``Example Phone 2`` → ``android (Example Phone 2)``; either alone as it is; "" for
    neither (blank means unknown to the staging rules)."""
    both = pc.binary_join_element_wise(name, " (", model, ")", "")
    with_model = pc.if_else(pc.is_null(model), name, both)
    return plain(pc.fill_null(pc.if_else(pc.is_null(name), model, with_model), ""))


FORMATS = [
    Format(
        name=FORMAT,
        source=Source.DEEZER,
        sniff=sniff,
        parse=parse,
        name_hint=re.compile(r"deezer-data_.*\.xlsx$", re.IGNORECASE),
        description="Deezer GDPR export (deezer-data_….xlsx, sheet 10_listeningHistory)",
        parse_batches=parse_batches,
        sniff_document=sniff_document,
    ),
]
