"""Normalise Spotify's raw ``platform`` strings to a small device-family vocabulary.

Spotify changed the field around October 2022 (docs/formats.md §1.5): before, detailed strings such as
``Android OS 12 API 31 (samsung, SM-A000U)`` or ``Partner google cast_tv;Chromecast;;``; after, lowercase
tokens such as ``android``, ``ios``, ``cast``. One export holds both eras, so insights compare devices across
the switch only through :func:`device_family`, never through the raw string.

The rules are ordered regular expressions over the lower-cased string: the first match wins. The order is
the point — the most specific form factor is tried first, because the generic OS name appears inside the
specific strings (``web_player windows 10`` is the web player, not Windows; ``Partner android_tv`` is a TV,
not a phone; ``iOS 14.3 (iPad11,3)`` is a tablet).

The store maps each distinct raw string once through :func:`device_family_table` and joins the result;
there are a handful of distinct strings per library, so nothing here runs per play.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from enum import StrEnum

import pyarrow as pa

__all__ = ["DeviceFamily", "device_family", "device_family_table"]


class DeviceFamily(StrEnum):
    """The normalised device families (the ``device`` column)."""

    PHONE_ANDROID = "phone_android"
    PHONE_IOS = "phone_ios"  # iPhone, and iPod touch, which is used like one
    TABLET = "tablet"
    DESKTOP_WINDOWS = "desktop_windows"
    DESKTOP_MAC = "desktop_mac"
    DESKTOP_LINUX = "desktop_linux"
    WEB = "web"
    CAST = "cast"
    TV = "tv"
    CONSOLE = "console"
    SPEAKER = "speaker"
    CAR = "car"
    WATCH = "watch"
    OTHER = "other"  # a platform string we recognise as present but cannot place
    UNKNOWN = "unknown"  # NULL or empty: the export did not say


# Token boundaries: Spotify separates words with spaces, ";", "_", "," and parentheses, so "\b" (which treats
# "_" as a word character) would miss "cast" in "cast_tv". Letters and digits are the word characters here.
_L = r"(?<![a-z0-9])"
_R = r"(?![a-z0-9])"


def _words(alternatives: str) -> str:
    """A regex matching any of the ``|``-separated alternatives as a whole token.

    Inside an alternative a space means "space, underscore, hyphen or nothing", because both eras and the
    partner strings spell the same thing differently ("wear os", "wear_os", "wearos").
    """
    return _L + "(?:" + alternatives.replace(" ", r"[ _-]?") + ")" + _R


# (family, pattern) in priority order; see the module docstring for why the order matters.
_RULE_SOURCES: tuple[tuple[DeviceFamily, str], ...] = (
    # The web player names the host OS and browser after it ("web_player windows 10;chrome ...").
    (DeviceFamily.WEB, r"^(?:web[ _-]?player|web)" + _R),
    # Watch model ids look like "Watch5,4"; Wear OS and watchOS strings also carry a phone OS name.
    (
        DeviceFamily.WATCH,
        _words(
            r"wear os|android wear|watch os|watch|watch\d+,\d+|smartwatch|apple watch|galaxy watch"
            "|garmin|fitbit"
        ),
    ),
    # Car systems often run Android or iOS underneath, so they must win over the phone rules.
    (
        DeviceFamily.CAR,
        _words("car|in car|car play|android auto|android automotive|automotive|car thing|superbird|tesla"),
    ),
    (DeviceFamily.CONSOLE, r"playstation|nintendo|" + _L + "xbox|" + _words("ps[345]|psvita|vita")),
    # Speakers before cast: Google Home / Nest speakers report themselves as cast receivers.
    (
        DeviceFamily.SPEAKER,
        _words(
            "sonos|alexa|echo|amazon echo|speakers?|soundbar|homepod|google home|google nest"
            "|nest (?:audio|mini|hub)|bose|denon|heos|marantz|bluesound|musiccast|yamaha|harman|jbl"
            "|libratone|bang (?:&|and)? olufsen|b&o|beoplay|beosound|devialet|teufel|wiim|onkyo"
        ),
    ),
    # Before TV: "cast_tv" (Chromecast with Google TV) is still a cast target from Spotify's side.
    (DeviceFamily.CAST, _words("cast|chromecast|google cast")),
    # Fire TV sticks report "Amazon, AFT..." model codes; Fire *tablets* are "KF..." (see tablet).
    (
        DeviceFamily.TV,
        _words(r"tv|android tv|smart tv|tvos|apple tv[0-9,]*|fire tv|roku|tizen|webos|bravia|vizio|mibox\d*")
        + r"|amazon[,;] ?aft",
    ),
    # Samsung tablets are SM-T/P/X model numbers (phones are SM-G/N/A/S/F/M/J), Lenovo's are TB-xxxx.
    (
        DeviceFamily.TABLET,
        _L
        + "ipad|tablet|"
        + _words(
            r"ipados|galaxy tab|sm-[tpx]\d{3}[a-z0-9]*|tb-?[a-z]?\d{3,4}[a-z0-9]*|mediapad|matepad"
            r"|nexus (?:7|9|10)|(?:mi|redmi|xiaomi) pad"
        )
        + r"|amazon[,;] ?kf[a-z]{2,}",
    ),
    (DeviceFamily.PHONE_IOS, _L + "iphone|" + _L + "ipod|" + _words("ios|iphone os")),
    # Windows Phone is a phone, not a desktop, and there is no family for it.
    (DeviceFamily.OTHER, _words("windows (?:phone|mobile)|wp[78]|symbian|blackberry")),
    (DeviceFamily.PHONE_ANDROID, _L + "android"),
    (DeviceFamily.DESKTOP_WINDOWS, _words(r"windows|win(?:32|64|dows\d+|\d+)")),
    (DeviceFamily.DESKTOP_MAC, _words("os x|mac os|macintosh|mac")),
    (DeviceFamily.DESKTOP_LINUX, _words("linux|ubuntu|debian|fedora")),
)
_RULES = tuple((family, re.compile(pattern)) for family, pattern in _RULE_SOURCES)


@functools.lru_cache(maxsize=4096)
def device_family(platform: str | None) -> str:
    """The device family of a raw Spotify ``platform`` string, from either era. Case-insensitive.

    >>> device_family("Android OS 12 API 31 (samsung, SM-A000U)")
    'phone_android'
    >>> device_family("iOS 14.3 (iPad11,3)")
    'tablet'
    >>> device_family("web_player windows 10;chrome 76.0.3809.132;desktop")
    'web'
    >>> device_family("Partner android_tv Amazon;AFTJMST12;0123abcd;;tpapi")
    'tv'
    >>> device_family("osx"), device_family("PlayStation"), device_family(None), device_family("toaster")
    ('desktop_mac', 'console', 'unknown', 'other')
    """
    if platform is None:
        return DeviceFamily.UNKNOWN.value
    text = platform.strip().lower()
    if not text:
        return DeviceFamily.UNKNOWN.value
    for family, pattern in _RULES:
        if pattern.search(text):
            return family.value
    return DeviceFamily.OTHER.value


def device_family_table(platforms: Iterable[str | None] | pa.Array | pa.ChunkedArray) -> pa.Table:
    """Arrow table ``platform`` → ``device``, one row per distinct raw string, in first-seen order.

    A NULL platform gets a row too (device ``unknown``); a plain ``=`` join will not match it, so the store
    either joins with ``IS NOT DISTINCT FROM`` or writes ``coalesce(device, 'unknown')``.

    >>> device_family_table(["ios", "osx", "ios", None]).to_pydict()
    {'platform': ['ios', 'osx', None], 'device': ['phone_ios', 'desktop_mac', 'unknown']}
    """
    values = platforms.to_pylist() if isinstance(platforms, pa.Array | pa.ChunkedArray) else platforms
    distinct = list(dict.fromkeys(values))
    return pa.table(
        {
            "platform": pa.array(distinct, type=pa.string()),
            "device": pa.array([device_family(p) for p in distinct], type=pa.string()),
        }
    )
