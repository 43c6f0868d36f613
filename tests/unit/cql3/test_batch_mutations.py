"""A batch reaches storage as one mutation per partition (Cassandra's ``BatchStatement.getMutations``):
rows of one partition are one commitlog entry and one memtable apply, with the same result as applying
each statement alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.cluster.session import Cluster, Session


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with Cluster.open(tmp_path / "c") as opened:
        session = opened.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE ks.t (p int, c int, v text, l list<int>, PRIMARY KEY (p, c))")
        session.execute("CREATE TABLE ks.u (p int PRIMARY KEY, v text)")
        yield opened


def _sent(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[bytes, int]]]:
    """Record, per proxy call, each mutation's partition key and how many table updates it carries."""
    inner = cluster.nodes[0].proxy.inner
    original = inner.mutate
    calls: list[list[tuple[bytes, int]]] = []

    def mutate(mutations, consistency):  # type: ignore[no-untyped-def]
        calls.append([(m.key, len(m.updates)) for m in mutations])
        return original(mutations, consistency)

    monkeypatch.setattr(inner, "mutate", mutate)
    return calls


def test_rows_of_a_partition_go_as_one_mutation(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _sent(cluster, monkeypatch)
    session: Session = cluster.connect("ks")
    session.execute(
        "BEGIN UNLOGGED BATCH "
        "INSERT INTO t (p, c, v) VALUES (1, 1, 'a'); "
        "INSERT INTO t (p, c, v) VALUES (1, 2, 'b'); "
        "UPDATE t SET l = l + [7] WHERE p = 1 AND c = 1; "
        "UPDATE t SET l = l + [8] WHERE p = 1 AND c = 1; "
        "INSERT INTO t (p, c, v) VALUES (2, 1, 'c'); "
        "INSERT INTO u (p, v) VALUES (1, 'u'); "
        "APPLY BATCH"
    )
    # partition 1 of t and of u share their key: one mutation with two tables; partition 2 of t another
    assert calls == [[((1).to_bytes(4, "big"), 2), ((2).to_bytes(4, "big"), 1)]]
    rows = session.execute("SELECT p, c, v, l FROM t")
    assert sorted(tuple(r) for r in rows) == [(1, 1, "a", [7, 8]), (1, 2, "b", None), (2, 1, "c", None)]
    assert session.execute("SELECT v FROM u WHERE p = 1").one().v == "u"


def test_a_row_written_twice_in_a_batch_reconciles_as_two_writes(cluster: Cluster) -> None:
    session = cluster.connect("ks")
    session.execute(
        "BEGIN BATCH "
        "INSERT INTO t (p, c, v) VALUES (3, 1, 'first'); "
        "UPDATE t SET v = 'second' WHERE p = 3 AND c = 1; "
        "DELETE l FROM t WHERE p = 3 AND c = 1; "
        "APPLY BATCH"
    )
    # one timestamp for the batch: equal timestamps reconcile by value, the greater one ('second') wins
    assert tuple(session.execute("SELECT v, l FROM t WHERE p = 3 AND c = 1").one()) == ("second", None)
