"""The decades page (/eras) in a real browser: on a library with invented MusicBrainz answers (the insights fixture,
tests.support.eras) its charts are drawn and captioned with the share of music they are about, in human words, on
a phone and a desktop, light and dark, and pass the accessibility checks; without enrichment it says so in one
sentence and draws nothing.

Screenshots go to artifacts/screenshots/eras-*.png for review.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from linernotes.insights.eras import NOT_ENRICHED
from linernotes.library import open_library
from tests.support import insight_fixture
from tests.support.accessibility import AXE, VIEWPORTS, Findings, check_page
from tests.support.browser import screenshot
from tests.support.eras import enrich_fixture
from tests.test_pages_family_b import dashboard, insight, problems_of, visit

RAW = re.compile(r"\b[a-z]+_[a-z_]+\b|\bNone\b|\bnull\b|\bundefined\b|\bNaN\b|\bunknown\b")


@pytest.fixture(scope="module")
def plain_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("eras-page")
    with open_library(tmp / "plain.duckdb") as lib:
        lib.import_paths([insight_fixture.write(tmp / "export")])
    return tmp / "plain.duckdb"


@pytest.fixture(scope="module")
def enriched_db(plain_db: Path) -> Path:
    db = plain_db.with_name("enriched.duckdb")
    shutil.copy(plain_db, db)
    with open_library(db) as lib:
        enrich_fixture(lib.con)
    return db


@pytest.mark.parametrize(("width", "theme"), [("desktop", "light"), ("phone", "dark")])
def test_the_page_draws_decades(browser: Any, enriched_db: Path, width: str, theme: str) -> None:
    result = insight(enriched_db, "eras")
    with dashboard(browser, enriched_db, width, theme) as (page, base, errors):
        visit(page, base, "eras")
        screenshot(page, f"eras-{width}-{theme}")
        problems = problems_of(page, "eras", errors)
        assert not problems, "\n".join(problems)
        ids = page.eval_on_selector_all("#insight-body figure.chart[data-drawn]", "fs => fs.map((f) => f.id)")
        assert ids == ["eras-sources", "eras-decades", "eras-time", "eras-age", "eras-countries"]
        for fig in ids:  # every chart says what part of the music it is about
            caption = page.inner_text(f"#{fig} figcaption")
            assert "96%" in caption or "98%" in caption or "release year" in caption, (fig, caption)
        bars = page.eval_on_selector_all("#eras-decades svg text.value-label", "ts => ts.map((t) => t.textContent)")
        assert bars == ["1960s", "2000s", "2010s", "2020s"]
        countries = page.eval_on_selector_all("#eras-countries svg text.value-label",
                                              "ts => ts.map((t) => t.textContent)")
        assert countries == ["Norway", "Worldwide", "United Kingdom", "Germany"]
        assert page.get_attribute('.stat[data-key="median_year"]', "data-value") == "2015"
        assert page.inner_text('.stat[data-key="median_age"] .value') == "8 years"
        text = page.inner_text("main")
        assert "Your 2023: 78% music from the 2010s" in text and "Tide 1" in text
        assert not RAW.search(text), RAW.search(text)
        assert result["summary"][0] in page.inner_text("#summary")


def test_without_enrichment_the_page_says_so_and_draws_nothing(browser: Any, plain_db: Path) -> None:
    with dashboard(browser, plain_db, "phone", "light") as (page, base, errors):
        visit(page, base, "eras")
        assert page.locator("#insight-body figure").count() == 0
        assert page.inner_text("#insight-body .famb-note") == NOT_ENRICHED
        # said once: the note replaces the one-line summary above it
        assert page.locator("body").inner_text().count(page.inner_text("#insight-body .famb-note")) == 1
        assert not problems_of(page, "eras", errors)


def test_the_page_is_listed_with_the_insights(browser: Any, plain_db: Path) -> None:
    with dashboard(browser, plain_db, "desktop", "light") as (page, base, _):
        page.goto(f"{base}/insights")
        link = page.locator('a[href^="/eras"]')
        assert link.count() == 1 and link.inner_text() == "Decades"


def test_the_page_passes_the_accessibility_checks(browser: Any, enriched_db: Path, plain_db: Path) -> None:
    assert AXE.is_file(), "axe-core is not installed: `make venv` runs `npm ci` (package-lock.json)"
    findings = Findings()
    for theme in ("light", "dark"):
        for width in VIEWPORTS:
            for db in (enriched_db, plain_db):
                with dashboard(browser, db, width, theme) as (page, base, _):
                    visit(page, base, "eras")
                    check_page(page, f"/eras {db.stem} {width} {theme}", VIEWPORTS[width][0], findings)
    assert not findings.problems, "\n".join(findings.problems)
