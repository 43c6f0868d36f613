"""``cqlkit cluster``: ccm's lifecycle end to end, with real processes and cassandra-driver.

A 3-node cluster on one interface (a random base port): create, start, a keyspace with RF 3, ``CONSISTENCY
ALL`` refused with Unavailable once node2 is stopped while QUORUM still works, node2 restarted catches up
(the hint for the write it missed is delivered: node2 alone answers it at ONE), stop; the exact output
of ``status`` and ``list`` at each step, ccm's errors and exit codes, and the nodes' ``system.log``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cassandra import ConsistencyLevel, Unavailable
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import HostFilterPolicy, RoundRobinPolicy
from cassandra.query import SimpleStatement

from tests.cli.conftest import free_ports

LOG_LINE = re.compile(
    r"^(INFO |WARN |ERROR|DEBUG) \[[^\]]+\] \d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \w+\.py:\d+ - .+$"
)


def _driver(port: int, only_port: int | None = None) -> Cluster:
    policy = RoundRobinPolicy()
    if only_port is not None:
        policy = HostFilterPolicy(policy, lambda host: host.endpoint.port == only_port)
    profile = ExecutionProfile(load_balancing_policy=policy, request_timeout=10)
    return Cluster(
        ["127.0.0.1"],
        port=port if only_port is None else only_port,
        execution_profiles={EXEC_PROFILE_DEFAULT: profile},
        protocol_version=5,
        connect_timeout=5,
    )


def _nodetool_states(cli: Callable) -> list[tuple[str, str]]:
    """(state, address) of each node in ``cqlkit nodetool status``."""
    status = cli("nodetool", "status")
    assert (status.returncode, status.stderr) == (0, "")
    return [tuple(line.split()[:2]) for line in status.stdout.splitlines() if line[:2] in ("UN", "DN")]


def _status(*lines: str) -> str:
    return "Cluster: 'c'\n------------\n" + "".join(f"{line}\n" for line in lines)


def test_lifecycle_of_a_three_node_cluster(
    cqlkit: Callable, cli: Callable, home: Path, request: pytest.FixtureRequest
) -> None:
    port = free_ports(3)
    created = cli("cluster", "create", "c", "-n", "3", "--single-interface", "--native-port", str(port))
    assert (created.returncode, created.stdout, created.stderr) == (0, "Current cluster is now: c\n", "")
    assert cli("cluster", "status").stdout == _status(
        "node1: DOWN (Not initialized)", "node2: DOWN (Not initialized)", "node3: DOWN (Not initialized)"
    )
    started = cqlkit("cluster", "start")  # the real command line, as a user runs it
    request.addfinalizer(lambda: cli("cluster", "stop"))  # never leave a server behind (stop is idempotent)
    assert (started.returncode, started.stdout, started.stderr) == (0, "", "")
    assert cli("cluster", "status").stdout == _status("node1: UP", "node2: UP", "node3: UP")

    driver = _driver(port)
    try:
        session = driver.connect()
        assert sorted(host.endpoint.port for host in driver.metadata.all_hosts()) == [
            port,
            port + 1,
            port + 2,
        ]
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        session.execute(
            SimpleStatement(
                "INSERT INTO ks.t (k, v) VALUES (1, 'one')", consistency_level=ConsistencyLevel.ALL
            )
        )

        stopped = cli("cluster", "node2", "stop")
        assert (stopped.returncode, stopped.stdout, stopped.stderr) == (0, "", "")
        assert cli("cluster", "status").stdout == _status("node1: UP", "node2: DOWN", "node3: UP")
        again = cli("cluster", "node2", "stop")
        assert (again.returncode, again.stderr) == (1, "node2 is not running\n")
        assert cli("cluster", "liveset").stdout == "127.0.0.1,127.0.0.3\n"
        # nodetool reaches the running server through its admin API: the live state, node2 down
        assert _nodetool_states(cli) == [("UN", "127.0.0.1"), ("DN", "127.0.0.2"), ("UN", "127.0.0.3")]
        assert cli("cluster", "node2", "cqlsh").stderr == "node2 is not running\n"

        with pytest.raises(Unavailable) as refused:
            session.execute(
                SimpleStatement("SELECT v FROM ks.t WHERE k = 1", consistency_level=ConsistencyLevel.ALL)
            )
        assert (refused.value.required_replicas, refused.value.alive_replicas) == (3, 2)
        session.execute(
            SimpleStatement(
                "INSERT INTO ks.t (k, v) VALUES (2, 'two')", consistency_level=ConsistencyLevel.QUORUM
            )
        )
        quorum = session.execute(
            SimpleStatement("SELECT v FROM ks.t WHERE k = 2", consistency_level=ConsistencyLevel.QUORUM)
        )
        assert [row.v for row in quorum] == ["two"]

        restarted = cli("cluster", "node2", "start")
        assert (restarted.returncode, restarted.stdout, restarted.stderr) == (0, "", "")
        assert cli("cluster", "node2", "start").stderr == "node2 is already running\n"
        # cqlsh's white list is by address: on one interface any node may coordinate (as with ccm -S)
        shell = cli("cluster", "node2", "cqlsh", "-e", "SELECT k, v FROM ks.t WHERE k = 1")
        assert (shell.returncode, shell.stdout) == (0, "\n k | v\n---+-----\n 1 | one\n\n(1 rows)\n")
        assert cli("cluster", "status").stdout == _status("node1: UP", "node2: UP", "node3: UP")
        assert _nodetool_states(cli) == [("UN", "127.0.0.1"), ("UN", "127.0.0.2"), ("UN", "127.0.0.3")]
        assert "Native Transport active: true\n" in cli("nodetool", "info").stdout
    finally:
        driver.shutdown()

    node2 = _driver(port, only_port=port + 1)  # node2 alone coordinates, and reads only itself at ONE
    try:
        session = node2.connect()
        statement = SimpleStatement(
            "SELECT k, v FROM ks.t WHERE k = 2", consistency_level=ConsistencyLevel.ONE
        )
        deadline = time.monotonic() + 10
        rows = list(session.execute(statement))
        while not rows and time.monotonic() < deadline:  # the hint replays once gossip has node2 UP
            time.sleep(0.05)
            rows = list(session.execute(statement))
        assert [(row.k, row.v) for row in rows] == [(2, "two")]
        assert str(session.execute(statement).response_future.coordinator_host) == f"127.0.0.1:{port + 1}"
    finally:
        node2.shutdown()

    assert cli("cluster", "node3", "stop").returncode == 0
    assert cli("cluster", "status").stdout == _status("node1: UP", "node2: UP", "node3: DOWN")
    assert cli("cluster", "start").returncode == 0  # as ccm's start: whatever is not running starts
    assert cli("cluster", "status").stdout == _status("node1: UP", "node2: UP", "node3: UP")

    stopped = cqlkit("cluster", "stop")
    assert (stopped.returncode, stopped.stdout, stopped.stderr) == (0, "", "")
    assert cli("cluster", "status").stdout == _status("node1: DOWN", "node2: DOWN", "node3: DOWN")
    assert not (home / "clusters" / "c" / "server.json").exists()

    alone = cqlkit("cluster", "node3", "start")  # a stopped cluster: node3 alone runs, as with ccm
    assert (alone.returncode, alone.stdout, alone.stderr) == (0, "", "")
    assert cli("cluster", "status").stdout == _status("node1: DOWN", "node2: DOWN", "node3: UP")
    assert cli("cluster", "stop").returncode == 0

    log = cli("cluster", "node2", "showlog").stdout
    lines = log.splitlines()
    assert all(LOG_LINE.match(line) for line in lines), log
    messages = [line.split(" - ", 1)[1] for line in lines]
    assert messages == [
        f"Starting listening for CQL clients on /127.0.0.1:{port + 1} (unencrypted)...",
        "InetAddress /127.0.0.1:7000 is now UP",
        "InetAddress /127.0.0.3:7000 is now UP",
        "Startup complete",
        "Stop listening for CQL clients",
        "Announcing shutdown",
        "Node /127.0.0.2:7000 state jump to shutdown",
        "Node /127.0.0.2:7000 state jump to NORMAL",
        f"Starting listening for CQL clients on /127.0.0.1:{port + 1} (unencrypted)...",
        "Startup complete",
        "InetAddress /127.0.0.3:7000 is now DOWN",
        "InetAddress /127.0.0.3:7000 is now UP",
        "Stop listening for CQL clients",
        "Announcing shutdown",
        # node3 then started alone: node2 stays stopped from the outset and logs nothing
    ]
    node1_log = (home / "clusters" / "c" / "node1" / "logs" / "system.log").read_text()
    assert "InetAddress /127.0.0.2:7000 is now DOWN" in node1_log
    assert node1_log.index("/127.0.0.2:7000 is now DOWN") < node1_log.rindex("/127.0.0.2:7000 is now UP")


def test_create_list_switch_remove(cli: Callable, home: Path) -> None:
    assert cli("cluster", "list").stdout == ""
    assert cli("cluster", "create", "c", "-n", "3:2").stdout == "Current cluster is now: c\n"
    assert cli("cluster", "create", "d", "-n", "1", "--vnodes", "4").stdout == "Current cluster is now: d\n"
    assert cli("cluster", "list").stdout == "  c\n *d\n"
    assert (home / "clusters" / "CURRENT").read_text() == "d\n"
    assert cli("cluster", "switch", "c").returncode == 0
    assert cli("cluster", "list").stdout == " *c\n  d\n"
    assert cli("cluster", "status").stdout == _status(
        *(f"node{i}: DOWN (Not initialized)" for i in range(1, 6))
    )

    exists = cli("cluster", "create", "c")
    assert (exists.returncode, exists.stderr) == (
        1,
        f"Cannot create cluster: [Errno 17] File exists: '{home / 'clusters' / 'c'}'\n",
    )
    bad_count = cli("cluster", "create", "e", "-n", "0")
    assert (bad_count.returncode, bad_count.stderr) == (
        1,
        "Cannot create cluster: invalid node count '0': every datacenter needs at least one node\n",
    )
    missing = cli("cluster", "switch", "nope")
    assert (missing.returncode, missing.stderr) == (
        1,
        "nope does not appear to be a valid cluster (use cqlkit cluster list to view valid cluster)\n",
    )
    unknown_node = cli("cluster", "node9", "stop")
    assert (unknown_node.returncode, unknown_node.stderr) == (1, "Unknown node node9 in cluster c\n")
    not_running = cli("cluster", "node2", "stop")
    assert (not_running.returncode, not_running.stderr) == (1, "node2 is not running\n")
    no_log = cli("cluster", "node2", "showlog")
    assert no_log.returncode == 1

    assert cli("cluster", "remove").returncode == 0  # the current one, c
    assert cli("cluster", "list").stdout == "  d\n"
    assert not (home / "clusters" / "c").exists()
    assert not (home / "clusters" / "CURRENT").exists()
    assert cli("cluster", "remove", "d").returncode == 0
    assert cli("cluster", "list").stdout == ""


def test_help_lists_the_commands(cli: Callable) -> None:
    out = cli("cluster", "--help").stdout
    for command in (
        "create",
        "start",
        "stop",
        "status",
        "list",
        "switch",
        "remove",
        "liveset",
        "nodeN start|stop|showlog|cqlsh",
    ):
        assert command in out


def test_starting_one_node_of_a_stopped_cluster_starts_that_node_alone(
    cli: Callable, home: Path, request: pytest.FixtureRequest
) -> None:
    """ccm's ``nodeN start`` on a stopped cluster: only nodeN runs; the others never join (nothing they
    hold, such as hints, reaches it), and they start later one by one."""
    port = free_ports(3)
    assert (
        cli("cluster", "create", "c", "-n", "3", "--single-interface", "--native-port", str(port)).returncode
        == 0
    )
    started = cli("cluster", "node2", "start")
    request.addfinalizer(lambda: cli("cluster", "stop"))
    assert (started.returncode, started.stdout, started.stderr) == (0, "", "")
    assert cli("cluster", "status").stdout == _status("node1: DOWN", "node2: UP", "node3: DOWN")
    assert cli("cluster", "liveset").stdout == "127.0.0.2\n"
    node1_log = home / "clusters" / "c" / "node1" / "logs" / "system.log"
    assert "Startup complete" not in node1_log.read_text()  # node1 never started
    assert cli("cluster", "node1", "start").returncode == 0
    assert cli("cluster", "status").stdout == _status("node1: UP", "node2: UP", "node3: DOWN")
    assert _nodetool_states(cli) == [("UN", "127.0.0.1"), ("UN", "127.0.0.2"), ("DN", "127.0.0.3")]
