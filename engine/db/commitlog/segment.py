"""One segment file that a commitlog writes, and the tables with unflushed data in it.

A segment is created complete with its header (written to ``<name>.tmp``, preallocated to the
commitlog's ``segment_size``, then renamed), **memory-mapped**, and appended to by copying each entry into
the mapping, as Cassandra's ``MemoryMappedSegment`` does. A mapping is shared with the OS page cache, so
a copied entry is in the page cache at once, exactly as after an ``os.write``: a killed process loses
nothing it wrote, and only an fsync (which writes back the file's dirty pages, mapped or not) makes it
survive a power loss. An append is then a memory copy instead of a system call, which matters because a
system call also hands the interpreter lock to whichever thread waits for it (a flush), and the writer
then waits for it back.

Preallocation (``posix_fallocate`` where the platform has it) reserves the blocks up front, so a full
disk is an error when a segment is created, not a ``SIGBUS`` on a later copy into a sparse page. The
unwritten rest of a segment reads as zeros, which replay takes as the end of the written data.
Pages already written are unmapped from the process every few MiB (``MADV_DONTNEED``: their contents
stay in the page cache, they only stop counting as the process's memory). ``finish`` unmaps the segment
and truncates the file to what was written: a segment that is full (retired
before the next one starts) or closed is exactly as long as its header and entries, and only the newest
segment of a crashed node ends in zeros.

**Dirty tables.** For each table that has data in the segment, ``dirty`` holds the end offset of that
table's last entry. A memtable flush that made everything up to position P durable marks the table clean
in every older segment and, in P's segment, if the table's last entry ends at or before P. A segment with
no dirty tables that is no longer being written is *unused* and the commitlog deletes it. This is the
high-water-mark form of Cassandra's ``CommitLogSegment.cfDirty``/``cfClean`` bookkeeping: a table whose
later write went to a newer memtable stays dirty until that memtable is flushed too, which is the safe
side.

Not thread-safe: the owning ``CommitLog`` serialises every call under its lock.
"""

from __future__ import annotations

import errno
import logging
import mmap
import os
import struct
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from zlib import crc32

from engine.db.commitlog.format import HEADER_SIZE, TEMP_SUFFIX, encode_header, segment_file_name

# An entry's framing (see ``format``): length and length CRC before the body, body CRC after it.
_FRAME_INTO = struct.Struct(">II").pack_into
_U32_INTO = struct.Struct(">I").pack_into
_U32_PACK = struct.Struct(">I").pack

# Written pages are dropped from the process's mapping every this many bytes (a multiple of the page
# size): a shared file mapping's pages stay in the page cache, and count in the process's resident memory
# while mapped. MADV_DONTNEED keeps their contents (they are the file's), it only unmaps them.
_RELEASE_EVERY = 4 * 1024 * 1024
_DONTNEED: int | None = getattr(mmap, "MADV_DONTNEED", None)

logger = logging.getLogger(__name__)

# Read and write: a shared mapping needs both.
_OPEN_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """What ``CommitLog.active_segments`` reports about one live segment."""

    segment_id: int
    path: Path
    size: int
    dirty_tables: frozenset[uuid.UUID]
    #: True for the segment new entries go to.
    allocating: bool


class Segment:
    """A segment being written (or full and waiting until its tables are flushed)."""

    def __init__(self, segment_id: int, path: Path, fd: int, capacity: int) -> None:
        self.segment_id = segment_id
        self.path = path
        self._fd: int | None = fd
        self.size = HEADER_SIZE
        # The whole preallocated file, mapped; None once finished (full or closed).
        self._map: mmap.mmap | None = mmap.mmap(fd, capacity)
        self._released = 0  # pages before this offset are unmapped from the process (_release_written)
        self._release_at = _RELEASE_EVERY
        self.dirty: dict[uuid.UUID, int] = {}
        # Whether the directory entry of this file has been fsynced (done with the segment's first sync).
        self.directory_synced = False

    @classmethod
    def create(cls, directory: Path, segment_id: int, capacity: int) -> Segment:
        """A new segment of ``capacity`` bytes (the header included), ready for appends."""
        path = directory / segment_file_name(segment_id)
        temp = path.with_name(path.name + TEMP_SUFFIX)
        fd = os.open(temp, _OPEN_FLAGS, 0o644)
        try:
            _write_all(fd, encode_header(segment_id))
            _preallocate(fd, capacity)
            os.rename(temp, path)
            return cls(segment_id, path, fd, capacity)
        except BaseException:
            os.close(fd)
            temp.unlink(missing_ok=True)
            path.unlink(missing_ok=True)
            raise

    @property
    def fd(self) -> int:
        if self._fd is None:
            raise ValueError(f"commitlog segment {self.path} is closed")
        return self._fd

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def write_entry(self, body: bytes) -> int:
        """Append ``encode_entry(body)`` (the caller checked that it fits), framed in place in the mapping;
        returns the offset just past it."""
        segment_map = self._map
        if segment_map is None:
            raise ValueError(f"commitlog segment {self.path} is closed")
        start = self.size
        length = len(body)
        _FRAME_INTO(segment_map, start, length, crc32(_U32_PACK(length)))
        start += 8
        end = start + length
        segment_map[start:end] = body
        _U32_INTO(segment_map, end, crc32(body))
        end += 4
        self.size = end
        if end >= self._release_at:
            self._release_written()
        return end

    def _release_written(self) -> None:
        """Unmap the pages already written from this process (the page cache keeps them, dirty until
        written back), so a segment costs the process ``_RELEASE_EVERY`` bytes of memory, not its size."""
        upto = self.size - self.size % _RELEASE_EVERY
        if _DONTNEED is not None and self._map is not None and upto > self._released:
            self._map.madvise(_DONTNEED, self._released, upto - self._released)
            self._released = upto
        self._release_at = upto + _RELEASE_EVERY

    def finish(self) -> None:
        """Stop appending: unmap the segment and cut the file to what was written (the caller fsyncs)."""
        if self._map is not None:
            self._map.close()
            self._map = None
            os.ftruncate(self.fd, self.size)

    def mark_dirty(self, table_ids: Iterable[uuid.UUID], end: int) -> None:
        for table_id in table_ids:
            self.dirty[table_id] = end

    def mark_clean(self, table_id: uuid.UUID, upto: int | None) -> None:
        """The table's data up to offset ``upto`` (None: all of it) is flushed."""
        end = self.dirty.get(table_id)
        if end is not None and (upto is None or end <= upto):
            del self.dirty[table_id]

    def info(self, *, allocating: bool) -> SegmentInfo:
        return SegmentInfo(self.segment_id, self.path, self.size, frozenset(self.dirty), allocating)

    def close(self) -> None:
        if self._fd is not None:
            try:
                self.finish()
            finally:
                os.close(self._fd)
                self._fd = None

    def delete(self) -> None:
        self.close()
        try:
            self.path.unlink(missing_ok=True)
        except OSError as error:
            # A segment we cannot delete only costs disk space and a redundant replay; say so and go on.
            logger.warning("could not delete commitlog segment %s: %s", self.path, error)
        else:
            logger.debug("deleted commitlog segment %s", self.path)


def _preallocate(fd: int, capacity: int) -> None:
    """Give the file ``capacity`` bytes, with its blocks reserved where the platform can."""
    fallocate = getattr(os, "posix_fallocate", None)
    if fallocate is not None:
        try:
            fallocate(fd, 0, capacity)
            return
        except OSError as error:
            if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                raise  # ENOSPC above all: no segment rather than a SIGBUS later
    os.ftruncate(fd, capacity)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
