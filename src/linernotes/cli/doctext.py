"""An insight's definition (its docstring, written in reST for the API docs) as plain text for `-h`.

The markup is for Sphinx: ``gap_minutes`` and :func:`session_table` read as noise in a terminal. Here it is
removed (an insight's own parameter is named as the option a person types: --gap-minutes), and the text is
cut into paragraphs and list items that click's formatter wraps to the terminal's width, the items with a
hanging indent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import click

_ROLE = re.compile(r":[a-z]+:`~?([^`<]*?)(?:\s*<[^>]*>)?`")  # :func:`x`, :class:`~a.b.C`, :ref:`text <t>`
_LITERAL = re.compile(r"``([^`]+)``")
_DOUBLE_COLON = re.compile(r"::$", re.MULTILINE)


def plain_text(doc: str, options: dict[str, str] | None = None) -> str:
    """``doc`` without reST markup: roles show their target's last name, literals their text (an insight
    parameter's name as its option, from ``options``)."""
    options = options or {}

    def role(match: re.Match[str]) -> str:
        return match.group(1).strip().rsplit(".", 1)[-1]

    def literal(match: re.Match[str]) -> str:
        text = match.group(1)
        return options.get(text, text)

    text = _ROLE.sub(role, doc)
    text = _LITERAL.sub(literal, text)
    return _DOUBLE_COLON.sub(":", text)


def blocks(text: str) -> Iterable[tuple[str, str]]:
    """(prefix, text) of each paragraph and list item, each item's lines joined: prefix "" for a paragraph,
    "- " for an item of a list."""
    for paragraph in text.split("\n\n"):
        lines = paragraph.splitlines()
        if not lines:
            continue
        if not lines[0].lstrip().startswith("- "):
            yield "", " ".join(line.strip() for line in lines)
            continue
        item: list[str] = []
        for line in lines:
            if line.lstrip().startswith("- ") and item:
                yield "- ", " ".join(item)
                item = []
            item.append(line.strip().removeprefix("- ") if not item else line.strip())
        if item:
            yield "- ", " ".join(item)


def write_doc(formatter: click.HelpFormatter, doc: str, options: dict[str, str] | None = None) -> None:
    """The definition into click's help, wrapped to its width."""
    formatter.write_paragraph()
    with formatter.indentation():
        width = max(formatter.width - formatter.current_indent, 20)
        previous: str | None = None
        for prefix, text in blocks(plain_text(doc, options)):
            if previous is not None and (prefix == "" or previous == ""):  # items of one list stay together
                formatter.write_paragraph()
            wrapped = click.wrap_text(text, width, initial_indent=prefix, subsequent_indent=" " * len(prefix))
            for line in wrapped.splitlines():
                formatter.write(f"{'':>{formatter.current_indent}}{line}\n")
            previous = prefix
