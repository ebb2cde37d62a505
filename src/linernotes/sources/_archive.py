"""Safe enumeration and reading of import inputs: zips as downloaded, unpacked folders, single files.

Nothing is ever extracted to disk: the raw exports hold IP addresses and usernames, which must never reach a
temporary file. Every byte is read into memory, with hard caps applied *while* decompressing, because the
sizes a zip declares are attacker-controlled.

Typical use::

    entries = collect_entries(["~/Downloads/my_spotify_data.zip", "scrobbles.csv"])
    for entry in entries:
        print(entry.display)  # "/home/a/my_spotify_data.zip:Spotify Extended Streaming History/Stre..."
        data = entry.read()  # whole content as bytes, or InputError

:class:`Entry` objects are small, frozen and picklable: they store paths and member names, never open
handles, so an importer can send them to a process pool whose workers call :meth:`Entry.read`.

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
import zipfile
import zlib
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
_EOCD = struct.Struct("<4s4H2LH")
_CHUNK = 4 << 20  # compressed bytes per read; real export members are 1-2 MB compressed
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


@dataclass(frozen=True)
class Limits:
    """Caps that keep a hostile or broken archive from exhausting memory or time.

    Example::

        collect_entries(["export.zip"], Limits(max_entries=100))
    """

    max_entries: int = 20_000  # per archive
    max_entry_bytes: int = 2 * 1024**3  # uncompressed, per member or file
    max_total_bytes: int = 16 * 1024**3  # uncompressed, per import (one collect_entries call)
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

    def read(self) -> bytes:
        """The whole content. Decompression stops as soon as the output passes the declared size.

        Example::

            orjson.loads(entry.read())
        """
        return self._load(None)

    def head(self, n: int = 65536) -> bytes:
        """The first ``n`` bytes (fewer if the entry is shorter), decompressing only what that needs.

        A member of a nested zip needs the whole inner zip in memory first.

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
        display = self._root_display
        try:
            with self._open() as f:
                fp, zf, info, display = self._locate(f)
                yield from _member_chunks(fp, zf, info, display, None, piece)
        except OSError as exc:
            raise InputError(display, _os_message(exc)) from None

    def _load(self, head: int | None) -> bytes:
        if not self._members:
            if self._data is not None:
                return self._data if head is None else self._data[:head]
            return _read_plain(self._path, self._root_display, self._limits, head)
        display = self._root_display
        try:
            with self._open() as f:
                fp, zf, info, display = self._locate(f)
                return _read_member(fp, zf, info, display, head)
        except OSError as exc:
            raise InputError(display, _os_message(exc)) from None

    def _open(self) -> BinaryIO:
        return io.BytesIO(self._data) if self._data is not None else open(self._path, "rb")

    def _locate(self, f: BinaryIO) -> tuple[BinaryIO, zipfile.ZipFile, zipfile.ZipInfo, str]:
        """Walk the chain of members down to this entry: the stream, zip and record holding its bytes,
        and its display name. Inner zips are read whole into memory."""
        fp, display = f, self._root_display
        last = len(self._members) - 1
        for depth, member in enumerate(self._members):
            try:
                zf = _open_zip(fp, display)
                info = _lookup(zf, member, display)
            except OSError as exc:
                raise InputError(display, _os_message(exc)) from None
            member_display = f"{display}:{member}"
            _check_member(info, member_display, self._limits)
            if depth == last:
                if info.file_size != self.size:
                    raise InputError(member_display, "archive changed since it was listed")
                return fp, zf, info, member_display
            fp, display = io.BytesIO(_read_member(fp, zf, info, member_display, None)), member_display
        raise AssertionError("unreachable: _members is not empty")


def collect_entries(
    paths: Sequence[str | os.PathLike[str] | InMemory] | str | os.PathLike[str], limits: Limits = Limits()
) -> list[Entry]:
    """Every importable file under ``paths``, zips expanded in memory, junk skipped, checks applied.

    Each path may be a zip (recognised by its first bytes, not its name), a folder (walked recursively in
    sorted order; symlinks leading outside it are not followed) or a single file. Entries come back in the
    order of ``paths``, each path's entries sorted by their path components. The same file reached twice
    is listed once. Office documents (an .xlsx is a zip) are kept whole, not expanded. A single path is
    accepted in place of a sequence.

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
        self.entries: list[Entry] = []
        self.total = 0
        self.seen: set[tuple[str, tuple[str, ...]]] = set()

    def add(self, entry: Entry) -> None:
        key = (entry._path, entry._members)
        if key in self.seen:
            return
        self.seen.add(key)
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
        try:
            if item.data[:4] in _ZIP_MAGIC and self._expand_zip(io.BytesIO(item.data), display, real, display, (), 1,
                                                                 item.data):
                return
        except OSError as exc:
            raise InputError(display, _os_message(exc)) from None
        if len(item.data) > self.limits.max_entry_bytes:
            raise InputError(display, f"file is larger than {self.limits.max_entry_bytes} bytes")
        self.add(Entry(display, os.path.basename(display), len(item.data), real, display, (), self.limits,
                       item.data))

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
                if f.read(4) in _ZIP_MAGIC:
                    f.seek(0)
                    if self._expand_zip(f, display, real, display, (), 1):
                        return
        except OSError as exc:
            raise InputError(display, _os_message(exc)) from None
        if size > self.limits.max_entry_bytes:
            raise InputError(display, f"file is {size} bytes (limit {self.limits.max_entry_bytes})")
        self.add(Entry(display, os.path.basename(display), size, real, display, (), self.limits))

    def _expand_zip(
        self, fp: BinaryIO, display: str, real: str, root_display: str, members: tuple[str, ...], depth: int,
        data: bytes | None = None,
    ) -> bool:
        """Add the members of the zip in ``fp``. False if it is an office document, to be kept whole."""
        if depth > self.limits.max_depth:
            raise InputError(display, f"zip nested more than {self.limits.max_depth} levels deep")
        try:
            zf = _open_zip(fp, display, self.limits.max_entries)
            infos = _validate_archive(fp, zf, display)
            if _is_office_document(infos):
                return False
            kept = [
                i for i in infos if not i.is_dir() and not any(_is_junk(p) for p in i.filename.split("/"))
            ]
            kept.sort(key=lambda i: i.filename.split("/"))
            for info in kept:
                member_display = f"{display}:{info.filename}"
                _check_member(info, member_display, self.limits)
                chain = (*members, info.filename)
                if _read_member(fp, zf, info, member_display, 4) in _ZIP_MAGIC:
                    inner = io.BytesIO(_read_member(fp, zf, info, member_display, None))
                    if self._expand_zip(inner, member_display, real, root_display, chain, depth + 1, data):
                        continue
                basename = info.filename.rsplit("/", 1)[-1]
                self.add(
                    Entry(member_display, basename, info.file_size, real, root_display, chain, self.limits, data)
                )
        except _CORRUPTION:
            raise InputError(display, "not a valid zip archive (truncated or corrupt)") from None
        return True


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


def _open_zip(fp: BinaryIO, display: str, max_entries: int | None = None) -> zipfile.ZipFile:
    if max_entries is not None:
        # Refuse a huge central directory before zipfile builds a ZipInfo for every record.
        declared = _declared_entry_count(fp)
        if declared is not None and declared > max_entries:
            raise InputError(display, f"archive has {declared} entries (limit {max_entries})")
    try:
        zf = zipfile.ZipFile(fp)
    except _CORRUPTION:
        raise InputError(display, "not a valid zip archive (truncated or corrupt)") from None
    if max_entries is not None and len(zf.infolist()) > max_entries:
        raise InputError(display, f"archive has {len(zf.infolist())} entries (limit {max_entries})")
    return zf


def _declared_entry_count(fp: BinaryIO) -> int | None:
    """The entry count in the end-of-central-directory record, or None (zip64, or no record found)."""
    end = fp.seek(0, os.SEEK_END)
    start = max(0, end - (_EOCD.size + 0xFFFF))
    fp.seek(start)
    tail = fp.read(end - start)
    fp.seek(0)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < _EOCD.size:
        return None
    total = _EOCD.unpack_from(tail, pos)[4]
    return None if total == 0xFFFF else int(total)


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


def _read_member(
    fp: BinaryIO, zf: zipfile.ZipFile, info: zipfile.ZipInfo, display: str, head: int | None
) -> bytes:
    """Decompress one member with output capped at its declared size; ``head`` stops after that many bytes."""
    return b"".join(_member_chunks(fp, zf, info, display, head, None))


def _member_chunks(
    fp: BinaryIO, zf: zipfile.ZipFile, info: zipfile.ZipInfo, display: str, head: int | None, piece: int | None
) -> Iterator[bytes]:
    """One member's bytes, decompressed piece by piece (``piece`` None: as they come), CRC checked at the
    end of a whole read.

    Stored and deflate members (all real exports) are decoded here rather than by ``ZipFile.open``, which
    silently truncates a stream longer than declared; we want such a lying header reported.
    """
    crc = 0
    try:
        if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            start = _data_offset(fp, info, display)
            pieces = _inflate_chunks(fp, info, start, display, head, piece)
        else:
            pieces = _zipfile_chunks(zf, info, display, head, piece)
        for data in pieces:
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
    while not inflater.eof and produced < limit:
        if inflater.unconsumed_tail:
            feed = inflater.unconsumed_tail
        elif left_in > 0:
            # A streaming reader holds one compressed read at a time: keep it to the size of a piece.
            feed = fp.read(min(piece or _CHUNK, _CHUNK, left_in))
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
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, display: str, head: int | None, piece: int | None
) -> Iterator[bytes]:
    # ZipExtFile never returns more than file_size bytes and checks the CRC at the end, so bzip2/lzma
    # members stay bounded even though we cannot see a stream that runs long.
    want = info.file_size if head is None else min(head, info.file_size)
    got = 0
    with zf.open(info) as member:
        while got < want:
            data = member.read(min(piece or want, want - got))
            if not data:
                break
            got += len(data)
            yield data
        if head is None:
            member.read(1)  # reaching EOF triggers ZipExtFile's CRC check
    if got != want:
        raise InputError(display, "corrupt zip member (shorter than its header declares)")


def _lookup(zf: zipfile.ZipFile, member: str, display: str) -> zipfile.ZipInfo:
    try:
        return zf.getinfo(member)
    except KeyError:
        raise InputError(display, f"archive changed since it was listed ({member} is gone)") from None


def _os_message(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "path does not exist"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, expected a file"
    return f"cannot read ({exc.strerror or type(exc).__name__})"
