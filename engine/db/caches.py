"""A node's read caches: the key cache and the chunk cache (Cassandra's ``KeyCache`` and ``ChunkCache``).

* The **key cache** maps (SSTable, partition key) to where the partition lies in the SSTable's data
  stream, so a repeated point read skips the index block read, its checksum and its binary search.
  Only keys found are cached (a miss costs the bloom filter's false-positive rate, not an entry).
* The **chunk cache** holds decompressed Data.db chunks (and verified Index.db blocks, under negative
  chunk numbers, as Cassandra's chunk cache serves every file), so a read that lands in a recently read chunk
  skips the ``pread``, the CRC check and the LZ4 decompression (Cassandra's ``file_cache_size``). Scans
  (compaction, range reads) bypass it: they would evict every point read's chunks for a single pass.

Both are LRU maps bounded in bytes (``CacheConfig``: ``key_cache_size`` and ``file_cache_size``, as in
cassandra.yaml; 0 disables one), shared by every table of a node. Defaults: 16 MiB of keys, 256 MiB of
chunks (Cassandra's ``file_cache_size`` is the smaller of 1/4 of the heap and 512 MiB; ours is a bound,
filled only by point reads, so a node that only writes never holds it). An entry's cost is its payload plus a
fixed estimate of the Python objects around it, so the capacity bounds memory, not entry counts.
SSTables are told apart by an id the caches hand out when an SSTable is opened (``register``), never
reused by the same caches: an SSTable that compaction deleted cannot be confused with a later one, and
its entries age out (its chunks are dropped at once when it closes).

Counters follow ``nodetool info`` ("Key Cache : entries N, size X, capacity Y, H hits, R requests,
P recent hit rate"): hits and requests since start, and a recent hit rate over the requests since the
previous ``stats()`` call.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")

#: What an entry costs beyond its payload: the tuple key, the OrderedDict node, the value's header.
KEY_ENTRY_OVERHEAD = 160
CHUNK_ENTRY_OVERHEAD = 120


@dataclass(frozen=True, slots=True)
class CacheConfig:
    """Cache capacities in bytes (cassandra.yaml ``key_cache_size`` and ``file_cache_size``)."""

    key_cache_size: int = 16 * 1024 * 1024
    file_cache_size: int = 256 * 1024 * 1024


DEFAULT_CACHE_CONFIG = CacheConfig()


@dataclass(frozen=True, slots=True)
class CacheStats:
    entries: int
    size: int
    capacity: int
    hits: int
    requests: int
    recent_hit_rate: float  # hits over requests since the previous stats() (NaN if none, as Cassandra)


class LruCache(Generic[V]):
    """A thread-safe LRU map bounded by the summed ``size`` of its entries.

    ``get`` takes no lock (every point read calls it, several times): the ``OrderedDict`` lookup and
    move are single C calls under the GIL, and an entry evicted between them is still a valid answer.
    ``put`` and eviction hold the lock, which keeps the size accounting exact."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._hits = self._requests = 0
        self._seen = (0, 0)  # (hits, requests) at the previous stats()

    def get(self, key: Hashable) -> V | None:
        self._requests += 1
        found = self._entries.get(key)
        if found is None:
            return None
        self._hits += 1
        try:  # noqa: SIM105 (contextlib.suppress costs a context manager per hit)
            self._entries.move_to_end(key)
        except KeyError:  # evicted by a put meanwhile
            pass
        return found[0]

    def put(self, key: Hashable, value: V, size: int) -> None:
        if size > self.capacity:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= old[1]
            self._entries[key] = (value, size)
            self._size += size
            while self._size > self.capacity:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= dropped

    def discard(self, keys: list[Hashable]) -> None:
        with self._lock:
            for key in keys:
                old = self._entries.pop(key, None)
                if old is not None:
                    self._size -= old[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        return self._size

    def stats(self) -> CacheStats:
        with self._lock:
            hits, requests = self._hits, self._requests
            recent_hits, recent_requests = hits - self._seen[0], requests - self._seen[1]
            self._seen = (hits, requests)
            rate = recent_hits / recent_requests if recent_requests else float("nan")
            return CacheStats(len(self._entries), self._size, self.capacity, hits, requests, rate)


class Caches:
    """The key cache and the chunk cache of one node."""

    def __init__(self, config: CacheConfig = DEFAULT_CACHE_CONFIG) -> None:
        self.config = config
        # Entries: (sstable id, key) -> (position, size); (sstable id, chunk index) -> decompressed chunk.
        self.keys: LruCache[tuple[int, int]] = LruCache(config.key_cache_size)
        self.chunks: LruCache[bytes] = LruCache(config.file_cache_size)
        self._ids = itertools.count(1)

    def register(self) -> int:
        """A new id for an SSTable being opened (never handed out again by these caches)."""
        return next(self._ids)
