"""Tests for linernotes.synth: determinism, exact formats, and ground truth that matches the files."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from linernotes.synth import (
    KEYS_A,
    KEYS_B,
    KEYS_C,
    History,
    generate,
    scrobble_rows,
    write_account,
    write_extended,
    write_lastfm,
    write_listenbrainz,
)
from linernotes.synth.__main__ import main


def _keys(text: str) -> list[str]:
    return [k.strip() for k in text.split(",")]


# Key orders copied from docs/formats.md §1.3, so a drift in the writer's constants is caught.
FORMATS_A = _keys(
    "ts, username, platform, ms_played, conn_country, ip_addr_decrypted, user_agent_decrypted, "
    "master_metadata_track_name, master_metadata_album_artist_name, master_metadata_album_album_name, "
    "spotify_track_uri, episode_name, episode_show_name, spotify_episode_uri, reason_start, reason_end, "
    "shuffle, skipped, offline, offline_timestamp, incognito_mode"
)
FORMATS_B = _keys(
    "ts, platform, ms_played, conn_country, ip_addr, master_metadata_track_name, "
    "master_metadata_album_artist_name, master_metadata_album_album_name, spotify_track_uri, "
    "episode_name, episode_show_name, spotify_episode_uri, reason_start, reason_end, shuffle, skipped, "
    "offline, offline_timestamp, incognito_mode"
)
FORMATS_C = [
    *FORMATS_B[:12],
    *["audiobook_title", "audiobook_uri", "audiobook_chapter_uri", "audiobook_chapter_title"],
    *FORMATS_B[12:],
]
IPV4 = re.compile(rb"(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])")


@pytest.fixture(scope="module")
def small() -> History:
    return generate(3000, seed=11, start="2019-01-01", end="2024-12-31")


def _zip_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _extended_records(files: dict[str, bytes]) -> dict[str, list[dict[str, Any]]]:
    return {n: orjson.loads(b) for n, b in files.items() if n.endswith(".json")}


def _uri(r: dict[str, Any]) -> str | None:
    return r.get("spotify_track_uri") or r.get("spotify_episode_uri") or r.get("audiobook_chapter_uri")


def _dedup(records: list[dict[str, Any]]) -> tuple[int, int, int]:
    """Independent implementation of the documented dedup definition, over parsed records."""
    exact = {(r["ts"], _uri(r), r["ms_played"]): r for r in records}
    near: dict[tuple[str, str | None], dict[str, Any]] = {}
    for (ts, uri, ms), r in exact.items():
        if (ts, uri) not in near or ms > near[(ts, uri)]["ms_played"]:
            near[(ts, uri)] = r
    by_uri: dict[str | None, list[dict[str, Any]]] = {}
    for r in near.values():
        by_uri.setdefault(_uri(r), []).append(r)
    from datetime import datetime

    def secs(r: dict[str, Any]) -> float:
        return datetime.fromisoformat(r["ts"].replace("Z", "+00:00")).timestamp()

    kept = 0
    for uri, rs in by_uri.items():
        rs.sort(key=lambda r: r["ts"])
        for i, r in enumerate(rs):
            remote = r["reason_start"] == r["reason_end"] == "remote"
            if (
                i
                and uri is not None
                and remote
                and rs[i - 1]["reason_start"] == rs[i - 1]["reason_end"] == "remote"
                and rs[i - 1]["ms_played"] == r["ms_played"]
                and secs(r) - secs(rs[i - 1]) <= 15
            ):
                continue
            kept += 1
    return len(exact), len(near), kept


def test_deterministic_bytes(tmp_path: Path) -> None:
    outs = []
    for run in ("a", "b"):
        h = generate(1500, seed=5)
        d = tmp_path / run
        write_extended(h, d / "ext.zip", generation="C")
        write_extended(h, d / "extA", generation="A")
        write_account(h, d / "acc.zip")
        write_lastfm(h, d / "lf.csv")
        write_listenbrainz(h, d / "lb.zip")
        h.write_ground_truth(str(d / "gt.json"))
        outs.append({p.relative_to(d): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()})
    assert outs[0] == outs[1]
    other = tmp_path / "other"
    write_extended(generate(1500, seed=6), other / "ext.zip", generation="C")
    assert (other / "ext.zip").read_bytes() != outs[0][Path("ext.zip")]


@pytest.mark.parametrize(("generation", "keys"), [("A", FORMATS_A), ("B", FORMATS_B), ("C", FORMATS_C)])
def test_extended_keys_layout_and_counts(small: History, tmp_path: Path, generation: str, keys: list[str]) -> None:
    assert list({"A": KEYS_A, "B": KEYS_B, "C": KEYS_C}[generation]) == keys
    manifest = write_extended(small, tmp_path / "my_spotify_data.zip", generation=generation)
    files = _zip_files(tmp_path / "my_spotify_data.zip")
    parsed = _extended_records(files)
    for name, records in parsed.items():
        raw = files[name]
        assert not raw.endswith(b"\n")
        if generation == "A":
            assert name.startswith("MyData/endsong_") and b"\n" not in raw and raw.startswith(b'[{"ts":"')
        else:
            assert name.startswith("Spotify Extended Streaming History/Streaming_History_")
            assert raw.startswith(b'[\n  {\n    "ts": "')
        for r in records:
            assert list(r) == keys
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["ts"])
    if generation != "A":
        assert any(
            n.endswith("ReadMeFirst_ExtendedStreamingHistory.pdf") and b.startswith(b"%PDF") for n, b in files.items()
        )
        assert any("Video" in n for n in parsed)
    rows = [r for rs in parsed.values() for r in rs]
    gt = small.ground_truth()
    ext = gt["extended"]
    assert len(rows) == ext["rows"] == manifest["rows"]
    assert {n: len(r) for n, r in parsed.items()} == manifest["files"]
    assert sum(r["ms_played"] == 0 for r in rows) == ext["zero_ms_rows"] > 0
    assert sum(r["incognito_mode"] for r in rows) == ext["incognito_rows"]
    assert sum(_uri(r) is None for r in rows) == ext["no_metadata_rows"] > 0
    assert sum(r["reason_start"] == "" for r in rows) == ext["empty_reason_start_rows"] > 0
    record_counts = Counter(orjson.dumps(r) for r in rows)
    assert sum(c - 1 for c in record_counts.values()) == ext["exact_duplicate_rows"] >= 2
    assert _dedup(rows) == (
        ext["expected_after_exact_dedup"],
        ext["expected_after_near_dedup"],
        ext["expected_stored_rows"],
    )
    assert ext["expected_stored_rows"] == small.params.n_plays
    assert ext["near_duplicate_rows"] >= 1 and ext["storm_extra_rows"] >= 4
    assert sum(r["ms_played"] for r in rows) == ext["total_ms_played_rows"]
    # Podcast episodes inside Audio files and music tracks inside Video files (route by URI).
    if generation != "A":
        assert any(r["spotify_episode_uri"] for n, rs in parsed.items() if "Audio" in n for r in rs)
        assert any(r["spotify_track_uri"] for n, rs in parsed.items() if "Video" in n for r in rs)
        assert any(r.get("episode_show_name", "") and r["episode_show_name"].endswith(" ") for r in rows)
        # Planted quirks of new-style files are recorded per file.
        details = manifest["file_details"]
        assert sum(d["descending_steps"] for d in details.values()) >= 2
        assert sum(d["utc_year_outside_name_rows"] for d in details.values()) >= 1
        ots = [r["offline_timestamp"] for r in rows if r["offline_timestamp"] is not None]
        assert ots and all(1e9 < t < 1e10 for t in ots)
    else:
        assert sum(r["skipped"] is None for r in rows) > 0.9 * len(rows)
        assert all(t == 0 or t > 1e12 for t in (r["offline_timestamp"] for r in rows))
        assert any(r["offline_timestamp"] == 0 for r in rows)
    # Both platform eras.
    platforms = {r["platform"] for r in rows}
    assert "android" in platforms or "ios" in platforms
    assert any("(" in p or ";" in p for p in platforms)


def test_extended_folder_and_no_foreign_ips(small: History, tmp_path: Path) -> None:
    write_extended(small, tmp_path / "ext", generation="B")
    write_account(small, tmp_path / "acc")
    write_lastfm(small, tmp_path / "lf")
    write_listenbrainz(small, tmp_path / "lb.zip")
    blobs = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".zip"]
    blobs += list(_zip_files(tmp_path / "lb.zip").values())
    seen = 0
    for b in blobs:
        for m in IPV4.finditer(b):
            assert m.group(0).startswith(b"198.51.100."), m.group(0)
            seen += 1
    assert seen > 0
    assert all(b"synth-user-11" in b or b"username" not in b for b in blobs)


def test_account_data(tmp_path: Path) -> None:
    h = generate(200_000, seed=3, start="2022-01-01", end="2025-06-30")
    manifest = write_account(h, tmp_path / "acc", variant="new")
    folder = tmp_path / "acc" / "Spotify Account Data"
    music = sorted(folder.glob("StreamingHistory_music_*.json"))
    assert len(music) >= 2
    all_rows = 0
    last = ""
    for kind, keys in (
        ("music", ["endTime", "artistName", "trackName", "msPlayed"]),
        ("podcast", ["endTime", "podcastName", "episodeName", "msPlayed"]),
        ("audiobook", ["endTime", "audiobookName", "chapterName", "authorName", "msPlayed"]),
    ):
        last = ""
        for p in sorted(folder.glob(f"StreamingHistory_{kind}_*.json"), key=lambda p: int(p.stem.rsplit("_", 1)[1])):
            raw = p.read_bytes()
            assert raw.startswith(b'[\n  {\n    "endTime" : "') and not raw.endswith(b"\n")
            assert b'": ' not in raw.replace(b'\\"', b"")  # every key is followed by " : "
            recs = json.loads(raw)
            assert 0 < len(recs) <= 10_000
            for r in recs:
                assert list(r) == keys and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r["endTime"])
                assert r["endTime"] >= last
                last = r["endTime"]
            all_rows += len(recs)
    assert all_rows == manifest["rows"] and manifest["collapsed_rows"] >= 1
    # endTime is the UTC end truncated to the minute, inside the last year of the history.
    assert manifest["window_start"][:16].replace("T", " ") <= last <= "2025-07-01 00:00"
    # Every account endTime is some Extended row's ts truncated to the minute (UTC), as in docs/formats.md §2.3.
    minutes = set(np.datetime_as_string(h.rows["ts_end"].astype("datetime64[s]").astype("datetime64[m]")).tolist())
    first_music = json.loads((folder / "StreamingHistory_music_0.json").read_bytes())
    assert all(r["endTime"].replace(" ", "T") in minutes for r in first_music)
    assert (folder / "UserAddress.json").read_bytes().startswith(b"List(Map(")
    with pytest.raises(ValueError):
        json.loads((folder / "UserAddress.json").read_bytes())
    for name in ("Userdata.json", "Playlist1.json", "YourLibrary.json"):
        json.loads((folder / name).read_bytes())
    assert (folder / "Read_Me_First.pdf").read_bytes().startswith(b"%PDF")
    # Old variant into a zip: one StreamingHistory<N>.json series with podcasts mixed in.
    old = write_account(h, tmp_path / "old.zip", variant="old")
    files = _zip_files(tmp_path / "old.zip")
    hist = [n for n in files if re.fullmatch(r"MyData/StreamingHistory\d+\.json", n)]
    assert hist and sum(len(json.loads(files[n])) for n in hist) == old["rows"]
    shows = {s for s in h.catalogue.show_name.tolist()}
    assert any(r["artistName"] in shows for n in hist for r in json.loads(files[n]))
    # Big enough: the Extended export really has more than one part and parses.
    ext = write_extended(h, tmp_path / "big.zip", generation="B")
    assert ext["rows"] == h.ground_truth()["extended"]["rows"] and len(ext["files"]) > 3


def test_lastfm_ghan_and_benjaminbenben(small: History, tmp_path: Path) -> None:
    m = write_lastfm(small, tmp_path, variant="ghan")
    raw = (tmp_path / m["path"]).read_bytes()
    assert m["path"].startswith("scrobbles-synth-user-11-")
    lines = raw.split(b"\r\n")
    assert lines[0] == b"uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid"
    assert lines[-1] == b"" and b"\n" not in raw.replace(b"\r\n", b"")
    body = lines[1:-1]
    assert len(body) == m["rows"] == len(scrobble_rows(small)) > 0
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))[1:]
    for line, row in zip(body, rows, strict=True):
        assert len(row) == 8
        assert line.startswith(b'"') and line.endswith(b'"')
        assert line.count(b'","') >= 7
        assert re.fullmatch(r"\d\d [A-Z][a-z]{2} \d{4}, \d\d:\d\d", row[1])
    uts = [int(r[0]) for r in rows]
    assert uts == sorted(uts, reverse=True)
    assert (any("," in r[2] for r in rows) and any('"' in r[2] for r in rows)) or any(
        "," in r[6] or '"' in r[6] for r in rows
    )
    b = write_lastfm(small, tmp_path / "bb.csv", variant="benjaminbenben")
    rows_b = list(csv.reader(io.StringIO((tmp_path / "bb.csv").read_text("utf-8"), newline="")))
    assert len(rows_b) == b["rows"] == m["rows"]
    assert all(len(r) == 4 and re.fullmatch(r"\d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d", r[3]) for r in rows_b)


def test_listenbrainz(small: History, tmp_path: Path) -> None:
    m = write_listenbrainz(small, tmp_path)
    p = tmp_path / m["path"]
    assert re.fullmatch(r"listenbrainz_synth-user-11_\d+\.zip", p.name)
    files = _zip_files(p)
    user = files["user.json"]
    assert user.endswith(b"\n") and json.loads(user)["username"] == "synth-user-11"
    listen_files = [n for n in files if n.startswith("listens/")]
    assert all(re.fullmatch(r"listens/\d{4}/([1-9]|1[0-2])\.jsonl", n) for n in listen_files)
    total, unmapped = 0, 0
    for n in listen_files:
        ls = [json.loads(x) for x in files[n].decode().splitlines()]
        at = [x["listened_at"] for x in ls]
        assert at == sorted(at) and all(isinstance(a, int) for a in at)
        for x in ls:
            tm = x["track_metadata"]
            assert tm["additional_info"]["duration_ms"] > 0 and tm["track_name"] and tm["artist_name"]
            unmapped += tm["mbid_mapping"] is None
        total += len(ls)
    assert total == m["rows"] == len(scrobble_rows(small)) and unmapped == m["unmapped_rows"] > 0
    assert files["feedback.jsonl"].count(b"\n") == m["feedback_rows"]


def test_ground_truth_contents(small: History, tmp_path: Path) -> None:
    gt = small.write_ground_truth(str(tmp_path / "gt.json"))
    assert json.loads((tmp_path / "gt.json").read_bytes())["seed"] == 11
    assert sum(gt["plays_by_kind"].values()) == 3000
    assert 3 <= len(gt["eras"]) <= 6 and all(len(e["dominant_groups"]) == 2 for e in gt["eras"])
    assert gt["binges"] and all(b["planted_plays"] > 0 for b in gt["binges"])
    assert gt["travel"] and all(t["country"] != "DE" for t in gt["travel"])
    assert gt["home_country"] == "DE" and gt["username"] == "synth-user-11"
    assert gt["plays_by_file"]["video_tracks"] > 0 and gt["plays_by_file"]["audio_episodes"] > 0


@pytest.mark.parametrize("n", [100, 200_000])
def test_sizes(n: int, tmp_path: Path) -> None:
    h = generate(n, seed=1)
    gt = h.ground_truth()
    assert gt["extended"]["expected_stored_rows"] == n
    assert sum(gt["plays_by_kind"].values()) == n
    if n == 100:
        m = write_extended(h, tmp_path / "x.zip", generation="C")
        assert m["rows"] == gt["extended"]["rows"]


def test_cli(tmp_path: Path) -> None:
    assert main(["--plays", "500", "--seed", "2", "--out", str(tmp_path), "--formats", "extended,lastfm"]) == 0
    gt = json.loads((tmp_path / "ground_truth.json").read_bytes())
    assert set(gt["written"]) == {"extended_C", "lastfm_ghan"}
    assert (tmp_path / "my_spotify_data.zip").exists()
