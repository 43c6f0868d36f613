"""Chunked LZ4 compression of Data.db, and the CompressionInfo.db that maps positions to chunks.

The partitions of an SSTable form one **uncompressed stream** (positions in it are what Index.db records).
The stream is cut into chunks of exactly ``chunk_length`` bytes (the last one may be shorter), so the chunk
holding uncompressed position ``p`` is ``p // chunk_length``, found without any search. Each chunk is
compressed on its own, so a read decompresses only the chunks its partition spans.

Data.db::

    chunk* := lz4 block (u32 little-endian uncompressed size, then the LZ4 block: lz4.block with
              store_size=True), u32 crc32 (big-endian) of those compressed bytes

Data.db has no trailer of its own: each chunk carries its checksum, and Digest.crc32 holds the CRC32 of
the whole file as decimal text (as Cassandra writes it), for ``verify`` and streaming.

CompressionInfo.db::

    u8 format version (1), text compressor class name ("LZ4Compressor"), vint chunk_length,
    vint uncompressed_length, vint data_length (Data.db size), vint chunk_count,
    u64 chunk_offset[chunk_count] (where each chunk starts in Data.db),
    u32 crc32 of everything before it

A chunk's compressed length is the distance to the next chunk's offset (or to ``data_length``) minus the
4-byte CRC.
"""

from __future__ import annotations

import os
import struct
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import lz4.block

from engine.db.serialization import Reader, write_vint
from engine.db.sstable.errors import CorruptSSTableError
from engine.db.sstable.files import U32, crc32, decoding

COMPRESSOR = "LZ4Compressor"
_FORMAT_VERSION = 1
_U64 = struct.Struct(">Q")


@dataclass(frozen=True, slots=True)
class CompressionInfo:
    """Where each chunk of Data.db lies, and the lengths of the two streams."""

    compressor: str
    chunk_length: int
    uncompressed_length: int
    data_length: int
    chunk_offsets: tuple[int, ...]

    @property
    def chunk_count(self) -> int:
        return len(self.chunk_offsets)

    def chunk_extent(self, index: int) -> tuple[int, int]:
        """``(offset, length)`` of chunk ``index`` in Data.db, its CRC included."""
        start = self.chunk_offsets[index]
        end = self.chunk_offsets[index + 1] if index + 1 < len(self.chunk_offsets) else self.data_length
        return start, end - start

    def chunk_uncompressed_length(self, index: int) -> int:
        return min(self.chunk_length, self.uncompressed_length - index * self.chunk_length)

    def to_bytes(self) -> bytes:
        out = bytearray([_FORMAT_VERSION])
        name = self.compressor.encode()
        write_vint(out, len(name))
        out += name
        for value in (self.chunk_length, self.uncompressed_length, self.data_length, self.chunk_count):
            write_vint(out, value)
        out += struct.pack(f">{self.chunk_count}Q", *self.chunk_offsets)
        return bytes(out)

    @classmethod
    def from_bytes(cls, body: memoryview, path: Path) -> CompressionInfo:
        with decoding(path):
            reader = Reader(body)
            version = reader.u8("compression info version")
            if version != _FORMAT_VERSION:
                raise CorruptSSTableError(path, 0, f"unknown compression info format version {version}")
            compressor = reader.text("compressor name")
            chunk_length = reader.vint("chunk length")
            uncompressed = reader.vint("uncompressed length")
            data_length = reader.vint("data length")
            count = reader.vint("chunk count")
            raw = reader.take(count * _U64.size, "chunk offsets")
        if reader.offset != len(body):
            raise CorruptSSTableError(path, reader.offset, "bytes left over after the chunk offsets")
        if compressor != COMPRESSOR:
            raise CorruptSSTableError(path, 1, f"unsupported compressor {compressor!r}")
        offsets = struct.unpack(f">{count}Q", raw)
        if chunk_length <= 0 or count != -(-uncompressed // chunk_length):
            raise CorruptSSTableError(path, 0, f"{count} chunks cannot hold {uncompressed} bytes")
        if any(b <= a for a, b in zip(offsets, (*offsets[1:], data_length), strict=True)) or (
            offsets and offsets[0] != 0
        ):
            raise CorruptSSTableError(path, 0, "chunk offsets are not increasing within the data length")
        return cls(compressor, chunk_length, uncompressed, data_length, offsets)


class ChunkedWriter:
    """Compresses an uncompressed stream into Data.db chunk by chunk; holds at most one chunk plus the
    last write in memory."""

    def __init__(self, file: BinaryIO, chunk_length: int) -> None:
        self._file = file
        self._chunk_length = chunk_length
        self._buffer = bytearray()
        self._offsets = array("Q")
        self._flushed = 0  # uncompressed bytes already compressed
        self._data_length = 0
        self.digest = 0  # crc32 of every byte written to Data.db

    @property
    def position(self) -> int:
        """Uncompressed bytes written so far: where the next write starts."""
        return self._flushed + len(self._buffer)

    @property
    def data_length(self) -> int:
        """Compressed bytes written to Data.db so far."""
        return self._data_length

    def write(self, data: bytes | bytearray) -> None:
        self._buffer += data
        length = self._chunk_length
        if len(self._buffer) < length:
            return
        consumed = 0
        with memoryview(self._buffer) as view:
            while len(self._buffer) - consumed >= length:
                self._emit(view[consumed : consumed + length])
                consumed += length
        del self._buffer[:consumed]

    def finish(self) -> CompressionInfo:
        """Flush the last, partial chunk; the file itself is the caller's to sync and close."""
        if self._buffer:
            with memoryview(self._buffer) as view:
                self._emit(view)
            self._buffer.clear()
        return CompressionInfo(
            COMPRESSOR, self._chunk_length, self._flushed, self._data_length, tuple(self._offsets)
        )

    def _emit(self, chunk: memoryview) -> None:
        compressed = lz4.block.compress(chunk, store_size=True)
        checksum = U32.pack(crc32(compressed))
        self._file.write(compressed)
        self._file.write(checksum)
        self.digest = crc32(checksum, crc32(compressed, self.digest))
        self._offsets.append(self._data_length)
        self._data_length += len(compressed) + len(checksum)
        self._flushed += len(chunk)


def read_chunk(fd: int, info: CompressionInfo, index: int, path: Path) -> bytes:
    """Chunk ``index`` of Data.db, decompressed, after checking its CRC32 and length."""
    offset, length = info.chunk_extent(index)
    raw = os.pread(fd, length, offset)
    if len(raw) != length or length <= U32.size:
        raise CorruptSSTableError(path, offset, f"chunk {index} truncated: {len(raw)} of {length} bytes")
    compressed = memoryview(raw)[: -U32.size]
    (stored,) = U32.unpack_from(raw, len(compressed))
    if crc32(compressed) != stored:
        raise CorruptSSTableError(path, offset, f"chunk {index}: checksum mismatch")
    expected = info.chunk_uncompressed_length(index)
    try:
        chunk = lz4.block.decompress(compressed)
    except lz4.block.LZ4BlockError as error:  # a checksum collision, or a writer bug
        raise CorruptSSTableError(path, offset, f"chunk {index}: {error}") from error
    if len(chunk) != expected:
        raise CorruptSSTableError(path, offset, f"chunk {index}: {len(chunk)} bytes, expected {expected}")
    return chunk
