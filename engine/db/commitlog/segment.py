"""One segment file that a commitlog writes, and the tables with unflushed data in it.

A segment is created complete with its header (written to ``<name>.tmp``, then renamed), appended to
with plain ``os.write`` calls — the bytes reach the OS page cache at once, so a killed process loses
nothing it wrote; only an fsync makes them survive a power loss — and closed once full.

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

import logging
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from engine.db.commitlog.format import HEADER_SIZE, TEMP_SUFFIX, encode_header, segment_file_name

logger = logging.getLogger(__name__)

_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


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

    def __init__(self, segment_id: int, path: Path, fd: int) -> None:
        self.segment_id = segment_id
        self.path = path
        self._fd: int | None = fd
        self.size = HEADER_SIZE
        self.dirty: dict[uuid.UUID, int] = {}
        # Whether the directory entry of this file has been fsynced (done with the segment's first sync).
        self.directory_synced = False

    @classmethod
    def create(cls, directory: Path, segment_id: int) -> Segment:
        path = directory / segment_file_name(segment_id)
        temp = path.with_name(path.name + TEMP_SUFFIX)
        fd = os.open(temp, _OPEN_FLAGS, 0o644)
        try:
            _write_all(fd, encode_header(segment_id))
            os.rename(temp, path)
        except BaseException:
            os.close(fd)
            temp.unlink(missing_ok=True)
            raise
        return cls(segment_id, path, fd)

    @property
    def fd(self) -> int:
        if self._fd is None:
            raise ValueError(f"commitlog segment {self.path} is closed")
        return self._fd

    @property
    def is_open(self) -> bool:
        return self._fd is not None

    def write(self, entry: bytes) -> int:
        """Append ``entry``; returns the offset just past it."""
        fd = self._fd
        if fd is None:
            raise ValueError(f"commitlog segment {self.path} is closed")
        written = os.write(fd, entry)
        if written != len(entry):  # a short write: finish it
            _write_all(fd, entry[written:])
        self.size += len(entry)
        return self.size

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


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
