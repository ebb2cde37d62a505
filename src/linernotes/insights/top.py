"""``top``: the top artists, tracks, albums, shows and audiobooks of any period ("Wrapped for any period")."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Annotated, Literal

from linernotes.engine import rollup
from linernotes.engine.figures import Figure
from linernotes.engine.registry import insight
from linernotes.engine.result import Result
from linernotes.engine.scope import Context
from linernotes.errors import UsageError
from linernotes.formatting import count_of
from linernotes.units import MS_PER_HOUR, format_hours


class Entity(StrEnum):
    ARTISTS = "artists"
    TRACKS = "tracks"
    ALBUMS = "albums"
    SHOWS = "shows"
    AUDIOBOOKS = "audiobooks"


# entity → (kinds, name column, the "by" column shown next to it)
GROUPS: dict[Entity, tuple[tuple[str, ...], str, str | None]] = {
    Entity.ARTISTS: (("track",), "artist", None),
    Entity.TRACKS: (("track",), "track", "artist"),
    Entity.ALBUMS: (("track",), "album", "artist"),
    Entity.SHOWS: (("episode", "video"), "show_name", None),
    Entity.AUDIOBOOKS: (("audiobook",), "audiobook", None),
}


@dataclass(frozen=True)
class TopRow:
    rank: int
    name: str
    by: str | None
    plays: int
    ms_played: int
    share: float  # of the period's listening time for this entity type
    previous_rank: int | None = None  # rank in the previous period of equal length (None: not ranked then)
    rank_change: int | None = None  # previous_rank - rank: positive means it climbed; None: new or no previous

    @property
    def hours(self) -> float:
        return self.ms_played / MS_PER_HOUR

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "hours": round(self.hours, 3)}


@dataclass
class TopResult(Result):
    entity: str
    by: str
    rows: list[TopRow]
    previous_start: str | None
    previous_end: str | None
    total_ms: int
    distinct: int
    withheld: list[str] = field(default_factory=list)  # comparisons left out for too little data, and why

    def summary(self) -> list[str]:
        if not self.rows:
            return [f"No {self.entity} in this period."]
        first = self.rows[0]
        line = f"Your number one: {first.name}" + (f" by {first.by}" if first.by else "")
        if first.ms_played:
            line += f", {first.hours:,.1f} hours ({first.share:.0%} of the time on {self.entity})."
        else:  # scrobbles: the export records plays, not how long they lasted
            line += f", {count_of(first.plays, 'play')} (the export records no listening time)."
        return [line]


def _grouped(ctx: Context, entity: Entity, relation: str | None) -> str:
    kinds, name_col, by_col = GROUPS[entity]
    days = rollup.entity_days(ctx, entity.value, kinds, name_col, by_col) if ctx.scope.period.bounded else None
    if days is not None:
        # A period of a history already selected: the sums of its per-day rollup (the same numbers).
        return f"""
        SELECT any_value(name) AS name, any_value(by_name) AS by_name, sum(plays)::BIGINT AS plays,
               coalesce(sum(ms), 0) AS ms
        FROM {days} WHERE {rollup.within(ctx.scope.period)}
        GROUP BY k"""
    return f"""
        SELECT {name_col} AS name, {by_col or "NULL"} AS by_name,
               count(*) FILTER (WHERE counted) AS plays, coalesce(sum(ms_played), 0) AS ms
        FROM {relation or ctx.plays}
        WHERE {ctx.kinds(*kinds)} AND {name_col} IS NOT NULL
        GROUP BY ALL"""


def _order(by: str) -> str:
    return ("ms DESC, plays DESC" if by == "time" else "plays DESC, ms DESC") + ", name, by_name"


def beats(by: str, row: str = "g", than: str = "me") -> str:
    """SQL: group ``row`` ranks before group ``than`` — :func:`_order` as a comparison, so that a rank is
    1 + the number of groups that beat it, with no sort of the whole ranking."""
    first, second = ("ms", "plays") if by == "time" else ("plays", "ms")
    g, me = row, than
    return f"""({g}.{first} > {me}.{first} OR ({g}.{first} = {me}.{first} AND ({g}.{second} > {me}.{second}
        OR ({g}.{second} = {me}.{second} AND ({g}.name < {me}.name OR ({g}.name = {me}.name
        AND {g}.by_name IS NOT NULL AND ({me}.by_name IS NULL OR {g}.by_name < {me}.by_name)))))))"""


def ranked(
    ctx: Context, entity: Entity, by: str, limit: int | None, relation: str | None = None
) -> tuple[list[TopRow], int, int]:
    """Rows of ``entity`` in ``ctx``'s selection (or ``relation``), ranked; plus total time and the number of
    distinct names."""
    limit_sql = f"LIMIT {int(limit)}" if limit else ""
    rows = ctx.fetch(f"""
        WITH g AS ({_grouped(ctx, entity, relation)})
        SELECT name, by_name, plays, ms, ms / nullif(sum(ms) OVER (), 0), sum(ms) OVER (), count(*) OVER ()
        FROM g ORDER BY {_order(by)} {limit_sql}""")
    out = [
        TopRow(
            rank=i + 1,
            name=str(name),
            by=by_name,
            plays=int(plays),
            ms_played=int(ms),  # type: ignore[arg-type]
            share=float(share or 0.0),
        )  # type: ignore[arg-type]
        for i, (name, by_name, plays, ms, share, _, _) in enumerate(rows)
    ]
    total = int(rows[0][5]) if rows else 0  # type: ignore[arg-type]
    distinct = int(rows[0][6]) if rows else 0  # type: ignore[arg-type]
    return out, total, distinct


def ranks_of(
    ctx: Context, entity: Entity, by: str, names: list[str], relation: str | None = None
) -> dict[tuple[str, str | None], int]:
    """The ranks, as :func:`ranked` numbers them, of the rows named ``names`` (keyed by name and by-name):
    only these few rows leave DuckDB, not the whole ranking."""
    rows = ctx.fetch(f"""
        WITH g AS MATERIALIZED ({_grouped(ctx, entity, relation)}),
        me AS (SELECT * FROM g WHERE list_contains($1, name))
        SELECT me.name, me.by_name, 1 + count(*) FILTER (WHERE {beats(by)})
        FROM me CROSS JOIN g GROUP BY me.name, me.by_name""", [names])
    return {(str(name), by_name): int(rank) for name, by_name, rank in rows}


@insight("top", "Top artists, tracks, albums, shows and audiobooks, with rank moves")
def top(
    ctx: Context,
    *,
    entity: Annotated[Entity, "what to rank: artists, tracks, albums, shows or audiobooks"] = Entity.ARTISTS,
    by: Annotated[Literal["time", "plays"], "rank by listening time or by counted plays"] = "time",
    limit: Annotated[int, "how many to show"] = 10,
) -> TopResult:
    """Rank artists (music), tracks, albums, podcast shows (episodes and video episodes) or audiobooks.

    - by ``time``: the sum of ``ms_played`` over every play in the period (ties by plays, then name);
    - by ``plays``: plays that count under the policy (ties by time, then name).

    Tracks and albums are told apart by name and artist. ``share`` is the row's part of the period's
    listening time on that entity type. ``previous_rank`` is the rank, by the same measure, in the period
    of equal length just before (none for an open-started period, or when that period has fewer than
    ``MIN_COMPARE_DAYS`` days or ``MIN_COMPARE_MS`` of listening — ``withheld`` then says why);
    ``rank_change`` is positive for a climb.
    """
    try:
        entity = Entity(entity)
    except ValueError:
        raise UsageError(f"unknown entity {entity!r} (choose one of: {', '.join(e.value for e in Entity)})") from None
    if by not in ("time", "plays"):
        raise UsageError(f"--by must be 'time' or 'plays', not {by!r}")
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    rows, total, distinct = ranked(ctx, entity, by, limit)
    prev = ctx.previous()
    withheld: list[str] = []
    if prev is not None:
        # Rank moves against a near-empty period before are noise ("new" for everything): they need the
        # same support on both sides as overview's change.
        from linernotes.insights.overview import MIN_COMPARE_DAYS, MIN_COMPARE_MS

        days, ms = ctx.one(f"SELECT count(DISTINCT day), coalesce(sum(ms_played), 0) FROM {prev.relation()}")
        if int(days) < MIN_COMPARE_DAYS or (int(ms) < MIN_COMPARE_MS and total > 0):
            withheld.append(f"rank moves: the period before has {int(days):,} days and {format_hours(int(ms))} "
                            f"hours of listening; a comparison needs at least {MIN_COMPARE_DAYS} days and "
                            f"{MIN_COMPARE_MS // MS_PER_HOUR} hour")
            prev = None
    if prev is not None:
        rank_of = ranks_of(prev, entity, by, [r.name for r in rows], relation=prev.relation())
        rows = [
            TopRow(
                **{
                    **asdict(r),
                    "previous_rank": rank_of.get((r.name, r.by)),
                    "rank_change": (rank_of[(r.name, r.by)] - r.rank) if (r.name, r.by) in rank_of else None,
                }
            )
            for r in rows
        ]
    return TopResult(
        entity=entity.value,
        by=by,
        rows=rows,
        previous_start=prev.start.isoformat() if prev and prev.start else None,
        previous_end=prev.end.isoformat() if prev and prev.end else None,
        total_ms=total,
        distinct=distinct,
        withheld=withheld,
    )


# The figures `ask` answers questions with, tried in this order (see linernotes.engine.figures).
FIGURES = (Figure("top name", None, "", "rows.0.name"),)
