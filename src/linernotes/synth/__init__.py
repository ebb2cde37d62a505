"""Synthetic listening histories with planted ground truth.

A seeded generative model (:func:`generate`) draws a multi-year listening history — a Zipf-popular catalogue
with non-ASCII and CSV-hostile names, taste groups and life chapters (eras), daily/weekly rhythm, sessions in
listening modes (commute, work focus, late night, weekend albums, ...), binges, skips driven by context,
someone else's listening (a child's music, sleep sounds), podcasts, audiobooks, travel abroad, device
changes — and plants the export quirks described in
docs/formats.md at recorded counts. Writers emit it in the real formats; :meth:`History.ground_truth` says what
an importer or a model should find. Same seed and parameters → byte-identical files.

Example::

    from linernotes.synth import generate, write_extended, write_account, write_lastfm, write_listenbrainz
    h = generate(n_plays=100_000, seed=7, start="2016-01-01", end="2025-06-30", home_country="DE")
    write_extended(h, "out/my_spotify_data.zip", generation="C")
    write_account(h, "out/account", variant="new")
    write_lastfm(h, "out/scrobbles.csv", variant="ghan")
    write_listenbrainz(h, "out/lb.zip")
    h.write_ground_truth("out/ground_truth.json")
    h.ground_truth()["extended"]["expected_stored_rows"]  # == 100_000
"""

from __future__ import annotations

from .model import DEDUP_DEFINITION, History, Params, artist_genres, dedup_reference, generate_history
from .writers import (
    KEYS_A,
    KEYS_B,
    KEYS_C,
    account_rows,
    scrobble_rows,
    write_account,
    write_apple_music,
    write_deezer,
    write_extended,
    write_lastfm,
    write_listenbrainz,
)

__all__ = [
    "DEDUP_DEFINITION",
    "KEYS_A",
    "KEYS_B",
    "KEYS_C",
    "History",
    "Params",
    "account_rows",
    "artist_genres",
    "dedup_reference",
    "generate",
    "scrobble_rows",
    "write_account",
    "write_all",
    "write_apple_music",
    "write_deezer",
    "write_extended",
    "write_lastfm",
    "write_listenbrainz",
]


def generate(
    n_plays: int,
    seed: int = 0,
    start: str = "2016-01-01",
    end: str = "2025-06-30",
    home_country: str = "DE",
    **options: float,
) -> History:
    """Generate a listening history of exactly ``n_plays`` genuine plays between ``start`` and ``end``
    (ISO dates, UTC). ``options`` override the rates in :class:`Params` (e.g. ``podcast_share=0.1``).

    Planted export artefacts (duplicates, near-duplicates, storm echoes) come on top of the genuine plays,
    so the Extended export has a few more rows than ``n_plays``; ``ground_truth()["extended"]`` says how
    many and what a correct importer keeps. One person cannot listen more than ~24 h a day: beyond roughly
    100 plays a day (≈350 000 plays over ten years) sessions are spread over parallel "lanes" that may
    overlap in time (recorded as ``ground_truth()["lanes"]``; 1 means a single, non-overlapping timeline).

    Example::

        h = generate(1000, seed=42)
        h.ground_truth()["plays_by_kind"]
    """
    return generate_history(
        Params(n_plays=n_plays, seed=seed, start=start, end=end, home_country=home_country, **options)
    )  # type: ignore[arg-type]


def write_all(
    h: History, out_dir: str, formats: tuple[str, ...] = ("extended", "account", "lastfm", "listenbrainz")
) -> dict[str, object]:
    """Write every requested format plus ``ground_truth.json`` under ``out_dir``; return the ground truth.

    Example::

        write_all(generate(5000, seed=1), "out")
    """
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if "extended" in formats:
        write_extended(h, out / "my_spotify_data.zip", generation="C")
    if "account" in formats:
        write_account(h, out / "account", variant="new")
    if "lastfm" in formats:
        write_lastfm(h, out, variant="ghan")
    if "listenbrainz" in formats:
        write_listenbrainz(h, out)
    if "apple" in formats:
        write_apple_music(h, out / "Apple Media Services information.zip")
    return h.write_ground_truth(str(out / "ground_truth.json"))
