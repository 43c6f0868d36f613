"""NodeProbe on a real node with an injected clock: uptime, a compaction seen while it runs, autocompaction
and throughput switches, snapshots with a TTL and ``--older-than``, replicas and cleanup of a given ring."""

from __future__ import annotations

import contextlib
import io
import os
import re
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

import pytest

import engine
from admin.nodetool.main import run
from engine.db.compaction.executor import Throttle
from engine.probe import EndpointDescription, NodeProbe, NodeState, NodeStatus
from engine.probe import ring as probe_ring
from engine.schema.metadata import KeyspaceMetadata, ReplicationParams, Schema

STARTED = 1_700_000_000.0


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[engine.Cluster]:
    with engine.Cluster.open(tmp_path / "c") as opened:
        session = opened.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        os.utime(opened.nodes[0].directory / "node.lock", (STARTED, STARTED))
        yield opened


def _nodetool(probe: NodeProbe, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(args), out=out, err=err, connect=lambda host, port: contextlib.nullcontext(probe))
    return code, out.getvalue(), err.getvalue()


def _write(cluster: engine.Cluster, first: int, count: int) -> None:
    session = cluster.connect("ks")
    for i in range(first, first + count):
        session.execute(f"INSERT INTO t (k, v) VALUES ({i}, 'value {i}') USING TIMESTAMP 1000")


def test_generation_and_uptime_come_from_when_the_node_opened(cluster: engine.Cluster) -> None:
    probe = NodeProbe(cluster, clock=lambda: STARTED + 42.9)
    report = probe.info()
    assert (report.generation, report.uptime_seconds) == (int(STARTED), 42)
    lines = _nodetool(probe, "info")[1].splitlines()
    assert lines[4:6] == ["Generation No          : 1700000000", "Uptime (seconds)       : 42"]


def test_compactionstats_shows_a_running_compaction(cluster: engine.Cluster) -> None:
    probe = NodeProbe(cluster, clock=lambda: STARTED + 3600)
    for first in (0, 10):
        _write(cluster, first, 10)
        probe.flush("ks")
    seen: list[str] = []

    def pause(seconds: float) -> None:  # the throttle's sleep: the compaction is under way
        if not seen:
            seen.append(_nodetool(probe, "compactionstats")[1])

    storage = cluster.nodes[0].storage
    storage.compactions.throttle = Throttle(1, clock=lambda: 0.0, sleep=pause)
    probe.compact("ks", ["t"])
    (text,) = seen
    row = text.splitlines()[11].split()
    uuid.UUID(row[0])
    completed, total = int(row[3 + 2]), int(row[4 + 2])
    assert 0 < completed < total == 444
    remaining = total - completed
    pad = " " * 46
    assert text.replace(row[0], "<id>".ljust(36)) == (
        f"concurrent compactors                1                 {pad}\n"
        f"pending tasks                        0                 {pad}\n"
        f"compactions completed                0                 {pad}\n"
        f"data compacted                       0                 {pad}\n"
        f"compactions aborted                  0                 {pad}\n"
        f"compactions reduced                  0                 {pad}\n"
        f"sstables dropped from compaction     0                 {pad}\n"
        f"15 minute rate                       0.00/minute       {pad}\n"
        f"mean rate                            0.00/hour         {pad}\n"
        f"compaction throughput (MiB/s)        9.5367431640625E-7{pad}\n"
        "id                                   compaction type    keyspace table completed total unit  progress\n"
        f"<id>                                 Major compaction   ks       t     {completed:<9} 444   bytes "
        f"{f'{completed / total * 100:.2f}%':<8}\n"
        f"active compaction remaining time     0h{remaining // 60:02d}m{remaining % 60:02d}s          {pad}\n"
    )
    after = probe.compaction_stats()
    assert (after.active, after.completed) == ((), 1)
    assert "compactions completed            1" in _nodetool(probe, "compactionstats")[1]


def test_autocompaction_and_throughput_switches(cluster: engine.Cluster) -> None:
    probe = NodeProbe(cluster)
    assert _nodetool(probe, "disableautocompaction", "ks", "t")[:2] == (0, "")
    assert _nodetool(probe, "statusautocompaction", "ks")[1] == "not running\n"
    cluster.connect().execute("CREATE TABLE ks.u (k int PRIMARY KEY)")
    assert _nodetool(probe, "statusautocompaction")[1] == "partially running\n"
    _nodetool(probe, "enableautocompaction")
    assert _nodetool(probe, "statusautocompaction", "ks")[1] == "running\n"
    assert _nodetool(probe, "setcompactionthroughput", "16")[:2] == (0, "")
    assert _nodetool(probe, "getcompactionthroughput")[1] == "Current compaction throughput: 16 MB/s\n"
    assert _nodetool(probe, "setcompactionthroughput", "x")[1] == (
        'nodetool: compaction_throughput: can not convert "x" to a Integer\n'
        "See 'nodetool help' or 'nodetool help <command>'.\n"
    )


def test_snapshot_ttl_older_than_and_table_lists(cluster: engine.Cluster) -> None:
    now = [STARTED]
    probe = NodeProbe(cluster, clock=lambda: now[0])
    _write(cluster, 0, 5)
    code, out, _ = _nodetool(probe, "snapshot", "--ttl", "1h", "-kt", "ks.t")
    assert (code, out) == (
        0,
        "Requested creating snapshot(s) for [ks.t] with snapshot name [1700000000000] and options "
        "{skipFlush=false, ttl=1h}\nSnapshot directory: 1700000000000\n",
    )
    (entry,) = probe.snapshots()
    assert (entry.tag, entry.keyspace, entry.table) == ("1700000000000", "ks", "t")
    listing = _nodetool(probe, "listsnapshots")[1].splitlines()
    assert listing[2].split()[-2:] == ["2023-11-14T22:13:20Z", "2023-11-14T23:13:20Z"]
    assert _nodetool(probe, "listsnapshots", "-nt")[1] == "Snapshot Details: \nThere are no snapshots\n"
    now[0] += 60
    _nodetool(probe, "snapshot", "-t", "later", "-cf", "t", "ks")
    code, out, _ = _nodetool(probe, "clearsnapshot", "--all", "--older-than", "30s")
    assert (code, out) == (
        0,
        "Requested clearing snapshot(s) for [all keyspaces] with [all snapshots] older than 30s\n",
    )
    assert [e.tag for e in probe.snapshots()] == ["later"]
    assert _nodetool(probe, "snapshot", "-t", "x", "-cf", "t")[2] == (
        "error: When specifying the table for a snapshot, you must specify one and only one keyspace\n"
    )
    assert _nodetool(probe, "snapshot", "--ttl", "soon")[0] == 1


def _endpoint(n: int, token: int) -> EndpointDescription:
    return EndpointDescription(
        name=f"node{n}",
        address=f"127.0.0.{n}",
        storage_port=7000,
        host_id=uuid.UUID(int=n),
        tokens=(token,),
        data_center="datacenter1",
        rack="rack1",
        release_version="5.0.0",
        status=NodeStatus.UP,
        state=NodeState.NORMAL,
        started_at=None,
    )


def test_replicas_ranges_and_cleanup_test_of_a_three_node_ring() -> None:
    endpoints = (_endpoint(1, -100), _endpoint(2, 0), _endpoint(3, 100))
    schema = Schema(MappingProxyType({"ks": KeyspaceMetadata("ks", ReplicationParams.simple(2))}))
    assert probe_ring.replicas(endpoints, schema, "ks", 50) == ("127.0.0.3", "127.0.0.1")
    assert probe_ring.replicas(endpoints, schema, "ks", -100) == ("127.0.0.1", "127.0.0.2")
    ranges = probe_ring.describe_ring(endpoints, schema, "ks")
    assert [(r.start_token, r.end_token, r.endpoints) for r in ranges] == [
        (100, -100, ("127.0.0.1", "127.0.0.2")),
        (-100, 0, ("127.0.0.2", "127.0.0.3")),
        (0, 100, ("127.0.0.3", "127.0.0.1")),
    ]
    owns = probe_ring.local_ownership_test(endpoints, schema, "ks", "127.0.0.2")
    assert [owns(t) for t in (-150, -50, 50, 150)] == [True, True, False, True]


def test_describering_text(cluster: engine.Cluster) -> None:
    probe = NodeProbe(cluster)
    code, out, _ = _nodetool(probe, "describering", "ks")
    lines = out.splitlines()
    assert (code, lines[0], lines[1]) == (0, f"Schema Version:{probe.schema_version}", "TokenRange: ")
    assert len(lines) == 2 + 16
    assert lines[2].endswith(
        ", endpoints:[127.0.0.1], rpc_endpoints:[127.0.0.1], endpoint_details:[EndpointDetails(host:127.0.0.1, "
        "datacenter:datacenter1, rack:rack1)])"
    )
    assert lines[2].startswith("\tTokenRange(start_token:")
    assert textwrap.dedent(out) == out


def test_tablehistograms(cluster: engine.Cluster) -> None:
    probe = NodeProbe(cluster)
    code, out, _ = _nodetool(probe, "tablehistograms", "ks.t")
    assert (code, out) == (
        0,
        "No SSTables exists, unable to calculate 'Partition Size' and 'Cell Count' percentiles\n"
        "ks/t histograms\n"
        "Percentile  SSTables     Write Latency      Read Latency    Partition Size        Cell Count\n"
        "                              (micros)          (micros)           (bytes)                  \n"
        + "".join(
            f"{row:<10}{'0.00':>10}{'0.00':>18}{'0.00':>18}{'NaN':>18}{'NaN':>18}\n"
            for row in ("50%", "75%", "95%", "98%", "99%", "Min", "Max")
        )
        + "\n",
    )
    _write(cluster, 0, 10)
    probe.flush("ks")
    session = cluster.connect("ks")
    for k in (1, 2, 3):
        assert session.execute(f"SELECT v FROM t WHERE k = {k}").one().v == f"value {k}"
    lines = _nodetool(probe, "tablehistograms", "ks", "t")[1].splitlines()
    assert lines[0] == "ks/t histograms" and len(lines) == 3 + 7 + 1
    stats = probe.table_stats(["ks.t"])[0]
    rows = {line[:10].strip(): line[10:] for line in lines[3:10]}
    for name in ("50%", "Min", "Max"):
        assert re.fullmatch(
            r" {0,6}\d+\.\d\d {0,14}\d+\.\d\d {0,14}\d+\.\d\d {0,17}\d+ {0,17}\d+", rows[name]
        ), rows[name]
    assert float(rows["Max"][:10]) == 1.00  # every read found the partition in one SSTable
    assert int(rows["Min"][46:64]) == stats.compacted_partition_minimum_bytes
    assert int(rows["Max"][46:64]) == stats.compacted_partition_maximum_bytes
    assert _nodetool(probe, "tablehistograms", "kst")[1].startswith(
        "nodetool: tablehistograms requires keyspace and table name arguments\n"
    )
