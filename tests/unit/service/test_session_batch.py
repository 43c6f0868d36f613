"""``Session.execute_batch``: a batch of one prepared statement run once per row of serialized values (what
the embedded shell's COPY FROM sends), applied whole or refused whole, with the protocol BATCH's checks."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine
from engine.cluster.session import Cluster


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with Cluster.open(tmp_path / "c") as opened:
        session = opened.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE ks.t (k int, c int, v text, PRIMARY KEY (k, c))")
        session.execute("CREATE TABLE ks.counts (k int PRIMARY KEY, n counter)")
        yield opened


def _int(value: int) -> bytes:
    return struct.pack(">i", value)


def test_rows_of_several_partitions_are_written(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    insert = session.prepare("INSERT INTO t (k, c, v) VALUES (?, ?, ?)")
    session.execute_batch(
        insert, [[_int(k), _int(c), f"{k}-{c}".encode()] for k in range(3) for c in range(4)]
    )
    rows = session.execute("SELECT k, c, v FROM t").all()
    assert sorted((r[0], r[1], r[2]) for r in rows) == [
        (k, c, f"{k}-{c}") for k in range(3) for c in range(4)
    ]


def test_a_refused_row_refuses_the_whole_batch(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    insert = session.prepare("INSERT INTO t (k, c, v) VALUES (?, ?, ?)")
    with pytest.raises(engine.InvalidRequest, match="Invalid null value in condition for column k"):
        session.execute_batch(insert, [[_int(1), _int(1), b"a"], [None, _int(2), b"b"]])
    assert session.execute("SELECT count(*) FROM t").one()[0] == 0


def test_counters_need_a_counter_batch(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    add = session.prepare("UPDATE counts SET n = n + ? WHERE k = ?")
    rows = [[struct.pack(">q", 5), _int(1)], [struct.pack(">q", 2), _int(2)]]
    with pytest.raises(engine.InvalidRequest, match="Cannot include a counter statement in a logged batch"):
        session.execute_batch(add, rows, batch_type=engine.BatchType.LOGGED)
    session.execute_batch(add, rows, batch_type=engine.BatchType.COUNTER)
    assert sorted(tuple(r) for r in session.execute("SELECT k, n FROM counts").all()) == [(1, 5), (2, 2)]


def test_only_writes_can_be_batched(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    select = session.prepare("SELECT * FROM t WHERE k = ?")
    with pytest.raises(engine.InvalidRequest, match="only UPDATE, INSERT and DELETE statements are allowed"):
        session.execute_batch(select, [[_int(1)], [_int(2)]])
