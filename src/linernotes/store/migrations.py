"""Numbered schema migrations, recorded in ``schema_migrations``.

Each migration runs once, inside the transaction that opens a library for writing. Views are recreated
on every open (they hold no data), so a view change needs no migration.
"""

from __future__ import annotations

import duckdb

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "plays, import ledger, settings",
        """
        CREATE TABLE play_rows (
            play_id        UBIGINT   NOT NULL,
            import_id      INTEGER   NOT NULL,
            source         VARCHAR   NOT NULL,
            format         VARCHAR   NOT NULL,
            kind           VARCHAR   NOT NULL,
            ts_start       TIMESTAMPTZ NOT NULL,
            ts_end         TIMESTAMPTZ NOT NULL,
            ms_played      BIGINT,
            track          VARCHAR,
            artist         VARCHAR,
            album          VARCHAR,
            show_name      VARCHAR,
            episode        VARCHAR,
            audiobook      VARCHAR,
            chapter        VARCHAR,
            uri            VARCHAR,
            platform       VARCHAR,
            device         VARCHAR,
            country        VARCHAR,
            reason_start   VARCHAR,
            reason_end     VARCHAR,
            shuffle        BOOLEAN,
            skipped        BOOLEAN,
            offline        BOOLEAN,
            incognito      BOOLEAN,
            duration_ms    BIGINT,
            recording_mbid VARCHAR,
            artist_mbid    VARCHAR,
            release_mbid   VARCHAR,
            fuzzy_time     BOOLEAN
        );
        CREATE TABLE imports (
            import_id    INTEGER PRIMARY KEY,
            started_at   TIMESTAMPTZ NOT NULL,
            finished_at  TIMESTAMPTZ NOT NULL,
            tool_version VARCHAR NOT NULL,
            inputs       VARCHAR[] NOT NULL,
            files        INTEGER NOT NULL,
            ignored      INTEGER NOT NULL,
            rows_read    BIGINT NOT NULL,
            stored       BIGINT NOT NULL,
            merged       BIGINT NOT NULL,
            replaced     BIGINT NOT NULL,
            duplicates   BIGINT NOT NULL,
            near_duplicates BIGINT NOT NULL,
            unchanged    BIGINT NOT NULL,
            dropped      BIGINT NOT NULL,
            plays_before BIGINT NOT NULL,
            plays_after  BIGINT NOT NULL
        );
        CREATE TABLE import_files (
            import_id   INTEGER NOT NULL,
            file        VARCHAR NOT NULL,
            format      VARCHAR NOT NULL,
            source      VARCHAR NOT NULL,
            rows_read   BIGINT NOT NULL,
            stored      BIGINT NOT NULL,
            merged      BIGINT NOT NULL,
            replaced    BIGINT NOT NULL,
            duplicates  BIGINT NOT NULL,
            near_duplicates BIGINT NOT NULL,
            unchanged   BIGINT NOT NULL,
            dropped     MAP(VARCHAR, BIGINT) NOT NULL
        );
        CREATE TABLE settings (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
        CREATE TABLE country_zones (country VARCHAR PRIMARY KEY, zone VARCHAR NOT NULL);
        """,
    ),
    (
        2,
        "exclusion rules (listening kept out of insights)",
        """
        CREATE TABLE exclusion_rules (
            rule_id    INTEGER PRIMARY KEY,
            artist     VARCHAR,
            track      VARCHAR,
            album      VARCHAR,
            show_name  VARCHAR,
            audiobook  VARCHAR,
            device     VARCHAR,
            country    VARCHAR,
            platform   VARCHAR,
            hour_from  INTEGER,
            hour_to    INTEGER,
            where_sql  VARCHAR,
            note       VARCHAR,
            created_at TIMESTAMPTZ NOT NULL
        );
        """,
    ),
]

# Each migration is SQL text or a function of the connection (for one that reuses the code's own SQL).
MIGRATIONS.append((
    3,
    "kind corrections: names a person said are a show or an artist",
    """
    CREATE TABLE kind_corrections (
        name_key   VARCHAR PRIMARY KEY,  -- lower(trim(name))
        name       VARCHAR NOT NULL,
        kind       VARCHAR NOT NULL,     -- 'show' or 'artist'
        created_at TIMESTAMPTZ NOT NULL
    );
    """,
))
def _file_name_sql(column: str) -> str:
    """SQL for :func:`linernotes.store.importer.file_name` (without the masking, which stored names had)."""
    parts = f"string_split(regexp_replace({column}, '(?i)(\\.zip):', '\\1' || chr(1), 'g'), chr(1))"
    return (f"array_to_string(list_transform({parts}, lambda p: "
            f"regexp_replace(rtrim(p, '/\\'), '^.*[/\\\\]', '')), ':')")


MIGRATIONS.append((
    4,
    "file names instead of paths; kinds from content; offline plays at their own start",
    # Stored paths carried the login name: keep only each file's own name (as imports now store it).
    # Episodes from Video files were 'video' by file name: an episode is an episode.
    # Offline plays synced later end at start + ms_played; no play spans more than ms_played + 1 h; an offline
    # play's id includes its start.
    """
    UPDATE import_files SET file = {name_file};
    UPDATE imports SET inputs = list_transform(inputs, lambda x: {name_x});
    UPDATE play_rows SET kind = 'episode' WHERE kind = 'video';
    UPDATE play_rows SET ts_end = ts_start + to_milliseconds(ms_played)
    WHERE source = 'spotify_extended' AND offline AND ms_played IS NOT NULL
      AND ts_end > ts_start + to_milliseconds(ms_played) + INTERVAL 1 HOUR;
    UPDATE play_rows SET ts_start = ts_end - to_milliseconds(ms_played)
    WHERE source = 'spotify_extended' AND NOT coalesce(offline, false) AND ms_played IS NOT NULL
      AND ts_end > ts_start + to_milliseconds(ms_played) + INTERVAL 1 HOUR;
    """.format(name_file=_file_name_sql("file"), name_x=_file_name_sql("x")),
))

MIGRATIONS.append((
    5,
    "the import ledger keeps what the podcast classification found",
    # Imports before this one did not record it: NULL, not zero (nothing was measured).
    """
    ALTER TABLE imports ADD COLUMN podcast_shows INTEGER;
    ALTER TABLE imports ADD COLUMN podcast_plays BIGINT;
    ALTER TABLE imports ADD COLUMN podcast_evidence MAP(VARCHAR, BIGINT);
    """,
))

MIGRATIONS.append((
    6,
    "a genre per play, where the export names one (Apple Music)",
    "ALTER TABLE play_rows ADD COLUMN genre VARCHAR;",
))

MIGRATIONS.append((
    7,
    "the device's UTC offset at each play, where the export records one (Apple Music)",
    "ALTER TABLE play_rows ADD COLUMN utc_offset_min INTEGER;",
))

MIGRATIONS.append((
    8,
    "where each `linernotes sync` source stopped",
    # Keyed by source, never by account: the username the person syncs is not stored in any form (a hash of a
    # guessable name is the name). `cursor_ts` is the newest listen synced, in epoch seconds.
    """
    CREATE TABLE sync_state (
        source     VARCHAR PRIMARY KEY,
        cursor_ts  BIGINT NOT NULL,
        synced_at  TIMESTAMPTZ NOT NULL
    );
    """,
))

MIGRATIONS.append((
    9,
    "MusicBrainz enrichment: artists and recordings as fetched, with the match's confidence",
    # name_key is lower(trim(artist)), as plays name the artist. A row with matched = false is a question asked
    # and not confidently answered: it is kept so it is not asked again, and never used.
    """
    CREATE TABLE enrich_artists (
        name_key     VARCHAR PRIMARY KEY,
        name         VARCHAR NOT NULL,   -- as the library spells it (the most listened spelling)
        asked_mbid   VARCHAR,            -- the MusicBrainz id the library had, looked up directly
        matched      BOOLEAN NOT NULL,
        score        INTEGER,            -- the search's confidence, 0-100 (100: looked up by id)
        mbid         VARCHAR,
        mb_name      VARCHAR,
        type         VARCHAR,
        country      VARCHAR,
        begin_year   INTEGER,
        genres       VARCHAR[],
        tags         VARCHAR[],
        fetched_at   TIMESTAMPTZ NOT NULL
    );
    CREATE TABLE enrich_recordings (
        mbid         VARCHAR PRIMARY KEY,
        found        BOOLEAN NOT NULL,
        title        VARCHAR,
        first_release_year INTEGER,
        fetched_at   TIMESTAMPTZ NOT NULL
    );
    """,
))

MIGRATIONS.append((
    10,
    "MusicBrainz enrichment: tracks found by a search for their artist and title (no recording id in the export)",
    # Keyed as plays name them: lower(trim(artist)) and lower(trim(track)). A row with matched = false is a search
    # that found no confident hit: kept so it is not asked again, and never used.
    """
    CREATE TABLE enrich_tracks (
        artist_key   VARCHAR NOT NULL,
        title_key    VARCHAR NOT NULL,
        artist       VARCHAR NOT NULL,   -- as the library spells them (the most listened spelling)
        title        VARCHAR NOT NULL,
        matched      BOOLEAN NOT NULL,
        score        INTEGER,            -- the search's confidence, 0-100
        mbid         VARCHAR,            -- the recording used
        first_release_year INTEGER,
        fetched_at   TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (artist_key, title_key)
    );
    """,
))

LATEST = MIGRATIONS[-1][0]

# The zone of a play whose export recorded its UTC offset: the IANA fixed-offset zone (Etc/GMT-7 is UTC+7:
# POSIX signs are inverted) for whole hours, else ICU's custom GMT+05:30 form, which DuckDB's timezone() reads.
OFFSET_ZONE_SQL = """
CASE WHEN p.utc_offset_min = 0 THEN 'Etc/GMT'
     WHEN p.utc_offset_min % 60 = 0 AND p.utc_offset_min BETWEEN -720 AND 840
     THEN 'Etc/GMT' || CASE WHEN p.utc_offset_min > 0 THEN '-' ELSE '+' END || (abs(p.utc_offset_min) // 60)
     ELSE 'GMT' || CASE WHEN p.utc_offset_min > 0 THEN '+' ELSE '-' END
          || lpad((abs(p.utc_offset_min) // 60)::VARCHAR, 2, '0') || ':'
          || lpad((abs(p.utc_offset_min) % 60)::VARCHAR, 2, '0') END"""


def apply(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations; returns the versions applied. Caller owns the transaction."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, description, sql in MIGRATIONS:
        if version in done:
            continue
        con.execute(sql)
        if version == 4:
            from linernotes.store.dedupe import play_id  # ts_end is part of the id

            con.execute(f"UPDATE play_rows SET play_id = {play_id()} WHERE offline")
        con.execute(
            "INSERT INTO schema_migrations VALUES (?, ?, now())", [version, description]
        )
        applied.append(version)
    return applied


# The public views. `all_plays` is every stored play with derived local time; `plays` is what every
# insight reads: incognito plays are left out unless the person turned them on.
VIEWS_SQL = """
CREATE OR REPLACE VIEW home AS
SELECT
    coalesce((SELECT value FROM settings WHERE key = 'home_country'),
             (SELECT value FROM settings WHERE key = 'inferred_home_country')) AS home_country,
    coalesce((SELECT value FROM settings WHERE key = 'home_zone'),
             (SELECT value FROM settings WHERE key = 'inferred_home_zone'), 'UTC') AS home_zone,
    coalesce((SELECT value FROM settings WHERE key = 'include_incognito'), 'false') = 'true'
        AS include_incognito;

CREATE OR REPLACE VIEW all_plays AS
SELECT
    p.play_id, p.source, p.format, p.import_id, p.kind,
    p.ts_start, p.ts_end, p.ms_played,
    p.track, p.artist, p.album, p.show_name, p.episode, p.audiobook, p.chapter, p.uri,
    p.platform, p.device, p.country,
    CASE WHEN p.utc_offset_min IS NOT NULL THEN {offset_zone}
         WHEN p.country IS NULL OR p.country = h.home_country OR cz.zone IS NULL
         THEN h.home_zone ELSE cz.zone END AS tz,
    timezone(tz, p.ts_start) AS ts_local,
    p.reason_start, p.reason_end, p.shuffle, p.skipped, p.offline, p.incognito,
    p.ms_played = 0 AS zero_play,
    p.duration_ms, p.recording_mbid, p.artist_mbid, p.release_mbid, p.fuzzy_time, p.genre, p.utc_offset_min
FROM play_rows p
CROSS JOIN home h
LEFT JOIN country_zones cz ON cz.country = p.country;

CREATE OR REPLACE VIEW plays AS
SELECT a.* FROM all_plays a
WHERE NOT coalesce(a.incognito, false) OR (SELECT include_incognito FROM home);
""".replace("{offset_zone}", OFFSET_ZONE_SQL)
