"""Shared fixtures: tiny synthetic exports written in the real formats, and a fresh library per test."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linernotes.library import Library, open_library
from linernotes.synth.writers import KEYS_A, KEYS_C

# The cooperative's PostgreSQL and server fixtures.
pytest_plugins = ["tests.coop_fixtures"]

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"

# Trained models and cached results go to a folder of this test run, never the user's cache (the CLI
# subprocesses inherit it).
os.environ["LINERNOTES_CACHE"] = tempfile.mkdtemp(prefix="linernotes-test-cache-")

# The key sets and order of real exports, as the synthetic-history writers also use them.
GEN_A_KEYS, GEN_C_KEYS = KEYS_A, KEYS_C
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
    keys = GEN_A_KEYS if generation == "A" else GEN_C_KEYS
    rows = [{k: r.get(k) for k in keys} for r in records]
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":")) if generation == "A" else \
        json.dumps(rows, ensure_ascii=False, indent=2)
    path.write_text(text, encoding="utf-8")
    return path


def write_account(path: Path, records: list[dict[str, Any]]) -> Path:
    text = json.dumps(records, ensure_ascii=False, indent=2).replace('": ', '" : ')
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[Library]:
    library = open_library(tmp_path / "library.duckdb")
    yield library
    library.close()


def requires_samples() -> pytest.MarkDecorator:
    return pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not present beside the repo")


def imported_history(tmp: Path, plays: int, seed: int, start: str, end: str) -> tuple[Any, Library]:
    """A synthetic history (with its planted truth) written as a Gen C export and imported into a new
    library in ``tmp``; the caller closes the library."""
    from linernotes.synth import generate, write_extended

    history = generate(plays, seed=seed, start=start, end=end)
    write_extended(history, tmp / "export.zip", generation="C")
    library = open_library(tmp / "lib.duckdb")
    library.import_paths([tmp / "export.zip"])
    return history, library


# --- a real browser -------------------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"  # Debian's, installed by .ci/run; never a downloaded browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium driven by playwright (one per test worker)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot as a test artifact (artifacts/screenshots/NAME.png)."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
