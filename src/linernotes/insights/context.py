"""``context``: where and how you listen — devices over time, offline, shuffle, countries and trips, incognito."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from linernotes.engine.exclusions import list_rules
from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.engine.words import device_words, is_placeholder, nothing_timed
from linernotes.errors import UsageError

# Spotify writes "ZZ" when it does not know the country: like NULL, it is no country at all.
UNKNOWN_COUNTRIES = ("ZZ",)
AUTO_MONTHS_UP_TO_DAYS = 731  # "auto" buckets by month for periods up to two years, by year beyond


@dataclass(frozen=True)
class DeviceTotal:
    device: str  # device family ('unknown' when the export does not say)
    ms_played: int
    plays: int  # counted under the policy
    share: float  # of the period's listening time
    first_day: dt.date
    last_day: dt.date


@dataclass(frozen=True)
class DeviceBucket:
    """Time on one device family in one month or year."""

    bucket: str  # "2024" or "2024-01"
    device: str
    ms_played: int
    plays: int
    share: float  # of the bucket's listening time


@dataclass(frozen=True)
class Share:
    """A part of listening time and of plays, with the base it is a share of."""

    ms_played: int
    plays: int  # counted under the policy (for incognito: every stored play, see the docstring)
    base_ms: int
    base_plays: int
    time_share: float
    play_share: float


@dataclass(frozen=True)
class CountryTotal:
    country: str  # ISO code, 'unknown' when missing or ZZ
    ms_played: int
    plays: int
    days: int  # local days with plays from this country
    share: float  # of the period's listening time


@dataclass(frozen=True)
class Trip:
    """A stay abroad: days whose main country is the same foreign one, with at most ``trip_gap_days``
    days without plays between two of them."""

    country: str
    first_day: dt.date
    last_day: dt.date
    days: int  # calendar days from first to last, both included
    days_with_plays: int
    plays: int  # counted plays from that country during the trip
    ms_played: int


@dataclass(frozen=True)
class Recorded:
    """How many plays of the period record each setting at all: exports without one (Account data, scrobbles)
    leave it empty, which the shares count as "off" — a page tells the reader what the share stands on."""

    shuffle: int  # counted music (tracks) plays with a shuffle state: of shuffle.base_plays
    offline: int  # counted plays with an offline flag: of offline.base_plays
    incognito: int  # streams with a private-session flag (the selection's, as incognito's base)


@dataclass
class ContextResult(Result):
    bucket: str  # "month" or "year"
    total_ms: int
    devices: list[DeviceTotal]
    devices_over_time: list[DeviceBucket]
    offline: Share
    shuffle: Share  # of music (tracks)
    incognito: Share
    home_country: str | None
    countries: list[CountryTotal]
    abroad_share: float  # share of listening time from a known country other than home
    trips: list[Trip]
    recorded: Recorded

    def summary(self) -> list[str]:
        if not self.total_ms:
            return [nothing_timed(self.meta.plays if self.meta else 0, "device or place")]
        lines = []
        known = [d for d in self.devices if not is_placeholder(d.device)]
        if known:
            d = known[0]
            known_share = sum(k.share for k in known)
            families = f"across {len(known)} device famil{'y' if len(known) == 1 else 'ies'}"
            if known_share >= 0.999 and len(known) == 1:  # a share of one is no finding: say it as a fact
                lines.append(f"All of your listening is on {device_words(d.device)}.")
            elif known_share >= 0.999:
                lines.append(f"Most of your listening is on {device_words(d.device)} ({d.share:.0%}), {families}.")
            else:  # the export does not name the device of some plays: shares of what it names
                lines.append(
                    f"Of the listening whose device the export records ({known_share:.0%}), the most is on "
                    f"{device_words(d.device)} ({d.share / known_share:.0%}), {families}.")
        elif self.devices:
            lines.append("The export does not say which devices you listened on.")
        # A setting the export does not record (Account data, scrobbles, no music for shuffle) is no "0%".
        settings = [said for count, said in (
            (self.recorded.shuffle, f"{self.shuffle.time_share:.0%} of your music time is on shuffle"),
            (self.recorded.offline, f"{self.offline.time_share:.0%} of your listening offline"),
            (self.recorded.incognito, f"{self.incognito.time_share:.0%} in private sessions")) if count]
        if settings:
            said = settings[0] if len(settings) == 1 else ", ".join(settings[:-1]) + " and " + settings[-1]
            lines.append(f"{said[0].upper()}{said[1:]}.")
        if self.trips:
            places = sorted({t.country for t in self.trips})
            lines.append(
                f"{len(self.trips)} trip{'s' if len(self.trips) != 1 else ''} abroad "
                f"({', '.join(places)}), {self.abroad_share:.0%} of your listening."
            )
        return lines


def _rows(ctx: Context, sql: str, params: list[object] | None = None) -> list[tuple[Any, ...]]:
    """Rows of ``sql``, typed loosely: DuckDB returns Python values whose type the SQL fixes."""
    return ctx.fetch(sql, params)


def _one(ctx: Context, sql: str, params: list[object] | None = None) -> tuple[Any, ...]:
    return _rows(ctx, sql, params)[0]


def _share(ms: Any, plays: Any, base_ms: Any, base_plays: Any) -> Share:
    m, p, bm, bp = (int(v or 0) for v in (ms, plays, base_ms, base_plays))
    return Share(m, p, bm, bp, m / bm if bm else 0.0, p / bp if bp else 0.0)


def _incognito(ctx: Context, total_ms: int, streams: int) -> Share:
    """Incognito time and plays against all time and plays of the period (see the insight's docstring)."""
    if ctx.selection.include_incognito:
        row = _one(
            ctx,
            f"""
            SELECT coalesce(sum(ms_played) FILTER (WHERE incognito), 0), count(*) FILTER (WHERE incognito)
            FROM {ctx.plays}""",
        )
        return _share(row[0], row[1], total_ms, streams)
    where, params = ctx.scope.period.where()
    kinds = "true"
    if ctx.scope.kinds is not None:
        kinds = "kind IN (" + ", ".join(f"'{k}'" for k in ctx.scope.kinds) + ")"
    if ctx.scope.sources is not None:
        kinds += " AND source IN (" + ", ".join(f"'{s}'" for s in ctx.scope.sources) + ")"
    rules = list_rules(ctx.con) if ctx.scope.apply_exclusions else []
    excluded = " OR ".join(r.predicate() for r in rules) or "false"
    row = _one(
        ctx,
        f"""
        SELECT coalesce(sum(ms_played), 0), count(*)
        FROM (SELECT * FROM all_plays WHERE coalesce(incognito, false))
        WHERE {where} AND {kinds} AND NOT ({excluded})""",
        params,
    )
    ms, n = int(row[0] or 0), int(row[1] or 0)
    return _share(ms, n, total_ms + ms, streams + n)


@insight("context", "Devices over time, offline and shuffle, countries and trips, incognito")
def context(
    ctx: Context,
    *,
    bucket: Annotated[
        Literal["auto", "month", "year"],
        "devices over time per month or year (auto: month for periods up to two years)",
    ] = "auto",
    trip_gap_days: Annotated[int, "days without plays that do not end a trip"] = 2,
) -> ContextResult:
    """How and where the listening of the period happened. Time is ``ms_played``, plays are counted under
    the policy, days are local.

    - ``devices``: time and plays per device family (``device``), with first and last day;
      ``devices_over_time``: the same per calendar month or year (``bucket``), with each device's share of
      that bucket's time;
    - ``offline``: plays Spotify marked offline, against all plays (unknown counts as online);
    - ``shuffle``: music (tracks) played with shuffle on, against all music;
    - ``incognito``: plays made in a private session (Spotify's ``incognito_mode``), of every kind in the
      scope, in the same period, minus the exclusion rules, against all plays of the period *including*
      them. When the selection leaves incognito out (the default) they are counted in the library; its
      ``plays`` are then every stored incognito play (the policy is not applied to them), and the base is the
      selection's streams plus them;
    - ``countries``: time, plays and days per connection country (``ZZ`` and missing: 'unknown');
      ``home_country``: the library's home (set or inferred), else the country with the most time;
      ``abroad_share``: the part of time from a known country other than home;
    - ``trips``: a day's *main country* is the known country with the most time that day; a trip is a run of
      days whose main country is the same foreign one, where successive such days are at most
      ``trip_gap_days`` days without plays from a known country apart (a day at home or in another country
      ends it). ``plays``
      and ``ms_played`` are those from that country between the trip's first and last day;
    - ``recorded``: how many of the plays each share is of record the setting at all — counted music plays
      with a shuffle state, counted plays with an offline flag, streams with a private-session flag (Account
      data and scrobbles record none: their 0% is not a finding).
    """
    if bucket not in ("auto", "month", "year"):
        raise UsageError(f"--bucket must be auto, month or year, not {bucket!r}")
    if trip_gap_days < 0:
        raise UsageError("--trip-gap-days must be 0 or more")
    if bucket == "auto":
        span = (ctx.end - ctx.start).days + 1 if ctx.start and ctx.end else 0
        bucket = "month" if span <= AUTO_MONTHS_UP_TO_DAYS else "year"
    fmt = "%Y-%m" if bucket == "month" else "%Y"
    p = ctx.plays

    # One pass each over the period's plays and its music: the shares, and how many plays record each setting.
    total_ms, streams, off_ms, off_n, all_n, off_known, private_known = _one(
        ctx,
        f"""
        SELECT coalesce(sum(ms_played), 0), count(*),
               coalesce(sum(ms_played) FILTER (WHERE offline), 0), count(*) FILTER (WHERE offline AND counted),
               count(*) FILTER (WHERE counted),
               count(*) FILTER (WHERE offline IS NOT NULL AND counted), count(*) FILTER (WHERE incognito IS NOT NULL)
        FROM {p}""",
    )
    total = int(total_ms or 0)
    offline = _share(off_ms, off_n, total, all_n)
    shuffle_ms, shuffle_n, music_ms, music_n, shuffle_known = _one(
        ctx,
        f"""
        SELECT coalesce(sum(ms_played) FILTER (WHERE shuffle), 0), count(*) FILTER (WHERE shuffle AND counted),
               coalesce(sum(ms_played), 0), count(*) FILTER (WHERE counted),
               count(*) FILTER (WHERE shuffle IS NOT NULL AND counted)
        FROM {p} WHERE {ctx.kinds("track")}""",
    )
    shuffle = _share(shuffle_ms, shuffle_n, music_ms, music_n)
    incognito = _incognito(ctx, total, int(streams or 0))
    recorded = Recorded(int(shuffle_known or 0), int(off_known or 0), int(private_known or 0))

    devices = [
        DeviceTotal(str(d), int(ms), int(n), float(sh or 0.0), first, last)
        for d, ms, n, sh, first, last in _rows(
            ctx,
            f"""
        SELECT coalesce(device, 'unknown') AS d, coalesce(sum(ms_played), 0)::BIGINT AS ms,
               count(*) FILTER (WHERE counted), ms / nullif(sum(ms) OVER (), 0), min(day), max(day)
        FROM {p} GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1""",
        )
    ]
    over_time = [
        DeviceBucket(str(b), str(d), int(ms), int(n), float(sh or 0.0))
        for b, d, ms, n, sh in _rows(
            ctx,
            f"""
        SELECT strftime(day, '{fmt}') AS b, coalesce(device, 'unknown') AS d,
               coalesce(sum(ms_played), 0)::BIGINT AS ms, count(*) FILTER (WHERE counted),
               ms / nullif(sum(ms) OVER (PARTITION BY b), 0)
        FROM {p} GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2""",
        )
    ]

    known = f"country IS NOT NULL AND country NOT IN ({', '.join(repr(c) for c in UNKNOWN_COUNTRIES)})"
    country_col = f"CASE WHEN {known} THEN country ELSE 'unknown' END"
    countries = [
        CountryTotal(str(c), int(ms), int(n), int(days), float(sh or 0.0))
        for c, ms, n, days, sh in _rows(
            ctx,
            f"""
        SELECT {country_col} AS c, coalesce(sum(ms_played), 0)::BIGINT AS ms, count(*) FILTER (WHERE counted),
               count(DISTINCT day), ms / nullif(sum(ms) OVER (), 0)
        FROM {p} GROUP BY 1 ORDER BY 2 DESC, 3 DESC, 1""",
        )
    ]
    home = _one(ctx, "SELECT home_country FROM home")[0]
    home_country = str(home) if home else None
    if home_country is None:
        home_country = next((c.country for c in countries if c.country != "unknown"), None)
    abroad_ms = sum(c.ms_played for c in countries if c.country not in ("unknown", home_country))

    trips = [
        Trip(str(c), first, last, (last - first).days + 1, int(nd), int(n), int(ms))
        for c, first, last, nd, n, ms in _rows(
            ctx,
            f"""
        WITH dc AS (
            SELECT day, country, sum(coalesce(ms_played, 0)) AS ms, count(*) FILTER (WHERE counted) AS n
            FROM {p} WHERE {known} GROUP BY ALL),
        lab AS (SELECT day, first(country ORDER BY ms DESC, country) AS label FROM dc GROUP BY day),
        seq AS (
            SELECT day, label,
                   CASE WHEN label = lag(label) OVER w AND day - lag(day) OVER w <= ? + 1 THEN 0 ELSE 1 END AS brk
            FROM lab WINDOW w AS (ORDER BY day)),
        runs AS (SELECT day, label, sum(brk) OVER (ORDER BY day) AS run FROM seq),
        t AS (SELECT label, min(day) AS first, max(day) AS last, count(*) AS nd
              FROM runs WHERE label IS DISTINCT FROM ? GROUP BY label, run)
        SELECT t.label, t.first, t.last, t.nd, sum(dc.n), sum(dc.ms)::BIGINT
        FROM t JOIN dc ON dc.country = t.label AND dc.day BETWEEN t.first AND t.last
        GROUP BY ALL ORDER BY t.first, t.label""",
            [trip_gap_days, home_country],
        )
    ]
    return ContextResult(
        bucket=bucket,
        total_ms=total,
        devices=devices,
        devices_over_time=over_time,
        offline=offline,
        shuffle=shuffle,
        incognito=incognito,
        home_country=home_country,
        countries=countries,
        abroad_share=abroad_ms / total if total else 0.0,
        trips=trips,
        recorded=recorded,
    )


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (
    Figure("countries", "countries", r"\bhow many countr", "countries|len"),
    Figure("main country", None, r"\bcountr|\bwhere\b", "countries.0.country"),
    Figure("trips abroad", "trips", r"\btrips?\b|\btravel|\bholiday|\bvacation", "trips|len"),
    Figure("share abroad", "%", r"\babroad\b", "abroad_share|pct"),
    Figure("offline share", "%", r"\boffline\b", "offline.time_share|pct"),
    Figure("shuffle share", "%", r"\bshuffle\b", "shuffle.time_share|pct"),
    Figure("private share", "%", r"\bincognito\b|\bprivate\b", "incognito.time_share|pct"),
    Figure("main device", None, "", "devices.0.device"),
)
