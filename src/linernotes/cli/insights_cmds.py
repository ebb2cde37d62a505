"""`linernotes insights` (list the insights, or run one) and `linernotes exclude` (exclusion rules).

Each insight of the registry is a click command of its own, built from its declaration when it is asked for:
its parameters are its options (``linernotes insights sessions --gap-minutes 30``), with their types, defaults,
choices and help, so ``-h``, "did you mean" and shell completion know them. Every insight also takes the
common scope (``--from/--to``, ``--policy``, ``--kinds``, ``--source``, ``--include-incognito``,
``--no-exclusions``, ``--db``, ``--json``), before its name or after it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from linernotes.cli.options import db_option, json_option, scope_params
from linernotes.clickgroup import CONTEXT_SETTINGS, CliGroup, did_you_mean

if TYPE_CHECKING:
    from linernotes.engine.registry import Insight, Param
    from linernotes.policy import Policy

# The scope's parameters, which an insight's own options must not shadow.
SCOPE_PARAMS = ("start", "end", "policy", "kinds", "sources", "include_incognito", "no_exclusions", "db", "as_json")


class InsightsGroup(CliGroup):
    """`linernotes insights`: its commands are the registry's insights, built on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from linernotes.engine import registry

        return [spec.name for spec in registry.all_insights()]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        from linernotes.engine import registry
        from linernotes.errors import UsageError

        try:
            spec = registry.get(cmd_name)
        except UsageError:
            return None
        return insight_command(spec)

    def unknown_command(self, ctx: click.Context, name: str) -> NoReturn:
        from linernotes.errors import UsageError

        names = self.list_commands(ctx)
        raise UsageError(f"unknown insight {name!r}{did_you_mean(name, names)} (see `linernotes insights`: "
                         f"{', '.join(names)})")


@click.group("insights", cls=InsightsGroup, invoke_without_command=True, params=scope_params())
@click.pass_context
def insights_group(ctx: click.Context, **scope: Any) -> None:
    """List the insights, or run one: `linernotes insights sessions --from 2023-01-01 --gap-minutes 30`.

    Every insight takes --from/--to, --policy, --kinds, --source, --include-incognito, --no-exclusions, --db and
    --json (before or after its name); its own options are listed by `linernotes insights NAME -h`.
    """
    if ctx.invoked_subcommand is None:
        _list(scope["as_json"])


def insight_command(spec: Insight) -> click.Command:
    """The click command that runs one insight: the common scope, then the insight's own options."""
    own = [_option(p) for p in spec.params]
    clash = {p.name for p in spec.params} & set(SCOPE_PARAMS)
    if clash:  # a programming error in the insight's declaration, caught by the tests
        raise RuntimeError(f"insight {spec.name!r}: parameters {sorted(clash)} shadow the common scope")
    # --gap_minutes is read as --gap-minutes, as the parameter's Python name suggests.
    settings = {**CONTEXT_SETTINGS, "token_normalize_func": lambda token: token.replace("_", "-")}
    return InsightCommand(
        spec.name, callback=_runner(spec), help=spec.doc, short_help=spec.title, context_settings=settings,
        params=[*scope_params(), *own,
                click.Option(["--help-options", "--options"], is_flag=True, expose_value=False, is_eager=True,
                             hidden=True, callback=_describe_and_exit(spec))],
    )


class InsightCommand(click.Command):
    """An insight's command: its help is its definition as plain text, wrapped to the terminal."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from linernotes.cli.doctext import write_doc

        options = {p.name: p.opts[0] for p in self.params if isinstance(p, click.Option) and p.name}
        write_doc(formatter, self.help or "", options)


def _option(param: Param) -> click.Option:
    """An insight parameter as a click option. Values are converted by the registry (one place for the rules
    and their messages), when the command line is read: a bad value fails before the library is opened."""
    default = param.default.value if hasattr(param.default, "value") else param.default
    value = InsightValue(param)
    if param.type is bool:  # `--flag` alone means true; `--flag false` is accepted too
        return click.Option([param.option], type=value, is_flag=False, flag_value="true", default=default,
                            show_default=True, help=param.help)
    return click.Option([param.option], type=value, default=default, show_default=True, help=param.help)


class InsightValue(click.ParamType):
    """The value of one insight parameter: shown with its type or its choices, completed from its choices."""

    def __init__(self, param: Param) -> None:
        self.param = param
        self.name = param.type.__name__

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return self.param.convert(value)

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        if self.param.choices:
            return "[" + "|".join(self.param.choices) + "]"
        return {"int": "INTEGER", "float": "NUMBER", "str": "TEXT", "bool": "[true|false]"}.get(self.name,
                                                                                               self.name.upper())

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str
                       ) -> list[click.shell_completion.CompletionItem]:
        from click.shell_completion import CompletionItem

        words = self.param.choices or (("true", "false") if self.param.type is bool else ())
        return [CompletionItem(w) for w in words if w.startswith(incomplete)]


def _runner(spec: Insight) -> Callable[..., None]:
    @click.pass_context
    def run(ctx: click.Context, start: str | None, end: str | None, policy: Policy | None, kinds: str | None,
            sources: tuple[str, ...] | None, include_incognito: bool | None, no_exclusions: bool, db: Path | None,
            as_json: bool, **params: Any) -> None:
        from linernotes.cli.render import print_result
        from linernotes.library import open_library
        from linernotes.policy import Policy
        from linernotes.terminal import print_json

        # Options given before the insight's name belong to the group: they count unless given again here.
        before = ctx.parent.params if ctx.parent is not None else {}
        start, end, kinds, db = (start or before.get("start"), end or before.get("end"),
                                 kinds or before.get("kinds"), db or before.get("db"))
        sources = sources or before.get("sources")
        policy = policy or before.get("policy") or Policy.SPOTIFY
        include_incognito = before.get("include_incognito") if include_incognito is None else include_incognito
        no_exclusions = no_exclusions or bool(before.get("no_exclusions"))
        as_json = as_json or bool(before.get("as_json"))
        with open_library(db, read_only=True) as lib:
            result = lib.insight(spec.name, start=start, end=end, policy=policy, kinds=kinds, sources=sources,
                                 include_incognito=include_incognito, apply_exclusions=not no_exclusions, **params)
        if as_json:
            print_json(result.to_dict())
        else:
            print_result(result)

    return run


def _describe_and_exit(spec: Insight) -> Callable[[click.Context, click.Parameter, bool], None]:
    """`--help-options`: the insight's definition and its options, as plain text."""

    def describe(ctx: click.Context, _param: click.Parameter, asked: bool) -> None:
        if asked and not ctx.resilient_parsing:
            _describe(spec)
            ctx.exit()

    return describe


def _list(as_json: bool) -> None:
    from rich.table import Table

    from linernotes.cli.common import console, plain
    from linernotes.engine import registry
    from linernotes.terminal import print_json

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


def _describe(spec: Insight) -> None:
    from linernotes.cli.common import console, plain
    from linernotes.cli.doctext import plain_text

    console.print(f"[bold]{plain(spec.name)}[/bold]: {plain(spec.title)}\n")
    options = {p.name: p.option for p in spec.params}
    console.print(plain(plain_text(spec.doc, options), limit=100_000) + "\n")
    for p in spec.params:
        choices = f" ({', '.join(p.choices)})" if p.choices else ""
        default = p.default.value if hasattr(p.default, "value") else p.default
        # plain: "[default: 30]" would otherwise be read as a markup tag and vanish
        console.print(plain(f"  {p.option} {p.type.__name__.upper()}{choices}  {p.help} [default: {default}]",
                            limit=10_000))


@click.group("exclude", cls=CliGroup, no_args_is_help=True)
def exclude_group() -> None:
    """Rules that keep listening that is not yours out of every insight."""


@exclude_group.command("list")
@db_option
@json_option
def exclude_list(db: Path | None, as_json: bool) -> None:
    """List the exclusion rules."""
    from linernotes.cli.common import console, plain
    from linernotes.library import open_library
    from linernotes.terminal import print_json

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


@exclude_group.command("add")
@click.option("--artist", help="Artist name (exact, any case).")
@click.option("--track", help="Track title.")
@click.option("--album", help="Album title.")
@click.option("--show", help="Podcast show.")
@click.option("--audiobook", help="Audiobook title.")
@click.option("--device", help="Device family (see `linernotes insights context`).")
@click.option("--platform", help="Text contained in the raw platform string.")
@click.option("--country", help="Country code the play came from.")
@click.option("--hours", help="Local hours FROM-TO, e.g. 20-7 (wraps midnight).")
@click.option("--where", help="A saved selection: an SQL condition on plays columns.")
@click.option("--note", help="Why (shown with the rule).")
@db_option
def exclude_add(artist: str | None, track: str | None, album: str | None, show: str | None,
                audiobook: str | None, device: str | None, platform: str | None, country: str | None,
                hours: str | None, where: str | None, note: str | None, db: Path | None) -> None:
    """Add a rule; all its conditions must hold for a play to be excluded (e.g. --artist X --device speaker)."""
    from linernotes.cli.common import console, plain
    from linernotes.engine.exclusions import parse_hours
    from linernotes.library import open_library

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


@exclude_group.command("remove")
@click.argument("rule_id", type=int)
@db_option
def exclude_remove(rule_id: int, db: Path | None) -> None:
    """Remove rule RULE_ID (its number in `exclude list`): its plays count again."""
    from linernotes.cli.common import console, plain
    from linernotes.library import open_library

    with open_library(db) as lib:
        rule = lib.remove_exclusion(rule_id)
    console.print(f"Rule {rule_id} removed: {plain(rule.describe(), limit=10_000)}")
