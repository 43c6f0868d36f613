"""One node's place in a multi-node cluster: messaging, gossip, the ring, hints and schema agreement.

:class:`Membership` composes, for one node, the pieces ``engine.service`` and ``engine.gms`` provide:

* a :class:`~engine.net.MessagingService` at the node's address on the cluster's shared network;
* a :class:`~engine.gms.Gossiper` wired onto the gossip verbs (``GOSSIP_DIGEST_SYN``/``ACK``/``ACK2``,
  ``GOSSIP_SHUTDOWN``, ``ECHO_REQ``/``ECHO_RSP``), ticking once a second on the network's timers and
  announcing ``STATUS`` (NORMAL with the tokens), ``DC``, ``RACK``, ``HOST_ID``, ``TOKENS``, ``SCHEMA``
  and ``RELEASE_VERSION``; gossip's view is what the coordinator calls alive;
* the ring (:class:`~engine.service.replica_plan.Ring`) from ``cluster.json``'s tokens and the nodes'
  host ids;
* hinted handoff (:class:`~engine.hints.HintsService`), told about UP and DOWN by gossip;
* the replica verb handlers, the batchlog (``batches/``) and the
  :class:`~engine.service.coordinator.Coordinator`.

**Schema agreement.** Every node keeps its own catalog. A schema change made on this node is pushed to
every live peer (``SCHEMA_PUSH_REQ``, the whole schema); a node that sees a peer come UP, or a peer's
gossiped ``SCHEMA`` version differ from its own, pulls the peer's schema (``SCHEMA_PULL_REQ``). Which of
two schemas is newer is decided by an *epoch*, a Lamport counter kept in ``node.json`` (``schema_epoch``):
a local change sets it to one more than the highest epoch seen; a received schema is adopted when its
epoch is higher (equal epochs: the larger version wins, so every node picks the same one). Cassandra
merges schema mutations by timestamp; with whole schemas the epoch plays that role, and a node that was
down while keyspaces were created catches up on its first contact with any peer.

**Generation.** The gossip generation (``gossip_generation`` in ``system.local``) is kept in
``node.json`` too and increases on every start, as Cassandra's does (there it is the start time in
seconds; here a counter, so stepped runs are deterministic).
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from engine.cluster.layout import ClusterLayout, NodeLayout, NodeLayoutState
from engine.cluster.local_tables import RELEASE_VERSION
from engine.db.local_storage import LocalStorage
from engine.gms import (
    ApplicationState,
    EndpointState,
    GossipDigestAck,
    GossipDigestAck2,
    GossipDigestSyn,
    GossipEcho,
    GossipEchoAck,
    Gossiper,
    GossipListener,
    GossipMessage,
    GossipShutdown,
    NodeStatus,
    VersionedValue,
    parse_tokens,
    status_value,
    tokens_value,
)
from engine.hints import HintsService
from engine.locator import LocalStrategy, ReplicationStrategy, TokenMetadata, Topology, create_strategy
from engine.net import Message, MessagingService, Network, Verb
from engine.repair import RepairService
from engine.schema.catalog import Catalog
from engine.schema.metadata import Schema
from engine.service.batchlog import BatchlogReplayer, BatchlogStore
from engine.service.client_request_metrics import ClientRequestMetrics
from engine.service.coordinator import Coordinator
from engine.service.replica import ReplicaHandlers
from engine.service.replica_plan import Ring
from engine.streaming import StreamSession

GOSSIP_INTERVAL_MS = 1000.0
#: How long peers keep a LEFT/removed node's state (Cassandra's ``VersionedValue.STATUS_LEFT`` expiry: 3 days).
LEFT_STATE_EXPIRY_MS = 3 * 24 * 3600 * 1000.0

_GOSSIP_VERBS: dict[type, Verb] = {
    GossipDigestSyn: Verb.GOSSIP_DIGEST_SYN,
    GossipDigestAck: Verb.GOSSIP_DIGEST_ACK,
    GossipDigestAck2: Verb.GOSSIP_DIGEST_ACK2,
    GossipShutdown: Verb.GOSSIP_SHUTDOWN,
    GossipEcho: Verb.ECHO_REQ,
    GossipEchoAck: Verb.ECHO_RSP,
}


@dataclass(frozen=True, slots=True)
class SchemaSnapshot:
    """The payload of schema push and pull: a whole schema and its epoch."""

    schema: Schema
    epoch: int


class NodeState:
    """``node.json``: host id (shared with ``engine.cluster.local_tables``), gossip generation, schema epoch."""

    def __init__(self, directory: Path) -> None:
        self._path = directory / "node.json"
        self._doc: dict[str, object] = {}
        if self._path.exists():
            self._doc = json.loads(self._path.read_text(encoding="utf-8"))

    def get_int(self, key: str) -> int:
        value = self._doc.get(key, 0)
        return value if isinstance(value, int) else 0

    def set(self, key: str, value: object) -> None:
        self._doc[key] = value
        temporary = self._path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(self._doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temporary, self._path)


class Membership(GossipListener):
    def __init__(
        self,
        *,
        me: NodeLayout,
        layout: ClusterLayout,
        host_ids: dict[str, uuid.UUID],
        network: Network,
        directory: Path,
        storage: LocalStorage,
        catalog: Catalog,
        cluster_name: str,
        truncate_local: Callable[[uuid.UUID], None],
        is_local_keyspace: Callable[[str], bool],
    ) -> None:
        self.me = me
        self.address = me.address
        self.network = network
        self.catalog = catalog
        self.host_id = host_ids[me.address]
        self._state = NodeState(directory)
        self.generation = self._state.get_int("generation") + 1
        self._state.set("generation", self.generation)
        self.schema_epoch = self._state.get_int("schema_epoch")
        if self.schema_epoch == 0 and any(not is_local_keyspace(k) for k in catalog.schema.keyspaces):
            # schema made while the node ran alone (no network, no epochs): it must win over the empty
            # schema of a node joining it, whatever their versions
            self.schema_epoch = 1
            self._state.set("schema_epoch", self.schema_epoch)
        self._adopting = threading.local()
        normal = [n for n in layout.nodes if n.state is NodeLayoutState.NORMAL]
        token_metadata = TokenMetadata.from_tokens({n.address: n.tokens for n in normal})
        for joining in layout.nodes:
            if joining.state is NodeLayoutState.JOINING:
                token_metadata = token_metadata.with_bootstrapping(joining.address, joining.tokens)
        self.token_metadata = token_metadata
        self.topology = Topology.of(
            {n.address: (n.datacenter, n.rack) for n in layout.nodes}, host_ids=host_ids
        )
        self.joining = me.state is NodeLayoutState.JOINING
        #: called (without arguments) after the ring or the topology changed: a node joined, left, moved
        self.ring_listeners: list[Callable[[], None]] = []
        self._ring_lock = threading.Lock()
        self.messaging = MessagingService(me.address, network)
        seeds = sorted({_first_in_dc(layout, n.datacenter).address for n in layout.nodes})
        index = [n.address for n in layout.nodes].index(me.address)
        self.gossiper = Gossiper(
            me.address,
            send=self._send_gossip,
            clock=network.now,
            seeds=seeds,
            cluster_name=cluster_name,
            seed=index,
        )
        self.gossiper.register(self)
        for verb in _GOSSIP_VERBS.values():
            self.messaging.register(verb, self._on_gossip)
        self.replica = ReplicaHandlers(storage, self.messaging, truncate_local)
        self.hints = HintsService(
            directory / "hints",
            self.messaging,
            host_id_of=lambda endpoint: self.topology.host_id(endpoint),
            endpoint_of=lambda host_id: self.topology.endpoint_for_host_id(host_id),
            is_alive=self.is_alive,
            local_host_id=self.host_id,
            apply=self.replica.apply,
        )
        self.batchlog = BatchlogStore(directory / "batches", self.messaging)
        self.metrics = ClientRequestMetrics()  # what this node measures as a coordinator (proxyhistograms)
        self.coordinator = Coordinator(
            storage=storage,
            schema=lambda: catalog.schema,
            ring=self.ring,
            messaging=self.messaging,
            replica=self.replica,
            hints=self.hints,
            truncate_local=truncate_local,
            is_local_keyspace=is_local_keyspace,
            batchlog=self.batchlog,
            read_repair=self.metrics.read_repair,
        )
        self.batchlog_replayer = BatchlogReplayer(self.batchlog, network, self.coordinator.replay)
        self._is_local_keyspace = is_local_keyspace
        self.repair = RepairService(
            storage=storage,
            messaging=self.messaging,
            replica=self.replica,
            schema=lambda: catalog.schema,
            ring=self.ring,
            strategy=self.replication_strategy,
        )
        self.streaming = StreamSession(
            messaging=self.messaging,
            replica=self.replica,
            storage=storage,
            schema=lambda: catalog.schema,
            node_name=me.name,
        )
        self.messaging.register(Verb.SCHEMA_PUSH_REQ, self._on_schema_push)
        self.messaging.register(Verb.SCHEMA_PULL_REQ, self._on_schema_pull)
        catalog.listeners.append(self._on_local_schema_change)
        self._ticker = network.every(GOSSIP_INTERVAL_MS, self.gossiper.tick)
        self.start_gossip()

    # ---------------------------------------------------------------------------------- liveness

    def is_alive(self, endpoint: str) -> bool:
        return self.gossiper.is_alive(endpoint)

    @property
    def is_running(self) -> bool:
        return self.gossiper.started

    def ring(self) -> Ring:
        return Ring(self.token_metadata, self.topology, self.address, self.is_alive)

    def replication_strategy(self, keyspace: str) -> ReplicationStrategy | None:
        """The keyspace's strategy over the ring; ``None`` for node-local keyspaces (nothing to repair)."""
        metadata = self.catalog.schema.keyspace(keyspace)
        if metadata is None or self._is_local_keyspace(keyspace):
            return None
        found = create_strategy(metadata.replication, keyspace=keyspace, local_endpoint=self.address)
        return None if isinstance(found, LocalStrategy) else found

    def start_gossip(self) -> None:
        self.gossiper.start(
            self.generation,
            {
                ApplicationState.DC: self.me.datacenter,
                ApplicationState.RACK: self.me.rack,
                ApplicationState.HOST_ID: str(self.host_id),
                ApplicationState.RELEASE_VERSION: RELEASE_VERSION,
                ApplicationState.TOKENS: tokens_value(self.me.tokens),
                ApplicationState.SCHEMA: str(self.catalog.schema.version),
                ApplicationState.STATUS: status_value(
                    NodeStatus.BOOTSTRAPPING if self.joining else NodeStatus.NORMAL, self.me.tokens
                ),
            },
        )

    def stop_gossiping(self) -> None:
        """``nodetool disablegossip``: peers hear the shutdown and mark this node DOWN, though it still
        answers messages (Cassandra's ``StorageService.stopGossiping``)."""
        self.gossiper.announce_shutdown()

    def start_gossiping(self) -> None:
        """``nodetool enablegossip``: gossip again under a new generation; peers mark the node UP."""
        if self.gossiper.started:
            return
        self.generation += 1
        self._state.set("generation", self.generation)
        self.start_gossip()

    def announce_shutdown(self) -> None:
        """The first half of a clean stop: tell the live peers (``GOSSIP_SHUTDOWN``); stop gossiping."""
        self.gossiper.announce_shutdown()

    def leave_network(self) -> None:
        """The second half, once peers have heard: the node neither sends nor receives any more."""
        self.network.down(self.address)

    def restart(self) -> None:
        """Back on the network with a new generation; peers mark it UP after gossip and an echo."""
        self.generation += 1
        self._state.set("generation", self.generation)
        self.network.up(self.address)
        self.start_gossip()

    def _send_gossip(self, to: str, message: GossipMessage) -> None:
        self.messaging.send(to, _GOSSIP_VERBS[type(message)], message)

    def _on_gossip(self, message: Message) -> None:
        self.gossiper.receive(message.sender, message.payload)  # type: ignore[arg-type]

    # GossipListener
    def on_join(self, endpoint: str, state: EndpointState) -> None:
        if endpoint != self.address:
            self._apply_status(endpoint, state)

    def on_alive(self, endpoint: str, state: EndpointState) -> None:
        self.hints.on_alive(endpoint)
        self._maybe_pull(endpoint, state.get(ApplicationState.SCHEMA))

    def on_dead(self, endpoint: str, state: EndpointState) -> None:
        self.hints.on_dead(endpoint)

    def on_change(self, endpoint: str, state: ApplicationState, value: VersionedValue) -> None:
        if state is ApplicationState.STATUS and endpoint != self.address:
            current = self.gossiper.endpoint_state(endpoint)
            if current is not None:
                self._apply_status(endpoint, current)
        if state is ApplicationState.SCHEMA and endpoint != self.address and self.is_alive(endpoint):
            self._maybe_pull(endpoint, value.value)

    # ------------------------------------------------------------------------------ ring changes

    def _apply_status(self, endpoint: str, state: EndpointState) -> None:
        """Follow a peer's ``STATUS`` (Cassandra's ``StorageService.onChange``): BOOT makes its tokens
        pending, NORMAL makes them its own, LEAVING and ``removing`` make the ranges it hands over pending
        for their next replicas, LEFT and ``removed`` take it off the ring."""
        status = state.status
        tokens = parse_tokens(state.get(ApplicationState.TOKENS))
        with self._ring_lock:
            metadata, topology = self.token_metadata, self.topology
            if status in (NodeStatus.BOOTSTRAPPING, NodeStatus.NORMAL) and tokens:
                host_id = state.get(ApplicationState.HOST_ID)
                datacenter = state.get(ApplicationState.DC)
                rack = state.get(ApplicationState.RACK)
                if endpoint not in topology and host_id and datacenter and rack:
                    topology = topology.with_endpoint(endpoint, datacenter, rack, host_id=uuid.UUID(host_id))
                if endpoint not in topology:
                    return  # its location is not known yet: the next round brings it
                if status is NodeStatus.BOOTSTRAPPING and not metadata.is_member(endpoint):
                    if metadata.bootstrap_tokens_of(endpoint) != tuple(sorted(tokens)):
                        metadata = metadata.with_bootstrapping(endpoint, tokens)
                elif status is NodeStatus.NORMAL and metadata.tokens_of(endpoint) != tuple(sorted(tokens)):
                    metadata = metadata.with_normal_tokens(endpoint, tokens)
            elif status in (NodeStatus.LEAVING, NodeStatus.REMOVING):
                if metadata.is_member(endpoint) and endpoint not in metadata.leaving:
                    metadata = metadata.with_leaving(endpoint)
            elif status in (NodeStatus.LEFT, NodeStatus.REMOVED):
                if metadata.is_member(endpoint) or endpoint in metadata.bootstrapping_endpoints:
                    metadata = metadata.without_endpoint(endpoint)
                if endpoint in topology:
                    topology = topology.without_endpoint(endpoint)
            if metadata is self.token_metadata and topology is self.topology:
                return
            self.token_metadata, self.topology = metadata, topology
        self._ring_changed()

    def _ring_changed(self) -> None:
        for listener in list(self.ring_listeners):
            listener()

    def _set_local_ring(self, metadata: TokenMetadata) -> None:
        with self._ring_lock:
            self.token_metadata = metadata
        self._ring_changed()

    def finish_bootstrap(self) -> None:
        """Streaming done: this node owns its tokens (``STATUS`` NORMAL), as ``StorageService.finishJoiningRing``."""
        self.joining = False
        self._set_local_ring(self.token_metadata.with_normal_tokens(self.address, self.me.tokens))
        self.gossiper.add_local_state(
            ApplicationState.STATUS, status_value(NodeStatus.NORMAL, self.me.tokens)
        )

    def start_leaving(self) -> None:
        """Decommission begins: ``STATUS`` LEAVING; the ranges this node hands over become pending."""
        self._set_local_ring(self.token_metadata.with_leaving(self.address))
        self.gossiper.add_local_state(
            ApplicationState.STATUS, status_value(NodeStatus.LEAVING, self.me.tokens)
        )

    def finish_leaving(self) -> None:
        """Decommission done: ``STATUS`` LEFT (with Cassandra's expiry field); the node owns nothing."""
        expiry = int(self.network.now() + LEFT_STATE_EXPIRY_MS)
        self.gossiper.add_local_state(
            ApplicationState.STATUS, status_value(NodeStatus.LEFT, self.me.tokens, str(expiry))
        )
        self._set_local_ring(self.token_metadata.without_endpoint(self.address))

    def advertise_removal(self, endpoint: str, status: NodeStatus) -> None:
        """``removenode`` on this node's behalf for a dead ``endpoint``: gossip its state as ``removing``
        (its ranges are pending for their next replicas) then ``removed`` (it leaves the ring), under a
        newer generation so every peer takes it (Cassandra's ``Gossiper.advertiseRemoving``)."""
        host_id = self.topology.host_id(endpoint)
        value = f"{status.value},{host_id}"
        if status is NodeStatus.REMOVED:
            value += f",{int(self.network.now() + LEFT_STATE_EXPIRY_MS)}"
        state = self.gossiper.advertise_for(endpoint, {ApplicationState.STATUS: value})
        if state is not None:
            self._apply_status(endpoint, state)

    # ------------------------------------------------------------------------------------ schema

    def _on_local_schema_change(self, old: Schema, new: Schema) -> None:
        if self.gossiper.started:
            self.gossiper.add_local_state(ApplicationState.SCHEMA, str(new.version))
        if getattr(self._adopting, "active", False):
            return  # a schema received from a peer: not a new change to spread
        self.schema_epoch += 1
        self._state.set("schema_epoch", self.schema_epoch)
        snapshot = SchemaSnapshot(new, self.schema_epoch)
        for endpoint in self.gossiper.live_members():
            if endpoint != self.address:
                self.messaging.send(endpoint, Verb.SCHEMA_PUSH_REQ, snapshot)

    def _adopt(self, snapshot: SchemaSnapshot) -> None:
        current = self.catalog.schema
        newer = snapshot.epoch > self.schema_epoch or (
            snapshot.epoch == self.schema_epoch and str(snapshot.schema.version) > str(current.version)
        )
        if not newer or snapshot.schema.version == current.version:
            self.schema_epoch = max(self.schema_epoch, snapshot.epoch)
            return
        self._adopting.active = True
        try:
            self.catalog.apply(lambda _old: Schema(MappingProxyType(dict(snapshot.schema.keyspaces))))
        finally:
            self._adopting.active = False
        self.schema_epoch = snapshot.epoch
        self._state.set("schema_epoch", self.schema_epoch)

    def _on_schema_push(self, message: Message) -> None:
        assert isinstance(message.payload, SchemaSnapshot)
        self._adopt(message.payload)

    def _on_schema_pull(self, message: Message) -> None:
        self.messaging.reply(message, SchemaSnapshot(self.catalog.schema, self.schema_epoch))

    def _maybe_pull(self, endpoint: str, version: str | None) -> None:
        if version is None or version == str(self.catalog.schema.version):
            return
        self.messaging.send_request(
            endpoint,
            Verb.SCHEMA_PULL_REQ,
            None,
            on_response=lambda reply: self._adopt(reply.payload),  # type: ignore[arg-type]
        )

    def close(self) -> None:
        self.network.cancel(self._ticker)
        self.hints.close()
        self.batchlog_replayer.close()
        self.messaging.shutdown()


def _first_in_dc(layout: ClusterLayout, datacenter: str) -> NodeLayout:
    return next(n for n in layout.nodes if n.datacenter == datacenter)
