"""The one atomic-write helper: concurrent writers, modes, failures."""

from __future__ import annotations

import os
import stat
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from linernotes.atomicfile import PRIVATE, TEMP_SUFFIX, replacing, write_atomic

SIZE = 1 << 18  # big enough that a torn write would show


def _version(writer: int, round_: int) -> bytes:
    return bytes([writer * 16 + round_ % 16]) * SIZE


def _write_many(target: str, writer: int, rounds: int) -> int:
    for r in range(rounds):
        write_atomic(Path(target), _version(writer, r), durable=r % 5 == 0)
    return writer


def _complete(data: bytes) -> bool:
    return len(data) == SIZE and data == data[:1] * SIZE


def test_concurrent_writers_never_collide_and_leave_one_complete_version(tmp_path: Path) -> None:
    target = tmp_path / "shared.bin"
    write_atomic(target, _version(0, 0))
    seen_torn: list[int] = []
    stop = threading.Event()

    def read_all_the_time() -> None:
        while not stop.is_set():
            data = target.read_bytes()  # a rename never leaves the name missing
            if not _complete(data):
                seen_torn.append(len(data))

    reader = threading.Thread(target=read_all_the_time)
    reader.start()
    try:
        with ProcessPoolExecutor(max_workers=4) as pool:  # processes: the pid alone would not tell temps apart
            done = list(pool.map(_write_many, [str(target)] * 4, range(1, 5), [40] * 4))
    finally:
        stop.set()
        reader.join()
    assert done == [1, 2, 3, 4]
    assert seen_torn == []
    final = target.read_bytes()
    assert _complete(final) and final[0] // 16 in {1, 2, 3, 4}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared.bin"]  # no temporary file left


def test_threads_of_one_process_do_not_share_a_temporary_name(tmp_path: Path) -> None:
    target = tmp_path / "t.txt"
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for r in range(30):
                write_atomic(target, f"{n}:{r}:" + "x" * 10_000, durable=False)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    n, r, rest = target.read_text(encoding="utf-8").split(":")
    assert int(n) in range(6) and int(r) == 29 and rest == "x" * 10_000
    assert os.listdir(tmp_path) == ["t.txt"]


def test_mode_is_honoured(tmp_path: Path) -> None:
    secret = write_atomic(tmp_path / "state.json", b"{}", mode=PRIVATE)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    old = os.umask(0o022)
    try:
        shared = write_atomic(tmp_path / "report.html", "<p>hi</p>")
        with replacing(tmp_path / "private.db", mode=PRIVATE) as temp:
            temp.write_bytes(b"db")
    finally:
        os.umask(old)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o644  # like any file: 0666 less the umask
    assert stat.S_IMODE((tmp_path / "private.db").stat().st_mode) == 0o600
    assert shared.read_text(encoding="utf-8") == "<p>hi</p>"


def test_replacing_a_private_file_with_a_shared_one_takes_the_new_mode(tmp_path: Path) -> None:
    target = write_atomic(tmp_path / "f", b"old", mode=PRIVATE)
    write_atomic(target, b"new", mode=0o640)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 & ~_umask()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = write_atomic(tmp_path / "keep.json", b'{"old": true}')

    class Boom(Exception):
        pass

    with pytest.raises(Boom), replacing(target) as temp:
        temp.write_bytes(b'{"new": tr')
        raise Boom
    with pytest.raises(TypeError):
        write_atomic(target, 42)  # type: ignore[arg-type]
    assert target.read_bytes() == b'{"old": true}'
    assert os.listdir(tmp_path) == ["keep.json"]


def test_a_failed_rename_leaves_no_temporary(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder-in-the-way"
    folder.mkdir()
    (folder / "child").write_text("x")
    with pytest.raises(OSError):
        write_atomic(folder, b"cannot replace a non-empty folder")
    assert sorted(os.listdir(tmp_path)) == ["a-folder-in-the-way"]


def test_temporary_names_are_hidden_and_recognisable(tmp_path: Path) -> None:
    with replacing(tmp_path / "pkg.parquet") as temp:
        # Beside the target (one file system: the rename is atomic), hidden, and never a "*.parquet".
        assert temp.parent == tmp_path and temp.name.startswith(".pkg.parquet.") and temp.name.endswith(TEMP_SUFFIX)
        assert not temp.match("*.parquet")
