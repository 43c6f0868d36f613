"""``nodetool repair`` on a three-node stepped cluster: Cassandra 5.0's progress lines, the stale replica
levelled, options checked, a down replica failing the command."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from admin.nodetool.main import run
from engine.net import Verb
from engine.probe import NodeProbe

CL = engine.ConsistencyLevel
N3 = "127.0.0.3"
STAMP = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] ", re.M)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RANGES = re.compile(r"for range \[.*\] finished")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[engine.Cluster]:
    with engine.Cluster.open(tmp_path / "c", nodes=3) as opened:
        session = opened.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        session.execute(
            "CREATE KEYSPACE one WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        yield opened


def nodetool(cluster: engine.Cluster, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    probe = NodeProbe(cluster, cluster.nodes[0], clock=lambda: 1_796_576_400.123)

    def connect(host: str | None, port: str) -> contextlib.AbstractContextManager[NodeProbe]:
        return contextlib.nullcontext(probe)

    return run(list(args), out=out, err=err, connect=connect), out.getvalue(), err.getvalue()


def masked(text: str) -> str:
    return RANGES.sub("for range [...] finished", UUID.sub("<uuid>", STAMP.sub("[T] ", text)))


def _node3_rows(cluster: engine.Cluster) -> int:
    cluster.network.partition(N3)
    try:
        return len(
            list(cluster.connect("ks", node="node3").execute("SELECT * FROM t", consistency_level=CL.ONE))
        )
    finally:
        cluster.network.heal()


OPTIONS = (
    "repair options (parallelism: {par}, primary range: {pr}, incremental: false, job threads: {j}, "
    "ColumnFamilies: [{cfs}], dataCenters: [{dcs}], hosts: [], previewKind: NONE, # of ranges: {n}, "
    "pull repair: false, force repair: false, optimise streams: false, ignore unreplicated keyspaces: false, "
    "repairPaxos: true, paxosOnly: false)"
)


def test_repair_prints_cassandra_progress_and_levels_the_stale_replica(cluster: engine.Cluster) -> None:
    mutations = cluster.network.drop(Verb.MUTATION_REQ, recipient=N3)
    hints = cluster.network.drop(Verb.HINT_REQ, recipient=N3)
    session = cluster.connect("ks")
    for k in range(12):
        session.execute(f"INSERT INTO t (k, v) VALUES ({k}, 'v')", consistency_level=CL.QUORUM)
    cluster.advance(3000)
    cluster.network.remove_drop(mutations)
    cluster.network.remove_drop(hints)
    assert _node3_rows(cluster) == 0

    code, out, err = nodetool(cluster, "repair", "-full", "ks")

    assert (code, err) == (0, "")
    assert out.startswith("[2026-12-06 17:00:00,123] Starting repair command #1 (")
    assert masked(out).splitlines() == [
        "[T] Starting repair command #1 (<uuid>), repairing keyspace ks with "
        + OPTIONS.format(par="parallel", pr="false", j=1, cfs="", dcs="", n=48),
        "[T] Repair session <uuid> for range [...] finished (progress: 57%)",
        "[T] Repair completed successfully",
        "[T] Repair command #1 finished in 0 seconds",
        "[T] condition satisfied queried for parent session status and discovered repair completed.",
        "[T] Repair completed successfully",
    ]
    assert _node3_rows(cluster) == 12


def test_options_show_in_the_starting_line(cluster: engine.Cluster) -> None:
    code, out, _ = nodetool(cluster, "repair", "-pr", "-seq", "-j", "2", "-local", "ks", "t")
    assert code == 0
    assert masked(out).splitlines()[0] == (
        "[T] Starting repair command #1 (<uuid>), repairing keyspace ks with "
        + OPTIONS.format(par="sequential", pr="true", j=2, cfs="t", dcs="datacenter1", n=16)
    )
    code, out, _ = nodetool(cluster, "repair", "-st", "0", "-et", "1000000", "ks")
    assert code == 0 and "# of ranges: 1," in out and "Repair command #2 finished" in out
    assert " for range [(0,1000000]] finished (progress: 57%)" in out


def test_replication_factor_one_needs_no_repair(cluster: engine.Cluster) -> None:
    assert nodetool(cluster, "repair", "one") == (
        0,
        "[2026-12-06 17:00:00,123] Replication factor is 1. No repair is needed for keyspace 'one'\n",
        "",
    )


def test_without_keyspace_every_replicated_keyspace_is_repaired(cluster: engine.Cluster) -> None:
    code, out, _ = nodetool(cluster, "repair")
    assert code == 0
    assert "repairing keyspace ks with" in out
    assert "No repair is needed for keyspace 'one'" in out
    assert "system" not in out


def test_bad_arguments(cluster: engine.Cluster) -> None:
    hint = "See 'nodetool help' or 'nodetool help <command>'.\n"
    failed = "error: Error occurred during repair\n"
    assert nodetool(cluster, "repair", "nope") == (
        1,
        "nodetool: Keyspace [nope] does not exist.\n" + hint,
        "",
    )
    # the repair checks its tables and fails the command; repairAsync refuses bad options outright
    code, out, err = nodetool(cluster, "repair", "ks", "x")
    assert (code, masked(out), err) == (
        2,
        "[T] Repair command #1 failed with error Unknown keyspace/cf pair (ks.x)\n"
        "[T] Repair command #1 finished with error\n",
        failed,
    )
    assert nodetool(cluster, "repair", "-j", "5", "ks") == (2, "", failed)
    assert nodetool(cluster, "repair", "-st", "5", "ks") == (2, "", failed)


def test_a_down_replica_fails_the_command(cluster: engine.Cluster) -> None:
    cluster.stop_node("node3")
    code, out, err = nodetool(cluster, "repair", "ks")
    assert (code, err) == (2, "error: Error occurred during repair\n")
    assert masked(out).splitlines()[1:] == [
        f"[T] Repair command #1 failed with error Endpoint not alive: /{N3}:7000",
        "[T] Repair command #1 finished with error",
    ]
