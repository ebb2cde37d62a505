"""What enrichment asks, in which order, and how each answer is stored.

Artists are asked most-listened first (so a run cut short has enriched what matters most): by their MusicBrainz
id when the library has one (ListenBrainz, Last.fm exports), else by a name search followed, for a confident hit,
by a lookup of that hit. Recordings are looked up by the ids the library has; the most listened tracks without
one (Spotify, Apple Music and Deezer exports carry none) are found by a search for their title and artist, which
gives their release year. What is already stored is not asked again unless ``refresh``. Each answer is committed
as it arrives: a run killed midway loses only the answer in flight, and the next run resumes where it stopped.

Only what is sent is read from the plays here: names and ids, ranked by listening time that never leaves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import duckdb

from linernotes.enrich import musicbrainz as mb
from linernotes.enrich.client import Client

Progress = Callable[[str, int, int], None]

# The artists of the library, keyed as stored rows are, each with the spelling of its longest play and the
# MusicBrainz id its plays carry most often. Listening time ranks them (plays for exports without time).
# `plays` leaves incognito plays out unless the person turned them on, and {kept} leaves out what the person's
# exclusion rules keep out of insights: what is sent follows the same rules as what is shown.
_ARTISTS_SQL = """
SELECT lower(trim(artist)) AS name_key,
       arg_max(artist, coalesce(ms_played, duration_ms, 0)) AS name,
       mode(artist_mbid) FILTER (WHERE artist_mbid IS NOT NULL) AS mbid,
       sum(coalesce(ms_played, duration_ms, 0)) AS listened,
       count(*) AS n
FROM plays
WHERE kind = 'track' AND artist IS NOT NULL AND trim(artist) <> '' AND {kept}
GROUP BY 1
"""
_RECORDINGS_SQL = """
SELECT recording_mbid AS mbid, sum(coalesce(ms_played, duration_ms, 0)) AS listened, count(*) AS n
FROM plays
WHERE kind = 'track' AND recording_mbid IS NOT NULL AND {kept}
GROUP BY 1
"""
# Tracks without a recording id, keyed as enrich_tracks is, each with the spellings of its longest play.
_TRACKS_SQL = """
SELECT lower(trim(artist)) AS artist_key, lower(trim(track)) AS title_key,
       arg_max(artist, coalesce(ms_played, duration_ms, 0)) AS artist,
       arg_max(track, coalesce(ms_played, duration_ms, 0)) AS title,
       sum(coalesce(ms_played, duration_ms, 0)) AS listened,
       count(*) AS n
FROM plays
WHERE kind = 'track' AND artist IS NOT NULL AND trim(artist) <> '' AND track IS NOT NULL AND trim(track) <> ''
  AND recording_mbid IS NULL AND {kept}
GROUP BY 1, 2
"""
# Track searches asked by default: the most listened tracks, about half an hour at one request a second. They
# carry most of the listening time; `--tracks` asks for more, and a later run continues where this one stopped.
DEFAULT_TRACKS = 2000


def _kept(con: duckdb.DuckDBPyConnection) -> str:
    """SQL: the play is not excluded by any of the person's exclusion rules."""
    from linernotes.engine.exclusions import list_rules

    excluded = " OR ".join(r.predicate() for r in list_rules(con))
    return f"NOT ({excluded})" if excluded else "true"


@dataclass(frozen=True)
class ArtistAsk:
    name_key: str
    name: str
    mbid: str | None  # the library's id for the artist: looked up directly, no search

    def request(self) -> str:
        """The first request for this artist (a search may be followed by a lookup of the hit)."""
        return mb.artist_lookup_path(self.mbid) if self.mbid else mb.artist_search_path(self.name)


@dataclass(frozen=True)
class TrackAsk:
    artist_key: str
    title_key: str
    artist: str
    title: str

    def request(self) -> str:
        return mb.recording_search_path(self.artist, self.title)


@dataclass(frozen=True)
class Plan:
    """What a run would ask: artists, then recordings by id, then tracks by title, in order."""

    artists: list[ArtistAsk]
    recordings: list[str]
    known_artists: int  # already stored, not asked (without refresh)
    known_recordings: int
    tracks: list[TrackAsk] = field(default_factory=list)
    known_tracks: int = 0

    @property
    def names(self) -> int:
        return sum(1 for a in self.artists if a.mbid is None)

    @property
    def ids(self) -> int:
        return sum(1 for a in self.artists if a.mbid is not None) + len(self.recordings)

    @property
    def total(self) -> int:
        return len(self.artists) + len(self.recordings) + len(self.tracks)

    @property
    def most_requests(self) -> int:
        """The requests a run sends at most: each first request, and a lookup after each artist search."""
        return len(self.artists) + len(self.recordings) + len(self.tracks) + self.names

    def requests(self) -> list[str]:
        """The exact path and query of every first request (a confident search hit adds its lookup)."""
        return ([a.request() for a in self.artists] + [mb.recording_lookup_path(m) for m in self.recordings]
                + [t.request() for t in self.tracks])

    def to_dict(self) -> dict[str, Any]:
        return {"artists": len(self.artists), "artist_names": self.names, "recordings": len(self.recordings),
                "track_titles": len(self.tracks), "already_known_artists": self.known_artists,
                "already_known_recordings": self.known_recordings, "already_known_tracks": self.known_tracks,
                "most_requests": self.most_requests, "requests": self.requests()}


@dataclass
class Report:
    host: str
    artists_asked: int = 0
    artists_matched: int = 0
    artists_unmatched: int = 0  # no hit, or none confident enough: stored as asked, never used
    recordings_asked: int = 0
    recordings_found: int = 0
    tracks_asked: int = 0
    tracks_matched: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"host": self.host, "artists_asked": self.artists_asked, "artists_matched": self.artists_matched,
                "artists_unmatched": self.artists_unmatched, "recordings_asked": self.recordings_asked,
                "recordings_found": self.recordings_found, "tracks_asked": self.tracks_asked,
                "tracks_matched": self.tracks_matched, "requests": self.requests}


def plan(con: duckdb.DuckDBPyConnection, *, refresh: bool = False, limit: int | None = None,
         tracks: int = DEFAULT_TRACKS) -> Plan:
    """The artists (top ``limit`` by listening time) and recordings (likewise) still to ask about, and the top
    ``tracks`` tracks without a recording id (at most ``limit``) not yet searched."""
    kept = _kept(con)
    skip = "" if refresh else "WHERE name_key NOT IN (SELECT name_key FROM enrich_artists)"
    top = f"LIMIT {int(limit)}" if limit is not None else ""
    ranked = f"SELECT * FROM ({_ARTISTS_SQL.format(kept=kept)}) ORDER BY listened DESC, n DESC, name_key {top}"
    rows = con.execute(f"SELECT name_key, name, mbid FROM ({ranked}) {skip}").fetchall()
    known_a = con.execute(f"SELECT count(*) FROM ({ranked}) WHERE name_key IN "
                          "(SELECT name_key FROM enrich_artists)").fetchall()[0][0]
    artists = [ArtistAsk(k, n, m if mb.is_mbid(m) else None) for k, n, m in rows]
    skip_r = "" if refresh else "WHERE mbid NOT IN (SELECT mbid FROM enrich_recordings)"
    ranked_r = f"SELECT * FROM ({_RECORDINGS_SQL.format(kept=kept)}) ORDER BY listened DESC, n DESC, mbid {top}"
    recordings = [m for (m,) in con.execute(f"SELECT mbid FROM ({ranked_r}) {skip_r}").fetchall() if mb.is_mbid(m)]
    known_r = con.execute(f"SELECT count(*) FROM ({ranked_r}) WHERE mbid IN "
                          "(SELECT mbid FROM enrich_recordings)").fetchall()[0][0]
    n_tracks = min(tracks, limit) if limit is not None else tracks
    ranked_t = (f"SELECT * FROM ({_TRACKS_SQL.format(kept=kept)}) ORDER BY listened DESC, n DESC, artist_key, "
                f"title_key LIMIT {int(max(n_tracks, 0))}")
    skip_t = "" if refresh else ("WHERE NOT EXISTS (SELECT 1 FROM enrich_tracks e WHERE e.artist_key = r.artist_key "
                                 "AND e.title_key = r.title_key)")
    todo_t = [TrackAsk(*row) for row in con.execute(
        f"SELECT artist_key, title_key, artist, title FROM ({ranked_t}) r {skip_t}").fetchall()]
    known_t = con.execute(f"SELECT count(*) FROM ({ranked_t}) r WHERE EXISTS (SELECT 1 FROM enrich_tracks e "
                          "WHERE e.artist_key = r.artist_key AND e.title_key = r.title_key)").fetchall()[0][0]
    return Plan(artists, recordings, int(known_a), int(known_r), todo_t, int(known_t))


def run(con: duckdb.DuckDBPyConnection, client: Client, todo: Plan, *, progress: Progress | None = None) -> Report:
    """Ask MusicBrainz about everything in ``todo``, storing each answer as it arrives. An error stops the run
    (what was stored stays) and is raised."""
    report = Report(host=client.host)
    total = todo.total
    done = 0
    try:
        for ask in todo.artists:
            _artist(con, client, ask, report)
            done += 1
            if progress:
                progress("artists", done, total)
        for mbid in todo.recordings:
            _recording(con, client, mbid, report)
            done += 1
            if progress:
                progress("recordings", done, total)
        for track in todo.tracks:
            _track(con, client, track, report)
            done += 1
            if progress:
                progress("tracks", done, total)
    finally:
        report.requests = client.requests
    return report


def _artist(con: duckdb.DuckDBPyConnection, client: Client, ask: ArtistAsk, report: Report) -> None:
    what = f"the artist {ask.name!r}"
    score: int | None = 100
    mbid = ask.mbid
    if mbid is None:
        match = mb.best_match(client.get(mb.artist_search_path(ask.name), what), ask.name, what)
        score, mbid = match.score, match.mbid
    found = client.get(mb.artist_lookup_path(mbid), what) if mbid else None
    artist = mb.parse_artist(found, what) if found is not None else None
    report.artists_asked += 1
    if artist is None:
        report.artists_unmatched += 1
        con.execute("INSERT OR REPLACE INTO enrich_artists (name_key, name, asked_mbid, matched, score, fetched_at) "
                    "VALUES (?, ?, ?, false, ?, now())", [ask.name_key, ask.name, ask.mbid, score])
        return
    report.artists_matched += 1
    con.execute("INSERT OR REPLACE INTO enrich_artists VALUES (?, ?, ?, true, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                [ask.name_key, ask.name, ask.mbid, score, artist.mbid, artist.name, artist.type, artist.country,
                 artist.begin_year, artist.genres, artist.tags])


def _recording(con: duckdb.DuckDBPyConnection, client: Client, mbid: str, report: Report) -> None:
    what = f"the recording {mbid}"
    found = client.get(mb.recording_lookup_path(mbid), what)
    recording = mb.parse_recording(found, what) if found is not None else None
    report.recordings_asked += 1
    if recording is None:
        con.execute("INSERT OR REPLACE INTO enrich_recordings VALUES (?, false, NULL, NULL, now())", [mbid])
        return
    report.recordings_found += 1
    con.execute("INSERT OR REPLACE INTO enrich_recordings VALUES (?, true, ?, ?, now())",
                [mbid, recording.title, recording.year])


def _track(con: duckdb.DuckDBPyConnection, client: Client, ask: TrackAsk, report: Report) -> None:
    what = f"the track {ask.title!r}"
    found = client.get(ask.request(), what)
    match = mb.best_recording(found, ask.artist, ask.title, what) if found is not None else mb.TrackMatch(
        None, None, None)
    report.tracks_asked += 1
    report.tracks_matched += match.mbid is not None
    con.execute("INSERT OR REPLACE INTO enrich_tracks VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())",
                [ask.artist_key, ask.title_key, ask.artist, ask.title, match.mbid is not None, match.score,
                 match.mbid, match.year])


def forget_orphans(con: duckdb.DuckDBPyConnection) -> None:
    """Delete what was fetched for artists and recordings that no stored play names any more (after ``forget``).
    Caller owns the transaction."""
    con.execute("DELETE FROM enrich_artists WHERE name_key NOT IN "
                "(SELECT lower(trim(artist)) FROM play_rows WHERE artist IS NOT NULL)")
    con.execute("DELETE FROM enrich_recordings WHERE mbid NOT IN "
                "(SELECT recording_mbid FROM play_rows WHERE recording_mbid IS NOT NULL)")
    con.execute("DELETE FROM enrich_tracks t WHERE NOT EXISTS (SELECT 1 FROM play_rows p "
                "WHERE lower(trim(p.artist)) = t.artist_key AND lower(trim(p.track)) = t.title_key)")
