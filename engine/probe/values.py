"""The values NodeProbe returns: frozen dataclasses, never text (the admin tools render them).

Sizes are bytes, times are epoch seconds or milliseconds as named, rates are per second. Figures that
Cassandra takes from the JVM or from metrics cqlkit does not keep are documented where they are filled
in (``engine.probe.node_probe``) and in docs/nodetool.md.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from engine.probe.endpoint import EndpointDescription


class ProbeError(Exception):
    """An admin operation failed (nodetool prints ``error: <message>`` and exits 2)."""


class ProbeArgumentError(ProbeError):
    """An admin operation was given a bad argument (Cassandra's IllegalArgumentException: nodetool prints
    ``nodetool: <message>`` with the usage hint and exits 1)."""


@dataclass(frozen=True, slots=True)
class RingEndpoint:
    endpoint: EndpointDescription
    load: int | None  # bytes of live SSTables; None when the node's storage cannot be read


@dataclass(frozen=True, slots=True)
class Ownership:
    """Endpoint address → fraction of the ring; ``effective`` when computed for a keyspace's replication,
    else raw primary ownership with ``note`` saying why (nodetool's "Note: ..." line)."""

    fractions: Mapping[str, float]
    effective: bool
    note: str | None = None


@dataclass(frozen=True, slots=True)
class ClusterDescription:
    name: str
    snitch: str
    dynamic_snitch: bool
    partitioner: str
    schema_versions: Mapping[uuid.UUID, tuple[EndpointDescription, ...]]
    endpoints: tuple[EndpointDescription, ...]
    ownership_error: str | None
    keyspaces: tuple[tuple[str, str, Mapping[str, str]], ...]  # name, strategy simple name, options


@dataclass(frozen=True, slots=True)
class EndpointDetails:
    host: str
    data_center: str
    rack: str


@dataclass(frozen=True, slots=True)
class TokenRangeDescription:
    start_token: int
    end_token: int
    endpoints: tuple[str, ...]
    rpc_endpoints: tuple[str, ...]
    details: tuple[EndpointDetails, ...]


@dataclass(frozen=True, slots=True)
class CacheReport:
    entries: int
    size: int
    capacity: int
    hits: int
    requests: int
    recent_hit_rate: float
    save_period_seconds: int

    @property
    def misses(self) -> int:
        return self.requests - self.hits


@dataclass(frozen=True, slots=True)
class NodeInfoReport:
    endpoint: EndpointDescription
    gossip_active: bool
    native_transport_active: bool
    load: int
    generation: int
    uptime_seconds: int | None
    heap_used: int  # bytes: the process's resident set size
    heap_max: int  # bytes: the machine's physical memory
    off_heap_used: int  # bytes: bloom filters of live SSTables (memtables live on the heap)
    exceptions: int
    key_cache: CacheReport
    row_cache: CacheReport
    counter_cache: CacheReport
    chunk_cache: CacheReport
    chunk_cache_miss_latency_us: float
    percent_repaired: float
    joined: bool


@dataclass(frozen=True, slots=True)
class ActiveCompaction:
    id: uuid.UUID
    kind: str  # Cassandra's OperationType text: "Compaction", "Cleanup", ...
    keyspace: str
    table: str
    completed: int
    total: int
    unit: str  # "bytes"


@dataclass(frozen=True, slots=True)
class CompactionStats:
    concurrent_compactors: int
    pending_by_table: tuple[tuple[str, str, int], ...]  # keyspace, table, pending tasks (> 0 only)
    completed: int
    bytes_compacted: int
    aborted: int
    reduced: int
    sstables_dropped: int
    fifteen_minute_rate: float  # completed compactions per second, over the last 15 minutes
    mean_rate: float  # completed compactions per second since the node started
    throughput_mib_per_second: float
    active: tuple[ActiveCompaction, ...]

    @property
    def pending_tasks(self) -> int:
        return sum(count for _, _, count in self.pending_by_table)


@dataclass(frozen=True, slots=True)
class CompactionHistoryEntry:
    id: uuid.UUID
    keyspace: str
    table: str
    compacted_at_ms: int
    bytes_in: int
    bytes_out: int
    rows_merged: Mapping[int, int]


@dataclass(frozen=True, slots=True)
class TableStats:
    keyspace: str
    table: str
    is_index: bool
    sstable_count: int
    old_sstable_count: int
    sstables_in_each_level: tuple[int, ...] | None  # LCS only
    sstable_bytes_in_each_level: tuple[int, ...] | None
    space_used_live: int
    space_used_total: int
    space_used_by_snapshots: int
    off_heap_memory_used: int
    compression_ratio: float  # -1.0 with no SSTables, as Cassandra
    partitions_estimate: int
    memtable_cell_count: int
    memtable_data_size: int
    memtable_off_heap_memory_used: int
    memtable_switch_count: int
    local_read_count: int
    local_read_latency_ms: float  # NaN with no reads
    local_read_total_us: int
    local_write_count: int
    local_write_latency_ms: float
    local_write_total_us: int
    pending_flushes: int
    percent_repaired: float
    bytes_repaired: int
    bytes_unrepaired: int
    bytes_pending_repair: int
    bloom_filter_false_positives: int
    bloom_filter_false_ratio: float
    bloom_filter_space_used: int
    bloom_filter_off_heap_memory_used: int
    index_summary_off_heap_memory_used: int
    compression_metadata_off_heap_memory_used: int
    compacted_partition_minimum_bytes: int
    compacted_partition_maximum_bytes: int
    compacted_partition_mean_bytes: int
    average_live_cells_per_slice: float
    maximum_live_cells_per_slice: int
    average_tombstones_per_slice: float
    maximum_tombstones_per_slice: int
    dropped_mutations: int


@dataclass(frozen=True, slots=True)
class Percentiles:
    """50th, 75th, 95th, 98th, 99th percentiles, minimum and maximum (nodetool's histogram rows); NaN where
    they cannot be computed."""

    p50: float
    p75: float
    p95: float
    p98: float
    p99: float
    min: float
    max: float

    def values(self) -> tuple[float, ...]:
        return (self.p50, self.p75, self.p95, self.p98, self.p99, self.min, self.max)


@dataclass(frozen=True, slots=True)
class TableHistograms:
    """``tablehistograms``: latencies (µs) and SSTables per read since the node started; partition sizes
    (bytes) and cells per partition of the live SSTables (None when there is no SSTable). ``*_overflow``:
    the largest bucket bound when values exceeded it (the percentiles are then unknown)."""

    keyspace: str
    table: str
    sstables_per_read: Percentiles
    write_latency: Percentiles
    read_latency: Percentiles
    partition_size: Percentiles | None
    cell_count: Percentiles | None
    partition_size_overflow: int | None = None
    cell_count_overflow: int | None = None


@dataclass(frozen=True, slots=True)
class ThreadPoolStats:
    name: str
    active: int
    pending: int
    completed: int
    blocked: int
    all_time_blocked: int


@dataclass(frozen=True, slots=True)
class SnapshotEntry:
    tag: str
    keyspace: str
    table: str
    true_size: int
    size_on_disk: int
    created_at: datetime | None
    expires_at: datetime | None
    ephemeral: bool


@dataclass(frozen=True, slots=True)
class AutoCompactionStatus:
    keyspace: str
    table: str
    enabled: bool
