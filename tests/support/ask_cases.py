"""The ``ask`` question set: a small, deterministic library to ask about, and the scorer.

``tests/ask_cases.yaml`` holds phrasings as people write them, each with the insight, parameters, period,
filters and figure a correct reading gives. :func:`evaluate` asks each question and, independently, runs
the *expected* plan through the same registry; a case is fully correct when the insight, parameters,
period and filters match and the answer's figure equals the expected plan's figure.

:func:`build_case_library` writes the library the cases are about (names such as "Radiohead" or "Sigur Rós"
must exist): five years of listening, 2019-01-01 to 2024-03-19 (the cases' "today" is 2024-03-20), with a
different favourite each year, seasonal favourites, an artist of the night, one of the weekends, podcasts,
audiobooks, skips, devices and trips abroad. Same call → same library.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy as np

if TYPE_CHECKING:
    from linernotes.library import Library

CASES_TODAY = dt.date(2024, 3, 20)

# artist → (albums with tracks, base weight, skip probability)
CATALOGUE: dict[str, tuple[dict[str, list[str]], float, float]] = {
    "Radiohead": ({"OK Computer": ["Karma Police", "Paranoid Android", "No Surprises", "Let Down"],
                   "In Rainbows": ["Reckoner", "Weird Fishes", "Nude", "House of Cards"]}, 3.0, 0.05),
    "Björk": ({"Homogenic": ["Jóga", "Bachelorette", "Hunter"], "Post": ["Hyperballad", "Army of Me"]}, 1.5, 0.1),
    "Massive Attack": ({"Mezzanine": ["Teardrop", "Angel", "Inertia Creeps"]}, 1.5, 0.08),
    "Portishead": ({"Dummy": ["Glory Box", "Sour Times", "Roads"]}, 1.0, 0.08),
    "Nils Frahm": ({"Spaces": ["Says", "Hammers"], "All Melody": ["Sunson", "My Friend the Forest"]}, 1.0, 0.02),
    "Fleetwood Mac": ({"Rumours": ["Dreams", "The Chain", "Go Your Own Way", "Songbird"]}, 1.0, 0.1),
    "Daft Punk": ({"Discovery": ["One More Time", "Digital Love", "Harder Better Faster Stronger"],
                   "Random Access Memories": ["Get Lucky", "Instant Crush"]}, 1.5, 0.12),
    "Kendrick Lamar": ({"DAMN.": ["HUMBLE.", "DNA.", "LOYALTY."], "good kid, m.A.A.d city": ["Money Trees"]},
                       1.2, 0.15),
    "Boards of Canada": ({"Music Has the Right to Children": ["Roygbiv", "Aquarius", "Olson"]}, 0.8, 0.05),
    "Sigur Rós": ({"Ágætis byrjun": ["Svefn-g-englar", "Starálfur", "Olsen Olsen"]}, 0.8, 0.05),
    "The National": ({"Boxer": ["Fake Empire", "Slow Show", "Apartment Story"]}, 1.2, 0.07),
    "Phoebe Bridgers": ({"Punisher": ["Kyoto", "Garden Song", "I Know the End"]}, 1.0, 0.06),
    "Beyoncé": ({"Renaissance": ["Break My Soul", "Cuff It", "Alien Superstar"]}, 1.0, 0.2),
    "Aurora Lane": ({"Northern": ["Glow", "Drift", "Polar Night"]}, 0.6, 0.05),
    "Night Tram": ({"Depot": ["Last Stop", "Loop", "Terminus"]}, 0.6, 0.05),
    "Noise Unit": ({"Hum": ["Static", "Feedback"]}, 0.5, 0.9),
}
# each year's favourite (gets a big boost), and artists that arrive late (never played before their year)
FAVOURITE = {2019: "Radiohead", 2020: "Massive Attack", 2021: "Daft Punk", 2022: "Kendrick Lamar",
             2023: "Phoebe Bridgers", 2024: "Night Tram"}
ARRIVES = {"Phoebe Bridgers": dt.date(2020, 7, 14), "Beyoncé": dt.date(2022, 7, 29),
           "Night Tram": dt.date(2023, 11, 6), "Aurora Lane": dt.date(2021, 4, 2)}
SUMMER_FAVOURITE = "Fleetwood Mac"  # June–August, every year
PODCASTS = {"Deep Dive": 40, "The Daily Hour": 25}
AUDIOBOOKS = {"Dune": 12, "The Long Road": 8}
HOME = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
PHONE = "Android OS 13 API 33 (Google, Pixel 7)"
LAPTOP = "OS X 14.2.1 [x86 8]"
SPEAKER = "Partner sonos_speaker;Sonos;Play:1;"


def _uri(kind: str, text: str) -> str:
    return f"spotify:{kind}:" + hashlib.md5(text.encode()).hexdigest()[:22]


def _record(end_utc: dt.datetime, device: str, ms: int, country: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "ts": end_utc.strftime("%Y-%m-%dT%H:%M:%SZ"), "username": "ask-cases", "platform": device,
        "ms_played": int(ms), "conn_country": country, "ip_addr": None, "master_metadata_track_name": None,
        "master_metadata_album_artist_name": None, "master_metadata_album_album_name": None,
        "spotify_track_uri": None, "episode_name": None, "episode_show_name": None, "spotify_episode_uri": None,
        "audiobook_title": None, "audiobook_uri": None, "audiobook_chapter_uri": None,
        "audiobook_chapter_title": None, "reason_start": "trackdone", "reason_end": "trackdone", "shuffle": False,
        "skipped": False, "offline": False, "offline_timestamp": None, "incognito_mode": False,
    }
    base.update(fields)
    return base


def case_records(seed: int = 20240320) -> list[dict[str, Any]]:
    """The plays of the case library, as Spotify Extended records (Gen C keys)."""
    rng = np.random.default_rng(seed)
    artists = list(CATALOGUE)
    base_w = np.array([CATALOGUE[a][1] for a in artists])
    tracks = {a: [(alb, t) for alb, ts in CATALOGUE[a][0].items() for t in ts] for a in artists}
    records: list[dict[str, Any]] = []
    day = dt.date(2019, 1, 1)
    last = dt.date(2024, 3, 19)
    episode_no = dict.fromkeys(PODCASTS, 0)
    chapter_no = dict.fromkeys(AUDIOBOOKS, 0)
    trips = [(dt.date(2019, 8, 10), dt.date(2019, 8, 20)), (dt.date(2022, 10, 1), dt.date(2022, 10, 12))]
    while day <= last:
        weekend = day.isoweekday() >= 6
        in_japan = any(a <= day <= b for a, b in trips)
        tz, country = (TOKYO, "JP") if in_japan else (HOME, "DE")
        weights = base_w.copy()
        for i, a in enumerate(artists):
            if a in ARRIVES and day < ARRIVES[a]:
                weights[i] = 0
        fav = FAVOURITE.get(day.year)
        if fav is not None and (fav not in ARRIVES or day >= ARRIVES[fav]):
            weights[artists.index(fav)] += 6.0
        portishead = artists.index("Portishead")
        if dt.date(2020, 1, 1) <= day <= dt.date(2021, 6, 30):
            weights[portishead] += 3.0  # a favourite of 2020 ...
        elif day > dt.date(2021, 6, 30):
            weights[portishead] = 0  # ... then forgotten
        if day.month in (6, 7, 8):
            weights[artists.index(SUMMER_FAVOURITE)] += 5.0
        # a binge: "Loop" by Night Tram on repeat, 2024-01-15..17
        binge = dt.date(2024, 1, 15) <= day <= dt.date(2024, 1, 17) or dt.date(2022, 5, 10) <= day <= dt.date(
            2022, 5, 13)
        n_sessions = int(rng.poisson(1.3 if not weekend else 1.8))
        if day.year == 2021 and day.month == 11 and day.day <= 20:
            n_sessions = 0  # a long break
        slots = []
        for _ in range(n_sessions):
            slot = rng.choice(["morning", "evening", "night", "afternoon"], p=[0.35, 0.35, 0.15, 0.15])
            slots.append(str(slot))
        if binge:
            slots.append("binge")
        for slot in slots:
            hour = {"morning": 7, "evening": 19, "night": 23, "afternoon": 14, "binge": 22}[slot]
            device = {"morning": PHONE, "evening": LAPTOP, "night": LAPTOP, "afternoon": SPEAKER if weekend else
                      PHONE, "binge": LAPTOP}[slot]
            start_local = dt.datetime.combine(day, dt.time(hour, int(rng.integers(0, 50))), tz)
            now = start_local.astimezone(dt.UTC)
            kind_roll = rng.random()
            if slot == "morning" and kind_roll < 0.25:  # a podcast episode on the way to work
                show = "Deep Dive" if rng.random() < 0.6 else "The Daily Hour"
                episode_no[show] += 1
                ms = int(rng.integers(10, 50) * 60_000)
                finished = rng.random() < 0.6
                end = now + dt.timedelta(milliseconds=ms)
                name = f"Episode {episode_no[show]}"
                records.append(_record(end, device, ms, country, episode_name=name, episode_show_name=show,
                                       spotify_episode_uri=_uri("episode", show + name),
                                       reason_end="trackdone" if finished else "endplay", reason_start="clickrow"))
                continue
            if slot == "evening" and kind_roll < 0.08:  # an audiobook chapter
                book = "Dune" if day.year <= 2021 else "The Long Road"
                chapter_no[book] = min(chapter_no[book] + 1, AUDIOBOOKS[book])
                ms = int(rng.integers(15, 40) * 60_000)
                end = now + dt.timedelta(milliseconds=ms)
                title = f"Chapter {chapter_no[book]}"
                records.append(_record(end, device, ms, country, audiobook_title=book, audiobook_uri=_uri("show", book),
                                       audiobook_chapter_title=title,
                                       audiobook_chapter_uri=_uri("episode", book + title), reason_end="endplay",
                                       reason_start="clickrow"))
                continue
            w = weights.copy()
            if slot == "night":
                w[artists.index("Nils Frahm")] += 8.0
                w[artists.index("Boards of Canada")] += 3.0
            if slot == "afternoon" and weekend:
                w[artists.index(SUMMER_FAVOURITE)] += 4.0
            n_plays = (8 if day.year == 2024 else 15) if slot == "binge" else int(rng.integers(3, 12))
            shuffle = bool(rng.random() < 0.3)
            for k in range(n_plays):
                if slot == "binge" and day.year == 2024:
                    artist, (album, track) = "Night Tram", ("Depot", "Loop")
                elif slot == "binge":
                    artist, (album, track) = "Björk", ("Post", "Army of Me")
                else:
                    artist = artists[int(rng.choice(len(artists), p=w / w.sum()))]
                    album, track = tracks[artist][int(rng.integers(0, len(tracks[artist])))]
                length = 150_000 + (int(hashlib.md5(track.encode()).hexdigest()[:4], 16) % 150) * 1000
                skipped = slot != "binge" and rng.random() < CATALOGUE[artist][2]
                ms = int(rng.integers(2, 25) * 1000) if skipped else length
                end = now + dt.timedelta(milliseconds=ms)
                records.append(_record(
                    end, device, ms, country, master_metadata_track_name=track,
                    master_metadata_album_artist_name=artist, master_metadata_album_album_name=album,
                    spotify_track_uri=_uri("track", artist + "|" + track), shuffle=shuffle, skipped=skipped,
                    reason_end="fwdbtn" if skipped else "trackdone",
                    reason_start="clickrow" if k == 0 else "trackdone", offline=bool(in_japan)))
                now = end + dt.timedelta(seconds=2)
            # an album heard whole, in order, now and then
            if slot == "afternoon" and rng.random() < 0.2:
                artist = "Radiohead"
                for k, track in enumerate(CATALOGUE[artist][0]["OK Computer"]):
                    end = now + dt.timedelta(seconds=240)
                    records.append(_record(end, device, 240_000, country, master_metadata_track_name=track,
                                           master_metadata_album_artist_name=artist,
                                           master_metadata_album_album_name="OK Computer",
                                           spotify_track_uri=_uri("track", artist + "|" + track),
                                           reason_start="clickrow" if k == 0 else "trackdone"))
                    now = end + dt.timedelta(seconds=2)
        day += dt.timedelta(days=1)
    return records


def build_case_library(path: str | Path, *, genres: bool = True) -> Path:
    """Write and import the case library at ``path`` (a new DuckDB file); returns the path. With ``genres``,
    most artists' plays get a genre, as an Apple Music export would give them (tests.support.genres)."""
    from linernotes.library import open_library
    from linernotes.synth.writers import KEYS_C
    from tests.support.genres import CASE_GENRES, tag_genres

    path = Path(path)
    export = path.with_suffix(".export")
    export.mkdir(parents=True, exist_ok=True)
    rows = [{k: r.get(k) for k in KEYS_C} for r in case_records()]
    file = export / "Streaming_History_Audio_2019-2024.json"
    file.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    with open_library(path) as lib:
        lib.import_paths([file])
        if genres:
            tag_genres(lib.con, CASE_GENRES)
    return path


# Invented MusicBrainz answers for the case library (what `linernotes enrich` would store): each album's release
# year for its tracks, found by a search for title and artist, and each artist's country. "Noise Unit" is not
# found (an unmatched answer), "Night Tram" has no country.
CASE_ALBUM_YEARS = {
    "OK Computer": 1997, "In Rainbows": 2007, "Homogenic": 1997, "Post": 1995, "Mezzanine": 1998, "Dummy": 1994,
    "Spaces": 2013, "All Melody": 2018, "Rumours": 1977, "Discovery": 2001, "Random Access Memories": 2013,
    "DAMN.": 2017, "good kid, m.A.A.d city": 2012, "Music Has the Right to Children": 1998,
    "Ágætis byrjun": 1999, "Boxer": 2007, "Punisher": 2020, "Renaissance": 2022, "Northern": 2019, "Depot": 2023,
}
CASE_COUNTRIES = {
    "Radiohead": "GB", "Björk": "IS", "Massive Attack": "GB", "Portishead": "GB", "Nils Frahm": "DE",
    "Fleetwood Mac": "GB", "Daft Punk": "FR", "Kendrick Lamar": "US", "Boards of Canada": "GB", "Sigur Rós": "IS",
    "The National": "US", "Phoebe Bridgers": "US", "Beyoncé": "US", "Aurora Lane": "NO", "Night Tram": None,
}


def enrich_case_library(con: Any) -> None:
    """Store the invented MusicBrainz answers above in the library behind ``con``, as `enrich` stores them."""
    for artist, (albums, _, _) in CATALOGUE.items():
        matched = artist in CASE_COUNTRIES
        con.execute("INSERT OR REPLACE INTO enrich_artists (name_key, name, matched, score, mbid, mb_name, country, "
                    "genres, tags, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, [], [], now())",
                    [artist.lower(), artist, matched, 100 if matched else 40,
                     str(uuid.uuid5(uuid.NAMESPACE_URL, "case-artist:" + artist)) if matched else None,
                     artist if matched else None, CASE_COUNTRIES.get(artist)])
        for album, titles in albums.items():
            year = CASE_ALBUM_YEARS.get(album)
            for title in titles:
                con.execute("INSERT OR REPLACE INTO enrich_tracks VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())",
                            [artist.lower(), title.lower(), artist, title, year is not None,
                             97 if year is not None else None,
                             str(uuid.uuid5(uuid.NAMESPACE_URL, f"case-track:{artist}:{title}")) if year else None,
                             year])


def decade_split(case: dict[str, Any]) -> str:
    """"dev" or "test" for a case of tests/ask_decade_cases.yaml: a fixed hash of its question."""
    digest = hashlib.sha256(f"decades|{case['q']}".encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "test"


def load_cases(path: str | Path) -> list[dict[str, Any]]:
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return list(data["cases"] if isinstance(data, dict) else data)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), abs_tol=0.051)
    return str(a) == str(b) if a is not None and b is not None else a is b


def _norm(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    if hasattr(value, "value"):
        return str(value.value)
    return str(value) if not isinstance(value, int) else value


def evaluate(path: str | Path, lib: Library, today: dt.date | str,
             keep: Callable[[dict[str, Any]], bool] | None = None) -> tuple[int, int, list[dict[str, Any]]]:
    """Ask every case (those ``keep`` keeps); returns (fully correct, total, failures with what differed)."""
    from linernotes.ask import ask
    from linernotes.ask.answer import answer_plan
    from linernotes.ask.intents import Plan

    today = _date(today) or CASES_TODAY
    cases = [c for c in load_cases(path) if keep is None or keep(c)]
    failures: list[dict[str, Any]] = []
    correct = 0
    for case in cases:
        question = str(case["q"])
        got = ask(lib, question, today, llm=False)
        problems: list[str] = []
        want_insight = case.get("insight")
        if want_insight is None:
            if got.understood:
                problems.append(f"should not be understood, got {got.insight}")
        else:
            want_params = _norm(case.get("params") or {})
            want_filters = _norm(case.get("filters") or {})
            start, end = _date(case.get("start")), _date(case.get("end"))
            if got.insight != want_insight:
                problems.append(f"insight {got.insight} != {want_insight}")
            if _norm(got.params) != want_params:
                problems.append(f"params {_norm(got.params)} != {want_params}")
            if got.start != start or got.end != end:
                problems.append(f"period {got.start}..{got.end} != {start}..{end}")
            if _norm(got.filters) != want_filters:
                problems.append(f"filters {_norm(got.filters)} != {want_filters}")
            if not problems:
                expected = Plan(question=question, text="", insight=want_insight, params=dict(case.get("params") or {}),
                                start=start, end=end, filters=dict(case.get("filters") or {}),
                                figure=str(case.get("figure", got.figure or "@auto")))
                oracle = answer_plan(expected, lib.con, lib.engine)
                if not _same(got.value, oracle.value):
                    problems.append(f"figure {got.figure}={got.value!r} != {expected.figure}={oracle.value!r}")
        if problems:
            failures.append({"q": question, "problems": problems, "explain": got.explain})
        else:
            correct += 1
    return correct, len(cases), failures


# -- the real-phrasing set: questions about real exports, answers computed by SQL -------------------------------
REAL_MACROS = {
    "{plays}": "(SELECT *, coalesce(ms_played >= 30000, true) AS counted FROM plays "
               "WHERE NOT coalesce(incognito, false))",
    "{music}": "(SELECT *, coalesce(ms_played >= 30000, true) AS counted FROM plays "
               "WHERE NOT coalesce(incognito, false) AND kind = 'track')",
    "{podcasts}": "(SELECT *, coalesce(ms_played >= 30000, true) AS counted FROM plays "
                  "WHERE NOT coalesce(incognito, false) AND kind IN ('episode', 'video'))",
}


def real_split(case: dict[str, Any]) -> str:
    """"dev" or "test": a fixed hash of the case's library and question (never of its answer)."""
    digest = hashlib.sha256(f"{case['lib']}|{case['q']}".encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "test"


def load_real(path: str | Path) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return dict(data["libraries"]), list(data["cases"])


def build_real_libraries(path: str | Path, shared: Path, folder: Path) -> dict[str, Path]:
    """Import each library of the real set from ``shared`` (../shared) into ``folder``; name → DuckDB file."""
    from linernotes.library import open_library

    libraries, _ = load_real(path)
    out: dict[str, Path] = {}
    for name, spec in libraries.items():
        db = folder / f"{name}.duckdb"
        if not db.exists():
            with open_library(db) as lib:
                lib.import_paths([shared / f for f in spec["files"]])
        out[name] = db
    return out


def expected_real(case: dict[str, Any], lib: Library) -> Any:
    sql = str(case["sql"])
    for macro, relation in REAL_MACROS.items():
        sql = sql.replace(macro, relation)
    rows = lib.con.execute(sql).fetchall()
    return rows[0][0] if rows else None


def same_answer(got: Any, want: Any) -> bool:
    """ask's figure against the SQL answer: numbers within 0.05, names ignoring case, dates by ISO text."""
    if want is None or got is None:
        return want is None and got is None
    if isinstance(want, dt.date):
        return str(got)[:10] == want.isoformat()[:10]
    if not isinstance(want, str) and not isinstance(got, str | bool):
        try:
            return math.isclose(float(got), float(want), abs_tol=0.051)
        except (TypeError, ValueError):
            return False
    return str(got).strip().casefold() == str(want).strip().casefold()


def evaluate_real(path: str | Path, dbs: dict[str, Path], split: str | None = None
                  ) -> tuple[int, int, list[dict[str, Any]]]:
    """Ask every case of the real set (one ``split`` or all): (fully correct, total, failures)."""
    from linernotes.ask import ask
    from linernotes.library import open_library

    libraries, cases = load_real(path)
    correct, total = 0, 0
    failures: list[dict[str, Any]] = []
    by_lib: dict[str, list[dict[str, Any]]] = {}
    for case in cases:
        if split is None or real_split(case) == split:
            by_lib.setdefault(str(case["lib"]), []).append(case)
    for name, group in by_lib.items():
        today = _date(libraries[name]["today"])
        with open_library(dbs[name], read_only=True) as lib:
            for case in group:
                total += 1
                got = ask(lib, str(case["q"]), today, llm=False)
                if case.get("unsure"):
                    ok = not got.understood and bool(got.can_answer)
                    want: Any = "(not understood, with suggestions)"
                else:
                    want = expected_real(case, lib)
                    ok = got.understood and same_answer(got.value, want)
                if ok:
                    correct += 1
                else:
                    failures.append({"lib": name, "q": case["q"], "want": want, "got": got.value,
                                     "sentence": got.sentence, "explain": got.explain})
    return correct, total, failures
