"""A zip reader for archives nobody vouches for: zips as downloaded, zips inside them, uploads held in memory.

Nothing is ever extracted to disk: the raw exports hold IP addresses and usernames, which must never reach a
temporary file. Members are decompressed in memory, with hard caps applied *while* decompressing, because
the sizes a zip declares are attacker-controlled; a consumer that streams (:func:`member_chunks`) holds one
piece at a time.

One import shares one work budget (:class:`Limits`, spent through a :class:`WorkBudget`): archive records
listed and bytes decompressed, at every level of nesting. Each zip's central directory is counted from its
end records before :mod:`zipfile` parses it (zip64 end records included), and parsed once per import however
many entries it has; a zip inside a zip is decompressed once and kept in memory (up to a cap) while its
members are read. Re-opening archives for every entry made the cost quadratic in their size.

Every record is checked before any member is read (names, overlapping data, duplicates, encryption, method,
declared sizes and ratio); every failure is an :class:`~linernotes.errors.InputError` naming the archive or
member; no exception from ``zipfile``, ``zlib`` or the OS escapes with its raw message.

:mod:`linernotes.sources.inputs` turns paths, folders and uploads into entries read through this module.
"""

from __future__ import annotations

import io
import itertools
import lzma
import os
import struct
import threading
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, cast

# ISA-L's inflate and CRC are zlib's, several times faster: unzip is half the floor of an import.
from isal import isal_zlib

from linernotes.errors import InputError

__all__ = ["ZIP_MAGIC", "Limits", "WorkBudget", "ZipArchive", "check_member", "member_chunks", "os_message",
           "read_member"]

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header, or the end record of an empty zip
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
_READABLE_METHODS = {
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "lzma",
}
# isal's stub declares `error` as an instance; it is the exception class.
_ISAL_ERROR = cast(type[Exception], isal_zlib.error)
# The OS errors are wrapped by os_message; these are what zipfile and the decompressors raise on bad bytes.
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
    every path given to :func:`~linernotes.sources.inputs.collect_entries`, every level of nesting, and every
    later read of the entries it returns. ``max_files``, ``max_total_bytes`` and ``max_depth`` bound what
    the collection keeps; the rest bound each archive and member.

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
    # 1 = the zip you downloaded, 2 = a zip inside it, 3 = a zip inside that: Apple's export holds
    # Apple_Media_Services.zip, which holds "Apple Music Library Tracks.json.zip" and the like.
    max_depth: int = 3


# --- the work budget and the archives opened so far ---------------------------------------------------------


@dataclass
class ZipArchive:
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


class WorkBudget:
    """One import's budget (records listed, bytes decompressed) and the archives it has listed.

    Shared by every entry of a :func:`~linernotes.sources.inputs.collect_entries` call and used from
    staging's threads, hence the locks. Archives are listed once; zips inside zips stay in memory up to
    ``max_inner_zip_bytes`` in all, the least recently used dropped first (and decompressed again, within
    the budget, if needed again).
    Pickled (an entry sent to another process) it arrives empty, with the same limits.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.entries = 0  # central directory records counted
        self.inflated = 0  # bytes decompressed
        self._over: str | None = None  # once the budget is spent, every later read fails the same way
        self._count_lock = threading.Lock()
        self._build_lock = threading.RLock()  # one thread builds an archive; the others wait and reuse it
        self._archives: dict[tuple[str, tuple[str, ...]], ZipArchive] = {}
        self._inner: OrderedDict[tuple[str, tuple[str, ...]], int] = OrderedDict()  # cached inner zips, LRU
        self._listed: set[tuple[str, tuple[str, ...]]] = set()  # counted once, even if listed again

    def __reduce__(self) -> tuple[type[WorkBudget], tuple[Limits]]:
        return WorkBudget, (self.limits,)

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

    def archive(self, path: str, display: str, members: tuple[str, ...], data: bytes | None) -> ZipArchive:
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

    def _open_outer(self, path: str, display: str, data: bytes | None) -> ZipArchive:
        key: tuple[str, tuple[str, ...]] = (path, ())
        try:
            if data is not None:
                return ZipArchive(display, path, data, None, _list_zip(io.BytesIO(data), display, self, key))
            with open(path, "rb") as f:
                identity = _identity(os.fstat(f.fileno()))
                return ZipArchive(display, path, None, identity, _list_zip(f, display, self, key))
        except OSError as exc:
            raise InputError(display, os_message(exc)) from None

    def _open_inner(self, parent: ZipArchive, key: tuple[str, tuple[str, ...]], member: str) -> ZipArchive:
        display = f"{parent.display}:{member}"
        info = parent.lookup(member)
        check_member(info, display, self.limits)
        cap = self.limits.max_inner_zip_bytes
        if info.file_size > cap:
            raise InputError(display, f"zip inside a zip is {info.file_size} bytes uncompressed (limit {cap})")
        # Make room first: the zips kept in memory never add up to more than the cap.
        while self._inner and sum(self._inner.values()) + info.file_size > cap:
            old, _ = self._inner.popitem(last=False)
            self._archives.pop(old, None)
        try:
            with parent.open() as fp:
                data = read_member(fp, info, display, self)
        except OSError as exc:
            raise InputError(parent.display, os_message(exc)) from None
        archive = ZipArchive(display, parent.path, data, None, _list_zip(io.BytesIO(data), display, self, key))
        self._inner[key] = len(data)
        return archive


def _identity(st: os.stat_result) -> tuple[int, ...]:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


# --- zip checks ---------------------------------------------------------------------------------------------


def _list_zip(fp: BinaryIO, display: str, work: WorkBudget, key: tuple[str, tuple[str, ...]]) -> list[zipfile.ZipInfo]:
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


def check_member(info: zipfile.ZipInfo, display: str, limits: Limits) -> None:
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


def read_member(fp: BinaryIO, info: zipfile.ZipInfo, display: str, work: WorkBudget) -> bytes:
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


def member_chunks(
    fp: BinaryIO, info: zipfile.ZipInfo, display: str, work: WorkBudget, head: int | None, piece: int | None
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


def os_message(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "path does not exist"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a folder, expected a file"
    return f"cannot read ({exc.strerror or type(exc).__name__})"
