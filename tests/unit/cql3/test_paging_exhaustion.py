"""When a page is full the result carries a paging state, even if no row follows (Cassandra's pagers do
not read ahead: DataLimits.isExhausted is ``counted < count``); the next page is then empty. A LIMIT
reached exactly ends the paging."""

from __future__ import annotations

from pathlib import Path

from engine.cluster.session import Cluster


def test_a_full_last_page_still_pages_and_a_reached_limit_does_not(tmp_path: Path) -> None:
    with Cluster.open(tmp_path / "c") as cluster:
        session = cluster.connect()
        session.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        session.execute("CREATE TABLE ks.t (k int, c int, PRIMARY KEY (k, c))")
        for c in range(4):
            session.execute(f"INSERT INTO ks.t (k, c) VALUES (1, {c})")
        query = "SELECT c FROM ks.t WHERE k = 1"
        first = session.execute(query, fetch_size=2)
        second = session.execute(query, fetch_size=2, paging_state=first.paging_state)
        assert [r.c for r in first] + [r.c for r in second] == [0, 1, 2, 3]
        assert second.paging_state is not None  # full page: the pager cannot know it was the last
        third = session.execute(query, fetch_size=2, paging_state=second.paging_state)
        assert (third.all(), third.paging_state) == ([], None)
        limited = session.execute(query + " LIMIT 2", fetch_size=2)
        assert ([r.c for r in limited], limited.paging_state) == ([0, 1], None)
