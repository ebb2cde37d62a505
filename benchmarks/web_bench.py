"""Dashboard speed on a big library: every data endpoint under 4 concurrent clients (`make bench`).

Builds a library like insight_bench.py does (default 1,000,000 plays; ``--db`` reuses a file, or builds
one there and keeps it), starts the real server (``linernotes serve``, a separate process, on 127.0.0.1),
calls each endpoint once to warm it (the first call builds the selection, trains the models: printed as
"cold", not judged) — the overview's and entity pages' endpoints, every registered insight with its default
options for the whole history and for ``--year`` (each insight page fetches its insight), and the story's
slides and first share card when the server tells a story (else it says "story: not served") — then runs
two phases with 4 clients (httpx, one thread each) at once: every endpoint
``--rounds`` times per client in shuffled order (the server caches answers until the library changes, so
this measures serving), and the period-taking endpoints for periods nobody asked for before (so every
answer is computed: the selection cut, the insight, the entity queries). Prints p50 and p95 per endpoint
and the p95's ratio to the 150 ms target; exits non-zero when an endpoint's p95 misses it.
Last, times writing the full HTML report in a fresh process with an empty model cache, so every model it
shows is trained (printed for information: the issue's target is 20 s).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from _common import library_arguments, verdict
from insight_bench import library_for
from linernotes.engine.registry import all_insights

TARGET_MS = 150.0
CLIENTS = 4

REPORT_CHILD = r"""
import json, sys, time
from linernotes.report import write_report
from linernotes.library import open_library
lib = open_library(sys.argv[1], read_only=True)
t0 = time.perf_counter()
write_report(lib, sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""


AUTH: dict[str, str] = {}  # the dashboard's access token, once the server printed it


def endpoints(base: str, year: int) -> dict[str, str]:
    """Every data endpoint the pages fetch, with the arguments a page would send."""
    y = f"from={year}-01-01&to={year}-12-31"
    top, track, album, show = (httpx.get(f"{base}/api/insights/top?entity={e}&limit=1", timeout=600, headers=AUTH)
                               .json()["result"]["rows"] for e in ("artists", "tracks", "albums", "shows"))
    artist = top[0]["name"] if top else "x"
    out = {
        "status": "/api/status",
        "overview (all)": "/api/insights/overview",
        f"overview ({year})": f"/api/insights/overview?{y}",
        **{f"top {e} ({year})": f"/api/insights/top?entity={e}&limit=10&{y}"
           for e in ("artists", "tracks", "albums", "shows")},
        "top artists (all)": "/api/insights/top?entity=artists&limit=10",
        "artist page": f"/api/entity/artist?name={quote(artist)}",
        f"artist page ({year})": f"/api/entity/artist?name={quote(artist)}&{y}",
        "track page": f"/api/entity/track?name={quote(track[0]['name'] if track else 'x')}",
        "album page": f"/api/entity/album?name={quote(album[0]['name'] if album else 'x')}",
        "show page": f"/api/entity/show?name={quote(show[0]['name'] if show else 'x')}",
        "search": f"/api/search?q={quote(artist[:4])}",
        "ask": f"/api/ask?q={quote(f'top artist in {year}')}",
        "chapters": "/api/insights/chapters",
        "modes": "/api/insights/modes",
        # the overview's charts: listening over time (the whole history's calendar), the heatmap, and the
        # chapter cards' signature tracks (top tracks by plays in a chapter's dates)
        "calendar (all)": "/api/insights/calendar",
        "clock (all)": "/api/insights/clock",
        f"clock ({year})": f"/api/insights/clock?{y}",
        f"chapter tracks ({year})": f"/api/insights/top?entity=tracks&by=plays&limit=3&{y}",
        "similar artists": f"/api/insights/similar?artist={quote(artist)}&limit=8",
        "exclusions": "/api/exclusions",
        "import progress": "/api/import/progress",
    }
    # Every insight's page fetches its insight with the default options: each one, whole history and a year.
    for name in sorted(i.name for i in all_insights()):
        out[f"{name} (all)"] = f"/api/insights/{name}"
        out[f"{name} ({year})"] = f"/api/insights/{name}?{y}"
    out.update(story_endpoints(base, y))
    return out


def story_endpoints(base: str, year_query: str) -> dict[str, str]:
    """The story page's slides (whole history and a year) and the share card of its first slide, when the
    server has a story to tell."""
    story = httpx.get(f"{base}/api/story", timeout=600, headers=AUTH)
    if story.status_code != 200:
        print(f"story: not served (/api/story answered {story.status_code})")
        return {}
    slides = story.json().get("slides") or []
    out = {"story (all)": "/api/story", "story (year)": f"/api/story?{year_query}"}
    if slides:
        out["story card"] = f"/api/story/card?slide={quote(str(slides[0]['id']))}&theme=light"
    else:
        print("story card: the whole history's story has no slide")
    return out


def start_server(db: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "linernotes", "serve", "--db", str(db)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("linernotes dashboard: "):
        proc.kill()
        sys.exit(f"the server did not start: {line!r}")
    # The printed URL carries the access token once; every request sends it as a Bearer header.
    printed = urlsplit(line.split(": ", 1)[1].strip())
    base = f"{printed.scheme}://{printed.netloc}"
    AUTH["Authorization"] = "Bearer " + parse_qs(printed.query)["token"][0]
    for _ in range(300):
        try:
            httpx.get(f"{base}/api/import/progress", timeout=1, headers=AUTH)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    return proc, base


def repeated(paths: dict[str, str], rounds: int, seed: int) -> list[tuple[str, str]]:
    """Every endpoint ``rounds`` times, shuffled: after the warm-up these are answered from the cache."""
    order = [(name, path) for name, path in paths.items() for _ in range(rounds)]
    random.Random(seed).shuffle(order)
    return order


def new_periods(paths: dict[str, str], rounds: int, seed: int, first: int, last: int) -> list[tuple[str, str]]:
    """The period-taking endpoints, each time for a period no one asked for yet (computed, never cached)."""
    rng = random.Random(seed)
    order = []
    for _ in range(rounds):
        for name in ("overview (all)", "top artists (all)", "artist page", "track page", "album page", "show page",
                     "clock (all)"):
            start = rng.randrange(first * 12, last * 12 + 1)
            end = min(start + rng.randrange(0, 24), last * 12 + 11)
            period = f"from={start // 12}-{start % 12 + 1:02d}-01&to={end // 12}-{end % 12 + 1:02d}-28"
            path = paths[name]
            order.append((name.replace("(all)", "").strip() + " (new period)",
                          f"{path}{'&' if '?' in path else '?'}{period}"))
    rng.shuffle(order)
    return order


def hammer(base: str, work: list[list[tuple[str, str]]]) -> dict[str, list[float]]:
    """One client (thread) per list of (name, path), all at once; the latencies by name."""
    times: dict[str, list[float]] = {}
    lock = threading.Lock()
    failures: list[str] = []

    def client(order: list[tuple[str, str]]) -> None:
        with httpx.Client(base_url=base, timeout=600, headers=AUTH) as http:
            for name, path in order:
                t0 = time.perf_counter()
                response = http.get(path)
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    times.setdefault(name, []).append(elapsed)
                    if response.status_code != 200:
                        failures.append(f"{name}: HTTP {response.status_code}")

    threads = [threading.Thread(target=client, args=(order,)) for order in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        sys.exit("requests failed: " + "; ".join(sorted(set(failures))))
    return times


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    library_arguments(parser)
    parser.add_argument("--year", type=int, default=2023, help="the period of the one-year requests")
    parser.add_argument("--rounds", type=int, default=10, help="calls of each endpoint per client")
    # A p95 over 40 samples is decided by its two slowest: 25 rounds give each endpoint 100 new periods.
    parser.add_argument("--new-rounds", type=int, default=25, help="new periods per period-taking endpoint and client")
    args = parser.parse_args()

    misses: list[str] = []
    with tempfile.TemporaryDirectory(prefix="linernotes-web-bench-") as tmp:
        db = library_for(args, Path(tmp))
        proc, base = start_server(db)
        try:
            paths = endpoints(base, args.year)
            print(f"\n{'endpoint':<28} {'cold':>9}", flush=True)
            for name, path in paths.items():
                t0 = time.perf_counter()
                httpx.get(base + path, timeout=600, headers=AUTH).raise_for_status()
                print(f"{name:<28} {(time.perf_counter() - t0) * 1000:>7.0f}ms", flush=True)
            status = httpx.get(f"{base}/api/status", timeout=600, headers=AUTH).json()
            first, last = int(status["first_play"][:4]), int(status["last_play"][:4])
            phases = {
                "repeated requests (answered from the cache after the warm-up above)":
                    [repeated(paths, args.rounds, seed) for seed in range(CLIENTS)],
                "new periods (each request a period not asked for before: computed)":
                    [new_periods(paths, args.new_rounds, seed, first, last) for seed in range(CLIENTS)],
            }
            results = {}
            for title, work in phases.items():
                t0 = time.perf_counter()
                results[title] = (hammer(base, work), time.perf_counter() - t0)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

        for title, (times, wall) in results.items():
            print(f"\n{CLIENTS} concurrent clients, {title}: {sum(map(len, times.values())):,} requests in "
                  f"{wall:.1f} s")
            print(f"{'endpoint':<28} {'p50':>8} {'p95':>8} {'p95 vs 150 ms':>14}")
            for name, values in sorted(times.items(), key=lambda kv: list(paths).index(kv[0])
                                       if kv[0] in paths else len(paths)):
                p50, p95 = pct(values, 50), pct(values, 95)
                flag = "" if p95 <= TARGET_MS else "  MISSED"
                if flag:
                    misses.append(f"{name}: p95 {p95:.0f} ms > {TARGET_MS:.0f} ms")
                print(f"{name:<28} {p50:>6.0f}ms {p95:>6.0f}ms {p95 / TARGET_MS:>14.2f}{flag}")

        # With an empty model cache: the report trains every model it shows (the worst case, a first report).
        env = {**os.environ, "LINERNOTES_CACHE": str(Path(tmp) / "model-cache")}
        done = subprocess.run([sys.executable, "-c", REPORT_CHILD, str(db), str(Path(tmp) / "report.html")],
                              capture_output=True, text=True, check=False, env=env)
        if done.returncode != 0:
            print(f"\nreport: writing it failed ({done.stderr.strip().splitlines()[-1:]})")
        else:
            seconds = json.loads(done.stdout.strip().splitlines()[-1])["seconds"]
            print(f"\nreport: written in {seconds:.2f} s (fresh process, read-only library, models trained from "
                  "scratch; target 20 s)")
    return verdict(misses, "dashboard speed")


if __name__ == "__main__":
    sys.exit(main())
