"""Issue 13: archives cost linear work within one budget per import, and a huge central directory is refused
before zipfile parses it. Work is measured by counting (bytes inflated, directories parsed), never by timing.
"""

from __future__ import annotations

import concurrent.futures
import functools
import io
import json
import struct
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linernotes.errors import InputError
from linernotes.library import open_library
from linernotes.sources import safezip
from linernotes.sources.inputs import Entry, collect_entries
from linernotes.sources.safezip import Limits
from linernotes.store import importer
from tests.support.exports import play, write_extended
from tests.test_archive import JSON, make_zip


def stored_and_tiny(stored_bytes: int, tiny: int) -> bytes:
    """A zip of one big stored member (nothing to inflate in it) and ``tiny`` small deflated ones."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("blob.bin"), bytes(stored_bytes))  # a bare ZipInfo is stored
        for i in range(tiny):
            zf.writestr(f"t/{i:04d}.json", JSON)
    return buf.getvalue()


class CountingInflate:
    """Stands in for ``isal_zlib`` in the zip reader: counts the bytes every inflater produces."""

    def __init__(self) -> None:
        self.real = safezip.isal_zlib
        self.outputs: list[int] = []  # bytes produced, per inflater

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def decompressobj(self, *args: Any, **kwargs: Any) -> Any:
        inner = self.real.decompressobj(*args, **kwargs)
        outputs, slot = self.outputs, len(self.outputs)
        outputs.append(0)

        class Inflater:
            def decompress(self, data: bytes, max_length: int = 0) -> bytes:
                out: bytes = inner.decompress(data, max_length)
                outputs[slot] += len(out)
                return out

            def __getattr__(self, name: str) -> Any:
                return getattr(inner, name)

        return Inflater()

    @property
    def total(self) -> int:
        return sum(self.outputs)


@pytest.fixture
def inflate(monkeypatch: pytest.MonkeyPatch) -> CountingInflate:
    counter = CountingInflate()
    monkeypatch.setattr(safezip, "isal_zlib", counter)
    return counter


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many records each central directory zipfile parses had."""
    counts: list[int] = []
    real = zipfile.ZipFile._RealGetContents  # type: ignore[attr-defined]

    def counting(self: zipfile.ZipFile) -> None:
        real(self)
        counts.append(len(self.filelist))

    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", counting)
    return counts


def read_like_an_import(entries: list[Entry]) -> None:
    """What plan and staging do with every entry: its first bytes, then all of it, streamed and whole."""
    for entry in entries:
        entry.head(65536)
    for entry in entries:
        assert b"".join(entry.chunks()) == entry.read()


# --- linear cost ----------------------------------------------------------------------------------------------


def test_nested_zip_inflates_its_inner_zip_once(tmp_path: Path, inflate: CountingInflate) -> None:
    # The inner zip is nearly all one stored 600 KB member: every member of it used to re-inflate all of it.
    inner = stored_and_tiny(600_000, 150)
    outer = tmp_path / "outer.zip"
    outer.write_bytes(make_zip({"my_spotify_data.zip": inner}))
    entries = collect_entries([outer])
    assert len(entries) == 151
    read_like_an_import(entries)
    assert entries[1].read() == JSON
    assert inflate.outputs.count(len(inner)) == 1  # one inflater produced the inner zip, once
    # Everything else inflated is the tiny members themselves, a few times each.
    assert inflate.total < len(inner) + 10 * 150 * len(JSON)


def test_entries_read_from_threads_share_one_inner_zip(tmp_path: Path, inflate: CountingInflate) -> None:
    inner = stored_and_tiny(300_000, 40)
    outer = tmp_path / "outer.zip"
    outer.write_bytes(make_zip({"n.zip": inner}))
    entries = collect_entries([outer])
    fresh = [Entry(e.display, e.basename, e.size, e._path, e._root_display, e._members, e._limits, None,
                   entries[0]._work) for e in entries]
    entries[0]._work.forget(str(outer.resolve()), ("n.zip",))  # type: ignore[union-attr]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert list(pool.map(Entry.read, fresh[1:])) == [JSON] * 40
    assert inflate.outputs.count(len(inner)) == 2  # once when listed, once after being forgotten


def test_central_directory_is_parsed_once_for_all_entries(tmp_path: Path, parses: list[int]) -> None:
    archive = tmp_path / "many.zip"
    archive.write_bytes(make_zip({f"{i:04d}.json": JSON for i in range(600)}))
    entries = collect_entries([archive])
    read_like_an_import(entries)
    assert parses == [600]  # used to be once per entry and read: quadratic in the number of entries


def test_twenty_thousand_entries_are_refused_by_the_file_budget(tmp_path: Path, parses: list[int]) -> None:
    archive = tmp_path / "many.zip"
    archive.write_bytes(make_zip({f"{i:05d}": b"" for i in range(20_000)}, zipfile.ZIP_STORED))
    with pytest.raises(InputError) as info:
        collect_entries([archive])
    assert str(info.value) == f"{archive}: import has more than 2000 files (work limit)"
    assert parses == [20_000]
    # Within a larger budget the same zip is listed, each record parsed once.
    assert len(collect_entries([archive], Limits(max_files=20_000))) == 20_000
    assert parses == [20_000, 20_000]


def test_records_of_nested_zips_count_against_one_budget(tmp_path: Path, parses: list[int]) -> None:
    inner = make_zip({f"{i}.json": JSON for i in range(30)})
    outer = tmp_path / "outer.zip"
    outer.write_bytes(make_zip({f"z{i}.zip": inner for i in range(4)}))
    assert len(collect_entries([outer], Limits(max_total_entries=4 + 4 * 30))) == 120
    parses.clear()
    with pytest.raises(InputError) as info:
        collect_entries([outer], Limits(max_total_entries=4 + 3 * 30 + 29))
    assert str(info.value) == f"{outer}:z3.zip: import has more than 123 archive entries in all (work limit)"
    assert parses == [4, 30, 30, 30]  # the fourth inner zip was refused before zipfile parsed it


# --- bytes decompressed ---------------------------------------------------------------------------------------


def test_inflated_bytes_budget_is_shared_and_sticky(tmp_path: Path) -> None:
    body = json.dumps([{"n": i} for i in range(20_000)]).encode()
    archive = tmp_path / "a.zip"
    archive.write_bytes(make_zip({"a.json": body, "b.json": body}))
    entries = collect_entries([archive], Limits(max_inflated_bytes=len(body) + 1000))
    assert entries[0].read() == body
    with pytest.raises(InputError) as info:
        b"".join(entries[1].chunks())
    limit = len(body) + 1000
    assert str(info.value) == f"{archive}:b.json: import would decompress more than {limit} bytes (work limit)"
    with pytest.raises(InputError, match="work limit"):  # spent is spent: the first entry cannot be re-read
        entries[0].head(10)


def test_inner_zip_over_its_cap_is_refused_before_it_is_inflated(tmp_path: Path, inflate: CountingInflate) -> None:
    inner = stored_and_tiny(400_000, 1)
    outer = tmp_path / "outer.zip"
    outer.write_bytes(make_zip({"n.zip": inner}))
    with pytest.raises(InputError) as info:
        collect_entries([outer], Limits(max_inner_zip_bytes=100_000))
    assert str(info.value) == f"{outer}:n.zip: zip inside a zip is {len(inner)} bytes uncompressed (limit 100000)"
    assert inflate.total < 100  # the four bytes that said "zip", and little more


def test_inner_zips_beyond_the_cache_are_inflated_again_and_still_read(tmp_path: Path,
                                                                       inflate: CountingInflate) -> None:
    a, b = stored_and_tiny(200_000, 3), stored_and_tiny(200_001, 3)
    outer = tmp_path / "outer.zip"
    outer.write_bytes(make_zip({"a.zip": a, "b.zip": b}))
    entries = collect_entries([outer], Limits(max_inner_zip_bytes=300_000))  # room for one at a time
    assert [e.display.split(":", 1)[1] for e in entries[:2]] == ["a.zip:blob.bin", "a.zip:t/0000.json"]
    # Listing left b in memory: reading b costs nothing more, reading a inflates it again, once for its members.
    assert entries[5].read() == entries[1].read() == entries[2].read() == JSON
    assert inflate.outputs.count(len(a)) == 2 and inflate.outputs.count(len(b)) == 1


# --- a huge central directory is refused before zipfile parses it ----------------------------------------------


def with_zip64_end(data: bytes, entries: int | None = None, directory_size: int | None = None) -> bytes:
    """``data`` (a zip without comment) with its end record replaced by zip64 end records, which may lie."""
    count, size, offset = struct.unpack("<H2L", data[-12:-2])
    body = data[:-22]
    zip64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count if entries is None else entries,
                        count if entries is None else entries, size if directory_size is None else directory_size,
                        offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(body), 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return body + zip64 + locator + end


@pytest.fixture
def no_zipfile_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: zipfile.ZipFile) -> None:
        raise AssertionError("zipfile was asked to parse the central directory")

    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", refuse)


def test_zip64_end_record_with_honest_counts_reads(tmp_path: Path) -> None:
    archive = tmp_path / "z64.zip"
    archive.write_bytes(with_zip64_end(make_zip({"a.json": JSON, "b.json": JSON})))
    assert [e.read() for e in collect_entries([archive])] == [JSON, JSON]


@pytest.mark.usefixtures("no_zipfile_parsing")
def test_zip64_end_record_declaring_600k_entries_is_refused_unparsed(tmp_path: Path) -> None:
    archive = tmp_path / "z64.zip"
    archive.write_bytes(with_zip64_end(make_zip({"a.json": JSON}), entries=600_000))
    with pytest.raises(InputError) as info:
        collect_entries([archive])
    assert str(info.value) == f"{archive}: archive has 600000 entries (limit 20000)"


@pytest.mark.usefixtures("no_zipfile_parsing")
def test_zip64_end_record_declaring_a_huge_directory_is_refused_unparsed(tmp_path: Path) -> None:
    archive = tmp_path / "z64.zip"
    archive.write_bytes(with_zip64_end(make_zip({"a.json": JSON}), directory_size=1 << 40))
    with pytest.raises(InputError) as info:
        collect_entries([archive])
    assert str(info.value) == f"{archive}: archive's central directory is {1 << 40} bytes (limit {32 << 20})"


@pytest.mark.usefixtures("no_zipfile_parsing")
@pytest.mark.parametrize("zip64", [False, True])
def test_end_record_understating_the_records_is_refused_unparsed(tmp_path: Path, zip64: bool) -> None:
    # The end record says 3 entries; the directory chains 50 records, which zipfile would all parse.
    data = bytearray(make_zip({f"{i}.json": JSON for i in range(50)}))
    data[-14:-10] = struct.pack("<2H", 3, 3)
    archive = tmp_path / "lying.zip"
    archive.write_bytes(with_zip64_end(bytes(data), entries=3) if zip64 else bytes(data))
    with pytest.raises(InputError) as info:
        collect_entries([archive], Limits(max_entries=10))
    assert str(info.value) == f"{archive}: archive has more than 10 entries (limit 10)"


# --- through the importer: one line, library unchanged -------------------------------------------------------


def library_state(db: Path) -> tuple[list[Any], list[Any]]:
    with open_library(db) as lib:
        con = lib._con  # type: ignore[attr-defined]
        return (con.execute("SELECT * FROM play_rows ORDER BY play_id").fetchall(),
                con.execute("SELECT import_id, files, rows_read FROM imports ORDER BY import_id").fetchall())


@pytest.fixture
def library_with_one_import(tmp_path: Path) -> Iterator[Path]:
    db = tmp_path / "library.duckdb"
    first = write_extended(tmp_path / "Streaming_History_Audio_2020.json",
                           [play(f"2020-01-01T10:{m:02d}:00Z", track=f"T{m}") for m in range(5)])
    with open_library(db) as lib:
        lib.import_paths([first])
    yield db


def big_history(n: int, day: int) -> bytes:
    records = [play(f"2023-03-{day:02d}T{h % 24:02d}:{h % 60:02d}:00Z", track=f"Track {h}") for h in range(n)]
    return json.dumps(records, indent=2).encode()


def test_budget_spent_during_staging_fails_the_import_and_keeps_the_library(
        tmp_path: Path, library_with_one_import: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = library_with_one_import
    files = {f"Spotify Extended Streaming History/Streaming_History_Audio_2023_{d}.json": big_history(400, d)
             for d in (1, 2)}
    archive = tmp_path / "my_spotify_data.zip"
    archive.write_bytes(make_zip(files))
    before = library_state(db)
    # Enough to list the zip and read the first bytes of both files (plan), not to read them through.
    budget = sum(map(len, files.values())) - 1000
    monkeypatch.setattr(importer, "collect_entries",
                        functools.partial(collect_entries, limits=Limits(max_inflated_bytes=budget)))
    with open_library(db) as lib, pytest.raises(InputError) as info:
        lib.import_paths([archive])
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{archive}:Spotify Extended Streaming History/Streaming_History_Audio_2023_")
    assert message.endswith(f": import would decompress more than {budget} bytes (work limit)")
    assert library_state(db) == before


def test_cli_refuses_a_zip_of_too_many_files_in_one_line(tmp_path: Path, library_with_one_import: Path) -> None:
    db = library_with_one_import
    archive = tmp_path / "many.zip"
    archive.write_bytes(make_zip({f"Streaming_History_Audio_{i}.json": JSON for i in range(2001)}))
    before = library_state(db)
    done = subprocess.run([sys.executable, "-m", "linernotes", "import", str(archive), "--db", str(db)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == f"error: {archive}: import has more than 2000 files (work limit)\n"
    assert library_state(db) == before
