"""What counts as a play: a named policy applied at query time, never at import.

Listening time is always the sum of ``ms_played`` over every stored play, whatever the policy; the policy
only decides which rows count as "a play" in play counts and rankings.

- ``spotify`` (default): at least 30 s played — Spotify's own royalty and Wrapped rule.
- ``lastfm``: at least half the track or at least 4 minutes (Last.fm's scrobble rule), for tracks longer
  than 30 s. The track's length is its catalogue length when a source gives it, else estimated from its
  longest play that ended with ``trackdone``; with no estimate at all the 30 s rule applies.
- ``trackdone``: the play reached the end of the track (``reason_end = 'trackdone'``).
- ``any``: every stored row, 0 ms plays included.

Scrobbles (Last.fm, ListenBrainz) carry no ``ms_played``: the scrobbler already applied Last.fm's rule, so
they count under every policy.
"""

from __future__ import annotations

from enum import StrEnum

from linernotes.errors import UsageError


class Policy(StrEnum):
    SPOTIFY = "spotify"
    LASTFM = "lastfm"
    TRACKDONE = "trackdone"
    ANY = "any"


SPOTIFY_MIN_MS = 30_000
LASTFM_MIN_MS = 240_000


def parse_policy(value: str | Policy) -> Policy:
    try:
        return Policy(str(value).lower())
    except ValueError:
        names = ", ".join(p.value for p in Policy)
        raise UsageError(f"unknown play policy {value!r} (choose one of: {names})") from None


def counted_plays(policy: str | Policy, relation: str = "plays") -> str:
    """A SQL query over ``relation`` with an added boolean column ``counted``.

    >>> "counted" in counted_plays("spotify")
    True
    """
    policy = parse_policy(policy)
    if policy is Policy.ANY:
        return f"SELECT *, true AS counted FROM {relation}"
    if policy is Policy.SPOTIFY:
        return f"SELECT *, coalesce(ms_played >= {SPOTIFY_MIN_MS}, true) AS counted FROM {relation}"
    if policy is Policy.TRACKDONE:
        return (f"SELECT *, CASE WHEN ms_played IS NULL THEN true ELSE coalesce(reason_end = 'trackdone', false) "
                f"END AS counted FROM {relation}")
    item = "coalesce(uri, lower(coalesce(artist, show_name, audiobook, '')) || chr(31) || " \
           "lower(coalesce(track, episode, chapter, '')))"
    return f"""
        WITH r AS (SELECT *, {item} AS _item FROM {relation}),
        lengths AS (
            SELECT _item, max(ms_played) FILTER (WHERE reason_end = 'trackdone') AS est_ms,
                   max(duration_ms) AS catalogue_ms
            FROM r GROUP BY _item)
        SELECT r.* EXCLUDE (_item),
               CASE
                   WHEN r.ms_played IS NULL THEN true
                   WHEN r.ms_played >= {LASTFM_MIN_MS} THEN true
                   WHEN coalesce(l.catalogue_ms, l.est_ms) IS NULL THEN r.ms_played >= {SPOTIFY_MIN_MS}
                   ELSE coalesce(l.catalogue_ms, l.est_ms) > {SPOTIFY_MIN_MS}
                        AND r.ms_played >= coalesce(l.catalogue_ms, l.est_ms) / 2
               END AS counted
        FROM r LEFT JOIN lengths l USING (_item)
    """
