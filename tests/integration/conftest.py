"""A cqlkit node served over the native protocol on an ephemeral 127.0.0.1 port, and driver sessions
against it. One server per test module keeps the suite fast; tests use their own keyspaces."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, Session
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy

from engine.cluster.node import Node
from engine.cluster.server import NodeServer

MAX_FRAME_SIZE = 1024 * 1024  # small, so the size limit is cheap to test


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    directory = tmp_path_factory.mktemp("cluster")
    node = Node(directory / "node1", cluster_name=directory.name)
    server = NodeServer(node, "127.0.0.1", 0, max_frame_size=MAX_FRAME_SIZE)
    server.start()
    yield server
    server.stop()
    node.close()


def driver_cluster(server: NodeServer, protocol_version: int | None, **kwargs: object) -> Cluster:
    logging.getLogger("cassandra").setLevel(logging.ERROR)  # negotiation notices are expected
    options: dict[str, object] = {
        "port": server.port,
        "compression": "lz4",
        "execution_profiles": {
            EXEC_PROFILE_DEFAULT: ExecutionProfile(
                load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc="datacenter1"))
            )
        },
        "connect_timeout": 5,
    }
    if protocol_version is not None:
        options["protocol_version"] = protocol_version
    options.update(kwargs)
    return Cluster(["127.0.0.1"], **options)


@pytest.fixture(scope="module", params=[4, 5], ids=["v4", "v5"])
def cluster(request: pytest.FixtureRequest, served: NodeServer) -> Iterator[Cluster]:
    cluster = driver_cluster(served, request.param)
    yield cluster
    cluster.shutdown()


@pytest.fixture(scope="module")
def session(cluster: Cluster) -> Session:
    return cluster.connect()


@pytest.fixture(scope="module")
def keyspace(session: Session) -> str:
    name = f"ks{session.cluster.protocol_version}"
    session.execute(
        f"CREATE KEYSPACE {name} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    )
    return name
