"""The liner-notes report and the share cards: a real library, a real browser, the real CLI.

One synthetic history (three years) is imported once per module; the report for its last year is written
once and then read three ways: as text (numbers equal the insights'), in headless Chromium (no network,
no console errors, every section and chart drawn) and through the CLI in its own process.
"""

from __future__ import annotations

import html
import itertools
import json
import re
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import altair as alt
import pytest

from linernotes.coop.sidecars import ENV_RELEASE
from linernotes.engine.period import Period
from linernotes.identity import LIGHT, THEMES, css_variables
from linernotes.insights.top import TopResult
from linernotes.library import Library, open_library
from linernotes.report import render_report, write_report
from linernotes.report.build import Story, collect
from linernotes.report.cards import KINDS, SIZES, card_spec, write_card
from linernotes.report.charts import chapter_slot
from linernotes.report.crowd import find_release
from linernotes.report.html import render
from linernotes.report.sections import Move, Section, all_sections, top_table
from tests.support.browser import screenshot
from tests.support.cli import run_cli
from tests.support.exports import imported_history

pytestmark = pytest.mark.xdist_group("report")

YEAR = Period.parse("2023-01-01", "2023-12-31")
EMPTY = Period.parse("1999-01-01", "1999-12-31")
SECTIONS = ("overview", "chapters", "modes", "top", "clock", "calendar", "discovery", "skips", "obsessions",
            "rediscover", "podcasts", "audiobooks", "moments", "personality")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    _, imported = imported_history(tmp_path_factory.mktemp("report-lib"), 30_000, 101, "2021-01-01", "2023-12-31")
    imported.close()
    # Read-only, as the report and card commands open it: the CLI tests' own processes can read it too.
    lib = open_library(imported.path, read_only=True)
    yield lib
    lib.close()


@pytest.fixture(scope="module")
def written(library: Library) -> tuple[Path, float]:
    """The 2023 report, and how long writing it took (models trained from cold included)."""
    t0 = time.perf_counter()
    path = write_report(library, library.path.with_name("report-2023.html"), period=YEAR)
    return path, time.perf_counter() - t0


@pytest.fixture(scope="module")
def story(library: Library, written: tuple[Path, float]) -> Story:
    return collect(library, YEAR)  # served from the model cache the report filled


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def text_of(page_html: str) -> str:
    """The page's visible words with entities decoded, tags dropped, whitespace collapsed."""
    body = page_html.split("<script", 1)[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


# --- the file itself ---------------------------------------------------------------------------------------------

def test_report_is_one_offline_file(written: tuple[Path, float]) -> None:
    path, seconds = written
    page = path.read_text(encoding="utf-8")
    assert seconds < 60, f"writing the report took {seconds:.1f} s"
    assert '<html lang="en">' in page and 'name="viewport"' in page and "@media print" in page
    assert "connect-src 'none'" in page  # the browser itself refuses any fetch
    # No external script, stylesheet, font, image or frame; the Vega bundle is inlined exactly once.
    markup = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1", page, flags=re.DOTALL)  # the page, not the code
    assert markup.count("<script") == 3
    assert not re.search(r"<(script|img|iframe|link|object|embed)\b[^>]*\b(src|href|data)=", markup, re.IGNORECASE)
    assert not re.search(r"url\(", markup) and "@import" not in markup and "@font-face" not in markup
    assert not re.search(r"(src|href)=\"(?!#)", markup)  # every link stays in the page
    assert page.count("window.vegaEmbed=") == 1 and markup.count("<script>") == 2  # bundle + the page's call
    # Headings in order: one h1, then h2 per section (h3 only inside sections).
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", page)]
    assert levels[0] == 1 and levels.count(1) == 1 and all(b - a <= 1 for a, b in itertools.pairwise(levels))
    for sid in SECTIONS:
        assert f'<section id="{sid}"' in page
    assert 'id="crowd"' not in page  # no cooperative release on this device


def test_numbers_equal_the_insights(written: tuple[Path, float], story: Story, library: Library) -> None:
    page = written[0].read_text(encoding="utf-8")
    words = text_of(page)
    metrics = dict(re.findall(r'data-metric="(\w+)"><span class="value">([^<]+)<', page))
    overview = library.insight("overview", period=YEAR)
    totals = overview.to_dict()["result"]["totals"]
    assert metrics["hours"] == f"{totals['ms_played'] / 3_600_000:,.1f}"
    assert metrics["plays"] == f"{totals['plays']:,}"
    assert metrics["artists"] == f"{totals['artists']:,}"
    assert metrics["days"] == f"{totals['days_listened']:,}"
    # Every section speaks with its insight's own sentences.
    for result in (story.overview, story.chapters, story.modes, story.top_artists, story.clock, story.calendar,
                   story.discovery, story.skips, story.skip_model, story.obsessions, story.rediscover,
                   story.recommend, story.podcasts, story.audiobooks, story.moments):
        for line in result.summary():
            assert " ".join(line.split()) in words, (result.meta and result.meta.insight, line)
    # The top tables: names, hours and rank moves as `top` reports them; a move is an arrow for the eye and
    # words for a screen reader.
    top = library.top("artists", period=YEAR, limit=10)
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td class="text">([^<]+)</td><td class="num">([^<]+)</td>'
                      r'<td class="num">([^<]+)</td><td class="num secondary">([^<]+)</td>'
                      r'<td class="move-cell">(.*?)</td></tr>', page)
    assert [(int(r[0]), html.unescape(r[1]), r[2]) for r in rows[:10]] == \
        [(t.rank, t.name, f"{t.ms_played / 3_600_000:,.1f}") for t in top]
    assert any(t.rank_change for t in top), "the synthetic year should move some ranks"
    for row, t in zip(rows, top, strict=False):
        places = "" if not t.rank_change else " place" if abs(t.rank_change) == 1 else " places"
        expected = ("new" if t.previous_rank is None else "same rank" if not t.rank_change
                    else f"up {t.rank_change}{places}" if t.rank_change > 0 else f"down {-t.rank_change}{places}")
        assert re.search(r'<span class="sr-only">([^<]+)</span>', row[5])[1] == expected  # type: ignore[index]
        arrow = ("" if t.previous_rank is None else "=" if not t.rank_change else "▲" if t.rank_change > 0 else "▼")
        assert f'<span aria-hidden="true"><span class="arrow">{arrow}</span>' in row[5]
    # Personality: the percentages of wrapped's axes.
    for axis in story.wrapped.personality:
        assert axis.score is not None and f"{axis.name}: {axis.score:.0%}" in words


def test_every_chart_has_its_sentence_as_text_alternative(written: tuple[Path, float]) -> None:
    page = written[0].read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="figure" aria-labelledby="([\w-]+)-caption">\s*<div class="chart" '
                         r'id="([\w-]+)" data-chart="[\w-]+" role="img" aria-label="([^"]*)"></div>\s*'
                         r'<figcaption id="([\w-]+)-caption">([^<]*)</figcaption>', page)
    assert len(figures) == page.count("<figure") >= 12
    for labelled_by, chart_id, label, caption_id, caption in figures:
        assert labelled_by == chart_id == caption_id
        assert len(label) > 30 and label == caption and re.search(r"\d", label), chart_id


def test_light_and_dark_themes_from_the_identity(written: tuple[Path, float]) -> None:
    page = written[0].read_text(encoding="utf-8")
    assert "@media (prefers-color-scheme: dark)" in page and css_variables() in page
    specs = json.loads(re.search(r'<script type="application/json" id="report-specs">(.*?)</script>', page,
                                 re.DOTALL)[1])  # type: ignore[index]
    assert set(specs["configs"]) == {"light", "dark"}
    for theme in THEMES:  # each theme's chart text in that theme's colours, and its series for categories
        config = specs["configs"][theme.name]
        assert config["axis"]["labelColor"] == theme.muted and config["range"]["category"] == list(theme.series)
    # Chapters in their series colours: the chapter with index i takes slot i - 1, in either theme.
    chapters = specs["specs"]["chart-chapters"]
    slots = [row["slot"] for row in chapters["data"]["values"]]
    assert slots == [str(chapter_slot(int(row["chapter"].split(".")[0]))) for row in chapters["data"]["values"]]
    assert chapters["encoding"]["color"]["scale"]["domain"] == [str(i) for i in range(len(LIGHT.series))]
    assert "#1f5fa8" not in page  # the old single blue is gone


SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def test_no_label_is_a_field_name(written: tuple[Path, float], story: Story) -> None:
    """Table headers, axis titles and tooltip titles are words a person reads, never a column name."""
    page = written[0].read_text(encoding="utf-8")
    headers = [html.unescape(h) for h in re.findall(r"<th[^>]*>([^<]*)</th>", page)]
    assert headers and not [h for h in headers if SNAKE.search(h)]
    for chart in (c for s in all_sections(story) for c in s.charts):
        layers = chart.spec.get("layer", [chart.spec])
        for layer in layers:
            for channel, enc in layer.get("encoding", {}).items():
                if channel == "tooltip":
                    assert all("title" in t and not SNAKE.search(t["title"]) for t in enc), chart.id
                elif isinstance(enc, dict) and "field" in enc and channel in ("x", "y"):
                    title = enc.get("title")
                    assert title is None or not SNAKE.search(title), (chart.id, channel, title)


def test_whole_history_has_no_move_columns(library: Library) -> None:
    """With no earlier period to compare with, the top tables leave the move columns out (no column of
    dashes); with one, every row has a move."""
    whole = library.insight("top", entity="artists", limit=10)
    assert isinstance(whole, TopResult) and whole.previous_start is None
    table = top_table(whole, "artist")
    assert table.columns == ["#", "artist", "hours", "plays"]
    assert all(len(row) == 4 and "—" not in row for row in table.rows)
    page = render([Section("top", "Top", ["…"], tables=[table])], title="t", subtitle="s", footer="f")
    assert "rank before" not in page and "move-cell" not in page
    year = library.insight("top", period=YEAR, entity="artists", limit=10)
    assert isinstance(year, TopResult)
    compared = top_table(year, "artist")
    assert compared.columns[-2:] == ["rank before", "move"]
    assert all(isinstance(row[-1], Move) and row[-1].words for row in compared.rows)


def test_chart_specs_are_valid_vega_lite(story: Story, library: Library) -> None:
    charts = [c for s in all_sections(story) for c in s.charts]
    assert len(charts) >= 12
    for chart in charts:
        kind = alt.LayerChart if "layer" in chart.spec else alt.Chart
        kind.from_dict(chart.spec)  # raises on anything the schema does not allow
        assert chart.spec["description"] == chart.sentence and re.search(r"\d", chart.sentence)
        assert "url" not in json.dumps(chart.spec.get("data", {}))
    for kind_name in KINDS:
        alt.LayerChart.from_dict(card_spec(library, kind_name, YEAR))


# --- in the browser ----------------------------------------------------------------------------------------------

def open_report(browser: Any, path: Path, width: int) -> tuple[Any, Any, list[str], list[str]]:
    """A page showing the report with every non-local request blocked and recorded."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def guard(route: Any) -> None:
        if route.request.url.startswith(("file:", "data:", "about:")):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", guard)
    page.goto(path.as_uri())
    page.wait_for_function(
        "document.querySelectorAll('[data-chart]').length === "
        "document.querySelectorAll('[data-chart][data-rendered]').length", timeout=30_000)
    return context, page, requests, errors


@pytest.mark.slow
def test_report_in_the_browser(browser: Any, written: tuple[Path, float]) -> None:
    path = written[0]
    context, page, requests, errors = open_report(browser, path, 1200)
    try:
        assert [u for u in requests if not u.startswith("file:")] == []
        assert requests == [path.as_uri()]  # the file itself, nothing else
        assert errors == []
        for sid in SECTIONS:
            section = page.locator(f"section#{sid}")
            assert section.is_visible(), sid
            assert section.locator("h2").count() == 1
            assert section.locator(".lead p").count() >= 1, f"{sid} says nothing"
        charts = page.locator("[data-chart]")
        assert charts.count() >= 12
        for i in range(charts.count()):
            chart = charts.nth(i)
            assert chart.locator("svg, canvas").count() >= 1, chart.get_attribute("id")
            assert chart.locator("svg").first.bounding_box()["height"] > 40
            caption = chart.locator("xpath=following-sibling::figcaption").inner_text()
            assert caption and caption == chart.get_attribute("aria-label")
        # Keyboard: the first Tab lands on the skip link, the next on the first section link.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('href')") == "#overview"
        assert page.evaluate("document.documentElement.lang") == "en"
        screenshot(page, "report")
        page.emulate_media(media="print")
        assert not page.locator("nav.toc").is_visible()
    finally:
        context.close()

    context, page, requests, errors = open_report(browser, path, 390)
    try:
        assert errors == [] and [u for u in requests if not u.startswith("file:")] == []
        # Readable on a phone: nothing wider than the screen except the tables' own scroll boxes.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "report-phone")
        # Dark: the page redraws every chart with the dark theme's config when the system switches.
        page.emulate_media(color_scheme="dark")
        page.wait_for_function("Array.from(document.querySelectorAll('[data-chart]'))"
                               ".every(el => el.getAttribute('data-theme') === 'dark')", timeout=30_000)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(22, 22, 21)"  # identity.DARK.background
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 and errors == []
        screenshot(page, "report-phone-dark")
    finally:
        context.close()


@pytest.mark.slow
def test_empty_period_keeps_every_section(browser: Any, library: Library, tmp_path: Path) -> None:
    path = write_report(library, tmp_path / "empty.html", period=EMPTY)
    words = text_of(path.read_text(encoding="utf-8"))
    for sentence in ("No podcasts in this period.", "No audiobooks in this period.", "No artists in this period.",
                     "No listening in this period.", "Nothing was played from 1 January 1999 to 31 December 1999.",
                     "Not enough listening in this period to place you on the personality axes."):
        assert sentence in words
    context, page, requests, errors = open_report(browser, path, 1000)
    try:
        assert errors == [] and requests == [path.as_uri()]
        for sid in SECTIONS:
            assert page.locator(f"section#{sid} .lead p").count() >= 1
        assert page.locator("[data-chart]").count() == 0
    finally:
        context.close()


def test_crowd_section_only_with_a_release(library: Library, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_RELEASE, str(tmp_path / "missing.json"))
    assert find_release(library.path) is None
    release = tmp_path / "release.json"
    release.write_text(json.dumps({"release_id": "r-2024-01", "published": "2024-02-01"}), encoding="utf-8")
    monkeypatch.setenv(ENV_RELEASE, str(release))
    found = find_release(library.path)
    assert found is not None and found.release_id == "r-2024-01"
    page, _ = render_report(library, EMPTY)
    assert '<section id="crowd"' in page and "release r-2024-01 (published 2024-02-01)" in page
    assert str(tmp_path) not in page  # the release's location stays private


# --- share cards -------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_cards_at_their_sizes(library: Library, story: Story, tmp_path: Path) -> None:
    for kind in KINDS:
        for size, expected in SIZES.items():
            path = write_card(library, kind, tmp_path / f"{kind}-{size}.png", period=YEAR, size=size)
            assert png_size(path.read_bytes()) == expected, (kind, size)
    spec = json.dumps(card_spec(library, "top-artists", YEAR), ensure_ascii=False)
    assert story.top_artists.rows[0].name in spec
    # Nothing but the music and the numbers: no path, no file name, no user name from the export.
    for kind in KINDS:
        text = json.dumps(card_spec(library, kind, YEAR, "story"), ensure_ascii=False)
        assert str(library.path.parent) not in text and "duckdb" not in text and "synth-user" not in text


# --- the CLI -----------------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_cli_report_and_card(library: Library, written: tuple[Path, float], tmp_path: Path) -> None:
    db = str(library.path)
    out = tmp_path / "cli.html"
    done = run_cli("report", "--from", "2023-01-01", "--to", "2023-12-31", "-o", str(out), "--db", db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    assert 'data-metric="hours"' in out.read_text(encoding="utf-8")
    card = tmp_path / "year.png"
    done = run_cli("card", "year", "--from", "2023-01-01", "--to", "2023-12-31", "--size", "story",
                   "-o", str(card), "--db", db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(card) and png_size(card.read_bytes()) == (1080, 1920)


def test_cli_knows_every_card() -> None:
    from linernotes.cli import report_cmds

    assert (tuple(KINDS), tuple(SIZES)) == (report_cmds.CARD_KINDS, report_cmds.CARD_SIZES)


@pytest.mark.parametrize(("args", "message"), [
    (("report", "--from", "2023-13-01"), "--from '2023-13-01' is not a date"),
    (("report", "--from", "2023-12-31", "--to", "2023-01-01"), "is after --to"),
    (("card", "mixtape", "-o", "x.png"), "unknown card 'mixtape'"),
    (("card", "year", "-o", "x.png", "--size", "poster"), "--size must be one of"),
    (("card", "year", "-o", "x.png", "--from", "yesterday"), "is not a date"),
])
def test_cli_bad_input(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    done = run_cli(*args, "--db", str(tmp_path / "none.duckdb"))
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "none.duckdb").exists()  # rejected before any library was touched


def test_an_empty_library_has_every_insight_and_a_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the first import: each insight answers with nothing to show, and the report says so — no crash
    (the modes model once failed on zero sessions, taking the report with it)."""
    from linernotes.engine import registry

    monkeypatch.setenv("LINERNOTES_CACHE", str(tmp_path / "cache"))
    open_library(tmp_path / "empty.duckdb").close()
    with open_library(tmp_path / "empty.duckdb", read_only=True) as lib:
        for spec in registry.all_insights():
            assert lib.insight(spec.name).to_dict()["meta"]["plays"] == 0, spec.name
        out = write_report(lib, tmp_path / "empty.html")
    assert out.stat().st_size > 0
