"""The inputs of an import: zips as downloaded, unpacked folders, single files, uploads held in memory.

:func:`collect_entries` turns what the person named into :class:`Entry` objects, one per importable file:
folders walked (symlinks out of them not followed), junk skipped (``.DS_Store``, ``__MACOSX``...), zips
expanded in memory through :mod:`linernotes.sources.safezip` (never extracted to disk), office documents kept
whole. The entries share that import's work budget (:class:`~linernotes.sources.safezip.Limits`) for the
listing and all their later reads.

Typical use::

    entries = collect_entries(["~/Downloads/my_spotify_data.zip", "scrobbles.csv"])
    for entry in entries:
        print(entry.display)  # "/home/a/my_spotify_data.zip:Spotify Extended Streaming History/Stre..."
        data = entry.read()  # whole content as bytes, or InputError

:class:`Entry` objects are small, frozen and picklable: they store paths and member names, never open
handles, so an importer can send them to a process pool whose workers call :meth:`Entry.read`. An entry
that crosses to another process starts a fresh budget and cache there.

Every failure is an :class:`~linernotes.errors.InputError` naming the offending file.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from linernotes.errors import InputError
from linernotes.sources.safezip import (
    ZIP_MAGIC,
    Limits,
    WorkBudget,
    ZipArchive,
    check_member,
    member_chunks,
    os_message,
    read_member,
)

__all__ = ["Entry", "InMemory", "collect_entries"]

DEFAULT_LIMITS = Limits()

_JUNK_NAMES = frozenset({"__macosx", "thumbs.db", "desktop.ini"})


@dataclass(frozen=True)
class InMemory:
    """An input that exists only in memory (a file uploaded to the dashboard): it is read like a file named
    ``name`` and never written anywhere.

    Example::

        collect_entries([InMemory("my_spotify_data.zip", uploaded_bytes)])
    """

    name: str
    data: bytes = field(repr=False)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Entry:
    """One importable file: a plain file on disk or a member of a (possibly nested) zip.

    ``display`` is for messages and reports; ``basename`` is the last path component; ``size`` is the
    uncompressed size in bytes, enforced by :meth:`read`. The private fields locate the bytes again in any
    process: the real path of the file on disk and the chain of member names down to this entry.

    Example::

        entry = collect_entries(["my_spotify_data.zip"])[0]
        entry.display   # "my_spotify_data.zip:MyData/endsong_0.json"
        entry.basename  # "endsong_0.json"
        entry.head(4)   # b'[\\n  {'
    """

    display: str
    basename: str
    size: int
    _path: str = field(repr=False)  # real absolute path on disk: the plain file, or the outermost zip
    _root_display: str = field(repr=False)  # how the user named that file (for messages)
    _members: tuple[str, ...] = field(default=(), repr=False)  # outer zip member, then members inside it
    _limits: Limits = field(default=DEFAULT_LIMITS, repr=False)
    _data: bytes | None = field(default=None, repr=False, compare=False)  # the bytes of an InMemory input
    # The import's budget and archive cache, shared by every entry of one collect_entries call.
    _work: WorkBudget | None = field(default=None, repr=False, compare=False)

    @property
    def disk_path(self) -> str | None:
        """The plain file on disk that holds exactly this entry's bytes, for a reader that opens it in place
        (DuckDB streams a file in bounded memory, but keeps what it reads from a pipe); None for a zip member
        or an input held in memory."""
        return self._path if not self._members and self._data is None else None

    def read(self) -> bytes:
        """The whole content. Decompression stops as soon as the output passes the declared size.

        Example::

            orjson.loads(entry.read())
        """
        return self._load(None)

    def head(self, n: int = 65536) -> bytes:
        """The first ``n`` bytes (fewer if the entry is shorter), decompressing only what that needs.

        Example::

            entry.head(3) == b"\\xef\\xbb\\xbf"  # a UTF-8 BOM
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        return self._load(n)

    def chunks(self, piece: int = 1 << 20) -> Iterator[bytes]:
        """The whole content as consecutive pieces of at most ``piece`` bytes, decompressed only as they
        are consumed, so a consumer that streams them on holds one piece at a time.

        The checks are those of :meth:`read`; the CRC can only be checked at the end, so a corrupt member
        raises after its last piece: whoever consumed the pieces must then discard what it made of them.

        Example::

            for piece in entry.chunks():
                pipe.write(piece)
        """
        if piece <= 0:
            raise ValueError("piece must be > 0")
        if not self._members:
            if self._data is not None:  # checked against the cap when collected; memory cannot grow
                yield from (self._data[i:i + piece] for i in range(0, len(self._data), piece))
                return
            yield from _plain_chunks(self._path, self._root_display, self._limits, piece)
            return
        work = self._budget()
        archive, info = self._locate(work)
        display = archive.display
        try:
            with archive.open() as fp:
                yield from member_chunks(fp, info, self.display, work, None, piece)
        except OSError as exc:
            raise InputError(display, os_message(exc)) from None

    def _load(self, head: int | None) -> bytes:
        if not self._members:
            if self._data is not None:
                return self._data if head is None else self._data[:head]
            return _read_plain(self._path, self._root_display, self._limits, head)
        work = self._budget()
        archive, info = self._locate(work)
        try:
            with archive.open() as fp:
                if head is None:
                    return read_member(fp, info, self.display, work)
                return b"".join(member_chunks(fp, info, self.display, work, head, None))
        except OSError as exc:
            raise InputError(archive.display, os_message(exc)) from None

    def _budget(self) -> WorkBudget:
        # An entry made by hand, or unpickled alone, gets a budget of its own.
        return self._work if self._work is not None else WorkBudget(self._limits)

    def _locate(self, work: WorkBudget) -> tuple[ZipArchive, zipfile.ZipInfo]:
        """The (cached) archive holding this entry's bytes, and the entry's record in it."""
        archive = work.archive(self._path, self._root_display, self._members[:-1], self._data)
        info = archive.lookup(self._members[-1])
        check_member(info, self.display, self._limits)
        if info.file_size != self.size:
            raise InputError(self.display, "archive changed since it was listed")
        return archive, info


def collect_entries(
    paths: Sequence[str | os.PathLike[str] | InMemory] | str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS
) -> list[Entry]:
    """Every importable file under ``paths``, zips expanded in memory, junk skipped, checks applied.

    Each path may be a zip (recognised by its first bytes, not its name), a folder (walked recursively in
    sorted order; symlinks leading outside it are not followed) or a single file. Entries come back in the
    order of ``paths``, each path's entries sorted by their path components. The same file reached twice
    is listed once. Office documents (an .xlsx is a zip) are kept whole, not expanded. A single path is
    accepted in place of a sequence.

    The entries share one work budget (see :class:`Limits`) for the listing and all their later reads.

    Raises :class:`InputError` for the first file that is missing, unreadable, corrupt or suspicious.

    Example::

        >>> [e.basename for e in collect_entries(["export/"])]  # doctest: +SKIP
        ['Streaming_History_Audio_2023.json', 'Streaming_History_Video_2023.json']
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]  # one path, not a sequence of one-character paths
    collector = _Collector(limits)
    for path in paths:
        if isinstance(path, InMemory):
            collector.add_memory(path)
        else:
            collector.add_path(os.fspath(path))
    return collector.entries


# --- collection ---------------------------------------------------------------------------------------------


class _Collector:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.work = WorkBudget(limits)
        self.entries: list[Entry] = []
        self.total = 0
        self.seen: set[tuple[str, tuple[str, ...]]] = set()

    def add(self, entry: Entry) -> None:
        key = (entry._path, entry._members)
        if key in self.seen:
            return
        self.seen.add(key)
        if len(self.entries) >= self.limits.max_files:
            raise InputError(entry._root_display, f"import has more than {self.limits.max_files} files (work limit)")
        self.total += entry.size
        if self.total > self.limits.max_total_bytes:
            raise InputError(
                entry.display,
                f"import would read {self.total} bytes uncompressed (limit {self.limits.max_total_bytes})",
            )
        self.entries.append(entry)

    def add_path(self, display: str) -> None:
        try:
            st = os.stat(display)
        except OSError as exc:
            raise InputError(display, os_message(exc)) from None
        if stat.S_ISDIR(st.st_mode):
            root = os.path.realpath(display)
            self._walk(display, root, root)
        elif stat.S_ISREG(st.st_mode):
            self._add_file(display, os.path.realpath(display), st.st_size)
        else:
            raise InputError(display, "not a regular file or folder")

    def add_memory(self, item: InMemory) -> None:
        # A key no real path can have: the same upload given twice is listed once, two uploads are two.
        real = f"<memory {id(item.data)}>"
        display = item.name
        if item.data[:4] in ZIP_MAGIC and self._expand_zip(real, display, (), 1, item.data):
            return
        if len(item.data) > self.limits.max_entry_bytes:
            raise InputError(display, f"file is larger than {self.limits.max_entry_bytes} bytes")
        self.add(Entry(display, os.path.basename(display), len(item.data), real, display, (), self.limits,
                       item.data, self.work))

    def _walk(self, display: str, real: str, root: str) -> None:
        try:
            with os.scandir(real) as it:
                children = sorted(it, key=lambda d: d.name)
        except OSError as exc:
            raise InputError(display, os_message(exc)) from None
        for child in children:
            if _is_junk(child.name):
                continue
            child_display = os.path.join(display, child.name)
            try:
                if child.is_symlink():
                    target = os.path.realpath(child.path)
                    if not _is_within(target, root):
                        continue  # a link out of the folder could pull in anything on the machine
                    st = os.stat(target)
                    if stat.S_ISDIR(st.st_mode):
                        continue  # its target is walked in its own place; following could loop forever
                else:
                    target = child.path
                    st = child.stat(follow_symlinks=False)
            except OSError as exc:
                raise InputError(child_display, os_message(exc)) from None
            if stat.S_ISDIR(st.st_mode):
                self._walk(child_display, target, root)
            elif stat.S_ISREG(st.st_mode):
                self._add_file(child_display, os.path.realpath(target), st.st_size)
            # sockets, FIFOs and devices are not export files, and reading a FIFO would block

    def _add_file(self, display: str, real: str, size: int) -> None:
        try:
            with open(real, "rb") as f:
                magic = f.read(4)
        except OSError as exc:
            raise InputError(display, os_message(exc)) from None
        if magic in ZIP_MAGIC and self._expand_zip(real, display, (), 1, None):
            return
        if size > self.limits.max_entry_bytes:
            raise InputError(display, f"file is {size} bytes (limit {self.limits.max_entry_bytes})")
        self.add(Entry(display, os.path.basename(display), size, real, display, (), self.limits, None, self.work))

    def _expand_zip(self, real: str, root_display: str, members: tuple[str, ...], depth: int,
                    data: bytes | None) -> bool:
        """Add the members of the zip at ``members`` in ``real``. False if it is an office document, to be kept
        whole."""
        archive = self.work.archive(real, root_display, members, data)
        if _is_office_document(archive.infos):
            self.work.forget(real, members)
            return False
        kept = [
            i for i in archive.infos if not i.is_dir() and not any(_is_junk(p) for p in i.filename.split("/"))
        ]
        kept.sort(key=lambda i: i.filename.split("/"))
        for info in kept:
            member_display = f"{archive.display}:{info.filename}"
            check_member(info, member_display, self.limits)
            chain = (*members, info.filename)
            if _peek(archive, info, member_display, self.work) in ZIP_MAGIC:
                if depth + 1 > self.limits.max_depth:
                    raise InputError(member_display, f"zip nested more than {self.limits.max_depth} levels deep")
                if self._expand_zip(real, root_display, chain, depth + 1, data):
                    continue
            basename = info.filename.rsplit("/", 1)[-1]
            self.add(Entry(member_display, basename, info.file_size, real, root_display, chain, self.limits, data,
                           self.work))
        return True


def _peek(archive: ZipArchive, info: zipfile.ZipInfo, display: str, work: WorkBudget) -> bytes:
    """The first bytes of a member: enough to tell a zip inside the zip."""
    try:
        with archive.open() as fp:
            return b"".join(member_chunks(fp, info, display, work, 4, None))
    except OSError as exc:
        raise InputError(archive.display, os_message(exc)) from None


def _is_junk(name: str) -> bool:
    # Dot-names cover .DS_Store, AppleDouble "._x" files and hidden folders such as .git; a bare "." is the
    # harmless "./" prefix some zip tools write.
    return (name.startswith(".") and name != ".") or name.lower() in _JUNK_NAMES


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _is_office_document(infos: list[zipfile.ZipInfo]) -> bool:
    # An .xlsx (Deezer's export), .docx or .ods is a zip, but its parser needs the whole file.
    names = {i.filename for i in infos}
    return "[Content_Types].xml" in names or (bool(infos) and infos[0].filename == "mimetype")


# --- reading ------------------------------------------------------------------------------------------------


def _read_plain(path: str, display: str, limits: Limits, head: int | None) -> bytes:
    cap = limits.max_entry_bytes
    try:
        with open(path, "rb") as f:
            data = f.read(cap + 1 if head is None else min(head, cap + 1))
    except OSError as exc:
        raise InputError(display, os_message(exc)) from None
    if len(data) > cap:
        raise InputError(display, f"file is larger than {cap} bytes")
    return data


def _plain_chunks(path: str, display: str, limits: Limits, piece: int) -> Iterator[bytes]:
    cap = limits.max_entry_bytes
    produced = 0
    try:
        with open(path, "rb") as f:
            while data := f.read(piece):
                produced += len(data)
                if produced > cap:
                    raise InputError(display, f"file is larger than {cap} bytes")
                yield data
    except OSError as exc:
        raise InputError(display, os_message(exc)) from None


