"""The node-state system tables drivers read on connect: ``system.local``, ``system.peers_v2``, ``system.peers``.

A driver's control connection reads ``system.local`` (cluster name, partitioner, release version,
tokens, host id, schema version, data center and rack) and the peers tables (every other node's
addresses and tokens) to build its view of the ring, and compares ``schema_version`` across them to
decide that a schema change has reached every node. The rows are built on each read from a
:class:`NodeInfo` per node and the current schema version, so they are never stale.

**Host id.** Cassandra generates a node's host id once and keeps it in ``system.local``; cqlkit keeps it
in the node directory's ``node.json`` (key ``host_id``, other keys preserved), so it survives restarts.

**Release version.** ``5.0.0``: a Cassandra 5.0 release, and the one the PyPI cqlsh 6.2.x is built
against, so it connects without its "cqlsh was built against ..." warning (which it prints on stdout).

**Tokens.** Until the cluster issue brings token allocation, a node owns ``num_tokens`` = 16 tokens drawn
deterministically from its host id (a seeded RNG over the Murmur3 range): stable across restarts, and
different nodes get different tokens.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

RELEASE_VERSION = "5.0.0"
CQL_VERSION = "3.4.7"
NATIVE_PROTOCOL_VERSION = "5"
PARTITIONER = "org.apache.cassandra.dht.Murmur3Partitioner"
DATA_CENTER = "datacenter1"
RACK = "rack1"
NUM_TOKENS = 16
STORAGE_PORT = 7000
_MIN_TOKEN = -(2**63)
_MAX_TOKEN = 2**63 - 1


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """What the node-state tables say about one node."""

    host_id: uuid.UUID
    address: str  # listen/broadcast address
    native_address: str  # rpc_address: where clients connect
    native_port: int
    tokens: tuple[str, ...]
    data_center: str = DATA_CENTER
    rack: str = RACK
    release_version: str = RELEASE_VERSION
    storage_port: int = STORAGE_PORT


def load_or_create_host_id(node_directory: Path) -> uuid.UUID:
    """The host id stored in ``node_directory/node.json``, created (random, version 4) on first use."""
    path = node_directory / "node.json"
    document: dict[str, object] = {}
    if path.exists():
        document = json.loads(path.read_text(encoding="utf-8"))
        stored = document.get("host_id")
        if isinstance(stored, str):
            return uuid.UUID(stored)
    host_id = uuid.uuid4()
    document["host_id"] = str(host_id)
    node_directory.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)
    return host_id


def tokens_for(host_id: uuid.UUID, count: int = NUM_TOKENS) -> tuple[str, ...]:
    """``count`` distinct Murmur3 tokens chosen deterministically from ``host_id``, ascending, as text."""
    rng = random.Random(host_id.int)
    tokens: set[int] = set()
    while len(tokens) < count:
        tokens.add(rng.randint(_MIN_TOKEN, _MAX_TOKEN))
    return tuple(str(t) for t in sorted(tokens))


def local_row(
    node: NodeInfo, cluster_name: str, schema_version: uuid.UUID, gossip_generation: int
) -> dict[str, object]:
    return {
        "key": "local",
        "bootstrapped": "COMPLETED",
        "broadcast_address": node.address,
        "broadcast_port": node.storage_port,
        "cluster_name": cluster_name,
        "cql_version": CQL_VERSION,
        "data_center": node.data_center,
        "gossip_generation": gossip_generation,
        "host_id": node.host_id,
        "listen_address": node.address,
        "listen_port": node.storage_port,
        "native_protocol_version": NATIVE_PROTOCOL_VERSION,
        "partitioner": PARTITIONER,
        "rack": node.rack,
        "release_version": node.release_version,
        "rpc_address": node.native_address,
        "rpc_port": node.native_port,
        "schema_version": schema_version,
        "tokens": set(node.tokens),
        "truncated_at": None,
    }


def peers_v2_row(peer: NodeInfo, schema_version: uuid.UUID) -> dict[str, object]:
    return {
        "peer": peer.address,
        "peer_port": peer.storage_port,
        "data_center": peer.data_center,
        "host_id": peer.host_id,
        "preferred_ip": None,
        "preferred_port": None,
        "rack": peer.rack,
        "release_version": peer.release_version,
        "native_address": peer.native_address,
        "native_port": peer.native_port,
        "schema_version": schema_version,
        "tokens": set(peer.tokens),
    }


def peers_row(peer: NodeInfo, schema_version: uuid.UUID) -> dict[str, object]:
    return {
        "peer": peer.address,
        "data_center": peer.data_center,
        "host_id": peer.host_id,
        "preferred_ip": None,
        "rack": peer.rack,
        "release_version": peer.release_version,
        "rpc_address": peer.native_address,
        "schema_version": schema_version,
        "tokens": set(peer.tokens),
    }


def node_state_rows(
    keyspace: str,
    table: str,
    *,
    local: NodeInfo,
    peers: Sequence[NodeInfo],
    cluster_name: str,
    schema_version: uuid.UUID,
    gossip_generation: int,
) -> Iterator[dict[str, object]]:
    """Rows of ``keyspace.table`` for the node-state tables (none for any other table)."""
    if keyspace != "system":
        return iter(())
    rows: Iterable[dict[str, object]]
    if table == "local":
        rows = [local_row(local, cluster_name, schema_version, gossip_generation)]
    elif table == "peers_v2":
        rows = [peers_v2_row(p, schema_version) for p in peers]
    elif table == "peers":
        rows = [peers_row(p, schema_version) for p in peers]
    else:
        rows = []
    return iter(rows)
