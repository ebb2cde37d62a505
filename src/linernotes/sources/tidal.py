"""Tidal's GDPR ``streaming.csv`` (docs/formats.md §8) — read strictly, since no real export has been seen.

All that is known comes from one importer (ListenBrainz PR #3643, unmerged): the file may start with a BOM
and with preamble lines before the header; the header has ``artist_name``, ``track_title`` and
``entry_date`` (``%d/%m/%Y %H:%M``); a time-zone column exists but its name is not known. So:

* The header is the first line (of the first :data:`MAX_PREAMBLE_LINES` + 1) whose comma-separated fields
  include the three known names; a file without such a line is not Tidal.
* ``track_title`` → track, ``artist_name`` → artist. No album, no duration: ``ms_played`` is NULL and the play
  counts like a scrobble under every policy.
* ``entry_date`` has minute precision (``fuzzy_time``). Whether it is the start or the end of the listen is
  not known; it is stored as both (``ts_start`` = ``ts_end``), as for a scrobble, which lets a Last.fm scrobble
  of the same listen merge into it (the store pairs a scrobble with the first same-named play ending after
  it, within two minutes).
* The zone: a column named like a zone (``zone``, ``tz``, ``offset`` in its name) is used only when every one of
  its values is an IANA zone (``Europe/Oslo``) or a UTC offset (``+02:00``, ``UTC+2``); ``entry_date`` is then
  that zone's wall-clock time. Otherwise ``entry_date`` is read as UTC and the column is reported as not
  understood.
* Every other column is ignored, and the import names them in one note ("columns not understood: …"), so a
  person with a real export can tell what was left out.
"""

from __future__ import annotations

import csv
import re

import pyarrow as pa
import pyarrow.compute as pc

from linernotes.errors import InputError
from linernotes.schema import Source
from linernotes.sources._scrobble import build_scrobbles, plain, utf8_error_offset
from linernotes.sources.base import Format, Parsed, bom_length
from linernotes.sources.lastfm import _read_csv
from linernotes.timezones import valid_zone

FORMAT = "tidal_streaming_csv"
REQUIRED = ("artist_name", "track_title", "entry_date")
MAX_PREAMBLE_LINES = 20
DATE_FORMAT = "%d/%m/%Y %H:%M"
_ZONE_NAME = re.compile(r"zone|(^|_)tz($|_)|offset", re.IGNORECASE)
_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_UTC_WORDS = {"utc", "gmt", "z"}
# Column names are shown in the note; a hostile header must not make it a page long.
_NOTE_NAMES = 12
_NOTE_NAME_CHARS = 40


def _fields(line: str) -> list[str]:
    try:
        return [f.strip().lower() for f in next(csv.reader([line]), [])]
    except csv.Error:
        return []


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)|[^\r\n]+$")


def _lines(text: str) -> list[str]:
    """The lines of ``text`` with their endings (CSV's line breaks only: LF, CRLF, CR)."""
    return _LINE.findall(text)


def _header_line(text: str) -> int | None:
    """The index of the header line among the first lines of ``text``, or None."""
    for n, line in enumerate(_lines(text)[: MAX_PREAMBLE_LINES + 1]):
        if set(REQUIRED) <= set(_fields(line.rstrip("\r\n"))):
            return n
    return None


def sniff(head: bytes) -> bool:
    if head[:4] == b"PK\x03\x04" or b"\x00" in head[:1024]:
        return False
    return _header_line(head.decode("utf-8", errors="replace")) is not None


def parse(data: bytes, name: str) -> Parsed:
    offset = bom_length(data)
    body = data[offset:]
    bad = utf8_error_offset(body)
    if bad is not None:
        raise InputError(name, "not UTF-8 text", where=f"byte {bad + offset}")
    head = body[: 64 * 1024].decode("utf-8", errors="ignore")
    at = _header_line(head)
    if at is None:
        raise InputError(name, "not a Tidal streaming.csv: no header line with "
                               f"{', '.join(REQUIRED)} in the first {MAX_PREAMBLE_LINES + 1} lines")
    # Where the header line starts: past the preamble lines.
    lines = _lines(head)
    header_start = len("".join(lines[:at]).encode("utf-8"))
    header = [f.strip() for f in next(csv.reader([lines[at].rstrip("\r\n")]))]
    lowered = [h.lower() for h in header]
    columns = [h if h not in lowered[:i] else f"{h}#{i}" for i, h in enumerate(lowered)]
    table = _read_csv(body[header_start:], name, columns, skip_rows=1, offset=offset + header_start)
    return _rows(table, header, columns)


def _rows(table: pa.Table, header: list[str], columns: list[str]) -> Parsed:
    n = table.num_rows

    def col(c: str) -> pa.Array:
        return plain(table.column(c))

    zone_column = _zone_column(table, columns)
    ignored = [h for h, c in zip(header, columns, strict=True) if c not in REQUIRED and c != zone_column]
    notes = []
    if ignored:
        shown = [h[:_NOTE_NAME_CHARS] for h in ignored[:_NOTE_NAMES]]
        more = f" and {len(ignored) - _NOTE_NAMES} more" if len(ignored) > _NOTE_NAMES else ""
        notes.append(f"columns not understood and left out: {', '.join(shown)}{more}")
    if zone_column is None:
        notes.append("no usable time-zone column: times read as UTC")
    date = pc.utf8_trim_whitespace(col("entry_date"))
    missing_time = pc.fill_null(pc.equal(date, ""), True)
    local = pc.strptime(date, format=DATE_FORMAT, unit="s", error_is_null=True)
    utc = _to_utc(local, col(zone_column)) if zone_column is not None else local
    seconds = pc.cast(pc.cast(utc, pa.int64()), pa.float64())
    parsed = build_scrobbles(
        fmt=FORMAT,
        source=Source.TIDAL,
        seconds=seconds,
        reasons=[("missing_time", missing_time)],
        track=col("track_title"),
        artist=col("artist_name"),
        album=pa.nulls(n, pa.string()),
        rows_read=n,
        fuzzy_time=True,
    )
    parsed.notes.extend(notes)
    return parsed


def _zone_of(value: str) -> str | None:
    """An IANA zone or a UTC offset as a zone Arrow understands (``Europe/Oslo``, ``+02:00``), else None."""
    value = value.strip()
    if value.lower() in _UTC_WORDS:
        return "UTC"
    m = _OFFSET.match(value)
    if m:
        sign, hours, minutes = m.group(1), int(m.group(2)), int(m.group(3) or 0)
        return f"{sign}{hours:02d}:{minutes:02d}" if hours <= 14 and minutes < 60 else None
    return value if "/" in value and valid_zone(value) else None


def _zone_column(table: pa.Table, columns: list[str]) -> str | None:
    """The one column named like a zone whose every value is a zone, else None."""
    named = [c for c in columns if c not in REQUIRED and _ZONE_NAME.search(c)]
    if len(named) != 1:
        return None
    values = pc.unique(plain(table.column(named[0]))).to_pylist()
    if not values or any(v is None or _zone_of(v) is None for v in values):
        return None
    return named[0]


def _to_utc(local: pa.Array, zones: pa.Array) -> pa.Array:
    """Wall-clock times in each row's zone → UTC instants, one vectorised pass per distinct zone (a handful)."""
    out = pa.nulls(len(local), pa.timestamp("s", tz="UTC"))
    for value in pc.unique(zones).to_pylist():
        zone = _zone_of(value)
        assert zone is not None  # every value was checked by _zone_column
        # A wall-clock time that a DST change skips or repeats is read as its earliest meaning.
        aware = pc.assume_timezone(local, zone, ambiguous="earliest", nonexistent="earliest")
        out = pc.if_else(pc.equal(zones, value), aware.cast(pa.timestamp("s", tz="UTC")), out)
    return out


FORMATS = [
    Format(
        name=FORMAT,
        source=Source.TIDAL,
        sniff=sniff,
        parse=parse,
        name_hint=re.compile(r"^streaming\.csv$", re.IGNORECASE),
        description="Tidal GDPR streaming history (streaming.csv)",
    ),
]

