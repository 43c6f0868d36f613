"""The pytest plugin's fixtures, used as a user's test suite would use them."""

from __future__ import annotations

from cassandra.cluster import Cluster

from admin.pytest_plugin import CqlkitCluster


def test_driver_reaches_the_cluster(cqlkit_cluster: CqlkitCluster) -> None:
    cluster = Cluster(cqlkit_cluster.contact_points, port=cqlkit_cluster.port, protocol_version=5)
    try:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE IF NOT EXISTS app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE IF NOT EXISTS app.users (id int PRIMARY KEY, name text)")
        session.execute("INSERT INTO app.users (id, name) VALUES (%s, %s)", (1, "Ada"))
        assert session.execute("SELECT name FROM app.users WHERE id = 1").one().name == "Ada"
    finally:
        cluster.shutdown()


def test_embedded_session_has_its_own_keyspace(cqlkit_session) -> None:
    cqlkit_session.execute("CREATE TABLE t (k int PRIMARY KEY, v text)")
    cqlkit_session.execute("INSERT INTO t (k, v) VALUES (?, ?)", (1, "one"))
    assert cqlkit_session.execute("SELECT v FROM t WHERE k = 1").one().v == "one"


def test_second_session_starts_clean(cqlkit_session) -> None:
    # The previous test's keyspace was dropped; this one has a new, empty keyspace.
    cqlkit_session.execute("CREATE TABLE t (k int PRIMARY KEY, v text)")
    assert cqlkit_session.execute("SELECT * FROM t").all() == []
