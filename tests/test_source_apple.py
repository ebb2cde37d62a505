"""Apple Music (Apple Media Services export, docs/formats.md §5): every quirk FORMATS.md §5.2 reports, as small
synthetic fixtures (tests/fixtures/apple, invented names), through the parser and the real import.

Expected counts and hours were written by reading the fixtures row by row (each row's purpose is commented in
the script that wrote them, and restated here):

``Apple Music Play Activity.csv`` (old 44-column layout, curly apostrophe in ``User’s …``), 13 rows:
 1 Paper Lanterns, empty Event Type, 186000 ms, natural end, +25200.0 s, Offline False, Indie Pop  → kept
 2 Harbour Lights, PLAY_END, 12000 ms, skipped forwards, no milliseconds in the times, -14400.0, Offline True → kept
 3 LYRIC_DISPLAY → lyrics_display          4 AGGREGATE_NON_CATALOG_PLAY_TIME, 600000 ms → kept, kind unknown
 5 AD → ad                                 6 NON_SONG_CLIP → clip
 7 -5000 ms → negative_ms_played           8 0 ms → zero_ms_played
 9 Slow Tide, no start, end 20:03:20, 200000 ms, +7200.0 → kept, start 20:00:00
10 neither start nor end → missing_time   11 Cobalt Minute, Again, "95000.0", no offset, no Offline → kept
12 Lanternfish Tide, STREAM, 40000 ms, SCRUB_END, +19800.0 (UTC+5:30) → kept   13 start "yesterday", no end → bad_time
So 6 kept (5 tracks, 1 unknown), 7 dropped; 1,133,000 ms in all, 533,000 ms of music.

``play_activity_new_layout.csv`` (BOM, ``Song Name``, ``Apple ID Number``, IP columns), 4 rows: PLAY_START
(dropped as not_a_play_end), Harbour Lights 241000 ms (artist only in Container Artist Name, +3600),
Harbour Lights - Live 159000 ms skipped backwards, LYRIC_DISPLAY → 2 kept, 400,000 ms.

``Apple Music - Play History Daily Tracks.csv``, 6 rows: The Quiet Orchards - Paper Lanterns 20160529 (the
day of Play Activity row 1), Mira Vell - Harbour Lights - Live 20231104 "18, 19" (the day of the new layout's
row 3), Kasimir Oduya - Slow Tide 20231105 (no play that day), a negative duration, 20210229 (no such day), an
empty description → 3 kept, 2 of them merged into the day's plays.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linernotes import synth
from linernotes.errors import InputError
from linernotes.library import Library, open_library
from linernotes.schema import STAGED_SCHEMA
from linernotes.sources import apple, detect
from linernotes.sources.base import HEAD_BYTES, Parsed, strip_bom
from linernotes.store.importer import plan
from tests.support.cli import run_cli
from tests.support.parser_checks import garble

FIXTURES = Path(__file__).parent / "fixtures" / "apple"
OLD = FIXTURES / "Apple Music Play Activity.csv"
NEW = FIXTURES / "play_activity_new_layout.csv"
DAILY = FIXTURES / "Apple Music - Play History Daily Tracks.csv"
RECENT = FIXTURES / "Apple Music - Recently Played Tracks.csv"
UTC = dt.UTC
# Every identifier value the fixtures carry: none may reach the library.
IDENTIFIERS = ["98765432101", "DEVID-4f1c9e2a7b55", "MCID-zq81xv0031", "55501234987", "198.51.100.77",
               "Quahogtown", "DEVID-9a8b7c6d5e4f", "MCID-pp42kk9911", "Example Net Ltd", "12.3456", "-65.4321"]


def parse(path: Path) -> Parsed:
    data = path.read_bytes()
    fmt = detect.detect(data[:HEAD_BYTES])
    assert fmt is not None, path
    return fmt.parse(data, path.name)


def by_track(parsed: Parsed) -> dict[str | None, dict[str, object]]:
    return {r["track"]: r for r in parsed.table.to_pylist()}


def rows(lib: Library, sql: str) -> list[tuple[object, ...]]:
    return lib.con.execute(sql).fetchall()


# ------------------------------------------------------------------------------------------------ detection


@pytest.mark.parametrize(("path", "expected"), [
    (OLD, apple.PLAY_ACTIVITY), (NEW, apple.PLAY_ACTIVITY), (DAILY, apple.DAILY_TRACKS),
    (RECENT, apple.RECENTLY_PLAYED)])
def test_each_file_is_recognised_by_its_content_alone(path: Path, expected: str) -> None:
    head = strip_bom(path.read_bytes()[:HEAD_BYTES])
    assert [f.name for f in detect.FORMATS if f.sniff(head)] == [expected]


def test_header_spellings_and_foreign_csvs() -> None:
    old_header = OLD.read_bytes().split(b"\n", 1)[0]
    assert "User\u2019s Audio Quality".encode() in old_header and b"Apple Id Number" in old_header
    assert b"Apple ID Number" in NEW.read_bytes().split(b"\n", 1)[0]
    for foreign in (b"uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n1,x,a,,b,,c,\n",
                    b"artist_name,track_title,entry_date,stream_duration\nA,B,01/02/2020 10:00,100\n",
                    b"Title,Artist,Album,Play Count\nA,B,C,3\n"):
        assert not any(f.sniff(foreign) for f in apple.FORMATS)


# ------------------------------------------------------------------------------------------------ Play Activity


def test_old_layout_every_quirk() -> None:
    p = parse(OLD)
    assert p.format == apple.PLAY_ACTIVITY
    assert (p.rows_read, p.table.num_rows) == (13, 6)
    assert dict(p.dropped) == {"lyrics_display": 1, "ad": 1, "clip": 1, "negative_ms_played": 1,
                               "zero_ms_played": 1, "missing_time": 1, "bad_time": 1}
    t = p.table.to_pylist()
    assert sum(r["ms_played"] for r in t) == 1_133_000
    assert sum(r["ms_played"] for r in t if r["kind"] == "track") == 533_000
    got = by_track(p)
    lanterns = got["Paper Lanterns"]
    assert lanterns["ts_start"] == dt.datetime(2016, 5, 29, 1, 24, 23, 210_000, tzinfo=UTC)
    assert lanterns["ts_end"] == dt.datetime(2016, 5, 29, 1, 27, 30, tzinfo=UTC)
    assert (lanterns["reason_end"], lanterns["skipped"], lanterns["offline"]) == ("trackdone", False, False)
    assert (lanterns["genre"], lanterns["utc_offset_min"], lanterns["duration_ms"]) == ("Indie Pop", 420, 186_000)
    harbour = got["Harbour Lights"]
    assert (harbour["reason_end"], harbour["skipped"], harbour["offline"]) == ("fwdbtn", True, True)
    assert harbour["utc_offset_min"] == -240 and harbour["ts_start"] == dt.datetime(2016, 5, 30, 12, tzinfo=UTC)
    # The aggregate of non-catalogue play time: listening time of an unknown item, never a named music play.
    unknown = [r for r in t if r["kind"] == "unknown"]
    assert len(unknown) == 1 and unknown[0]["ms_played"] == 600_000
    assert (unknown[0]["track"], unknown[0]["artist"], unknown[0]["genre"]) == (None, None, None)
    # No start: the end minus what was played.
    assert got["Slow Tide"]["ts_start"] == dt.datetime(2016, 6, 3, 20, 0, tzinfo=UTC)
    blue = got["Cobalt Minute, Again"]
    assert (blue["ms_played"], blue["utc_offset_min"], blue["offline"], blue["reason_end"], blue["skipped"]) == (
        95_000, None, None, "clickrow", None)
    assert (got["Lanternfish Tide"]["reason_end"], got["Lanternfish Tide"]["utc_offset_min"]) == ("scrub_end", 330)
    assert not any(r["fuzzy_time"] for r in t)
    assert {r["source"] for r in t} == {"apple_music"}


def test_new_layout_bom_song_name_container_artist() -> None:
    p = parse(NEW)
    assert (p.rows_read, p.table.num_rows, dict(p.dropped)) == (4, 2, {"not_a_play_end": 1, "lyrics_display": 1})
    got = by_track(p)
    one, live = got["Harbour Lights"], got["Harbour Lights - Live"]
    assert (one["artist"], one["album"], one["platform"], one["shuffle"]) == ("Mira Vell", "Tidewater", "iPhone", True)
    assert (live["album"], live["reason_end"], live["skipped"], live["shuffle"]) == (
        "Quarry Lamps", "backbtn", None, False)
    assert sum(r["ms_played"] for r in p.table.to_pylist()) == 400_000


def test_batches_give_the_rows_of_the_whole_parse(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    h = synth.generate(1500, seed=11)
    path = tmp_path / "activity.csv"
    synth.write_apple_music(h, path)
    data = path.read_bytes()
    whole = apple.parse_play_activity(data, path.name)
    monkeypatch.setattr(apple, "CSV_BLOCK_BYTES", 16 * 1024)
    parts = list(apple.parse_play_activity_batches(lambda: [data[:5000], data[5000:]], path.name, None))
    assert len(parts) > 3
    assert sum(p.rows_read for p in parts) == whole.rows_read
    assert sum((p.dropped for p in parts), start=type(whole.dropped)()) == whole.dropped
    import pyarrow as pa

    assert pa.concat_tables([p.table for p in parts]).equals(whole.table)
    in_place = list(apple.parse_play_activity_batches(lambda: [data], path.name, str(path)))
    assert pa.concat_tables([p.table for p in in_place]).equals(whole.table)


# ------------------------------------------------------------------------------------------------ Daily, Recent


def test_daily_tracks_rows() -> None:
    p = parse(DAILY)
    assert (p.rows_read, p.table.num_rows) == (6, 3)
    assert dict(p.dropped) == {"negative_ms_played": 1, "bad_time": 1, "missing_track": 1}
    got = by_track(p)
    # Split at the first " - ": the title keeps the rest.
    live = got["Harbour Lights - Live"]
    assert (live["artist"], live["ms_played"], live["fuzzy_time"]) == ("Mira Vell", 400_000, True)
    assert live["ts_start"] == dt.datetime(2023, 11, 4, 18, tzinfo=UTC)  # the first listed hour
    assert got["Paper Lanterns"]["ts_start"] == dt.datetime(2016, 5, 29, 1, tzinfo=UTC)


def test_recently_played_is_recognised_as_summaries_not_a_history(lib: Library) -> None:
    p = parse(RECENT)
    assert (p.rows_read, p.table.num_rows, dict(p.dropped)) == (2, 0, {"summary_without_play_times": 2})
    report = lib.import_paths([RECENT])
    assert report.ignored == [] and report.files[0].format == apple.RECENTLY_PLAYED
    assert report.files[0].dropped == {"summary_without_play_times": 2} and report.plays_after == 0


# ------------------------------------------------------------------------------------------------ the import


def test_folder_import_local_time_from_the_offset(lib: Library) -> None:
    report = lib.import_paths([FIXTURES])
    assert report.ignored == []
    assert (report.total("rows_read"), report.total("stored"), report.total("merged"), report.total("dropped")) == (
        25, 9, 2, 14)
    got = {t: (tz, local) for t, tz, local in rows(
        lib, "SELECT track, tz, ts_local FROM plays WHERE track IS NOT NULL")}
    assert got["Paper Lanterns"] == ("Etc/GMT-7", dt.datetime(2016, 5, 29, 8, 24, 23, 210_000))
    assert got["Harbour Lights"][0] in ("Etc/GMT+4", "Etc/GMT-1")
    assert got["Lanternfish Tide"] == ("GMT+05:30", dt.datetime(2016, 6, 6, 3, 30))
    home = rows(lib, "SELECT home_zone FROM home")[0][0]
    assert got["Cobalt Minute, Again"][0] == home  # no offset recorded: the home zone, as for any play
    hours = rows(lib, "SELECT sum(ms_played) / 3.6e6 FROM plays")[0][0]
    assert hours == pytest.approx((1_133_000 + 400_000 + 215_000) / 3.6e6)
    assert rows(lib, "SELECT count(*) FROM plays WHERE kind = 'track'")[0][0] == 8
    assert rows(lib, "SELECT genre, count(*) FROM plays WHERE genre IS NOT NULL GROUP BY 1 ORDER BY 1") == [
        ("Electronic", 4), ("Indie Pop", 1), ("Jazz", 2)]


def _final(lib: Library) -> list[tuple[object, ...]]:
    return rows(lib, "SELECT format, track, ts_start, ms_played FROM play_rows ORDER BY ts_start, track")


@pytest.mark.parametrize("order", ["together", "daily_first", "activity_first"])
def test_daily_rows_merge_with_the_days_plays_in_any_order(tmp_path: Path, order: str) -> None:
    lib = open_library(tmp_path / f"{order}.duckdb")
    try:
        if order == "together":
            reports = [lib.import_paths([OLD, NEW, DAILY])]
        elif order == "daily_first":
            reports = [lib.import_paths([DAILY]), lib.import_paths([OLD, NEW])]
        else:
            reports = [lib.import_paths([OLD, NEW]), lib.import_paths([DAILY])]
        final = _final(lib)
        daily_left = [r for r in final if r[0] == apple.DAILY_TRACKS]
        assert [r[1] for r in daily_left] == ["Slow Tide"]  # no play of it that day: the summary stays
        assert len(final) == 9
        if order == "daily_first":
            assert reports[0].total("stored") == 3
            assert (reports[1].total("stored"), reports[1].total("replaced")) == (8, 2)
        else:
            assert reports[-1].total("merged") == 2
        # A re-import changes nothing.
        again = lib.import_paths([OLD, NEW, DAILY])
        assert again.plays_after == again.plays_before == 9
    finally:
        lib.close()


def _downloaded_zip(tmp_path: Path, files: dict[str, bytes]) -> Path:
    """The zip as Apple hands it over: a folder holding Apple_Media_Services.zip, which holds the CSVs."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(f"Apple_Media_Services/Apple Music Activity/{name}", data)
        z.writestr("Apple_Media_Services/Stores Activity/Store Transaction History.csv", b"Item,Date\nx,y\n")
        # The real export nests a third level: library files as zips inside Apple_Media_Services.zip.
        library = io.BytesIO()
        with zipfile.ZipFile(library, "w") as lz:
            lz.writestr("Apple Music Library Tracks.json", b'[{"Title": "Paper Lanterns"}]')
        z.writestr("Apple_Media_Services/Apple Music Activity/Apple Music Library Tracks.json.zip", library.getvalue())
    outer = tmp_path / "Apple Media Services information.zip"
    with zipfile.ZipFile(outer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("Apple Media Services information/Apple_Media_Services.zip", inner.getvalue())
    return outer


def test_zip_as_downloaded_with_a_nested_zip(lib: Library, tmp_path: Path) -> None:
    outer = _downloaded_zip(tmp_path, {p.name: p.read_bytes() for p in (OLD, DAILY, RECENT)})
    report = lib.import_paths([outer])
    assert {f.format for f in report.files} == {apple.PLAY_ACTIVITY, apple.DAILY_TRACKS, apple.RECENTLY_PLAYED}
    assert report.files[0].file.startswith("Apple Media Services information.zip:Apple_Media_Services.zip:")
    assert sorted(report.ignored) == [
        "Apple Media Services information.zip:Apple_Media_Services.zip:Apple Music Library Tracks.json.zip:"
        "Apple Music Library Tracks.json",
        "Apple Media Services information.zip:Apple_Media_Services.zip:Store Transaction History.csv"]
    # 6 plays and 3 daily rows, one of them the day of a play.
    assert (report.plays_after, report.total("merged")) == (8, 1)


def test_cli_import_names_the_apple_files(tmp_path: Path) -> None:
    outer = _downloaded_zip(tmp_path, {p.name: p.read_bytes() for p in (OLD, DAILY, RECENT)})
    done = run_cli("import", str(outer), "--db", str(tmp_path / "lib.duckdb"))
    assert done.returncode == 0, done.stderr
    out = " ".join(done.stdout.split())
    for needle in ("Apple Music Play Activity", "Apple Music daily tracks", "Apple Music recently played",
                   "summary without play times", "1 ad", "1 clip", "1 lyrics display", "2 other files passed over"):
        assert needle in out, out


def test_synthetic_export_imports_as_its_ground_truth(lib: Library, tmp_path: Path) -> None:
    h = synth.generate(2500, seed=5)
    manifest = synth.write_apple_music(h, tmp_path / "Apple Media Services information.zip")
    report = lib.import_paths([tmp_path / "Apple Media Services information.zip"])
    activity = next(f for f in report.files if f.format == apple.PLAY_ACTIVITY)
    daily = next(f for f in report.files if f.format == apple.DAILY_TRACKS)
    assert activity.rows_read == manifest["rows"]
    assert activity.dropped == manifest["dropped"]
    assert activity.stored == manifest["expected_tracks"] + manifest["expected_unknown"]
    # Every day's summary gives way to its plays; it stays only for a play Play Activity lost its time for.
    assert daily.merged + daily.stored == daily.rows_read
    assert daily.stored <= manifest["dropped"].get("missing_time", 0)
    kinds = dict(rows(lib, f"SELECT kind, count(*) FROM plays WHERE format = '{apple.PLAY_ACTIVITY}' GROUP BY 1"))
    assert kinds == {"track": manifest["expected_tracks"], "unknown": manifest["expected_unknown"]}
    assert rows(lib, f"SELECT sum(ms_played) FROM plays WHERE format = '{apple.PLAY_ACTIVITY}'")[0][0] == \
        manifest["expected_ms_played"]
    # Every artist keeps the one genre synth gives its group.
    genres = synth.artist_genres(h.catalogue)
    want: dict[str, set[str]] = {}
    for a, g in zip(h.catalogue.artist_name, genres, strict=True):
        want.setdefault(str(a), set()).add(str(g))
    got = rows(lib, f"SELECT DISTINCT artist, genre FROM plays WHERE format = '{apple.PLAY_ACTIVITY}' "
                    "AND kind = 'track'")
    assert got and all(g in want[a] for a, g in got)
    assert rows(lib, "SELECT count(*) FROM plays WHERE tz LIKE 'Etc/GMT%'")[0][0] > 0


# ------------------------------------------------------------------------------------------------ bad input


def test_truncated_file_is_one_line_error_naming_it(tmp_path: Path) -> None:
    data = OLD.read_bytes()
    cut = tmp_path / "Apple Music Play Activity.csv"
    cut.write_bytes(data[: data.rindex(b",False,") + 3])  # stops inside the last row
    with pytest.raises(InputError, match=r"Apple Music Play Activity\.csv: .*(columns|truncated)"):
        apple.parse_play_activity(cut.read_bytes(), str(cut))


def test_utf16_resave_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "Apple Music Play Activity.csv"
    bad.write_bytes(OLD.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        plan([bad])


def test_invalid_utf8_names_the_byte(tmp_path: Path) -> None:
    data = OLD.read_bytes().replace(b"Paper Lanterns", b"Paper \xff Lanterns")
    with pytest.raises(InputError, match="not UTF-8 text"):
        apple.parse_play_activity(data, "Apple Music Play Activity.csv")


def test_a_csv_that_is_not_apples_named_like_it(tmp_path: Path) -> None:
    bad = tmp_path / "Apple Music Play Activity.csv"
    bad.write_bytes(b"Title,Artist,Album,Play Count\nA,B,C,3\n")
    with pytest.raises(InputError, match="named like Apple Music Play Activity"):
        plan([bad])


def test_header_only_and_empty_files_import_as_nothing(lib: Library, tmp_path: Path) -> None:
    folder = tmp_path / "Apple Music Activity"
    folder.mkdir()
    (folder / "Apple Music Play Activity.csv").write_bytes(OLD.read_bytes().split(b"\n", 1)[0] + b"\n")
    (folder / "Apple Music - Play History Daily Tracks.csv").write_bytes(b"")
    (folder / "Apple Music - Recently Played Tracks.csv").write_bytes(RECENT.read_bytes())
    report = lib.import_paths([folder])
    assert {f.format: (f.rows_read, f.stored) for f in report.files} == {
        apple.PLAY_ACTIVITY: (0, 0), apple.DAILY_TRACKS: (0, 0), apple.RECENTLY_PLAYED: (2, 0)}


# ------------------------------------------------------------------------------------------------ privacy


def test_no_identifier_reaches_the_library_file(tmp_path: Path) -> None:
    for value in IDENTIFIERS:  # the fixtures really carry them
        assert value.encode() in OLD.read_bytes() + NEW.read_bytes()
    db = tmp_path / "library.duckdb"
    lib = open_library(db)
    try:
        lib.import_paths([OLD, NEW, DAILY])
        assert lib.con.execute("SELECT count(*) FROM play_rows").fetchall()[0][0] == 9
    finally:
        lib.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("library.duckdb"))
    for value in IDENTIFIERS:
        assert value.encode() not in stored, value
    assert b"Freedonia" not in stored  # the store's country is not where the person was: never read


# ------------------------------------------------------------------------------------------------ any bytes


@pytest.mark.parametrize("path", [OLD, NEW, DAILY, RECENT], ids=lambda p: p.name)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_damaged_files_parse_or_fail_in_one_line(path: Path, data: st.DataObject) -> None:
    valid = path.read_bytes()
    fmt = detect.detect(valid[:HEAD_BYTES])
    assert fmt is not None
    damaged = garble(valid, data)
    try:
        parsed = fmt.parse(damaged, "garbled")
    except InputError as err:
        assert err.path == "garbled" and "\n" not in str(err)
        return
    assert parsed.table.schema == STAGED_SCHEMA
    assert parsed.table.num_rows + sum(parsed.dropped.values()) == parsed.rows_read
    assert all(n > 0 for n in parsed.dropped.values())
    t = parsed.table
    assert t.column("ts_start").null_count == t.column("ts_end").null_count == t.column("ms_played").null_count == 0
    assert all(r["ts_end"] >= r["ts_start"] and r["ms_played"] > 0 for r in t.to_pylist())
