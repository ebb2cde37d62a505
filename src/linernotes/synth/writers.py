"""Writers that turn a :class:`~linernotes.synth.model.History` into files in the real export formats.

Each writer takes the history and a target path, writes, records a manifest in ``history.written`` (so it
ends up in the ground truth) and returns that manifest. Output is byte-identical for the same history: zip
entries carry a fixed timestamp and every random choice a writer makes comes from its own seeded stream.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from linernotes.units import MS_PER_HOUR

from .model import (
    EXTRA_DUP_OTHER_FILE,
    EXTRA_NONE,
    EXTRA_STORM,
    FILE_AUDIO,
    FILE_VIDEO,
    ITEM_CHAPTER,
    ITEM_EPISODE,
    ITEM_NONE,
    ITEM_TRACK,
    REASONS,
    UTC_OFFSET_HOURS,
    History,
)

PART_SIZE = 16_000  # records per Extended part (docs/formats.md §1.2)
ACCOUNT_PART_SIZE = 10_000  # Account-data files hold at most this many records (§2.2)
EXTENDED_DIR = "Spotify Extended Streaming History"
ACCOUNT_DIR = "Spotify Account Data"

KEYS_A = (
    "ts",
    "username",
    "platform",
    "ms_played",
    "conn_country",
    "ip_addr_decrypted",
    "user_agent_decrypted",
    "master_metadata_track_name",
    "master_metadata_album_artist_name",
    "master_metadata_album_album_name",
    "spotify_track_uri",
    "episode_name",
    "episode_show_name",
    "spotify_episode_uri",
    "reason_start",
    "reason_end",
    "shuffle",
    "skipped",
    "offline",
    "offline_timestamp",
    "incognito_mode",
)
KEYS_B = (
    "ts",
    "platform",
    "ms_played",
    "conn_country",
    "ip_addr",
    "master_metadata_track_name",
    "master_metadata_album_artist_name",
    "master_metadata_album_album_name",
    "spotify_track_uri",
    "episode_name",
    "episode_show_name",
    "spotify_episode_uri",
    "reason_start",
    "reason_end",
    "shuffle",
    "skipped",
    "offline",
    "offline_timestamp",
    "incognito_mode",
)
_AUDIOBOOK_KEYS = ("audiobook_title", "audiobook_uri", "audiobook_chapter_uri", "audiobook_chapter_title")
_I = KEYS_B.index("spotify_episode_uri") + 1
KEYS_C = KEYS_B[:_I] + _AUDIOBOOK_KEYS + KEYS_B[_I:]
KEYS_BY_GENERATION = {"A": KEYS_A, "B": KEYS_B, "C": KEYS_C}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FAKE_PDF = b"%PDF-1.4\n% linernotes synthetic placeholder\n%%EOF"


# --------------------------------------------------------------------------------------------------------
# output sinks: a folder or a zip, same call


class _Sink:
    """Write named files either under a folder or into a deflated zip with fixed timestamps."""

    def __init__(self, target: Path, as_zip: bool, date_time: tuple[int, int, int, int, int, int]) -> None:
        self.target = target
        self.as_zip = as_zip
        self.date_time = date_time
        self.names: list[str] = []
        target.parent.mkdir(parents=True, exist_ok=True)
        self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) if as_zip else None
        if not as_zip:
            target.mkdir(parents=True, exist_ok=True)

    def put(self, name: str, data: bytes) -> None:
        self.names.append(name)
        if self._zip is not None:
            info = zipfile.ZipInfo(name, date_time=self.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            # Level 1: real exports are plain deflate too; the level only trades size for speed.
            self._zip.writestr(info, data, compresslevel=1)
        else:
            path = self.target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _export_time(h: History) -> int:
    """The (fake) moment the export was made: the day after the history ends, at noon UTC."""
    return _parse_iso(h.truth["span"]["end"]) + 12 * 3600 + 1


def _parse_iso(s: str) -> int:
    return int(np.datetime64(s.rstrip("Z"), "s").astype(np.int64))


def _date_time(h: History) -> tuple[int, int, int, int, int, int]:
    d = np.datetime64(_export_time(h), "s").astype(object)
    return (d.year, d.month, d.day, d.hour, d.minute, d.second)


def _writer_rng(h: History, salt: int) -> np.random.Generator:
    return np.random.default_rng([h.params.seed, salt])


def _sink_for(h: History, path: str | os.PathLike[str]) -> _Sink:
    p = Path(path)
    return _Sink(p, p.suffix.lower() == ".zip", _date_time(h))


# --------------------------------------------------------------------------------------------------------
# Spotify Extended


def _iso_z(ts: np.ndarray) -> list[str]:
    s = np.datetime_as_string(ts.astype("datetime64[s]"), unit="s")
    return (s.astype(object) + "Z").tolist()  # type: ignore[no-any-return]


def _pick(table: np.ndarray, kinds: np.ndarray, ids: np.ndarray, kind: int) -> np.ndarray:
    out = np.full(len(ids), None, dtype=object)
    m = kinds == kind
    out[m] = table[ids[m]]
    return out


def _extended_records(h: History, idx: np.ndarray, generation: str) -> list[dict[str, Any]]:
    """Build the record dicts for rows ``idx`` in the key order of ``generation``."""
    r = {k: v[idx] for k, v in h.rows.items()}
    cat = h.catalogue
    ik, iid = r["item_kind"], r["item_id"]
    track_artist = _pick(cat.track_artist.astype(object), ik, iid, ITEM_TRACK)
    track_album = _pick(cat.track_album.astype(object), ik, iid, ITEM_TRACK)
    has_track = ik == ITEM_TRACK
    artist = np.full(len(idx), None, dtype=object)
    album = np.full(len(idx), None, dtype=object)
    artist[has_track] = cat.artist_name[track_artist[has_track].astype(np.int64)]
    album[has_track] = cat.album_name[track_album[has_track].astype(np.int64)]
    ep_show = _pick(cat.episode_show.astype(object), ik, iid, ITEM_EPISODE)
    is_ep = ik == ITEM_EPISODE
    show = np.full(len(idx), None, dtype=object)
    show[is_ep] = cat.show_name[ep_show[is_ep].astype(np.int64)]
    is_ch = ik == ITEM_CHAPTER
    book = np.full(len(idx), None, dtype=object)
    book_uri = np.full(len(idx), None, dtype=object)
    book_of = np.where(is_ch, cat.chapter_book[np.where(is_ch, iid, 0)], 0)
    book[is_ch] = cat.book_title[book_of[is_ch]]
    book_uri[is_ch] = cat.book_uri[book_of[is_ch]]
    ip_table = np.array([None] + [f"198.51.100.{i}" for i in range(256)], dtype=object)
    reasons = np.array(REASONS, dtype=object)
    offline_table = np.array([False, True, None], dtype=object)
    cols: dict[str, list[Any]] = {
        "ts": _iso_z(r["ts_end"]),
        "platform": np.array(h.platforms, dtype=object)[r["platform"]].tolist(),
        "ms_played": r["ms_played"].tolist(),
        "conn_country": np.array(h.countries, dtype=object)[r["country"]].tolist(),
        "ip": ip_table[r["ip_octet"].astype(np.int64) + 1].tolist(),
        "master_metadata_track_name": _pick(cat.track_name, ik, iid, ITEM_TRACK).tolist(),
        "master_metadata_album_artist_name": artist.tolist(),
        "master_metadata_album_album_name": album.tolist(),
        "spotify_track_uri": _pick(cat.track_uri, ik, iid, ITEM_TRACK).tolist(),
        "episode_name": _pick(cat.episode_name, ik, iid, ITEM_EPISODE).tolist(),
        "episode_show_name": show.tolist(),
        "spotify_episode_uri": _pick(cat.episode_uri, ik, iid, ITEM_EPISODE).tolist(),
        "audiobook_title": book.tolist(),
        "audiobook_uri": book_uri.tolist(),
        "audiobook_chapter_uri": _pick(cat.chapter_uri, ik, iid, ITEM_CHAPTER).tolist(),
        "audiobook_chapter_title": _pick(cat.chapter_title, ik, iid, ITEM_CHAPTER).tolist(),
        "reason_start": reasons[r["reason_start"]].tolist(),
        "reason_end": reasons[r["reason_end"]].tolist(),
        "shuffle": r["shuffle"].tolist(),
        "offline": offline_table[r["offline"]].tolist(),
        "incognito_mode": r["incognito"].tolist(),
    }
    if generation != "C":
        # Gen A/B have no audiobook columns: chapters show up as episodes of a show named after the book.
        for col, src in (
            ("episode_name", "audiobook_chapter_title"),
            ("episode_show_name", "audiobook_title"),
            ("spotify_episode_uri", "audiobook_chapter_uri"),
        ):
            cols[col] = [b if b is not None else a for a, b in zip(cols[col], cols[src], strict=True)]
    n = len(idx)
    if generation == "A":
        cols["username"] = [h.username] * n
        cols["user_agent_decrypted"] = ["unknown"] * n
        cols["ip_addr_decrypted"] = cols.pop("ip")
        # Gen A mostly does not record `skipped` (null means "not recorded", not False).
        skipped_a = r["skipped"].astype(object)
        skipped_a[r["skipped_gen_a_null"]] = None
        cols["skipped"] = skipped_a.tolist()
        cols["offline_timestamp"] = r["offline_ts_a"].tolist()  # epoch ms, 0 occurs
    else:
        cols["ip_addr"] = cols.pop("ip")
        cols["skipped"] = r["skipped"].tolist()
        ots = r["offline_ts_bc"]
        ots_obj = ots.astype(object)
        ots_obj[ots < 0] = None
        cols["offline_timestamp"] = ots_obj.tolist()  # epoch s, often null
    keys = KEYS_BY_GENERATION[generation]
    return [dict(zip(keys, vals, strict=True)) for vals in zip(*(cols[k] for k in keys), strict=True)]


def _parts(ts: np.ndarray, local_year: np.ndarray | None, size: int) -> list[tuple[int, int]]:
    """Cut a ts-sorted sequence into parts of at most ``size`` rows, also at local-year changes, never
    between rows with equal ts (so a within-file duplicate always stays in its file)."""
    n = len(ts)
    cuts = {0, n}
    if local_year is not None and n:
        cuts.update((np.flatnonzero(local_year[1:] != local_year[:-1]) + 1).tolist())
    bounds = sorted(cuts)
    out: list[tuple[int, int]] = []
    for lo, hi in itertools.pairwise(bounds):
        a = lo
        while a < hi:
            b = min(a + size, hi)
            while a < b < hi and ts[b] == ts[b - 1]:
                b += 1
            out.append((a, b))
            a = b
    return out


def _move_cross_file_dups(h: History, parts: list[np.ndarray]) -> tuple[list[np.ndarray], int]:
    """Put each planted other-file duplicate into a neighbouring part (start of the next one, which keeps
    ascending order, or end of the previous one for the last part). Returns the parts and how many moved."""
    if len(parts) < 2:
        return parts, 0
    extra = h.rows["extra"]
    out = [p.copy() for p in parts]
    moved = 0
    for i in range(len(parts)):
        m = extra[parts[i]] == EXTRA_DUP_OTHER_FILE
        if not m.any():
            continue
        rows = parts[i][m]
        out[i] = out[i][~np.isin(out[i], rows)]
        if i + 1 < len(parts):
            out[i + 1] = np.r_[rows, out[i + 1]]
        else:
            out[i - 1] = np.r_[out[i - 1], rows]
        moved += len(rows)
    return out, moved


def _out_of_order(rng: np.random.Generator, idx: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Plant 2–9 descending steps by swapping neighbours with strictly increasing ts (docs/formats.md §1.6.1)."""
    if len(idx) < 12:
        return idx
    t = ts[idx]
    ok = np.flatnonzero(t[1:-2] < t[2:-1]) + 1  # pair (i, i+1), never the first or last rows
    if len(ok) == 0:
        return idx
    want = int(rng.integers(2, 10))
    chosen: list[int] = []
    for i in rng.permutation(ok).tolist():
        if all(abs(i - j) > 3 for j in chosen):
            chosen.append(i)
        if len(chosen) == want:
            break
    out = idx.copy()
    for i in chosen:
        out[i], out[i + 1] = out[i + 1], out[i]
    return out


def _local_year(h: History, ts: np.ndarray) -> np.ndarray:
    off = UTC_OFFSET_HOURS.get(h.countries[0], 0) * 3600
    return (ts + off).astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970


def _utc_year(ts: np.ndarray) -> np.ndarray:
    return ts.astype("datetime64[s]").astype("datetime64[Y]").astype(np.int64) + 1970


def _dump_extended(records: list[dict[str, Any]], generation: str) -> bytes:
    # Gen A is one compact line; Gen B/C are json.dumps(indent=2) style, which OPT_INDENT_2 reproduces.
    return orjson.dumps(records) if generation == "A" else orjson.dumps(records, option=orjson.OPT_INDENT_2)


def write_extended(h: History, path: str | os.PathLike[str], generation: str = "C") -> dict[str, Any]:
    """Write a Spotify Extended streaming history export (Gen ``"A"``, ``"B"`` or ``"C"``).

    ``path`` ending in ``.zip`` gives a deflated zip (like ``my_spotify_data.zip``); anything else is a
    folder. Gen A writes ``MyData/endsong_<N>.json`` (records in random order); Gen B/C write
    ``Spotify Extended Streaming History/Streaming_History_Audio_<Y>_<N>.json`` (parts of at most 16 000
    records, cut at local new year, with a few planted out-of-order steps),
    ``Streaming_History_Video_<…>.json``
    and a placeholder ``ReadMeFirst_ExtendedStreamingHistory.pdf``.

    Example::

        h = generate(10_000, seed=1)
        write_extended(h, "out/my_spotify_data.zip", generation="B")["files"]
    """
    generation = generation.upper()
    if generation not in KEYS_BY_GENERATION:
        raise ValueError("generation must be 'A', 'B' or 'C'")
    rng = _writer_rng(h, {"A": 11, "B": 12, "C": 13}[generation])
    ts = h.rows["ts_end"]
    sink = _sink_for(h, path)
    files: dict[str, int] = {}
    details: dict[str, dict[str, int]] = {}
    moved_total = 0
    try:
        if generation == "A":
            all_idx = np.arange(len(ts))
            parts = [all_idx[a:b] for a, b in _parts(ts, None, PART_SIZE)]
            parts, moved_total = _move_cross_file_dups(h, parts)
            for n, part in enumerate(parts):
                part = part[rng.permutation(len(part))]  # endsong files are unordered
                name = f"MyData/endsong_{n}.json"
                sink.put(name, _dump_extended(_extended_records(h, part, "A"), "A"))
                files[name] = len(part)
        else:
            audio = np.flatnonzero(h.rows["file_kind"] == FILE_AUDIO)
            video = np.flatnonzero(h.rows["file_kind"] == FILE_VIDEO)
            aparts = [audio[a:b] for a, b in _parts(ts[audio], _local_year(h, ts[audio]), PART_SIZE)]
            vparts = [video[a:b] for a, b in _parts(ts[video], None, PART_SIZE)]
            # Spotify names a part after the (local) years its plays fall in; decided before the planted
            # other-file duplicates move, which is how such a row can end up outside its file's years.
            spans = {
                label: [(int(_local_year(h, ts[q]).min()), int(_local_year(h, ts[q]).max())) for q in ql]
                for label, ql in (("Audio", aparts), ("Video", vparts))
            }
            aparts, moved_total = _move_cross_file_dups(h, aparts)
            sink.put(f"{EXTENDED_DIR}/ReadMeFirst_ExtendedStreamingHistory.pdf", FAKE_PDF)
            for label, plist in (("Audio", aparts), ("Video", vparts)):
                for n, part in enumerate(plist):
                    y0, y1 = spans[label][n]
                    span = f"{y0}" if y0 == y1 else f"{y0}-{y1}"
                    suffix = f"_{n}" if label == "Audio" or len(plist) > 1 else ""
                    name = f"{EXTENDED_DIR}/Streaming_History_{label}_{span}{suffix}.json"
                    part = _out_of_order(rng, part, ts)
                    t = ts[part]
                    uy = _utc_year(t)
                    details[name] = {
                        "descending_steps": int((t[1:] < t[:-1]).sum()),
                        "utc_year_outside_name_rows": int(((uy < y0) | (uy > y1)).sum()),
                    }
                    sink.put(name, _dump_extended(_extended_records(h, part, generation), generation))
                    files[name] = len(part)
    finally:
        sink.close()
    manifest = {
        "path": Path(path).name,
        "generation": generation,
        "files": files,
        "rows": sum(files.values()),
        "other_file_duplicates_moved": moved_total,
        "file_details": details,
    }
    h.written[f"extended_{generation}"] = manifest
    return manifest


# --------------------------------------------------------------------------------------------------------
# Spotify Account data


def _minute_strings(ts: np.ndarray) -> list[str]:
    s = np.datetime_as_string(ts.astype("datetime64[s]").astype("datetime64[m]"), unit="m")
    return [x.replace("T", " ") for x in s.tolist()]


def _dump_account(records: list[dict[str, Any]], keys: tuple[str, ...]) -> bytes:
    out = orjson.dumps(records, option=orjson.OPT_INDENT_2)
    # Spotify writes a space before the colon. Keys sit right after a newline and indent, where no string
    # value can (JSON escapes newlines), so this replacement cannot touch data.
    for k in keys:
        out = out.replace(b'\n    "' + k.encode() + b'": ', b'\n    "' + k.encode() + b'" : ')
    return out


def account_rows(h: History) -> np.ndarray:
    """Row indices the Account-data export holds, before collapsing: the last 365 days of non-incognito audio
    rows, without the exact/near-duplicate artefacts (storm echoes are kept: the account data shows them,
    collapsed per minute)."""
    r = h.rows
    end = int(r["ts_end"].max())
    keep = ((r["extra"] == EXTRA_NONE) | (r["extra"] == EXTRA_STORM)) & (r["file_kind"] == FILE_AUDIO)
    keep &= ~r["incognito"] & (r["ts_end"] > end - 365 * 86400)
    return np.flatnonzero(keep)


def write_account(h: History, path: str | os.PathLike[str], variant: str = "new") -> dict[str, Any]:
    """Write a Spotify Account-data export (last ~12 months, minute precision, ≤10 000 records per file).

    ``variant="new"``: ``Spotify Account Data/StreamingHistory_music_<N>.json``, ``_podcast_``,
    ``_audiobook_``. ``variant="old"``: ``MyData/StreamingHistory<N>.json`` with podcasts mixed into the music
    list (artistName = show, trackName = episode; no audiobooks). Both also get the non-history files an
    importer must pass over (``Userdata.json``, a non-JSON ``UserAddress.json``, ``Playlist1.json``,
    ``YourLibrary.json``, ``Read_Me_First.pdf``). A path ending in ``.zip`` writes a zip.

    Rows that are identical once ``endTime`` is truncated to the minute are collapsed to one, as Spotify does.

    Example::

        write_account(generate(5000, seed=3), "out/account", variant="old")
    """
    if variant not in ("new", "old"):
        raise ValueError("variant must be 'new' or 'old'")
    r = h.rows
    cat = h.catalogue
    idx = account_rows(h)
    if variant == "old":
        idx = idx[r["item_kind"][idx] != ITEM_CHAPTER]
    minute = r["ts_end"][idx] // 60
    ik = r["item_kind"][idx]
    iid = r["item_id"][idx]
    ms = r["ms_played"][idx]
    key = np.stack([minute, ik.astype(np.int64), iid, ms])
    # Keep the first of each identical (minute, item, ms) group, preserving time order.
    _, first = np.unique(key, axis=1, return_index=True)
    first.sort()
    collapsed = len(idx) - len(first)
    idx, ik, iid, ms = idx[first], ik[first], iid[first], ms[first]
    end_time = _minute_strings(r["ts_end"][idx])
    storm_echoes = int((r["extra"][idx] == EXTRA_STORM).sum())
    folder = ACCOUNT_DIR if variant == "new" else "MyData"
    sink = _sink_for(h, path)
    files: dict[str, int] = {}

    def put_parts(prefix: str, records: list[dict[str, Any]], keys: tuple[str, ...]) -> None:
        if not records:
            return
        for n, a in enumerate(range(0, len(records), ACCOUNT_PART_SIZE)):
            chunk = records[a : a + ACCOUNT_PART_SIZE]
            name = f"{folder}/{prefix}{n}.json"
            sink.put(name, _dump_account(chunk, keys))
            files[name] = len(chunk)

    def music(i: int) -> dict[str, Any]:
        k, j = int(ik[i]), int(iid[i])
        if k == ITEM_TRACK:
            artist, track = cat.artist_name[cat.track_artist[j]], cat.track_name[j]
        elif k == ITEM_EPISODE:  # only reached in the old variant
            artist, track = cat.show_name[cat.episode_show[j]], cat.episode_name[j]
        else:
            artist, track = "Unknown Artist", "Unknown Track"
        return {"endTime": end_time[i], "artistName": artist, "trackName": track, "msPlayed": int(ms[i])}

    try:
        rng_ = range(len(idx))
        mkeys = ("endTime", "artistName", "trackName", "msPlayed")
        if variant == "old":
            put_parts("StreamingHistory", [music(i) for i in rng_], mkeys)
        else:
            put_parts("StreamingHistory_music_", [music(i) for i in rng_ if ik[i] in (ITEM_TRACK, ITEM_NONE)], mkeys)
            put_parts(
                "StreamingHistory_podcast_",
                [
                    {
                        "endTime": end_time[i],
                        "podcastName": cat.show_name[cat.episode_show[iid[i]]],
                        "episodeName": cat.episode_name[iid[i]],
                        "msPlayed": int(ms[i]),
                    }
                    for i in rng_
                    if ik[i] == ITEM_EPISODE
                ],
                ("endTime", "podcastName", "episodeName", "msPlayed"),
            )
            put_parts(
                "StreamingHistory_audiobook_",
                [
                    {
                        "endTime": end_time[i],
                        "audiobookName": cat.book_title[cat.chapter_book[iid[i]]],
                        "chapterName": cat.chapter_title[iid[i]],
                        "authorName": cat.book_author[cat.chapter_book[iid[i]]],
                        "msPlayed": int(ms[i]),
                    }
                    for i in rng_
                    if ik[i] == ITEM_CHAPTER
                ],
                ("endTime", "audiobookName", "chapterName", "authorName", "msPlayed"),
            )
        for name, data in _account_extras(h).items():
            sink.put(f"{folder}/{name}", data)
            if variant == "new" and name == "Userdata.json":
                sink.put(f"{folder}/Read_Me_First.pdf", FAKE_PDF)
    finally:
        sink.close()
    manifest = {
        "path": Path(path).name,
        "variant": variant,
        "files": files,
        "rows": sum(files.values()),
        "window_start": np.datetime_as_string(np.datetime64(int(h.rows["ts_end"].max()) - 365 * 86400, "s")),
        "rows_before_collapse": int(len(first) + collapsed),
        # Storm echoes that survive the per-minute collapse (another minute): not distinct plays.
        "storm_echo_rows": storm_echoes,
        "expected_distinct_plays": sum(files.values()) - storm_echoes,
        "collapsed_rows": int(collapsed),
        "other_files": sorted(n for n in sink.names if n.split("/")[-1] not in {k.split("/")[-1] for k in files}),
    }
    h.written[f"account_{variant}"] = manifest
    return manifest


def _account_extras(h: History) -> dict[str, bytes]:
    """Non-history files of an Account-data package (fake, PII-free content)."""
    cat = h.catalogue
    user = h.username
    ud = {
        "username": user,
        "email": f"{user}@example.invalid",
        "country": h.countries[0],
        "createdFromFacebook": False,
        "facebookUid": None,
        "birthdate": "1990-01-01",
        "gender": "neutral",
        "postalCode": None,
        "mobileNumber": None,
        "mobileOperator": None,
        "mobileBrand": None,
        "creationTime": "2015-06-01",
    }
    top = np.argsort(
        -np.bincount(h.rows["item_id"][h.rows["item_kind"] == ITEM_TRACK], minlength=len(cat.track_name)),
        kind="stable",
    )[:25]
    tracks = [
        {
            "artist": cat.artist_name[cat.track_artist[t]],
            "album": cat.album_name[cat.track_album[t]],
            "track": cat.track_name[t],
            "uri": cat.track_uri[t],
        }
        for t in top.tolist()
    ]
    library = {
        "tracks": tracks,
        "albums": [],
        "shows": [
            {"name": cat.show_name[s], "publisher": cat.show_publisher[s], "uri": f"spotify:show:synth{s}"}
            for s in range(min(3, len(cat.show_name)))
        ],
        "episodes": [],
        "bannedTracks": [],
        "artists": [{"name": cat.artist_name[a], "uri": cat.artist_uri[a]} for a in range(3)],
        "bannedArtists": [],
        "other": [],
    }
    playlist = {
        "playlists": [
            {
                "name": "Synth favourites",
                "lastModifiedDate": "2024-01-01",
                "items": [
                    {
                        "track": {
                            "trackName": t["track"],
                            "artistName": t["artist"],
                            "albumName": t["album"],
                            "trackUri": t["uri"],
                        },
                        "episode": None,
                        "audiobook": None,
                        "localTrack": None,
                        "addedDate": "2024-01-01",
                    }
                    for t in tracks[:10]
                ],
                "description": None,
                "numberOfFollowers": 0,
            }
        ]
    }
    return {
        "Userdata.json": orjson.dumps(ud, option=orjson.OPT_INDENT_2),
        # Really Scala toString text, not JSON (docs/formats.md §2.4).
        "UserAddress.json": b"List(Map(city -> Synthtown, street -> 1 Example Road, postal_code_short -> 00000))",
        "Playlist1.json": orjson.dumps(playlist, option=orjson.OPT_INDENT_2),
        "YourLibrary.json": orjson.dumps(library, option=orjson.OPT_INDENT_2),
    }


# --------------------------------------------------------------------------------------------------------
# Last.fm and ListenBrainz (what a scrobbler would have submitted)


def scrobble_rows(h: History) -> np.ndarray:
    """Row indices a scrobbler would submit: genuine music plays (not incognito, not video rows) played for at
    least half the track or 4 minutes, whichever is less (Last.fm's rule; every synthetic track is > 30 s)."""
    r = h.rows
    cat = h.catalogue
    music = (r["extra"] == EXTRA_NONE) & (r["item_kind"] == ITEM_TRACK) & (r["file_kind"] == FILE_AUDIO)
    music &= ~r["incognito"]
    length = cat.track_len_ms[np.where(music, r["item_id"], 0)]
    return np.flatnonzero(music & (r["ms_played"] >= np.minimum(length // 2, 240_000)))


def _scrobble_fields(h: History, idx: np.ndarray) -> dict[str, list[Any]]:
    r = h.rows
    cat = h.catalogue
    t = r["item_id"][idx]
    start = r["start_ms"][idx] // 1000
    return {
        "uts": start.tolist(),
        "iso": np.datetime_as_string(start.astype("datetime64[s]"), unit="m").tolist(),
        "artist": cat.artist_name[cat.track_artist[t]].tolist(),
        "artist_mbid": cat.artist_mbid[cat.track_artist[t]].tolist(),
        "album": cat.album_name[cat.track_album[t]].tolist(),
        "album_mbid": cat.album_mbid[cat.track_album[t]].tolist(),
        "track": cat.track_name[t].tolist(),
        "track_mbid": cat.track_mbid[t].tolist(),
        "track_id": t.tolist(),
    }


def _lastfm_time(iso: str, comma: bool) -> str:
    # iso = "YYYY-MM-DDTHH:MM"; Last.fm writes "DD Mon YYYY, HH:MM" (ghan), benjaminbenben without the comma.
    return f"{iso[8:10]} {MONTHS[int(iso[5:7]) - 1]} {iso[0:4]}{',' if comma else ''} {iso[11:16]}"


def write_lastfm(h: History, path: str | os.PathLike[str], variant: str = "ghan") -> dict[str, Any]:
    """Write a Last.fm scrobble CSV, newest first; scrobble time = start of playback.

    ``variant="ghan"``: header ``uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid``, every
    field quoted, CRLF. ``variant="benjaminbenben"``: no header, ``artist,album,track,DD Mon YYYY HH:MM``,
    minimal quoting, LF. A ``path`` not ending in ``.csv`` is a folder that gets the usual file name.

    Example::

        write_lastfm(generate(2000, seed=5), "out/", variant="benjaminbenben")["path"]
    """
    if variant not in ("ghan", "benjaminbenben"):
        raise ValueError("variant must be 'ghan' or 'benjaminbenben'")
    idx = scrobble_rows(h)
    idx = idx[np.argsort(-h.rows["start_ms"][idx], kind="stable")]
    f = _scrobble_fields(h, idx)
    rng = _writer_rng(h, 21)
    no_album = (rng.random(len(idx)) < 0.003).tolist()  # Last.fm sometimes has no album for a scrobble
    p = Path(path)
    if p.suffix.lower() != ".csv":
        name = f"scrobbles-{h.username}-{_export_time(h)}.csv" if variant == "ghan" else f"{h.username}.csv"
        p = p / name
    p.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    if variant == "ghan":
        w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        # The real header is the one unquoted line; every data field is quoted (docs/formats.md §3.2).
        buf.write("uts,utc_time,artist,artist_mbid,album,album_mbid,track,track_mbid\r\n")
        for i in range(len(idx)):
            na = no_album[i]
            w.writerow(
                [
                    str(f["uts"][i]),
                    _lastfm_time(f["iso"][i], True),
                    f["artist"][i],
                    f["artist_mbid"][i],
                    "" if na else f["album"][i],
                    "" if na else f["album_mbid"][i],
                    f["track"][i],
                    f["track_mbid"][i],
                ]
            )
    else:
        w = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        for i in range(len(idx)):
            w.writerow(
                [
                    f["artist"][i],
                    "" if no_album[i] else f["album"][i],
                    f["track"][i],
                    _lastfm_time(f["iso"][i], False),
                ]
            )
    p.write_bytes(buf.getvalue().encode("utf-8"))
    manifest = {
        "path": p.name,
        "variant": variant,
        "rows": len(idx),
        "empty_album_rows": int(sum(no_album)),
        "rule": "genuine music plays, not incognito, ms_played >= min(track length / 2, 240 s); "
        "time = start of playback",
    }
    h.written[f"lastfm_{variant}"] = manifest
    return manifest


def _lb_lines(h: History, idx: np.ndarray, rng: np.random.Generator) -> Iterator[tuple[int, str]]:
    cat = h.catalogue
    f = _scrobble_fields(h, idx)
    delay = rng.uniform(1, 600, len(idx))
    caa = rng.integers(1_000_000_000, 40_000_000_000, len(cat.album_name))
    for i in range(len(idx)):
        t = f["track_id"][i]
        artist = f["artist"][i]
        mapped = f["track_mbid"][i] and f["artist_mbid"][i]
        album_id = int(cat.track_album[t])
        mapping = None
        if mapped:
            mapping = {
                "caa_id": int(caa[album_id]),
                "artists": [{"artist_mbid": f["artist_mbid"][i], "join_phrase": "", "artist_credit_name": artist}],
                "artist_mbids": [f["artist_mbid"][i]],
                "release_mbid": f["album_mbid"][i] or None,
                "recording_mbid": f["track_mbid"][i],
                "recording_name": f["track"][i],
                "caa_release_mbid": f["album_mbid"][i] or None,
            }
        spotify = "https://open.spotify.com/track/" + str(cat.track_uri[t]).rsplit(":", 1)[1]
        listen = {
            "inserted_at": round(f["uts"][i] + float(delay[i]), 6),
            "listened_at": f["uts"][i],
            "track_metadata": {
                "track_name": f["track"][i],
                "artist_name": artist,
                "release_name": f["album"][i],
                "recording_msid": str(cat.track_msid[t]),
                "mbid_mapping": mapping,
                "additional_info": {
                    "isrc": str(cat.track_isrc[t]),
                    "duration_ms": int(cat.track_len_ms[t]),
                    "origin_url": spotify,
                    "spotify_id": spotify,
                    "music_service": "spotify.com",
                    "submission_client": "linernotes-synth",
                    "artist_names": [artist],
                    "release_artist_name": artist,
                },
            },
        }
        # ListenBrainz writes Python-json style separators (", " and ": "), non-ASCII raw.
        yield f["uts"][i], json.dumps(listen, ensure_ascii=False)


def write_listenbrainz(h: History, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Write a ListenBrainz export zip: ``user.json``, ``listens/<YYYY>/<M>.jsonl`` (month not zero-padded,
    ordered by ``listened_at`` = start of playback) and ``feedback.jsonl``. A ``path`` not ending in ``.zip``
    is a folder that gets ``listenbrainz_<user>_<epoch>.zip``.

    Example::

        write_listenbrainz(generate(2000, seed=5), "out/")["files"]
    """
    p = Path(path)
    if p.suffix.lower() != ".zip":
        p = p / f"listenbrainz_{h.username}_{_export_time(h)}.zip"
    idx = scrobble_rows(h)
    idx = idx[np.argsort(h.rows["start_ms"][idx], kind="stable")]
    rng = _writer_rng(h, 31)
    sink = _Sink(p, True, _date_time(h))
    files: dict[str, int] = {}
    unmapped = 0
    try:
        sink.put(
            "user.json",
            json.dumps({"user_id": 100_000 + h.params.seed % 100_000, "username": h.username}).encode() + b"\n",
        )
        month_lines: dict[tuple[int, int], list[str]] = {}
        for uts, line in _lb_lines(h, idx, rng):
            d = np.datetime64(uts, "s").astype(object)
            month_lines.setdefault((d.year, d.month), []).append(line)
            unmapped += '"mbid_mapping": null' in line
        for (y, m), lines in sorted(month_lines.items()):
            name = f"listens/{y}/{m}.jsonl"
            sink.put(name, ("\n".join(lines) + "\n").encode("utf-8"))
            files[name] = len(lines)
        cat = h.catalogue
        counts = np.bincount(h.rows["item_id"][idx], minlength=len(cat.track_name)) if len(idx) else np.zeros(1)
        loved = np.argsort(-counts, kind="stable")[:5]
        end = _export_time(h) - 86400
        fb = [
            json.dumps(
                {
                    "recording_msid": str(cat.track_msid[t]),
                    "recording_mbid": cat.track_mbid[t] or None,
                    "score": 1 if k < 4 else -1,
                    "created": end - k * 3600,
                }
            )
            for k, t in enumerate(loved.tolist())
        ]
        sink.put("feedback.jsonl", ("\n".join(fb) + "\n").encode())
    finally:
        sink.close()
    manifest = {
        "path": p.name,
        "files": files,
        "rows": sum(files.values()),
        "unmapped_rows": unmapped,
        "feedback_rows": len(fb),
    }
    h.written["listenbrainz"] = manifest
    return manifest


# --------------------------------------------------------------------------------------------------------
# Deezer (docs/formats.md §7): an .xlsx written here, XML by hand, so the package needs no workbook writer.

DEEZER_SHEETS = ("1_creationData", "2_customizationData", "3_setupData", "4_favoriteArtist", "5_favoriteAlbum",
                 "7_favoritePlaylist", "8_favoriteSong", "10_listeningHistory", "11_playlistCreated",
                 "12_businessData", "13_navigationData", "14_tracking")
DEEZER_HEADER = ("Song Title", "Artist", "ISRC", "Album Title", "IP Address", "Listening Time", "Platform Name",
                 "Platform Model", "Date")
_XLSX_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XLSX_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _xml_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _column_letters(n: int) -> str:
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def xlsx_bytes(sheets: list[tuple[str, list[list[str | None]]]]) -> bytes:
    """A minimal .xlsx whose cells are all inline strings (as Deezer writes them); a None cell is left out
    of its row, as Deezer leaves out empty cells. Deterministic: same sheets, same bytes.

    Example::

        xlsx_bytes([("10_listeningHistory", [["Song Title", "Artist"], ["Song", "Band"]])])
    """
    parts: dict[str, str] = {}
    overrides = []
    for n, (_, rows) in enumerate(sheets, start=1):
        out = [f'<worksheet xmlns="{_XLSX_MAIN}"><sheetData>']
        for r, row in enumerate(rows, start=1):
            cells = "".join(
                f'<c r="{_column_letters(c)}{r}" t="inlineStr"><is><t>{_xml_text(v)}</t></is></c>'
                for c, v in enumerate(row) if v is not None)
            out.append(f'<row r="{r}">{cells}</row>')
        out.append("</sheetData></worksheet>")
        parts[f"xl/worksheets/sheet{n}.xml"] = "".join(out)
        overrides.append(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml" />')
    listed = "".join(f'<sheet name="{_xml_text(name)}" sheetId="{n}" r:id="rId{n}" />'
                     for n, (name, _) in enumerate(sheets, start=1))
    parts["xl/workbook.xml"] = (f'<workbook xmlns:r="{_XLSX_REL}" xmlns="{_XLSX_MAIN}"><sheets>{listed}</sheets>'
                                "</workbook>")
    rels = "".join(f'<Relationship Id="rId{n}" Type="{_XLSX_REL}/worksheet" Target="worksheets/sheet{n}.xml" />'
                   for n in range(1, len(sheets) + 1))
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>')
    parts["_rels/.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
        f'Id="rId1" Type="{_XLSX_REL}/officeDocument" Target="xl/workbook.xml" /></Relationships>')
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml" /><Default Extension="xml" '
        'ContentType="application/xml" />' + "".join(overrides) + '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml" /></Types>')
    buf = io.BytesIO()
    # Deezer's writer puts the sheets first and workbook.xml and [Content_Types].xml last (the real file's
    # order), which is what makes detection need the whole file.
    order = [p for p in parts if p.startswith("xl/worksheets/")] + ["xl/workbook.xml", "xl/_rels/workbook.xml.rels",
                                                                   "_rels/.rels", "[Content_Types].xml"]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in order:
            z.writestr(zipfile.ZipInfo(name, (2025, 9, 30, 0, 0, 0)), parts[name].encode("utf-8"),
                       compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def write_deezer(h: History, path: str | os.PathLike[str], pii: dict[str, str] | None = None) -> dict[str, Any]:
    """Write a Deezer GDPR workbook (``deezer-data_<YYYYMMDD>.xlsx`` when ``path`` is a folder) with the real
    layout: twelve sheets, every cell an inline string, ``10_listeningHistory`` with its nine columns, rows
    shuffled, ``Date`` = the **end** of the listen in UTC, ``Listening Time`` in seconds, ``-1`` (unknown) and
    ``None`` platforms in the oldest tenth of the plays, an ``IP Address`` column of documentation addresses.
    ``pii`` puts values (e-mail, name...) into the personal sheets 1, 2 and 12, for privacy tests.

    Deezer logs every stream (no scrobble rule): every genuine music play that is not incognito is a row.

    Example::

        write_deezer(generate(2000, seed=5), "out/")["rows"]
    """
    r = h.rows
    cat = h.catalogue
    music = (r["extra"] == EXTRA_NONE) & (r["item_kind"] == ITEM_TRACK) & (r["file_kind"] == FILE_AUDIO)
    idx = np.flatnonzero(music & ~r["incognito"])
    rng = _writer_rng(h, 41)
    start = r["start_ms"][idx]
    old = start < np.quantile(start, 0.1) if len(idx) else np.zeros(0, bool)
    seconds = r["ms_played"][idx] // 1000
    end = (start + r["ms_played"][idx]) // 1000
    dates = np.datetime_as_string(end.astype("datetime64[s]"), unit="s")
    t = r["item_id"][idx]
    devices = rng.choice(3, len(idx), p=[0.8, 0.15, 0.05])
    rows: list[list[str | None]] = [list(DEEZER_HEADER)]
    for i in range(len(idx)):
        model: str | None
        if old[i]:
            name, model = "None", "None"
        else:
            name, model = (("android", "Example Phone 2"), ("web", None), ("electron", None))[int(devices[i])]
        rows.append([str(cat.track_name[t[i]]), str(cat.artist_name[cat.track_artist[t[i]]]),
                     str(cat.track_isrc[t[i]]), str(cat.album_name[cat.track_album[t[i]]]),
                     f"198.51.100.{int(rng.integers(1, 255))}", "-1" if old[i] else str(int(seconds[i])),
                     name, model, str(dates[i]).replace("T", " ")])
    order = [0, *(1 + rng.permutation(len(idx))).tolist()]  # the header, then the rows unsorted
    pii = pii or {}
    personal: list[list[str | None]] = [["Email", "Name"],
                                        [pii.get("email", "person@example.org"), pii.get("name", "A. Person")]]
    business: list[list[str | None]] = [["Zip", "Payment"], [pii.get("zip", "00000"), pii.get("payment", "card")]]
    sheets: list[tuple[str, list[list[str | None]]]] = []
    for sheet in DEEZER_SHEETS:
        if sheet == "10_listeningHistory":
            sheets.append((sheet, [rows[k] for k in order]))
        elif sheet in ("1_creationData", "2_customizationData"):
            sheets.append((sheet, personal))
        elif sheet == "12_businessData":
            sheets.append((sheet, business))
        else:
            sheets.append((sheet, [["Title"], ["nan"]]))
    p = Path(path)
    if p.suffix.lower() != ".xlsx":
        day = np.datetime_as_string(np.datetime64(_export_time(h), "s"), unit="D").replace("-", "")
        p = p / f"deezer-data_{day}.xlsx"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(xlsx_bytes(sheets))
    manifest = {
        "path": p.name,
        "rows": len(idx),
        "unknown_listening_time": int(old.sum()),
        "rule": "genuine music plays, not incognito; Date = end of the listen, UTC; Listening Time -1 in the "
                "oldest tenth",
    }
    h.written["deezer"] = manifest
    return manifest


# Apple Music (privacy.apple.com "Apple Media Services information", docs/formats.md §5)

APPLE_DIR = "Apple_Media_Services/Apple Music Activity"
APPLE_PLAY_ACTIVITY = "Apple Music Play Activity.csv"
APPLE_DAILY_TRACKS = "Apple Music - Play History Daily Tracks.csv"
APPLE_RECENTLY_PLAYED = "Apple Music - Recently Played Tracks.csv"
# The 2020s layout: about a hundred columns, alphabetical, identifiers and IP location among them.
APPLE_COLUMNS = (
    "Album Name", "Apple ID Number", "Apple Music Subscription", "Auto Play", "Build Version",
    "Client Build Version", "Client Device Name", "Client IP Address", "Client Platform", "Container Album Name",
    "Container Artist Name", "Container Global Playlist ID", "Container ID", "Container iTunes Playlist ID",
    "Container Library ID", "Container Name", "Container Origin Type", "Container Playlist ID",
    "Container Radio Station ID", "Container Radio Station Version", "Container Season ID", "Container Type",
    "Content Provider", "Content Specific Type", "Device App Name", "Device App Version", "Device Identifier",
    "Device Model", "Device OS Name", "Device OS Version", "Device Type", "Display Count", "Display Language",
    "Display Type", "End Position In Milliseconds", "End Reason Type", "Evaluation Variant", "Event End Timestamp",
    "Event ID", "Event Reason Hint Type", "Event Received Timestamp", "Event Start Timestamp", "Event Timestamp",
    "Event Type", "Feature Name", "Genre", "Grouping", "IP City", "IP Country Code", "IP Latitude", "IP Longitude",
    "IP Network", "IP Network Type", "IP Region Code", "Item Type", "Lyric Language", "Media Bundle App Name",
    "Media Duration In Milliseconds", "Media Type", "Metrics Bucket ID", "Metrics Client ID",
    "Milliseconds Since Play", "Offline", "Personalized Name", "Play Duration Milliseconds", "Playback Format",
    "Provided Audio Bit Depth", "Provided Audio Channel", "Provided Audio Sample Rate", "Provided Bit Rate",
    "Provided Codec", "Provided Playback Format", "Radio Seed ID", "Radio Seed Type", "Radio Station ID",
    "Radio Station Position", "Radio Type", "Repeat Play", "Session Is Shared", "SharePlay Session ID",
    "Shuffle Play", "Siri Input", "Song Name", "Source Type", "Start Position In Milliseconds",
    "Store Country Name", "Store Front Name", "Targeted Audio Bit Depth", "Targeted Audio Channel",
    "Targeted Audio Sample Rate", "Targeted Bit Rate", "Targeted Codec", "Targeted Playback Format",
    "Track Reference", "UTC Offset In Seconds", "Use Listening History", "User\u2019s Audio Quality",
    "User\u2019s Playback Format", "Vocal Attenuation Duration", "Vocal Attenuation Model ID",
)  # fmt: skip
# Fake identifiers, the same in every row: a privacy test checks none of them reaches the library.
APPLE_FAKE_IDS = {
    "Apple ID Number": "31415926535", "Client IP Address": "198.51.100.23", "Metrics Client ID": "MCID-synth-7f3a9",
    "IP City": "Synthville", "IP Latitude": "47.1234", "IP Longitude": "8.5678", "IP Network": "Synthetic Net",
}
_APPLE_END_REASONS = {
    "trackdone": "NATURAL_END_OF_TRACK", "fwdbtn": "TRACK_SKIPPED_FORWARDS", "backbtn": "TRACK_SKIPPED_BACKWARDS",
    "clickrow": "MANUALLY_SELECTED_PLAYBACK_OF_A_DIFF_ITEM", "endplay": "PLAYBACK_MANUALLY_PAUSED",
    "trackerror": "FAILED_TO_LOAD",
}
_APPLE_DEVICES = {"ios": "iPhone", "osx": "Mac", "windows": "Windows PC", "android": "Android", "web_player": "Web"}
# Planted quirks, as shares of the genuine plays (docs/formats.md §5.2): the old sample had 481 aggregate rows,
# 58 negative durations and 58 missing starts in 6,059 rows.
APPLE_QUIRK_RATES = {"aggregate": 0.03, "ad": 0.004, "clip": 0.004, "lyrics": 0.01, "negative": 0.005,
                     "missing_start": 0.005, "no_time": 0.001}


def _csv_field(value: str) -> str:
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in ',"\r\n') else value


def _apple_iso(ms: np.ndarray) -> np.ndarray:
    s = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms")
    return s.astype(object) + "Z"  # type: ignore[no-any-return]


def apple_play_activity(h: History) -> tuple[bytes, dict[str, Any]]:
    """The Play Activity CSV of ``h`` (its genuine music plays, with Apple's quirks planted) and its manifest.

    Every row is written from a template of the ~100 columns: only the ~20 that vary are filled per row, so a
    million rows take seconds.
    """
    from .model import artist_genres

    r = h.rows
    cat = h.catalogue
    rng = _writer_rng(h, 41)
    genuine = np.flatnonzero((r["extra"] == EXTRA_NONE) & (r["item_kind"] == ITEM_TRACK))
    n = len(genuine)
    t = r["item_id"][genuine]
    start = r["start_ms"][genuine].astype(np.int64)
    ms = r["ms_played"][genuine].astype(np.int64)
    genres = artist_genres(cat)
    artist = cat.track_artist[t]
    reasons = np.array([_APPLE_END_REASONS.get(x, "NOT_APPLICABLE") for x in REASONS], dtype=object)
    offsets = np.array([UTC_OFFSET_HOURS.get(c, 0) * 3600 for c in h.countries], dtype=np.int64)
    platforms = np.array([_APPLE_DEVICES.get(p.split()[0].lower() if p else "", "iPhone") for p in h.platforms],
                         dtype=object)
    quirk = {k: rng.random(n) < v for k, v in APPLE_QUIRK_RATES.items()}
    # What each genuine row carries.
    cols: dict[str, np.ndarray] = {
        "Song Name": cat.track_name[t],
        "Container Artist Name": cat.artist_name[artist],
        "Album Name": cat.album_name[cat.track_album[t]],
        "Genre": genres[artist],
        "Event Start Timestamp": _apple_iso(start),
        "Event End Timestamp": _apple_iso(start + ms),
        # Most rows of older exports have no Event Type; the rest say PLAY_END.
        "Event Type": np.where(rng.random(n) < 0.75, "", "PLAY_END").astype(object),
        # Some durations are float strings ("186000.0"), as in the old sample.
        "Play Duration Milliseconds": np.where(rng.random(n) < 0.2, ms.astype(str).astype(object) + ".0",
                                               ms.astype(str).astype(object)),
        "Media Duration In Milliseconds": cat.track_len_ms[t].astype(str).astype(object) + ".0",
        "End Reason Type": reasons[r["reason_end"][genuine]],
        "Item Type": np.full(n, "ITUNES_STORE_CONTENT", dtype=object),
        "UTC Offset In Seconds": np.where(
            rng.random(n) < 0.05, "", offsets[r["country"][genuine]].astype(str).astype(object) + ".0").astype(object),
        "Offline": np.array(["False", "True", ""], dtype=object)[np.minimum(r["offline"][genuine], 2)],
        "Shuffle Play": np.where(r["shuffle"][genuine], "true", "false").astype(object),
        "Device Type": platforms[r["platform"][genuine]],
        "Device Identifier": np.array([f"DEVID-synth-{i:04d}" for i in range(len(h.platforms))],
                                      dtype=object)[r["platform"][genuine]],
        "Evaluation Variant": np.where(rng.random(n) < 0.01, '{"variant":"B","bucket":3}', "").astype(object),
    }
    # The start is missing on a few rows (the end still places them); a few have no time at all.
    cols["Event Start Timestamp"] = np.where(quirk["missing_start"], "", cols["Event Start Timestamp"]).astype(object)
    no_time = quirk["no_time"]
    for c in ("Event Start Timestamp", "Event End Timestamp"):
        cols[c] = np.where(no_time, "", cols[c]).astype(object)
    zero = ms == 0
    constant = {c: "" for c in APPLE_COLUMNS} | APPLE_FAKE_IDS | {
        "Apple Music Subscription": "true", "Build Version": "Music/1.4 iOS/17.1", "Media Type": "AUDIO",
        "Store Country Name": "Synthland", "Event ID": "-2.60601E+18", "Source Type": "ORIGINATING_DEVICE",
        "User\u2019s Audio Quality": "HIGH_QUALITY", "Device OS Name": "iOS"}
    template = [_csv_field(constant[c]) for c in APPLE_COLUMNS]
    at = {c: APPLE_COLUMNS.index(c) for c in APPLE_COLUMNS}
    out = io.StringIO()
    out.write(",".join(_csv_field(c) for c in APPLE_COLUMNS) + "\n")
    # Each row is the template with its varying fields filled: ~20 of ~100 columns.
    order = np.argsort(start, kind="stable")
    varying = [(at[c], [_csv_field(str(v)) for v in cols[c][order].tolist()]) for c in cols]
    for j in range(n):
        row = template.copy()
        for pos, values in varying:
            row[pos] = values[j]
        out.write(",".join(row))
        out.write("\n")
    del varying

    # Aggregate rows sum up minutes of non-catalogue play: each its own length, as in real files.
    aggregate_ms = rng.integers(60, 900, n) * 1000

    def quirk_rows(kind: str, fields: dict[str, str]) -> int:
        """Rows of one planted kind, each a second after a genuine play ends."""
        picked = np.flatnonzero(quirk[kind])
        for i in picked.tolist():
            t0 = int(start[i]) + int(ms[i]) + 1000
            row = template.copy()
            filled = {"Event Start Timestamp": str(_apple_iso(np.array([t0]))[0]),
                      "Event End Timestamp": str(_apple_iso(np.array([t0 + 30_000]))[0])} | fields
            if kind == "aggregate":
                filled["Play Duration Milliseconds"] = str(aggregate_ms[i])
                filled["Event End Timestamp"] = str(_apple_iso(np.array([t0 + aggregate_ms[i]]))[0])
            for c, v in filled.items():
                row[at[c]] = _csv_field(v)
            out.write(",".join(row))
            out.write("\n")
        return len(picked)

    planted = {
        "aggregate": quirk_rows("aggregate", {"Item Type": "AGGREGATE_NON_CATALOG_PLAY_TIME",
                                              "End Reason Type": "NOT_APPLICABLE"}),
        "ad": quirk_rows("ad", {"Item Type": "AD", "Song Name": "Synthetic Sponsor Message",
                                "Play Duration Milliseconds": "30000"}),
        "clip": quirk_rows("clip", {"Item Type": "NON_SONG_CLIP", "Song Name": "Station Intro",
                                    "Play Duration Milliseconds": "15000"}),
        "lyrics": quirk_rows("lyrics", {"Event Type": "LYRIC_DISPLAY", "Item Type": "ITUNES_STORE_CONTENT",
                                        "Song Name": "Lyrics Shown", "Play Duration Milliseconds": "0"}),
        "negative": quirk_rows("negative", {"Item Type": "ITUNES_STORE_CONTENT", "Song Name": "Scrubbed",
                                            "Container Artist Name": "Synthetic Scrubber",
                                            "Play Duration Milliseconds": "-4000", "End Reason Type": "SCRUB_BEGIN"}),
    }
    manifest = {
        "rows": n + sum(planted.values()),
        "genuine_rows": n,
        "expected_tracks": int((~zero & ~no_time).sum()),
        "expected_unknown": planted["aggregate"],
        "expected_ms_played": int(ms[~zero & ~no_time].sum()) + int(aggregate_ms[quirk["aggregate"]].sum()),
        # Each dropped row under the first reason that applies, in the parser's order.
        "dropped": {k: v for k, v in {
            "lyrics_display": planted["lyrics"], "ad": planted["ad"], "clip": planted["clip"],
            "negative_ms_played": planted["negative"], "zero_ms_played": int(zero.sum()),
            "missing_time": int((no_time & ~zero).sum())}.items() if v},
        "missing_start_rows": int((quirk["missing_start"] & ~no_time & ~zero).sum()),
    }
    return out.getvalue().encode("utf-8"), manifest


def apple_daily_tracks(h: History) -> bytes:
    """The Daily Tracks CSV of ``h``'s genuine music plays: one row per track and UTC day ("Artist - Title")."""
    r = h.rows
    cat = h.catalogue
    genuine = np.flatnonzero((r["extra"] == EXTRA_NONE) & (r["item_kind"] == ITEM_TRACK) & (r["ms_played"] > 0))
    t = r["item_id"][genuine]
    start = r["start_ms"][genuine].astype(np.int64)
    day = start // 86_400_000
    days: dict[tuple[int, int], list[int]] = {}
    for d, tid, s_ms, m in zip(day.tolist(), t.tolist(), start.tolist(), r["ms_played"][genuine].tolist(),
                               strict=True):
        entry = days.setdefault((d, tid), [0, 0, 24])
        entry[0] += int(m)
        entry[1] += 1
        entry[2] = min(entry[2], (s_ms // MS_PER_HOUR) % 24)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["Country", "Track Identifier", "Media type", "Date Played", "Hours", "Play Duration Milliseconds",
                "Source Type", "Play Count", "Skip Count", "Ignore For Recommendations", "Track Reference",
                "Track Description"])
    for (d, tid), (total, count, hour) in sorted(days.items()):
        date = str(np.datetime64(d, "D")).replace("-", "")
        w.writerow(["Synthland", 1_000_000 + tid, "AUDIO", date, hour, total, "ORIGINATING_DEVICE", count, 0, "",
                    1_000_000 + tid, f"{cat.artist_name[cat.track_artist[tid]]} - {cat.track_name[tid]}"])
    return out.getvalue().encode("utf-8")


def write_apple_music(h: History, path: str | os.PathLike[str], daily: bool = True) -> dict[str, Any]:
    """Write an Apple Media Services export of ``h``'s music plays (docs/formats.md §5).

    ``path`` ending in ``.zip``: the zip as downloaded, which holds a second zip (``Apple_Media_Services.zip``)
    holding ``Apple_Media_Services/Apple Music Activity/...``; ``path`` ending in ``.csv``: only the Play
    Activity CSV; otherwise a folder with the unpacked files. With ``daily`` the Daily Tracks file (which the
    importer merges into the plays of the same day) and a Recently Played summary come too.

    Example::

        write_apple_music(generate(2000, seed=5), "out/Apple Media Services information.zip")["rows"]
    """
    p = Path(path)
    activity, manifest = apple_play_activity(h)
    manifest = {"path": p.name, **manifest}
    if p.suffix.lower() == ".csv":
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(activity)
        h.written["apple_music"] = manifest
        return manifest
    files = {f"{APPLE_DIR}/{APPLE_PLAY_ACTIVITY}": activity}
    if daily:
        files[f"{APPLE_DIR}/{APPLE_DAILY_TRACKS}"] = apple_daily_tracks(h)
        files[f"{APPLE_DIR}/{APPLE_RECENTLY_PLAYED}"] = (
            b"Last Modified,Container Type,Container Description,Track Description,Total plays,"
            b"Last End Reason Tyoe,Last Event End Timestamp\n")
    del activity
    if p.suffix.lower() == ".zip":
        inner = io.BytesIO()
        inner_sink = zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED)
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_date_time(h))
            info.compress_type = zipfile.ZIP_DEFLATED
            inner_sink.writestr(info, data, compresslevel=1)
        inner_sink.close()
        sink = _sink_for(h, p)
        try:
            sink.put("Apple Media Services information/Apple_Media_Services.zip", inner.getvalue())
            sink.put("Apple Media Services information/Read Me.pdf", FAKE_PDF)
        finally:
            sink.close()
    else:
        sink = _Sink(p, False, _date_time(h))
        for name, data in files.items():
            sink.put(name, data)
    manifest["files"] = sorted(files)
    h.written["apple_music"] = manifest
    return manifest
