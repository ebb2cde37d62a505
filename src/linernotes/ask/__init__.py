"""Questions in plain words: ``linernotes ask "who did I listen to most last summer?"``.

Offline and rule-based: :mod:`.intents` turns the question into a plan (insight, parameters, period,
filters, the figure that answers it) using :mod:`.periods` and the library's names (:mod:`.entities`);
:mod:`.answer` runs it through the insight registry, so its numbers are the CLI's; :mod:`.llm` optionally
rewords the answer with a model the person configured, sending only the answer's figures.

    from linernotes.ask import ask
    with open_library("my.duckdb", read_only=True) as lib:
        print(ask(lib, "top 5 songs last year").sentence)
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linernotes.ask.answer import Answer
    from linernotes.ask.intents import Plan
    from linernotes.ask.llm import LLMConfig
    from linernotes.library import Library

__all__ = ["ask", "plan"]


def plan(lib: Library, question: str, today: dt.date | None = None) -> Plan:
    """How ``question`` would be answered, without running anything."""
    from linernotes.ask.entities import name_index
    from linernotes.ask.intents import plan_question

    index = name_index(lib.con, lib.path if lib.path.exists() else None)
    return plan_question(question, index, today or dt.date.today())


def ask(lib: Library, question: str, today: dt.date | None = None, *, llm: LLMConfig | bool | None = None,
        one_shot: bool = False) -> Answer:
    """Answer ``question`` from ``lib``. ``llm``: a config, None to read it from the environment, False never.
    ``one_shot``: the only question this process asks, so its plays are read straight from the views rather
    than kept as selections for later questions (faster once, slower over many)."""
    from linernotes.ask.answer import answer_plan
    from linernotes.ask.llm import config_from_env, phrase
    from linernotes.engine.scope import Engine

    t0 = time.perf_counter()
    the_plan = plan(lib, question, today)
    answer = answer_plan(the_plan, lib.con, Engine(lib.con, materialise=False) if one_shot else lib.engine)
    cfg = config_from_env() if llm is None else (None if llm is False or llm is True else llm)
    if cfg is not None and answer.understood and answer.value is not None:
        worded = phrase(answer, cfg)
        if worded:
            answer.sentence, answer.phrased_by = worded, "llm"
    answer.elapsed_ms = round((time.perf_counter() - t0) * 1000, 1)
    return answer
