"""Lifetime privacy budgets: what each contributor has spent, and the check a release must pass first.

The server keeps the ledger in PostgreSQL (its ``releases`` table); anything with the two methods of
:class:`BudgetLedger` will do. :class:`JsonLedger` is a real, file-backed implementation for the standalone
release command and the tests. Accounting is basic composition: a release costs every contributor whose data it
reads the sum of the (ε, δ) of the parts that read their scope, and a contributor's lifetime spend is the sum
over the releases that included them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import orjson

from linernotes.atomicfile import write_atomic
from linernotes.errors import LinernotesError

DEFAULT_LIFETIME_EPSILON = 40.0
DEFAULT_LIFETIME_DELTA = 1e-5


class BudgetExceeded(LinernotesError):
    """A release that would take some contributor past their lifetime budget; the message says who and why."""


@dataclass(frozen=True)
class Budget:
    epsilon: float
    delta: float = 0.0

    def __add__(self, other: Budget) -> Budget:
        return Budget(self.epsilon + other.epsilon, self.delta + other.delta)


class BudgetLedger(Protocol):
    """Where spent budgets live (the server: PostgreSQL; standalone: :class:`JsonLedger`)."""

    def spent(self, contributor_ids: Iterable[str]) -> dict[str, Budget]:
        """Each contributor's lifetime spend so far (absent = nothing spent)."""
        ...

    def record(self, release_id: str, charges: Mapping[str, Budget]) -> None:
        """Charge a published release to its contributors; called once, after the release is signed."""
        ...


SpentSource = BudgetLedger | Mapping[str, Budget] | Callable[[list[str]], Mapping[str, Budget]]


def spent_of(source: SpentSource | None, ids: list[str]) -> dict[str, Budget]:
    """The spend of ``ids`` from a ledger, a mapping, or a function of the id list."""
    if source is None:
        return {}
    if hasattr(source, "spent"):
        return dict(source.spent(ids))  # type: ignore[union-attr]
    if callable(source):
        return dict(source(ids))
    return {i: source[i] for i in ids if i in source}


def check(charges: Mapping[str, Budget], spent: Mapping[str, Budget], lifetime: Budget) -> None:
    """Refuse (:class:`BudgetExceeded`) when any contributor's spent + this release's charge exceeds ``lifetime``.

    The release is refused whole rather than quietly leaving people out: who is in a release is the server's
    decision (it passes only the packages of contributors with budget left), and a silent exclusion would make
    the pool's composition depend on budgets in a way nobody sees.
    """
    over = []
    for cid, charge in charges.items():
        total = spent.get(cid, Budget(0.0)) + charge
        if total.epsilon > lifetime.epsilon + 1e-9 or total.delta > lifetime.delta * (1 + 1e-9):
            over.append((cid, spent.get(cid, Budget(0.0)), charge))
    if over:
        cid, before, charge = max(over, key=lambda o: o[1].epsilon)
        raise BudgetExceeded(
            f"release refused: {len(over)} contributor(s) would exceed the lifetime budget ε={lifetime.epsilon:g}, "
            f"δ={lifetime.delta:g} (e.g. {cid} has spent ε={before.epsilon:g}, δ={before.delta:g} and this "
            f"release would charge ε={charge.epsilon:g}, δ={charge.delta:g}); leave their packages out or lower ε")


class JsonLedger:
    """A budget ledger in one JSON file: ``{"releases": [...], "spent": {contributor: [ε, δ]}}``.

    Written atomically (temp file + rename), so a crash leaves the old ledger or the new one, never half.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _load(self) -> dict[str, object]:
        if not self.path.exists():
            return {"releases": [], "spent": {}}
        data = orjson.loads(self.path.read_bytes())
        if not isinstance(data, dict) or not isinstance(data.get("spent"), dict):
            raise ValueError(f"{self.path.name}: not a budget ledger")
        return data

    def spent(self, contributor_ids: Iterable[str]) -> dict[str, Budget]:
        table = self._load()["spent"]
        assert isinstance(table, dict)
        return {c: Budget(*table[c]) for c in contributor_ids if c in table}

    def releases(self) -> list[dict[str, object]]:
        found = self._load()["releases"]
        return list(found) if isinstance(found, list) else []

    def record(self, release_id: str, charges: Mapping[str, Budget]) -> None:
        data = self._load()
        table = data["spent"]
        releases = data["releases"]
        assert isinstance(table, dict) and isinstance(releases, list)
        if any(r.get("release_id") == release_id for r in releases):
            raise ValueError(f"release {release_id} is already in the ledger")
        for cid, b in charges.items():
            eps, delta = table.get(cid, (0.0, 0.0))
            table[cid] = (eps + b.epsilon, delta + b.delta)
        total = max(charges.values(), key=lambda b: b.epsilon, default=Budget(0.0))
        releases.append({"release_id": release_id, "contributors": len(charges),
                         "epsilon": total.epsilon, "delta": total.delta})
        write_atomic(self.path, orjson.dumps(data, option=orjson.OPT_INDENT_2))
