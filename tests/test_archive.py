"""Safe reading of zips, folders and single files. Every hostile archive is built here, never committed."""

from __future__ import annotations

import concurrent.futures
import io
import multiprocessing
import os
import pickle
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linernotes.errors import InputError
from linernotes.sources.inputs import Entry, InMemory, collect_entries
from linernotes.sources.safezip import Limits

JSON = b'[{"ts": "2023-01-01T00:00:00Z", "ms_played": 1000}]\n'


def make_zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def raw_zip(
    files: list[tuple[str, bytes]],
    *,
    method: int = 8,
    flags: int = 0,
    declared_size: int | None = None,
    crc: int | None = None,
    extra_cd: list[tuple[str, int]] = (),  # type: ignore[assignment]
) -> bytes:
    """A zip written byte by byte, so headers can lie. ``extra_cd`` adds central records (name, index of the
    file whose local header they point at)."""
    out = bytearray()
    records: list[tuple[str, int, int, int, int]] = []  # name, offset, crc, csize, usize
    for name, data in files:
        payload = data
        if method == 8:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            payload = c.compress(data) + c.flush()
        size = len(data) if declared_size is None else declared_size
        checksum = zlib.crc32(data) if crc is None else crc
        raw_name = name.encode()
        offset = len(out)
        out += struct.pack(
            "<4s5H3L2H",
            b"PK\x03\x04",
            20,
            flags,
            method,
            0,
            0x21,
            checksum,
            len(payload),
            size,
            len(raw_name),
            0,
        )
        out += raw_name + payload
        records.append((name, offset, checksum, len(payload), size))
    for name, index in extra_cd:
        _, offset, checksum, csize, usize = records[index]
        records.append((name, offset, checksum, csize, usize))
    cd_start = len(out)
    for name, offset, checksum, csize, usize in records:
        raw_name = name.encode()
        out += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            flags,
            method,
            0,
            0x21,
            checksum,
            csize,
            usize,
            len(raw_name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        out += raw_name
    cd_size = len(out) - cd_start
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(records), len(records), cd_size, cd_start, 0)
    return bytes(out)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


DEFAULT = Limits()


def input_error(paths: list[Path], limits: Limits = DEFAULT) -> InputError:
    with pytest.raises(InputError) as info:
        for entry in collect_entries(paths, limits):
            entry.read()
    return info.value


# --- the happy paths ----------------------------------------------------------------------------------------


def test_zip_members_are_listed_and_read(tmp_path: Path) -> None:
    folder = "Spotify Extended Streaming History"
    archive = write(
        tmp_path / "my_spotify_data.zip",
        make_zip({f"{folder}/Streaming_History_Audio_2023.json": JSON, f"{folder}/ReadMe.pdf": b"%PDF-1.4"}),
    )
    entries = collect_entries([archive])
    assert [e.basename for e in entries] == ["ReadMe.pdf", "Streaming_History_Audio_2023.json"]
    audio = entries[1]
    assert audio.display == f"{archive}:{folder}/Streaming_History_Audio_2023.json"
    assert audio.size == len(JSON)
    assert audio.read() == JSON
    assert audio.head(5) == JSON[:5]
    assert audio.head(10_000) == JSON


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_other_compression_methods_read(tmp_path: Path, method: int) -> None:
    archive = write(tmp_path / "a.zip", make_zip({"a.json": JSON * 100}, method))
    (entry,) = collect_entries([archive])
    assert entry.read() == JSON * 100
    assert entry.head(7) == JSON[:7]


def test_plain_file_and_random_bytes_named_zip_are_plain_entries(tmp_path: Path) -> None:
    fake = write(tmp_path / "not_really.zip", random.Random(1).randbytes(5000).replace(b"PK", b"pk"))
    (entry,) = collect_entries([fake])
    assert entry.display == str(fake)
    assert entry.basename == "not_really.zip"
    assert entry.size == 5000
    assert entry.read() == fake.read_bytes()
    assert entry.head(10) == fake.read_bytes()[:10]


def test_zip_without_zip_extension_is_expanded(tmp_path: Path) -> None:
    archive = write(tmp_path / "download", make_zip({"a.json": JSON}))
    assert [e.display for e in collect_entries([archive])] == [f"{archive}:a.json"]


def test_empty_zip_has_no_entries(tmp_path: Path) -> None:
    archive = write(tmp_path / "empty.zip", make_zip({}))
    assert archive.read_bytes().startswith(b"PK\x05\x06")
    assert collect_entries([archive]) == []


def test_nested_zip_is_expanded_and_read(tmp_path: Path) -> None:
    inner = make_zip({"listens/2023/1.jsonl": b'{"listened_at": 1}\n'})
    outer = write(tmp_path / "outer.zip", make_zip({"lb/listenbrainz_u_1.zip": inner, "user.json": b"{}"}))
    entries = collect_entries([outer])
    assert [e.display for e in entries] == [
        f"{outer}:lb/listenbrainz_u_1.zip:listens/2023/1.jsonl",
        f"{outer}:user.json",
    ]
    assert entries[0].read() == b'{"listened_at": 1}\n'
    assert entries[0].head(3) == b'{"l'


def test_nesting_deeper_than_the_limit_fails(tmp_path: Path) -> None:
    four = make_zip({"x.zip": make_zip({"y.zip": make_zip({"z.zip": make_zip({"a.json": JSON})})})})
    archive = write(tmp_path / "deep.zip", four)
    err = input_error([archive])
    assert err.path == f"{archive}:x.zip:y.zip:z.zip"
    assert "nested more than 3 levels" in err.message
    assert "nested more than 1 levels" in input_error([archive], Limits(max_depth=1)).message


def test_office_documents_are_kept_whole(tmp_path: Path) -> None:
    xlsx = make_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    doc = write(tmp_path / "deezer-data_20250930.xlsx", xlsx)
    (entry,) = collect_entries([doc])
    assert entry.basename == "deezer-data_20250930.xlsx"
    assert entry.read() == xlsx
    outer = write(tmp_path / "deezer.zip", make_zip({"deezer-data_1.xlsx": xlsx}))
    (member,) = collect_entries([outer])
    assert member.display == f"{outer}:deezer-data_1.xlsx"
    assert member.read() == xlsx


def test_folder_walk_skips_junk_and_is_sorted(tmp_path: Path) -> None:
    root = tmp_path / "MyData"
    names = ["b.json", "a/z.json", "a.json", "sub/c.csv", "sub/deeper/d.json"]
    junk = ["__MACOSX/._a.json", ".DS_Store", "._b.json", "Thumbs.db", ".git/config", "sub/.hidden.json"]
    for name in random.Random(3).sample(names + junk, len(names + junk)):
        write(root / name, name.encode())
    (root / "emptydir").mkdir()
    entries = collect_entries([root])
    expected = ["a/z.json", "a.json", "b.json", "sub/c.csv", "sub/deeper/d.json"]
    assert [e.display for e in entries] == [str(root / n) for n in expected]
    assert [e.read() for e in entries] == [n.encode() for n in expected]
    assert collect_entries([root]) == entries


def test_zip_junk_is_skipped_and_order_matches_a_folder(tmp_path: Path) -> None:
    members = {
        n: b"x" for n in ["b.json", "a.json", "a/z.json", "__MACOSX/a/._z.json", "a/.DS_Store", "dir/"]
    }
    members["Thumbs.db"] = b"x"
    members["./c.json"] = b"x"
    archive = write(tmp_path / "x.zip", make_zip(members))
    entries = collect_entries([archive])
    assert [e.display.split(":", 1)[1] for e in entries] == ["./c.json", "a/z.json", "a.json", "b.json"]


def test_folder_containing_zip_expands_it(tmp_path: Path) -> None:
    write(tmp_path / "d" / "export.zip", make_zip({"a.json": JSON}))
    write(tmp_path / "d" / "notes.txt", b"hi")
    entries = collect_entries([tmp_path / "d"])
    assert [e.display for e in entries] == [f"{tmp_path}/d/export.zip:a.json", f"{tmp_path}/d/notes.txt"]


def test_symlinks_out_of_the_folder_are_not_followed(tmp_path: Path) -> None:
    secret = write(tmp_path / "outside" / "secret.json", b"secret")
    root = tmp_path / "root"
    real = write(root / "real.json", b"real")
    os.symlink(secret, root / "leak.json")
    os.symlink(tmp_path / "outside", root / "leakdir")
    os.symlink(real, root / "alias.json")
    os.symlink(root, root / "loop")
    entries = collect_entries([root])
    # alias.json points inside the folder: followed, but it is the same file as real.json, listed once
    assert [e.basename for e in entries] == ["alias.json"]
    assert entries[0].read() == b"real"


def test_same_file_twice_is_listed_once(tmp_path: Path) -> None:
    archive = write(tmp_path / "a.zip", make_zip({"a.json": JSON}))
    assert len(collect_entries([archive, archive, tmp_path])) == 1


def test_zip_with_data_descriptors(tmp_path: Path) -> None:
    # Streaming writers (no seek) put the sizes after the data; only the central directory has them up front.
    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.buf = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            self.buf += b
            return len(b)

    sink = Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zf, zf.open("a.json", "w") as f:
        f.write(JSON * 100)
    archive = write(tmp_path / "dd.zip", bytes(sink.buf))
    (entry,) = collect_entries(archive)
    assert entry.read() == JSON * 100


def test_paths_keep_their_order(tmp_path: Path) -> None:
    b = write(tmp_path / "b.csv", b"b")
    a = write(tmp_path / "a.csv", b"a")
    assert [e.basename for e in collect_entries([b, a])] == ["b.csv", "a.csv"]


# --- entries cross process boundaries -----------------------------------------------------------------------


def test_entries_pickle_and_read_in_spawned_workers(tmp_path: Path) -> None:
    inner = make_zip({"in.json": b"inner"})
    archive = write(tmp_path / "a.zip", make_zip({"a.json": JSON, "n.zip": inner}))
    plain = write(tmp_path / "p.csv", b"a,b\n")
    entries = collect_entries([archive, plain])
    for entry in entries:
        clone = pickle.loads(pickle.dumps(entry))
        assert clone == entry
        assert clone.read() == entry.read()
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as pool:
        assert list(pool.map(Entry.read, entries)) == [JSON, b"inner", b"a,b\n"]


# --- hostile and broken input -------------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    err = input_error([tmp_path / "nope.zip"])
    assert str(err) == f"{tmp_path / 'nope.zip'}: path does not exist"


def test_os_errors_while_reading_are_input_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from linernotes.sources import inputs, safezip

    plain = write(tmp_path / "a.json", JSON)
    archive = write(tmp_path / "a.zip", make_zip({"a.json": JSON}))
    entries = collect_entries([plain, archive])

    def deny(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    for module in (inputs, safezip):  # plain files are read by one, zips by the other
        monkeypatch.setattr(module, "open", deny, raising=False)
    for entry in entries:
        with pytest.raises(InputError) as info:
            entry.read()
        assert str(info.value) == f"{entry.display.split(':')[0]}: permission denied"


def test_truncated_zip(tmp_path: Path) -> None:
    data = make_zip({"a.json": JSON * 50, "b.json": JSON})
    archive = write(tmp_path / "cut.zip", data[: len(data) // 2])
    err = input_error([archive])
    assert err.path == str(archive)
    assert err.message == "not a valid zip archive (truncated or corrupt)"


def test_zip_magic_followed_by_garbage(tmp_path: Path) -> None:
    archive = write(tmp_path / "garbage.bin", b"PK\x03\x04" + random.Random(2).randbytes(3000))
    err = input_error([archive])
    assert err.path == str(archive)
    assert "not a valid zip archive" in err.message


def test_high_ratio_member_is_a_suspected_bomb(tmp_path: Path) -> None:
    archive = write(tmp_path / "bomb.zip", make_zip({"zeros.json": bytes(5 * 1024 * 1024)}))
    err = input_error([archive])
    assert err.path == f"{archive}:zeros.json"
    assert err.message.startswith("zip bomb suspected: member expands ")


def test_member_over_size_limit(tmp_path: Path) -> None:
    archive = write(tmp_path / "big.zip", make_zip({"a.json": JSON * 10}))
    err = input_error([archive], Limits(max_entry_bytes=100))
    assert err.message == f"member is {len(JSON) * 10} bytes uncompressed (limit 100)"
    plain = write(tmp_path / "big.json", JSON * 10)
    assert "limit 100" in input_error([plain], Limits(max_entry_bytes=100)).message


def test_total_size_limit(tmp_path: Path) -> None:
    archive = write(tmp_path / "a.zip", make_zip({f"{i}.json": JSON for i in range(3)}))
    err = input_error([archive], Limits(max_total_bytes=2 * len(JSON) + 1))
    assert err.path == f"{archive}:2.json"
    assert "limit" in err.message


def test_too_many_entries(tmp_path: Path) -> None:
    archive = write(tmp_path / "many.zip", make_zip({f"{i}.json": b"" for i in range(6)}))
    err = input_error([archive], Limits(max_entries=5))
    assert str(err) == f"{archive}: archive has 6 entries (limit 5)"


def test_records_sharing_one_local_header(tmp_path: Path) -> None:
    archive = write(tmp_path / "same.zip", raw_zip([("a.json", JSON * 20)], extra_cd=[("b.json", 0)]))
    err = input_error([archive])
    assert err.path == str(archive)
    assert err.message == "overlapping zip entries a.json, b.json (a zip bomb technique)"


def _stored_local_header(name: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data)
    return (
        struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, crc, len(data), len(data), len(name), 0)
        + name
    )


def _central_record(name: bytes, data: bytes, offset: int) -> bytes:
    crc = zlib.crc32(data)
    fields = (20, 20, 0, 0, 0, 0x21, crc, len(data), len(data), len(name), 0, 0, 0, 0, 0, offset)
    return struct.pack("<4s6H3L5H2L", b"PK\x01\x02", *fields) + name


def test_overlapped_local_headers(tmp_path: Path) -> None:
    # Fifield's construction: a.json's data quotes b.json's whole local header and data, so the two
    # members share bytes while each record agrees with the header it points at.
    b_data = JSON
    b_local = _stored_local_header(b"b.json", b_data) + b_data
    a_data = b_local
    a_local = _stored_local_header(b"a.json", a_data)
    body = a_local + a_data
    cd = _central_record(b"a.json", a_data, 0) + _central_record(b"b.json", b_data, len(a_local))
    data = body + cd + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 2, 2, len(cd), len(body), 0)
    # Python's own zipfile reads both members without complaint
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.read("b.json") == b_data
        assert zf.read("a.json") == a_data
    archive = write(tmp_path / "overlap.zip", data)
    err = input_error([archive])
    assert err.path == str(archive)
    assert err.message == "overlapping zip entries a.json, b.json (a zip bomb technique)"


def test_declared_size_smaller_than_stream(tmp_path: Path) -> None:
    content = b"".join(b'{"n": %d}\n' % i for i in range(5000))
    data = raw_zip([("a.json", content)], declared_size=1000, crc=zlib.crc32(content[:1000]))
    (entry,) = collect_entries([write(tmp_path / "lie.zip", data)])
    assert entry.size == 1000
    with pytest.raises(InputError, match="larger than its header declares"):
        entry.read()
    assert entry.head(10) == content[:10]


def test_declared_size_larger_than_stream(tmp_path: Path) -> None:
    data = raw_zip([("a.json", JSON)], declared_size=len(JSON) + 10)
    (entry,) = collect_entries([write(tmp_path / "lie.zip", data)])
    with pytest.raises(InputError, match="shorter than its header declares"):
        entry.read()


def test_crc_mismatch(tmp_path: Path) -> None:
    for method in (0, 8):
        data = raw_zip([("a.json", JSON)], method=method, crc=12345)
        (entry,) = collect_entries([write(tmp_path / f"crc{method}.zip", data)])
        with pytest.raises(InputError) as info:
            entry.read()
        assert info.value.message == "corrupt zip member (CRC check failed)"
        # Streamed, every byte comes out first: the check can only fail at the end.
        pieces = entry.chunks(10)
        assert b"".join(next(pieces) for _ in range(len(JSON) // 10 + 1)) == JSON
        with pytest.raises(InputError, match="CRC check failed"):
            next(pieces)


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_chunks_stream_what_read_returns(tmp_path: Path, method: int) -> None:
    big = b"".join(b'{"n": %d, "pad": "%s"}\n' % (i, b"x" * (i % 50)) for i in range(20_000))
    inner = make_zip({"c.json": big})
    archive = write(tmp_path / "a.zip", make_zip({"big.json": big, "inner.zip": inner}, method))
    plain = write(tmp_path / "plain.json", big)
    entries = collect_entries([archive, plain])
    assert [e.basename for e in entries] == ["big.json", "c.json", "plain.json"]
    for entry in entries:
        pieces = list(entry.chunks(64 * 1024))
        assert b"".join(pieces) == entry.read() == big
        assert max(map(len, pieces)) <= 64 * 1024 and len(pieces) >= len(big) // (64 * 1024)


def test_corrupt_deflate_stream(tmp_path: Path) -> None:
    data = bytearray(make_zip({"a.json": b"".join(b"%d," % i for i in range(2000))}))
    data[60:80] = b"\xff" * 20
    err = input_error([write(tmp_path / "bad.zip", bytes(data))])
    assert err.path.endswith("bad.zip:a.json")
    assert err.message.startswith("corrupt zip member")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("../evil.json", "entry name escapes the archive folder: ../evil.json"),
        ("a/../../b.json", "entry name escapes the archive folder: a/../../b.json"),
        ("..\\..\\evil.json", "entry name escapes the archive folder: ..\\..\\evil.json"),
        ("/abs.json", "entry name is an absolute path: /abs.json"),
        ("C:/Windows/x.json", "entry name is an absolute path: C:/Windows/x.json"),
    ],
)
def test_path_traversal_names(tmp_path: Path, name: str, message: str) -> None:
    archive = write(tmp_path / "evil.zip", raw_zip([(name, JSON)]))
    err = input_error([archive])
    assert str(err) == f"{archive}: {message}"


def test_encrypted_members(tmp_path: Path) -> None:
    archive = write(tmp_path / "enc.zip", raw_zip([("a.json", JSON)], flags=0x1))
    assert input_error([archive]).message == "encrypted zip entries are not supported"


def test_unknown_compression_method(tmp_path: Path) -> None:
    archive = write(tmp_path / "m.zip", raw_zip([("a.json", JSON)], method=99))
    assert input_error([archive]).message == "unsupported zip compression method 99"


def test_duplicate_names(tmp_path: Path) -> None:
    archive = write(tmp_path / "dup.zip", raw_zip([("a.json", JSON), ("a.json", b"[]")]))
    assert input_error([archive]).message == "duplicate entry name in archive: a.json"


def test_archive_replaced_after_listing(tmp_path: Path) -> None:
    archive = write(tmp_path / "a.zip", make_zip({"a.json": JSON}))
    (entry,) = collect_entries([archive])
    write(archive, make_zip({"a.json": JSON * 2}))
    with pytest.raises(InputError, match="changed since it was listed"):
        entry.read()
    archive.unlink()
    with pytest.raises(InputError, match="path does not exist"):
        entry.read()


# --- property: nothing but InputError escapes ---------------------------------------------------------------


def _outcome(read: Callable[[], bytes]) -> bytes | str:
    """The bytes, or the one-line message of the InputError."""
    try:
        return read()
    except InputError as exc:
        assert "\n" not in str(exc)
        return str(exc)


def _collect_and_read_all(path: Path) -> None:
    try:
        entries = collect_entries([path], Limits(max_entries=50))
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    for entry in entries:
        whole = _outcome(entry.read)
        # Streaming gives the same bytes or fails with the same error.
        assert _outcome(lambda e=entry: b"".join(e.chunks(7))) == whole
        _outcome(lambda e=entry: e.head(16))


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=st.binary(max_size=2000), magic=st.sampled_from([b"", b"PK\x03\x04", b"PK\x05\x06"]))
def test_random_files_raise_only_input_error(tmp_path: Path, data: bytes, magic: bytes) -> None:
    _collect_and_read_all(write(tmp_path / "f.zip", magic + data))


@FUZZ
@given(data=st.binary(max_size=2000), method=st.sampled_from([0, 8, 12, 14]))
def test_random_members_raise_only_input_error(tmp_path: Path, data: bytes, method: int) -> None:
    _collect_and_read_all(write(tmp_path / "m.zip", make_zip({"x.json": data}, method)))


_SEED_ZIP = make_zip({"a/b.json": JSON * 3, "n.zip": make_zip({"c.json": JSON})})


@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, len(_SEED_ZIP) - 1), st.integers(0, 255)), min_size=1))
def test_corrupted_zips_raise_only_input_error(tmp_path: Path, edits: list[tuple[int, int]]) -> None:
    data = bytearray(_SEED_ZIP)
    for pos, value in edits:
        data[pos] = value
    _collect_and_read_all(write(tmp_path / "c.zip", bytes(data)))


def test_in_memory_inputs_read_like_the_same_file_on_disk(tmp_path: Path) -> None:
    inner = make_zip({"c.json": JSON})
    archive = make_zip({"Spotify/a.json": JSON * 2, "inner.zip": inner, ".DS_Store": b"junk"})
    on_disk = collect_entries([write(tmp_path / "export.zip", archive), write(tmp_path / "plain.json", JSON)])
    in_memory = collect_entries([InMemory("export.zip", archive), InMemory("plain.json", JSON)])
    assert [e.basename for e in in_memory] == [e.basename for e in on_disk] == ["a.json", "c.json", "plain.json"]
    assert [e.display for e in in_memory] == ["export.zip:Spotify/a.json", "export.zip:inner.zip:c.json", "plain.json"]
    for mem, disk in zip(in_memory, on_disk, strict=True):
        assert mem.read() == disk.read() == b"".join(mem.chunks(5))
        assert mem.head(3) == disk.head(3)
    with pytest.raises(InputError, match="not a valid zip archive"):
        collect_entries([InMemory("broken.zip", archive[: len(archive) // 2])])
    with pytest.raises(InputError, match="larger than"):
        collect_entries([InMemory("big.json", JSON)], Limits(max_entry_bytes=10))


def test_disk_path_names_only_a_plain_file_holding_the_entry(tmp_path: Path) -> None:
    plain = write(tmp_path / "a.json", JSON)
    archive = write(tmp_path / "b.zip", make_zip({"b.json": JSON}))
    on_disk, member = collect_entries([plain, archive])
    (uploaded,) = collect_entries([InMemory("c.json", JSON)])
    assert on_disk.disk_path == str(plain.resolve())
    assert member.disk_path is None and uploaded.disk_path is None  # bytes that are not a file of their own
