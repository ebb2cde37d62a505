"""The generative model behind :mod:`linernotes.synth`.

Everything is drawn from one ``numpy.random.Generator`` seeded by the caller, in a fixed order, so a seed and
a parameter set always give the same history. Plays are columns of numpy arrays (one entry per written
Extended-export row); no Python object is created per play here. Writers turn the columns into files.

Vocabulary used throughout:

* a *genuine* row is one real stream; there are exactly ``n_plays`` of them;
* an *extra* row is a planted export artefact on top of the genuine rows: an exact duplicate (same file or
  another file), a near-duplicate (same ``ts`` and URI, smaller ``ms_played``) or a remote-control storm
  echo (same track and ``ms_played`` repeated 6–10 s apart with ``reason_start = reason_end = "remote"``).

Ground truth for the insights (``History.ground_truth()``): ``binges`` (tracks on repeat, artist binges),
``eras`` and ``chapters`` (their boundary dates: both dominant taste groups change within a few days),
``sessions`` (the session starts a library must find with the 20-minute rule; planted sessions are
separable: < 15 min of silence inside, > 30 min between, on one lane), ``contexts`` (the listening mode of
every found session: each planted session draws one of :data:`CONTEXTS`, which sets its hour, weekday,
device, length, shuffle, skip propensity and taste tilt), ``noise`` (a child's music and sleep loops: every
play of a few artists that are not the person's taste), ``skip_model`` (the logit terms skips are drawn
from), ``forgotten_favourites`` (artists loved for months in the first half of the history, then never
played again for at least ~1.5 years) and ``discovery`` (every artist's first play the library keeps). See
the ``*_DEFINITION`` constants.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from linernotes.units import MS_PER_HOUR

IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]

ADJECTIVES = [
    "Midnight",
    "Velvet",
    "Golden",
    "Paper",
    "Static",
    "Neon",
    "Summer",
    "Silver",
    "Wild",
    "Broken",
    "Electric",
    "Quiet",
    "Burning",
    "Northern",
    "Glass",
    "Hollow",
    "Lucky",
    "Crimson",
    "Distant",
    "Sugar",
    "Honey",
    "Winter",
    "Blue",
    "Little",
    "Secret",
    "Lonely",
    "Fading",
    "Violet",
    "Marble",
    "Cosmic",
    "Rusty",
    "Gentle",
    "Savage",
    "Tender",
    "Endless",
    "Restless",
    "Hidden",
    "Bright",
    "Slow",
    "Faded",
]
NOUNS = [
    "Lights",
    "Hearts",
    "Dreams",
    "Lines",
    "Waves",
    "Roads",
    "Machines",
    "Birds",
    "Kids",
    "Skies",
    "Rooms",
    "Fires",
    "Tides",
    "Signals",
    "Gardens",
    "Mirrors",
    "Cities",
    "Horses",
    "Shadows",
    "Stars",
    "Echoes",
    "Rivers",
    "Oceans",
    "Ghosts",
    "Satellites",
    "Windows",
    "Letters",
    "Flowers",
    "Engines",
    "Bells",
]
FIRST_NAMES = [
    "Anna",
    "Zoë",
    "José",
    "Björn",
    "Renée",
    "Søren",
    "Łukasz",
    "Mia",
    "Noah",
    "Chloé",
    "Jürgen",
    "Inès",
    "Kai",
    "Lena",
    "Omar",
    "Priya",
    "Tomás",
    "Aoife",
    "Mateo",
    "Hana",
    "Élodie",
    "Ravi",
    "Nina",
    "Sam",
]
LAST_NAMES = [
    "Müller",
    "García",
    "Nuñez",
    "Dvořák",
    "O'Brien",
    "Kim",
    "Rossi",
    "Nakamura",
    "Okafor",
    "Larsen",
    "Dubois",
    "Silva",
    "Novak",
    "Haddad",
    "Ivanova",
    "Brontë",
    "Kowalski",
    "Moreau",
    "Sato",
    "Fischer",
]
ACCENTED = [
    "Café",
    "Été",
    "Señor",
    "Über",
    "Niño",
    "Fjörd",
    "Ångström",
    "Déjà",
    "Mañana",
    "Coração",
    "Saudade",
    "Crème",
    "Noël",
    "Æther",
    "Øya",
    "Smörgås",
    "Straße",
    "Garçon",
    "Élan",
    "Açaí",
]
JP_WORDS = [
    "夜",
    "星",
    "花",
    "雨",
    "空",
    "海",
    "月",
    "光",
    "夢",
    "風",
    "桜",
    "青",
    "君",
    "僕",
    "恋",
    "春",
    "たぶん",
    "ヨル",
    "ハナ",
    "ソラ",
    "ミライ",
    "カゼ",
    "アオイ",
    "ヒカリ",
    "さよなら",
    "ありがとう",
]
JP_ROMAJI = ["YORU", "HIKARI", "SORA", "MIRAI", "KAZE", "AOI", "HANA", "YUME", "TSUKI", "UMI"]
DECORATIONS = [" - 2011 Remaster", " - Radio Edit", " - Live", " - Acoustic", " - Remastered 2009", " - Demo"]
SHOW_WORDS = [
    "Talk",
    "Hour",
    "Daily",
    "Weekly",
    "Stories",
    "Science",
    "History",
    "Mythical Monsters",
    "Tech",
    "Money",
    "Football",
    "Cinema",
    "Crime",
    "Comedy",
    "News",
    "Philosophy",
]
BOOK_AUTHORS = [
    "Jane Austen",
    "Fyodor Dostoyevsky",
    "Mary Shelley",
    "Lu Xun",
    "Gabriel García",
    "Natsume Sōseki",
]

# Item kinds of a row: which URI column is set. ITEM_NONE is Spotify's "no-metadata" row.
ITEM_TRACK, ITEM_EPISODE, ITEM_CHAPTER, ITEM_NONE = 0, 1, 2, 3
ITEM_KIND_NAMES = ("track", "episode", "audiobook", "none")

# Why a row exists. Genuine rows are the history; the others are planted export artefacts.
EXTRA_NONE, EXTRA_DUP_SAME_FILE, EXTRA_DUP_OTHER_FILE, EXTRA_NEAR_DUP, EXTRA_STORM = 0, 1, 2, 3, 4

FILE_AUDIO, FILE_VIDEO = 0, 1

REASONS = [
    "trackdone",
    "clickrow",
    "fwdbtn",
    "backbtn",
    "playbtn",
    "appload",
    "remote",
    "trackerror",
    "unknown",
    "endplay",
    "logout",
    "unexpected-exit",
    "unexpected-exit-while-paused",
    "",
]
R = {name: i for i, name in enumerate(REASONS)}

TASTE_GROUPS = ["indie", "jazz", "j-pop", "techno", "hip-hop", "classical", "metal", "folk"]
JPOP = TASTE_GROUPS.index("j-pop")

DEVICE_FAMILIES = ["android", "ios", "windows", "osx", "cast", "web_player", "linux", "speaker"]
# Detailed platform strings, oldest first: Spotify used these until the switch to lowercase tokens.
DETAILED_PLATFORMS: dict[str, list[str]] = {
    "android": [
        "Android OS 7.0 API 24 (samsung, SM-G930F)",
        "Android OS 9 API 28 (samsung, SM-G950F)",
        "Android OS 12 API 31 (samsung, SM-A000U)",
    ],
    "ios": ["iOS 12.4.5 (iPhone7,2)", "iOS 14.3 (iPad11,3)", "iOS 14.7.1 (iPhone10,3)"],
    "windows": [
        "Windows 10 (10.0.16299; x64)",
        "Windows 10 (10.0.19999; x64; AppX)",
        "Windows 10 (10.0.22621; x64; AppX)",
    ],
    "osx": ["OS X 10.13.6 [x86 8]", "OS X 10.15.7 [x86 8]"],
    "cast": [
        "Partner google cast_tv;Chromecast;;",
        "Partner google cast_tv;Chromecast_Tv_Gen1;;2.0.0-551-fb8ab0b--1.32.124602",
    ],
    "web_player": [
        "web_player windows 10;chrome 76.0.3809.132;desktop",
        "web_player linux;chrome 90.0;desktop",
    ],
    "linux": ["Linux [x86-64 0]", "Linux 5.15.0-56-generic [x86-64 0]"],
    "speaker": ["Partner sonos_one Sonos;One;;", "Partner sonos Sonos;Five;;"],
}
# Observed switch from detailed strings to tokens (docs/formats.md §1.5).
PLATFORM_SWITCH = int(dt.datetime(2022, 10, 11, 4, 0, tzinfo=dt.UTC).timestamp())

# Fixed standard offsets (hours): enough to place plays at plausible local hours; DST is deliberately ignored.
UTC_OFFSET_HOURS = {
    "DE": 1,
    "US": -5,
    "JP": 9,
    "BR": -3,
    "IN": 5,
    "GB": 0,
    "FR": 1,
    "ES": 1,
    "IT": 1,
    "NL": 1,
    "SE": 1,
    "CA": -5,
    "AU": 10,
    "MX": -6,
    "ZZ": 0,
}
TRAVEL_COUNTRIES = ["US", "JP", "BR", "IN", "GB", "FR", "ES", "IT", "NL"]

# Local hour-of-day listening profile (relative weights), weekday and weekend.
HOUR_PROFILE_WEEKDAY = np.array(
    [
        0.3,
        0.15,
        0.08,
        0.05,
        0.05,
        0.2,
        0.8,
        2.2,
        2.6,
        1.6,
        1.1,
        1.0,
        1.2,
        1.1,
        1.0,
        1.1,
        1.4,
        2.3,
        2.4,
        1.8,
        1.9,
        2.0,
        1.6,
        0.8,
    ]
)
HOUR_PROFILE_WEEKEND = np.array(
    [
        0.9,
        0.6,
        0.35,
        0.15,
        0.08,
        0.05,
        0.1,
        0.25,
        0.6,
        1.1,
        1.6,
        1.8,
        1.8,
        1.7,
        1.6,
        1.6,
        1.7,
        1.8,
        1.9,
        2.0,
        2.1,
        2.0,
        1.7,
        1.3,
    ]
)

# Skip model: logit(P(skip)) = sum of these terms (music plays only). Every term but the artist's random effect
# and the context offset is a feature the library can see (hour, device, shuffle, reason_start, position in
# the session, familiarity with track and artist, time since the track's last play), so a model can learn it;
# "previous_skipped" makes skips come in runs, which the library sees as reason_start fwdbtn/backbtn.
SKIP_MODEL: dict[str, float] = {
    "intercept": -1.5,
    "shuffle": 1.0,
    "first_listen": 1.2,
    "log1p_prior_plays": -0.3,
    "log1p_prior_artist_plays": -0.12,
    "heard_within_24h": 0.7,
    "previous_skipped": 2.0,
    "session_opener": -1.2,
    "log1p_position": 0.3,
    "morning_6_to_9_local": 0.5,
    "late_night_0_to_4_local": -0.5,
    "device_cast": -0.6,
    "device_web_player": 0.4,
    "device_speaker": -0.5,
    "album_in_order": -0.6,
    "planted_favourite": -1.5,  # binge and forgotten-favourite plays: loved, rarely skipped
    "artist_effect_sd": 0.5,  # per-artist random effect N(0, sd): what the artist-skip-rate baseline sees
}

# Listening modes ("planted session contexts"). Every session draws one context, which decides its weekday,
# local hour, device, length, shuffle, album/artist/mix mode, skip propensity and taste tilt. Labels 0-4 are
# the person's own music, 5-6 are noise (a child's music, sleep sounds: not the person's taste), 7 is
# podcasts and audiobooks. Device shares use the generator's families plus "phone" (android before the
# phone switch, ios after) and "speaker" (a living-room smart speaker).
CONTEXTS: list[dict[str, Any]] = [
    {
        "name": "morning commute",
        "description": "phone, weekdays 7-9h, shuffle on, upbeat groups, short sessions, many skips",
        "session_weight": 0.22,
        "weekend_weight": 0.05,
        "hours_weekday": {6: 0.3, 7: 1.0, 8: 1.2, 9: 0.3},
        "hours_weekend": {8: 1.0, 9: 1.0, 10: 0.5},
        "devices": {"phone": 0.95, "web_player": 0.05},
        "mean_len": 6.0,
        "shuffle": 0.85,
        "modes": (0.85, 0.15, 0.0),
        "skip_offset": 0.8,
        "groups": ("hip-hop", "metal"),
    },
    {
        "name": "workday focus",
        "description": "work desktop, weekdays 9-17h, long sessions, albums and mixes",
        "session_weight": 0.22,
        "weekend_weight": 0.08,
        "hours_weekday": {h: 1.0 for h in range(9, 17)},
        "hours_weekend": {h: 1.0 for h in range(10, 16)},
        "devices": {"windows": 0.75, "web_player": 0.2, "phone": 0.05},
        "mean_len": 16.0,
        "shuffle": 0.3,
        "modes": (0.5, 0.2, 0.3),
        "skip_offset": -0.2,
        "groups": ("techno", "indie"),
    },
    {
        "name": "late-night ambient",
        "description": "laptop, 22-2h, long sessions, few skips, calm music",
        "session_weight": 0.16,
        "weekend_weight": 1.4,
        "hours_weekday": {22: 1.0, 23: 1.2, 0: 0.9, 1: 0.5, 2: 0.2},
        "hours_weekend": {22: 0.8, 23: 1.2, 0: 1.2, 1: 0.8, 2: 0.4},
        "devices": {"osx": 0.85, "phone": 0.15},
        "mean_len": 14.0,
        "shuffle": 0.2,
        "modes": (0.4, 0.2, 0.4),
        "skip_offset": -1.2,
        "groups": ("jazz", "classical"),
    },
    {
        "name": "weekend speaker albums",
        "description": "living-room speaker, weekend afternoons, whole albums in order, no shuffle",
        "session_weight": 0.14,
        "weekend_weight": 8.0,
        "hours_weekday": {18: 1.0, 19: 1.0},
        "hours_weekend": {h: 1.0 for h in range(12, 19)},
        "devices": {"speaker": 0.85, "cast": 0.15},
        "mean_len": 11.0,
        "shuffle": 0.05,
        "modes": (0.1, 0.05, 0.85),
        "skip_offset": -0.4,
        "groups": ("folk", "indie"),
    },
    {
        "name": "evening cast",
        "description": "TV/Chromecast, evenings 19-23h, medium sessions, mixes",
        "session_weight": 0.26,
        "weekend_weight": 1.2,
        "hours_weekday": {19: 1.0, 20: 1.2, 21: 1.2, 22: 0.6},
        "hours_weekend": {19: 1.0, 20: 1.2, 21: 1.2, 22: 0.8},
        "devices": {"cast": 0.8, "linux": 0.2},
        "mean_len": 9.0,
        "shuffle": 0.5,
        "modes": (0.6, 0.3, 0.1),
        "skip_offset": 0.0,
        "groups": ("j-pop", "techno"),
    },
    {
        "name": "kids",
        "description": "a child's music on the living-room speaker, weekday afternoons and weekend mornings, "
        "short songs on repeat",
        "session_weight": 0.0,  # from Params.kids_share
        "weekend_weight": 2.5,
        "hours_weekday": {15: 1.0, 16: 1.2, 17: 1.0},
        "hours_weekend": {7: 0.6, 8: 1.0, 9: 1.0, 10: 0.8},
        "devices": {"speaker": 0.9, "phone": 0.1},
        "mean_len": 8.0,
        "shuffle": 0.0,
        "modes": (1.0, 0.0, 0.0),
        "skip_offset": -0.6,
        "groups": (),
    },
    {
        "name": "sleep sounds",
        "description": "rain and white-noise loops on the phone at night, one or two long plays",
        "session_weight": 0.0,  # from Params.sleep_share
        "weekend_weight": 1.0,
        "hours_weekday": {22: 0.6, 23: 1.0, 0: 0.6},
        "hours_weekend": {23: 1.0, 0: 1.0, 1: 0.4},
        "devices": {"phone": 1.0},
        "mean_len": 1.5,
        "shuffle": 0.0,
        "modes": (1.0, 0.0, 0.0),
        "skip_offset": -6.0,
        "groups": (),
    },
    {
        "name": "spoken word",
        "description": "podcasts and audiobooks, mostly on the phone",
        "session_weight": 0.0,  # from Params.podcast_share / audiobook_share
        "weekend_weight": 1.15,
        "hours_weekday": None,  # the global HOUR_PROFILE_*
        "hours_weekend": None,
        "devices": {"phone": 0.85, "windows": 0.05, "osx": 0.05, "web_player": 0.05},
        "mean_len": 1.5,
        "shuffle": 0.0,
        "modes": (1.0, 0.0, 0.0),
        "skip_offset": 0.0,
        "groups": (),
    },
]
CTX_PERSONAL = 5  # labels below this are the person's own music
CTX_KIDS, CTX_SLEEP, CTX_SPOKEN = 5, 6, 7
CONTEXT_TASTE_TILT = 2.5  # a context's preferred groups weigh this much more than in the era's mix

# Noise: listening that is not the person's own. Artists taken over from the catalogue (renamed, own group,
# never drawn by ordinary sessions); every kept play of them is noise.
NOISE_GROUPS = ["kids", "sleep"]
# The genre a store would file each taste group (and noise group) under, as Apple Music's `Genre` column names
# them: every artist of a group shares it, so a genre insight has planted ground truth to find.
GROUP_GENRES = {
    "indie": "Alternative", "jazz": "Jazz", "j-pop": "J-Pop", "techno": "Electronic", "hip-hop": "Hip-Hop/Rap",
    "classical": "Classical", "metal": "Metal", "folk": "Singer/Songwriter", "kids": "Children's Music",
    "sleep": "New Age",
}
KIDS_ARTISTS = ["Toddler Tunes Club", "Kinderlieder Kids", "Nursery Rhyme Crew", "Lullaby Bunnies"]
SLEEP_ARTISTS = ["Rain Sounds for Sleep"]
SLEEP_TRACKS = [
    "Heavy Rain on a Tin Roof",
    "Thunderstorm Ambience",
    "Brown Noise",
    "Ocean Waves at Night",
    "Rain in the Forest",
    "White Noise for Deep Sleep",
    "Fan Noise",
    "Gentle Rain, 1 Hour",
]
KIDS_WORDS = ["Wheels", "Bus", "Twinkle", "Bunny", "Duck", "Train", "Teddy", "Rainbow", "Monkeys", "Piggy"]

# Session layout. The insight engine starts a new session after a silence of more than SESSION_GAP_MINUTES
# (linernotes.insights.sessions). The generator keeps planted sessions separable from that rule: inside a
# session no silence exceeds PAUSE_MAX_MS (+ a few seconds of overhead); a session drawn to start shortly
# after the previous one (within JOIN_WITHIN_MS of its end) continues it, and one drawn later but within
# MIN_SILENCE_MS is pushed to start MIN_SILENCE_MS after that end. So, on one lane, silences are either
# < 15 min (inside a session) or > 30 min (between sessions).
SESSION_GAP_MINUTES = 20
PAUSE_MAX_MS = 15 * 60_000
JOIN_WITHIN_MS = 10 * 60_000
MIN_SILENCE_MS = 30 * 60_000

# Forgotten favourites: artists loved for months early in the history, then never played again.
FORGOTTEN_MAX = 15
FORGOTTEN_SILENCE_DAYS = 548  # at least ~1.5 years between the last planted play and the end of the history
FORGOTTEN_WINDOW_DAYS = (90, 240)
FORGOTTEN_SHARE = (0.07, 0.12)  # share of the window's music plays given to the artist
# At most this many love windows overlap: more at once would shift the taste as much as a life chapter does.
FORGOTTEN_MAX_OVERLAP = 2

BASE62 = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", dtype=np.uint8)


@dataclass(frozen=True)
class Params:
    """Everything that shapes a history; recorded verbatim in the ground truth."""

    n_plays: int
    seed: int
    start: str
    end: str
    home_country: str = "DE"
    podcast_share: float = 0.05
    audiobook_share: float = 0.01
    video_share: float = 0.005
    incognito_session_rate: float = 0.02
    offline_session_rate: float = 0.05
    zero_ms_rate: float = 0.01
    no_metadata_rate: float = 0.003
    exact_duplicate_rate: float = 0.0005
    cross_file_duplicate_rate: float = 0.0001
    near_duplicate_rate: float = 0.0005
    storm_rate: float = 0.00005
    empty_reason_rate: float = 0.001
    kids_share: float = 0.025
    sleep_share: float = 0.01
    # Harder chapters (all off by default; a history drawn without them is unchanged, byte for byte):
    # ``era_crossfade_days``: sessions switch from one era's taste to the next's linearly over this many days
    # centred on the boundary (a gradual transition instead of a few days); ``era_overlap``: this much of the
    # previous era's main taste group stays in the next era's mix (eras overlap); ``seasonal_spike``: every
    # December 1-26 listening grows by this factor and as large a share (capped at 0.6) of the music goes to a
    # few seasonal artists who are played in no other month.
    era_crossfade_days: float = 0.0
    era_overlap: float = 0.0
    seasonal_spike: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        for key in ("era_crossfade_days", "era_overlap", "seasonal_spike"):
            if not out[key]:
                del out[key]  # unchanged ground truth for histories drawn without the option
        return out


@dataclass
class Catalogue:
    """Artists, albums, tracks, podcast shows/episodes and audiobooks/chapters (all index-addressed)."""

    artist_name: ObjArray
    artist_group: IntArray
    artist_mbid: ObjArray  # "" when MusicBrainz would not know the artist
    artist_uri: ObjArray
    artist_first_track: IntArray
    artist_n_tracks: IntArray
    album_name: ObjArray
    album_artist: IntArray
    album_first_track: IntArray
    album_n_tracks: IntArray
    album_mbid: ObjArray
    album_uri: ObjArray
    track_name: ObjArray
    track_artist: IntArray
    track_album: IntArray
    track_len_ms: IntArray
    track_uri: ObjArray
    track_mbid: ObjArray
    track_msid: ObjArray
    track_isrc: ObjArray
    show_name: ObjArray
    show_publisher: ObjArray
    show_first_episode: IntArray
    show_n_episodes: IntArray
    episode_name: ObjArray
    episode_show: IntArray
    episode_len_ms: IntArray
    episode_uri: ObjArray
    episode_video: npt.NDArray[np.bool_]
    book_title: ObjArray
    book_author: ObjArray
    book_uri: ObjArray
    book_first_chapter: IntArray
    book_n_chapters: IntArray
    chapter_title: ObjArray
    chapter_book: IntArray
    chapter_len_ms: IntArray
    chapter_uri: ObjArray


def artist_genres(cat: Catalogue) -> ObjArray:
    """The genre of every artist of the catalogue (index-aligned with ``artist_name``), stable for a seed:
    the genre of the artist's taste or noise group (:data:`GROUP_GENRES`).

    Example::

        genres = artist_genres(h.catalogue)
        genres[h.catalogue.track_artist[track_id]]  # the genre of a track
    """
    names = np.array([GROUP_GENRES[g] for g in [*TASTE_GROUPS, *NOISE_GROUPS]], dtype=object)
    return names[np.clip(cat.artist_group, 0, len(names) - 1)]  # type: ignore[no-any-return]


# Columns of a history, one entry per Extended-export row, sorted by ts_end (stable).
ROW_COLUMNS = (
    "ts_end",
    "start_ms",
    "ms_played",
    "item_kind",
    "item_id",
    "platform",
    "country",
    "ip_octet",
    "reason_start",
    "reason_end",
    "shuffle",
    "skipped",
    "skipped_gen_a_null",
    "offline",
    "offline_ts_a",
    "offline_ts_bc",
    "incognito",
    "file_kind",
    "extra",
    "play_id",
)


@dataclass
class History:
    """A generated listening history: catalogue, row columns and everything planted.

    Build one with :func:`linernotes.synth.generate`; pass it to the ``write_*`` functions.

    Row columns (numpy arrays, same length, sorted by ``ts_end``): ``ts_end`` (epoch s, Spotify ``ts``),
    ``start_ms`` (epoch ms), ``ms_played``, ``item_kind`` (ITEM_*), ``item_id`` (index into the catalogue
    table of that kind, -1 for none), ``platform`` (index into :attr:`platforms`), ``country`` (index into
    :attr:`countries`), ``ip_octet`` (last octet in 198.51.100.0/24, -1 = null), ``reason_start`` /
    ``reason_end`` (index into ``REASONS``), ``shuffle``, ``skipped``, ``skipped_gen_a_null``, ``offline``
    (0/1, 2 = null), ``offline_ts_a`` (ms, may be 0), ``offline_ts_bc`` (s, -1 = null), ``incognito``,
    ``file_kind`` (FILE_AUDIO / FILE_VIDEO), ``extra`` (EXTRA_*), ``play_id`` (index of the genuine play a row
    belongs to).
    """

    params: Params
    catalogue: Catalogue
    rows: dict[str, np.ndarray]
    platforms: list[str]
    countries: list[str]
    truth: dict[str, Any]
    written: dict[str, Any] = field(default_factory=dict)

    @property
    def username(self) -> str:
        return f"synth-user-{self.params.seed}"

    @property
    def n_rows(self) -> int:
        return int(self.rows["ts_end"].shape[0])

    def ground_truth(self) -> dict[str, Any]:
        """Everything planted, as a JSON-serialisable dict (plus what each writer has written so far).

        Example::

            h = generate(1000, seed=1)
            h.ground_truth()["extended"]["expected_stored_rows"]  # == 1000
        """
        out = dict(self.truth)
        out["written"] = dict(self.written)
        return out

    def write_ground_truth(self, path: str) -> dict[str, Any]:
        """Write :meth:`ground_truth` as pretty JSON to ``path`` and return it."""
        import orjson

        gt = self.ground_truth()
        with open(path, "wb") as f:
            f.write(orjson.dumps(gt, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
        return gt


# --------------------------------------------------------------------------------------------------------
# helpers


def _epoch(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp())


def _iso_day(epoch_s: float) -> str:
    return dt.datetime.fromtimestamp(int(epoch_s), dt.UTC).strftime("%Y-%m-%d")


def _iso_ts(epoch_s: float) -> str:
    return dt.datetime.fromtimestamp(int(epoch_s), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _base62_ids(rng: np.random.Generator, n: int, prefix: str) -> ObjArray:
    """Spotify-style URIs: prefix + 22 base-62 characters (vectorised)."""
    if n == 0:
        return np.empty(0, dtype=object)
    raw = BASE62[rng.integers(0, 62, size=(n, 22))]
    ids = raw.view("S22").ravel().astype("U22").astype(object)
    return np.asarray(prefix + ids, dtype=object)


def _uuids(rng: np.random.Generator, n: int) -> ObjArray:
    """Deterministic version-4-shaped UUID strings."""
    if n == 0:
        return np.empty(0, dtype=object)
    b = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80
    hexes = [row.tobytes().hex() for row in b]
    return np.array([f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in hexes], dtype=object)


def _pick(rng: np.random.Generator, pool: list[str], n: int) -> ObjArray:
    return np.array(pool, dtype=object)[rng.integers(0, len(pool), size=n)]  # type: ignore[no-any-return]


def _artist_names(rng: np.random.Generator, groups: IntArray) -> ObjArray:
    """Unique artist names; j-pop artists get Japanese names, a few names carry commas or quotes."""
    names: list[str] = []
    seen: set[str] = set()
    style = rng.random(len(groups))
    a = rng.integers(0, 1 << 30, size=(len(groups), 4))
    for i, g in enumerate(groups.tolist()):
        s = style[i]
        w = a[i]
        if g == JPOP:
            if s < 0.5:
                name = JP_WORDS[w[0] % len(JP_WORDS)] + JP_WORDS[w[1] % len(JP_WORDS)]
            else:
                name = JP_ROMAJI[w[0] % len(JP_ROMAJI)] + JP_ROMAJI[w[1] % len(JP_ROMAJI)]
        elif s < 0.30:
            name = f"The {ADJECTIVES[w[0] % len(ADJECTIVES)]} {NOUNS[w[1] % len(NOUNS)]}"
        elif s < 0.55:
            name = f"{FIRST_NAMES[w[0] % len(FIRST_NAMES)]} {LAST_NAMES[w[1] % len(LAST_NAMES)]}"
        elif s < 0.70:
            name = f"{ACCENTED[w[0] % len(ACCENTED)]} {NOUNS[w[1] % len(NOUNS)]}"
        elif s < 0.75:  # a comma inside the name, to stress CSV writers and readers
            name = (
                f"{LAST_NAMES[w[0] % len(LAST_NAMES)]}, {LAST_NAMES[w[1] % len(LAST_NAMES)]} & "
                f"{LAST_NAMES[w[2] % len(LAST_NAMES)]}"
            )
        elif s < 0.78:  # embedded double quotes
            name = (
                f'{FIRST_NAMES[w[0] % len(FIRST_NAMES)]} "{ADJECTIVES[w[1] % len(ADJECTIVES)]}" '
                f"{LAST_NAMES[w[2] % len(LAST_NAMES)]}"
            )
        else:
            name = f"{ADJECTIVES[w[0] % len(ADJECTIVES)]} {NOUNS[w[1] % len(NOUNS)]}"
        base, k = name, 2
        while name in seen:
            name = f"{base} {k}"
            k += 1
        seen.add(name)
        names.append(name)
    return np.array(names, dtype=object)


def _titles(rng: np.random.Generator, n: int, jp: npt.NDArray[np.bool_]) -> ObjArray:
    """Track/album-style titles, vectorised with object-array string concatenation."""
    t = _pick(rng, ADJECTIVES, n) + " " + _pick(rng, NOUNS, n)
    u = rng.random(n)
    t = np.where(u < 0.08, _pick(rng, ACCENTED, n) + " " + _pick(rng, NOUNS, n), t)
    t = np.where((u >= 0.08) & (u < 0.11), "Hey, " + _pick(rng, NOUNS, n), t)
    t = np.where((u >= 0.11) & (u < 0.13), 'The "' + _pick(rng, NOUNS, n) + '"', t)
    t = np.where(jp, _pick(rng, JP_WORDS, n) + _pick(rng, JP_WORDS, n), t)
    return t  # type: ignore[no-any-return]


def _build_catalogue(rng: np.random.Generator, n_plays: int, n_groups: int) -> tuple[Catalogue, np.ndarray]:
    n_artists = int(np.clip(8 * math.sqrt(n_plays), 40, 8000))
    groups = rng.integers(0, n_groups, size=n_artists).astype(np.int64)
    names = _artist_names(rng, groups)
    # Zipf-like popularity by a random rank (rank 1 is the user's most-played artist overall).
    ranks = rng.permutation(n_artists) + 1
    popularity = 1.0 / ranks.astype(np.float64) ** 1.07

    n_albums_per = 1 + rng.poisson(1.6, size=n_artists)
    n_albums = int(n_albums_per.sum())
    album_artist = np.repeat(np.arange(n_artists), n_albums_per)
    single = rng.random(n_albums) < 0.3
    album_n = np.where(single, rng.integers(1, 3, size=n_albums), rng.integers(6, 15, size=n_albums))
    album_first = np.concatenate([[0], np.cumsum(album_n)[:-1]]).astype(np.int64)
    n_tracks = int(album_n.sum())
    track_album = np.repeat(np.arange(n_albums), album_n)
    track_artist = album_artist[track_album]
    artist_first_track = np.zeros(n_artists, dtype=np.int64)
    artist_n_tracks = np.bincount(track_artist, minlength=n_artists).astype(np.int64)
    artist_first_track[1:] = np.cumsum(artist_n_tracks)[:-1]

    jp_album = groups[album_artist] == JPOP
    album_name = _titles(rng, n_albums, jp_album)
    track_name = _titles(rng, n_tracks, groups[track_artist] == JPOP)
    # Singles are named after their first track, as on Spotify.
    album_name = np.where(single, track_name[album_first], album_name)
    deco = rng.random(n_tracks)
    track_name = np.where(deco < 0.06, track_name + _pick(rng, DECORATIONS, n_tracks), track_name)
    feat = (deco >= 0.06) & (deco < 0.09)
    track_name = np.where(feat, track_name + " (feat. " + names[rng.integers(0, n_artists, n_tracks)] + ")", track_name)
    # Track lengths 2–7 minutes, most around 3.5.
    track_len = np.clip(rng.lognormal(math.log(215_000), 0.25, size=n_tracks), 120_000, 420_000).astype(np.int64)

    artist_mbid = np.where(rng.random(n_artists) < 0.85, _uuids(rng, n_artists), "")
    album_mbid = np.where(rng.random(n_albums) < 0.8, _uuids(rng, n_albums), "")
    track_mbid = np.where(rng.random(n_tracks) < 0.8, _uuids(rng, n_tracks), "")
    isrc = np.array(
        [
            f"DE{c}{n:07d}"
            for c, n in zip(
                _pick(rng, ["A12", "B34", "C56", "X99"], n_tracks).tolist(),
                rng.integers(0, 10_000_000, n_tracks).tolist(),
                strict=True,
            )
        ],
        dtype=object,
    )

    # Podcasts: a handful of shows, a few of them with a trailing space in the name (as Spotify exports them).
    n_shows = int(np.clip(n_plays // 2000, 4, 30))
    show_name = _pick(rng, SHOW_WORDS, n_shows) + " " + _pick(rng, NOUNS, n_shows)
    show_name = np.array([f"{s} {i}" if i else s for i, s in enumerate(show_name.tolist())], dtype=object)
    trailing = rng.random(n_shows) < 0.25
    trailing[0] = True  # at least one, so the quirk is always present
    show_name = np.where(trailing, show_name + " ", show_name)
    show_publisher = _pick(rng, LAST_NAMES, n_shows) + " Media"
    show_n = rng.integers(20, 120, size=n_shows)
    show_first = np.concatenate([[0], np.cumsum(show_n)[:-1]]).astype(np.int64)
    n_eps = int(show_n.sum())
    episode_show = np.repeat(np.arange(n_shows), show_n)
    ep_no = np.arange(n_eps) - show_first[episode_show] + 1
    episode_name = np.array([f"Ep. {k}: " for k in ep_no.tolist()], dtype=object) + _titles(
        rng, n_eps, np.zeros(n_eps, dtype=bool)
    )
    episode_len = np.clip(rng.lognormal(math.log(2_700_000), 0.5, n_eps), 600_000, 7_200_000).astype(np.int64)
    video_show = rng.random(n_shows) < 0.25
    video_show[-1] = True

    n_books = int(np.clip(n_plays // 20_000, 3, 12))
    book_title = _titles(rng, n_books, np.zeros(n_books, dtype=bool))
    book_author = _pick(rng, BOOK_AUTHORS, n_books)
    book_n = rng.integers(8, 40, size=n_books)
    book_first = np.concatenate([[0], np.cumsum(book_n)[:-1]]).astype(np.int64)
    n_ch = int(book_n.sum())
    chapter_book = np.repeat(np.arange(n_books), book_n)
    chapter_title = np.array(
        [f"Chapter {k}" for k in (np.arange(n_ch) - book_first[chapter_book] + 1).tolist()], dtype=object
    )
    chapter_len = np.clip(rng.lognormal(math.log(1_200_000), 0.4, n_ch), 300_000, MS_PER_HOUR).astype(np.int64)

    cat = Catalogue(
        artist_name=names,
        artist_group=groups,
        artist_mbid=artist_mbid.astype(object),
        artist_uri=_base62_ids(rng, n_artists, "spotify:artist:"),
        artist_first_track=artist_first_track,
        artist_n_tracks=artist_n_tracks,
        album_name=album_name,
        album_artist=album_artist.astype(np.int64),
        album_first_track=album_first,
        album_n_tracks=album_n.astype(np.int64),
        album_mbid=album_mbid.astype(object),
        album_uri=_base62_ids(rng, n_albums, "spotify:album:"),
        track_name=track_name,
        track_artist=track_artist.astype(np.int64),
        track_album=track_album.astype(np.int64),
        track_len_ms=track_len,
        track_uri=_base62_ids(rng, n_tracks, "spotify:track:"),
        track_mbid=track_mbid.astype(object),
        track_msid=_uuids(rng, n_tracks),
        track_isrc=isrc,
        show_name=show_name,
        show_publisher=show_publisher,
        show_first_episode=show_first,
        show_n_episodes=show_n.astype(np.int64),
        episode_name=episode_name,
        episode_show=episode_show.astype(np.int64),
        episode_len_ms=episode_len,
        episode_uri=_base62_ids(rng, n_eps, "spotify:episode:"),
        episode_video=video_show[episode_show],
        book_title=book_title,
        book_author=book_author,
        book_uri=_base62_ids(rng, n_books, "spotify:show:"),
        book_first_chapter=book_first,
        book_n_chapters=book_n.astype(np.int64),
        chapter_title=chapter_title,
        chapter_book=chapter_book.astype(np.int64),
        chapter_len_ms=chapter_len,
        chapter_uri=_base62_ids(rng, n_ch, "spotify:episode:"),
    )
    return cat, popularity


def _sample_cdf(rng: np.random.Generator, cdf: np.ndarray, n: int) -> IntArray:
    idx = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    return np.minimum(idx, len(cdf) - 1).astype(np.int64)


def _group_rank(keys: np.ndarray) -> IntArray:
    """For each element, how many earlier elements (by index) share its key."""
    order = np.argsort(keys, kind="stable")
    k = keys[order]
    starts = np.r_[True, k[1:] != k[:-1]]
    first = np.maximum.accumulate(np.where(starts, np.arange(len(k)), 0))
    rank = np.empty(len(k), dtype=np.int64)
    rank[order] = np.arange(len(k)) - first
    return rank


def _iso_ms(epoch_ms: int) -> str:
    d = dt.datetime.fromtimestamp(epoch_ms // 1000, dt.UTC)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + f".{epoch_ms % 1000:03d}Z"


def _pack_sessions(
    st: IntArray,
    dur: IntArray,
    incognito: npt.NDArray[np.bool_],
    lanes: int,
    join_gap: IntArray,
    context: IntArray | None = None,
) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Start (epoch ms) of every session, and whether it continues the previous session of its lane.

    Sessions are sorted by drawn start ``st`` and dealt round-robin to ``lanes``. On a lane, a session drawn
    to start within :data:`JOIN_WITHIN_MS` of the previous session's end continues it (``join_gap`` after
    its end at the earliest); one drawn to start later but within :data:`MIN_SILENCE_MS` (or an incognito
    session next to a non-incognito one, which the library would show as a gap of any length, or one of
    another listening context, so every session the library finds has one planted context) is pushed to
    :data:`MIN_SILENCE_MS` after that end. Sessions only ever move later. A loop per session (not per play):
    ~0.1 s for 150 000 sessions.
    """
    n = len(st)
    st_l, dur_l, inc_l, jg_l = st.tolist(), dur.tolist(), incognito.tolist(), join_gap.tolist()
    ctx_l = context.tolist() if context is not None else [0] * n
    out = [0] * n
    joined = [False] * n
    for lane in range(lanes):
        prev_end: int | None = None
        prev_inc = False
        prev_ctx = -1
        for i in range(lane, n, lanes):
            s = st_l[i]
            if prev_end is not None and s < prev_end + MIN_SILENCE_MS:
                if s <= prev_end + JOIN_WITHIN_MS and inc_l[i] == prev_inc and ctx_l[i] == prev_ctx:
                    s = max(s, prev_end + jg_l[i])
                    joined[i] = True
                else:
                    s = prev_end + MIN_SILENCE_MS + jg_l[i]
            out[i] = s
            prev_end = s + dur_l[i]
            prev_inc = inc_l[i]
            prev_ctx = ctx_l[i]
    return np.array(out, dtype=np.int64), np.array(joined, dtype=bool)


def _forgotten_plan(
    rng: np.random.Generator, cat: Catalogue, popularity: np.ndarray, n_days: int, years: float
) -> tuple[IntArray, list[tuple[int, int, float]]]:
    """Forgotten favourites: which artists, and their love windows (first day, end day exclusive, share).

    Windows end in the first half of the history and at least :data:`FORGOTTEN_SILENCE_DAYS` (+ 30 days of
    slack for session packing) before its end. Artists are taken from the well-liked but not top ranks, with
    a few tracks, and every taste group keeps at least three other artists.
    """
    latest_end = min(n_days // 2, n_days - FORGOTTEN_SILENCE_DAYS - 30)
    n_artists = len(cat.artist_name)
    k = int(np.clip(round(2 * years), 0, FORGOTTEN_MAX)) if latest_end >= FORGOTTEN_WINDOW_DAYS[0] + 10 else 0
    k = min(k, n_artists // 10)
    if k == 0:
        return np.zeros(0, dtype=np.int64), []
    by_pop = np.argsort(-popularity, kind="stable")
    cand = by_pop[10 : 10 + max(60, 8 * k)]
    cand = cand[cat.artist_n_tracks[cand] >= 3]
    cand = cand[rng.permutation(len(cand))]
    left = np.bincount(cat.artist_group, minlength=len(TASTE_GROUPS))
    chosen: list[int] = []
    for a in cand.tolist():
        g = int(cat.artist_group[a])
        if left[g] > 3:
            chosen.append(a)
            left[g] -= 1
        if len(chosen) == k:
            break
    windows: list[tuple[int, int, float]] = []
    for _ in chosen:
        length = min(int(rng.integers(FORGOTTEN_WINDOW_DAYS[0], FORGOTTEN_WINDOW_DAYS[1] + 1)), latest_end - 1)
        for _attempt in range(30):
            end = int(rng.integers(length, latest_end + 1))
            overlap = sum(1 for a, b, _ in windows if a < end and end - length < b)
            if overlap < FORGOTTEN_MAX_OVERLAP:
                break
        windows.append((end - length, end, float(rng.uniform(*FORGOTTEN_SHARE))))
    return np.array(chosen, dtype=np.int64), windows


def _hour_profile(weights: dict[int, float]) -> np.ndarray:
    """A 24-entry local-hour weight vector from {hour: weight} (other hours get nothing)."""
    prof = np.zeros(24)
    for h, w in weights.items():
        prof[h % 24] = w
    return prof


def _noise_artists(rng: np.random.Generator, cat: Catalogue, forgotten: IntArray) -> tuple[IntArray, IntArray]:
    """Take over a few catalogue artists as noise (a child's music, sleep sounds): renamed, own taste group,
    kids songs made short and sleep loops long (20-60 min). They are never drawn by ordinary sessions, so
    every play of them is noise. Needs a catalogue of at least 20 artists (always true: the minimum is 40)."""
    n_art = len(cat.artist_name)
    if n_art < 20:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    free = np.setdiff1d(np.arange(n_art), forgotten)
    free = free[rng.permutation(len(free))]
    wide = free[cat.artist_n_tracks[free] >= 4]
    pool = np.r_[wide, free[cat.artist_n_tracks[free] < 4]]
    n_kids = len(KIDS_ARTISTS) if n_art >= 200 else 2
    kids = np.sort(pool[:n_kids]).astype(np.int64)
    sleep = np.sort(pool[n_kids : n_kids + len(SLEEP_ARTISTS)]).astype(np.int64)
    for i, a in enumerate(kids.tolist()):
        cat.artist_name[a] = KIDS_ARTISTS[i]
        cat.artist_group[a] = len(TASTE_GROUPS) + NOISE_GROUPS.index("kids")
        t0, nt = int(cat.artist_first_track[a]), int(cat.artist_n_tracks[a])
        cat.track_len_ms[t0 : t0 + nt] = np.clip(rng.lognormal(math.log(125_000), 0.2, nt), 60_000, 200_000)
        words = np.array(KIDS_WORDS, dtype=object)[rng.integers(0, len(KIDS_WORDS), (nt, 2))]
        cat.track_name[t0 : t0 + nt] = words[:, 0] + " and the " + words[:, 1] + " Song"
    for i, a in enumerate(sleep.tolist()):
        cat.artist_name[a] = SLEEP_ARTISTS[i]
        cat.artist_group[a] = len(TASTE_GROUPS) + NOISE_GROUPS.index("sleep")
        t0, nt = int(cat.artist_first_track[a]), int(cat.artist_n_tracks[a])
        cat.track_len_ms[t0 : t0 + nt] = rng.integers(20 * 60_000, 60 * 60_000, nt)
        cat.track_name[t0 : t0 + nt] = np.array(SLEEP_TRACKS, dtype=object)[np.arange(nt) % len(SLEEP_TRACKS)]
    return kids, sleep


# --------------------------------------------------------------------------------------------------------
# the model


def _eras(
    rng: np.random.Generator, t0: int, span: int, years: float, crossfade_days: float = 0.0, overlap: float = 0.0
) -> tuple[IntArray, np.ndarray, list[tuple[int, int]], int]:
    """Life chapters: boundaries, per-era taste-group mixtures, dominant groups, transition half-width (s)."""
    n_groups = len(TASTE_GROUPS)
    n_eras = int(rng.integers(3, 7)) if years >= 2 else (2 if years >= 0.5 else 1)
    cuts = np.zeros(0)
    if n_eras > 1:
        for _ in range(200):
            cuts = np.sort(rng.uniform(0.08, 0.92, n_eras - 1))
            if np.diff(np.r_[0.0, cuts, 1.0]).min() >= 0.5 / n_eras:
                break
        else:
            cuts = np.arange(1, n_eras) / n_eras
    bounds = (t0 + cuts * span).astype(np.int64)
    edges = np.r_[t0, bounds, t0 + span]
    # Transitions are short against the ±45-day tolerance a chapter finder is scored with: the taste really
    # changes within a few weeks, so a boundary is a detectable date, not a slow drift.
    transition = int(min(12 * 86400, 0.05 * np.diff(edges).min()))
    mixes = np.zeros((n_eras, n_groups))
    dominant: list[tuple[int, int]] = []
    prev: set[int] = set()
    for e in range(n_eras):
        while True:
            d0, d1 = (int(x) for x in rng.choice(n_groups, 2, replace=False))
            if not {d0, d1} & prev:  # a new chapter's two dominant groups are both new
                break
        prev = {d0, d1}
        mixes[e] = rng.dirichlet(np.ones(n_groups)) * 0.2
        mixes[e, d0] += 0.5
        mixes[e, d1] += 0.30
        if overlap and dominant:
            mixes[e, dominant[-1][0]] += overlap  # the previous era's main group lingers on
        dominant.append((d0, d1))
    if crossfade_days:
        transition = int(crossfade_days * 86400 / 2)
    return bounds, mixes, dominant, transition


def _travel(
    rng: np.random.Generator, n_days: int, years: float, home_idx: int, countries: list[str], t0: int
) -> tuple[IntArray, list[dict[str, Any]]]:
    """Per-day country index, and the planted trips abroad."""
    day_country = np.full(n_days, home_idx, dtype=np.int64)
    trips: list[dict[str, Any]] = []
    n_trips = round(years * 1.2) if n_days > 60 else 0
    abroad = [c for c in TRAVEL_COUNTRIES if c != countries[home_idx]]
    for _ in range(n_trips):
        length = int(rng.integers(4, 22))
        first = int(rng.integers(1, max(2, n_days - length - 1)))
        c = abroad[int(rng.integers(0, len(abroad)))]
        lo, hi = max(0, first - 3), min(n_days, first + length + 3)
        if (day_country[lo:hi] != home_idx).any() or first + length >= n_days:
            continue
        day_country[first : first + length] = countries.index(c)
        trips.append(
            {
                "country": c,
                "start": _iso_day(t0 + first * 86400),
                "end": _iso_day(t0 + (first + length - 1) * 86400),
                "days": length,
            }
        )
    trips.sort(key=lambda t: t["start"])
    return day_country, trips


def generate_history(params: Params) -> History:
    """Draw a whole history. See :func:`linernotes.synth.generate` for the public entry point."""
    p = params
    n = int(p.n_plays)
    if n < 1:
        raise ValueError("n_plays must be at least 1")
    rng = np.random.default_rng(p.seed)
    t0 = _epoch(p.start)
    t1 = _epoch(p.end) + 86400 - 1
    if t1 <= t0 + 86400:
        raise ValueError("end must be at least a day after start")
    span = t1 - t0
    n_days = span // 86400 + 1
    years = span / (365.25 * 86400)
    home = p.home_country.upper()
    countries = [home] + [c for c in TRAVEL_COUNTRIES if c != home] + ["ZZ"]
    home_idx = 0
    offsets_s = np.array([UTC_OFFSET_HOURS.get(c, 0) * 3600 for c in countries], dtype=np.int64)

    cat, popularity = _build_catalogue(rng, n, len(TASTE_GROUPS))
    bounds, mixes, dominant, transition = _eras(rng, t0, span, years, p.era_crossfade_days, p.era_overlap)
    day_country, trips = _travel(rng, n_days, years, home_idx, countries, t0)
    forgotten, forgotten_windows = _forgotten_plan(rng, cat, popularity, n_days, years)
    kids_art, sleep_art = _noise_artists(rng, cat, forgotten)

    # ---- sessions: context, kind, length, start time -----------------------------------------------------
    # Each session draws a context (CONTEXTS) with probability proportional to its share of plays divided by
    # its mean length; podcasts (draw 7) and audiobooks (draw 8) are both the "spoken word" context.
    kids_share = p.kids_share if len(kids_art) else 0.0
    sleep_share = p.sleep_share if len(sleep_art) else 0.0
    ctx_len = np.array([c["mean_len"] for c in CONTEXTS[:CTX_SPOKEN]] + [1.3, 2.0])
    pw = np.array([c["session_weight"] for c in CONTEXTS[:CTX_PERSONAL]])
    music_share = max(0.0, 1.0 - p.podcast_share - p.audiobook_share - kids_share - sleep_share)
    draw_p = np.r_[
        music_share * pw / float((pw * ctx_len[:CTX_PERSONAL]).sum()),
        kids_share / ctx_len[CTX_KIDS],
        sleep_share / ctx_len[CTX_SLEEP],
        p.podcast_share / ctx_len[7],
        p.audiobook_share / ctx_len[8],
    ]
    draw_p /= draw_p.sum()
    s_est = int(n * float(draw_p.sum()) / float((draw_p * ctx_len).sum()) * 1.2) + 20
    while True:
        draws = rng.choice(len(draw_p), size=s_est, p=draw_p)
        lens = rng.geometric(1.0 / ctx_len[draws]).astype(np.int64)
        cum = np.cumsum(lens)
        if cum[-1] >= n:
            break
        s_est *= 2
    n_sess = int(np.searchsorted(cum, n)) + 1
    draws, lens = draws[:n_sess], lens[:n_sess]
    lens[-1] -= int(cum[n_sess - 1] - n)
    kinds = np.where(draws < CTX_SPOKEN, 0, draws - CTX_SPOKEN + 1).astype(np.int64)  # 0 music 1 podcast 2 book
    ctx_s = np.minimum(draws, CTX_SPOKEN).astype(np.int64)

    days_abs = (t0 // 86400) + np.arange(n_days)
    weekend_day = ((days_abs + 3) % 7) >= 5  # 1970-01-01 was a Thursday
    week_noise = rng.lognormal(0.0, 0.35, n_days // 7 + 1)[np.arange(n_days) // 7]
    season_day = np.zeros(n_days, dtype=bool)
    if p.seasonal_spike:
        dates = (days_abs * 86400).astype("datetime64[s]").astype("datetime64[D]")
        month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
        dom = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
        season_day = (month == 12) & (dom <= 26)
        week_noise = week_noise * np.where(season_day, 1.0 + p.seasonal_spike, 1.0)
    day = np.zeros(n_sess, dtype=np.int64)
    local_hour = np.zeros(n_sess, dtype=np.int64)
    for c, spec in enumerate(CONTEXTS):
        m = ctx_s == c
        if not m.any():
            continue
        day_w = week_noise * np.where(weekend_day, spec["weekend_weight"], 1.0)
        day[m] = _sample_cdf(rng, np.cumsum(day_w), int(m.sum()))
        for is_we, key, default in (
            (False, "hours_weekday", HOUR_PROFILE_WEEKDAY),
            (True, "hours_weekend", HOUR_PROFILE_WEEKEND),
        ):
            mm = m & (weekend_day[day] == is_we)
            prof = default if spec[key] is None else _hour_profile(spec[key])
            local_hour[mm] = _sample_cdf(rng, np.cumsum(prof), int(mm.sum()))
    s_country = day_country[day]
    s_start = t0 + day * 86400 + local_hour * 3600 + rng.integers(0, 3600, n_sess) - offsets_s[s_country]
    # A session just after local midnight on New Year: its UTC year differs from its local year, which is
    # what makes Spotify put "2025-12-31T23:…Z" into a file named 2026 (docs/formats.md §1.6.2).
    new_year_ts = None
    home_off = int(offsets_s[home_idx])
    y0, y1 = dt.datetime.fromtimestamp(t0, dt.UTC).year, dt.datetime.fromtimestamp(t1, dt.UTC).year
    music_sessions = np.flatnonzero(ctx_s < CTX_PERSONAL)
    if home_off != 0 and y1 > y0 and len(music_sessions):
        ny = int(dt.datetime(int(rng.integers(y0 + 1, y1 + 1)), 1, 1, tzinfo=dt.UTC).timestamp())
        k = int(music_sessions[rng.integers(0, len(music_sessions))])
        s_start[k] = ny + 600 - home_off if home_off > 0 else ny - 600 - home_off
        s_country[k] = home_idx
        local_hour[k] = ((s_start[k] + home_off) // 3600) % 24
        new_year_ts = int(s_start[k])
    s_start = np.clip(s_start, t0, t1 - 3600)
    order = np.argsort(s_start, kind="stable")
    kinds, lens, s_country, local_hour, s_start, ctx_s = (
        a[order] for a in (kinds, lens, s_country, local_hour, s_start, ctx_s)
    )

    # ---- session context ---------------------------------------------------------------------------------
    # The phone switch happens at a chapter boundary when one falls in the middle of the history (a new job
    # or city often comes with a new phone), so the device change does not look like a chapter of its own.
    phone_switch = int(t0 + rng.uniform(0.3, 0.8) * span)
    mid = bounds[(bounds > t0 + 0.25 * span) & (bounds < t0 + 0.85 * span)]
    if len(mid):
        phone_switch = int(mid[np.argmin(np.abs(mid - phone_switch))])
    fam_index = {name: i for i, name in enumerate(DEVICE_FAMILIES)}
    family = np.zeros(n_sess, dtype=np.int64)
    mode = np.zeros(n_sess, dtype=np.int64)  # 0 mix, 1 one artist, 2 one album in order
    shuffle_p = np.zeros(n_sess)
    u_dev, u_mode = rng.random(n_sess), rng.random(n_sess)
    for c, spec in enumerate(CONTEXTS):
        m = ctx_s == c
        names = list(spec["devices"])
        probs = np.cumsum([spec["devices"][k] for k in names])
        codes = np.array([-1 if k == "phone" else fam_index[k] for k in names])
        family[m] = codes[np.minimum(np.searchsorted(probs / probs[-1], u_dev[m], side="right"), len(codes) - 1)]
        mcdf = np.cumsum(spec["modes"])
        mode[m] = np.minimum(np.searchsorted(mcdf / mcdf[-1], u_mode[m], side="right"), 2)
        shuffle_p[m] = spec["shuffle"]
    family = np.where(family < 0, np.where(s_start < phone_switch, 0, 1), family)  # DEVICE_FAMILIES index
    is_phone = family <= 1
    shuffle_s = (kinds == 0) & (mode != 2) & (rng.random(n_sess) < shuffle_p)
    travelling = s_country != home_idx
    offline_s = is_phone & (rng.random(n_sess) < np.where(travelling, 0.3, p.offline_session_rate))
    incognito_s = rng.random(n_sess) < p.incognito_session_rate
    ip_s = rng.integers(1, 255, n_sess)
    era_s = np.searchsorted(bounds, s_start + rng.integers(-transition, transition + 1, n_sess), side="right")

    # ---- plays: what is played ---------------------------------------------------------------------------
    sess = np.repeat(np.arange(n_sess), lens)
    first = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    pos = np.arange(n) - first[sess]
    kind_p = kinds[sess]
    mode_p = mode[sess]
    ctx_p = ctx_s[sess]
    n_groups = len(TASTE_GROUPS)
    n_ctx = len(CONTEXTS)
    # Taste mix of (era, context): the era's mix with the context's preferred groups weighted up.
    tilt = np.ones((n_ctx, n_groups))
    for c, spec in enumerate(CONTEXTS):
        for g in spec["groups"]:
            tilt[c, TASTE_GROUPS.index(g)] = CONTEXT_TASTE_TILT
    mix_ec = mixes[:, None, :] * tilt[None, :, :]
    mix_ec /= mix_ec.sum(axis=2, keepdims=True)
    mix_cdf = np.cumsum(mix_ec.reshape(-1, n_groups), axis=1)
    # Forgotten favourites and noise artists are never drawn: they are only played where planted.
    drawable = np.ones(len(cat.artist_name), dtype=bool)
    drawable[forgotten] = False
    drawable[kids_art] = False
    drawable[sleep_art] = False
    group_artists = [np.flatnonzero((cat.artist_group == g) & drawable) for g in range(n_groups)]
    all_artists = np.flatnonzero(drawable)

    def draw_artists(eras: IntArray, ctxs: IntArray) -> IntArray:
        u = rng.random(len(eras))
        g = np.minimum((u[:, None] > mix_cdf[eras * n_ctx + ctxs]).sum(axis=1), n_groups - 1)
        out = np.empty(len(eras), dtype=np.int64)
        for gi in range(n_groups):
            m = g == gi
            pool = group_artists[gi] if len(group_artists[gi]) else all_artists
            out[m] = pool[_sample_cdf(rng, np.cumsum(popularity[pool]), int(m.sum()))]
        return out

    artist_play = draw_artists(era_s[sess], ctx_p)
    artist_sess = draw_artists(era_s, ctx_s)
    artist = np.where(mode_p == 0, artist_play, artist_sess[sess])
    seasonal_artists = np.zeros(0, dtype=np.int64)
    if p.seasonal_spike:
        # A separate stream, so the rest of the history is drawn as without the option.
        srng = np.random.default_rng([p.seed, 1225])
        seasonal_artists = srng.choice(all_artists, size=min(6, len(all_artists)), replace=False)
        in_season = season_day[np.clip((s_start[sess] - t0) // 86400, 0, n_days - 1)] & (kind_p == 0)
        in_season &= (ctx_p != CTX_KIDS) & (ctx_p != CTX_SLEEP)
        pick = in_season & (srng.random(n) < min(0.6, p.seasonal_spike))
        artist = np.where(pick, seasonal_artists[srng.integers(0, len(seasonal_artists), n)], artist)
    track = cat.artist_first_track[artist] + (cat.artist_n_tracks[artist] * rng.random(n) ** 2.2).astype(np.int64)
    n_alb = np.bincount(cat.album_artist, minlength=len(cat.artist_name))
    first_alb = np.searchsorted(cat.album_artist, artist_sess, side="left")
    alb = first_alb + (n_alb[artist_sess] * rng.random(n_sess)).astype(np.int64)
    alb_start = np.where(rng.random(n_sess) < 0.3, (cat.album_n_tracks[alb] * rng.random(n_sess)).astype(np.int64), 0)
    album_track = cat.album_first_track[alb[sess]] + (alb_start[sess] + pos) % cat.album_n_tracks[alb[sess]]
    track = np.where(mode_p == 2, album_track, track)
    # Noise: a child's favourite songs on repeat (one kids artist per session), and sleep loops.
    for art_pool, label, fav_share in ((kids_art, CTX_KIDS, 0.45), (sleep_art, CTX_SLEEP, 0.6)):
        m = ctx_p == label
        if not len(art_pool) or not m.any():
            continue
        na = art_pool[rng.integers(0, len(art_pool), n_sess)]
        fav = cat.artist_first_track[na] + (cat.artist_n_tracks[na] * rng.random(n_sess)).astype(np.int64)
        any_tr = cat.artist_first_track[na[sess]] + (cat.artist_n_tracks[na[sess]] * rng.random(n)).astype(np.int64)
        track = np.where(m, np.where(rng.random(n) < fav_share, fav[sess], any_tr), track)
    noise_p = ctx_p == CTX_KIDS
    noise_p |= ctx_p == CTX_SLEEP

    n_shows = len(cat.show_name)
    show_s = _sample_cdf(rng, np.cumsum(1.0 / np.arange(1, n_shows + 1) ** 1.5), n_sess)
    frac_s = (s_start - t0) / span
    ep_base = (frac_s * cat.show_n_episodes[show_s]).astype(np.int64)
    episode = cat.show_first_episode[show_s[sess]] + (ep_base[sess] + pos) % cat.show_n_episodes[show_s[sess]]
    n_books = len(cat.book_title)
    book_s = np.minimum((frac_s * n_books + rng.normal(0, 0.3, n_sess)).astype(np.int64).clip(0), n_books - 1)
    ch_base = (rng.random(n_sess) * cat.book_n_chapters[book_s]).astype(np.int64)
    chapter = cat.book_first_chapter[book_s[sess]] + (ch_base[sess] + pos) % cat.book_n_chapters[book_s[sess]]

    # ---- planted binges (music only): a track on repeat, or one artist for days ---------------------------
    play_t = s_start[sess]
    is_music = (kind_p == 0) & ~noise_p  # the person's own music: binges and favourites are planted there
    binge_mask = np.zeros(n, dtype=bool)
    binges: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    n_track_binges = max(1, round(years))
    n_artist_binges = max(1, round(0.7 * years))
    music_idx = np.flatnonzero(is_music)
    for b in range(n_track_binges + n_artist_binges):
        is_track_binge = b < n_track_binges
        length_days = int(rng.integers(2, 7)) if is_track_binge else int(rng.integers(5, 15))
        length_days = min(length_days, max(1, n_days - 2))
        for _ in range(50):
            # Anchor the window on a day with music listening, so a binge is never planted into silence.
            anchor = int(music_idx[rng.integers(0, len(music_idx))]) if len(music_idx) else 0
            d0 = int((play_t[anchor] - t0) // 86400) - int(rng.integers(0, length_days))
            d0 = min(max(d0, 0), max(0, n_days - length_days))
            ws, we = t0 + d0 * 86400, t0 + (d0 + length_days) * 86400
            if all(we <= a or ws >= c for a, c in taken):
                break
        else:
            continue
        taken.append((ws, we))
        idx = np.flatnonzero(is_music & (play_t >= ws) & (play_t < we))
        era_here = int(np.searchsorted(bounds, ws, side="right"))
        pool = group_artists[dominant[era_here][0]]
        pool = pool if len(pool) else all_artists
        if not is_track_binge:
            # An artist binge spreads over the artist's tracks; with fewer than six tracks one of them would
            # hold half the plays, which is a track on repeat rather than an artist binge.
            wide = pool[cat.artist_n_tracks[pool] >= 6]
            pool = wide if len(wide) else pool
        target_artist = int(pool[rng.integers(0, len(pool))])
        sub = idx[rng.random(len(idx)) < (0.55 if is_track_binge else 0.6)]
        entry: dict[str, Any] = {
            "type": "track_repeat" if is_track_binge else "artist",
            "start": _iso_day(ws),
            "end": _iso_day(we - 1),
            "days": length_days,
            "planted_plays": len(sub),
        }
        if is_track_binge:
            target = int(cat.artist_first_track[target_artist] + rng.integers(0, cat.artist_n_tracks[target_artist]))
            track[sub] = target
            entry.update(
                track=str(cat.track_name[target]),
                artist=str(cat.artist_name[cat.track_artist[target]]),
                uri=str(cat.track_uri[target]),
            )
        else:
            nt = cat.artist_n_tracks[target_artist]
            track[sub] = cat.artist_first_track[target_artist] + (nt * rng.random(len(sub)) ** 1.5).astype(np.int64)
            entry.update(
                artist=str(cat.artist_name[target_artist]),
                artist_uri=str(cat.artist_uri[target_artist]),
                group=TASTE_GROUPS[int(cat.artist_group[target_artist])],
            )
        binge_mask[sub] = True
        binges.append(entry)
    binges.sort(key=lambda e: e["start"])

    # ---- planted forgotten favourites: a share of the music plays of a few months, then never again --------
    forgotten_mask = np.zeros(n, dtype=bool)
    forgotten_planted: list[tuple[int, int, int]] = []  # (artist, first day, end day exclusive)
    for f, (d0, d1, share) in zip(forgotten.tolist(), forgotten_windows, strict=True):
        ws, we = t0 + d0 * 86400, t0 + d1 * 86400
        idx = np.flatnonzero(is_music & ~binge_mask & ~forgotten_mask & (play_t >= ws) & (play_t < we))
        sub = idx[rng.random(len(idx)) < share]
        nt = cat.artist_n_tracks[f]
        track[sub] = cat.artist_first_track[f] + (nt * rng.random(len(sub)) ** 1.5).astype(np.int64)
        forgotten_mask[sub] = True
        if len(sub):
            forgotten_planted.append((f, d0, d1))

    item_kind = np.select([kind_p == 0, kind_p == 1], [ITEM_TRACK, ITEM_EPISODE], ITEM_CHAPTER).astype(np.int8)
    item_id = np.select([kind_p == 0, kind_p == 1], [track, episode], chapter).astype(np.int64)
    file_kind = np.zeros(n, dtype=np.int8)
    file_kind[(item_kind == ITEM_EPISODE) & cat.episode_video[np.where(kind_p == 1, episode, 0)]] = FILE_VIDEO

    # No-metadata rows and music-video rows are drawn from ordinary music plays (not binge plays, so binge
    # counts stay exact).
    plain_music = np.flatnonzero(is_music & ~binge_mask & ~forgotten_mask)
    perm = plain_music[rng.permutation(len(plain_music))]
    k_nometa = min(len(perm), max(1, round(n * p.no_metadata_rate)))
    k_video = min(len(perm) - k_nometa, max(1, round(n * p.video_share * 0.8)))
    nometa_idx = perm[:k_nometa]
    video_track_idx = perm[k_nometa : k_nometa + k_video]
    item_kind[nometa_idx] = ITEM_NONE
    item_id[nometa_idx] = -1
    file_kind[video_track_idx] = FILE_VIDEO
    is_track = item_kind == ITEM_TRACK
    is_video_track = np.zeros(n, dtype=bool)
    is_video_track[video_track_idx] = True

    # ---- skips, ms_played, reasons -----------------------------------------------------------------------
    # Plays are in session order (sessions sorted by start), so index order is time order for the counts.
    track_key = np.where(is_track, item_id, -1 - np.arange(n))
    prior = _group_rank(track_key)
    art_all = np.where(is_track, cat.track_artist[np.where(is_track, item_id, 0)], -1)
    prior_artist = _group_rank(np.where(is_track, art_all, -1 - np.arange(n)))
    t_approx = s_start[sess] + pos * 210
    ko = np.argsort(track_key, kind="stable")
    since = np.full(n, 1 << 40, dtype=np.int64)
    same = track_key[ko][1:] == track_key[ko][:-1]
    since[ko[1:][same]] = (t_approx[ko][1:] - t_approx[ko][:-1])[same]
    fam_p = family[sess]
    lh = (local_hour[sess] + (pos * 210) // 3600) % 24
    sm = SKIP_MODEL
    artist_effect = rng.normal(0.0, sm["artist_effect_sd"], len(cat.artist_name))
    ctx_offset = np.array([c["skip_offset"] for c in CONTEXTS])
    logit = (
        sm["intercept"]
        + ctx_offset[ctx_p]
        + artist_effect[np.maximum(art_all, 0)]
        + sm["shuffle"] * shuffle_s[sess]
        + sm["first_listen"] * (prior == 0)
        + sm["log1p_prior_plays"] * np.log1p(prior)
        + sm["log1p_prior_artist_plays"] * np.log1p(prior_artist)
        + sm["heard_within_24h"] * (since < 86400)
        + sm["session_opener"] * (pos == 0)
        + sm["log1p_position"] * np.log1p(pos)
        + sm["morning_6_to_9_local"] * ((lh >= 6) & (lh < 9))
        + sm["late_night_0_to_4_local"] * (lh < 4)
        + sm["device_cast"] * (fam_p == DEVICE_FAMILIES.index("cast"))
        + sm["device_web_player"] * (fam_p == DEVICE_FAMILIES.index("web_player"))
        + sm["device_speaker"] * (fam_p == DEVICE_FAMILIES.index("speaker"))
        + sm["album_in_order"] * (mode_p == 2)
        + sm["planted_favourite"] * (binge_mask | forgotten_mask)
    )
    # Skips come in runs: a play after a skipped one (reason_start fwdbtn/backbtn) is more likely skipped.
    # Drawn position by position (one vectorised step per position, not per play).
    can_skip = is_track & ~is_video_track
    u_skip = rng.random(n)
    skip = np.zeros(n, dtype=bool)
    by_pos = np.argsort(pos, kind="stable")
    pos_edges = np.r_[0, np.cumsum(np.bincount(pos))]
    for k in range(len(pos_edges) - 1):
        idx = by_pos[pos_edges[k] : pos_edges[k + 1]]
        lg = logit[idx] + (sm["previous_skipped"] * skip[idx - 1] if k else 0.0)
        skip[idx] = can_skip[idx] & (u_skip[idx] < 1.0 / (1.0 + np.exp(-lg)))

    safe_track = np.where(is_track | is_video_track, item_id, 0)
    length = np.select(
        [is_track | is_video_track, item_kind == ITEM_EPISODE, item_kind == ITEM_CHAPTER],
        [
            cat.track_len_ms[safe_track],
            cat.episode_len_ms[np.where(item_kind == ITEM_EPISODE, item_id, 0)],
            cat.chapter_len_ms[np.where(item_kind == ITEM_CHAPTER, item_id, 0)],
        ],
        rng.integers(60_000, 240_000, n),
    ).astype(np.int64)
    r = rng.random(n)
    frac = rng.random(n)
    skip_ms = np.clip(rng.lognormal(math.log(9000), 0.9, n), 300, 0.6 * length).astype(np.int64)
    full_ms = length - rng.integers(0, 400, n)
    part_ms = (length * (0.05 + 0.9 * frac)).astype(np.int64) + 1
    end_track = np.select(
        [r < 0.90, r < 0.96, r < 0.975, r < 0.99, r < 0.995],
        [R["trackdone"], R["endplay"], R["logout"], R["unexpected-exit"], R["unexpected-exit-while-paused"]],
        R["trackerror"],
    )
    end_skip = np.select([frac < 0.85, frac < 0.95], [R["fwdbtn"], R["backbtn"]], R["endplay"])
    ms = np.select([skip, is_track & (r < 0.90)], [skip_ms, full_ms], part_ms)
    reason_end = np.where(skip, end_skip, end_track)
    ep_full = r < 0.3
    is_ep = item_kind == ITEM_EPISODE
    ms = np.where(is_ep, np.where(ep_full, length, part_ms), ms)
    reason_end = np.where(is_ep, np.where(ep_full, R["trackdone"], R["endplay"]), reason_end)
    is_ch = item_kind == ITEM_CHAPTER
    ch_full = r < 0.7
    ms = np.where(is_ch, np.where(ch_full, length, part_ms), ms)
    reason_end = np.where(is_ch, np.where(ch_full, R["trackdone"], R["endplay"]), reason_end)
    is_none = item_kind == ITEM_NONE
    ms = np.where(is_none, rng.integers(1000, 166_000, n), ms)
    reason_end = np.where(is_none, np.where(r < 0.5, R["endplay"], R["trackdone"]), reason_end)
    ms = np.where(is_video_track, np.where(r < 0.6, 0, rng.integers(200, 8000, n)), ms)
    reason_end = np.where(is_video_track, R["endplay"], reason_end)
    # Planted zero-ms plays: instant skips (the common real case).
    zero_pool = np.flatnonzero(skip)
    if len(zero_pool) == 0:
        zero_pool = np.flatnonzero(is_track)
    k_zero = min(len(zero_pool), max(1, round(n * p.zero_ms_rate)))
    ms[zero_pool[rng.permutation(len(zero_pool))[:k_zero]]] = 0
    ms = ms.astype(np.int64)
    skipped = skip | is_none | is_video_track

    # reason_start follows from the previous play's reason_end within a session (Spotify's semantics).
    follow = np.full(len(REASONS), R["clickrow"], dtype=np.int64)
    for name in ("trackdone", "fwdbtn", "backbtn"):
        follow[R[name]] = R[name]
    reason_start = follow[np.roll(reason_end, 1)]
    opener = np.select([rng.random(n) < 0.45, rng.random(n) < 0.4], [R["clickrow"], R["playbtn"]], R["appload"])
    opener = np.where(fam_p == 4, R["remote"], opener)
    reason_start = np.where(pos == 0, opener, reason_start)
    reason_start = np.where(is_video_track, R["unknown"], reason_start)

    # ---- time ----------------------------------------------------------------------------------------------
    overhead = rng.integers(300, 1600, n)
    # A pause (paused playback) before a play: never before a session's first play, never over 15 minutes.
    pause = np.where(
        (rng.random(n) < 0.04) & (pos > 0), np.clip(rng.lognormal(math.log(60_000), 1.2, n), 1000, PAUSE_MAX_MS), 0
    ).astype(np.int64)
    gap = np.where(skip, rng.integers(100, 2500, n), rng.integers(0, 900, n))
    elapsed = ms + pause + overhead
    step = elapsed + gap
    cs = np.cumsum(step)
    in_sess = cs - step - (cs[first] - step[first])[sess]
    sess_dur = np.add.reduceat(step, first)
    st = s_start * 1000 + rng.integers(0, 1000, n_sess)
    # More listening than one person can fit into the span (huge n): play on parallel "lanes" (think several
    # devices at once) so sessions never overlap within a lane. One lane for any realistic size.
    lanes = max(1, math.ceil(float(sess_dur.sum() + 30_000 * n_sess) / (0.3 * span * 1000)))
    fixed, joined = _pack_sessions(st, sess_dur, incognito_s, lanes, rng.integers(2_000, 90_000, n_sess), ctx_s)
    start_ms = fixed[sess] + in_sess
    end_ms = start_ms + elapsed
    ts_end = end_ms // 1000

    # Genuine plays never share (ts, item): otherwise "near-duplicate" would be ambiguous for the importer.
    ikey = item_kind.astype(np.int64) * (1 << 40) + item_id
    for _ in range(50):
        o = np.lexsort((ikey, ts_end))
        clash = np.flatnonzero((ts_end[o][1:] == ts_end[o][:-1]) & (ikey[o][1:] == ikey[o][:-1]))
        if len(clash) == 0:
            break
        moved = o[clash + 1]
        ts_end[moved] += 1
        start_ms[moved] += 1000
    # Two real plays of one item with equal ms_played ending close together look exactly like a logging echo
    # (docs/formats.md §1.6.4), which importers rightly fold: within max(ms/2, 30 s), nudge ms_played by 1 ms so
    # every genuine play stays distinguishable and expected_stored_rows stays exact.
    for _ in range(20):
        o = np.lexsort((ts_end, ikey))
        sk, st_, sm_ = ikey[o], ts_end[o], ms[o]
        gap_ms = (st_[1:] - st_[:-1]) * 1000
        close = (sk[1:] == sk[:-1]) & (sm_[1:] == sm_[:-1]) & (gap_ms <= np.maximum(sm_[1:] // 2, 30_000) + 1000)
        if not close.any():
            break
        ms[o[1:][close]] += 1

    # ---- context columns ---------------------------------------------------------------------------------
    platforms = list(DEVICE_FAMILIES)
    detailed_base: list[int] = []
    for fam in DEVICE_FAMILIES:
        detailed_base.append(len(platforms))
        platforms.extend(DETAILED_PLATFORMS[fam])
    n_versions = np.array([len(DETAILED_PLATFORMS[f]) for f in DEVICE_FAMILIES])
    pre_span = max(1, min(PLATFORM_SWITCH, t1) - t0)
    version = np.minimum(
        (np.clip(ts_end - t0, 0, None) / pre_span * n_versions[fam_p]).astype(np.int64), n_versions[fam_p] - 1
    )
    platform = np.where(ts_end < PLATFORM_SWITCH, np.array(detailed_base)[fam_p] + version, fam_p)
    country = s_country[sess].copy()
    country[rng.random(n) < 0.002] = len(countries) - 1  # "ZZ": Spotify could not place the connection
    ip_octet = np.where(is_none, -1, ip_s[sess]).astype(np.int16)
    offline = np.where(file_kind == FILE_VIDEO, 2, offline_s[sess]).astype(np.int8)
    offline_ts_a = np.where(rng.random(n) < 0.08, 0, start_ms - rng.integers(0, 300, n))
    offline_ts_bc = np.where((offline == 1) | (rng.random(n) < 0.12), start_ms // 1000, -1)
    offline_ts_bc = np.where(file_kind == FILE_VIDEO, -1, offline_ts_bc)

    # Planted empty-string reasons on ordinary music rows.
    pool = np.flatnonzero(is_track & ~is_video_track)
    k_empty = min(len(pool), max(2, round(n * p.empty_reason_rate)))
    pick = pool[rng.permutation(len(pool))[:k_empty]]
    reason_start[pick[: k_empty // 2]] = R[""]
    reason_end[pick[k_empty // 2 :]] = R[""]

    rows: dict[str, np.ndarray] = {
        "ts_end": ts_end.astype(np.int64),
        "start_ms": start_ms.astype(np.int64),
        "ms_played": ms,
        "item_kind": item_kind,
        "item_id": item_id,
        "platform": platform.astype(np.int16),
        "country": country.astype(np.int16),
        "ip_octet": ip_octet,
        "reason_start": reason_start.astype(np.int8),
        "reason_end": reason_end.astype(np.int8),
        "shuffle": shuffle_s[sess],
        "skipped": skipped,
        "skipped_gen_a_null": rng.random(n) < 0.97,
        "offline": offline,
        "offline_ts_a": offline_ts_a,
        "offline_ts_bc": offline_ts_bc,
        "incognito": incognito_s[sess],
        "file_kind": file_kind,
        "extra": np.zeros(n, dtype=np.int8),
        "play_id": np.arange(n, dtype=np.int64),
    }

    # ---- planted export artefacts (extra rows) -------------------------------------------------------------
    # Planted on ordinary music rows; storms only on long plays (real ones repeat a near-complete play).
    cand = np.flatnonzero(is_track & ~is_video_track & (ms > 0) & (reason_end != R[""]) & (reason_start != R[""]))
    cand = cand[rng.permutation(len(cand))]
    # A storm's echoes must not interleave with the next real play of the same track, or "keep the first of
    # a run" would become ambiguous: only plays whose next play of that item is > 5 min later qualify.
    og = np.lexsort((ts_end, ikey))
    next_gap = np.full(n, 1 << 40, dtype=np.int64)
    same_next = ikey[og][1:] == ikey[og][:-1]
    next_gap[og[:-1][same_next]] = (ts_end[og][1:] - ts_end[og][:-1])[same_next]
    storm_ok = (next_gap[cand] > 330) & (ms[cand] >= 60_000)
    cand = np.r_[cand[storm_ok], cand[~storm_ok]]
    k_dup = max(1, round(n * p.exact_duplicate_rate))
    k_cross = max(1, round(n * p.cross_file_duplicate_rate))
    k_near = max(1, round(n * p.near_duplicate_rate))
    k_storm = max(1, round(n * p.storm_rate))
    need = k_dup + k_cross + k_near + k_storm
    if len(cand) < need:  # tiny histories: plant fewer, never more than there are candidates
        k_dup = k_cross = k_near = k_storm = max(0, len(cand) // 4)
    storm_idx = np.sort(cand[:k_storm])
    dup_idx = cand[k_storm : k_storm + k_dup]
    cross_idx = cand[k_storm + k_dup : k_storm + k_dup + k_cross]
    near_idx = cand[k_storm + k_dup + k_cross : k_storm + k_dup + k_cross + k_near]
    # The genuine first row of a storm is itself a remote-controlled play.
    rows["reason_start"][storm_idx] = R["remote"]
    rows["reason_end"][storm_idx] = R["remote"]
    rows["skipped"][storm_idx] = False

    parts: list[dict[str, np.ndarray]] = [rows]

    def copy_rows(idx: IntArray, extra: int) -> dict[str, np.ndarray]:
        out = {k: v[idx].copy() for k, v in rows.items()}
        out["extra"][:] = extra
        return out

    parts.append(copy_rows(dup_idx, EXTRA_DUP_SAME_FILE))
    parts.append(copy_rows(cross_idx, EXTRA_DUP_OTHER_FILE))
    near = copy_rows(near_idx, EXTRA_NEAR_DUP)
    small = np.minimum(rng.integers(1, 1000, len(near_idx)), near["ms_played"] - 1)
    near["ms_played"] = np.where(rng.random(len(near_idx)) < 0.5, 0, small).astype(np.int64)
    near["reason_end"][:] = R["endplay"]
    near["skipped"][:] = True
    parts.append(near)
    storms: list[dict[str, Any]] = []
    storm_sizes = rng.integers(5, 31, len(storm_idx))
    for si, size in zip(storm_idx.tolist(), storm_sizes.tolist(), strict=True):
        echo = copy_rows(np.full(size - 1, si, dtype=np.int64), EXTRA_STORM)
        steps = np.cumsum(rng.integers(6, 11, size - 1))
        echo["ts_end"] = echo["ts_end"] + steps
        echo["start_ms"] = echo["start_ms"] + steps * 1000
        echo["offline_ts_a"] = np.where(echo["offline_ts_a"] > 0, echo["offline_ts_a"] + steps * 1000, 0)
        echo["offline_ts_bc"] = np.where(echo["offline_ts_bc"] >= 0, echo["offline_ts_bc"] + steps, -1)
        parts.append(echo)
        storms.append(
            {
                "uri": str(cat.track_uri[item_id[si]]),
                "first_ts": _iso_ts(ts_end[si]),
                "rows": int(size),
                "ms_played": int(ms[si]),
            }
        )

    allrows = {k: np.concatenate([part[k] for part in parts]) for k in rows}
    o = np.lexsort((allrows["extra"], allrows["ts_end"]))
    allrows = {k: v[o] for k, v in allrows.items()}

    h = History(params=p, catalogue=cat, rows=allrows, platforms=platforms, countries=countries, truth={})
    h.truth = _ground_truth(
        h,
        t0=t0,
        t1=t1,
        bounds=bounds,
        mixes=mixes,
        dominant=dominant,
        transition=transition,
        trips=trips,
        binges=binges,
        storms=storms,
        phone_switch=phone_switch,
        lanes=lanes,
        new_year_ts=new_year_ts,
        play_session=sess,
        joined_sessions=int(joined.sum()),
        forgotten=forgotten_planted,
        session_context=ctx_s,
        noise_artists={"kids": kids_art, "sleep": sleep_art},
        planted={
            "exact_duplicates_same_file": len(dup_idx),
            "exact_duplicates_other_file": len(cross_idx),
            "near_duplicates": len(near_idx),
            "storms": len(storm_idx),
            "zero_ms_plays": k_zero,
            "no_metadata": k_nometa,
            "video_music_rows": k_video,
            "empty_reasons": k_empty,
        },
    )
    return h


# --------------------------------------------------------------------------------------------------------
# ground truth

DEDUP_DEFINITION = (
    "Key = (ts, uri, ms_played) where uri is the track, episode or audiobook-chapter URI (null for "
    "no-metadata "
    "rows). Step 1 exact duplicates: rows with equal key collapse to one. Step 2 near-duplicates: rows with "
    "equal (ts, uri) but different ms_played collapse to the one with the largest ms_played. Step 3 "
    "remote-control storms: among rows of the same uri ordered by ts, drop a row when the previous row has "
    "the "
    "same ms_played, both have reason_start == reason_end == 'remote' and they are at most 15 s apart "
    "(keeps the "
    "first row of each run). expected_stored_rows = rows left after all three steps (== n_plays)."
)


def dedup_reference(rows: dict[str, np.ndarray]) -> dict[str, int]:
    """Reference implementation of :data:`DEDUP_DEFINITION` over row columns; returns the counts per step.

    Example::

        dedup_reference(h.rows)["after_storms"] == h.params.n_plays
    """
    ts = rows["ts_end"]
    ms = rows["ms_played"]
    key = rows["item_kind"].astype(np.int64) * (1 << 40) + rows["item_id"]
    o = np.lexsort((ms, key, ts))
    new = np.r_[True, (ts[o][1:] != ts[o][:-1]) | (key[o][1:] != key[o][:-1]) | (ms[o][1:] != ms[o][:-1])]
    keep = o[new]
    o2 = keep[np.lexsort((-ms[keep], key[keep], ts[keep]))]
    new2 = np.r_[True, (ts[o2][1:] != ts[o2][:-1]) | (key[o2][1:] != key[o2][:-1])]
    keep2 = o2[new2]
    idx = keep2[np.lexsort((ts[keep2], key[keep2]))]
    remote = (rows["reason_start"][idx] == R["remote"]) & (rows["reason_end"][idx] == R["remote"])
    k, t, m = key[idx], ts[idx], ms[idx]
    drop = np.r_[
        False,
        (k[1:] == k[:-1])
        & (m[1:] == m[:-1])
        & remote[1:]
        & remote[:-1]
        & (t[1:] - t[:-1] <= 15)
        & (rows["item_kind"][idx][1:] != ITEM_NONE),
    ]
    return {
        "rows": len(ts),
        "after_exact": len(keep),
        "after_near": len(keep2),
        "after_storms": int(len(idx) - drop.sum()),
    }


def _library_start_ms(rows: dict[str, np.ndarray]) -> IntArray:
    """Start (epoch ms) of each row as the importer derives it from a Gen B/C Extended export: the
    ``offline_timestamp`` (seconds) when it is plausible, else ``ts - ms_played`` (spotify.parse_extended)."""
    ts, ms, off = rows["ts_end"], rows["ms_played"], rows["offline_ts_bc"]
    pause_s = ts - off - ms / 1000.0
    use_off = (off > 100_000_000) & (pause_s >= -10) & (pause_s <= 86_400)
    return np.where(use_off, off * 1000, ts * 1000 - ms).astype(np.int64)  # type: ignore[no-any-return]


SESSIONS_DEFINITION = (
    "Planted sessions as the library should find them: over the plays a library keeps by default (genuine "
    "rows, not incognito), a session starts at a play that begins more than gap_minutes after the latest end "
    "of all earlier plays; starts are UTC epoch seconds (floor) of that play's start as the importer derives "
    "it from a Gen B/C export. On one lane (lanes == 1) every silence inside a planted session is at most "
    "~15 min and every silence between sessions at least 30 min (see the two measured extremes)."
)
DISCOVERY_DEFINITION = (
    "Per artist (album-artist name of music-track rows, Audio or Video file): the first play the library keeps "
    "by default (genuine, not incognito; ordered by start) -> [start as ISO UTC with ms, conn_country]; "
    "and the first such play with ms_played >= 30 s (Spotify's play rule) -> [start, conn_country] or null. "
    "Starts are the importer's ts_start for a Gen B/C export."
)


def _sessions_truth(
    rows: dict[str, np.ndarray],
    keep: np.ndarray,
    start_ms: IntArray,
    play_session: IntArray,
    joined: int,
    session_context: IntArray,
) -> tuple[dict[str, Any], list[int]]:
    """The sessions truth, and the planted context label of each found session (that of its first planted
    session; planted sessions of different contexts are never joined, so on one lane it is the only one)."""
    gap_ms = SESSION_GAP_MINUTES * 60_000
    sid = play_session[rows["play_id"][keep]]
    s_all, e_all = start_ms[keep], rows["ts_end"][keep] * 1000
    if len(sid) == 0:
        empty = {"definition": SESSIONS_DEFINITION, "gap_minutes": SESSION_GAP_MINUTES, "count": 0, "starts": []}
        return empty, []
    n_s = int(play_session.max()) + 1
    s_min = np.full(n_s, np.iinfo(np.int64).max, dtype=np.int64)
    e_max = np.full(n_s, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(s_min, sid, s_all)
    np.maximum.at(e_max, sid, e_all)
    present = np.bincount(sid, minlength=n_s) > 0
    o = np.argsort(s_min[present], kind="stable")
    s, e = s_min[present][o], e_max[present][o]
    is_start = np.r_[True, s[1:] - np.maximum.accumulate(e)[:-1] > gap_ms]
    starts = s[is_start] // 1000
    context = session_context[np.flatnonzero(present)[o]][is_start]
    # Play-level silences, to state how separable the planted sessions are.
    po = np.lexsort((e_all, s_all))
    ps, pe = s_all[po], e_all[po]
    silence = ps[1:] - np.maximum.accumulate(pe)[:-1]
    first_of = np.isin(ps[1:] // 1000, starts) & (silence > gap_ms)
    within = silence[~first_of]
    between = silence[first_of]
    return {
        "definition": SESSIONS_DEFINITION,
        "gap_minutes": SESSION_GAP_MINUTES,
        "count": len(starts),
        "planted_sessions": int(present.sum()),
        "joined_sessions": joined,
        "max_silence_within_s": round(float(within.max()) / 1000, 1) if len(within) else 0.0,
        "min_silence_between_s": round(float(between.min()) / 1000, 1) if len(between) else None,
        "starts": starts.tolist(),
    }, context.tolist()


def _discovery_truth(h: History, keep: np.ndarray, start_ms: IntArray) -> dict[str, Any]:
    rows, cat = h.rows, h.catalogue
    tr = keep & (rows["item_kind"] == ITEM_TRACK)
    art = cat.track_artist[rows["item_id"][tr]]
    st, te, ms, cc = start_ms[tr], rows["ts_end"][tr], rows["ms_played"][tr], rows["country"][tr]

    def firsts(mask: np.ndarray) -> dict[int, list[Any]]:
        a, s_, c_ = art[mask], st[mask], cc[mask]
        o = np.lexsort((te[mask], s_, a))
        f = o[np.r_[True, a[o][1:] != a[o][:-1]]] if len(o) else o
        return {int(x): [_iso_ms(int(y)), h.countries[int(z)]] for x, y, z in zip(a[f], s_[f], c_[f], strict=True)}

    any_play = firsts(np.ones(len(art), dtype=bool))
    counted = firsts(ms >= 30_000)
    artists = {
        str(cat.artist_name[a]): [*first, *(counted.get(a) or [None, None])] for a, first in sorted(any_play.items())
    }
    return {
        "definition": DISCOVERY_DEFINITION,
        "columns": ["first_start", "first_country", "first_30s_start", "first_30s_country"],
        "artists": artists,
    }


def _forgotten_truth(
    h: History, keep: np.ndarray, start_ms: IntArray, t1: int, t0: int, forgotten: list[tuple[int, int, int]]
) -> list[dict[str, Any]]:
    rows, cat = h.rows, h.catalogue
    genuine = rows["extra"] == EXTRA_NONE
    is_tr = rows["item_kind"] == ITEM_TRACK
    art = np.where(is_tr, cat.track_artist[np.where(is_tr, rows["item_id"], 0)], -1)
    out: list[dict[str, Any]] = []
    for f, d0, d1 in forgotten:
        mine = art == f
        kept = mine & keep
        if not kept.any():
            continue
        s = start_ms[kept]
        last = int(s.max())
        out.append(
            {
                "artist": str(cat.artist_name[f]),
                "artist_uri": str(cat.artist_uri[f]),
                "group": TASTE_GROUPS[int(cat.artist_group[f])],
                "window_start": _iso_day(t0 + d0 * 86400),
                "window_end": _iso_day(t0 + d1 * 86400 - 1),
                "first_day": _iso_day(int(s.min()) // 1000),
                "last_day": _iso_day(last // 1000),
                "last_play": _iso_ms(last),
                "planted_plays": int((mine & genuine).sum()),
                "plays": int(kept.sum()),
                "hours": round(float(rows["ms_played"][kept].sum()) / MS_PER_HOUR, 2),
                "silence_days": round((t1 - last / 1000) / 86400, 1),
            }
        )
    out.sort(key=lambda e: e["first_day"])
    return out


CONTEXTS_DEFINITION = (
    "Planted listening modes. Every planted session draws one context (labels; 0-4 the person's own music, "
    "5-6 noise, 7 podcasts and audiobooks) that decides its weekday, local hour, device, length, shuffle, "
    "album mode, skip propensity and taste tilt. session_starts are the sessions the library finds (same as "
    "sessions.starts: kept plays, 20-minute rule) and session_context the context label of each (sessions of "
    "different contexts are never joined by the generator)."
)
CHAPTERS_DEFINITION = (
    "Era boundaries (ISO UTC dates, ascending): the dates where the dominant taste groups change (both "
    "dominant groups of a new era are new; sessions switch within era_transition_days of the date). A found "
    "chapter boundary matches when it is within 45 days."
)
NOISE_DEFINITION = (
    "Listening that is not the person's own: every kept play (genuine, not incognito) of the noise artists. "
    "kids: a child's music on the living-room speaker (weekday afternoons, weekend mornings, short songs on "
    "repeat); sleep: rain/white-noise loops on the phone at night (one or two long plays)."
)
SKIP_DEFINITION = (
    "logit P(skip) = intercept + context offset + artist effect N(0, artist_effect_sd) + the other terms, "
    "evaluated on the play: shuffle, first_listen (no earlier play of the track), log1p of earlier plays of "
    "the track / artist, heard_within_24h, previous_skipped (the previous play of the session was skipped, "
    "seen as reason_start fwdbtn/backbtn), session_opener (position 0), log1p(position), local hour, device "
    "family (cast, web_player, speaker), album_in_order (album mode), planted_favourite (binge and forgotten "
    "favourite plays)."
)


def _noise_truth(h: History, keep: np.ndarray, noise_artists: dict[str, IntArray]) -> dict[str, Any]:
    rows, cat = h.rows, h.catalogue
    tr = keep & (rows["item_kind"] == ITEM_TRACK)
    art = np.where(tr, cat.track_artist[np.where(tr, rows["item_id"], 0)], -1)
    kinds: dict[str, Any] = {}
    artists: dict[str, str] = {}
    total = 0
    for kind, arts in noise_artists.items():
        mine = np.isin(art, arts) & tr
        plays = int(mine.sum())
        total += plays
        names = [str(cat.artist_name[a]) for a in arts.tolist()]
        artists.update({a: kind for a in names})
        kinds[kind] = {
            "artists": names,
            "plays": plays,
            "hours": round(float(rows["ms_played"][mine].sum()) / MS_PER_HOUR, 2),
        }
    kept = int(keep.sum())
    return {
        "definition": NOISE_DEFINITION,
        "artists": artists,
        "kinds": kinds,
        "plays": total,
        "share_of_plays": round(total / kept, 4) if kept else 0.0,
    }


def _ground_truth(
    h: History,
    *,
    t0: int,
    t1: int,
    bounds: IntArray,
    mixes: np.ndarray,
    dominant: list[tuple[int, int]],
    transition: int,
    trips: list[dict[str, Any]],
    binges: list[dict[str, Any]],
    storms: list[dict[str, Any]],
    phone_switch: int,
    lanes: int,
    new_year_ts: int | None,
    play_session: IntArray,
    joined_sessions: int,
    forgotten: list[tuple[int, int, int]],
    planted: dict[str, int],
    session_context: IntArray,
    noise_artists: dict[str, IntArray],
) -> dict[str, Any]:
    rows = h.rows
    cat = h.catalogue
    genuine = rows["extra"] == EXTRA_NONE
    ik = rows["item_kind"]
    ms = rows["ms_played"]
    counts = dedup_reference(rows)
    if counts["after_storms"] != h.params.n_plays:  # a model bug, not a data property: fail loudly
        raise AssertionError(f"planted artefacts are ambiguous: {counts} vs n_plays={h.params.n_plays}")

    def kinds(mask: np.ndarray) -> dict[str, int]:
        return {name: int(((ik == i) & mask).sum()) for i, name in enumerate(ITEM_KIND_NAMES)}

    edges = [t0, *bounds.tolist(), t1]
    eras = [
        {
            "index": e,
            "start": _iso_day(edges[e]),
            "end": _iso_day(edges[e + 1] - 1),
            "dominant_groups": [TASTE_GROUPS[d] for d in dominant[e]],
            "mix": {g: round(float(mixes[e, gi]), 4) for gi, g in enumerate(TASTE_GROUPS)},
        }
        for e in range(len(dominant))
    ]
    extra = rows["extra"]
    is_music = (ik == ITEM_TRACK) & genuine & (rows["file_kind"] == FILE_AUDIO)
    keep = genuine & ~rows["incognito"]
    start_ms = _library_start_ms(rows)
    sessions, session_ctx = _sessions_truth(rows, keep, start_ms, play_session, joined_sessions, session_context)
    fam_counts: dict[str, int] = {}
    for i, name in enumerate(h.platforms):
        c = int(((rows["platform"] == i) & genuine).sum())
        if c:
            fam_counts[name] = c
    return {
        "generator": "linernotes.synth",
        "seed": h.params.seed,
        "parameters": h.params.as_dict(),
        "username": h.username,
        "home_country": h.countries[0],
        "span": {
            "start": _iso_ts(t0),
            "end": _iso_ts(t1),
            "first_ts": _iso_ts(int(rows["ts_end"].min())),
            "last_ts": _iso_ts(int(rows["ts_end"].max())),
        },
        "n_plays": h.params.n_plays,
        "plays_by_kind": kinds(genuine),
        "plays_by_file": {
            "audio": int((genuine & (rows["file_kind"] == FILE_AUDIO)).sum()),
            "video": int((genuine & (rows["file_kind"] == FILE_VIDEO)).sum()),
            "video_tracks": int((genuine & (rows["file_kind"] == FILE_VIDEO) & (ik == ITEM_TRACK)).sum()),
            "video_episodes": int((genuine & (rows["file_kind"] == FILE_VIDEO) & (ik == ITEM_EPISODE)).sum()),
            "audio_episodes": int((genuine & (rows["file_kind"] == FILE_AUDIO) & (ik == ITEM_EPISODE)).sum()),
        },
        "total_ms_played": int(ms[genuine].sum()),
        "extended": {
            "rows": counts["rows"],
            "rows_by_kind": kinds(np.ones(len(ik), dtype=bool)),
            "expected_after_exact_dedup": counts["after_exact"],
            "expected_after_near_dedup": counts["after_near"],
            "expected_stored_rows": counts["after_storms"],
            "dedup_definition": DEDUP_DEFINITION,
            "exact_duplicate_rows": int(((extra == EXTRA_DUP_SAME_FILE) | (extra == EXTRA_DUP_OTHER_FILE)).sum()),
            "exact_duplicates_same_file": int((extra == EXTRA_DUP_SAME_FILE).sum()),
            "exact_duplicates_other_file": int((extra == EXTRA_DUP_OTHER_FILE).sum()),
            "near_duplicate_rows": int((extra == EXTRA_NEAR_DUP).sum()),
            "storms": storms,
            "storm_extra_rows": int((extra == EXTRA_STORM).sum()),
            "zero_ms_rows": int((ms == 0).sum()),
            "zero_ms_plays": int(((ms == 0) & genuine).sum()),
            "no_metadata_rows": int((ik == ITEM_NONE).sum()),
            "incognito_rows": int(rows["incognito"].sum()),
            "incognito_plays": int((rows["incognito"] & genuine).sum()),
            "offline_rows": int((rows["offline"] == 1).sum()),
            "empty_reason_start_rows": int((rows["reason_start"] == R[""]).sum()),
            "empty_reason_end_rows": int((rows["reason_end"] == R[""]).sum()),
            "null_ip_rows": int((rows["ip_octet"] < 0).sum()),
            "gen_a_offline_timestamp_zero_rows": int((rows["offline_ts_a"] == 0).sum()),
            "gen_bc_offline_timestamp_null_rows": int((rows["offline_ts_bc"] < 0).sum()),
            "gen_a_skipped_null_rows": int(rows["skipped_gen_a_null"].sum()),
            "total_ms_played_rows": int(ms.sum()),
            "total_ms_played_stored": int(ms[genuine].sum()),
            "planted": planted,
        },
        "taste_groups": {g: int((cat.artist_group == gi).sum()) for gi, g in enumerate(TASTE_GROUPS)},
        "catalogue": {
            "artists": len(cat.artist_name),
            "albums": len(cat.album_name),
            "tracks": len(cat.track_name),
            "shows": len(cat.show_name),
            "episodes": len(cat.episode_name),
            "audiobooks": len(cat.book_title),
            "chapters": len(cat.chapter_title),
        },
        "eras": eras,
        "era_transition_days": round(transition / 86400, 2),
        "binges": binges,
        "sessions": sessions,
        "contexts": {
            "definition": CONTEXTS_DEFINITION,
            "labels": [c["name"] for c in CONTEXTS],
            "descriptions": [c["description"] for c in CONTEXTS],
            "personal": list(range(CTX_PERSONAL)),
            "noise": [CTX_KIDS, CTX_SLEEP],
            "spoken_word": CTX_SPOKEN,
            "session_starts": sessions["starts"],
            "session_context": session_ctx,
            "sessions_by_context": {c["name"]: int(session_ctx.count(i)) for i, c in enumerate(CONTEXTS)},
        },
        "chapters": [_iso_day(b) for b in bounds.tolist()],
        "chapters_definition": CHAPTERS_DEFINITION,
        "noise": _noise_truth(h, keep, noise_artists),
        "forgotten_favourites": _forgotten_truth(h, keep, start_ms, t1, t0, forgotten),
        "discovery": _discovery_truth(h, keep, start_ms),
        "travel": trips,
        "new_year_play_session_start": _iso_ts(new_year_ts) if new_year_ts is not None else None,
        "devices": {
            "phone_android_until": _iso_day(phone_switch),
            "platform_string_switch": _iso_ts(PLATFORM_SWITCH),
            "rows_by_platform": fam_counts,
        },
        "skip_model": {
            "logit_terms": dict(SKIP_MODEL),
            "context_offsets": {c["name"]: c["skip_offset"] for c in CONTEXTS},
            "definition": SKIP_DEFINITION,
            "applies_to": "music tracks in Audio files",
            "observed_skip_rate_music": round(float((rows["skipped"] & is_music).sum() / max(1, is_music.sum())), 4),
            "skip_means": "reason_end in (fwdbtn, backbtn, endplay) with a short ms_played",
        },
        "lanes": lanes,
        "local_time_model": {
            "utc_offset_hours": UTC_OFFSET_HOURS,
            "dst": False,
            "hour_profile_weekday": HOUR_PROFILE_WEEKDAY.tolist(),
            "hour_profile_weekend": HOUR_PROFILE_WEEKEND.tolist(),
        },
        "ip_range": "198.51.100.0/24",
    }
