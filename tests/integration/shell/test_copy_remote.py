"""COPY FROM through a served node: rows of interleaved partitions travel as full batches of one partition
(held across chunks, shell/copy/grouping.py), every row arrives, and of two rows with one primary key
the later row of the file wins (they never share a batch, whose statements share a timestamp)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from cassandra.cluster import Session

from engine.cluster.server import NodeServer
from shell.cli import main as cqlsh
from shell.connection.native import NativeConnection
from shell.connection.native_writes import NativeWriter
from shell.connection.remote_options import DriverOptions


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
    write = NativeWriter.write

    def recording(self, query, batches, consistency, concurrency, counter=False):  # type: ignore[no-untyped-def]
        sent.extend(batches)
        return write(self, query, batches, consistency, concurrency, counter)

    monkeypatch.setattr(NativeWriter, "write", recording)  # a batch run writes over its native connection
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


def test_a_batch_the_server_refuses_is_reported_as_through_the_driver(
    served: NodeServer, session: Session, keyspace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The native writes' retries, messages and error file are the driver path's (``--cqlversion`` makes a
    shell use the driver): a key over 65,535 bytes is refused by the server on every attempt."""
    session.execute(f"CREATE TABLE {keyspace}.refused (k text PRIMARY KEY, v int)")
    (tmp_path / "rows.csv").write_text(f"ok,1\n{'k' * 70_000},2\n")  # one batch of two partitions
    (tmp_path / "cqlshrc").write_text("")
    monkeypatch.chdir(tmp_path)
    runs = []
    for extra in ([], ["--cqlversion", "3.4.7"]):
        out, err = io.StringIO(), io.StringIO()
        copy = f"COPY {keyspace}.refused FROM 'rows.csv' WITH MAXATTEMPTS = 2 AND ERRFILE = 'refused.err'"
        status = cqlsh(
            ["127.0.0.1", str(served.port), "--cqlshrc", str(tmp_path / "cqlshrc"), *extra, "-e", copy],
            stdout=out,
            stderr=err,
        )
        error_file = (tmp_path / "refused.err").read_text()
        (tmp_path / "refused.err").unlink()
        summary = re.sub(r"Processed: .*?\r\r", "", out.getvalue()).split(" in ")[0]  # no rates
        runs.append((status, err.getvalue(), summary, error_file))
    native, driver = runs
    assert native == driver
    assert native[1] == (
        "<stdin>:1:Failed to import 2 rows: InvalidRequest - Error from server: code=2200 [Invalid query] "
        'message="Key length of 70000 is longer than maximum of 65535",  will retry later, attempt 1 of 2\n'
        "<stdin>:1:Failed to import 2 rows: InvalidRequest - Error from server: code=2200 [Invalid query] "
        'message="Key length of 70000 is longer than maximum of 65535",  given up after 2 attempts\n'
        "<stdin>:1:Failed to process 2 rows; failed rows written to refused.err\n"
    )
    assert native[3] == f"ok,1\n{'k' * 70_000},2\n"


def test_a_statement_the_server_forgot_is_prepared_again(
    served: NodeServer, session: Session, keyspace: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """UNPREPARED (a restarted node has forgotten the statement): the batch is prepared again and resent,
    as the driver does, and no row is lost or reported."""
    session.execute(f"CREATE TABLE {keyspace}.forgotten (p int, c int, PRIMARY KEY (p, c))")
    (tmp_path / "rows.csv").write_text("".join(f"{i % 3},{i}\n" for i in range(60)))
    (tmp_path / "cqlshrc").write_text("")
    write = NativeWriter.write
    calls = 0

    def forgetting(self, query, batches, consistency, concurrency, counter=False):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls > 1:
            served.handler._prepared.clear()  # every statement id the node knew
        return write(self, query, batches, consistency, concurrency, counter)

    monkeypatch.setattr(NativeWriter, "write", forgetting)
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    copy = f"COPY {keyspace}.forgotten FROM 'rows.csv' WITH CHUNKSIZE = 5 AND MAXBATCHSIZE = 5"
    status = cqlsh(
        ["127.0.0.1", str(served.port), "--cqlshrc", str(tmp_path / "cqlshrc"), "-e", copy],
        stdout=out,
        stderr=err,
    )
    assert (status, err.getvalue()) == (0, "") and calls > 2
    assert "60 rows imported from 1 files" in out.getvalue()
    assert session.execute(f"SELECT count(*) FROM {keyspace}.forgotten").one()[0] == 60


def test_batches_beyond_the_window_wait_in_a_queue_without_stopping_the_shell(
    served: NodeServer, session: Session, keyspace: str
) -> None:
    """With the window full, ``write`` queues the batches (up to one more window of them) and returns, so
    the shell goes on parsing; ``collect`` sends them as answers free the window, and settling reads the rest.
    The node is held busy (its execution lock taken) so that no answer comes while the queue is looked at."""
    session.execute(f"CREATE TABLE {keyspace}.windowed (p int, c int, PRIMARY KEY (p, c))")
    connection = NativeConnection(DriverOptions(port=served.port), keyspace)
    query = f"INSERT INTO {keyspace}.windowed (p, c) VALUES (?, ?)"

    def batch(p: int) -> list[list[bytes | None]]:
        return [[p.to_bytes(4, "big"), c.to_bytes(4, "big")] for c in range(3)]

    try:
        assert connection.write(query, [batch(0)], "ONE", 2).failures() == []  # prepared, answered
        writer = connection._writer
        assert writer is not None
        with served.handler.execution_lock:
            pending = connection.write(query, [batch(p) for p in range(1, 7)], "ONE", 2)
            assert (len(writer.in_flight), len(writer.queued)) == (2, 4)
            connection.collect_writes()  # no answer yet: nothing more goes out
            assert (len(writer.in_flight), len(writer.queued)) == (2, 4)
        assert pending.failures() == []
        assert not writer.in_flight and not writer.queued
    finally:
        connection.close()
    assert session.execute(f"SELECT count(*) FROM {keyspace}.windowed").one()[0] == 21
