"""Listening records written in the real export formats, and a synthetic history imported into a new library."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from linernotes.library import Library, open_library
from linernotes.synth.writers import KEYS_A, KEYS_C

TEST_IP = "198.51.100.77"


def track_uri(track: str | None, artist: str | None) -> str:
    return "spotify:track:" + hashlib.md5(f"{artist}|{track}".encode()).hexdigest()[:22]


def play(ts: str, track: str | None = "Song", artist: str | None = "Band", ms: int = 200_000,
         uri: str | None = None, **extra: Any) -> dict[str, Any]:
    """One Extended-history record with sensible defaults (a finished track)."""
    record: dict[str, Any] = {
        "ts": ts, "username": "synth-user", "platform": "android", "ms_played": ms, "conn_country": "DE",
        "ip_addr": TEST_IP, "ip_addr_decrypted": TEST_IP, "user_agent_decrypted": "unknown",
        "master_metadata_track_name": track, "master_metadata_album_artist_name": artist,
        "master_metadata_album_album_name": "Album" if track else None,
        "spotify_track_uri": uri if uri is not None else (track_uri(track, artist) if track else None),
        "episode_name": None, "episode_show_name": None, "spotify_episode_uri": None,
        "audiobook_title": None, "audiobook_uri": None, "audiobook_chapter_uri": None,
        "audiobook_chapter_title": None, "reason_start": "trackdone", "reason_end": "trackdone",
        "shuffle": False, "skipped": False, "offline": False, "offline_timestamp": None, "incognito_mode": False,
    }
    record.update(extra)
    return record


def write_extended(path: Path, records: list[dict[str, Any]], generation: str = "C") -> Path:
    """Write records with the key set and layout of a real generation (A: compact endsong; C: pretty)."""
    keys = KEYS_A if generation == "A" else KEYS_C
    rows = [{k: r.get(k) for k in keys} for r in records]
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":")) if generation == "A" else \
        json.dumps(rows, ensure_ascii=False, indent=2)
    path.write_text(text, encoding="utf-8")
    return path


def write_account(path: Path, records: list[dict[str, Any]]) -> Path:
    text = json.dumps(records, ensure_ascii=False, indent=2).replace('": ', '" : ')
    path.write_text(text, encoding="utf-8")
    return path


def imported_history(tmp: Path, plays: int, seed: int, start: str, end: str) -> tuple[Any, Library]:
    """A synthetic history (with its planted truth) written as a Gen C export and imported into a new
    library in ``tmp``; the caller closes the library."""
    from linernotes.synth import generate, write_extended

    history = generate(plays, seed=seed, start=start, end=end)
    write_extended(history, tmp / "export.zip", generation="C")
    library = open_library(tmp / "lib.duckdb")
    library.import_paths([tmp / "export.zip"])
    return history, library
