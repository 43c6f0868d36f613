"""The MLOps guide's cassandra-driver snippets (shared/mission), run as written against a served cqlkit.

Each test is one snippet of the guide, verbatim except for the contact point and port. Where the snippet
is wrong for any Cassandra, the test shows the failure Cassandra gives and then the fix that
examples/mlops/README.md documents. Most run on the pytest plugin's shared one-node cluster
(``cqlkit_shared_cluster``, session scope, so that this module's fixtures can share it); the
guide's own setting — RF 3 at LOCAL_QUORUM, the health check seeing every host through
``DCAwareRoundRobinPolicy`` + ``TokenAwarePolicy`` — runs on a 3-node cluster this module serves itself
(``three_node_server``), each node on 127.0.0.1 at its own free port (announced in system.peers_v2).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cassandra import ConsistencyLevel, InvalidRequest, Unavailable
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable
from cassandra.concurrent import execute_concurrent, execute_concurrent_with_args
from cassandra.policies import (
    DCAwareRoundRobinPolicy,
    FallthroughRetryPolicy,
    RoundRobinPolicy,
    TokenAwarePolicy,
)
from cassandra.query import SimpleStatement

from engine.admin_api.lifecycle import Endpoint, ServedCluster
from engine.cluster.session import Cluster as EmbeddedCluster

FILTERING = (
    'Error from server: code=2200 [Invalid query] message="Cannot execute this query as it might involve '
    "data filtering and thus may have unpredictable performance. If you want to execute this query despite "
    'the performance unpredictability, use ALLOW FILTERING"'
)


def _cluster(cqlkit_shared_cluster, **options) -> Cluster:
    if "load_balancing_policy" in options:  # the guide's form, deprecated by the driver: a profile
        options["execution_profiles"] = {
            EXEC_PROFILE_DEFAULT: ExecutionProfile(load_balancing_policy=options.pop("load_balancing_policy"))
        }
    return Cluster(cqlkit_shared_cluster.contact_points, port=cqlkit_shared_cluster.port, **options)


@pytest.fixture(scope="module")
def session(cqlkit_shared_cluster):
    """The guide's first snippet, fixed: connect, then create the keyspace and the metrics table."""
    cluster = _cluster(cqlkit_shared_cluster)
    # As written, connect('mlops') fails: the keyspace does not exist yet.
    with pytest.raises(NoHostAvailable) as failed:
        cluster.connect("mlops_guide")
    assert failed.value.args == (
        "Unable to connect to any servers using keyspace 'mlops_guide'",
        cqlkit_shared_cluster.contact_points,
    )
    cluster.shutdown()
    cluster = _cluster(cqlkit_shared_cluster)
    session = cluster.connect()
    # RF 1: this cluster has one node (the guide's RF 3 needs three for QUORUM reads and writes).
    session.execute("""
        CREATE KEYSPACE IF NOT EXISTS mlops_guide
        WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}
    """)
    session.set_keyspace("mlops_guide")
    session.execute("""
        CREATE TABLE IF NOT EXISTS metrics (
            experiment_id TEXT,
            run_id TEXT,
            timestamp TIMESTAMP,
            metric_name TEXT,
            metric_value FLOAT,
            PRIMARY KEY ((experiment_id, run_id), timestamp, metric_name)
        ) WITH CLUSTERING ORDER BY (timestamp DESC)
    """)
    yield session
    cluster.shutdown()


def test_insert_metric_and_range_query(session) -> None:
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)  # the driver reads naive datetimes as UTC
    session.execute(
        "INSERT INTO metrics (experiment_id, run_id, timestamp, metric_name, metric_value) VALUES (%s, %s, %s, %s, %s)",
        ("exp_1", "run_123", now, "accuracy", 0.95),
    )
    # Range queries (the guide's third query) give the whole partition key: they work.
    query = "SELECT * FROM metrics WHERE experiment_id = %s AND run_id = %s AND timestamp > %s"
    rows = list(session.execute(query, ["exp_1", "run_123", datetime(2024, 1, 1)]))
    assert [(r.timestamp, r.metric_name, r.metric_value) for r in rows] == [
        (now, "accuracy", 0.949999988079071)  # FLOAT is 32 bits: use double for metrics
    ]


def test_query_by_experiment_alone_is_refused(session) -> None:
    # "Basic query" and "Query with consistency level": the partition key is (experiment_id, run_id).
    with pytest.raises(InvalidRequest) as failed:
        session.execute("SELECT * FROM metrics WHERE experiment_id = %s", ["exp_1"])
    assert str(failed.value) == FILTERING
    statement = SimpleStatement(
        "SELECT * FROM metrics WHERE experiment_id = %s", consistency_level=ConsistencyLevel.LOCAL_QUORUM
    )
    with pytest.raises(InvalidRequest) as failed:
        session.execute(statement, ["exp_1"])
    assert str(failed.value) == FILTERING


def test_denormalized_summary_using_timestamp(session) -> None:
    session.execute("""
        CREATE TABLE IF NOT EXISTS model_summary (
            experiment_id TEXT,
            run_id TEXT,
            model_name TEXT,
            accuracy FLOAT,
            loss FLOAT,
            created_at TIMESTAMP,
            PRIMARY KEY (experiment_id, run_id)
        )
    """)
    micros = int(datetime.now().timestamp() * 1000000)
    session.execute(
        """
        INSERT INTO model_summary (experiment_id, run_id, model_name, accuracy, loss, created_at)
        VALUES (%s, %s, %s, %s, %s, %s)
        USING TIMESTAMP %s
    """,
        ("exp_1", "run_123", "bert", 0.95, 0.05, datetime.now(), micros),
    )
    # An older write arriving later loses to the newer timestamp.
    session.execute(
        "INSERT INTO model_summary (experiment_id, run_id, model_name) VALUES (%s, %s, %s) USING TIMESTAMP %s",
        ("exp_1", "run_123", "stale", micros - 1),
    )
    row = session.execute(
        "SELECT model_name, writetime(model_name) AS written FROM model_summary WHERE experiment_id = 'exp_1'"
    ).one()
    assert (row.model_name, row.written) == ("bert", micros)


def test_describe_keyspace_through_the_driver(session) -> None:
    rows = list(session.execute("DESCRIBE KEYSPACE mlops_guide"))
    tables = sorted(
        r.table_name
        for r in session.execute(
            "SELECT table_name FROM system_schema.tables WHERE keyspace_name = 'mlops_guide'"
        )
    )
    assert [(r.type, r.name) for r in rows] == [("keyspace", "mlops_guide")] + [("table", t) for t in tables]
    assert rows[0].create_statement == (
        "CREATE KEYSPACE mlops_guide WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}"
        "  AND durable_writes = true;"
    )


def test_consistency_levels_one_and_all(session) -> None:
    write = SimpleStatement(
        "INSERT INTO metrics (experiment_id, run_id, timestamp, metric_name, metric_value) VALUES (%s, %s, %s, %s, %s)",
        consistency_level=ConsistencyLevel.ALL,
    )
    session.execute(write, ("exp_2", "run_1", datetime(2024, 5, 1), "loss", 0.5))
    read = SimpleStatement(
        "SELECT metric_value FROM metrics WHERE experiment_id = %s AND run_id = %s",
        consistency_level=ConsistencyLevel.ONE,
    )
    assert [r.metric_value for r in session.execute(read, ("exp_2", "run_1"))] == [0.5]


def test_health_check(cqlkit_shared_cluster, capsys) -> None:
    # local_dc='dc1' names no data centre of this cluster (SimpleSnitch's is datacenter1): no host to use.
    cluster = _cluster(cqlkit_shared_cluster, load_balancing_policy=DCAwareRoundRobinPolicy(local_dc="dc1"))
    with pytest.raises(NoHostAvailable):
        cluster.connect()
    cluster.shutdown()

    cluster = _cluster(
        cqlkit_shared_cluster, load_balancing_policy=DCAwareRoundRobinPolicy(local_dc="datacenter1")
    )
    cluster.connect()

    def check_cluster_health(cluster):  # as written: a driver Host has no `status`
        metadata = cluster.metadata
        print(f"Cluster name: {metadata.cluster_name}")
        print(f"Partitioner: {metadata.partitioner}")
        for host in metadata.all_hosts():
            print(f"Host {host.address}: {host.status}")

    with pytest.raises(AttributeError, match="'Host' object has no attribute 'status'"):
        check_cluster_health(cluster)
    for host in cluster.metadata.all_hosts():
        print(f"Host {host.address}: {'UP' if host.is_up else 'DOWN'}")
    cluster.shutdown()
    assert capsys.readouterr().out == (
        f"Cluster name: {cqlkit_shared_cluster.directory.name}\n"
        "Partitioner: org.apache.cassandra.dht.Murmur3Partitioner\nHost 127.0.0.1: UP\n"
    )


def test_prepared_statements_and_concurrent_execution(cqlkit_shared_cluster, session) -> None:
    cluster = _cluster(cqlkit_shared_cluster, load_balancing_policy=TokenAwarePolicy(RoundRobinPolicy()))
    other = cluster.connect("mlops_guide")
    prepared = other.prepare("""
        INSERT INTO metrics (experiment_id, run_id, timestamp, metric_name, metric_value)
        VALUES (?, ?, ?, ?, ?)
    """)
    queries = [
        (prepared, ("exp_3", "run_123", datetime(2024, 6, 1), "accuracy", 0.95)),
        (prepared, ("exp_3", "run_123", datetime(2024, 6, 1), "loss", 0.05)),
    ]
    # As written: execute_concurrent_with_args takes one statement and a list of parameter tuples.
    with pytest.raises(TypeError):
        execute_concurrent_with_args(other, queries)
    results = execute_concurrent(other, queries)
    assert [success for success, _ in results] == [True, True]
    rows = other.execute(
        "SELECT metric_name FROM metrics WHERE experiment_id = 'exp_3' AND run_id = 'run_123'"
    )
    assert sorted(r.metric_name for r in rows) == ["accuracy", "loss"]
    cluster.shutdown()


def test_network_topology_with_unknown_data_centres_is_refused(session) -> None:
    with pytest.raises(
        Exception, match=r"Unrecognized strategy option \{dc\d\} passed to NetworkTopologyStrategy"
    ):
        session.execute("""
            CREATE KEYSPACE IF NOT EXISTS mlops_nts
            WITH replication = {
                'class': 'NetworkTopologyStrategy',
                'dc1': 3,
                'dc2': 2
            }
        """)


def test_replication_factor_3_on_one_node_is_unavailable_at_local_quorum(session) -> None:
    session.execute(
        "CREATE KEYSPACE IF NOT EXISTS mlops_rf3 "
        "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
    )
    session.execute("CREATE TABLE IF NOT EXISTS mlops_rf3.t (k int PRIMARY KEY)")
    statement = SimpleStatement(
        "INSERT INTO mlops_rf3.t (k) VALUES (1)", consistency_level=ConsistencyLevel.LOCAL_QUORUM
    )
    # The driver's default retry policy tries the next host on Unavailable; with one host it gives up
    # with NoHostAvailable carrying the server's Unavailable (as against a one-node Cassandra).
    with pytest.raises(NoHostAvailable) as failed:
        session.execute(statement)
    (error,) = failed.value.errors.values()
    assert isinstance(error, Unavailable)
    assert (error.required_replicas, error.alive_replicas) == (2, 1)


@pytest.fixture(scope="module")
def three_node_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedCluster]:
    """A served 3-node cluster (one datacenter, datacenter1), each node on 127.0.0.1 at a free port."""
    directory: Path = tmp_path_factory.mktemp("guide") / "three"
    with EmbeddedCluster.open(directory, nodes=3, realtime=True) as cluster:
        served = ServedCluster(cluster, {node.name: Endpoint("127.0.0.1", 0) for node in cluster.nodes})
        served.start()
        try:
            yield served
        finally:
            served.stop()


@pytest.fixture(scope="module")
def three_nodes(three_node_server: ServedCluster) -> list[tuple[str, int]]:
    """The native endpoint of each node of ``three_node_server``."""
    return [(at.host, at.port) for at in three_node_server.endpoints.values()]


def _three_node_cluster(endpoints: list[tuple[str, int]], policy) -> Cluster:
    host, port = endpoints[0]
    return Cluster(
        [host],
        port=port,
        execution_profiles={EXEC_PROFILE_DEFAULT: ExecutionProfile(load_balancing_policy=policy)},
    )


def test_health_check_on_three_nodes(three_nodes, capsys) -> None:
    """The guide's health check with its policy, ``TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc=...))``."""
    policy = TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc="datacenter1"))
    cluster = _three_node_cluster(three_nodes, policy)
    # the driver's connect() returns once one host's pool is up; the per-host queries below need all three
    # (without waiting, a host whose pool is still opening is "marked down or removed", as with Cassandra)
    session = cluster.connect(wait_for_all_pools=True)
    metadata = cluster.metadata
    print(f"Cluster name: {metadata.cluster_name}")
    print(f"Partitioner: {metadata.partitioner}")
    for host in sorted(metadata.all_hosts(), key=lambda h: h.endpoint.port):
        print(
            f"Host {host.address}:{host.endpoint.port} {host.datacenter}/{host.rack}: "
            f"{'UP' if host.is_up else 'DOWN'}"
        )
    # every host is in the local datacenter: the policy routes to all three
    assert sorted(h.endpoint.port for h in metadata.all_hosts() if policy.distance(h) == 0) == sorted(
        port for _, port in three_nodes
    )
    # three distinct nodes answer: each host's own system.local names a different host_id
    owners = {
        session.execute("SELECT host_id FROM system.local", host=host).one().host_id
        for host in metadata.all_hosts()
    }
    assert len(owners) == 3
    cluster.shutdown()
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["Cluster name: three", "Partitioner: org.apache.cassandra.dht.Murmur3Partitioner"]
    assert lines[2:] == [
        f"Host 127.0.0.1:{port} datacenter1/rack1: UP" for port in sorted(p for _, p in three_nodes)
    ]


def test_local_quorum_with_replication_factor_3_on_three_nodes(three_nodes) -> None:
    """The guide's keyspace as written (SimpleStrategy, RF 3), LOCAL_QUORUM writes and reads."""
    cluster = _three_node_cluster(
        three_nodes, TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc="datacenter1"))
    )
    session = cluster.connect()
    session.execute("""
        CREATE KEYSPACE IF NOT EXISTS mlops
        WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}
    """)
    session.set_keyspace("mlops")
    session.execute("""
        CREATE TABLE IF NOT EXISTS metrics (
            experiment_id TEXT,
            run_id TEXT,
            timestamp TIMESTAMP,
            metric_name TEXT,
            metric_value FLOAT,
            PRIMARY KEY ((experiment_id, run_id), timestamp, metric_name)
        ) WITH CLUSTERING ORDER BY (timestamp DESC)
    """)
    insert = session.prepare(
        "INSERT INTO metrics (experiment_id, run_id, timestamp, metric_name, metric_value) VALUES (?, ?, ?, ?, ?)"
    )
    insert.consistency_level = ConsistencyLevel.LOCAL_QUORUM
    statements = [
        (insert, ("exp_1", f"run_{run}", datetime(2024, 1, 1, 0, minute), "loss", minute / 4))
        for run in range(4)
        for minute in range(3)
    ]
    assert [ok for ok, _ in execute_concurrent(session, statements)] == [True] * 12
    read = SimpleStatement(
        "SELECT timestamp, metric_value FROM metrics WHERE experiment_id = %s AND run_id = %s AND timestamp > %s",
        consistency_level=ConsistencyLevel.LOCAL_QUORUM,
    )
    for run in range(4):
        result = session.execute(read, ("exp_1", f"run_{run}", datetime(2024, 1, 1)))
        assert [(r.timestamp, r.metric_value) for r in result] == [
            (datetime(2024, 1, 1, 0, 2), 0.5),
            (datetime(2024, 1, 1, 0, 1), 0.25),
        ]
        assert result.response_future.coordinator_host.endpoint.port in {p for _, p in three_nodes}
    # RF 3 on three nodes: every node holds every partition, so each answers at ONE by itself.
    for host in cluster.metadata.all_hosts():
        rows = session.execute(
            SimpleStatement(
                "SELECT count(*) FROM metrics WHERE experiment_id = 'exp_1' AND run_id = 'run_0'",
                consistency_level=ConsistencyLevel.ONE,
            ),
            host=host,
        )
        assert rows.one().count == 3
    cluster.shutdown()


def test_local_quorum_survives_one_node_down_not_two(three_node_server, three_nodes) -> None:
    """Why the guide's RF 3 with LOCAL_QUORUM: two replicas of three must answer, so one node may be down."""
    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc="datacenter1")),
        retry_policy=FallthroughRetryPolicy(),  # the server's Unavailable as it is, no retry elsewhere
        consistency_level=ConsistencyLevel.LOCAL_QUORUM,
    )
    host, port = three_nodes[0]
    cluster = Cluster([host], port=port, execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    session = cluster.connect()
    session.execute(
        "CREATE KEYSPACE IF NOT EXISTS mlops_down "
        "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
    )
    session.execute("CREATE TABLE IF NOT EXISTS mlops_down.t (k int PRIMARY KEY, v int)")
    insert = session.prepare("INSERT INTO mlops_down.t (k, v) VALUES (?, ?)")
    read = session.prepare("SELECT v FROM mlops_down.t WHERE k = ?")
    try:
        three_node_server.stop_node("node3")
        session.execute(insert, (1, 10))
        assert session.execute(read, (1,)).one().v == 10
        three_node_server.stop_node("node2")
        with pytest.raises(Unavailable) as failed:
            session.execute(insert, (2, 20))
        assert (failed.value.consistency, failed.value.required_replicas, failed.value.alive_replicas) == (
            ConsistencyLevel.LOCAL_QUORUM,
            2,
            1,
        )
        with pytest.raises(Unavailable):
            session.execute(read, (1,))
    finally:
        for name in ("node2", "node3"):
            if not three_node_server.is_up(name):
                three_node_server.start_node(name)
        cluster.shutdown()
