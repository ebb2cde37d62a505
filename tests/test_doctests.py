"""Every example in the package's docstrings runs and gives what it shows: an example is documentation a reader
trusts, so it is tested like code."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import linernotes

MODULES = sorted(m.name for m in pkgutil.walk_packages(linernotes.__path__, "linernotes."))


def test_the_walk_finds_the_package() -> None:
    assert len(MODULES) > 150 and "linernotes.enrich.musicbrainz" in MODULES


@pytest.mark.parametrize("name", [n for n in MODULES if n != "linernotes.__main__"])
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples of {name} failed"
