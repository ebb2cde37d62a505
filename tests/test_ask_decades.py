"""`ask` about the decades, age and artists' countries of the music (the eras insight).

The questions of tests/ask_decade_cases.yaml were written before the parser learnt them and are split by a
fixed hash into a dev half (tuning may look at it) and a held-out test half (never looked at while tuning): the
test asserts the held-out figure and prints both. The library is the ask case library with invented
MusicBrainz answers (tests.support.ask_cases.enrich_case_library).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from linernotes.ask import ask
from linernotes.library import Library, open_library
from tests.support.ask_cases import (
    CASES_TODAY,
    build_case_library,
    decade_split,
    enrich_case_library,
    evaluate,
    load_cases,
)

CASES = Path(__file__).parent / "ask_decade_cases.yaml"


@pytest.fixture(scope="module")
def dbs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The case library without enrichment, and with the invented MusicBrainz answers."""
    tmp = tmp_path_factory.mktemp("ask-decades")
    plain = build_case_library(tmp / "plain.duckdb")
    enriched = tmp / "enriched.duckdb"
    shutil.copy(plain, enriched)
    with open_library(enriched) as lib:
        enrich_case_library(lib.con)
    return plain, enriched


@pytest.fixture(scope="module")
def lib(dbs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    mp = pytest.MonkeyPatch()
    mp.setenv("LINERNOTES_CACHE", str(tmp_path_factory.mktemp("cache")))
    mp.delenv("LINERNOTES_LLM_URL", raising=False)
    mp.delenv("LINERNOTES_LLM_MODEL", raising=False)
    with open_library(dbs[1], read_only=True) as library:
        yield library
    mp.undo()


def test_the_case_file_is_split_in_halves() -> None:
    cases = load_cases(CASES)
    halves = [decade_split(c) for c in cases]
    assert len(cases) >= 30 and 0.4 < halves.count("test") / len(cases) < 0.6
    assert {c["insight"] for c in cases} == {"eras"}


def test_held_out_half_at_least_90_percent(lib: Library, capsys: pytest.CaptureFixture[str]) -> None:
    dev = evaluate(CASES, lib, CASES_TODAY, keep=lambda c: decade_split(c) == "dev")
    test = evaluate(CASES, lib, CASES_TODAY, keep=lambda c: decade_split(c) == "test")
    with capsys.disabled():
        print(f"\nask about decades: dev {dev[0]}/{dev[1]} = {dev[0] / dev[1]:.1%}, "
              f"held-out test {test[0]}/{test[1]} = {test[0] / test[1]:.1%}")
    report = "\n".join(f"{f['q']!r}: {'; '.join(f['problems'])}" for f in test[2])
    assert test[0] / test[1] >= 0.9, report


def test_answers_name_the_decade_and_the_coverage(lib: Library) -> None:
    top = ask(lib, "which decade do i listen to the most", CASES_TODAY, llm=False)
    result = lib.insight("eras")
    assert top.insight == "eras" and top.value == result.top_decade  # type: ignore[attr-defined]
    assert top.value in {d.label for d in result.decades}  # type: ignore[attr-defined]
    share = ask(lib, "how much of my 2023 was 2010s music", CASES_TODAY, llm=False)
    year = lib.insight("eras", start="2023-01-01", end="2023-12-31", decade=2010)
    assert share.params == {"decade": 2010} and share.value == round(100 * year.focus.share, 1)  # type: ignore
    assert "2010s" in share.sentence and "None" not in share.sentence
    # The same share computed straight from the plays and the stored years (years after the play not trusted).
    (expected,) = lib.con.execute("""
        WITH y AS (SELECT p.ms_played AS ms, t.first_release_year AS year FROM plays p
                   JOIN enrich_tracks t ON t.matched AND t.artist_key = lower(trim(p.artist))
                    AND t.title_key = lower(trim(p.track))
                   WHERE p.kind = 'track' AND NOT coalesce(p.incognito, false)
                     AND year(p.ts_local) = 2023 AND t.first_release_year <= 2023)
        SELECT 100 * sum(ms) FILTER (WHERE year BETWEEN 2010 AND 2019) / sum(ms) FROM y""").fetchone()
    assert share.value == pytest.approx(expected, abs=0.051)


def test_a_period_in_a_decade_is_still_a_period(lib: Library) -> None:
    """"in the 2010s" with no music word is when you listened, not when the music is from."""
    a = ask(lib, "top artists in 2020", CASES_TODAY, llm=False)
    assert a.insight == "top"
    b = ask(lib, "how much 80s music did i listen to last year", CASES_TODAY, llm=False)
    assert b.insight == "eras" and b.params == {"decade": 1980}


def test_without_enrichment_the_answer_says_where_years_come_from(dbs: tuple[Path, Path]) -> None:
    with open_library(dbs[0], read_only=True) as plain:
        a = ask(plain, "what decade is my music from", CASES_TODAY, llm=False)
    assert a.insight == "eras" and a.value is None
    assert "linernotes enrich" in a.sentence
    for placeholder in ("None", "unknown", "nan", "top_decade"):
        assert placeholder not in a.sentence


def test_a_name_that_holds_the_words_stays_a_name() -> None:
    """"songs from the 70s" in a title of the library is the title, not a decade of release."""
    from linernotes.ask.entities import Name, NameIndex
    from linernotes.ask.intents import plan_question

    index = NameIndex([Name("album", "Songs From the 70s Forever", "Invented Covers Band", 5_000_000),
                       Name("artist", "Invented Covers Band", None, 5_000_000)])
    named = plan_question("how many times did i play songs from the 70s forever", index, CASES_TODAY)
    assert named.insight != "eras" and named.filters.get("album") == "Songs From the 70s Forever"
    plain = plan_question("how many songs from the 70s did i play", index, CASES_TODAY)
    assert (plain.insight, plain.params) == ("eras", {"decade": 1970})
