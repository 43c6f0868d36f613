"""A cluster's shape on disk: ``cluster.json`` names the nodes, where they live and the tokens they own.

``Cluster.open(path, nodes=3)`` (or ``nodes="3:2"``: 3 nodes in ``dc1``, 2 in ``dc2``) creates the file
once; later opens read it, so tokens never move. The document::

    {"format": 1, "name": "c", "num_tokens": 16,
     "nodes": [{"name": "node1", "address": "127.0.0.1", "datacenter": "datacenter1", "rack": "rack1",
                "tokens": ["-9151314442816847872", ...]}, ...]}

Node N is ``nodeN`` at ``127.0.0.N`` (DESIGN.md §1). One datacenter is called ``datacenter1`` (Cassandra's
default); several are ``dc1``, ``dc2``… (ccm's names for ``-n 3:2``). Every node is in ``rack1``. Tokens
come from ``engine.dht.token_allocation.allocate_initial_tokens`` (even per datacenter, seed 0), stored
as decimal text because JSON numbers lose 64-bit precision in some readers.

A cluster directory from before ``cluster.json`` existed (only ``node1/``) opens as one node whose
layout is derived, not written, so older cqlkit versions still open it unchanged.
"""

from __future__ import annotations

import enum
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from engine.dht.token_allocation import allocate_initial_tokens, allocate_tokens

FILE = "cluster.json"
FORMAT = 1
DEFAULT_NUM_TOKENS = 16
DEFAULT_DATACENTER = "datacenter1"
DEFAULT_RACK = "rack1"


class NodeLayoutState(enum.Enum):
    NORMAL = "NORMAL"
    JOINING = "JOINING"


class ClusterLayoutError(ValueError):
    """``cluster.json`` is unreadable, or does not match what the caller asked for."""


@dataclass(frozen=True, slots=True)
class NodeLayout:
    name: str
    address: str
    datacenter: str
    rack: str
    tokens: tuple[int, ...]
    #: ``NORMAL``, or ``JOINING`` while the node bootstraps (it streams its ranges in; its tokens are
    #: pending until it finishes, and a bootstrap interrupted by a crash starts over on the next open).
    state: NodeLayoutState = NodeLayoutState.NORMAL


@dataclass(frozen=True, slots=True)
class ClusterLayout:
    name: str
    num_tokens: int
    nodes: tuple[NodeLayout, ...]

    def node(self, name: str) -> NodeLayout:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    @property
    def datacenter_sizes(self) -> tuple[int, ...]:
        sizes: dict[str, int] = {}
        for node in self.nodes:
            sizes[node.datacenter] = sizes.get(node.datacenter, 0) + 1
        return tuple(sizes.values())

    def describe_counts(self) -> str:
        """``3`` or ``3:2``: the node counts as ``nodes=`` spells them."""
        return ":".join(str(n) for n in self.datacenter_sizes)


def parse_node_counts(nodes: int | str) -> tuple[int, ...]:
    """``3`` → (3,); ``"3:2"`` → (3, 2). Every datacenter needs at least one node."""
    text = str(nodes)
    try:
        counts = tuple(int(part) for part in text.split(":"))
    except ValueError:
        raise ClusterLayoutError(
            f"invalid node count {text!r}: expected N or N:M:... (nodes per datacenter)"
        ) from None
    if not counts or any(c < 1 for c in counts):
        raise ClusterLayoutError(f"invalid node count {text!r}: every datacenter needs at least one node")
    return counts


def new_layout(name: str, counts: tuple[int, ...], num_tokens: int = DEFAULT_NUM_TOKENS) -> ClusterLayout:
    names = [f"node{i + 1}" for i in range(sum(counts))]
    datacenters: dict[str, str] = {}
    index = 0
    for dc_index, count in enumerate(counts):
        dc = DEFAULT_DATACENTER if len(counts) == 1 else f"dc{dc_index + 1}"
        for _ in range(count):
            datacenters[names[index]] = dc
            index += 1
    addresses = {n: f"127.0.0.{i + 1}" for i, n in enumerate(names)}
    tokens = allocate_initial_tokens(
        [addresses[n] for n in names],
        num_tokens,
        datacenter_of={addresses[n]: datacenters[n] for n in names},
    )
    nodes = tuple(
        NodeLayout(n, addresses[n], datacenters[n], DEFAULT_RACK, tuple(tokens[addresses[n]])) for n in names
    )
    return ClusterLayout(name, num_tokens, nodes)


def legacy_layout(name: str) -> ClusterLayout:
    """A cluster made before ``cluster.json``: ``node1`` alone (it owns the whole ring)."""
    tokens = allocate_initial_tokens(["127.0.0.1"], DEFAULT_NUM_TOKENS)["127.0.0.1"]
    return ClusterLayout(
        name,
        DEFAULT_NUM_TOKENS,
        (NodeLayout("node1", "127.0.0.1", DEFAULT_DATACENTER, DEFAULT_RACK, tuple(tokens)),),
    )


def to_json(layout: ClusterLayout) -> str:
    doc = {
        "format": FORMAT,
        "name": layout.name,
        "num_tokens": layout.num_tokens,
        "nodes": [
            {
                "name": n.name,
                "address": n.address,
                "datacenter": n.datacenter,
                "rack": n.rack,
                "tokens": [str(t) for t in n.tokens],
                **({} if n.state is NodeLayoutState.NORMAL else {"state": n.state.value}),
            }
            for n in layout.nodes
        ],
    }
    return json.dumps(doc, indent=1) + "\n"


def from_json(text: str, where: Path) -> ClusterLayout:
    try:
        doc = json.loads(text)
        nodes = tuple(
            NodeLayout(
                n["name"],
                n["address"],
                n["datacenter"],
                n["rack"],
                tuple(int(t) for t in n["tokens"]),
                NodeLayoutState(n.get("state", "NORMAL")),
            )
            for n in doc["nodes"]
        )
        return ClusterLayout(doc["name"], int(doc["num_tokens"]), nodes)
    except (ValueError, KeyError, TypeError) as e:
        raise ClusterLayoutError(f"{where}: unreadable cluster description ({e})") from None


def load_or_create(directory: Path, nodes: int | str | None) -> ClusterLayout:
    """The cluster's layout: read from ``cluster.json``, derived for a legacy one-node directory, or created.

    ``nodes`` given for an existing cluster must match it (``ClusterLayoutError`` names both counts).
    """
    path = directory / FILE
    if path.exists():
        layout = from_json(path.read_text(encoding="utf-8"), path)
    elif (directory / "node1").exists():
        layout = legacy_layout(directory.name)
    else:
        layout = new_layout(directory.name, parse_node_counts(nodes if nodes is not None else 1))
        save(directory, layout)
        return layout
    if nodes is not None and parse_node_counts(nodes) != layout.datacenter_sizes:
        raise ClusterLayoutError(
            f"cluster {directory.name} has {layout.describe_counts()} nodes, not {':'.join(map(str, parse_node_counts(nodes)))}"
        )
    return layout


def save(directory: Path, layout: ClusterLayout) -> None:
    """Write ``cluster.json`` atomically (a crash leaves the old or the new file, never half of one)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE
    temporary = path.with_suffix(".json.tmp")
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(to_json(layout))
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


_NODE_NAME = re.compile(r"node(\d+)$")


def next_node_index(layout: ClusterLayout, directory: Path) -> int:
    """The number of the next node: past every node of the layout and every ``nodeN`` directory
    (a decommissioned node's directory keeps its data, so its name and address are never reused)."""
    names = [n.name for n in layout.nodes]
    if directory.exists():
        names.extend(p.name for p in directory.iterdir() if p.is_dir())
    return 1 + max((int(m.group(1)) for m in map(_NODE_NAME.match, names) if m), default=0)


def joining_node(
    layout: ClusterLayout, directory: Path, datacenter: str | None = None, rack: str = DEFAULT_RACK
) -> NodeLayout:
    """A new node for ``layout`` (``nodeN`` at ``127.0.0.N``), in ``JOINING`` state, with tokens chosen
    against its datacenter's members so its share of the ring is as even as Cassandra's allocator makes it."""
    datacenters = list(dict.fromkeys(n.datacenter for n in layout.nodes))
    if datacenter is None:
        datacenter = datacenters[0] if len(datacenters) == 1 else None
        if datacenter is None:
            raise ClusterLayoutError(
                f"cluster {layout.name} has several datacenters ({', '.join(datacenters)}): name one"
            )
    index = next_node_index(layout, directory)
    if index > 254:
        raise ClusterLayoutError("a cluster has at most 254 nodes (127.0.0.1 to 127.0.0.254)")
    address = f"127.0.0.{index}"
    taken = {t for n in layout.nodes for t in n.tokens}
    existing = {n.address: n.tokens for n in layout.nodes if n.datacenter == datacenter}
    tokens = allocate_tokens(existing, address, layout.num_tokens, seed=index)
    if taken.intersection(tokens):  # a token of another datacenter: Cassandra refuses collisions
        raise ClusterLayoutError(f"token collision while allocating tokens for {address}")
    return NodeLayout(f"node{index}", address, datacenter, rack, tokens, NodeLayoutState.JOINING)


def with_node(layout: ClusterLayout, node: NodeLayout) -> ClusterLayout:
    """``layout`` with ``node`` added, or replaced when a node of that name is there."""
    if any(n.name == node.name for n in layout.nodes):
        nodes = tuple(node if n.name == node.name else n for n in layout.nodes)
    else:
        nodes = (*layout.nodes, node)
    return ClusterLayout(layout.name, layout.num_tokens, nodes)


def without_node(layout: ClusterLayout, name: str) -> ClusterLayout:
    return ClusterLayout(layout.name, layout.num_tokens, tuple(n for n in layout.nodes if n.name != name))
