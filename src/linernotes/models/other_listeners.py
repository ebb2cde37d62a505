"""The other-listeners finder: listening on the account that is probably someone else's (a child, a partner, a
speaker left playing), and the exclusion rules that remove it. The ``noise`` insight shows it; "noise" there
means other people's listening, not the privacy noise of the cooperative's releases (:mod:`linernotes.coop.release`).

A child's songs on the living-room speaker, rain sounds to fall asleep to, a partner's playlists: they share
one trait — they live in sessions of their own. Concretely:

1. **islands**: sessions (20-minute silences, read by the ``noise`` insight) give every artist its
   *company*: the music time, per artist, of the sessions it was played in. An artist with at least
   ``min_plays`` plays in at least ``min_sessions`` sessions is *concentrated* when its ten biggest companions
   (itself included) hold :data:`CONCENTRATION` of that time — your own artists are shuffled, mixed and
   followed by others; a child's are followed by the same few. Concentrated artists that keep each other's
   company (one holds at least :data:`EDGE_SHARE` of the other's) form an island; an island is kept when its
   artists hold at least :data:`CLOSURE` of all music time in the sessions they appear in.
2. **far from your taste**: the island's time-weighted taste vector (:mod:`linernotes.models.artist_embedding`) against
   the time-weighted taste vector of everything else — cosine at most :data:`MAX_TASTE_SIMILARITY` (an
   artist never played next to any other has no vector at all: as far as it gets);
3. **a rhythm or device of its own**: the total-variation distance between the island's distribution of
   plays over devices (or over local hours) and the rest's is at least :data:`MIN_CONTEXT_DISTANCE`;
4. **a minority**: at most :data:`MAX_SHARE` of the music plays (more than that is the person's own
   listening, however apart it lives — e.g. a small history with one new favourite).

Each island that passes becomes a proposal: one exclusion rule per artist (artist only, or artist and
device when the artist is also part of your own listening elsewhere — at least :data:`SHARED_ARTIST` of its
plays outside the island's sessions — and the island's sessions are on one device), with the exact
``linernotes exclude add`` command, the Python call, and the plays and time it would remove.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from linernotes.engine.exclusions import Rule
from linernotes.engine.words import is_placeholder
from linernotes.models.artist_embedding import TasteModel
from linernotes.models.session_clusters import DEVICE_WORDS

CONCENTRATION = 0.85  # the ten biggest companions' part of an artist's company
TOP_COMPANIONS = 10
EDGE_SHARE = 0.05
CLOSURE = 0.85
MAX_TASTE_SIMILARITY = 0.15
MIN_CONTEXT_DISTANCE = 0.3
SHARED_ARTIST = 0.2  # part of an artist's plays outside its island's sessions that makes it (also) yours
DEVICE_SHARE = 0.8  # the island's sessions' plays on one device, to narrow a shared artist's rule to it
MAX_SHARE = 0.3  # an island holding more of your music than this is you, however apart it is
MERGE_DISTANCE = 0.3  # islands whose device and (4-hour block) hour distributions are this close: one proposal
NIGHT = (22, 6)
LONG_PLAY_MINUTES = 15.0


@dataclass(frozen=True)
class ProposedRule:
    rule: Rule
    cli: str  # the exact command that adds it
    python: str  # the same through the Python API
    plays: int  # plays of the selection it would exclude
    ms_played: int


@dataclass(frozen=True)
class Island:
    artists: list[str]  # by listening time
    label: str  # what it probably is, in words
    plays: int
    ms_played: int
    sessions: int
    closure: float  # the island's part of the music time of its sessions
    taste_similarity: float | None  # cosine with the rest of your taste; None: never played next to others
    device_distance: float  # total variation against the rest of your listening (0..1)
    hour_distance: float
    main_device: str
    main_device_share: float  # of the island's plays
    rest_device_share: float  # the same device's part of the rest of your music plays
    night_share: float  # plays starting 22:00–05:59
    median_play_minutes: float
    hours: list[int]  # the island's plays per local start hour
    rules: list[ProposedRule]
    why: str


def _sh(value: str) -> str:
    """A double-quoted POSIX shell word."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
    return f'"{escaped}"'


def commands(rule: Rule) -> tuple[str, str]:
    """(CLI command, Python call) that add ``rule``."""
    cli = ["linernotes exclude add"]
    py = []
    for key in ("artist", "device"):
        value = getattr(rule, key)
        if value is not None:
            cli.append(f"--{key} {_sh(value)}")
            py.append(f"{key}={json.dumps(value, ensure_ascii=False)}")
    if rule.hour_from is not None and rule.hour_to is not None:
        cli.append(f"--hours {rule.hour_from}-{rule.hour_to}")
        py.append(f'hours="{rule.hour_from}-{rule.hour_to}"')
    if rule.note:
        cli.append(f"--note {_sh(rule.note)}")
        py.append(f"note={json.dumps(rule.note, ensure_ascii=False)}")
    return " ".join(cli), f"lib.exclude({', '.join(py)})"


def _tv(p: np.ndarray, q: np.ndarray) -> float:
    sp, sq = p.sum(), q.sum()
    if sp <= 0 or sq <= 0:
        return 0.0
    return float(0.5 * np.abs(p / sp - q / sq).sum())


@dataclass
class Company:
    """What :func:`island_candidates` found: the artists of the selection, who keeps company with whom, and
    the islands that hold their own sessions (before the taste, context and share tests)."""

    names: np.ndarray  # (n_a,) artist names
    m: Any  # sparse (sessions × artists): music time
    b: Any  # sparse (sessions × artists): 1 where the artist was played
    artist_plays: np.ndarray  # (n_a,) plays
    ms_by_artist: np.ndarray  # (n_a,) listening time as recorded
    artist_ms: np.ndarray  # (n_a,) listening time, a zero-ms play counted as 1 ms
    vec_of: np.ndarray  # (n_a, dims) taste vectors (zeros: unknown)
    island_of: np.ndarray  # (n_a,) index into ``kept``, -1 for the rest
    kept: list[tuple[list[int], float, np.ndarray]]  # (artist ids, closure, session mask)
    rest_vec: np.ndarray


Passing = tuple[list[int], np.ndarray, np.ndarray, np.ndarray]  # (artist ids, session mask, device, hour counts)


def island_candidates(session_id: np.ndarray, artist: np.ndarray, ms: np.ndarray, plays: np.ndarray,
                      model: TasteModel, *, min_plays: int = 20,
                      min_sessions: int = 5) -> tuple[Company | None, dict[str, Any]]:
    """Islands of concentrated artists that hold their own sessions (step 1 of the module docstring), from
    one row per (session, artist) of music with its time and plays; None when there is none. Also facts
    about what was looked at."""
    from scipy import sparse

    cols = {"session_id": session_id, "artist": artist, "ms": ms, "plays": plays}
    facts: dict[str, Any] = {"music_plays": int(np.asarray(cols["plays"]).sum()) if len(cols["plays"]) else 0,
                             "artists": 0, "candidates": 0}
    if not len(cols["session_id"]):
        return None, facts
    names, a_idx = np.unique(np.asarray(cols["artist"], dtype=str), return_inverse=True)
    _, s_idx = np.unique(np.asarray(cols["session_id"], dtype=np.int64), return_inverse=True)
    raw_ms = np.asarray(cols["ms"], dtype=np.float64)
    ms = np.maximum(raw_ms, 1.0)  # a zero-ms play still keeps company
    plays = np.asarray(cols["plays"], dtype=np.int64)
    n_s, n_a = int(s_idx.max()) + 1, len(names)
    facts["artists"] = n_a
    m = sparse.csr_matrix((ms, (s_idx, a_idx)), shape=(n_s, n_a))
    b = sparse.csr_matrix((np.ones(len(ms)), (s_idx, a_idx)), shape=(n_s, n_a))
    artist_plays = np.bincount(a_idx, weights=plays, minlength=n_a)
    artist_sessions = np.bincount(a_idx, minlength=n_a)
    cand = np.flatnonzero((artist_plays >= min_plays) & (artist_sessions >= min_sessions))
    facts["candidates"] = len(cand)
    if not len(cand):
        return None, facts
    company = (b[:, cand].T @ m).tocsr()  # (candidates × artists): time of each artist in the candidate's sessions
    concentrated: dict[int, np.ndarray] = {}
    for r, a in enumerate(cand.tolist()):
        row = company.getrow(r)
        total = row.data.sum()
        if total <= 0:
            continue
        data = row.data
        top = data if len(data) <= TOP_COMPANIONS else -np.partition(-data, TOP_COMPANIONS - 1)[:TOP_COMPANIONS]
        if top.sum() >= CONCENTRATION * total:
            concentrated[a] = row.indices[data >= EDGE_SHARE * total]
    # Islands: connected components of "keeps company" among concentrated artists (union-find).
    parent = {a: a for a in concentrated}

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, strong in concentrated.items():
        for other in strong.tolist():
            if other in parent and other != a:
                ra, rb = root(a), root(other)
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for a in concentrated:
        groups.setdefault(root(a), []).append(a)

    artist_ms = np.asarray(m.sum(axis=0)).ravel()
    vec_of = np.zeros((n_a, model.dims), dtype=np.float64)
    for i, name in enumerate(names.tolist()):
        j = model.index_of(name)
        if j is not None and model.dims:
            vec_of[i] = model.vectors[j]

    kept: list[tuple[list[int], float, np.ndarray]] = []
    for members in groups.values():
        ids = sorted(members)
        mask = np.asarray(b[:, ids].sum(axis=1)).ravel() > 0
        in_sessions = m[mask]
        closure = float(in_sessions[:, ids].sum() / in_sessions.sum()) if in_sessions.sum() > 0 else 0.0
        if closure >= CLOSURE:
            kept.append((ids, closure, mask))
    if not kept:
        return None, facts
    island_of = np.full(n_a, -1, dtype=np.int64)
    for k, (g, _, _) in enumerate(kept):
        island_of[g] = k
    rest = island_of < 0
    rest_vec = (artist_ms[rest, None] * vec_of[rest]).sum(axis=0)

    return Company(names=names, m=m, b=b, artist_plays=artist_plays,
                   ms_by_artist=np.bincount(a_idx, weights=raw_ms, minlength=n_a), artist_ms=artist_ms,
                   vec_of=vec_of, island_of=island_of, kept=kept, rest_vec=rest_vec), facts


def passing_islands(c: Company, island: np.ndarray, device: np.ndarray, hour: np.ndarray,
                    plays: np.ndarray) -> tuple[list[Passing], np.ndarray, np.ndarray, np.ndarray]:
    """The islands far from your taste with a context of their own, merged when they share one (steps 2–4),
    from music plays per (island of :attr:`Company.island_of`, -1 = the rest; device, phones as one; local
    hour). Also the device names and the rest's device and hour counts."""
    artist_ms, vec_of, rest_vec, artist_plays = c.artist_ms, c.vec_of, c.rest_vec, c.artist_plays
    ctxrows = {"island": island, "device": device, "hour": hour, "plays": plays}
    isl = np.asarray(ctxrows["island"], dtype=np.int64)
    dev_names, dev_idx = np.unique(np.asarray(ctxrows["device"], dtype=str), return_inverse=True)
    hour = np.asarray(ctxrows["hour"], dtype=np.int64)
    cnt = np.asarray(ctxrows["plays"], dtype=np.float64)
    rest_dev = np.bincount(dev_idx[isl < 0], weights=cnt[isl < 0], minlength=len(dev_names))
    rest_hour = np.bincount(hour[isl < 0], weights=cnt[isl < 0], minlength=24)

    # Keep islands far from your taste with a context of their own; merge those that share one context
    # (four children's artists on the same speaker are one proposal).
    passing: list[tuple[list[int], np.ndarray, np.ndarray, np.ndarray]] = []
    for k, (members_k, _, mask) in enumerate(c.kept):
        sel = isl == k
        dev = np.bincount(dev_idx[sel], weights=cnt[sel], minlength=len(dev_names))
        hrs = np.bincount(hour[sel], weights=cnt[sel], minlength=24)
        if dev.sum() == 0 or _similarity(members_k, artist_ms, vec_of, rest_vec) > MAX_TASTE_SIMILARITY:
            continue
        if artist_plays[members_k].sum() > MAX_SHARE * artist_plays.sum():
            continue
        if max(_tv(dev, rest_dev), _tv(hrs, rest_hour)) < MIN_CONTEXT_DISTANCE:
            continue
        for j, (g2, mask2, dev2, hrs2) in enumerate(passing):
            # Hours in four-hour blocks: a few dozen sessions make a noisy 24-hour profile.
            blocks = _tv(hrs.reshape(6, 4).sum(1), hrs2.reshape(6, 4).sum(1))
            if _tv(dev, dev2) < MERGE_DISTANCE and blocks < MERGE_DISTANCE:
                passing[j] = (g2 + members_k, mask2 | mask, dev2 + dev, hrs2 + hrs)
                break
        else:
            passing.append((list(members_k), mask, dev, hrs))
    return passing, dev_names, rest_dev, rest_hour


def island_rules(c: Company, passing: list[Passing], dev_names: np.ndarray) -> list[list[Rule]]:
    """The exclusion rules each passing island proposes: one per artist, by listening time (artist only, or
    artist and device when the artist is also yours elsewhere and the island lives on one device)."""
    out = []
    for members, mask, dev, _ in passing:
        _, main_device, device_share = _main_device(dev, dev_names)
        out.append(_rules(c.b, mask, _by_time(c, members), c.names, main_device, device_share))
    return out


def islands_of(c: Company, passing: list[Passing], dev_names: np.ndarray, rest_dev: np.ndarray,
               rest_hour: np.ndarray, medians: list[float], rules: list[list[Rule]],
               counts: list[list[tuple[int, int]]]) -> list[Island]:
    """The islands, biggest first, from :func:`passing_islands`, the median play (minutes) of each, its
    rules (:func:`island_rules`) and the (plays, ms) each rule would remove."""
    out: list[Island] = []
    names, m, artist_plays, ms_by_artist = c.names, c.m, c.artist_plays, c.ms_by_artist
    artist_ms, vec_of, rest_vec = c.artist_ms, c.vec_of, c.rest_vec
    for k, (members, mask, dev, hrs) in enumerate(passing):
        g = members
        in_sessions = m[mask]
        closure = float(in_sessions[:, g].sum() / in_sessions.sum()) if in_sessions.sum() > 0 else 0.0
        main, main_device, device_share = _main_device(dev, dev_names)
        night = float(hrs[[h for h in range(24) if h >= NIGHT[0] or h < NIGHT[1]]].sum() / hrs.sum())
        artists = _by_time(c, g)
        similarity = _similarity(g, artist_ms, vec_of, rest_vec)
        out.append(Island(
            artists=[str(names[a]) for a in artists],
            label=_label(night, medians[k], main_device, device_share),
            plays=int(artist_plays[g].sum()),
            ms_played=int(ms_by_artist[g].sum()),
            sessions=int(mask.sum()),
            closure=closure,
            taste_similarity=None if np.isnan(similarity) else similarity,
            device_distance=_tv(dev, rest_dev),
            hour_distance=_tv(hrs, rest_hour),
            main_device=main_device,
            main_device_share=device_share,
            rest_device_share=float(rest_dev[main] / rest_dev.sum()) if rest_dev.sum() > 0 else 0.0,
            night_share=night,
            median_play_minutes=medians[k],
            hours=[int(h) for h in hrs],
            rules=[_proposed(rule, n, t) for rule, (n, t) in zip(rules[k], counts[k], strict=True)],
            why="",
        ))
    out = [_with_why(i) for i in out]
    out.sort(key=lambda i: (-i.plays, i.artists[0]))
    return out


def _main_device(dev: np.ndarray, dev_names: np.ndarray) -> tuple[int, str, float]:
    """(index, name, share of the plays) of the device with the most plays."""
    main = int(np.argmax(dev))
    return main, str(dev_names[main]), float(dev[main] / dev.sum())


def _by_time(c: Company, members: list[int]) -> list[int]:
    """Artist ids by listening time (then name)."""
    return [int(a) for a in sorted(members, key=lambda a: (-c.artist_ms[a], c.names[a]))]


def _proposed(rule: Rule, plays: int, ms: int) -> ProposedRule:
    cli, py = commands(rule)
    return ProposedRule(rule=rule, cli=cli, python=py, plays=plays, ms_played=ms)


def _similarity(g: list[int], artist_ms: np.ndarray, vec_of: np.ndarray, rest_vec: np.ndarray) -> float:
    """Cosine between the island's time-weighted taste vector and the rest's; NaN when either has none
    (an artist never played next to another has no vector: as far from your taste as it gets)."""
    gv = (artist_ms[g, None] * vec_of[g]).sum(axis=0)
    denom = float(np.linalg.norm(gv) * np.linalg.norm(rest_vec))
    return float(gv @ rest_vec / denom) if denom > 0 else float("nan")


def _label(night: float, med_minutes: float, device: str, device_share: float) -> str:
    if night >= 0.6 and med_minutes >= LONG_PLAY_MINUTES:
        return "sleep or background loops"
    if device_share >= 0.7 and not device.startswith("phone") and not is_placeholder(device):
        return f"someone else's music on {DEVICE_WORDS.get(device, 'the ' + device.replace('_', ' '))}"
    if night >= 0.6:
        return "night-time listening apart from your own"
    return "listening apart from your own"


def _rules(b: Any, mask: np.ndarray, artists: list[int], names: np.ndarray, main_device: str,
           device_share: float) -> list[Rule]:
    out = []
    for a in artists:
        col = np.asarray(b[:, a].todense()).ravel() > 0
        outside = float((col & ~mask).sum()) / max(1, int(col.sum()))
        narrow = outside >= SHARED_ARTIST and device_share >= DEVICE_SHARE and main_device not in ("phone", "unknown")
        device = main_device if narrow else None
        name = str(names[a])
        note = "not mine: found by the noise finder"
        out.append(Rule(artist=name, device=device, note=note))
    return out


def _with_why(i: Island) -> Island:
    from dataclasses import replace

    names = ", ".join(i.artists[:4]) + (f" and {len(i.artists) - 4} more" if len(i.artists) > 4 else "")
    taste = ("never played next to anything else you play" if i.taste_similarity is None
             else f"taste similarity {round(i.taste_similarity, 2) + 0.0:.2f} with the rest of your music")
    parts = [f"{names}: {i.closure:.0%} of the music in their {i.sessions:,} sessions is their own ({taste})"]
    if i.device_distance >= i.hour_distance:
        where = DEVICE_WORDS.get(i.main_device, "the " + i.main_device.replace("_", " "))
        parts.append(f"{i.main_device_share:.0%} of their plays are on {where} "
                     f"(against {i.rest_device_share:.0%} of your other music)")
    else:
        peak = int(np.argmax(i.hours))
        parts.append(f"their hours differ from yours ({i.night_share:.0%} at night, busiest at {peak:02d}:00)")
    if i.median_play_minutes >= LONG_PLAY_MINUTES:
        parts.append(f"a typical play lasts {i.median_play_minutes:.0f} minutes")
    return replace(i, why="; ".join(parts) + ".")
