"""Writing an SSTable: streaming, in order, and atomically visible.

Partitions are appended in the SSTable order: by token, ties by key bytes (unsigned); an out-of-order or
repeated key is refused (:class:`SSTableOrderError`), because every reader relies on the order (binary
search of the summary and index, merge of SSTables by position). Each partition is serialized with
``engine.db.serialization.write_partition`` into the uncompressed stream, which the chunked compressor
cuts and writes as it fills; the index is written block by block as entries come. What stays in memory is
one chunk, one index block, the summary (one entry per ``index_interval`` partitions), the chunk offsets,
the bloom filter bits (sized from ``expected_partitions``) and fixed-size statistics: not the data.

**Atomicity.** Every component is written under a temporary name (``tmp-nb-1-big-Data.db``). ``finish``:

1. flushes and fsyncs Data.db and Index.db, then writes and fsyncs Summary, Filter, Statistics,
   CompressionInfo and Digest (all still temporary);
2. renames each to its final name and fsyncs the directory;
3. writes the TOC to a temporary name, fsyncs it, renames it to ``nb-1-big-TOC.txt``, fsyncs the directory.

A crash before step 3 completes leaves files without a TOC, which no reader lists and which
``SSTableDirectory.cleanup_incomplete`` deletes at start-up: **an SSTable exists iff its TOC exists**.
``abort`` (or leaving a ``with`` block without ``finish``) deletes whatever was written.
"""

from __future__ import annotations

import enum
import os
import types
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from engine.db.caches import Caches
from engine.db.rows import ClusteringKey, PartitionUpdate
from engine.db.serialization import write_partition
from engine.db.sstable.bloom import BloomFilter
from engine.db.sstable.compression import ChunkedWriter
from engine.db.sstable.descriptor import ALL_COMPONENTS, Component, Descriptor
from engine.db.sstable.errors import SSTableError, SSTableOrderError
from engine.db.sstable.files import fsync_directory, remove_if_exists, write_file
from engine.db.sstable.index import IndexWriter
from engine.db.sstable.reader import SSTableReader
from engine.db.sstable.statistics import StatsCollector

DEFAULT_CHUNK_LENGTH_KB = 64
DEFAULT_INDEX_INTERVAL = 128
DEFAULT_BLOOM_FILTER_FP_CHANCE = 0.01


class WriterState(enum.Enum):
    OPEN = "open"
    FINISHED = "finished"
    ABORTED = "aborted"


class SSTableWriter:
    """Writes one SSTable. Use as ``append`` (repeatedly) then ``finish``, or ``abort``; not thread-safe.
    ``caches``: the node caches the finished SSTable's reader uses."""

    def __init__(
        self,
        descriptor: Descriptor,
        expected_partitions: int,
        *,
        chunk_length_in_kb: int = DEFAULT_CHUNK_LENGTH_KB,
        index_interval: int = DEFAULT_INDEX_INTERVAL,
        bloom_filter_fp_chance: float = DEFAULT_BLOOM_FILTER_FP_CHANCE,
        clustering_key: ClusteringKey | None = None,
        level: int = 0,
        repaired_at: int = 0,
        sync: bool = True,
        caches: Caches | None = None,
    ) -> None:
        if chunk_length_in_kb <= 0 or chunk_length_in_kb & (chunk_length_in_kb - 1):
            raise ValueError(f"chunk_length_in_kb must be a positive power of 2, got {chunk_length_in_kb}")
        if index_interval < 1:
            raise ValueError(f"index_interval must be positive, got {index_interval}")
        existing = [p for p in _all_paths(descriptor) if p.exists()]
        if existing:
            # abort() deletes by name: never let a writer own (and delete) another SSTable's files.
            raise SSTableError(f"cannot write {descriptor}: {existing[0].name} already exists")
        self.descriptor = descriptor
        self._sync = sync
        self._caches = caches
        self._level = level
        self._repaired_at = repaired_at
        self._bloom = BloomFilter.for_keys(expected_partitions, bloom_filter_fp_chance)
        self._stats = StatsCollector(clustering_key)
        self._first: tuple[int, bytes] | None = None
        self._last: tuple[int, bytes] | None = None
        self._state = WriterState.OPEN
        self._data: BinaryIO = open(descriptor.tmp_filename(Component.DATA), "xb")  # noqa: SIM115
        try:
            self._index: BinaryIO = open(descriptor.tmp_filename(Component.INDEX), "xb")  # noqa: SIM115
        except BaseException:
            self._data.close()
            remove_if_exists(descriptor.tmp_filename(Component.DATA))
            raise
        self._chunks = ChunkedWriter(self._data, chunk_length_in_kb * 1024)
        self._index_writer = IndexWriter(self._index, index_interval)

    # ------------------------------------------------------------------------------------------ writing

    def append(self, partition: PartitionUpdate) -> None:
        """Add the next partition; it must sort after every partition appended so far."""
        self._check_next(partition.token, partition.key)
        data = bytearray()
        write_partition(data, partition)
        self._stats.add(partition, len(data))
        self._write(partition.token, partition.key, data)

    def append_serialized(self, token: int, key: bytes, data: bytes) -> None:
        """``append`` for a partition given as its bytes (``serialize_partition``): what a flush does with
        the bytes a memtable holds; statistics come from the bytes, without decoding them."""
        self._check_next(token, key)
        self._stats.add_serialized(data)
        self._write(token, key, data)

    def append_all(self, partitions: Iterable[tuple[int, bytes, PartitionUpdate | bytes]]) -> None:
        """``append_serialized`` (or ``append`` for a ``PartitionUpdate``) for each ``(token, key,
        partition)`` in turn: what a flush does with a memtable. One loop with the steps of an append
        inlined, because a flush runs it for every partition while writers wait for the interpreter."""
        if self._state is not WriterState.OPEN:
            raise SSTableError(f"cannot append to {self.descriptor}: the writer is {self._state.value}")
        add_serialized = self._stats.add_serialized
        add_index = self._index_writer.add
        chunks = self._chunks
        write_chunks = chunks.write
        add_key = self._bloom.add
        first, last = self._first, self._last
        try:
            for token, key, partition in partitions:
                if last is not None and (token < last[0] or (token == last[0] and key <= last[1])):
                    self._last = last
                    self._check_next(token, key)  # raises: out of order
                if partition.__class__ is bytes:
                    data: bytes | bytearray = partition  # type: ignore[assignment]
                    add_serialized(data)
                else:
                    data = bytearray()
                    write_partition(data, partition)  # type: ignore[arg-type]
                    self._stats.add(partition, len(data))  # type: ignore[arg-type]
                add_index(token, key, chunks.position, len(data))
                write_chunks(data)
                add_key(key)
                last = (token, key)
                if first is None:
                    first = last
        finally:
            self._first, self._last = first, last

    def _check_next(self, token: int, key: bytes) -> None:
        if self._state is not WriterState.OPEN:
            raise SSTableError(f"cannot append to {self.descriptor}: the writer is {self._state.value}")
        last = self._last
        if last is not None and (token < last[0] or (token == last[0] and key <= last[1])):
            raise SSTableOrderError(
                f"partition (token {token}, key 0x{key.hex()}) appended to {self.descriptor} after "
                f"(token {last[0]}, key 0x{last[1].hex()}): partitions must be appended in "
                "token order, ties by key bytes, each key once"
            )

    def _write(self, token: int, key: bytes, data: bytes | bytearray) -> None:
        chunks = self._chunks
        self._index_writer.add(token, key, chunks.position, len(data))
        chunks.write(data)
        self._bloom.add(key)
        here = (token, key)
        if self._first is None:
            self._first = here
        self._last = here

    @property
    def partition_count(self) -> int:
        return self._stats.partition_count

    @property
    def uncompressed_bytes(self) -> int:
        """Size of the uncompressed stream so far (what compaction compares with a target SSTable size)."""
        return self._chunks.position

    @property
    def compressed_bytes(self) -> int:
        """Bytes written to Data.db so far (up to one chunk behind the appends)."""
        return self._chunks.data_length

    # ------------------------------------------------------------------------------------------ finishing

    def finish(self) -> SSTableReader:
        """Complete the SSTable, make it visible (TOC last) and open it for reading."""
        self.complete()
        return SSTableReader.open(self.descriptor, caches=self._caches)

    def complete(self) -> None:
        """Complete the SSTable and make it visible (TOC last), without opening it: what a flush worker
        process does, leaving the opening to the process that serves reads."""
        if self._state is not WriterState.OPEN:
            raise SSTableError(f"cannot finish {self.descriptor}: the writer is {self._state.value}")
        if self._first is None or self._last is None:
            self.abort()
            raise SSTableError(f"cannot finish {self.descriptor}: no partition was appended (aborted)")
        try:
            self._write_components(self._first, self._last)
        except BaseException:
            self.abort()
            raise
        self._state = WriterState.FINISHED

    def _write_components(self, first: tuple[int, bytes], last: tuple[int, bytes]) -> None:
        d = self.descriptor
        compression = self._chunks.finish()
        summary = self._index_writer.finish()
        for file in (self._data, self._index):
            file.flush()
            if self._sync:
                os.fsync(file.fileno())
            file.close()
        stats = self._stats.finish(
            first,
            last,
            compression.uncompressed_length,
            compression.data_length,
            level=self._level,
            repaired_at=self._repaired_at,
        )
        for component, body, checksum in (
            (Component.SUMMARY, summary.to_bytes(), True),
            (Component.FILTER, self._bloom.to_bytes(), True),
            (Component.STATISTICS, stats.to_bytes(), True),
            (Component.COMPRESSION_INFO, compression.to_bytes(), True),
            (Component.DIGEST, str(self._chunks.digest).encode(), False),
        ):
            write_file(d.tmp_filename(component), body, checksum=checksum, sync=self._sync)
        for component in ALL_COMPONENTS:
            if component is not Component.TOC:
                d.tmp_filename(component).rename(d.filename(component))
        if self._sync:
            fsync_directory(d.directory)
        toc = "".join(f"{component.value}\n" for component in ALL_COMPONENTS).encode()
        write_file(d.tmp_filename(Component.TOC), toc, checksum=False, sync=self._sync)
        d.tmp_filename(Component.TOC).rename(d.filename(Component.TOC))
        if self._sync:
            fsync_directory(d.directory)

    def abort(self) -> None:
        """Delete everything this writer wrote (tolerates files already removed). Idempotent."""
        if self._state is WriterState.FINISHED:
            raise SSTableError(f"cannot abort {self.descriptor}: it is already finished")
        self._state = WriterState.ABORTED
        for file in (self._data, self._index):
            file.close()
        d = self.descriptor
        # The TOC goes first so that, whatever happens next, the SSTable is not visible half-deleted.
        for path in (d.filename(Component.TOC), *_all_paths(d)):
            remove_if_exists(path)

    def __enter__(self) -> SSTableWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        if self._state is WriterState.OPEN:
            self.abort()


def _all_paths(descriptor: Descriptor) -> list[Path]:
    return [p for c in ALL_COMPONENTS for p in (descriptor.tmp_filename(c), descriptor.filename(c))]
