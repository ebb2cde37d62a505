"""One synthetic history exported four ways (Extended, Account data, Last.fm, ListenBrainz): whatever the
import order, the library ends with exactly the planted plays — every poorer copy merged into its Extended
row, none lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from linernotes import synth
from linernotes.library import open_library


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    out = tmp_path_factory.mktemp("four-ways")
    history = synth.generate(n_plays=12_000, seed=23)
    synth.write_extended(history, out / "my_spotify_data.zip", generation="C")
    synth.write_account(history, out / "account.zip", variant="new")
    synth.write_lastfm(history, out / "scrobbles-synth-1.csv", variant="ghan")
    synth.write_listenbrainz(history, out / "listenbrainz_synth_1.zip")
    return out, history.ground_truth()["extended"]["expected_stored_rows"]


@pytest.mark.parametrize("order", [
    [["my_spotify_data.zip", "account.zip", "scrobbles-synth-1.csv", "listenbrainz_synth_1.zip"]],
    [["scrobbles-synth-1.csv", "listenbrainz_synth_1.zip", "account.zip"], ["my_spotify_data.zip"]],
    [["listenbrainz_synth_1.zip"], ["scrobbles-synth-1.csv"], ["account.zip"], ["my_spotify_data.zip"]],
], ids=["together", "poorer-first", "one-by-one"])
def test_every_copy_merges_into_its_extended_play(exports: tuple[Path, int], tmp_path: Path,
                                                   order: list[list[str]]) -> None:
    folder, expected = exports
    with open_library(tmp_path / "lib.duckdb") as lib:
        reports = [lib.import_paths([folder / name for name in group]) for group in order]
        by_source = dict(lib.con.execute("SELECT source, count(*) FROM play_rows GROUP BY 1").fetchall())
    assert by_source == {"spotify_extended": expected}
    merged = sum(r.total("merged") + r.total("replaced") for r in reports)
    read = sum(r.total("rows_read") for r in reports)
    accounted = sum(r.total(k) for r in reports for k in ("stored", "duplicates", "near_duplicates", "unchanged",
                                                           "merged", "dropped"))
    assert read == accounted
    assert merged > 10_000  # account rows and two sets of scrobbles, all copies
