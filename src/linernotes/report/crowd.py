"""The hook for "you vs. the crowd": finds a cooperative population release on this device, if any.

The cooperative does not publish releases yet. Until it does, :func:`find_release` returns None and the
report has no crowd section; when a release file is present, the section names the release and says what
it will hold — it never invents population figures. The comparison itself will be computed locally from
the release by ``coop/release`` once that exists.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

ENV_RELEASE = "LINERNOTES_RELEASE"  # an explicit release file, e.g. for testing a downloaded release
RELEASE_SUFFIX = ".crowd-release.json"  # beside the library: lib.duckdb -> lib.crowd-release.json


@dataclass(frozen=True)
class CrowdRelease:
    """What the report shows about a release: its identity only (no paths: the report may be shared)."""

    release_id: str | None
    published: str | None

    def note(self) -> str:
        name = f"release {self.release_id}" if self.release_id else "a release"
        when = f" (published {self.published})" if self.published else ""
        return (f"The cooperative's {name}{when} is on this device. Comparisons with the crowd are computed "
                "here, on your machine, once the cooperative's comparison engine is available; "
                "nothing is shown until then.")


def release_path(library_path: Path) -> Path:
    """Where a release for this library is looked for (``$LINERNOTES_RELEASE`` overrides it)."""
    env = os.environ.get(ENV_RELEASE)
    return Path(env).expanduser() if env else library_path.with_name(library_path.stem + RELEASE_SUFFIX)


def find_release(library_path: Path) -> CrowdRelease | None:
    """The release present for this library, or None (no file, or a file that is not a release)."""
    path = release_path(library_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    release_id, published = data.get("release_id"), data.get("published")
    return CrowdRelease(str(release_id) if release_id is not None else None,
                        str(published) if published is not None else None)
