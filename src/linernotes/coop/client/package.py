"""Contribution packages, built on the device from the library.

Only what a scope's purpose needs leaves the machine: per-person metrics clipped to their published bounds
and artist names (``benchmarks``), or artist names with coarse affinity bins (``taste``). Metrics are
computed over every non-incognito play, whatever the library's ``include_incognito`` setting (private
sessions never contribute), minus the person's exclusion rules (listening they marked as not theirs — the
kids', a party — is not shared as theirs). No timestamp, event, device, country, track sequence or account name is read
into a package, and values are rounded so the package says no more than the bins need.
"""

from __future__ import annotations

from typing import Any

from linernotes.coop import contract, wire
from linernotes.coop.metrics import person_metrics, shared_plays
from linernotes.errors import UsageError


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
    """Each published metric for this library (:func:`linernotes.coop.metrics.person_metrics`, the one
    definition the crowd comparison uses too), rounded to 4 decimals: no more than the release's bins need."""
    return {name: round(value, 4) for name, value in person_metrics(lib).items()}


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
