"""Growing and shrinking a running cluster from the command line, with cassandra-driver watching.

A served 3-node cluster (RF 2): ``cqlkit cluster add`` bootstraps node4, which the driver discovers
(TOPOLOGY_CHANGE NEW_NODE, ``system.peers``) and ``nodetool status`` lists UN; ``nodetool cleanup`` then
frees the ranges node1 handed over; ``nodetool decommission`` on node2 and ``nodetool removenode`` of a
stopped node3 take them out while every row stays readable at ALL.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cassandra import ConsistencyLevel
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import RoundRobinPolicy
from cassandra.query import SimpleStatement

from tests.cli.conftest import free_ports

ROWS = 200


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _partitions(cli: Callable, address: str) -> int:
    assert cli("nodetool", "-h", address, "flush", "ks").returncode == 0
    stats = cli("nodetool", "-h", address, "tablestats", "ks.t")
    assert stats.returncode == 0, stats.stderr
    found = re.search(r"Number of partitions \(estimate\): (\d+)", stats.stdout)
    assert found is not None, stats.stdout
    return int(found.group(1))


def _states(cli: Callable) -> list[tuple[str, str]]:
    status = cli("nodetool", "status")
    assert (status.returncode, status.stderr) == (0, "")
    return sorted(tuple(line.split()[:2]) for line in status.stdout.splitlines() if line[:2] in ("UN", "DN"))


def _all_rows(session: object) -> list[int]:
    statement = SimpleStatement("SELECT k FROM ks.t", consistency_level=ConsistencyLevel.ALL, fetch_size=1000)
    return sorted(row.k for row in session.execute(statement))  # type: ignore[attr-defined]


def test_add_cleanup_decommission_and_removenode(
    cli: Callable, home: Path, request: pytest.FixtureRequest
) -> None:
    port = free_ports(5)
    created = cli("cluster", "create", "c", "-n", "3", "--single-interface", "--native-port", str(port))
    assert created.returncode == 0, created.stderr
    assert cli("cluster", "start").returncode == 0
    request.addfinalizer(lambda: cli("cluster", "stop"))
    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), request_timeout=20)
    driver = Cluster(
        ["127.0.0.1"], port=port, execution_profiles={EXEC_PROFILE_DEFAULT: profile}, protocol_version=5
    )
    request.addfinalizer(driver.shutdown)
    session = driver.connect()
    session.execute(
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}"
    )
    session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
    insert = session.prepare("INSERT INTO ks.t (k, v) VALUES (?, ?)")
    insert.consistency_level = ConsistencyLevel.QUORUM
    for k in range(ROWS):
        session.execute(insert, (k, f"v{k}"))
    before = _partitions(cli, "127.0.0.1")

    added = cli("cluster", "add")
    assert (added.returncode, added.stdout, added.stderr) == (0, "node4: UP\n", "")
    assert cli("cluster", "status").stdout.splitlines()[2:] == [
        "node1: UP",
        "node2: UP",
        "node3: UP",
        "node4: UP",
    ]
    assert _states(cli) == [("UN", f"127.0.0.{n}") for n in (1, 2, 3, 4)]
    # the driver hears NEW_NODE and reads node4 from system.peers: it lands on port + 3
    _wait_for(lambda: len(driver.metadata.all_hosts()) == 4, "the driver to discover node4")
    assert sorted(h.endpoint.port for h in driver.metadata.all_hosts()) == [port + i for i in range(4)]
    assert _all_rows(session) == list(range(ROWS))
    log = (home / "clusters" / "c" / "node4" / "logs" / "system.log").read_text()
    assert "JOINING: Starting to bootstrap..." in log and "state jump to NORMAL" in log
    assert re.search(r"\[Stream #[0-9a-f-]{36}\] Executing streaming plan for Bootstrap", log)

    # node1 handed some of its ranges to node4; cleanup drops them from its SSTables
    cleaned = cli("nodetool", "-h", "127.0.0.1", "cleanup", "ks")
    assert (cleaned.returncode, cleaned.stdout, cleaned.stderr) == (0, "", "")
    after = _partitions(cli, "127.0.0.1")
    assert 0 < after < before

    decommissioned = cli("nodetool", "-h", "127.0.0.2", "decommission")
    assert (decommissioned.returncode, decommissioned.stdout, decommissioned.stderr) == (0, "", "")
    assert cli("cluster", "status").stdout.splitlines()[2:] == ["node1: UP", "node3: UP", "node4: UP"]
    assert _states(cli) == [("UN", "127.0.0.1"), ("UN", "127.0.0.3"), ("UN", "127.0.0.4")]
    _wait_for(lambda: len(driver.metadata.all_hosts()) == 3, "the driver to drop node2")
    assert _all_rows(session) == list(range(ROWS))

    status = cli("nodetool", "status").stdout
    node3_host_id = next(line.split()[6] for line in status.splitlines() if "127.0.0.3" in line)
    assert cli("cluster", "node3", "stop").returncode == 0
    refused = cli("nodetool", "removenode", "not-a-uuid")
    assert (refused.returncode, refused.stdout) == (
        1,
        "nodetool: Invalid UUID string: not-a-uuid\nSee 'nodetool help' or 'nodetool help <command>'.\n",
    )
    removed = cli("nodetool", "removenode", node3_host_id)
    assert (removed.returncode, removed.stdout, removed.stderr) == (0, "", "")
    assert _states(cli) == [("UN", "127.0.0.1"), ("UN", "127.0.0.4")]
    assert cli("nodetool", "removenode", "status").stdout == "RemovalStatus: No removals in process.\n"
    _wait_for(lambda: len(driver.metadata.all_hosts()) == 2, "the driver to drop node3")
    assert _all_rows(session) == list(range(ROWS))
