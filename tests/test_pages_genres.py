"""The genres page (/genres) in a real browser: on a library with genres (the insights fixture tagged by artist,
tests.support.genres) its charts are drawn and captioned with the share of music that has a genre, in human words,
on a phone and a desktop, light and dark, and pass the accessibility checks; without genres it says so in one
sentence and draws nothing.

Screenshots go to artifacts/screenshots/genres-*.png for review.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from linernotes.library import open_library
from tests.support import insight_fixture
from tests.support.accessibility import AXE, VIEWPORTS, Findings, check_page
from tests.support.browser import screenshot
from tests.support.genres import FIXTURE_GENRES, tag_genres
from tests.test_pages_family_b import dashboard, insight, problems_of, visit


@pytest.fixture(scope="module")
def plain_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("genres-page")
    with open_library(tmp / "plain.duckdb") as lib:
        lib.import_paths([insight_fixture.write(tmp / "export")])
    return tmp / "plain.duckdb"


@pytest.fixture(scope="module")
def tagged_db(plain_db: Path) -> Path:
    db = plain_db.with_name("tagged.duckdb")
    shutil.copy(plain_db, db)
    with open_library(db) as lib:
        tag_genres(lib.con, FIXTURE_GENRES)
    return db


@pytest.mark.parametrize(("width", "theme"), [("desktop", "light"), ("phone", "dark")])
def test_the_page_draws_genres(browser: Any, tagged_db: Path, width: str, theme: str) -> None:
    result = insight(tagged_db, "genres")
    with dashboard(browser, tagged_db, width, theme) as (page, base, errors):
        visit(page, base, "genres")
        screenshot(page, f"genres-{width}-{theme}")
        problems = problems_of(page, "genres", errors)
        assert not problems, "\n".join(problems)
        ids = page.eval_on_selector_all("#insight-body figure.chart[data-drawn]", "fs => fs.map((f) => f.id)")
        assert ids == ["genres-sources", "genres-coverage", "genres-top", "genres-time", "genres-spread"]
        for fig in ids:  # every chart says what part of the music it is about
            caption = page.inner_text(f"#{fig} figcaption")
            assert "75%" in caption or "has a genre" in caption or "with a genre" in caption, (fig, caption)
        bars = page.eval_on_selector_all("#genres-top svg text.value-label", "ts => ts.map((t) => t.textContent)")
        assert bars == [g["name"] for g in result["result"]["top"]]
        assert page.get_attribute('.stat[data-key="genre_time_share"]', "data-value") == str(
            result["result"]["genre_time_share"])
        assert result["summary"][0] in page.inner_text("#summary")


def test_without_genres_the_page_says_so_and_draws_nothing(browser: Any, plain_db: Path) -> None:
    with dashboard(browser, plain_db, "phone", "light") as (page, base, errors):
        visit(page, base, "genres")
        assert page.locator("#insight-body figure").count() == 0
        note = page.inner_text("#insight-body .famb-note")
        assert note == insight(plain_db, "genres")["summary"][0]
        assert note.startswith("Your Spotify export records no genres")
        # said once: the note replaces the one-line summary above it
        assert page.locator("body").inner_text().count(page.inner_text("#insight-body .famb-note")) == 1
        assert not problems_of(page, "genres", errors)


def test_the_page_passes_the_accessibility_checks(browser: Any, tagged_db: Path, plain_db: Path) -> None:
    assert AXE.is_file(), "axe-core is not installed: `make venv` runs `npm ci` (package-lock.json)"
    findings = Findings()
    for theme in ("light", "dark"):
        for width in VIEWPORTS:
            for db in (tagged_db, plain_db):
                with dashboard(browser, db, width, theme) as (page, base, _):
                    visit(page, base, "genres")
                    check_page(page, f"/genres {db.stem} {width} {theme}", VIEWPORTS[width][0], findings)
    assert not findings.problems, "\n".join(findings.problems)
