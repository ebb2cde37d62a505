"""Deezer's GDPR workbook (docs/formats.md §7): quirks on synthetic workbooks, the real export, bad input,
privacy."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pyarrow.compute as pc
import pytest

from linernotes.errors import InputError
from linernotes.library import open_library
from linernotes.sources import deezer, detect
from linernotes.synth import generate
from linernotes.synth.writers import DEEZER_HEADER, write_deezer, xlsx_bytes
from tests.support.samples import SAMPLES

REAL = SAMPLES.parent / "corpus" / "deezer-gdpr_marion_deezer-data_20250930.xlsx"
UTC = dt.UTC


def book(rows: list[list[str | None]], sheet: str = "10_listeningHistory") -> bytes:
    return xlsx_bytes([("1_creationData", [["Email"], ["someone@example.org"]]),
                       (sheet, [list(DEEZER_HEADER), *rows])])


def row(title: str | None = "Song", artist: str | None = "Band", seconds: str = "200",
        name: str | None = "android", model: str | None = "Pixel", date: str = "2024-05-01 10:00:00",
        album: str | None = "Album") -> list[str | None]:
    return [title, artist, "QZABC2400001", album, "198.51.100.7", seconds, name, model, date]


def test_every_quirk_of_the_sheet() -> None:
    data = book([
        row(date="2024-05-01 10:03:20"),                          # Date is the end: start = end - 200 s
        row(seconds="-1", name="None", model="None", date="2012-01-01 09:00:00"),  # unknown time, no platform
        row(model=None, name="web", date="2020-01-01 00:00:00"),  # an absent cell (sparse row)
        row(album="nan", name="nan", model="", date="2019-06-01 12:00:00"),
        row(title="None", date="2019-06-02 12:00:00"),            # no title
        row(artist="  ", date="2019-06-03 12:00:00"),             # no artist
        row(seconds="abc", date="2019-06-04 12:00:00"),           # not a duration
        row(seconds="90000", date="2019-06-05 12:00:00"),         # over a day
        row(date="01/06/2019 12:00"),                             # not the export's date layout
        row(date="None"),
    ])
    assert detect.detect_document(data) is deezer.FORMATS[0]
    assert detect.detect(data[:65536]) is None  # the head of a zip cannot tell
    parsed = deezer.parse(data, "deezer-data_1.xlsx")
    assert parsed.rows_read == 10
    assert dict(parsed.dropped) == {"missing_track": 1, "missing_artist": 1, "bad_duration": 2, "bad_time": 1,
                                    "missing_time": 1}
    rows = parsed.table.to_pylist()
    assert [r["ts_end"] for r in rows] == [dt.datetime(2024, 5, 1, 10, 3, 20, tzinfo=UTC),
                                           dt.datetime(2012, 1, 1, 9, tzinfo=UTC),
                                           dt.datetime(2020, 1, 1, tzinfo=UTC),
                                           dt.datetime(2019, 6, 1, 12, tzinfo=UTC)]
    assert rows[0]["ts_start"] == dt.datetime(2024, 5, 1, 10, 0, tzinfo=UTC) and rows[0]["ms_played"] == 200_000
    assert rows[1]["ms_played"] is None and rows[1]["ts_start"] == rows[1]["ts_end"]
    assert [r["platform"] for r in rows] == ["android (Pixel)", None, "web", None]
    assert rows[3]["album"] is None
    assert {r["source"] for r in rows} == {"deezer"} and {r["kind"] for r in rows} == {"track"}
    assert all(r["uri"] is None for r in rows)  # the ISRC is not an item identity here (module docstring)


def test_shared_strings_and_prefixed_markup_of_a_resaved_workbook() -> None:
    """A workbook saved again by a spreadsheet program: shared strings and numbers as numbers."""
    sheet = ('<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
             '<x:row r="1">' + "".join(f'<x:c r="{chr(65 + i)}1" t="s"><x:v>{i}</x:v></x:c>'
                                       for i in range(len(DEEZER_HEADER))) + '</x:row>'
             '<x:row r="2"><x:c r="A2" t="s"><x:v>9</x:v></x:c><x:c r="B2" t="s"><x:v>10</x:v></x:c>'
             '<x:c r="F2"><x:v>61</x:v></x:c><x:c r="I2" t="s"><x:v>11</x:v></x:c></x:row>'
             '</x:sheetData></x:worksheet>')
    strings = [*DEEZER_HEADER, "Tune", "Group", "2023-02-03 04:05:06"]
    shared = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>")
    base = zipfile.ZipFile(io.BytesIO(book([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in base.infolist():
            body = base.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                body = sheet.encode()
            z.writestr(info.filename, body)
        z.writestr("xl/sharedStrings.xml", shared)
    rows = deezer.parse(out.getvalue(), "resaved.xlsx").table.to_pylist()
    assert [(r["track"], r["artist"], r["ms_played"], r["ts_end"]) for r in rows] == [
        ("Tune", "Group", 61_000, dt.datetime(2023, 2, 3, 4, 5, 6, tzinfo=UTC))]


# Expected figures written from a reading of the raw workbook by another method (a throwaway script, not this
# importer): openpyxl 3.1.5 in read-only mode over sheet 10_listeningHistory, cells taken as strings, and a
# regex count over the unzipped xl/worksheets/sheet8.xml for the cells Deezer left out. Listening Time "-1" in
# 615 rows; the other values sum to 1,260,415 s (350.12 h); Date spans 2010-02-18 17:33:26 → 2025-10-06
# 20:59:14; 1,890 distinct Artist values; no blank title or artist; Platform Name "None" in 536 rows, "web" in
# 1,159 (1,129 with the Platform Model cell absent, 30 with "None"); 98 rows repeat another row's Date, title,
# artist and Listening Time (75 of those groups differ only in the IP Address).
needs_real = pytest.mark.skipif(not REAL.is_file(), reason="../shared/corpus not present beside the repo")


@needs_real
def test_real_workbook_conformance() -> None:
    parsed = deezer.parse(REAL.read_bytes(), REAL.name)
    t = parsed.table
    assert (parsed.rows_read, t.num_rows, dict(parsed.dropped)) == (10_738, 10_738, {})
    assert t["ms_played"].null_count == 615
    assert pc.sum(t["ms_played"]).as_py() == 1_260_415_000  # 350.12 hours
    assert pc.min(t["ts_end"]).as_py() == dt.datetime(2010, 2, 18, 17, 33, 26, tzinfo=UTC)
    assert pc.max(t["ts_end"]).as_py() == dt.datetime(2025, 10, 6, 20, 59, 14, tzinfo=UTC)
    assert pc.count_distinct(t["artist"]).as_py() == 1_890
    platforms = t["platform"].to_pylist()
    assert platforms.count(None) == 536 and platforms.count("web") == 1_159


@needs_real
def test_real_workbook_imports(tmp_path: Path) -> None:
    with open_library(tmp_path / "lib.duckdb") as lib:
        report = lib.import_paths([REAL]).to_dict()
        (f,) = report["files"]  # type: ignore[union-attr]
        assert (f["format"], f["rows_read"], f["dropped"]) == ("deezer_gdpr_xlsx", 10_738, {})
        # The 98 exact repeats (same end, names and listening time; another IP) are duplicates; every row is
        # accounted for.
        assert f["duplicates"] >= 98
        assert f["stored"] + f["duplicates"] + f["near_duplicates"] == 10_738
        hours = lib.con.execute("SELECT sum(ms_played) / 3.6e6 FROM play_rows").fetchall()[0][0]
        assert 300 < hours <= 350.12


def test_bad_inputs(tmp_path: Path) -> None:
    good = book([row()])
    truncated = tmp_path / "deezer-data_1.xlsx"
    truncated.write_bytes(good[: len(good) // 2])
    with open_library(tmp_path / "a.duckdb") as lib, pytest.raises(InputError, match=r"deezer-data_1\.xlsx"):
        lib.import_paths([truncated])
    # A zip that is not a workbook, and a workbook without the listening sheet, named like a Deezer export.
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("notes.txt", "hello")
    no_sheet = xlsx_bytes([("Sheet1", [["a"], ["b"]])])
    for n, data in enumerate((plain_zip.getvalue(), no_sheet)):
        path = tmp_path / f"deezer-data_{n + 2}.xlsx"
        path.write_bytes(data)
        with open_library(tmp_path / f"b{n}.duckdb") as lib, pytest.raises(InputError) as err:
            lib.import_paths([path])
        assert path.name in str(err.value) and "Traceback" not in str(err.value)
    with pytest.raises(InputError, match="no sheet 10_listeningHistory"):
        deezer.parse(no_sheet, "x.xlsx")
    # An unrelated workbook in a folder beside a real history is passed over, not an error.
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "budget.xlsx").write_bytes(no_sheet)
    (folder / "deezer-data_9.xlsx").write_bytes(good)
    with open_library(tmp_path / "c.duckdb") as lib:
        report = lib.import_paths([folder])
    assert report.ignored == ["budget.xlsx"] and report.plays_after == 1
    # Header without the needed columns; an XML entity bomb (a DTD is refused before any expansion).
    with pytest.raises(InputError, match="lacks the columns"):
        deezer.parse(xlsx_bytes([("10_listeningHistory", [["Song Title", "Artist"], ["a", "b"]])]), "x.xlsx")
    bomb = ('<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            '<row r="1"><c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>')
    src = zipfile.ZipFile(io.BytesIO(book([])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in src.infolist():
            z.writestr(info.filename, bomb if info.filename == "xl/worksheets/sheet2.xml" else src.read(info))
    with pytest.raises(InputError, match="document type declaration"):
        deezer.parse(out.getvalue(), "bomb.xlsx")


def test_no_identifier_reaches_the_library(tmp_path: Path) -> None:
    pii = {"email": "zz-unique-mail@example.org", "name": "Zyxwv Qutsr", "zip": "99123-ZZ", "payment": "IBANZZ77"}
    made = write_deezer(generate(300, seed=11), tmp_path / "export", pii=pii)
    workbook = tmp_path / "export" / made["path"]
    raw = zipfile.ZipFile(workbook)
    ips = {ip.encode() for ip in set(__import__("re").findall(
        r"198\.51\.100\.\d+", raw.read("xl/worksheets/sheet8.xml").decode()))}
    assert ips and all(v.encode() in b"".join(raw.read(i) for i in raw.namelist()) for v in pii.values())
    db = tmp_path / "lib.duckdb"
    with open_library(db) as lib:
        report = lib.import_paths([workbook])
        assert report.plays_after == made["rows"] - report.total("duplicates") - report.total("near_duplicates")
    stored = db.read_bytes()
    for secret in [*ips, *(v.encode() for v in pii.values())]:
        assert secret not in stored, secret
