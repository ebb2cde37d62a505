"""The designed pages of insight family B (obsessions, rediscover, albums, podcasts, audiobooks, the skip model,
moments, taste) in a real browser: drawn, captioned, human words only, readable on a phone, accessible in light
and dark, honest about too little data, and showing the insight's own numbers.

Screenshots go to artifacts/screenshots/family-NAME-*.png for review.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from linernotes.library import open_library
from linernotes.serving import background
from linernotes.web import create_app
from tests.support.accessibility import AXE, VIEWPORTS, Findings, check_page
from tests.support.browser import screenshot
from tests.support.samples import SAMPLES, requires_samples
from tests.support.web_libraries import real_library, synthetic_library

PAGES = ["obsessions", "rediscover", "albums", "podcasts", "audiobooks", "skip-model", "moments", "taste"]
# Words a page must never show: a value that went missing on its way to the page.
MISSING = re.compile(r"\b(undefined|NaN|null|None)\b")
# A raw field name: lower-case words joined by underscores (ms_played, listen_throughs, top_artist).
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
# A history too small for every family: 200 ListenBrainz listens, no durations, no skips, no podcasts.
TINY = "listenbrainz_listens.jsonl"


@pytest.fixture(scope="module")
def synthetic_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic_library(tmp_path_factory.mktemp("famb-synthetic"))


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SAMPLES.is_dir():
        pytest.skip("../shared/samples not present beside the repo")
    return real_library(tmp_path_factory.mktemp("famb-real"))


@contextmanager
def dashboard(browser: Any, db: Path, width: str, theme: str) -> Iterator[tuple[Any, str, list[str]]]:
    """A browser page signed in to a dashboard over ``db`` at a viewport and colour scheme, and its console errors."""
    app = create_app(db)
    with background(app) as base:
        w, h = VIEWPORTS[width]
        context = browser.new_context(bypass_csp=True, viewport={"width": w, "height": h}, color_scheme=theme)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/?token={app.state.token}")
        try:
            yield page, base, errors
        finally:
            context.close()


def visit(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/{name}")
    page.wait_for_function("() => document.body.dataset.loaded", timeout=60_000)
    assert page.get_attribute("body", "data-loaded") == "1", page.inner_text("#error")


def insight(db: Path, name: str) -> dict[str, Any]:
    with open_library(db, read_only=True) as lib:
        return lib.insight(name).to_dict()


def problems_of(page: Any, name: str, errors: list[str]) -> list[str]:
    """What is wrong with a family-B page as a person sees it."""
    found: list[str] = []
    charts = page.evaluate("""() => [...document.querySelectorAll('#insight-body figure.chart')].map((f) => ({
        id: f.id, drawn: f.dataset.drawn === '1' && !!f.querySelector('svg'),
        caption: (f.querySelector('figcaption')?.textContent || '').trim()}))""")
    for chart in charts:
        if not chart["drawn"]:
            found.append(f"{name}: chart {chart['id']} not drawn")
        if not chart["caption"]:
            found.append(f"{name}: chart {chart['id']} has no sentence")
    texts = page.eval_on_selector_all("main svg text", "ts => ts.map((t) => t.textContent)")
    text = page.inner_text("main") + " " + " ".join(texts)
    found += [f"{name}: shows {m!r}" for m in sorted(set(MISSING.findall(text)))]
    found += [f"{name}: shows a raw field name {m!r}" for m in sorted(set(SNAKE.findall(text)))]
    sideways = page.evaluate("() => document.scrollingElement.scrollWidth > window.innerWidth")
    if sideways:
        found.append(f"{name}: scrolls sideways")
    found += [f"{name}: console error {e}" for e in errors]
    return found


@pytest.mark.parametrize(("width", "theme"), [("desktop", "light"), ("phone", "dark")])
def test_pages_drawn_on_the_synthetic_library(browser: Any, synthetic_db: Path, width: str, theme: str) -> None:
    problems: list[str] = []
    with dashboard(browser, synthetic_db, width, theme) as (page, base, errors):
        for name in PAGES:
            errors.clear()
            visit(page, base, name)
            assert page.locator("#insight-body figure.chart[data-drawn]").count() >= 1, f"{name}: no chart"
            problems += problems_of(page, name, errors)
            screenshot(page, f"family-{name}-{width}-{theme}")
    assert not problems, "\n".join(problems)


@requires_samples()
@pytest.mark.parametrize(("width", "theme"), [("desktop", "light"), ("phone", "dark")])
def test_pages_drawn_on_the_real_exports(browser: Any, real_db: Path, width: str, theme: str) -> None:
    problems: list[str] = []
    with dashboard(browser, real_db, width, theme) as (page, base, errors):
        for name in PAGES:
            errors.clear()
            visit(page, base, name)
            problems += problems_of(page, name, errors)
            screenshot(page, f"family-{name}-real-{width}-{theme}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_pages_pass_the_accessibility_checks(browser: Any, synthetic_db: Path, theme: str) -> None:
    assert AXE.is_file(), "axe-core is not installed: `make venv` runs `npm ci` (package-lock.json)"
    findings = Findings()
    for width in VIEWPORTS:
        with dashboard(browser, synthetic_db, width, theme) as (page, base, _):
            for name in PAGES:
                visit(page, base, name)
                check_page(page, f"/{name} {width} {theme}", VIEWPORTS[width][0], findings)
    assert not findings.problems, "\n".join(findings.problems)


@requires_samples()
def test_a_tiny_history_is_told_it_is_too_little(browser: Any, tmp_path: Path) -> None:
    db = tmp_path / "tiny.duckdb"
    with open_library(db) as lib:
        lib.import_paths([SAMPLES / TINY])
    problems: list[str] = []
    with dashboard(browser, db, "phone", "light") as (page, base, errors):
        for name in PAGES:
            errors.clear()
            visit(page, base, name)
            note = page.locator("#insight-body .famb-note")
            if not note.count():
                problems.append(f"{name}: no sentence saying there is too little")
            elif name != "albums" and page.locator("#insight-body figure.chart").count():
                problems.append(f"{name}: draws a chart from too little")
            problems += problems_of(page, name, errors)
        # The skip model gives its own reason, and the page says it.
        visit(page, base, "skip-model")
        assert insight(db, "skip-model")["summary"][0] in page.inner_text("#insight-body")
    assert not problems, "\n".join(problems)


def test_pages_show_the_insights_numbers(browser: Any, synthetic_db: Path) -> None:
    with dashboard(browser, synthetic_db, "desktop", "light") as (page, base, _):
        result = insight(synthetic_db, "skip-model")["result"]
        visit(page, base, "skip-model")
        strongest = max(result["factors"], key=lambda f: f["importance"])
        first = page.locator("#skip-drivers svg text.group-label").first.text_content()
        assert first == f"1. {strongest['name'][0].upper()}{strongest['name'][1:]}"
        # the strongest driver's first level: a bar to the side of its rate against the usual rate
        usual = result["skips"] / result["plays"]
        level = strongest["levels"][0]
        bar = page.locator("#skip-drivers svg rect").first
        assert bar.get_attribute("class") == ("raise" if level["rate"] >= usual else "lower")
        assert f"{round(100 * result['auc'])} in 100" in page.inner_text("#insight-body")
        assert page.locator("#skip-roc svg path.curve").count() == 2

        obs = insight(synthetic_db, "obsessions")["result"]["obsessions"]
        visit(page, base, "obsessions")
        assert page.locator("[data-obsession]").count() == len(obs)
        assert page.locator("[data-obsession] h3").first.text_content() == obs[0]["name"]
        # each burst's chart has a column per day with music around it
        days_with_music = sum(d["total_ms"] > 0 for d in obs[0]["around"])
        assert page.locator("[data-obsession] svg rect.backdrop").first.count() == 1
        assert page.locator('[data-obsession="0"] svg rect.backdrop').count() == days_with_music

        fav = insight(synthetic_db, "rediscover")["result"]["favourites"]
        visit(page, base, "rediscover")
        assert page.locator("#rediscover-cards [data-artist] h3").first.text_content() == fav[0]["artist"]
        assert page.locator("#rediscover-spans svg rect").count() == len(fav)

        albums = insight(synthetic_db, "albums")["result"]
        visit(page, base, "albums")
        assert page.get_attribute('.stat[data-key="listen_throughs"]', "data-value") == str(albums["listen_throughs"])
        assert page.locator("#album-recent li").count() == min(10, len(albums["recent_listen_throughs"]))

        pods = insight(synthetic_db, "podcasts")["result"]
        visit(page, base, "podcasts")
        assert page.get_attribute('.stat[data-key="shows"]', "data-value") == str(pods["shows"])
        assert page.locator("#podcast-shows svg text.value-label").first.text_content() == pods["by_show"][0]["show"]
        assert page.locator("#podcast-shows svg rect.track").count() == min(10, len(pods["by_show"]))

        books = insight(synthetic_db, "audiobooks")["result"]["by_book"]
        visit(page, base, "audiobooks")
        assert page.locator("[data-book]").count() == len(books)
        assert page.locator("[data-book] .famb-badge").count() == sum(b["finished"] for b in books)

        moments = insight(synthetic_db, "moments")["result"]["moments"]
        visit(page, base, "moments")
        assert page.locator("#moment-cards article").count() == len(moments)
        assert page.locator("#moment-timeline svg circle").count() == len(moments)

        taste = insight(synthetic_db, "taste")["result"]
        visit(page, base, "taste")
        assert page.locator("#taste-map svg circle").count() == len(taste["points"])
        biggest = max(taste["points"], key=lambda p: p["hours"])["artist"]
        labels = page.eval_on_selector_all("#taste-map svg text.map-label", "ts => ts.map((t) => t.textContent)")
        assert biggest in labels
        # every artist on the map is also in the list of groups (the map's keyboard and screen-reader mirror)
        listed = page.eval_on_selector_all("#taste-groups [data-artist]", "ns => ns.map((n) => n.textContent)")
        assert sorted(listed) == sorted(p["artist"] for p in taste["points"])
