"""Growing and shrinking a running cluster: bootstrap, decommission and removenode.

Each change follows Cassandra's sequence, with gossip carrying every step to the other nodes
(:meth:`engine.cluster.membership.Membership._apply_status`) and ``cluster.json`` recording the result:

* **bootstrap** (:func:`add_node`, ``cqlkit cluster add``): the new node ``nodeN`` (at ``127.0.0.N``, tokens
  from the allocator against its datacenter) is written to ``cluster.json`` as ``JOINING`` and opened. It
  gossips ``STATUS`` ``BOOT`` with its tokens; once every running node sees it — so their coordinators
  already send it the writes of the ranges it is gaining (pending ranges) — and it has pulled the schema,
  it streams those ranges from their current replicas (:mod:`engine.streaming`), then announces NORMAL
  and ``cluster.json`` marks it so. A bootstrap cut short by a crash leaves the node ``JOINING``: the next
  :func:`add_node` refuses to run beside it, and reopening the cluster resumes it (:func:`resume_joining`).
* **decommission** (:func:`decommission`, ``nodetool decommission``): the node gossips LEAVING, streams each
  range it replicates to the replicas that gain it, gossips LEFT, leaves the network and is closed; it
  disappears from ``cluster.json`` while its directory stays on disk (as a decommissioned Cassandra node's
  data does), so its name and address are never handed out again.
* **removenode** (:func:`remove_node`, ``nodetool removenode <host id>``): for a node that is down for good.
  A live node gossips the dead node's state as ``removing`` (its ranges become pending for the replicas
  that gain them), has the remaining replicas stream those ranges, then gossips ``removed``.

Cassandra refuses to move ranges for two changes at once unless told otherwise; so does cqlkit, with its
message. Every wait is for gossip to reach the running nodes: stepped clusters advance virtual time, real
time clusters run gossip rounds at once (:meth:`engine.cluster.session.Cluster.await_nodes`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

from engine.cluster.layout import NodeLayoutState, joining_node, save, with_node, without_node
from engine.cluster.local_tables import STORAGE_PORT, load_or_create_host_id
from engine.cluster.membership import Membership
from engine.cluster.node import Node
from engine.errors import InvalidRequest
from engine.gms import NodeStatus
from engine.hints.service import HintsTransferFailed
from engine.locator import ReplicationStrategy
from engine.streaming import (
    StreamFailed,
    StreamPlanError,
    StreamResult,
    Transfer,
    bootstrap_transfers,
    check_decommission,
    leaving_transfers,
)

if TYPE_CHECKING:
    from engine.cluster.session import Cluster

log = logging.getLogger(__name__)


class TopologyChangeError(InvalidRequest):
    """A ring change refused or failed; the message is Cassandra's where it has one."""


def _replicated_keyspaces(membership: Membership) -> Iterator[tuple[str, ReplicationStrategy]]:
    for name in sorted(membership.catalog.schema.keyspaces):
        strategy = membership.replication_strategy(name)
        if strategy is not None:
            yield name, strategy


def _membership(node: Node) -> Membership:
    if node.membership is None:
        raise TopologyChangeError("a one-node cluster opened without a network cannot change its ring")
    return node.membership


@contextlib.contextmanager
def _refused() -> Iterator[None]:
    try:
        yield
    except (StreamPlanError, StreamFailed) as e:
        raise TopologyChangeError(str(e)) from None


def _refuse_concurrent(cluster: Cluster, action: str) -> None:
    for node in cluster.running_nodes():
        metadata = _membership(node).token_metadata
        if metadata.bootstrap_tokens or metadata.leaving:
            raise TopologyChangeError(
                f"Other bootstrapping/leaving/moving nodes detected, cannot {action} while "
                "cassandra.consistent.rangemovement is true"
            )


# ------------------------------------------------------------------------------------------ bootstrap


def add_node(cluster: Cluster, datacenter: str | None = None) -> Node:
    """Bootstrap a new node into the cluster and return it, running and NORMAL."""
    if cluster.network is None:
        cluster.enable_network()
    assert cluster.layout is not None
    if any(n.state is NodeLayoutState.JOINING for n in cluster.layout.nodes):
        joining = next(n.name for n in cluster.layout.nodes if n.state is NodeLayoutState.JOINING)
        raise TopologyChangeError(f"{joining} is still joining the ring: wait for its bootstrap to finish")
    _refuse_concurrent(cluster, "bootstrap")
    try:
        spec = joining_node(cluster.layout, cluster.directory, datacenter)
    except ValueError as e:
        raise TopologyChangeError(str(e)) from None
    if spec.datacenter not in {n.datacenter for n in cluster.layout.nodes}:
        raise TopologyChangeError(f"unknown datacenter {spec.datacenter}")
    cluster.layout = with_node(cluster.layout, spec)
    save(cluster.directory, cluster.layout)
    host_ids = {n.address: n.host_id for n in cluster.nodes}
    host_ids[spec.address] = load_or_create_host_id(cluster.directory / spec.name)
    node = cluster.open_node(spec.name, host_ids)
    bootstrap(cluster, node)
    return node


def resume_joining(cluster: Cluster) -> None:
    """Finish the bootstrap of a node ``cluster.json`` still marks ``JOINING`` (its last attempt crashed)."""
    assert cluster.layout is not None
    for spec in cluster.layout.nodes:
        if spec.state is NodeLayoutState.JOINING:
            bootstrap(cluster, cluster.node(spec.name))


def bootstrap(cluster: Cluster, node: Node) -> StreamResult:
    membership = _membership(node)
    address = node.address
    reference = next(n for n in cluster.running_nodes() if n is not node)
    log.info("JOINING: waiting for ring information", extra={"node": node.name})
    cluster.await_nodes(
        lambda: (
            node.catalog.schema.version == reference.catalog.schema.version
            and all(
                address in _membership(n).token_metadata.bootstrapping_endpoints
                for n in cluster.running_nodes()
            )
        ),
        f"{node.name} to be seen joining",
    )
    log.info("JOINING: Starting to bootstrap...", extra={"node": node.name})
    with _refused():
        transfers = [
            t
            for keyspace, strategy in _replicated_keyspaces(membership)
            for t in bootstrap_transfers(
                keyspace,
                strategy,
                membership.token_metadata,
                membership.topology,
                address,
                membership.is_alive,
            )
        ]
        result = membership.streaming.run(transfers, "Bootstrap")
    log.info("Bootstrap completed for tokens %s", list(node.tokens), extra={"node": node.name})
    membership.finish_bootstrap()
    cluster.await_nodes(
        lambda: all(_membership(n).token_metadata.is_member(address) for n in cluster.running_nodes()),
        f"{node.name} to be seen NORMAL",
    )
    assert cluster.layout is not None
    spec = dataclasses.replace(cluster.layout.node(node.name), state=NodeLayoutState.NORMAL)
    node.me = spec
    cluster.layout = with_node(cluster.layout, spec)
    save(cluster.directory, cluster.layout)
    log.info("Node /%s:%d state jump to NORMAL", address, STORAGE_PORT, extra={"node": node.name})
    return result


# --------------------------------------------------------------------------------------- decommission


def decommission(cluster: Cluster, name: str, *, force: bool = False) -> StreamResult:
    """Stream ``name``'s ranges to their next replicas and take it out of the cluster (it is closed)."""
    node = cluster.node(name)
    membership = _membership(node)
    if not node.is_running:
        raise TopologyChangeError(f"{name} is not running")
    metadata = membership.token_metadata
    others = [e for e in metadata.endpoints if e != node.address]
    if not metadata.is_member(node.address) or not others:
        raise TopologyChangeError("no other normal nodes in the ring; decommission would be pointless")
    _refuse_concurrent(cluster, "decommission")
    if not force:
        for keyspace, strategy in _replicated_keyspaces(membership):
            with _refused():
                check_decommission(keyspace, strategy, metadata, membership.topology)
    log.info("DECOMMISSIONING", extra={"node": node.name})
    membership.start_leaving()
    cluster.await_nodes(
        lambda: all(node.address in _membership(n).token_metadata.leaving for n in cluster.running_nodes()),
        f"{name} to be seen leaving",
    )
    with _refused():
        transfers = _leaving_plan(membership, node.address, dead=False)
        result = membership.streaming.run(transfers, "Unbootstrap")
    _hand_over_hints(cluster, node)
    membership.finish_leaving()
    cluster.await_nodes(
        lambda: all(
            not _membership(n).token_metadata.is_member(node.address)
            for n in cluster.running_nodes()
            if n is not node
        ),
        f"{name} to be seen LEFT",
    )
    log.info("DECOMMISSIONED", extra={"node": node.name})
    cluster.forget_node(node)
    return result


def _hand_over_hints(cluster: Cluster, node: Node) -> None:
    """Before leaving, the node gives the hints it keeps to the closest live node (Cassandra's
    ``StorageService.streamHints``), which delivers them when their nodes come back."""
    membership = _membership(node)
    peers = [n for n in cluster.running_nodes() if n is not node]
    peers.sort(key=lambda n: n.datacenter != node.datacenter)  # stable: this datacenter first
    if not peers or not membership.hints.pending():
        return
    try:
        handed = membership.hints.transfer(peers[0].address)
    except HintsTransferFailed as e:
        log.warning("%s; continuing the decommission", e, extra={"node": node.name})
        return
    log.info(
        "Transferred %d hints to /%s:%d", handed, peers[0].address, STORAGE_PORT, extra={"node": node.name}
    )


# ---------------------------------------------------------------------------------------- removenode


def remove_node(cluster: Cluster, host_id: uuid.UUID, *, via: Node | None = None) -> StreamResult:
    """``nodetool removenode``: restore the replica count of a dead node's ranges, then forget it."""
    coordinator = via or next(iter(cluster.running_nodes()), None)
    if coordinator is None:
        raise TopologyChangeError("no running node can coordinate the removal")
    membership = _membership(coordinator)
    if host_id == coordinator.host_id:
        raise TopologyChangeError("Cannot remove self")
    endpoint = membership.topology.endpoint_for_host_id(host_id)
    if endpoint is None:
        raise TopologyChangeError("Host ID not found.")
    if membership.is_alive(endpoint):
        raise TopologyChangeError(
            f"Node /{endpoint}:{STORAGE_PORT} is alive and owns this ID. "
            "Use decommission command to remove it from the ring"
        )
    if endpoint in membership.token_metadata.leaving:
        raise TopologyChangeError(f"Node /{endpoint}:{STORAGE_PORT} is already being removed.")
    _refuse_concurrent(cluster, "remove a node")
    log.info("Removing host %s (/%s:%d)", host_id, endpoint, STORAGE_PORT, extra={"node": coordinator.name})
    membership.advertise_removal(endpoint, NodeStatus.REMOVING)
    cluster.await_nodes(
        lambda: all(endpoint in _membership(n).token_metadata.leaving for n in cluster.running_nodes()),
        f"/{endpoint} to be seen removing",
    )
    with _refused():
        transfers = _leaving_plan(membership, endpoint, dead=True)
        result = membership.streaming.run(transfers, "Removenode")
    membership.advertise_removal(endpoint, NodeStatus.REMOVED)
    cluster.await_nodes(
        lambda: all(not _membership(n).token_metadata.is_member(endpoint) for n in cluster.running_nodes()),
        f"/{endpoint} to be seen removed",
    )
    for node in list(cluster.nodes):
        if node.address == endpoint:
            cluster.forget_node(node)
        elif node.membership is not None:
            node.membership.hints.forget(host_id)  # its hints can never be delivered (HintsService.excise)
    return result


def _leaving_plan(membership: Membership, endpoint: str, *, dead: bool) -> list[Transfer]:
    return [
        t
        for keyspace, strategy in _replicated_keyspaces(membership)
        for t in leaving_transfers(
            keyspace,
            strategy,
            membership.token_metadata,
            membership.topology,
            endpoint,
            membership.is_alive,
            dead=dead,
        )
    ]


def without(cluster: Cluster, node: Node) -> None:
    """Drop ``node`` from ``cluster.json`` (its directory stays)."""
    assert cluster.layout is not None
    cluster.layout = without_node(cluster.layout, node.name)
    save(cluster.directory, cluster.layout)
