"""The accessibility harness the browser tests share: which pages the dashboard serves, and what a page must pass.

Every check runs in the page itself (playwright, Debian's Chromium): axe-core from npm (``package.json``, installed
into ``node_modules`` by ``make venv``) for the WCAG rules, and a few measurements axe does not make — the page
does not scroll sideways, every chart is drawn and says in words what it shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.routing import APIRoute

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
THEMES = ("light", "dark")
BLOCKING = ("serious", "critical")  # the impacts the acceptance forbids

# One violation per line: rule, impact, what axe says, and the first few elements it names.
AXE_RUN = """async (blocking) => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations.filter((v) => blocking.includes(v.impact)).map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ") + " — "
      + (n.failureSummary || "").split("\\n").slice(1).join(" ").trim()),
    more: Math.max(0, v.nodes.length - 4)}));
}"""

# A chart: every chart container (the dashboard's .chart, the report's [data-chart]) and every svg or canvas of a
# chart's size elsewhere (a new page's chart is checked whatever its container is called); one marked
# aria-hidden="true" is decoration. Drawn: it has a size and marks. Its text alternative: an aria-label or
# aria-labelledby on the graphic or its container, or the caption of the figure it sits in.
CHARTS = """() => {
  const words = (node) => {
    if (!node || !node.getAttribute) return "";
    const label = node.getAttribute("aria-label");
    if (label && label.trim()) return label.trim();
    const ids = node.getAttribute("aria-labelledby");
    if (ids) return ids.split(/\\s+/).map((id) => (document.getElementById(id)?.textContent || "")).join(" ").trim();
    return "";
  };
  const shown = (e) => e.getClientRects().length > 0 && !e.closest("[aria-hidden=true]");
  const containers = [...document.querySelectorAll(".chart, [data-chart]")].filter(shown);
  const loose = [...document.querySelectorAll("svg, canvas")].filter((g) => shown(g)
    && !g.parentElement.closest("svg") && !containers.some((c) => c.contains(g))
    && g.getBoundingClientRect().width >= 100 && g.getBoundingClientRect().height >= 40);
  return [...containers, ...loose].map((c) => {
    const graphic = c.matches("svg, canvas") ? c : c.querySelector("svg, canvas");
    const box = graphic ? graphic.getBoundingClientRect() : { width: 0, height: 0 };
    // An HTML chart (the chapter timeline: coloured bands) has no svg: its marks are elements with an area and
    // a background colour of their own, outside the caption.
    const painted = (e) => !e.closest("figcaption") && e.getBoundingClientRect().width > 0
      && e.getBoundingClientRect().height > 0 && getComputedStyle(e).backgroundColor !== "rgba(0, 0, 0, 0)";
    const marks = !graphic ? [...c.querySelectorAll("*")].filter(painted).length
      : graphic.tagName.toLowerCase() === "canvas" ? 1
      : graphic.querySelectorAll("path, rect, circle, line, polygon, polyline, ellipse").length;
    const holder = c.closest(".chart, [data-chart], figure, [role=img]");
    const caption = c.closest("figure")?.querySelector("figcaption")?.textContent.trim() || "";
    return { chart: c.id || c.dataset?.chart || c.getAttribute("class") || c.tagName.toLowerCase(),
             drawn: graphic ? box.width > 0 && box.height > 0 && marks > 0 : marks >= 2,
             alternative: words(c) || words(graphic) || words(holder) || caption };
  });
}"""


@dataclass
class Findings:
    """Everything wrong, collected over a whole walk (one assertion at the end shows all of it)."""

    problems: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    violations: dict[str, set[str]] = field(default_factory=dict)  # axe rule -> the pages where it fails

    def add(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")


def html_pages(app: FastAPI) -> list[str]:
    """The paths of the app's GET routes (path parameters left as ``{name}``); the caller keeps those that answer
    HTML. FastAPI keeps an included router as such: its routes are inside."""

    def walk(routes: Iterable[Any], prefix: str) -> Iterator[str]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute) and "GET" in route.methods:
                yield prefix + route.path

    return list(walk(app.routes, ""))


def fill(paths: Iterable[str], values: Iterable[str]) -> Iterator[str]:
    """Each path, with each of ``values`` in its one path parameter (a path without one, as it is)."""
    options = list(values)
    for path in paths:
        parameters = re.findall(r"\{[^}]+\}", path)
        if not parameters:
            yield path
        elif len(parameters) == 1:
            yield from (path.replace(parameters[0], quote(value, safe="")) for value in options)
        else:
            raise AssertionError(f"{path}: more than one path parameter; teach the harness its values")


def slug(path: str) -> str:
    """A screenshot's name for a page: '/' is the overview, '/artist?name=…' the artist page."""
    name = path.split("?")[0].strip("/").replace("/", "-")
    return name or "overview"


def check_page(page: Any, where: str, width: int, findings: Findings) -> None:
    """The acceptance checks of a page already loaded: sideways scroll, axe, charts."""
    scroll = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    if width < 800 and scroll[0] > scroll[1]:
        widest = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(-3).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
              + (typeof e.className === 'string' && e.className ? '.' + e.className : ''))""")
        findings.add(where, f"scrolls sideways: {scroll[0]} px wide in a {scroll[1]} px window ({', '.join(widest)})")
    page.add_script_tag(path=str(AXE))
    for v in page.evaluate(AXE_RUN, list(BLOCKING)):
        findings.violations.setdefault(v["id"], set()).add(where)
        more = f" (+{v['more']} more)" if v["more"] else ""
        findings.add(where, f"axe {v['impact']} {v['id']}: {v['help']}{more}\n      " + "\n      ".join(v["nodes"]))
    for chart in page.evaluate(CHARTS):
        if not chart["drawn"]:
            findings.add(where, f"chart {chart['chart']} is not drawn")
        if not chart["alternative"]:
            findings.add(where, f"chart {chart['chart']} has no text alternative")


# Every element a keyboard user must reach: numbered, so the Tab walk can say which it missed.
FOCUSABLE = """() => [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')]
  .filter((e) => !e.disabled && e.tabIndex >= 0 && e.getClientRects().length > 0
    && getComputedStyle(e).visibility !== 'hidden')
  .map((e, i) => { e.dataset.a11yStop = String(i); return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + ' ' + (e.getAttribute('aria-label') || e.textContent || e.name || '').trim().slice(0, 40); })"""
# Where the focus is now, and whether it shows (an outline or a box shadow of its own).
FOCUSED = """() => { const e = document.activeElement; const s = getComputedStyle(e);
  return { stop: e.dataset ? e.dataset.a11yStop ?? null : null,
           shown: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none' }; }"""


def check_keyboard(page: Any, where: str, findings: Findings) -> None:
    """Tab through the page from its top: every link, button and field is reached, and each shows its focus."""
    stops = page.evaluate(FOCUSABLE)
    reached: set[int] = set()
    unseen_focus: list[str] = []
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    last = None
    # A date field takes a Tab per part (day, month, year); the browser's own UI may take one at the end.
    for _ in range(4 * len(stops) + 4):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["stop"] is None or focused["stop"] == last:
            continue
        last = focused["stop"]
        stop = int(focused["stop"])
        if stop in reached:  # round the page once
            break
        reached.add(stop)
        if not focused["shown"]:
            unseen_focus.append(stops[stop])
    missed = [s for i, s in enumerate(stops) if i not in reached]
    if missed:
        findings.add(where, f"not reachable with the Tab key: {missed[:6]}" + (" …" if len(missed) > 6 else ""))
    if unseen_focus:
        findings.add(where, f"focus not visible on: {unseen_focus[:6]}" + (" …" if len(unseen_focus) > 6 else ""))
