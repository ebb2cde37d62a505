"""The documents under docs/ stay reachable: every relative link in the README and docs/ resolves, and every
``docs/formats.md §N`` that code, tests and benchmarks cite names a section (or a numbered item) that exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# §1.6.3 and §1.6 item 3 both mean the third numbered item of section 1.6.
CITATION = re.compile(r"docs/formats\.md ((?:§[\d.]*\d(?: item \d+)?(?:, )?)+)")
ONE = re.compile(r"§([\d.]*\d)(?: item (\d+))?")


def formats_sections() -> dict[str, int]:
    """Section number → how many numbered items its own text has."""
    sections: dict[str, int] = {}
    current = None
    for line in (DOCS / "formats.md").read_text(encoding="utf-8").splitlines():
        heading = re.match(r"#{2,3} (\d+(?:\.\d+)?)[. ]", line)
        if heading:
            current = heading.group(1)
            sections[current] = 0
        elif current is not None and re.match(r"\d+\. ", line):
            sections[current] += 1
    return sections


def cited(section: str, item: str | None, sections: dict[str, int]) -> bool:
    if item is None and section not in sections:
        section, _, item = section.rpartition(".")  # §1.6.3: item 3 of §1.6
    return section in sections and (item is None or 1 <= int(item) <= sections[section])


def test_formats_citations_name_existing_sections() -> None:
    sections = formats_sections()
    assert {"0", "1.4", "1.6", "10"} <= set(sections)
    missing = []
    for folder in ("src", "tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            for match in CITATION.finditer(path.read_text(encoding="utf-8")):
                missing += [f"{path.relative_to(ROOT)}: §{s}{' item ' + i if i else ''}"
                            for s, i in ONE.findall(match.group(1)) if not cited(s, i or None, sections)]
    assert not missing


def test_citation_check_can_fail() -> None:
    sections = formats_sections()
    assert cited("1.6", "5", sections) and cited("1.6.5", None, sections)
    assert not cited("1.6", "40", sections) and not cited("11", None, sections)


def test_relative_links_resolve() -> None:
    broken = []
    for doc in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            if not re.match(r"[a-z]+:", target) and not (doc.parent / target).exists():
                broken.append(f"{doc.relative_to(ROOT)} -> {target}")
    assert not broken
