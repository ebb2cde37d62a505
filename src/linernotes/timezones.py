"""Local time per play: a home zone, overridden by the zone of the country a play came from.

Exports give ``ts`` in UTC and nothing local; ``conn_country`` is the only usable hint (docs/formats.md §1.6,
item 7).
The rule:

* The **home zone** is a setting. By default it is the zone of the person's most frequent country
  (:func:`infer_home_zone`), or the machine's own zone when no country is known.
* A play from the home country (or from an unknown country) uses the home zone — so someone living in
  Los Angeles gets Los Angeles time at home even though the US's most populous zone is New York.
* A play from another country (travel) uses that country's zone; for countries with several zones that is
  the most populous one (:data:`MOST_POPULOUS_ZONE`), because nothing in the export says where inside it.

The per-play choice is made in SQL by joining :func:`country_zone_table`::

    tz = CASE WHEN country IS NULL OR country = home_country OR zone IS NULL THEN home_zone ELSE zone END
    local = timezone(tz, ts_end)

:func:`zone_for_play` is the same rule for one row, in Python.

The country → zones list comes from the ``tzdata`` package's ``zone.tab`` (a declared dependency), so it
follows the installed tz database and needs no data file of our own. ``zone.tab`` rather than
``zone1970.tab`` because it names one zone per *country* (``LI`` → ``Europe/Vaduz``) instead of merging
countries that have shared clocks since 1970, and every name in it is a valid ZoneInfo key.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

__all__ = [
    "MOST_POPULOUS_ZONE",
    "UNKNOWN_COUNTRY_CODES",
    "country_zone_table",
    "country_zones",
    "infer_home_zone",
    "system_zone",
    "valid_zone",
    "zone_for_country",
    "zone_for_play",
]

# Spotify writes "ZZ" for an unknown connection country (verified); "XX" is the other conventional
# "unknown" user-assigned code, and empty strings appear wherever a field is blank. None of them says
# anything about a place, so they fall back to the home zone.
UNKNOWN_COUNTRY_CODES: frozenset[str] = frozenset({"", "ZZ", "XX"})

# Codes that a source may send but that zone.tab does not list. Spotify sells in Kosovo under the
# user-assigned code XK; Kosovo keeps Central European time with its neighbours.
_EXTRA_COUNTRY_ZONES: dict[str, str] = {
    "XK": "Europe/Belgrade",
}

# The zone a *visitor* to each multi-zone country gets. zone.tab lists a country's zones in an order that
# "makes geographic sense" first and puts the most populous first only where that doesn't clash, so its
# first entry is often wrong (RU → Kaliningrad, BR → Noronha, AU → Lord_Howe, CA → St_Johns). Every
# country with more than one zone in zone.tab is decided here explicitly; tests fail when a tzdata
# upgrade makes a new country multi-zone, so the choice is never left to the file's order by accident.
MOST_POPULOUS_ZONE: dict[str, str] = {
    # McMurdo (a link to Auckland time) is by far the largest station; the rest hold a few dozen people.
    "AQ": "Antarctica/McMurdo",
    # Greater Buenos Aires alone is about a third of Argentina.
    "AR": "America/Argentina/Buenos_Aires",
    # NSW (Sydney) is the most populous state; Melbourne shares its offset and DST rules.
    "AU": "Australia/Sydney",
    # The south-east (São Paulo, Rio, Minas Gerais, the south) is on Brasília time.
    "BR": "America/Sao_Paulo",
    # Ontario + Quebec on Eastern time are well over half of Canada.
    "CA": "America/Toronto",
    # Western DRC (Kinshasa, ~17 M in the city) — where most connections (and Spotify users) are; the
    # eastern provinces on Lubumbashi time may be comparable in total population.
    "CD": "Africa/Kinshasa",
    # Mainland Chile except Aysén and Magallanes; Easter Island has a few thousand people.
    "CL": "America/Santiago",
    # All of China officially keeps Beijing time; Urumqi is the unofficial Xinjiang time.
    "CN": "Asia/Shanghai",
    # The Republic of Cyprus (Nicosia) is the larger part; Famagusta is the north's occasional divergence.
    "CY": "Asia/Nicosia",
    # Büsingen is an exclave of ~1,500 people that follows Swiss rules.
    "DE": "Europe/Berlin",
    # The Galápagos hold ~30 k of Ecuador's ~18 M.
    "EC": "America/Guayaquil",
    # The peninsula (Madrid); Ceuta shares its clock, the Canaries are an hour behind.
    "ES": "Europe/Madrid",
    # Chuuk state is the most populous of the four (2010 census: Chuuk ~49 k, Pohnpei ~36 k), even though
    # the capital Palikir is in Pohnpei (UTC+11). Chuuk and Yap are UTC+10.
    "FM": "Pacific/Chuuk",
    # Nuuk and the west coast hold almost everyone.
    "GL": "America/Nuuk",
    # Java and Sumatra (WIB) are the large majority of Indonesia.
    "ID": "Asia/Jakarta",
    # The Gilbert Islands (South Tarawa) hold ~90 % of Kiribati.
    "KI": "Pacific/Tarawa",
    # Almaty and Astana are both on Almaty's zone (the whole country moved to UTC+5 in 2024).
    "KZ": "Asia/Almaty",
    # Majuro is the capital and the largest atoll; Kwajalein's zone only differs before 1993.
    "MH": "Pacific/Majuro",
    # Ulaanbaatar alone is about half of Mongolia.
    "MN": "Asia/Ulaanbaatar",
    # Central time (Mexico City, Guadalajara, Monterrey's neighbours) is most of Mexico.
    "MX": "America/Mexico_City",
    # Peninsular Malaysia (~80 %); Sabah and Sarawak share the offset anyway.
    "MY": "Asia/Kuala_Lumpur",
    # The Chatham Islands hold ~600 people.
    "NZ": "Pacific/Auckland",
    # Tahiti and the Society Islands hold most of French Polynesia.
    "PF": "Pacific/Tahiti",
    # Bougainville (~300 k) is a small part of Papua New Guinea (~10 M).
    "PG": "Pacific/Port_Moresby",
    # The West Bank (Hebron zone, ~3.2 M) is more populous than Gaza (~2.1 M); the two differ only in a
    # few DST transitions, so the choice barely matters.
    "PS": "Asia/Hebron",
    # The mainland; Madeira shares its clock, the Azores are an hour behind.
    "PT": "Europe/Lisbon",
    # European Russia on Moscow time is the large majority.
    "RU": "Europe/Moscow",
    # Kyiv time covers all Ukraine-controlled territory; Simferopol is Crimea.
    "UA": "Europe/Kyiv",
    # Wake Island (a military/contractor staff of ~100) is the only regularly staffed outlying island.
    "UM": "Pacific/Wake",
    # Eastern time holds nearly half of the US population.
    "US": "America/New_York",
    # Tashkent is the capital and the larger zone (Samarkand differs only before 1992).
    "UZ": "Asia/Tashkent",
}

# Where the machine's zone is recorded on POSIX systems. Module-level so tests can point them elsewhere.
_LOCALTIME = Path("/etc/localtime")
_TIMEZONE_FILE = Path("/etc/timezone")


def _normalise_country(cc: str | None) -> str | None:
    """Upper-case, trimmed code, or None for the codes that mean "unknown"."""
    if cc is None:
        return None
    code = cc.strip().upper()
    return None if code in UNKNOWN_COUNTRY_CODES else code


def _read_tab(name: str) -> str | None:
    try:
        return resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return None


@functools.cache
def country_zones() -> dict[str, tuple[str, ...]]:
    """Every country code the tz database knows → its zones, in the database's order.

    Countries the database lists but gives no zone (uninhabited ``BV``, ``HM``) map to an empty tuple, so
    the table stays "every country".

    >>> country_zones()["DE"]
    ('Europe/Berlin', 'Europe/Busingen')
    """
    zones: dict[str, list[str]] = {}
    zone_tab = _read_tab("zone.tab")
    if zone_tab is not None:
        for line in zone_tab.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            code, _coords, zone, *_comment = line.split("\t")
            zones.setdefault(code, []).append(zone)
    else:
        # zone1970.tab is the tz project's preferred file; it merges countries ("CH,DE,LI") and so loses the
        # per-country names, which only matters for display. Used only if a future tzdata drops zone.tab.
        zone1970 = _read_tab("zone1970.tab")
        if zone1970 is None:
            raise RuntimeError("the tzdata package ships neither zone.tab nor zone1970.tab")
        for line in zone1970.splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            codes, _coords, zone, *_comment = line.split("\t")
            for code in codes.split(","):
                zones.setdefault(code, []).append(zone)
    iso = _read_tab("iso3166.tab") or ""
    for line in iso.splitlines():
        if line.strip() and not line.startswith("#"):
            zones.setdefault(line.split("\t")[0], [])
    for code, zone in _EXTRA_COUNTRY_ZONES.items():
        zones.setdefault(code, [zone])
    return {code: tuple(zs) for code, zs in sorted(zones.items())}


@functools.cache
def _zone_by_country() -> dict[str, str | None]:
    table: dict[str, str | None] = {}
    for code, zones in country_zones().items():
        if not zones:
            table[code] = None
            continue
        preferred = MOST_POPULOUS_ZONE.get(code)
        # A preferred zone that the installed database no longer lists for the country would be a stale
        # decision; the database's own first entry is then a better guess than a possibly-renamed key.
        table[code] = preferred if preferred in zones else zones[0]
    return table


def zone_for_country(cc: str | None) -> str | None:
    """The IANA zone to use for a play from country ``cc``: its only zone, or its most populous one.

    Case and surrounding blanks are ignored. Unknown codes (``"ZZ"``, ``"XX"``, ``""``, None, anything not
    in the tz database) give None, which means "use the home zone".

    >>> zone_for_country("de")
    'Europe/Berlin'
    >>> zone_for_country("US")
    'America/New_York'
    >>> zone_for_country("ZZ") is None
    True
    """
    code = _normalise_country(cc)
    if code is None:
        return None
    return _zone_by_country().get(code)


def zone_for_play(country: str | None, home_country: str | None, home_zone: str) -> str:
    """The zone for one play: the home zone at home or when the country is unknown, else the country's.

    The same rule as the SQL in this module's docstring, for code that handles single rows.

    >>> zone_for_play("US", "US", "America/Los_Angeles")
    'America/Los_Angeles'
    >>> zone_for_play("JP", "US", "America/Los_Angeles")
    'Asia/Tokyo'
    >>> zone_for_play("ZZ", "US", "America/Los_Angeles")
    'America/Los_Angeles'
    """
    code = _normalise_country(country)
    if code is None or code == _normalise_country(home_country):
        return home_zone
    return zone_for_country(code) or home_zone


def valid_zone(name: object) -> bool:
    """True when ``name`` is a zone key that ZoneInfo can load here.

    >>> valid_zone("Europe/Berlin"), valid_zone("Mars/Olympus_Mons"), valid_zone("")
    (True, False, False)
    """
    if not isinstance(name, str) or not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: keys that are paths or otherwise malformed; OSError: a directory such as "America".
        return False
    return True


def _key_from_path(path: str) -> str | None:
    """``/usr/share/zoneinfo/Europe/Berlin`` → ``Europe/Berlin`` (also under ``posix/`` or ``right/``)."""
    marker = "zoneinfo/"
    if marker not in path:
        return None
    key = path.rsplit(marker, 1)[1]
    for prefix in ("posix/", "right/"):
        key = key.removeprefix(prefix)
    return key or None


def _zone_from_env() -> str | None:
    tz = os.environ.get("TZ", "").strip()
    if not tz:
        return None
    # POSIX allows a leading ":" meaning "implementation-defined", which glibc reads as a zoneinfo key
    # or path; a path is turned back into a key so it can be stored and shown.
    tz = tz.removeprefix(":")
    if tz.startswith("/"):
        return _key_from_path(tz)
    return tz


def _zone_from_localtime() -> str | None:
    # readlink (one hop) rather than resolve: some distributions link zone files to each other
    # (US/Eastern → America/New_York), and the name the person chose is the first hop.
    try:
        target = os.readlink(_LOCALTIME)
    except OSError:
        return None
    return _key_from_path(os.path.normpath(os.path.join(_LOCALTIME.parent, target)))


def _zone_from_timezone_file() -> str | None:
    # Debian-style systems (and many containers, whose /etc/localtime is a copy, not a link) record it here.
    try:
        text = _TIMEZONE_FILE.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def system_zone() -> str:
    """The IANA name of this machine's zone, or ``"UTC"`` when it cannot be named.

    Looks at ``TZ``, then the ``/etc/localtime`` link, then ``/etc/timezone``; the first candidate that
    ZoneInfo can load wins. No tzlocal dependency: on systems without these (Windows) the answer is UTC
    and the person sets the home zone explicitly.

    >>> valid_zone(system_zone())
    True
    """
    for finder in (_zone_from_env, _zone_from_localtime, _zone_from_timezone_file):
        candidate = finder()
        if candidate is not None and valid_zone(candidate):
            return candidate
    return "UTC"


def infer_home_zone(country_counts: Mapping[str, int]) -> tuple[str | None, str]:
    """``(home_country, home_zone)`` from play counts per country.

    The most frequent country with a known zone wins; ties go to the alphabetically first code so the
    answer never depends on dict order. Codes are normalised (``"de"`` and ``"DE"`` count together) and
    unknown ones (``"ZZ"``, codes without a zone) are ignored. With no usable country the home is
    ``(None, system_zone())``.

    >>> infer_home_zone({"DE": 900, "US": 40, "ZZ": 5000})
    ('DE', 'Europe/Berlin')
    >>> infer_home_zone({"US": 3, "CA": 3})
    ('CA', 'America/Toronto')
    """
    totals: dict[str, int] = {}
    for raw, count in country_counts.items():
        code = _normalise_country(raw)
        if code is None or count <= 0 or zone_for_country(code) is None:
            continue
        totals[code] = totals.get(code, 0) + count
    if not totals:
        return None, system_zone()
    home = min(totals, key=lambda code: (-totals[code], code))
    # Never None (filtered above); the fallback only satisfies the type checker.
    return home, zone_for_country(home) or system_zone()


@functools.cache
def country_zone_table() -> pa.Table:
    """Arrow table ``country`` (string) → ``zone`` (string, NULL when the country has no zone).

    One row per country code, sorted by code, for the store to join on. The table is immutable, so the
    same object is returned every time.

    >>> t = country_zone_table()
    >>> t.column_names
    ['country', 'zone']
    >>> dict(zip(*t.to_pydict().values()))["BR"]
    'America/Sao_Paulo'
    """
    table = _zone_by_country()
    return pa.table(
        {
            "country": pa.array(list(table), type=pa.string()),
            "zone": pa.array(list(table.values()), type=pa.string()),
        }
    )
