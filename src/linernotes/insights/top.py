"""Top artists, tracks, albums, shows and audiobooks for any period ("Wrapped for any period")."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum

import duckdb

from linernotes.errors import UsageError
from linernotes.insights.period import Period
from linernotes.policy import Policy, counted_plays, parse_policy


class Entity(StrEnum):
    ARTISTS = "artists"
    TRACKS = "tracks"
    ALBUMS = "albums"
    SHOWS = "shows"
    AUDIOBOOKS = "audiobooks"


# entity → (kinds, grouping columns: name first, then the "by" column shown next to it)
_GROUPS: dict[Entity, tuple[tuple[str, ...], str, str | None]] = {
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

    @property
    def hours(self) -> float:
        return self.ms_played / 3_600_000

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "hours": round(self.hours, 3)}


def top(
    con: duckdb.DuckDBPyConnection,
    entity: str | Entity,
    *,
    by: str = "time",
    period: Period | None = None,
    limit: int = 10,
    policy: str | Policy = Policy.SPOTIFY,
) -> list[TopRow]:
    """Rank ``entity`` by listening time (sum of ms_played) or by counted plays under ``policy``.

    >>> top(con, "artists", by="plays", period=Period.parse("2023-01-01", "2023-12-31"), limit=5)  # doctest: +SKIP
    """
    try:
        entity = Entity(entity)
    except ValueError:
        raise UsageError(f"unknown entity {entity!r} (choose one of: {', '.join(e.value for e in Entity)})") from None
    if by not in ("time", "plays"):
        raise UsageError(f"--by must be 'time' or 'plays', not {by!r}")
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    kinds, name_col, by_col = _GROUPS[entity]
    where, params = (period or Period()).where()
    kind_list = ", ".join(f"'{k}'" for k in kinds)
    by_expr = by_col or "NULL"
    order = "ms DESC, plays DESC" if by == "time" else "plays DESC, ms DESC"
    sql = f"""
        WITH p AS ({counted_plays(parse_policy(policy))}),
        g AS (
            SELECT {name_col} AS name, {by_expr} AS by_name,
                   count(*) FILTER (WHERE counted) AS plays,
                   coalesce(sum(ms_played), 0) AS ms
            FROM p
            WHERE kind IN ({kind_list}) AND {name_col} IS NOT NULL AND {where}
            GROUP BY ALL)
        SELECT name, by_name, plays, ms, ms / nullif(sum(ms) OVER (), 0) AS share
        FROM g
        ORDER BY {order}, name
        LIMIT {int(limit)}
    """
    rows = con.execute(sql, params).fetchall()
    return [
        TopRow(rank=i + 1, name=name, by=by_name, plays=int(plays), ms_played=int(ms), share=float(share or 0.0))
        for i, (name, by_name, plays, ms, share) in enumerate(rows)
    ]
