"""The designed insight pages of family A (clock, calendar, sessions, skips, discovery, diversity, loyalty,
context) in a real browser: each draws its charts with their sentences, reads as words (no raw field name, no
"undefined"), fits a phone, passes the accessibility checks in light and dark, shows the insight's own numbers,
and says so in a sentence when a history is too small to draw.

Screenshots: artifacts/screenshots/family-NAME-LIBRARY-WIDTH-THEME.png (and family-NAME-tiny-….png).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from linernotes.formatting import format_count, format_date, format_percent
from linernotes.library import open_library
from linernotes.serving import background
from linernotes.web import create_app
from tests.support.accessibility import AXE, VIEWPORTS, Findings, check_keyboard, check_page
from tests.support.browser import screenshot
from tests.support.samples import SAMPLES
from tests.support.web_libraries import real_library, synthetic_library

PAGES = ("clock", "calendar", "sessions", "skips", "discovery", "diversity", "loyalty", "context")
VIEWS = {"synthetic": [("desktop", "light"), ("phone", "dark"), ("desktop", "dark"), ("phone", "light")],
         "real": [("desktop", "light"), ("phone", "dark")]}

# What a person must never read: a snake_case word (a field name), a JSON token the export spells its own way,
# a raw ISO date, an unformatted float, or a programming word for "nothing".
RAW_WORD = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
RAW_TOKENS = re.compile(r"\b(?:clickrow|trackdone|fwdbtn|backbtn|playbtn|appload|trackerror|endplay|uriopen|"
                        r"clickside|deliberate|algorithmic|dow|gini|entropy)\b")
ISO_DATE = re.compile(r"\b\d{4}-\d\d(?:-\d\d)?\b")
LONG_FLOAT = re.compile(r"\d\.\d{3,}")
NOTHING = re.compile(r"\b(?:undefined|NaN|null|None|nan)\b")

# The page's own words: names (links, the name labels of a chart) are data and may be anything.
VISIBLE_TEXT = """() => {
  const skip = (node) => node.parentElement.closest("a, .name-label, title, script, style");
  const walker = document.createTreeWalker(document.getElementById("insight-body"), NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) if (!skip(node)) parts.push(node.textContent);
  return parts.join(" | ");
}"""
CHARTS = """() => [...document.querySelectorAll("#insight-body figure.chart")].map((f) => ({
  id: f.id, drawn: f.dataset.drawn === "1",
  caption: (f.querySelector("figcaption")?.textContent || "").trim(),
  marks: f.querySelectorAll("svg.plot rect, svg.plot path, svg.plot circle").length }))"""

# A list's header and its rows show the same columns (a column hidden on a phone is hidden in both).
TABLES = """() => [...document.querySelectorAll("#insight-body table")].map((t) => {
  const shown = (cells) => [...cells].filter((c) => c.getClientRects().length > 0).length;
  const row = t.querySelector("tbody tr");
  return { header: shown(t.querySelectorAll("thead th")), row: row ? shown(row.children) : null };
})"""


@dataclass
class Site:
    """A library served by the dashboard in a background thread."""

    name: str
    base: str
    token: str

    def insight(self, name: str) -> dict[str, Any]:
        """The insight's JSON, as the page reads it."""
        response = httpx.get(f"{self.base}/api/insights/{name}", headers={"Authorization": f"Bearer {self.token}"},
                             timeout=120)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Site]]:
    """The synthetic library and (when present) the real exports, each served for the module's tests."""
    folder = tmp_path_factory.mktemp("family-a")
    libraries = {"synthetic": synthetic_library(folder)}
    if SAMPLES.is_dir():
        libraries["real"] = real_library(folder)
    with ExitStack() as stack:
        served = {}
        for name, db in libraries.items():
            app = create_app(db)
            served[name] = Site(name, stack.enter_context(background(app)), app.state.token)
        yield served


def open_page(browser: Any, site: Site) -> tuple[Any, Any, list[str]]:
    """A browser page logged in to ``site`` (the token once; its cookie lets the rest in), collecting console
    errors. The Content-Security-Policy is bypassed so the test's axe-core can be injected."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{site.base}/insights?token={site.token}")
    return context, page, errors


def visit(page: Any, site: Site, name: str) -> None:
    page.goto(f"{site.base}/{name}")
    page.wait_for_function("() => document.body.dataset.loaded", timeout=60_000)
    assert page.get_attribute("body", "data-loaded") == "1", page.inner_text("#error")


def readable(text: str) -> list[str]:
    """Everything in ``text`` a person should not have to read."""
    found = [*RAW_WORD.findall(text), *RAW_TOKENS.findall(text), *ISO_DATE.findall(text),
             *LONG_FLOAT.findall(text), *NOTHING.findall(text)]
    return sorted(set(found))


@pytest.mark.slow
@pytest.mark.parametrize("library", ["synthetic", pytest.param("real", marks=pytest.mark.skipif(
    not SAMPLES.is_dir(), reason="../shared/samples not present beside the repo"))])
def test_family_pages_draw_readable_accessible_charts(library: str, sites: dict[str, Site], browser: Any) -> None:
    """Each page at 1280×900 and 390×844 (light and dark): charts drawn with their sentences, words only,
    no console error, no sideways scroll, axe-core and the harness's chart checks pass."""
    assert AXE.is_file(), "axe-core is not installed: `make venv` runs `npm ci` (package-lock.json)"
    site = sites[library]
    findings = Findings()
    context, page, errors = open_page(browser, site)
    try:
        for width_name, theme in VIEWS[library]:
            width, height = VIEWPORTS[width_name]
            page.set_viewport_size({"width": width, "height": height})
            page.emulate_media(color_scheme=theme)
            for name in PAGES:
                where = f"{library} /{name} {width}x{height} {theme}"
                errors.clear()
                visit(page, site, name)
                charts = page.evaluate(CHARTS)
                if library == "synthetic" and len(charts) < 2:
                    findings.add(where, f"only {len(charts)} charts on a full history")
                for chart in charts:
                    if not (chart["drawn"] and chart["marks"] and chart["caption"]):
                        findings.add(where, f"chart {chart['id']} not drawn or without its sentence: {chart}")
                for table in page.evaluate(TABLES):
                    if table["row"] is not None and table["row"] != table["header"]:
                        findings.add(where, f"a list's header and rows differ: {table}")
                if raw := readable(page.evaluate(VISIBLE_TEXT)):
                    findings.add(where, f"raw words on the page: {raw}")
                if page.locator("[data-too-little]").count() and library == "synthetic":
                    findings.add(where, "says too little on a full history: "
                                 + page.inner_text("[data-too-little]"))
                if (width_name, theme) in (("desktop", "light"), ("phone", "dark")):
                    screenshot(page, f"family-{name}-{library}-{width}-{theme}")
                check_page(page, where, width, findings)
                if (width_name, theme) == ("desktop", "light"):
                    check_keyboard(page, where, findings)
                if errors:
                    findings.add(where, "console errors: " + " | ".join(errors))
    finally:
        context.close()
    assert not findings.problems, "\n".join(findings.problems)


def stat_text(page: Any, key: str) -> str:
    return str(page.inner_text(f'#insight-body .stat[data-key="{key}"] .value')).strip()


def day(iso: str) -> dt.date:
    return dt.date.fromisoformat(iso[:10])


@pytest.mark.slow
def test_family_pages_show_the_insights_numbers(sites: dict[str, Site], browser: Any) -> None:
    """At least one value per page read from the page equals the insight's JSON, formatted as the CLI does."""
    site = sites["synthetic"]
    context, page, _ = open_page(browser, site)
    try:
        r = {name: site.insight(name)["result"] for name in PAGES}

        visit(page, site, "clock")
        assert stat_text(page, "peak_hour") == f"{r['clock']['peak_hour']:02d}:00"
        assert stat_text(page, "night_share") == format_percent(r["clock"]["night_share"])

        visit(page, site, "calendar")
        busiest = r["calendar"]["busiest_day"]
        shown = page.inner_text('#calendar-highlights [data-key="busiest_day"] .when')
        assert shown.endswith(format_date(day(busiest["first_day"]))), shown
        assert page.locator(f'#calendar-grid rect[data-day="{busiest["first_day"]}"].level-4').count() == 1
        assert stat_text(page, "days_listened") == format_count(r["calendar"]["days_listened"])

        visit(page, site, "sessions")
        assert stat_text(page, "count") == format_count(r["sessions"]["count"])
        first = r["sessions"]["longest"][0]
        assert page.inner_text("#sessions-longest tbody tr:first-child td:last-child a") == first["main_artist"]

        visit(page, site, "skips")
        assert stat_text(page, "rate") == format_percent(r["skips"]["rate"])
        top = r["skips"]["by_artist"][0]
        row = page.locator("#skips-artists tbody tr").first
        assert row.locator("a").inner_text() == top["name"]
        assert row.locator("td").last.inner_text() == f"{format_count(top['skips'])} of {format_count(top['plays'])}"

        visit(page, site, "discovery")
        assert stat_text(page, "new_artists") == format_count(r["discovery"]["new_artists"])
        assert page.get_attribute("#discovery-finds tbody tr:first-child", "data-name") == \
            r["discovery"]["discoveries"][0]["artist"]

        # A period later in the history is measured against all before it: no "first months" are left out.
        assert "when everything is new" in page.inner_text("#discovery-months figcaption")
        visit(page, site, "discovery?from=2020-01-01&to=2020-12-31")
        assert "when everything is new" not in page.inner_text("#discovery-months figcaption")
        assert page.locator("#discovery-months rect[data-key]").count() == 12

        visit(page, site, "diversity")
        total = r["diversity"]["total"]
        assert stat_text(page, "effective_artists") == f"{total['effective_artists']:.1f}"
        assert stat_text(page, "top10_share") == format_percent(total["top10_share"])
        assert page.locator("#diversity-effective circle").count() == \
            sum(1 for m in r["diversity"]["months"] if m["ms_played"] > 0)

        visit(page, site, "loyalty")
        assert stat_text(page, "one_week_wonder_count") == format_count(r["loyalty"]["one_week_wonder_count"])
        wonder = r["loyalty"]["one_week_wonders"][0]["artist"]
        assert page.inner_text("#loyalty-wonders tbody tr:first-child a") == wonder

        visit(page, site, "context")
        assert stat_text(page, "shuffle") == format_percent(r["context"]["shuffle"]["time_share"])
        assert stat_text(page, "incognito") == format_percent(r["context"]["incognito"]["time_share"])
        trips = r["context"]["trips"]
        assert page.locator("#context-trips tbody tr").count() == len(trips)
    finally:
        context.close()


# Real files too small (or too plain) for some pages: each of those pages must say so instead of drawing.
TINY = {
    "listenbrainz_listens.jsonl": PAGES,  # 2 plays on 1 day, no durations
    "spotify-account_StreamingHistory_podcast_0.json": ("skips", "discovery", "diversity", "loyalty"),  # no music
    "lastfm-ghan_scrobbles.csv": ("clock", "skips", "diversity", "context"),  # scrobbles: no durations, no skips
    # Account data: durations, but no skips, devices, countries, shuffle or offline flags
    "spotify-account_StreamingHistory_music_0.json": ("skips", "context"),
}


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/samples not present beside the repo")
@pytest.mark.parametrize("export", sorted(TINY))
def test_too_little_is_said_not_drawn(export: str, browser: Any, tmp_path: Path) -> None:
    db = tmp_path / "tiny.duckdb"
    with open_library(db) as lib:
        lib.import_paths([SAMPLES / export])
    app = create_app(db)
    with background(app) as base:
        site = Site("tiny", base, app.state.token)
        context, page, errors = open_page(browser, site)
        try:
            page.set_viewport_size({"width": 390, "height": 844})
            for name in TINY[export]:
                errors.clear()
                visit(page, site, name)
                said = page.locator("[data-too-little]")
                assert said.count() >= 1, f"{export} /{name}: no sentence saying there is too little"
                assert said.first.inner_text().strip(), f"{export} /{name}: an empty sentence"
                if export == "listenbrainz_listens.jsonl":  # the whole page is the sentence: no chart at all
                    assert page.locator("#insight-body figure.chart").count() == 0, f"/{name} drew a chart"
                assert page.locator("#insight-body figure.chart:not([data-drawn])").count() == 0
                assert not readable(page.evaluate(VISIBLE_TEXT)), f"/{name}: {readable(page.evaluate(VISIBLE_TEXT))}"
                assert not errors, f"/{name}: {errors}"
                screenshot(page, f"family-{name}-tiny-{Path(export).stem}")
        finally:
            context.close()
