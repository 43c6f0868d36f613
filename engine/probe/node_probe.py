"""NodeProbe: the one admin seam. Every admin command is one call here; answers are frozen dataclasses.

A probe is made on a :class:`~engine.cluster.session.Cluster` and one of its nodes (the first when none
is named), the way Cassandra's ``NodeProbe`` connects to one node's JMX: node-local questions (info,
table stats, snapshots, compactions) are answered by that node, ring questions (status, ring, ownership,
endpoints) by the cluster's view of every node (:mod:`engine.probe.endpoint`).

Keyspace and table arguments are resolved as ``StorageService.getValidColumnFamilies`` resolves them:
no keyspace means every keyspace, no tables means every table of the keyspace; an unknown keyspace is
``Keyspace [ks] does not exist.`` and an unknown table ``Unknown keyspace/cf pair (ks.t)``, both
IllegalArgumentException in Cassandra (:class:`~engine.probe.values.ProbeArgumentError` here). System
keyspaces are kept in memory by cqlkit (``engine.schema.system_schema``): they have no store, so they
have nothing to flush, compact or snapshot.

Table statistics, snapshots and compactions live in :mod:`engine.probe.tables` and
:mod:`engine.probe.ring` computes ownership and replica placement; this class ties them to a node.
Messaging, gossip, timeouts and coordinator latencies come from :mod:`engine.probe.network`, disk usage
per table from :mod:`engine.probe.disk_usage` (both mixed in).
"""

from __future__ import annotations

import os
import resource
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from engine.cluster.local_tables import PARTITIONER
from engine.db.column_family_store import ColumnFamilyStore
from engine.db.compaction import CompactionTask, maintenance, plan_background
from engine.db.compaction.model import CompactionKind
from engine.db.sstable import Component
from engine.db.sstable_import import ImportOptions
from engine.dht.murmur3_partitioner import get_token
from engine.dht.range import TokenRange
from engine.errors import InvalidRequest
from engine.locator import LocalStrategy
from engine.probe import ring, tables
from engine.probe.disk_usage import DiskUsageProbe
from engine.probe.endpoint import EndpointDescription, NodeStatus, describe_endpoint
from engine.probe.network import NetworkProbe
from engine.probe.values import (
    ActiveCompaction,
    AutoCompactionStatus,
    CacheReport,
    ClusterDescription,
    CompactionHistoryEntry,
    CompactionStats,
    NodeInfoReport,
    Ownership,
    ProbeArgumentError,
    ProbeError,
    RingEndpoint,
    SnapshotEntry,
    TableHistograms,
    TableStats,
    ThreadPoolStats,
    TokenRangeDescription,
)
from engine.repair import ProgressEvent, RepairOptions, RepairParallelism, RepairResult
from engine.schema import schema_cql
from engine.schema.describe import is_system_keyspace

SNITCH = "org.apache.cassandra.locator.SimpleSnitch"
#: ``RepairOption.MAX_JOB_THREADS``.
MAX_JOB_THREADS = 4
#: cassandra.yaml defaults for the save periods nodetool info prints (cqlkit does not save caches).
KEY_CACHE_SAVE_PERIOD = 14400
COUNTER_CACHE_SAVE_PERIOD = 7200
MIB = 1024 * 1024


class NodeProbe(NetworkProbe, DiskUsageProbe):
    def __init__(self, cluster: Any, node: Any = None, *, clock: Callable[[], float] = time.time) -> None:
        self.cluster = cluster
        self.node = node if node is not None else cluster.nodes[0]
        self._clock = clock

    @classmethod
    def for_address(cls, cluster: Any, host: str, **kwargs: Any) -> NodeProbe:
        """The probe of the node with address (or name) ``host``; ``localhost`` is the first node."""
        for index, node in enumerate(cluster.nodes):
            endpoint = describe_endpoint(node, index)
            if host in (endpoint.address, endpoint.name) or (host == "localhost" and index == 0):
                reachable = getattr(node, "is_reachable", endpoint.status is NodeStatus.UP)
                if not reachable:
                    break  # a stopped node does not answer
                return cls(cluster, node, **kwargs)
        raise ProbeError(f"no node of cluster {cluster.directory.name} has address {host}")

    # -------------------------------------------------------------------------------- the ring

    def endpoint_descriptions(self) -> tuple[EndpointDescription, ...]:
        return tuple(describe_endpoint(node, i, self.node) for i, node in enumerate(self.cluster.nodes))

    @property
    def local(self) -> EndpointDescription:
        return describe_endpoint(self.node, self.cluster.nodes.index(self.node), self.node)

    def ring_endpoints(self) -> tuple[RingEndpoint, ...]:
        return tuple(
            RingEndpoint(describe_endpoint(node, i, self.node), _peer_load(node))
            for i, node in enumerate(self.cluster.nodes)
        )

    def ownership(self, keyspace: str | None = None) -> Ownership:
        """``StorageService.effectiveOwnership``, or raw ownership with a note when it is meaningless."""
        return ring.ownership(self.endpoint_descriptions(), self.node.catalog.schema, keyspace)

    def describe_cluster(self) -> ClusterDescription:
        endpoints = self.endpoint_descriptions()
        versions: dict[uuid.UUID, list[EndpointDescription]] = {}
        for node, endpoint in zip(self.cluster.nodes, endpoints, strict=True):
            if endpoint.status is NodeStatus.UP:
                versions.setdefault(node.catalog.schema.version, []).append(endpoint)
        schema = self.node.catalog.schema
        error = None
        try:
            ring.ownership(endpoints, schema, None, strict=True)
        except ProbeError as e:
            error = str(e)
        keyspaces = tuple(
            (
                ks.name,
                ks.replication.strategy_class.rsplit(".", 1)[-1],
                MappingProxyType(dict(ks.replication.options)),
            )
            for ks in sorted(schema.keyspaces.values(), key=lambda k: k.name)
            if not ks.virtual
        )
        return ClusterDescription(
            name=self.cluster_name,
            snitch=SNITCH,
            dynamic_snitch=True,
            partitioner=PARTITIONER,
            schema_versions=MappingProxyType({v: tuple(e) for v, e in versions.items()}),
            endpoints=endpoints,
            ownership_error=error,
            keyspaces=keyspaces,
        )

    @property
    def cluster_name(self) -> str:
        return str(getattr(self.cluster, "name", None) or self.cluster.directory.name)

    @property
    def schema_version(self) -> uuid.UUID:
        return self.node.catalog.schema.version

    def describe_ring(self, keyspace: str) -> tuple[TokenRangeDescription, ...]:
        return ring.describe_ring(self.endpoint_descriptions(), self.node.catalog.schema, keyspace)

    def natural_endpoints(self, keyspace: str, table: str, key: str) -> tuple[str, ...]:
        """``getendpoints``: the replicas of the partition whose key is ``key`` (in CQL literal text)."""
        schema = self.node.catalog.schema
        if schema.keyspace(keyspace) is None:
            raise ProbeArgumentError(f"Unknown keyspace '{keyspace}'")
        metadata = schema.table(keyspace, table)
        if metadata is None:
            raise ProbeArgumentError(f"Unknown table '{table}' in keyspace '{keyspace}'")
        token = get_token(tables.partition_key_bytes(metadata, key))
        return ring.replicas(self.endpoint_descriptions(), self.node.catalog.schema, keyspace, token)

    # ------------------------------------------------------------------------------ node info

    def info(self) -> NodeInfoReport:
        endpoint = self.local
        now = self._clock()
        started = endpoint.started_at
        caches = self.node.storage.caches
        key, chunk = caches.keys.stats(), caches.chunks.stats()
        stores = self.node.storage.tables
        return NodeInfoReport(
            endpoint=endpoint,
            gossip_active=endpoint.status is NodeStatus.UP,
            # In this process nothing serves the native protocol (a served cluster is not opened here).
            native_transport_active=bool(getattr(self.node, "native_transport_active", False)),
            load=_load(self.node),
            generation=endpoint.generation if endpoint.generation is not None else int(started or 0),
            uptime_seconds=int(now - started) if started is not None else None,
            heap_used=_resident_set_size(),
            heap_max=_physical_memory(),
            off_heap_used=sum(tables.bloom_filter_bytes(s) for s in stores),
            exceptions=0,
            key_cache=CacheReport(
                key.entries,
                key.size,
                key.capacity,
                key.hits,
                key.requests,
                key.recent_hit_rate,
                KEY_CACHE_SAVE_PERIOD,
            ),
            row_cache=CacheReport(0, 0, 0, 0, 0, float("nan"), 0),
            counter_cache=CacheReport(0, 0, 0, 0, 0, float("nan"), COUNTER_CACHE_SAVE_PERIOD),
            chunk_cache=CacheReport(
                chunk.entries,
                chunk.size,
                chunk.capacity,
                chunk.hits,
                chunk.requests,
                chunk.recent_hit_rate,
                0,
            ),
            chunk_cache_miss_latency_us=float("nan"),
            percent_repaired=tables.percent_repaired(stores),
            joined=bool(endpoint.tokens),
        )

    @property
    def release_version(self) -> str:
        return self.local.release_version

    def thread_pools(self) -> tuple[ThreadPoolStats, ...]:
        """The node's stages (``nodetool tpstats``), by Cassandra's pool names."""
        storage = self.node.storage
        pools = []
        for name, stage in (
            ("CompactionExecutor", storage.compaction_stage),
            ("MemtableFlushWriter", storage.flush_stage),
        ):
            if stage is None:
                continue
            s = stage.stats()
            pools.append(
                ThreadPoolStats(name, s.active, s.pending, s.completed, s.blocked, s.all_time_blocked)
            )
        return tuple(sorted(pools, key=lambda p: p.name))

    # ---------------------------------------------------------------------------------- tables

    def _table_metadata(self, keyspace: str, table: str) -> Any:
        schema = self.node.catalog.schema
        if schema.keyspace(keyspace) is None:
            raise ProbeArgumentError(f"Keyspace [{keyspace}] does not exist.")
        metadata = schema.table(keyspace, table)
        if metadata is None:
            raise ProbeArgumentError(f"Unknown keyspace/cf pair ({keyspace}.{table})")
        return metadata

    def stores(self, keyspace: str | None = None, table_names: Sequence[str] = ()) -> list[ColumnFamilyStore]:
        """The stores of ``keyspace`` (every keyspace when None) limited to ``table_names`` (all if empty),
        checked as ``getValidColumnFamilies`` checks them; sorted by keyspace, then table."""
        schema = self.node.catalog.schema
        if keyspace is None:
            keyspaces = sorted(schema.keyspaces)
        elif schema.keyspace(keyspace) is None:
            raise ProbeArgumentError(f"Keyspace [{keyspace}] does not exist.")
        else:
            keyspaces = [keyspace]
        wanted = []
        for name in keyspaces:
            if table_names:
                wanted.extend(self._table_metadata(name, t) for t in table_names)
            else:
                ks = schema.keyspace(name)
                wanted.extend(sorted(ks.tables.values(), key=lambda t: t.name))
        by_id = {s.table_id: s for s in self.node.storage.tables}
        return [by_id[t.id] for t in wanted if t.id in by_id]

    def table_stats(self, filters: Sequence[str] = ()) -> tuple[TableStats, ...]:
        """``tablestats`` for ``filters`` (``ks`` or ``ks.table``; empty: every table), by keyspace, table.

        Unknown names: ``Unknown keyspace: ks`` / ``Unknown table: t`` (nodetool's messages)."""
        schema = self.node.catalog.schema
        selected = []
        for keyspace in sorted(schema.keyspaces.values(), key=lambda k: k.name):
            if keyspace.virtual:
                continue
            for table in sorted(keyspace.tables.values(), key=lambda t: t.name):
                if not filters or tables.matches(filters, keyspace.name, table.name):
                    selected.append(table)
        tables.check_filters(filters, schema)
        by_id = {s.table_id: s for s in self.node.storage.tables}
        return tuple(tables.table_stats(t, by_id.get(t.id)) for t in selected)

    def table_histograms(
        self, keyspace: str | None = None, table: str | None = None
    ) -> tuple[TableHistograms, ...]:
        """``tablehistograms`` of one table, or of every table (by keyspace, table) when none is named."""
        if keyspace is not None and table is not None:
            metadata = self._table_metadata(keyspace, table)
            tables_metadata = [metadata]
        else:
            schema = self.node.catalog.schema
            tables_metadata = [
                t
                for ks in sorted(schema.keyspaces.values(), key=lambda k: k.name)
                if not ks.virtual
                for t in sorted(ks.tables.values(), key=lambda t: t.name)
            ]
        by_id = {s.table_id: s for s in self.node.storage.tables}
        return tuple(tables.table_histograms(t, by_id.get(t.id)) for t in tables_metadata)

    def sstables_for_key(
        self, keyspace: str, table: str, key: str, *, hex_format: bool = False
    ) -> tuple[str, ...]:
        """``getsstables``: the Data.db files of the live SSTables that hold partition ``key``."""
        metadata = self._table_metadata(keyspace, table)
        raw = bytes.fromhex(key) if hex_format else tables.partition_key_bytes(metadata, key)
        token = get_token(raw)
        store = self.node.storage.table(metadata.id)
        return tables.sstables_holding(store, raw, token)

    # ------------------------------------------------------------------------------- operations

    def flush(self, keyspace: str | None = None, table_names: Sequence[str] = ()) -> None:
        for store in self.stores(keyspace, table_names):
            store.flush_all_now()

    def compact(
        self,
        keyspace: str | None = None,
        table_names: Sequence[str] = (),
        *,
        split_output: bool = False,
        start_token: int | None = None,
        end_token: int | None = None,
    ) -> None:
        """Major compaction; with a token range, only the SSTables that overlap it are compacted together
        (Cassandra's ``forceCompactionForTokenRange``)."""
        manager = self.node.storage.compactions
        for store in self.stores(keyspace, table_names):
            store.flush_all_now()
            if start_token is None and end_token is None:
                manager.run_major(store, split_output=split_output)
                continue
            low = start_token if start_token is not None else -(2**63)
            high = end_token if end_token is not None else 2**63 - 1
            generations = tuple(
                r.descriptor.generation
                for r in store.view.sstables
                if r.statistics.last_token >= low and r.statistics.first_token <= high
            )
            if generations:
                manager.run(
                    store, CompactionTask(generations, CompactionKind.MAJOR, None, None, "token range")
                )

    def compact_partition(self, keyspace: str | None, table_names: Sequence[str], key: str) -> None:
        """``compact --partition KEY``: compact together the SSTables that hold that partition
        (Cassandra's ``forceCompactionForKey``), table by table."""
        manager = self.node.storage.compactions
        for store in self.stores(keyspace, table_names):
            metadata = self._table_metadata(store.keyspace, store.name)
            raw = tables.partition_key_bytes(metadata, key)
            token = get_token(raw)
            store.flush_all_now()
            generations = tuple(r.descriptor.generation for r in tables.readers_holding(store, raw, token))
            if generations:
                manager.run(
                    store, CompactionTask(generations, CompactionKind.MAJOR, None, None, "partition key")
                )

    def compact_user_defined(self, files: Iterable[str]) -> None:
        """``compact --user-defined``: compact exactly the SSTables named by their Data.db file names."""
        by_name: dict[str, list[tuple[ColumnFamilyStore, int]]] = {}
        for store in self.node.storage.tables:
            for reader in store.view.sstables:
                path = str(reader.descriptor.filename(Component.DATA))
                by_name.setdefault(os.path.basename(path), []).append((store, reader.descriptor.generation))
                by_name.setdefault(path, []).append((store, reader.descriptor.generation))
        chosen: dict[int, tuple[ColumnFamilyStore, list[int]]] = {}
        for name in files:
            found = by_name.get(name) or by_name.get(os.path.basename(name))
            if not found:
                continue  # Cassandra logs "Will not compact <file>: it is not an active sstable"
            for store, generation in found:
                chosen.setdefault(id(store), (store, []))[1].append(generation)
        manager = self.node.storage.compactions
        for store, generations in chosen.values():
            manager.run(
                store, CompactionTask(tuple(generations), CompactionKind.MAJOR, None, None, "user defined")
            )

    def cleanup(self, keyspace: str | None = None, table_names: Sequence[str] = ()) -> None:
        """Rewrite SSTables without the partitions this node no longer replicates."""
        endpoints = self.endpoint_descriptions()
        local = self.local.address
        schema = self.node.catalog.schema
        manager = self.node.storage.compactions
        for store in self.stores(keyspace, table_names):
            owns = ring.local_ownership_test(endpoints, schema, store.keyspace, local)
            store.flush_all_now()
            manager.run_cleanup(store, owns)

    # ------------------------------------------------------------ backups and SSTable maintenance

    @property
    def incremental_backups(self) -> bool:
        """``statusbackup``: whether flushed SSTables are linked into ``backups/``."""
        return bool(self.node.storage.incremental_backups)

    def set_incremental_backups(self, enabled: bool) -> None:
        """``enablebackup`` / ``disablebackup``."""
        self.node.storage.incremental_backups = enabled

    def garbage_collect(
        self, keyspace: str | None, table_names: Sequence[str], granularity: str = "ROW"
    ) -> None:
        """``garbagecollect``: each SSTable rewritten without what other SSTables' deletions shadow."""
        try:
            level = maintenance.Granularity[granularity.upper()]
        except KeyError:
            raise ProbeArgumentError(
                f"No enum constant org.apache.cassandra.schema.CompactionParams.TombstoneOption.{granularity}"
            ) from None
        for store in self.stores(keyspace, table_names):
            maintenance.garbage_collect(self.node.storage.compactions, store, level)

    def scrub(self, keyspace: str | None, table_names: Sequence[str]) -> list[str]:
        """``scrub``: each SSTable rewritten with what can still be read; the errors met."""
        errors = []
        for store in self.stores(keyspace, table_names):
            for result in maintenance.scrub(self.node.storage.compactions, store):
                errors.extend(result.errors)
        return errors

    def verify(self, keyspace: str | None, table_names: Sequence[str]) -> list[str]:
        """``verify``: every live SSTable checked whole; the failures (file and error)."""
        failures = []
        for store in self.stores(keyspace, table_names):
            for result in maintenance.verify(store):
                if result.error is not None:
                    failures.append(f"{result.descriptor.filename(Component.DATA)}: {result.error}")
        return failures

    def upgrade_sstables(
        self, keyspace: str | None, table_names: Sequence[str], *, include_all: bool = False
    ) -> None:
        for store in self.stores(keyspace, table_names):
            maintenance.upgrade_sstables(self.node.storage.compactions, store, include_all=include_all)

    def import_sstables(
        self, keyspace: str, table: str, directories: Sequence[str], options: ImportOptions
    ) -> list[str]:
        """``import``: the directories that failed (empty: every SSTable loaded)."""
        (store,) = self.stores(keyspace, [table])
        result = store.import_sstables([Path(d) for d in directories], options)
        return [str(d) for d in result.failed_directories]

    def refresh(self, keyspace: str, table: str) -> None:
        """``refresh``: load the SSTables copied into the table's directory."""
        (store,) = self.stores(keyspace, [table])
        result = store.refresh()
        if result.failures:
            raise ProbeError(f"Failed to load new SSTables: {result.failures[0].reason}")

    def drain(self) -> None:
        """Flush every table and stop accepting writes (the commitlog is closed)."""
        self.node.storage.drain()

    # ------------------------------------------------------------- handoff, binary and gossip switches

    def handoff_enabled(self) -> bool:
        """Whether the node stores hints for replicas that miss writes (cassandra.yaml
        ``hinted_handoff_enabled``); a node alone in its cluster keeps the setting with nothing to hint."""
        membership = self.node.membership
        if membership is None:
            return bool(self.node.hinted_handoff_enabled)
        return bool(membership.hints.enabled)

    def set_handoff(self, enabled: bool) -> None:
        membership = self.node.membership
        if membership is None:
            self.node.hinted_handoff_enabled = enabled
        else:
            membership.hints.enabled = enabled

    def set_handoff_paused(self, paused: bool) -> None:
        """``pausehandoff`` / ``resumehandoff``: stop or restart delivering the hints the node keeps
        (a node alone in its cluster keeps none: nothing to pause)."""
        membership = self.node.membership
        if membership is None:
            return
        membership.hints.paused = paused
        if not paused:
            membership.hints.dispatch_all()

    def native_transport_running(self) -> bool:
        return bool(getattr(self.node, "native_transport_active", False))

    def set_native_transport(self, enabled: bool) -> None:
        control = getattr(self.node, "native_transport_control", None)
        if control is None:
            raise ProbeError(
                "the native transport runs only while the cluster is served (cqlkit serve, cqlkit cluster start)"
            )
        control(enabled)

    def gossip_running(self) -> bool:
        return self.node.membership is not None and bool(self.node.membership.gossiper.started)

    def set_gossip(self, enabled: bool) -> None:
        membership = self.node.membership
        if membership is None:
            raise ProbeError("a node alone in its cluster does not gossip")
        if enabled:
            membership.start_gossiping()
        elif membership.gossiper.started:
            membership.stop_gossiping()

    # ---------------------------------------------------------------------------- ring changes

    def decommission(self, force: bool = False) -> None:
        """Stream this node's ranges to the nodes that take them over and leave the cluster.

        A refusal (too few nodes for a keyspace's replication factor, a ring change in progress) is
        Cassandra's UnsupportedOperationException: nodetool prints it as ``Unsupported operation: …``."""
        change = getattr(self.cluster, "decommission", None)
        if change is None or self.node.membership is None:
            raise ProbeArgumentError(
                "Unsupported operation: no other normal nodes in the ring; decommission would be pointless"
            )
        try:
            change(self.node.name, force=force)
        except InvalidRequest as e:
            raise ProbeArgumentError(f"Unsupported operation: {e}") from None

    def remove_node(self, host_id: str) -> None:
        """``removenode <host id>``: the node, down for good, leaves; its ranges regain their replicas."""
        try:
            parsed = uuid.UUID(host_id)
        except ValueError:
            raise ProbeArgumentError(f"Invalid UUID string: {host_id}") from None
        change = getattr(self.cluster, "remove_node", None)
        if change is None or self.node.membership is None:
            raise ProbeError("Host ID not found.")
        try:
            change(parsed, via=self.node.name)
        except InvalidRequest as e:
            raise ProbeError(str(e)) from None

    def removal_status(self) -> str:
        """``removenode status``: removals run to completion inside one command here, so none is ever
        left in process between commands."""
        return "No removals in process."

    # ------------------------------------------------------------------------------ compactions

    def compaction_stats(self) -> CompactionStats:
        manager = self.node.storage.compactions
        pending = []
        for store in sorted(self.node.storage.tables, key=lambda s: (s.keyspace, s.name)):
            if plan_background(manager.table_state(store)).task is not None:
                pending.append((store.keyspace, store.name, 1))
        history = manager.history()
        now = self._clock()
        recent = [r for r in history if r.compacted_at_ms / 1000 >= now - 900]
        started = self.local.started_at
        uptime = max(1.0, now - started) if started is not None else 0.0
        active = tuple(
            ActiveCompaction(
                p.id, p.kind.value, p.keyspace, p.table, p.completed_bytes, p.total_bytes, "bytes"
            )
            for p in manager.active()
        )
        return CompactionStats(
            concurrent_compactors=1 if self.node.storage.compaction_stage is not None else 0,
            pending_by_table=tuple(pending),
            completed=len(history),
            bytes_compacted=sum(r.bytes_in for r in history),
            aborted=0,
            reduced=0,
            sstables_dropped=0,
            fifteen_minute_rate=len(recent) / 900.0,
            mean_rate=len(history) / uptime if uptime else 0.0,
            throughput_mib_per_second=self.compaction_throughput_mib(),
            active=active,
        )

    def compaction_history(self) -> tuple[CompactionHistoryEntry, ...]:
        return tuple(
            CompactionHistoryEntry(
                r.id, r.keyspace, r.table, r.compacted_at_ms, r.bytes_in, r.bytes_out, r.partitions_merged
            )
            for r in self.node.storage.compactions.history()
        )

    def compaction_throughput_mib(self) -> float:
        return self.node.storage.compactions.throttle.rate / MIB

    def set_compaction_throughput(self, mib_per_second: float) -> None:
        self.node.storage.compactions.throttle.set_rate(int(mib_per_second * MIB))

    def autocompaction_status(
        self, keyspace: str | None = None, table_names: Sequence[str] = ()
    ) -> tuple[AutoCompactionStatus, ...]:
        return tuple(
            AutoCompactionStatus(s.keyspace, s.name, s.compaction_params.enabled)
            for s in self.stores(keyspace, table_names)
        )

    def set_autocompaction(
        self, enabled: bool, keyspace: str | None = None, table_names: Sequence[str] = ()
    ) -> None:
        """Turn background compaction of the tables on or off (Cassandra's ``CompactionStrategyManager``
        enable/disable: major compactions still run)."""
        for store in self.stores(keyspace, table_names):
            store.compaction_params = replace(store.compaction_params, enabled=enabled)

    # -------------------------------------------------------------------------------- snapshots

    def take_snapshot(
        self,
        tag: str,
        keyspaces: Sequence[str] = (),
        table_list: Sequence[tuple[str, str]] = (),
        *,
        skip_flush: bool = False,
        ttl: timedelta | None = None,
    ) -> None:
        """Snapshot ``keyspaces`` (every keyspace when empty) or the ``(keyspace, table)`` pairs given."""
        if table_list:
            stores = [s for ks, t in table_list for s in self.stores(ks, (t,))]
        elif keyspaces:
            stores = [s for ks in keyspaces for s in self.stores(ks)]
        else:
            stores = self.stores()
        for store in stores:
            if any(d.tag == tag for d in store.list_snapshots()):
                raise ProbeError(f"Snapshot {tag} already exists.")
        now = datetime.fromtimestamp(self._clock(), UTC)
        schema = self.node.catalog.schema
        for store in stores:
            metadata = schema.table_by_id(store.table_id)
            cql = schema_cql.table_cql(metadata, with_internals=True) if metadata is not None else ""
            store.snapshot(tag, cql, now=now, skip_flush=skip_flush, ttl=ttl)

    def snapshots(self) -> tuple[SnapshotEntry, ...]:
        """Every snapshot of every table, by tag, keyspace, table."""
        entries = [
            SnapshotEntry(
                d.tag,
                d.keyspace,
                d.table,
                d.true_size,
                d.size_on_disk,
                d.created_at,
                d.expires_at,
                d.ephemeral,
            )
            for store in self.node.storage.tables
            for d in store.list_snapshots()
        ]
        return tuple(sorted(entries, key=lambda e: (e.tag, e.keyspace, e.table)))

    def clear_snapshot(
        self, tag: str | None, keyspaces: Sequence[str] = (), *, older_than: datetime | None = None
    ) -> tuple[str, ...]:
        """Remove snapshot ``tag`` (every snapshot when None) of ``keyspaces`` (all when empty), or those
        older than ``older_than``; returns the tags removed."""
        stores = [s for ks in keyspaces for s in self.stores(ks)] if keyspaces else self.node.storage.tables
        removed: set[str] = set()
        for store in stores:
            removed.update(store.clear_snapshot(tag, older_than=older_than))
        return tuple(sorted(removed))

    def true_snapshots_size(self) -> int:
        return sum(e.true_size for e in self.snapshots())

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    # ---------------------------------------------------------------------------------- repair

    def repair_keyspaces(self) -> tuple[str, ...]:
        """What ``nodetool repair`` without a keyspace repairs: the keyspaces not replicated by LocalStrategy
        (cqlkit's system keyspaces live in memory on each node: they have nothing to repair)."""
        schema = self.node.catalog.schema
        found = []
        for name in sorted(schema.keyspaces):
            if is_system_keyspace(name):
                continue
            if not isinstance(ring.strategy(schema, name), LocalStrategy):
                found.append(name)
        return tuple(found)

    def repair(
        self,
        keyspace: str,
        tables: Sequence[str] = (),
        *,
        primary_range: bool = False,
        start_token: int | None = None,
        end_token: int | None = None,
        datacenters: Sequence[str] = (),
        hosts: Sequence[str] = (),
        local_dc: bool = False,
        parallelism: RepairParallelism = RepairParallelism.PARALLEL,
        job_threads: int = 1,
        pull: bool = False,
        force: bool = False,
        optimise_streams: bool = False,
        ignore_unreplicated_keyspaces: bool = False,
        on_event: Callable[[ProgressEvent], None] | None = None,
    ) -> RepairResult:
        """One repair command over ``keyspace`` run by this node (``StorageService.repairAsync``), always a
        full repair. A keyspace with replication factor 1 has nothing to repair: command 0, no events."""
        # nodetool checks the keyspace (IllegalArgumentException); the repair itself checks the tables and
        # fails the command (``Unknown keyspace/cf pair``), and StorageService.repairAsync the options.
        self.stores(keyspace)
        if job_threads > MAX_JOB_THREADS:
            raise ProbeError(f"Too many job threads. Max is {MAX_JOB_THREADS}")
        if (start_token is None) != (end_token is None):
            raise ProbeError("both a start token (-st) and an end token (-et) are needed")
        schema = self.node.catalog.schema
        if ring.strategy(schema, keyspace).replication_factor().all_replicas < 2:
            return RepairResult(0, None, keyspace, (), (), (), True)
        membership = self.node.membership
        if membership is None:
            raise ProbeError(f"Nothing to repair for {TokenRange.full_ring()} in {keyspace} - aborting")
        options = RepairOptions(
            keyspace,
            tables=tuple(tables),
            primary_range=primary_range,
            ranges=() if start_token is None else (TokenRange(start_token, end_token),),  # type: ignore[arg-type]
            datacenters=(self.node.datacenter,) if local_dc else tuple(datacenters),
            hosts=tuple(hosts),
            parallelism=parallelism,
            job_threads=job_threads,
            pull=pull,
            force=force,
            optimise_streams=optimise_streams,
            ignore_unreplicated_keyspaces=ignore_unreplicated_keyspaces,
        )
        return membership.repair.repair(options, clock=self._clock, on_event=on_event)


def _peer_load(node: Any) -> int | None:
    """A node's load as the ring sees it; None (nodetool's ``?``) when its storage cannot be read (a node
    that is stopped)."""
    try:
        return _load(node)
    except (AttributeError, OSError, RuntimeError):
        return None


def _load(node: Any) -> int:
    return sum(store.live_disk_space_used for store in node.storage.tables)


def _resident_set_size() -> int:
    """This process's resident memory in bytes (``/proc/self/statm``; peak RSS where there is no /proc)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if os.uname().sysname == "Darwin" else peak * 1024


def _physical_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError):
        return 0
