"""Import: find the listening files among the inputs, stage them, load them atomically.

Staging (:mod:`linernotes.store.staging`) parses every file into a temp table; then the library changes in
one DuckDB transaction: a bad file found at any point, an exception, Ctrl-C or a SIGKILL leaves the
library exactly as it was. Every row read is accounted for in the report: stored,
a duplicate, already in the library, merged into a richer source's row, or dropped under a named reason.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from linernotes import __version__
from linernotes.errors import InputError, Interrupted, is_interruption
from linernotes.privacy import redact_path
from linernotes.sources import detect
from linernotes.sources.base import HEAD_BYTES, strip_bom, utf16_text
from linernotes.sources.inputs import InMemory, collect_entries
from linernotes.sources.safezip import ZIP_MAGIC
from linernotes.store import classify, dedupe, staging
from linernotes.store.staging import Job, Progress

__all__ = ["FileReport", "ImportReport", "InMemory", "Input", "Progress", "import_paths", "load_staged", "plan"]


@dataclass
class FileReport:
    file: str
    format: str
    source: str
    rows_read: int
    stored: int = 0
    merged: int = 0
    replaced: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    unchanged: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the file held that its format did not read

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())


@dataclass
class ImportReport:
    import_id: int | None
    files: list[FileReport]
    ignored: list[str]
    plays_before: int
    plays_after: int
    seconds: float
    # Account music rows read as podcast episodes after this import, with the evidence (store.classify).
    classified: classify.Classified = field(default_factory=classify.Classified)

    def total(self, attr: str) -> int:
        if attr == "dropped":
            return sum(f.dropped_total for f in self.files)
        return sum(getattr(f, attr) for f in self.files)

    def to_dict(self) -> dict[str, object]:
        return {
            "import_id": self.import_id,
            "plays_before": self.plays_before,
            "plays_after": self.plays_after,
            "seconds": round(self.seconds, 3),
            "totals": {k: self.total(k) for k in (
                "rows_read", "stored", "merged", "replaced", "duplicates", "near_duplicates", "unchanged", "dropped")},
            "files": [{**f.__dict__, "dropped_total": f.dropped_total} for f in self.files],
            "ignored": self.ignored,
            "podcasts_in_music": self.classified.to_dict(),
        }


Input = str | os.PathLike[str] | InMemory
"""A path to a file, folder or zip, or an upload held in memory."""


# An office document larger than this is not read to find out whether it is a listening history: Deezer's
# workbook is ~80 KB per 1,000 plays, so this is room for millions of plays.
DOCUMENT_SNIFF_MAX_BYTES = 512 * 1024 * 1024


def plan(paths: Sequence[Input]) -> tuple[list[Job], list[str]]:
    """Decide, by content, which inputs are listening histories; the rest is passed over.

    A broken file is an error when it was named directly or when its file name says it should be a
    listening history; other unrecognised files inside an export (PDFs, Userdata.json, ...) are ignored.
    An empty file (no bytes, ``[]``, a header without rows) is normal in real exports: a file named like a
    listening history gives 0 rows, any other is passed over; neither ever aborts the import.
    """
    entries = collect_entries(paths)
    given = {str(p) for p in paths} | {os.path.abspath(p) for p in paths if not isinstance(p, InMemory)}
    jobs: list[Job] = []
    ignored: list[str] = []
    empty = 0
    for entry in entries:
        head = entry.head(HEAD_BYTES)
        fmt = detect.detect(head)
        if fmt is None and head[:4] in ZIP_MAGIC and entry.size <= DOCUMENT_SNIFF_MAX_BYTES:
            # A zip kept whole by collect_entries is an office document (Deezer's .xlsx): its sheets are
            # listed at its end, so it is recognised from the whole file.
            fmt = detect.detect_document(entry.read())
        if fmt is not None:
            json_plan = fmt.json_plan(head, entry.display) if fmt.json_plan else None
            jobs.append(Job(entry, fmt.name, json_plan))
            continue
        as_utf16 = utf16_text(head)
        if as_utf16 is not None and detect.detect(as_utf16.encode("utf-8")) is not None:
            raise InputError(entry.display, "is UTF-16 encoded; exports are UTF-8 (re-save it as UTF-8)")
        claimed = detect.expected_by_name(entry.basename)
        if _is_empty(head, entry.size):
            empty += 1
            if claimed is not None:
                jobs.append(Job(entry, claimed.name, None, empty=True))
            else:
                ignored.append(file_name(entry.display))
            continue
        if claimed is not None:
            raise InputError(entry.display, f"named like {claimed.description} but its content is not in that "
                                            f"format: {_what_it_is(head)}")
        if entry.display in given:
            raise InputError(entry.display, "not a listening history linernotes can read (unknown format: "
                                            f"{_what_it_is(head)})")
        ignored.append(file_name(entry.display))
    if not jobs and not empty:
        shown = ", ".join(file_name(str(p)) for p in paths)
        raise InputError(shown, "no listening history found (nothing to import)")
    # Richest sources first: a poorer copy of a listen is then recognised before it is ever written.
    jobs.sort(key=lambda job: detect.format_named(job.format_name).source.richness)
    return jobs, ignored


_EMPTY_JSON = re.compile(rb"^\s*(\[\s*\]|\{\s*\})?\s*$")


def _is_empty(head: bytes, size: int) -> bool:
    """No bytes, whitespace, ``[]`` or ``{}``: an export's way of saying "nothing in this period"."""
    return size <= len(head) and bool(_EMPTY_JSON.match(strip_bom(head)))


def _what_it_is(head: bytes) -> str:
    """What the first bytes of a file are, in words (never its content: it may hold personal data)."""
    text = strip_bom(head).lstrip()
    if text.startswith(b"["):
        return "a JSON array whose first record lacks the fields of a listening record"
    if text.startswith(b"{"):
        return "a JSON object, not an array of listening records"
    if text.startswith(b"<"):
        return "an HTML or XML document"
    if text[:4] == b"PK\x03\x04":
        return "a zip archive or office document that holds no listening history linernotes can read"
    return "neither JSON nor a CSV with a known header"


def file_name(path: str) -> str:
    """A file's own name, with the archive it came from (``/home/me/a.zip:Spotify/d.json`` → ``a.zip:d.json``)
    and any account name masked: the library stores file names, never the folders around them (they carry
    the login name). :mod:`linernotes.store.migrations` applies the same rule to older libraries."""
    parts = re.split(r"(?<=\.zip):", path, flags=re.IGNORECASE)
    return redact_path(":".join(re.split(r"[/\\]", part.rstrip("/\\"))[-1] or part for part in parts))


def import_paths(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Input],
    *,
    progress: Progress | None = None,
    workers: int | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import ``paths`` into the library behind ``con`` in one transaction (rolled back when ``dry_run``:
    the report then says what an import would do)."""
    started = time.time()
    jobs, ignored = plan(paths)
    try:
        # Staging writes only a temp table, before the transaction: a file the fast path refuses must not
        # abort the import's transaction.
        staged = staging.stage(con, jobs, progress, workers)
        files = [
            FileReport(file=file_name(job.entry.display), format=f.format,
                       source=detect.format_named(job.format_name).source.value,
                       rows_read=f.rows_read, dropped=f.dropped, notes=f.notes)
            for job, f in zip(jobs, staged, strict=True)
        ]
    except BaseException as exc:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {staging.TABLE}")
        if is_interruption(exc):
            raise Interrupted("interrupted: nothing was imported, the library is as it was") from None
        raise
    return load_staged(con, files, [file_name(str(p)) for p in paths], ignored=ignored, started=started,
                       dry_run=dry_run)


def load_staged(
    con: duckdb.DuckDBPyConnection,
    files: list[FileReport],
    inputs: list[str],
    *,
    ignored: list[str] | None = None,
    started: float | None = None,
    dry_run: bool = False,
    before_commit: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> ImportReport:
    """Load the plays in the staging table (file ``i`` of it reported by ``files[i]``) into the library in one
    transaction, with a ledger entry naming ``inputs``; the staging table is dropped whatever happens.

    ``before_commit`` runs inside that transaction, so what it writes (``linernotes sync``'s cursor) is saved
    with the plays or not at all. Example::

        staging.create(con); staging.append(con, 0, parsed.table)
        load_staged(con, [FileReport("Last.fm", "lastfm_api", "lastfm", parsed.rows_read)], ["Last.fm"])
    """
    started = time.time() if started is None else started
    try:
        con.execute("BEGIN TRANSACTION")
        plays_before = _count(con)
        import_id = _next_import_id(con)
        sources = {f.source for f in files}
        loader = dedupe.Loader(con, import_id, sources)
        loader.add(staging.TABLE)
        outcome = loader.finish()
        for file_no, counts in outcome.per_file.items():
            f = files[file_no]
            f.stored = counts.get("stored", 0)
            f.duplicates = counts.get("duplicate", 0)
            f.near_duplicates = counts.get("near_duplicate", 0)
            f.unchanged = counts.get("already_imported", 0)
            f.merged = counts.get("merged", 0)
            f.replaced = counts.get("replaced", 0)
        plays_after = _count(con)
        classified = classify.reclassify(con)
        _update_home(con)
        report = ImportReport(import_id, files, list(ignored or []), plays_before, plays_after,
                              time.time() - started, classified)
        _record(con, report, inputs, started)
        if before_commit is not None:
            before_commit(con)
        con.execute("ROLLBACK" if dry_run else "COMMIT")
    except BaseException as exc:
        _rollback(con)
        if is_interruption(exc):
            if _recorded(con, locals().get("import_id")):
                raise Interrupted("interrupted after the import was saved: it is complete "
                                  "(see `linernotes imports`)") from None
            raise Interrupted("interrupted: nothing was imported, the library is as it was") from None
        raise
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {staging.TABLE}")
    report.seconds = time.time() - started
    return report


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if a transaction is still open; never let the rollback hide the first error."""
    # The transaction may already have ended (DuckDB aborts on error, or the commit went through).
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _recorded(con: duckdb.DuckDBPyConnection, import_id: int | None) -> bool:
    if import_id is None:
        return False
    try:
        return bool(con.execute("SELECT count(*) FROM imports WHERE import_id = ?", [import_id]).fetchall()[0][0])
    except duckdb.Error:
        return False


def _count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM play_rows").fetchall()[0]
    return int(row[0]) if row else 0


def _next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM imports").fetchall()[0]
    return int(row[0]) if row else 1


def _update_home(con: duckdb.DuckDBPyConnection) -> None:
    """Re-infer the home country and zone from the most frequent conn_country (a setting wins)."""
    from linernotes import timezones

    counts = dict(con.execute(
        "SELECT country, count(*) FROM play_rows WHERE country IS NOT NULL GROUP BY country").fetchall())
    country, zone = timezones.infer_home_zone(counts)
    set_setting(con, "inferred_home_zone", zone)
    if country:
        set_setting(con, "inferred_home_country", country)
    else:
        con.execute("DELETE FROM settings WHERE key = 'inferred_home_country'")


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [key, value])


def _record(con: duckdb.DuckDBPyConnection, report: ImportReport, inputs: list[str], started: float) -> None:
    con.execute(
        "INSERT INTO imports VALUES (?, to_timestamp(?), now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "MAP(?::VARCHAR[], ?::BIGINT[]))",
        [
            report.import_id, started, __version__, inputs,
            len(report.files), len(report.ignored), report.total("rows_read"), report.total("stored"),
            report.total("merged"), report.total("replaced"), report.total("duplicates"),
            report.total("near_duplicates"), report.total("unchanged"), report.total("dropped"),
            report.plays_before, report.plays_after,
            report.classified.shows, report.classified.plays,
            list(report.classified.evidence), list(report.classified.evidence.values()),
        ],
    )
    # One statement for every file: a statement per file cost ~5 ms each, seconds for an import of many files.
    counts = ("rows_read", "stored", "merged", "replaced", "duplicates", "near_duplicates", "unchanged")
    files = pa.table(
        {
            "file": pa.array([f.file for f in report.files], pa.string()),
            "format": pa.array([f.format for f in report.files], pa.string()),
            "source": pa.array([f.source for f in report.files], pa.string()),
            **{c: pa.array([getattr(f, c) for f in report.files], pa.int64()) for c in counts},
            "drop_keys": pa.array([list(f.dropped) for f in report.files], pa.list_(pa.string())),
            "drop_counts": pa.array([list(f.dropped.values()) for f in report.files], pa.list_(pa.int64())),
        }
    )
    con.register("_import_files", files)
    try:
        con.execute(f"INSERT INTO import_files SELECT ?, file, format, source, {', '.join(counts)}, "
                    "MAP(drop_keys, drop_counts) FROM _import_files", [report.import_id])
    finally:
        con.unregister("_import_files")
