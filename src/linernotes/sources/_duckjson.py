"""Fast JSON → rows with DuckDB's C++ JSON reader, fed from memory through pipes.

Import speed is bounded by unzip + JSON parsing. Python-level parsing (orjson → dicts → columns) costs
several times the parse itself; DuckDB's reader builds typed columns directly, in its own threads. The bytes
go through anonymous pipes, never a temporary file: raw exports hold IP addresses and usernames, which must
never touch the disk. Only the declared columns are materialised; every other key (``ip_addr``,
``username``...) is skipped by the reader.

A format describes the work as a :class:`JsonPlan`. Two ways to run it:

* :func:`stage_json` — the import's fast path: many files in one statement on the library connection,
  straight into a staging table (no Arrow round trip), each file's bytes decompressed by a feeder thread
  as DuckDB reads them;
* :func:`query_json_pieces` — one file streamed in pieces, on a private single-threaded connection, to an
  Arrow table (a format's ``parse``, and the fallback when the fast path refuses a file), strictly or
  *tolerantly*: then each array element is read as raw JSON and its fields extracted with ``TRY_CAST``, so
  a record that is not an object or holds text where a number belongs only flags that record. That is the
  careful path for files too large to load into Python (memory stays bounded by DuckDB's buffers).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from linernotes.privacy import DUCKDB_OFFLINE
from linernotes.sources.base import strip_bom_pieces

_local = threading.local()
_PIPES = os.path.isdir("/dev/fd")
# A file's bytes reach DuckDB in pieces this size: a feeder waiting for DuckDB holds one piece.
PIECE_BYTES = 1 << 20
# Files per statement: one feeder thread and one pipe each, all started together (DuckDB decides the order
# in which it reads them, so a feeder cannot wait for its turn without risking a deadlock). Each file holds
# about four descriptors (the pipe's two ends, DuckDB's own, the archive): stay well inside the process's
# limit (256 by default on macOS).
def _files_per_statement() -> int:
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return 32
    if soft == resource.RLIM_INFINITY:
        return 128
    return max(8, min(128, (soft - 64) // 8))


MAX_FILES_PER_STATEMENT = _files_per_statement()
# One JSON record (an array element) may not exceed this: real records are under 2 KB, and DuckDB buffers a
# whole record, so the bound is also what one hostile record can cost in memory.
MAX_OBJECT_BYTES = 64 * 1024 * 1024
_READ_OPTIONS = f"compression = 'none', maximum_object_size = {MAX_OBJECT_BYTES}"


@dataclass(frozen=True)
class JsonPlan:
    """How one JSON file becomes staged rows.

    ``columns`` are the keys read (name, SQL type); ``sql`` reads the relation ``raw`` — those columns plus
    ``_not_object`` and ``_bad_number`` (flags the careful path sets for a record that is not an object or
    has text where a number belongs) and ``_file`` (the file's number) — and returns the staged columns,
    ``_file`` and ``_drop`` (NULL, or why the row is not a play). Files with equal plans can share a
    statement, so everything that differs per file must be in the plan. ``checked`` names the numeric
    columns whose non-numeric values set ``_bad_number`` on the careful paths.
    """

    format: str
    columns: tuple[tuple[str, str], ...]
    sql: str
    array: bool = True
    checked: tuple[str, ...] = ()

    @property
    def types(self) -> dict[str, str]:
        return dict(self.columns)

    def _read(self, paths: str, file_no: str) -> str:
        spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in self.columns) + "}"
        fmt = "array" if self.array else "newline_delimited"
        return (f"WITH raw AS (SELECT * EXCLUDE (filename), false AS _not_object, false AS _bad_number, "
                f"{file_no} AS _file FROM read_json({paths}, format = '{fmt}', columns = {spec}, "
                f"filename = true, {_READ_OPTIONS})) SELECT * FROM ({self.sql})")


    def _tolerant_read(self, paths: str) -> str:
        """Like :meth:`_read`, but a record of the wrong shape or type flags itself instead of failing."""
        fmt = "array" if self.array else "newline_delimited"
        keys = "[" + ", ".join("'$.\"" + k + "\"'" for k, _ in self.columns) + "]"
        def value(i: int, k: str, t: str) -> str:
            if t == "VARCHAR":
                return f"_v[{i}]"
            if t in ("DOUBLE", "BIGINT"):
                # The strict reader reads JSON true as 1: so must this one, or the two paths would differ.
                return (f"CASE WHEN json_type(json, '$.\"{k}\"') = 'BOOLEAN' THEN TRY_CAST(_v[{i}] AS BOOLEAN)::{t}"
                        f" ELSE TRY_CAST(_v[{i}] AS {t}) END")
            return f"TRY_CAST(_v[{i}] AS {t})"

        columns = list(enumerate(self.columns, start=1))
        values = ", ".join(f'{value(i, k, t)} AS "{k}"' for i, (k, t) in columns)
        bad = " OR ".join(f"(_v[{i}] IS NOT NULL AND ({value(i, k, t)}) IS NULL)"
                          for i, (k, t) in columns if k in self.checked) or "false"
        return (f"WITH o AS (SELECT json, json_type(json) IS DISTINCT FROM 'OBJECT' AS _not_object, "
                f"json_extract_string(json, {keys}) AS _v FROM read_json_objects({paths}, format = '{fmt}', "
                f"{_READ_OPTIONS})), "
                f"raw AS (SELECT {values}, _not_object, coalesce({bad}, false) AS _bad_number, 0 AS _file FROM o) "
                f"SELECT * FROM ({self.sql})")


def parser() -> duckdb.DuckDBPyConnection:
    """This thread's parser connection (single-threaded: the importer parallelises across files)."""
    con: duckdb.DuckDBPyConnection | None = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(config={"threads": 1, "enable_external_access": True, **DUCKDB_OFFLINE})
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")  # a long careful read must not draw on stderr
        no_file_cache(con)
        _local.con = con
    return con


def no_file_cache(con: duckdb.DuckDBPyConnection) -> None:
    """A pipe path is reused for other bytes as soon as it is closed: nothing read through one may be cached
    by path (DuckDB does not cache local files today; this keeps it so)."""
    con.execute("SET enable_external_file_cache = false")


def query_json_pieces(pieces: Iterable[bytes], plan: JsonPlan, *, tolerant: bool = False) -> pa.Table | str:
    """Run ``plan`` over one file streamed as ``pieces``; ``_file`` is 0.

    Returns the rows, or a message when the reader refused the file or the pieces could not all be
    delivered (then the caller reads the source again to learn why). The message is DuckDB's and may hold
    a pipe path or bytes of the file: it is for choosing a diagnosis, never to be shown.

    >>> plan = JsonPlan("demo", (("a", "BIGINT"), ("b", "VARCHAR")), "SELECT a, b, _not_object FROM raw")
    >>> query_json_pieces([b'[{"a": 1, "b": "x", "ip": "y"}]'], plan).to_pylist()
    [{'a': 1, 'b': 'x', '_not_object': False}]
    >>> query_json_pieces([b'[{"a": 1, "b": "x"}, 5]'], plan, tolerant=True).to_pylist()
    [{'a': 1, 'b': 'x', '_not_object': False}, {'a': None, 'b': None, '_not_object': True}]
    """
    if not _PIPES:
        return "no pipes on this platform"
    with _Pipes([pieces], on_bytes=None) as pipes:
        try:
            sql = plan._tolerant_read(pipes.paths_sql()) if tolerant else plan._read(pipes.paths_sql(), "0")
            table = parser().sql(sql).to_arrow_table()
        except (duckdb.Error, UnicodeError, RuntimeError) as exc:
            return str(exc) or type(exc).__name__
    return "the file could not be read to its end" if pipes.failed else table


def transform(table: pa.Table, sql: str) -> pa.Table:
    """Run ``sql`` (which reads the relation ``raw``) over an Arrow table with the parser connection."""
    con = parser()
    con.register("raw", table)
    try:
        return con.sql(sql).to_arrow_table()
    finally:
        con.unregister("raw")


def stage_json(con: duckdb.DuckDBPyConnection, table: str, plan: JsonPlan,
               files: Sequence[tuple[int, Iterable[bytes]]], on_bytes: Callable[[int], None] | None = None) -> bool:
    """Insert ``plan``'s rows for ``files`` — (file number, its bytes in pieces) — into ``table``, all or
    nothing, in one statement per :data:`MAX_FILES_PER_STATEMENT` files run in its own transaction.

    ``table`` must have the plan's output columns in order. Returns False (and leaves ``table`` as it
    was) when DuckDB refuses a file or a file's bytes fail a check: the caller then parses the files one
    by one, which names the broken file. ``on_bytes(n)`` is called from feeder threads as bytes go in.
    """
    if not _PIPES or not files:
        return not files
    no_file_cache(con)
    con.execute("BEGIN TRANSACTION")
    try:
        for start in range(0, len(files), MAX_FILES_PER_STATEMENT):
            group = files[start:start + MAX_FILES_PER_STATEMENT]
            with _Pipes([pieces for _, pieces in group], on_bytes) as pipes:
                whens = " ".join(f"WHEN '{path}' THEN {no}" for path, (no, _) in zip(pipes.paths, group, strict=True))
                con.execute(f"INSERT INTO {table} {plan._read(pipes.paths_sql(), f'CASE filename {whens} END')}")
            if pipes.failed:
                raise _FeedFailed
    except (duckdb.Error, UnicodeError, RuntimeError, _FeedFailed) as exc:
        con.execute("ROLLBACK")
        if isinstance(exc, duckdb.InterruptException):
            raise
        return False
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    return True


class _FeedFailed(Exception):
    """A file's bytes failed a check (corrupt member, CRC) after DuckDB may have read them."""


class _Pipes:
    """One anonymous pipe per file, each written by a feeder thread; DuckDB reads ``/dev/fd/N``.

    On exit the read ends are closed first, so a feeder DuckDB stopped reading gets a broken pipe
    instead of waiting forever, then the feeders are joined. ``failed`` says whether a feeder could not
    deliver its whole file (its source raised).
    """

    def __init__(self, sources: Sequence[Iterable[bytes]], on_bytes: Callable[[int], None] | None) -> None:
        self.sources = sources
        self.on_bytes = on_bytes
        self.paths: list[str] = []
        self.failed = False
        self._read_fds: list[int] = []
        self._threads: list[threading.Thread] = []

    def paths_sql(self) -> str:
        return "[" + ", ".join(f"'{p}'" for p in self.paths) + "]"

    def __enter__(self) -> _Pipes:
        try:
            for source in self.sources:
                read_fd, write_fd = os.pipe()
                self._read_fds.append(read_fd)
                self.paths.append(f"/dev/fd/{read_fd}")
                thread = threading.Thread(target=self._feed, args=(source, write_fd), daemon=True,
                                          name="linernotes-feed")
                thread.start()
                self._threads.append(thread)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        for fd in self._read_fds:
            os.close(fd)
        for thread in self._threads:
            thread.join()

    def _feed(self, source: Iterable[bytes], write_fd: int) -> None:
        try:
            for piece in strip_bom_pieces(source):
                try:
                    _write_all(write_fd, piece)
                except OSError:
                    return  # the reader stopped (broken pipe): the error surfaces on its side
                if self.on_bytes is not None:
                    self.on_bytes(len(piece))
        except Exception:
            # The bytes could not all be delivered (corrupt member, CRC, unreadable file): whatever DuckDB
            # made of them cannot be trusted, even if what it got happened to parse.
            self.failed = True
        finally:
            os.close(write_fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
