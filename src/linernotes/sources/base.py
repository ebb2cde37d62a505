"""The contract every export-format module fulfils.

A format module is pure: it never touches the database, the network or the disk beyond the bytes it is
handed. It exposes one :class:`Format` object named ``FORMAT`` (or a list ``FORMATS``) with

* ``sniff(head) -> bool``: does this content look like the format? ``head`` is the first
  :data:`HEAD_BYTES` bytes of the file with any UTF-8 BOM removed. Decide by content, never by file name.
* ``parse(data, name) -> Parsed``: the whole file's bytes and its display name (for messages). Rows the
  format cannot use are counted in ``Parsed.dropped`` under a named reason; a file that is broken as a
  whole (truncated JSON, wrong encoding, ...) raises :class:`linernotes.errors.InputError` naming the file
  and the line or byte.
* ``json_plan(head, name) -> JsonPlan`` (optional, JSON formats): the same work as ``parse`` as a DuckDB
  plan, which lets the importer read many files in one statement straight into the library's staging
  table. ``parse`` must give exactly the rows the plan gives. A file the plan's fast path refuses is
  read by :func:`linernotes.sources._careful.parse_stream` from its pieces, not by ``parse``: the file
  may be too large to hold in memory.
* ``parse_batches(pieces, name, path) -> Iterator[Parsed]`` (optional): the same rows as ``parse`` for a
  file too large to parse whole, read from ``pieces()`` (its bytes, afresh at each call) in batches of
  bounded size, each staged before the next is read; ``path`` is the plain file on disk when there is one
  (a reader may open it in place). Staging uses it above :data:`linernotes.sources._stream.WHOLE_MAX_BYTES`,
  so the whole-file ``parse`` keeps its precise messages for smaller files.
* ``sniff_document(data) -> bool`` (optional, formats that are zip containers such as an .xlsx): the check
  on the whole file, for which the head says nothing (a zip lists its members at its end). The importer asks
  it only for a file that is a zip kept whole (an office document) which no ``sniff`` accepted.
* ``name_hint``: a regex on the file's base name for files that *should* be this format. It is never used
  to route a file; it only turns "not recognised" into an error for a file that looks like a listening
  history by name but whose content is broken.

Privacy: a parser reads only the fields it needs. IP addresses, user agents, usernames and e-mail are
never copied into the table, a message or a log.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa

if TYPE_CHECKING:
    from linernotes.sources._duckjson import JsonPlan

from linernotes.schema import Source

HEAD_BYTES = 64 * 1024
# A text field longer than this drops its row as ``long_text``. Real names stay far below (the longest
# classical titles are a few hundred bytes); the cap keeps a hostile export from storing megabyte "names"
# that every later query would drag along.
MAX_TEXT_BYTES = 4096
UTF8_BOM = b"\xef\xbb\xbf"
# A file's bytes as consecutive pieces, yielded afresh at each call.
Pieces = Callable[[], Iterable[bytes]]


@dataclass
class Parsed:
    """What a format module returns for one file."""

    format: str
    table: pa.Table  # linernotes.schema.STAGED_SCHEMA
    rows_read: int
    dropped: Counter[str] = field(default_factory=Counter)
    # One-line remarks for the import summary about what the file held but the format did not read (Tidal's
    # columns not understood). Never row values: column names and counts only.
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Format:
    name: str
    source: Source
    sniff: Callable[[bytes], bool]
    parse: Callable[[bytes, str], Parsed]
    name_hint: re.Pattern[str] | None = None
    description: str = ""
    json_plan: Callable[[bytes, str], JsonPlan] | None = None
    parse_batches: Callable[[Pieces, str, str | None], Iterator[Parsed]] | None = None
    sniff_document: Callable[[bytes], bool] | None = None


def loads_json(data: bytes | str) -> Any:
    """``orjson.loads``, except that a number beyond a double (``1e400``) costs only that value.

    orjson refuses the whole document for such a number; the standard library reads it as infinity, which
    the row rules then drop like any other absurd value. The slow parser runs only on that refusal, so a
    broken document still raises ``orjson.JSONDecodeError`` with orjson's line and column.
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "infinity" not in str(exc):
            raise
        try:
            return json.loads(data)
        except (ValueError, RecursionError):
            raise exc from None


def bom_length(data: bytes) -> int:
    """How many bytes a leading UTF-8 BOM takes (0 or 3): parsers that report byte positions add it back."""
    return len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0


def strip_bom(data: bytes) -> bytes:
    """``data`` without a leading UTF-8 BOM (editors and Windows tools put one before the first byte)."""
    return data[bom_length(data):]


def strip_bom_pieces(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """``pieces`` (a file's bytes in order) without a leading UTF-8 BOM in the first piece."""
    first = True
    for piece in pieces:
        yield strip_bom(piece) if first else piece
        first = False


def utf16_text(head: bytes) -> str | None:
    """The head decoded as UTF-16 when it clearly is UTF-16 (a BOM, or NULs in every other byte of ASCII
    text), else None. Exports are UTF-8; a re-saved UTF-16 file deserves a precise message."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        codec = "utf-16"
    elif len(head) >= 4 and head[1:40:2].count(0) >= len(head[1:40:2]) * 0.9:
        codec = "utf-16-le"
    elif len(head) >= 4 and head[0:40:2].count(0) >= len(head[0:40:2]) * 0.9:
        codec = "utf-16-be"
    else:
        return None
    return head[: len(head) // 2 * 2].decode(codec, errors="ignore")


_KEY_RE = re.compile(rb'"((?:[^"\\]|\\.)*)"\s*:')


def json_first_keys(head: bytes) -> tuple[str, list[str]] | None:
    """The container and the top-level keys of the first object in a JSON (or JSON Lines) head.

    Works on a prefix of the file, so it never needs the whole file. Returns ``("array", keys)`` for
    ``[{...`` and ``("object", keys)`` for ``{...`` (a JSON object or the first line of JSON Lines), or
    None when the head is not JSON-looking.

    >>> json_first_keys(b'[{"ts":"2020","ms_played":1,"x":{"y":1}}')
    ('array', ['ts', 'ms_played', 'x'])
    """
    text = strip_bom(head).lstrip()
    if text.startswith(b"["):
        container, start = "array", text.find(b"{")
        if start < 0 or text[1:start].strip():
            return None
    elif text.startswith(b"{"):
        container, start = "object", 0
    else:
        return None
    keys: list[str] = []
    depth = 0
    i = start
    n = len(text)
    # Walk the first object tracking nesting; a key is a string followed by ':' at depth 1.
    while i < n:
        c = text[i]
        if c == 0x22:  # '"'
            m = _KEY_RE.match(text, i)
            if m and depth == 1:
                try:
                    keys.append(m.group(1).decode("utf-8"))
                except UnicodeDecodeError:
                    return None
                i = m.end()
                continue
            # Skip over a string value.
            j = i + 1
            while j < n and text[j] != 0x22:
                j += 2 if text[j] == 0x5C else 1
            i = j + 1
            continue
        if c in (0x7B, 0x5B):  # '{' '['
            depth += 1
        elif c in (0x7D, 0x5D):  # '}' ']'
            depth -= 1
            if depth == 0:
                break
        i += 1
    return container, keys

