"""Reading an SSTable without loading it: point lookups, ordered scans, verification and metrics.

``SSTableReader.open`` loads only the small components (Summary, Filter, Statistics, CompressionInfo; each
checked against its CRC32) and checks Index.db's footer and Data.db's length; Data.db and Index.db stay on
disk, read with ``os.pread`` (no shared file position, so one reader serves many threads).

A **point read** (``get``) goes: key range check → bloom filter (with the key's hash computed once per
read: ``FilterKey``) → the node's key cache, or else a binary search of the summary for the one index block
that can hold the key → read and verify that block (at most ``index_interval`` entries) and binary-search it
→ the chunk(s) the partition spans, from the node's chunk cache or read, verified and decompressed → decode
(``engine.db.partition_decoder``). The caches are the node's (``engine.db.caches``); a reader opened
without them keeps a few recently decompressed chunks of its own.

A **scan** walks index blocks and chunks in order from the first block that can hold its start bound,
keeping one decompressed chunk at a time (it bypasses the caches, so a compaction does not evict the chunks
of point reads). Bounds are ``(token, key)`` positions, or a bare token meaning every key with that token.

Metrics: bloom filter true positives, false positives and negatives, sizes, and the partition estimate from
the statistics. The counters are plain ``+=`` on attributes: under the GIL, CPython switches threads only
at calls and backward jumps, so increments do not interleave (and a lost count would only blur a metric).
"""

from __future__ import annotations

import os
import threading
import types
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.db.caches import CHUNK_ENTRY_OVERHEAD, KEY_ENTRY_OVERHEAD, Caches
from engine.db.partition_decoder import decode_partition
from engine.db.rows import PartitionUpdate
from engine.db.serialization import CorruptDataError
from engine.db.sstable.bloom import BloomFilter, FilterKey
from engine.db.sstable.compression import CompressionInfo, read_chunk
from engine.db.sstable.descriptor import Component, Descriptor, component_paths
from engine.db.sstable.errors import CorruptSSTableError, SSTableError
from engine.db.sstable.files import crc32, read_checked
from engine.db.sstable.index import (
    Block,
    IndexEntry,
    Summary,
    TokenKey,
    check_footer,
    footer_blocks_crc,
    read_block,
)
from engine.db.sstable.statistics import StatsMetadata

#: A scan bound: a (token, key) position, or a token standing for all of its keys.
ScanBound = int | TokenKey

DEFAULT_CHUNK_CACHE_SIZE = 8
_SCAN_READ_SIZE = 1 << 20


@dataclass(frozen=True, slots=True)
class BloomFilterStats:
    """Outcomes of the bloom filter on this SSTable's point reads."""

    true_positives: int
    false_positives: int
    negatives: int

    @property
    def positives(self) -> int:
        return self.true_positives + self.false_positives

    @property
    def false_ratio(self) -> float:
        """False positives over positives (nodetool's "Bloom filter false ratio")."""
        return self.false_positives / self.positives if self.positives else 0.0


class SSTableReader:
    """An open, complete SSTable. Thread-safe; ``close`` when no reader needs it any more."""

    def __init__(
        self,
        descriptor: Descriptor,
        summary: Summary,
        bloom: BloomFilter,
        statistics: StatsMetadata,
        compression: CompressionInfo,
        data_fd: int,
        index_fd: int,
        chunk_cache_size: int,
        caches: Caches | None = None,
    ) -> None:
        self.descriptor = descriptor
        self.summary = summary
        self.statistics = statistics
        self.compression = compression
        self._bloom = bloom
        self._data_fd = data_fd
        self._index_fd = index_fd
        self._data_path = descriptor.filename(Component.DATA)
        self._index_path = descriptor.filename(Component.INDEX)
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._cache_size = chunk_cache_size
        self._caches = caches
        self._id = caches.register() if caches is not None else 0
        self._first = summary.first
        self._last = summary.last
        self._chunk_length = compression.chunk_length
        self._names: dict[bytes, str] = {}  # column names met in this SSTable's partitions
        self._lock = threading.Lock()
        # Bloom filter outcomes of point reads (a caller that tests the filter itself counts negatives).
        self.true_positives = self.false_positives = self.negatives = 0
        self._closed = False
        # When compaction replaces this SSTable, reads that started earlier may still use it: the files
        # are unlinked at once and the descriptors closed when the last reference goes (or by close()).
        self._finalizer = weakref.finalize(self, _close_fds, data_fd, index_fd)

    @classmethod
    def open(
        cls,
        descriptor: Descriptor,
        *,
        chunk_cache_size: int = DEFAULT_CHUNK_CACHE_SIZE,
        caches: Caches | None = None,
    ) -> SSTableReader:
        """Open a complete SSTable (its TOC exists), checking every small component's CRC32."""
        if not descriptor.filename(Component.TOC).exists():
            raise SSTableError(f"{descriptor} is not a complete SSTable: {Component.TOC.value} is missing")

        def load(component: Component) -> tuple[memoryview, Path]:
            path = descriptor.filename(component)
            try:
                return read_checked(path), path
            except FileNotFoundError as error:
                raise SSTableError(f"{descriptor} is missing its {component.value}") from error

        summary = Summary.from_bytes(*load(Component.SUMMARY))
        bloom = BloomFilter.from_bytes(*load(Component.FILTER))
        statistics = StatsMetadata.from_bytes(*load(Component.STATISTICS))
        compression = CompressionInfo.from_bytes(*load(Component.COMPRESSION_INFO))
        data_fd = os.open(descriptor.filename(Component.DATA), os.O_RDONLY)
        try:
            index_fd = os.open(descriptor.filename(Component.INDEX), os.O_RDONLY)
        except BaseException:
            os.close(data_fd)
            raise
        try:
            check_footer(index_fd, descriptor.filename(Component.INDEX), summary)
            data_size = os.fstat(data_fd).st_size
            if data_size != compression.data_length:
                raise CorruptSSTableError(
                    descriptor.filename(Component.DATA),
                    data_size,
                    f"file is {data_size} bytes, CompressionInfo.db says {compression.data_length}",
                )
        except BaseException:
            os.close(data_fd)
            os.close(index_fd)
            raise
        return cls(
            descriptor, summary, bloom, statistics, compression, data_fd, index_fd, chunk_cache_size, caches
        )

    # ------------------------------------------------------------------------------------------ reads

    @property
    def caches(self) -> Caches | None:
        return self._caches

    @property
    def bloom(self) -> BloomFilter:
        return self._bloom

    def might_contain(self, key: bytes) -> bool:
        """What the bloom filter says (no counting: this is not a read)."""
        return self._bloom.might_contain(key)

    def get(
        self, key: bytes, token: int, fkey: FilterKey | None = None, *, rows: bool = True
    ) -> PartitionUpdate | None:
        """The partition stored for ``key``, or None; with ``rows=False`` only its header (partition
        deletion, static row, range tombstones), for a slice read that needs nothing else here. ``fkey``
        is the key's hash when the caller asks several SSTables."""
        first, last = self._first, self._last
        if token < first[0] or token > last[0]:
            return None
        if (token == first[0] and key < first[1]) or (token == last[0] and key > last[1]):
            return None
        bloom = self._bloom
        if bloom.word_count:
            if fkey is None:
                fkey = FilterKey(key)
            mask = fkey.mask(bloom.hash_count)
            if bloom.words[fkey.word % bloom.word_count] & mask != mask:
                self.negatives += 1
                return None
        return self.read_admitted(key, token, rows)

    def read_admitted(self, key: bytes, token: int, rows: bool = True) -> PartitionUpdate | None:
        """``get`` for a key the caller already found in the key range and the bloom filter (and counted
        as a negative if not): the partition, or None for a bloom filter false positive."""
        caches = self._caches
        found = caches.keys.get((self._id, key)) if caches is not None else None
        if found is None:
            target = (token, key)
            block = self.summary.block_for(target)
            entry = self._cached_block(block).find(target) if block >= 0 else None
            if entry is None:
                self.false_positives += 1
                return None
            found = (entry.position, entry.size)
            if caches is not None:
                caches.keys.put((self._id, key), found, KEY_ENTRY_OVERHEAD + len(key))
        self.true_positives += 1
        position, size = found
        if caches is not None:  # the common case, inlined: a partition within one chunk, chunk cache
            length = self._chunk_length
            index = position // length
            start = position - index * length
            if 0 < size <= length - start:
                chunk = caches.chunks.get((self._id, index))
                if chunk is None:
                    chunk = self._load_chunk(index)
                    caches.chunks.put((self._id, index), chunk, CHUNK_ENTRY_OVERHEAD + len(chunk))
                return self._decoded(key, token, position, chunk[start : start + size], rows)
        return self._partition(key, token, position, size, self._cached_chunk, rows)

    def scan(
        self,
        start: ScanBound | None = None,
        end: ScanBound | None = None,
        *,
        start_inclusive: bool = True,
        end_inclusive: bool = True,
    ) -> Iterator[PartitionUpdate]:
        """Partitions from ``start`` to ``end`` in order (None: unbounded). Wrapping ranges are the
        caller's to split."""
        current: list[tuple[int, bytes]] = []

        def chunk(index: int) -> bytes:
            if not current or current[0][0] != index:
                current[:] = [(index, self._load_chunk(index))]
            return current[0][1]

        for entry in self._entries(start, end, start_inclusive, end_inclusive):
            yield self._partition(entry.key, entry.token, entry.position, entry.size, chunk)

    def keys(
        self, start: ScanBound | None = None, end: ScanBound | None = None
    ) -> Iterator[tuple[int, bytes]]:
        """``(token, key)`` of the partitions in ``[start, end]``, from the index alone."""
        for entry in self._entries(start, end, True, True):
            yield entry.token, entry.key

    def _entries(
        self, start: ScanBound | None, end: ScanBound | None, start_inclusive: bool, end_inclusive: bool
    ) -> Iterator[IndexEntry]:
        low: TokenKey | None = None
        if start is not None:
            low = (start, b"") if isinstance(start, int) else start
        block = max(self.summary.block_for(low), 0) if low is not None else 0
        for number in range(block, len(self.summary.keys)):
            decoded = self._block(number)
            first = decoded.first_at_or_after(low) if low is not None and number == block else 0
            for entry in decoded.entries(first):
                if start is not None and not _after_start(entry, start, start_inclusive):
                    continue
                if end is not None and not _before_end(entry, end, end_inclusive):
                    return
                yield entry

    def _block(self, number: int) -> Block:
        start, end = self.summary.block_extent(number)
        return Block(read_block(self._index_fd, self._index_path, start, end), self._index_path, start)

    def _cached_block(self, number: int) -> Block:
        """Index block ``number`` through the node's chunk cache (Cassandra's chunk cache serves Index.db
        too): a bloom filter false positive, or a key cache miss, then skips the read and its CRC check.
        Index blocks are cached under negative chunk numbers, -1 - block."""
        caches = self._caches
        if caches is None:
            return self._block(number)
        cache_key = (self._id, -1 - number)
        body = caches.chunks.get(cache_key)
        start, end = self.summary.block_extent(number)
        if body is None:
            body = read_block(self._index_fd, self._index_path, start, end)
            caches.chunks.put(cache_key, body, CHUNK_ENTRY_OVERHEAD + len(body))
        return Block(body, self._index_path, start)

    def _partition(
        self,
        key: bytes,
        token: int,
        position: int,
        size: int,
        chunk: Callable[[int], bytes],
        rows: bool = True,
    ) -> PartitionUpdate:
        compression = self.compression
        length = compression.chunk_length
        if size <= 0 or position + size > compression.uncompressed_length:
            raise CorruptSSTableError(
                self._index_path,
                0,
                f"entry for key 0x{key.hex()} points outside the data: {position}+{size}",
            )
        first, last = position // length, (position + size - 1) // length
        if first == last:
            start = position - first * length
            span = chunk(first)[start : start + size]
        else:
            parts = []
            for index in range(first, last + 1):
                base = index * length
                parts.append(
                    chunk(index)[max(position, base) - base : min(position + size, base + length) - base]
                )
            span = b"".join(parts)
        return self._decoded(key, token, position, span, rows)

    def _decoded(self, key: bytes, token: int, position: int, span: bytes, rows: bool) -> PartitionUpdate:
        names = self._names
        if len(names) > 4096:  # a table has few column names; this only bounds a pathological one
            names.clear()
        try:
            partition = decode_partition(span, rows=rows, names=names)
        except CorruptDataError as error:
            raise CorruptSSTableError(
                self._data_path,
                position + error.offset,
                f"(uncompressed position) partition 0x{key.hex()}: {error}",
            ) from error
        if partition.key != key or partition.token != token:
            raise CorruptSSTableError(
                self._data_path, position, f"(uncompressed position) expected partition 0x{key.hex()}"
            )
        return partition

    def _load_chunk(self, index: int) -> bytes:
        return read_chunk(self._data_fd, self.compression, index, self._data_path)

    def _cached_chunk(self, index: int) -> bytes:
        caches = self._caches
        if caches is not None:
            chunk = caches.chunks.get((self._id, index))
            if chunk is None:
                chunk = self._load_chunk(index)
                caches.chunks.put((self._id, index), chunk, CHUNK_ENTRY_OVERHEAD + len(chunk))
            return chunk
        with self._lock:
            chunk = self._cache.get(index)
            if chunk is not None:
                self._cache.move_to_end(index)
                return chunk
        chunk = self._load_chunk(index)  # outside the lock: reads of other chunks go on meanwhile
        with self._lock:
            self._cache[index] = chunk
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return chunk

    # ------------------------------------------------------------------------------------------ checks

    def verify(self) -> int:
        """Check everything: Data.db against its digest and chunk CRCs, every index block and the index's
        chained CRC, the index against the data (contiguous, in order), and that every partition
        deserializes. Returns the partition count; raises CorruptSSTableError at the first problem."""
        digest_path = self.descriptor.filename(Component.DIGEST)
        expected_digest = digest_path.read_text(encoding="ascii").strip()
        digest = _file_crc(self._data_fd, self.compression.data_length)
        if str(digest) != expected_digest:
            raise CorruptSSTableError(
                self._data_path, 0, f"digest {digest} does not match {digest_path.name}"
            )
        if _file_crc(self._index_fd, self.summary.blocks_end) != footer_blocks_crc(self._index_fd):
            raise CorruptSSTableError(self._index_path, 0, "index blocks do not match the footer checksum")
        position, previous, count = 0, None, 0
        for partition_entry in self._entries(None, None, True, True):
            here = (partition_entry.token, partition_entry.key)
            if partition_entry.position != position or (previous is not None and here <= previous):
                raise CorruptSSTableError(
                    self._index_path, 0, f"entry {count} is out of order or not contiguous"
                )
            position, previous = position + partition_entry.size, here
            count += 1
        if position != self.compression.uncompressed_length or count != self.summary.entry_count:
            raise CorruptSSTableError(self._index_path, 0, "index does not cover the data exactly")
        for _ in self.scan():
            pass
        return count

    def salvage(self) -> Iterator[PartitionUpdate | CorruptSSTableError]:
        """Every partition that can still be read, in order, and an error for each damaged part instead
        (an index block, or a partition whose chunk or bytes fail their checks): what scrub keeps.
        Entries out of order (a damaged index) are reported, never yielded."""
        previous: TokenKey | None = None
        current: list[tuple[int, bytes]] = []

        def chunk(index: int) -> bytes:  # the last chunk read, as in scan
            if not current or current[0][0] != index:
                current[:] = [(index, self._load_chunk(index))]
            return current[0][1]

        for number in range(len(self.summary.keys)):
            try:
                block = self._block(number)
                entries = list(block.entries())
            except CorruptSSTableError as error:
                yield error
                continue
            for entry in entries:
                here = (entry.token, entry.key)
                if previous is not None and here <= previous:
                    yield CorruptSSTableError(self._index_path, 0, f"entry 0x{entry.key.hex()} out of order")
                    continue
                try:
                    partition = self._partition(entry.key, entry.token, entry.position, entry.size, chunk)
                except CorruptSSTableError as error:
                    yield error
                    continue
                previous = here
                yield partition

    # ------------------------------------------------------------------------------------------ metrics

    def bloom_filter_stats(self) -> BloomFilterStats:
        return BloomFilterStats(self.true_positives, self.false_positives, self.negatives)

    @property
    def bloom_filter_size(self) -> int:
        return self._bloom.size_in_bytes

    @property
    def estimated_partitions(self) -> int:
        return self.statistics.estimated_partitions

    @property
    def data_size(self) -> int:
        """Bytes of Data.db on disk (compressed)."""
        return self.compression.data_length

    @property
    def uncompressed_size(self) -> int:
        return self.compression.uncompressed_length

    @property
    def on_disk_size(self) -> int:
        """Bytes of every component on disk."""
        return sum(path.stat().st_size for path in self.component_paths())

    def component_paths(self) -> list[Path]:
        return component_paths(self.descriptor)

    @property
    def first(self) -> TokenKey:
        return self.summary.first

    @property
    def last(self) -> TokenKey:
        return self.summary.last

    # ------------------------------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._finalizer()
        with self._lock:
            self._cache.clear()
        if self._caches is not None:
            blocks = len(self.summary.keys)
            self._caches.chunks.discard([(self._id, i) for i in range(-blocks, self.compression.chunk_count)])

    def __enter__(self) -> SSTableReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SSTableReader({self.descriptor}, {self.summary.entry_count} partitions)"


def _close_fds(*fds: int) -> None:
    for fd in fds:
        os.close(fd)


def _file_crc(fd: int, end: int) -> int:
    """CRC32 of the first ``end`` bytes of a file, read a piece at a time."""
    value, offset = 0, 0
    while offset < end:
        piece = os.pread(fd, min(_SCAN_READ_SIZE, end - offset), offset)
        if not piece:
            break
        value = crc32(piece, value)
        offset += len(piece)
    return value


def _after_start(entry: IndexEntry, start: ScanBound, inclusive: bool) -> bool:
    here: int | TokenKey = entry.token if isinstance(start, int) else (entry.token, entry.key)
    return here >= start if inclusive else here > start  # type: ignore[operator]


def _before_end(entry: IndexEntry, end: ScanBound, inclusive: bool) -> bool:
    here: int | TokenKey = entry.token if isinstance(end, int) else (entry.token, entry.key)
    return here <= end if inclusive else here < end  # type: ignore[operator]
