"""The dashboard: a real server, a real browser, the real CLI to check its numbers.

How the numbers are compared: the server keeps only *read-only* DuckDB connections open and opens the file
for writing just for the length of an import or a rule change (``linernotes.web.access``). DuckDB lets any
number of processes read a file at once, so between those writes the CLI — ``python -m linernotes insights
NAME --json``, a separate process reading the same file — runs while the server is up, and what each page
shows is checked against the CLI's JSON.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from linernotes.errors import UsageError
from linernotes.loopback import is_loopback
from linernotes.serving import background
from linernotes.web import create_app
from linernotes.web.security import check_binding
from tests.support.browser import screenshot
from tests.support.cli import run_cli

CHANGE = {"X-Linernotes": "1"}
PLAYS = 12_000


def cli(db: Path, *args: str) -> Any:
    """Run the real CLI and parse its JSON."""
    done = run_cli(*args, "--json", "--db", str(db))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def insight(db: Path, name: str, *args: str) -> dict[str, Any]:
    return cli(db, "insights", name, *args)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def export_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from linernotes import synth

    path = tmp_path_factory.mktemp("web-export") / "my_spotify_data.zip"
    synth.write_extended(synth.generate(n_plays=PLAYS, seed=7), path, generation="C")
    return path


def bearer(app: Any) -> dict[str, str]:
    """The header that lets a script in: the app's access token."""
    return {"Authorization": f"Bearer {app.state.token}"}


@pytest.fixture
def empty_server(tmp_path: Path) -> Iterator[tuple[httpx.Client, Path]]:
    """A dashboard over a new library, and a client that presents its token."""
    db = tmp_path / "library.duckdb"
    app = create_app(db, max_upload=64 * 1024)
    with background(app) as url, httpx.Client(base_url=url, headers=bearer(app)) as client:
        yield client, db


# --- the browser walk: import → overview → artist → ask → exclusion rule --------------------------------------


class Page:
    """A playwright page that records console errors and failed requests."""

    def __init__(self, browser: Any, base: str, token: str) -> None:
        self.page = browser.new_page(viewport={"width": 1200, "height": 900})
        self.base = base
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # As a person does: the printed URL with the token once; the cookie it sets lets the rest in.
        self.page.goto(f"{base}/?token={token}")
        assert self.page.url == f"{base}/", "the token stays out of the address bar"

    def open(self, path: str) -> Any:
        self.page.goto(self.base + path)
        self.page.wait_for_selector("body[data-loaded='1']", timeout=60_000)
        assert self.errors == [], self.errors
        return self.page

    def stat(self, key: str) -> str:
        return str(self.page.get_attribute(f"#stats [data-key='{key}']", "data-value"))

    def stat_text(self, key: str) -> str:
        return str(self.page.inner_text(f"#stats [data-key='{key}'] .value"))


def check_overview(p: Page, db: Path, *period: str) -> dict[str, Any]:
    """The overview's figures and its top artists equal ``insights overview`` and ``insights top``."""
    expected = insight(db, "overview", *period)["result"]["totals"]
    for key in ("plays", "streams", "artists", "tracks", "days_listened"):
        assert int(p.stat(key)) == expected[key], key
        assert p.stat_text(key) == f"{expected[key]:,}", key
    assert p.stat_text("hours") == f"{expected['ms_played'] / 3_600_000:,.1f}"
    top = insight(db, "top", "--entity", "artists", "--limit", "10", *period)["result"]["rows"]
    p.page.wait_for_selector("#top-artists[data-loaded='1']")
    shown = p.page.eval_on_selector_all("#top-artists tbody tr", """rows => rows.map(r => ({
        name: r.dataset.name,
        rank: Number(r.querySelector("[data-key=rank]").dataset.value),
        plays: Number(r.querySelector("[data-key=plays]").dataset.value),
        ms_played: Number(r.querySelector("[data-key=ms_played]").dataset.value)}))""")
    assert shown == [{k: r[k] for k in ("name", "rank", "plays", "ms_played")} for r in top]
    return expected


@pytest.mark.slow
def test_dashboard_in_a_browser(browser: Any, export_zip: Path, tmp_path: Path) -> None:
    db = tmp_path / "library.duckdb"
    app = create_app(db)
    with background(app) as url:
        p = Page(browser, url, app.state.token)

        # import, through the page's file input
        page = p.open("/import")
        page.set_input_files("#file", str(export_zip))
        page.wait_for_selector("body[data-imported]", timeout=60_000)
        assert page.get_attribute("body", "data-imported") == "ok", page.inner_text("#error")
        status = cli(db, "status")
        assert int(str(page.get_attribute("#import-summary", "data-plays-after"))) == status["plays"] > PLAYS * 0.9
        assert int(str(page.get_attribute("#import-summary", "data-stored"))) == status["plays"]
        assert "my_spotify_data.zip" in page.inner_text("#import-files")
        assert "linernotes-upload" not in page.inner_text("#import-files")  # the private temp folder stays hidden
        screenshot(page, "web-import")
        assert p.errors == []

        # overview: whole history, then one year through the period picker
        page = p.open("/")
        check_overview(p, db)
        screenshot(page, "web-overview")
        page.fill("#period input[name=from]", "2020-01-01")
        page.fill("#period input[name=to]", "2020-12-31")
        page.click("#period button")
        page.wait_for_url("**/?from=2020-01-01&to=2020-12-31")
        page.wait_for_selector("body[data-loaded='1']")
        check_overview(p, db, "--from", "2020-01-01", "--to", "2020-12-31")
        assert p.errors == []

        # the top artist's page, reached by its link
        page = p.open("/")
        top = insight(db, "top", "--entity", "artists", "--limit", "1")["result"]["rows"][0]
        page.click("#top-artists tbody tr:first-child a")
        page.wait_for_selector("body[data-loaded='1']")
        assert page.inner_text("#title") == top["name"]
        assert int(p.stat("plays")) == top["plays"]
        assert int(p.stat("rank")) == top["rank"] == 1
        assert int(str(page.get_attribute("#stats", "data-ms-played"))) == top["ms_played"]
        assert page.locator("#by-month rect").count() > 3
        sessions = insight(db, "sessions")["result"]["count"]
        assert 0 < int(p.stat("sessions")) <= sessions
        assert p.errors == []
        screenshot(page, "web-artist")

        # search finds it and links to the same page
        page = p.open("/search?q=" + top["name"][:5])
        assert top["name"] in page.inner_text("#search-results")
        screenshot(page, "web-search")

        # chapters and modes: the models' summaries, as the CLI gives them
        for name in ("chapters", "modes"):
            page = p.open(f"/{name}")
            assert page.locator("#summary li").all_inner_texts() == insight(db, name)["summary"]
            screenshot(page, f"web-{name}")

        # ask
        question = "top artist in 2020"
        page = p.open("/ask")
        page.fill("#question", question)
        page.click("#ask button")
        page.wait_for_selector("body[data-answered='1']")
        expected = cli(db, "ask", question, "--no-llm")
        assert page.inner_text("#answer-sentence") == expected["sentence"]
        assert page.get_attribute("#answer-value", "data-value") == str(expected["value"])
        assert p.errors == []
        screenshot(page, "web-ask")

        # an exclusion rule: the top artist is left out everywhere, as the CLI then sees it too
        page = p.open("/rules")
        page.fill("#rule-form input[name=artist]", top["name"])
        page.fill("#rule-form input[name=note]", "a shared speaker")
        page.click("#rule-form button")
        page.wait_for_selector("#rules tr[data-rule]")
        rules = cli(db, "exclude", "list")
        assert [r["artist"] for r in rules] == [top["name"]]
        assert int(str(page.get_attribute("#rule-message", "data-excluded"))) >= top["plays"]
        assert rules[0]["description"] in page.inner_text("#rules")
        screenshot(page, "web-rules")
        page = p.open("/")
        after = check_overview(p, db)
        assert after["plays"] < status["plays"]
        assert top["name"] not in page.inner_text("#top-artists")
        assert p.errors == []
        screenshot(page, "web-overview-excluded")
        p.page.close()


# --- without a browser: access, size cap, bad uploads ---------------------------------------------------------


def test_non_loopback_binding_needs_a_token() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("0.0.0.0")
    with pytest.raises(UsageError, match="access token"):
        check_binding("0.0.0.0", None)
    check_binding("0.0.0.0", "a-token")
    check_binding("127.0.0.1", None)


def test_token_is_required_when_set(tmp_path: Path) -> None:
    token = "s3cret-token"
    with background(create_app(tmp_path / "library.duckdb", token)) as url:
        assert httpx.get(f"{url}/api/status").status_code == 401
        assert httpx.get(f"{url}/").status_code == 401
        assert httpx.get(f"{url}/api/status", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert httpx.get(f"{url}/api/status?token=wrong").status_code == 401
        ok = httpx.get(f"{url}/api/status", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and ok.json()["plays"] == 0
        # ?token= once sets a cookie for the pages and their fetches, and the page drops it from its URL
        with httpx.Client(base_url=url) as client:
            first = client.get(f"/?token={token}&from=2020-01-01")
            assert first.status_code == 303 and first.headers["location"] == "/?from=2020-01-01"
            cookie = first.headers["set-cookie"].lower()
            assert "linernotes_token" in cookie and "httponly" in cookie and "samesite=strict" in cookie
            assert client.get("/?from=2020-01-01").status_code == 200
            assert client.get("/api/status").status_code == 200
        # a cookie left by an earlier server on this port does not lock the person out of the new one
        port = url.rsplit(":", 1)[1]
        with httpx.Client(base_url=url, cookies={f"linernotes_token_{port}": "old-token"}) as client:
            assert client.get("/api/status").status_code == 401
            fresh = client.get(f"/?token={token}")
            assert fresh.status_code == 303 and fresh.headers["location"] == "/"
            assert client.get("/api/status").status_code == 200


def test_loopback_dashboard_needs_the_token_on_every_route(tmp_path: Path) -> None:
    """127.0.0.1 is shared by every user of the machine: without the token nothing answers but 401."""
    from starlette.routing import Mount

    def routes(found: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
        for route in found:  # FastAPI keeps included routers as such: their routes are inside
            if hasattr(route, "original_router"):
                yield from routes(route.original_router.routes, prefix + route.include_context.prefix)
            else:
                yield prefix, route

    app = create_app(tmp_path / "library.duckdb")
    assert len(app.state.token) >= 32
    with background(app) as url:
        port = url.rsplit(":", 1)[1]
        paths = []
        for prefix, route in routes(app.routes):
            path = prefix + getattr(route, "path", "")
            if isinstance(route, Mount):
                path += "/app.js"  # a real static file
            methods = getattr(route, "methods", None) or {"GET"}
            paths += [(m, path.replace("{kind}", "artist").replace("{name}", "overview").replace("{rule_id}", "1"))
                      for m in methods if m != "HEAD"]
        assert ("POST", "/api/import") in paths and ("GET", "/static/app.js") in paths
        for method, path in paths:
            for headers in ({}, {**CHANGE, "Authorization": "Bearer not-the-token"},
                            {**CHANGE, "Cookie": f"linernotes_token_{port}=not-the-token"}):
                refused = httpx.request(method, url + path, headers=headers, content=b"PK")
                assert refused.status_code == 401, (method, path, refused.status_code)
                assert refused.json() == {"error": "an access token is needed: open the URL `linernotes serve` "
                                                   "printed"}
        auth = {**bearer(app), **CHANGE}
        assert httpx.get(f"{url}/static/app.js", headers=auth).status_code == 200
        assert httpx.get(f"{url}/", headers=auth).status_code == 200
        assert httpx.post(f"{url}/api/exclusions", json={"device": "speaker"}, headers=auth).status_code == 200


def test_loopback_answers_only_to_local_host_names_and_changes_need_the_header(
        empty_server: tuple[httpx.Client, Path]) -> None:
    client, _ = empty_server
    assert client.get("/api/status").status_code == 200
    assert client.get("/api/status", headers={"Host": "attacker.example"}).status_code == 403
    no_header = client.post("/api/exclusions", json={"artist": "X"})
    assert no_header.status_code == 403
    assert client.get("/api/exclusions").json() == []


def test_upload_over_the_cap_is_413_and_changes_nothing(empty_server: tuple[httpx.Client, Path]) -> None:
    client, _ = empty_server
    big = b"PK" + b"\0" * (65 * 1024)
    declared = client.post("/api/import?filename=big.zip", content=big, headers=CHANGE)
    assert declared.status_code == 413 and "64 KiB" in declared.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the cap is enforced while streaming
        for _ in range(70):
            yield b"\0" * 1024

    streamed = client.post("/api/import?filename=big.zip", content=chunks(), headers=CHANGE)
    assert streamed.status_code == 413
    status = client.get("/api/status").json()
    assert status["plays"] == 0 and status["imports"] == 0


def test_bad_upload_is_a_one_line_4xx_and_changes_nothing(empty_server: tuple[httpx.Client, Path]) -> None:
    client, _ = empty_server
    bad = client.post("/api/import?filename=../../notes.zip", content=b"not a zip at all", headers=CHANGE)
    assert bad.status_code == 400
    message = bad.json()["error"]
    assert message == ("notes.zip: not a listening history linernotes can read (unknown format: neither JSON nor a "
                       "CSV with a known header)")
    status = client.get("/api/status").json()
    assert status["plays"] == 0 and status["imports"] == 0
    # the server still works, and can write, after the failed import
    assert client.post("/api/exclusions", json={"device": "speaker"}, headers=CHANGE).status_code == 200


def test_api_errors_are_one_line_400s(empty_server: tuple[httpx.Client, Path]) -> None:
    client, _ = empty_server
    unknown = client.get("/api/insights/nope")
    assert unknown.status_code == 400 and unknown.json()["error"].startswith("unknown insight 'nope'")
    assert client.get("/api/insights/overview?from=yesterday").status_code == 400
    assert client.get("/api/insights/top?limit=many").status_code == 400
    assert client.post("/api/exclusions", json={"colour": "red"}, headers=CHANGE).status_code == 400
    assert client.get("/nowhere").status_code == 404


@pytest.mark.slow
def test_api_insights_are_the_cli_json(export_zip: Path, tmp_path: Path) -> None:
    from linernotes.library import open_library

    db = tmp_path / "library.duckdb"
    with open_library(db) as lib:
        lib.import_paths([export_zip])
    cases = [("overview", {}, []),
             ("sessions", {"from": "2021-01-01", "to": "2022-06-30", "gap-minutes": "30"},
              ["--from", "2021-01-01", "--to", "2022-06-30", "--gap-minutes", "30"]),
             ("top", {"entity": "tracks", "by": "plays", "limit": "5"},
              ["--entity", "tracks", "--by", "plays", "--limit", "5"])]
    app = create_app(db)
    with background(app) as url, httpx.Client(base_url=url, timeout=120, headers=bearer(app)) as client:
        for name, query, args in cases:
            served = client.get(f"/api/insights/{name}", params=query)
            assert served.status_code == 200
            assert served.json() == insight(db, name, *args), name
        track = insight(db, "top", "--entity", "tracks", "--limit", "1")["result"]["rows"][0]
        detail = client.get("/api/entity/track", params={"name": track["name"]}).json()
        assert (detail["by"], detail["rank"], detail["plays"], detail["ms_played"]) == (
            track["by"], 1, track["plays"], track["ms_played"])
        assert sum(m["ms_played"] for m in detail["by_month"]) == track["ms_played"]


@pytest.mark.slow
def test_serve_command_prints_its_url_and_logs_no_requests(tmp_path: Path) -> None:
    db = tmp_path / "library.duckdb"
    proc = subprocess.Popen([sys.executable, "-m", "linernotes", "serve", "--db", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("linernotes dashboard: http://127.0.0.1:"), line
        printed = line.split(": ", 1)[1].strip()
        url, _, query = printed.partition("/?token=")
        token = query
        assert len(token) >= 32, "loopback too: a token, carried once by the printed URL"
        for _ in range(200):
            try:
                response = httpx.get(f"{url}/api/status", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert response.status_code == 401  # another user of this machine, without the token
        assert httpx.get(f"{url}/").status_code == 401
        with httpx.Client() as browser_like:
            assert browser_like.get(printed, follow_redirects=True).status_code == 200
            status = browser_like.get(f"{url}/api/status")  # the cookie from the printed URL
            assert status.status_code == 200 and status.json()["plays"] == 0
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert (line + out).count(token) == 1  # printed once
    assert "GET /" not in out + err and "127.0.0.1:" not in err  # no access log, no client addresses


# --- the designed pages: charts, human headers, the identity, phone width ------------------------------------

SNAKE_CASE = r"^[a-z0-9]+(_[a-z0-9]+)+$"


@pytest.fixture(scope="module")
def designed_library(export_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from linernotes.library import open_library

    db = tmp_path_factory.mktemp("web-designed") / "library.duckdb"
    lib = open_library(db)
    lib.import_paths([export_zip])
    lib.close()
    return db


def drawn_charts(page: Any) -> int:
    """Charts with something drawn in them: SVG plots holding marks, and top lists holding bars."""
    return int(page.evaluate("""() => [...document.querySelectorAll('figure.chart')].filter(f =>
        f.querySelector('svg rect.mark, svg rect[class^=s], .timeline a')).length"""))


@pytest.mark.slow
def test_designed_pages_in_a_browser(browser: Any, designed_library: Path) -> None:
    import re

    from linernotes.identity import css_variables

    db = designed_library
    top = insight(db, "top", "--entity", "artists", "--limit", "1")["result"]["rows"][0]
    tracks = insight(db, "top", "--entity", "tracks", "--limit", "100000")["result"]["rows"]
    app = create_app(db)
    with background(app) as url:
        identity = httpx.get(f"{url}/static/identity.css", headers=bearer(app))
        assert identity.status_code == 200 and identity.text == css_variables()

        p = Page(browser, url, app.state.token)
        page = p.open("/")
        page.wait_for_selector("#time-chart[data-drawn='1']")
        page.wait_for_selector("#heatmap[data-drawn='1']")
        assert drawn_charts(page) >= 4
        # every chart has its sentence, which names its SVG for screen readers
        for svg in page.query_selector_all("figure.chart svg.plot"):
            label = page.evaluate("s => document.getElementById(s.getAttribute('aria-labelledby')).textContent", svg)
            assert label.strip().endswith(".")
        assert page.locator("#heatmap rect.mark").count() == 7 * 24

        # a period has a period before it: the top lists show rank moves
        page = p.open("/?from=2020-01-01&to=2020-12-31")
        page.wait_for_selector("#top-artists[data-loaded='1']")
        moves = page.eval_on_selector_all("#top-artists [data-key=rank_change]", "c => c.map(x => x.dataset.value)")
        year = ("--from", "2020-01-01", "--to", "2020-12-31")
        rows = insight(db, "top", "--entity", "artists", "--limit", "10", *year)["result"]["rows"]
        assert moves == ["" if r["rank_change"] is None else str(r["rank_change"]) for r in rows]

        # the artist page lists their top songs, as `top` counts them
        page = p.open(f"/artist?name={top['name']}")
        songs = page.eval_on_selector_all("#top-songs tbody tr", "rows => rows.map(r => r.dataset.name)")
        theirs = [t["name"] for t in tracks if t["by"] == top["name"]]
        assert songs and songs == theirs[:len(songs)]
        assert page.locator("#by-month .axis-label").count() > 2  # axis values

        # no table header on any page is a field name; no horizontal scroll on a phone
        pages = ["/", "/chapters", "/modes", f"/artist?name={top['name']}", f"/search?q={top['name'][:4]}", "/rules"]
        for path in pages:
            page = p.open(path)
            headers = page.eval_on_selector_all("th", "hs => hs.map(h => h.textContent)")
            assert not [h for h in headers if re.match(SNAKE_CASE, h.strip()) or "_" in h], (path, headers)
        # chapters: a band of the timeline and a card per chapter; modes: a card per mode
        page = p.open("/chapters")
        chapters = insight(db, "chapters")["result"]["chapters"]
        assert page.locator("#chapter-timeline .timeline a").count() == len(chapters) > 0
        page.wait_for_function(f"document.querySelectorAll('article[data-chapter]').length === {len(chapters)}")
        page = p.open("/modes")
        assert page.locator("article[data-mode]").count() == len(insight(db, "modes")["result"]["modes"])
        assert drawn_charts(page) >= 1
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto(f"{url}/?token={app.state.token}")
        for path in pages[:4]:
            phone.goto(url + path)
            phone.wait_for_selector("body[data-loaded='1']", timeout=60_000)
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390, path
        screenshot(phone, "web-overview-phone")
        phone.close()
        assert p.errors == []
        p.page.close()


@pytest.mark.slow
def test_page_numbers_are_written_as_formatting_writes_them(browser: Any, designed_library: Path) -> None:
    """The pages format in the browser (static/charts.js); what they write is what linernotes.formatting and
    units.format_hours write."""
    import datetime as dt

    from linernotes.formatting import format_date, format_date_range, format_percent
    from linernotes.units import format_hours

    app = create_app(designed_library)
    with background(app) as url:
        page = Page(browser, url, app.state.token).open("/search")
        for ms in (0, 59_000, 2_700_000, 5_580_000, 45_000_000, 4_883_573_898):
            assert page.evaluate(f"fmtH({ms})") == format_hours(ms, unit=" h", whole_from=10,
                                                                 minutes_under_an_hour=True)
        for share in (0.0, 0.004, 0.41, 0.999, 1.0):
            assert page.evaluate(f"fmtPct({share})") == format_percent(share)
        days = [("2014-05-25", "2014-05-25"), ("2014-05-03", "2014-05-09"), ("2014-05-25", "2014-06-02"),
                ("2014-05-25", "2016-05-12")]
        for a, b in days:
            assert page.evaluate(f"fmtDate('{a}')") == format_date(dt.date.fromisoformat(a))
            assert page.evaluate(f"fmtRange('{a}', '{b}')") == format_date_range(dt.date.fromisoformat(a),
                                                                                  dt.date.fromisoformat(b))


def test_no_two_dashboard_scripts_declare_the_same_name() -> None:
    """The pages' scripts are classic scripts sharing one global scope: a second top-level ``function spanChart``
    silently replaces the first, and every page drawn with the first breaks (it did, on /loyalty)."""
    static = Path(__file__).parents[1] / "src" / "linernotes" / "web" / "static"
    declared: dict[str, list[str]] = {}
    for script in sorted(static.rglob("*.js")):
        for name in re.findall(r"^(?:async\s+)?(?:function\s*\*?|const|let|var|class)\s+([A-Za-z_$][\w$]*)",
                               script.read_text(), flags=re.M):
            declared.setdefault(name, []).append(str(script.relative_to(static)))
    assert len(declared) > 100  # the scripts were read
    assert not {n: f for n, f in declared.items() if len(f) > 1}
