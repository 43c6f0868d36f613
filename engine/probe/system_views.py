"""The rows of ``system_views`` (``engine.schema.system_views``), computed from a node when read.

Cassandra fills its virtual tables from the same metrics JMX and nodetool read; cqlkit fills them from
:class:`~engine.probe.NodeProbe` and the node's storage, so ``SELECT * FROM system_views.thread_pools`` and
``nodetool tpstats`` agree. Each table's figures, and where cqlkit differs from Cassandra:

* ``caches``: the key and chunk caches (``hit_ratio`` is the lifetime ratio, NaN before any request;
  the per-second rates are Cassandra's fifteen-minute rates, which cqlkit does not keep: 0);
* ``clients``: the connections of the node's native-protocol server, when one serves it;
* ``settings``: the settings this node runs with, by their cassandra.yaml names and in its unit syntax —
  only those cqlkit honours (Cassandra lists every setting);
* ``system_properties``: the Java properties Cassandra lists have no counterpart; cqlkit lists the
  Python runtime it runs on;
* ``snapshots``, ``sstable_tasks`` (running compactions), ``thread_pools`` (the node's stages);
* ``local_read_latency``/``local_write_latency`` (count, percentiles and max in ms; ``per_second``, a
  five-minute rate in Cassandra, is 0: cqlkit keeps no rates), ``disk_usage`` and
  ``max_partition_size`` (MiB, rounded up): one row per user table (cqlkit's system tables are served
  from memory and have no store).
"""

from __future__ import annotations

import math
import platform
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from engine.probe.node_probe import NodeProbe

Row = dict[str, object]
MIB = 1024 * 1024


def _mib(size: int) -> int:
    return math.ceil(size / MIB)


def _yaml_duration(ms: float) -> str:
    return f"{int(ms)}ms"


def _yaml_size(size: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size and size % factor == 0:
            return f"{size // factor}{unit}"
    return f"{size}B"


class NodeViews:
    """``VirtualTables`` of one node (see ``engine.cql3.statements.base``)."""

    def __init__(self, node: Any, settings: Callable[[], Iterable[tuple[str, str]]] | None = None) -> None:
        self.node = node
        self._probe = NodeProbe(None, node)
        self._extra_settings = settings
        #: set by the node's native-protocol server while it runs: one row per connection
        self.clients: Callable[[], Iterable[Row]] | None = None

    def rows(self, table: str) -> Iterable[Row]:
        producer = getattr(self, "_" + table, None)
        if producer is None:
            return ()
        return producer()

    # ---------------------------------------------------------------------------------- node state

    def _caches(self) -> Iterator[Row]:
        caches = self.node.storage.caches
        for name, cache in (("chunks", caches.chunks), ("keys", caches.keys)):
            s = cache.stats()
            yield {
                "name": name,
                "capacity_bytes": s.capacity,
                "size_bytes": s.size,
                "entry_count": s.entries,
                "request_count": s.requests,
                "hit_count": s.hits,
                "hit_ratio": s.hits / s.requests if s.requests else math.nan,
                "recent_request_rate_per_second": 0,
                "recent_hit_rate_per_second": 0,
            }

    def _clients(self) -> Iterable[Row]:
        return self.clients() if self.clients is not None else ()

    def _settings(self) -> Iterator[Row]:
        settings = dict(self._node_settings())
        if self._extra_settings is not None:
            settings.update(self._extra_settings())
        for name in sorted(settings):
            yield {"name": name, "value": settings[name]}

    def _node_settings(self) -> Iterator[tuple[str, str]]:
        from engine.cql3.statements.batch_limits import DEFAULT_THRESHOLDS
        from engine.net import verbs

        storage = self.node.storage
        commitlog = storage.commitlog.config
        yield "cluster_name", self.node.query_processor.cluster_name
        yield "partitioner", "org.apache.cassandra.dht.Murmur3Partitioner"
        yield "commitlog_sync", commitlog.sync.value.lower()
        yield "commitlog_sync_period", _yaml_duration(commitlog.sync_period * 1000)
        yield "commitlog_segment_size", _yaml_size(commitlog.segment_size)
        yield "key_cache_size", _yaml_size(storage.caches.config.key_cache_size)
        yield "file_cache_size", _yaml_size(storage.caches.config.file_cache_size)
        yield "compaction_throughput", f"{storage.compactions.throttle.rate // MIB}MiB/s"
        yield "incremental_backups", str(storage.incremental_backups).lower()
        yield "batch_size_warn_threshold", _yaml_size(DEFAULT_THRESHOLDS.warn_bytes)
        yield "batch_size_fail_threshold", _yaml_size(DEFAULT_THRESHOLDS.fail_bytes)
        yield "unlogged_batch_across_partitions_warn_threshold", str(DEFAULT_THRESHOLDS.unlogged_partitions)
        membership = self.node.membership
        # the node's current timeouts (nodetool settimeout changes them); a node alone has the defaults
        timeouts = membership.messaging.timeouts if membership is not None else verbs.Timeouts()
        for setting, kind in (
            ("read_request_timeout", verbs.TimeoutType.READ),
            ("write_request_timeout", verbs.TimeoutType.WRITE),
            ("range_request_timeout", verbs.TimeoutType.RANGE),
            ("counter_write_request_timeout", verbs.TimeoutType.COUNTER_WRITE),
            ("cas_contention_timeout", verbs.TimeoutType.CAS_CONTENTION),
            ("truncate_request_timeout", verbs.TimeoutType.TRUNCATE),
            ("request_timeout", verbs.TimeoutType.MISC),
        ):
            yield setting, _yaml_duration(timeouts.get(kind))
        handoff = membership.hints.enabled if membership is not None else self.node.hinted_handoff_enabled
        yield "hinted_handoff_enabled", str(bool(handoff)).lower()
        yield (
            "dynamic_data_masking_enabled",
            str(bool(self.node.context.dynamic_data_masking_enabled)).lower(),
        )
        # Features cqlkit keeps off, as Cassandra 5.0's default cassandra.yaml does.
        yield "materialized_views_enabled", "false"
        yield "user_defined_functions_enabled", "false"
        yield "sasi_indexes_enabled", "false"

    def _system_properties(self) -> Iterator[Row]:
        yield {"name": "python.implementation", "value": platform.python_implementation()}
        yield {"name": "python.version", "value": platform.python_version()}
        yield {"name": "os.name", "value": platform.system()}
        yield {"name": "os.arch", "value": platform.machine()}
        yield {"name": "sys.platform", "value": sys.platform}

    def _snapshots(self) -> Iterator[Row]:
        for s in self._probe.snapshots():
            yield {
                "name": s.tag,
                "keyspace_name": s.keyspace,
                "table_name": s.table,
                "true_size": s.true_size,
                "size_on_disk": s.size_on_disk,
                "created_at": s.created_at,
                "expires_at": s.expires_at,
                "ephemeral": s.ephemeral,
            }

    def _sstable_tasks(self) -> Iterator[Row]:
        for task in self.node.storage.compactions.active():
            total, completed = task.total_bytes, task.completed_bytes
            yield {
                "keyspace_name": task.keyspace,
                "table_name": task.table,
                "task_id": task.id,
                "completion_ratio": completed / total if total else 1.0,
                "kind": task.kind.value.lower(),
                "progress": completed,
                "total": total,
                "unit": "bytes",
            }

    def _thread_pools(self) -> Iterator[Row]:
        for pool in self._probe.thread_pools():
            yield {
                "name": pool.name,
                "active_tasks": pool.active,
                "active_tasks_limit": 1,  # every stage of a cqlkit node is one worker thread
                "pending_tasks": pool.pending,
                "completed_tasks": pool.completed,
                "blocked_tasks": pool.blocked,
                "blocked_tasks_all_time": pool.all_time_blocked,
            }

    # ------------------------------------------------------------------------------ table metrics

    def _stores(self) -> list[Any]:
        return sorted(self.node.storage.tables, key=lambda s: (s.keyspace, s.name))

    def _latency(self, histogram_of: Callable[[Any], Any], count_of: Callable[[Any], int]) -> Iterator[Row]:
        for store in self._stores():
            snapshot = histogram_of(store.metrics).snapshot()
            count = count_of(store.metrics)
            yield {
                "keyspace_name": store.keyspace,
                "table_name": store.name,
                "count": count,
                "50th_ms": round(snapshot.percentile(0.5) / 1000, 3) if count else 0.0,
                "99th_ms": round(snapshot.percentile(0.99) / 1000, 3) if count else 0.0,
                "max_ms": round(snapshot.max / 1000, 3) if count else 0.0,
                "per_second": 0.0,
            }

    def _local_read_latency(self) -> Iterator[Row]:
        return self._latency(lambda m: m.read_latency, lambda m: m.read_count)

    def _local_write_latency(self) -> Iterator[Row]:
        return self._latency(lambda m: m.write_latency, lambda m: m.write_count)

    def _disk_usage(self) -> Iterator[Row]:
        for store in self._stores():
            yield {
                "keyspace_name": store.keyspace,
                "table_name": store.name,
                "mebibytes": _mib(store.live_disk_space_used),
            }

    def _max_partition_size(self) -> Iterator[Row]:
        stored = {(s.keyspace, s.name) for s in self._stores()}
        for stats in self._probe.table_stats():
            if (stats.keyspace, stats.table) in stored:
                yield {
                    "keyspace_name": stats.keyspace,
                    "table_name": stats.table,
                    "mebibytes": _mib(stats.compacted_partition_maximum_bytes),
                }
