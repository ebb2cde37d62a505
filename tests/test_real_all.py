"""Every real export at once (issue 14): one ``linernotes import`` of ../shared/samples and ../shared/corpus,
then every insight, the report and every dashboard page on that one library.

What the raw files must give, read before the importer ran (json.load / csv.reader / counting lines):

- 19 files an importer reads: 14 Spotify JSON arrays, 3 Last.fm CSVs, 1 ListenBrainz JSONL, 1 YouTube
  Takeout JSON. Their records add up to 94 247 (counted below from the files themselves, not written down).
- corpus/lastfm-bbcsv_pingw3_lastfm_scrobbles.csv has no header line; its 165 rows with an empty date are the
  track playing when the export ran, repeated at every page (PROVENANCE.md), and are dropped as such.
- corpus/deezer-gdpr_marion_deezer-data_20250930.xlsx: its sheet 10_listeningHistory has 10,738 rows (counted
  below from the sheet's XML rows, less the header). PROVENANCE.md is read by no importer: ignored.
- The YouTube file's 341 entries all have ``header == "YouTube"`` (ordinary videos, no "YouTube Music"), so it
  stores nothing (docs/formats.md §6: keep only YouTube Music) and drops all 341.
- corpus/lastfm-ghan_sachaw_scrobbles.csv is the first 11 039 rows of samples/lastfm-ghan_scrobbles.csv
  (PROVENANCE.md: "11039 / 11622 (first rows)"; same uts, artist, track): every one of its rows is a duplicate
  of a sample row, so imported together it adds no play.
- The people differ from file to file otherwise, so no play of one source is the same listen as another's: the
  report states no cross-source merge.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from linernotes.engine.registry import all_insights
from linernotes.library import Library, open_library
from linernotes.serving import background
from linernotes.web import create_app
from linernotes.web.entity import KINDS
from linernotes.web.pages import INSIGHT_PAGES, NAV, PAGES
from tests.support.samples import SAMPLES

CORPUS = SAMPLES.parent / "corpus"
pytestmark = pytest.mark.skipif(not (SAMPLES.is_dir() and CORPUS.is_dir()),
                                reason="../shared/samples or ../shared/corpus not present beside the repo")

PLACEHOLDER = re.compile(r"\b(unknown|None(?! of)|nan|NaN|null)\b")
NOT_READ = {"PROVENANCE.md"}
SACHAW = CORPUS / "lastfm-ghan_sachaw_scrobbles.csv"
BBCSV = CORPUS / "lastfm-bbcsv_pingw3_lastfm_scrobbles.csv"
GHAN = SAMPLES / "lastfm-ghan_scrobbles.csv"


def raw_rows(path: Path) -> int:
    """Records in a raw export, counted without the importer."""
    if path.suffix == ".json":
        return len(json.loads(path.read_bytes()))
    if path.suffix == ".xlsx":  # the listening sheet's rows, less the header (sheet8 in Deezer's workbook)
        import zipfile

        return zipfile.ZipFile(path).read("xl/worksheets/sheet8.xml").count(b"<row ") - 1
    if path.suffix == ".jsonl":
        return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    with path.open(newline="", encoding="utf-8") as f:
        rows = sum(1 for _ in csv.reader(f))
    return rows if "bbcsv" in path.name else rows - 1  # benjaminbenben's CSV has no header; ghan's has one


def ghan_keys(path: Path) -> set[tuple[str, str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return {(r["uts"], r["artist"], r["track"]) for r in csv.DictReader(f)}


def readable() -> list[Path]:
    return sorted(p for folder in (SAMPLES, CORPUS) for p in folder.iterdir() if p.name not in NOT_READ)


@pytest.fixture(scope="module")
def combined(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The library of one CLI import of both folders, and that import's JSON report."""
    db = tmp_path_factory.mktemp("real-all") / "library.duckdb"
    done = subprocess.run([sys.executable, "-m", "linernotes", "import", str(SAMPLES), str(CORPUS), "--db", str(db),
                           "--json", "-q"], capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    return db, json.loads(done.stdout)


@pytest.fixture(scope="module")
def lib(combined: tuple[Path, dict[str, Any]]) -> Iterator[Library]:
    with open_library(combined[0], read_only=True) as library:
        yield library


def test_every_readable_file_imported_together(combined: tuple[Path, dict[str, Any]], lib: Library) -> None:
    _, report = combined
    files = {f["file"]: f for f in report["files"]}
    assert set(report["ignored"]) == NOT_READ
    assert set(files) == {p.name for p in readable()}
    for path in readable():
        assert files[path.name]["rows_read"] == raw_rows(path), path.name
    totals = report["totals"]
    assert totals["rows_read"] == sum(raw_rows(p) for p in readable())
    # Each record is stored, merged, replaced, a duplicate, a near-duplicate, unchanged or dropped.
    for f in report["files"]:
        outcome = sum(f[k] for k in ("stored", "merged", "replaced", "duplicates", "near_duplicates", "unchanged"))
        assert outcome + f["dropped_total"] == f["rows_read"], f["file"]
    empty_date = sum(1 for r in csv.reader(BBCSV.open(newline="", encoding="utf-8")) if not r[3].strip())
    assert files[BBCSV.name]["dropped"] == {"now_playing": empty_date} and empty_date == 165
    youtube = files["youtube-music_watch-history.json"]
    assert (youtube["stored"], youtube["dropped"]) == (0, {"not_youtube_music": 341})
    # The corpus's ghan file is a prefix of the sample's: all its rows are duplicates, whichever came first.
    overlap = len(ghan_keys(SACHAW) & ghan_keys(GHAN))
    assert overlap == raw_rows(SACHAW) == 11_039
    pair = files[SACHAW.name], files[GHAN.name]
    assert sum(f["stored"] for f in pair) == raw_rows(GHAN)
    assert sum(f["duplicates"] for f in pair) == overlap
    # The stored total is the per-file stored counts less the cross-source merges the report states ...
    assert totals["merged"] == 0
    assert totals["stored"] == sum(f["stored"] for f in report["files"]) - totals["merged"]
    assert report["plays_after"] == totals["stored"] == lib.status()["plays"]
    stored = lib.con.execute("SELECT count(*) FROM play_rows").fetchall()[0][0]
    assert stored == totals["stored"]


def test_stored_total_is_the_files_alone_less_the_overlap(combined: tuple[Path, dict[str, Any]],
                                                          tmp_path: Path) -> None:
    """... and the sum of each file imported on its own, less the rows the ghan pair shares."""
    alone = 0
    for i, path in enumerate(readable()):
        with open_library(tmp_path / f"{i}.duckdb") as one:
            alone += one.import_paths([path]).total("stored")
    assert alone - len(ghan_keys(SACHAW) & ghan_keys(GHAN)) == combined[1]["totals"]["stored"]


def test_every_insight_runs_and_says_no_placeholder(lib: Library) -> None:
    for spec in all_insights():
        sentences = lib.insight(spec.name).summary()
        assert sentences, spec.name
        for sentence in sentences:
            assert not PLACEHOLDER.search(sentence), (spec.name, sentence)


class VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.parts.append(data.strip())


def test_report_builds_with_no_placeholder(combined: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    out = tmp_path / "liner-notes.html"
    done = subprocess.run([sys.executable, "-m", "linernotes", "report", "-o", str(out), "--db", str(combined[0])],
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    parser = VisibleText()
    parser.feed(out.read_text(encoding="utf-8"))
    text = "\n".join(parser.parts)
    assert "The headline numbers" in text and len(text) > 5_000
    assert not PLACEHOLDER.findall(text), [line for line in parser.parts if PLACEHOLDER.search(line)]
    # Kinds are said in words ("music leads"), never as the column's values ("track leads").
    assert "music leads with" in text and not re.search(r"\b(track|episode|audiobook) leads with", text)


# Every GET route of the dashboard, each requested below: a new route fails the test until it is covered here.
COVERED = {"/", "/search", "/ask", "/rules", "/import", "/crowd", "/{insight}", "/api/status", "/api/insights",
           "/api/insights/{name}", "/api/crowd", "/api/entity/{kind}", "/api/search", "/api/ask", "/api/exclusions",
           "/api/import/progress", "/static/identity.css", "/insights", "/story", "/api/story", "/api/story/card"}


def get_routes(found: list[Any], prefix: str = "") -> Iterator[str]:
    for route in found:  # FastAPI keeps included routers as such: their routes are inside
        if hasattr(route, "original_router"):
            yield from get_routes(route.original_router.routes, prefix + route.include_context.prefix)
        elif "GET" in (getattr(route, "methods", None) or ()):
            yield prefix + route.path


def no_constant(word: str) -> Any:
    raise AssertionError(f"{word} in a JSON answer")


def sync_release(db: Path, tmp: Path) -> tuple[Path, Path]:
    """A small signed cooperative release and its key beside the library, as ``linernotes sync`` keeps them."""
    from linernotes.coop.crowd.verify import write_public_key
    from linernotes.coop.release.build import ReleaseConfig, build_release
    from linernotes.coop.release_format import write_release
    from linernotes.coop.sidecars import key_path, release_path
    from linernotes.coop.signing import generate_key, public_key_bytes
    from tests.support.synthetic_pool import synth_pool

    pool = synth_pool(tmp / "pool", 300, 500, seed=21, clusters=4, workers=1)
    signer = generate_key()
    doc = build_release(pool.storage, key=signer, spent={}, release_id="r-real",
                        config=ReleaseConfig.uniform(1.0, taste_select_epsilon=4.0, taste_pairs_epsilon=4.0))
    release, key = release_path(db), key_path(db)
    write_release(release, doc)
    write_public_key(key, public_key_bytes(signer))
    return release, key


def test_every_dashboard_page_and_its_api(combined: tuple[Path, dict[str, Any]], lib: Library,
                                          tmp_path: Path) -> None:
    top = {kind: lib.insight("top", entity=entity.value, limit=3).to_dict()["result"]["rows"]
           for kind, entity in KINDS.items()}
    app = create_app(combined[0], token="real-all-token")
    assert set(get_routes(app.routes)) == COVERED
    with background(app) as url, httpx.Client(base_url=url, timeout=120,
                                              headers={"Authorization": "Bearer real-all-token"}) as client:

        def json_of(path: str, **params: Any) -> Any:
            answer = client.get(path, params=params)
            assert answer.status_code == 200, (path, params, answer.text[:300])
            return json.loads(answer.text, parse_constant=no_constant)  # NaN or Infinity is no JSON

        pages = {*PAGES, *(p for p, _ in NAV), *(f"/{m}" for m in INSIGHT_PAGES), "/insights",
                 *(f"/{k}" for k in KINDS)}
        for page in sorted(pages):
            answer = client.get(page, params={"name": top[page[1:]][0]["name"]} if page[1:] in KINDS else {})
            assert answer.status_code == 200 and "<html" in answer.text.lower(), page
        assert client.get("/static/app.js").status_code == 200
        assert client.get("/static/identity.css").headers["content-type"].startswith("text/css")

        status = json_of("/api/status")
        assert status["plays"] == combined[1]["totals"]["stored"]
        listed = {i["name"] for i in json_of("/api/insights")}
        assert listed == {s.name for s in all_insights()}
        for name in sorted(listed):  # the overview and the chapters and modes pages, and every other insight
            body = json_of(f"/api/insights/{name}")
            assert not any(PLACEHOLDER.search(s) for s in body["summary"]), (name, body["summary"])
        for entity in ("artists", "tracks", "albums", "shows"):  # the overview's four tables
            assert json_of("/api/insights/top", entity=entity, limit=10)["result"]["rows"]
        for kind, rows in top.items():  # an entity page for each kind's leaders
            for row in rows:
                by = {"by": row["by"]} if row.get("by") else {}
                detail = json_of(f"/api/entity/{kind}", name=row["name"], **by)
                assert detail["found"] and detail["plays"] > 0, (kind, row)
        assert json_of("/api/search", q=top["artist"][0]["name"])["results"]
        for question in ("top 5 artists last year", "how many hours did I listen in 2023", "my top podcast"):
            assert json_of("/api/ask", q=question)["sentence"]
        assert json_of("/api/exclusions") == []
        # The story of the whole real history, and its first slide as a share card.
        slides = json_of("/api/story")["slides"]
        assert slides and all(s["sentence"] and not PLACEHOLDER.search(s["sentence"]) for s in slides), slides
        card = client.get("/api/story/card", params={"slide": slides[0]["id"], "theme": "dark"})
        assert card.status_code == 200 and card.content.startswith(b"\x89PNG")
        json_of("/api/import/progress")
        # Before a release is synced, the crowd page's endpoint says so in one line; with one, it compares.
        crowd = client.get("/api/crowd")
        assert crowd.status_code == 404 and set(crowd.json()) == {"error"}
        release, key = sync_release(combined[0], tmp_path)
        try:
            crowd = json_of("/api/crowd")
            assert crowd["release_id"] == "r-real" and len(crowd["metrics"]) == 8
            assert all(0 <= m["percentile"] <= 100 for m in crowd["metrics"])
            # The synthetic crowd's artist names are not this history's: no shared artist, so no recommendation
            # (whether the release carries a taste model at all depends on its DP noise: seeds are listed only
            # when it does, and they are this history's own artists).
            assert crowd["recommendations"] == []
            artists = {r[0] for r in lib.con.execute("SELECT DISTINCT artist FROM plays").fetchall()}
            assert set(crowd["seeds"]) <= artists
            assert client.get("/crowd").status_code == 200
        finally:
            release.unlink()
            key.unlink()
