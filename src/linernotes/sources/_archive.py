"""Safe enumeration and reading of import inputs: zips as downloaded, unpacked folders, single files.

Nothing is ever extracted to disk: the raw exports hold IP addresses and usernames, which must never reach a
temporary file. Members are decompressed in memory, with hard caps applied *while* decompressing, because
the sizes a zip declares are attacker-controlled; a consumer that streams (:meth:`Entry.chunks`) holds one
piece at a time.

One import — a :func:`collect_entries` call and every read of the entries it returns — shares one work
budget (:class:`Limits`): archive records listed and bytes decompressed, at every level of nesting. Each zip's
central directory is counted from its end records before :mod:`zipfile` parses it, and parsed once per
import however many entries it has; a zip inside a zip is decompressed once and kept in memory (up to a cap)
while its members are read. Re-opening archives for every entry made the cost quadratic in their size.

Typical use::

    entries = collect_entries(["~/Downloads/my_spotify_data.zip", "scrobbles.csv"])
    for entry in entries:
        print(entry.display)  # "/home/a/my_spotify_data.zip:Spotify Extended Streaming History/Stre..."
        data = entry.read()  # whole content as bytes, or InputError

:class:`Entry` objects are small, frozen and picklable: they store paths and member names, never open
handles, so an importer can send them to a process pool whose workers call :meth:`Entry.read`. An entry
that crosses to another process starts a fresh budget and cache there.

Every failure is an :class:`~linernotes.errors.InputError` naming the offending file; no exception from
``zipfile``, ``zlib`` or the OS escapes with its raw message.
"""

from __future__ import annotations

import io
import itertools
import lzma
import os
import stat
import struct
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, cast

# ISA-L's inflate and CRC are zlib's, several times faster: unzip is half the floor of an import.
from isal import isal_zlib

from linernotes.errors import InputError

__all__ = ["Entry", "InMemory", "Limits", "collect_entries"]

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or the end record of an empty zip
# signature, version, flags, method, time, date, crc, compressed size, size, name length, extra length
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
# A central directory record (zipfile's structCentralDir) and where its three variable lengths are.
_CENTRAL_RECORD = struct.Struct("<4s4B4HL2L5H2L")
_CD_NAME_LENGTH, _CD_EXTRA_LENGTH, _CD_COMMENT_LENGTH = 12, 13, 14
_CENTRAL_MAGIC = b"PK\x01\x02"
# Fields of zipfile's end record list (zipfile._ECD_*), zip64 values already substituted by zipfile.
_ECD_SIGNATURE, _ECD_ENTRIES_TOTAL, _ECD_SIZE, _ECD_OFFSET, _ECD_LOCATION = 0, 4, 5, 6, 9
_ZIP64_END_RECORDS = 56 + 20  # the zip64 end record and its locator, between the directory and the end record
_CHUNK = 4 << 20  # compressed bytes per read; real export members are 1-2 MB compressed
_HEAD_FEED = 64 << 10  # compressed bytes per read when only the first bytes of a member are wanted
_FLAG_ENCRYPTED = 0x1
_FLAG_STRONG_ENCRYPTION = 0x40
_FLAG_UTF8 = 0x800
# Deflate tops out near 1032x, so tiny members (a 10 KB run of spaces, a mostly-zero .DS_Store) can exceed any
# sane ratio while being harmless; the ratio check only matters where the expansion could hurt.
_RATIO_MIN_BYTES = 1 << 20
_JUNK_NAMES = frozenset({"__macosx", "thumbs.db", "desktop.ini"})
_READABLE_METHODS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}
# isal's stub declares `error` as an instance; it is the exception class.
_ISAL_ERROR = cast(type[Exception], isal_zlib.error)
# The OS errors are wrapped by _os_message; these are what zipfile and the decompressors raise on bad bytes.
_CORRUPTION = (
    zipfile.BadZipFile,
    zlib.error,
    _ISAL_ERROR,
    EOFError,
    RuntimeError,
    NotImplementedError,
    ValueError,  # includes UnicodeDecodeError on a mangled member name
    struct.error,
    lzma.LZMAError,
)
_GiB = 1024**3


@dataclass(frozen=True)
class Limits:
    """Caps that keep a hostile or broken archive from exhausting memory or time.

    The ``max_total_*`` and ``max_inflated_bytes`` caps are one import's work budget: they hold across
    every path given to :func:`collect_entries`, every level of nesting, and every later read of the
    entries it returns.

    Example::

        collect_entries(["export.zip"], Limits(max_entries=100))
    """

    max_entries: int = 20_000  # records in one archive's central directory
    max_total_entries: int = 20_000  # records in every archive of one import, nested ones included
    # Files one import may hold (zip members and files in folders, junk not counted). Each costs a few
    # milliseconds to detect, stage and record, so this bounds an import of tiny files to seconds; the
    # largest real exports have a few hundred (ListenBrainz: one per month).
    max_files: int = 2_000
    max_entry_bytes: int = 2 * _GiB  # uncompressed, per member or file
    max_total_bytes: int = 8 * _GiB  # uncompressed, the files to import together (their declared sizes)
    # Every byte decompressed in one import, at every level, reads and re-reads included: room for each file
    # read twice (the fast path, then the careful one) plus the inner zips and the first bytes of each.
    max_inflated_bytes: int = 20 * _GiB
    max_inner_zip_bytes: int = 256 * 1024**2  # a zip inside a zip is held in memory while it is read
    max_directory_bytes: int = 32 * 1024**2  # one central directory, read whole before it is parsed
    max_ratio: float = 200.0  # uncompressed / compressed per member; real JSON exports compress ~20-30x
    max_depth: int = 2  # 1 = the zip you downloaded, 2 = a zip inside it


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
    _limits: Limits = field(default=Limits(), repr=False)
    _data: bytes | None = field(default=None, repr=False, compare=False)  # the bytes of an InMemory input
    # The import's budget and archive cache, shared by every entry of one collect_entries call.
    _work: _Work | None = field(default=None, repr=False, compare=False)

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
                yield from _member_chunks(fp, info, self.display, work, None, piece)
        except OSError as exc:
            raise InputError(display, _os_message(exc)) from None

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
                    return _read_whole(fp, info, self.display, work)
                return b"".join(_member_chunks(fp, info, self.display, work, head, None))
        except OSError as exc:
            raise InputError(archive.display, _os_message(exc)) from None

    def _budget(self) -> _Work:
        # An entry made by hand, or unpickled alone, gets a budget of its own.
        return self._work if self._work is not None else _Work(self._limits)

    def _locate(self, work: _Work) -> tuple[_Archive, zipfile.ZipInfo]:
        """The (cached) archive holding this entry's bytes, and the entry's record in it."""
        archive = work.archive(self._path, self._root_display, self._members[:-1], self._data)
        info = archive.lookup(self._members[-1])
        _check_member(info, self.display, self._limits)
        if info.file_size != self.size:
            raise InputError(self.display, "archive changed since it was listed")
        return archive, info


def collect_entries(
    paths: Sequence[str | os.PathLike[str] | InMemory] | str | os.PathLike[str], limits: Limits = Limits()
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


# --- the work budget and the archives opened so far ---------------------------------------------------------


@dataclass
class _Archive:
    """A zip listed once per import: its checked records, and its bytes when they are in memory (a zip
    inside a zip, an upload). Never an open file: each read opens its own, so threads can share it."""

    display: str
    path: str
    data: bytes | None  # None: the file at ``path``
    identity: tuple[int, ...] | None  # the file's (device, inode, size, mtime) when listed
    infos: list[zipfile.ZipInfo]  # every record, in central directory order
    by_name: dict[str, zipfile.ZipInfo] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name = {info.filename: info for info in self.infos}  # names were checked unique

    def open(self) -> BinaryIO:
        if self.data is not None:
            return io.BytesIO(self.data)  # shares the bytes, no copy
        f = open(self.path, "rb")  # noqa: SIM115 -- the caller closes it (with archive.open() as fp)
        if _identity(os.fstat(f.fileno())) != self.identity:
            f.close()
            raise InputError(self.display, "archive changed since it was listed")
        return f

    def lookup(self, member: str) -> zipfile.ZipInfo:
        try:
            return self.by_name[member]
        except KeyError:
            raise InputError(self.display, f"archive changed since it was listed ({member} is gone)") from None


class _Work:
    """One import's budget (records listed, bytes decompressed) and the archives it has listed.

    Shared by every entry of a :func:`collect_entries` call and used from staging's threads, hence the
    locks. Archives are listed once; zips inside zips stay in memory up to ``max_inner_zip_bytes`` in all,
    the least recently used dropped first (and decompressed again, within the budget, if needed again).
    Pickled (an entry sent to another process) it arrives empty, with the same limits.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.entries = 0  # central directory records counted
        self.inflated = 0  # bytes decompressed
        self._over: str | None = None  # once the budget is spent, every later read fails the same way
        self._count_lock = threading.Lock()
        self._build_lock = threading.RLock()  # one thread builds an archive; the others wait and reuse it
        self._archives: dict[tuple[str, tuple[str, ...]], _Archive] = {}
        self._inner: OrderedDict[tuple[str, tuple[str, ...]], int] = OrderedDict()  # cached inner zips, LRU
        self._listed: set[tuple[str, tuple[str, ...]]] = set()  # counted once, even if listed again

    def __reduce__(self) -> tuple[type[_Work], tuple[Limits]]:
        return _Work, (self.limits,)

    def spend(self, n: int, display: str) -> None:
        """Count ``n`` more bytes decompressed; refuse past the budget."""
        with self._count_lock:
            self.inflated += n
            if self.inflated > self.limits.max_inflated_bytes and self._over is None:
                self._over = (f"import would decompress more than {self.limits.max_inflated_bytes} bytes "
                              "(work limit)")
            over = self._over
        if over is not None:
            raise InputError(display, over)

    def entries_allowed(self, key: tuple[str, tuple[str, ...]]) -> int:
        """How many records the archive at ``key`` may have: the rest of the budget, unless already counted."""
        if key in self._listed:
            return self.limits.max_entries
        return min(self.limits.max_entries, self.limits.max_total_entries - self.entries)

    def count_entries(self, key: tuple[str, tuple[str, ...]], n: int, display: str) -> None:
        with self._count_lock:
            if key in self._listed:
                return
            self._listed.add(key)
            self.entries += n
            if self.entries > self.limits.max_total_entries:
                raise InputError(display, f"import has more than {self.limits.max_total_entries} archive "
                                          "entries in all (work limit)")

    def archive(self, path: str, display: str, members: tuple[str, ...], data: bytes | None) -> _Archive:
        """The archive at ``members`` inside the file at ``path`` (its outermost zip for ``()``), listed and
        checked the first time it is asked for. ``display`` names the outermost file."""
        key = (path, members)
        with self._build_lock:
            found = self._archives.get(key)
            if found is not None:
                if key in self._inner:
                    self._inner.move_to_end(key)
                return found
            if not members:
                archive = self._open_outer(path, display, data)
            else:
                parent = self.archive(path, display, members[:-1], data)
                archive = self._open_inner(parent, key, members[-1])
            self._archives[key] = archive
            return archive

    def forget(self, path: str, members: tuple[str, ...]) -> None:
        """Drop a listed zip from memory (it turned out to be a document, read whole like a file)."""
        key = (path, members)
        with self._build_lock:
            self._archives.pop(key, None)
            self._inner.pop(key, None)

    def _open_outer(self, path: str, display: str, data: bytes | None) -> _Archive:
        key: tuple[str, tuple[str, ...]] = (path, ())
        try:
            if data is not None:
                return _Archive(display, path, data, None, _list_zip(io.BytesIO(data), display, self, key))
            with open(path, "rb") as f:
                identity = _identity(os.fstat(f.fileno()))
                return _Archive(display, path, None, identity, _list_zip(f, display, self, key))
        except OSError as exc:
            raise InputError(display, _os_message(exc)) from None

    def _open_inner(self, parent: _Archive, key: tuple[str, tuple[str, ...]], member: str) -> _Archive:
        display = f"{parent.display}:{member}"
        info = parent.lookup(member)
        _check_member(info, display, self.limits)
        cap = self.limits.max_inner_zip_bytes
        if info.file_size > cap:
            raise InputError(display, f"zip inside a zip is {info.file_size} bytes uncompressed (limit {cap})")
        # Make room first: the zips kept in memory never add up to more than the cap.
        while self._inner and sum(self._inner.values()) + info.file_size > cap:
            old, _ = self._inner.popitem(last=False)
            self._archives.pop(old, None)
        try:
            with parent.open() as fp:
                data = _read_whole(fp, info, display, self)
        except OSError as exc:
            raise InputError(parent.display, _os_message(exc)) from None
        archive = _Archive(display, parent.path, data, None, _list_zip(io.BytesIO(data), display, self, key))
        self._inner[key] = len(data)
        return archive


def _identity(st: os.stat_result) -> tuple[int, ...]:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


# --- collection ---------------------------------------------------------------------------------------------


class _Collector:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.work = _Work(limits)
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
            raise InputError(display, _os_message(exc)) from None
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
        if item.data[:4] in _ZIP_MAGIC and self._expand_zip(real, display, (), 1, item.data):
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
            raise InputError(display, _os_message(exc)) from None
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
                raise InputError(child_display, _os_message(exc)) from None
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
            raise InputError(display, _os_message(exc)) from None
        if magic in _ZIP_MAGIC and self._expand_zip(real, display, (), 1, None):
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
            _check_member(info, member_display, self.limits)
            chain = (*members, info.filename)
            if _peek(archive, info, member_display, self.work) in _ZIP_MAGIC:
                if depth + 1 > self.limits.max_depth:
                    raise InputError(member_display, f"zip nested more than {self.limits.max_depth} levels deep")
                if self._expand_zip(real, root_display, chain, depth + 1, data):
                    continue
            basename = info.filename.rsplit("/", 1)[-1]
            self.add(Entry(member_display, basename, info.file_size, real, root_display, chain, self.limits, data,
                           self.work))
        return True


def _peek(archive: _Archive, info: zipfile.ZipInfo, display: str, work: _Work) -> bytes:
    """The first bytes of a member: enough to tell a zip inside the zip."""
    try:
        with archive.open() as fp:
            return b"".join(_member_chunks(fp, info, display, work, 4, None))
    except OSError as exc:
        raise InputError(archive.display, _os_message(exc)) from None


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


# --- zip checks ---------------------------------------------------------------------------------------------


def _list_zip(fp: BinaryIO, display: str, work: _Work, key: tuple[str, tuple[str, ...]]) -> list[zipfile.ZipInfo]:
    """Every record of the zip in ``fp``, checked; counted against the budget before zipfile parses them."""
    try:
        work.count_entries(key, _count_records(fp, display, work.limits, work.entries_allowed(key)), display)
        zf = zipfile.ZipFile(fp)
        return _validate_archive(fp, zf, display)
    except _CORRUPTION:
        raise InputError(display, "not a valid zip archive (truncated or corrupt)") from None


def _count_records(fp: BinaryIO, display: str, limits: Limits, most: int) -> int:
    """How many records zipfile would parse (counting stops past ``most``), from the end records and a walk
    over the directory's record headers, refusing an archive above the limits before anything is parsed:
    zipfile builds a ZipInfo for every record (a zip64 end record declaring 600,000 entries cost 455 MB
    before the old count, made after parsing, refused it).

    The end record is found by zipfile's own search, so both read the same one; 0 when there is none
    (zipfile then reports the archive as not a zip).
    """
    end = zipfile._EndRecData(fp)  # type: ignore[attr-defined]  # with the zip64 end record's values
    if not end:
        return 0
    declared, size = int(end[_ECD_ENTRIES_TOTAL]), int(end[_ECD_SIZE])
    if declared > limits.max_entries:
        raise InputError(display, f"archive has {declared} entries (limit {limits.max_entries})")
    if size > limits.max_directory_bytes:
        raise InputError(display, f"archive's central directory is {size} bytes "
                                  f"(limit {limits.max_directory_bytes})")
    # Where zipfile will look: the directory ends where the end records begin (data may precede the zip).
    start = int(end[_ECD_LOCATION]) - size
    if end[_ECD_SIGNATURE] == b"PK\x06\x06":
        start -= _ZIP64_END_RECORDS
    if start < 0:
        return 0  # zipfile refuses it
    fp.seek(start)
    directory = fp.read(size)
    fp.seek(0)
    # The records chain by their own lengths, whatever the end record declares: walk them as zipfile will.
    count = pos = 0
    while pos < size and pos + _CENTRAL_RECORD.size <= len(directory) and count <= most:
        record = _CENTRAL_RECORD.unpack_from(directory, pos)
        if record[0] != _CENTRAL_MAGIC:
            break  # zipfile stops here too, with an error
        count += 1
        pos += _CENTRAL_RECORD.size + record[_CD_NAME_LENGTH] + record[_CD_EXTRA_LENGTH] + record[_CD_COMMENT_LENGTH]
    if count > limits.max_entries:
        raise InputError(display, f"archive has more than {limits.max_entries} entries (limit {limits.max_entries})")
    return count


def _validate_archive(fp: BinaryIO, zf: zipfile.ZipFile, display: str) -> list[zipfile.ZipInfo]:
    """Structural checks on every record, junk included: names, overlapping data, duplicates."""
    infos = zf.infolist()
    end_of_data = getattr(zf, "start_dir", None)
    if end_of_data is None:
        end_of_data = fp.seek(0, os.SEEK_END)
    spans: list[tuple[int, int, str]] = []
    local_names: list[str] = []
    for info in infos:
        problem = _name_problem(info.orig_filename)
        if problem:
            raise InputError(display, f"{problem}: {info.orig_filename}")
        data_offset, local_name = _local_header(fp, info, display)
        stop = data_offset + info.compress_size
        if stop > end_of_data:
            raise InputError(display, f"not a valid zip archive (entry {info.filename} runs past its data)")
        spans.append((info.header_offset, stop, info.filename))
        local_names.append(local_name)
    # Python 3.11's zipfile lets many records share one local header and data stream ("better zip bomb").
    # Checked before names, since a bomb's records may also disagree with the header they point at.
    spans.sort()
    for (_, prev_stop, prev_name), (start, _, name) in itertools.pairwise(spans):
        if start < prev_stop:
            raise InputError(display, f"overlapping zip entries {prev_name}, {name} (a zip bomb technique)")
    names: set[str] = set()
    for info, local_name in zip(infos, local_names, strict=True):
        if info.filename in names:
            # zipfile would silently serve only the last one
            raise InputError(display, f"duplicate entry name in archive: {info.filename}")
        names.add(info.filename)
        if local_name != info.orig_filename:
            raise InputError(display, f"not a valid zip archive (header names disagree for {info.filename})")
    return infos


def _name_problem(name: str) -> str | None:
    if "\x00" in name:
        return "entry name contains a NUL byte"
    normal = name.replace("\\", "/")
    parts = normal.split("/")
    if normal.startswith("/") or (len(normal) >= 2 and normal[1] == ":" and normal[0].isalpha()):
        return "entry name is an absolute path"
    if ".." in parts:
        return "entry name escapes the archive folder"
    return None


def _local_header(fp: BinaryIO, info: zipfile.ZipInfo, display: str) -> tuple[int, str]:
    """Where the member's compressed bytes start (the local extra field may differ from the central one),
    and the name the local header gives."""
    fp.seek(info.header_offset)
    raw = fp.read(_LOCAL_HEADER.size)
    if len(raw) != _LOCAL_HEADER.size:
        raise InputError(display, "not a valid zip archive (truncated or corrupt)")
    sig, _, flags, _, _, _, _, _, _, name_len, extra_len = _LOCAL_HEADER.unpack(raw)
    if sig != b"PK\x03\x04":
        raise InputError(display, f"not a valid zip archive (bad local header for {info.filename})")
    local_name = fp.read(name_len).decode("utf-8" if flags & _FLAG_UTF8 else "cp437")
    return int(info.header_offset) + _LOCAL_HEADER.size + name_len + extra_len, local_name


def _data_offset(fp: BinaryIO, info: zipfile.ZipInfo, display: str) -> int:
    offset, local_name = _local_header(fp, info, display)
    if local_name != info.orig_filename:
        raise InputError(display, f"not a valid zip archive (header names disagree for {info.filename})")
    return offset


def _check_member(info: zipfile.ZipInfo, display: str, limits: Limits) -> None:
    """Checks on a member we will decompress, from what the central directory declares."""
    if info.flag_bits & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION):
        raise InputError(display, "encrypted zip entries are not supported")
    if info.compress_type not in _READABLE_METHODS:
        raise InputError(display, f"unsupported zip compression method {info.compress_type}")
    if info.file_size > limits.max_entry_bytes:
        raise InputError(
            display, f"member is {info.file_size} bytes uncompressed (limit {limits.max_entry_bytes})"
        )
    if info.file_size > _RATIO_MIN_BYTES:
        ratio = info.file_size / max(info.compress_size, 1)
        if ratio > limits.max_ratio:
            raise InputError(display, f"zip bomb suspected: member expands {ratio:.0f}x")


# --- reading ------------------------------------------------------------------------------------------------


def _read_plain(path: str, display: str, limits: Limits, head: int | None) -> bytes:
    cap = limits.max_entry_bytes
    try:
        with open(path, "rb") as f:
            data = f.read(cap + 1 if head is None else min(head, cap + 1))
    except OSError as exc:
        raise InputError(display, _os_message(exc)) from None
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
        raise InputError(display, _os_message(exc)) from None


def _read_whole(fp: BinaryIO, info: zipfile.ZipInfo, display: str, work: _Work) -> bytes:
    """A member's whole content as one bytes object, CRC checked.

    The declared size is spent from the budget up front and caps the output. A deflate member is inflated
    in one call from its whole compressed stream, so memory holds the result once plus the compressed bytes
    (a twentieth of it for JSON), never the result twice as joining streamed pieces would.
    """
    work.spend(info.file_size, display)
    declared = info.file_size
    try:
        if info.compress_type == zipfile.ZIP_STORED:
            fp.seek(_data_offset(fp, info, display))
            if info.compress_size != declared:
                raise InputError(display, "corrupt zip member (stored sizes disagree)")
            data = fp.read(declared)
            if len(data) != declared:
                raise InputError(display, "corrupt zip member (truncated)")
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            fp.seek(_data_offset(fp, info, display))
            compressed = fp.read(info.compress_size)
            if len(compressed) != info.compress_size:
                raise InputError(display, "corrupt zip member (truncated)")
            inflater = isal_zlib.decompressobj(-zlib.MAX_WBITS)
            # One byte of room past the declared size is enough to catch a stream longer than declared.
            data = inflater.decompress(compressed, declared + 1)
            del compressed
            if len(data) > declared:
                raise InputError(display, "zip member is larger than its header declares (corrupt or malicious)")
            if len(data) != declared or not inflater.eof:
                raise InputError(display, "corrupt zip member (shorter than its header declares)")
        else:
            data = b"".join(_zipfile_chunks(fp, info, display, None, _CHUNK))
    except (*_CORRUPTION, OSError):
        raise InputError(display, "corrupt zip member") from None
    if isal_zlib.crc32(data) != info.CRC:
        raise InputError(display, "corrupt zip member (CRC check failed)")
    return data


def _member_chunks(
    fp: BinaryIO, info: zipfile.ZipInfo, display: str, work: _Work, head: int | None, piece: int | None
) -> Iterator[bytes]:
    """One member's bytes, decompressed piece by piece (``piece`` None: as they come), each piece spent from
    the budget, CRC checked at the end of a whole read.

    Stored and deflate members (all real exports) are decoded here rather than by ``ZipFile.open``, which
    silently truncates a stream longer than declared; we want such a lying header reported.
    """
    crc = 0
    try:
        if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            start = _data_offset(fp, info, display)
            pieces = _inflate_chunks(fp, info, start, display, head, piece)
        else:
            pieces = _zipfile_chunks(fp, info, display, head, piece)
        for data in pieces:
            work.spend(len(data), display)
            if head is None:
                crc = isal_zlib.crc32(data, crc)
            yield data
    except (*_CORRUPTION, OSError):
        # bz2 reports bad data as a bare OSError; a real I/O error mid-member is rare enough to share the text
        raise InputError(display, "corrupt zip member") from None
    if head is None and crc != info.CRC:
        raise InputError(display, "corrupt zip member (CRC check failed)")


def _inflate_chunks(
    fp: BinaryIO, info: zipfile.ZipInfo, start: int, display: str, head: int | None, piece: int | None
) -> Iterator[bytes]:
    declared = info.file_size
    cap = declared if head is None else min(head, declared)
    fp.seek(start)
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size != declared:
            raise InputError(display, "corrupt zip member (stored sizes disagree)")
        left = cap
        while left:
            data = fp.read(min(piece or left, left))
            if not data:
                raise InputError(display, "corrupt zip member (truncated)")
            left -= len(data)
            yield data
        return
    produced = 0
    left_in = info.compress_size
    inflater = isal_zlib.decompressobj(-zlib.MAX_WBITS)
    # One byte of room past the declared size is enough to catch a stream that is longer than declared.
    limit = declared + 1 if cap == declared else cap
    # A streaming reader holds one compressed read at a time: keep it to the size of a piece; the first
    # bytes of a member need little input.
    feed_size = min(piece or _CHUNK, _CHUNK) if head is None else _HEAD_FEED
    while not inflater.eof and produced < limit:
        if inflater.unconsumed_tail:
            feed = inflater.unconsumed_tail
        elif left_in > 0:
            feed = fp.read(min(feed_size, left_in))
            if not feed:
                raise InputError(display, "corrupt zip member (truncated)")
            left_in -= len(feed)
        else:
            feed = b""
        out = inflater.decompress(feed, min(piece or limit, limit - produced))
        produced += len(out)
        if produced > declared:
            raise InputError(display, "zip member is larger than its header declares (corrupt or malicious)")
        if out:
            yield out
        if not out and len(inflater.unconsumed_tail) >= len(feed) and left_in == 0:
            break  # no input left and no progress: the compressed stream ended early
    if head is not None and produced >= cap:
        return
    if produced != declared or not inflater.eof:
        raise InputError(display, "corrupt zip member (shorter than its header declares)")


def _zipfile_chunks(
    fp: BinaryIO, info: zipfile.ZipInfo, display: str, head: int | None, piece: int | None
) -> Iterator[bytes]:
    # bzip2 and lzma: zipfile's decoder, on our own stream positioned at the member's data (what
    # ZipFile.open does after its header checks). It never returns more than file_size bytes and checks the
    # CRC at the end, so these members stay bounded even though we cannot see a stream that runs long.
    want = info.file_size if head is None else min(head, info.file_size)
    got = 0
    fp.seek(_data_offset(fp, info, display))
    with zipfile.ZipExtFile(fp, "r", info) as member:  # type: ignore[arg-type]
        while got < want:
            data = member.read(min(piece or _CHUNK, want - got))
            if not data:
                break
            got += len(data)
            yield data
        if head is None:
            member.read(1)  # reaching EOF triggers ZipExtFile's CRC check
    if got != want:
        raise InputError(display, "corrupt zip member (shorter than its header declares)")


def _os_message(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "path does not exist"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, expected a file"
    return f"cannot read ({exc.strerror or type(exc).__name__})"
