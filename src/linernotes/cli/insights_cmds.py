"""`linernotes insights` (list and run any insight) and `linernotes exclude` (exclusion rules)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from linernotes.cli.common import DbOption, JsonOption, console, plain, print_json
from linernotes.cli.render import print_result
from linernotes.engine import registry
from linernotes.engine.exclusions import parse_hours
from linernotes.errors import UsageError
from linernotes.library import open_library
from linernotes.policy import Policy

StartOption = Annotated[str | None, typer.Option("--from", help="First local date, YYYY-MM-DD.")]
EndOption = Annotated[str | None, typer.Option("--to", help="Last local date, YYYY-MM-DD (inclusive).")]
PolicyOption = Annotated[Policy, typer.Option("--policy", help="What counts as a play.")]
KindsOption = Annotated[
    str | None,
    typer.Option("--kinds", help="Only these kinds, comma-separated: track, episode, audiobook, video, unknown."),
]
IncognitoOption = Annotated[
    bool | None,
    typer.Option(
        "--include-incognito/--hide-incognito",
        help="Include private-session plays (default: the library setting).",
        show_default=False,
    ),
]
NoExclusionsOption = Annotated[bool, typer.Option("--no-exclusions", help="Ignore the exclusion rules for this run.")]

exclude_app = typer.Typer(
    help="Rules that keep listening that is not yours out of every insight.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.command(
        "insights",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )(insights_cmd)
    app.add_typer(exclude_app, name="exclude")


def insights_cmd(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="The insight to run (omit to list them all).")] = None,
    start: StartOption = None,
    end: EndOption = None,
    policy: PolicyOption = Policy.SPOTIFY,
    kinds: KindsOption = None,
    include_incognito: IncognitoOption = None,
    no_exclusions: NoExclusionsOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the insights, or run one: `linernotes insights sessions --from 2023-01-01 --gap-minutes 30`.

    Every insight takes --from/--to, --policy, --kinds, --include-incognito and --json; its own options are
    listed by `linernotes insights NAME --help-options`.
    """
    if name is None:
        _list(as_json)
        return
    spec = registry.get(name)
    params = _own_options(spec, list(ctx.args))
    if params is None:
        _describe(spec)
        return
    with open_library(db, read_only=True) as lib:
        result = lib.insight(
            name,
            start=start,
            end=end,
            policy=policy,
            kinds=kinds,
            include_incognito=include_incognito,
            apply_exclusions=not no_exclusions,
            **params,
        )
    if as_json:
        print_json(result.to_dict())
    else:
        print_result(result)


def _own_options(spec: registry.Insight, args: list[str]) -> dict[str, Any] | None:
    """Parse ``--name value`` pairs into the insight's parameters; None when help was asked for."""
    params: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("--help-options", "--options"):
            return None
        if not arg.startswith("--"):
            raise UsageError(f"unexpected argument {arg!r} (options look like --gap-minutes 30)")
        key, _, value = arg[2:].partition("=")
        param = spec.param(key.replace("-", "_"))
        if not value:
            if param.type is bool and (i + 1 == len(args) or args[i + 1].startswith("--")):
                value = "true"
            else:
                if i + 1 == len(args):
                    raise UsageError(f"{param.option} needs a value")
                i += 1
                value = args[i]
        params[param.name] = value
        i += 1
    return params


def _list(as_json: bool) -> None:
    specs = registry.all_insights()
    if as_json:
        print_json([{"name": s.name, "title": s.title, "model": s.model, "definition": s.doc,
                     "options": [{"option": p.option, "type": p.type.__name__, "default": p.default,
                                  "choices": p.choices, "help": p.help} for p in s.params]} for s in specs])
        return
    for title, group in (("Insights", [s for s in specs if not s.model]),
                         ("Models (learned from your library, cached between runs)", [s for s in specs if s.model])):
        table = Table(title=f"{title} — run one: linernotes insights NAME [--from --to] [--json]",
                      title_justify="left")
        table.add_column("name")
        table.add_column("what it shows")
        table.add_column("its own options")
        for s in group:
            table.add_row(plain(s.name), plain(s.title), plain(" ".join(p.option for p in s.params)))
        console.print(table)


def _describe(spec: registry.Insight) -> None:
    console.print(f"[bold]{plain(spec.name)}[/bold]: {plain(spec.title)}\n")
    console.print(plain(spec.doc, limit=100_000) + "\n")
    for p in spec.params:
        choices = f" ({', '.join(p.choices)})" if p.choices else ""
        default = p.default.value if hasattr(p.default, "value") else p.default
        # plain: "[default: 30]" would otherwise be read as a markup tag and vanish
        console.print(plain(f"  {p.option} {p.type.__name__.upper()}{choices}  {p.help} [default: {default}]",
                            limit=10_000))


@exclude_app.command("list")
def exclude_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the exclusion rules."""
    with open_library(db, read_only=True) as lib:
        rules = lib.exclusions()
    if as_json:
        from linernotes.engine.result import jsonable

        print_json([{**jsonable(r), "description": r.describe()} for r in rules])
        return
    if not rules:
        console.print("No exclusion rules: every play counts.")
        return
    for r in rules:
        console.print(f"{r.rule_id}: {plain(r.describe(), limit=10_000)}")


@exclude_app.command("add")
def exclude_add(
    artist: Annotated[str | None, typer.Option(help="Artist name (exact, any case).")] = None,
    track: Annotated[str | None, typer.Option(help="Track title.")] = None,
    album: Annotated[str | None, typer.Option(help="Album title.")] = None,
    show: Annotated[str | None, typer.Option(help="Podcast show.")] = None,
    audiobook: Annotated[str | None, typer.Option(help="Audiobook title.")] = None,
    device: Annotated[str | None, typer.Option(help="Device family (see `linernotes insights context`).")] = None,
    platform: Annotated[str | None, typer.Option(help="Text contained in the raw platform string.")] = None,
    country: Annotated[str | None, typer.Option(help="Country code the play came from.")] = None,
    hours: Annotated[str | None, typer.Option(help="Local hours FROM-TO, e.g. 20-7 (wraps midnight).")] = None,
    where: Annotated[str | None, typer.Option(help="A saved selection: an SQL condition on plays columns.")] = None,
    note: Annotated[str | None, typer.Option(help="Why (shown with the rule).")] = None,
    db: DbOption = None,
) -> None:
    """Add a rule; all its conditions must hold for a play to be excluded (e.g. --artist X --device speaker)."""
    with open_library(db) as lib:
        rule = lib.exclude(
            artist=artist,
            track=track,
            album=album,
            show=show,
            audiobook=audiobook,
            device=device,
            platform=platform,
            country=country,
            where=where,
            note=note,
            hours=parse_hours(hours) if hours else None,
        )
        total, affected = lib.con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {rule.predicate()}) FROM plays"
        ).fetchall()[0]
    console.print(f"Rule {rule.rule_id} added: {plain(rule.describe(), limit=10_000)} — excludes {affected:,} of "
                  f"{total:,} plays.")


@exclude_app.command("remove")
def exclude_remove(
    rule_id: Annotated[int, typer.Argument(help="The rule's number (see `exclude list`).")], db: DbOption = None
) -> None:
    """Remove a rule: its plays count again."""
    with open_library(db) as lib:
        rule = lib.remove_exclusion(rule_id)
    console.print(f"Rule {rule_id} removed: {plain(rule.describe(), limit=10_000)}")
