"""The embedded API, shaped like cassandra-driver's so code can move between the two.

``Cluster.open(path)`` opens (or creates) a cluster's node directories in this process;
``cluster.connect(keyspace)`` gives a :class:`Session`; ``session.execute(query, parameters)`` returns a
:class:`ResultSet` whose rows are named tuples of Python values (as the driver's ``named_tuple_factory``
returns them), with ``column_names``, ``column_types``, ``paging_state`` and ``warnings``.
Parameters bind ``?`` markers positionally (a sequence) or by name (a mapping), serialized with the
type of the column each marker stands for.

A cluster has one node unless asked for more: ``Cluster.open(path, nodes=3)`` (or ``nodes="3:2"`` for two
datacenters) creates ``node1``..``nodeN`` with ``cluster.json`` (``engine.cluster.layout``); reopening
reads it. The nodes share one in-process :class:`~engine.net.Network`:

* **stepped** (the default): virtual time moves only when someone waits. A coordinator waiting for
  replicas drives the network itself (``engine.service.awaiting``), and :meth:`Session.execute` delivers
  whatever its statement left queued (schema pushes) before returning, so a synchronous ``execute``
  behaves as on a real cluster. Tests and golden scripts step time explicitly with
  :meth:`Cluster.advance`; :meth:`Cluster.stop_node` / :meth:`Cluster.start_node` stop and restart a
  node's participation (peers see it DOWN at once, as after a clean shutdown, and UP after gossip).
* **real time** (``realtime=True``, for serving): a background thread runs deliveries and timers against
  the wall clock.

``cluster.connect(keyspace, node="node2")`` coordinates through another node.
"""

from __future__ import annotations

import collections
import functools
import keyword
import os
import re
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.cluster.layout import ClusterLayout, load_or_create
from engine.cluster.local_tables import load_or_create_host_id
from engine.cluster.node import Node
from engine.cluster.topology_change import (
    TopologyChangeError,
    add_node,
    decommission,
    remove_node,
    resume_joining,
    without,
)
from engine.cql.ast import BatchType
from engine.cql3.statements import batch as batch_statement
from engine.cql3.statements.base import ClientState
from engine.cql3.statements.modification import ModificationStatement
from engine.db.commitlog.commitlog import CommitLogConfig
from engine.db.consistency_level import ConsistencyLevel
from engine.errors import InvalidRequest
from engine.net import Network
from engine.schema.metadata import Schema
from engine.service.query_options import UNSET, QueryOptions
from engine.service.results import ColumnSpec, ResultMessage, Rows, SchemaChange, SetKeyspace
from engine.service.tracing import TraceStore

#: How long a schema change waits for every running node to agree (the driver's default: 10 s).
SCHEMA_AGREEMENT_WAIT_S = 10.0


def default_home() -> Path:
    return Path(os.environ.get("CQLKIT_HOME", Path.home() / ".cqlkit"))


_INVALID = re.compile(r"\W")


def _field_name(name: str, index: int) -> str:
    """A column name as a named-tuple field, cleaned the way the driver cleans it."""
    cleaned = _INVALID.sub("_", name).strip("_") or f"field_{index}"
    if cleaned[0].isdigit() or keyword.iskeyword(cleaned):
        cleaned = f"field_{index}_" if not cleaned[0].isdigit() else f"field_{index}"
    return cleaned


@functools.lru_cache(maxsize=1024)
def _row_type(column_names: tuple[str, ...]) -> type:
    """The named-tuple class of rows with these columns (built once: namedtuple() costs ~0.2 ms)."""
    names = [_field_name(name, i) for i, name in enumerate(column_names)]
    if len(set(names)) != len(names):
        names = [f"{n}_{i}" for i, n in enumerate(names)]
    return collections.namedtuple("Row", names, rename=True)  # type: ignore[misc]


class ResultSet:
    def __init__(self, message: ResultMessage) -> None:
        self.message = message
        result = message.result
        self.warnings = list(message.warnings)
        self.trace_id = message.trace_id
        self.schema_change = result if isinstance(result, SchemaChange) else None
        self.keyspace = result.keyspace if isinstance(result, SetKeyspace) else None
        if isinstance(result, Rows):
            self.column_specs: tuple[ColumnSpec, ...] = result.columns
            self.paging_state = result.paging_state
            self.raw_rows = result.rows
            row_type = _row_type(tuple(c.name for c in result.columns))
            types = [c.type for c in result.columns]
            self.current_rows = [
                row_type(*(None if v is None else t.deserialize(v) for t, v in zip(types, raw, strict=True)))
                for raw in result.rows
            ]
        else:
            self.column_specs = ()
            self.paging_state = None
            self.raw_rows: tuple[tuple[bytes | None, ...], ...] = ()
            self.current_rows = []

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.column_specs]

    @property
    def column_types(self) -> list[str]:
        return [c.type.cql() for c in self.column_specs]

    @property
    def has_more_pages(self) -> bool:
        return self.paging_state is not None

    def one(self) -> object | None:
        return self.current_rows[0] if self.current_rows else None

    def all(self) -> list[object]:
        return list(self.current_rows)

    def __iter__(self) -> Iterator[object]:
        return iter(self.current_rows)

    def __len__(self) -> int:
        return len(self.current_rows)


@dataclass(frozen=True)
class PreparedStatement:
    query_id: bytes
    query_string: str
    bind_specs: tuple[ColumnSpec, ...]
    bind_names: tuple[str | None, ...]


class Session:
    def __init__(
        self,
        node: Node,
        keyspace: str | None = None,
        settle: Callable[[ResultMessage], None] | None = None,
    ) -> None:
        self._node = node
        self._settle = settle
        self._client = ClientState()
        self.default_consistency_level = ConsistencyLevel.ONE
        if keyspace is not None:
            self.set_keyspace(keyspace)

    @property
    def keyspace(self) -> str | None:
        return self._client.keyspace

    @property
    def schema(self) -> Schema:
        """The node's current schema (keyspaces, tables, user types), as driver metadata would give it."""
        return self._node.catalog.schema

    def set_keyspace(self, keyspace: str) -> None:
        self.execute(f'USE "{keyspace}"')

    def prepare(self, query: str) -> PreparedStatement:
        prepared = self._node.query_processor.prepare(query, self._client)
        statement = prepared.statement
        return PreparedStatement(prepared.id, query, statement.bind_specs, statement.bind_names)

    def execute(
        self,
        query: str | PreparedStatement,
        parameters: Sequence[object] | Mapping[str, object] | None = None,
        consistency_level: ConsistencyLevel | None = None,
        fetch_size: int | None = None,
        paging_state: bytes | None = None,
        serialized: bool = False,
        trace: bool = False,
    ) -> ResultSet:
        """``serialized``: ``parameters`` are already native-protocol values (bytes, or None for null),
        in marker order, as a driver sends them (cqlsh's COPY FROM serializes once, for either path).
        ``trace``: record the request in ``system_traces``; the result's ``trace_id`` names the session."""
        processor = self._node.query_processor
        if isinstance(query, str):
            prepared = processor.prepare(query, self._client) if parameters else None
        else:
            prepared = processor.prepare(query.query_string, self._client)
        values: tuple[bytes | None, ...] = ()
        if prepared is not None and serialized:
            values = tuple(parameters)  # type: ignore[arg-type]
        elif prepared is not None:
            values = _serialize(prepared.statement.bind_specs, prepared.statement.bind_names, parameters)
        options = QueryOptions(
            consistency=consistency_level or self.default_consistency_level,
            values=values,
            page_size=fetch_size,
            paging_state=paging_state,
            tracing=trace,
        )
        if prepared is not None:
            message = processor.execute_prepared(prepared.id, self._client, options)
        else:
            assert isinstance(query, str)
            message = processor.execute(query, self._client, options)
        if self._settle is not None:
            self._settle(message)
        return ResultSet(message)

    def execute_batch(
        self,
        prepared: PreparedStatement,
        rows: Sequence[Sequence[bytes | None]],
        consistency_level: ConsistencyLevel | None = None,
        batch_type: BatchType = BatchType.UNLOGGED,
    ) -> ResultSet:
        """A batch (UNLOGGED unless told) running ``prepared`` (an INSERT, UPDATE or DELETE) once per row of
        already serialized values, as a driver's ``BatchStatement`` of one prepared statement is sent (COPY
        FROM's batches): one batch, applied whole or refused whole."""
        processor = self._node.query_processor
        statement = processor.prepare(prepared.query_string, self._client).statement
        if not isinstance(statement, ModificationStatement):
            raise InvalidRequest(
                "Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed."
            )
        processor.check_access(statement, self._client)
        options = QueryOptions(consistency=consistency_level or self.default_consistency_level)
        children = [(statement, tuple(row)) for row in rows]
        message = batch_statement.execute_protocol_batch(self._node.context, children, options, batch_type)
        if self._settle is not None:
            self._settle(message)
        return ResultSet(message)

    @property
    def node(self) -> Node:
        """The node coordinating this session's requests."""
        return self._node


def _serialize(
    specs: tuple[ColumnSpec, ...],
    names: tuple[str | None, ...],
    parameters: Sequence[object] | Mapping[str, object] | None,
) -> tuple[bytes | None, ...]:
    if parameters is None:
        parameters = ()
    if isinstance(parameters, Mapping):
        ordered = []
        for spec, name in zip(specs, names, strict=True):
            key = name or spec.name
            if key not in parameters:
                raise InvalidRequest(f"Missing value for bind variable {key}")
            ordered.append(parameters[key])
        parameters = ordered
    if len(parameters) != len(specs):
        raise InvalidRequest(
            f"There were {len(specs)} markers(?) in CQL but {len(parameters)} bound variables"
        )
    out: list[bytes | None] = []
    for spec, value in zip(specs, parameters, strict=True):
        if value is UNSET:
            out.append(UNSET)  # type: ignore[arg-type]
        elif value is None:
            out.append(None)
        else:
            out.append(spec.type.serialize(value))
    return tuple(out)


class Cluster:
    """A cluster opened in this process from its directory (``$CQLKIT_HOME/clusters/<name>``)."""

    def __init__(
        self,
        directory: Path,
        nodes: list[Node],
        network: Network | None = None,
        layout: ClusterLayout | None = None,
        *,
        realtime: bool = False,
        commitlog_config: CommitLogConfig | None = None,
        traces: TraceStore | None = None,
    ) -> None:
        self.directory = directory
        self.nodes = nodes
        self.network = network
        self.layout = layout
        self.realtime = realtime
        self._commitlog_config = commitlog_config
        self._traces = traces or TraceStore()  # one for the cluster: a driver finds a trace on any node
        #: called with the node after one joined (``add_node``, ``enable_network``) or left the cluster
        self.node_listeners: list[Callable[[str, Node], None]] = []

    @classmethod
    def open(
        cls,
        path_or_name: str | Path | None = None,
        nodes: int | str | None = None,
        *,
        realtime: bool = False,
        commitlog_config: CommitLogConfig | None = None,
        stopped: Collection[str] = (),
    ) -> Cluster:
        """Open (or create) a cluster; ``nodes`` (``3``, ``"3:2"``) only when creating, or to check it.
        ``commitlog_config`` applies to every node (``cqlkit serve --commitlog-sync``). The nodes named in
        ``stopped`` open their directories but stay off the network until :meth:`start_node` (what ccm's
        ``nodeN start`` on a stopped cluster leaves: that node alone running)."""
        if path_or_name is None:
            directory = default_home() / "clusters" / "default"
        else:
            candidate = Path(path_or_name)
            directory = (
                candidate
                if (candidate.is_absolute() or os.sep in str(path_or_name))
                else default_home() / "clusters" / str(path_or_name)
            )
        directory.mkdir(parents=True, exist_ok=True)
        layout = load_or_create(directory, nodes)
        cluster = cls(directory, [], None, layout, realtime=realtime, commitlog_config=commitlog_config)
        if len(layout.nodes) == 1:
            cluster.nodes.append(
                Node(
                    directory / "node1",
                    cluster_name=directory.name,
                    layout=layout,
                    commitlog_config=commitlog_config,
                )
            )
            return cluster
        unknown = sorted(set(stopped) - {n.name for n in layout.nodes})
        if unknown:
            raise InvalidRequest(f"no node {unknown[0]} in cluster {directory.name}")
        if stopped and len(layout.nodes) == 1:
            raise InvalidRequest("a one-node cluster cannot keep its only node stopped")
        cluster._open_networked(stopped)
        resume_joining(cluster)
        return cluster

    def _open_networked(self, stopped: Collection[str] = ()) -> None:
        """Open every node of the layout on one shared network (stepped, or real time when serving); the
        nodes named in ``stopped`` leave it before anyone has heard of them."""
        assert self.layout is not None
        self.network = Network(clock=(lambda: time.monotonic() * 1000.0) if self.realtime else None)
        host_ids = {n.address: load_or_create_host_id(self.directory / n.name) for n in self.layout.nodes}
        try:
            for spec in self.layout.nodes:
                self.open_node(spec.name, host_ids, converge=False)
        except BaseException:
            for node in self.nodes:
                node.close()
            self.nodes.clear()
            raise
        for node in self.nodes:
            if node.name in stopped and node.membership is not None:
                node.membership.announce_shutdown()
                node.membership.leave_network()
        if self.realtime:
            self.network.start()
        self.converge()

    def open_node(self, name: str, host_ids: dict[str, uuid.UUID], *, converge: bool = True) -> Node:
        """Open node ``name`` of the layout on the cluster's network and add it to :attr:`nodes`."""
        assert self.layout is not None and self.network is not None
        node = Node(
            self.directory / name,
            name=name,
            cluster_name=self.directory.name,
            layout=self.layout,
            network=self.network,
            host_ids=host_ids,
            commitlog_config=self._commitlog_config,
            traces=self._traces,
        )
        self.nodes.append(node)
        if converge:
            self.converge()
        return node

    def enable_network(self) -> None:
        """Turn a one-node cluster opened without a network into a networked one, so it can grow:
        ``node1`` is closed and reopened on a network (sessions made before must reconnect)."""
        if self.network is not None:
            return
        for node in self.nodes:
            node.close()
        self.nodes.clear()
        self._open_networked()
        for node in self.nodes:
            for listener in list(self.node_listeners):
                listener("reopened", node)

    # ------------------------------------------------------------------------------ ring changes

    def add_node(self, datacenter: str | None = None) -> Node:
        """Bootstrap a new node (``nodeN`` at ``127.0.0.N``) into the running cluster; see
        :mod:`engine.cluster.topology_change`."""
        node = add_node(self, datacenter)
        for listener in list(self.node_listeners):
            listener("added", node)
        return node

    def decommission(self, name: str, *, force: bool = False) -> None:
        """``nodetool decommission`` on node ``name``: its ranges move to other nodes, then it leaves."""
        decommission(self, name, force=force)

    def remove_node(self, host_id: uuid.UUID, *, via: str | None = None) -> None:
        """``nodetool removenode <host id>`` (through node ``via``, else the first running node)."""
        remove_node(self, host_id, via=None if via is None else self.node(via))

    def forget_node(self, node: Node) -> None:
        """Take a decommissioned or removed node out of this process and of ``cluster.json``."""
        if node.membership is not None and node.is_running:
            node.membership.announce_shutdown()
            node.membership.leave_network()
        for listener in list(self.node_listeners):
            listener("removed", node)  # while it is still a node of the cluster (its endpoint is known)
        node.close()
        self.nodes.remove(node)
        without(self, node)

    def running_nodes(self) -> list[Node]:
        return [n for n in self.nodes if n.is_running]

    def await_nodes(self, condition: Callable[[], bool], what: str, timeout_ms: float = 60_000.0) -> None:
        """Run gossip until ``condition()`` holds (``TopologyChangeError`` naming ``what`` after the timeout)."""
        if not self._run_gossip_until(condition, timeout_ms):
            raise TopologyChangeError(f"timed out waiting for {what}")

    # ------------------------------------------------------------------------------------- nodes

    def node(self, name: str) -> Node:
        """A node by name (``node2``) or address (``127.0.0.2``)."""
        for node in self.nodes:
            if name in (node.name, node.address):
                return node
        raise KeyError(f"no node {name} in cluster {self.directory.name}")

    def connect(self, keyspace: str | None = None, node: str | None = None) -> Session:
        chosen = self.nodes[0] if node is None else self.node(node)
        return Session(chosen, keyspace, None if self.network is None else self._settle)

    def _settle(self, message: ResultMessage) -> None:
        """After a statement: in a stepped network deliver what it sent (schema pushes); in real time,
        after a schema change, wait for schema agreement as drivers do (``max_schema_agreement_wait``)."""
        network = self.network
        assert network is not None
        if network.is_stepped:
            network.deliver_all()
            return
        if not isinstance(message.result, SchemaChange):
            return
        deadline = time.monotonic() + SCHEMA_AGREEMENT_WAIT_S
        while time.monotonic() < deadline:
            versions = {n.catalog.schema.version for n in self.nodes if n.is_running}
            if len(versions) <= 1:
                return
            time.sleep(0.001)

    def converge(self, timeout_ms: float = 60_000.0) -> None:
        """Run gossip until every running node sees every running node UP (and the others DOWN)."""
        if self.network is None:
            return

        def agreed() -> bool:
            running = self.running_nodes()
            return all(
                a.sees_alive(b.address) == b.is_running for a in running for b in self.nodes if a is not b
            )

        self._run_gossip_until(agreed, timeout_ms)

    def _run_gossip_until(self, condition: Callable[[], bool], timeout_ms: float) -> bool:
        network = self.network
        if network is None:
            return condition()
        if network.is_stepped:
            waited = 0.0
            network.deliver_all()
            while not condition() and waited < timeout_ms:
                network.advance(1000.0)
                waited += 1000.0
            network.deliver_all()  # what the last round set off (hint replay on UP) arrives now
            return condition()
        deadline = time.monotonic() + timeout_ms / 1000.0
        while not condition() and time.monotonic() < deadline:
            for node in self.nodes:  # gossip rounds now, not a second from now: a quick start
                if node.membership is not None and node.is_running:
                    node.membership.gossiper.tick()
            time.sleep(0.005)
        return condition()

    def stop_node(self, name: str) -> None:
        """Stop a node as ``nodetool stopdaemon`` would: peers see it DOWN at once; its data stays."""
        node = self.node(name)
        if node.membership is None:
            raise InvalidRequest("a one-node cluster cannot stop its only node")
        if node.is_running:
            node.membership.announce_shutdown()
            self.converge()  # every peer has marked it DOWN (the shutdown message arrived)
            node.membership.leave_network()

    def start_node(self, name: str) -> None:
        """Restart a stopped node and wait until gossip has every running node agree it is UP."""
        node = self.node(name)
        if node.membership is None or node.is_running:
            return
        node.membership.restart()
        self.converge()

    def advance(self, ms: float) -> None:
        """Let ``ms`` of virtual time pass (gossip rounds, timeouts, hint delivery); stepped networks only."""
        if self.network is not None:
            self.network.advance(ms)

    def shutdown(self) -> None:
        if self.network is not None and not self.network.is_stepped:
            self.network.stop()
        for node in self.nodes:
            node.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
