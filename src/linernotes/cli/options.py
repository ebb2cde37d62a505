"""Options several commands share (--db, --json, the period and the scope of insights), as click decorators.

Light on purpose: every command module imports this at the CLI's start.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from linernotes.policy import Policy

# Each shared option once, as click's (declarations, attributes): a decorator for commands, an Option for the
# commands built at run time (one per insight).
OptionSpec = tuple[tuple[str, ...], dict[str, Any]]
_DB: OptionSpec = (("--db",), {"type": click.Path(path_type=Path), "default": None,
                   "help": "Library file (default: $LINERNOTES_DB or the user data dir)."})
_JSON: OptionSpec = (("--json", "as_json"), {"is_flag": True, "help": "Print JSON instead of a table."})
_FROM: OptionSpec = (("--from", "start"), {"metavar": "DATE", "help": "First local date, YYYY-MM-DD."})
_TO: OptionSpec = (("--to", "end"), {"metavar": "DATE", "help": "Last local date, YYYY-MM-DD (inclusive)."})


def _policy(default: str | None) -> OptionSpec:
    shown = {"show_default": True} if default else {}
    return (("--policy",), {
        "type": click.Choice([p.value for p in Policy]), "default": default, **shown,
        "callback": lambda _ctx, _param, value: None if value is None else Policy(value),
        "help": "What counts as a play." if default else f"What counts as a play (default: {Policy.SPOTIFY}).",
    })


def _sources(_ctx: click.Context, _param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    """``--source``'s names as Source values, checked when the command line is read (a mistake fails before
    the library opens)."""
    if value is None:
        return None
    from linernotes.services import parse_sources

    return parse_sources(value)


# The values and friendly names --source completes (linernotes.services accepts these and more, any case).
SOURCE_WORDS = ("spotify", "spotify_extended", "spotify_account", "apple_music", "deezer", "tidal", "listenbrainz",
                "lastfm", "youtube_music")
_SOURCE: OptionSpec = (("--source", "sources"), {
    "metavar": "SOURCES", "callback": _sources, "shell_complete": lambda _c, _p, text: [
        w for w in SOURCE_WORDS if w.startswith(text.lower())],
    "help": "Only the plays of these services, comma-separated: a source (apple_music, lastfm...) or a name "
            "(apple, last.fm, spotify = both Spotify exports and the synced plays)."})

_SCOPE: tuple[OptionSpec, ...] = (
    _FROM,
    _TO,
    _policy(None),  # None: "not given", so a value given before an insight's name still counts
    (("--kinds",), {"metavar": "KINDS",
                    "help": "Only these kinds, comma-separated: track, episode, audiobook, video, unknown."}),
    _SOURCE,
    (("--include-incognito/--hide-incognito",), {"default": None,
                                                 "help": "Include private-session plays (default: the library "
                                                         "setting)."}),
    (("--no-exclusions",), {"is_flag": True, "help": "Ignore the exclusion rules for this run."}),
    _DB,
    _JSON,
)

db_option = click.option(*_DB[0], **_DB[1])
json_option = click.option(*_JSON[0], **_JSON[1])
start_option = click.option(*_FROM[0], **_FROM[1])
end_option = click.option(*_TO[0], **_TO[1])
source_option = click.option(*_SOURCE[0], **_SOURCE[1])
policy_option = click.option(*_policy(Policy.SPOTIFY.value)[0], **_policy(Policy.SPOTIFY.value)[1])


def scope_params() -> list[click.Parameter]:
    """The scope every insight takes: period, policy, kinds, sources, incognito plays, exclusion rules, --db,
    --json."""
    return [click.Option(list(declarations), **attributes) for declarations, attributes in _SCOPE]


def complete(words: tuple[str, ...]) -> Callable[[click.Context, click.Parameter, str], list[str]]:
    """Shell completion of a free-text argument among ``words`` (values outside them stay allowed)."""
    return lambda _ctx, _param, incomplete: [w for w in words if w.startswith(incomplete)]
