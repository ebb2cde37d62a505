"""Print any insight result for people: its sentences, then its numbers as tables, records and small charts.

Generic on purpose: results are dataclasses of scalars, lists of rows and nested records, so one renderer
shows them all and a new insight needs no printing code. Labels and values go through
:mod:`linernotes.cli.humanize` (no field names, every number with its unit). Everything fits the console's
width: a list of rows is a table when its columns fit, otherwise one record per row (a title line, then its
figures wrapped below it), so no column is ever cut to "2…". Number series are drawn
(:mod:`linernotes.cli.charts`), never printed as comma lists. Every value and sentence is data (names of
artists, tracks, devices): it goes through :func:`plain`, so markup in a name is shown and control characters
are inert.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from linernotes.cli import charts, humanize
from linernotes.cli.common import console, plain
from linernotes.engine.result import Result, jsonable
from linernotes.formatting import format_count, format_date_range

MAX_ROWS = 15
MAX_SERIES = 31  # a longer number series is summarised (its JSON has every value)
LONG_TEXT = 24  # a text column with longer values wraps, or moves the rows to records
HIDDEN = {"python"}  # the library call beside a command to type: for programs, in --json
CODES = {"source"}  # a stored value (apple_music) whose human name is beside it: for programs, in --json
INLINE_NAME_KEYS = ("phrase", "label", "name", "title", "description")  # a phrase says a coded label in words
TITLE_KEYS = ("title", "name", "label", "description", "track", "album", "show", "artist", "kind")


def print_result(result: Result) -> None:
    data = result.to_dict()
    meta = data.get("meta") or {}
    console.print(f"[bold]{plain(meta.get('title', ''))}[/bold]")
    console.print(_scope_line(meta))
    for effect in meta.get("exclusions", []):
        console.print(f"  excluded by rule {plain(effect['rule_id'])} ({plain(effect['rule'])}): "
                      f"{format_count(effect['plays_excluded'])} plays")
    for line in data["summary"]:
        console.print(plain(line, limit=10_000))
    console.print()
    _print_record(data["result"], indent=0)


def _scope_line(meta: dict[str, Any]) -> str:
    kinds = ", ".join(meta["kinds"]) if meta.get("kinds") else "all kinds"
    incognito = "incognito included" if meta.get("include_incognito") else "incognito hidden"
    sources = ""
    if meta.get("sources"):
        from linernotes.services import source_name

        sources = " · from " + ", ".join(source_name(s) for s in meta["sources"])
    return plain(f"{_period(meta.get('start'), meta.get('end'))} · {format_count(meta.get('plays', 0))} plays · "
                 f"policy {meta.get('policy')} · {kinds} · {incognito}{sources}", limit=10_000)


def _period(start: str | None, end: str | None) -> str:
    if start and end:
        return format_date_range(dt.date.fromisoformat(start[:10]), dt.date.fromisoformat(end[:10]))
    return f"{humanize.value(start) if start else 'the beginning'} → {humanize.value(end) if end else 'now'}"


def _say(markup: str, indent: int, hang: int = 0) -> None:
    """One line of markup-safe text, wrapped to the console with its indent kept on every line (the lines
    after the first ``hang`` columns further in, as for a list item), and no trailing spaces."""
    text = Text.from_markup(markup)
    for n, line in enumerate(text.wrap(console, max(20, console.width - indent - hang))):
        line.rstrip()
        console.print(Text(" " * (indent + (hang if n else 0))) + line)


def _print_record(record: dict[str, Any], indent: int) -> None:
    for key, val in record.items():
        if not isinstance(val, dict | list) and key not in CODES:
            _say(f"{plain(humanize.label(key))}: {plain(humanize.value(val, str(key)))}", indent)
    for key, val in record.items():
        if isinstance(val, dict):
            _say(f"{plain(humanize.label(key))}:", indent)
            _print_record(val, indent + 2)
        elif isinstance(val, list):
            _print_list(str(key), val, indent)


def _print_list(key: str, items: list[Any], indent: int) -> None:
    title = plain(humanize.label(key))
    if not items:
        _say(f"{title}: none", indent)
    elif all(isinstance(i, dict) for i in items):
        _print_rows(title, items, indent)
    elif key in humanize.PAIRS:
        _say(f"{title}: {plain(humanize.pair(key, items))}", indent)
    elif all(_is_number(i) for i in items):
        _print_series(key, title, items, indent)
    elif all(isinstance(i, list) and all(_is_number(v) for v in i) for i in items):
        _print_grid(key, title, items, indent)
    else:
        _say(f"{title}: {_inline(items, key)}", indent)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _print_series(key: str, title: str, values: list[float], indent: int) -> None:
    """A number series as a bar chart, one labelled line per value (a long series: its range only)."""
    if len(values) > MAX_SERIES:
        low, high = min(values), max(values)
        _say(f"{title}: {format_count(len(values))} values from {plain(humanize.value(low, key))} to "
             f"{plain(humanize.value(high, key))} (all of them in --json)", indent)
        return
    _say(f"{title}:", indent)
    lines = charts.bar_lines(charts.hour_labels(len(values)), values, lambda v: humanize.value(v, key),
                             console.width - indent - 2)
    for line in lines:
        _say(plain(line), indent + 2)


def _print_grid(key: str, title: str, rows: list[list[float]], indent: int) -> None:
    def shown(v: float) -> str:  # the clock's heatmap holds minutes
        return humanize.value(v * 60_000, "ms") if key == "heatmap" else humanize.value(v, key)

    _say(f"{title}:", indent)
    for line in charts.grid_lines(rows, charts.row_labels_for(len(rows)), shown):
        _say(plain(line), indent + 2)


def _inline(items: list[Any], key: str) -> str:
    """A short list in a line or a cell: names separated by " · " (a name may hold a comma), nested records
    by their values."""
    shown = [_inline_item(i, key) for i in items[:MAX_ROWS]]
    more = f" · … {format_count(len(items) - MAX_ROWS)} more" if len(items) > MAX_ROWS else ""
    return plain(" · ".join(shown) + more, limit=10_000)


def _inline_item(item: Any, key: str) -> str:
    if isinstance(item, dict):  # "Neon Indian (plays 83; score 13.69)": its name, then its labelled figures
        scalars = {str(k): v for k, v in item.items() if not isinstance(v, dict | list) and k not in HIDDEN}
        texts = [k for k in scalars if isinstance(scalars[k], str)]
        name = next((k for k in INLINE_NAME_KEYS if k in texts), texts[0] if texts else None)
        if name == "phrase":  # the level said in words: its code adds nothing
            scalars = {k: v for k, v in scalars.items() if k not in ("level", "label")}
        figures = "; ".join(f"{humanize.label(k)} {humanize.value(v, k)}" for k, v in scalars.items() if k != name)
        if name is None:
            return figures
        return f"{humanize.value(scalars[name], name)} ({figures})" if figures else humanize.value(scalars[name])
    if isinstance(item, list):
        return " ".join(humanize.value(v, key) for v in item)
    return humanize.value(jsonable(item), key)


def _cell(item: dict[str, Any], column: str) -> str:
    val = item.get(column)
    if val == [] or val == {}:
        return "–"
    if isinstance(val, list) and all(_is_number(v) for v in val):
        return charts.sparkline(val)
    if isinstance(val, list) and all(isinstance(v, dict) for v in val):  # one line per record, as a list
        return "\n".join("- " + _inline([v], column) for v in val[:MAX_ROWS])
    if isinstance(val, list):
        return _inline(val, column)
    if isinstance(val, dict):
        return plain(" · ".join(f"{humanize.label(k)} {humanize.value(v, str(k))}" for k, v in val.items()
                                if not isinstance(v, dict | list)), limit=10_000)
    return plain(humanize.value(val, column), limit=10_000)


def _print_rows(title: str, items: list[dict[str, Any]], indent: int) -> None:
    """Rows as a table when its columns fit the console, else as records."""
    columns = [c for c in items[0] if c not in CODES]
    shown = items[:MAX_ROWS]
    cells = {c: [_cell(i, c) for i in shown] for c in columns}
    # a column that repeats an earlier one ("dow" beside "name", once both read "Monday") is shown once
    columns = [c for n, c in enumerate(columns) if any(cells[c]) and all(cells[c] != cells[d] for d in columns[:n])]
    long = [c for c in columns if max(len(v) for v in cells[c]) > LONG_TEXT]
    short = [c for c in columns if c not in long]

    def need(c: str) -> int:
        header = max(len(w) for w in humanize.label(c).split() or [""])
        return max(header, *(len(v) for v in cells[c])) + 3

    fits = sum(need(c) for c in short) + 20 * len(long) + 1 + indent <= console.width and len(long) <= 1
    if fits:
        table = Table(title=title, title_justify="left")
        for c in columns:
            numeric = all(_is_number(i.get(c)) for i in shown)
            table.add_column(plain(humanize.label(c)), justify="right" if numeric else "left",
                             no_wrap=c not in long, overflow="fold")
        for n in range(len(shown)):
            table.add_row(*[cells[c][n] for c in columns])
        console.print(Padding(table, (0, 0, 0, indent), expand=False))
    else:
        _print_records(title, columns, cells, len(shown), indent)
    if len(items) > MAX_ROWS:
        _say(f"… {format_count(len(items) - MAX_ROWS)} more (use --json)", indent)


def _print_records(title: str, columns: list[str], cells: dict[str, list[str]], count: int, indent: int) -> None:
    """Each row as a record: its name on a line, its short figures wrapped below it, its texts as paragraphs."""
    _say(f"[bold]{title}[/bold]", indent)
    named = [c for c in TITLE_KEYS if c in columns] + [c for c in columns if c.endswith(("artist", "name", "title"))]
    for n in range(count):
        # the row's name: its first name-like field that it has (a loud day has no artist, a kind)
        heading = next((c for c in named if cells[c][n] != "–"), None)
        name = cells[heading][n] if heading else ""
        _say(f"[bold]{n + 1}. {name}[/bold]" if name else f"[bold]{n + 1}.[/bold]", indent)
        # a rank or index equal to the record's number is said by the number
        # (and a name this row does not have is left out)
        rest = [c for c in columns if c != heading and not (c in ("rank", "index") and cells[c][n] == str(n + 1))
                and not (c in named and cells[c][n] == "–")]
        figures = [c for c in rest if len(cells[c][n]) <= 40 and "\n" not in cells[c][n]]
        texts = [c for c in rest if c not in figures]
        if figures:
            _say(" · ".join(f"{plain(humanize.label(c))}: {cells[c][n]}" for c in figures), indent + 3)
        for c in texts:
            if "\n" in cells[c][n]:  # a list: its label, then one item a line
                _say(f"{plain(humanize.label(c))}:", indent + 3)
                for item in cells[c][n].splitlines():
                    _say(item, indent + 5, hang=2)
            else:
                _say(f"{plain(humanize.label(c))}: {cells[c][n]}", indent + 3)
