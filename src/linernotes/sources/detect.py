"""Content-based detection: which format module reads a file (docs/formats.md §10)."""

from __future__ import annotations

from linernotes.sources import apple, deezer, lastfm, listenbrainz, spotify, tidal, youtube
from linernotes.sources.base import Format, strip_bom

FORMATS: list[Format] = [*spotify.FORMATS, *listenbrainz.FORMATS, *lastfm.FORMATS, *youtube.FORMATS, *apple.FORMATS,
                         *deezer.FORMATS, *tidal.FORMATS]
_BY_NAME = {f.name: f for f in FORMATS}


def detect(head: bytes) -> Format | None:
    """The format whose sniffer accepts ``head`` (the first bytes of a file), or None.

    >>> detect(b'[{"ts":"2020-01-01T00:00:00Z","ms_played":1}]').name
    'spotify_extended'
    """
    head = strip_bom(head)
    for fmt in FORMATS:
        if fmt.sniff(head):
            return fmt
    return None


def detect_document(data: bytes) -> Format | None:
    """The format whose ``sniff_document`` accepts the whole of a zip-container file (an .xlsx), or None.

    >>> detect_document(b"not a zip") is None
    True
    """
    for fmt in FORMATS:
        if fmt.sniff_document is not None and fmt.sniff_document(data):
            return fmt
    return None


def format_named(name: str) -> Format:
    return _BY_NAME[name]


def expected_by_name(basename: str) -> Format | None:
    """The format a file *claims* by its name (only used to report broken files, never to route)."""
    for fmt in FORMATS:
        if fmt.name_hint is not None and fmt.name_hint.search(basename):
            return fmt
    return None
