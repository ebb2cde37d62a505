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


def load(con: duckdb.DuckDBPyConnection, staged: pa.Table, import_id: int) -> Outcome:
    """Dedupe, merge and insert ``staged``: STAGED_SCHEMA plus ``file_no``, ``row_no`` and ``i`` (its
    position). Caller owns the transaction.

    Fates are decided on a narrow key table ``s``; the wide rows go from Arrow to ``play_rows`` once.
    """
    from linernotes.devices import device_family_table

    con.register("_staged", staged)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE s AS
        SELECT i, file_no, row_no, {play_id()} AS play_id, hash({item_key()}) AS item_hash,
               source, ts_start, ts_end, ms_played, fuzzy_time, NULL::VARCHAR AS fate
        FROM _staged
    """)

    # 1. The same record twice in this import.
    con.execute("""
        UPDATE s SET fate = 'duplicate' WHERE i IN (
            SELECT i FROM (
                SELECT i, row_number() OVER (PARTITION BY play_id ORDER BY file_no, row_no) AS rn
                FROM s WHERE play_id IN (SELECT play_id FROM s GROUP BY play_id HAVING count(*) > 1))
            WHERE rn > 1)
    """)
    # 2. Already in the library (a re-import).
    con.execute("""
        UPDATE s SET fate = 'already_imported'
        WHERE fate IS NULL AND play_id IN (SELECT play_id FROM play_rows)
    """)
    _near_duplicates(con)
    replaced_by_file = _cross_source_merges(con)

    rejected = con.execute("SELECT i FROM s WHERE fate IS NOT NULL").fetchnumpy()["i"]
    keep = np.ones(staged.num_rows, dtype=bool)
    keep[rejected] = False
    con.unregister("_staged")
    kept = staged.filter(pa.array(keep)) if len(rejected) else staged
    platforms = pc.unique(kept.column("platform").drop_null()).to_pylist() if kept.num_rows else []
    con.register("_kept", kept)
    con.register("_devices", device_family_table(platforms))
    con.execute(f"""
        INSERT INTO play_rows
        SELECT {play_id('k')}, {int(import_id)}, k.source, k.format, k.kind, k.ts_start, k.ts_end, k.ms_played,
               k.track, k.artist, k.album, k.show_name, k.episode, k.audiobook, k.chapter, k.uri,
               k.platform, coalesce(d.device, 'unknown'), k.country,
               k.reason_start, k.reason_end, k.shuffle, k.skipped, k.offline, k.incognito,
               k.duration_ms, k.recording_mbid, k.artist_mbid, k.release_mbid, k.fuzzy_time
        FROM _kept k LEFT JOIN _devices d ON d.platform = k.platform
    """)
    con.unregister("_kept")
    con.unregister("_devices")

    outcome = Outcome()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for file_no, fate, n in con.execute(
        "SELECT file_no, coalesce(fate, 'stored'), count(*) FROM s GROUP BY ALL"
    ).fetchall():
        counts[int(file_no)][fate] = int(n)
    for file_no, n in replaced_by_file.items():
        counts[file_no]["replaced"] = n
    outcome.per_file = dict(counts)
    con.execute("DROP TABLE s")
    return outcome


def _near_duplicates(con: duckdb.DuckDBPyConnection) -> None:
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
        WHERE p.source IN (SELECT DISTINCT source FROM s WHERE fate IS NULL)
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


def _cross_source_merges(con: duckdb.DuckDBPyConnection) -> dict[int, int]:
    """Drop (or delete) the poorer copy of a listen seen by two sources. Returns replaced counts per file."""
    new_sources = {r[0] for r in con.execute("SELECT DISTINCT source FROM s WHERE fate IS NULL").fetchall()}
    if not new_sources:
        return {}
    bounds = con.execute(
        "SELECT min(ts_start) - INTERVAL 1 DAY, max(ts_end) + INTERVAL 1 DAY FROM s WHERE fate IS NULL"
    ).fetchall()[0]
    assert bounds is not None
    stored_sources = {r[0] for r in con.execute(
        "SELECT DISTINCT source FROM play_rows WHERE ts_end BETWEEN ? AND ?", [bounds[0], bounds[1]]
    ).fetchall()}
    if len(new_sources | stored_sources) < 2:
        return {}
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE c AS
        SELECT st.i AS rid, NULL::UBIGINT AS play_id, true AS is_new, st.file_no, st.source,
               {_richness_sql('st')} AS richness, {name_key('st')} AS name_key,
               st.ts_start, st.ts_end, st.ms_played
        FROM _staged st SEMI JOIN s ON s.i = st.i AND s.fate IS NULL
        WHERE st.kind <> 'unknown'
        UNION ALL
        SELECT NULL, p.play_id, false, -1, p.source, {_richness_sql('p')}, {name_key('p')},
               p.ts_start, p.ts_end, p.ms_played
        FROM play_rows p
        WHERE p.ts_end BETWEEN ? AND ? AND p.kind <> 'unknown'
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
    con.execute("""
        DELETE FROM play_rows WHERE play_id IN (SELECT l_play_id FROM pairs WHERE NOT l_new AND w_new)
    """)
    con.execute("DROP TABLE pairs")
    con.execute("DROP TABLE c")
    return replaced
