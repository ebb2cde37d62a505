"""The dashboard's HTML pages: small shells that ``static/app.js`` fills from the ``/api`` endpoints.

Rendering the numbers in the browser from the same JSON the API serves keeps a single source for every
figure (and the API's answers are the CLI's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from linernotes.web.entity import KINDS

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
NAV = (("/", "Overview"), ("/story", "Story"), ("/insights", "Insights"), ("/chapters", "Chapters"),
       ("/search", "Search"), ("/ask", "Ask"), ("/crowd", "Crowd"), ("/rules", "Exclusions"), ("/import", "Import"))
STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class InsightPage:
    """An insight's page at ``/NAME``: its heading, the group it is listed under on ``/insights``, and the line
    that says there what it shows. The page is drawn by ``static/pages/NAME.js`` when that file exists."""

    title: str
    group: str
    blurb: str


# The insights index (/insights), in its order: every insight with a page of its own.
INSIGHT_PAGES: dict[str, InsightPage] = {
    "clock": InsightPage("When you listen", "When", "Hour by weekday, your daily rhythm, weekends and seasons."),
    "calendar": InsightPage("Your calendar", "When", "Every day of listening, streaks, gaps and the busiest days."),
    "sessions": InsightPage("Listening sessions", "When", "How long you listen at a stretch, and how it starts."),
    "albums": InsightPage("Albums", "What", "Albums you play start to finish, and those you only sample."),
    "podcasts": InsightPage("Podcasts", "What", "Time per show, finished and abandoned episodes, binges."),
    "audiobooks": InsightPage("Audiobooks", "What", "Time per book, progress and the books you finished."),
    "genres": InsightPage("Genres", "What", "Top genres, genres over time and their spread, where the export "
                          "names them."),
    "eras": InsightPage("Decades", "What", "The decades of the music you play, how old it was when you played it, "
                        "and where its artists come from (after “linernotes enrich”)."),
    "skips": InsightPage("Skips", "How", "What you skip, where and when."),
    "loyalty": InsightPage("Loyalty", "How", "Long-time loves still in rotation, and one-week wonders."),
    "diversity": InsightPage("Variety", "How", "How many artists your listening is really spread across."),
    "context": InsightPage("Where and how", "How", "Devices over time, offline and shuffle, countries and trips."),
    "discovery": InsightPage("Discovery", "Over time", "New artists and tracks, and which became favourites."),
    "obsessions": InsightPage("Obsessions", "Over time", "Tracks on repeat and artist binges."),
    "rediscover": InsightPage("Rediscover", "Over time", "Forgotten favourites, and this day in earlier years."),
    "chapters": InsightPage("Chapters of your listening life", "Models",
                            "The eras of your listening, each with its own sound and rhythm."),
    "modes": InsightPage("Your listening modes", "Models", "The recurring ways you listen: when, where and what."),
    "skip-model": InsightPage("What makes you skip", "Models", "The context that predicts a skip, explained."),
    "moments": InsightPage("Moments", "Models", "Days and weeks when your listening broke from its normal."),
    "taste": InsightPage("Your taste map", "Models", "Artists you play alike, side by side, and your taste by month."),
}
# path -> (page: its template is PAGE.html, title)
PAGES = {"/": ("overview", "Overview"), "/search": ("search", "Search"), "/ask": ("ask", "Ask"),
         "/rules": ("rules", "Exclusion rules"), "/import": ("import", "Import"),
         "/crowd": ("crowd", "You vs. the crowd"), "/story": ("story", "Your story")}


def make_router() -> APIRouter:
    pages = APIRouter(default_response_class=HTMLResponse)

    def render(request: Request, template: str, page: str, title: str, status: int = 200,
               **extra: object) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, template, {"page": page, "title": title, "nav": NAV, **extra},
                                          status_code=status)

    for path, (page, title) in PAGES.items():
        _shell(pages, render, path, page, title)

    @pages.get("/insights")
    def insights_index(request: Request) -> HTMLResponse:
        groups: dict[str, list[tuple[str, InsightPage]]] = {}
        for name, page in INSIGHT_PAGES.items():
            groups.setdefault(page.group, []).append((name, page))
        return render(request, "insights.html", "insights", "Insights", groups=groups)

    @pages.get("/{insight}")
    def model_page(request: Request, insight: str) -> HTMLResponse:
        if insight in KINDS:
            return render(request, "entity.html", "entity", insight.capitalize(), kind=insight)
        if insight not in INSIGHT_PAGES:
            return render(request, "missing.html", "missing", "Not found", status=404)
        script = (STATIC / "pages" / f"{insight}.js").is_file()
        return render(request, "insight.html", "insight", INSIGHT_PAGES[insight].title, insight=insight,
                      script=script)

    return pages


def _shell(pages: APIRouter, render: Callable[..., HTMLResponse], path: str, page: str, title: str) -> None:
    """Serve ``PAGE.html`` at ``path`` (a function per page: a route's handler must not share a loop variable)."""

    def shell(request: Request) -> HTMLResponse:
        return render(request, f"{page}.html", page, title)

    pages.add_api_route(path, shell, methods=["GET"], name=page)
