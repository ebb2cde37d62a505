"""Print any insight result for people: its sentences, then its numbers as tables and lists.

Generic on purpose: results are dataclasses of scalars, lists of rows and nested records, so one renderer
shows them all and a new insight needs no printing code. Every value and sentence is data (names of artists,
tracks, devices): it goes through :func:`plain`, so markup in a name is shown and control characters are inert.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from linernotes.cli.common import console, hours, plain
from linernotes.engine.result import Result, jsonable

MAX_ROWS = 15
MAX_SERIES = 12


def print_result(result: Result) -> None:
    data = result.to_dict()
    meta = data.get("meta") or {}
    console.print(f"[bold]{plain(meta.get('title', ''))}[/bold]")
    console.print(_scope_line(meta))
    for effect in meta.get("exclusions", []):
        console.print(f"  excluded by rule {plain(effect['rule_id'])} ({plain(effect['rule'])}): "
                      f"{effect['plays_excluded']:,} plays")
    for line in data["summary"]:
        console.print(plain(line, limit=10_000))
    console.print()
    _print_record(data["result"], indent="")


def _scope_line(meta: dict[str, Any]) -> str:
    kinds = ", ".join(meta["kinds"]) if meta.get("kinds") else "all kinds"
    incognito = "incognito included" if meta.get("include_incognito") else "incognito hidden"
    return plain(
        f"{meta.get('start') or 'the beginning'} → {meta.get('end') or 'now'} · {meta.get('plays', 0):,} plays · "
        f"policy {meta.get('policy')} · {kinds} · {incognito}", limit=10_000
    )


def _print_record(record: dict[str, Any], indent: str) -> None:
    scalars = {k: v for k, v in record.items() if not isinstance(v, dict | list)}
    for key, value in scalars.items():
        console.print(f"{indent}{_label(key)}: {_fmt(value, key)}")
    for key, value in record.items():
        if isinstance(value, dict):
            console.print(f"{indent}{_label(key)}:")
            _print_record(value, indent + "  ")
        elif isinstance(value, list):
            _print_list(key, value, indent)


def _print_list(key: str, items: list[Any], indent: str) -> None:
    if not items:
        console.print(f"{indent}{_label(key)}: none")
        return
    if all(isinstance(i, dict) for i in items):
        columns = [c for c in items[0] if not isinstance(items[0][c], dict | list)]
        table = Table(title=f"{indent}{_label(key)}", title_justify="left")
        for c in columns:
            table.add_column(_label(c), justify="right" if isinstance(items[0][c], int | float) else "left")
        for item in items[:MAX_ROWS]:
            table.add_row(*[_fmt(item.get(c), c) for c in columns])
        console.print(table)
        if len(items) > MAX_ROWS:
            console.print(f"{indent}… {len(items) - MAX_ROWS:,} more (use --json)")
        return
    shown = ", ".join(_fmt(v) for v in items[:MAX_SERIES])
    more = f", … ({len(items):,} values, use --json)" if len(items) > MAX_SERIES else ""
    console.print(f"{indent}{_label(key)}: {shown}{more}")


def _label(key: str) -> str:
    """A field's name for people (plain text: some records are keyed by names from the data)."""
    key = str(key)
    if _is_duration(key):  # shown as a time, so "ms" would mislead
        return (
            "time"
            if key in ("ms", "ms_played")
            else key.replace("ms_played", "time").replace("ms_", "").replace("_ms", "").replace("_", " ")
        )
    return plain(key.replace("_", " "))


def _is_duration(key: str) -> bool:
    """Listening times are milliseconds in results (exact for charts); people read them as minutes/hours."""
    return key in ("ms", "ms_played") or key.endswith("_ms") or key.startswith("ms_")


def _fmt(value: Any, key: str = "") -> str:
    value = jsonable(value)
    if value is None:
        return "–"
    if key and _is_duration(key) and isinstance(value, int | float) and not isinstance(value, bool):
        return hours(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value)
    return plain(value)
