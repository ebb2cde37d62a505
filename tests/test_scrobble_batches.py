"""Issue 13 item 2: large scrobble files (Last.fm CSV and JSON, ListenBrainz JSON and JSON Lines) are parsed
and staged in bounded batches, with exactly the rows, drops and counts of a whole-file parse.

The batch path normally starts above 64 MB; here the threshold and the batch sizes are lowered so that
files of a few hundred rows take it, and a hook on the stream sees every batch before it is parsed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from linernotes.errors import InputError
from linernotes.library import Library
from linernotes.sources import _stream, lastfm
from linernotes.store import staging

ROWS = 600
T0 = 1_600_000_000
MBID = "00000000-0000-4000-8000-000000000001"  # synthetic


def lastfm_csv(path: Path) -> Path:
    lines = ["uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid"]
    for i in range(ROWS):
        uts = "" if i == 17 else "abc" if i == 18 else str(T0 + 60 * i)  # missing_time, bad_time
        artist = "" if i == 19 else f"Artist {i % 7}"  # missing_artist
        lines.append(f'"{uts}","x","{artist}","{MBID if i % 2 else ""}","Album, {i % 5}","","Track\n{i}",""')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def lastfm_json(path: Path) -> Path:
    def track(i: int) -> dict[str, Any]:
        t: dict[str, Any] = {"artist": {"mbid": MBID, "#text": f"Artist {i % 7}"}, "mbid": "",
                             "album": {"mbid": "", "#text": f"Album {i % 5}"}, "name": f"Track {i}",
                             "date": {"uts": str(T0 + 60 * i), "#text": "x"}}
        if i == 0:
            t["@attr"] = {"nowplaying": "true"}
        return t

    pages: list[Any] = [{"recenttracks": {"track": [track(p * 20 + k) for k in range(20)]}}
                        for p in range(ROWS // 20)]
    pages.insert(3, {"error": 29, "message": "Rate limit exceeded"})  # bad_page
    path.write_text(json.dumps(pages), encoding="utf-8")
    return path


def _listen(i: int) -> Any:
    if i == 21:
        return 5  # malformed
    return {"listened_at": None if i == 22 else T0 + 60 * i,
            "track_metadata": {"track_name": f"Track {i}", "artist_name": f"Artist {i % 7}",
                               "release_name": f"Album {i % 5}",
                               "additional_info": {"duration_ms": 200_000,
                                                   "spotify_id": "https://open.spotify.com/track/0InventedTrackId0000xT"}}}


def listenbrainz_json(path: Path) -> Path:
    path.write_text(json.dumps([_listen(i) for i in range(ROWS)]), encoding="utf-8")
    return path


def listenbrainz_jsonl(path: Path) -> Path:
    path.write_text("\ufeff" + "\n".join(json.dumps(_listen(i)) for i in range(ROWS)) + "\n\n", encoding="utf-8")
    return path


CASES: dict[str, tuple[str, Callable[[Path], Path]]] = {
    "lastfm_ghan_csv": ("recenttracks-me-1.csv", lastfm_csv),
    "lastfm_ghan_json": ("recenttracks-me-1.json", lastfm_json),
    "listenbrainz_json": ("me_lb-2020-05-10.json", listenbrainz_json),
    "listenbrainz_jsonl": ("6.jsonl", listenbrainz_jsonl),
}


def imported(tmp_path: Path, file: Path, tag: str) -> tuple[int, str, int, dict[str, int], str]:
    with Library(tmp_path / f"{tag}.duckdb") as lib:
        report = lib.import_paths([file])
        rows = lib.con.execute("SELECT * EXCLUDE (import_id) FROM play_rows ORDER BY ALL").fetchall()
    f = report.files[0]
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest(), f.rows_read, dict(f.dropped), f.format


def small_batches(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Every file takes the batch path, in batches of at most 50 records (JSON) or 2 KB blocks (CSV)."""
    seen: list[tuple[int, int]] = []
    monkeypatch.setattr(_stream, "on_batch", lambda records, size: seen.append((records, size)))
    monkeypatch.setattr(staging, "WHOLE_MAX_BYTES", 0)
    monkeypatch.setattr(staging, "APPEND_ROWS", 70)
    monkeypatch.setattr(_stream, "BATCH", 50)
    monkeypatch.setattr(_stream, "BATCH_BYTES", 4096)
    monkeypatch.setattr(lastfm, "CSV_BLOCK_BYTES", 2048)
    return seen


@pytest.mark.parametrize("fmt", sorted(CASES))
def test_batched_parse_stores_what_a_whole_parse_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         fmt: str) -> None:
    name, build = CASES[fmt]
    file = build(tmp_path / name)
    whole = imported(tmp_path, file, "whole")
    assert whole[4] == fmt and whole[0] > ROWS // 2 and whole[3], "the file must exercise some drop reasons"

    seen = small_batches(monkeypatch)
    appended: list[int] = []
    real_append = staging._append_table
    monkeypatch.setattr(staging, "_append_table",
                        lambda con, no, table: (appended.append(table.num_rows), real_append(con, no, table)))
    batched = imported(tmp_path, file, "batched")

    assert batched == whole
    assert len(seen) > 3, "the file was read in several batches"
    if fmt == "lastfm_ghan_csv":
        assert max(size for _, size in seen) <= 4 * 2048
    else:
        assert max(records for records, _ in seen) <= 50
        # a Last.fm page is one record of ~20 scrobbles: a batch may pass the byte bound by one record
        assert max(size for _, size in seen) <= 3 * 4096
    assert len(appended) > 3 and max(appended) <= 70 + 50, "rows were staged as they came, not all at the end"


@pytest.mark.parametrize(("fmt", "damage", "message"), [
    ("listenbrainz_jsonl", lambda b: b.replace(b'"Track 300"', b'"Track 300', 1), "line 301, column"),
    ("listenbrainz_json", lambda b: b[:-40], "not valid JSON (truncated or corrupt)"),
    ("lastfm_ghan_json", lambda b: b[:-40], "not a valid JSON list of Last.fm pages"),
    ("lastfm_ghan_csv", lambda b: b.replace(b'"Track\n400",""', b'"Track\n400","","x"', 1),
     "expected 8 columns, found 9"),
    ("listenbrainz_jsonl", lambda b: b.replace(b"Track 300", b"Track \xff300", 1), "not UTF-8 text"),
    ("lastfm_ghan_csv", lambda b: b.replace(b"Track\n400", b"Track\n\xff400", 1), "not UTF-8 text"),
])
def test_a_broken_large_file_is_refused_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str,
                                                    damage: Callable[[bytes], bytes], message: str) -> None:
    name, build = CASES[fmt]
    file = build(tmp_path / name)
    file.write_bytes(damage(file.read_bytes()))
    with Library(tmp_path / "whole.duckdb") as lib, pytest.raises(InputError) as whole:
        lib.import_paths([file])
    small_batches(monkeypatch)
    with Library(tmp_path / "lib.duckdb") as lib, pytest.raises(InputError) as caught:
        lib.import_paths([file])
    text = str(caught.value)
    assert message in text and "\n" not in text
    if fmt == "listenbrainz_jsonl" or message == "not UTF-8 text":
        assert text == str(whole.value), "the same line and column, or byte, as the whole-file parse"
    with Library(tmp_path / "lib.duckdb") as lib:
        assert lib.con.execute("SELECT count(*) FROM play_rows").fetchone() == (0,)
