"""The hook for "you vs. the crowd": finds a cooperative population release on this device, if any, and when it
is a signed release that verifies, places the person in it (computed here, by :mod:`linernotes.coop.crowd`).
The release is kept beside the library (:mod:`linernotes.coop.sidecars`).

No release file: no crowd section. A file that is not a signed release, or that does not verify against the
cooperative's key kept beside the library: the section names the release and says nothing is compared — it
never shows figures it cannot vouch for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linernotes.coop.crowd.compare import CrowdComparison
    from linernotes.library import Library



@dataclass(frozen=True)
class CrowdRelease:
    """What the report shows about a release: its identity (no paths: the report may be shared) and, when it
    verified, the person's comparison with the crowd."""

    release_id: str | None
    published: str | None
    signed: bool = False
    comparison: CrowdComparison | None = None
    problem: str | None = None
    malformed: bool = False  # it verified, but its parts are not of a release's shapes (``problem`` says which)

    def note(self) -> str:
        name = f"release {self.release_id}" if self.release_id else "a release"
        when = f" (published {self.published})" if self.published else ""
        if self.comparison is not None:
            c = self.comparison
            return (f"Where you stand among ~{c.contributors.get('benchmarks', 0):,} contributors to the cooperative's "
                    f"{name}{when}: computed here, on your machine, from its differentially private histograms "
                    f"(ε = {c.epsilon:g}). A percentile is the share of contributors below you; ± is the "
                    "uncertainty the privacy noise and the histogram's bins imply.")
        if self.signed and self.malformed:
            return (f"The cooperative's {name}{when} is on this device but could not be read ({self.problem}), "
                    "so nothing is compared.")
        if self.signed:
            return (f"The cooperative's {name}{when} is on this device but could not be verified with the "
                    "cooperative's key, so nothing is compared.")
        return (f"The cooperative's {name}{when} is on this device, but it is not a signed release, so nothing "
                "is compared.")


def find_release(library_path: Path) -> CrowdRelease | None:
    """The release present for this library, or None (no file, or a file that is not a release)."""
    from linernotes.coop.sidecars import release_path

    path = release_path(library_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    signed = isinstance(data.get("payload"), dict) and "signature" in data
    if signed:
        data = data["payload"]
    release_id, published = data.get("release_id"), data.get("published")
    return CrowdRelease(str(release_id) if release_id is not None else None,
                        str(published) if published is not None else None, signed)


def crowd_for(lib: Library) -> CrowdRelease | None:
    """The release for ``lib`` with the person's comparison when it is signed and verifies."""
    found = find_release(lib.path)
    if found is None or not found.signed:
        return found
    from linernotes.coop.crowd.compare import compare, verified_release
    from linernotes.coop.crowd.verify import MalformedRelease, ReleaseError

    try:
        payload = verified_release(lib.path)
    except MalformedRelease as exc:
        return replace(found, problem=str(exc), malformed=True)
    except ReleaseError as exc:
        return replace(found, problem=str(exc))
    try:
        return replace(found, comparison=compare(lib, payload))
    except ReleaseError as exc:  # signed by the cooperative, yet not readable: named, never shown half-read
        return replace(found, problem=str(exc), malformed=True)
