"""The services a history comes from, as people name them: one place for a source's human name, for what "a
play" of it means under a policy, and for the names ``--source`` accepts.

A person may have moved from one service to another (Spotify for years, then Last.fm scrobbles, then Apple
Music): the library holds one timeline, and every view says which service each part of it comes from with
:func:`source_name` — never the stored value (``spotify_extended``) in a sentence or a header.

What counts as a play differs by source, because sources record different things (:func:`play_meaning`): a
stream with its listening time (Spotify, Apple Music, most of Deezer) counts under the policy's rule; a row
without a listening time (a scrobble, a YouTube watch entry, a Tidal or Deezer row of unknown length) counts
under every policy — the scrobbler already applied its own rule, and nothing else can be judged.
"""

from __future__ import annotations

from collections.abc import Iterable

from linernotes.errors import UsageError
from linernotes.policy import LASTFM_MIN_MS, SPOTIFY_MIN_MS, Policy, parse_policy
from linernotes.schema import Source

# Every Source by the name a person knows it by (a test keeps the two equal).
SOURCE_NAMES: dict[str, str] = {
    Source.SPOTIFY_EXTENDED.value: "Spotify (extended history)",
    Source.SPOTIFY_ACCOUNT.value: "Spotify (account data)",
    Source.SPOTIFY_API.value: "Spotify (synced)",
    Source.APPLE_MUSIC.value: "Apple Music",
    Source.DEEZER.value: "Deezer",
    Source.TIDAL.value: "Tidal",
    Source.LISTENBRAINZ.value: "ListenBrainz",
    Source.LASTFM.value: "Last.fm",
    Source.YOUTUBE_MUSIC.value: "YouTube Music",
}

# Sources whose rows are scrobbles: the scrobbler decided what a play is before the row was written.
SCROBBLERS = frozenset({Source.LASTFM.value, Source.LISTENBRAINZ.value})
# Sources that record how long each play lasted (``ms_played``); the others record that something was played.
# Deezer and Tidal rows may lack it: what a library holds is read from its rows (:func:`play_meaning`'s
# ``timed``/``untimed``), this is what the docs say of each source.
TIMED = frozenset({Source.SPOTIFY_EXTENDED.value, Source.SPOTIFY_ACCOUNT.value, Source.APPLE_MUSIC.value,
                   Source.DEEZER.value})

# What ``--source`` accepts besides the stored values, compared without case, spaces, dots, dashes or
# underscores ("Last.fm", "last-fm" and "lastfm" are one name): a service's everyday name, and "spotify" for
# everything from Spotify (both exports and the synced plays).
ALIASES: dict[str, tuple[str, ...]] = {
    "spotify": (Source.SPOTIFY_EXTENDED.value, Source.SPOTIFY_ACCOUNT.value, Source.SPOTIFY_API.value),
    "spotifyextended": (Source.SPOTIFY_EXTENDED.value,),
    "extended": (Source.SPOTIFY_EXTENDED.value,),
    "spotifyaccount": (Source.SPOTIFY_ACCOUNT.value,),
    "account": (Source.SPOTIFY_ACCOUNT.value,),
    "apple": (Source.APPLE_MUSIC.value,),
    "itunes": (Source.APPLE_MUSIC.value,),
    "lb": (Source.LISTENBRAINZ.value,),
    "youtube": (Source.YOUTUBE_MUSIC.value,),
    "ytm": (Source.YOUTUBE_MUSIC.value,),
}


def source_name(source: str) -> str:
    """A source's human name: ``source_name("apple_music") == "Apple Music"``; an unknown value as words."""
    return SOURCE_NAMES.get(source, source.replace("_", " "))


def service_name(source: str) -> str:
    """The service alone, as a sentence names it: both of Spotify's exports are "Spotify" ("your Spotify and
    Last.fm exports record no genres", not "Spotify (account data), Spotify (extended history) and Last.fm")."""
    if source in (Source.SPOTIFY_EXTENDED.value, Source.SPOTIFY_ACCOUNT.value, Source.SPOTIFY_API.value):
        return "Spotify"
    return source_name(source)


def _folded(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


def _lookup() -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {_folded(s.value): (s.value,) for s in Source}
    found.update({_folded(name): (value,) for value, name in SOURCE_NAMES.items()})
    found.update(ALIASES)
    return found


def source_choices() -> str:
    """The names ``--source`` lists in its messages and help."""
    return ", ".join([s.value for s in Source]
                     + ["spotify (both Spotify exports and the synced plays)", "apple", "last.fm", "youtube"])


def parse_sources(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """The sources ``value`` names (comma-separated, any case, a stored value or a friendly name), in the
    order of :class:`Source`; None for none given.

    >>> parse_sources("Apple, last.fm")
    ('apple_music', 'lastfm')
    >>> parse_sources("spotify")
    ('spotify_extended', 'spotify_account', 'spotify_api')
    """
    if value is None:
        return None
    names = [v.strip() for v in (value.split(",") if isinstance(value, str) else value) if v and v.strip()]
    if not names:
        return None
    lookup = _lookup()
    wanted: set[str] = set()
    for name in names:
        found = lookup.get(_folded(name))
        if found is None:
            shown = name if len(name) <= 40 else name[:40] + "…"
            raise UsageError(f"unknown source {shown!r} (choose from: {source_choices()})")
        wanted.update(found)
    return tuple(s.value for s in Source if s.value in wanted)


def _timed_rule(policy: Policy, ends_recorded: bool) -> str:
    """What a play with a recorded listening time must be to count under ``policy``."""
    if policy is Policy.SPOTIFY:
        return f"a play is at least {SPOTIFY_MIN_MS // 1000} s of listening (Spotify's rule)"
    if policy is Policy.LASTFM:
        return (f"a play is half the track or {LASTFM_MIN_MS // 60_000} min of listening (Last.fm's rule; "
                f"{SPOTIFY_MIN_MS // 1000} s when the track's length is unknown)")
    if policy is Policy.TRACKDONE:
        if not ends_recorded:
            return "no play counts under this policy: the service does not record how a play ended"
        return "a play is a stream that reached the end of the track"
    return "every stream counts, those of 0 s included"


def _untimed_rule(source: str) -> str:
    """What a row without a listening time is, and why it always counts."""
    if source in SCROBBLERS:
        return "every scrobble counts: the scrobbler already applied its rule"
    if source == Source.YOUTUBE_MUSIC.value:
        return "every entry of the watch history counts"
    if source == Source.SPOTIFY_API.value:
        return "every play Spotify's recently played list returned counts"
    return "every play the service lists counts"


def play_meaning(source: str, policy: str | Policy = Policy.SPOTIFY, *, timed: int | None = None,
                 untimed: int | None = None, ends_recorded: bool = True) -> str:
    """What "a play" of ``source`` means under ``policy``, as one short sentence without a final stop.

    ``timed``/``untimed``: how many of the source's plays record a listening time and how many do not (from
    the library's rows); None for both means what the source usually records (:data:`TIMED`).
    ``ends_recorded``: whether its timed plays say how they ended (the ``trackdone`` policy needs it).

    >>> play_meaning("apple_music")
    "a play is at least 30 s of listening (Spotify's rule)"
    >>> play_meaning("lastfm", "trackdone")
    'every scrobble counts: the scrobbler already applied its rule; no listening time recorded'
    """
    policy = parse_policy(policy)
    if timed is None and untimed is None:
        has_timed, has_untimed = source in TIMED, source not in TIMED
    else:
        has_timed, has_untimed = bool(timed), bool(untimed)
    if has_timed and has_untimed:
        return f"{_timed_rule(policy, ends_recorded)}; plays whose length it did not record all count"
    if has_timed:
        return _timed_rule(policy, ends_recorded)
    return f"{_untimed_rule(source)}; no listening time recorded"
