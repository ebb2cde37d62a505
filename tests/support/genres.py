"""Genres for test libraries: the importers that record a genre per play (Apple Music) fill ``play_rows.genre``;
a test library built from a Spotify export gets its genres here instead, deterministically by artist."""

from __future__ import annotations

import duckdb

# Artists of tests.support.insight_fixture and tests.support.ask_cases with the genre an export would give them.
# Left out on purpose (no genre, as in a mixed library): "Kinderlieder", "Secret Band", "Noise Unit", "Night
# Tram" in the fixture; several artists of the ask cases. Spellings differ in case on purpose ("alternative").
FIXTURE_GENRES = {
    "Aurora Lane": "Alternative",
    "Harbour": "Jazz",
    "Mellow Fields": " Pop ",  # the spaces are trimmed
    "Noise Unit": "unknown",  # a placeholder: no genre
}
CASE_GENRES = {
    "Radiohead": "Alternative",
    "Björk": "Electronic",
    "Massive Attack": "Electronic",
    "Portishead": "alternative",
    "Nils Frahm": "Classical",
    "Fleetwood Mac": "Rock",
    "Daft Punk": "Dance",
    "Kendrick Lamar": "Hip-Hop/Rap",
    "Phoebe Bridgers": "Singer/Songwriter",
    "Beyoncé": "R&B/Soul",
    "Boards of Canada": "Electronic",
    "The National": "Alternative",
    "Aurora Lane": "Jazz",
}


def tag_genres(con: duckdb.DuckDBPyConnection, genres: dict[str, str], *, source: str | None = "apple_music") -> int:
    """Set the genre of every music play of the artists in ``genres`` (others keep none) and, with ``source``,
    mark those plays as from that source (the service whose export names genres); returns the plays tagged.
    The library must be writable."""
    con.execute("CREATE OR REPLACE TEMP TABLE _test_genres (artist VARCHAR, genre VARCHAR)")
    con.executemany("INSERT INTO _test_genres VALUES (?, ?)", list(genres.items()))
    con.execute("UPDATE play_rows SET genre = g.genre, source = coalesce(?, play_rows.source) FROM _test_genres g "
                "WHERE play_rows.artist = g.artist AND play_rows.kind = 'track'", [source])
    tagged = con.execute("SELECT count(*) FROM play_rows WHERE genre IS NOT NULL").fetchall()[0][0]
    con.execute("DROP TABLE _test_genres")
    return int(tagged)
