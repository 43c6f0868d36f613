"""Backups and SSTable maintenance through ``cqlkit nodetool``: exact output, exit codes, and their effect."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import engine


def _rows(home: Path) -> list[tuple[int, str]]:
    with engine.Cluster.open(home / "clusters" / "default") as cluster:
        return sorted((r.k, r.v) for r in cluster.connect().execute("SELECT k, v FROM ks.t"))


def _table_directory(home: Path) -> Path:
    (directory,) = (home / "clusters" / "default" / "node1" / "data" / "ks").glob("t-*")
    return directory


def test_silent_maintenance_commands(home: Path, nodetool: Callable) -> None:
    for args in (
        ("garbagecollect", "ks"),
        ("garbagecollect", "-g", "CELL", "ks", "t"),
        ("scrub", "ks", "t"),
        ("upgradesstables", "-a", "ks"),
        ("verify", "-f", "ks"),
        ("enablebackup",),
        ("disablebackup",),
    ):
        result = nodetool(*args)
        assert (result.exit_code, result.stdout) == (0, ""), args
    assert _rows(home) == [(i, f"value {i}") for i in range(10)]


def test_verify_needs_force_and_statusbackup_prints_the_state(nodetool: Callable) -> None:
    refused = nodetool("verify", "ks")
    assert refused.exit_code == 2
    assert refused.stderr == (
        "error: verify is disabled unless a [-f|--force] override flag is provided. See CASSANDRA-9947 and "
        "CASSANDRA-17017 for details.\n"
    )
    status = nodetool("statusbackup")
    assert (status.exit_code, status.stdout) == (0, "not running\n")  # the setting lasts one process


def test_import_from_a_snapshot_restores_truncated_data(home: Path, nodetool: Callable) -> None:
    assert nodetool("snapshot", "-t", "s1", "ks").exit_code == 0
    with engine.Cluster.open(home / "clusters" / "default") as cluster:
        cluster.connect().execute("TRUNCATE ks.t")
    assert _rows(home) == []
    snapshot = _table_directory(home) / "snapshots" / "s1"
    imported = nodetool("import", "ks", "t", str(snapshot))
    assert (imported.exit_code, imported.stdout, imported.stderr) == (0, "", "")
    assert _rows(home) == [(i, f"value {i}") for i in range(10)]


def test_import_reports_a_missing_directory(home: Path, nodetool: Callable) -> None:
    failed = nodetool("import", "ks", "t", str(home / "nowhere"))
    assert failed.exit_code == 1
    assert failed.stderr == (
        f"Some directories failed to import, check server logs for details:\n{home / 'nowhere'}\n"
    )


def test_refresh_prints_its_deprecation(home: Path, nodetool: Callable) -> None:
    refreshed = nodetool("refresh", "ks", "t")
    assert (refreshed.exit_code, refreshed.stdout) == (
        0,
        "nodetool refresh is deprecated, use nodetool import instead\n",
    )


def test_incremental_backups_link_each_flush(home: Path) -> None:
    with engine.Cluster.open(home / "clusters" / "default") as cluster:
        probe = engine.NodeProbe(cluster)
        probe.set_incremental_backups(True)
        assert probe.incremental_backups
        cluster.connect().execute("INSERT INTO ks.t (k, v) VALUES (100, 'new')")
        probe.flush("ks")
    backups = list((_table_directory(home) / "backups").glob("*-Data.db"))
    assert len(backups) == 1 and backups[0].stat().st_nlink >= 1
