"""Contribution packages, built on the device from the library.

Only what a scope's purpose needs leaves the machine: per-person metrics clipped to their published bounds
and artist names (``benchmarks``), or artist names with coarse affinity bins (``taste``). Metrics are
computed over every non-incognito play, whatever the library's ``include_incognito`` setting (private
sessions never contribute), minus the person's exclusion rules (listening they marked as not theirs — the
kids', a party — is not shared as theirs). No timestamp, event, device, country, track sequence or account name is read
into a package, and values are rounded so the package says no more than the bins need.
"""

from __future__ import annotations

import math
from typing import Any

from linernotes.coop import contract, wire
from linernotes.errors import UsageError
from linernotes.insights.scope import SKIP_SQL

# Every query here reads this (with the exclusion rules filled in), never ``plays``, whose incognito rule
# is a setting.
SHARED = "(SELECT * FROM all_plays WHERE NOT coalesce(incognito, false) AND ms_played > 0 AND NOT ({excluded}))"
SESSION_GAP_MINUTES = 30
FRESH_DAYS = 30

METRICS_SQL = f"""
WITH p AS {{shared}},
music AS (SELECT artist, sum(ms_played) AS ms FROM p WHERE kind = 'track' AND artist IS NOT NULL GROUP BY 1),
ranked AS (SELECT ms, row_number() OVER (ORDER BY ms DESC, artist) AS r FROM music),
firsts AS (
    SELECT ms_played,
           ts_start - min(ts_start) OVER (PARTITION BY coalesce(uri, lower(artist) || chr(31) || lower(track)))
               < INTERVAL {FRESH_DAYS} DAY AS fresh
    FROM p WHERE kind = 'track' AND track IS NOT NULL),
gaps AS (
    SELECT ts_start, ts_end,
           CASE WHEN ts_start - max(ts_end) OVER (ORDER BY ts_start ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                     <= INTERVAL {SESSION_GAP_MINUTES} MINUTE THEN 0 ELSE 1 END AS new_session
    FROM p),
sessions AS (
    SELECT sum(new_session) OVER (ORDER BY ts_start ROWS UNBOUNDED PRECEDING) AS s, ts_start, ts_end FROM gaps),
lengths AS (SELECT epoch(max(ts_end) - min(ts_start)) / 60 AS minutes FROM sessions GROUP BY s)
SELECT
    (SELECT sum(ms_played) / 3.6e6 / nullif(count(DISTINCT date_trunc('week', ts_local)), 0) FROM p),
    (SELECT sum(ms_played) FILTER (WHERE fresh) / nullif(sum(ms_played), 0) FROM firsts),
    (SELECT CASE WHEN count(*) > 1
                 THEN -sum(ms / t * ln(ms / t)) / ln(count(*)) ELSE 0 END
     FROM music, (SELECT sum(ms)::DOUBLE AS t FROM music)),
    (SELECT avg(CASE WHEN skip THEN 1.0 ELSE 0.0 END) FROM
        (SELECT {SKIP_SQL} AS skip FROM p) WHERE skip IS NOT NULL),
    (SELECT sum(ms_played) FILTER (WHERE hour(ts_local) < 5) / nullif(sum(ms_played), 0) FROM p),
    (SELECT median(minutes) FROM lengths),
    (SELECT sum(ms) FILTER (WHERE r <= 10) / nullif(sum(ms), 0) FROM ranked),
    (SELECT sum(ms_played) FILTER (WHERE kind = 'episode') / nullif(sum(ms_played), 0) FROM p)
"""
METRIC_ORDER = ("weekly_hours", "discovery_rate", "diversity", "skip_rate", "night_share", "session_minutes",
                "loyalty", "podcast_share")


def shared_plays(lib: Any) -> str:
    """SQL for the plays a package may draw on: not incognito, some time played, no exclusion rule matching."""
    from linernotes.insights.exclusions import list_rules

    excluded = " OR ".join(r.predicate() for r in list_rules(lib.con)) or "false"
    return SHARED.format(excluded=excluded)


def top_artists(lib: Any, limit: int) -> list[tuple[str, float]]:
    """The ``limit`` most listened artists (music time, shared plays), cleaned for sending, with hours."""
    rows = lib.con.execute(
        f"SELECT artist, sum(ms_played) / 3.6e6 FROM {shared_plays(lib)} WHERE kind = 'track' "
        "AND artist IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()
    out: list[tuple[str, float]] = []
    seen: set[str] = set()
    for name, hours in rows:
        cleaned = wire.clean_name(name)
        if cleaned and cleaned not in seen:
            seen.add(cleaned)
            out.append((cleaned, float(hours)))
            if len(out) == limit:
                break
    return out


def metrics(lib: Any) -> dict[str, float]:
    """Each published metric for this library, clipped to its bounds and rounded (4 significant decimals)."""
    row = lib.con.execute(METRICS_SQL.replace("{shared}", shared_plays(lib))).fetchall()[0]
    values: dict[str, float] = {}
    for name, value in zip(METRIC_ORDER, row, strict=True):
        m = contract.metric(name)
        v = float(value) if value is not None and math.isfinite(float(value)) else 0.0
        values[name] = round(m.clip(v), 4)
    return values


def affinity_bin(hours: float, top_hours: float) -> int:
    """A coarse bin of an artist's share of the favourite's time: 5 ≥ ½, 4 ≥ ⅕, 3 ≥ 1/20, 2 ≥ 1/100, else 1."""
    ratio = hours / top_hours if top_hours > 0 else 0.0
    for threshold, b in ((0.5, 5), (0.2, 4), (0.05, 3), (0.01, 2)):
        if ratio >= threshold:
            return b
    return contract.AFFINITY_MIN


def build(lib: Any, scope: str) -> dict[str, Any]:
    """The package of ``scope`` for this library, as the dict :func:`linernotes.coop.wire.encode` sends.

    >>> build(lib, "benchmarks")["top_artists"][:2]   # doctest: +SKIP
    ['Radiohead', 'Björk']
    """
    if scope not in contract.SCOPES:
        raise UsageError(f"unknown scope {scope!r} (choose from: {', '.join(contract.SCOPES)})")
    (shared,) = lib.con.execute(f"SELECT count(*) FROM {shared_plays(lib)}").fetchall()[0]
    if not shared:
        raise UsageError("the library has no plays to share (incognito plays never are): import an export first")
    if scope == "benchmarks":
        package: dict[str, Any] = metrics(lib)
        package["top_artists"] = [n for n, _ in top_artists(lib, contract.TOP_ARTISTS_BENCHMARKS)]
    else:
        top = top_artists(lib, contract.TOP_ARTISTS_TASTE)
        if not top:
            raise UsageError("the library has no music plays to build a taste package from")
        package = {"artists": [n for n, _ in top], "affinity": [affinity_bin(h, top[0][1]) for _, h in top]}
    wire.check(scope, wire.encode(package))  # what the server would refuse is never sent
    return package
