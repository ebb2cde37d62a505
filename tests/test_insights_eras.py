"""The ``eras`` insight: a golden file on the hand-checkable fixture with invented MusicBrainz answers
(tests.support.eras), and its behaviour without enrichment, with years after the play, with too little data, with
one source enriched and another not, and under ``--source``.

The key figures, worked out by hand from tests.support.insight_fixture before the code ran (counted music plays;
times from the fixture's seconds):

- 124 counted music plays, 26,190 s of music: Aurora Lane 60 plays (13,500 s), Harbour 18 (3,600 s: Tide 1 ×11
  at 190 s, the album 1,290 s, Tide 2 and 3 again), Mellow Fields 13 counted (Grass ×12 at 200 s, Rain 230 s, and
  a 12 s skip of Rain not counted), Night Tram 29 (5,920 s), Kinderlieder 4 (480 s), Noise Unit's 12 skips (48 s).
- Years: Glow (2015) 13,500 s, Tides but Tide 2 (1968) 3,200 s over 16 plays, Grass (2003) 2,400 s, Night Tram
  (2024) 5,920 s: 117 plays and 25,020 s with a year = 96%; Tide 2's 2030 is after its 2 plays: untrusted.
- Decades: 2010s 13,500 / 25,020 = 54%, 2020s 24%, 1960s 13%, 2000s 10%. Median year (by time) 2015; median age 8
  (the 2024 plays of 2024 music are 5,920 s, under half). 2023: 13,500 of 17,400 s from the 2010s = 78%; 2024:
  5,920 of 7,620 s from the 2020s = 78%.
- Countries: Norway 13,500, worldwide 5,920, United Kingdom 3,600, Germany 2,642 s (Rain and its skip too) of
  25,662 = 53%, 23%, 14%, 10%; Noise Unit's "QQ" names no country and is left out. Home (inferred): Germany.

Regenerate the golden file with ``LINERNOTES_UPDATE_GOLDEN=1 pytest tests/test_insights_eras.py`` and review the
diff like code.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linernotes.countries import country_name, country_words
from linernotes.insights.eras import NOT_ENRICHED, ErasResult
from linernotes.library import Library, open_library
from tests.support import insight_fixture
from tests.support.cli import run_cli
from tests.support.eras import enrich_fixture
from tests.support.samples import SAMPLES, requires_samples

GOLDEN = Path(__file__).parent / "golden" / "with_eras" / "eras.json"
UPDATE = os.environ.get("LINERNOTES_UPDATE_GOLDEN") == "1"
SCOPES: dict[str, dict[str, Any]] = {"all": {}, "q1_2024": {"start": "2024-01-01", "end": "2024-03-31"},
                                     "spotify": {"sources": "spotify"}}
RAW_NAME = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.fixture(scope="module")
def plain_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("eras-plain")
    with open_library(tmp / "library.duckdb") as lib:
        lib.import_paths([insight_fixture.write(tmp / "export")])
    return tmp / "library.duckdb"


@pytest.fixture(scope="module")
def enriched_db(plain_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("eras-enriched") / "library.duckdb"
    shutil.copy(plain_db, db)
    with open_library(db) as lib:
        enrich_fixture(lib.con)
    return db


@pytest.fixture(scope="module")
def enriched(enriched_db: Path) -> Iterator[Library]:
    with open_library(enriched_db, read_only=True) as lib:
        yield lib


def _eras(lib: Library, **kwargs: Any) -> ErasResult:
    result = lib.insight("eras", **kwargs)
    assert isinstance(result, ErasResult)
    return result


def _clean(lines: list[str]) -> None:
    for line in lines:
        assert "None" not in line and "unknown" not in line.lower() and "nan" not in line.split(), line
        assert not RAW_NAME.search(line), line


def test_eras_match_golden(enriched: Library) -> None:
    got = {scope: enriched.insight("eras", **kwargs).to_dict() for scope, kwargs in SCOPES.items()}
    if UPDATE:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(got, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    assert GOLDEN.exists(), "no golden file for eras: run with LINERNOTES_UPDATE_GOLDEN=1 and check it by hand"
    assert json.loads(json.dumps(got, sort_keys=True)) == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_the_fixture_story(enriched: Library) -> None:
    r = _eras(enriched)
    assert r.enriched and r.measure == "time"
    assert (r.music_plays, r.music_ms, r.year_plays, r.year_ms) == (124, 26_190_000, 117, 25_020_000)
    assert (r.recording_plays, r.search_plays, r.untrusted_plays) == (16, 101, 2)
    assert [(d.label, d.plays, d.ms_played) for d in r.decades] == [
        ("1960s", 16, 3_200_000), ("2000s", 12, 2_400_000), ("2010s", 60, 13_500_000), ("2020s", 29, 5_920_000)]
    assert sum(d.share for d in r.decades) == pytest.approx(1.0)
    assert (r.median_year, r.median_age, r.decade_count) == (2015, 8, 4)
    assert r.new_share == pytest.approx(5920 / 25020)
    assert [(y.year, y.label, round(y.share, 3)) for y in r.listening_years] == [
        (2023, "2010s", round(13500 / 17400, 3)), (2024, "2020s", round(5920 / 7620, 3))]
    assert [(o.track, o.year, o.plays) for o in r.oldest] == [("Tide 1", 1968, 11), ("Grass", 2003, 12)]  # Glow: 8
    assert [(c.code, c.name, c.ms_played) for c in r.countries] == [
        ("NO", "Norway", 13_500_000), ("XW", "Worldwide", 5_920_000), ("GB", "United Kingdom", 3_600_000),
        ("DE", "Germany", 2_642_000)]
    assert r.country_plays == 120 and r.home_country == "DE" and r.home_share == pytest.approx(2642 / 25662)
    assert [s.name for s in r.sources] == ["Spotify (extended history)", "ListenBrainz"]
    assert r.bucket == "month" and r.over_time[0].bucket == "2023-10" and len(r.over_time) == 6
    assert r.series == ["1960s", "2000s", "2010s", "2020s"]
    assert [b.median_age for b in r.over_time] == [8, 8, 8, 0, None, None]  # Feb, Mar: under 5 plays with a year
    lines = r.summary()
    assert lines[0].startswith("Release years are known for 96% of your music time in this period (117 of 124 "
                               "music plays), from MusicBrainz: 16 by the recording id")
    assert "2 plays whose year found is later than the year they were played are left out" in lines[0]
    assert lines[1] == ("Of the 96% of your music time with a release year, music from the 2010s leads with 54% "
                        "(3.8 hours), then the 2020s (24%) and the 1960s (13%).")
    assert lines[2] == ("Your 2023 was 78% music from the 2010s and your 2024 was 78% music from the 2020s (of the "
                        "music with a release year).")
    assert "median release year of your music with a release year is 2015" in lines[3]
    assert "from 8 years in October 2023 to under a year in January 2024" in lines[4]
    assert lines[-2] == ("Artists' countries are known for 98% of your music time: the most is by artists from "
                         "Norway (53%), then all over the world (23%) and the United Kingdom (14%).")
    assert lines[-1].startswith("Artists from Germany, your home country, make 10%")
    _clean(lines)


def test_every_sentence_says_what_part_it_is_about(enriched: Library) -> None:
    for kwargs in SCOPES.values():
        for line in _eras(enriched, **kwargs).summary():
            assert "release year" in line.lower() or "countr" in line, line


def test_without_enrichment_one_sentence_and_nothing_drawn(plain_db: Path) -> None:
    with open_library(plain_db, read_only=True) as lib:
        r = _eras(lib)
    assert not r.enriched and r.year_plays == 0 and r.country_plays == 0
    assert not r.decades and not r.countries and not r.listening_years and not r.series and not r.oldest
    assert all(b.values == [] and b.median_age is None for b in r.over_time)
    assert r.summary() == [NOT_ENRICHED]
    assert "linernotes enrich" in NOT_ENRICHED and "opt-in" in NOT_ENRICHED


def test_an_enriched_library_whose_period_has_no_years(enriched: Library) -> None:
    r = _eras(enriched, start="2024-03-09", end="2024-03-09")  # only Kinderlieder: matched, no year or country
    assert r.enriched and r.music_plays == 4 and r.year_plays == 0
    assert r.summary() == ["No music play of the 4 in this period has a release year or an artist's country from "
                           "MusicBrainz yet: “linernotes enrich” asks about your most played music first."]


def test_a_year_after_the_play_is_not_trusted_but_a_search_can_answer(plain_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    shutil.copy(plain_db, db)
    with open_library(db) as lib:
        enrich_fixture(lib.con)
        # Night Tram's songs found as 2025: after every play of them (2024), so no year at all
        lib.con.execute("UPDATE enrich_tracks SET first_release_year = 2025 WHERE artist_key = 'night tram'")
        # Tide 2's recording says 2030; a search says 1968: the search's year is used
        lib.con.execute("INSERT INTO enrich_tracks VALUES ('harbour', 'tide 2', 'Harbour', 'Tide 2', true, 97, "
                        "NULL, 1968, now())")
        r = _eras(lib)
    assert r.untrusted_plays == 29 and r.year_plays == 117 - 29 + 2
    assert r.search_plays == 60 + 12 + 2 and r.recording_plays == 16
    assert "2020s" not in [d.label for d in r.decades]
    assert "29 plays whose year found is later than the year they were played are left out" in r.summary()[0]


def test_too_little_data_is_said_not_ranked(enriched: Library) -> None:
    r = _eras(enriched, start="2024-02-01", end="2024-03-31")
    assert r.year_plays == 5 and not r.enough and not r.decades and r.median_year is None
    lines = r.summary()
    assert lines[1] == ("Only 5 music plays in this period have a release year: too few to say which decades you "
                        "listen to (it takes 20).")
    assert not r.countries and "too few to rank them (it takes 20)" in lines[2]
    assert len(r.withheld) == 2
    _clean(lines)


def test_one_source_enriched_and_another_not(plain_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "lib.duckdb"
    shutil.copy(plain_db, db)
    with open_library(db) as lib:
        enrich_fixture(lib.con, artists=False, tracks=False)  # only ListenBrainz's recording ids have years
        r = _eras(lib)
    assert r.year_plays == 16 and r.recording_plays == 16 and not r.enough
    assert [(s.name, s.year_plays) for s in r.sources] == [("Spotify (extended history)", 0), ("ListenBrainz", 16)]
    assert "; Spotify plays have none yet;" in r.summary()[0]
    assert r.country_plays == 0 and len(r.summary()) == 2


def test_the_source_filter(enriched: Library) -> None:
    spotify = _eras(enriched, sources="spotify")
    assert (spotify.music_plays, spotify.year_plays, spotify.recording_plays) == (106, 101, 0)
    assert [d.label for d in spotify.decades] == ["2000s", "2010s", "2020s"]
    brainz = _eras(enriched, sources="listenbrainz")
    assert (brainz.music_plays, brainz.year_plays, brainz.untrusted_plays) == (18, 16, 2)
    assert not brainz.decades and brainz.summary()[1].startswith("Only 16 music plays")


def test_country_names_are_words_never_codes() -> None:
    assert [country_name(c) for c in ("DE", "us", "KR", "GB", "XW", "XE")] == [
        "Germany", "United States", "South Korea", "United Kingdom", "Worldwide", "Europe"]
    assert country_name("QQ") is None and country_name("") is None and country_name(None) is None
    assert country_words("NL") == "the Netherlands" and country_words("XW") == "all over the world"


def test_the_cli_prints_eras_for_people(enriched_db: Path, plain_db: Path) -> None:
    done = run_cli("insights", "eras", "--db", str(enriched_db), env={"COLUMNS": "80"})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "median year: 2015" in out and "median age: 8 years" in out and "year share: 96%" in out
    assert "ms_played" not in out and "None" not in out and "2,015" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    plain = run_cli("insights", "eras", "--db", str(plain_db), env={"COLUMNS": "80"})
    assert plain.returncode == 0 and "run “linernotes enrich” to fetch" in " ".join(plain.stdout.split())


def test_the_report_has_an_eras_section_only_with_enough_years(enriched: Library, plain_db: Path) -> None:
    import altair as alt

    from linernotes.engine.period import Period
    from linernotes.report import render_report
    from linernotes.report.sections import all_sections

    page, story = render_report(enriched)
    assert '<section id="eras"' in page and 'href="#eras"' in page
    charts = [c for s in all_sections(story) if s.id == "eras" for c in s.charts]
    assert [c.id for c in charts] == ["chart-decades", "chart-decades-time", "chart-countries"]
    for chart in charts:
        alt.Chart.from_dict(chart.spec)  # valid Vega-Lite
        assert ("96% of your music time" in chart.sentence or "98% of your music time" in chart.sentence) and \
            re.search(r"\d", chart.sentence)
        for t in chart.spec["encoding"]["tooltip"]:
            assert not RAW_NAME.search(t["title"])
    assert "Decades of the music" in page
    few, _ = render_report(enriched, Period(dt.date(2024, 2, 1), dt.date(2024, 3, 31)))
    assert 'id="eras"' not in few  # 5 plays with a year: no section
    with open_library(plain_db, read_only=True) as lib:
        plain, _ = render_report(lib)
    assert 'id="eras"' not in plain


@requires_samples()
def test_a_real_scrobble_export_with_invented_years(tmp_path: Path) -> None:
    """The Last.fm sample carries recording ids on some scrobbles and no listening time. Its rows with a
    track_mbid are counted straight from the CSV; each recording gets an invented year (the year of its first
    scrobble), so every scrobble with an id has a year and the shares are of plays."""
    path = SAMPLES / "lastfm-ghan_scrobbles.csv"
    with path.open(encoding="utf-8", newline="") as f:
        with_id = sum(1 for row in csv.DictReader(f) if row["track_mbid"].strip())
    with open_library(tmp_path / "real.duckdb") as lib:
        lib.import_paths([path])
        assert _eras(lib).summary() == [NOT_ENRICHED]
        lib.con.execute("""
            INSERT INTO enrich_recordings
            SELECT recording_mbid, true, NULL, min(year(ts_start)), now() FROM play_rows
            WHERE recording_mbid IS NOT NULL GROUP BY recording_mbid""")
    with open_library(tmp_path / "real.duckdb", read_only=True) as lib:  # as after `linernotes enrich`
        r = _eras(lib)
    assert r.measure == "plays" and r.recording_plays == r.year_plays > 0 and r.untrusted_plays == 0
    assert r.year_plays <= with_id  # some rows may be duplicates merged on import
    assert r.year_plays >= 0.95 * with_id
    lines = r.summary()
    assert lines[0].startswith("Release years are known for ") and "of your music plays" in lines[0]
    _clean(lines)


@requires_samples()
@pytest.mark.parametrize("name", ["listenbrainz_listens.jsonl",
                                  "spotify-extended-genC_Streaming_History_Audio_2023.json",
                                  "spotify-account_StreamingHistory_music_0.json"])
def test_real_samples_without_enrichment_say_one_sentence(tmp_path: Path, name: str) -> None:
    with open_library(tmp_path / "real.duckdb") as lib:
        lib.import_paths([SAMPLES / name])
        assert _eras(lib).summary() == [NOT_ENRICHED]


def test_the_story_has_a_decades_slide_only_with_enough_years(enriched: Library, plain_db: Path) -> None:
    from linernotes.engine.scope import Scope
    from linernotes.report.story import tell

    whole = tell(enriched).slide("decades")
    assert whole is not None and whole.figure == "2010s"
    assert whole.sentence == ("54% of your music with a release year is from the 2010s (release years are known for "
                              "96% of your music time).")
    # the three biggest (54%, 24%, 13%; not the 2000s' 10%): a card has room for three bars, in their order
    assert [m.label for m in whole.chart.marks] == ["1960s", "2010s", "2020s"]
    year = tell(enriched, Scope.make(start="2023-01-01", end="2023-12-31")).slide("decades")
    assert year is not None and year.sentence.startswith("Your 2023 was 78% music from the 2010s (release years")
    assert tell(enriched, Scope.make(start="2024-02-01", end="2024-03-31")).slide("decades") is None  # 5 plays
    with open_library(plain_db, read_only=True) as lib:
        assert tell(lib).slide("decades") is None


def test_the_summary_names_only_the_latest_listening_years(enriched: Library) -> None:
    """A library of many years gets one short sentence about its latest years, not a list of every year."""
    import dataclasses

    from linernotes.insights.eras import LISTENING_YEARS_SAID, ListeningYear

    r = enriched.insight("eras")
    assert isinstance(r, ErasResult) and r.listening_years
    years = [ListeningYear(y, 40, 3_600_000, 1990, "1990s", 0.5, 20) for y in range(2011, 2020)]
    many = dataclasses.replace(r, listening_years=years)
    line = next(x for x in many.summary() if x.startswith("Your "))
    named = re.findall(r"your (\d{4}) was", line, flags=re.IGNORECASE)
    assert named == [str(y) for y in range(2020 - LISTENING_YEARS_SAID, 2020)]
