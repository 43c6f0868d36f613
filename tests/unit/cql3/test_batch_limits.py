"""Batch guards through the embedded API: size warnings and failures, unlogged and gc_grace warnings.

Sizes by hand (engine/cql3/statements/batch_limits.py): a row of ``(k int, c int, v text)`` with ``v`` of
``n`` bytes is 4 (clustering) + 8 (liveness) + 12 (row deletion) + 16 + n (the cell), and each partition
adds 20 for its static row: 60 + n per single-row partition.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cluster.session import Cluster
from engine.cql3.statements import batch_limits
from engine.errors import InvalidRequest

UNLOGGED = (
    "Unlogged batch covering 11 partitions detected against table [ks.t]. You should use a logged batch for "
    "atomicity, or asynchronous writes for performance."
)


@pytest.fixture
def session(tmp_path: Path):
    cluster = Cluster.open(tmp_path / "c")
    s = cluster.connect()
    s.execute("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.set_keyspace("ks")
    s.execute("CREATE TABLE t (k int, c int, v text, PRIMARY KEY (k, c))")
    yield s
    cluster.shutdown()


def _batch(kind: str, rows: list[tuple[int, int, str]]) -> str:
    inserts = " ".join(f"INSERT INTO t (k, c, v) VALUES ({k}, {c}, '{v}');" for k, c, v in rows)
    return f"BEGIN {kind}BATCH {inserts} APPLY BATCH"


def test_size_warning_names_size_threshold_and_excess(session) -> None:
    value = "a" * 3000
    result = session.execute(_batch("", [(1, 0, value), (2, 0, value)]))
    size = 2 * (60 + 3000)
    assert result.warnings == [
        f"Batch for [ks.t] is of size {size}, exceeding specified threshold of 5120 by {size - 5120}."
    ]
    assert len(session.execute("SELECT * FROM t").all()) == 2


def test_rows_of_one_partition_are_merged_and_one_partition_never_warns(session) -> None:
    value = "a" * 3000
    assert session.execute(_batch("", [(1, 0, value), (1, 1, value)])).warnings == []
    # The same row written twice counts once (Cassandra merges a batch per partition first).
    assert session.execute(_batch("", [(1, 0, value), (1, 0, value), (2, 0, "x")])).warnings == []


def test_size_over_the_fail_threshold_refuses_the_whole_batch(session) -> None:
    value = "b" * 26000
    with pytest.raises(InvalidRequest, match=r"^Batch too large$"):
        session.execute(_batch("", [(1, 0, value), (2, 0, value)]))
    assert session.execute("SELECT * FROM t").all() == []


def test_unlogged_batch_over_ten_partitions_warns(session) -> None:
    assert session.execute(_batch("UNLOGGED ", [(k, 0, "x") for k in range(10)])).warnings == []
    assert session.execute(_batch("UNLOGGED ", [(k, 1, "x") for k in range(11)])).warnings == [UNLOGGED]
    assert session.execute(_batch("", [(k, 2, "x") for k in range(11)])).warnings == []


def test_unlogged_warning_over_two_tables_says_tables(session) -> None:
    session.execute("CREATE TABLE u (k int PRIMARY KEY, v int)")
    inserts = " ".join(
        f"INSERT INTO t (k, c, v) VALUES ({k}, 0, 'x'); INSERT INTO u (k, v) VALUES ({k}, 1);"
        for k in range(11)
    )
    result = session.execute(f"BEGIN UNLOGGED BATCH {inserts} APPLY BATCH")
    assert result.warnings == [UNLOGGED.replace("table [ks.t]", "tables [ks.t, ks.u]")]


def test_logged_batch_on_table_without_gc_grace_warns(session) -> None:
    session.execute("CREATE TABLE nogc (k int PRIMARY KEY, v int) WITH gc_grace_seconds = 0")
    logged = session.execute("BEGIN BATCH INSERT INTO nogc (k, v) VALUES (1, 1); APPLY BATCH")
    assert logged.warnings == [
        "Executing a LOGGED BATCH on table [ks.nogc], configured with a gc_grace_seconds of 0. The "
        "gc_grace_seconds is used to TTL batchlog entries, so setting gc_grace_seconds too low on tables "
        "involved in an atomic batch might cause batchlog entries to expire before being replayed."
    ]
    unlogged = session.execute("BEGIN UNLOGGED BATCH INSERT INTO nogc (k, v) VALUES (2, 2); APPLY BATCH")
    assert unlogged.warnings == []


def test_thresholds_are_cassandra_5_defaults() -> None:
    assert batch_limits.BatchThresholds(5120, 51200, 10) == batch_limits.DEFAULT_THRESHOLDS


def test_unmerged_size_bounds_the_exact_size_from_above() -> None:
    """The cheap count that lets most batches skip the exact one is never below it, and equals it when
    no two statements write the same row (seeded random batches: repeated rows, collections, TTLs,
    static rows, counters)."""
    import random
    import uuid
    from types import MappingProxyType

    from engine.db.mutation import Mutation
    from engine.db.rows import Cell, ComplexColumn, CounterValue, LivenessInfo, PartitionUpdate, Row

    rng = random.Random(11)
    table = uuid.UUID(int=1)

    def cell() -> Cell:
        if rng.random() < 0.1:
            return Cell(CounterValue(((b"\x00" * 16, 1, rng.randrange(100)),)), 1)
        return Cell(rng.randbytes(rng.randrange(40)), 1)

    def row(clustering: tuple[bytes, ...]) -> Row:
        columns: dict[str, object] = {}
        for name in rng.sample(["a", "b", "c", "l"], rng.randrange(1, 4)):
            if name == "l":
                paths = {rng.randbytes(16): cell() for _ in range(rng.randrange(4))}
                columns[name] = ComplexColumn(MappingProxyType(paths))
            else:
                columns[name] = cell()
        liveness = LivenessInfo(1, 60, 100) if rng.random() < 0.3 else LivenessInfo(1)
        return Row(clustering, liveness, columns=MappingProxyType(columns))

    for _ in range(300):
        mutations, seen, repeated = [], set(), False
        for _ in range(rng.randrange(1, 6)):
            key = rng.choice([b"k1", b"k2", b"k3"])
            clusterings = [(rng.choice([b"\x01", b"\x02", b"\x03"]),) for _ in range(rng.randrange(3))]
            rows = tuple(row(c) for c in dict.fromkeys(clusterings))
            static = row(()) if rng.random() < 0.3 else None
            for c in [r.clustering for r in rows] + ([()] if static is not None else []):
                repeated |= (key, c) in seen
                seen.add((key, c))
            repeated |= (key, "partition") in seen
            seen.add((key, "partition"))
            update = PartitionUpdate(key, 0, static_row=static, rows=rows)
            mutations.append(Mutation("ks", key, ((table, update),)))
        bound, exact = batch_limits._unmerged_size(mutations), batch_limits.data_size(mutations)
        assert bound >= exact
        if not repeated:
            assert bound == exact
