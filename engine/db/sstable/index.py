"""The partition index (Index.db) and its in-memory sample (Summary.db).

Index.db has one entry per partition, in token order: where the partition starts in the uncompressed data
stream and how many bytes it takes. Entries are grouped in **blocks** of ``index_interval`` entries; each
block is checksummed on its own, so a lookup reads and verifies one block (at most ``index_interval``
entries), and the index never has to be read whole. Inside a block an offset table allows a binary
search.

Index.db::

    block* footer
    block  := u32 body_length, body, u32 crc32(body)
    body   := u32 n, u32 entry_offset[n] (from the start of body), entry[n]
    entry  := i64 token, bytes key (vint length + raw), vint position, vint size
    footer := u64 block_count, u64 entry_count, u32 crc32 of all blocks (in file order, chained),
              u32 crc32 of the 20 footer bytes before it

The footer is checked when the SSTable is opened; the chained CRC of all blocks by ``verify`` (it needs the
whole file). Per-block CRCs catch damage on the read that touches it.

The **summary** holds the first entry of every block and where the block starts. It is small (one entry per
``index_interval`` partitions) and is loaded when the SSTable is opened; a binary search of it names the
one block that can hold a key.

Summary.db::

    u8 format version (1), vint index_interval, vint entry_count, vint block_count,
    (i64 token, bytes key, vint block_position)[block_count],
    vint blocks_end (where the Index.db footer starts),
    i64 first_token, bytes first_key, i64 last_token, bytes last_key,
    u32 crc32 of everything before it
"""

from __future__ import annotations

import bisect
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from engine.db.serialization import Reader, write_vint
from engine.db.sstable.errors import CorruptSSTableError
from engine.db.sstable.files import U32, crc32, decoding

#: A position in the SSTable's sort order: (token, partition key bytes).
TokenKey = tuple[int, bytes]

_FORMAT_VERSION = 1
_I64 = struct.Struct(">q")
_TOKEN_AND_LENGTH = struct.Struct(">qB")  # a token and a one-byte key length
_FOOTER = struct.Struct(">QQI")
FOOTER_SIZE = _FOOTER.size + U32.size


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One partition's place in the uncompressed data stream."""

    token: int
    key: bytes
    position: int
    size: int


class IndexWriter:
    """Writes Index.db block by block; keeps only the current block and the summary in memory."""

    def __init__(self, file: BinaryIO, index_interval: int) -> None:
        self._file = file
        self._interval = index_interval
        self._block: list[bytes] = []
        self._block_first: TokenKey | None = None
        self._summary_keys: list[TokenKey] = []
        self._summary_positions: list[int] = []
        self._written = 0
        self._entries = 0
        self._blocks_crc = 0
        self._last: TokenKey | None = None

    def add(self, token: int, key: bytes, position: int, size: int) -> None:
        """The next partition's entry (see ``IndexEntry``)."""
        if len(key) < 0x80:
            out = bytearray(_TOKEN_AND_LENGTH.pack(token, len(key)))
        else:
            out = bytearray(_I64.pack(token))
            write_vint(out, len(key))
        out += key
        write_vint(out, position)
        if size < 0x80:
            out.append(size)
        else:
            write_vint(out, size)
        block = self._block
        if not block:
            self._block_first = (token, key)
        block.append(bytes(out))
        self._entries += 1
        self._last = (token, key)
        if len(block) == self._interval:
            self._flush_block()

    def _flush_block(self) -> None:
        assert self._block_first is not None
        count = len(self._block)
        table_size = U32.size * (count + 1)
        body = bytearray(U32.pack(count))
        offset = table_size
        for encoded in self._block:
            body += U32.pack(offset)
            offset += len(encoded)
        for encoded in self._block:
            body += encoded
        block = U32.pack(len(body)) + body + U32.pack(crc32(body))
        self._file.write(block)
        self._blocks_crc = crc32(block, self._blocks_crc)
        self._summary_keys.append(self._block_first)
        self._summary_positions.append(self._written)
        self._written += len(block)
        self._block = []

    def finish(self) -> Summary:
        """Write the last block and the footer; the summary to store in Summary.db."""
        if self._block:
            self._flush_block()
        footer = _FOOTER.pack(len(self._summary_keys), self._entries, self._blocks_crc)
        self._file.write(footer + U32.pack(crc32(footer)))
        if self._last is None:
            raise ValueError("an index needs at least one entry")
        return Summary(
            self._interval,
            self._entries,
            tuple(self._summary_keys),
            tuple(self._summary_positions),
            self._written,
            self._summary_keys[0],
            self._last,
        )


@dataclass(frozen=True, slots=True)
class Summary:
    """The first key of every index block, where each block starts, and the SSTable's key range."""

    index_interval: int
    entry_count: int
    keys: tuple[TokenKey, ...]
    positions: tuple[int, ...]
    blocks_end: int
    first: TokenKey
    last: TokenKey

    def block_for(self, token_key: TokenKey) -> int:
        """The index of the only block that can hold ``token_key``, or -1 if it sorts before them all."""
        return bisect.bisect_right(self.keys, token_key) - 1

    def block_extent(self, block: int) -> tuple[int, int]:
        """``(start, end)`` of a block in Index.db."""
        end = self.positions[block + 1] if block + 1 < len(self.positions) else self.blocks_end
        return self.positions[block], end

    def to_bytes(self) -> bytes:
        out = bytearray([_FORMAT_VERSION])
        for value in (self.index_interval, self.entry_count, len(self.keys)):
            write_vint(out, value)
        for (token, key), position in zip(self.keys, self.positions, strict=True):
            _write_token_key(out, token, key)
            write_vint(out, position)
        write_vint(out, self.blocks_end)
        _write_token_key(out, *self.first)
        _write_token_key(out, *self.last)
        return bytes(out)

    @classmethod
    def from_bytes(cls, body: memoryview, path: Path) -> Summary:
        with decoding(path):
            reader = Reader(body)
            version = reader.u8("summary version")
            if version != _FORMAT_VERSION:
                raise CorruptSSTableError(path, 0, f"unknown summary format version {version}")
            interval = reader.vint("index interval")
            entries = reader.vint("index entry count")
            count = reader.vint("summary entry count")
            keys: list[TokenKey] = []
            positions: list[int] = []
            for _ in range(count):
                keys.append(_read_token_key(reader, "summary entry"))
                positions.append(reader.vint("summary entry position"))
            blocks_end = reader.vint("index blocks end")
            first = _read_token_key(reader, "first key")
            last = _read_token_key(reader, "last key")
        if reader.offset != len(body):
            raise CorruptSSTableError(path, reader.offset, "bytes left over after the summary")
        if not keys or keys[0] != first or count != -(-entries // max(interval, 1)):
            raise CorruptSSTableError(
                path, 0, f"{count} summary entries do not match {entries} index entries"
            )
        return cls(interval, entries, tuple(keys), tuple(positions), blocks_end, first, last)


def _write_token_key(out: bytearray, token: int, key: bytes) -> None:
    out += _I64.pack(token)
    write_vint(out, len(key))
    out += key


def _read_token_key(reader: Reader, field: str) -> TokenKey:
    return reader.i64(f"{field} token"), reader.raw(f"{field} key")


def check_footer(fd: int, path: Path, summary: Summary) -> None:
    """Check Index.db's footer against its own CRC and against the summary."""
    size = os.fstat(fd).st_size
    raw = os.pread(fd, FOOTER_SIZE, size - FOOTER_SIZE) if size >= FOOTER_SIZE else b""
    if len(raw) != FOOTER_SIZE:
        raise CorruptSSTableError(path, 0, f"file is {size} bytes, too short for its footer")
    (stored,) = U32.unpack_from(raw, _FOOTER.size)
    if crc32(raw[: _FOOTER.size]) != stored:
        raise CorruptSSTableError(path, size - FOOTER_SIZE, "footer checksum mismatch")
    blocks, entries, _ = _FOOTER.unpack_from(raw)
    if (blocks, entries, size - FOOTER_SIZE) != (len(summary.keys), summary.entry_count, summary.blocks_end):
        raise CorruptSSTableError(
            path,
            size - FOOTER_SIZE,
            f"footer ({blocks} blocks, {entries} entries) does not match the summary",
        )


def footer_blocks_crc(fd: int) -> int:
    size = os.fstat(fd).st_size
    return int(_FOOTER.unpack(os.pread(fd, _FOOTER.size, size - FOOTER_SIZE))[2])


def read_block(fd: int, path: Path, start: int, end: int) -> bytes:
    """The body of the index block at ``[start, end)`` of Index.db, after checking its CRC."""
    raw = os.pread(fd, end - start, start)
    if len(raw) != end - start or len(raw) < 2 * U32.size:
        raise CorruptSSTableError(path, start, f"index block truncated: {len(raw)} of {end - start} bytes")
    (length,) = U32.unpack_from(raw)
    if length != len(raw) - 2 * U32.size:
        raise CorruptSSTableError(path, start, f"index block length {length} does not fit its extent")
    body = raw[U32.size : -U32.size]
    (stored,) = U32.unpack_from(raw, len(raw) - U32.size)
    if crc32(body) != stored:
        raise CorruptSSTableError(path, start, "index block checksum mismatch")
    return body


class Block:
    """A decoded view of one verified index block body. Decoding is hand-inlined (not ``Reader``): it is
    the inner loop of every point read."""

    __slots__ = ("_body", "_count", "_path", "_start")

    def __init__(self, body: bytes, path: Path, start: int) -> None:
        self._body = body
        self._path = path
        self._start = start + U32.size  # where body starts in Index.db, for error offsets
        count = U32.unpack_from(body)[0] if len(body) >= U32.size else 0
        if not 0 < count <= (len(body) - U32.size) // U32.size:
            raise CorruptSSTableError(path, self._start, f"bad index block entry count {count}")
        self._count = count

    def __len__(self) -> int:
        return self._count

    def _corrupt(self, offset: int, what: str) -> CorruptSSTableError:
        return CorruptSSTableError(self._path, self._start + offset, f"cannot read index entry {what}")

    def _vint(self, offset: int, what: str) -> tuple[int, int]:
        body = self._body
        result = shift = 0
        while True:
            if offset >= len(body) or shift > 63:
                raise self._corrupt(offset, what)
            byte = body[offset]
            offset += 1
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return result, offset
            shift += 7

    def _token_key(self, i: int) -> tuple[int, bytes, int]:
        """Entry ``i``'s token and key, and where the rest of the entry starts."""
        body = self._body
        offset = U32.unpack_from(body, U32.size * (i + 1))[0]
        if offset + _I64.size >= len(body):
            raise self._corrupt(offset, "token")
        token = _I64.unpack_from(body, offset)[0]
        length, offset = self._vint(offset + _I64.size, "key length")
        end = offset + length
        if end > len(body):
            raise self._corrupt(offset, "key")
        return token, body[offset:end], end

    def entry(self, i: int) -> IndexEntry:
        token, key, offset = self._token_key(i)
        position, offset = self._vint(offset, "position")
        size, _ = self._vint(offset, "size")
        return IndexEntry(token, key, position, size)

    def find(self, token_key: TokenKey) -> IndexEntry | None:
        """The entry for exactly ``token_key``, by binary search."""
        i = self.first_at_or_after(token_key)
        if i < self._count:
            token, key, offset = self._token_key(i)
            if token == token_key[0] and key == token_key[1]:
                position, offset = self._vint(offset, "position")
                size, _ = self._vint(offset, "size")
                return IndexEntry(token, key, position, size)
        return None

    def first_at_or_after(self, token_key: TokenKey) -> int:
        """How many entries sort before ``token_key``. Entries are compared by token alone (two unpacks),
        their keys decoded only on a tie of tokens: tokens of different keys rarely collide."""
        target = token_key[0]
        body = self._body
        limit = len(body) - _I64.size
        entry_offset, unpack_token = U32.unpack_from, _I64.unpack_from
        lo, hi = 0, self._count
        while lo < hi:
            mid = (lo + hi) // 2
            offset = entry_offset(body, U32.size * (mid + 1))[0]
            if offset >= limit:
                raise self._corrupt(offset, "token")
            token = unpack_token(body, offset)[0]
            if token < target:
                lo = mid + 1
            elif token > target:
                hi = mid
            else:
                token, key, _ = self._token_key(mid)
                if (token, key) < token_key:
                    lo = mid + 1
                else:
                    hi = mid
        return lo

    def entries(self, start: int = 0) -> Iterator[IndexEntry]:
        for i in range(start, self._count):
            yield self.entry(i)
