"""Mutable metrics of a running table: latency histograms and the counters for nodetool
tablehistograms/tablestats (``TableMetrics``).

``LatencyHistogram`` counts values (µs, SSTables per read, ...) in the same log-spaced buckets as
Cassandra's ``EstimatedHistogram`` (each bucket about 1.2 times the previous), so percentiles read the
same way; ``snapshot()`` freezes it into the immutable ``EstimatedHistogram`` of the SSTable statistics.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field

from engine.db.sstable.statistics import EstimatedHistogram, bucket_offsets

#: Cassandra's latency histograms cover up to ~36 hours in µs with 90 buckets.
LATENCY_BUCKETS = 90


class LatencyHistogram:
    def __init__(self, bucket_count: int = LATENCY_BUCKETS) -> None:
        self._offsets = bucket_offsets(bucket_count)
        self._buckets = [0] * (bucket_count + 1)
        # The bucket of each small value, looked up instead of bisected.
        self._small = [bisect.bisect_left(self._offsets, v) for v in range(min(1024, self._offsets[-1]))]
        self._lock = threading.Lock()
        self._total = 0

    def record(self, value: int) -> None:
        # No lock (every read and write records here: it must be cheap). Under the GIL, CPython switches
        # threads only at calls and backward jumps, so neither increment interleaves with another's.
        small = self._small
        index = small[value] if 0 <= value < len(small) else bisect.bisect_left(self._offsets, value)
        self._buckets[index] += 1
        self._total += value

    @property
    def count(self) -> int:
        with self._lock:
            return sum(self._buckets)

    @property
    def total(self) -> int:
        return self._total

    def snapshot(self) -> EstimatedHistogram:
        with self._lock:
            return EstimatedHistogram(tuple(self._buckets))


@dataclass
class TableMetrics:
    """Counters and histograms for nodetool tablestats/tablehistograms (latencies in µs)."""

    write_count: int = 0
    read_count: int = 0
    range_read_count: int = 0
    write_latency_total_us: int = 0
    read_latency_total_us: int = 0
    flush_count: int = 0
    bytes_flushed: int = 0
    sstables_per_read_total: int = 0
    read_latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    write_latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    sstables_per_read: LatencyHistogram = field(default_factory=lambda: LatencyHistogram(20))
    #: Per slice read (``read_partition``): how many, and the tombstones and live cells they returned.
    slice_reads: int = 0
    tombstones_read: int = 0
    max_tombstones_per_slice: int = 0
    live_cells_read: int = 0
    max_live_cells_per_slice: int = 0
    memtable_switch_count: int = 0
