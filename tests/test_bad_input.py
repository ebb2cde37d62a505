"""Bad input through the real CLI: one-line error naming the file, exit status 2, library exactly as it was.

Every case runs `python -m linernotes import BAD --db LIB` in a subprocess against a copy of a library that
already holds a small valid import, then reads the library back (also through the CLI) and compares.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import run_cli

EXTENDED_KEYS = [
    "ts", "platform", "ms_played", "conn_country", "ip_addr", "master_metadata_track_name",
    "master_metadata_album_artist_name", "master_metadata_album_album_name", "spotify_track_uri",
    "episode_name", "episode_show_name", "spotify_episode_uri", "reason_start", "reason_end", "shuffle",
    "skipped", "offline", "offline_timestamp", "incognito_mode",
]  # fmt: skip
GHAN_HEADER = '"uts","utc_time","artist","artist_mbid","album","album_mbid","track","track_mbid"'
HISTORY_NAME = "Streaming_History_Audio_2020.json"
PLAYS_SQL = "SELECT * FROM play_rows ORDER BY play_id"


# --- helpers ---------------------------------------------------------------------------------------------


def extended_records(n: int, start_day: int = 1, month: int = 3) -> list[dict[str, Any]]:
    """``n`` distinct, valid Gen-C-like records (no audiobook keys, as older files have)."""
    records = []
    for i in range(n):
        values: dict[str, Any] = {
            "ts": f"2020-{month:02d}-{start_day + i // 20:02d}T{10 + (i % 20) // 2:02d}:{(i % 2) * 30 + 5:02d}:00Z",
            "platform": "android",
            "ms_played": 120_000 + i * 1000,
            "conn_country": "DE",
            "ip_addr": "198.51.100.77",
            "master_metadata_track_name": f"Track {i}",
            "master_metadata_album_artist_name": f"Artist {i % 7}",
            "master_metadata_album_album_name": f"Album {i % 5}",
            "spotify_track_uri": f"spotify:track:{i:022d}",
            "episode_name": None,
            "episode_show_name": None,
            "spotify_episode_uri": None,
            "reason_start": "trackdone",
            "reason_end": "trackdone",
            "shuffle": bool(i % 2),
            "skipped": False,
            "offline": False,
            "offline_timestamp": None,
            "incognito_mode": False,
        }
        records.append({k: values[k] for k in EXTENDED_KEYS})
    return records


def history_bytes(n: int, **kw: Any) -> bytes:
    return json.dumps(extended_records(n, **kw), indent=2).encode()


def library_state(db: Path) -> tuple[Any, Any]:
    plays = run_cli("sql", PLAYS_SQL, "--json", "--db", str(db))
    assert plays.returncode == 0, plays.stderr
    imports = run_cli("imports", "--json", "--db", str(db))
    assert imports.returncode == 0, imports.stderr
    return json.loads(plays.stdout), json.loads(imports.stdout)


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def overlapping_zip(data: bytes) -> bytes:
    """Two central-directory records pointing at the same local header (the "better zip bomb" trick)."""
    local_name = HISTORY_NAME.encode()
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    packed = comp.compress(data) + comp.flush()
    crc = zlib.crc32(data)
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(packed), len(data),
                        len(local_name), 0) + local_name + packed
    central = b""
    names = [local_name, b"Streaming_History_Audio_2021.json"]
    for name in names:
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(packed), len(data),
                               len(name), 0, 0, 0, 0, 0, 0) + name
    eocd = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(names), len(names), len(central), len(local), 0)
    return local + central + eocd


# --- bad inputs ------------------------------------------------------------------------------------------
# Each builder writes the bad input under `tmp` and returns (path to import, basename the error must name,
# substrings the message must contain).

Builder = Callable[[Path], tuple[Path, str, list[str]]]


def truncated_zip(tmp: Path) -> tuple[Path, str, list[str]]:
    data = zip_bytes({f"Spotify Extended Streaming History/{HISTORY_NAME}": history_bytes(200)})
    path = tmp / "my_spotify_data.zip"
    path.write_bytes(data[: len(data) // 2])
    return path, path.name, []


def corrupt_member_zip(tmp: Path) -> tuple[Path, str, list[str]]:
    data = bytearray(zip_bytes({HISTORY_NAME: history_bytes(2000)}))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    start = info.header_offset + 30 + len(info.filename.encode())
    middle = start + info.compress_size // 2
    for i in range(middle, middle + 16):
        data[i] ^= 0xA5
    path = tmp / "my_spotify_data.zip"
    path.write_bytes(bytes(data))
    return path, path.name, ["corrupt"]


def crc_mismatch_zip(tmp: Path) -> tuple[Path, str, list[str]]:
    """Bytes that inflate cleanly into valid JSON but fail the member's CRC: the fast path has already
    handed them to DuckDB when the check fails at the end of the stream."""
    data = bytearray(zip_bytes({HISTORY_NAME: history_bytes(2000)}))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).infolist()[0]
    wrong = struct.pack("<L", (info.CRC + 1) & 0xFFFFFFFF)
    data[info.header_offset + 14:info.header_offset + 18] = wrong  # local header
    central = bytes(data).index(b"PK\x01\x02")
    data[central + 16:central + 20] = wrong
    path = tmp / "my_spotify_data.zip"
    path.write_bytes(bytes(data))
    return path, path.name, ["CRC check failed"]


def truncated_json(tmp: Path) -> tuple[Path, str, list[str]]:
    data = history_bytes(50)
    path = tmp / HISTORY_NAME
    path.write_bytes(data[: len(data) // 2])
    return path, path.name, ["line", "column"]


def random_bytes_json(tmp: Path) -> tuple[Path, str, list[str]]:
    path = tmp / HISTORY_NAME
    path.write_bytes(random.Random(1).randbytes(5000))
    return path, path.name, []


def random_bytes_file(tmp: Path) -> tuple[Path, str, list[str]]:
    path = tmp / "mystery.bin"
    path.write_bytes(b"\x00\x01" + random.Random(2).randbytes(5000))
    return path, path.name, []


def utf16_history(tmp: Path) -> tuple[Path, str, list[str]]:
    path = tmp / HISTORY_NAME
    path.write_bytes(history_bytes(20).decode().encode("utf-16"))
    return path, path.name, ["UTF-8"]


def latin1_history(tmp: Path) -> tuple[Path, str, list[str]]:
    records = extended_records(20)
    records[15]["master_metadata_track_name"] = "Café Noir"
    path = tmp / HISTORY_NAME
    path.write_bytes(json.dumps(records, indent=2, ensure_ascii=False).encode("latin-1"))
    return path, path.name, ["UTF-8"]


def bad_ghan_csv(tmp: Path) -> tuple[Path, str, list[str]]:
    path = tmp / "recenttracks-someone-1720000000.csv"  # invented times, not any real export's
    rows = [GHAN_HEADER, '"1720000000","3 Jul 2024, 09:46","Band","","Album","","Song",""',
            '"1719999200","3 Jul 2024, 09:33","Band","","Album"']
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, "recenttracks-", ["line 3"]


def truncated_ghan_csv(tmp: Path) -> tuple[Path, str, list[str]]:
    path = tmp / "scrobbles.csv"
    rows = [GHAN_HEADER] + [f'"{1720000000 - 600 * i}","3 Jul 2024, 09:46","Band {i}","","Album","","Song {i}",""'
                            for i in range(10)]
    text = "\n".join(rows)
    path.write_text(text[: text.index("Song 6") + 3], encoding="utf-8")  # cut mid-row, inside a quoted field
    return path, path.name, ["line 8"]


def zip_bomb_ratio(tmp: Path) -> tuple[Path, str, list[str]]:
    path = tmp / "bomb.zip"
    path.write_bytes(zip_bytes({HISTORY_NAME: b"\x00" * (60 * 1024 * 1024)}))
    return path, path.name, ["zip bomb"]


def too_many_entries(tmp: Path) -> tuple[Path, str, list[str]]:
    path = tmp / "many.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(HISTORY_NAME, history_bytes(3))
        for i in range(20_001):
            zf.writestr(f"junk/{i}.txt", b"x")
    return path, path.name, ["entries"]


def overlapping_entries(tmp: Path) -> tuple[Path, str, list[str]]:
    path = tmp / "overlap.zip"
    path.write_bytes(overlapping_zip(history_bytes(30)))
    return path, path.name, ["overlapping"]


def escaping_entry(tmp: Path) -> tuple[Path, str, list[str]]:
    path = tmp / "escape.zip"
    path.write_bytes(zip_bytes({HISTORY_NAME: history_bytes(5), "../../evil.json": history_bytes(5, month=4)}))
    return path, path.name, ["evil.json"]


def unknown_single_file(tmp: Path) -> tuple[Path, str, list[str]]:
    path = tmp / "numbers.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    return path, path.name, ["unknown format"]


def scala_endsong(tmp: Path) -> tuple[Path, str, list[str]]:
    path = tmp / "endsong_0.json"
    path.write_text("List(Map(city -> X))", encoding="utf-8")
    return path, path.name, []


def missing_path(tmp: Path) -> tuple[Path, str, list[str]]:
    path = tmp / "not_here.zip"
    return path, path.name, ["does not exist"]


def folder_without_history(tmp: Path) -> tuple[Path, str, list[str]]:
    folder = tmp / "MyData"
    folder.mkdir()
    (folder / "Userdata.json").write_text('{"username": "x", "email": "x@example.org"}', encoding="utf-8")
    (folder / "Read_Me_First.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    return folder, folder.name, ["no listening history"]


BAD_INPUTS: dict[str, Builder] = {
    "truncated_zip": truncated_zip,
    "corrupt_member_zip": corrupt_member_zip,
    "crc_mismatch_zip": crc_mismatch_zip,
    "truncated_json": truncated_json,
    "random_bytes_json": random_bytes_json,
    "random_bytes_file": random_bytes_file,
    "utf16_history": utf16_history,
    "latin1_history": latin1_history,
    "bad_ghan_csv": bad_ghan_csv,
    "truncated_ghan_csv": truncated_ghan_csv,
    "zip_bomb_ratio": zip_bomb_ratio,
    "too_many_entries": too_many_entries,
    "overlapping_entries": overlapping_entries,
    "escaping_entry": escaping_entry,
    "unknown_single_file": unknown_single_file,
    "scala_endsong": scala_endsong,
    "missing_path": missing_path,
    "folder_without_history": folder_without_history,
}


# --- fixtures --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base_library(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[Any, Any]]:
    """A library holding one small valid import, and its state as the CLI reports it."""
    tmp = tmp_path_factory.mktemp("base")
    history = tmp / HISTORY_NAME
    history.write_bytes(history_bytes(12))
    db = tmp / "library.duckdb"
    result = run_cli("import", str(history), "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["stored"] == 12
    state = library_state(db)
    assert len(state[0]) == 12 and len(state[1]) == 1
    return db, state


@pytest.fixture
def library(base_library: tuple[Path, tuple[Any, Any]], tmp_path: Path) -> tuple[Path, tuple[Any, Any]]:
    """A private copy of the base library (a failed import opens the file for writing)."""
    src, state = base_library
    db = tmp_path / "lib" / "library.duckdb"
    db.parent.mkdir()
    shutil.copy(src, db)
    wal = Path(str(src) + ".wal")
    if wal.exists():
        shutil.copy(wal, Path(str(db) + ".wal"))
    return db, state


# --- tests -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", [
    case
    for case in BAD_INPUTS
])
def test_bad_input_is_one_line_error_and_changes_nothing(
    case: str, library: tuple[Path, tuple[Any, Any]], tmp_path: Path
) -> None:
    db, before = library
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    path, named, must_contain = BAD_INPUTS[case](inputs)

    result = run_cli("import", str(path), "--db", str(db), "-q")

    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: ") and line.strip() != "error:", line
    assert named in line, line
    for text in must_contain:
        assert text in line, (text, line)
    after = library_state(db)
    assert after[0] == before[0]  # same plays, same values
    assert after[1] == before[1]  # same import ledger
    assert len(after[1]) == 1


def test_non_utf8_history_error_points_at_the_bad_byte(tmp_path: Path) -> None:
    path, _, _ = latin1_history(tmp_path)
    data = path.read_bytes()
    offset = data.index(b"Caf\xe9") + 3
    line = data.count(b"\n", 0, offset) + 1
    result = run_cli("import", str(path), "--db", str(tmp_path / "lib.duckdb"), "-q")
    assert result.returncode == 2
    assert f"line {line}," in result.stderr or f"byte {offset}" in result.stderr, result.stderr


def test_bad_file_among_good_ones_aborts_whole_import(library: tuple[Path, tuple[Any, Any]], tmp_path: Path) -> None:
    """A good file imported together with a broken one is not stored either: one transaction."""
    db, before = library
    good = tmp_path / "Streaming_History_Audio_2021.json"
    good.write_bytes(history_bytes(8, month=6))
    bad = tmp_path / "endsong_3.json"
    bad.write_bytes(history_bytes(8, month=7)[:-40])
    result = run_cli("import", str(good), str(bad), "--db", str(db), "-q")
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.splitlines()) == 1 and "endsong_3.json" in result.stderr
    assert "Traceback" not in result.stderr
    assert library_state(db) == before


def test_other_export_files_are_passed_over(library: tuple[Path, tuple[Any, Any]], tmp_path: Path) -> None:
    db, before = library
    members = {
        f"Spotify Extended Streaming History/{HISTORY_NAME.replace('2020', '2022')}":
            history_bytes(9, start_day=10, month=5),
        "Spotify Extended Streaming History/ReadMeFirst_ExtendedStreamingHistory.pdf":
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n",
        "Spotify Account Data/Userdata.json": b'{\n  "username" : "someone",\n  "country" : "DE"\n}',
        "Spotify Account Data/UserAddress.json": b"List(Map(city -> Berlin, street -> Somewhere 1))",
        "Spotify Account Data/Playlist1.json": json.dumps({"playlists": [{"name": "Mix", "items": []}]}).encode(),
    }
    path = tmp_path / "my_spotify_data.zip"
    path.write_bytes(zip_bytes(members))

    result = run_cli("import", str(path), "--db", str(db), "--json")

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["totals"]["stored"] == 9
    assert report["totals"]["rows_read"] == 9
    assert len(report["files"]) == 1
    ignored = report["ignored"]
    assert len(ignored) == 4, ignored
    for name in ("ReadMeFirst_ExtendedStreamingHistory.pdf", "Userdata.json", "UserAddress.json", "Playlist1.json"):
        assert sum(name in entry for entry in ignored) == 1, (name, ignored)
    plays, imports = library_state(db)
    assert len(plays) == len(before[0]) + 9
    assert len(imports) == 2


def test_a_library_in_use_by_another_process_is_a_plain_one_line_error(tmp_path: Path) -> None:
    """DuckDB's lock conflict names the other program by its absolute path and suggests its own CLI's flags; the
    person reads what is going on and what to do, and reading still works beside it."""
    import subprocess
    import sys

    from tests.support.exports import play, write_extended

    db = tmp_path / "lib.duckdb"
    export = write_extended(tmp_path / "Streaming_History_Audio_2024.json",
                            [play(f"2024-03-0{d}T12:00:00Z", "A Song", "An Artist") for d in range(1, 4)])
    run_cli("import", str(export), "--db", str(db), "-q", check=True)
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               f"con = duckdb.connect({str(db)!r})\nprint('open', flush=True)\ntime.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        for args in (("import", str(export)), ("enrich", "--dry-run"), ("forget", "--all", "--yes")):
            done = run_cli(*args, "--db", str(db))
            assert done.returncode == 2 and done.stderr.count("\n") == 1, (args, done.stderr)
            assert f"another program is using it (process {holder.pid})" in done.stderr, done.stderr
            assert sys.executable not in done.stderr and "-readonly" not in done.stderr
    finally:
        holder.kill()
        holder.wait()
