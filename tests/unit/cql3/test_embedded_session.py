"""The embedded API end to end on one node: DDL, writes, reads, errors, restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.cluster.session import Cluster
from engine.errors import AlreadyExists, InvalidRequest


@pytest.fixture
def cluster(tmp_path: Path):
    c = Cluster.open(tmp_path / "c")
    yield c
    c.shutdown()


@pytest.fixture
def session(cluster: Cluster):
    s = cluster.connect()
    s.execute("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.set_keyspace("ks")
    return s


def test_insert_and_select_by_key(session) -> None:
    session.execute("CREATE TABLE users (id int PRIMARY KEY, name text, age int)")
    session.execute("INSERT INTO users (id, name, age) VALUES (1, 'Tom', 30)")
    session.execute("INSERT INTO users (id, name) VALUES (2, 'Ann')")
    row = session.execute("SELECT * FROM users WHERE id = 1").one()
    assert (row.id, row.age, row.name) == (1, 30, "Tom")
    rows = session.execute("SELECT id, name, age FROM users").all()
    assert sorted((r.id, r.name, r.age) for r in rows) == [(1, "Tom", 30), (2, "Ann", None)]
    assert session.execute("SELECT count(*) FROM users").one().count == 2


def test_clustering_order_and_reversed_reads(session) -> None:
    session.execute(
        "CREATE TABLE posts (user text, posted int, body text, PRIMARY KEY (user, posted)) "
        "WITH CLUSTERING ORDER BY (posted DESC)"
    )
    for i in range(5):
        session.execute("INSERT INTO posts (user, posted, body) VALUES (?, ?, ?)", ("u", i, f"p{i}"))
    newest = session.execute("SELECT posted FROM posts WHERE user = 'u' LIMIT 3").all()
    assert [r.posted for r in newest] == [4, 3, 2]
    oldest = session.execute("SELECT posted FROM posts WHERE user = 'u' ORDER BY posted ASC LIMIT 2").all()
    assert [r.posted for r in oldest] == [0, 1]
    sliced = session.execute("SELECT posted FROM posts WHERE user = 'u' AND posted >= 1 AND posted < 3").all()
    assert [r.posted for r in sliced] == [2, 1]


def test_update_delete_ttl_and_collections(session) -> None:
    session.execute("CREATE TABLE t (k int PRIMARY KEY, v text, s set<int>, m map<text, int>, l list<int>)")
    session.execute("UPDATE t SET v = 'a', s = {3, 1}, m = {'x': 1}, l = [1, 2] WHERE k = 1")
    session.execute("UPDATE t SET s = s + {2}, m['y'] = 2, l = l + [3] WHERE k = 1")
    row = session.execute("SELECT v, s, m, l FROM t WHERE k = 1").one()
    assert (
        row.v == "a" and list(row.s) == [1, 2, 3] and dict(row.m) == {"x": 1, "y": 2} and row.l == [1, 2, 3]
    )
    session.execute("DELETE v FROM t WHERE k = 1")
    assert session.execute("SELECT v FROM t WHERE k = 1").one().v is None
    session.execute("DELETE FROM t WHERE k = 1")
    assert session.execute("SELECT * FROM t WHERE k = 1").one() is None
    session.execute("INSERT INTO t (k, v) VALUES (2, 'b') USING TTL 100")
    assert session.execute("SELECT ttl(v) FROM t WHERE k = 2").one()[0] in (99, 100)


def test_lightweight_transactions(session) -> None:
    session.execute("CREATE TABLE t (k int PRIMARY KEY, v int)")
    first = session.execute("INSERT INTO t (k, v) VALUES (1, 1) IF NOT EXISTS").one()
    assert first.applied is True
    second = session.execute("INSERT INTO t (k, v) VALUES (1, 2) IF NOT EXISTS").one()
    assert (second.applied, second.k, second.v) == (False, 1, 1)
    cond = session.execute("UPDATE t SET v = 3 WHERE k = 1 IF v = 1").one()
    assert cond.applied is True
    assert session.execute("SELECT v FROM t WHERE k = 1").one().v == 3


def test_counters(session) -> None:
    session.execute("CREATE TABLE c (k int PRIMARY KEY, n counter)")
    session.execute("UPDATE c SET n = n + 5 WHERE k = 1")
    session.execute("UPDATE c SET n = n - 2 WHERE k = 1")
    assert session.execute("SELECT n FROM c WHERE k = 1").one().n == 3


def test_paging(session) -> None:
    session.execute("CREATE TABLE p (k int, c int, PRIMARY KEY (k, c))")
    for i in range(10):
        session.execute("INSERT INTO p (k, c) VALUES (?, ?)", (i % 3, i))
    seen = []
    state = None
    while True:
        result = session.execute("SELECT k, c FROM p", fetch_size=4, paging_state=state)
        seen.extend((r.k, r.c) for r in result)
        if not result.has_more_pages:
            break
        state = result.paging_state
    assert sorted(seen) == sorted((i % 3, i) for i in range(10))
    assert len(seen) == 10


def test_errors(session) -> None:
    with pytest.raises(AlreadyExists, match="Keyspace 'ks' already exists"):
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
    session.execute("CREATE TABLE t (k int, c int, v int, PRIMARY KEY (k, c))")
    with pytest.raises(InvalidRequest, match=r"Undefined column name x in table ks\.t"):
        session.execute("SELECT x FROM t")
    with pytest.raises(InvalidRequest, match="ALLOW FILTERING"):
        session.execute("SELECT * FROM t WHERE v = 1")
    with pytest.raises(InvalidRequest, match="Some clustering keys are missing: c"):
        session.execute("INSERT INTO t (k, v) VALUES (1, 1)")
    with pytest.raises(InvalidRequest, match=r"Invalid STRING constant \(abc\) for \"k\" of type int"):
        session.execute("INSERT INTO t (k, c, v) VALUES ('abc', 1, 1)")
    assert session.execute("SELECT * FROM t WHERE v = 1 ALLOW FILTERING").all() == []


def test_schema_and_data_survive_restart(tmp_path: Path) -> None:
    with Cluster.open(tmp_path / "c") as cluster:
        s = cluster.connect()
        s.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        s.execute("CREATE TABLE ks.t (k int PRIMARY KEY, v text)")
        s.execute("INSERT INTO ks.t (k, v) VALUES (1, 'kept')")
    with Cluster.open(tmp_path / "c") as cluster:
        row = cluster.connect("ks").execute("SELECT v FROM t WHERE k = 1").one()
        assert row.v == "kept"


def test_in_with_order_by_sorts_across_partitions_without_paging(session) -> None:
    session.execute("CREATE TABLE o (k int, c int, PRIMARY KEY (k, c))")
    for k, c in ((1, 1), (1, 3), (2, 0), (2, 5)):
        session.execute("INSERT INTO o (k, c) VALUES (?, ?)", (k, c))
    rows = session.execute("SELECT k, c FROM o WHERE k IN (1, 2) ORDER BY c DESC").all()
    assert [(r.k, r.c) for r in rows] == [(2, 5), (1, 3), (1, 1), (2, 0)]
    with pytest.raises(InvalidRequest, match="Cannot page queries with both ORDER BY and a IN restriction"):
        session.execute("SELECT k, c FROM o WHERE k IN (1, 2) ORDER BY c DESC", fetch_size=10)


@pytest.mark.parametrize("fetch_size", [1, 2, 3, 5])
@pytest.mark.parametrize("clustered", [False, True])
def test_paging_across_partitions_returns_each_row_once(session, fetch_size: int, clustered: bool) -> None:
    if clustered:
        session.execute("CREATE TABLE pg (k int, c int, s int static, PRIMARY KEY (k, c))")
        for k in range(4):
            for c in range(k):  # partition 0 has only its static row
                session.execute("INSERT INTO pg (k, c) VALUES (?, ?)", (k, c))
            session.execute("UPDATE pg SET s = ? WHERE k = ?", (k, k))
        expected = sorted([(0, None)] + [(k, c) for k in range(4) for c in range(k)], key=str)
        query = "SELECT k, c FROM pg"
    else:
        session.execute("CREATE TABLE pg (k int PRIMARY KEY, v int)")
        for k in range(5):
            session.execute("INSERT INTO pg (k, v) VALUES (?, ?)", (k, k))
        expected = sorted([(k, k) for k in range(5)], key=str)
        query = "SELECT k, v FROM pg"
    seen, state, pages = [], None, 0
    while True:
        result = session.execute(query, fetch_size=fetch_size, paging_state=state)
        seen.extend(tuple(r) for r in result)
        pages += 1
        assert pages < 50, "paging does not advance"
        if not result.has_more_pages:
            break
        state = result.paging_state
    assert sorted(seen, key=str) == expected


def test_a_node_directory_is_opened_by_one_owner_at_a_time(tmp_path: Path) -> None:
    from engine import DirectoryInUse

    with Cluster.open(tmp_path / "c"), pytest.raises(DirectoryInUse, match="in use by another process"):
        Cluster.open(tmp_path / "c")
    with Cluster.open(tmp_path / "c") as again:  # released on shutdown
        assert again.connect().execute("SELECT keyspace_name FROM system_schema.keyspaces").all()
