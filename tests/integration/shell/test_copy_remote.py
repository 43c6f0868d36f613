"""COPY FROM through a served node: rows of interleaved partitions travel as full batches of one partition
(held across chunks, shell/copy/grouping.py), every row arrives, and of two rows with one primary key
the later row of the file wins (they never share a batch, whose statements share a timestamp)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cassandra.cluster import Session

from engine.cluster.server import NodeServer
from shell.cli import main as cqlsh
from shell.connection.driver import DriverConnection


def test_interleaved_partitions_load_as_batches_of_one_partition(
    served: NodeServer, session: Session, keyspace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session.execute(f"CREATE TABLE {keyspace}.copied (p int, c int, v text, PRIMARY KEY (p, c))")
    lines = [f"{i % 4},{i // 4},v{i}" for i in range(40)]  # 4 partitions, round robin
    # the key of line 14 (2,3,v14) again while that row still waits for its batch to fill: in one batch
    # (one timestamp) the greater value, "v14", would win; the later line must
    lines.insert(15, "2,3,later")
    (tmp_path / "rows.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "cqlshrc").write_text("")
    sent: list[list[list[bytes | None]]] = []
    write = DriverConnection.write

    def recording(self, query, batches, consistency, concurrency, counter=False):  # type: ignore[no-untyped-def]
        sent.extend(batches)
        return write(self, query, batches, consistency, concurrency, counter)

    monkeypatch.setattr(DriverConnection, "write", recording)
    out, err = io.StringIO(), io.StringIO()
    copy = f"COPY {keyspace}.copied FROM 'rows.csv' WITH CHUNKSIZE = 4 AND MAXBATCHSIZE = 5"
    monkeypatch.chdir(tmp_path)
    status = cqlsh(
        ["127.0.0.1", str(served.port), "--cqlshrc", str(tmp_path / "cqlshrc"), "-e", copy],
        stdout=out,
        stderr=err,
    )
    assert (status, err.getvalue()) == (0, "")
    assert "41 rows imported from 1 files" in out.getvalue()
    partitions = [{row[0] for row in batch} for batch in sent]
    assert all(len(p) == 1 for p in partitions)  # every batch one partition
    assert sorted(len(batch) for batch in sent) == [2, 4, 5, 5, 5, 5, 5, 5, 5]
    rows = {(r.p, r.c): r.v for r in session.execute(f"SELECT p, c, v FROM {keyspace}.copied")}
    assert len(rows) == 40 and rows[(2, 3)] == "later"
