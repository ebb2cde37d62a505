"""The import's fast path (many files per DuckDB statement, fed through pipes) stages exactly the rows each
format's own ``parse`` gives, and a file it refuses falls back to that parse without losing the others."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from linernotes.library import Library
from linernotes.sources import _duckjson, detect
from linernotes.store import importer, staging
from tests.support.samples import SAMPLES, requires_samples
from tests.test_bad_input import extended_records


def _staged_rows(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(f"SELECT * EXCLUDE (_file, _drop) FROM {staging.TABLE} ORDER BY _file, rowid").to_arrow_table()


def _connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


@requires_samples()
@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("spotify-*.json")))
def test_fast_path_stages_what_the_format_parses(name: str) -> None:
    jobs, _ = importer.plan([SAMPLES / name])
    (job,) = jobs
    assert job.plan is not None, "Spotify formats have a DuckDB plan"
    con = _connection()
    staged = staging.stage(con, jobs)
    # stage() would fall back silently; run the fast path on its own to prove it takes the file.
    con.execute(f"CREATE TEMP TABLE again AS SELECT * FROM {staging.TABLE} LIMIT 0")
    assert _duckjson.stage_json(con, "again", job.plan, [(0, job.entry.chunks())])
    assert con.execute("SELECT count(*) FROM again").fetchall() == [(staged[0].rows_read,)]

    parsed = detect.format_named(job.format_name).parse(job.entry.read(), job.entry.display)
    assert _staged_rows(con) == parsed.table
    assert (staged[0].format, staged[0].rows_read, staged[0].dropped) == (
        parsed.format, parsed.rows_read, dict(parsed.dropped))


def test_a_file_the_fast_path_refuses_is_parsed_carefully_and_the_others_still_stage(tmp_path: Path) -> None:
    folder = tmp_path / "Spotify Extended Streaming History"
    folder.mkdir()
    good = [extended_records(30, month=m) for m in (3, 4, 5)]
    broken = extended_records(10, month=6)
    broken[3]["ms_played"] = "a lot"  # text where a number belongs
    for i, records in enumerate([*good, [*broken, 42]]):  # ... and a record that is not an object
        (folder / f"Streaming_History_Audio_2020_{i}.json").write_text(json.dumps(records), encoding="utf-8")

    with Library(tmp_path / "lib.duckdb") as lib:
        report = lib.import_paths([folder])
    files = {Path(f.file.replace(":", "/")).name: f for f in report.files}
    assert [(f.rows_read, f.stored, f.dropped) for f in files.values()] == [
        (30, 30, {}), (30, 30, {}), (30, 30, {}), (11, 9, {"bad_ms_played": 1, "not_an_object": 1})]
    assert report.plays_after == 99


def test_staging_reports_progress_up_to_the_whole_input(tmp_path: Path) -> None:
    path = tmp_path / "Streaming_History_Audio_2020.json"
    path.write_text(json.dumps(extended_records(200)), encoding="utf-8")
    seen: list[tuple[int, int]] = []
    jobs, _ = importer.plan([path])
    staging.stage(_connection(), jobs, progress=lambda stage, done, total: seen.append((done, total)))
    total = path.stat().st_size
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert all(a[0] <= b[0] <= total for a, b in itertools.pairwise(seen))


def test_an_export_held_in_memory_imports_like_the_file(tmp_path: Path) -> None:
    from linernotes.sources.inputs import InMemory

    export = tmp_path / "Streaming_History_Audio_2020.json"
    export.write_text(json.dumps(extended_records(50)), encoding="utf-8")
    with Library(tmp_path / "disk.duckdb") as lib:
        from_disk = lib.import_paths([export])
        disk_rows = lib.con.execute("SELECT * EXCLUDE (import_id) FROM play_rows ORDER BY play_id").fetchall()
    with Library(tmp_path / "memory.duckdb") as lib:
        from_memory = lib.import_paths([InMemory(export.name, export.read_bytes())])
        memory_rows = lib.con.execute("SELECT * EXCLUDE (import_id) FROM play_rows ORDER BY play_id").fetchall()
        inputs = lib.imports()[0]["inputs"]
    assert memory_rows == disk_rows and len(memory_rows) == 50
    assert from_memory.total("stored") == from_disk.total("stored") == 50
    assert [f.file for f in from_memory.files] == [export.name]
    assert inputs == [export.name]
