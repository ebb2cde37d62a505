"""Large files are read a batch ahead in a thread of their own (sources/_stream.read_ahead) and appended in
whole row groups (store/staging): what the library ends with is exactly what the one-thread, batch-by-batch
import stores, an error still surfaces in its place, and no thread outlives the import."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from linernotes import synth
from linernotes.errors import InputError
from linernotes.library import Library
from linernotes.sources import _stream, apple
from linernotes.store import staging


def _numbers(n: int, fail_at: int | None = None, closed: list[bool] | None = None) -> Iterator[int]:
    try:
        for i in range(n):
            if i == fail_at:
                raise ValueError(f"broken at {i}")
            yield i
    finally:
        if closed is not None:
            closed.append(True)


def _read_ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "linernotes-read-ahead"]


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_items_arrive_in_order_at_any_depth(depth: int) -> None:
    assert list(_stream.read_ahead(_numbers(50), depth)) == list(range(50))
    assert not _read_ahead_threads()


def test_an_error_arrives_after_the_items_before_it() -> None:
    got: list[int] = []
    with pytest.raises(ValueError, match="broken at 7"):
        for i in _stream.read_ahead(_numbers(20, fail_at=7), 2):
            got.append(i)
    assert got == list(range(7))
    assert not _read_ahead_threads()


def test_a_consumer_that_stops_early_stops_the_thread_and_closes_the_source() -> None:
    closed: list[bool] = []
    ahead = _stream.read_ahead(_numbers(10_000, closed=closed), 1)
    assert next(ahead) == 0
    ahead.close()  # what a for loop left by an exception or Ctrl-C does
    assert closed == [True], "the source generator was closed, in its own thread"
    assert not _read_ahead_threads(), "the thread was joined before close() returned"


def _apple_file(tmp_path: Path) -> Path:
    path = tmp_path / "Apple Music Play Activity.csv"
    synth.write_apple_music(synth.generate(1500, seed=5, podcast_share=0.0, audiobook_share=0.0,
                                           video_share=0.0), path)
    return path


def _library_rows(tmp_path: Path, file: Path, tag: str) -> tuple[list[tuple[object, ...]], int, dict[str, int]]:
    with Library(tmp_path / f"{tag}.duckdb") as lib:
        report = lib.import_paths([file])
        rows = lib.con.execute("SELECT * EXCLUDE (import_id) FROM play_rows ORDER BY ALL").fetchall()
    return rows, report.files[0].rows_read, report.files[0].dropped


def test_batched_apple_import_reads_ahead_and_appends_whole_row_groups(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    file = _apple_file(tmp_path)
    whole = _library_rows(tmp_path, file, "whole")
    assert len(whole[0]) > 1000 and whole[2], "the file must exercise some drop reasons"

    monkeypatch.setattr(staging, "WHOLE_MAX_BYTES", 0)
    monkeypatch.setattr(apple, "CSV_BLOCK_BYTES", 16 * 1024)  # ~40 rows a block
    monkeypatch.setattr(staging, "APPEND_ROWS", 100)
    appended: list[int] = []
    real_append = staging._append_table
    monkeypatch.setattr(staging, "_append_table",
                        lambda con, no, table: (appended.append(table.num_rows), real_append(con, no, table)))
    for depth in (0, 2):
        monkeypatch.setattr(_stream, "READ_AHEAD", depth)
        appended.clear()
        assert _library_rows(tmp_path, file, f"batched{depth}") == whole
        assert len(appended) > 5
        # Every append but the last is whole row groups; what is left over waits for the next batch.
        assert all(n % 100 == 0 for n in appended[:-1]) and appended[-1] > 0
        assert not _read_ahead_threads()


def test_a_broken_large_apple_file_is_one_line_error_with_read_ahead(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    file = _apple_file(tmp_path)
    data = file.read_bytes()
    cut = data.rfind(b"\n", 0, len(data) // 2)
    file.write_bytes(data[:cut] + b'\n"unclosed' + data[cut:])  # an open quote swallows the rest of the file
    monkeypatch.setattr(staging, "WHOLE_MAX_BYTES", 0)
    monkeypatch.setattr(apple, "CSV_BLOCK_BYTES", 16 * 1024)
    with Library(tmp_path / "broken.duckdb") as lib, pytest.raises(InputError) as err:
        lib.import_paths([file])
    assert file.name in str(err.value) and "\n" not in str(err.value)
    assert not _read_ahead_threads()
