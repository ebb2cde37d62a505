"""MusicBrainz's JSON web service (``/ws/2``): the requests enrichment makes and what is read from the answers.

- artist lookup ``/ws/2/artist/<MBID>?inc=genres+tags&fmt=json``: name, type, country, ``life-span.begin``,
  ``genres`` (curated) and ``tags`` (folksonomy), each ``{"name", "count"}``;
- artist search ``/ws/2/artist?query=artist:"<name>"&limit=5&fmt=json``: ``{"count", "offset", "artists": [...]}``,
  each with a ``score`` from 0 to 100 (the search's own confidence), best first;
- recording lookup ``/ws/2/recording/<MBID>?inc=releases&fmt=json``: ``first-release-date``, and the releases'
  ``date``;
- recording search ``/ws/2/recording?query=recording:"<title>" AND artist:"<name>"&limit=10&fmt=json`` for a track
  whose export carries no recording id: ``{"count", "offset", "recordings": [...]}``, each with ``score``,
  ``title``, ``artist-credit`` (``[{"name", "artist": {"id", "name"}}]``), ``first-release-date`` and ``releases``.

An answer of the wrong shape is an :class:`EnrichError`, never a half-read row.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
from dataclasses import dataclass
from typing import Any

from linernotes.enrich.client import EnrichError

# A search hit is used only with at least this score and a name that is the library's name once case, accents
# and punctuation are set aside: "Sia" must not become "Siamese Dream".
MIN_SCORE = 90
SEARCH_LIMIT = 5
# A song has many recordings (album, single, remaster, compilation); more hits let the earliest release be found.
RECORDING_SEARCH_LIMIT = 10
GENRES_KEPT = 10  # the most-voted genres and tags of an artist
_MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def is_mbid(value: str | None) -> bool:
    """Whether ``value`` is a MusicBrainz id (a lower-case UUID); only those are put in a path."""
    return value is not None and bool(_MBID.match(value))


def fold_name(name: str) -> str:
    """How names are compared: case, accents and punctuation set aside.

    >>> fold_name("Renée"), fold_name("P/Q Duo"), fold_name(" The  Quiet Orchards ")
    ('renee', 'p q duo', 'the quiet orchards')
    """
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c)).replace("&", " and ")
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def artist_lookup_path(mbid: str) -> str:
    return f"/ws/2/artist/{mbid}?inc=genres+tags&fmt=json"


def _phrase(text: str) -> str:
    """``text`` as a Lucene phrase: inside one only the quote and the backslash are special."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def artist_search_path(name: str) -> str:
    query = urllib.parse.quote(f"artist:{_phrase(name)}", safe="")
    return f"/ws/2/artist?query={query}&limit={SEARCH_LIMIT}&fmt=json"


def recording_search_path(artist: str, title: str) -> str:
    """A search for the recordings of ``title`` by ``artist`` (sent: the two names, nothing else)."""
    query = urllib.parse.quote(f"recording:{_phrase(search_title(title))} AND artist:{_phrase(artist)}", safe="")
    return f"/ws/2/recording?query={query}&limit={RECORDING_SEARCH_LIMIT}&fmt=json"


# What services append to a title to name a version of the same song: " - Remastered 2011", " - 2004 Remaster",
# " (Remastered)", " - Radio Edit", " [Mono]", " - 2009 Mix". MusicBrainz titles the recording without them. Only
# notes made of these words are set aside: "Al Kent Edit", "Club Mix", "Live" or "Taylor's Version" name another
# recording (a remix, a concert, a re-recording) whose year is its own.
_SUFFIX = re.compile(r"(?:\s+-\s+(?P<dash>[^-()\[\]]+)|\s*[(\[](?P<bracket>[^()\[\]]+)[)\]])\s*$")
_VERSION_WORDS = {"remaster", "remastered", "remastering", "digital", "digitally", "mono", "stereo", "new", "radio",
                  "single", "album", "edit", "version", "mix", "re"}
_VERSION_MARKS = {"remaster", "remastered", "remastering", "mono", "stereo", "edit", "radio", "single", "album"}


def _is_version_note(note: str) -> bool:
    words = re.findall(r"[a-z]+|\d+", note.casefold())
    years = [w for w in words if w.isdigit()]
    plain = [w for w in words if not w.isdigit()]
    return (bool(plain) and all(w in _VERSION_WORDS for w in plain) and all(len(y) == 4 for y in years)
            and (any(w in _VERSION_MARKS for w in plain) or (bool(years) and "mix" in plain)))


def search_title(title: str) -> str:
    """``title`` without a trailing version note, as MusicBrainz titles the song.

    >>> search_title("Harbour Lights - Remastered 2011"), search_title("Harbour Lights (2004 Remaster)")
    ('Harbour Lights', 'Harbour Lights')
    >>> search_title("Edit Me - Live"), search_title("Re-Edit"), search_title("Harbour Lights (Al Kent Edit)")
    ('Edit Me - Live', 'Re-Edit', 'Harbour Lights (Al Kent Edit)')
    >>> search_title("Harbour Lights - 2009 Mix"), search_title("Harbour Lights - Club Mix")
    ('Harbour Lights', 'Harbour Lights - Club Mix')
    """
    title = title.strip()
    found = _SUFFIX.search(title)
    if found is None or not _is_version_note(found.group("dash") or found.group("bracket")):
        return title
    return title[:found.start()].strip() or title


def recording_lookup_path(mbid: str) -> str:
    return f"/ws/2/recording/{mbid}?inc=releases&fmt=json"


@dataclass(frozen=True)
class Artist:
    mbid: str
    name: str
    type: str | None
    country: str | None
    begin_year: int | None
    genres: list[str]
    tags: list[str]


@dataclass(frozen=True)
class Match:
    mbid: str | None  # None: no hit good enough to use
    score: int | None  # the best hit's score (of the one used, when one is)


@dataclass(frozen=True)
class TrackMatch:
    mbid: str | None  # the recording used; None: no hit good enough
    score: int | None  # its score (the best hit's, when none is used)
    year: int | None  # the earliest first release among the confident hits


@dataclass(frozen=True)
class Recording:
    mbid: str
    title: str | None
    year: int | None


def _obj(doc: Any, what: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise EnrichError(f"MusicBrainz's answer for {what} is not of the documented shape")
    return doc


def _text(doc: dict[str, Any], key: str) -> str | None:
    value = doc.get(key)
    return value.strip() or None if isinstance(value, str) else None


def _year(value: Any) -> int | None:
    """The year of a MusicBrainz partial date ("1985", "1985-04", "1985-04-12")."""
    if isinstance(value, str) and re.match(r"^\d{4}", value):
        year = int(value[:4])
        return year if year > 0 else None
    return None


def _names(items: Any) -> list[str]:
    """Genre or tag names, most votes first."""
    if not isinstance(items, list):
        return []
    voted: list[tuple[str, int]] = [
        (it["name"].strip(), it["count"] if isinstance(it.get("count"), int) else 0)
        for it in items if isinstance(it, dict) and isinstance(it.get("name"), str) and it["name"].strip()]
    voted.sort(key=lambda nc: (-nc[1], nc[0]))
    return [n for n, _ in voted[:GENRES_KEPT]]


def parse_artist(doc: Any, what: str) -> Artist:
    """An artist lookup's answer."""
    doc = _obj(doc, what)
    mbid, name = _text(doc, "id"), _text(doc, "name")
    if not is_mbid(mbid) or name is None:
        raise EnrichError(f"MusicBrainz's answer for {what} has no artist id or name")
    assert mbid is not None
    span = doc.get("life-span")
    begin = _year(span.get("begin")) if isinstance(span, dict) else None
    return Artist(mbid=mbid, name=name, type=_text(doc, "type"), country=_text(doc, "country"),
                  begin_year=begin, genres=_names(doc.get("genres")), tags=_names(doc.get("tags")))


def best_match(doc: Any, name: str, what: str) -> Match:
    """The hit of an artist search to use for ``name``: the best-scored hit whose name (or sort name, or an
    alias) folds to ``name``, if its score is at least :data:`MIN_SCORE`."""
    doc = _obj(doc, what)
    hits = doc.get("artists")
    if not isinstance(hits, list):
        raise EnrichError(f"MusicBrainz's answer for {what} has no list of artists")
    want = fold_name(name)
    best: int | None = None
    for hit in hits:
        if not isinstance(hit, dict) or not isinstance(hit.get("score"), int | str):
            continue
        try:
            score = int(hit["score"])
        except ValueError:
            continue
        best = score if best is None else max(best, score)
        names = [hit.get("name"), hit.get("sort-name")]
        aliases = hit.get("aliases")
        if isinstance(aliases, list):
            names += [a.get("name") for a in aliases if isinstance(a, dict)]
        mbid = _text(hit, "id")
        if (score >= MIN_SCORE and is_mbid(mbid)
                and any(isinstance(n, str) and fold_name(n) == want for n in names)):
            return Match(mbid, score)
    return Match(None, best)


def parse_recording(doc: Any, what: str) -> Recording:
    """A recording lookup's answer: its first release year (MusicBrainz's ``first-release-date``, else the
    earliest of its releases' dates)."""
    doc = _obj(doc, what)
    mbid = _text(doc, "id")
    if not is_mbid(mbid):
        raise EnrichError(f"MusicBrainz's answer for {what} has no recording id")
    assert mbid is not None
    return Recording(mbid=mbid, title=_text(doc, "title"), year=_first_year(doc))


def _credited(hit: dict[str, Any]) -> list[str]:
    """The names a recording hit credits: each credit as written and the artist's own name."""
    names: list[str] = []
    credits = hit.get("artist-credit")
    if isinstance(credits, list):
        for credit in credits:
            if isinstance(credit, dict):
                names.append(credit.get("name"))  # type: ignore[arg-type]
                artist = credit.get("artist")
                if isinstance(artist, dict):
                    names.append(artist.get("name"))  # type: ignore[arg-type]
    return [n for n in names if isinstance(n, str)]


def best_recording(doc: Any, artist: str, title: str, what: str) -> TrackMatch:
    """The recording of a search to use for ``title`` by ``artist``: hits scored at least :data:`MIN_SCORE`
    whose title folds to the title (version notes set aside) and that credit the artist. Of those, the one
    released first gives the year: a song's remasters and compilations come later, its era is its first release.
    """
    doc = _obj(doc, what)
    hits = doc.get("recordings")
    if not isinstance(hits, list):
        raise EnrichError(f"MusicBrainz's answer for {what} has no list of recordings")
    want_title, want_artist = fold_name(search_title(title)), fold_name(artist)
    best: int | None = None
    confident: list[tuple[int, str, int | None]] = []  # (score, mbid, first release year)
    for hit in hits:
        if not isinstance(hit, dict):
            continue
        try:
            score = int(hit.get("score"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        best = score if best is None else max(best, score)
        mbid, name = _text(hit, "id"), _text(hit, "title")
        if (score >= MIN_SCORE and mbid is not None and is_mbid(mbid) and name is not None
                and fold_name(search_title(name)) == want_title
                and any(fold_name(n) == want_artist for n in _credited(hit))):
            confident.append((score, mbid, _first_year(hit)))
    if not confident:
        return TrackMatch(None, best, None)
    dated = [c for c in confident if c[2] is not None]
    # The earliest release, then the surest hit; without any date, the surest hit (a match with no year).
    score, mbid, year = min(dated, key=lambda c: (c[2], -c[0], c[1])) if dated else max(
        confident, key=lambda c: (c[0], c[1]))
    return TrackMatch(mbid, max(c[0] for c in confident), year)


def _first_year(doc: dict[str, Any]) -> int | None:
    """A recording's first release year: ``first-release-date``, else the earliest of its releases' dates."""
    year = _year(doc.get("first-release-date"))
    if year is None and isinstance(doc.get("releases"), list):
        years = [y for r in doc["releases"] if isinstance(r, dict) and (y := _year(r.get("date"))) is not None]
        year = min(years) if years else None
    return year
