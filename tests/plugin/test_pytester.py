"""The plugin as a user's suite meets it: small test files run by pytester, outcomes asserted."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(source)
    # the engine is already imported by this process, so the inner run cannot rewrite its asserts
    return pytester.runpytest(
        "-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning", *args
    )


def test_default_cluster_is_shared_and_keyspaces_come_and_go(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        seen = {}

        def test_first(cqlkit_cluster, cqlkit_session, cqlkit_keyspace):
            seen["dir"] = cqlkit_cluster.directory
            seen["keyspace"] = cqlkit_keyspace
            assert cqlkit_keyspace == "test_first_1"
            assert len(cqlkit_cluster.nodes) == 1 and cqlkit_cluster.contact_points == ["127.0.0.1"]
            cqlkit_session.execute("CREATE TABLE t (k int PRIMARY KEY, v text)")
            cqlkit_session.execute("INSERT INTO t (k, v) VALUES (1, 'one')")
            assert cqlkit_session.execute("SELECT v FROM t WHERE k = 1").one().v == "one"

        def test_second(cqlkit_cluster, cqlkit_shared_cluster, cqlkit_keyspace):
            assert cqlkit_cluster is cqlkit_shared_cluster
            assert cqlkit_cluster.directory == seen["dir"]
            names = {row.keyspace_name for row in cqlkit_cluster.session().execute(
                "SELECT keyspace_name FROM system_schema.keyspaces")}
            assert seen["keyspace"] not in names and cqlkit_keyspace in names
        """,
    )
    result.assert_outcomes(passed=2)


def test_driver_session_uses_the_keyspace(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_driver(cqlkit_driver_session, cqlkit_keyspace, cqlkit_session):
            assert cqlkit_driver_session.keyspace == cqlkit_keyspace
            cqlkit_driver_session.execute("CREATE TABLE users (id int PRIMARY KEY, name text)")
            cqlkit_driver_session.execute("INSERT INTO users (id, name) VALUES (%s, %s)", (1, "Ada"))
            assert cqlkit_session.execute("SELECT name FROM users WHERE id = 1").one().name == "Ada"
            hosts = cqlkit_driver_session.cluster.metadata.all_hosts()
            assert [(h.address, h.datacenter) for h in hosts] == [("127.0.0.1", "datacenter1")]
        """,
    )
    result.assert_outcomes(passed=1)


def test_fresh_cluster_per_test_is_removed_after(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        seen = []

        @pytest.mark.cqlkit(fresh=True)
        def test_one(cqlkit_cluster):
            seen.append(cqlkit_cluster.directory)
            assert cqlkit_cluster.directory.is_dir()

        @pytest.mark.cqlkit(fresh=True)
        def test_two(cqlkit_cluster, cqlkit_shared_cluster):
            assert cqlkit_cluster.directory != seen[0] and cqlkit_cluster is not cqlkit_shared_cluster
            assert not seen[0].exists()
        """,
    )
    result.assert_outcomes(passed=2)


THREE_NODES = """
from pathlib import Path

import pytest
from cassandra import ConsistencyLevel, Unavailable
from cassandra.query import SimpleStatement

@pytest.mark.cqlkit(nodes=3)
def test_quorum_survives_a_stopped_node(cqlkit_cluster, cqlkit_driver_session):
    session = cqlkit_driver_session
    hosts = sorted((h.endpoint.address, h.endpoint.port) for h in session.cluster.metadata.all_hosts())
    assert len(hosts) == 3 and hosts == sorted(cqlkit_cluster.endpoints.values())
    assert session.execute(
        "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s", (session.keyspace,)
    ).one().replication["replication_factor"] == "3"
    session.execute("CREATE TABLE t (k int PRIMARY KEY, v text)")
    cqlkit_cluster.stop_node("node3")
    assert not cqlkit_cluster.is_up("node3")
    quorum = SimpleStatement("INSERT INTO t (k, v) VALUES (1, 'a')", consistency_level=ConsistencyLevel.QUORUM)
    session.execute(quorum)
    read = SimpleStatement("SELECT v FROM t WHERE k = 1", consistency_level=ConsistencyLevel.QUORUM)
    assert session.execute(read).one().v == "a"
    everyone = SimpleStatement("SELECT v FROM t WHERE k = 1", consistency_level=ConsistencyLevel.ALL)
    with pytest.raises(Unavailable) as failure:
        session.execute(everyone)
    assert (failure.value.required_replicas, failure.value.alive_replicas) == (3, 2)

@pytest.mark.cqlkit(nodes=3)
def test_stopped_node_is_back_for_the_next_test(cqlkit_cluster):
    assert [cqlkit_cluster.is_up(n.name) for n in cqlkit_cluster.nodes] == [True, True, True]
"""


def test_three_nodes_driver_sees_three_hosts_and_quorum_survives(pytester: pytest.Pytester) -> None:
    run(pytester, THREE_NODES).assert_outcomes(passed=2)


def test_factory_single_interface_nodes_on_their_own_ports(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_factory(cqlkit_cluster_factory):
            cluster = cqlkit_cluster_factory(3, single_interface=True)
            ports = {port for host, port in cluster.endpoints.values()}
            assert {host for host, port in cluster.endpoints.values()} == {"127.0.0.1"} and len(ports) == 3
            assert cluster.contact_points == ["127.0.0.1"]
            driver = cluster.driver_cluster()
            try:
                driver.connect()
                found = sorted(h.endpoint.port for h in driver.metadata.all_hosts())
            finally:
                driver.shutdown()
            assert found == sorted(ports)
            second = cqlkit_cluster_factory()
            assert len(second.nodes) == 1 and second.directory != cluster.directory
        """,
    )
    result.assert_outcomes(passed=1)


def test_single_interface_option(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.cqlkit(nodes=2)
        def test_two(cqlkit_cluster):
            assert [host for host, port in cqlkit_cluster.endpoints.values()] == ["127.0.0.1", "127.0.0.1"]
        """,
        "--cqlkit-single-interface",
    )
    result.assert_outcomes(passed=1)


def test_nodes_option_sets_the_default_cluster(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        def test_default(cqlkit_cluster, cqlkit_shared_cluster, cqlkit_keyspace):
            assert cqlkit_cluster is cqlkit_shared_cluster
            assert [n.address for n in cqlkit_cluster.nodes] == [f"127.0.0.{n}" for n in range(1, 6)]
            assert [n.datacenter for n in cqlkit_cluster.nodes] == ["dc1", "dc1", "dc1", "dc2", "dc2"]
        """,
        "--cqlkit-nodes",
        "3:2",
    )
    result.assert_outcomes(passed=1)


def test_marker_replication(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        def replication(cluster, keyspace):
            return cluster.session().execute(
                "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s" % repr(keyspace)
            ).one().replication

        @pytest.mark.cqlkit(replication_factor=2)
        def test_factor(cqlkit_cluster, cqlkit_keyspace):
            assert replication(cqlkit_cluster, cqlkit_keyspace) == {
                "class": "org.apache.cassandra.locator.SimpleStrategy", "replication_factor": "2"}

        @pytest.mark.cqlkit(replication={"class": "NetworkTopologyStrategy", "datacenter1": 1})
        def test_map(cqlkit_cluster, cqlkit_keyspace):
            assert replication(cqlkit_cluster, cqlkit_keyspace) == {
                "class": "org.apache.cassandra.locator.NetworkTopologyStrategy", "datacenter1": "1"}
        """,
    )
    result.assert_outcomes(passed=2)


def test_keep_option_keeps_data_and_says_where(pytester: pytest.Pytester) -> None:
    source = """
        import json, pathlib
        def test_write(cqlkit_cluster, cqlkit_session):
            cqlkit_session.execute("CREATE TABLE t (k int PRIMARY KEY)")
            pathlib.Path("where.json").write_text(json.dumps(str(cqlkit_cluster.directory)))
        """
    kept = run(pytester, source, "--cqlkit-keep")
    kept.assert_outcomes(passed=1)
    directory = pytester.path.joinpath("where.json").read_text().strip('"')
    kept.stdout.fnmatch_lines([f"kept cluster data: {directory}"])
    assert (pytester.path / directory / "node1").is_dir()
    removed = run(pytester, source)
    removed.assert_outcomes(passed=1)
    assert not (pytester.path / pytester.path.joinpath("where.json").read_text().strip('"')).exists()
    assert "kept cluster data" not in removed.stdout.str()


def test_marker_rejects_unknown_arguments(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.cqlkit(node=3)
        def test_typo(cqlkit_cluster):
            pass
        """,
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*@pytest.mark.cqlkit got unknown arguments node; it takes fresh, nodes,*"])


def test_getting_started_example_passes(pytester: pytest.Pytester) -> None:
    # docs/getting-started.md shows this file and "3 passed": keep the guide true
    guide = (Path(__file__).parents[2] / "docs" / "getting-started.md").read_text(encoding="utf-8")
    source = guide.split("cat > test_users.py <<'PY'\n", 1)[1].split("\nPY\n", 1)[0]
    pytester.makepyfile(test_users=source)
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning")
    result.assert_outcomes(passed=3)


def test_nodes_option_is_checked_before_any_test(pytester: pytest.Pytester) -> None:
    result = run(pytester, "def test_never(cqlkit_cluster):\n    pass\n", "--cqlkit-nodes", "3:0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: --cqlkit-nodes: invalid node count '3:0': every datacenter needs at least one node"]
    )
