"""A pytest plugin: real cqlkit clusters for your test suite, started in milliseconds.

Installed with cqlkit (entry point ``pytest11``). Every cluster is served over the CQL native protocol on
free ports (node N on ``127.0.0.N``, or all on 127.0.0.1 where only that address exists), so
cassandra-driver connects to it exactly as to Cassandra, and the same nodes are reachable in-process.

Fixtures (all function-scoped unless said):

* ``cqlkit_cluster`` — a :class:`CqlkitCluster`. By default the session's shared one-node cluster (started
  once, on first use). ``@pytest.mark.cqlkit(nodes=3)`` gives a shared 3-node cluster instead (one per node
  count, per test session); ``@pytest.mark.cqlkit(fresh=True)`` a new cluster for this test alone, removed
  after it. Nodes a test stopped on a shared cluster are started again after the test.
* ``cqlkit_keyspace`` — the name of a keyspace created for the test on ``cqlkit_cluster`` and dropped after
  it: SimpleStrategy with the node count as replication factor (at most 3), or the marker's
  ``replication_factor=`` / ``replication={...}``.
* ``cqlkit_session`` — an embedded ``Session`` (cassandra-driver's shape, no network) using that keyspace.
* ``cqlkit_driver_session`` — a cassandra-driver ``Session`` on every node, using that keyspace.
* ``cqlkit_cluster_factory`` — ``factory(nodes=1, *, single_interface=None)`` starts more clusters in a
  test (``nodes="3:2"`` for two datacenters); all are shut down after it.
* ``cqlkit_shared_cluster`` (session scope) — the default cluster itself, for session-scoped fixtures.

Options: ``--cqlkit-nodes N`` (nodes of the default cluster, 1), ``--cqlkit-single-interface`` (every node on
127.0.0.1, each on its own port), ``--cqlkit-keep`` (keep the data directories; their paths are printed).

Example::

    import pytest
    from cassandra import ConsistencyLevel
    from cassandra.query import SimpleStatement

    def test_users(cqlkit_session):
        cqlkit_session.execute("CREATE TABLE users (id int PRIMARY KEY, name text)")
        ...

    @pytest.mark.cqlkit(nodes=3, fresh=True)
    def test_quorum_survives_a_node(cqlkit_cluster, cqlkit_driver_session):
        cqlkit_driver_session.execute("CREATE TABLE t (k int PRIMARY KEY)")
        cqlkit_cluster.stop_node("node3")
        statement = SimpleStatement("INSERT INTO t (k) VALUES (1)", consistency_level=ConsistencyLevel.QUORUM)
        cqlkit_driver_session.execute(statement)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from admin.pytest_plugin.cluster import CqlkitCluster, start_cluster

# The engine and the driver are imported inside the fixtures: pytest loads this plugin in every run of
# every project where cqlkit is installed, and only suites that use the fixtures should pay for them.

__all__ = ["CqlkitCluster", "start_cluster"]

MARKER = "cqlkit"
MARKER_HELP = (
    "cqlkit(nodes=1, fresh=False, replication_factor=None, replication=None, single_interface=None): "
    "the cluster cqlkit_cluster gives this test (a shared one, or a fresh one) and the replication of "
    "its cqlkit_keyspace"
)
MARKER_ARGUMENTS = frozenset({"nodes", "fresh", "replication_factor", "replication", "single_interface"})


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cqlkit", "cqlkit clusters for tests")
    group.addoption(
        "--cqlkit-nodes",
        default="1",
        help="nodes of the shared default cluster: 3, or 3:2 for two datacenters (default: 1)",
    )
    group.addoption(
        "--cqlkit-single-interface",
        action="store_true",
        default=False,
        help="serve every node on 127.0.0.1, each on its own port (default: node N on 127.0.0.N when possible)",
    )
    group.addoption(
        "--cqlkit-keep",
        action="store_true",
        default=False,
        help="keep the clusters' data directories after the run (their paths are printed at the end)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER_HELP)
    nodes = str(config.getoption("cqlkit_nodes", "1"))
    if nodes != "1":  # the default needs no check, and no engine import
        from engine.cluster.layout import ClusterLayoutError, parse_node_counts

        try:
            parse_node_counts(nodes)
        except ClusterLayoutError as e:
            raise pytest.UsageError(f"--cqlkit-nodes: {e}") from None


class _Clusters:
    """The clusters a test session started: shared ones by node count, and every directory made."""

    def __init__(self, config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.config = config
        self.tmp_path_factory = tmp_path_factory
        self.shared: dict[tuple[str, bool | None], CqlkitCluster] = {}
        self.kept: list[Path] = []

    @property
    def keep(self) -> bool:
        return bool(self.config.getoption("cqlkit_keep"))

    @property
    def default_nodes(self) -> str:
        return str(self.config.getoption("cqlkit_nodes"))

    def interface(self, single_interface: bool | None) -> bool | None:
        return True if self.config.getoption("cqlkit_single_interface") else single_interface

    def start(self, nodes: int | str, single_interface: bool | None) -> CqlkitCluster:
        directory = self.tmp_path_factory.mktemp("cqlkit") / f"cluster_{str(nodes).replace(':', '_')}"
        cluster = start_cluster(
            directory, nodes, single_interface=self.interface(single_interface), keep=self.keep
        )
        if self.keep:
            self.kept.append(directory)
        return cluster

    def shared_cluster(self, nodes: int | str, single_interface: bool | None) -> CqlkitCluster:
        key = (str(nodes), single_interface)
        if key not in self.shared:
            self.shared[key] = self.start(nodes, single_interface)
        return self.shared[key]

    def close(self) -> None:
        for cluster in self.shared.values():
            cluster.close()
        self.shared.clear()


_CLUSTERS = pytest.StashKey[_Clusters]()


@pytest.fixture(scope="session")
def _cqlkit_clusters(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[_Clusters]:
    clusters = _Clusters(pytestconfig, tmp_path_factory)
    pytestconfig.stash[_CLUSTERS] = clusters
    try:
        yield clusters
    finally:
        clusters.close()


@pytest.fixture(scope="session")
def cqlkit_shared_cluster(_cqlkit_clusters: _Clusters) -> CqlkitCluster:
    """The session's default cluster (``--cqlkit-nodes``, one node unless asked), started once."""
    return _cqlkit_clusters.shared_cluster(_cqlkit_clusters.default_nodes, None)


def _marker(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError(f"@pytest.mark.{MARKER} takes keyword arguments only, not {marker.args!r}")
    unknown = sorted(set(marker.kwargs) - MARKER_ARGUMENTS)
    if unknown:
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER} got unknown arguments {', '.join(unknown)}; "
            f"it takes {', '.join(sorted(MARKER_ARGUMENTS))}"
        )
    return dict(marker.kwargs)


@pytest.fixture
def cqlkit_cluster_factory(_cqlkit_clusters: _Clusters) -> Iterator[Callable[..., CqlkitCluster]]:
    """``factory(nodes=1, *, single_interface=None)``: a new served cluster, shut down after the test."""
    started: list[CqlkitCluster] = []

    def factory(nodes: int | str = 1, *, single_interface: bool | None = None) -> CqlkitCluster:
        cluster = _cqlkit_clusters.start(nodes, single_interface)
        started.append(cluster)
        return cluster

    try:
        yield factory
    finally:
        for cluster in reversed(started):
            cluster.close()


@pytest.fixture
def cqlkit_cluster(request: pytest.FixtureRequest, _cqlkit_clusters: _Clusters) -> Iterator[CqlkitCluster]:
    """The test's cluster: shared (default, or ``nodes=`` of the marker) or, with ``fresh=True``, its own."""
    wanted = _marker(request)
    nodes = wanted.get("nodes", _cqlkit_clusters.default_nodes)
    single_interface = wanted.get("single_interface")
    if wanted.get("fresh"):
        cluster = _cqlkit_clusters.start(nodes, single_interface)
        try:
            yield cluster
        finally:
            cluster.close()
        return
    if str(nodes) == _cqlkit_clusters.default_nodes and single_interface is None:
        cluster = request.getfixturevalue("cqlkit_shared_cluster")
    else:
        cluster = _cqlkit_clusters.shared_cluster(nodes, single_interface)
    try:
        yield cluster
    finally:
        cluster.start_stopped_nodes()


@pytest.fixture
def cqlkit_keyspace(request: pytest.FixtureRequest, cqlkit_cluster: CqlkitCluster) -> Iterator[str]:
    """A keyspace named after the test, created on ``cqlkit_cluster`` for it and dropped after it."""
    wanted = _marker(request)
    name = cqlkit_cluster.create_keyspace(
        cqlkit_cluster.keyspace_name_for(request.node.name),
        replication_factor=wanted.get("replication_factor"),
        replication=wanted.get("replication"),
    )
    try:
        yield name
    finally:
        if not wanted.get("fresh"):  # a fresh cluster goes away whole
            cqlkit_cluster.start_stopped_nodes()  # every replica must hear of the drop
            cqlkit_cluster.drop_keyspace(name)


@pytest.fixture
def cqlkit_session(cqlkit_cluster: CqlkitCluster, cqlkit_keyspace: str) -> Any:
    """An embedded ``Session`` (no network) using the test's keyspace."""
    return cqlkit_cluster.session(cqlkit_keyspace)


@pytest.fixture
def cqlkit_driver_session(cqlkit_cluster: CqlkitCluster, cqlkit_keyspace: str) -> Iterator[Any]:
    """A cassandra-driver ``Session`` connected to every node, using the test's keyspace."""
    driver = cqlkit_cluster.driver_cluster()
    try:
        yield driver.connect(cqlkit_keyspace)
    finally:
        driver.shutdown()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    clusters = config.stash.get(_CLUSTERS, None)
    if clusters is None or not clusters.kept:
        return
    terminalreporter.section("cqlkit")
    for directory in clusters.kept:
        terminalreporter.write_line(f"kept cluster data: {directory}")
