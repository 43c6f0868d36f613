"""nodetool against a running three-node cluster, end to end, with real processes.

Data written through cassandra-driver; ``flush``; ``snapshot -t s1 ks`` makes hard links under
``data/ks/<table>-<id>/snapshots/s1/``; ``listsnapshots`` lists it, ``clearsnapshot -t s1`` removes it;
``compact`` reduces the SSTable count ``tablestats`` shows, and ``compactionstats`` shows it running
while throttled; a stopped node is ``DN``; writes node3 missed while handoff was disabled (no hints) are
on node3 after ``repair`` (node3 read alone at ONE, as its only coordinator); the handoff, binary and gossip switches report
what they did.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from random import Random

import pytest
from cassandra import ConsistencyLevel
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.policies import HostFilterPolicy, RoundRobinPolicy
from cassandra.query import SimpleStatement

from tests.cli.conftest import CQLKIT, free_ports

N1, N2, N3 = "127.0.0.1", "127.0.0.2", "127.0.0.3"


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert (result.returncode, result.stderr) == (0, ""), (result.stdout, result.stderr)
    return result.stdout


def _sstables(cli: Callable, address: str) -> int:
    stats = _ok(cli("nodetool", "-h", address, "tablestats", "ks.t"))
    found = re.search(r"^\t\tSSTable count: (\d+)$", stats, re.MULTILINE)
    assert found is not None, stats
    return int(found.group(1))


def _node3_count(port: int) -> int:
    """Rows node3 holds: counted at ONE with node3 as the only coordinator (it reads its own replica)."""
    only_node3 = HostFilterPolicy(RoundRobinPolicy(), lambda host: host.endpoint.port == port + 2)
    profile = ExecutionProfile(load_balancing_policy=only_node3, request_timeout=20)
    driver = Cluster(["127.0.0.1"], port=port + 2, execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    try:
        statement = SimpleStatement("SELECT count(*) FROM ks.t", consistency_level=ConsistencyLevel.ONE)
        return int(driver.connect().execute(statement).one()[0])
    finally:
        driver.shutdown()


def test_nodetool_on_a_running_three_node_cluster(
    cli: Callable, env: dict[str, str], home: Path, request: pytest.FixtureRequest
) -> None:
    port = free_ports(3)
    _ok(cli("cluster", "create", "c", "-n", "3", "--single-interface", "--native-port", str(port)))
    _ok(cli("cluster", "start"))
    request.addfinalizer(lambda: cli("cluster", "stop"))
    profile = ExecutionProfile(load_balancing_policy=RoundRobinPolicy(), request_timeout=20)
    driver = Cluster(
        ["127.0.0.1"], port=port, execution_profiles={EXEC_PROFILE_DEFAULT: profile}, protocol_version=5
    )
    request.addfinalizer(driver.shutdown)
    session = driver.connect()
    session.execute(
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
    )
    session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v blob)")
    insert = session.prepare("INSERT INTO ks.t (k, v) VALUES (?, ?)")
    insert.consistency_level = ConsistencyLevel.ALL
    # four flushes would make size-tiered compaction merge them on its own: keep them apart
    assert _ok(cli("nodetool", "-h", N1, "disableautocompaction", "ks")) == ""
    random = Random(7)  # incompressible values: ~2.4 MB per node in four SSTables, ~2 s to compact at 1 MiB/s
    for batch in range(4):
        keys = range(batch * 600, (batch + 1) * 600)
        execute_concurrent_with_args(
            session, insert, [(k, random.randbytes(1000)) for k in keys], concurrency=50
        )
        _ok(cli("nodetool", "-h", N1, "flush", "ks"))

    # snapshot: hard links of the live SSTables, listed with sizes, then cleared
    table_dir = next((home / "clusters" / "c" / "node1" / "data" / "ks").glob("t-*"))
    out = _ok(cli("nodetool", "-h", N1, "snapshot", "-t", "s1", "ks"))
    assert out == (
        "Requested creating snapshot(s) for [ks] with snapshot name [s1] and options {skipFlush=false}\n"
        "Snapshot directory: s1\n"
    )
    linked = sorted((table_dir / "snapshots" / "s1").glob("*-Data.db"))
    assert len(linked) == 4
    for copy in linked:
        assert os.stat(copy).st_ino == os.stat(table_dir / copy.name).st_ino  # a hard link, not a copy
    listing = _ok(cli("nodetool", "-h", N1, "listsnapshots"))
    assert re.search(r"^s1\s+ks\s+t\s+\S+ \S+\s+\S+ \S+\s+\S", listing, re.MULTILINE), listing
    cleared = _ok(cli("nodetool", "-h", N1, "clearsnapshot", "-t", "s1"))
    assert cleared == "Requested clearing snapshot(s) for [all keyspaces] with snapshot name [s1]\n"
    assert not (table_dir / "snapshots" / "s1").exists()

    # compaction, throttled so that compactionstats sees it run
    assert _sstables(cli, N1) == 4
    assert _ok(cli("nodetool", "-h", N1, "setcompactionthroughput", "1")) == ""
    compacting = subprocess.Popen(
        [CQLKIT, "nodetool", "-h", N1, "compact", "ks"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    seen = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and compacting.poll() is None:
        seen = _ok(cli("nodetool", "-h", N1, "compactionstats"))
        if re.search(
            r"^\S+\s+Major compaction\s+ks\s+t\s+\d+\s+\d+\s+bytes\s+\d+\.\d\d%\s*$", seen, re.MULTILINE
        ):
            break
        time.sleep(0.05)
    assert re.search(
        r"^\S+\s+Major compaction\s+ks\s+t\s+\d+\s+\d+\s+bytes\s+\d+\.\d\d%\s*$", seen, re.MULTILINE
    ), seen
    assert compacting.wait(60) == 0
    assert _ok(cli("nodetool", "-h", N1, "setcompactionthroughput", "0")) == ""
    assert _sstables(cli, N1) == 1

    # handoff off on the coordinators: node3 misses writes for good, until repair
    for address in (N1, N2):
        assert _ok(cli("nodetool", "-h", address, "disablehandoff")) == ""
        assert _ok(cli("nodetool", "-h", address, "statushandoff")) == "Hinted handoff is not running\n"
    _ok(cli("cluster", "node3", "stop"))
    status = _ok(cli("nodetool", "status"))
    assert re.search(r"^DN  127\.0\.0\.3 ", status, re.MULTILINE), status
    insert.consistency_level = ConsistencyLevel.QUORUM
    execute_concurrent_with_args(session, insert, [(k, b"late") for k in range(2400, 2500)], concurrency=20)
    _ok(cli("cluster", "node3", "start"))
    assert _node3_count(port) == 2400
    repaired = cli("nodetool", "-h", N1, "repair", "ks")
    assert repaired.returncode == 0 and "Repair completed successfully" in repaired.stdout
    assert _node3_count(port) == 2500
    for address in (N1, N2):
        assert _ok(cli("nodetool", "-h", address, "enablehandoff")) == ""
        assert _ok(cli("nodetool", "-h", address, "statushandoff")) == "Hinted handoff is running\n"

    # the native transport and gossip of node2, off and on again
    assert _ok(cli("nodetool", "-h", N2, "statusbinary")) == "running\n"
    assert _ok(cli("nodetool", "-h", N2, "disablebinary")) == ""
    assert _ok(cli("nodetool", "-h", N2, "statusbinary")) == "not running\n"
    assert _ok(cli("nodetool", "-h", N2, "enablebinary")) == ""
    assert _ok(cli("nodetool", "-h", N2, "statusbinary")) == "running\n"
    assert _ok(cli("nodetool", "-h", N2, "disablegossip")) == ""
    assert _ok(cli("nodetool", "-h", N2, "statusgossip")) == "not running\n"
    assert re.search(r"^DN  127\.0\.0\.2 ", _ok(cli("nodetool", "-h", N1, "status")), re.MULTILINE)
    assert _ok(cli("nodetool", "-h", N2, "enablegossip")) == ""
    assert _ok(cli("nodetool", "-h", N2, "statusgossip")) == "running\n"
    deadline = time.monotonic() + 20
    while not re.search(r"^UN  127\.0\.0\.2 ", _ok(cli("nodetool", "-h", N1, "status")), re.MULTILINE):
        assert time.monotonic() < deadline, "node1 never saw node2 UP again"
        time.sleep(0.1)
