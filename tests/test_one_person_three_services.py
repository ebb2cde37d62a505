"""One synthetic person who moved from Spotify to Apple Music to Deezer (issue 17): one timeline.

The library is :data:`tests.support.timeline.SERVICES`: Spotify Extended 2019–2020, Apple Music (the zip as
downloaded) 2021 to mid-2022, a Deezer workbook from mid-2022 to 2023, all drawn from one catalogue. Every
expected figure is read from the library's own rows or from the synth writers' manifests, never typed in.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linernotes.library import Library, open_library
from linernotes.services import source_name
from tests.support import timeline
from tests.support.cli import run_cli


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return timeline.build(tmp_path_factory.mktemp("services"), timeline.SERVICES)


@pytest.fixture(scope="module")
def lib(db: Path) -> Iterator[Library]:
    library = open_library(db, read_only=True)
    yield library
    library.close()


def rows(lib: Library, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return lib.con.execute(sql, params or []).fetchall()


def test_status_is_one_timeline_of_three_services(db: Path, lib: Library) -> None:
    done = run_cli("status", "--json", "--db", str(db))
    assert done.returncode == 0, done.stderr
    status = json.loads(done.stdout)
    parts = status["by_source"]
    assert set(parts) == {p.source for p in timeline.SERVICES}
    per_source = {s: (int(n), int(ms)) for s, n, ms in rows(
        lib, "SELECT source, count(*), sum(ms_played) FROM play_rows GROUP BY 1")}
    assert sum(p["plays"] for p in parts.values()) == status["plays"] == sum(n for n, _ in per_source.values())
    assert sum(p["ms_played"] for p in parts.values()) == status["ms_played"]
    for piece in timeline.SERVICES:
        part = parts[piece.source]
        assert part["plays"] == per_source[piece.source][0] > 500
        assert part["listening_time_recorded"], piece.source  # all three record how long a play lasted
        # Each service's plays lie in its own stretch (a play a few hours across New Year's Day UTC aside).
        assert piece.start[:7] <= part["first_play"][:7] and part["last_play"][:7] <= piece.end[:7], part
    # One timeline: it begins with the first service and ends with the last.
    assert status["first_play"] == parts["spotify_extended"]["first_play"]
    assert status["last_play"] == parts["deezer"]["last_play"]
    text = run_cli("status", "--db", str(db)).stdout
    for piece in timeline.SERVICES:
        assert source_name(piece.source) in text


def test_every_month_of_the_three_stretches_has_listening(lib: Library) -> None:
    """No service's stretch is lost or shifted: the months with music run from the first to the last."""
    months = [m for (m,) in rows(lib, "SELECT DISTINCT strftime(ts_start, '%Y-%m') FROM play_rows "
                                     "WHERE kind = 'track' ORDER BY 1")]
    assert months[0] == "2019-01" and months[-1] == "2023-12"
    for year in range(2019, 2024):
        assert sum(m.startswith(str(year)) for m in months) >= 11, (year, months)


def test_an_artist_continues_across_services(lib: Library) -> None:
    """The same person: their favourite artist is played on all three services, ranked once, and the
    services' parts of that artist's plays add back to the whole."""
    top = lib.top("artists", by="plays", limit=1)[0]
    sources = {s for (s,) in rows(lib, "SELECT DISTINCT source FROM play_rows WHERE artist = ?", [top.name])}
    assert sources == {p.source for p in timeline.SERVICES}
    parts = [{r.name: r.plays for r in lib.top("artists", by="plays", limit=100_000, sources=p.source)}
             for p in timeline.SERVICES]
    assert all(top.name in part for part in parts)
    assert sum(part[top.name] for part in parts) == top.plays


def test_genres_come_from_apple_music_only_and_say_so(lib: Library) -> None:
    result = lib.insight("genres").to_dict()
    coverage = {s["name"]: s for s in result["result"]["sources"]}
    apple = coverage[source_name("apple_music")]
    assert apple["genre_plays"] > 0
    for other in ("spotify_extended", "deezer"):
        assert coverage[source_name(other)]["genre_plays"] == 0
    ((with_genre,),) = rows(lib, "SELECT count(*) FROM play_rows WHERE genre IS NOT NULL")
    assert 0 < with_genre == rows(lib, "SELECT count(*) FROM play_rows WHERE source = 'apple_music' "
                                      "AND genre IS NOT NULL")[0][0]
    first = result["summary"][0]
    assert "Apple Music" in first and "%" in first  # which share of the listening has a genre


def test_the_report_tells_one_timeline(lib: Library) -> None:
    from linernotes.report import render_report

    page, story = render_report(lib)
    section = page.split('id="sources"', 1)[1].split("</section>", 1)[0]
    assert "One timeline from 3 services" in section
    assert [row.name for row in story.sources.sources] == [source_name(p.source) for p in timeline.SERVICES]
    assert 'id="genres"' in page  # Apple Music's genres make the report's genres section
