"""A snapshot racing a compaction: the compaction unlinks the SSTables the snapshot was about to link, and
the snapshot is taken again from the compacted view (found by the served crash harness, tests/soak)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

import engine
from engine.db import snapshots


def test_a_snapshot_retakes_when_a_compaction_replaced_its_sstables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with engine.Cluster.open(tmp_path / "c") as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        storage = cluster.nodes[0].storage
        (store,) = [s for s in storage.tables if s.name == "t"]
        for k in range(3):
            session.execute(f"INSERT INTO ks.t (k, v) VALUES ({k}, 'v')")
            store.flush_now()
        original = snapshots.take
        calls = []

        def racing_take(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(args[2])
            if len(calls) == 1:  # a major compaction lands between the view and the links
                storage.compactions.run_major(store)
            return original(*args, **kwargs)

        monkeypatch.setattr(snapshots, "take", racing_take)
        target = store.snapshot("s1", "", now=datetime.datetime.now(datetime.UTC), skip_flush=True)
    assert len(calls) == 2
    data = sorted(p.name for p in target.glob("*-Data.db"))
    assert len(data) == 1  # the compacted SSTable, not the three it replaced
    assert (target / "manifest.json").exists()
