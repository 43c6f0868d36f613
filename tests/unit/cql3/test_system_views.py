"""system_views rows come from the node: caches, table metrics, snapshots, thread pools, settings."""

from __future__ import annotations

import datetime
import math
from pathlib import Path

import pytest

from engine.cluster.session import Cluster


@pytest.fixture
def cluster(tmp_path: Path):
    opened = Cluster.open(tmp_path / "c")
    session = opened.connect()
    session.execute(
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
    )
    session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
    yield opened
    opened.shutdown()


def _rows(cluster: Cluster, query: str) -> list:
    return cluster.connect().execute(query).all()


def test_table_metrics_count_reads_and_writes(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    for k in range(5):
        session.execute(f"INSERT INTO t (k, v) VALUES ({k}, 'x')")
    for k in range(3):
        session.execute(f"SELECT v FROM t WHERE k = {k}")
    (write,) = _rows(
        cluster,
        "SELECT * FROM system_views.local_write_latency WHERE keyspace_name = 'ks' AND table_name = 't'",
    )
    (read,) = _rows(
        cluster,
        "SELECT * FROM system_views.local_read_latency WHERE keyspace_name = 'ks' AND table_name = 't'",
    )
    assert (write.count, read.count) == (5, 3)
    assert read.max_ms > 0


def test_disk_usage_and_max_partition_size_after_a_flush(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    session.execute("INSERT INTO t (k, v) VALUES (1, 'x')")
    (before,) = _rows(
        cluster,
        "SELECT mebibytes FROM system_views.disk_usage WHERE keyspace_name = 'ks' AND table_name = 't'",
    )
    assert before.mebibytes == 0
    cluster.nodes[0].storage.flush_all()
    (after,) = _rows(
        cluster,
        "SELECT mebibytes FROM system_views.disk_usage WHERE keyspace_name = 'ks' AND table_name = 't'",
    )
    (largest,) = _rows(
        cluster,
        "SELECT mebibytes FROM system_views.max_partition_size WHERE keyspace_name = 'ks' AND table_name = 't'",
    )
    assert after.mebibytes == 1 and largest.mebibytes == 1  # rounded up to the next MiB, as Cassandra


def test_snapshots_are_listed(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    session.execute("INSERT INTO t (k, v) VALUES (1, 'x')")
    node = cluster.nodes[0]
    store = next(s for s in node.storage.tables if s.name == "t")
    store.snapshot("s1", "", now=datetime.datetime.now(datetime.UTC))
    (row,) = _rows(cluster, "SELECT * FROM system_views.snapshots")
    assert (row.name, row.keyspace_name, row.table_name, row.ephemeral) == ("s1", "ks", "t", False)
    assert row.size_on_disk > 0 and row.expires_at is None


def test_caches_thread_pools_and_idle_tasks(cluster: Cluster) -> None:
    caches = {r.name: r for r in _rows(cluster, "SELECT * FROM system_views.caches")}
    assert set(caches) == {"chunks", "keys"}
    assert caches["keys"].request_count == 0 and math.isnan(caches["keys"].hit_ratio)
    pools = [r.name for r in _rows(cluster, "SELECT name FROM system_views.thread_pools")]
    assert pools == ["CompactionExecutor", "MemtableFlushWriter"]
    assert _rows(cluster, "SELECT * FROM system_views.sstable_tasks") == []
    assert _rows(cluster, "SELECT * FROM system_views.clients") == []  # nothing serves the protocol here


def test_settings_follow_the_node(tmp_path: Path) -> None:
    from engine.cluster.node import Node
    from engine.db.commitlog import CommitLogConfig, CommitLogSync

    node = Node(
        tmp_path / "n1", commitlog_config=CommitLogConfig(sync=CommitLogSync.BATCH, segment_size=1 << 20)
    )
    try:
        settings = {r["name"]: r["value"] for r in node.views.rows("settings")}
    finally:
        node.close()
    assert (settings["commitlog_sync"], settings["commitlog_segment_size"]) == ("batch", "1MiB")
    assert settings["materialized_views_enabled"] == "false"
