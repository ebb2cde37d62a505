"""The dashboard's HTML pages: small shells that ``static/app.js`` fills from the ``/api`` endpoints.

Rendering the numbers in the browser from the same JSON the API serves keeps a single source for every
figure (and the API's answers are the CLI's).
"""

from __future__ import annotations

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


def make_router() -> APIRouter:
    pages = APIRouter(default_response_class=HTMLResponse)

    def render(request: Request, template: str, page: str, title: str, status: int = 200,
               **extra: object) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, template, {"page": page, "title": title, "nav": NAV, **extra},
                                          status_code=status)

    @pages.get("/")
    def overview(request: Request) -> HTMLResponse:
        return render(request, "overview.html", "overview", "Overview")

    @pages.get("/search")
    def search(request: Request) -> HTMLResponse:
        return render(request, "search.html", "search", "Search")

    @pages.get("/ask")
    def ask(request: Request) -> HTMLResponse:
        return render(request, "ask.html", "ask", "Ask")

    @pages.get("/rules")
    def rules(request: Request) -> HTMLResponse:
        return render(request, "rules.html", "rules", "Exclusion rules")

    @pages.get("/import")
    def import_page(request: Request) -> HTMLResponse:
        return render(request, "import.html", "import", "Import")

    @pages.get("/crowd")
    def crowd(request: Request) -> HTMLResponse:
        return render(request, "crowd.html", "crowd", "You vs. the crowd")

    @pages.get("/{insight}")
    def model_page(request: Request, insight: str) -> HTMLResponse:
        if insight in KINDS:
            return render(request, "entity.html", "entity", insight.capitalize(), kind=insight)
        if insight not in MODEL_PAGES:
            return render(request, "missing.html", "missing", "Not found", status=404)
        return render(request, "insight.html", "insight", MODEL_PAGES[insight], insight=insight)

    return pages
