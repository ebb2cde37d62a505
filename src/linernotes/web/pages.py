"""The dashboard's HTML pages: small shells that ``static/app.js`` fills from the ``/api`` endpoints.

Rendering the numbers in the browser from the same JSON the API serves keeps a single source for every
figure (and the API's answers are the CLI's).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from linernotes.web.entity import KINDS

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
NAV = (("/", "Overview"), ("/search", "Search"), ("/chapters", "Chapters"), ("/modes", "Modes"), ("/ask", "Ask"),
       ("/crowd", "Crowd"), ("/rules", "Exclusions"),
       ("/import", "Import"))
MODEL_PAGES = {"chapters": "Chapters of your listening life", "modes": "Your listening modes"}
# path -> (page: its template is PAGE.html, title)
PAGES = {"/": ("overview", "Overview"), "/search": ("search", "Search"), "/ask": ("ask", "Ask"),
         "/rules": ("rules", "Exclusion rules"), "/import": ("import", "Import"),
         "/crowd": ("crowd", "You vs. the crowd")}


def make_router() -> APIRouter:
    pages = APIRouter(default_response_class=HTMLResponse)

    def render(request: Request, template: str, page: str, title: str, status: int = 200,
               **extra: object) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, template, {"page": page, "title": title, "nav": NAV, **extra},
                                          status_code=status)

    for path, (page, title) in PAGES.items():
        _shell(pages, render, path, page, title)

    @pages.get("/{insight}")
    def model_page(request: Request, insight: str) -> HTMLResponse:
        if insight in KINDS:
            return render(request, "entity.html", "entity", insight.capitalize(), kind=insight)
        if insight not in MODEL_PAGES:
            return render(request, "missing.html", "missing", "Not found", status=404)
        return render(request, "insight.html", "insight", MODEL_PAGES[insight], insight=insight)

    return pages


def _shell(pages: APIRouter, render: Callable[..., HTMLResponse], path: str, page: str, title: str) -> None:
    """Serve ``PAGE.html`` at ``path`` (a function per page: a route's handler must not share a loop variable)."""

    def shell(request: Request) -> HTMLResponse:
        return render(request, f"{page}.html", page, title)

    pages.add_api_route(path, shell, methods=["GET"], name=page)
