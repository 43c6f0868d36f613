"""A served cqlkit cluster as a test sees it: where to connect, sessions, keyspaces, node control.

:class:`CqlkitCluster` wraps an :class:`~engine.admin_api.lifecycle.ServedCluster` — the same serving
``cqlkit serve`` does — opened in real time so cassandra-driver can talk to every node. With several
nodes, node N listens on ``127.0.0.N`` when the machine routes all of 127.0.0.0/8 to loopback (Linux),
all on one port free on every address (so a driver on any protocol version finds the peers where
``system.peers`` says they are); elsewhere (macOS), or when asked, every node listens on 127.0.0.1 on a
port of its own, announced in ``system.peers_v2.native_port`` as ``cqlkit serve --single-interface`` does.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.admin_api.lifecycle import ServedCluster
    from engine.cluster.node import Node
    from engine.cluster.session import Session

#: keyspace names are at most 48 characters of [A-Za-z0-9_] (``SchemaConstants.NAME_LENGTH``)
KEYSPACE_NAME_LENGTH = 48
#: attempts at a port free on every node's address (another process may take it between check and bind)
PORT_ATTEMPTS = 5


@dataclass
class CqlkitCluster:
    """A running cluster for tests: contact points for cassandra-driver, embedded sessions, node control."""

    directory: Path
    served: ServedCluster
    keep: bool = False
    _keyspaces: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # ------------------------------------------------------------------------- where to connect

    @property
    def contact_points(self) -> list[str]:
        """Every node's address (one ``127.0.0.1`` when the nodes share it)."""
        return list(
            dict.fromkeys(self.served.endpoints[node.name].host for node in self.served.cluster.nodes)
        )

    @property
    def port(self) -> int:
        """node1's native port: with ``contact_points`` what ``cassandra.cluster.Cluster`` needs."""
        return self.served.endpoints[self.nodes[0].name].port

    @property
    def endpoints(self) -> dict[str, tuple[str, int]]:
        """Each node's name and where it listens: ``{"node1": ("127.0.0.1", 40123), ...}``."""
        return {name: (at.host, at.port) for name, at in self.served.endpoints.items()}

    @property
    def nodes(self) -> list[Node]:
        return list(self.served.cluster.nodes)

    @property
    def node(self) -> Node:
        """node1 (the only node of a one-node cluster)."""
        return self.nodes[0]

    @property
    def local_dc(self) -> str:
        """node1's datacenter, for ``DCAwareRoundRobinPolicy(local_dc=...)``."""
        return self.node.datacenter

    @property
    def name(self) -> str:
        return self.served.cluster.directory.name

    # --------------------------------------------------------------------------------- sessions

    def session(self, keyspace: str | None = None, node: str | None = None) -> Session:
        """An embedded session (no network), coordinated by ``node`` (default node1)."""
        return self.served.cluster.connect(keyspace, node)

    def driver_cluster(self, **options: Any) -> Any:
        """A ``cassandra.cluster.Cluster`` on every node (protocol v5, token-aware in the local datacenter).

        ``options`` are passed to the driver's ``Cluster`` (``execution_profiles``, ``protocol_version``...);
        the caller shuts it down.
        """
        from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
        from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy

        profile = ExecutionProfile(
            load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(self.local_dc))
        )
        settings: dict[str, Any] = {
            "contact_points": self.contact_points,
            "port": self.port,
            "protocol_version": 5,
            "execution_profiles": {EXEC_PROFILE_DEFAULT: profile},
        }
        settings.update(options)
        return Cluster(**settings)

    # -------------------------------------------------------------------------------- keyspaces

    def create_keyspace(
        self,
        name: str | None = None,
        *,
        replication_factor: int | None = None,
        replication: dict[str, Any] | None = None,
    ) -> str:
        """Create a keyspace (a fresh ``test_<n>`` name unless given) and return its name.

        ``replication`` is the map as CQL writes it (``{"class": "NetworkTopologyStrategy", "dc1": 3}``);
        otherwise SimpleStrategy with ``replication_factor`` (default: the node count, at most 3).
        """
        name = name or f"test_{next(self._keyspaces)}"
        if replication is None:
            factor = replication_factor if replication_factor is not None else min(len(self.nodes), 3)
            replication = {"class": "SimpleStrategy", "replication_factor": factor}
        entries = ", ".join(f"'{key}': '{value}'" for key, value in replication.items())
        self.session().execute(f"CREATE KEYSPACE {name} WITH replication = {{{entries}}}")
        return name

    def keyspace_name_for(self, test_name: str) -> str:
        """A keyspace name unique in this cluster that says which test it belongs to."""
        suffix = f"_{next(self._keyspaces)}"
        base = re.sub(r"[^a-z0-9_]+", "_", test_name.lower()).strip("_") or "test"
        if not base[0].isalpha():
            base = f"t_{base}"
        return base[: KEYSPACE_NAME_LENGTH - len(suffix)] + suffix

    def drop_keyspace(self, name: str) -> None:
        self.session().execute(f"DROP KEYSPACE IF EXISTS {name}")

    # ----------------------------------------------------------------------------- node control

    def stop_node(self, name: str) -> None:
        """Stop a node as ``cqlkit cluster NODE stop`` does: its clients drain, peers see it DOWN."""
        self.served.stop_node(name)

    def start_node(self, name: str) -> None:
        """Start a stopped node again: peers see it UP, hints replay, its endpoint reopens."""
        self.served.start_node(name)

    def is_up(self, name: str) -> bool:
        return self.served.is_up(name)

    def start_stopped_nodes(self) -> None:
        """Bring back every node a test stopped, so the next test finds the whole cluster UP."""
        for node in self.nodes:
            if not self.is_up(node.name):
                self.start_node(node.name)

    def close(self) -> None:
        """Stop serving, shut every node down (they flush), and remove the data unless kept."""
        self.served.stop()
        if not self.keep:
            shutil.rmtree(self.directory, ignore_errors=True)


def start_cluster(
    directory: Path, nodes: int | str = 1, *, single_interface: bool | None = None, keep: bool = False
) -> CqlkitCluster:
    """Open a cluster of ``nodes`` in ``directory`` (``3``, or ``"3:2"`` for two datacenters) and serve it."""
    from engine.admin_api.lifecycle import ServedCluster, endpoints
    from engine.cluster.session import Cluster

    opened = Cluster.open(directory, nodes, realtime=True)
    one_interface = single_interface if single_interface is not None else not several_loopback_addresses()
    try:
        for attempt in itertools.count(1):
            if len(opened.nodes) == 1 or one_interface:
                port = 0  # each node its own ephemeral port, announced in system.peers_v2
            else:
                port = common_free_port([node.address for node in opened.nodes])
            served = ServedCluster(opened, endpoints(opened, port, single_interface=one_interface))
            try:
                served.start()
            except OSError:
                if port == 0 or attempt == PORT_ATTEMPTS:
                    raise
                continue  # someone took the port between the check and the bind: choose again
            return CqlkitCluster(directory, served, keep)
    except BaseException:
        opened.shutdown()
        raise
    raise AssertionError("unreachable")


def several_loopback_addresses() -> bool:
    """Whether 127.0.0.2 can be bound (Linux: all of 127.0.0.0/8 is loopback; macOS: only 127.0.0.1)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.2", 0))
        except OSError:
            return False
    return True


def common_free_port(addresses: list[str]) -> int:
    """A TCP port nothing listens on at any of ``addresses`` right now."""
    for _ in range(100):
        with contextlib.ExitStack() as held:
            first = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            first.bind((addresses[0], 0))
            port = first.getsockname()[1]
            try:
                for address in addresses[1:]:
                    held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM)).bind(
                        (address, port)
                    )
            except OSError:
                continue
            return port
    raise OSError(f"no port is free on all of {', '.join(addresses)}")
