"""Names in a question: artists, tracks, albums, shows and audiobooks of the library, typos allowed.

The name index is every distinct name of the library with its listening time, read once with one GROUP BY
and cached on disk (keyed by the library file's path, size and modification time, so an import refreshes
it). Matching slides over the question's word n-grams that are not already taken by a period or made only
of question words, and compares each with the index: an exact (accent- and case-insensitive) hit first,
then :mod:`rapidfuzz` similarity for n-grams long enough that a typo cannot turn a common word into a name
(≥ 5 letters; score ≥ 86, or ≥ 92 for a single word). Overlapping candidates are resolved by score, then
length, then the kind the question hints at ("song", "album", "podcast"), then listening time.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import duckdb
import orjson

from linernotes.atomicfile import write_atomic

KINDS = ("artist", "track", "album", "show", "audiobook")
COLUMNS = {"artist": ("artist", "'track'"), "track": ("track", "'track'"), "album": ("album", "'track'"),
           "show": ("show_name", "'episode', 'video'"), "audiobook": ("audiobook", "'audiobook'")}
INDEX_VERSION = 4


def fold(text: str) -> str:
    """Lower-case, accents removed, punctuation as spaces, single spaces: how names are compared.

    >>> fold("Ångström  Windows (feat. Ré)")
    'angstrom windows feat re'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("'", "").replace("’", "").replace("&", " and ")
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


@dataclass(frozen=True)
class Name:
    kind: str  # artist, track, album, show, audiobook
    name: str  # as stored
    by: str | None  # the artist of a track or album
    ms: int  # listening time, whole history


@dataclass(frozen=True)
class Match:
    """One name found in a question, with the characters of the (folded) question it covers."""

    name: Name
    score: float
    start: int
    end: int
    text: str


class _Names(Sequence[Name]):
    """The index's names, kept as columns; a :class:`Name` is made only for a name that is looked at (a
    library can hold a quarter of a million titles, and a question looks at a handful)."""

    def __init__(self, kinds: list[str], names: list[str], bys: list[str | None], ms: list[int]) -> None:
        self.columns = (kinds, names, bys, ms)

    def __len__(self) -> int:
        return len(self.columns[1])

    @overload
    def __getitem__(self, i: int) -> Name: ...
    @overload
    def __getitem__(self, i: slice) -> list[Name]: ...
    def __getitem__(self, i: int | slice) -> Name | list[Name]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        kinds, names, bys, ms = self.columns
        return Name(kinds[i], names[i], bys[i], ms[i])


class NameIndex:
    """Every name of the library, folded for matching; one entry per kind and folded name (the most played).

    The cached form holds the lookup tables too, so loading it builds no Python structure per name."""

    def __init__(self, names: Sequence[Name], folded: list[str] | None = None, *,
                 lookups: tuple[dict[str, list[int]], list[str], dict[str, int]] | None = None) -> None:
        self.names = names
        self.folded = folded if folded is not None else [fold(n.name) for n in names]
        if lookups is not None:
            self.exact, tokens, self.first_word = lookups
            self.tokens = set(tokens)
            return
        self.exact = {}
        for i, f in enumerate(self.folded):
            if f:
                self.exact.setdefault(f, []).append(i)
        # a title's base as people type it: "Dandelions - slowed + reverb" → "dandelions", "Crack of Doom
        # (feat. X)" → "crack of doom" (only when no name is folded to it already; the most played keeps it)
        aliases: dict[str, int] = {}
        for i, n in enumerate(self.names):
            if n.kind in ("track", "album"):
                base = fold(_base_title(n.name))
                if base and base != self.folded[i] and base not in self.exact and (len(base) >= 4 or " " in base):
                    aliases.setdefault(base, i)
        for base, i in aliases.items():
            self.exact[base] = [i]
        self.tokens = set(" ".join(self.folded).split())
        # "kendrick" for "Kendrick Lamar": the first word of multi-word artist and show names (most played wins)
        self.first_word = {}
        for i, (n, f) in enumerate(zip(self.names, self.folded, strict=True)):
            words = f.split()
            if n.kind in ("artist", "show") and len(words) > 1 and len(words[0]) >= 5:
                self.first_word.setdefault(words[0], i)

    @classmethod
    def build(cls, con: duckdb.DuckDBPyConnection) -> NameIndex:
        parts = []
        for kind, (column, kinds) in COLUMNS.items():
            by = "artist" if kind in ("track", "album") else "NULL"
            parts.append(f"""SELECT '{kind}' AS kind, {column} AS name, {by} AS by_name,
                                    coalesce(sum(ms_played), 0)::BIGINT AS ms, count(*) AS n
                             FROM plays WHERE kind IN ({kinds}) AND {column} IS NOT NULL GROUP BY ALL""")
        # most listened first, then most played (scrobbles carry no time), then by name
        rows = con.execute("SELECT kind, name, by_name, ms FROM (" + " UNION ALL ".join(parts) +
                           ") ORDER BY ms DESC, n DESC, kind, name, by_name").fetchall()
        names: list[Name] = []
        folded: list[str] = []
        seen: set[tuple[str, str]] = set()
        for k, n, b, ms in rows:  # most played first: a title shared by several artists means the top one
            f = fold(str(n))
            if (k, f) in seen:
                continue
            seen.add((k, f))
            names.append(Name(str(k), str(n), None if b is None else str(b), int(ms)))
            folded.append(f)
        return cls(names, folded)

    def to_json(self) -> dict[str, Any]:
        return {
            "kinds": [n.kind for n in self.names], "names": [n.name for n in self.names],
            "by": [n.by for n in self.names], "ms": [n.ms for n in self.names], "folded": self.folded,
            "exact": self.exact, "tokens": sorted(self.tokens), "first_word": self.first_word,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NameIndex:
        names = _Names(data["kinds"], data["names"], data["by"], data["ms"])
        if len(names) != len(data["folded"]):
            raise ValueError("name index columns differ in length")
        return cls(names, data["folded"], lookups=(data["exact"], data["tokens"], data["first_word"]))

    def exact_all(self, text: str) -> list[Match]:
        """Every name of the library spelled out exactly (or its base title) in folded ``text``, longest
        first, overlapping ones included: the candidates that may win over a period word they contain."""
        words = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"\w+", text)]
        found: list[Match] = []
        for i in range(len(words)):
            for n in range(1, 9):
                j = i + n
                if j > len(words):
                    break
                gram = " ".join(w[2] for w in words[i:j])
                for h in self.exact.get(gram, ()):
                    found.append(Match(self.names[h], 100.0, words[i][0], words[j - 1][1], gram))
        order = {k: i for i, k in enumerate(KINDS)}
        found.sort(key=lambda m: (-(m.end - m.start), order[m.name.kind], -m.name.ms))
        return found

    def find(self, text: str, blocked: list[tuple[int, int]], stop: set[str], hint: str | None) -> list[Match]:
        """Names in folded ``text``, best first, not overlapping each other or ``blocked`` spans."""
        from rapidfuzz import fuzz, process

        words = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"\w+", text)]
        free = [not any(a < e and s < b for a, b in blocked) for s, e, _ in words]
        candidates: list[Match] = []
        grams: list[tuple[int, int, str]] = []
        for i in range(len(words)):
            for n in range(1, 9):
                j = i + n
                if j > len(words) or not all(free[i:j]):
                    break
                toks = [w[2] for w in words[i:j]]
                if all(t in stop for t in toks):
                    continue
                gram = " ".join(toks)
                start, end = words[i][0], words[j - 1][1]
                hits = self.exact.get(gram)
                if hits:
                    for h in hits:
                        candidates.append(Match(self.names[h], 100.0, start, end, gram))
                elif len(gram.replace(" ", "")) >= 5 and toks[0] not in _EDGE and toks[-1] not in _EDGE:
                    grams.append((start, end, gram))
                    if n == 1 and gram in self.first_word and gram not in stop:
                        candidates.append(Match(self.names[self.first_word[gram]], 87.0, start, end, gram))
        if grams and self.folded:
            scores = process.cdist([g for _, _, g in grams], self.folded, scorer=fuzz.ratio, score_cutoff=86,
                                   workers=1)
            for gi, (start, end, gram) in enumerate(grams):
                row = scores[gi]
                best = int(row.argmax())
                score = float(row[best])
                single = " " not in gram
                # the shorter the text, the closer it must be: one typo in a short word is another word
                need = 92 if single else (88 if len(gram) < 12 else 86)
                if score < need or (single and gram in stop):
                    continue
                # every name with that best score (an artist and its self-titled album)
                for h in (row == score).nonzero()[0]:
                    candidates.append(Match(self.names[int(h)], score, start, end, gram))
        order = {k: i for i, k in enumerate(KINDS)}

        def rank(m: Match) -> tuple[float, ...]:
            hinted = 1 if hint is not None and m.name.kind == hint else 0
            return (m.score, m.end - m.start, hinted, -order[m.name.kind], m.name.ms)

        chosen: list[Match] = []
        for m in sorted(candidates, key=rank, reverse=True):
            if all(m.end <= c.start or c.end <= m.start for c in chosen):
                chosen.append(m)
        return chosen


def _base_title(name: str) -> str:
    """The title without its version: " - 2018 Remaster", "(feat. X)", "[Live]"."""
    base = re.split(r"\s+[-–—]\s+", name, maxsplit=1)[0]
    base = re.sub(r"\s*[(\[][^)\]]*[)\]]", "", base)
    return base.strip() or name


# Words that neither begin nor end a name in a question ("to radiohead" is not a name).
_EDGE = {"whats", "whos", "hows", "wheres", "thats",
         "to", "of", "by", "the", "a", "an", "in", "on", "at", "my", "i", "did", "do", "does", "is", "was",
         "and", "or", "from", "for", "with", "like", "than", "me", "most", "much", "many", "how", "what", "who",
         "when", "which", "listen", "listened", "play", "played", "hear", "heard", "songs", "song", "tracks",
         "track", "album", "albums", "artist", "artists", "band", "podcast", "show", "book", "audiobook",
         "times", "hours", "minutes"}


def _index_path(db_path: Path) -> Path | None:
    from linernotes.engine.model_cache import cache_dir

    try:
        st = db_path.stat()
    except OSError:
        return None
    ident = f"{db_path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{INDEX_VERSION}"
    return cache_dir() / "ask" / f"names-{hashlib.sha256(ident.encode()).hexdigest()[:24]}.json"


_MEMORY: dict[str, NameIndex] = {}


def name_index(con: duckdb.DuckDBPyConnection, db_path: Path | None) -> NameIndex:
    """The library's name index, from memory, the disk cache, or built (and cached)."""
    path = _index_path(db_path) if db_path is not None else None
    key = str(path) if path is not None else f"con-{id(con)}"
    found = _MEMORY.get(key)
    if found is not None:
        return found
    index: NameIndex | None = None
    if path is not None and path.exists():
        try:
            index = NameIndex.from_json(orjson.loads(path.read_bytes()))
        except (OSError, ValueError, TypeError, KeyError):
            index = None  # unreadable or from another version: build it again
    if index is None:
        index = NameIndex.build(con)
        if path is not None:
            # A cache (durable=False: rebuilt when lost); in a read-only cache folder, built again next time.
            with contextlib.suppress(OSError):
                write_atomic(path, orjson.dumps(index.to_json()), durable=False)
    if path is not None:
        _MEMORY[key] = index
    return index
