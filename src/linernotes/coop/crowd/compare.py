"""You vs. the crowd, on the device: the person's metrics placed in a verified release, and recommendations
from the release's shared taste model. Nothing here touches the network; the release was fetched before and is
kept beside the library (:mod:`linernotes.coop.sidecars`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linernotes.coop.contract import METRICS
from linernotes.coop.crowd.percentile import place
from linernotes.coop.crowd.shared_taste_picks import recommend
from linernotes.coop.crowd.verify import MalformedRelease, ReleaseError, load_release, read_public_key
from linernotes.coop.metrics import person_metrics
from linernotes.coop.sidecars import key_path, release_path

if TYPE_CHECKING:
    from linernotes.library import Library


@dataclass(frozen=True)
class MetricPlace:
    metric: str
    unit: str
    value: float  # the person's own, computed here
    percentile: float  # share of contributors below, 0..100
    low: float  # the interval the noise allows
    high: float
    uncertainty: float  # half the interval, in percentile points
    meaning: str


@dataclass
class CrowdComparison:
    release_id: str
    published: str
    contributors: dict[str, int]
    epsilon: float
    delta: float
    metrics: list[MetricPlace]
    top_artists: list[tuple[str, int]]
    recommendations: list[tuple[str, float]] = field(default_factory=list)
    seeds: list[str] = field(default_factory=list)  # the current chapter's artists the recommendations start from

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["top_artists"] = [{"artist": a, "contributors": n} for a, n in self.top_artists]
        out["recommendations"] = [{"artist": a, "similarity": s} for a, s in self.recommendations]
        return out


def verified_release(library_path: Path) -> dict[str, Any]:
    """The verified payload of the release kept for this library (:class:`ReleaseError` when there is none,
    no key, or it does not verify)."""

    path, key = release_path(library_path), key_path(library_path)
    if not path.exists():
        raise ReleaseError(f"no cooperative release on this device (looked for {path.name})")
    if not key.exists():
        raise ReleaseError(f"no cooperative key to verify the release with (looked for {key.name})")
    return load_release(path, read_public_key(key))


def place_person(payload: dict[str, Any], values: dict[str, float]) -> list[MetricPlace]:
    """Each published metric's placement of ``values`` (metrics missing from the release are left out)."""
    out = []
    for m in METRICS:
        hist = payload.get("metrics", {}).get(m.name)
        if hist is None:
            continue
        p = place(hist, values[m.name])
        out.append(MetricPlace(m.name, m.unit, round(values[m.name], 6), round(p.percentile, 2), round(p.low, 2),
                               round(p.high, 2), round(p.uncertainty, 2), m.meaning))
    return out


def current_artists(lib: Library, limit: int = 10) -> list[str]:
    """The top artists of the person's current chapter (of the last 90 days of listening when there are no
    chapters yet)."""
    chapters = lib.insight("chapters", include_incognito=False).chapters  # type: ignore[attr-defined]
    if chapters:
        current = next((c for c in chapters if c.current), chapters[-1])
        if current.top_artists:
            return list(current.top_artists[:limit])
    rows = lib.con.execute("""
        SELECT artist FROM all_plays WHERE kind = 'track' AND artist IS NOT NULL AND NOT coalesce(incognito, false)
          AND ts_start >= (SELECT max(ts_start) FROM all_plays) - INTERVAL 90 DAY
        GROUP BY artist ORDER BY sum(ms_played) DESC, artist LIMIT ?""", [limit]).fetchall()
    return [r[0] for r in rows]


def known_artists(lib: Library) -> list[str]:
    """Every artist the person ever played (incognito included: a recommendation must be new to them)."""
    return [r[0] for r in lib.con.execute("SELECT DISTINCT artist FROM all_plays WHERE artist IS NOT NULL").fetchall()]


def compare(lib: Library, payload: dict[str, Any], *, recommendations: int = 10) -> CrowdComparison:
    """The person against a verified release ``payload`` (:class:`MalformedRelease` when its parts are not of the
    shapes a release has: a signature vouches for who published it, not for what it holds)."""
    top, vectors, contributors, epsilon, delta = _checked(payload)
    places = place_person(payload, person_metrics(lib))
    recs: list[tuple[str, float]] = []
    seeds: list[str] = []
    if recommendations and vectors:
        seeds = current_artists(lib)
        recs = recommend(vectors, seeds, known_artists(lib), recommendations)
    return CrowdComparison(str(payload.get("release_id")), str(payload.get("published")),
                           contributors, epsilon, delta, places, top, recs, seeds)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _checked(payload: dict[str, Any]) -> tuple[list[tuple[str, int]], dict[str, list[float]], dict[str, int],
                                               float, float]:
    """The release's top artists, taste vectors, contributor counts and privacy parameters, checked: names are
    strings and numbers are finite numbers, else one clear :class:`MalformedRelease` instead of a crash."""
    part = payload.get("top_artists") or {}
    rows = part.get("artists", []) if isinstance(part, dict) else None
    if not isinstance(rows, list) or not all(
            isinstance(r, list) and len(r) == 2 and isinstance(r[0], str) and _number(r[1]) for r in rows):
        raise MalformedRelease("the release's top artists are not [name, count] pairs")
    model = payload.get("taste") or {}
    names = model.get("artists") or [] if isinstance(model, dict) else None
    vectors = model.get("vectors") or [] if isinstance(model, dict) else None
    if not (isinstance(names, list) and isinstance(vectors, list) and len(names) == len(vectors)
            and all(isinstance(n, str) for n in names)
            and all(isinstance(v, list) and all(_number(x) for x in v) for v in vectors)
            and len({len(v) for v in vectors}) <= 1):
        raise MalformedRelease("the release's taste model is not one vector of numbers per artist name")
    metrics = payload.get("metrics", {})
    if not (isinstance(metrics, dict) and all(
            isinstance(h, dict) and isinstance(h.get("counts"), list) and all(_number(c) for c in h["counts"])
            and _number(h.get("scale", 0.0)) for h in metrics.values())):
        raise MalformedRelease("the release's metric histograms are not lists of counts")
    contributors = payload.get("contributors", {})
    privacy = payload.get("privacy", {})
    if not (isinstance(contributors, dict) and all(_number(v) for v in contributors.values())
            and isinstance(privacy, dict) and all(_number(privacy.get(k, 0.0)) for k in ("epsilon", "delta"))):
        raise MalformedRelease("the release's contributor counts or privacy parameters are not numbers")
    return ([(a, int(n)) for a, n in rows], dict(zip(names, vectors, strict=True)),
            {str(k): int(v) for k, v in contributors.items()}, float(privacy.get("epsilon", 0.0)),
            float(privacy.get("delta", 0.0)))
