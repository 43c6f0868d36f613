"""The hints file: mutations a coordinator keeps for one replica that could not take them.

One file per target replica and period, ``<host id>-<creation ms>-1.hints`` in the coordinator's
``hints/`` directory (Cassandra's naming: host id, timestamp, version). The file is a sequence of framed,
checksummed records::

    record := u32 body_length | u32 crc32(body_length bytes) | body | u32 crc32(body)
    body   := i64 creation_time_ms | mutation (engine.db.mutation's byte format)

all big-endian, like Cassandra's ``HintsWriter`` (size, CRC of the size, hint, CRC of the hint).
``creation_time_ms`` is the coordinator's time when the hint was written (the network's clock).

**Torn tail.** A crash while appending leaves a partial last record: reading stops at the first record
whose frame is short or whose length checksum fails, and the hints before it are replayed. A body whose
checksum fails raises :class:`CorruptHint` naming the field and offset (data damaged at rest is not
silently skipped).
"""

from __future__ import annotations

import os
import struct
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.db.mutation import Mutation

SUFFIX = ".hints"
VERSION = 1
_U32 = struct.Struct(">I")
_I64 = struct.Struct(">q")


class CorruptHint(Exception):
    def __init__(self, path: Path, offset: int, field: str) -> None:
        super().__init__(f"{path}: corrupt hint at offset {offset}: {field} checksum mismatch")
        self.path = path
        self.offset = offset
        self.field = field


@dataclass(frozen=True, slots=True)
class Hint:
    created_at_ms: int
    mutation: Mutation


def file_name(host_id: uuid.UUID, created_at_ms: int) -> str:
    return f"{host_id}-{created_at_ms}-{VERSION}{SUFFIX}"


def host_id_of(path: Path) -> uuid.UUID | None:
    """The target host id a hints file is named after (``None`` for other files)."""
    if not path.name.endswith(SUFFIX):
        return None
    try:
        return uuid.UUID(path.name[:36])
    except ValueError:
        return None


def encode(hint: Hint) -> bytes:
    body = _I64.pack(hint.created_at_ms) + hint.mutation.serialize()
    length = _U32.pack(len(body))
    return length + _U32.pack(zlib.crc32(length)) + body + _U32.pack(zlib.crc32(body))


def append(path: Path, hints: list[Hint]) -> None:
    """Append ``hints`` to ``path`` and fsync (a hint is kept once the write was acknowledged)."""
    with open(path, "ab") as f:
        f.write(b"".join(encode(h) for h in hints))
        f.flush()
        os.fsync(f.fileno())


def read(path: Path) -> Iterator[Hint]:
    """The hints of ``path`` in write order, stopping at a torn tail."""
    data = path.read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        length_bytes = data[offset : offset + 4]
        (length,) = _U32.unpack(length_bytes)
        (length_crc,) = _U32.unpack_from(data, offset + 4)
        if zlib.crc32(length_bytes) != length_crc:
            return  # a torn or garbled frame header: the tail is lost
        body_start = offset + 8
        body_end = body_start + length
        if body_end + 4 > len(data):
            return  # torn tail
        body = data[body_start:body_end]
        (body_crc,) = _U32.unpack_from(data, body_end)
        if zlib.crc32(body) != body_crc:
            raise CorruptHint(path, offset, "hint body")
        (created,) = _I64.unpack_from(body, 0)
        yield Hint(created, Mutation.deserialize(memoryview(body)[8:]))
        offset = body_end + 4
