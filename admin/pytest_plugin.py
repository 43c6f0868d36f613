"""A pytest plugin: a real Cassandra-compatible cluster for your test suite, started in well under a second.

Installed with cqlkit (entry point ``pytest11``), it provides:

* ``cqlkit_cluster`` (session scope): a one-node cqlkit cluster in a temporary directory, serving the CQL
  native protocol on a free port of 127.0.0.1. Connect with cassandra-driver exactly as to Cassandra::

      from cassandra.cluster import Cluster

      def test_users(cqlkit_cluster):
          cluster = Cluster(cqlkit_cluster.contact_points, port=cqlkit_cluster.port)
          session = cluster.connect()
          session.execute("CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
          ...

* ``cqlkit_session`` (function scope): the embedded API (``engine.Session``, shaped like the driver's) on a
  keyspace of its own, ``test_<n>``, created for the test and dropped after it — no network at all.

Both share one cluster per test session, so tests pay the start-up once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from engine.cluster.node import Node
    from engine.cluster.server import NodeServer
    from engine.cluster.session import Session

# The engine is imported inside the fixtures: pytest loads this plugin in every run of every project
# where cqlkit is installed, and only suites that use the fixtures should pay for the import.


@dataclass
class CqlkitCluster:
    """A running one-node cluster: where to connect, and the node itself for in-process access."""

    directory: Path
    node: Node
    server: NodeServer
    _keyspaces: Iterator[int] = field(default_factory=itertools.count)

    @property
    def contact_points(self) -> list[str]:
        return [self.server.host]

    @property
    def port(self) -> int:
        return self.server.port

    def session(self, keyspace: str | None = None) -> Session:
        """An embedded session on this cluster (no network)."""
        from engine.cluster.session import Session

        return Session(self.node, keyspace)


@pytest.fixture(scope="session")
def cqlkit_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CqlkitCluster]:
    from engine.cluster.node import Node
    from engine.cluster.server import NodeServer

    directory = tmp_path_factory.mktemp("cqlkit")
    node = Node(directory / "node1", cluster_name="pytest")
    server = NodeServer(node, "127.0.0.1", 0)
    server.start()
    try:
        yield CqlkitCluster(directory, node, server)
    finally:
        server.stop()
        node.close()


@pytest.fixture
def cqlkit_session(cqlkit_cluster: CqlkitCluster) -> Iterator[Any]:
    keyspace = f"test_{next(cqlkit_cluster._keyspaces)}"
    session = cqlkit_cluster.session()
    session.execute(
        f"CREATE KEYSPACE {keyspace} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    )
    session.set_keyspace(keyspace)
    try:
        yield session
    finally:
        cqlkit_cluster.session().execute(f"DROP KEYSPACE IF EXISTS {keyspace}")
