"""Garbled input never produces an internal error anywhere in the import pipeline.

Random bytes, truncations and byte flips of valid Spotify Extended, Spotify Account data and Last.fm (ghan)
files — alone or inside a zip — go through ``Library.import_paths``. Each import either succeeds, with every
row read accounted for, or raises a :class:`LinernotesError` and leaves the library as it was.
"""

from __future__ import annotations

import io
import itertools
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linernotes.errors import LinernotesError
from linernotes.library import Library, open_library

EXAMPLES = 60
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def extended_file() -> bytes:
    records = []
    for i in range(6):
        records.append({
            "ts": f"2021-05-0{1 + i}T12:3{i}:00Z", "platform": "Android OS 11 API 30 (Google, Pixel 4a)",
            "ms_played": 30_000 * (i + 1), "conn_country": "DE", "ip_addr": "198.51.100.7",
            "master_metadata_track_name": f"Lied {i} — Überall", "master_metadata_album_artist_name": "Die Band",
            "master_metadata_album_album_name": "Album, \"quoted\"", "spotify_track_uri": f"spotify:track:{i:022d}",
            "episode_name": None, "episode_show_name": None, "spotify_episode_uri": None,
            "reason_start": "trackdone", "reason_end": "endplay" if i % 2 else "trackdone", "shuffle": i % 2 == 0,
            "skipped": i == 3, "offline": False, "offline_timestamp": 1620000000 + i, "incognito_mode": False,
        })
    records.append({**records[0], "ts": "2021-06-01T08:00:00Z", "master_metadata_track_name": None,
                    "spotify_track_uri": None, "episode_name": "Folge 1", "episode_show_name": "Podcast ",
                    "spotify_episode_uri": "spotify:episode:0000000000000000000001"})
    return json.dumps(records, indent=2, ensure_ascii=False).encode()


def account_file() -> bytes:
    records = [
        {"endTime": f"2024-08-2{3 + i} 00:0{2 + i}", "artistName": f"Künstler {i}", "trackName": f"T{i}",
         "msPlayed": 1000 * (i + 1)}
        for i in range(5)
    ]
    records.append({"endTime": "2024-08-29 10:00", "artistName": "Unknown Artist", "trackName": "Unknown Track",
                    "msPlayed": 5000})
    return json.dumps(records, indent=2, ensure_ascii=False).replace('": ', '" : ').encode()


def ghan_csv() -> bytes:
    lines = ['"uts","utc_time","artist","artist_mbid","album","album_mbid","track","track_mbid"']
    for i in range(6):
        lines.append(f'"{1719997652 - 600 * i}","3 Jul 2024, 0{9 - i}:07","Band {i}","","Album, ""{i}""",'
                     f'"","Song {i}","{"0" * 8}-0000-0000-0000-{i:012d}"')
    return ("\n".join(lines) + "\n").encode()


VALID: dict[str, tuple[str, Callable[[], bytes]]] = {
    "extended": ("Streaming_History_Audio_2021.json", extended_file),
    "account": ("StreamingHistory_music_0.json", account_file),
    "ghan": ("scrobbles-fuzzer-1719997652.csv", ghan_csv),
}


@st.composite
def garbled(draw: st.DrawFn, data: bytes) -> bytes:
    """Random bytes, a truncation, byte flips, or a truncation of a flipped file."""
    kind = draw(st.sampled_from(["random", "truncate", "flip", "flip_truncate", "insert"]))
    if kind == "random":
        return draw(st.binary(min_size=0, max_size=2000))
    out = bytearray(data)
    if kind in ("flip", "flip_truncate"):
        for _ in range(draw(st.integers(1, 8))):
            pos = draw(st.integers(0, len(out) - 1))
            out[pos] ^= draw(st.integers(1, 255))
    if kind == "insert":
        pos = draw(st.integers(0, len(out)))
        out[pos:pos] = draw(st.binary(min_size=1, max_size=12))
    if kind in ("truncate", "flip_truncate"):
        out = out[: draw(st.integers(0, len(out)))]
    return bytes(out)


def zipped(name: str, payload: bytes, compressed: bool) -> bytes:
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", method) as zf:
        zf.writestr(f"Spotify Extended Streaming History/{name}", payload)
        zf.writestr("Spotify Account Data/Userdata.json", b'{"country": "DE"}')
    return buf.getvalue()


def play_count(lib: Library) -> int:
    row = lib.con.execute("SELECT count(*) FROM play_rows").fetchall()[0]
    return int(row[0])


class Runner:
    """One library for a whole test function; each example writes its input under a fresh folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lib = open_library(root / "library.duckdb")
        self.counter = itertools.count()
        self.outcomes: dict[str, int] = {"ok": 0, "error": 0}

    def import_bytes(self, name: str, payload: bytes, in_zip: bool, compressed: bool = True) -> None:
        folder = self.root / f"case{next(self.counter)}"
        folder.mkdir()
        if in_zip:
            path = folder / "my_spotify_data.zip"
            path.write_bytes(zipped(name, payload, compressed))
        else:
            path = folder / name
            path.write_bytes(payload)
        self.check(path)

    def check(self, path: Path) -> None:
        lib = self.lib
        plays_before = play_count(lib)
        imports_before = lib.imports()
        try:
            report = lib.import_paths([path])
        except LinernotesError as exc:
            self.outcomes["error"] += 1
            message = str(exc)
            assert message and "\n" not in message.strip(), message
            assert play_count(lib) == plays_before
            assert lib.imports() == imports_before
            return
        self.outcomes["ok"] += 1
        assert report.plays_before == plays_before
        assert report.plays_after == play_count(lib)
        assert len(lib.imports()) == len(imports_before) + 1
        for f in report.files:
            # near_duplicates: counted apart from exact duplicates once the importer reports them separately
            near = getattr(f, "near_duplicates", 0)
            accounted = f.stored + f.duplicates + near + f.unchanged + f.merged + f.dropped_total
            assert f.rows_read == accounted, f
            assert min(f.rows_read, f.stored, f.duplicates, near, f.unchanged, f.merged, f.dropped_total) >= 0, f

    def close(self) -> None:
        self.lib.close()


def fuzz(tmp_path: Path, source: str, **strategies: Any) -> dict[str, int]:
    name, make = VALID[source]
    valid = make()
    runner = Runner(tmp_path)

    # The unmodified file imports cleanly: the fuzzing starts from a real, accepted input.
    runner.check(_write(tmp_path / "valid" / name, valid))
    assert runner.outcomes == {"ok": 1, "error": 0}
    assert play_count(runner.lib) > 0

    @FUZZ
    @given(payload=garbled(valid), in_zip=st.booleans(), compressed=st.booleans(),
           named_as_history=st.booleans())
    def run(payload: bytes, in_zip: bool, compressed: bool, named_as_history: bool) -> None:
        runner.import_bytes(name if named_as_history else "data.bin", payload, in_zip, compressed)

    try:
        run()
    finally:
        runner.close()
    return runner.outcomes


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_garbled_spotify_extended_never_crashes(tmp_path: Path) -> None:
    outcomes = fuzz(tmp_path, "extended")
    assert outcomes["error"] > 0  # the garbling really produced bad files


def test_garbled_spotify_account_never_crashes(tmp_path: Path) -> None:
    outcomes = fuzz(tmp_path, "account")
    assert outcomes["error"] > 0


def test_garbled_lastfm_csv_never_crashes(tmp_path: Path) -> None:
    outcomes = fuzz(tmp_path, "ghan")
    assert outcomes["error"] > 0


def test_garbled_zip_container_never_crashes(tmp_path: Path) -> None:
    """The zip itself garbled (headers, central directory, compressed data), not just its member."""
    valid_zip = zipped(VALID["extended"][0], extended_file(), compressed=True)
    runner = Runner(tmp_path)

    @FUZZ
    @given(payload=garbled(valid_zip))
    def run(payload: bytes) -> None:
        folder = tmp_path / f"zip{next(runner.counter)}"
        runner.check(_write(folder / "my_spotify_data.zip", payload))

    try:
        run()
    finally:
        runner.close()
    assert runner.outcomes["error"] > 0


# Any JSON number text, including beyond int64, uint64 and double, and the odd non-numbers.
EXTREME_NUMBER = st.one_of(
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["1e400", "-1e400", "1e-400", str(2**63 - 1), str(2**64), "0", "-0", "0.5", "true",
                     "null", '"12"', '"lots"', "[]", "{}"]),
)


def test_extreme_numbers_never_crash_and_cost_at_most_their_row(tmp_path: Path) -> None:
    """A hostile number in ms_played or offline_timestamp of one record: the import succeeds, every other
    row is stored, and at most that row is dropped."""
    valid = json.loads(extended_file())
    runner = Runner(tmp_path)

    @FUZZ
    @given(field=st.sampled_from(["ms_played", "offline_timestamp"]), number=EXTREME_NUMBER,
           which=st.integers(0, len(valid) - 1))
    def run(field: str, number: str, which: int) -> None:
        records = json.loads(json.dumps(valid))
        records[which][field] = "@@N@@"
        folder = runner.root / f"case{next(runner.counter)}"
        folder.mkdir()
        path = folder / "Streaming_History_Audio_2021.json"
        path.write_bytes(json.dumps(records).replace('"@@N@@"', number).encode())
        report = runner.lib.import_paths([path])  # never an error: one odd value is not a broken file
        (f,) = report.files
        assert f.rows_read == len(valid)
        assert f.dropped_total <= 1
        assert f.rows_read == f.stored + f.duplicates + f.near_duplicates + f.unchanged + f.merged + f.dropped_total
        earliest = runner.lib.con.execute("SELECT min(ts_start) FROM play_rows").fetchall()[0][0]
        assert earliest is None or earliest.year >= 2006

    try:
        run()
    finally:
        runner.close()
