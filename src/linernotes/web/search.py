"""Search the library's names (artists, tracks, albums, shows) from the dashboard's search box.

Uses ``ask``'s name index (every distinct name with its listening time, cached on disk and refreshed by an
import): names containing the query come first, most played first; then close spellings (typos).
"""

from __future__ import annotations

from typing import Any

from linernotes.ask.entities import fold, name_index
from linernotes.library import Library
from linernotes.units import MS_PER_HOUR

SEARCHED = ("artist", "track", "album", "show")
FUZZY_CUTOFF = 80


def search(lib: Library, query: str, limit: int = 30) -> list[dict[str, Any]]:
    """Names matching ``query``, best first: ``[{"kind", "name", "by", "hours"}]``."""
    needle = fold(query)
    if not needle:
        return []
    index = name_index(lib.con, lib.path if lib.path.exists() else None)
    picked: list[int] = []
    for i, (n, f) in enumerate(zip(index.names, index.folded, strict=True)):
        if n.kind in SEARCHED and needle in f:
            picked.append(i)
            if len(picked) >= limit:
                break
    if len(picked) < limit and len(needle) >= 3:
        from rapidfuzz import fuzz, process

        seen = set(picked)
        for _, score, i in process.extract(needle, index.folded, scorer=fuzz.WRatio, limit=limit * 2,
                                           score_cutoff=FUZZY_CUTOFF):
            if i not in seen and index.names[i].kind in SEARCHED and score >= FUZZY_CUTOFF:
                picked.append(i)
                seen.add(i)
            if len(picked) >= limit:
                break
    return [{"kind": index.names[i].kind, "name": index.names[i].name, "by": index.names[i].by,
             "hours": round(index.names[i].ms / MS_PER_HOUR, 3)} for i in picked]
