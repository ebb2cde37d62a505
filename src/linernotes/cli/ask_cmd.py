"""`linernotes ask "question"`: answers in plain words, from the same insights as the CLI.

Everything heavy is imported inside the command, so `ask` starts as fast as the CLI itself.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from linernotes.cli.options import db_option, json_option
from linernotes.clickgroup import CONTEXT_SETTINGS


@click.command("ask", context_settings=CONTEXT_SETTINGS)
@click.argument("question")
@db_option
@json_option
@click.option("--explain", is_flag=True, help="Show how the question was read.")
@click.option("--today", metavar="DATE", help="Resolve 'last summer' etc. as if today were this date (YYYY-MM-DD).")
@click.option("--no-llm", is_flag=True, help="Never use a configured language model to word the answer.")
def ask_cmd(question: str, db: Path | None, as_json: bool, explain: bool, today: str | None, no_llm: bool) -> None:
    """Ask a QUESTION about your listening ("who did I listen to most last summer?"); the answer names the
    insight and the period it used.

    Works offline. If LINERNOTES_LLM_URL and LINERNOTES_LLM_MODEL point to an OpenAI-compatible server (a
    local llama.cpp or Ollama), it words the answer; only the answer's figures are sent, never plays.
    """
    from linernotes.ask import ask
    from linernotes.cli.common import console
    from linernotes.errors import UsageError
    from linernotes.library import open_library
    from linernotes.terminal import inert, print_json

    day = None
    if today:
        try:
            day = dt.date.fromisoformat(today)
        except ValueError:
            raise UsageError(f"--today {today!r} is not a date (use YYYY-MM-DD)") from None
    with open_library(db, read_only=True) as lib:
        answer = ask(lib, question, day, llm=False if no_llm else None, one_shot=True)
    if as_json:
        print_json(answer.to_dict())
        return
    # Every line is data (names from the library; a language model's wording): no markup, controls inert.
    console.print(inert(answer.sentence), markup=False)
    if answer.understood:
        if answer.value is None:
            shown = "–"
        elif answer.unit == "%":
            shown = f"{answer.value}%"
        else:
            shown = f"{answer.value} {answer.unit}" if answer.unit else str(answer.value)
        used = f"{answer.insight}" + "".join(f" --{k.replace('_', '-')} {v}" for k, v in answer.params.items())
        console.print(inert(f"answer: {shown}"), markup=False)
        line = f"insight: {used} · period: {answer.period}"
        if answer.start or answer.end:
            line += f" ({answer.start or '…'} → {answer.end or '…'})"
        if answer.filters:
            line += " · only " + ", ".join(f"{k}={v}" for k, v in answer.filters.items())
        console.print(inert(line), markup=False)
        if answer.command:
            console.print(inert(f"same numbers: {answer.command}"), markup=False)
    else:
        console.print("\nI can answer, for example:", markup=False)
        for example in answer.can_answer:
            console.print(inert(f"  - {example}"), markup=False)
    if explain:
        console.print("\nhow I read it:", markup=False)
        for line in answer.explain:
            console.print(inert(f"  - {line}"), markup=False)
        console.print(inert(f"  - answered in {answer.elapsed_ms:.0f} ms ({answer.phrased_by})"), markup=False)
