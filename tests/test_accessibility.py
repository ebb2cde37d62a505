"""Every dashboard page and the report, in a real browser, at a desktop and a phone width, light and dark.

The acceptance of issue 16: no console error, no sideways scroll at the phone width, axe-core (from npm, injected
into the page) finds no serious or critical violation, every chart is drawn and has its sentence as a text
alternative. The pages are the app's own HTML routes (a new page is walked without touching this file), each
insight and entity page filled in; two libraries: the synthetic export the web tests use, and the real exports in
../shared/samples. Screenshots: artifacts/screenshots/a11y-LIBRARY-PAGE-WIDTH-THEME.png.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from linernotes.library import open_library
from linernotes.serving import background
from linernotes.web import create_app
from tests.support.accessibility import (
    AXE,
    THEMES,
    VIEWPORTS,
    Findings,
    check_keyboard,
    check_page,
    slug,
)
from tests.support.browser import ARTIFACTS, screenshot
from tests.support.samples import SAMPLES
from tests.support.web_libraries import pages_of, real_library, synthetic_library


def add_crowd_release(db: Path) -> None:
    """A signed cooperative release beside the library, so the crowd page has something to show. (Without one,
    /api/crowd answers 404 by contract, which Chromium logs as a console error: see the closing note of #16.)"""
    from linernotes.coop.crowd.verify import write_public_key
    from linernotes.coop.release.build import ReleaseConfig, build_release
    from linernotes.coop.release_format import write_release
    from linernotes.coop.signing import generate_key, public_key_bytes
    from tests.support.synthetic_pool import synth_pool

    pool = synth_pool(db.parent / "pool", 600, 600, seed=21, clusters=4, workers=1)
    key = generate_key()
    release = build_release(pool.storage, key=key, spent={}, release_id="r-a11y",
                            config=ReleaseConfig.uniform(1.0, taste_select_epsilon=4.0, taste_pairs_epsilon=4.0))
    write_release(db.with_name(f"{db.stem}.crowd-release.json"), release)
    write_public_key(db.with_name(f"{db.stem}.coop-key"), public_key_bytes(key))


# Views: (width, theme). The synthetic library is seen in all four; the real exports — where long and non-Latin
# names test the layout — at the phone width in dark and the desktop width in light, to keep the run short.
ALL_VIEWS = [(width, theme) for width in VIEWPORTS for theme in THEMES]
VIEWS = {"synthetic": ALL_VIEWS, "real": [("phone", "dark"), ("desktop", "light")]}


def walk(browser: Any, name: str, db: Path, report: Path, findings: Findings) -> None:
    """Visit every page (and the report) in each view of ``VIEWS[name]``, one browser page throughout."""
    app = create_app(db)
    with background(app) as base:
        paths = pages_of(app, base, db)
        # The dashboard's Content-Security-Policy allows only its own scripts: the test's axe is let in.
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{base}/?token={app.state.token}")  # the token once; its cookie lets the rest in
        # The routes found must include every page the navigation links to (the walk misses no page).
        linked = page.eval_on_selector_all("nav a[href]", "links => links.map((a) => a.getAttribute('href'))")
        walked = {path.split("?")[0] for path in paths}
        assert linked and set(linked) <= walked, f"pages linked but not walked: {set(linked) - walked}"
        try:
            for width_name, theme in VIEWS[name]:
                width, height = VIEWPORTS[width_name]
                page.set_viewport_size({"width": width, "height": height})
                page.emulate_media(color_scheme=theme)
                for path in [*paths, report.as_uri()]:
                    is_report = path.startswith("file:")
                    shown = "report" if is_report else slug(path)
                    where = f"{name} {path if not is_report else 'report'} {width}x{height} {theme}"
                    findings.visited.append(where)
                    errors.clear()
                    page.goto(path if is_report else base + path)
                    if is_report:
                        page.wait_for_function("() => [...document.querySelectorAll('[data-chart]')]"
                                               ".every((c) => c.dataset.rendered)", timeout=60_000)
                    else:
                        page.wait_for_function("() => document.body.dataset.loaded", timeout=60_000)
                        if page.get_attribute("body", "data-loaded") != "1":
                            findings.add(where, "did not load: " + page.inner_text("#error"))
                    check_page(page, where, width, findings)
                    if (width_name, theme) == ("desktop", "light"):  # the Tab order is the same in every view
                        check_keyboard(page, where, findings)
                    if errors:
                        findings.add(where, "console errors: " + " | ".join(errors))
                    screenshot(page, f"a11y-{name}-{shown}-{width}-{theme}")
        finally:
            context.close()


def write_report(db: Path) -> Path:
    from linernotes.report import write_report as write

    with open_library(db, read_only=True) as lib:
        return write(lib, db.with_suffix(".html"))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["synthetic", pytest.param("real", marks=pytest.mark.skipif(
    not SAMPLES.is_dir(), reason="../shared/samples not present beside the repo"))])
def test_every_page_is_accessible(name: str, browser: Any, tmp_path: Path) -> None:
    assert AXE.is_file(), "axe-core is not installed: `make venv` runs `npm ci` (package-lock.json)"
    started = time.perf_counter()
    db = synthetic_library(tmp_path) if name == "synthetic" else real_library(tmp_path)
    add_crowd_release(db)
    report = write_report(db)
    built = time.perf_counter()
    findings = Findings()
    for old in (ARTIFACTS / "screenshots").glob(f"a11y-{name}-*.png"):
        old.unlink()  # the folder shows this run's pages only (a page may have gone)
    walk(browser, name, db, report, findings)
    print(f"\n{name}: {len(findings.visited)} page views, library and report {built - started:.1f} s, "
          f"walk {time.perf_counter() - built:.1f} s")
    for where in findings.visited:
        print("  visited", where)
    if findings.problems:  # all of them, not the first: one run shows everything to fix
        pytest.fail(f"{len(findings.problems)} problems (axe rules: {sorted(findings.violations)}):\n"
                    + "\n".join(findings.problems), pytrace=False)


BAD_PAGE = """<!doctype html><html lang="en"><head><title>bad</title></head><body><main>
<h1>A page with one of each fault</h1>
<p style="color:#999;background:#fff">Grey on white, 2.8:1.</p>
<div class="chart"><svg width="300" height="100"><rect width="50" height="80"></rect></svg></div>
<svg role="img" width="300" height="100"><rect width="50" height="80"></rect></svg>
<div class="chart" role="img" aria-label="An empty chart"></div>
<div style="width:900px">wider than a phone</div>
<a href="/x" tabindex="-1">a link the Tab key skips on purpose</a>
<button style="outline:none">Focus hidden</button>
</main></body></html>"""


def test_the_harness_finds_each_fault(browser: Any) -> None:
    """Each check can fail: a page with one fault of each kind yields exactly those findings (quick: no server)."""
    assert AXE.is_file(), "axe-core is not installed: `make venv` runs `npm ci` (package-lock.json)"
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.set_content(BAD_PAGE)
        findings = Findings()
        check_page(page, "bad", 390, findings)
        check_keyboard(page, "bad", findings)
    finally:
        context.close()
    text = "\n".join(findings.problems)
    assert set(findings.violations) == {"color-contrast", "svg-img-alt"}, text
    assert "scrolls sideways" in text
    assert text.count("has no text alternative") == 2  # the unlabelled chart and the loose svg
    assert text.count("is not drawn") == 1  # the empty one
    assert "focus not visible on: ['button Focus hidden']" in text
    assert "not reachable with the Tab key" not in text  # tabindex=-1 takes an element out on purpose
