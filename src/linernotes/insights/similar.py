"""``similar``: the artists you treat like a given one (neighbours in your own taste model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np

from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.errors import UsageError
from linernotes.formatting import count_of
from linernotes.insights.sessions import session_table
from linernotes.insights.taste import taste_model
from linernotes.models.artist_embedding import TasteModel
from linernotes.units import MS_PER_HOUR

FUZZY_CUTOFF = 75.0  # rapidfuzz WRatio (0-100) a name must reach to count as meant
MIN_COSINE = 0.01  # below this an artist is unrelated, not a neighbour


@dataclass(frozen=True)
class Neighbour:
    rank: int
    artist: str
    cosine: float  # similarity of the two artists' taste vectors, -1..1 (1: used exactly alike)
    shared_sessions: int  # sessions (whole history) with both artists
    plays: int  # counted plays of the neighbour in the period
    hours: float  # listening time on the neighbour in the period
    lifetime_hours: float  # listening time on the neighbour over the whole history


@dataclass
class SimilarResult(Result):
    query: str  # the artist asked for ("" = the period's top artist)
    artist: str | None  # the artist the query was matched to
    match: str  # "exact", "fuzzy", "top" (no artist asked: the period's top artist) or "none"
    match_score: float | None  # rapidfuzz score of a fuzzy match (0-100)
    suggestions: list[str]  # close names when nothing matched well enough
    sessions: int  # sessions (whole history) with the artist
    lifetime_hours: float
    vocabulary: int  # artists in the taste model
    dims: int
    neighbours: list[Neighbour]

    def summary(self) -> list[str]:
        if self.artist is None:
            if self.query:
                hint = f" Did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
                return [f"No artist like “{self.query}” in your taste model.{hint}"]
            return ["Not enough co-listening yet to say which artists you treat alike."]
        if not self.neighbours:
            return [f"{self.artist} has not shared a session with other artists often enough to have neighbours."]
        lead = "(your top artist) " if self.match == "top" else ""
        if self.match == "fuzzy":
            lead = f"(for “{self.query}”) "
        names = [n.artist for n in self.neighbours[:3]]
        first = self.neighbours[0]
        return [
            f"You treat {self.artist} {lead}most like {_join(names)}.",
            # The cosine of the two taste vectors, said as how alike (a bare 0.87 means nothing to a reader).
            f"Closest: {first.artist}, {first.cosine:.0%} alike in how you play them, "
            + (f"together in {count_of(first.shared_sessions, 'session')}." if first.shared_sessions
               else "though never in the same session."),
        ]


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def resolve_artist(model: TasteModel, query: str) -> tuple[int | None, str, float | None, list[str]]:
    """Index of the artist ``query`` means: exact (case-insensitive), else the best rapidfuzz match.

    Returns (index or None, "exact" | "fuzzy" | "none", fuzzy score, suggestions when nothing matched).
    """
    i = model.index_of(query.strip())
    if i is not None:
        return i, "exact", None, []
    if not len(model.artists):
        return None, "none", None, []
    from rapidfuzz import fuzz, process, utils

    names = [str(a) for a in model.artists]
    found = process.extract(query, names, scorer=fuzz.WRatio, processor=utils.default_process, limit=3)
    if found and found[0][1] >= FUZZY_CUTOFF:
        return int(found[0][2]), "fuzzy", float(found[0][1]), []
    return None, "none", None, [f[0] for f in found if f[1] >= 50]


@insight("similar", "Artists you treat like a given artist (your own co-listening)", model=True)
def similar(
    ctx: Context,
    *,
    artist: Annotated[str, "the artist (typos allowed); empty: the period's top artist"] = "",
    limit: Annotated[int, "how many neighbours to list"] = 10,
) -> SimilarResult:
    """The artists closest to ``artist`` in your taste model (:mod:`linernotes.models.artist_embedding`).

    The taste model embeds every artist with at least 3 counted plays (whole history of the scope, same
    exclusions) from how you play artists near each other within sessions: PPMI of co-occurrences at most 5
    plays apart, then a 32-dimensional truncated SVD. ``cosine`` is the cosine similarity of two artists'
    vectors: 1 when you use them exactly alike, 0 when unrelated. Neighbours are the ``limit`` artists with
    the highest cosine above 0.01 (ties: the more listened first); ``shared_sessions`` counts sessions (20-minute
    rule, whole history) holding both. ``plays`` and ``hours`` are the neighbour's in the period.

    The artist is matched case-insensitively; otherwise the closest name by rapidfuzz's WRatio when it
    scores at least 75 (``match`` = "fuzzy"), else nothing matches and ``suggestions`` lists near names.
    With no artist, the period's top artist by music listening time that has a vector is used.
    """
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    model = taste_model(ctx)
    query = artist.strip()
    idx: int | None
    score: float | None = None
    suggestions: list[str] = []
    if query:
        idx, match, score, suggestions = resolve_artist(model, query)
    else:
        idx, match = _top_artist(ctx, model), "top"
        if idx is None:
            match = "none"
    if idx is None:
        return SimilarResult(query=query, artist=None, match="none", match_score=None, suggestions=suggestions,
                             sessions=0, lifetime_hours=0.0, vocabulary=len(model.artists), dims=model.dims,
                             neighbours=[])
    name = str(model.artists[idx])
    pairs = model.similar(name, k=limit)
    pairs = [(n, c) for n, c in pairs if c > MIN_COSINE]
    whole = ctx.whole_history()
    names = [n for n, _ in pairs]
    shared, own_sessions = _shared_sessions(whole, name, names)
    period = {
        str(a): (int(p), int(ms))
        for a, p, ms in ctx.fetch(
            f"""SELECT artist, count(*) FILTER (WHERE counted), coalesce(sum(ms_played), 0) FROM {ctx.plays}
                WHERE {ctx.kinds('track')} AND artist IN (SELECT unnest(?::VARCHAR[])) GROUP BY artist""",
            [names],
        )
    }
    neighbours = []
    for rank, (n, cos) in enumerate(pairs, start=1):
        j = model.index_of(n)
        plays, ms = period.get(n, (0, 0))
        neighbours.append(Neighbour(
            rank=rank, artist=n, cosine=cos, shared_sessions=shared.get(n, 0), plays=plays, hours=ms / MS_PER_HOUR,
            lifetime_hours=float(model.ms_played[j]) / MS_PER_HOUR if j is not None else 0.0))
    return SimilarResult(
        query=query, artist=name, match=match, match_score=score, suggestions=[], sessions=own_sessions,
        lifetime_hours=float(model.ms_played[idx]) / MS_PER_HOUR, vocabulary=len(model.artists), dims=model.dims,
        neighbours=neighbours)


def _top_artist(ctx: Context, model: TasteModel) -> int | None:
    """The period's top artist (music time; ties by name) among artists with a non-zero vector."""
    for (name,) in ctx.fetch(f"""
            SELECT artist FROM {ctx.plays} WHERE {ctx.kinds('track')} AND artist IS NOT NULL
            GROUP BY artist ORDER BY sum(ms_played) DESC, artist LIMIT 200"""):
        i = model.index_of(str(name))
        if i is not None and model.dims and np.any(model.vectors[i]):
            return i
    return None


def _shared_sessions(whole: Context, artist: str, others: list[str]) -> tuple[dict[str, int], int]:
    """Sessions holding both ``artist`` and each of ``others``; and sessions holding ``artist``."""
    table = session_table(whole)
    rows = whole.fetch(
        f"""
        WITH mine AS (SELECT DISTINCT session_id FROM {table} WHERE kind = 'track' AND artist = ?)
        SELECT NULL AS other, count(*) FROM mine
        UNION ALL
        SELECT t.artist, count(DISTINCT t.session_id) FROM {table} t JOIN mine USING (session_id)
        WHERE t.kind = 'track' AND t.artist IN (SELECT unnest(?::VARCHAR[])) GROUP BY t.artist""",
        [artist, others],
    )
    own = next((int(n) for a, n in rows if a is None), 0)
    return {str(a): int(n) for a, n in rows if a is not None}, own


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (Figure("most similar artist", None, "", "neighbours.0.artist"),)
