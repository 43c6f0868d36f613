"""Durable, checksummed whole-file components, and the decoding guard shared by every component reader.

The small components (Summary, Filter, Statistics, CompressionInfo) are written in one go and read whole
when an SSTable is opened. Each is framed as::

    file := body, u32 crc32(body)          (big-endian CRC-32, zlib's polynomial)

so a flipped bit anywhere, or a torn write, fails the check on open, before any of it is trusted.
Durability: a component is flushed and fsync'd before the caller goes on; directory entries are made
durable with :func:`fsync_directory` (a rename or create is only durable once its directory is synced).
"""

from __future__ import annotations

import contextlib
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path

from engine.db.serialization import CorruptDataError
from engine.db.sstable.errors import CorruptSSTableError

U32 = struct.Struct(">I")


def crc32(data: bytes | bytearray | memoryview, value: int = 0) -> int:
    return zlib.crc32(data, value) & 0xFFFFFFFF


def write_file(path: Path, content: bytes | bytearray, *, checksum: bool, sync: bool) -> None:
    """Write ``content`` (followed by its CRC32 if ``checksum``) to a new file, fsync'd if ``sync``."""
    with open(path, "xb") as file:
        file.write(content)
        if checksum:
            file.write(U32.pack(crc32(content)))
        file.flush()
        if sync:
            os.fsync(file.fileno())


def read_checked(path: Path) -> memoryview:
    """The body of a checksummed component, after checking its trailing CRC32."""
    data = path.read_bytes()
    if len(data) < U32.size:
        raise CorruptSSTableError(path, 0, f"file is {len(data)} bytes, too short for its checksum")
    body = memoryview(data)[: -U32.size]
    (stored,) = U32.unpack_from(data, len(body))
    if crc32(body) != stored:
        raise CorruptSSTableError(path, len(body), "checksum mismatch")
    return body


@contextlib.contextmanager
def decoding(path: Path, base_offset: int = 0) -> Iterator[None]:
    """Turn a decoding failure inside the block into a CorruptSSTableError naming ``path``."""
    try:
        yield
    except CorruptDataError as error:
        raise CorruptSSTableError(path, base_offset + error.offset, str(error)) from error


def fsync_directory(directory: Path) -> None:
    """Make creations, renames and deletions in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_if_exists(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
