"""Compaction history that survives a restart (Cassandra's ``system.compaction_history``).

Every finished compaction appends one record to ``<data dir>/compaction_history.log``; opening the node
reads them back, so ``nodetool compactionhistory`` lists compactions from before the restart. As in
Cassandra (whose table has a 7-day default TTL), records older than ``retention_seconds`` are forgotten
when the file is loaded, and the file is rewritten (to a temporary name, fsync'd, renamed) whenever it
holds more than twice ``limit`` records (keeping the newest ``limit``).

Byte layout (big-endian)::

    file    := record*
    record  := u32 length, body, u32 crc32(body)
    body    := u8 version (1), 16 bytes id (UUID), text keyspace, text table, i64 compacted_at (ms since
               the epoch), i64 bytes_in, i64 bytes_out, u16 n, (u32 inputs, u64 partitions)*n
    text    := u16 length, UTF-8 bytes

``(inputs, partitions)`` is ``rows_merged``: how many partitions were found in that many inputs. A torn or
corrupt tail (a crash while appending) is cut off with a warning; a bad record in the middle ends the
load there too — the history is informational, never worth refusing to start for.
"""

from __future__ import annotations

import logging
import os
import struct
import threading
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

log = logging.getLogger(__name__)

FILENAME = "compaction_history.log"
VERSION = 1
DEFAULT_RETENTION_SECONDS = 7 * 24 * 3600

_FRAME = struct.Struct(">I")
_TEXT = struct.Struct(">H")
_NUMBERS = struct.Struct(">qqqH")
_PAIR = struct.Struct(">IQ")


@dataclass(frozen=True, slots=True)
class CompactionRecord:
    """One finished compaction (``nodetool compactionhistory``)."""

    id: uuid.UUID
    keyspace: str
    table: str
    compacted_at_ms: int
    bytes_in: int
    bytes_out: int
    partitions_merged: MappingProxyType[int, int]  # how many inputs held each partition -> count


def encode(record: CompactionRecord) -> bytes:
    body = bytearray([VERSION])
    body += record.id.bytes
    for text in (record.keyspace, record.table):
        raw = text.encode("utf-8")
        body += _TEXT.pack(len(raw)) + raw
    merged = record.partitions_merged
    body += _NUMBERS.pack(record.compacted_at_ms, record.bytes_in, record.bytes_out, len(merged))
    for inputs, count in merged.items():
        body += _PAIR.pack(inputs, count)
    return _FRAME.pack(len(body)) + bytes(body) + _FRAME.pack(zlib.crc32(body) & 0xFFFFFFFF)


def decode(body: bytes) -> CompactionRecord:
    """One record's body (its CRC already checked); ValueError or struct.error if malformed."""
    if not body or body[0] != VERSION:
        raise ValueError(f"unknown compaction history record version {body[:1]!r}")
    offset = 1
    record_id = uuid.UUID(bytes=body[offset : offset + 16])
    offset += 16
    texts = []
    for _ in range(2):
        (length,) = _TEXT.unpack_from(body, offset)
        offset += _TEXT.size
        texts.append(body[offset : offset + length].decode("utf-8"))
        offset += length
    compacted_at, bytes_in, bytes_out, n = _NUMBERS.unpack_from(body, offset)
    offset += _NUMBERS.size
    merged = {}
    for _ in range(n):
        inputs, count = _PAIR.unpack_from(body, offset)
        offset += _PAIR.size
        merged[inputs] = count
    if offset != len(body):
        raise ValueError("bytes left over after the record")
    return CompactionRecord(
        record_id, texts[0], texts[1], compacted_at, bytes_in, bytes_out, MappingProxyType(merged)
    )


def read(path: Path) -> tuple[list[CompactionRecord], int]:
    """The records of ``path`` in order, and the length of its valid prefix."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], 0
    records: list[CompactionRecord] = []
    offset = 0
    while offset < len(data):
        end = offset + _FRAME.size
        if end > len(data):
            break
        (length,) = _FRAME.unpack_from(data, offset)
        body = data[end : end + length]
        if len(body) != length or end + length + _FRAME.size > len(data):
            break
        (stored,) = _FRAME.unpack_from(data, end + length)
        if zlib.crc32(body) & 0xFFFFFFFF != stored:
            break
        try:
            records.append(decode(body))
        except (ValueError, struct.error, UnicodeDecodeError):
            break
        offset = end + length + _FRAME.size
    if offset != len(data):
        log.warning("%s: ignoring %d damaged bytes at offset %d", path, len(data) - offset, offset)
    return records, offset


class HistoryFile:
    """The persisted history of one node. Thread-safe."""

    def __init__(
        self,
        path: Path,
        *,
        now_ms: int,
        retention_seconds: int = DEFAULT_RETENTION_SECONDS,
        limit: int = 1000,
        sync: bool = True,
    ) -> None:
        self.path = path
        self._sync = sync
        self._limit = limit
        self._retention_ms = retention_seconds * 1000
        self._lock = threading.Lock()
        records, valid = read(path)
        kept = [r for r in records if r.compacted_at_ms >= now_ms - self._retention_ms][-limit:]
        self._records = kept
        if len(kept) != len(records) or (path.exists() and valid != path.stat().st_size):
            self._rewrite()

    def records(self) -> list[CompactionRecord]:
        with self._lock:
            return list(self._records)

    def append(self, record: CompactionRecord) -> None:
        with self._lock:
            self._records.append(record)
            if len(self._records) > 2 * self._limit:
                oldest_kept = record.compacted_at_ms - self._retention_ms
                kept = [r for r in self._records if r.compacted_at_ms >= oldest_kept]
                self._records = kept[-self._limit :]
                self._rewrite()
                return
            with open(self.path, "ab") as file:
                file.write(encode(record))
                file.flush()
                if self._sync:
                    os.fsync(file.fileno())

    def _rewrite(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "wb") as file:
            file.write(b"".join(encode(r) for r in self._records))
            file.flush()
            if self._sync:
                os.fsync(file.fileno())
        tmp.replace(self.path)
