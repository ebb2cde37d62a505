"""Country names for people, from ISO 3166-1 alpha-2 codes ("DE" → "Germany").

The names come from the tz database's ``iso3166.tab``, which the ``tzdata`` package (a declared dependency,
read by :mod:`linernotes.timezones` too) ships: every assigned code, kept current with ISO, and no table of our
own to go stale. A few of its names are worded for sorting in a list ("Korea (South)", "Britain (UK)"); those
read as a sentence would say them instead. MusicBrainz also gives two codes that are no country: "XW" (an
artist active worldwide) and "XE" (Europe). Any other code is no name at all (None), never shown raw.
"""

from __future__ import annotations

import functools
from importlib import resources

# Names a sentence or a chart label says better than iso3166.tab's list-sorting ones.
_SPOKEN = {
    "AS": "American Samoa", "CD": "DR Congo", "CG": "Republic of the Congo", "GB": "United Kingdom",
    "KP": "North Korea", "KR": "South Korea", "MF": "Saint Martin", "MM": "Myanmar", "SX": "Sint Maarten",
    "SZ": "Eswatini", "TC": "Turks & Caicos Islands", "VG": "British Virgin Islands", "VI": "US Virgin Islands",
    "WS": "Samoa", "KN": "Saint Kitts & Nevis", "PM": "Saint Pierre & Miquelon",
}
# MusicBrainz's areas with an ISO-like code that are no country: as a label, and after "artists from" in a
# sentence.
REGIONS = {"XW": "Worldwide", "XE": "Europe"}
_REGION_WORDS = {"XW": "all over the world", "XE": "Europe"}
# Names that take "the" in a sentence ("music from the United States").
_WITH_THE = {"AE", "BS", "CD", "CG", "CZ", "DO", "FO", "GB", "KY", "MH", "MV", "NL", "PH", "SB", "TC", "US", "VA",
             "VG", "VI", "CF", "KM"}


@functools.cache
def country_names() -> dict[str, str]:
    """Every ISO 3166-1 alpha-2 code the tz database lists → its English name, as a sentence says it.

    >>> country_names()["DE"], country_names()["KR"], country_names()["GB"]
    ('Germany', 'South Korea', 'United Kingdom')
    """
    try:
        text = resources.files("tzdata.zoneinfo").joinpath("iso3166.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # tzdata is a dependency; without it, no names
        text = ""
    names: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            code, name = line.split("\t")[:2]
            names[code] = name.strip()
    names.update({c: n for c, n in _SPOKEN.items() if c in names})
    return names


def country_name(code: str | None) -> str | None:
    """The name of a country (or MusicBrainz region) code as a label shows it; None for a code that names
    no known country (so it is never shown raw).

    >>> country_name("jp"), country_name("XW"), country_name("QQ"), country_name(None)
    ('Japan', 'Worldwide', None, None)
    """
    if not code:
        return None
    key = code.strip().upper()
    return REGIONS.get(key) or country_names().get(key)


def country_words(code: str) -> str | None:
    """The name as it stands after "artists from" in a sentence: "the United States", "Germany", "all over the
    world".

    >>> country_words("US"), country_words("DE"), country_words("XW")
    ('the United States', 'Germany', 'all over the world')
    """
    key = code.strip().upper()
    name = _REGION_WORDS.get(key) or country_names().get(key)
    if name is None:
        return None
    return f"the {name}" if key in _WITH_THE else name
