"""Podcasts hidden in Account-data music files: which "artists" are shows, from evidence.

The old Account data (``StreamingHistoryN.json``) lists podcast episodes among the music: show name as
``artistName``, episode title as ``trackName`` (docs/formats.md §2.3). Nothing in a row says which is which, so
each name is judged on evidence found anywhere in the library:

- ``known_show``: the name is a show elsewhere — an Account podcast file, or an Extended row's
  ``episode_show_name``;
- ``episode_titles``: its titles look like episodes (``S01E02``, ``Ep. 12``, ``Episode 4``, ``#123``,
  ``694: ...``) — at least half of them, or one heard for ten minutes or more;
- ``long_plays``: its titles are long plays that are hardly ever repeated: at least half of them were
  heard for 20 minutes or more in all, 10 or more at once (an episode is often heard in two or three
  sittings), and a title is played at most three times on average (an album of long doom-metal tracks is
  replayed; an episode is not);
- ``show_name``: the name says so ("... Podcast"), or a show-like word ("Show", "Radio", "Hour", ...)
  together with one long play or episode-like title;
- ``corrections``: a person said so (``linernotes kind show NAME`` / ``linernotes kind artist NAME``);
  a correction wins over every rule.

Every import re-runs the whole classification over all Account music rows (both file namings: the kind of
a row never depends on its file's name or on the order of imports), so a later import that brings the
shows' names (an Extended export) fixes rows imported before. The change is reversible: a row's names
move between ``artist``/``track`` and ``show_name``/``episode``, which keeps its play id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

# Account music rows: their kind is decided here (podcast-file rows are always episodes).
ACCOUNT_MUSIC_FORMATS = ("spotify_account_legacy", "spotify_account_music")
_FORMATS_SQL = ", ".join(f"'{f}'" for f in ACCOUNT_MUSIC_FORMATS)

# Titles that look like episodes. "#2" or "Part 2" are common in song titles; "#123" and "694: ..." are not.
EPISODE_TITLE = (r"(?i)(\bS\d{1,2}\s?E\d{1,3}\b|\bE\d{1,4}\s*[:\-]|\bEp(isode)?\.?\s*\d+|\bEpisode\b|#\d{3,}"
                 r"|^\d{1,4}\s*[:|]\s|^\d{1,3}\.\d{1,3}\s*-)")
# A name that is surely a show, and words that make a show-like name (weak on their own).
SHOW_NAME = r"(?i)\b(podcast|pod)\b"
SHOW_WORD = r"(?i)\b(show|radio|hour|talk|daily|presents|mysteries|true crime|theater|theatre)\b"
LONG_MS = 20 * 60_000
EPISODE_MS = 10 * 60_000
MAX_PLAYS_PER_TITLE = 3.0

EVIDENCE = ("known_show", "episode_titles", "long_plays", "show_name", "corrections")


@dataclass
class Classified:
    """What the last classification found: shows, their plays, and how many names each kind of evidence
    marked (a name can have several)."""

    shows: int = 0
    plays: int = 0
    evidence: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVIDENCE, 0))

    def to_dict(self) -> dict[str, object]:
        return {"shows": self.shows, "plays": self.plays, "evidence": dict(self.evidence)}


def reclassify(con: duckdb.DuckDBPyConnection) -> Classified:
    """Decide afresh which Account music rows are podcast episodes (inside the caller's transaction)."""
    # Back to what the file said, then judge every name again.
    con.execute(f"""
        UPDATE play_rows SET kind = 'track', artist = show_name, track = episode, show_name = NULL, episode = NULL
        WHERE format IN ({_FORMATS_SQL}) AND kind = 'episode'
    """)
    has_rows = con.execute(f"SELECT count(*) FROM play_rows WHERE format IN ({_FORMATS_SQL}) AND kind = 'track'"
                           ).fetchall()[0][0]
    result = Classified()
    if not has_rows:
        return result
    rows = con.execute(f"""
        WITH a AS (
            SELECT lower(trim(artist)) AS name_key, track, max(ms_played) AS longest, sum(ms_played) AS total,
                   count(*) AS plays
            FROM play_rows WHERE format IN ({_FORMATS_SQL}) AND kind = 'track' AND artist IS NOT NULL
            GROUP BY 1, 2),
        known AS (
            SELECT DISTINCT lower(trim(show_name)) AS name_key FROM play_rows
            WHERE kind IN ('episode', 'video') AND show_name IS NOT NULL
              AND format NOT IN ({_FORMATS_SQL})),
        per AS (
            SELECT name_key, count(*) AS titles, sum(plays) AS plays,
                   count(*) FILTER (WHERE regexp_matches(track, $ep)) AS ep_titles,
                   count(*) FILTER (WHERE regexp_matches(track, $ep) AND longest >= {EPISODE_MS}) AS ep_long,
                   count(*) FILTER (WHERE longest >= {EPISODE_MS} AND total >= {LONG_MS}) AS long_titles,
                   count(*) FILTER (WHERE longest >= {EPISODE_MS}) AS long10
            FROM a WHERE track IS NOT NULL GROUP BY 1)
        SELECT per.name_key,
               known.name_key IS NOT NULL AS known_show,
               (ep_titles >= 2 AND ep_titles * 2 >= titles) OR ep_long >= 1 AS episode_titles,
               long_titles >= 1 AND long_titles * 2 >= titles AND plays <= {MAX_PLAYS_PER_TITLE} * titles
                   AS long_plays,
               regexp_matches(per.name_key, $name)
                   OR (regexp_matches(per.name_key, $word) AND (long10 >= 1 OR ep_titles >= 1)) AS show_name,
               c.kind AS corrected
        FROM per LEFT JOIN known USING (name_key) LEFT JOIN kind_corrections c USING (name_key)
    """, {"ep": EPISODE_TITLE, "name": SHOW_NAME, "word": SHOW_WORD}).fetchall()
    shows: list[str] = []
    for name_key, *flags, corrected in rows:
        for key, flag in zip(EVIDENCE[:4], flags, strict=True):
            if flag:
                result.evidence[key] += 1
        if corrected is not None:
            result.evidence["corrections"] += 1
            if corrected == "show":
                shows.append(name_key)
        elif any(flags):
            shows.append(name_key)
    if shows:
        con.execute("CREATE OR REPLACE TEMP TABLE _shows AS SELECT unnest($1::VARCHAR[]) AS name_key", [shows])
        # No try/finally: a failed or interrupted update aborts the import's transaction, where a DROP would raise
        # over the real error; the rollback drops _shows anyway.
        n = con.execute(f"""
            UPDATE play_rows SET kind = 'episode', show_name = artist, episode = track, artist = NULL,
                                 track = NULL
            WHERE format IN ({_FORMATS_SQL}) AND kind = 'track'
              AND lower(trim(artist)) IN (SELECT name_key FROM _shows)
        """).fetchall()[0][0]
        con.execute("DROP TABLE _shows")
        result.plays = int(n)
    result.shows = len(shows)
    return result


def correct(con: duckdb.DuckDBPyConnection, name: str, kind: str | None) -> Classified:
    """Record that ``name`` is a show (``kind="show"``) or an artist (``"artist"``), or with ``None`` forget
    the correction; then classify again. Corrections are stored in the library and re-applied after every
    import."""
    key = name.strip().lower()
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM kind_corrections WHERE name_key = ?", [key])
        if kind is not None:
            con.execute("INSERT INTO kind_corrections VALUES (?, ?, ?, now())", [key, name.strip(), kind])
        result = reclassify(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return result


def corrections(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The stored corrections: (name, 'show' | 'artist'), by name."""
    return [(n, k) for n, k in con.execute("SELECT name, kind FROM kind_corrections ORDER BY name_key").fetchall()]
