"""Words for sentences: stored codes (device families, reason_start values) in plain language, and the
placeholders and export artefacts that must never become a finding.

A sentence never shows "unknown", "None", "nan" or a raw field value such as ``phone_android`` or
``appload``: :func:`device_words` and :func:`start_words` give the words, :func:`is_placeholder` says
which values mean "the export did not say".
"""

from __future__ import annotations

from linernotes.formatting import count_of

# Values that mean "not recorded": as stored, or as some exports write them (Deezer stores every value as
# text, 'None' and 'nan' included; Spotify writes 'unknown' for a missing reason_start or user agent).
PLACEHOLDERS = frozenset({"", "unknown", "none", "nan", "null", "n/a", "undefined"})

DEVICE_WORDS = {
    "phone_android": "your Android phone",
    "phone_ios": "your iPhone",
    "tablet": "a tablet",
    "desktop_windows": "a Windows computer",
    "desktop_mac": "a Mac",
    "desktop_linux": "a Linux computer",
    "web": "the web player",
    "cast": "a cast device",
    "tv": "a TV",
    "console": "a games console",
    "speaker": "a speaker",
    "car": "the car",
    "watch": "a watch",
    "other": "other devices",
}

START_WORDS = {
    "trackdone": "the previous track ending",
    "clickrow": "a click on a track",
    "playbtn": "the play button",
    "fwdbtn": "a skip forward",
    "backbtn": "going back a track",
    "appload": "opening the app",
    "remote": "a remote control",
    "trackerror": "a playback error",
    "endplay": "the end of a play",
    "autoplay": "autoplay",
    "popup": "a pop-up",
    "uriopen": "opening a link",
    "persisted": "resuming where you left off",
    "clickside": "a click in the side panel",
    "switched-to-audio": "switching from video to audio",
    "switched-to-video": "switching from audio to video",
}


# SQL: the play's reason_start was not recorded. Spotify's Video files log music-video and Canvas rows with
# reason_start "unknown" and skipped: true whatever happened (docs/formats.md §1.6 item 5): their skip flag is an
# export artefact, not a skip, so skip rates and the skip model treat the skip status of such plays as unknown.
# Only the export's own word "unknown" marks them: an empty or missing reason_start (Account data, scrobbles,
# some Extended rows) comes with a skip status of its own that is kept.
UNRECORDED_START_SQL = "lower(trim(coalesce(reason_start, ''))) = 'unknown'"


def with_skip_artefacts_unknown(relation: str) -> str:
    """``relation`` with ``skip`` set to NULL where it is an export artefact (see :data:`UNRECORDED_START_SQL`)."""
    return (f"(SELECT * REPLACE (CASE WHEN {UNRECORDED_START_SQL} THEN NULL ELSE skip END AS skip) "
            f"FROM {relation})")


def is_placeholder(value: object) -> bool:
    """True for None and for the values an export writes when it does not know (see :data:`PLACEHOLDERS`).

    >>> [is_placeholder(v) for v in (None, "unknown", "NaN", " ", "appload")]
    [True, True, True, True, False]
    """
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    return str(value).strip().lower() in PLACEHOLDERS


# What each kind of play is called in a sentence or on a chart axis ("music", never the column value "track").
KIND_WORDS = {"track": "music", "episode": "podcasts", "audiobook": "audiobooks", "video": "videos",
              "unknown": "other audio"}


def kind_words(kind: str) -> str:
    """
    >>> kind_words("track"), kind_words("episode")
    ('music', 'podcasts')
    """
    return KIND_WORDS.get(kind, "other audio")


def device_words(device: str) -> str:
    """A device family in words ("your Android phone"); an unlisted family is written without underscores."""
    return DEVICE_WORDS.get(device, device.replace("_", " "))


def start_words(reason: str) -> str:
    """A reason_start value in words ("opening the app"); an unlisted one without dashes and underscores."""
    return START_WORDS.get(reason, reason.replace("_", " ").replace("-", " "))


def nothing_timed(plays: int, what: str) -> str:
    """The sentence of an insight that weighs plays by listening time and found none among ``plays`` plays:
    "no listening" only when there are none; plays without durations (scrobbles, some Account data) are said
    as such, so the words never deny the plays the status shows. ``what``: what cannot be drawn ("clock")."""
    if not plays:
        return "No listening in this period."
    return (f"This period has {count_of(plays, 'play')} but the export records no listening time for them, "
            f"so there is no {what} to draw from.")
