"""One synthetic person who moved between services: a library whose timeline is made of pieces, each a source
written by its own synth writer over its own stretch of years (Spotify 2019–2021, then Last.fm 2022, then
ListenBrainz 2023).

The same seed and size give every piece the same catalogue (the same artists and tracks), so the pieces read as
one person's listening. :data:`PIECES` is the list to extend when a source gets a synth writer (Apple Music,
Deezer, Tidal): a :class:`Piece` names the source, its years and the function that writes its export.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linernotes import synth
from linernotes.library import open_library

SEED = 41
PLAYS_PER_PIECE = 1_500  # a few seconds to write and import each


@dataclass(frozen=True)
class Piece:
    """A stretch of the timeline: ``write(history, folder)`` writes ``source``'s export of ``history`` (the
    person's listening from ``start`` to ``end``) into ``folder`` and returns the path to import."""

    source: str
    start: str
    end: str
    write: Callable[[synth.History, Path], Path]


def _extended(h: synth.History, folder: Path) -> Path:
    path = folder / "my_spotify_data.zip"
    synth.write_extended(h, path, generation="C")
    return path


def _lastfm(h: synth.History, folder: Path) -> Path:
    path = folder / "scrobbles-synth-1.csv"
    synth.write_lastfm(h, path, variant="ghan")
    return path


def _listenbrainz(h: synth.History, folder: Path) -> Path:
    path = folder / "listenbrainz_synth_1.zip"
    synth.write_listenbrainz(h, path)
    return path


def _apple_music(h: synth.History, folder: Path) -> Path:
    path = folder / "Apple Media Services information.zip"  # the zip as downloaded, a zip inside
    synth.write_apple_music(h, path)
    return path


def _deezer(h: synth.History, folder: Path) -> Path:
    return Path(folder / synth.write_deezer(h, folder)["path"])


PIECES: list[Piece] = [
    Piece("spotify_extended", "2019-01-01", "2021-12-31", _extended),
    Piece("lastfm", "2022-01-01", "2022-12-31", _lastfm),
    Piece("listenbrainz", "2023-01-01", "2023-12-31", _listenbrainz),
]
# The same person moving between streaming services (each recording listening time): Spotify, then Apple
# Music, then Deezer.
SERVICES: list[Piece] = [
    Piece("spotify_extended", "2019-01-01", "2020-12-31", _extended),
    Piece("apple_music", "2021-01-01", "2022-06-30", _apple_music),
    Piece("deezer", "2022-07-01", "2023-12-31", _deezer),
]


def build(folder: Path, pieces: Sequence[Piece] = PIECES, **options: Any) -> Path:
    """Write every piece's export under ``folder`` and import them all into ``folder/timeline.duckdb``."""
    paths = []
    for i, piece in enumerate(pieces):
        out = folder / f"{i}-{piece.source}"
        out.mkdir(parents=True, exist_ok=True)
        history = synth.generate(n_plays=PLAYS_PER_PIECE, seed=SEED, start=piece.start, end=piece.end, **options)
        paths.append(piece.write(history, out))
    db = folder / "timeline.duckdb"
    with open_library(db) as lib:
        lib.import_paths(paths)
    return db
