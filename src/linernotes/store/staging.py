"""Staging: every listening file of an import, parsed into one temp table on the library connection.

The staging table holds the canonical columns of :data:`linernotes.schema.STAGED_SCHEMA`, plus ``_file``
(the file's number in the import's order) and ``_drop`` (why a row is not a play, NULL for plays; such
rows are counted, then deleted). Rows keep the order they had in their file, so ``rowid`` orders the rows
of one file.

JSON formats with a :class:`~linernotes.sources._duckjson.JsonPlan` take the fast path: their files are
decompressed by feeder threads straight into DuckDB's JSON reader, many files per statement, so parsing,
transforming and storing happen in DuckDB's threads without an Arrow round trip. Other formats — and any
file the fast path refuses, which is how a broken file gets its precise error — are parsed one by one by
their format module, in worker threads, and appended from Arrow. A file over
:data:`~linernotes.sources._stream.WHOLE_MAX_BYTES` of a format with ``parse_batches`` (the scrobble
formats) is read and appended a bounded batch at a time instead, so its memory does not grow with its size.

Staging runs before the import's transaction (a refused statement would abort it) and writes nothing but
this connection's temp table; the library file is untouched until the loader's transaction.
"""

from __future__ import annotations

import os
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice

import duckdb
import pyarrow as pa

from linernotes.schema import STAGED_SCHEMA
from linernotes.sources import detect
from linernotes.sources._careful import parse_stream
from linernotes.sources._duckjson import JsonPlan, stage_json
from linernotes.sources._stream import WHOLE_MAX_BYTES, read_ahead
from linernotes.sources.base import Parsed, Pieces
from linernotes.sources.inputs import Entry

TABLE = "staged"
READ_AHEAD_FILES = 16
# Below this much input a thread pool costs more than it saves.
PARALLEL_MIN_BYTES = 4 * 1024 * 1024

# A batched file's rows go into the table this many at a time (or a multiple): DuckDB's row group. Each statement
# costs ~50 ms whatever its size, and an insert that ends inside a row group makes the next one rewrite it:
# at 60k rows every other insert cost ~0.35 s (a 1M-row Apple Music file: 2.4 s of appends, 0.46 s at
# 122,880). Much larger inserts are split over threads into partial row groups (at 245,760 rows the temp
# table held 261 MB instead of 44 MB). Freed memory goes back to the system after each.
APPEND_ROWS = 122_880

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Job:
    """One file to import: where its bytes are, which format reads it, and the format's DuckDB plan for
    it when it has one."""

    entry: Entry
    format_name: str
    plan: JsonPlan | None = None
    empty: bool = False  # no bytes, `[]` or a bare header: 0 rows, nothing to parse


@dataclass
class StagedFile:
    """What staging learnt about one file."""

    format: str
    rows_read: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def stage(con: duckdb.DuckDBPyConnection, jobs: Sequence[Job], progress: Progress | None = None,
          workers: int | None = None) -> list[StagedFile]:
    """Parse every job into the temp table :data:`TABLE` (replaced if it exists); one report per job."""
    create(con)
    meter = _Meter(progress, sum(job.entry.size for job in jobs))
    files: list[StagedFile | None] = [None] * len(jobs)
    by_plan: dict[JsonPlan, list[int]] = {}
    one_by_one: list[int] = []
    for no, job in enumerate(jobs):
        if job.empty:
            files[no] = StagedFile(job.format_name)
        elif job.plan is None:
            one_by_one.append(no)
        else:
            by_plan.setdefault(job.plan, []).append(no)
    for plan, nos in by_plan.items():
        if stage_json(con, TABLE, plan, [(no, jobs[no].entry.chunks()) for no in nos], meter.add):
            for no in nos:
                files[no] = StagedFile(plan.format)
        else:
            one_by_one.extend(nos)
    _count_and_drop(con, files)
    # A large file of a format that reads in batches is staged batch by batch, one file at a time: its
    # memory is then one batch, whatever the file's size.
    batched = [no for no in one_by_one if _batches_of(jobs[no]) is not None]
    one_by_one = sorted(set(one_by_one) - set(batched))
    for no in batched:
        files[no] = _stage_batches(con, no, jobs[no], meter)
    for no, parsed in zip(one_by_one, _parsed_in_order([jobs[no] for no in one_by_one], meter, workers),
                          strict=True):
        files[no] = StagedFile(parsed.format, parsed.rows_read, dict(parsed.dropped), list(parsed.notes))
        _append(con, no, parsed)
    meter.finish()
    return [f for f in files if f is not None]


def create(con: duckdb.DuckDBPyConnection) -> None:
    """Create the empty temp table :data:`TABLE` (replaced if it exists)."""
    columns = ", ".join(f'"{f.name}" {_duck_type(f.name)}' for f in STAGED_SCHEMA)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {TABLE} ({columns}, _file INTEGER, _drop VARCHAR)")


def append(con: duckdb.DuckDBPyConnection, no: int, table: pa.Table) -> None:
    """Append a parsed table's plays (:data:`linernotes.schema.STAGED_SCHEMA`) to :data:`TABLE` as file ``no``:
    for rows that arrive from elsewhere than a file (``linernotes sync``'s pages)."""
    _append_table(con, no, table)
    _release_memory()


def _batches_of(job: Job) -> Callable[[Pieces, str, str | None], Iterator[Parsed]] | None:
    """The format's batch reader when ``job`` is a file too large to parse whole, else None."""
    if job.plan is not None or job.entry.size <= WHOLE_MAX_BYTES:
        return None
    return detect.format_named(job.format_name).parse_batches


def _stage_batches(con: duckdb.DuckDBPyConnection, no: int, job: Job, meter: _Meter) -> StagedFile:
    """Append ``job``'s rows a batch at a time (rows keep their file order: each batch follows the last).

    A broken file raises InputError, possibly after some batches: the import then stops, and the staging
    table (a temp table) goes with it."""
    read = _batches_of(job)
    assert read is not None
    entry = job.entry
    # The plain file on disk, which DuckDB can stream in place (a pipe's bytes it would keep).
    path = entry.disk_path
    staged = StagedFile(job.format_name)
    dropped: Counter[str] = Counter()
    pending: list[pa.Table] = []
    pending_rows = 0
    # Parsing the next batch overlaps appending this one: both release the GIL (see read_ahead).
    for parsed in read_ahead(read(entry.chunks, entry.display, path)):
        staged.rows_read += parsed.rows_read
        dropped.update(parsed.dropped)
        staged.notes += [note for note in parsed.notes if note not in staged.notes]
        pending.append(parsed.table)
        pending_rows += parsed.table.num_rows
        del parsed
        if pending_rows >= APPEND_ROWS:
            pending = _append_row_groups(con, no, pending)
            pending_rows = sum(t.num_rows for t in pending)
    _append_tables(con, no, pending)
    staged.dropped = dict(dropped)
    meter.add(entry.size)
    return staged


def _append_row_groups(con: duckdb.DuckDBPyConnection, no: int, tables: list[pa.Table]) -> list[pa.Table]:
    """Append the whole row groups among ``tables``' rows as one contiguous table; returns the rest.

    Both halves matter (1M Apple Music rows, 0.5 s of appends): an insert that ends inside a row group
    makes the next one rewrite it (147,000 rows a time cost 2.5x what 122,880 cost), and DuckDB scans an
    Arrow table of many small chunks at about half the speed of one chunk."""
    rows = pa.concat_tables(tables)
    tables.clear()
    cut = rows.num_rows - rows.num_rows % APPEND_ROWS
    _append_table(con, no, rows.slice(0, cut).combine_chunks())
    rest = rows.slice(cut).combine_chunks()
    del rows
    _release_memory()
    return [rest] if rest.num_rows else []


def _append_tables(con: duckdb.DuckDBPyConnection, no: int, tables: list[pa.Table]) -> None:
    """Append batches' rows in one statement, then free what they held."""
    if tables:
        _append_table(con, no, pa.concat_tables(tables))
    tables.clear()
    _release_memory()


def _release_memory() -> None:
    """Hand freed memory back to the system between batches. The allocators keep what a batch freed for
    reuse, but the pieces rarely fit the next batch's: on a 300 MB file that retention alone was ~250 MB of
    the peak (pyarrow's mimalloc pool, then glibc's heap holding Python's and DuckDB's freed blocks)."""
    pa.default_memory_pool().release_unused()
    if _malloc_trim is not None:
        _malloc_trim(0)


def _libc_malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (Linux), or None elsewhere."""
    try:
        import ctypes

        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


_malloc_trim = _libc_malloc_trim()


def _duck_type(column: str) -> str:
    dtype = STAGED_SCHEMA.field(column).type
    return {"string": "VARCHAR", "int64": "BIGINT", "bool": "BOOLEAN"}.get(str(dtype), "TIMESTAMPTZ")


def _count_and_drop(con: duckdb.DuckDBPyConnection, files: list[StagedFile | None]) -> None:
    """Rows read and dropped per fast-path file; the dropped rows then leave the table."""
    any_dropped = False
    for no, reason, n in con.execute(f"SELECT _file, _drop, count(*) FROM {TABLE} GROUP BY ALL").fetchall():
        staged = files[no]
        assert staged is not None, "only fast-path files are in the table yet"
        staged.rows_read += n
        if reason is not None:
            staged.dropped[reason] = n
            any_dropped = True
    if any_dropped:
        con.execute(f"DELETE FROM {TABLE} WHERE _drop IS NOT NULL")


def _append(con: duckdb.DuckDBPyConnection, no: int, parsed: Parsed) -> None:
    _append_table(con, no, parsed.table)


def _append_table(con: duckdb.DuckDBPyConnection, no: int, table: pa.Table) -> None:
    con.register("_parsed", table)
    try:
        con.execute(f"INSERT INTO {TABLE} SELECT *, {int(no)}, NULL FROM _parsed")
    finally:
        con.unregister("_parsed")


def _parse(job: Job) -> Parsed:
    """Runs in a worker thread or inline. Pure: bytes in, Arrow out.

    A file with a DuckDB plan is streamed, never read whole first: the fast path refused it, and a large
    file must then still be read in bounded memory."""
    if job.plan is not None:
        entry = job.entry
        return parse_stream(entry.chunks, entry.size, entry.display, job.plan)
    return detect.format_named(job.format_name).parse(job.entry.read(), job.entry.display)


def _parsed_in_order(jobs: list[Job], meter: _Meter, workers: int | None) -> Iterator[Parsed]:
    """Parse every job, yielding results in job order while worker threads parse ahead.

    Threads suffice: unzip (zlib) and DuckDB's JSON reader release the GIL, so files parse in parallel.
    """
    workers = workers if workers is not None else min(os.cpu_count() or 1, len(jobs))
    if workers <= 1 or sum(j.entry.size for j in jobs) < PARALLEL_MIN_BYTES:
        for job in jobs:
            yield _parse(job)
            meter.add(job.entry.size)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="linernotes-parse") as pool:
        # A bounded read-ahead: parsing goes on while the caller appends the previous file, and memory
        # stays bounded.
        pending: deque[tuple[Job, Future[Parsed]]] = deque()
        queue = iter(jobs)
        for job in islice(queue, READ_AHEAD_FILES):
            pending.append((job, pool.submit(_parse, job)))
        try:
            while pending:
                job, future = pending.popleft()
                result = future.result()
                nxt = next(queue, None)
                if nxt is not None:
                    pending.append((nxt, pool.submit(_parse, nxt)))
                yield result
                meter.add(job.entry.size)
        finally:
            for _, future in pending:
                future.cancel()


class _Meter:
    """Bytes of input consumed so far, reported as progress("import", done, total); thread-safe, since
    feeder threads report as they go."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0
        self._lock = threading.Lock()
        if progress:
            progress("import", 0, total)

    def add(self, n: int) -> None:
        if not self.progress:
            return
        with self._lock:
            # A file the fast path refused is read again: never report more than everything.
            self.done = min(self.total, self.done + n)
            self.progress("import", self.done, self.total)

    def finish(self) -> None:
        if self.progress:
            self.progress("import", self.total, self.total)
