"""Invented MusicBrainz answers for the insights fixture (tests.support.insight_fixture), written straight into the
enrichment tables as `linernotes enrich` would leave them, so the ``eras`` insight can be checked by hand.

Every name, id and year here is made up. What it plants:

- "Aurora Lane" (Norway): her "Glow 1".."Glow 5" found by search, first released 2015;
- "Harbour" (United Kingdom): plays marked as from ListenBrainz with a recording id each; "Tide 1", "Tide 3".."Tide
  6" first released 1968, but "Tide 2" 2030 — after the plays, so not trusted;
- "Mellow Fields" (Germany, the fixture's home): "Grass" found by search (2003), "Rain" searched and not matched;
- "Night Tram" (an artist active worldwide, MusicBrainz's "XW"): "Loop" and "Last Stop" from 2024, the year they
  are played;
- "Noise Unit": an artist matched with a country code that names no country ("QQ"); "Kinderlieder": matched, no
  country. Neither has a release year.
"""

from __future__ import annotations

import uuid

import duckdb

ARTISTS = {"Aurora Lane": "NO", "Harbour": "GB", "Mellow Fields": "DE", "Night Tram": "XW", "Noise Unit": "QQ",
           "Kinderlieder": None}
SEARCHED = {("Aurora Lane", f"Glow {i}"): 2015 for i in range(1, 6)} | {
    ("Mellow Fields", "Grass"): 2003, ("Mellow Fields", "Rain"): None,
    ("Night Tram", "Loop"): 2024, ("Night Tram", "Last Stop"): 2024}
RECORDINGS = {f"Tide {i}": 2030 if i == 2 else 1968 for i in range(1, 7)}


def recording_id(title: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"linernotes-test-recording/{title}"))


def enrich_fixture(con: duckdb.DuckDBPyConnection, *, artists: bool = True, tracks: bool = True,
                   recordings: bool = True) -> None:
    """Fill the enrichment tables of a library of the insights fixture (writable) with the invented answers
    above; each part can be left out. Harbour's plays become ListenBrainz plays with recording ids."""
    if artists:
        con.executemany(
            "INSERT INTO enrich_artists (name_key, name, matched, score, mbid, country, begin_year, type, genres, "
            "tags, fetched_at) VALUES (lower(?), ?, true, 100, ?, ?, 1990, 'Group', [], [], now())",
            [(name, name, str(uuid.uuid5(uuid.NAMESPACE_URL, name)), country) for name, country in ARTISTS.items()])
    if tracks:
        con.executemany(
            "INSERT INTO enrich_tracks (artist_key, title_key, artist, title, matched, score, mbid, first_release_year,"
            " fetched_at) VALUES (lower(?), lower(?), ?, ?, ?, ?, NULL, ?, now())",
            [(a, t, a, t, year is not None, 95 if year else 40, year) for (a, t), year in SEARCHED.items()])
    if recordings:
        con.executemany(
            "INSERT INTO enrich_recordings (mbid, found, title, first_release_year, fetched_at) "
            "VALUES (?, true, ?, ?, now())", [(recording_id(t), t, y) for t, y in RECORDINGS.items()])
        for title in RECORDINGS:
            con.execute("UPDATE play_rows SET recording_mbid = ?, source = 'listenbrainz' WHERE artist = 'Harbour' "
                        "AND track = ?", [recording_id(title), title])
