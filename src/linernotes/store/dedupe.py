"""Loading staged plays: exact and near-duplicate removal, cross-source merges, insertion.

All set-based SQL; no Python loop per play. An import's files are staged first (richest sources first,
see :mod:`linernotes.store.staging`); their fates are settled *before* any row is written, so an import
never deletes what it wrote (a delete inside the big transaction would make DuckDB rewrite it at commit).
Between two copies of one listen the copy stored first — by an earlier import, or an earlier batch (the
loader takes several staged tables in turn) — wins. Every staged row ends with one fate:

- ``stored``            new play, inserted;
- ``duplicate``         the same record twice in this import (same source, ts_end, item, ms_played);
- ``already_imported``  already in the library (re-import);
- ``near_duplicate``    docs/formats.md §1.6: same end time and item with a different ms_played (the longer
                        play wins; not for Account data, whose minute-truncated end times make two real
                        plays of a track in one minute look alike), or an *echo*: the same item with the
                        same ms_played ending less than half that ms_played (at most 2 minutes) after
                        another copy (remote-control storms and double-logged plays; physically impossible
                        as separate listens; the first copy is kept), widened to 30 s for rows whose time
                        is imprecise;
- ``merged``            the same listen from a poorer source (Account data vs Extended: same item, same
                        ms_played, end time in the same minute; a scrobble vs a richer play: same artist and
                        track, the first such play to end after the scrobble, if it can have started by
                        then — pauses included). The richer
                        row wins; when the richer row arrives later, the poorer stored row is deleted and
                        counted as ``replaced``. Also a day's summary from Apple Music's Daily Tracks when
                        Play Activity has plays of that track (same title, same artist where both name
                        one) on that day (its UTC day, or its local day from the recorded offset): the
                        plays win, in either order, so a day is never counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from linernotes.schema import Source

SCROBBLE_WINDOW_S = 120
# How long before a Spotify play's computed start (end − ms_played, blind to pauses) its scrobble may be.
PAUSE_ALLOWANCE_S = 3600
# Sources that stamp the start of a play and know nothing of how long it lasted.
STAMPED_START_SOURCES = (Source.LISTENBRAINZ, Source.LASTFM, Source.YOUTUBE_MUSIC)
# Sources whose copy of a listen gives way to a richer play by the scrobble rule: the scrobblers, and Spotify's
# recently-played API, which stamps a play when it ended (mostly; sometimes when it started) and gives no
# listening time, so its start is estimated as end − catalogue length. Against a richer play that estimate
# falls between the play's start and its end or up to a track's length before it, which the rule below
# accepts; as the *richer* side of a pair it is blind to pauses like a Spotify export's start, so the
# allowance for it is the hour of pause, not the scrobblers' two minutes.
SCROBBLE_SOURCES = (Source.SPOTIFY_API, *STAMPED_START_SOURCES)
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


def item_hash(alias: str = "", item: str | None = None) -> str:
    """SQL for a 64-bit hash of the source and the item: rows that can be copies of each other share it.
    ``item``: a column already holding :func:`item_key` (the names' lower-casing is most of the cost)."""
    t = f"{alias}." if alias else ""
    return f"hash({t}source, {item or item_key(alias)})"


def play_id(alias: str = "", item: str | None = None) -> str:
    """SQL for the deterministic play id: a 64-bit hash of the source and the natural key (end time, item,
    ms_played, and for an offline play its start). DuckDB's hash() is ~25x faster than md5;
    :mod:`linernotes.store.db` checks at every open
    that it still hashes as when the ids were made and recomputes them if a DuckDB upgrade changed it.
    ``item`` as for :func:`item_hash`: the same id, without computing the item key again."""
    t = f"{alias}." if alias else ""
    key = f"{t}source, epoch_us({t}ts_end), {item or item_key(alias)}, {t}ms_played"
    # Offline plays synced together share one `ts` (the sync time): their own start tells them apart.
    return (f"CASE WHEN coalesce({t}offline, false) THEN hash({key}, epoch_us({t}ts_start)) "
            f"ELSE hash({key}) END")


# Two offline plays with their own known starts (offline_timestamp) are two listens, even when they share
# their end: Gen A logs plays synced together with one `ts`.
_DISTINCT_OFFLINE = ("(c.offline AND o.offline AND NOT c.fuzzy_time AND NOT o.fuzzy_time "
                     "AND c.ts_start <> o.ts_start)")


def _richness_sql(alias: str) -> str:
    cases = " ".join(f"WHEN '{s.value}' THEN {s.richness}" for s in Source)
    return f"CASE {alias}.source {cases} END"


@dataclass
class Outcome:
    per_file: dict[int, dict[str, int]] = field(default_factory=dict)


class Loader:
    """Loads one import inside the caller's transaction, batch by batch.

    ``s`` is a narrow temp table with one row per staged row (keys and fate); ``play_rows`` receives the
    rows whose fate stays empty. An import is usually one batch (one staged table); several must come in
    a fixed order for a deterministic result, richer sources first so that a poorer copy of a listen is
    recognised before it is written.

    Example::

        loader = Loader(con, import_id)
        loader.add("staged")   # a table of staged rows, see linernotes.store.staging
        outcome = loader.finish()
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, import_id: int, sources: set[str] | None = None) -> None:
        """``sources``: the sources this import will bring, when known; cross-source work is skipped
        entirely when the library and the import hold one source only."""
        self.con = con
        self.import_id = int(import_id)
        self.batch_no = 0
        self.replaced: dict[int, int] = defaultdict(int)
        self.had_plays = bool(con.execute("SELECT count(*) > 0 FROM play_rows").fetchall()[0][0])
        self.sources_seen: set[str] = {r[0] for r in con.execute(
            "SELECT DISTINCT source FROM play_rows").fetchall()}
        # Name keys (lower-cased artist and title) only matter for cross-source merges; they cost a third
        # of the staging work, so they are computed only when two sources can meet.
        self.with_names = sources is None or len(self.sources_seen | sources) > 1
        con.execute("""
            CREATE OR REPLACE TEMP TABLE s (
                i BIGINT, batch_no INTEGER, file_no INTEGER, row_no BIGINT, play_id UBIGINT, item_hash UBIGINT,
                name_hash UBIGINT, source VARCHAR, richness INTEGER, ts_start TIMESTAMPTZ, ts_end TIMESTAMPTZ,
                ms_played BIGINT, fuzzy_time BOOLEAN, offline BOOLEAN, fate VARCHAR)
        """)

    def add(self, staged: str) -> None:
        """Settle the fates of the rows of the table ``staged`` (staged columns and ``_file``, the file's
        number in import order; ``rowid`` orders the rows of a file) and store its new plays."""
        con = self.con
        b = self.batch_no
        self.batch_no += 1
        stored_before = "OR k.play_id IN (SELECT play_id FROM play_rows)" if self.had_plays else ""
        # Exact repeats: stored by an earlier import, already_imported; seen earlier in this import, a
        # duplicate (the first occurrence is kept). Rows are identified by their rowid, never by result order.
        con.execute(f"""
            INSERT INTO s
            SELECT k._row, {b}, k._file, k._row, k.play_id, k.item_hash,
                   {f"hash({name_key('k')})" if self.with_names else "NULL"}, k.source, {_richness_sql('k')},
                   k.ts_start, k.ts_end, k.ms_played,
                   k.fuzzy_time, coalesce(k.offline, false),
                   CASE WHEN k.play_id IN (SELECT play_id FROM s) THEN 'duplicate'
                        WHEN false {stored_before} THEN 'already_imported' END
            FROM (SELECT *, {play_id(item='_item')} AS play_id, {item_hash(item='_item')} AS item_hash
                  FROM (SELECT *, rowid AS _row, {item_key()} AS _item FROM {staged})) k
        """)
        # Repeats within the batch: ranking only the few repeated ids is far cheaper than ranking all rows.
        con.execute(f"""
            UPDATE s SET fate = 'duplicate' WHERE i IN (
                SELECT i FROM (
                    SELECT i, row_number() OVER (PARTITION BY play_id ORDER BY file_no, row_no) AS rn
                    FROM s WHERE batch_no = {b} AND play_id IN (
                        SELECT play_id FROM s WHERE batch_no = {b} GROUP BY play_id HAVING count(*) > 1))
                WHERE rn > 1)
        """)
        bounds = con.execute(f"""
            SELECT min(ts_start) - INTERVAL 1 DAY, max(ts_end) + INTERVAL 1 DAY, list(DISTINCT source)
            FROM s WHERE batch_no = {b} AND fate IS NULL
        """).fetchall()[0]
        if bounds[0] is not None:
            # First, before any pairing: a day's summary must not pass for an echo of that day's play.
            if Source.APPLE_MUSIC.value in bounds[2]:
                self._apple_daily_merges(b, staged)
            self._candidates(b, bounds[0], bounds[1])
            self._near_duplicates(b)
            if self.with_names and len(self.sources_seen | set(bounds[2])) > 1:
                self._merges(b)
            self.sources_seen |= set(bounds[2])
            con.execute("DROP VIEW cand")
            con.execute("DROP TABLE IF EXISTS older")
        self._store(b, staged)

    def _candidates(self, b: int, low: datetime, high: datetime) -> None:
        """The view ``cand``: rows a row of batch ``b`` can be a copy of — this import's rows so far
        (near-duplicates too, so storms chain across batches) and stored rows (batch -1) — in both cases
        only those ending between ``low`` and ``high`` (the batch's time range with a day of margin: every
        copy rule pairs plays at most an hour apart). Export files are chronological, so this keeps the
        joins the size of a batch instead of growing with the history. Only the stored rows are copied
        (their keys are computed once); this import's rows are read from ``s`` in place."""
        window = f"BETWEEN '{low.isoformat()}'::TIMESTAMPTZ AND '{high.isoformat()}'::TIMESTAMPTZ"
        older = ""
        if self.had_plays:
            # Without merges to find, only stored rows of items this batch has can matter.
            batch_items = f"(SELECT item_hash FROM s WHERE batch_no = {b} AND fate IS NULL)"
            same_items = "" if self.with_names else f"AND {item_hash('p')} IN {batch_items}"
            self.con.execute(f"""
                CREATE OR REPLACE TEMP TABLE older AS
                SELECT NULL::BIGINT AS i, -1 AS batch_no, -1 AS file_no, -1::BIGINT AS row_no, p.source,
                       {_richness_sql('p')} AS richness, {item_hash('p')} AS item_hash,
                       hash({name_key('p')}) AS name_hash, p.play_id, p.ts_start, p.ts_end, p.ms_played,
                       p.fuzzy_time, coalesce(p.offline, false) AS offline
                FROM play_rows p
                WHERE p.import_id <> {self.import_id} AND p.ts_end {window} {same_items}
            """)
            older = "UNION ALL SELECT * FROM older"
        self.con.execute(f"""
            CREATE OR REPLACE TEMP VIEW cand AS
            SELECT i, batch_no, file_no, row_no, source, richness, item_hash, name_hash, NULL::UBIGINT AS play_id,
                   ts_start, ts_end, ms_played, fuzzy_time, offline
            FROM s WHERE (fate IS NULL OR fate = 'near_duplicate') AND batch_no <= {b} AND ts_end {window}
            {older}
        """)

    def _near_duplicates(self, b: int) -> None:
        """Mark this batch's near-duplicates (docs/formats.md §1.6) through pairwise joins on hashed keys."""
        bucket_ms = ECHO_MAX_MS
        self.con.execute(f"""
            UPDATE s SET fate = 'near_duplicate' WHERE i IN (
                -- Both rules pair rows that share a key with another row; most rows share none, and
                -- grouping them away first keeps the pairwise joins small.
                -- Keys are hashed once more into one number: grouping on it is several times faster, and a
                -- collision only adds a candidate that the join then rejects.
                WITH end_keys AS (
                    SELECT hash(item_hash, ts_end) AS k FROM cand GROUP BY k HAVING count(*) > 1),
                end_rows AS (SELECT cand.* FROM cand JOIN end_keys ON k = hash(item_hash, ts_end)),
                -- Same end, same item, another ms_played: the longer play wins (earlier-stored wins first).
                same_end AS (
                    SELECT c.i FROM end_rows c JOIN end_rows o
                      ON o.source = c.source AND o.item_hash = c.item_hash AND o.ts_end = c.ts_end
                     AND o.i IS DISTINCT FROM c.i
                    WHERE c.batch_no = {b} AND c.source <> '{Source.SPOTIFY_ACCOUNT.value}'
                      AND NOT {_DISTINCT_OFFLINE}
                      AND (o.batch_no < c.batch_no
                           OR coalesce(o.ms_played, -1) > coalesce(c.ms_played, -1)
                           OR (o.ms_played IS NOT DISTINCT FROM c.ms_played
                               AND (o.file_no, o.row_no) < (c.file_no, c.row_no)))),
                echo_keys AS (
                    SELECT hash(item_hash, ms_played) AS k FROM cand WHERE ms_played > 0
                    GROUP BY k HAVING count(*) > 1),
                echo_rows AS (SELECT cand.* FROM cand JOIN echo_keys ON k = hash(item_hash, ms_played)
                              WHERE ms_played > 0),
                -- Echoes: same item and ms_played, ends closer than the threshold. Minute buckets keep this
                -- a hash join even for tracks played thousands of times.
                echo AS (
                    SELECT c.i
                    FROM (SELECT *, unnest([-1, 0, 1]) + epoch_ms(ts_end) // {bucket_ms} AS bucket
                          FROM echo_rows WHERE batch_no = {b}) c
                    JOIN (SELECT *, epoch_ms(ts_end) // {bucket_ms} AS bucket FROM echo_rows) o
                      ON o.source = c.source AND o.item_hash = c.item_hash AND o.ms_played = c.ms_played
                     AND o.bucket = c.bucket AND o.i IS DISTINCT FROM c.i
                    WHERE abs(epoch_ms(c.ts_end) - epoch_ms(o.ts_end)) < greatest(
                              least(c.ms_played // 2, {ECHO_MAX_MS}),
                              CASE WHEN c.fuzzy_time OR o.fuzzy_time THEN {STORM_FUZZY_MS} ELSE 0 END)
                      -- Offline plays synced together share their end (the sync time): their starts tell.
                      AND NOT (c.offline AND o.offline AND NOT c.fuzzy_time AND NOT o.fuzzy_time
                               AND abs(epoch_ms(c.ts_start) - epoch_ms(o.ts_start))
                                   >= least(c.ms_played // 2, {ECHO_MAX_MS}))
                      AND (o.batch_no < c.batch_no
                           OR (o.ts_end, o.file_no, o.row_no) < (c.ts_end, c.file_no, c.row_no)))
                SELECT i FROM same_end UNION SELECT i FROM echo)
        """)

    def _merges(self, b: int) -> None:
        """The same listen from two sources: the poorer copy is not stored (merged) or, when the richer copy
        arrives later, the stored poorer row is deleted (replaced)."""
        con = self.con
        scrobbles = ", ".join(f"'{s.value}'" for s in STAMPED_START_SOURCES)
        scrobble_pairs = " UNION ALL ".join(f"""
            SELECT l.i, l.play_id, l.batch_no, w.i, w.batch_no, w.file_no
            FROM (SELECT *, ts_start - INTERVAL {SCROBBLE_WINDOW_S} SECOND AS probe
                  FROM live WHERE source = '{src.value}') l
            ASOF JOIN (SELECT * FROM live WHERE richness < {src.richness}) w
              ON l.name_hash = w.name_hash AND l.probe <= w.ts_end
            WHERE epoch(l.ts_start) >= epoch(w.ts_start) - CASE WHEN w.source IN ({scrobbles})
                  THEN {SCROBBLE_WINDOW_S} ELSE {PAUSE_ALLOWANCE_S} END""" for src in SCROBBLE_SOURCES)
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE pairs AS
            -- Rows without metadata (kind unknown) share one name hash: between Account data and Extended
            -- they still match on the minute and the exact ms_played, which is what the copy shares.
            WITH live AS (SELECT * FROM cand WHERE i IS NULL OR i IN (SELECT i FROM s WHERE fate IS NULL)),
            -- Account data vs Extended: the account row's end is the extended end truncated to the minute.
            account AS (
                SELECT l.i AS l_i, l.play_id AS l_play_id, l.batch_no AS l_batch, w.i AS w_i, w.batch_no AS w_batch,
                       w.file_no AS w_file
                FROM live l JOIN live w
                  ON l.name_hash = w.name_hash AND l.ms_played = w.ms_played
                 AND l.ts_end = date_trunc('minute', w.ts_end)
                WHERE l.source = '{Source.SPOTIFY_ACCOUNT.value}' AND w.source = '{Source.SPOTIFY_EXTENDED.value}'),
            -- A scrobble is stamped when the track started. Its copy among the richer plays is the first
            -- one of the same artist and track to end after it (an as-of join: one candidate each), if that
            -- play could have started by then: its start is known to within 2 minutes for scrobbles, but a
            -- Spotify start is end − ms_played and misses pauses, so up to an hour is allowed there.
            scrobble AS ({scrobble_pairs})
            SELECT * FROM (SELECT * FROM account UNION ALL SELECT * FROM scrobble)
            WHERE l_batch = {b} OR w_batch = {b}
        """)
        # This batch's poorer copies are simply not stored.
        con.execute(f"UPDATE s SET fate = 'merged' WHERE batch_no = {b} AND fate IS NULL "
                    f"AND i IN (SELECT l_i FROM pairs WHERE l_batch = {b})")
        # Poorer rows stored earlier that this batch supersedes: by an earlier import (replaced), or, when
        # files came in an unexpected order, by an earlier batch of this import.
        for f, n in con.execute(f"""
            SELECT w_file, count(*) FROM (
                SELECT l_play_id, min(w_file) AS w_file FROM pairs
                WHERE w_batch = {b} AND l_batch = -1 GROUP BY l_play_id)
            GROUP BY w_file""").fetchall():
            self.replaced[int(f)] += int(n)
        con.execute(f"""
            DELETE FROM play_rows WHERE import_id <> {self.import_id}
              AND play_id IN (SELECT l_play_id FROM pairs WHERE w_batch = {b} AND l_batch = -1)
        """)
        late = con.execute(f"SELECT count(*) FROM pairs WHERE w_batch = {b} AND l_batch BETWEEN 0 AND {b - 1}"
                           ).fetchall()[0][0]
        if late:
            con.execute(f"""
                DELETE FROM play_rows WHERE import_id = {self.import_id} AND play_id IN (
                    SELECT play_id FROM s WHERE i IN (
                        SELECT l_i FROM pairs WHERE w_batch = {b} AND l_batch BETWEEN 0 AND {b - 1}))
            """)
            con.execute(f"UPDATE s SET fate = 'merged' WHERE i IN "
                        f"(SELECT l_i FROM pairs WHERE w_batch = {b} AND l_batch BETWEEN 0 AND {b - 1})")
        con.execute("DROP TABLE pairs")

    def _apple_daily_merges(self, b: int, staged: str) -> None:
        """Apple Music Daily Tracks rows (a track's listening on one day) give way to the Play Activity plays
        of that track on that day: this batch's daily rows are not stored (merged), and daily rows an
        earlier import stored are deleted when this batch brings the plays (replaced). Skipped unless daily
        rows can meet plays: most imports have no daily rows at all."""
        from linernotes.sources.apple import DAILY_TRACKS, PLAY_ACTIVITY

        con = self.con
        apple = Source.APPLE_MUSIC.value
        formats = {f for (f,) in con.execute(
            f"SELECT DISTINCT format FROM {staged} WHERE source = '{apple}' AND kind = 'track'").fetchall()}
        stored_daily = self.had_plays and PLAY_ACTIVITY in formats and bool(con.execute(
            f"SELECT count(*) FROM play_rows WHERE format = '{DAILY_TRACKS}'").fetchall()[0][0])
        if DAILY_TRACKS not in formats and not stored_daily:
            return
        keys = "lower(trim({t}track)) AS t, lower(trim({t}artist)) AS a"
        # A play's day in UTC and in its recorded local time: Apple does not say which one Date Played is.
        days = ("unnest(list_distinct([timezone('UTC', {t}ts_start)::DATE, timezone('UTC', {t}ts_start + "
                "to_minutes(coalesce({t}utc_offset_min, 0)))::DATE])) AS day")

        def rows(fmt: str, stored: bool) -> str:
            this = f"""SELECT s.i, s.file_no, NULL::UBIGINT AS play_id, {keys.format(t="x.")}, {days.format(t="x.")}
                       FROM s JOIN (SELECT *, rowid AS _row FROM {staged}) x ON s.row_no = x._row
                       WHERE s.batch_no = {b} AND s.fate IS NULL AND x.format = '{fmt}' AND x.kind = 'track'"""
            if not stored:
                return this
            return f"""{this} UNION ALL
                       SELECT NULL, NULL, p.play_id, {keys.format(t="p.")}, {days.format(t="p.")}
                       FROM play_rows p WHERE p.format = '{fmt}' AND p.kind = 'track'
                         AND p.import_id <> {self.import_id}"""

        con.execute(f"CREATE OR REPLACE TEMP TABLE apple_daily AS {rows(DAILY_TRACKS, stored_daily)}")
        # Only the plays of titles a daily row names: the join stays the size of the daily file.
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE apple_plays AS
            SELECT * FROM ({rows(PLAY_ACTIVITY, DAILY_TRACKS in formats)})
            WHERE t IN (SELECT t FROM apple_daily)
        """)
        match = "d.t = x.t AND d.day = x.day AND (d.a = x.a OR d.a IS NULL OR x.a IS NULL)"
        con.execute(f"""
            UPDATE s SET fate = 'merged' WHERE i IN (
                SELECT d.i FROM apple_daily d JOIN apple_plays x ON {match} WHERE d.i IS NOT NULL)
        """)
        stored = con.execute(f"""
            SELECT d.play_id, min(x.file_no) FROM apple_daily d JOIN apple_plays x ON {match}
            WHERE d.play_id IS NOT NULL AND x.i IS NOT NULL GROUP BY d.play_id
        """).fetchall()
        if stored:
            for _, f in stored:
                self.replaced[int(f)] += 1
            con.execute("DELETE FROM play_rows WHERE import_id <> ? AND play_id IN (SELECT unnest(?::UBIGINT[]))",
                        [self.import_id, [pid for pid, _ in stored]])
        con.execute("DROP TABLE apple_daily")
        con.execute("DROP TABLE apple_plays")

    def _store(self, b: int, staged: str) -> None:
        """Write the rows of ``staged`` whose fate stayed empty, with the play id ``s`` already holds: joining
        on the row number costs a tenth of hashing the lower-cased names again (0.03 s against 0.3 s for
        1M rows)."""
        from linernotes.devices import device_family

        platforms = [p for (p,) in self.con.execute(
            f"SELECT DISTINCT platform FROM {staged} WHERE platform IS NOT NULL").fetchall()]
        # List parameters, not an Arrow table: building one from Python values imports pandas when it is
        # installed (a quarter of a second per import).
        self.con.execute("CREATE OR REPLACE TEMP TABLE _devices AS "
                         "SELECT unnest($1::VARCHAR[]) AS platform, unnest($2::VARCHAR[]) AS device",
                         [platforms, [device_family(p) for p in platforms]])
        # No try/finally around the insert: when it fails (or Ctrl-C interrupts it) the transaction is aborted, a
        # DROP in a finally would raise over the real error, and the caller's rollback drops _devices anyway.
        self.con.execute(f"""
                INSERT INTO play_rows
                SELECT r.play_id, {self.import_id}, k.source, k.format, k.kind, k.ts_start, k.ts_end,
                       k.ms_played, k.track, k.artist, k.album, k.show_name, k.episode, k.audiobook, k.chapter,
                       k.uri, k.platform, coalesce(d.device, 'unknown'), k.country,
                       k.reason_start, k.reason_end, k.shuffle, k.skipped, k.offline, k.incognito,
                       k.duration_ms, k.recording_mbid, k.artist_mbid, k.release_mbid, k.fuzzy_time, k.genre,
                       k.utc_offset_min
                FROM (SELECT *, rowid AS _row FROM {staged}) k
                JOIN (SELECT row_no, play_id FROM s WHERE batch_no = {b} AND fate IS NULL) r ON r.row_no = k._row
                LEFT JOIN _devices d ON d.platform = k.platform
            """)
        self.con.execute("DROP TABLE _devices")

    def finish(self) -> Outcome:
        """Count every staged row's fate per file."""
        counts: dict[int, dict[str, int]] = defaultdict(dict)
        for file_no, fate, n in self.con.execute(
            "SELECT file_no, coalesce(fate, 'stored'), count(*) FROM s GROUP BY ALL"
        ).fetchall():
            counts[int(file_no)][fate] = int(n)
        for file_no, n in self.replaced.items():
            counts[file_no]["replaced"] = n
        self.con.execute("DROP TABLE s")
        return Outcome(per_file=dict(counts))
