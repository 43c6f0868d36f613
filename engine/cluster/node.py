"""One node: its directories, storage, schema catalog and query processor, wired together.

Layout under the node directory (Cassandra's)::

    data/schema.json                 the schema catalog (engine.schema.catalog)
    data/<keyspace>/<table>-<id>/    SSTables and snapshots
    commitlog/                       commitlog segments

Opening a node loads the schema, opens a store for every table, then replays the commitlog, so data
acknowledged before a crash is back before the first query. Schema changes open stores for new tables;
dropping a table or keyspace truncates its store first, which takes Cassandra's automatic snapshot
(``auto_snapshot``/``allow_auto_snapshot``) of the data being dropped.

**In a multi-node cluster** (a ``network`` and the cluster's ``layout`` given) the node also joins the
cluster (``engine.cluster.membership``): messaging, gossip, hints, schema agreement, and a
:class:`~engine.service.coordinator.Coordinator` as its storage proxy. Alone, its proxy is the
:class:`~engine.service.storage_proxy.LocalStorageProxy`. Either way :meth:`Node.describe` says where it
is and what it owns (address, host id, datacenter, rack, tokens, whether it runs) and
:meth:`Node.sees_alive` what gossip tells it about another node.
"""

from __future__ import annotations

import datetime
import fcntl
import logging
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from engine.cluster.layout import ClusterLayout, NodeLayout, legacy_layout
from engine.cluster.local_tables import NodeInfo, load_or_create_host_id, node_state_rows
from engine.cluster.membership import Membership
from engine.cql3 import keys
from engine.cql3.query_processor import QueryProcessor
from engine.cql3.statements.base import ExecutionContext
from engine.db.background import ThreadStage
from engine.db.column_family_store import StorageParams
from engine.db.commitlog import CommitLogConfig
from engine.db.local_storage import LocalStorage
from engine.locator import ANY_DATACENTER, ReplicationStrategy, Topology, create_strategy
from engine.net import Network
from engine.probe.system_views import NodeViews
from engine.schema.catalog import Catalog
from engine.schema.metadata import Schema, TableMetadata
from engine.schema.system_tables import STORED_SYSTEM_TABLES, system_keyspaces
from engine.schema.system_views import virtual_keyspaces
from engine.service.client_request_metrics import MeteredProxy
from engine.service.storage_proxy import LocalStorageProxy
from engine.service.tracing import TraceStore

log = logging.getLogger(__name__)


def _storage_params(table: TableMetadata) -> StorageParams:
    params = table.params
    chunk = int(params.compression.get("chunk_length_in_kb", "16"))
    return StorageParams(
        gc_grace_seconds=params.gc_grace_seconds,
        bloom_filter_fp_chance=params.bloom_filter_fp_chance,
        chunk_length_in_kb=chunk,
        index_interval=params.min_index_interval,
    )


LOCK_FILE = "node.lock"
#: The native-protocol port the node-state tables report (cassandra.yaml's ``native_transport_port``).
NATIVE_PORT = 9042


class DirectoryInUse(Exception):
    """Another process (or another Node in this one) has this node's directory open."""


def _lock_directory(directory: Path) -> IO[str]:
    """Hold an exclusive lock on ``directory`` while the node is open: two processes writing one data
    directory would corrupt it (DESIGN.md §1: "Two processes never open the same data directory")."""
    directory.mkdir(parents=True, exist_ok=True)
    handle = open(directory / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 (held while open)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise DirectoryInUse(
            f"{directory} is in use by another process (a running `cqlkit serve`, or another shell); "
            "stop it or connect to its server"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


@dataclass(frozen=True, slots=True)
class NodeDescription:
    """Where a node is and what it owns (what ``nodetool status``/``info`` and ``system.local`` show)."""

    name: str
    address: str
    host_id: uuid.UUID
    datacenter: str
    rack: str
    tokens: tuple[int, ...]
    is_running: bool


class Node:
    def __init__(
        self,
        directory: Path,
        *,
        commitlog_config: CommitLogConfig | None = None,
        name: str = "node1",
        cluster_name: str = "Test Cluster",
        layout: ClusterLayout | None = None,
        network: Network | None = None,
        host_ids: dict[str, uuid.UUID] | None = None,
        traces: TraceStore | None = None,
    ) -> None:
        self.name = name
        self.directory = directory
        self._lock_handle = _lock_directory(directory)
        self.layout = layout or legacy_layout(cluster_name)
        self.me: NodeLayout = (
            self.layout.node(name)
            if any(n.name == name for n in self.layout.nodes)
            else replace(self.layout.nodes[0], name=name)
        )
        self.host_id = (host_ids or {}).get(self.me.address) or load_or_create_host_id(directory)
        data = directory / "data"
        data.mkdir(parents=True, exist_ok=True)
        self._flush_stage = ThreadStage(f"{name}-MemtableFlushWriter")
        self._compaction_stage = ThreadStage(f"{name}-CompactionExecutor")
        kwargs = {} if commitlog_config is None else {"commitlog_config": commitlog_config}
        self.storage = LocalStorage(
            data_directory=data,
            commitlog_directory=directory / "commitlog",
            flush_stage=self._flush_stage,
            compaction_stage=self._compaction_stage,
            **kwargs,
        )
        self.catalog = Catalog(data, (*system_keyspaces(), *virtual_keyspaces()))
        for table in self.catalog.schema.all_tables():
            self._open_table(table)
        self.catalog.listeners.append(self._on_schema_change)
        self.storage.replay_commitlog()
        self.membership: Membership | None = None
        # Every node of the layout (up or not) with its datacenter and rack: what replication options are
        # validated against (Datacenters.getValidDatacenters) and what replicas a keyspace asks for.
        self.topology = Topology.of({n.address: (n.datacenter, n.rack) for n in self.layout.nodes})
        # every client request through the proxy is timed (nodetool proxyhistograms), as Cassandra's are
        self._strategies: dict[str, tuple[object, ReplicationStrategy]] = {}  # see _replication_factors
        self.proxy: MeteredProxy
        if network is None:
            self.proxy = MeteredProxy(
                LocalStorageProxy(self.storage, self._truncate, self._replication_factors, self.me.datacenter)
            )
        else:
            self.membership = Membership(
                me=self.me,
                layout=self.layout,
                host_ids=host_ids or {self.me.address: self.host_id},
                network=network,
                directory=directory,
                storage=self.storage,
                catalog=self.catalog,
                cluster_name=cluster_name,
                truncate_local=self._truncate,
                is_local_keyspace=self.catalog.is_system_keyspace,
            )
            self.proxy = MeteredProxy(self.membership.coordinator, self.membership.metrics)
            self.membership.ring_listeners.append(self._on_ring_change)
            self.topology = self.membership.topology
        self.context = ExecutionContext(self.catalog, self.proxy)
        self.context.virtual_tables = self.views = NodeViews(self)
        self.native_transport_active = False  # set while a NodeServer serves this node
        #: ``nodetool disablehandoff`` on a node alone in its cluster (with peers, the hints service keeps it)
        self.hinted_handoff_enabled = True
        #: set by whoever serves the node: ``nodetool enablebinary`` (True) / ``disablebinary`` (False)
        self.native_transport_control: Callable[[bool], None] | None = None
        self.context.topology = self.topology
        # traced requests (system_traces), shared by the nodes of an in-process cluster
        self.context.traces = traces if traces is not None else TraceStore()
        self.context.address = self.me.address
        self.context.num_tokens = self.layout.num_tokens
        if self.membership is not None:
            self.context.node_state_rows = self._node_state_rows
        self.query_processor = QueryProcessor(self.context, cluster_name)

    def _on_ring_change(self) -> None:
        """A node joined or left: replication options are validated against the new topology."""
        assert self.membership is not None
        self.topology = self.context.topology = self.membership.topology

    def _replication_factors(self, keyspace: str) -> Mapping[str, int]:
        """Datacenter → replication factor of ``keyspace`` on this cluster's topology."""
        metadata = self.catalog.schema.keyspace(keyspace)
        if metadata is None or self.catalog.is_system_keyspace(keyspace):
            return {ANY_DATACENTER: 1}
        # The strategy is worked out once per keyspace definition (every write checks the factors).
        cached = self._strategies.get(keyspace)
        if cached is None or cached[0] is not metadata:
            strategy = create_strategy(
                metadata.replication, keyspace=keyspace, local_endpoint=self.me.address
            )
            cached = self._strategies[keyspace] = (metadata, strategy)
        return cached[1].replication_factors(self.topology)

    def _open_table(self, table: TableMetadata) -> None:
        stored = (table.keyspace, table.name) in STORED_SYSTEM_TABLES  # system.paxos
        if table.virtual or (self.catalog.is_system_keyspace(table.keyspace) and not stored):
            return  # the other system tables are served from memory (engine.schema.system_schema)
        # The table's order is a value that pickles: large flushes can then go to the flush worker process.
        order = keys.clustering_comparator(table)
        self.storage.add_table(table.keyspace, table.name, table.id, order, _storage_params(table))

    def _on_schema_change(self, old: Schema, new: Schema) -> None:
        old_ids = {t.id: t for t in old.all_tables()}
        new_ids = {t.id: t for t in new.all_tables()}
        for table_id, table in new_ids.items():
            if table_id not in old_ids:
                self._open_table(table)
        for table_id, table in old_ids.items():
            if table_id not in new_ids and not table.virtual:
                self._drop_data(table)

    def _drop_data(self, table: TableMetadata) -> None:
        store = self.storage.table(table.id)
        now = datetime.datetime.now(datetime.UTC)
        store.truncate("", now=now, auto_snapshot=table.params.allow_auto_snapshot)
        self.storage.remove_table(table.id)  # closed and forgotten: its commitlog segments can go

    def _truncate(self, table_id: uuid.UUID) -> None:
        table = self.catalog.schema.table_by_id(table_id)
        if table is None:
            return
        now = datetime.datetime.now(datetime.UTC)
        self.storage.table(table_id).truncate("", now=now, auto_snapshot=table.params.allow_auto_snapshot)

    # ------------------------------------------------------------------------------ what it is

    @property
    def address(self) -> str:
        return self.me.address

    @property
    def datacenter(self) -> str:
        return self.me.datacenter

    @property
    def rack(self) -> str:
        return self.me.rack

    @property
    def tokens(self) -> tuple[int, ...]:
        return self.me.tokens

    @property
    def state(self) -> str:
        """``NORMAL``, ``JOINING`` (bootstrapping) or ``LEAVING`` (decommission or removal in progress),
        as this node's ring sees itself (``nodetool status``'s second letter)."""
        if self.membership is None:
            return "NORMAL"
        metadata = self.membership.token_metadata
        if self.address in metadata.bootstrapping_endpoints:
            return "JOINING"
        if self.address in metadata.leaving:
            return "LEAVING"
        return "NORMAL"

    @property
    def is_running(self) -> bool:
        """Whether the node is up (a stopped node of a running cluster keeps its directory open)."""
        return self.membership is None or self.membership.is_running

    @property
    def is_reachable(self) -> bool:
        """Whether the node runs at all: a stopped node is off the network, while a node whose gossip
        is disabled (``nodetool disablegossip``) is DOWN to its peers but still answers nodetool."""
        return self.membership is None or self.membership.network.is_up(self.address)

    @property
    def is_alive(self) -> bool:
        """Same as :attr:`is_running` (what ``nodetool status`` calls UP); a peer's view is :meth:`sees_alive`."""
        return self.is_running

    @property
    def data_center(self) -> str:
        return self.me.datacenter

    def describe(self) -> NodeDescription:
        return NodeDescription(
            self.name, self.address, self.host_id, self.datacenter, self.rack, self.tokens, self.is_running
        )

    def node_infos(self, native_port: int = NATIVE_PORT) -> tuple[NodeInfo, list[NodeInfo]]:
        """This node and its peers as ``system.local`` / ``system.peers_v2`` describe them: the ring's
        members (a joining node is not a peer until it is NORMAL, as drivers expect)."""
        if self.membership is None:
            local = NodeInfo(
                self.host_id,
                self.address,
                self.address,
                native_port,
                tuple(str(t) for t in self.me.tokens),
                self.me.datacenter,
                self.me.rack,
            )
            return local, []
        metadata = self.membership.token_metadata
        topology = self.membership.topology

        def info(address: str, tokens: tuple[int, ...]) -> NodeInfo:
            return NodeInfo(
                self.host_id if address == self.address else topology.host_id(address),
                address,
                address,
                native_port,
                tuple(str(t) for t in tokens),
                topology.datacenter(address),
                topology.rack(address),
            )

        peers = [info(e, metadata.tokens_of(e)) for e in metadata.endpoints if e != self.address]
        return info(self.address, self.me.tokens), peers

    def _node_state_rows(self, keyspace: str, table: str) -> Iterator[dict[str, object]]:
        local, peers = self.node_infos()
        return node_state_rows(
            keyspace,
            table,
            local=local,
            peers=peers,
            cluster_name=self.query_processor.cluster_name,
            schema_version=self.catalog.schema.version,
            gossip_generation=self.membership.generation if self.membership is not None else 0,
        )

    def sees_alive(self, address: str) -> bool:
        """Whether this node's gossip (failure detector) believes ``address`` is UP."""
        if address == self.address:
            return self.is_running
        return self.membership is not None and self.membership.is_alive(address)

    def close(self) -> None:
        """Clean shutdown: flush everything (nothing left to replay) and stop the background stages."""
        if self.membership is not None:
            self.membership.close()
        self.storage.drain()
        self._flush_stage.shutdown()
        self._compaction_stage.shutdown()
        self._lock_handle.close()  # releases the directory lock
