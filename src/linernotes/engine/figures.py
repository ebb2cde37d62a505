"""The figures an insight can answer a question with, declared next to the insight.

Each insight module ends with ``FIGURES``: a tuple of :class:`Figure`, in the order they are tried. ``ask``
(which reads these; insights never import ``ask``) runs the insight a question is about and answers with
the first figure whose words the question uses; a figure without words is the insight's default.

A figure's ``path`` is a key path into the insight's JSON result — keys and list indexes joined by dots,
then an optional ``|transform`` — for example ``totals.ms_played|hours`` or ``rows.0.name``. Transforms:
``hours``/``minutes`` (from milliseconds), ``smin`` (seconds to minutes), ``pct`` (a share as a
percentage), ``round1``/``round2``, ``len`` (how many), ``weekday`` (ISO number to its name). A path that
starts with ``@`` names a figure computed from the result rather than read from it (the biggest day of the
daily series); ``reads`` then says which part of the result it is computed from, so that a renamed field
still fails the test that every declared path exists in its result type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What a question is about: "all" the listening of a period, or one named thing of these kinds ("how much
# Radiohead", "when did I first hear Dreams").
ALL = "all"
ANY_NAME = ("artist", "track", "album", "show", "audiobook")
# ... or one genre, named ("how much jazz"): the genres insight answers it with its ``--genre`` option.
GENRE = "genre"
# ... or one decade of release ("how much 90s music"): the eras insight answers it with its ``--decade`` option.
DECADE = "decade"


@dataclass(frozen=True)
class Figure:
    """One number or name of an insight's result that answers a question."""

    name: str  # what it is, for people: "listening time", "top artist"
    unit: str | None  # the unit people read it in ("hours", "%", "days"); None for a name, a date or a label
    words: str  # a regular expression over the normalised question that asks for it; "" for the default
    path: str  # where it is in the insight's JSON result (see the module docstring)
    unless: str = ""  # words that rule the figure out even when ``words`` are there
    # the questions it answers: about ALL the listening of a period, and/or about one named thing of these kinds
    # (ANY_NAME: "how many times did I play Dreams")
    about: tuple[str, ...] = (ALL,)
    reads: str = ""  # for a computed figure (``@…``): the path of the result it is computed from

    def asked_by(self, text: str, about: str = ALL) -> bool:
        """Whether the question ``text`` (normalised), about ``about`` (ALL, or the kind of the thing it
        names), asks for this figure."""
        if about not in self.about:
            return False
        if self.words and re.search(self.words, text) is None:
            return False
        return not (self.unless and re.search(self.unless, text) is not None)
