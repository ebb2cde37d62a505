"""First render of every dashboard page in Chromium on a big library (`make bench`; issue 16: ≤ 1 s).

Builds or reuses the library as web_bench.py does (default 1,000,000 plays; ``--db`` reuses a file, or
builds one there and keeps it), starts the real server (``linernotes serve``, a separate process) and finds
every HTML page it serves from the app's routes, exactly as the accessibility test walks them
(``tests/test_accessibility.py``'s ``pages_of``: the overview, /insights, /story, every insight page, the
entity pages for the top name of each kind, search, ask, crowd, rules, import), so a page added later is
measured without touching this file. The crowd page is skipped, with a note, when the library has no
cooperative release.

Each page is first loaded once for the whole history to warm the server (its selection, rollups and models:
printed as "cold", not judged). Then, in Debian's Chromium (playwright), each page is opened in a fresh tab
and timed from navigation start to the moment the page's script sets ``document.body.dataset.loaded``:
(a) for the whole history, and (b) — for every page that takes a period — for a twelve-month period no page
was asked for before (each page its own: every answer is computed, none comes from the server's cache).
Prints a table (page, milliseconds, ratio to the 1000 ms target) and exits non-zero when a page misses.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

import web_bench
from _common import library_arguments, verdict
from insight_bench import library_for

TARGET_MS = 1000.0
CHROMIUM = "/usr/bin/chromium"  # Debian's, as the browser tests
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 120_000  # the cold pages train models

# Installed in every page before its own scripts: the time (ms since navigation start) at which the page's
# script marks it loaded, and whether it loaded or failed.
LOADED_PROBE = """
window.__rendered = null;
new MutationObserver(() => {
  const body = document.body;
  if (window.__rendered === null && body && body.dataset.loaded) {
    window.__rendered = { ms: performance.now(), state: body.dataset.loaded };
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-loaded"] });
"""


def html_pages(db: Path, base: str, token: str) -> list[str]:
    """Every page the server serves, found as the accessibility test finds them (its ``pages_of``), from the
    routes of an app over the same library (never served: only its route table and token are used)."""
    from tests.support.web_libraries import pages_of

    from linernotes.web import create_app

    app = create_app(db, token=token)
    try:
        return pages_of(app, base, db)
    finally:
        app.state.access.close()


def with_period(path: str, first: str, last: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}from={first}&to={last}"


def new_years(first_year: int, last_year: int, count: int) -> list[tuple[str, str]]:
    """``count`` different twelve-month periods inside the history (a page each), none a calendar year: no page
    of the bench or its warm-up asked for them."""
    months = [(y, m) for y in range(first_year + 1, last_year - 1) for m in range(2, 13)]
    if not months:
        months = [(first_year, m) for m in range(2, 13)]
    # Spread over the history (every third month first), each used once before any is used again.
    spread = months[::3] + months[1::3] + months[2::3]
    picks = [spread[i % len(spread)] for i in range(count)]
    out = []
    for y, m in picks:
        end_y, end_m = (y + 1, m - 1)
        out.append((f"{y}-{m:02d}-01", f"{end_y}-{end_m:02d}-28"))
    return out


def render(context: Any, url: str) -> tuple[float | None, str]:
    """Open ``url`` in a fresh tab: milliseconds from navigation start to loaded, and the page's state
    ("1" when it loaded, "error" when its script failed, or why it did not load)."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(url, wait_until="commit", timeout=TIMEOUT_MS)
        # A selector, not a function: the dashboard's Content-Security-Policy forbids evaluating strings.
        page.wait_for_selector("body[data-loaded]", state="attached", timeout=TIMEOUT_MS)
        rendered = page.evaluate("window.__rendered")
        state = rendered["state"] if rendered["state"] == "1" else f"{rendered['state']} {errors[:1]}"
        return float(rendered["ms"]), state
    except Exception as exc:  # a timeout or a crash is this page's result, not the end of the bench
        return None, f"did not load: {str(exc).splitlines()[0][:100]}"
    finally:
        page.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    library_arguments(parser)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    misses: list[str] = []
    with tempfile.TemporaryDirectory(prefix="linernotes-render-bench-") as tmp:
        db = library_for(args, Path(tmp))
        # Models are trained by the warm-up in a cache of this run, never the user's.
        os.environ["LINERNOTES_CACHE"] = str(Path(tmp) / "model-cache")
        proc, base = web_bench.start_server(db)
        token = web_bench.AUTH["Authorization"].removeprefix("Bearer ")
        try:
            pages = html_pages(db, base, token)
            with httpx.Client(base_url=base, headers=web_bench.AUTH, timeout=600) as http:
                status = http.get("/api/status").json()
                if http.get("/api/crowd").status_code != 200:
                    pages = [p for p in pages if p.split("?")[0] != "/crowd"]
                    print("crowd: this library has no cooperative release; its page is skipped")
                # A page takes a period when it carries the period picker.
                periodic = {p for p in pages if 'id="period"' in http.get(p).text}
            years = dict(zip(sorted(periodic), new_years(int(status["first_play"][:4]),
                                                         int(status["last_play"][:4]), len(periodic)), strict=True))
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
                context = browser.new_context(viewport=VIEWPORT)
                context.add_init_script(LOADED_PROBE)
                first = context.new_page()
                first.goto(f"{base}/?token={token}")  # the token once: its cookie lets every later tab in
                first.close()
                print(f"\n{len(pages)} pages; warm-up (whole history, first visit: not judged)")
                print(f"{'page':<40} {'cold':>9}", flush=True)
                for path in pages:
                    t0 = time.perf_counter()
                    ms, state = render(context, base + path)
                    note = "" if state == "1" else f"  {state}"
                    print(f"{path[:40]:<40} {(time.perf_counter() - t0) * 1000:>7.0f}ms{note}", flush=True)
                rows: list[tuple[str, str, float | None, str]] = []
                for path in pages:
                    rows.append((path, "whole history", *render(context, base + path)))
                for path in pages:
                    if path in periodic:
                        first_day, last_day = years[path]
                        rows.append((path, f"{first_day[:7]} – {last_day[:7]}",
                                     *render(context, base + with_period(path, first_day, last_day))))
                browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    print(f"\nfirst render in Chromium, {VIEWPORT['width']}×{VIEWPORT['height']}, each page in a fresh tab: "
          "navigation start → page loaded")
    print(f"{'page':<40} {'period':<19} {'ms':>7} {'vs 1 s':>7}")
    for path, period, ms, state in rows:
        shown = f"{ms:>7.0f} {ms / TARGET_MS:>7.2f}" if ms is not None else f"{'–':>7} {'–':>7}"
        flag = ""
        if ms is None or state != "1":
            flag = f"  FAILED ({state})"
            misses.append(f"{path} ({period}): {state}")
        elif ms > TARGET_MS:
            flag = "  MISSED"
            misses.append(f"{path} ({period}): {ms:.0f} ms > {TARGET_MS:.0f} ms")
        print(f"{path[:40]:<40} {period:<19} {shown}{flag}")
    return verdict(misses, "first-render")


if __name__ == "__main__":
    sys.exit(main())
