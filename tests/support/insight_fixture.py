"""A small, hand-checkable listening history for the insights' golden tests.

Everyone can follow it on paper: one person at home in Germany (Europe/Berlin, UTC+1 in winter, UTC+2 in
summer), listening from 2023-10 to 2024-03, in sessions written out below. Each session is a start time
(UTC), a device and its plays; a play ends when the next begins (plus a small gap), so sessions are real
runs of consecutive plays. What it holds, so that every insight has something to find:

- "Aurora Lane": the favourite of autumn 2023 that is never played again in 2024 (a forgotten favourite);
- "Night Tram": the new artist of 2024, discovered 2024-01-06, played on repeat in mid-January (a binge of
  the track "Loop" on 2024-01-15..17);
- an album ("Tides" by "Harbour") heard in order, whole, once; another only sampled;
- skips: "Static" by "Noise Unit" is nearly always skipped (fwdbtn after a few seconds);
- a podcast show ("Deep Dive") with one episode finished and one abandoned, and an audiobook;
- late-night listening on a laptop, mornings on the phone, a trip to Japan (conn_country JP),
  one incognito play, an offline session and shuffle on some sessions.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from tests.support.exports import play, write_extended

PHONE = "Android OS 13 API 33 (Google, Pixel 7)"
LAPTOP = "OS X 14.2.1 [x86 8]"
SPEAKER = "Partner sonos_speaker;Sonos;Play:1;"

Play = tuple[str, str, str, int] | dict[str, Any]  # (artist, track, album, seconds) or a full record


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def session(start: str, device: str, plays: list[Play], *, gap_s: int = 2, **context: Any) -> list[dict[str, Any]]:
    """Records of one session: each play starts ``gap_s`` after the previous one ended."""
    out = []
    now = _t(start)
    for i, p in enumerate(plays):
        if isinstance(p, tuple):
            artist, track, album, seconds = p
            record = play("", track=track, artist=artist, album=album, ms=seconds * 1000)
            record["master_metadata_album_album_name"] = album
        else:
            record = dict(p)
            seconds = record["ms_played"] // 1000
        end = now + dt.timedelta(seconds=seconds)
        record.update(ts=end.strftime("%Y-%m-%dT%H:%M:%SZ"), platform=device,
                      reason_start="clickrow" if i == 0 else "trackdone", **context)
        if record.get("reason_end") in (None, "trackdone") and i > 0 and out and out[-1]["reason_end"] != "trackdone":
            record["reason_start"] = "fwdbtn"
        out.append(record)
        now = end + dt.timedelta(seconds=gap_s)
    return out


def skip(artist: str, track: str, album: str, seconds: int) -> dict[str, Any]:
    r = play("", track=track, artist=artist, ms=seconds * 1000, reason_end="fwdbtn", skipped=True)
    r["master_metadata_album_album_name"] = album
    return r


def episode(show: str, name: str, seconds: int, finished: bool) -> dict[str, Any]:
    r = play("", track=None, artist=None, ms=seconds * 1000, reason_end="trackdone" if finished else "endplay")
    r.update(episode_name=name, episode_show_name=show,
             spotify_episode_uri="spotify:episode:" + (show + name).replace(" ", "")[:22].ljust(22, "x"))
    return r


def chapter(book: str, title: str, seconds: int) -> dict[str, Any]:
    r = play("", track=None, artist=None, ms=seconds * 1000, reason_end="endplay")
    r.update(audiobook_title=book, audiobook_uri="spotify:show:" + book.replace(" ", "")[:22].ljust(22, "x"),
             audiobook_chapter_title=title,
             audiobook_chapter_uri="spotify:episode:" + (book + title).replace(" ", "")[:22].ljust(22, "y"))
    return r


AURORA = [("Aurora Lane", f"Glow {i}", "Northern", 210 + 5 * i) for i in range(1, 6)]
TIDES = [("Harbour", f"Tide {i}", "Tides", 180 + 10 * i) for i in range(1, 7)]
STATIC = ("Noise Unit", "Static", "Hum", 4)


def records() -> list[dict[str, Any]]:
    r: list[dict[str, Any]] = []
    # ---- autumn 2023: Aurora Lane every week, on the phone in the morning -------------------------------
    for week in range(10):
        day = dt.date(2023, 10, 2) + dt.timedelta(days=7 * week)
        r += session(f"{day}T06:30:00", PHONE, [*AURORA, ("Harbour", "Tide 1", "Tides", 190)])
        r += session(f"{day + dt.timedelta(days=2)}T19:00:00", LAPTOP,
                     [AURORA[week % 5], skip(*STATIC), ("Mellow Fields", "Grass", "Meadow", 200)], shuffle=True)
    # ---- 2024: Aurora Lane is gone; Night Tram arrives ----------------------------------------------------
    r += session("2024-01-06T21:30:00", LAPTOP, [("Night Tram", "Last Stop", "Depot", 240),
                                                 ("Night Tram", "Loop", "Depot", 200)])
    for day in (15, 16, 17):  # the binge: "Loop" on repeat, late at night
        r += session(f"2024-01-{day}T22:00:00", LAPTOP, [("Night Tram", "Loop", "Depot", 200)] * 8)
    # the album "Tides", whole and in order, on the speaker on a Sunday afternoon
    r += session("2024-01-21T14:00:00", SPEAKER, TIDES)
    # an album only sampled: two tracks of "Meadow", not in order
    r += session("2024-01-24T07:00:00", PHONE, [("Mellow Fields", "Rain", "Meadow", 230),
                                                ("Mellow Fields", "Grass", "Meadow", 200)])
    # skips in a shuffle session
    r += session("2024-02-02T18:00:00", PHONE, [skip(*STATIC), ("Mellow Fields", "Grass", "Meadow", 200),
                                                skip("Mellow Fields", "Rain", "Meadow", 12),
                                                skip(*STATIC), ("Night Tram", "Last Stop", "Depot", 240)],
                 shuffle=True)
    # a podcast: one episode finished, one abandoned; an audiobook
    r += session("2024-02-05T07:10:00", PHONE, [episode("Deep Dive", "Episode 1", 1800, True)])
    r += session("2024-02-06T07:10:00", PHONE, [episode("Deep Dive", "Episode 2", 300, False)])
    r += session("2024-02-10T20:00:00", SPEAKER, [chapter("The Long Road", "Chapter 1", 1500),
                                                  chapter("The Long Road", "Chapter 2", 1400)])
    # a trip to Japan (UTC+9): music in the local morning, offline
    r += session("2024-02-20T23:00:00", PHONE, [("Night Tram", "Loop", "Depot", 200),
                                                ("Harbour", "Tide 2", "Tides", 200)], conn_country="JP", offline=True)
    # one incognito play (hidden from insights unless asked for)
    r += session("2024-03-01T12:00:00", PHONE, [("Secret Band", "Hidden", "Private", 180)], incognito_mode=True)
    # March: the kids' songs on the speaker (a candidate for an exclusion rule), and Night Tram again
    r += session("2024-03-09T08:00:00", SPEAKER, [("Kinderlieder", f"Lied {i}", "Kinder", 120) for i in range(1, 5)])
    r += session("2024-03-15T22:30:00", LAPTOP, [("Night Tram", "Last Stop", "Depot", 240),
                                                 ("Harbour", "Tide 3", "Tides", 210)])
    return r


def write(directory: Path) -> Path:
    """Write the fixture as a Gen C export file; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    return write_extended(directory / "Streaming_History_Audio_2023-2024.json", records())
