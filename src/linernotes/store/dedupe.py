"""Loading staged plays: exact and near-duplicate removal, cross-source merges, insertion.

All set-based SQL over a temp table; no Python loop per play. Every staged row ends with one fate:

- ``stored``            new play, inserted;
- ``duplicate``         the same record twice in this import (same source, ts_end, item, ms_played);
- ``already_imported``  already in the library (re-import);
- ``near_duplicate``    FORMATS.md §1.6: same end time and item with a different ms_played (the longer
                        play wins; not for Account data, whose minute-truncated end times make two real
                        plays of a track in one minute look alike), or the same item with the same
                        ms_played ending less than half that ms_played (at most 2 minutes) after the
                        previous one (remote-control storms and double-logged plays; physically
                        impossible as separate listens), widened to 30 s for rows whose time is imprecise;
- ``merged``            the same listen from a poorer source (Account data vs Extended: same item, same
                        ms_played, end time in the same minute; a scrobble vs a Spotify play: same artist and
                        track starting within 2 minutes). The richer row wins; when the richer row arrives
                        later, the poorer stored row is deleted and counted as ``replaced``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from linernotes.schema import Source

SCROBBLE_WINDOW_S = 120
# Sources that stamp the start of a play and know nothing of how long it lasted.
SCROBBLE_SOURCES = (Source.LISTENBRAINZ, Source.LASTFM, Source.YOUTUBE_MUSIC)
STORM_FUZZY_MS = 30_000
# Echoes (storms, double-logged rows) arrive seconds apart; beyond two minutes, leave a pair alone even
# if it overlaps, rather than guess (clock skew between devices can make real plays overlap).
ECHO_MAX_MS = 120_000

_NAME_KEY = """
CASE {t}kind
    WHEN 'track' THEN lower(trim(coalesce({t}artist, ''))) || chr(31) || lower(trim(coalesce({t}track, '')))
    WHEN 'episode' THEN lower(trim(coalesce({t}show_name, ''))) || chr(31) || lower(trim(coalesce({t}episode, '')))
    WHEN 'video' THEN lower(trim(coalesce({t}show_name, ''))) || chr(31) || lower(trim(coalesce({t}episode, '')))
    WHEN 'audiobook' THEN lower(trim(coalesce({t}audiobook, ''))) || chr(31) || lower(trim(coalesce({t}chapter, '')))
END
"""


def name_key(alias: str = "") -> str:
    """SQL for the source-independent identity of what was played (lower-cased names)."""
    return _NAME_KEY.format(t=f"{alias}." if alias else "")


def item_key(alias: str = "") -> str:
    """SQL for the item identity within one source: the URI when there is one, else the names."""
    t = f"{alias}." if alias else ""
    return f"coalesce({t}uri, {name_key(alias)}, '')"


def play_id(alias: str = "") -> str:
    """SQL for the deterministic play id: a 64-bit hash of the source and the natural key (end time, item,
    ms_played). DuckDB's hash() is ~25x faster than md5; :mod:`linernotes.store.db` checks at every open
    that it still hashes as when the ids were made and recomputes them if a DuckDB upgrade changed it."""
    t = f"{alias}." if alias else ""
    return f"hash({t}source, epoch_us({t}ts_end), {item_key(alias)}, {t}ms_played)"


def _richness_sql(alias: str) -> str:
    cases = " ".join(f"WHEN '{s.value}' THEN {s.richness}" for s in Source)
    return f"CASE {alias}.source {cases} END"


@dataclass
class Outcome:
    per_file: dict[int, dict[str, int]] = field(default_factory=dict)


class Loader:
    """Loads one import inside the caller's transaction, file by file, then settles near-duplicates and
    cross-source merges.

    Each file's rows go to ``play_rows`` as soon as it is parsed (so storing overlaps with parsing the
    next files), minus exact duplicates and plays already stored. A narrow key table ``s`` remembers every
    staged row's fate; :meth:`finish` decides near-duplicates and merges over it and deletes the losers
    this import had stored. Files must be added in a fixed order for the result to be deterministic.

    Example::

        loader = Loader(con, import_id)
        loader.add(list(enumerate(tables)))
        outcome = loader.finish()
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, import_id: int) -> None:
        self.con = con
        self.import_id = int(import_id)
        self.had_plays = con.execute("SELECT count(*) > 0 FROM play_rows").fetchall()[0][0]
        con.execute("""
            CREATE OR REPLACE TEMP TABLE s (
                i BIGINT, file_no INTEGER, row_no BIGINT, play_id UBIGINT, item_hash UBIGINT, source VARCHAR,
                ts_start TIMESTAMPTZ, ts_end TIMESTAMPTZ, ms_played BIGINT, fuzzy_time BOOLEAN, fate VARCHAR)
        """)

    def add(self, files: list[tuple[int, pa.Table]]) -> None:
        """Stage a batch of files' rows (``(file_no, STAGED_SCHEMA table)``) and store the new plays.

        Batches of a few hundred thousand rows keep the per-statement overhead low while the next files
        are still being parsed.
        """
        from linernotes.devices import device_family_table

        files = [(no, t) for no, t in files if t.num_rows]
        if not files:
            return
        con = self.con
        table = pa.concat_tables([t for _, t in files])
        file_no = np.concatenate([np.full(t.num_rows, no, dtype=np.int32) for no, t in files])
        row_no = np.concatenate([np.arange(t.num_rows, dtype=np.int64) for _, t in files])
        table = table.append_column("file_no", pa.array(file_no)).append_column("row_no", pa.array(row_no))
        con.register("_batch", table)
        stored_before = "OR k.play_id IN (SELECT play_id FROM play_rows)" if self.had_plays else ""
        # Within this import an exact repeat is a duplicate (first occurrence kept); a play stored by an
        # earlier import is already_imported. Both are decided before anything is written. Rows are
        # matched by (file_no, row_no), never by result order.
        con.execute(f"""
            INSERT INTO s
            SELECT (k.file_no::BIGINT << 32) + k.row_no, k.file_no, k.row_no,
                   k.play_id, k.item_hash, k.source, k.ts_start, k.ts_end, k.ms_played, k.fuzzy_time,
                   CASE WHEN k.rn > 1 OR k.play_id IN (SELECT play_id FROM s) THEN 'duplicate'
                        WHEN false {stored_before} THEN 'already_imported' END
            FROM (SELECT *, {play_id()} AS play_id, hash({item_key()}) AS item_hash,
                         row_number() OVER (PARTITION BY {play_id()} ORDER BY file_no, row_no) AS rn
                  FROM _batch) k
        """)
        platforms = pc.unique(table.column("platform").drop_null()).to_pylist()
        con.register("_devices", device_family_table(platforms))
        first, last = files[0][0], files[-1][0]
        con.execute(f"""
            INSERT INTO play_rows
            SELECT n.play_id, {self.import_id}, k.source, k.format, k.kind, k.ts_start, k.ts_end, k.ms_played,
                   k.track, k.artist, k.album, k.show_name, k.episode, k.audiobook, k.chapter, k.uri,
                   k.platform, coalesce(d.device, 'unknown'), k.country,
                   k.reason_start, k.reason_end, k.shuffle, k.skipped, k.offline, k.incognito,
                   k.duration_ms, k.recording_mbid, k.artist_mbid, k.release_mbid, k.fuzzy_time
            FROM _batch k
            JOIN (SELECT file_no, row_no, play_id FROM s
                  WHERE file_no BETWEEN {int(first)} AND {int(last)} AND fate IS NULL) n
              ON n.file_no = k.file_no AND n.row_no = k.row_no
            LEFT JOIN _devices d ON d.platform = k.platform
        """)
        con.unregister("_batch")
        con.unregister("_devices")

    def finish(self) -> Outcome:
        """Settle near-duplicates and merges, delete their losers, and count every row's fate per file."""
        con = self.con
        _near_duplicates(con, self.import_id)
        replaced_by_file = _cross_source_merges(con, self.import_id)
        con.execute(f"""
            DELETE FROM play_rows
            WHERE import_id = {self.import_id}
              AND play_id IN (SELECT play_id FROM s WHERE fate IN ('near_duplicate', 'merged'))
        """)
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for file_no, fate, n in con.execute(
            "SELECT file_no, coalesce(fate, 'stored'), count(*) FROM s GROUP BY ALL"
        ).fetchall():
            counts[int(file_no)][fate] = int(n)
        for file_no, n in replaced_by_file.items():
            counts[file_no]["replaced"] = n
        con.execute("DROP TABLE s")
        return Outcome(per_file=dict(counts))


def _near_duplicates(con: duckdb.DuckDBPyConnection, import_id: int) -> None:
    bounds = con.execute(
        "SELECT min(ts_end) - INTERVAL 1 DAY, max(ts_end) + INTERVAL 1 DAY FROM s WHERE fate IS NULL"
    ).fetchall()[0]
    if bounds is None or bounds[0] is None:
        return
    # Candidates: the new rows plus stored rows of the same sources around the same time, so a storm or
    # a near-duplicate is recognised across imports too. Stored rows always win.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE u AS
        SELECT i AS rid, true AS is_new, source, item_hash, ts_end, ms_played, fuzzy_time, file_no, row_no
        FROM s WHERE fate IS NULL
        UNION ALL
        SELECT NULL, false, p.source, hash({item_key('p')}), p.ts_end, p.ms_played, p.fuzzy_time, -1, -1
        FROM play_rows p
        WHERE p.import_id <> {int(import_id)}
          AND p.source IN (SELECT DISTINCT source FROM s WHERE fate IS NULL)
          AND p.ts_end BETWEEN ? AND ?
    """, [bounds[0], bounds[1]])
    # Window functions only over rows that can match at all: groups found by a cheap hash aggregate first.
    con.execute(f"""
        UPDATE s SET fate = 'near_duplicate' WHERE i IN (
            WITH same_end AS (
                SELECT * FROM u WHERE hash(source, item_hash, ts_end) IN (
                    SELECT hash(source, item_hash, ts_end) FROM u GROUP BY ALL HAVING count(*) > 1)),
            a AS (
                SELECT rid, is_new, source = '{Source.SPOTIFY_ACCOUNT.value}' AS minute_precision,
                       row_number() OVER (
                           PARTITION BY source, item_hash, ts_end
                           ORDER BY is_new, ms_played DESC NULLS LAST, file_no, row_no) AS rn
                FROM same_end),
            a_lost AS (SELECT rid FROM a WHERE rn > 1 AND is_new AND NOT minute_precision),
            same_ms AS (
                SELECT * FROM u
                WHERE ms_played > 0 AND hash(source, item_hash, ms_played) IN (
                    SELECT hash(source, item_hash, ms_played) FROM u WHERE ms_played > 0
                    GROUP BY ALL HAVING count(*) > 1)
                  AND (rid IS NULL OR rid NOT IN (SELECT rid FROM a_lost))),
            b AS (
                SELECT *, lag(ts_end) OVER (
                    PARTITION BY source, item_hash, ms_played
                    ORDER BY ts_end, is_new, file_no, row_no) AS prev_end
                FROM same_ms)
            SELECT rid FROM a_lost
            UNION ALL
            SELECT rid FROM b
            WHERE is_new AND prev_end IS NOT NULL
              AND epoch_ms(ts_end) - epoch_ms(prev_end) < greatest(
                  least(ms_played / 2, {ECHO_MAX_MS}), CASE WHEN fuzzy_time THEN {STORM_FUZZY_MS} ELSE 0 END))
    """)
    con.execute("DROP TABLE u")


def _cross_source_merges(con: duckdb.DuckDBPyConnection, import_id: int) -> dict[int, int]:
    """Drop (or delete) the poorer copy of a listen seen by two sources. Returns replaced counts per file."""
    new_sources = {r[0] for r in con.execute("SELECT DISTINCT source FROM s WHERE fate IS NULL").fetchall()}
    if not new_sources:
        return {}
    bounds = con.execute(
        "SELECT min(ts_start) - INTERVAL 1 DAY, max(ts_end) + INTERVAL 1 DAY FROM s WHERE fate IS NULL"
    ).fetchall()[0]
    assert bounds is not None
    stored_sources = {r[0] for r in con.execute(
        f"SELECT DISTINCT source FROM play_rows WHERE import_id <> {int(import_id)} AND ts_end BETWEEN ? AND ?",
        [bounds[0], bounds[1]],
    ).fetchall()}
    if len(new_sources | stored_sources) < 2:
        return {}
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE c AS
        SELECT s.i AS rid, p.play_id, true AS is_new, s.file_no, p.source,
               {_richness_sql('p')} AS richness, {name_key('p')} AS name_key,
               p.ts_start, p.ts_end, p.ms_played
        FROM play_rows p JOIN s ON s.play_id = p.play_id AND s.fate IS NULL
        WHERE p.import_id = {int(import_id)} AND p.kind <> 'unknown'
        UNION ALL
        SELECT NULL, p.play_id, false, -1, p.source, {_richness_sql('p')}, {name_key('p')},
               p.ts_start, p.ts_end, p.ms_played
        FROM play_rows p
        WHERE p.import_id <> {int(import_id)} AND p.ts_end BETWEEN ? AND ? AND p.kind <> 'unknown'
    """, [bounds[0], bounds[1]])
    # Account data vs Extended: the account row's end is the extended end truncated to the minute.
    # Scrobbles vs anything richer: start times within SCROBBLE_WINDOW_S, matched through minute buckets
    # so the join stays a hash join even for tracks played thousands of times.
    buckets = SCROBBLE_WINDOW_S // 60 + 1
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE pairs AS
        SELECT l.rid AS l_rid, l.play_id AS l_play_id, l.is_new AS l_new,
               w.is_new AS w_new, w.file_no AS w_file
        FROM c l JOIN c w
          ON l.name_key = w.name_key AND l.ms_played = w.ms_played
         AND l.ts_end = date_trunc('minute', w.ts_end)
        WHERE l.source = '{Source.SPOTIFY_ACCOUNT.value}' AND w.source = '{Source.SPOTIFY_EXTENDED.value}'
          AND (l.is_new OR w.is_new)
        UNION ALL
        SELECT l.rid, l.play_id, l.is_new, w.is_new, w.file_no
        FROM (SELECT *, unnest(range(-{buckets}, {buckets + 1})) + epoch(ts_start)::BIGINT // 60 AS bucket
              FROM c WHERE source IN ({", ".join(f"'{s.value}'" for s in SCROBBLE_SOURCES)})) l
        JOIN (SELECT *, epoch(ts_start)::BIGINT // 60 AS bucket FROM c) w
          ON l.name_key = w.name_key AND l.bucket = w.bucket
        WHERE w.richness < l.richness AND (l.is_new OR w.is_new)
          AND abs(epoch(l.ts_start) - epoch(w.ts_start)) <= {SCROBBLE_WINDOW_S}
    """)
    con.execute("""
        UPDATE s SET fate = 'merged' WHERE fate IS NULL AND i IN (SELECT l_rid FROM pairs WHERE l_new)
    """)
    replaced = {
        int(f): int(n)
        for f, n in con.execute("""
            SELECT w_file, count(DISTINCT l_play_id) FROM (
                SELECT l_play_id, min(w_file) AS w_file FROM pairs
                WHERE NOT l_new AND w_new GROUP BY l_play_id)
            GROUP BY w_file
        """).fetchall()
    }
    con.execute(f"""
        DELETE FROM play_rows
        WHERE import_id <> {int(import_id)}
          AND play_id IN (SELECT l_play_id FROM pairs WHERE NOT l_new AND w_new)
    """)
    con.execute("DROP TABLE pairs")
    con.execute("DROP TABLE c")
    return replaced
