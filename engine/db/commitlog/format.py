"""Byte format of commitlog segments, their file names, and positions in them.

A node's ``commitlog/`` directory holds segment files named like Cassandra's::

    CommitLog-<version>-<segment id>.log        e.g. CommitLog-1-1718000000000.log

``version`` is the format version below (1 is cqlkit's first; Cassandra's own versions are different
formats and are refused). Segment ids increase monotonically: a commitlog seeds them at start-up with
``max(wall clock in ms, highest id on disk + 1)`` (Cassandra's ``CommitLogSegment`` id base) and adds one
per new segment, so sorting by id is sorting by age. A segment is first written as
``<name>.tmp`` and renamed once its header is complete, so a crash never leaves a segment without a
header; leftover ``.tmp`` files are deleted when a commitlog opens the directory.

All integers are big-endian; CRC32 is zlib's (the same polynomial as Java's ``java.util.zip.CRC32``)::

    segment := header, entry*
    header  := 8 bytes magic "CQLKITCL", u32 format version (1), u64 segment id,
               u32 CRC32(the 20 bytes before it)                                     -- 24 bytes
    entry   := u32 length, u32 CRC32(the 4 length bytes),
               body (length bytes: Mutation.serialize()), u32 CRC32(body)           -- 12 bytes + body

This is Cassandra's entry framing (size, size checksum, data, data checksum): the length has its own
checksum so that a damaged length is recognised before it is used to skip ahead. The header's segment id
must equal the one in the file name. A segment being written is preallocated to ``commitlog_segment_size``
bytes, zeros after its last entry; a full (retired) or closed segment is cut to exactly its header and
entries. A zero length (with a zero CRC) is never written; replay treats it as the end of the written data
(the preallocated tail).

A **position** ``CommitLogPosition(segment_id, offset)`` is the offset just past an entry, as in
Cassandra: ``append`` returns the position at the end of the entry it wrote, and a memtable flushed up to
position P has made durable every entry whose position is ``<= P``. Positions order like tuples.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from engine.db.serialization import CorruptDataError

#: Format version written in file names and headers.
FORMAT_VERSION = 1
MAGIC = b"CQLKITCL"
_HEADER = struct.Struct(">8sIQ")
_U32 = struct.Struct(">I")
HEADER_SIZE = _HEADER.size + 4
#: Bytes an entry adds to its body: length, length CRC, body CRC.
ENTRY_OVERHEAD = 12
#: How an unfinished segment's name ends until its header is written (it is then renamed).
TEMP_SUFFIX = ".tmp"

_NAME = re.compile(r"CommitLog-(\d+)-(\d+)\.log")


class CommitLogPosition(NamedTuple):
    """A place in the commitlog: ``offset`` bytes into segment ``segment_id``. Ordered like tuples (it is
    one: every write creates a position, and a named tuple is the cheapest ordered value to build)."""

    segment_id: int
    offset: int

    def __str__(self) -> str:
        return f"CommitLogPosition(segmentId={self.segment_id}, position={self.offset})"


#: Before every position (Cassandra's ``CommitLogPosition.NONE``).
NO_POSITION = CommitLogPosition(-1, 0)


@dataclass(frozen=True, slots=True)
class SegmentFile:
    """A segment file found in a directory, identified by its name."""

    version: int
    segment_id: int
    path: Path


def segment_file_name(segment_id: int) -> str:
    return f"CommitLog-{FORMAT_VERSION}-{segment_id}.log"


def list_segments(directory: Path) -> tuple[SegmentFile, ...]:
    """Segment files in ``directory`` (whatever their version), oldest (lowest id) first.

    Other files, including unfinished ``.tmp`` segments, are ignored.
    """
    if not directory.is_dir():
        return ()
    found = []
    for path in directory.iterdir():
        match = _NAME.fullmatch(path.name)
        if match is not None and path.is_file():
            found.append(SegmentFile(int(match.group(1)), int(match.group(2)), path))
    return tuple(sorted(found, key=lambda f: f.segment_id))


def encode_header(segment_id: int) -> bytes:
    head = _HEADER.pack(MAGIC, FORMAT_VERSION, segment_id)
    return head + _U32.pack(zlib.crc32(head))


def decode_header(data: bytes | memoryview) -> int:
    """The segment id in a header; ``CorruptDataError`` names the field that is wrong."""
    if len(data) < HEADER_SIZE:
        raise CorruptDataError("segment header", 0, f"needs {HEADER_SIZE} bytes, {len(data)} present")
    magic, version, segment_id = _HEADER.unpack_from(data, 0)
    (crc,) = _U32.unpack_from(data, _HEADER.size)
    if magic != MAGIC:
        raise CorruptDataError("segment header magic", 0, f"{bytes(magic)!r} is not {MAGIC!r}")
    if zlib.crc32(data[: _HEADER.size]) != crc:
        raise CorruptDataError("segment header CRC", _HEADER.size, "checksum mismatch")
    if version != FORMAT_VERSION:
        raise CorruptDataError("segment header version", 8, f"unsupported version {version}")
    return int(segment_id)


def encode_entry(body: bytes) -> bytes:
    """One framed entry (see the module docstring)."""
    length = _U32.pack(len(body))
    return b"".join((length, _U32.pack(zlib.crc32(length)), body, _U32.pack(zlib.crc32(body))))
