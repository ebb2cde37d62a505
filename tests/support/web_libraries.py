"""The libraries the browser tests and benchmarks walk the dashboard over, and the pages they walk."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from linernotes.library import open_library
from linernotes.web.entity import KINDS
from tests.support.accessibility import fill, html_pages
from tests.support.samples import SAMPLES

SYNTHETIC_PLAYS = 12_000  # as tests/test_web.py


def synthetic_library(folder: Path) -> Path:
    """The web tests' synthetic export, imported."""
    from linernotes import synth

    export = folder / "my_spotify_data.zip"
    synth.write_extended(synth.generate(n_plays=SYNTHETIC_PLAYS, seed=7), export, generation="C")
    db = folder / "synthetic.duckdb"
    with open_library(db) as lib:
        lib.import_paths([export])
    return db


def real_library(folder: Path) -> Path:
    """Every real export in ../shared/samples, imported (read in place)."""
    db = folder / "real.duckdb"
    with open_library(db) as lib:
        lib.import_paths(sorted(SAMPLES.iterdir()))
    return db


def pages_of(app: Any, base: str, db: Path) -> list[str]:
    """Every HTML page the app serves for this library: each route, its path parameter filled with every insight
    name and entity kind (those that answer 200 are pages), entity pages for the top name of each kind."""
    import httpx

    from linernotes.engine.registry import all_insights

    with open_library(db, read_only=True) as lib:
        top = {kind: rows[0] for kind, entity in KINDS.items()
               if (rows := lib.top(entity.value, limit=1))}
    values = sorted({i.name for i in all_insights()} | set(KINDS))
    found: list[str] = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {app.state.token}"},
                                              timeout=120) as client:
        for path in fill(html_pages(app), values):
            kind = path.strip("/")
            if kind in KINDS:
                if kind not in top:
                    continue
                row = top[kind]
                path += f"?name={quote(row.name)}" + (f"&by={quote(row.by)}" if getattr(row, "by", None) else "")
            elif path == "/search":
                path += "?q=" + quote(top["artist"].name[:4])
            if path.startswith("/api/"):
                continue  # the JSON the pages read, never a page
            response = client.get(path)
            if response.status_code == 200 and response.headers["content-type"].startswith("text/html"):
                found.append(path)
    return found
