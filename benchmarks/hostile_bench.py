"""Hostile inputs: memory and time of `linernotes import` on files built to exhaust them (issue 13).

Builds in a temporary folder, never in the repository:

  (1) a zip of a few MB whose one Spotify-like JSON member inflates to ~600 MB (a Streaming_History_Audio
      array holding one record whose track name is ~600 MB);
  (2) a plain ~300 MB JSON file on one line (an Extended history array of many records);
  (3) a nested zip of ~300 KB: an outer zip holding an inner zip with one 50 MB stored member and 1,200 tiny
      history files (every member of the inner zip used to re-inflate the whole inner zip);
  (4) a zip of 20,000 tiny history files (every entry used to re-parse the whole central directory);
  (5)-(8) ~300 MB scrobble exports of ordinary records, which used to be parsed whole: a Last.fm CSV
      (lastfm.ghan.nl, ~2M rows), a Last.fm JSON list of API pages (~860k scrobbles), an older ListenBrainz
      JSON array and a ListenBrainz JSON Lines file (~700k listens each).

Each case runs `python -m linernotes import FILE --db NEW_LIBRARY` in a fresh process (this script's
``--child`` mode, so that ``RUSAGE_CHILDREN`` holds the import alone) and reports its wall time, peak RSS and
outcome: imported, or refused with a one-line error. Targets: peak RSS <= 1 GiB for every case; cases 3
and 4 finish (import or clean refusal) in under 10 s each. Exit status 1 if a target is missed.

    python benchmarks/hostile_bench.py            # all eight cases
    python benchmarks/hostile_bench.py --cases 3 4
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

MiB = 1 << 20
RSS_TARGET_MIB = 1024
SECONDS_TARGET = 10.0
# A case still running after this is killed, and missed.
TIMEOUT = {1: 600.0, 2: 600.0, 3: 120.0, 4: 120.0, 5: 600.0, 6: 600.0, 7: 600.0, 8: 600.0}

START = datetime.datetime(2012, 1, 1)
# A synthetic Extended-history record (the key set of a real Gen C export; every value invented).
RECORD = {
    "ts": "2023-03-14T18:05:00Z",
    "platform": "android",
    "ms_played": 200000,
    "conn_country": "DE",
    "ip_addr": "198.51.100.9",
    "master_metadata_track_name": "Bench Song",
    "master_metadata_album_artist_name": "Bench Band",
    "master_metadata_album_album_name": "Bench Album",
    "spotify_track_uri": "spotify:track:0000000000000000benchA",
    "episode_name": None,
    "episode_show_name": None,
    "spotify_episode_uri": None,
    "audiobook_title": None,
    "audiobook_uri": None,
    "audiobook_chapter_uri": None,
    "audiobook_chapter_title": None,
    "reason_start": "trackdone",
    "reason_end": "endplay",
    "shuffle": False,
    "skipped": False,
    "offline": False,
    "offline_timestamp": 1678816900,
    "incognito_mode": False,
}


def low_entropy_block(seed: int) -> bytes:
    """1 MiB of letters that deflate about 180x: just under the 200x a member may expand before it is
    treated as a zip bomb, so the hostile files get past that check and test what comes after it."""
    rng = random.Random(seed)
    parts, n = [], 0
    while n < MiB:
        run = rng.randrange(400, 800)
        parts.append(b"a" * run + bytes([rng.randrange(98, 123)]))
        n += run + 1
    return b"".join(parts)[:MiB]


def one_record_file(i: int) -> bytes:
    record = dict(RECORD, ts=f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
                  master_metadata_track_name=f"Track {i}")
    return json.dumps([record]).encode()


def build_giant_member(path: Path, mib: int) -> None:
    """(1) One JSON member whose only record has a ``mib`` MiB track name, written in pieces."""
    head, tail = json.dumps([dict(RECORD, master_metadata_track_name="@")]).encode().split(b"@")
    block = low_entropy_block(1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("Spotify Extended Streaming History/Streaming_History_Audio_2023.json", "w") as member:
        member.write(head)
        for _ in range(mib):
            member.write(block)
        member.write(tail)


def build_one_line_json(path: Path, mib: int) -> None:
    """(2) An Extended history array on a single line, ``mib`` MiB of ordinary records."""
    with path.open("wb") as f:
        f.write(b"[")
        written, i = 0, 0
        while written < mib * MiB:
            when = START + datetime.timedelta(seconds=200 * i)  # distinct plays, none a duplicate
            record = dict(RECORD, ts=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                          master_metadata_track_name=f"Track {i % 5000}",
                          master_metadata_album_artist_name=f"Artist {i % 700}",
                          spotify_track_uri=f"spotify:track:{i % 5000:022d}")
            data = (b"," if i else b"") + json.dumps(record, separators=(",", ":")).encode()
            f.write(data)
            written += len(data)
            i += 1
        f.write(b"]")


def build_nested(path: Path, big_mib: int, tiny: int) -> None:
    """(3) outer.zip > inner.zip > one stored ``big_mib`` MiB member and ``tiny`` one-record history files."""
    inner_path = path.with_suffix(".inner")
    block = low_entropy_block(2)
    with zipfile.ZipFile(inner_path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open(zipfile.ZipInfo("blob.bin"), "w") as member:  # ZipInfo's default method: stored
            for _ in range(big_mib):
                member.write(block)
        for i in range(tiny):
            zf.writestr(f"Streaming_History_Audio_{i}.json", one_record_file(i))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(inner_path, "my_spotify_data.zip")
    inner_path.unlink()


def build_many(path: Path, n: int) -> None:
    """(4) ``n`` one-record history files in one zip."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(n):
            zf.writestr(f"Spotify Extended Streaming History/Streaming_History_Audio_{i}.json", one_record_file(i))


LASTFM_START = 1_300_000_000  # 2011: scrobbles 60 s apart stay in the past
MBID = "00000000-0000-4000-8000-000000000001"  # synthetic


def _write_until(path: Path, mib: int, head: bytes, record: Callable[[int], bytes], sep: bytes, tail: bytes) -> None:
    """``head``, then ``record(i)`` for i = 0, 1, ... joined by ``sep`` until ``mib`` MiB, then ``tail``."""
    with path.open("wb") as f:
        f.write(head)
        written, i, batch = 0, 0, []
        while written < mib * MiB:
            data = record(i)
            batch.append(data)
            written += len(data) + len(sep)
            i += 1
            if len(batch) == 10_000:
                f.write(sep.join(batch) + sep)
                batch = []
        f.write(sep.join(batch))
        f.write(tail)


def _scrobble_time(uts: int) -> str:
    """A scrobble's UTC time as lastfm.ghan.nl writes it ("11 Jan 2020, 09:07"), from its own timestamp."""
    return time.strftime("%d %b %Y, %H:%M", time.gmtime(uts))


def build_lastfm_csv(path: Path, mib: int) -> None:
    """(5) A lastfm.ghan.nl CSV of ordinary scrobbles (~150 bytes a row: 300 MB is ~2M rows)."""
    def row(i: int) -> bytes:
        uts = LASTFM_START + 60 * i
        artist_mbid = MBID if i % 2 == 0 else ""
        track_mbid = MBID if i % 3 else ""
        return (f'"{uts}","{_scrobble_time(uts)}","Artist number {i % 700}","{artist_mbid}","Album title {i % 900}",'
                f'"","Track title {i % 5000}","{track_mbid}"').encode()
    _write_until(path, mib, b"uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\n", row, b"\n",
                 b"\n")


def build_lastfm_json(path: Path, mib: int) -> None:
    """(6) A lastfm.ghan.nl JSON list of user.getRecentTracks pages of 200 scrobbles (~360 bytes each)."""
    def track(i: int) -> dict[str, object]:
        uts = LASTFM_START + 60 * i
        return {"artist": {"mbid": MBID if i % 3 == 0 else "", "#text": f"Artist {i % 700}"}, "streamable": "0",
                "image": [{"size": s, "#text": f"https://lastfm.freetls.fastly.net/i/u/{s}/x.png"}
                          for s in ("small", "large")],
                "mbid": "", "album": {"mbid": "", "#text": f"Album {i % 900}"}, "name": f"Track {i % 5000}",
                "url": "https://www.last.fm/music/x/_/y", "date": {"uts": str(uts), "#text": _scrobble_time(uts)}}

    def page(p: int) -> bytes:
        tracks = [track(p * 200 + k) for k in range(200)]
        return json.dumps({"recenttracks": {"track": tracks, "@attr": {"page": str(p + 1), "perPage": "200"}}},
                          separators=(",", ":")).encode()
    _write_until(path, mib, b"[", page, b",", b"]")


def _listen(i: int) -> bytes:
    """One ListenBrainz listen shaped like the real export's (~410 bytes)."""
    return json.dumps({
        "inserted_at": LASTFM_START + 60 * i + 0.5, "listened_at": LASTFM_START + 60 * i,
        "track_metadata": {
            "track_name": f"Track {i % 5000}", "artist_name": f"Artist {i % 700}", "release_name": f"Album {i % 900}",
            "mbid_mapping": {"artist_mbids": [MBID], "recording_mbid": MBID, "release_mbid": MBID},
            "additional_info": {"duration_ms": 200_000, "origin_url": "https://open.spotify.com/track/0000000000000000bench01",
                                "submission_client": "listenbrainz", "music_service": "spotify.com"}},
    }, separators=(",", ":")).encode()


def build_listenbrainz_json(path: Path, mib: int) -> None:
    """(7) The older ListenBrainz export: one JSON array of listens."""
    _write_until(path, mib, b"[", _listen, b",", b"]")


def build_listenbrainz_jsonl(path: Path, mib: int) -> None:
    """(8) A ListenBrainz listens/<YYYY>/<M>.jsonl member, as a plain file."""
    _write_until(path, mib, b"", _listen, b"\n", b"\n")


@dataclass
class Outcome:
    seconds: float
    peak_mib: float
    status: str  # "imported N plays", "refused: ...", "failed: ...", "killed after N s" or "at N MiB RSS"
    finished: bool  # imported or refused cleanly (one line, no traceback)


def run_child(file: Path, db: Path, timeout: float, kill_mib: float) -> None:
    """--child: run one import, print what it cost as JSON (RUSAGE_CHILDREN is that import alone).

    The import is killed when it runs past ``timeout`` or its RSS passes ``kill_mib``: a hostile file must not
    take the machine down with it.
    """
    import psutil

    # Output goes to files, not pipes: nobody reads a pipe while the import runs, and a full one would block it.
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "linernotes", "import", str(file), "--db", str(db), "--json"],
                                stdout=out_file, stderr=err_file, text=True)
        watched, killed = psutil.Process(proc.pid), ""
        while proc.poll() is None:
            try:
                rss_mib = watched.memory_info().rss / MiB
            except psutil.Error:
                rss_mib = 0.0
            if rss_mib > kill_mib or time.perf_counter() - start > timeout:
                killed = f"at {rss_mib:.0f} MiB RSS" if rss_mib > kill_mib else f"after {timeout:.0f} s"
                proc.kill()
                break
            time.sleep(0.05)
        proc.wait()
        seconds = time.perf_counter() - start
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"rc": proc.returncode, "killed": killed, "seconds": seconds, "peak_kib": peak_kib,
                      "stdout": out, "stderr": err}))


def measure(file: Path, db: Path, timeout: float, kill_mib: float) -> Outcome:
    done = subprocess.run([sys.executable, __file__, "--child", str(file), str(db), str(timeout), str(kill_mib)],
                          capture_output=True, text=True, check=True)
    got = json.loads(done.stdout)
    rc, err = got["rc"], got["stderr"].strip()
    shown = err.replace(str(file.parent), "<tmp>")
    if got["killed"]:
        status, finished = f"killed {got['killed']}", False
    elif rc == 0:
        report = json.loads(got["stdout"])
        status, finished = f"imported {report['plays_after'] - report['plays_before']:,} plays", True
    elif rc == 2 and "\n" not in err and err.startswith("error: "):
        status, finished = f"refused: {shown[len('error: '):]}", True
    else:
        status, finished = f"failed (exit {rc}): {shown.splitlines()[-1] if shown else ''}", False
    return Outcome(got["seconds"], got["peak_kib"] / 1024, status, finished)


@dataclass(frozen=True)
class Case:
    no: int
    name: str
    file: str
    build: Callable[[Path], None]
    timed: bool  # held to the seconds target


def cases(scale: float) -> Iterator[Case]:
    yield Case(1, "zip, one member inflating to ~600 MB", "giant_member.zip",
               lambda p: build_giant_member(p, int(600 * scale)), False)
    yield Case(2, "plain ~300 MB one-line JSON", "Streaming_History_Audio_2023.json",
               lambda p: build_one_line_json(p, int(300 * scale)), False)
    yield Case(3, "nested zip: 50 MB member + 1,200 tiny", "nested.zip",
               lambda p: build_nested(p, max(1, int(50 * scale)), 1200), True)
    yield Case(4, "zip of 20,000 tiny entries", "many.zip", lambda p: build_many(p, 20_000), True)
    big = int(300 * scale)
    yield Case(5, "Last.fm CSV ~300 MB", "recenttracks-bench-1700000000.csv", lambda p: build_lastfm_csv(p, big),
               False)
    yield Case(6, "Last.fm JSON pages ~300 MB", "recenttracks-bench-1700000000.json",
               lambda p: build_lastfm_json(p, big), False)
    yield Case(7, "ListenBrainz JSON array ~300 MB", "bench_lb-2025-06-03.json",
               lambda p: build_listenbrainz_json(p, big), False)
    yield Case(8, "ListenBrainz JSON Lines ~300 MB", "6.jsonl", lambda p: build_listenbrainz_jsonl(p, big), False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=list(range(1, 9)),
                        choices=range(1, 9))
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the big sizes (quick runs: 0.1)")
    parser.add_argument("--kill-mib", type=float, default=2560,
                        help="kill an import whose RSS passes this many MiB (default 2560)")
    parser.add_argument("--child", nargs=4, metavar=("FILE", "DB", "TIMEOUT", "KILL_MIB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(Path(args.child[0]), Path(args.child[1]), float(args.child[2]), float(args.child[3]))
        return 0

    rows: list[tuple[Case, int, Outcome]] = []
    misses: list[str] = []
    with tempfile.TemporaryDirectory(prefix="linernotes-hostile-") as tmp:
        for case in cases(args.scale):
            if case.no not in args.cases:
                continue
            path = Path(tmp) / case.file
            t0 = time.perf_counter()
            case.build(path)
            size = path.stat().st_size
            print(f"({case.no}) built {case.name}: {size / MiB:.2f} MiB in {time.perf_counter() - t0:.1f} s",
                  flush=True)
            outcome = measure(path, Path(tmp) / f"lib{case.no}.duckdb", TIMEOUT[case.no], args.kill_mib)
            print(f"    {outcome.seconds:.1f} s, peak RSS {outcome.peak_mib:.0f} MiB, {outcome.status}", flush=True)
            path.unlink()
            rows.append((case, size, outcome))
            if outcome.peak_mib > RSS_TARGET_MIB:
                misses.append(f"({case.no}) peak RSS {outcome.peak_mib:.0f} MiB > {RSS_TARGET_MIB}")
            if not outcome.finished:
                misses.append(f"({case.no}) did not finish cleanly: {outcome.status}")
            elif case.timed and outcome.seconds >= SECONDS_TARGET:
                misses.append(f"({case.no}) took {outcome.seconds:.1f} s >= {SECONDS_TARGET:.0f}")

    print()
    print(f"{'case':<42} {'input':>10} {'wall':>8} {'peak RSS':>10}  outcome")
    for case, size, outcome in rows:
        print(f"({case.no}) {case.name:<38} {size / MiB:>6.1f} MiB {outcome.seconds:>6.1f} s "
              f"{outcome.peak_mib:>6.0f} MiB  {outcome.status}")
    print(f"\ntargets: peak RSS <= {RSS_TARGET_MIB} MiB each; cases 3 and 4 import or refuse cleanly "
          f"in < {SECONDS_TARGET:.0f} s")
    if misses:
        print("MISSED: " + "; ".join(misses))
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
