"""TTLs expire on the node's clock (injected here, so no test sleeps)."""

from __future__ import annotations

from pathlib import Path

from engine.cluster.session import Cluster


class FakeClock:
    def __init__(self, micros: int) -> None:
        self.micros = micros

    def __call__(self) -> int:
        return self.micros

    def advance(self, seconds: int) -> None:
        self.micros += seconds * 1_000_000


def test_cells_rows_and_default_ttl_expire(tmp_path: Path) -> None:
    clock = FakeClock(1_700_000_000_000_000)
    with Cluster.open(tmp_path / "c") as cluster:
        cluster.nodes[0].context.clock_micros = clock
        s = cluster.connect()
        s.execute(
            "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"
        )
        s.set_keyspace("ks")
        s.execute("CREATE TABLE t (k int PRIMARY KEY, a text, b text) WITH default_time_to_live = 100")
        s.execute("INSERT INTO t (k, a) VALUES (1, 'default ttl')")
        s.execute("INSERT INTO t (k, a) VALUES (2, 'short') USING TTL 10")
        s.execute("UPDATE t USING TTL 0 SET b = 'forever' WHERE k = 2")
        assert s.execute("SELECT ttl(a) FROM t WHERE k = 1").one()[0] == 100
        clock.advance(11)
        row = s.execute("SELECT a, b FROM t WHERE k = 2").one()
        assert (row.a, row.b) == (None, "forever")  # the row lives on through its untimed cell
        assert s.execute("SELECT ttl(a) FROM t WHERE k = 1").one()[0] == 89
        cluster.nodes[0].storage.flush_all()  # expiry holds for data read back from SSTables too
        clock.advance(90)
        assert s.execute("SELECT * FROM t WHERE k = 1").one() is None
        assert [r.k for r in s.execute("SELECT k FROM t")] == [2]
