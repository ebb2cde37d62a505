"""``noise``: listening that is probably not yours, with exclusion rules to accept in one command.

The finder is :mod:`linernotes.models.other_listeners` (someone else's listening on your account: not the
privacy noise of the cooperative's releases); this module reads its input from the library."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np

from linernotes.engine.exclusions import Rule
from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.errors import UsageError
from linernotes.insights.sessions import session_table
from linernotes.insights.taste import taste_model
from linernotes.models.other_listeners import (
    Island,
    island_candidates,
    island_rules,
    islands_of,
    passing_islands,
)
from linernotes.units import format_hours


@dataclass
class NoiseResult(Result):
    music_plays: int  # music plays looked at
    artists: int  # artists among them
    candidates: int  # artists with enough plays and sessions to judge
    proposals: list[Island]  # biggest first; each with its rules, commands and reasons
    plays_flagged: int  # plays of the selection any proposed rule matches
    ms_flagged: int
    share_flagged: float  # of the music plays

    def summary(self) -> list[str]:
        if not self.proposals:
            return [f"Nothing looks like someone else's listening among {self.music_plays:,} music plays."]
        lines = [
            f"{len(self.proposals)} group{'s' if len(self.proposals) != 1 else ''} of listening "
            f"look{'s' if len(self.proposals) == 1 else ''} like someone else's: {self.plays_flagged:,} plays "
            f"({self.share_flagged:.1%} of your music), "
            f"{format_hours(self.ms_flagged)} hours."
        ]
        for p in self.proposals[:3]:
            lines.append(f"Probably {p.label}: {p.why}")
            lines.append("  To exclude: " + " && ".join(r.cli for r in p.rules[:4])
                         + (" ..." if len(p.rules) > 4 else ""))
        return lines


@insight("noise", "Noise finder: listening that is probably not yours, and rules to exclude it", model=True)
def noise(
    ctx: Context,
    *,
    min_plays: Annotated[int, "fewest plays of an artist to judge it"] = 20,
    min_sessions: Annotated[int, "fewest sessions an artist must appear in (noise recurs)"] = 5,
) -> NoiseResult:
    """Music (kind ``track``) of the selection that probably is not the person's own — a child's songs, sleep
    or white-noise loops, a partner on a shared speaker — found as *islands* (:mod:`linernotes.models.other_listeners`):

    - every artist with at least ``min_plays`` plays in at least ``min_sessions`` sessions (20-minute
      silences) gets its company: the music time, per artist, of the sessions it appears in. It is
      *concentrated* when its ten biggest companions (itself included) hold 85 % of that time; concentrated
      artists holding at least 5 % of each other's company form an island, kept when its artists hold at
      least 85 % of the music time of the sessions they appear in;
    - the island must be far from the rest of your taste: cosine ≤ 0.15 between its time-weighted taste
      vector (taste model) and that of all other music (``taste_similarity`` None: never played next to
      any other artist, so no vector);
    - and have a context of its own: total-variation distance ≥ 0.3 between its plays' distribution over
      devices (phones count as one) or over local start hours and the rest's;
    - and hold at most 30 % of the music plays (more is the person's own listening, however apart).

    Islands with the same context (device and four-hour-block distributions within 0.3) are one proposal. Each has a
    ``label`` (sleep or background loops: ≥ 60 % of plays at night, 22:00–05:59, and a median play of
    15 minutes or more; someone else's music on a device: ≥ 70 % of plays on one non-phone device), a
    ``why`` built from those figures, and one rule per artist — the artist alone, or artist and device when
    at least 20 % of the artist's plays are outside the island's sessions (it is also yours) and 80 % of the
    island's plays are on that device — with the exact ``linernotes exclude add`` command, the Python call
    and the plays and time of the selection it would exclude. ``plays_flagged`` counts the plays any
    proposed rule matches (once each).
    """
    if min_plays < 1 or min_sessions < 1:
        raise UsageError("--min-plays and --min-sessions must be at least 1")
    islands, facts = find_islands(ctx, min_plays=min_plays, min_sessions=min_sessions)
    rules = [r.rule for i in islands for r in i.rules]
    flagged, ms = 0, 0
    if rules:
        flagged, ms = (int(v) for v in ctx.one(
            f"SELECT count(*), coalesce(sum(ms_played), 0) FROM {ctx.plays} "
            f"WHERE {' OR '.join(r.predicate() for r in rules)}"))
    music = int(facts["music_plays"])
    return NoiseResult(
        music_plays=music,
        artists=int(facts["artists"]),
        candidates=int(facts["candidates"]),
        proposals=islands,
        plays_flagged=flagged,
        ms_flagged=ms,
        share_flagged=flagged / music if music else 0.0,
    )


def find_islands(ctx: Context, *, min_plays: int = 20, min_sessions: int = 5) -> tuple[list[Island], dict[str, Any]]:
    """Islands of someone else's listening in ``ctx``'s selection, biggest first, and facts about what was
    looked at (:mod:`linernotes.models.other_listeners`)."""
    table = session_table(ctx)
    music = ctx.kinds("track")
    cols = ctx.fetchnumpy(f"""
        SELECT session_id, artist, sum(coalesce(ms_played, 0))::DOUBLE AS ms, count(*) AS plays
        FROM {table} WHERE {music} AND artist IS NOT NULL GROUP BY ALL""")
    company, facts = island_candidates(cols["session_id"], cols["artist"], cols["ms"], cols["plays"],
                                       taste_model(ctx), min_plays=min_plays, min_sessions=min_sessions)
    if company is None:
        return [], facts
    rows = _context_rows(ctx, company.names, company.island_of)
    passing, dev_names, rest_dev, rest_hour = passing_islands(company, rows["island"], rows["device"],
                                                              rows["hour"], rows["plays"])
    if not passing:
        return [], facts
    medians = _median_minutes(ctx, company.names, [g for g, *_ in passing])
    rules = island_rules(company, passing, dev_names)
    counts = [[_removed(ctx, rule) for rule in island] for island in rules]
    return islands_of(company, passing, dev_names, rest_dev, rest_hour, medians, rules, counts), facts


def _removed(ctx: Context, rule: Rule) -> tuple[int, int]:
    """(plays, ms) of the selection that ``rule`` would exclude."""
    n, t = ctx.one(f"SELECT count(*), coalesce(sum(ms_played), 0) FROM {ctx.plays} WHERE {rule.predicate()}")
    return int(n), int(t)


def _context_rows(ctx: Context, names: np.ndarray, island_of: np.ndarray) -> dict[str, Any]:
    """Music plays per (island, device, local hour); island -1 is everything else. Phones are one device."""
    import pyarrow as pa

    ctx.con.register("_ln_noise_islands", pa.table({
        "artist": pa.array(names[island_of >= 0].tolist(), pa.string()),
        "island": pa.array(island_of[island_of >= 0]),
    }))
    try:
        return ctx.fetchnumpy(f"""
            SELECT coalesce(i.island, -1) AS island,
                   CASE WHEN p.device LIKE 'phone%' THEN 'phone' ELSE coalesce(p.device, 'unknown') END AS device,
                   p.hour, count(*) AS plays
            FROM {ctx.plays} p LEFT JOIN _ln_noise_islands i ON i.artist = p.artist
            WHERE {ctx.kinds("track")} AND p.artist IS NOT NULL GROUP BY ALL""")
    finally:
        ctx.con.unregister("_ln_noise_islands")


def _median_minutes(ctx: Context, names: np.ndarray, groups: list[list[int]]) -> list[float]:
    import pyarrow as pa

    artists = [str(names[a]) for g in groups for a in g]
    ids = [k for k, g in enumerate(groups) for _ in g]
    ctx.con.register("_ln_noise_groups", pa.table({"artist": pa.array(artists, pa.string()), "g": pa.array(ids)}))
    try:
        found = dict(ctx.fetch(f"""
            SELECT i.g, median(coalesce(p.ms_played, 0))::DOUBLE / 60000 FROM {ctx.plays} p
            JOIN _ln_noise_groups i ON i.artist = p.artist WHERE {ctx.kinds("track")} GROUP BY 1"""))
    finally:
        ctx.con.unregister("_ln_noise_groups")
    return [float(found.get(k) or 0.0) for k in range(len(groups))]


def noise_rules(ctx: Context, **kwargs: int) -> list[Rule]:
    """Every proposed rule (for benchmarks: the plays they match are the ones flagged as noise)."""
    islands, _ = find_islands(ctx, **kwargs)
    return [r.rule for i in islands for r in i.rules]


def noise_model(ctx: Context) -> list[Island]:
    """The islands with the default thresholds (the name benchmarks train models by)."""
    return find_islands(ctx)[0]
# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (Figure("proposed exclusions", "proposals", "", "proposals|len"),)
