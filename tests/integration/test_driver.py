"""cassandra-driver against a cqlkit node over the native protocol (v4 and v5, LZ4 compression on)."""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import uuid

import pytest
from cassandra import AlreadyExists, InvalidRequest
from cassandra.cluster import Cluster, Session
from cassandra.protocol import SyntaxException
from cassandra.query import UNSET_VALUE, BatchStatement, BatchType, SimpleStatement
from cassandra.util import Duration

from engine.cluster.server import NodeServer
from engine.cql3.statements.base import ClientState
from engine.errors import CqlError
from tests.integration.conftest import driver_cluster


def _engine_error(served: NodeServer, query: str, keyspace: str | None = None) -> CqlError:
    """The error the engine itself gives for ``query``: the driver must show the same text."""
    try:
        served.node.query_processor.execute(query, ClientState(keyspace))
    except CqlError as e:
        return e
    raise AssertionError(f"{query} did not fail")


def test_control_connection_reads_the_node(cluster: Cluster, session: Session, served: NodeServer) -> None:
    row = session.execute("SELECT * FROM system.local WHERE key = 'local'").one()
    assert row.cluster_name == served.node.query_processor.cluster_name == cluster.metadata.cluster_name
    assert row.release_version == "5.0.0"
    assert row.native_protocol_version == "5"
    assert row.partitioner == "org.apache.cassandra.dht.Murmur3Partitioner"
    assert (row.data_center, row.rack, row.bootstrapped) == ("datacenter1", "rack1", "COMPLETED")
    assert row.host_id == served.host_id
    assert row.schema_version == served.node.catalog.schema.version
    assert row.rpc_port == served.port
    assert len(row.tokens) == 16
    assert list(session.execute("SELECT * FROM system.peers_v2")) == []
    hosts = cluster.metadata.all_hosts()
    assert [(h.address, h.datacenter, h.rack, h.host_id) for h in hosts] == [
        ("127.0.0.1", "datacenter1", "rack1", served.host_id)
    ]
    assert len(cluster.metadata.token_map.ring) == 16


def test_compression_is_negotiated(cluster: Cluster, session: Session) -> None:
    """``compression="lz4"`` makes the driver fail unless the server offers LZ4; the connection then
    compresses frames (v4) or segments (v5)."""
    connection = cluster.control_connection._connection
    assert connection.compressor is not None
    if cluster.protocol_version >= 5:
        assert connection._is_checksumming_enabled
        assert connection._segment_codec.compression
    assert session.execute("SELECT key FROM system.local").one()[0] == "local"


def test_schema_metadata(cluster: Cluster, session: Session, keyspace: str) -> None:
    session.execute(f"CREATE TYPE {keyspace}.address (street text, zip int)")
    session.execute(
        f"CREATE TABLE {keyspace}.meta (k int, c text, v frozen<address>, s set<int>, PRIMARY KEY (k, c))"
        " WITH CLUSTERING ORDER BY (c DESC)"
    )
    table = cluster.metadata.keyspaces[keyspace].tables["meta"]
    assert [c.name for c in table.partition_key] == ["k"]
    assert [c.name for c in table.clustering_key] == ["c"]
    assert table.columns["v"].cql_type == "frozen<address>"
    assert table.columns["s"].cql_type == "set<int>"
    assert "address" in cluster.metadata.keyspaces[keyspace].user_types
    assert table.export_as_string().startswith(f"CREATE TABLE {keyspace}.meta (")


def test_prepared_insert_with_null_and_unset(session: Session, keyspace: str) -> None:
    session.execute(f"CREATE TABLE {keyspace}.kv (k int, c int, v text, w int, PRIMARY KEY (k, c))")
    insert = session.prepare(f"INSERT INTO {keyspace}.kv (k, c, v, w) VALUES (?, ?, ?, ?)")
    assert [c.name for c in insert.column_metadata] == ["k", "c", "v", "w"]
    assert insert.routing_key_indexes == [0]
    session.execute(insert, (1, 1, "one", 10))
    session.execute(insert, (1, 1, UNSET_VALUE, UNSET_VALUE))  # leaves the row as it is
    assert tuple(session.execute(f"SELECT v, w FROM {keyspace}.kv WHERE k = 1 AND c = 1").one()) == (
        "one",
        10,
    )
    session.execute(insert, (1, 1, None, UNSET_VALUE))  # null: a tombstone for v only
    assert tuple(session.execute(f"SELECT v, w FROM {keyspace}.kv WHERE k = 1 AND c = 1").one()) == (None, 10)
    select = session.prepare(f"SELECT c, v FROM {keyspace}.kv WHERE k = ? AND c = ?")
    assert tuple(session.execute(select, (1, 1)).one()) == (1, None)
    named = session.execute(select, {"k": 1, "c": 1}).one()
    assert named.c == 1


def test_paging_over_all_pages(session: Session, keyspace: str) -> None:
    session.execute(f"CREATE TABLE {keyspace}.paged (k int, c int, v text, PRIMARY KEY (k, c))")
    insert = session.prepare(f"INSERT INTO {keyspace}.paged (k, c, v) VALUES (?, ?, ?)")
    for k in range(3):
        for c in range(20):
            session.execute(insert, (k, c, f"{k}/{c}"))
    result = session.execute(SimpleStatement(f"SELECT * FROM {keyspace}.paged", fetch_size=7))
    assert result.has_more_pages
    assert len(result.current_rows) == 7
    rows = list(result)
    assert len(rows) == 60
    assert sorted((r.k, r.c) for r in rows) == [(k, c) for k in range(3) for c in range(20)]
    prepared = session.prepare(f"SELECT c FROM {keyspace}.paged WHERE k = ?")
    prepared.fetch_size = 6
    assert [r.c for r in session.execute(prepared, (2,))] == list(range(20))


def test_batch(session: Session, keyspace: str) -> None:
    session.execute(f"CREATE TABLE {keyspace}.batched (k int, c int, v text, PRIMARY KEY (k, c))")
    insert = session.prepare(f"INSERT INTO {keyspace}.batched (k, c, v) VALUES (?, ?, ?)")
    batch = BatchStatement(batch_type=BatchType.LOGGED)
    batch.add(insert, (1, 1, "a"))
    batch.add(insert, (2, 1, "b"))
    batch.add(SimpleStatement(f"INSERT INTO {keyspace}.batched (k, c, v) VALUES (%s, %s, %s)"), (3, 1, "c"))
    batch.add(f"DELETE FROM {keyspace}.batched WHERE k = 2 AND c = 1")  # same timestamp: the delete wins
    session.execute(batch)
    rows = sorted(tuple(r) for r in session.execute(f"SELECT k, c, v FROM {keyspace}.batched"))
    assert rows == [(1, 1, "a"), (3, 1, "c")]

    session.execute(f"CREATE TABLE {keyspace}.counts (k int PRIMARY KEY, n counter)")
    counter = BatchStatement(batch_type=BatchType.COUNTER)
    counter.add(f"UPDATE {keyspace}.counts SET n = n + 2 WHERE k = 1")
    counter.add(f"UPDATE {keyspace}.counts SET n = n + 3 WHERE k = 1")
    session.execute(counter)
    assert session.execute(f"SELECT n FROM {keyspace}.counts WHERE k = 1").one().n == 5
    with pytest.raises(InvalidRequest, match="Cannot include a counter statement in a logged batch"):
        mixed = BatchStatement(batch_type=BatchType.LOGGED)
        mixed.add(f"UPDATE {keyspace}.counts SET n = n + 1 WHERE k = 1")
        session.execute(mixed)


def test_protocol_batch_warnings_reach_the_driver(session: Session, keyspace: str) -> None:
    session.execute(f"CREATE TABLE {keyspace}.spread (k int PRIMARY KEY, v int)")
    insert = session.prepare(f"INSERT INTO {keyspace}.spread (k, v) VALUES (?, ?)")
    batch = BatchStatement(batch_type=BatchType.UNLOGGED)
    for k in range(11):
        batch.add(insert, (k, k))
    future = session.execute_async(batch)
    future.result()
    assert future.warnings == [
        f"Unlogged batch covering 11 partitions detected against table [{keyspace}.spread]. You should use a "
        "logged batch for atomicity, or asynchronous writes for performance."
    ]


def test_tracing_records_a_session_the_driver_reads_back(session: Session, keyspace: str) -> None:
    session.execute(f"CREATE TABLE {keyspace}.traced (k int PRIMARY KEY, v text)")
    write = session.execute(f"INSERT INTO {keyspace}.traced (k, v) VALUES (1, 'a')", trace=True)
    trace = write.get_query_trace(max_wait_sec=5)
    assert trace.request_type == "Execute CQL3 query"
    assert trace.parameters["query"] == f"INSERT INTO {keyspace}.traced (k, v) VALUES (1, 'a')"
    assert [e.description for e in trace.events] == [
        f"Parsing INSERT INTO {keyspace}.traced (k, v) VALUES (1, 'a')",
        "Preparing statement",
        "Determining replicas for mutation",
        "Appending to commitlog",
        "Adding to traced memtable",
    ]
    elapsed = [e.source_elapsed for e in trace.events]
    assert elapsed == sorted(elapsed) and trace.duration >= elapsed[-1]
    prepared = session.prepare(f"SELECT v FROM {keyspace}.traced WHERE k = ?")
    read = session.execute(prepared, (1,), trace=True)
    events = [e.description for e in read.get_query_trace(max_wait_sec=5).events]
    assert events == ["Executing single-partition query on traced"]  # a prepared statement parses nothing
    sessions = len(session.execute("SELECT session_id FROM system_traces.sessions").all())
    session.execute(f"SELECT v FROM {keyspace}.traced WHERE k = 1")  # not traced: no session
    assert len(session.execute("SELECT session_id FROM system_traces.sessions").all()) == sessions


def test_system_views_clients_lists_the_connections(session: Session) -> None:
    rows = session.execute("SELECT * FROM system_views.clients").all()
    assert rows and all(r.address == "127.0.0.1" and r.connection_stage == "ready" for r in rows)
    assert {r.driver_name for r in rows} == {"Apache Cassandra Python Driver"}  # its STARTUP option
    assert all(r.username == "anonymous" and r.ssl_enabled is False for r in rows)
    assert max(r.request_count for r in rows) > 0


def test_statements_on_a_dropped_table_are_prepared_again(session: Session, keyspace: str) -> None:
    session.execute(f"CREATE TABLE {keyspace}.recreated (k int PRIMARY KEY, v text)")
    insert = session.prepare(f"INSERT INTO {keyspace}.recreated (k, v) VALUES (?, ?)")
    session.execute(f"DROP TABLE {keyspace}.recreated")
    with pytest.raises(InvalidRequest, match="table recreated does not exist"):
        session.execute(insert, (1, "a"))  # Unprepared, re-prepared by the driver, refused
    session.execute(f"CREATE TABLE {keyspace}.recreated (k int PRIMARY KEY, v text)")
    session.execute(insert, (1, "a"))  # the new table's statement
    assert session.execute(f"SELECT v FROM {keyspace}.recreated WHERE k = 1").one().v == "a"


def test_lightweight_transactions(session: Session, keyspace: str) -> None:
    session.execute(f"CREATE TABLE {keyspace}.lwt (k int PRIMARY KEY, v text)")
    first = session.execute(f"INSERT INTO {keyspace}.lwt (k, v) VALUES (1, 'a') IF NOT EXISTS")
    assert first.was_applied
    second = session.execute(f"INSERT INTO {keyspace}.lwt (k, v) VALUES (1, 'b') IF NOT EXISTS")
    assert not second.was_applied
    assert second.one().v == "a"
    update = session.prepare(f"UPDATE {keyspace}.lwt SET v = ? WHERE k = ? IF v = ?")
    assert session.execute(update, ("c", 1, "a")).was_applied
    failed = session.execute(update, ("d", 1, "a"))
    assert not failed.was_applied
    assert failed.one().v == "c"


def test_errors_are_the_drivers_exceptions_with_cassandras_messages(
    session: Session, keyspace: str, served: NodeServer
) -> None:
    create = f"CREATE KEYSPACE {keyspace} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    with pytest.raises(AlreadyExists) as exists:
        session.execute(create)
    assert (exists.value.keyspace, exists.value.table) == (keyspace, "")
    assert str(exists.value) == f"Keyspace '{keyspace}' already exists"
    session.execute(f"CREATE TABLE IF NOT EXISTS {keyspace}.dup (k int PRIMARY KEY)")
    with pytest.raises(AlreadyExists) as table_exists:
        session.execute(f"CREATE TABLE {keyspace}.dup (k int PRIMARY KEY)")
    assert (table_exists.value.keyspace, table_exists.value.table) == (keyspace, "dup")

    missing = f"SELECT * FROM {keyspace}.nope"
    with pytest.raises(InvalidRequest) as invalid:
        session.execute(missing)
    assert "table nope does not exist" in str(invalid.value)
    assert _engine_error(served, missing).message in str(invalid.value)
    assert "code=2200 [Invalid query]" in str(invalid.value)

    broken = "SELEC * FROM t"
    with pytest.raises(SyntaxException) as syntax:
        session.execute(broken)
    assert syntax.value.code == 0x2000
    assert syntax.value.message == _engine_error(served, broken).message


def test_types_round_trip(session: Session, keyspace: str) -> None:
    session.execute(f"CREATE TYPE {keyspace}.point (x int, y int)")
    session.execute(
        f"CREATE TABLE {keyspace}.types (k int PRIMARY KEY, a ascii, b bigint, bl blob, bo boolean, "
        "d date, de decimal, du duration, f float, i inet, l list<int>, m map<text, int>, s set<text>, "
        "t time, ts timestamp, tu tuple<int, text>, u uuid, tid timeuuid, vi varint, p frozen<point>, "
        "si smallint, ti tinyint, ve vector<float, 3>)"
    )
    values = (
        "abc",
        2**40,
        b"\x00\x01",
        True,
        datetime.date(2024, 2, 29),
        decimal.Decimal("3.14159"),
        Duration(1, 2, 3),
        1.5,
        ipaddress.ip_address("10.0.0.1"),
        [1, 2, 3],
        {"a": 1},
        {"x", "y"},
        datetime.time(12, 30, 1),
        datetime.datetime(2024, 1, 2, 3, 4, 5),
        (7, "seven"),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        uuid.UUID("e7ca2b40-7d5b-11ee-b962-0242ac120002"),
        10**30,
        None,
        -3,
        5,
        [1.0, 2.0, 3.0],
    )
    columns = "a, b, bl, bo, d, de, du, f, i, l, m, s, t, ts, tu, u, tid, vi, p, si, ti, ve"
    markers = ", ".join("?" for _ in values)
    insert = session.prepare(f"INSERT INTO {keyspace}.types (k, {columns}) VALUES (?, {markers})")
    session.execute(insert, (1, *values))
    session.execute(f"UPDATE {keyspace}.types SET p = {{x: 1, y: 2}} WHERE k = 1")
    row = session.execute(f"SELECT {columns} FROM {keyspace}.types WHERE k = 1").one()
    assert row.a == "abc" and row.b == 2**40 and row.bl == b"\x00\x01" and row.bo is True
    assert row.d.date() == datetime.date(2024, 2, 29)
    assert row.de == decimal.Decimal("3.14159") and row.du == Duration(1, 2, 3) and row.f == 1.5
    assert row.i == "10.0.0.1" and row.l == [1, 2, 3] and row.m == {"a": 1} and set(row.s) == {"x", "y"}
    assert row.t.time() == datetime.time(12, 30, 1)
    assert row.ts == datetime.datetime(2024, 1, 2, 3, 4, 5)
    assert row.tu == (7, "seven") and row.vi == 10**30 and (row.si, row.ti) == (-3, 5)
    assert (row.p.x, row.p.y) == (1, 2)
    assert list(row.ve) == [1.0, 2.0, 3.0]


def test_use_keyspace_per_connection(session: Session, keyspace: str) -> None:
    session.execute(
        f"CREATE TABLE IF NOT EXISTS {keyspace}.kv (k int, c int, v text, w int, PRIMARY KEY (k, c))"
    )
    session.set_keyspace(keyspace)
    assert session.execute("SELECT count(*) FROM kv").one()[0] >= 0
    session.set_keyspace("system")


def test_protocol_negotiation_from_the_drivers_default(served: NodeServer) -> None:
    cluster = driver_cluster(served, None)
    try:
        session = cluster.connect()
        assert cluster.protocol_version == 5
        assert session.execute("SELECT release_version FROM system.local").one()[0] == "5.0.0"
    finally:
        cluster.shutdown()


def test_protocol_v3(served: NodeServer) -> None:
    cluster = driver_cluster(served, 3, compression=True)
    try:
        session = cluster.connect()
        assert session.execute("SELECT key FROM system.local").one()[0] == "local"
    finally:
        cluster.shutdown()


def test_large_values_cross_segment_boundaries(session: Session, keyspace: str) -> None:
    """A 300 KB value: in v5 both the request and the response span several segments."""
    session.execute(f"CREATE TABLE {keyspace}.blobs (k int PRIMARY KEY, data blob)")
    payload = bytes(range(256)) * 1200
    insert = session.prepare(f"INSERT INTO {keyspace}.blobs (k, data) VALUES (?, ?)")
    session.execute(insert, (1, payload))
    session.execute(insert, (2, b"\x07" * 300_000))  # compresses well
    rows = dict(tuple(r) for r in session.execute(f"SELECT k, data FROM {keyspace}.blobs"))
    assert rows == {1: payload, 2: b"\x07" * 300_000}


def test_unprepared_statements_are_reprepared_by_the_driver(session: Session, served: NodeServer) -> None:
    select = session.prepare("SELECT key FROM system.local WHERE key = ?")
    served.node.query_processor._prepared.clear()  # as after a restart: the node forgot every statement
    served.handler._prepared.clear()
    assert session.execute(select, ("local",)).one()[0] == "local"


def test_conditional_batch_on_one_partition(session: Session, keyspace: str) -> None:
    session.execute(f"CREATE TABLE {keyspace}.cas (k int, c int, v text, PRIMARY KEY (k, c))")
    insert = session.prepare(f"INSERT INTO {keyspace}.cas (k, c, v) VALUES (?, ?, ?) IF NOT EXISTS")
    batch = BatchStatement(batch_type=BatchType.LOGGED)
    batch.add(insert, (1, 1, "a"))
    batch.add(insert, (1, 2, "b"))
    assert session.execute(batch).one()[0] is True
    again = BatchStatement(batch_type=BatchType.LOGGED)
    again.add(insert, (1, 1, "x"))
    again.add(insert, (1, 3, "c"))
    result = session.execute(again).one()
    assert result[0] is False  # c = 1 exists: nothing of the batch is applied
    rows = sorted(tuple(r) for r in session.execute(f"SELECT c, v FROM {keyspace}.cas WHERE k = 1"))
    assert rows == [(1, "a"), (2, "b")]
